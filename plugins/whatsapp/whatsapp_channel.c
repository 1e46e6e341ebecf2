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
 * `button` events carry the pressed message's wamid (context.id) as message_id.
 *
 * Outbound: POST <graph_base>/<version>/<phone_number_id>/messages with a Bearer token,
 * the canonical message degraded as docs/channels.md "Canonical messages" says: buttons
 * and quick replies up to 3 (titles <= 20) -> reply buttons, up to 10 -> a list
 * ("Choose"), more -> a numbered text menu (parley maps a typed number to the choice);
 * url buttons -> a CTA URL button when alone, else "Label: url" lines; media by link
 * (the text as caption, or the media as the header of reply buttons); each card as such a
 * part of its own. Outside the 24-hour customer-service window only a template can go
 * (free-form messages would fail with 131047): without one the message is refused at
 * render with a sentence naming opts.template.
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
#include "message.h"
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
#define ROW_ID_MAX 200  /* list row id (reply button ids may be 256) */
#define WINDOW_MS (24LL * 3600 * 1000)
#define DEFAULT_GRAPH "https://graph.facebook.com"
#define DEFAULT_VERSION "v21.0"
#define WINDOW_ERROR                                                                               \
  "whatsapp: outside WhatsApp's 24-hour customer-service window (the user has not written "        \
  "in the last 24 hours, or never): WhatsApp delivers only a pre-approved template then; give "    \
  "one with opts.template = {name = ..., language = ..., params = {...}}"

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
  const char *pressed = json_string_value(json_object_get(json_object_get(m, "context"), "id"));
  if (kind && !strcmp(kind, "button") && pressed && *pressed) /* the message with the button */
    json_object_set_new(ev, "message_id", json_string(pressed));
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

#define ID_LIMIT "WhatsApp's list row id limit"

static void add_request(const wa *c, json_t *reqs, const char *to, const char *type,
                        json_t *payload) {
  json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:o}", "messaging_product", "whatsapp",
                           "recipient_type", "individual", "to", to, "type", type, type, payload);
  json_array_append_new(reqs, pl_plugin_post_json(c->send_url, c->auth, body));
}

static void add_texts(const wa *c, json_t *reqs, const char *to, const json_t *parts) {
  size_t i;
  json_t *p;
  json_array_foreach(parts, i, p) add_request(c, reqs, to, "text", json_pack("{s:O}", "body", p));
}

/* {link, caption?, filename?} of a media message or an interactive header. */
static json_t *media_object(const pl_media *media, const char *caption) {
  json_t *o = json_pack("{s:s}", "link", media->url);
  if (caption) json_object_set_new(o, "caption", json_string(caption));
  if (media->filename && !strcmp(media->type, "document"))
    json_object_set_new(o, "filename", json_string(media->filename));
  return o;
}

/* Reply buttons (1-3, titles <= 20) or a list (<= 10 rows, one section "Choose"; titles
 * over 24 cut with "…", the whole label then in the row's description, <= 72). */
static json_t *choices_action(const json_t *choices, bool buttons) {
  json_t *out = json_array(), *ch;
  size_t i;
  json_array_foreach(choices, i, ch) {
    const char *label = json_string_value(json_object_get(ch, "label"));
    if (buttons) {
      json_array_append_new(out, json_pack("{s:s,s:{s:O,s:s}}", "type", "reply", "reply", "id",
                                           json_object_get(ch, "id"), "title", label));
      continue;
    }
    json_t *r = json_pack("{s:O,s:o}", "id", json_object_get(ch, "id"), "title",
                          pl_text_truncated(label, ROW_TITLE));
    if (pl_text_code_points(label, strlen(label)) > ROW_TITLE)
      json_object_set_new(r, "description", pl_text_truncated(label, ROW_DESC));
    json_array_append_new(out, r);
  }
  return buttons ? json_pack("{s:o}", "buttons", out)
                 : json_pack("{s:s,s:[{s:o}]}", "button", "Choose", "sections", "rows", out);
}

