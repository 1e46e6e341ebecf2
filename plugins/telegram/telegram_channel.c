/* The Telegram Bot API channel, webhook mode (CHANNELS.md §1, docs/channels.md).
 *
 * Inbound: Telegram POSTs one Update per request to /hook/<tenant>/telegram (set with
 * setWebhook, optionally with a secret_token that every request then carries in
 * X-Telegram-Bot-Api-Secret-Token). Text messages become `text` events (commands and
 * deep links stay text, "/cmd@botname" loses its "@botname"); inline-button presses
 * (callback_query) become `button` events and are answered with answerCallbackQuery
 * once committed (the webhook's "send"). Every other update type is acknowledged and
 * ignored, so Telegram does not redeliver it for a day.
 *
 * Outbound (the canonical message, docs/channels.md "Canonical messages"): sendMessage
 * per part of the text (plain text, no parse_mode, so nothing needs escaping; over 4096
 * code points split at paragraph, sentence, then word boundaries), the buttons as an
 * inline keyboard on the last part; media by URL (sendPhoto / sendVideo / sendAudio /
 * sendDocument, the text's head as the caption); a card per photo or message with its
 * title bold (an entity, not markup); quick replies as a one-time reply keyboard;
 * editMessageText / editMessageReplyMarkup for an edit of the message whose button was
 * pressed, editMessageCaption when that message was a photo or other media (a card):
 * button presses carry the pressed message's id (message_id) for such edits, as "c<id>"
 * for a media message, since Telegram edits a caption with its own method.
 *
 * No I/O, no mutable state after open: the acceptor's and the worker's instances of one
 * tenant run concurrently without locks. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "message.h"
#include "parley/channel.h"
#include "text.h"

#define TEXT_MAX 4096        /* sendMessage text, in Unicode code points after parsing */
#define CALLBACK_DATA_MAX 64 /* callback_data, in bytes */
#define SECRET_MAX 256       /* setWebhook secret_token */
#define DEFAULT_API "https://api.telegram.org"

typedef struct tg {
  long long bot_id;  /* the token's numeric part: update ids are unique per bot only */
  char *secret;      /* secret_token, or NULL: webhooks are not authenticated */
  char *answer_url;  /* <api_base>/bot<token>/answerCallbackQuery */
  char *updates_url; /* <api_base>/bot<token>/getUpdates, when mode = "polling" */
  char *base_url;    /* <api_base>/bot<token>/ (+ the method name) */
  char *webhook_url; /* where Telegram should POST, registered at start (optional) */
  int poll_timeout;  /* seconds getUpdates may hold the request */
} tg;

/* ---- open / close ---------------------------------------------------------------------- */

/* Settings this channel knows: its own, and the runtime's pacing settings. A setting
 * `X_env` was resolved into `X` by parley before open. */
static const char *const known_keys[] = {
    "token",       "api_base",        "secret_token",         "mode", "poll_timeout",
    "webhook_url", "rate_per_second", "chat_rate_per_second", NULL};

static bool known_key(const char *key) {
  size_t n = strlen(key);
  if (n > 4 && !strcmp(key + n - 4, "_env")) n -= 4;
  for (const char *const *k = known_keys; *k; k++)
    if (strlen(*k) == n && !strncmp(*k, key, n)) return true;
  return false;
}

