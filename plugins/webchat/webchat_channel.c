/* The web chat channel (docs/channels.md, "Web chat"): a widget that parley serves itself,
 * for any web page, talking to parley over plain HTTP — POSTs to send, a long poll to
 * receive. Every request under /webchat/<tenant>/ comes here:
 *
 *   GET  /webchat/<t>/             a page embedding the widget (the demo, the browser test)
 *   GET  /webchat/<t>/widget.js    the widget (assets/, compiled in; no build step)
 *   GET  /webchat/<t>/widget.css   its style sheet, loaded by widget.js
 *   POST /webchat/<t>/session      {visitor?, token?} -> the same pair if valid, else a new
 *                                  visitor id and its token
 *   POST /webchat/<t>/send         {visitor, token, cid, text | button + message, lang?}
 *                                  -> one canonical event, stored before the answer
 *   GET  /webchat/<t>/events?visitor=&token=&after=N
 *                                  -> the conversation's history after N (or Last-Event-ID)
 *                                     as Server-Sent Events, then each new message as it
 *                                     is committed (the "feed" answer with "stream")
 *   GET  /webchat/<t>/feed?visitor=&token=&after=N
 *                                  -> parley answers with the conversation's history after
 *                                     N, waiting for it up to wait_ms (a long poll: for
 *                                     clients without EventSource)
 *
 * Identity: a visitor id is 16 random bytes (hex) and its token is HMAC-SHA256(secret,
 * visitor id) in hex, so parley stores nothing to remember visitors and a token cannot be
 * made without the secret; the widget keeps both in localStorage. Every send and feed
 * checks the token in constant time. Event ids are w:<visitor>:<cid>, cid being the
 * widget's id for one message, reused when it retries: a retried POST is a duplicate.
 *
 * Outbound: nothing to send. A reply is in the conversation's history from the moment it
 * is committed, and the feed delivers it; render() returns no request, which the outbox
 * counts as delivered.
 *
 * No I/O, no mutable state after open. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "asset.h"
#include "parley/channel.h"
#include "text.h"

#define SECRET_MIN 16
#define SECRET_MAX 1024
#define LABEL_MAX 100 /* title, placeholder */
#define ID_MAX 64     /* visitor ids, cids, button ids */
#define TEXT_MAX 4096 /* code points of one visitor message */
#define WAIT_MS 25000 /* how long a feed request may wait for news */
#define LANG_MAX 35   /* a BCP 47 tag such as "en-GB" */
#define SEQ_DIGITS_MAX 19

typedef struct webchat {
  char *secret; /* HMAC key of the visitor tokens */
  char *title;
  char *placeholder;
} webchat;

/* ---- open / close ---------------------------------------------------------------------- */

static const char *const known_keys[] = {
    "secret", "title", "placeholder", "rate_per_second", "chat_rate_per_second", NULL};

static void wc_close(void *instance) {
  webchat *c = instance;
  if (!c) return;
  OPENSSL_cleanse(c->secret, strlen(c->secret));
  free(c->secret);
  free(c->title);
  free(c->placeholder);
  free(c);
}

/* A short optional label setting: NULL if absent, else it must be 1-LABEL_MAX characters. */
static const char *label_setting(const json_t *cfg, const char *key, char **error) {
  json_t *v = json_object_get(cfg, key);
  if (!v) return NULL;
  if (!json_is_string(v) || !json_string_length(v) ||
      pl_text_code_points(json_string_value(v), json_string_length(v)) > LABEL_MAX)
    *error =
        pl_plugin_error("channels.webchat.%s: expected a text of 1-%d characters", key, LABEL_MAX);
  return json_string_value(v);
}

