/* Runtime lifecycle and the tenant set (runtime.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"
#include "watch.h"

static void tenant_free(pl_tenant *t) {
  pl_code_free(t->code);
  pl_channel_set_close(&t->accept_channels);
  free(t->key);
  free(t->dir);
  free(t);
}

int pl_runtime_open(pl_runtime **out, const char *data_dir, const pl_store_opts *opts,
                    pl_err *err) {
  pl_runtime *rt = calloc(1, sizeof *rt);
  if (!rt) return pl_err_set(err, PL_ENOMEM, "out of memory");
  int rc = pl_store_open(&rt->store, data_dir, opts, err);
  if (rc) {
    free(rt);
    return rc;
  }
  rt->lib_dir = strdup(pl_runtime_default_lib_dir());
  pl_channel_registry_init(&rt->channels);
  rt->log.write = pl_log_stderr;
  *out = rt;
  return 0;
}

void pl_runtime_close(pl_runtime *rt) {
  if (!rt) return;
  for (size_t i = 0; i < rt->ntenants; i++)
    tenant_free(rt->tenants[i]);
  free(rt->tenants);
  while (rt->removed) {
    pl_tenant *t = rt->removed;
    rt->removed = t->next_removed;
    tenant_free(t);
  }
  if (rt->sync_http) pl_http_client_close(rt->sync_http);
  if (rt->sync_loop) {
    uv_run(rt->sync_loop, UV_RUN_DEFAULT); /* lets the client finish closing */
    uv_loop_close(rt->sync_loop);
    free(rt->sync_loop);
  }
  pl_store_close(rt->store);
  pl_channel_registry_free(&rt->channels);
  free(rt->lib_dir);
  free(rt);
}

const char *pl_runtime_default_lib_dir(void) {
  const char *env = getenv("PARLEY_LIB_DIR");
  if (env && *env) return env;
  struct stat st;
  if (stat(PARLEY_SOURCE_LIB_DIR, &st) == 0) return PARLEY_SOURCE_LIB_DIR;
  return "/usr/share/parley/lib";
}

static char *clean_dir(const char *dir) {
  char *d = strdup(dir);
  size_t n = strlen(d);
  while (n > 1 && d[n - 1] == '/')
    d[--n] = 0;
  return d;
}

pl_tenant *pl_runtime_find_tenant(pl_runtime *rt, const char *key) {
  for (size_t i = 0; i < rt->ntenants; i++)
    if (!strcmp(rt->tenants[i]->key, key)) return rt->tenants[i];
  return NULL;
}

int pl_runtime_add_tenant(pl_runtime *rt, const char *dir, pl_tenant **out, pl_err *err) {
  char *d = clean_dir(dir);
  const char *slash = strrchr(d, '/');
  const char *key = slash ? slash + 1 : d;
  if (pl_runtime_find_tenant(rt, key)) {
    int rc = pl_err_set(err, PL_EINVAL, "%s: a tenant named \"%s\" is already loaded", d, key);
    free(d);
    return rc;
  }
  pl_tenant *t = calloc(1, sizeof *t);
  t->dir = d;
  t->key = strdup(key);
  t->next_due_ms = INT64_MAX;
  t->signature = pl_watch_signature(d);
  pl_code_env env = {.channels = &rt->channels,
                     .need_secrets = rt->need_secrets,
                     .lib_dir = rt->lib_dir,
                     .clock = &rt->clock,
                     .log = &rt->log};
  int rc = pl_store_tenant_id(rt->store, t->key, &t->id, err);
  if (!rc) rc = pl_store_tenant_key(rt->store, t->id, t->sign_key, err);
  if (!rc) rc = pl_code_load(&t->code, d, t->key, &env, err);
  if (rc) {
    free(t->key);
    free(t->dir);
    free(t);
    return rc;
  }
  if (rt->ntenants == rt->cap) {
    rt->cap = rt->cap ? rt->cap * 2 : 8;
    rt->tenants = realloc(rt->tenants, rt->cap * sizeof *rt->tenants);
  }
  rt->tenants[rt->ntenants++] = t;
  pl_timers_refresh(rt, t);
  if (out) *out = t;
  return 0;
}

void pl_runtime_remove_tenant(pl_runtime *rt, pl_tenant *t) {
  for (size_t i = 0; i < rt->ntenants; i++) {
    if (rt->tenants[i] != t) continue;
    memmove(rt->tenants + i, rt->tenants + i + 1, (rt->ntenants - i - 1) * sizeof *rt->tenants);
    rt->ntenants--;
    /* The code (the Lua state, the bulk) goes now; the small struct stays until close, as
     * late completions (an accept committing, a queued task) may still point at it. */
    pl_code_free(t->code);
    t->code = NULL;
    t->next_removed = rt->removed;
    rt->removed = t;
    return;
  }
}

int pl_runtime_reload_tenant(pl_runtime *rt, pl_tenant *t, pl_err *err) {
  pl_code_env env = {.channels = &rt->channels,
                     .need_secrets = rt->need_secrets,
                     .lib_dir = rt->lib_dir,
                     .clock = &rt->clock,
                     .log = &rt->log};
  pl_code *fresh;
  uint64_t sig = pl_watch_signature(t->dir);
  int rc = pl_code_load(&fresh, t->dir, t->key, &env, err);
  t->signature = sig; /* a broken version is not retried until the files change again */
  if (rc) return rc;
  /* Events run to completion on this thread, so no handler of the old code is active:
   * the new code takes over between two events. */
  pl_code_free(t->code);
  t->code = fresh;
  return 0;
}
