/* Canonical events as stored in the inbox (JSON from a channel plugin or an operator
 * action) to the pl_event the runtime dispatches. */
#include <string.h>

#include "server.h"

void pl_event_from_record(const json_t *rec, pl_event *ev) {
  const char *kind = json_string_value(json_object_get(rec, "kind"));
  *ev = (pl_event){
      .kind = !kind                       ? PL_EV_TEXT
              : !strcmp(kind, "button")   ? PL_EV_BUTTON
              : !strcmp(kind, "operator") ? PL_EV_OPERATOR
              : !strcmp(kind, "handoff")  ? PL_EV_HANDOFF
              : !strcmp(kind, "handback") ? PL_EV_HANDBACK
              : !strcmp(kind, "text")     ? PL_EV_TEXT
                                          : PL_EV_DATA,
      .channel = json_string_value(json_object_get(rec, "channel")),
      .chat_id = json_string_value(json_object_get(rec, "chat_id")),
      .user_id = json_string_value(json_object_get(rec, "user_id")),
      .user_name = json_string_value(json_object_get(rec, "user_name")),
      .user_lang = json_string_value(json_object_get(rec, "user_lang")),
      .text = json_string_value(json_object_get(rec, "text")),
      .data = json_object_get(rec, "data"),
      .event_id = json_string_value(json_object_get(rec, "event_id")),
      .message_id = json_string_value(json_object_get(rec, "message_id")),
  };
  if (ev->kind == PL_EV_DATA) ev->text = kind; /* the kind names the handler */
}