static void *wc_open(const char *config, char **error) {
  json_t *cfg = json_loads(config, 0, NULL);
  webchat *c = NULL;
  if (!json_is_object(cfg)) {
    *error = strdup("channels.webchat: expected a table of settings, e.g. "
                    "{ secret_env = \"WEBCHAT_SECRET\", title = \"Ask us\" }");
    goto out;
  }
  const char *key;
  json_t *v;
  json_object_foreach(cfg, key, v) {
    if (!pl_plugin_known_setting(key, known_keys)) {
      *error = pl_plugin_error("channels.webchat.%s: unknown setting (expected secret or "
                               "secret_env, title, placeholder)",
                               key);
      goto out;
    }
  }
  json_t *sec = json_object_get(cfg, "secret");
  if (!json_is_string(sec) || json_string_length(sec) < SECRET_MIN ||
      json_string_length(sec) > SECRET_MAX ||
      memchr(json_string_value(sec), 0, json_string_length(sec))) {
    /* never echo the value: it is a secret */
    *error = pl_plugin_error("channels.webchat.secret: required, %d-%d bytes: set secret_env to "
                             "the name of an environment variable holding a random string "
                             "(e.g. from `openssl rand -hex 32`); it signs the visitors' tokens",
                             SECRET_MIN, SECRET_MAX);
    goto out;
  }
  const char *title = label_setting(cfg, "title", error);
  const char *placeholder = *error ? NULL : label_setting(cfg, "placeholder", error);
  if (*error) goto out;
  c = calloc(1, sizeof *c);
  c->secret = strdup(json_string_value(sec));
  c->title = strdup(title ? title : "Chat");
  c->placeholder = strdup(placeholder ? placeholder : "Write a message…");
out:
  json_decref(cfg);
  return c;
}

/* ---- answers ----------------------------------------------------------------------------- */

/* A direct answer (webhook's "status" form) with a body of `len` bytes of UTF-8 text. */
static char *direct(int status, const char *ctype, const char *body, size_t len,
                    const char *cache_control) {
  json_t *b = json_stringn(body, len);
  if (!b) return pl_plugin_refuse(500, "internal error", "an answer was not valid UTF-8");
  json_t *out = json_pack("{s:i,s:s,s:o}", "status", status, "content_type", ctype, "body", b);
  if (cache_control)
    json_object_set_new(out, "headers", json_pack("{s:s}", "Cache-Control", cache_control));
  return pl_plugin_dump(out);
}

static char *direct_json(int status, json_t *doc) {
  char *text = pl_plugin_dump(doc);
  char *out = direct(status, "application/json", text, strlen(text), "no-store");
  free(text);
  return out;
}

static char *not_allowed(const char *allow) {
  char detail[64];
  snprintf(detail, sizeof detail, "this web chat address takes %s", allow);
  char *refusal = pl_plugin_refuse(405, "method not allowed", detail);
  json_t *out = json_loads(refusal, 0, NULL);
  free(refusal);
  json_object_set_new(out, "headers", json_pack("{s:s}", "Allow", allow));
  return pl_plugin_dump(out);
}

/* ---- identity ------------------------------------------------------------------------------ */

static bool id_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n < 1 || n > ID_MAX) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_' || *s == '-'))
      return false;
  return true;
}

/* A button id as scripts make them (ctx:reply's rule: 1-64 bytes; library modules use
 * "menu:o:expo"): printable, no control characters. */
static bool button_id_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n < 1 || n > ID_MAX) return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
  return true;
}

/* The visitor's token: HMAC-SHA256(secret, visitor id), hex. */
static int visitor_token(const webchat *c, const char *visitor, char token[65]) {
  return pl_plugin_hmac_hex(c->secret, visitor, strlen(visitor), token);
}

static bool token_ok(const webchat *c, const char *visitor, const char *token) {
  char want[65];
  if (!id_ok(visitor) || !token || strlen(token) != 64 || visitor_token(c, visitor, want))
    return false;
  bool ok = !CRYPTO_memcmp(want, token, 64);
  OPENSSL_cleanse(want, sizeof want);
  return ok;
}

static char *wrong_token(void) {
  return pl_plugin_refuse(
      401, "wrong token",
      "visitor and token must be a pair made by POST /webchat/<tenant>/session");
}

/* POST session {visitor?, token?}: the same pair when it is valid (the widget after a
 * reload), else a new visitor. "new" tells the widget to greet (send /start). */
