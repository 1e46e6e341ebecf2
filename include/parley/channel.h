/* The channel plugin ABI, version 1: what a messaging channel (Telegram, WhatsApp, a web
 * chat, your own system) implements so that parley can receive its events and send it
 * messages. A plugin is a shared module exporting `parley_channel_v1`; tenant.lua names
 * the channel (`channels = { telegram = {...} }`) and parley loads
 * <plugin dir>/libparley-channel-<name>.so. docs/plugins.md walks through writing one.
 *
 * Everything crossing the ABI is JSON text (UTF-8, NUL-terminated): plugins need no
 * parley headers beyond this one and no parley structs, and a field added later does not
 * break an older plugin. Strings a plugin returns are allocated with malloc and freed by
 * parley with free().
 *
 * Threads: one instance serves one tenant's channel; parley calls an instance from one
 * thread at a time (webhooks on the acceptor, sends on the tenant's worker) but may call
 * different instances concurrently. No call may block: plugins do no I/O themselves —
 * they describe HTTP requests and parley performs them. */
#ifndef PARLEY_CHANNEL_H
#define PARLEY_CHANNEL_H
#include <stddef.h> /* size_t, offsetof */

#define PL_CHANNEL_ABI 1

typedef struct pl_channel_header {
  const char *name; /* lower-case */
  const char *value;
} pl_channel_header;

/* An inbound HTTP request to POST|GET /hook/<tenant>/<channel> (for the channel named
 * webchat also any request under /webchat/<tenant>/), exactly as received. */
typedef struct pl_channel_request {
  const char *method;
  const char *path;
  const char *query; /* or NULL */
  const pl_channel_header *headers;
  size_t nheaders;
  const char *body; /* raw bytes: signatures are computed over them */
  size_t body_len;
} pl_channel_request;

