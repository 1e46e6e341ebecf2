/* The generic `http` channel as a plugin (docs/http-channel.md): events come in as JSON
 * with a shared secret header, messages go out as JSON POSTs to the tenant's callback.
 * It is also the reference for plugin authors: small, and every ABI call in use. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "parley/channel.h"

typedef struct http_channel {
  char *secret;
  char *callback;
} http_channel;

static char *dup_error(const char *fmt, const char *a) {
  char buf[512];
  snprintf(buf, sizeof buf, fmt, a);
  return strdup(buf);
}

static void *http_open(const char *config, char **error) {
  json_t *cfg = json_loads(config, 0, NULL);
  const char *secret = json_string_value(json_object_get(cfg, "secret"));
  const char *cb = json_string_value(json_object_get(cfg, "callback"));
  if (!secret || strlen(secret) < 8) {
    *error = dup_error("channels.http: set secret_env (the name of an environment variable "
                       "holding the shared secret, 8+ characters) or secret%s",
                       "");
    json_decref(cfg);
    return NULL;
  }
  http_channel *c = calloc(1, sizeof *c);
  c->secret = strdup(secret);
  c->callback = cb ? strdup(cb) : NULL;
  json_decref(cfg);
  return c;
}

static void http_close(void *instance) {
  http_channel *c = instance;
  free(c->secret);
  free(c->callback);
  free(c);
}

static int short_string(const json_t *v, size_t max) {
  return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= max &&
         !memchr(json_string_value(v), 0, json_string_length(v));
}

static char *http_webhook(void *instance, const pl_channel_request *req) {
  http_channel *c = instance;
  if (strcmp(req->method, "POST"))
    return pl_plugin_refuse(405, "method not allowed", "webhooks take POST");
  const char *got = pl_plugin_header(req, "x-parley-secret");
  size_t n = strlen(c->secret);
  if (!got || strlen(got) != n || CRYPTO_memcmp(got, c->secret, n))
    return pl_plugin_refuse(401, "wrong secret",
                            "send the tenant's secret in the X-Parley-Secret header");
  const char *ct = pl_plugin_header(req, "content-type");
  if (!ct || strncasecmp(ct, "application/json", 16))
    return pl_plugin_refuse(415, "unsupported content type",
                            "send the event as Content-Type: application/json");
  json_error_t je;
  json_t *in = json_loadb(req->body, req->body_len, 0, &je);
  char detail[300];
  if (!in) {
    snprintf(detail, sizeof detail, "invalid JSON at line %d, column %d: %s", je.line, je.column,
             je.text);
    return pl_plugin_refuse(400, "invalid event", detail);
  }
  json_t *id = json_object_get(in, "id"), *chat = json_object_get(in, "chat_id");
  json_t *user = json_object_get(in, "user");
  json_t *text = json_object_get(in, "text"), *button = json_object_get(in, "button");
  json_t *start = json_object_get(in, "start");
  int kinds = !!text + !!button + !!start;
  const char *bad = NULL;
  if (!json_is_object(in))
    bad = "the body must be a JSON object";
  else if (!short_string(id, 128))
    bad = "\"id\" must be a string of 1-128 bytes";
  else if (!short_string(chat, 128))
    bad = "\"chat_id\" must be a string of 1-128 bytes";
  else if (user && !json_is_object(user))
    bad = "\"user\" must be an object";
  else if (user && json_object_get(user, "id") && !short_string(json_object_get(user, "id"), 128))
    bad = "\"user.id\" must be a string of 1-128 bytes";
  else if (kinds != 1)
    bad = "exactly one of \"text\", \"button\" or \"start\" is required";
  else if (text && !short_string(text, 16384))
    bad = "\"text\" must be a string of 1-16384 bytes";
  else if (button && !short_string(button, 64))
    bad = "\"button\" must be a button id of 1-64 bytes";
  else if (start && !(json_is_string(start) && json_string_length(start) <= 64))
    bad = "\"start\" must be a payload string of 0-64 bytes";
  if (bad) {
    json_decref(in);
    snprintf(detail, sizeof detail, "%s (see docs/http-channel.md)", bad);
    return pl_plugin_refuse(400, "invalid event", detail);
  }
  json_t *uid = user && json_object_get(user, "id") ? json_object_get(user, "id") : chat;
  json_t *ev = json_pack("{s:O,s:O,s:O}", "event_id", id, "chat_id", chat, "user_id", uid);
  json_t *name = user ? json_object_get(user, "name") : NULL;
  json_t *lang = user ? json_object_get(user, "language") : NULL;
  if (json_is_string(name)) json_object_set(ev, "user_name", name);
  if (json_is_string(lang)) json_object_set(ev, "user_lang", lang);
  if (button) {
    json_object_set_new(ev, "kind", json_string("button"));
    json_object_set(ev, "text", button);
  } else {
    json_object_set_new(ev, "kind", json_string("text"));
    if (text) {
      json_object_set(ev, "text", text);
    } else {
      char cmd[80];
      snprintf(cmd, sizeof cmd, "/start%s%s", json_string_length(start) ? " " : "",
               json_string_value(start));
      json_object_set_new(ev, "text", json_string(cmd));
    }
  }
  json_decref(in);
  json_t *out = json_pack("{s:[o]}", "events", ev);
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

/* The canonical message's content (include/parley/channel.h, render): the receiver
 * renders it, so nothing is degraded here. */