static char *session(webchat *c, const pl_channel_request *req) {
  json_t *in = json_loadb(req->body, req->body_len, 0, NULL);
  const char *visitor = json_string_value(json_object_get(in, "visitor"));
  const char *token = json_string_value(json_object_get(in, "token"));
  char id[ID_MAX + 1], tok[65];
  bool fresh = !token_ok(c, visitor, token);
  if (fresh) {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) {
      json_decref(in);
      return pl_plugin_refuse(503, "no randomness", "could not make a visitor id; try again");
    }
    for (size_t i = 0; i < sizeof raw; i++)
      snprintf(id + 2 * i, 3, "%02x", raw[i]);
  } else {
    snprintf(id, sizeof id, "%s", visitor);
  }
  json_decref(in);
  if (visitor_token(c, id, tok))
    return pl_plugin_refuse(500, "internal error", "could not sign the visitor id");
  json_t *out = json_pack("{s:s,s:s,s:b,s:s,s:s}", "visitor", id, "token", tok, "new", fresh,
                          "title", c->title, "placeholder", c->placeholder);
  OPENSSL_cleanse(tok, sizeof tok);
  return direct_json(200, out);
}

/* ---- send and feed --------------------------------------------------------------------------- */

static bool digits_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n < 1 || n > SEQ_DIGITS_MAX) return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return false;
  return true;
}

static bool lang_ok(const char *s) {
  size_t n = strlen(s);
  if (n < 2 || n > LANG_MAX) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '-' || *s == '_'))
      return false;
  return true;
}

/* What is wrong with a send body (its token already checked), or NULL. */
static const char *send_invalid(const json_t *in) {
  json_t *text = json_object_get(in, "text"), *button = json_object_get(in, "button");
  json_t *message = json_object_get(in, "message"), *lang = json_object_get(in, "lang");
  if (!id_ok(json_string_value(json_object_get(in, "cid"))))
    return "\"cid\" (the message's id, the same on every retry) must be 1-64 characters of "
           "A-Z a-z 0-9 _ -";
  if (!text == !button) return "exactly one of \"text\" and \"button\" is required";
  if (text) {
    const char *t = json_string_value(text);
    size_t n = json_string_length(text), i = 0;
    while (t && i < n && strchr(" \t\r\n", t[i]))
      i++;
    if (!t || i == n || memchr(t, 0, n) || pl_text_code_points(t, n) > TEXT_MAX)
      return "\"text\" must be a non-blank text of at most 4096 characters";
  }
  if (button && !button_id_ok(json_string_value(button)))
    return "\"button\" must be a button id: 1-64 bytes of printable text";
  if (message && (!button || !digits_ok(json_string_value(message))))
    return "\"message\" (with a button) must be the number, as a string, of the message that "
           "had the button";
  if (lang && (!json_is_string(lang) || !lang_ok(json_string_value(lang))))
    return "\"lang\" must be a language tag such as \"en\" or \"pt-BR\"";
  return NULL;
}

static char *send_message(webchat *c, const pl_channel_request *req) {
  json_error_t je;
  json_t *in = json_loadb(req->body, req->body_len, 0, &je);
  const char *visitor = json_string_value(json_object_get(in, "visitor"));
  if (!json_is_object(in) ||
      !token_ok(c, visitor, json_string_value(json_object_get(in, "token")))) {
    json_decref(in);
    return wrong_token();
  }
  const char *bad = send_invalid(in);
  if (bad) {
    char *out = pl_plugin_refuse(400, "invalid message", bad);
    json_decref(in);
    return out;
  }
  char event_id[2 * ID_MAX + 4];
  snprintf(event_id, sizeof event_id, "w:%s:%s", visitor,
           json_string_value(json_object_get(in, "cid")));
  json_t *button = json_object_get(in, "button");
  json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:O}", "event_id", event_id, "chat_id", visitor,
                         "user_id", visitor, "kind", button ? "button" : "text", "text",
                         button ? button : json_object_get(in, "text"));
  if (json_object_get(in, "message"))
    json_object_set(ev, "message_id", json_object_get(in, "message"));
  if (json_object_get(in, "lang")) json_object_set(ev, "user_lang", json_object_get(in, "lang"));
  json_decref(in);
  return pl_plugin_dump(json_pack("{s:[o]}", "events", ev));
}

