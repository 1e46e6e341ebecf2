/* The WhatsApp Business Platform (Cloud API) channel (CHANNELS.md §2-3, docs/channels.md).
 *
 * Inbound: Meta first verifies the callback URL with a GET (hub.mode=subscribe,
 * hub.verify_token, hub.challenge): answered 200 text/plain with the challenge when the
 * verify token matches, else 403. Every event POST carries X-Hub-Signature-256:
 * "sha256=" + hex HMAC-SHA256 of the raw body keyed with the app secret; it is checked
 * (in constant time) before the body is parsed, and a missing or wrong one is 401 with
 * nothing stored. A POST batches entry[].changes[].value.messages[] / statuses[]: text ->
 * `text`, interactive button_reply / list_reply (and template quick-reply buttons) ->
 * `button`, location, contacts, image/document/audio/video/sticker -> `location`,
 * `contact`, `media`; statuses -> `status`. Every other shape is acknowledged with no
 * event, so Meta does not redeliver it for 7 days.
 *
 * Outbound: POST <graph_base>/<version>/<phone_number_id>/messages with a Bearer token.
 * Buttons degrade as CHANNELS.md §7.4 says: up to 3 (titles <= 20) -> reply buttons, up
 * to 10 -> a list ("Choose"), more -> a numbered text menu (parley maps a typed number to
 * the button). A reply outside the 24-hour customer-service window is refused at render
 * (free-form messages would fail with 131047; a template is needed).
 *
 * No I/O, no mutable state after open: the acceptor's and the worker's instances of one
 * tenant run concurrently without locks. */
#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "meta_webhook.h"
#include "parley/channel.h"
#include "text.h"

#define TEXT_MAX 4096   /* text.body, characters */
#define BODY_MAX 1024   /* interactive body.text */
#define BUTTONS_MAX 3   /* reply buttons */
#define BUTTON_TITLE 20 /* reply button title */
#define ROWS_MAX 10     /* list rows, all sections */
#define ROW_TITLE 24    /* list row title */
#define ROW_DESC 72     /* list row description */
#define WINDOW_MS (24LL * 3600 * 1000)
#define DEFAULT_GRAPH "https://graph.facebook.com"
#define DEFAULT_VERSION "v21.0"
#define WINDOW_ERROR "outside WhatsApp's 24-hour customer-service window: send a template"

typedef struct wa {
  char *app_secret;   /* HMAC key of X-Hub-Signature-256 */
  char *verify_token; /* the GET handshake's hub.verify_token */
  char *auth;         /* "Bearer <token>" */
  char *send_url;     /* <graph_base>/<version>/<phone_number_id>/messages */
} wa;

/* ---- open / close ---------------------------------------------------------------------- */

static const char *const known_keys[] = {"token",           "app_secret",           "verify_token",
                                         "phone_number_id", "graph_base",           "graph_version",
                                         "rate_per_second", "chat_rate_per_second", NULL};

/* A secret that goes into a header or is compared: printable ASCII, no spaces. */
static bool secret_ok(const json_t *v, size_t max) {
  if (!json_is_string(v)) return false;
  const char *s = json_string_value(v);
  size_t n = strlen(s);
  if (n < 1 || n > max || n != json_string_length(v)) return false;
  for (; *s; s++)
    if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127) return false;
  return true;
}

static bool url_ok(const char *u) {
  if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) return false;
  const char *host = u + (u[4] == 's' ? 8 : 7);
  if (!*host || *host == '/') return false;
  for (; *u; u++)
    if ((unsigned char)*u <= ' ' || *u == '?' || *u == '#') return false;
  return true;
}

static bool digits_ok(const char *s, size_t max) {
  size_t n = strlen(s);
  return n >= 1 && n <= max && strspn(s, "0123456789") == n;
}

/* "v21.0", "v22" */
static bool version_ok(const char *s) {
  if (s[0] != 'v' || !isdigit((unsigned char)s[1])) return false;
  size_t d = strspn(s + 1, "0123456789");
  const char *p = s + 1 + d;
  if (!*p) return d <= 4;
  return *p == '.' && p[1] && strspn(p + 1, "0123456789") == strlen(p + 1) && strlen(s) <= 10;
}

static void wa_close(void *instance);

