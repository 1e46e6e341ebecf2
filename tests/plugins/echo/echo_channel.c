/* A third-party channel plugin for the tests: built outside plugins/ and runtime/, it
 * proves a channel can be added by dropping a module into the plugin folder. Its wire
 * format is deliberately not JSON: a webhook body "CHAT_ID:TEXT" (header X-Echo-Id carries
 * the event id), and each message leaves as a text/plain POST "CHAT_ID:TEXT" to the
 * configured url. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/channel.h"

typedef struct echo {
  char *url;
} echo;

static void *echo_open(const char *config, char **error) {
  json_t *cfg = json_loads(config, 0, NULL);
  const char *url = json_string_value(json_object_get(cfg, "url"));
  if (!url) {
    *error = strdup("channels.echo.url: required (where messages are POSTed)");
    json_decref(cfg);
    return NULL;
  }
  echo *e = malloc(sizeof *e);
  e->url = strdup(url);
  json_decref(cfg);
  return e;
}

static void echo_close(void *instance) {
  echo *e = instance;
  free(e->url);
  free(e);
}

static char *echo_webhook(void *instance, const pl_channel_request *req) {
  const char *id = NULL;
  for (size_t i = 0; i < req->nheaders; i++)
    if (!strcmp(req->headers[i].name, "x-echo-id")) id = req->headers[i].value;
  const char *colon = memchr(req->body, ':', req->body_len);
  json_t *out;
  if (!id || !colon || colon == req->body) {
    out = json_pack("{s:i,s:s,s:s}", "status", 400, "content_type", "text/plain", "body",
                    "send CHAT:TEXT with an X-Echo-Id header");
  } else {
    json_t *ev = json_pack("{s:s,s:s%,s:s%,s:s,s:s%}", "event_id", id, "chat_id", req->body,
                           (size_t)(colon - req->body), "user_id", req->body,
                           (size_t)(colon - req->body), "kind", "text", "text", colon + 1,
                           req->body_len - (size_t)(colon - req->body) - 1);
    out = json_pack("{s:[o]}", "events", ev);
    /* An acknowledgement to send once the event is stored, like Telegram's
     * answerCallbackQuery: POST <url>/ack with the event id. */
    echo *e = instance;
    char url[600];
    snprintf(url, sizeof url, "%s/ack", e->url);
    json_object_set_new(out, "send", json_pack("[{s:s,s:s,s:{},s:s}]", "method", "POST", "url",
                                               url, "headers", "body", id));
  }
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

static char *echo_render(void *instance, const char *message) {
  echo *e = instance;
  json_t *m = json_loads(message, 0, NULL);
  json_t *body = json_pack("s++", json_string_value(json_object_get(m, "chat_id")), ":",
                           json_string_value(json_object_get(m, "text")));
  json_t *out = json_pack("{s:[{s:s,s:s,s:{s:s},s:O}]}", "requests", "method", "POST", "url",
                          e->url, "headers", "Content-Type", "text/plain", "body", body);
  json_decref(body);
  json_decref(m);
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

static char *echo_classify(void *instance, int status, const char *headers, const char *body,
                           size_t body_len) {
  (void)instance;
  (void)headers;
  (void)body;
  (void)body_len;
  return strdup(status >= 200 && status < 300 ? "{\"class\":\"ok\"}"
                : status >= 500 || status == 0 ? "{\"class\":\"retry_backoff\"}"
                                               : "{\"class\":\"invalid\",\"reason\":\"refused\"}");
}

static const pl_channel_api api = {
    .abi = PL_CHANNEL_ABI,
    .name = "echo",
    .open = echo_open,
    .close = echo_close,
    .webhook = echo_webhook,
    .render = echo_render,
    .classify = echo_classify,
};

const pl_channel_api *parley_channel_v1(void) { return &api; }