/* GET feed: the token checked, parley reads the history after `after` and answers (now,
 * or when the conversation gets news, or after wait_ms with nothing). GET events: the
 * same history as Server-Sent Events, kept open (stream); a reconnecting EventSource
 * sends its last event id in Last-Event-ID, which wins over the page's `after`. */
static char *feed(webchat *c, const pl_channel_request *req, bool stream) {
  char *visitor = pl_plugin_query_param(req->query, "visitor");
  char *token = pl_plugin_query_param(req->query, "token");
  char *after = pl_plugin_query_param(req->query, "after");
  char *wait = pl_plugin_query_param(req->query, "wait");
  const char *last_id = stream ? pl_plugin_header(req, "last-event-id") : NULL;
  char *out;
  long long wait_ms = wait && digits_ok(wait) ? atoll(wait) : WAIT_MS;
  if (!token_ok(c, visitor, token)) {
    out = wrong_token();
  } else if ((after && !digits_ok(after)) || (last_id && *last_id && !digits_ok(last_id))) {
    out = pl_plugin_refuse(400, "invalid request",
                           "\"after\" (and Last-Event-ID) must be the number of the last "
                           "message seen (0 for the whole conversation)");
  } else {
    unsigned long long from = after ? strtoull(after, NULL, 10) : 0;
    if (last_id && *last_id) from = strtoull(last_id, NULL, 10);
    json_t *f =
        json_pack("{s:s,s:I,s:I,s:b}", "chat_id", visitor, "after", (json_int_t)from, "wait_ms",
                  (json_int_t)(wait_ms < WAIT_MS ? wait_ms : WAIT_MS), "stream", stream);
    out = pl_plugin_dump(
        json_pack("{s:o,s:{s:s}}", "feed", f, "headers", "Cache-Control", "no-store"));
  }
  if (token) OPENSSL_cleanse(token, strlen(token));
  free(visitor);
  free(token);
  free(after);
  free(wait);
  return out;
}

/* ---- the page and the widget -------------------------------------------------------------------
 */

