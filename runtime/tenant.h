/* A tenant: one folder (tenant.lua + bot.lua + modules) and the compiled code serving
 * it. A pl_code is one loaded version in its own sandbox; reload builds a new pl_code
 * beside the old one and swaps it in only if it loaded cleanly.
 *
 * Ownership: pl_tenant owns its strings and its current pl_code; pl_code owns its
 * sandbox and its config. */
#ifndef PL_TENANT_H
#define PL_TENANT_H
#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#include "channels.h"
#include "sandbox.h"

typedef struct pl_tenant_config {
  char *name, *locale, *timezone, *error_reply;
  int64_t instructions;
  size_t memory;
  int http_concurrency; /* bot.http.request calls in flight at once */
  json_t *channels;
  json_t *unset_env; /* without need_secrets: a note per channel left out because one of its
                      *_env variables is not set ("channels.X.Y_env: VAR is not set") */
} pl_tenant_config;

typedef struct pl_code {
  pl_sandbox *sb;
  pl_tenant_config cfg;
  char version[17];
  pl_channel_set channels; /* this version's channel instances (used by the worker) */
  int refs;                /* jobs still running on this version (worker thread only) */
  bool retired;            /* replaced by a newer version: freed when refs drops to 0 */
} pl_code;

/* Counters for /metrics, written by the acceptor and the tenant's worker. */
typedef struct pl_tenant_stats {
  _Atomic uint64_t accepted, duplicates, handled, handler_errors, sent, send_retries, dead;
  _Atomic uint64_t reruns; /* events run again: what they read changed before their commit */
  _Atomic int64_t outbox_depth;
  _Atomic uint64_t lat_hist[24]; /* accept to commit; bucket i: < 16 µs * 2^i */
} pl_tenant_stats;

typedef struct pl_tenant {
  char *key; /* folder name: the tenant's stable identity in storage */
  char *dir;
  uint32_t id;
  unsigned char sign_key[32]; /* bot.sign's key (pl_store_tenant_key) */
  pl_code *code;
  uint64_t signature;  /* of the folder's files when code was loaded */
  int64_t next_due_ms; /* earliest pending timer, INT64_MAX if none */
  /* server mode */
  void *worker;                   /* the worker this tenant is pinned to */
  void *wstate;                   /* that worker's private state for it */
  pl_channel_set accept_channels; /* the acceptor's own instances (main loop) */
  _Atomic long queued;            /* accepted, not yet committed events (backpressure) */
  pl_tenant_stats stats;
  _Atomic bool ready; /* its worker finished recovery: webhooks may be accepted */
  int feed_parked;    /* requests waiting on its conversations' feeds (main loop) */
  struct pl_tenant *next_removed;
} pl_tenant;

typedef struct pl_code_env {
  pl_channel_registry *channels; /* NULL: channels are not opened */
  bool need_secrets;             /* serve: every channel setting's *_env variable must be set; else
                                    (chat, test, check) a channel missing one is left out and noted */
  const char *lib_dir;
  const pl_clock *clock;
  const pl_log *log;
} pl_code_env;

/* Reads and validates DIR/tenant.lua (in a bare sandbox); need_secrets as in pl_code_env. */
int pl_tenant_config_load(const char *dir, bool need_secrets, pl_tenant_config *cfg, uint64_t *hash,
                          pl_err *err);
void pl_tenant_config_free(pl_tenant_config *cfg);

/* Loads one version of the tenant in DIR: config, sandbox, bot.lua top level. */
int pl_code_load(pl_code **out, const char *dir, const char *key, const pl_code_env *env,
                 pl_err *err);
void pl_code_free(pl_code *c);

/* Parses "64MB", "512KB", "1GB" or a number of bytes. */
int pl_size_parse(const char *s, size_t *out);

#endif