/* "123456789:AAE..." as @BotFather gives it. Also keeps the URL path clean. */
static bool token_ok(const char *t) {
  const char *p = t;
  while (isdigit((unsigned char)*p))
    p++;
  if (p == t || *p != ':' || !p[1]) return false;
  for (p++; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') return false;
  return p - t <= 200;
}

static bool secret_chars_ok(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > SECRET_MAX) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
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

static char *join_url(const char *base, size_t base_len, const char *token, const char *method) {
  size_t n = base_len + strlen(token) + strlen(method) + 8;
  char *s = malloc(n);
  snprintf(s, n, "%.*s/bot%s/%s", (int)base_len, base, token, method);
  return s;
}

static void tg_close(void *instance);

static void *tg_open(const char *config, char **error) {
  json_t *cfg = json_loads(config, 0, NULL);
  tg *c = NULL;
  if (!json_is_object(cfg)) {
    *error = strdup("channels.telegram: expected a table of settings, e.g. "
                    "{ token_env = \"TELEGRAM_TOKEN\", secret_token_env = \"TELEGRAM_SECRET\" }");
    goto out;
  }
  const char *key;
  json_t *v;
  json_object_foreach(cfg, key, v) {
    if (!known_key(key)) {
      *error =
          pl_plugin_error("channels.telegram.%s: unknown setting (expected token or token_env, "
                          "api_base, secret_token or secret_token_env, mode, poll_timeout, "
                          "webhook_url, rate_per_second, chat_rate_per_second)",
                          key);
      goto out;
    }
  }
  json_t *tok = json_object_get(cfg, "token");
  if (!tok) {
    *error = strdup("channels.telegram.token: required: set token_env to the name of an "
                    "environment variable holding the bot token from @BotFather (or token, "
                    "for development only)");
    goto out;
  }
  if (!json_is_string(tok) || !token_ok(json_string_value(tok))) {
    /* never echo the value: it is a secret */
    *error = strdup("channels.telegram.token: not a bot token (expected the form "
                    "123456789:AAE... that @BotFather gives)");
    goto out;
  }
  json_t *base = json_object_get(cfg, "api_base");
  if (base && (!json_is_string(base) || !url_ok(json_string_value(base)) ||
               json_string_length(base) > 512)) {
    *error = pl_plugin_error("channels.telegram.api_base: expected an http(s) URL such as "
                             "\"" DEFAULT_API "\" (no query), got %s%.200s%s",
                             json_is_string(base) ? "\"" : "a ",
                             json_is_string(base) ? json_string_value(base) : "non-string",
                             json_is_string(base) ? "\"" : "");
    goto out;
  }
  json_t *sec = json_object_get(cfg, "secret_token");
  if (sec && (!json_is_string(sec) || !secret_chars_ok(json_string_value(sec)))) {
    *error = strdup("channels.telegram.secret_token: expected 1-256 characters of A-Z, a-z, "
                    "0-9, _ and - (Telegram's rule for setWebhook's secret_token)");
    goto out;
  }
  static const char *const rates[] = {"rate_per_second", "chat_rate_per_second"};
  for (int i = 0; i < 2; i++) {
    json_t *r = json_object_get(cfg, rates[i]);
    if (r && (!json_is_number(r) || json_number_value(r) < 0)) {
      *error =
          pl_plugin_error("channels.telegram.%s: expected a number >= 0 (0 = unlimited)", rates[i]);
      goto out;
    }
  }
  const char *b = base ? json_string_value(base) : DEFAULT_API;
  size_t blen = strlen(b);
  while (blen && b[blen - 1] == '/')
    blen--;
  c = calloc(1, sizeof *c);
  c->bot_id = strtoll(json_string_value(tok), NULL, 10);
  c->secret = sec ? strdup(json_string_value(sec)) : NULL;
  c->answer_url = join_url(b, blen, json_string_value(tok), "answerCallbackQuery");
  const char *mode = json_string_value(json_object_get(cfg, "mode"));
  if (json_object_get(cfg, "mode") &&
      (!mode || (strcmp(mode, "webhook") && strcmp(mode, "polling")))) {
    *error = strdup("channels.telegram.mode: \"webhook\" (default) or \"polling\" (getUpdates; "
                    "the offset moves only after the updates are stored)");
    tg_close(c);
    c = NULL;
    goto out;
  }
  c->base_url = join_url(b, blen, json_string_value(tok), "");
  /* Telegram's cloud only posts to https://; a local Bot API server (api_base) also
   * posts to plain http:// (CHANNELS.md §1.1). */
  json_t *wh = json_object_get(cfg, "webhook_url");
  const char *whs = json_string_value(wh);
  if (wh && (!whs || (strncmp(whs, "https://", 8) && (strncmp(whs, "http://", 7) || !base)))) {
    *error = strdup("channels.telegram.webhook_url: the public https:// URL of "
                    "/hook/<tenant>/telegram, registered with setWebhook at start (plain "
                    "http:// only with api_base: a local Bot API server accepts it)");
    tg_close(c);
    c = NULL;
    goto out;
  }
  c->webhook_url = wh ? strdup(json_string_value(wh)) : NULL;
  if (mode && !strcmp(mode, "polling"))
    c->updates_url = join_url(b, blen, json_string_value(tok), "getUpdates");
  json_t *pt = json_object_get(cfg, "poll_timeout");
  c->poll_timeout = pt ? (int)json_integer_value(pt) : 25;
  if (pt && (!json_is_integer(pt) || c->poll_timeout < 0 || c->poll_timeout > 50)) {
    *error = strdup("channels.telegram.poll_timeout: seconds of long polling, 0-50 (default 25)");
    tg_close(c);
    c = NULL;
    goto out;
  }
out:
  json_decref(cfg);
  return c;
}

static void tg_close(void *instance) {
  tg *c = instance;
  if (c->secret) OPENSSL_cleanse(c->secret, strlen(c->secret));
  free(c->secret);
  free(c->answer_url);
  free(c->updates_url);
  free(c->base_url);
  free(c->webhook_url);
  free(c);
}

/* ---- webhook --------------------------------------------------------------------------- */

/* Telegram ids are integers (up to 52 bits): decimal text in the canonical model. */
static bool id_text(const json_t *v, char buf[32]) {
  if (!json_is_integer(v)) return false;
  snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
  return true;
}

/* user_id, user_name, user_lang of the User `from` (or, without one, of the chat). */
static void add_user(json_t *ev, const json_t *from, const char *fallback_id) {
  char id[32];
  json_object_set_new(ev, "user_id",
                      json_string(id_text(json_object_get(from, "id"), id) ? id : fallback_id));
  const char *first = json_string_value(json_object_get(from, "first_name"));
  const char *last = json_string_value(json_object_get(from, "last_name"));
  if (first && *first) {
    json_object_set_new(ev, "user_name",
                        last && *last ? json_sprintf("%s %s", first, last) : json_string(first));
  }
  json_t *lang = json_object_get(from, "language_code");
  if (json_is_string(lang) && json_string_length(lang)) json_object_set(ev, "user_lang", lang);
}

/* "/cmd@botname args" -> "/cmd args" (the runtime routes on the command name). */
static json_t *command_text(const char *text) {
  if (text[0] != '/') return json_string(text);
  size_t cmd = 1 + strspn(text + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789_");
  if (cmd == 1 || text[cmd] != '@') return json_string(text);
  size_t user = strspn(text + cmd + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789_");
  const char *rest = text + cmd + 1 + user;
  if (!user || (*rest && *rest != ' ' && *rest != '\n')) return json_string(text);
  return json_sprintf("%.*s%s", (int)cmd, text, rest);
}

static json_t *answer_callback(const tg *c, const char *callback_id) {
  char *body = pl_plugin_dump(json_pack("{s:s}", "callback_query_id", callback_id));
  json_t *rq = json_pack("{s:s,s:s,s:{s:s},s:s}", "method", "POST", "url", c->answer_url, "headers",
                         "Content-Type", "application/json", "body", body);
  free(body);
  return rq;
}

static char *bad_update(const char *what, long long update_id) {
  char detail[400];
  if (update_id >= 0)
    snprintf(detail, sizeof detail, "update %lld: %s", update_id, what);
  else
    snprintf(detail, sizeof detail, "%s", what);
  return pl_plugin_refuse(400, "invalid update", detail);
}

/* The canonical fields of a non-text message (CHANNELS.md §1.4), with "_kind" naming the
 * kind: contact, location (a venue is a location with title and address) or media (the
 * largest photo size, a document, voice, audio, video, animation or sticker). NULL for a
 * message that is none of these. */
static json_t *message_data(const json_t *msg) {
  json_t *contact = json_object_get(msg, "contact");
  if (json_is_object(contact)) {
    json_t *d = json_pack("{s:s}", "_kind", "contact");
    const char *keys[] = {"phone_number", "first_name", "last_name", "user_id", "vcard", NULL};
    for (const char **k = keys; *k; k++)
      if (json_object_get(contact, *k))
        json_object_set(d, !strcmp(*k, "phone_number") ? "phone" : *k,
                        json_object_get(contact, *k));
    return d;
  }
  json_t *venue = json_object_get(msg, "venue"), *loc = json_object_get(msg, "location");
  if (json_is_object(loc)) {
    json_t *d =
        json_pack("{s:s,s:O,s:O}", "_kind", "location", "latitude",
                  json_object_get(loc, "latitude"), "longitude", json_object_get(loc, "longitude"));
    if (json_is_object(venue)) {
      json_object_set(d, "title", json_object_get(venue, "title"));
      json_object_set(d, "address", json_object_get(venue, "address"));
    }
    return d;
  }
  static const char *const media[] = {"photo", "animation",  "document", "video", "voice",
                                      "audio", "video_note", "sticker",  NULL};
  for (const char *const *m = media; *m; m++) {
    json_t *v = json_object_get(msg, *m);
    if (!v) continue;
    if (json_is_array(v)) v = json_array_get(v, json_array_size(v) - 1); /* the largest */
    if (!json_is_object(v)) return NULL;
    json_t *d = json_pack("{s:s,s:s,s:O}", "_kind", "media", "type", *m, "file_id",
                          json_object_get(v, "file_id"));
    const char *keys[] = {"file_name", "mime_type", "file_size", "width",
                          "height",    "duration",  NULL};
    for (const char **k = keys; *k; k++)
      if (json_object_get(v, *k)) json_object_set(d, *k, json_object_get(v, *k));
    if (json_is_string(json_object_get(msg, "caption")))
      json_object_set(d, "caption", json_object_get(msg, "caption"));
    return d;
  }
  return NULL;
}

/* One Update (a webhook body or a getUpdates element) to canonical events appended to
 * `events`; a callback query also gets its answerCallbackQuery appended to `send`. Returns
 * NULL, or what is wrong with the update; *update_id_out is -1 when it is unknown. */
static const char *map_update(tg *c, json_t *u, json_t *events, json_t *send,
                              long long *update_id_out) {
  json_t *uid = json_object_get(u, "update_id");
  if (!json_is_object(u) || !json_is_integer(uid) || json_integer_value(uid) < 0) {
    *update_id_out = -1;
    return "expected one Telegram Update: a JSON object with a non-negative integer "
           "\"update_id\"";
  }
  long long update_id = (long long)json_integer_value(uid);
  char event_id[64], chat[32];
  snprintf(event_id, sizeof event_id, "u%lld:%lld", c->bot_id, update_id);
  const char *bad = NULL;
  json_t *msg = json_object_get(u, "message"), *cq = json_object_get(u, "callback_query");
  if (msg) {
    json_t *text = json_object_get(msg, "text");
    json_t *from = json_object_get(msg, "from");
    if (!json_is_object(msg))
      bad = "\"message\" must be an object";
    else if (!id_text(json_object_get(json_object_get(msg, "chat"), "id"), chat))
      bad = "message.chat.id must be an integer";
    else if (text && !json_is_string(text))
      bad = "message.text must be a string";
    else if (from && !json_is_object(from))
      bad = "message.from must be an object";
    else if (text && json_string_length(text) && !json_is_true(json_object_get(from, "is_bot"))) {
      /* without `from` (anonymous admins post as sender_chat) the chat stands for the user */
      json_t *sender = from ? from : json_object_get(msg, "sender_chat");
      json_t *ev = json_pack("{s:s,s:s,s:s,s:o}", "event_id", event_id, "chat_id", chat, "kind",
                             "text", "text", command_text(json_string_value(text)));
      add_user(ev, sender, chat);
      json_array_append_new(events, ev);
    } else if (!json_is_true(json_object_get(from, "is_bot"))) {
      json_t *data = message_data(msg); /* contact, location, media; NULL for the rest */
      if (data) {
        json_t *ev = json_pack("{s:s,s:s,s:s,s:o}", "event_id", event_id, "chat_id", chat, "kind",
                               json_string_value(json_object_get(data, "_kind")), "data", data);
        json_object_del(data, "_kind");
        add_user(ev, from ? from : json_object_get(msg, "sender_chat"), chat);
        json_array_append_new(events, ev);
      }
    }
    /* service messages (members joining, pinned, ...): acknowledged, no event */
  } else if (json_is_object(json_object_get(u, "edited_message"))) {
    json_t *em = json_object_get(u, "edited_message");
    json_t *text = json_object_get(em, "text");
    if (json_is_string(text) && id_text(json_object_get(json_object_get(em, "chat"), "id"), chat)) {
      json_t *ev =
          json_pack("{s:s,s:s,s:s,s:{s:O,s:O}}", "event_id", event_id, "chat_id", chat, "kind",
                    "edit", "data", "text", text, "message_id", json_object_get(em, "message_id"));
      add_user(ev, json_object_get(em, "from"), chat);
      json_array_append_new(events, ev);
    }
  } else if (json_is_object(json_object_get(u, "my_chat_member"))) {
    /* In a private chat this comes only when the user blocks or unblocks the bot. */
    json_t *mcm = json_object_get(u, "my_chat_member");
    const char *st =
        json_string_value(json_object_get(json_object_get(mcm, "new_chat_member"), "status"));
    const char *kind = !st                     ? NULL
                       : !strcmp(st, "kicked") ? "blocked"
                       : !strcmp(st, "member") ? "unblocked"
                                               : NULL;
    if (kind && id_text(json_object_get(json_object_get(mcm, "chat"), "id"), chat)) {
      json_t *ev = json_pack("{s:s,s:s,s:s,s:{}}", "event_id", event_id, "chat_id", chat, "kind",
                             kind, "data");
      add_user(ev, json_object_get(mcm, "from"), chat);
      json_array_append_new(events, ev);
    }
  } else if (cq) {
    json_t *id = json_object_get(cq, "id"), *data = json_object_get(cq, "data");
    json_t *from = json_object_get(cq, "from");
    json_t *cmsg = json_object_get(cq, "message");
    if (!json_is_object(cq))
      bad = "\"callback_query\" must be an object";
    else if (!json_is_string(id) || !json_string_length(id) || json_string_length(id) > 256)
      bad = "callback_query.id must be a non-empty string";
    else if (data && !json_is_string(data))
      bad = "callback_query.data must be a string";
    else if (cmsg && !json_is_object(cmsg))
      bad = "callback_query.message must be an object";
    else {
      json_array_append_new(send, answer_callback(c, json_string_value(id)));
      /* A press on a message sent in inline mode has no chat (inline_message_id): only
       * answered. A game button has no data: only answered. */
      if (json_string_length(data) &&
          id_text(json_object_get(json_object_get(cmsg, "chat"), "id"), chat)) {
        json_t *ev = json_pack("{s:s,s:s,s:s,s:O}", "event_id", event_id, "chat_id", chat, "kind",
                               "button", "text", data);
        char mid[32]; /* the message that carried the button: a reply may edit it */
        if (id_text(json_object_get(cmsg, "message_id"), mid)) {
          /* no text on an accessible message (date 0 is inaccessible, nothing known):
           * media with a caption, edited by editMessageCaption */
          bool media = !json_object_get(cmsg, "text") &&
                       json_integer_value(json_object_get(cmsg, "date")) != 0;
          json_object_set_new(ev, "message_id", json_sprintf("%s%s", media ? "c" : "", mid));
        }
        add_user(ev, from, chat);
        json_array_append_new(events, ev);
      }
    }
  }
  /* Every other update type (channel_post, poll, chat_join_request, ...) is acknowledged
   * with no event, so Telegram does not redeliver it. */
  *update_id_out = update_id;
  return bad;
}

static char *tg_webhook(void *instance, const pl_channel_request *req) {
  tg *c = instance;
  if (strcmp(req->method, "POST"))
    return pl_plugin_refuse(405, "method not allowed", "Telegram webhooks are POSTs");
  if (c->secret) {
    const char *got = pl_plugin_header(req, "x-telegram-bot-api-secret-token");
    size_t n = strlen(c->secret);
    if (!got || strlen(got) != n || CRYPTO_memcmp(got, c->secret, n))
      return pl_plugin_refuse(
          401, "wrong secret token",
          "the X-Telegram-Bot-Api-Secret-Token header must carry the secret_token "
          "given to setWebhook (channels.telegram.secret_token)");
  }
  json_error_t je;
  json_t *u = json_loadb(req->body, req->body_len, 0, &je);
  if (!u) {
    char detail[300];
    snprintf(detail, sizeof detail,
             "not JSON (line %d, column %d: %s); expected one Telegram "
             "Update object",
             je.line, je.column, je.text);
    return pl_plugin_refuse(400, "invalid update", detail);
  }
  json_t *events = json_array(), *send = json_array();
  long long update_id;
  const char *bad = map_update(c, u, events, send, &update_id);
  json_decref(u);
  if (bad) {
    json_decref(events);
    json_decref(send);
    return bad_update(bad, update_id);
  }
  json_t *out = json_pack("{s:o}", "events", events);
  if (json_array_size(send))
    json_object_set_new(out, "send", send);
  else
    json_decref(send);
  return pl_plugin_dump(out);
}

/* ---- start: register the webhook, or clear it for polling ---------------------------------- */

static char *tg_start(void *instance) {
  tg *c = instance;
  char url[1200];
  json_t *reqs = json_array();
  if (c->updates_url) { /* getUpdates fails while a webhook is set */
    snprintf(url, sizeof url, "%sdeleteWebhook", c->base_url);
    json_array_append_new(reqs, json_pack("{s:s,s:s,s:{s:s},s:s}", "method", "POST", "url", url,
                                          "headers", "Content-Type", "application/json", "body",
                                          "{\"drop_pending_updates\":false}"));
  } else if (c->webhook_url) {
    json_t *body = json_pack("{s:s,s:[s,s,s,s]}", "url", c->webhook_url, "allowed_updates",
                             "message", "edited_message", "callback_query", "my_chat_member");
    if (c->secret) json_object_set_new(body, "secret_token", json_string(c->secret));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    snprintf(url, sizeof url, "%ssetWebhook", c->base_url);
    json_array_append_new(reqs,
                          json_pack("{s:s,s:s,s:{s:s},s:s}", "method", "POST", "url", url,
                                    "headers", "Content-Type", "application/json", "body", text));
    free(text);
  }
  return pl_plugin_dump(json_pack("{s:o}", "send", reqs));
}

/* ---- long polling (mode = "polling") ----------------------------------------------------- */

static char *tg_poll_request(void *instance, const char *state) {
  tg *c = instance;
  if (!c->updates_url) return strdup("{\"off\":true}");
  json_t *st = json_loads(state, 0, NULL);
  char url[1200];
  snprintf(url, sizeof url, "%s?offset=%lld&timeout=%d", c->updates_url,
           (long long)json_integer_value(json_object_get(st, "offset")), c->poll_timeout);
  json_decref(st);
  return pl_plugin_dump(json_pack("{s:{s:s,s:s,s:i}}", "request", "method", "GET", "url", url,
                                  "timeout_ms", (c->poll_timeout + 10) * 1000));
}

/* getUpdates' answer: the updates become events; the offset moves past the last one —
 * parley commits both together, so Telegram forgets an update only once it is stored. */
static char *tg_poll_result(void *instance, const char *state, int status, const char *body,
                            size_t len) {
  tg *c = instance;
  json_t *in = json_loadb(body ? body : "", len, 0, NULL);
  json_t *result = json_object_get(in, "result");
  const char *desc = json_string_value(json_object_get(in, "description"));
  json_t *out;
  if (status == 200 && json_is_true(json_object_get(in, "ok")) && json_is_array(result)) {
    json_t *st = json_loads(state, 0, NULL);
    json_t *events = json_array(), *send = json_array();
    json_int_t next = json_integer_value(json_object_get(st, "offset"));
    size_t i;
    json_t *u;
    json_array_foreach(result, i, u) {
      long long id;
      map_update(c, u, events, send, &id); /* a malformed update is skipped, not retried */
      if (id >= 0 && id + 1 > next) next = id + 1;
    }
    json_object_set_new(st, "offset", json_integer(next));
    out = json_pack("{s:o,s:o}", "events", events, "state", st);
    if (json_array_size(send))
      json_object_set_new(out, "send", send);
    else
      json_decref(send);
  } else if (status == 409) {
    /* A webhook still set: the deleteWebhook parley sends at start is on its way (the
     * first poll can overtake it), so try again soon. Another poller on the token: that
     * one will not go away by itself, so slowly, and the log says why. */
    bool webhook = desc && strstr(desc, "webhook");
    out = json_pack("{s:i,s:s}", "retry_after", webhook ? 2 : 30, "error",
                    desc ? desc
                         : "getUpdates conflict: another poller uses this token, or a "
                           "webhook is set (deleteWebhook first)");
  } else if (status == 401 || status == 404) {
    out = json_pack("{s:i,s:s}", "retry_after", 60, "error",
                    "the bot token was refused (check channels.telegram.token)");
  } else if (status == 429) {
    json_int_t ra =
        json_integer_value(json_object_get(json_object_get(in, "parameters"), "retry_after"));
    out = json_pack("{s:I,s:s}", "retry_after", ra > 0 ? ra : 5, "error", "flood control");
  } else {
    out = json_pack("{s:i,s:s}", "retry_after", 2, "error",
                    desc     ? desc
                    : status ? "getUpdates failed"
                             : "no answer from Telegram");
  }
  json_decref(in);
  return pl_plugin_dump(out);
}

/* ---- render ---------------------------------------------------------------------------- */

#define CAPTION_MAX 1024 /* media captions, code points */
/* Inline keyboards: at most 100 buttons, 8 a row (community-measured, CHANNELS.md §1.5) */
#define KEYBOARD_MAX 100
#define ROW_MAX 8
#define SHORT_LABEL 20 /* up to 3 quick replies this short share one keyboard row */
#define ID_LIMIT "Telegram's callback_data limit; keep long data in the session behind a short id"

static const struct {
  const char *type, *method, *field;
} media_calls[] = {{"image", "sendPhoto", "photo"},
                   {"video", "sendVideo", "video"},
                   {"audio", "sendAudio", "audio"},
                   {"document", "sendDocument", "document"}};

/* The only documents Telegram fetches by URL; others would need an upload: sent as a link. */
static const char *const url_documents[] = {".pdf", ".zip", ".gif", NULL};

/* "12345" / "-100123" -> an integer; anything else (e.g. "@channelname") stays a string. */
static json_t *chat_id_value(const char *id) {
  const char *p = id + (*id == '-');
  if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 18) {
    errno = 0;
    long long v = strtoll(id, NULL, 10);
    if (!errno) return json_integer(v);
  }
  return json_string(id);
}

/* A Bot API call of the rendering, {method, body}: it becomes a request once every markup
 * is placed. Takes body. */
static json_t *add_call(json_t *calls, const char *method, json_t *body) {
  json_array_append_new(calls, json_pack("{s:s,s:o}", "method", method, "body", body));
  return json_object_get(json_array_get(calls, json_array_size(calls) - 1), "body");
}

static void add_texts(json_t *calls, json_t *chat, const json_t *parts) {
  size_t i;
  json_t *p;
  json_array_foreach(parts, i, p)
      add_call(calls, "sendMessage", json_pack("{s:O,s:O}", "chat_id", chat, "text", p));
}

/* An inline keyboard button: a callback for {label, id}, a link for {label, url}. */
static json_t *inline_button(const json_t *b) {
  json_t *url = json_object_get(b, "url");
  return json_pack("{s:O,s:O}", "text", json_object_get(b, "label"), url ? "url" : "callback_data",
                   url ? url : json_object_get(b, "id"));
}

/* The message's rows as an inline keyboard, rows wrapped at ROW_MAX; NULL for no buttons. */
static json_t *inline_rows(const json_t *rows) {
  json_t *kb = json_array(), *row, *b;
  size_t i, j;
  json_array_foreach(rows, i, row) {
    json_t *out = NULL;
    json_array_foreach(row, j, b) {
      if (!out || json_array_size(out) == ROW_MAX) {
        out = json_array();
        json_array_append_new(kb, out);
      }
      json_array_append_new(out, inline_button(b));
    }
  }
  if (json_array_size(kb)) return kb;
  json_decref(kb);
  return NULL;
}

/* Choices as keyboard rows: one row when there are at most 3 short ones, else one a row.
 * `inline`: callback buttons, else reply keyboard buttons (a press sends the label). */
static json_t *choice_rows(const json_t *choices, bool inline_kb) {
  bool one_row = json_array_size(choices) <= 3 && pl_message_labels_fit(choices, SHORT_LABEL);
  json_t *rows = json_array(), *row = NULL, *ch;
  size_t i;
  json_array_foreach(choices, i, ch) {
    if (!row || !one_row) {
      row = json_array();
      json_array_append_new(rows, row);
    }
    json_array_append_new(row, inline_kb
                                   ? inline_button(ch)
                                   : json_pack("{s:O}", "text", json_object_get(ch, "label")));
  }
  return rows;
}

static json_t *inline_keyboard(json_t *call) {
  return json_object_get(json_object_get(json_object_get(call, "body"), "reply_markup"),
                         "inline_keyboard");
}

/* Puts `rows` (taken) on a call's inline keyboard, after any rows it has. */
static void add_inline_rows(json_t *call, json_t *rows) {
  json_t *kb = inline_keyboard(call);
  if (kb)
    json_array_extend(kb, rows);
  else
    json_object_set_new(json_object_get(call, "body"), "reply_markup",
                        json_pack("{s:O}", "inline_keyboard", rows));
  json_decref(rows);
}

/* A card: a photo whose caption is the card's text, or a text message without an image;
 * the title in bold (an entity, so nothing needs escaping), the buttons one a row. */
static void add_card(json_t *calls, json_t *chat, const json_t *card) {
  const char *title = json_string_value(json_object_get(card, "title"));
  const char *image = json_string_value(json_object_get(card, "image"));
  json_t *text = pl_message_card_text(card);
  json_t *shown = pl_text_truncated(json_string_value(text), image ? CAPTION_MAX : TEXT_MAX);
  const char *s = json_string_value(shown);
  size_t bold = pl_text_utf16_units(title, strlen(title)), all = pl_text_utf16_units(s, strlen(s));
  json_t *entities = json_pack("[{s:s,s:i,s:I}]", "type", "bold", "offset", 0, "length",
                               (json_int_t)(bold < all ? bold : all));
  json_t *body =
      image ? json_pack("{s:O,s:s,s:o,s:o}", "chat_id", chat, "photo", image, "caption", shown,
                        "caption_entities", entities)
            : json_pack("{s:O,s:o,s:o}", "chat_id", chat, "text", shown, "entities", entities);
  json_t *rows = json_array(), *b;
  size_t i;
  json_array_foreach(json_object_get(card, "buttons"), i, b)
      json_array_append_new(rows, json_pack("[o]", inline_button(b)));
  if (json_array_size(rows))
    json_object_set_new(body, "reply_markup", json_pack("{s:o}", "inline_keyboard", rows));
  else
    json_decref(rows);
  add_call(calls, image ? "sendPhoto" : "sendMessage", body);
  json_decref(text);
}

/* The media by URL, what of the text fits as its caption (1024), the rest as messages. */
static void add_media(json_t *calls, json_t *chat, const pl_media *media, const char *text) {
  size_t k = 0;
  while (strcmp(media_calls[k].type, media->type))
    k++;
  json_t *parts = text ? pl_text_split_first(text, CAPTION_MAX, TEXT_MAX) : json_array();
  json_t *body = json_pack("{s:O,s:s}", "chat_id", chat, media_calls[k].field, media->url);
  if (json_array_size(parts)) json_object_set(body, "caption", json_array_get(parts, 0));
  add_call(calls, media_calls[k].method, body);
  json_array_remove(parts, 0);
  add_texts(calls, chat, parts);
  json_decref(parts);
}

static bool is_send(const json_t *call) {
  return !strncmp(json_string_value(json_object_get(call, "method")), "send", 4);
}

/* Quick replies: a one-time reply keyboard on the last message that has no other markup
 * (a press arrives as the label's text); where every call carries an inline keyboard (or
 * edits, which take no reply keyboard), callback buttons on the last one instead. A
 * keyboard removal goes on the first message without markup; with none, it is skipped. */
static void place_reply_keyboard(json_t *calls, const pl_message *m) {
  size_t n = json_array_size(calls);
  if (json_array_size(m->quick)) {
    for (size_t i = n; i-- > 0;) {
      json_t *call = json_array_get(calls, i), *body = json_object_get(call, "body");
      if (is_send(call) && !json_object_get(body, "reply_markup")) {
        json_object_set_new(body, "reply_markup",
                            json_pack("{s:o,s:b,s:b}", "keyboard", choice_rows(m->quick, false),
                                      "one_time_keyboard", 1, "resize_keyboard", 1));
        return;
      }
    }
    add_inline_rows(json_array_get(calls, n - 1), choice_rows(m->quick, true));
  } else if (m->remove_keyboard) {
    for (size_t i = 0; i < n; i++) {
      json_t *call = json_array_get(calls, i), *body = json_object_get(call, "body");
      if (is_send(call) && !json_object_get(body, "reply_markup")) {
        json_object_set_new(body, "reply_markup", json_pack("{s:b}", "remove_keyboard", 1));
        return;
      }
    }
  }
}

/* An edit of the message whose button was pressed: editMessageText with the first part of
 * the text (the rest follows as new messages), editMessageCaption for a media message's
 * caption ("c<id>", first 1024), or editMessageReplyMarkup when there is no text (only the
 * buttons change, or go: an empty keyboard). */
static const char *add_edit(json_t *calls, json_t *chat, const pl_message *m, const char *text) {
  bool caption = *m->edit_id == 'c';
  const char *digits = m->edit_id + caption, *p = digits + (*digits == '-');
  if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 18)
    return "telegram: \"edit_message_id\" must be a Telegram message id (digits, \"c\" "
           "before them for a media message), as a button event's message_id";
  json_t *id = json_integer(strtoll(digits, NULL, 10));
  if (text) {
    json_t *parts =
        caption ? pl_text_split_first(text, CAPTION_MAX, TEXT_MAX) : pl_text_split(text, TEXT_MAX);
    add_call(calls, caption ? "editMessageCaption" : "editMessageText",
             json_pack("{s:O,s:O,s:O}", "chat_id", chat, "message_id", id,
                       caption ? "caption" : "text", json_array_get(parts, 0)));
    json_array_remove(parts, 0);
    add_texts(calls, chat, parts);
    json_decref(parts);
  } else {
    add_call(calls, "editMessageReplyMarkup",
             json_pack("{s:O,s:O,s:{s:[]}}", "chat_id", chat, "message_id", id, "reply_markup",
                       "inline_keyboard"));
  }
  json_decref(id);
  return NULL;
}

/* The requests of a rendering: each call POSTed as JSON to <api_base>/bot<token>/<method>. */
static json_t *requests_of(const tg *c, const json_t *calls) {
  json_t *reqs = json_array(), *call;
  size_t i;
  json_array_foreach(calls, i, call) {
    json_t *url =
        json_sprintf("%s%s", c->base_url, json_string_value(json_object_get(call, "method")));
    json_array_append_new(reqs, pl_plugin_post_json(json_string_value(url), NULL,
                                                    json_incref(json_object_get(call, "body"))));
    json_decref(url);
  }
  return reqs;
}

/* In order: the media (the text's head as its caption) or an edit, the text, the cards;
 * the message's inline keyboard on the last call before the cards (or the last card),
 * then the quick replies' keyboard (place_reply_keyboard). Text is plain: no parse_mode. */
static char *tg_render(void *instance, const char *message) {
  tg *c = instance;
  pl_message m;
  if (pl_message_read(&m, message, "telegram", CALLBACK_DATA_MAX, ID_LIMIT))
    return pl_message_refuse(&m);
  json_t *chat = chat_id_value(m.chat_id), *calls = json_array(), *keyboard = NULL, *text = NULL;
  if (json_array_size(m.buttons) + json_array_size(m.links) > KEYBOARD_MAX) {
    /* more than a keyboard holds: the choices as a numbered menu, the links as lines */
    json_t *links = pl_message_link_lines(m.links), *menu = pl_message_menu(m.buttons, false, true);
    const char *texts[] = {m.text, json_string_value(links), json_string_value(menu)};
    text = pl_message_join(texts, 3);
    json_decref(links);
    json_decref(menu);
  } else {
    keyboard = inline_rows(m.rows);
    text = m.text ? json_string(m.text) : NULL;
  }
  pl_media media = m.media;
  if (media.type && !strcmp(media.type, "document") &&
      !pl_message_media_ext(&media, url_documents)) {
    json_t *line = pl_message_media_line(&media), *joined;
    const char *texts[] = {json_string_value(text), json_string_value(line)};
    joined = pl_message_join(texts, 2);
    json_decref(line);
    json_decref(text);
    text = joined;
    media.type = NULL;
  }
  const char *error = NULL;
  if (m.edit_id && !media.type && !json_array_size(m.cards)) {
    error = add_edit(calls, chat, &m, json_string_value(text));
  } else if (media.type) {
    add_media(calls, chat, &media, json_string_value(text));
  } else if (text) {
    json_t *parts = pl_text_split(json_string_value(text), TEXT_MAX);
    add_texts(calls, chat, parts);
    json_decref(parts);
  }
  size_t body_calls = json_array_size(calls), i;
  json_t *card;
  json_array_foreach(m.cards, i, card) add_card(calls, chat, card);
  if (!error && !json_array_size(calls))
    error = "telegram: a message needs a non-blank text, media or cards (Telegram refuses empty "
            "messages, even with buttons)";
  char *out;
  if (error) {
    json_decref(keyboard);
    out = pl_plugin_render_error("%s", error);
  } else {
    if (keyboard)
      add_inline_rows(json_array_get(calls, (body_calls ? body_calls : json_array_size(calls)) - 1),
                      keyboard);
    place_reply_keyboard(calls, &m);
    out = pl_plugin_dump(json_pack("{s:o}", "requests", requests_of(c, calls)));
  }
  json_decref(text);
  json_decref(calls);
  json_decref(chat);
  pl_message_free(&m);
  return out;
}

static char *tg_describe(void *instance) {
  (void)instance;
  return pl_plugin_dump(json_pack(
      "{s:i,s:b,s:b,s:b,s:b,s:[s,s,s,s],s:i,s:s,s:b,s:b}", "buttons", KEYBOARD_MAX, "url_buttons",
      1, "quick_replies", 1, "cards", 1, "edit", 1, "media", "image", "video", "audio", "document",
      "text_limit", TEXT_MAX, "text_limit_unit", "chars", "templates", 0, "tags", 0));
}

/* ---- classify -------------------------------------------------------------------------- */

static bool starts_with_ci(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++)
    if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix)) return false;
  return true;
}