/* A growable string for the page. */
typedef struct strbuf {
  char *p;
  size_t len, cap;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

/* s with <>&"' escaped, for HTML text and attribute values. */
static void sb_add_html(strbuf *b, const char *s) {
  for (; *s; s++) {
    const char *rep = *s == '<'    ? "&lt;"
                      : *s == '>'  ? "&gt;"
                      : *s == '&'  ? "&amp;"
                      : *s == '"'  ? "&quot;"
                      : *s == '\'' ? "&#39;"
                                   : NULL;
    sb_add(b, rep ? rep : s, rep ? strlen(rep) : 1);
  }
}

/* The page template (assets/page.html) with @TITLE@, @WIDGET@ (the widget's path) and
 * @ORIGIN@ (where the page was asked for) filled in, HTML-escaped. */
static char *page(webchat *c, const pl_channel_request *req, const char *tenant, size_t tlen) {
  const pl_plugin_asset *tpl = pl_plugin_asset_find("page.html");
  if (!tpl) return pl_plugin_refuse(500, "internal error", "page.html is not compiled in");
  char widget[300];
  snprintf(widget, sizeof widget, "/webchat/%.*s/widget.js", (int)tlen, tenant);
  const char *host = pl_plugin_header(req, "host");
  const char *proto = pl_plugin_header(req, "x-forwarded-proto");
  char origin[300];
  snprintf(origin, sizeof origin, "%s://%s", proto && !strcmp(proto, "https") ? "https" : "http",
           host ? host : "localhost");
  static const struct {
    const char *name;
    size_t len;
  } fields[] = {{"@TITLE@", 7}, {"@WIDGET@", 8}, {"@ORIGIN@", 8}};
  const char *values[] = {c->title, widget, origin};
  strbuf b = {0};
  const char *p = (const char *)tpl->data, *end = p + tpl->len;
  while (p < end) {
    const char *at = memchr(p, '@', (size_t)(end - p));
    sb_add(&b, p, (size_t)((at ? at : end) - p));
    if (!at) break;
    size_t f = 0;
    while (f < 3 && strncmp(at, fields[f].name, fields[f].len))
      f++;
    if (f < 3)
      sb_add_html(&b, values[f]);
    else
      sb_add(&b, "@", 1);
    p = at + (f < 3 ? fields[f].len : 1);
  }
  char *out = direct(200, "text/html; charset=utf-8", b.p, b.len, "no-cache");
  free(b.p);
  return out;
}

static char *asset(const char *name, const char *ctype) {
  const pl_plugin_asset *a = pl_plugin_asset_find(name);
  if (!a) return pl_plugin_refuse(404, "not found", name);
  /* no-cache: browsers revalidate, so a new parley version's widget is used at once */
  return direct(200, ctype, (const char *)a->data, a->len, "no-cache");
}

/* ---- the ABI ----------------------------------------------------------------------------------
 */

static char *wc_webhook(void *instance, const pl_channel_request *req) {
  webchat *c = instance;
  /* path: /webchat/<tenant>[/<what>] */
  const char *tenant = req->path + (strncmp(req->path, "/webchat/", 9) ? strlen(req->path) : 9);
  const char *slash = strchr(tenant, '/');
  size_t tlen = slash ? (size_t)(slash - tenant) : strlen(tenant);
  if (!tlen || tlen > 200) return pl_plugin_refuse(404, "not found", "/webchat/<tenant>/");
  bool get = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
  bool post = !strcmp(req->method, "POST");
  const char *what = slash ? slash + 1 : NULL;
  if (!what) { /* the page's address without its slash: relative URLs need it */
    char location[300];
    snprintf(location, sizeof location, "/webchat/%.*s/", (int)tlen, tenant);
    return pl_plugin_dump(json_pack("{s:i,s:s,s:s,s:{s:s}}", "status", 308, "content_type",
                                    "text/plain", "body", location, "headers", "Location",
                                    location));
  }
  if (!strcmp(what, "")) return get ? page(c, req, tenant, tlen) : not_allowed("GET");
  if (!strcmp(what, "widget.js"))
    return get ? asset("widget.js", "text/javascript; charset=utf-8") : not_allowed("GET");
  if (!strcmp(what, "widget.css"))
    return get ? asset("widget.css", "text/css; charset=utf-8") : not_allowed("GET");
  if (!strcmp(what, "feed")) return get ? feed(c, req, false) : not_allowed("GET");
  if (!strcmp(what, "events")) return get ? feed(c, req, true) : not_allowed("GET");
  if (!strcmp(what, "session")) return post ? session(c, req) : not_allowed("POST");
  if (!strcmp(what, "send")) return post ? send_message(c, req) : not_allowed("POST");
  return pl_plugin_refuse(404, "not found",
                          "web chat routes: GET /webchat/<tenant>/, widget.js, widget.css, "
                          "events, feed; "
                          "POST session, send");
}

/* The message is already in the conversation's history, which the feed serves: nothing
 * to send, and an empty list counts as delivered. */
static char *wc_render(void *instance, const char *message) {
  (void)instance;
  (void)message;
  return strdup("{\"requests\":[]}");
}

static char *wc_classify(void *instance, int status, const char *headers, const char *body,
                         size_t body_len) {
  (void)instance;
  (void)status;
  (void)headers;
  (void)body;
  (void)body_len;
  return strdup("{\"class\":\"ok\"}");
}

/* The widget shows every element of the canonical message itself. */
static char *wc_describe(void *instance) {
  (void)instance;
  return strdup("{\"buttons\":100,\"url_buttons\":true,\"quick_replies\":true,\"cards\":true,"
                "\"edit\":true,\"media\":[\"image\",\"video\",\"audio\",\"document\"],"
                "\"templates\":false,\"tags\":false}");
}

static const pl_channel_api api = {
    .abi = PL_CHANNEL_ABI,
    .size = sizeof(pl_channel_api),
    .name = "webchat",
    .open = wc_open,
    .close = wc_close,
    .webhook = wc_webhook,
    .render = wc_render,
    .classify = wc_classify,
    .describe = wc_describe,
};

const pl_channel_api *parley_channel_v1(void) {
  return &api;
}
