/* The inbox (inbox.h): canonical events (JSON from a channel plugin, an operator action,
 * or another conversation) written once per event id, and read back as the pl_event the
 * runtime dispatches. */
#include <string.h>

#include "inbox.h"

void pl_event_from_record(const json_t *rec, pl_event *ev) {
  const char *kind = json_string_value(json_object_get(rec, "kind"));
  *ev = (pl_event){
      .kind = !kind                       ? PL_EV_TEXT
              : !strcmp(kind, "button")   ? PL_EV_BUTTON
              : !strcmp(kind, "operator") ? PL_EV_OPERATOR
              : !strcmp(kind, "handoff")  ? PL_EV_HANDOFF
              : !strcmp(kind, "handback") ? PL_EV_HANDBACK
              : !strcmp(kind, "text")     ? PL_EV_TEXT
              : !strcmp(kind, "send")     ? PL_EV_SEND
              : !strcmp(kind, "signal")   ? PL_EV_SIGNAL
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

int pl_inbox_put_events(pl_txn *tx, uint32_t tenant, const json_t *events, uint64_t *seqs,
                        pl_err *err) {
  size_t i;
  json_t *ev;
  json_array_foreach(events, i, ev) {
    seqs[i] = 0;
    const char *channel = json_string_value(json_object_get(ev, "channel"));
    const char *id = json_string_value(json_object_get(ev, "event_id"));
    pl_key dk;
    pl_key_init(&dk, tenant);
    pl_key_str0(&dk, channel);
    pl_key_bytes(&dk, id, strlen(id));
    pl_bytes v;
    if (pl_store_get(tx, PL_T_DEDUPE, dk.b, dk.len, &v) == 0) continue; /* seen: no effect */
    int64_t now = json_integer_value(json_object_get(ev, "accepted_at"));
    unsigned char at[8];
    for (int b = 7; b >= 0; b--)
      at[b] = (unsigned char)((uint64_t)now >> (8 * (7 - b)));
    int rc = pl_store_put(tx, PL_T_DEDUPE, dk.b, dk.len, at, 8);
    if (!rc) rc = pl_store_next_seq(tx, "inbox_seq", &seqs[i]);
    if (rc) return rc == PL_EFULL ? rc : pl_err_set(err, rc, "cannot record the event");
    pl_key ik;
    pl_key_init(&ik, tenant);
    pl_key_u64(&ik, seqs[i]);
    char *text = json_dumps(ev, JSON_COMPACT);
    rc = pl_store_put(tx, PL_T_INBOX, ik.b, ik.len, text, strlen(text));
    free(text);
    if (rc) return rc;
  }
  return 0;
}