static void *wa_open(const char *config, char **error) {
  json_t *cfg = json_loads(config, 0, NULL);
  wa *c = NULL;
  if (!json_is_object(cfg)) {
    *error = strdup("channels.whatsapp: expected a table of settings, e.g. { token_env = "
                    "\"WA_TOKEN\", app_secret_env = \"WA_APP_SECRET\", verify_token_env = "
                    "\"WA_VERIFY\", phone_number_id = \"106540352242922\" }");
    goto out;
  }
  const char *key;
  json_t *v;
  json_object_foreach(cfg, key, v) {
    if (!pl_plugin_known_setting(key, known_keys)) {
      *error =
          pl_plugin_error("channels.whatsapp.%s: unknown setting (expected token or token_env, "
                          "app_secret or app_secret_env, verify_token or verify_token_env, "
                          "phone_number_id, graph_base, graph_version, rate_per_second, "
                          "chat_rate_per_second)",
                          key);
      goto out;
    }
  }
  /* Secrets: never echo their values. */
  static const struct {
    const char *key, *what;
    size_t max;
  } secrets[] = {
      {"token", "the access token (a system user's permanent token from Meta Business Suite)",
       4096},
      {"app_secret", "the app secret (App Dashboard > Settings > Basic), which signs webhooks",
       512},
      {"verify_token", "the string you chose as Verify token in the webhook's settings", 512},
  };
  for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
    json_t *s = json_object_get(cfg, secrets[i].key);
    if (!s) {
      *error = pl_plugin_error("channels.whatsapp.%s: required: set %s_env to the name of an "
                               "environment variable holding %s (or %s, for development only)",
                               secrets[i].key, secrets[i].key, secrets[i].what, secrets[i].key);
      goto out;
    }
    if (!secret_ok(s, secrets[i].max)) {
      *error = pl_plugin_error("channels.whatsapp.%s: expected 1-%zu printable ASCII characters "
                               "without spaces",
                               secrets[i].key, secrets[i].max);
      goto out;
    }
  }
  json_t *pn = json_object_get(cfg, "phone_number_id");
  if (!pn) {
    *error = strdup("channels.whatsapp.phone_number_id: required: the sending number's id "
                    "(WhatsApp Manager > API Setup), digits, e.g. \"106540352242922\"");
    goto out;
  }
  if (!json_is_string(pn) || !digits_ok(json_string_value(pn), 32)) {
    *error = strdup("channels.whatsapp.phone_number_id: expected the number's id as a string "
                    "of digits, e.g. \"106540352242922\" (not the phone number itself)");
    goto out;
  }
  json_t *base = json_object_get(cfg, "graph_base");
  if (base && (!json_is_string(base) || !url_ok(json_string_value(base)) ||
               json_string_length(base) > 512)) {
    *error = pl_plugin_error("channels.whatsapp.graph_base: expected an http(s) URL such as "
                             "\"" DEFAULT_GRAPH "\" (no query), got %s%.200s%s",
                             json_is_string(base) ? "\"" : "a ",
                             json_is_string(base) ? json_string_value(base) : "non-string",
                             json_is_string(base) ? "\"" : "");
    goto out;
  }
  json_t *ver = json_object_get(cfg, "graph_version");
  if (ver && (!json_is_string(ver) || !version_ok(json_string_value(ver)))) {
    *error = strdup("channels.whatsapp.graph_version: expected a Graph API version such as "
                    "\"" DEFAULT_VERSION "\"");
    goto out;
  }
  static const char *const rates[] = {"rate_per_second", "chat_rate_per_second"};
  for (int i = 0; i < 2; i++) {
    json_t *r = json_object_get(cfg, rates[i]);
    if (r && (!json_is_number(r) || json_number_value(r) < 0)) {
      *error =
          pl_plugin_error("channels.whatsapp.%s: expected a number >= 0 (0 = unlimited)", rates[i]);
      goto out;
    }
  }
  const char *b = base ? json_string_value(base) : DEFAULT_GRAPH;
  size_t blen = strlen(b);
  while (blen && b[blen - 1] == '/')
    blen--;
  const char *vs = ver ? json_string_value(ver) : DEFAULT_VERSION;
  c = calloc(1, sizeof *c);
  c->app_secret = strdup(json_string_value(json_object_get(cfg, "app_secret")));
  c->verify_token = strdup(json_string_value(json_object_get(cfg, "verify_token")));
  const char *tok = json_string_value(json_object_get(cfg, "token"));
  size_t n = strlen(tok) + 8;
  c->auth = malloc(n);
  snprintf(c->auth, n, "Bearer %s", tok);
  n = blen + strlen(vs) + strlen(json_string_value(pn)) + 16;
  c->send_url = malloc(n);
  snprintf(c->send_url, n, "%.*s/%s/%s/messages", (int)blen, b, vs, json_string_value(pn));