static bool contains_ci(const char *s, const char *needle) {
  for (; *s; s++)
    if (starts_with_ci(s, needle)) return true;
  return false;
}

static char *tg_classify(void *instance, int status, const char *headers, const char *body,
                         size_t body_len) {
  (void)instance;
  json_t *r = body && body_len ? json_loadb(body, body_len, 0, NULL) : NULL;
  const char *desc = json_string_value(json_object_get(r, "description"));
  json_t *ra = json_object_get(json_object_get(r, "parameters"), "retry_after");
  json_t *migrate = json_object_get(json_object_get(r, "parameters"), "migrate_to_chat_id");
  bool ok = json_is_true(json_object_get(r, "ok"));
  /* The envelope's error_code when a proxy answered 200 to an error (never seen from
   * Telegram itself, which uses the HTTP status). */
  if (status >= 200 && status < 300 && !ok && json_is_integer(json_object_get(r, "error_code")))
    status = (int)json_integer_value(json_object_get(r, "error_code"));
  double retry_after = -1;
  if (json_is_number(ra)) {
    retry_after = json_number_value(ra);
  } else {
    retry_after = pl_plugin_retry_after(headers);
  }
  const char *cls;
  char reason[400];
  if (status >= 200 && status < 300) {
    cls = ok ? "ok" : "retry_backoff";
    snprintf(reason, sizeof reason, "%s", ok ? "sent" : "HTTP 2xx without a Bot API answer");
  } else {
    if (status == 0)
      cls = "retry_backoff";
    else if (status == 429)
      cls = retry_after >= 0 ? "retry_after" : "retry_backoff";
    else if (status == 400 && desc && contains_ci(desc, "message is not modified"))
      cls = "ok";
    else if (status == 401 || status == 404)
      cls = "auth";
    else if (status == 403)
      cls = "unreachable";
    else if (status >= 500 || status == 408)
      cls = "retry_backoff";
    else
      cls = "invalid"; /* 400 and the rest: retrying the same request cannot help */
    if (status == 0)
      snprintf(reason, sizeof reason, "no answer from the Telegram API");
    else if (desc)
      snprintf(reason, sizeof reason, "Telegram %d: %.300s%s", status, desc,
               json_is_integer(migrate) ? " (the group became a supergroup: "
                                          "migrate_to_chat_id; re-key the conversation)"
                                        : "");
    else
      snprintf(reason, sizeof reason, "HTTP %d: %.*s", status,
               (int)(body_len > 200 ? 200 : body_len), body ? body : "");
  }
  json_decref(r);
  return pl_plugin_verdict(cls, reason, retry_after);
}

static const pl_channel_api api = {
    .abi = PL_CHANNEL_ABI,
    .size = sizeof(pl_channel_api),
    .name = "telegram",
    .open = tg_open,
    .close = tg_close,
    .webhook = tg_webhook,
    .render = tg_render,
    .classify = tg_classify,
    .poll_request = tg_poll_request,
    .poll_result = tg_poll_result,
    .start = tg_start,
    .describe = tg_describe,
};

const pl_channel_api *parley_channel_v1(void) {
  return &api;
}
