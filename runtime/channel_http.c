/* The generic `http` channel (docs/http-channel.md): inbound JSON events and outbound
 * JSON messages. It will move behind the channel plugin ABI with the other channels. */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int bad(pl_err *err, const char *what) {
  return pl_err_set(err, PL_EINVAL, "%s (see docs/http-channel.md)", what);
}

static bool short_string(const json_t *v, size_t max) {
  return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= max &&
         !memchr(json_string_value(v), 0, json_string_length(v));
}

int pl_channel_http_parse(const char *body, size_t len, json_t **event, pl_err *err) {
  json_error_t je;
  json_t *in = json_loadb(body, len, 0, &je);
  if (!in)
    return pl_err_set(err, PL_EINVAL, "invalid JSON at line %d, column %d: %s", je.line, je.column,
                      je.text);
  int rc = 0;
  json_t *id = json_object_get(in, "id"), *chat = json_object_get(in, "chat_id");
  json_t *user = json_object_get(in, "user");
  json_t *text = json_object_get(in, "text"), *button = json_object_get(in, "button");
  json_t *start = json_object_get(in, "start");
  int kinds = !!text + !!button + !!start;
  if (!json_is_object(in))
    rc = bad(err, "the body must be a JSON object");
  else if (!short_string(id, 128))
    rc = bad(err, "\"id\" must be a string of 1-128 bytes");
  else if (!short_string(chat, 128))
    rc = bad(err, "\"chat_id\" must be a string of 1-128 bytes");
  else if (user && !json_is_object(user))
    rc = bad(err, "\"user\" must be an object");
  else if (user && json_object_get(user, "id") && !short_string(json_object_get(user, "id"), 128))
    rc = bad(err, "\"user.id\" must be a string of 1-128 bytes");
  else if (kinds != 1)
    rc = bad(err, "exactly one of \"text\", \"button\" or \"start\" is required");
  else if (text && !short_string(text, 16384))
    rc = bad(err, "\"text\" must be a string of 1-16384 bytes");
  else if (button && !short_string(button, 64))
    rc = bad(err, "\"button\" must be a button id of 1-64 bytes");
  else if (start && !(json_is_string(start) && json_string_length(start) <= 64))
    rc = bad(err, "\"start\" must be a payload string of 0-64 bytes");
  if (rc) {
    json_decref(in);
    return rc;
  }
  const char *uid = user && json_object_get(user, "id")
                        ? json_string_value(json_object_get(user, "id"))
                        : json_string_value(chat);
  json_t *ev = json_pack("{s:s,s:O,s:O,s:s}", "channel", "http", "event_id", id, "chat_id", chat,
                         "user_id", uid);
  json_t *name = user ? json_object_get(user, "name") : NULL;
  json_t *lang = user ? json_object_get(user, "language") : NULL;
  if (json_is_string(name)) json_object_set(ev, "user_name", name);
  if (json_is_string(lang)) json_object_set(ev, "user_lang", lang);
  if (text) {
    json_object_set_new(ev, "kind", json_string("text"));
    json_object_set(ev, "text", text);
  } else if (button) {
    json_object_set_new(ev, "kind", json_string("button"));
    json_object_set(ev, "text", button);
  } else {
    char cmd[80];
    snprintf(cmd, sizeof cmd, "/start%s%s", json_string_length(start) ? " " : "",
             json_string_value(start));
    json_object_set_new(ev, "kind", json_string("text"));
    json_object_set_new(ev, "text", json_string(cmd));
  }
  json_decref(in);
  *event = ev;
  return 0;
}

void pl_event_from_record(const json_t *rec, pl_event *ev) {
  const char *kind = json_string_value(json_object_get(rec, "kind"));
  *ev = (pl_event){
      .kind = !kind                       ? PL_EV_TEXT
              : !strcmp(kind, "button")   ? PL_EV_BUTTON
              : !strcmp(kind, "operator") ? PL_EV_OPERATOR
              : !strcmp(kind, "handoff")  ? PL_EV_HANDOFF
              : !strcmp(kind, "handback") ? PL_EV_HANDBACK
                                          : PL_EV_TEXT,
      .channel = json_string_value(json_object_get(rec, "channel")),
      .chat_id = json_string_value(json_object_get(rec, "chat_id")),
      .user_id = json_string_value(json_object_get(rec, "user_id")),
      .user_name = json_string_value(json_object_get(rec, "user_name")),
      .user_lang = json_string_value(json_object_get(rec, "user_lang")),
      .text = json_string_value(json_object_get(rec, "text")),
      .event_id = json_string_value(json_object_get(rec, "event_id")),
  };
}

char *pl_channel_http_render(const char *tenant, const json_t *entry) {
  const json_t *msg = json_object_get(entry, "msg");
  json_t *out =
      json_pack("{s:s,s:O,s:O,s:O}", "tenant", tenant, "chat_id", json_object_get(entry, "chat_id"),
                "message_id", json_object_get(entry, "key"), "text", json_object_get(msg, "text"));
  if (json_object_get(msg, "buttons"))
    json_object_set(out, "buttons", json_object_get(msg, "buttons"));
  if (json_object_get(msg, "operator"))
    json_object_set(out, "operator", json_object_get(msg, "operator"));
  char *s = json_dumps(out, JSON_COMPACT);
  json_decref(out);
  return s;
}