out:
  json_decref(cfg);
  return c;
}

static void wa_close(void *instance) {
  wa *c = instance;
  OPENSSL_cleanse(c->app_secret, strlen(c->app_secret));
  OPENSSL_cleanse(c->verify_token, strlen(c->verify_token));
  OPENSSL_cleanse(c->auth, strlen(c->auth));
  free(c->app_secret);
  free(c->verify_token);
  free(c->auth);
  free(c->send_url);
  free(c);
}

/* ---- webhook --------------------------------------------------------------------------- */

/* The profile name of `wa_id` among value.contacts[], or NULL. */
static const char *contact_name(const json_t *contacts, const char *wa_id) {
  size_t i;
  json_t *ct;
  json_array_foreach(contacts, i, ct) {
    const char *id = json_string_value(json_object_get(ct, "wa_id"));
    if (id && !strcmp(id, wa_id))
      return json_string_value(json_object_get(json_object_get(ct, "profile"), "name"));
  }
  return NULL;
}

static void copy_if(json_t *to, const char *to_key, const json_t *from, const char *key) {
  json_t *v = json_object_get(from, key);
  if (v && !json_is_null(v)) json_object_set(to, to_key, v);
}

/* One inbound message -> one event appended to `events` (or none: unknown shapes). */
static void map_message(const json_t *m, const json_t *contacts, json_t *events) {
  const char *from = json_string_value(json_object_get(m, "from"));
  const char *id = json_string_value(json_object_get(m, "id"));
  const char *type = json_string_value(json_object_get(m, "type"));
  if (!from || !*from || !id || !*id || !type) return;
  json_t *ev = json_pack("{s:s,s:s,s:s}", "event_id", id, "chat_id", from, "user_id", from);
  const char *name = contact_name(json_object_get(contacts, "contacts"), from);
  if (name && *name) json_object_set_new(ev, "user_name", json_string(name));
  json_t *obj = json_object_get(m, type);
  const char *kind = NULL;
  if (!strcmp(type, "text")) {
    const char *body = json_string_value(json_object_get(obj, "body"));
    if (body && *body) {
      kind = "text";
      json_object_set_new(ev, "text", json_string(body));
    }
  } else if (!strcmp(type, "interactive")) {
    const char *itype = json_string_value(json_object_get(obj, "type"));
    json_t *reply = itype && (!strcmp(itype, "button_reply") || !strcmp(itype, "list_reply"))
                        ? json_object_get(obj, itype)
                        : NULL;
    const char *bid = json_string_value(json_object_get(reply, "id"));
    if (bid && *bid) {
      kind = "button";
      json_object_set_new(ev, "text", json_string(bid));
    }
  } else if (!strcmp(type, "button")) { /* a template's quick-reply button */
    const char *payload = json_string_value(json_object_get(obj, "payload"));
    if (payload && *payload) {
      kind = "button";
      json_object_set_new(ev, "text", json_string(payload));
    }
  } else if (!strcmp(type, "location") && json_is_object(obj)) {
    kind = "location";
    json_t *d = json_object();
    copy_if(d, "latitude", obj, "latitude");
    copy_if(d, "longitude", obj, "longitude");
    copy_if(d, "name", obj, "name");
    copy_if(d, "address", obj, "address");
    json_object_set_new(ev, "data", d);
  } else if (!strcmp(type, "contacts") && json_is_array(obj) && json_array_size(obj)) {
    kind = "contact";
    json_t *first = json_array_get(obj, 0), *d = json_object();
    json_t *phone = json_array_get(json_object_get(first, "phones"), 0);
    copy_if(d, "phone", phone, "phone");
    copy_if(d, "wa_id", phone, "wa_id");
    json_t *nm = json_object_get(first, "name");
    copy_if(d, "name", nm, "formatted_name");
    copy_if(d, "first_name", nm, "first_name");
    copy_if(d, "last_name", nm, "last_name");
    json_object_set(d, "contacts", obj);
    json_object_set_new(ev, "data", d);
  } else if ((!strcmp(type, "image") || !strcmp(type, "document") || !strcmp(type, "audio") ||
              !strcmp(type, "video") || !strcmp(type, "sticker")) &&
             json_is_string(json_object_get(obj, "id"))) {
    kind = "media";
    json_t *d = json_pack("{s:s,s:O}", "type", type, "file_id", json_object_get(obj, "id"));
    copy_if(d, "caption", obj, "caption");
    copy_if(d, "mime_type", obj, "mime_type");
    copy_if(d, "file_name", obj, "filename");
    json_object_set_new(ev, "data", d);
  }
  /* reaction, system, unsupported, edit, revoke, order, ...: acknowledged, no event */
  if (kind) {
    json_object_set_new(ev, "kind", json_string(kind));
    json_array_append(events, ev);
  }
  json_decref(ev);
}

