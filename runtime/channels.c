/* Channel plugin loading and instances (see channels.h and include/parley/channel.h). */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "channels.h"
#include "http_client.h"
#include "log.h"

void pl_channel_registry_init(pl_channel_registry *r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
}

void pl_channel_registry_free(pl_channel_registry *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->v[i].name);
    dlclose(r->v[i].handle);
  }
  free(r->v);
  pthread_mutex_destroy(&r->mu);
}

const char *pl_channel_plugin_dir(void) {
  const char *env = getenv("PARLEY_PLUGIN_DIR");
  if (env && *env) return env;
  struct stat st;
  if (stat(PARLEY_BUILD_PLUGIN_DIR, &st) == 0) return PARLEY_BUILD_PLUGIN_DIR;
  return "/usr/lib/parley/plugins";
}

static bool name_ok(const char *n) {
  if (!*n || strlen(n) > 32) return false;
  for (; *n; n++)
    if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '_')) return false;
  return true;
}

int pl_channel_load(pl_channel_registry *r, const char *name, const pl_channel_api **api,
                    pl_err *err) {
  if (!name_ok(name))
    return pl_err_set(err, PL_EINVAL, "channel name \"%s\": use a-z, 0-9 and _", name);
  pthread_mutex_lock(&r->mu);
  for (size_t i = 0; i < r->n; i++) {
    if (!strcmp(r->v[i].name, name)) {
      *api = r->v[i].api;
      pthread_mutex_unlock(&r->mu);
      return 0;
    }
  }
  char path[1200];
  snprintf(path, sizeof path, "%s/libparley-channel-%s.so", pl_channel_plugin_dir(), name);
  int rc = 0;
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    rc = pl_err_set(err, PL_ENOTFOUND, "no channel plugin named \"%s\" (%s)", name, dlerror());
    goto out;
  }
  pl_channel_entry_fn entry = (pl_channel_entry_fn)dlsym(h, PL_CHANNEL_ENTRY);
  const pl_channel_api *a = entry ? entry() : NULL;
  if (!a || a->abi != PL_CHANNEL_ABI || a->size < offsetof(pl_channel_api, poll_request) ||
      !a->open || !a->close || !a->webhook || !a->render || !a->classify) {
    dlclose(h);
    rc = pl_err_set(err, PL_EINVAL,
                    "%s is not a parley channel plugin of ABI %d (missing %s or a function)", path,
                    PL_CHANNEL_ABI, PL_CHANNEL_ENTRY);
    goto out;
  }
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 8;
    r->v = realloc(r->v, r->cap * sizeof *r->v);
  }
  r->v[r->n++] = (pl_channel_module){strdup(name), h, a};
  *api = a;
out:
  pthread_mutex_unlock(&r->mu);
  return rc;
}

int pl_channel_set_open(pl_channel_registry *r, const json_t *channels, const char *file,
                        pl_channel_set *out, pl_err *err) {
  memset(out, 0, sizeof *out);
  size_t n = json_object_size(channels);
  out->v = calloc(n ? n : 1, sizeof *out->v);
  const char *name;
  json_t *cfg;
  json_object_foreach((json_t *)channels, name, cfg) {
    if (!strcmp(name, "console")) continue;
    const pl_channel_api *api;
    pl_err lerr;
    if (pl_channel_load(r, name, &api, &lerr)) {
      pl_channel_set_close(out);
      return pl_err_set(err, PL_EINVAL, "%s: channels.%s: %s", file, name, lerr.msg);
    }
    /* Settings the runtime owns (pacing) are not the plugin's business. */
    json_t *own = json_deep_copy(cfg);
    json_object_del(own, "rate_per_second");
    json_object_del(own, "chat_rate_per_second");
    char *text = json_dumps(own, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(own);
    char *why = NULL;
    void *inst = api->open(text, &why);
    free(text);
    if (!inst) {
      int rc = pl_err_set(err, PL_EINVAL, "%s: %s", file, why ? why : "channel refused its config");
      free(why);
      pl_channel_set_close(out);
      return rc;
    }
    json_t *caps = NULL;
    if (PL_CHANNEL_HAS(api, describe)) {
      char *d = api->describe(inst);
      caps = d ? json_loads(d, 0, NULL) : NULL;
      free(d);
      if (!json_is_object(caps)) { /* a plugin bug: scripts then see the name only */
        json_decref(caps);
        caps = NULL;
      }
    }
    out->v[out->n++] = (pl_channel_inst){strdup(name), api, inst, caps};
  }
  return 0;
}

void pl_channel_set_close(pl_channel_set *s) {
  for (size_t i = 0; i < s->n; i++) {
    s->v[i].api->close(s->v[i].inst);
    json_decref(s->v[i].caps);
    free(s->v[i].name);
  }
  free(s->v);
  memset(s, 0, sizeof *s);
}

pl_channel_inst *pl_channel_set_find(const pl_channel_set *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->v[i].name, name)) return &s->v[i];
  return NULL;
}

void pl_channel_outreq_build(const json_t *rq, pl_channel_outreq *out) {
  memset(out, 0, sizeof *out);
  const char *hn;
  json_t *hv;
  json_object_foreach((json_t *)json_object_get(rq, "headers"), hn, hv) {
    if (out->nh == 32 || !json_is_string(hv)) continue;
    size_t len = strlen(hn) + json_string_length(hv) + 3;
    out->lines[out->nh] = malloc(len);
    snprintf(out->lines[out->nh], len, "%s: %s", hn, json_string_value(hv));
    out->hdrs[out->nh] = out->lines[out->nh];
    out->nh++;
  }
  out->hdrs[out->nh] = NULL;
  out->method = json_string_value(json_object_get(rq, "method"));
  out->url = json_string_value(json_object_get(rq, "url"));
  out->body = json_string_value(json_object_get(rq, "body"));
  out->body_len = out->body ? strlen(out->body) : 0;
  out->timeout_ms = (long)json_integer_value(json_object_get(rq, "timeout_ms"));
}

void pl_channel_outreq_free(pl_channel_outreq *out) {
  for (size_t k = 0; k < out->nh; k++)
    free(out->lines[k]);
  out->nh = 0;
}

typedef struct after_req {
  const pl_log *log;
  char tenant[256];
} after_req;

static void after_done(void *ud, const pl_http_client_resp *resp) {
  after_req *ar = ud;
  if (resp->status < 200 || resp->status >= 300)
    pl_log_printf(ar->log, ar->tenant, "a channel's after-commit request failed: %s",
                  resp->error ? resp->error : resp->body);
  free(ar);
}

void pl_channel_send_after(pl_http_client *client, const json_t *reqs, const pl_log *log,
                           const char *tenant) {
  size_t i;
  json_t *rq;
  json_array_foreach(reqs, i, rq) {
    pl_channel_outreq o;
    pl_channel_outreq_build(rq, &o);
    pl_http_client_req req = {.method = o.method,
                              .url = o.url,
                              .headers = o.hdrs,
                              .body = o.body,
                              .body_len = o.body_len,
                              .timeout_ms = 5000};
    after_req *ar = calloc(1, sizeof *ar);
    ar->log = log;
    snprintf(ar->tenant, sizeof ar->tenant, "%s", tenant);
    pl_err err;
    if (!client || pl_http_client_request(client, &req, after_done, ar, &err)) free(ar);
    pl_channel_outreq_free(&o);
  }
}
