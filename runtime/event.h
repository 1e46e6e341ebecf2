/* The canonical event a tenant handles, and the per-event run record that collects its
 * effects (replies, session, store writes, timers) until they are committed together.
 *
 * Ownership: a pl_event's strings belong to whoever built it (a channel, the timer
 * scanner) and outlive the dispatch; a pl_run owns every json_t it holds. */
#ifndef PL_EVENT_H
#define PL_EVENT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sandbox.h"
#include "store.h"

typedef enum pl_event_kind {
  PL_EV_TEXT,     /* a text message (commands and /start included) */
  PL_EV_BUTTON,   /* a button press: text is the button id */
  PL_EV_TIMER,    /* a due timer: text is the timer name */
  PL_EV_HANDBACK, /* an operator hands the conversation back to the bot */
  PL_EV_HANDOFF,  /* an operator takes the conversation over (text: reason) */
  PL_EV_OPERATOR, /* an operator sends text to the user (user_name: operator) */
  PL_EV_DATA,     /* contact, location, media, edit, membership, status: text is the kind,
                     data its fields */
  PL_EV_SEND,     /* a message another conversation sent here (ctx:send): data {msg, from} */
  PL_EV_SIGNAL,   /* a signal from another conversation (ctx:signal): text is its name,
                     data {data, from} */
} pl_event_kind;

typedef struct pl_event {
  pl_event_kind kind;
  const char *channel; /* "console" */
  const char *chat_id;
  const char *user_id, *user_name, *user_lang; /* may be NULL for timers */
  const char *text;
  const json_t *data;     /* timer data, or NULL */
  const char *event_id;   /* the channel's own id (dedupe), or NULL */
  const char *message_id; /* a button press: the bot message that carried it, or NULL */
  int64_t due_ms;         /* timers: when it was due */
} pl_event;

#define PL_LATE_MS 5000 /* a timer firing later than this after its due time is "late" */

typedef struct pl_run {
  const pl_event *ev;
  pl_event_kind kind; /* after button matching */
  const char *text;   /* after button matching */
  int64_t now_ms;
  pl_store *store;
  uint32_t tenant_id;
  const char *conv_key;
  json_t *user;       /* {id,name,language} */
  const json_t *caps; /* what the channel can show (its plugin's describe()), or NULL */
  const struct pl_channel_set *channels; /* the tenant's channels: targets of ctx:send */
  const unsigned char *sign_key;         /* the tenant's key for bot.sign (32 bytes) */
  int64_t last_inbound_ms; /* when the user last wrote (this event included), 0: never */
  json_t *session_in;      /* borrowed from the conversation record */
  const char *session_version;
  bool alive; /* ctx may be used */
  /* effects */
  json_t *replies;     /* canonical messages (include/parley/channel.h, render) */
  json_t *session_out; /* the session after the handler */
  json_t *kv;          /* key -> {op:"put",v} | {op:"del"} | {op:"incr",d} */
  json_t *reads;       /* key -> what bot.store.get saw committed ("-" absent, else a hash
                          of the stored bytes): checked at commit when the event writes */
  json_t *timers;      /* name -> {due, data} | null (cancel) */
  json_t *outgoing;    /* events for other conversations: ctx:send, ctx:signal */
  bool handled;        /* some handler ran */
  /* a handler in flight */
  pl_sb_task task;
  int ctx_ref;
  json_t *http_req; /* the request a waiting handler asked for */
  char *handoff;    /* ctx:handoff(reason) was called */
  bool redact;      /* ctx:redact(): the event's content is not kept in the history */
  bool erase;       /* ctx:erase_history(): the history so far goes in this commit */
} pl_run;

#endif