typedef struct pl_channel_api {
  int abi;          /* PL_CHANNEL_ABI */
  size_t size;      /* sizeof(pl_channel_api) as the plugin was built: functions added at
                       the end later are used only if the plugin's struct has them */
  const char *name; /* "telegram": the key in tenant.lua's channels table */

  /* One instance per tenant: config is the JSON of the tenant's channels.<name> table
   * (secrets already resolved from their *_env variables). On error returns NULL and a
   * malloc'd message in *error naming the bad key ("channels.telegram.token: ..."). */
  void *(*open)(const char *config, char **error);
  void (*close)(void *instance);

  /* An inbound request. Returns malloc'd JSON:
   *   {"status": 200, "content_type": "...", "body": "...",   -- answer now, or
   *    "events": [ <canonical event>, ... ]}                   -- accept these first, or
   *   {"feed": {"chat_id": "...", "after": N, "wait_ms": ms}}  -- the chat's history
   * With "events", parley stores them durably and answers `status` (default 200) only
   * after the commit; a "send": [request, ...] list (same shape as render's requests) is
   * then sent once, best effort (e.g. Telegram's answerCallbackQuery). Refusals set
   * status 401/403/400 and no events. Any answer may add "headers": {"Name": "value"}
   * (e.g. Cache-Control, Location, Allow; parley sets Content-Type, Content-Length and
   * Connection itself). With "feed", parley answers 200 {"messages": [...], "next": M}
   * with the conversation's history after message N — at once if there is some, else as
   * soon as a commit adds to it, or after wait_ms (at most 60000) with no messages — for
   * clients that fetch their messages themselves (the web chat's widget; the plugin has
   * checked who asks). A canonical event:
   *   {"event_id": "...", "chat_id": "...", "user_id": "...", "user_name": "...",
   *    "user_lang": "..", "kind": "text"|"button"|"contact"|"location"|"media"|"edit"|
   *    "blocked"|"unblocked"|"status", "text": "...", "data": {...},
   *    "message_id": "..."}
   * ("/start PAYLOAD" is text; a button press has kind "button" and the id in text, and
   * message_id = the channel's id of the bot message that carried the button, so a reply
   * with "edit" can change that message in place.) */
  char *(*webhook)(void *instance, const pl_channel_request *req);

  /* Renders one canonical message for a chat into the HTTP requests that send it. The
   * message (every field but chat_id, key, tenant and now is optional):
   *   {"chat_id": "...",
   *    "text": "...",                   plain text, never markup: escaping is the plugin's
   *    "buttons": [[{"label","id"} | {"label","url"}]],   rows; url buttons open a link
   *    "quick_replies": [{"label","id"}],                  suggestions that go away once used
   *    "media": {"type": "image"|"video"|"audio"|"document", "url", "filename"?},
   *                                     sent by URL; "text" is then its caption
   *    "cards": [{"title", "subtitle"?, "image"?, "url"?, "buttons"?: [button, ...]}],
   *    "edit_message_id": "...",        change this earlier bot message (the one whose
   *                                     button was pressed) instead of sending a new one
   *    "remove_keyboard": true,         take away a reply keyboard the user still sees
   *    "template": {"name", "language", "params": ["..."]},  a pre-approved message for
   *                                     channels with a reply window (WhatsApp)
   *    "tag": "...",                    a message tag for sends outside the window (Meta)
   *    "operator": "...",               sent by an operator, not the bot
   *    "key": idempotency key, "tenant", "now": ms,
   *    "last_inbound_at": ms}           when the user last wrote, for reply windows
   * Choices the user may answer by number, where a channel shows numbered choices, are
   * numbered in this order: "buttons" row by row, then each card's buttons, then
   * "quick_replies" (url buttons are not choices) — the runtime matches a typed number
   * or label in the same order. A plugin degrades what its channel lacks (docs/channels.md
   * lists the rules) rather than refusing it.
   * Returns malloc'd JSON {"requests": [{"method","url","headers":{...},"body"}]} or
   * {"error": "..."} for a message the channel cannot take (a bug in the script). An
   * empty list means nothing to send: the message counts as delivered (the web chat,
   * whose clients read the conversation's history through a feed). */
  char *(*render)(void *instance, const char *message);

  /* Classifies the answer to one rendered request. Returns malloc'd JSON
   *   {"class": "ok"|"retry_after"|"retry_backoff"|"unreachable"|"invalid"|"auth"|
   *             "rate_exhausted"|"needs_template", "retry_after": seconds,
   *    "reason": "..."}
   * (CHANNELS.md §7.5). status 0 means no answer arrived (timeout, refused). */
  char *(*classify)(void *instance, int status, const char *headers, const char *body,
                    size_t body_len);

  /* Optional (NULL when the channel has no polling): long polling, e.g. Telegram's
   * getUpdates. poll_request gets the state saved after the last batch ("{}" at first)
   * and returns {"request": {method,url,headers,body,timeout_ms}}, or {"off": true} when
   * this instance does not poll (webhook mode). poll_result gets the same state and the
   * answer, and returns
   *   {"events": [...], "state": {...}, "send": [...]} -- the next state (e.g. offset);
   *                                                       "send" as for webhook()
   * or {"retry_after": s, "error": "..."}. parley commits the events AND the new state in
   * one transaction before it polls again, so an update is acknowledged (offset moved)
   * only once it is durable, and never handled twice. */
  char *(*poll_request)(void *instance, const char *state);
  char *(*poll_result)(void *instance, const char *state, int status, const char *body,
                       size_t body_len);

  /* Optional: requests to make once when the tenant starts serving on this channel
   * (after a reload too), e.g. Telegram's setWebhook / deleteWebhook. Returns
   * {"send": [request, ...]} (sent once, best effort, failures logged) or {}. */
  char *(*start)(void *instance);

  /* Optional: what the channel can show, for scripts that want to specialise
   * (ctx.channel in Lua). Returns malloc'd JSON, every member optional:
   *   {"buttons": max buttons on one message (0: shown as a numbered text menu),
   *    "url_buttons": bool, "quick_replies": bool, "cards": bool, "edit": bool,
   *    "media": ["image", "document", ...], "text_limit": n, "text_limit_unit":
   *    "chars"|"bytes", "window_hours": n (free-form replies only so long after the
   *    user's last message), "templates": bool, "tags": bool}
   * Called once per instance, after open. */
  char *(*describe)(void *instance);
} pl_channel_api;

/* Whether api (as built) has the optional member `field`. */
#define PL_CHANNEL_HAS(api, field)                                                                 \
  ((api)->size >= offsetof(pl_channel_api, field) + sizeof((api)->field) && (api)->field)

/* The one symbol a plugin exports. */
typedef const pl_channel_api *(*pl_channel_entry_fn)(void);
#define PL_CHANNEL_ENTRY "parley_channel_v1"

#endif