/* One part of a message, alone or a card: a text (and the links as "Label: url" lines),
 * media, choices. Choices ride on an interactive message whose body is the text (reply
 * buttons, with the media as header when it fits; else a list), or in a numbered menu
 * when there are more than a list holds or no text; without choices, the text is the
 * media's caption. One link alone, without choices or media, is a CTA URL button. */
static void add_part(const wa *c, json_t *reqs, const char *to, const char *text,
                     const pl_media *media, const json_t *choices, const json_t *links) {
  size_t n = json_array_size(choices);
  bool short_titles = pl_message_labels_fit(choices, BUTTON_TITLE);
  if (!n && json_array_size(links) == 1 && text && !media->type) {
    json_t *parts = pl_text_split_last(text, TEXT_MAX, BODY_MAX), *l = json_array_get(links, 0);
    json_t *body = json_incref(json_array_get(parts, json_array_size(parts) - 1));
    json_array_remove(parts, json_array_size(parts) - 1);
    add_texts(c, reqs, to, parts);
    json_decref(parts);
    add_request(
        c, reqs, to, "interactive",
        json_pack("{s:s,s:{s:o},s:{s:s,s:{s:o,s:O}}}", "type", "cta_url", "body", "text", body,
                  "action", "name", "cta_url", "parameters", "display_text",
                  pl_text_truncated(json_string_value(json_object_get(l, "label")), BUTTON_TITLE),
                  "url", json_object_get(l, "url")));
    return;
  }
  json_t *lines = pl_message_link_lines(links);
  const char *texts[] = {text, json_string_value(lines)};
  json_t *body = pl_message_join(texts, 2);
  json_decref(lines);
  const char *b = json_string_value(body);
  bool captioned = media->type && strcmp(media->type, "audio"); /* audio takes no caption */
  if (captioned && n && n <= BUTTONS_MAX && short_titles && b &&
      pl_text_code_points(b, strlen(b)) <= BODY_MAX) {
    /* the media as the header of the reply buttons: one message */
    add_request(c, reqs, to, "interactive",
                json_pack("{s:s,s:{s:s,s:o},s:{s:s},s:o}", "type", "button", "header", "type",
                          media->type, media->type, media_object(media, NULL), "body", "text", b,
                          "action", choices_action(choices, true)));
    json_decref(body);
    return;
  }
  if (media->type) { /* the text is its caption (the head of it), unless choices need it */
    json_t *parts = !b || n     ? json_array()
                    : captioned ? pl_text_split_first(b, BODY_MAX, TEXT_MAX)
                                : pl_text_split(b, TEXT_MAX);
    const char *caption = captioned ? json_string_value(json_array_get(parts, 0)) : NULL;
    add_request(c, reqs, to, media->type, media_object(media, caption));
    if (caption) json_array_remove(parts, 0);
    add_texts(c, reqs, to, parts);
    json_decref(parts);
  } else if (!n && b) {
    json_t *parts = pl_text_split(b, TEXT_MAX);
    add_texts(c, reqs, to, parts);
    json_decref(parts);
  }
  if (n && n <= ROWS_MAX && b) {
    /* the interactive body holds 1024 characters: what does not fit goes first as text */
    json_t *parts = pl_text_split_last(b, TEXT_MAX, BODY_MAX);
    json_t *last = json_incref(json_array_get(parts, json_array_size(parts) - 1));
    json_array_remove(parts, json_array_size(parts) - 1);
    add_texts(c, reqs, to, parts);
    json_decref(parts);
    bool buttons = n <= BUTTONS_MAX && short_titles;
    add_request(c, reqs, to, "interactive",
                json_pack("{s:s,s:{s:o},s:o}", "type", buttons ? "button" : "list", "body", "text",
                          last, "action", choices_action(choices, buttons)));
  } else if (n) {
    /* more than a list holds, or no text for a body: a numbered text menu (parley maps a
     * typed "2" to the choice numbered 2) */
    json_t *menu = pl_message_menu(choices, false, true);
    const char *all[] = {b, json_string_value(menu)};
    json_t *full = pl_message_join(all, 2),
           *parts = pl_text_split(json_string_value(full), TEXT_MAX);
    add_texts(c, reqs, to, parts);
    json_decref(parts);
    json_decref(full);
    json_decref(menu);
  }
  json_decref(body);
}