/* A delivery receipt -> a `status` event keyed "<wamid>:<status>". */
static void map_status(const json_t *s, json_t *events) {
  const char *id = json_string_value(json_object_get(s, "id"));
  const char *st = json_string_value(json_object_get(s, "status"));
  const char *to = json_string_value(json_object_get(s, "recipient_id"));
  if (!id || !*id || !st || !*st || !to || !*to) return;
  json_t *ev = json_pack("{s:s++,s:s,s:s,s:s,s:{s:s,s:s}}", "event_id", id, ":", st, "chat_id", to,
                         "user_id", to, "kind", "status", "data", "status", st, "message_id", id);
  if (!ev) return;
  json_t *errors = json_object_get(s, "errors");
  if (json_is_array(errors) && json_array_size(errors))
    json_object_set(json_object_get(ev, "data"), "errors", errors);
  json_array_append_new(events, ev);
}

static char *wa_webhook(void *instance, const pl_channel_request *req) {
  wa *c = instance;
  if (!strcmp(req->method, "GET")) return pl_meta_handshake(c->verify_token, "whatsapp", req);
  if (strcmp(req->method, "POST"))
    return pl_plugin_refuse(405, "method not allowed",
                            "WhatsApp webhooks are a GET handshake and signed POSTs");
  if (!pl_meta_signature_ok(c->app_secret, req))
    return pl_plugin_refuse(
        401, "bad signature",
        "the X-Hub-Signature-256 header must be sha256= and the HMAC-SHA256 of the "
        "body keyed with the app secret (channels.whatsapp.app_secret)");
  json_error_t je;
  json_t *root = json_loadb(req->body ? req->body : "", req->body_len, 0, &je);
  if (!json_is_object(root)) {
    json_decref(root);
    return pl_plugin_refuse(400, "invalid notification",
                            "expected a JSON object {\"object\": \"whatsapp_business_account\", "
                            "\"entry\": [...]}");
  }
  json_t *events = json_array();
  size_t i, j, k;
  json_t *entry, *change, *item;
  json_array_foreach(json_object_get(root, "entry"), i, entry) {
    json_array_foreach(json_object_get(entry, "changes"), j, change) {
      const char *field = json_string_value(json_object_get(change, "field"));
      if (field && strcmp(field, "messages")) continue; /* other subscriptions: ignored */
      json_t *value = json_object_get(change, "value");
      json_array_foreach(json_object_get(value, "messages"), k, item)
          map_message(item, value, events);
      json_array_foreach(json_object_get(value, "statuses"), k, item) map_status(item, events);
    }
  }
  json_decref(root);
  return pl_plugin_dump(json_pack("{s:o}", "events", events));
}

/* ---- render ---------------------------------------------------------------------------- */

static json_t *truncated(const char *s, size_t max) {
  size_t n = strlen(s);
  if (pl_text_code_points(s, n) <= max) return json_string(s);
  return json_sprintf("%.*s…", (int)pl_text_prefix_bytes(s, n, max - 1), s);
}

static char *render_error(json_t *m, const char *msg) {
  json_decref(m);
  return pl_plugin_dump(json_pack("{s:s}", "error", msg));
}

static void add_request(const wa *c, json_t *reqs, const char *to, const char *type,
                        json_t *payload) {
  json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:o}", "messaging_product", "whatsapp",
                           "recipient_type", "individual", "to", to, "type", type, type, payload);
  char *text = pl_plugin_dump(body);
  json_array_append_new(reqs, json_pack("{s:s,s:s,s:{s:s,s:s},s:s}", "method", "POST", "url",
                                        c->send_url, "headers", "Content-Type", "application/json",
                                        "Authorization", c->auth, "body", text));
  free(text);
}

static void add_texts(const wa *c, json_t *reqs, const char *to, json_t *parts) {
  size_t i;
  json_t *p;
  json_array_foreach(parts, i, p) add_request(c, reqs, to, "text", json_pack("{s:O}", "body", p));
}

