/* Channel plugins on the runtime side: loading modules (dlopen, once per process per
 * channel) and the per-tenant instances opened from tenant.lua's channels table.
 *
 * Ownership: a registry owns its module handles; a channel set owns its instances. */
#ifndef PL_CHANNELS_H
#define PL_CHANNELS_H
#include <jansson.h>
#include <pthread.h>

#include "parley/channel.h"
#include "parley/error.h"

typedef struct pl_channel_module {
  char *name;
  void *handle;
  const pl_channel_api *api;
} pl_channel_module;

typedef struct pl_channel_registry {
  pthread_mutex_t mu;
  pl_channel_module *v;
  size_t n, cap;
} pl_channel_registry;

typedef struct pl_channel_inst {
  char *name;
  const pl_channel_api *api;
  void *inst;
  json_t *caps; /* what describe() said, or NULL (the plugin has no describe) */
} pl_channel_inst;

typedef struct pl_channel_set {
  pl_channel_inst *v;
  size_t n;
} pl_channel_set;

/* A request a plugin described ({method, url, headers: {...}, body, timeout_ms}) in the
 * form the HTTP client takes; owns its header lines. */
typedef struct pl_channel_outreq {
  const char *hdrs[33];
  char *lines[32];
  size_t nh;
  const char *method, *url, *body;
  size_t body_len;
  long timeout_ms;
} pl_channel_outreq;
void pl_channel_outreq_build(const json_t *rq, pl_channel_outreq *out);
void pl_channel_outreq_free(pl_channel_outreq *out);

/* Sends a plugin's after-commit requests ("send") once, best effort; failures are logged
 * for `tenant`. */
struct pl_http_client;
struct pl_log;
void pl_channel_send_after(struct pl_http_client *client, const json_t *reqs,
                           const struct pl_log *log, const char *tenant);

void pl_channel_registry_init(pl_channel_registry *r);
void pl_channel_registry_free(pl_channel_registry *r);
/* $PARLEY_PLUGIN_DIR, else the build tree's plugins/, else /usr/lib/parley/plugins. */
const char *pl_channel_plugin_dir(void);
int pl_channel_load(pl_channel_registry *r, const char *name, const pl_channel_api **api,
                    pl_err *err);

/* Opens an instance of every channel in `channels` (tenant.lua's table; "console" is
 * built in and skipped). `file` names tenant.lua in error messages. */
int pl_channel_set_open(pl_channel_registry *r, const json_t *channels, const char *file,
                        pl_channel_set *out, pl_err *err);
void pl_channel_set_close(pl_channel_set *s);
pl_channel_inst *pl_channel_set_find(const pl_channel_set *s, const char *name);

#endif
