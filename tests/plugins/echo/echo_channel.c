/* A third-party channel plugin for the tests: built outside plugins/ and runtime/, it
 * proves a channel can be added by dropping a module into the plugin folder. Its wire
 * format is deliberately not JSON: a webhook body "CHAT_ID:TEXT" (header X-Echo-Id carries
 * the event id), and each message leaves as a text/plain POST "CHAT_ID:TEXT" to the
 * configured url, with the canonical message's other fields as JSON after a '|'. It
 * describes itself (3 buttons, edits, images; a reply window of `window_hours` when
 * configured), and "CHAT:!press ID MESSAGE" is a button press on bot message MESSAGE. A
 * message "(nothing to send)" renders to no request at all. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parley/channel.h"

typedef struct echo {
  char *url;
  char *poll_url; /* optional: long polling of GET <poll_url>?offset=N */
  double window_hours;
} echo;

static void *echo_open(const char *config, char **error) {
  json_t *cfg = json_loads(config, 0, NULL);
  const char *url = json_string_value(json_object_get(cfg, "url"));
  if (!url) {
    *error = strdup("channels.echo.url: required (where messages are POSTed)");
    json_decref(cfg);
    return NULL;
  }
  echo *e = calloc(1, sizeof *e);
  e->url = strdup(url);
  const char *poll = json_string_value(json_object_get(cfg, "poll_url"));
  e->poll_url = poll ? strdup(poll) : NULL;
  e->window_hours = json_number_value(json_object_get(cfg, "window_hours"));
  json_decref(cfg);
  return e;
}

static void echo_close(void *instance) {
  echo *e = instance;
  free(e->url);
  free(e->poll_url);
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
    /* "CHAT:!location LAT LON" is a location share, as a channel would report it. */
    double lat, lon;
    if (sscanf(colon + 1, "!location %lf %lf", &lat, &lon) == 2) {
      json_object_set_new(ev, "kind", json_string("location"));
      json_object_del(ev, "text");
      json_object_set_new(ev, "data", json_pack("{s:f,s:f}", "latitude", lat, "longitude", lon));
    }
    char bid[65], mid[65];
    if (sscanf(colon + 1, "!press %64s %64s", bid, mid) == 2) {
      json_object_set_new(ev, "kind", json_string("button"));
      json_object_set_new(ev, "text", json_string(bid));
      json_object_set_new(ev, "message_id", json_string(mid));
    }
    out = json_pack("{s:[o]}", "events", ev);
    /* An acknowledgement to send once the event is stored, like Telegram's
     * answerCallbackQuery: POST <url>/ack with the event id. */
    echo *e = instance;
    char url[600];
    snprintf(url, sizeof url, "%s/ack", e->url);
    json_object_set_new(
        out, "send",
        json_pack("[{s:s,s:s,s:{},s:s}]", "method", "POST", "url", url, "headers", "body", id));
  }
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

static char *echo_render(void *instance, const char *message) {
  echo *e = instance;
  json_t *m = json_loads(message, 0, NULL);
  const char *text = json_string_value(json_object_get(m, "text"));
  if (text && !strcmp(text, "(nothing to send)")) { /* like an edit where edits do not exist */
    json_decref(m);
    return strdup("{\"requests\":[]}");
  }
  json_t *extra = json_deep_copy(m);
  const char *internal[] = {"chat_id", "text", "key", "tenant", "now", "last_inbound_at"};
  for (size_t i = 0; i < sizeof internal / sizeof *internal; i++)
    json_object_del(extra, internal[i]);
  char *more = json_object_size(extra) ? json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(extra);
  char *full = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&full, &n);
  fprintf(f, "%s:%s%s%s", json_string_value(json_object_get(m, "chat_id")), text ? text : "",
          more ? "|" : "", more ? more : "");
  fclose(f);
  free(more);
  json_t *body = json_string(full);
  free(full);
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
  return strdup(status >= 200 && status < 300  ? "{\"class\":\"ok\"}"
                : status >= 500 || status == 0 ? "{\"class\":\"retry_backoff\"}"
                : status == 403 ? "{\"class\":\"unreachable\",\"reason\":\"the user blocked us\"}"
                                : "{\"class\":\"invalid\",\"reason\":\"refused\"}");
}

/* Polling: {"updates": [{"id": N, "chat": "...", "text": "..."}]}; the state keeps the
 * next offset, so updates below it are acknowledged. */
static char *echo_poll_request(void *instance, const char *state) {
  echo *e = instance;
  if (!e->poll_url) return strdup("{\"off\":true}");
  json_t *st = json_loads(state, 0, NULL);
  char url[700];
  snprintf(url, sizeof url, "%s?offset=%lld", e->poll_url,
           (long long)json_integer_value(json_object_get(st, "offset")));
  json_decref(st);
  json_t *out =
      json_pack("{s:{s:s,s:s,s:i}}", "request", "method", "GET", "url", url, "timeout_ms", 5000);
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

static char *echo_poll_result(void *instance, const char *state, int status, const char *body,
                              size_t len) {
  (void)instance;
  json_t *in = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
  json_t *updates = json_object_get(in, "updates");
  json_t *out;
  if (!json_is_array(updates)) {
    out = json_pack("{s:i,s:s}", "retry_after", 1, "error", "no updates in the answer");
  } else {
    json_t *events = json_array();
    json_int_t next = -1;
    size_t i;
    json_t *u;
    json_array_foreach(updates, i, u) {
      json_int_t id = json_integer_value(json_object_get(u, "id"));
      char eid[32];
      snprintf(eid, sizeof eid, "p%lld", (long long)id);
      json_array_append_new(events, json_pack("{s:s,s:O,s:O,s:s,s:O}", "event_id", eid, "chat_id",
                                              json_object_get(u, "chat"), "user_id",
                                              json_object_get(u, "chat"), "kind", "text", "text",
                                              json_object_get(u, "text")));
      if (id + 1 > next) next = id + 1;
    }
    out = json_pack("{s:o,s:o}", "events", events, "state", json_loads(state, 0, NULL));
    if (next >= 0) json_object_set_new(json_object_get(out, "state"), "offset", json_integer(next));
  }
  json_decref(in);
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}

static char *echo_describe(void *instance) {
  echo *e = instance;
  json_t *caps = json_pack("{s:i,s:b,s:[s]}", "buttons", 3, "edit", 1, "media", "image");
  if (e->window_hours > 0) json_object_set_new(caps, "window_hours", json_real(e->window_hours));
  char *s = json_dumps(caps, JSON_COMPACT);
  json_decref(caps);
  return s;
}

static const pl_channel_api api = {
    .abi = PL_CHANNEL_ABI,
    .size = sizeof(pl_channel_api),
    .name = "echo",
    .open = echo_open,
    .close = echo_close,
    .webhook = echo_webhook,
    .render = echo_render,
    .classify = echo_classify,
    .poll_request = echo_poll_request,
    .poll_result = echo_poll_result,
    .describe = echo_describe,
};

const pl_channel_api *parley_channel_v1(void) {
  return &api;
}