static char *wa_render(void *instance, const char *message) {
  wa *c = instance;
  json_t *m = json_loads(message, 0, NULL);
  const char *chat = json_string_value(json_object_get(m, "chat_id"));
  const char *text = json_string_value(json_object_get(m, "text"));
  json_t *rows = json_object_get(m, "buttons");
  if (!chat || !*chat) return render_error(m, "whatsapp: the message has no chat_id");
  json_t *now = json_object_get(m, "now"), *last = json_object_get(m, "last_inbound_at");
  if (!json_is_integer(last) ||
      (json_is_integer(now) && json_integer_value(now) - json_integer_value(last) > WINDOW_MS))
    return render_error(m, WINDOW_ERROR);
  if (!text || strspn(text, " \n\r\t") == strlen(text))
    return render_error(m, "whatsapp: a message needs a non-blank text (WhatsApp refuses "
                           "empty messages and interactive messages need a body)");
  if (rows && !json_is_array(rows))
    return render_error(m, "whatsapp: \"buttons\" must be a list of rows");
  /* WhatsApp has no rows: all buttons in order. */
  json_t *buttons = json_array();
  size_t i, j;
  json_t *row, *b;
  bool short_titles = true;
  json_array_foreach(rows, i, row) {
    if (!json_is_array(row)) {
      json_decref(buttons);
      return render_error(m, "whatsapp: each row of \"buttons\" must be a list");
    }
    json_array_foreach(row, j, b) {
      const char *label = json_string_value(json_object_get(b, "label"));
      const char *id = json_string_value(json_object_get(b, "id"));
      if (!label || !*label || !id || !*id || strlen(id) > 200) {
        json_decref(buttons);
        return render_error(m, "whatsapp: every button needs a label and an id of 1-200 bytes");
      }
      if (pl_text_code_points(label, strlen(label)) > BUTTON_TITLE) short_titles = false;
      json_array_append(buttons, b);
    }
  }
  size_t n = json_array_size(buttons);
  json_t *reqs = json_array();
  if (n > ROWS_MAX) { /* a numbered text menu: parley maps a typed "2" to the second button */
    json_t *menu = json_string(text);
    json_array_foreach(buttons, i, b) {
      json_t *next = json_sprintf("%s%s%zu. %s", json_string_value(menu), i ? "\n" : "\n\n", i + 1,
                                  json_string_value(json_object_get(b, "label")));
      json_decref(menu);
      menu = next;
    }
    json_t *full = json_sprintf("%s\nReply with a number.", json_string_value(menu));
    json_decref(menu);
    json_t *parts = pl_text_split(json_string_value(full), TEXT_MAX);
    json_decref(full);
    add_texts(c, reqs, chat, parts);
    json_decref(parts);
  } else if (n == 0) {
    json_t *parts = pl_text_split(text, TEXT_MAX);
    add_texts(c, reqs, chat, parts);
    json_decref(parts);
  } else {
    /* The interactive body holds 1024 characters: what does not fit goes first as text. */
    json_t *parts = pl_text_split(text, TEXT_MAX), *body_parts = NULL;
    json_t *lastp = json_array_get(parts, json_array_size(parts) - 1);
    body_parts = pl_text_split(json_string_value(lastp), BODY_MAX);
    json_array_remove(parts, json_array_size(parts) - 1);
    json_t *bodytext = json_incref(json_array_get(body_parts, json_array_size(body_parts) - 1));
    json_array_remove(body_parts, json_array_size(body_parts) - 1);
    json_array_extend(parts, body_parts);
    json_decref(body_parts);
    add_texts(c, reqs, chat, parts);
    json_decref(parts);
    json_t *interactive;
    if (n <= BUTTONS_MAX && short_titles) {
      json_t *action = json_array();
      json_array_foreach(buttons, i, b) {
        json_array_append_new(action, json_pack("{s:s,s:{s:O,s:O}}", "type", "reply", "reply", "id",
                                                json_object_get(b, "id"), "title",
                                                json_object_get(b, "label")));
      }
      interactive = json_pack("{s:s,s:{s:o},s:{s:o}}", "type", "button", "body", "text", bodytext,
                              "action", "buttons", action);
    } else {
      json_t *rws = json_array();
      json_array_foreach(buttons, i, b) {
        const char *label = json_string_value(json_object_get(b, "label"));
        json_t *r = json_pack("{s:O,s:o}", "id", json_object_get(b, "id"), "title",
                              truncated(label, ROW_TITLE));
        if (pl_text_code_points(label, strlen(label)) > ROW_TITLE) /* the whole title, below */
          json_object_set_new(r, "description", truncated(label, ROW_DESC));
        json_array_append_new(rws, r);
      }
      interactive = json_pack("{s:s,s:{s:o},s:{s:s,s:[{s:o}]}}", "type", "list", "body", "text",
                              bodytext, "action", "button", "Choose", "sections", "rows", rws);
    }
    add_request(c, reqs, chat, "interactive", interactive);
  }
  json_decref(buttons);
  json_decref(m);
  return pl_plugin_dump(json_pack("{s:o}", "requests", reqs));
}