/* A pre-approved template: its name, language and body parameters. */
static void add_template(const wa *c, json_t *reqs, const char *to, const json_t *t) {
  json_t *tpl = json_pack("{s:O,s:{s:O}}", "name", json_object_get(t, "name"), "language", "code",
                          json_object_get(t, "language"));
  json_t *params = json_array(), *p;
  size_t i;
  json_array_foreach(json_object_get(t, "params"), i, p) {
    json_t *text = json_is_string(p)    ? json_incref(p)
                   : json_is_integer(p) ? json_sprintf("%lld", (long long)json_integer_value(p))
                                        : json_sprintf("%g", json_real_value(p));
    json_array_append_new(params, json_pack("{s:s,s:o}", "type", "text", "text", text));
  }
  if (json_array_size(params))
    json_object_set_new(tpl, "components",
                        json_pack("[{s:s,s:o}]", "type", "body", "parameters", params));
  else
    json_decref(params);
  add_request(c, reqs, to, "template", tpl);
}

/* Inside the 24-hour window: the message (text, buttons and quick replies, then each card
 * as a part of its own), or the template when there is nothing else to send. Outside it
 * only the template can go. WhatsApp has no edits (a new message is sent; an edit that
 * only takes buttons away sends nothing) and no reply keyboards to remove. */
static char *wa_render(void *instance, const char *message) {
  wa *c = instance;
  pl_message m;
  if (pl_message_read(&m, message, "whatsapp", ROW_ID_MAX, ID_LIMIT)) return pl_message_refuse(&m);
  bool open = m.since_user >= 0 && m.since_user <= WINDOW_MS;
  bool content = pl_message_has_content(&m);
  char *out = NULL;
  json_t *reqs = json_array();
  if (m.tmpl && (!open || !content)) {
    add_template(c, reqs, m.chat_id, m.tmpl);
  } else if (!open) {
    out = pl_plugin_render_error("%s", WINDOW_ERROR);
  } else if (!content && !m.edit_id && !m.remove_keyboard) {
    out = pl_plugin_render_error("whatsapp: the message has nothing to send (no text, media, "
                                 "cards, buttons or template)");
  } else if (json_array_size(m.choices) && !m.text && !m.media.type && !json_array_size(m.cards)) {
    out = pl_plugin_render_error("whatsapp: buttons need a text to go with (WhatsApp's "
                                 "interactive messages have a body)");
  } else if (content) {
    json_t *choices = json_copy(m.buttons), *card;
    json_array_extend(choices, m.quick); /* quick replies are buttons on WhatsApp */
    add_part(c, reqs, m.chat_id, m.text, &m.media, choices, m.links);
    json_decref(choices);
    size_t i;
    json_array_foreach(m.cards, i, card) {
      json_t *text = pl_message_card_text(card);
      pl_media image = {"image", json_string_value(json_object_get(card, "image")), NULL};
      if (!image.url) image.type = NULL;
      add_part(c, reqs, m.chat_id, json_string_value(text), &image,
               json_array_get(m.card_choices, i), json_array_get(m.card_links, i));
      json_decref(text);
    }
  }
  if (!out) out = pl_plugin_dump(json_pack("{s:O}", "requests", reqs));
  json_decref(reqs);
  pl_message_free(&m);
  return out;
}

static char *wa_describe(void *instance) {
  (void)instance;
  return pl_plugin_dump(json_pack("{s:i,s:b,s:b,s:b,s:b,s:[s,s,s,s],s:i,s:s,s:i,s:b,s:b}",
                                  "buttons", ROWS_MAX, "url_buttons", 0, "quick_replies", 0,
                                  "cards", 0, "edit", 0, "media", "image", "video", "audio",
                                  "document", "text_limit", TEXT_MAX, "text_limit_unit", "chars",
                                  "window_hours", 24, "templates", 1, "tags", 0));
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
  double retry_after = pl_plugin_retry_after(headers);
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
  json_decref(r);
  return pl_plugin_verdict(cls, reason, retry_after);
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
    .start = NULL,
    .describe = wa_describe,
};

const pl_channel_api *parley_channel_v1(void) {
  return &api;
}
