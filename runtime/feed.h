/* The conversation feed: a channel whose client fetches its messages itself (the web
 * chat's widget) asks for a conversation's history after message N; parley answers at
 * once when there is some, else parks the request until a commit adds to that
 * conversation's history, or until the wait runs out (a long poll). A message is in the
 * history from the moment its event is committed, so a client that polls again from its
 * last N after a lost answer, a reload or a restart misses nothing.
 *
 * Threads: parked requests belong to the main loop (HTTP); commits finish on worker
 * threads, which only mark the conversation (pl_feed_touch, a mutex and a uv_async) and
 * the main loop answers. Cheap when nothing is parked: one atomic load per commit.
 *
 * Ownership: pl_server owns the feed; pl_feed_close (main loop) answers and closes
 * everything parked, pl_feed_free frees it after the loop ran the close callbacks. */
#ifndef PL_FEED_H
#define PL_FEED_H
#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "http_server.h"
#include "store.h"

struct pl_tenant;
typedef struct pl_feed pl_feed;

#define PL_FEED_MAX_PARKED 8000        /* parked requests in all, beyond: 503 */
#define PL_FEED_MAX_PARKED_TENANT 1000 /* of one tenant, beyond: 503 (isolation) */
#define PL_FEED_MAX_PARKED_CONV 8      /* of one conversation: the oldest is answered */
#define PL_FEED_BATCH 200              /* messages per answer; the client asks again */
#define PL_FEED_PING_MS 15000          /* a stream's keep-alive comment */

int pl_feed_open(pl_feed **out, uv_loop_t *loop, pl_store *store, pl_err *err);
/* Main loop. Answers p (200 {"messages": [...], "next": N}) with the history of t's
 * conversation `conv` after message `after`: at once if there is some, else when a
 * commit adds to it or after wait_ms (then with no messages and next = after). A full
 * feed answers 503 + Retry-After. extra_headers (raw lines, copied) go on every answer. */
void pl_feed_wait(pl_feed *f, struct pl_tenant *t, const char *conv, uint64_t after,
                  int64_t wait_ms, pl_http_pending *p, const char *extra_headers);
/* Main loop. The same history as a stream of Server-Sent Events on p (text/event-stream):
 * each message after `after` as "id: <seq>" + "data: <message JSON>", now and as commits
 * add to it, until the client goes (a reconnecting EventSource sends its last id back);
 * a comment every PL_FEED_PING_MS keeps proxies from closing it. Counts against the same
 * caps as waits (503 beyond, before the stream starts). */
void pl_feed_stream(pl_feed *f, struct pl_tenant *t, const char *conv, uint64_t after,
                    pl_http_pending *p, const char *extra_headers);
/* Any thread: a commit wrote history for tenant|conv. */
void pl_feed_touch(pl_feed *f, uint32_t tenant, const char *conv);
/* Main loop: answers every parked request (503, parley is stopping) and closes the
 * feed's handles; later waits are answered 503 at once. */
void pl_feed_close(pl_feed *f);
void pl_feed_free(pl_feed *f);

/* The messages of tenant|conv after `after` (at most max), as the feed sends them;
 * *next = the number of the last one (after if none). NULL on a storage error. */
json_t *pl_feed_read(pl_store *store, uint32_t tenant, const char *conv, uint64_t after, size_t max,
                     uint64_t *next);
/* One history entry (numbered seq) as a feed message, or NULL for what the client never
 * sees (timers, inbound data events). labels maps button ids to the labels of the bot's
 * earlier buttons: a press shows the label it had. */
json_t *pl_feed_message(const json_t *entry, uint64_t seq, const json_t *labels);

#endif