/* ---- classify -------------------------------------------------------------------------- */

static char *wa_classify(void *instance, int status, const char *headers, const char *body,
                         size_t body_len) {
  (void)instance;
  json_t *r = body && body_len ? json_loadb(body, body_len, 0, NULL) : NULL;
  json_t *err = json_object_get(r, "error");
  json_t *jcode = json_object_get(err, "code");
  long long code = json_is_integer(jcode) ? (long long)json_integer_value(jcode) : -1;
  const char *msg = json_string_value(json_object_get(err, "message"));
  const char *details =
      json_string_value(json_object_get(json_object_get(err, "error_data"), "details"));
  double retry_after = -1;
  if (headers) {
    json_t *h = json_loads(headers, 0, NULL);
    const char *v = json_string_value(json_object_get(h, "retry-after"));
    if (v) retry_after = atof(v);
    json_decref(h);
  }
  const char *cls;
  bool has_code = json_is_object(err) && code >= 0;
  if (status >= 200 && status < 300 && !json_is_object(err)) {
    cls = "ok";
  } else if (has_code) {
    /* Meta: key on error.code, not on the HTTP status (usually 400 even for limits). */
    switch (code) {
    case 130429: /* throughput */
      cls = "retry_after";
      if (retry_after < 0) retry_after = 2;
      break;
    case 131056: /* pair rate: >= 6 s for this user */
      cls = "retry_after";
      if (retry_after < 6) retry_after = 6;
      break;
    case 131047: cls = "needs_template"; break;
    case 131026:
    case 130472: cls = "unreachable"; break;
    case 131048:
    case 80007:
    case 4: cls = "rate_exhausted"; break;
    case 190:
    case 0:
    case 3:
    case 10:
    case 368:
    case 131031: cls = "auth"; break;
    case 131000:
    case 131016:
    case 135000:
    case 2: cls = "retry_backoff"; break;
    default:
      cls = code >= 200 && code <= 299     ? "auth"
            : status == 401                ? "auth"
            : status == 429                ? "retry_after"
            : status >= 500 || status == 0 ? "retry_backoff"
                                           : "invalid";
    }
  } else if (status == 429) {
    cls = "retry_after";
  } else if (status == 401) {
    cls = "auth";
  } else if (status == 0 || status >= 500 || status == 408 || (status >= 200 && status < 300)) {
    cls = "retry_backoff";
  } else {
    cls = "invalid";
  }
  if (!strcmp(cls, "retry_after") && retry_after < 0) retry_after = 2;
  char reason[600];
  if (!strcmp(cls, "ok"))
    snprintf(reason, sizeof reason, "sent");
  else if (status == 0)
    snprintf(reason, sizeof reason, "no answer from the WhatsApp Cloud API");
  else if (msg)
    snprintf(reason, sizeof reason, "WhatsApp %lld: %.300s%s%.200s", code, msg, details ? ": " : "",
             details ? details : "");
  else
    snprintf(reason, sizeof reason, "HTTP %d: %.*s", status, (int)(body_len > 200 ? 200 : body_len),
             body ? body : "");
  json_t *out = json_pack("{s:s,s:s}", "class", cls, "reason", reason);
  if (!out) out = json_pack("{s:s,s:s}", "class", cls, "reason", "(reason not UTF-8)");
  if (!strcmp(cls, "retry_after")) {
    if (retry_after > 3600) retry_after = 3600;
    json_object_set_new(out, "retry_after", json_real(retry_after));
  }
  json_decref(r);
  return pl_plugin_dump(out);
}

static const pl_channel_api api = {
    .abi = PL_CHANNEL_ABI,
    .size = sizeof(pl_channel_api),
    .name = "whatsapp",
    .open = wa_open,
    .close = wa_close,
    .webhook = wa_webhook,
    .render = wa_render,
    .classify = wa_classify,
    .poll_request = NULL,
    .poll_result = NULL,
};

const pl_channel_api *parley_channel_v1(void) {
  return &api;
}