static const char *const canonical_fields[] = {
    "text",     "buttons", "quick_replies", "media", "cards", "edit_message_id", "remove_keyboard",
    "template", "tag",     "operator",      NULL};

static char *http_render(void *instance, const char *message) {
  http_channel *c = instance;
  json_t *m = json_loads(message, 0, NULL);
  json_t *out;
  if (!c->callback) {
    out = json_pack("{s:s}", "error", "the http channel has no callback URL");
  } else {
    json_t *body =
        json_pack("{s:O,s:O,s:O}", "tenant", json_object_get(m, "tenant"), "chat_id",
                  json_object_get(m, "chat_id"), "message_id", json_object_get(m, "key"));
    for (const char *const *k = canonical_fields; *k; k++) /* passed on unchanged */
      if (json_object_get(m, *k)) json_object_set(body, *k, json_object_get(m, *k));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    out = json_pack("{s:[{s:s,s:s,s:{s:s,s:O,s:s},s:s}]}", "requests", "method", "POST", "url",
                    c->callback, "headers", "Content-Type", "application/json", "Idempotency-Key",
                    json_object_get(m, "key"), "X-Parley-Secret", c->secret, "body", text);
    free(text);
  }
  json_decref(m);
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

static char *http_classify(void *instance, int status, const char *headers, const char *body,
                           size_t body_len) {
  (void)instance;
  double retry_after = pl_plugin_retry_after(headers);
  const char *cls;
  if (status >= 200 && status < 300)
    cls = "ok";
  else if ((status == 429 || status == 503) && retry_after >= 0)
    cls = "retry_after";
  else if (status == 0 || status >= 500 || status == 429 || status == 408)
    cls = "retry_backoff";
  else
    cls = "invalid";
  char reason[300];
  snprintf(reason, sizeof reason, "HTTP %d: %.*s", status, (int)(body_len > 200 ? 200 : body_len),
           body ? body : "");
  return pl_plugin_verdict(cls, reason, retry_after);
}

/* Whatever the receiver makes of it: every element is passed on; no limits, no window. */
static char *http_describe(void *instance) {
  (void)instance;
  json_t *out = json_pack("{s:b,s:b,s:b,s:b,s:[s,s,s,s],s:b,s:b}", "url_buttons", 1,
                          "quick_replies", 1, "cards", 1, "edit", 1, "media", "image", "video",
                          "audio", "document", "templates", 0, "tags", 0);
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

static const pl_channel_api api = {
    .abi = PL_CHANNEL_ABI,
    .size = sizeof(pl_channel_api),
    .name = "http",
    .open = http_open,
    .close = http_close,
    .webhook = http_webhook,
    .render = http_render,
    .classify = http_classify,
    .describe = http_describe,
};

const pl_channel_api *parley_channel_v1(void) {
  return &api;
}
