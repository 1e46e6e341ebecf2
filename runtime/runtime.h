/* The runtime: storage, clock, log and the set of tenants, plus the event path
 * (dispatch.c) and durable timers (timers.c). Everything hangs off one pl_runtime;
 * there is no global state. Single-threaded for now: one loop owns the runtime.
 *
 * Ownership: pl_runtime owns the store, the tenants and their code. */
#ifndef PL_RUNTIME_H
#define PL_RUNTIME_H
#include <jansson.h>

#include "clock.h"
#include "event.h"
#include "http_client.h"
#include "job.h"
#include "log.h"
#include "store.h"
#include "tenant.h"

/* Called after commit for every message a tenant sends. */
typedef void (*pl_deliver_fn)(void *ud, pl_tenant *t, const char *channel, const char *chat_id,
                              const json_t *user, const json_t *reply);

typedef struct pl_runtime {
  pl_store *store;
  pl_clock clock;
  pl_log log;
  char *lib_dir;
  pl_tenant **tenants;
  size_t ntenants, cap;
  pl_tenant *removed; /* stopped tenants, freed at close */
  pl_deliver_fn deliver;
  void *deliver_ud;
  uint64_t events, failures;    /* counters for reports */
  pl_channel_registry channels; /* loaded channel plugins */
  bool need_secrets;            /* serve: tenants load only with their channels' secrets */
  uv_loop_t *sync_loop;         /* pl_dispatch's private loop for HTTP waits (lazy) */
  pl_http_client *sync_http;
} pl_runtime;

int pl_runtime_open(pl_runtime **out, const char *data_dir, const pl_store_opts *opts, pl_err *err);
void pl_runtime_close(pl_runtime *rt);
/* scripts/lib: $PARLEY_LIB_DIR, else the source tree's, else beside the binary. */
const char *pl_runtime_default_lib_dir(void);

int pl_runtime_add_tenant(pl_runtime *rt, const char *dir, pl_tenant **out, pl_err *err);
void pl_runtime_remove_tenant(pl_runtime *rt, pl_tenant *t);
pl_tenant *pl_runtime_find_tenant(pl_runtime *rt, const char *key);
/* Compiles the folder again beside the running code; swaps only on success. */
int pl_runtime_reload_tenant(pl_runtime *rt, pl_tenant *t, pl_err *err);

/* The event path: route, run the handler, commit every effect in one transaction,
 * then deliver the replies. Script failures are handled here (error reply, log) and
 * return 0; a non-zero return is a storage failure: nothing was committed. */
int pl_dispatch(pl_runtime *rt, pl_tenant *t, const pl_event *ev, pl_err *err);

/* Durable timers. */
typedef struct pl_due_timer {
  int64_t due;
  char conv[600];
  char name[80];
  json_t *data; /* new reference, or NULL */
  bool found;
} pl_due_timer;
/* The earliest pending timer of t: 1 if found, 0 if none, -1 on a storage error. */
int pl_timers_first(pl_runtime *rt, pl_tenant *t, pl_due_timer *f);
void pl_timers_refresh(pl_runtime *rt, pl_tenant *t);
int64_t pl_runtime_next_due(pl_runtime *rt, pl_tenant **which);
/* Fires every timer due at or before until_ms, earliest first. With step_clock the clock
 * is set to each timer's due time before it fires (simulated time). Returns the count. */
int pl_runtime_fire_due(pl_runtime *rt, int64_t until_ms, bool step_clock, pl_err *err);

/* The stored conversation record ({session, version, buttons, user, ...}); an empty
 * object for a new conversation. New reference. */
json_t *pl_conv_record(pl_runtime *rt, pl_tenant *t, const char *channel, const char *chat_id);

/* Conversation key "channel:chat". */
void pl_conv_key(char *buf, size_t n, const char *channel, const char *chat_id);

#endif
