/* The server: the durable event pipeline behind `parley serve`.
 *
 *   HTTP acceptor (main loop) --durable accept--> committer --> worker mailbox
 *   worker loop: per-conversation queue -> job (Lua, may wait on HTTP) -> committer
 *                -> outbox sender (retries, rate limits, dead letters)
 *
 * Threads: the main loop owns the HTTP server, the tenant set and file watching; each
 * worker owns the tenants pinned to it (their Lua states, conversation queues, timers and
 * outbox); the committer owns the write transactions. They talk only through mailboxes
 * and the committer queue.
 *
 * Ownership: pl_server owns the workers and the committer; the runtime (store, tenants)
 * belongs to the caller and must outlive the server. */
#ifndef PL_SERVER_H
#define PL_SERVER_H
#include <stdatomic.h>

#include "committer.h"
#include "ratelimit.h"
#include "feed.h"
#include "http_server.h"
#include "mailbox.h"
#include "inbox.h"
#include "runtime.h"

typedef struct pl_server_opts {
  int workers;         /* event loops; 0 = number of cores */
  size_t commit_batch; /* 1 = one fsync per event; 0 = group commit (default) */
  const char *listen_host;
  int listen_port;     /* -1 = no HTTP server */
  size_t max_body;     /* webhook body limit, default 1 MiB */
  size_t queue_limit;  /* accepted-but-unhandled events per tenant before 429; default 10000 */
  double client_rate;  /* web chat requests a second per client address; 0 = the default
                          (PL_CLIENT_RATE), < 0 = no limit */
  double client_burst; /* requests at once before the rate applies; 0 = PL_CLIENT_BURST */
  const char *trust_proxies; /* comma-separated addresses whose X-Forwarded-For names the
                                client (a reverse proxy in front); NULL = none */
} pl_server_opts;

#define PL_CLIENT_RATE 30.0 /* generous: a venue's visitors may share one NAT address */
#define PL_CLIENT_BURST 300.0
#define PL_TRUST_MAX 16

/* Dedupe expiry: removes at most `max` event ids accepted before now - ttl (an apply
 * function for the committer or pl_store_write; ud = pl_dedupe_sweep_req). */
typedef struct pl_dedupe_sweep_req {
  int64_t now_ms, ttl_ms;
  size_t max, removed;
} pl_dedupe_sweep_req;
int pl_dedupe_sweep(pl_txn *tx, void *ud, pl_err *err);
#define PL_DEDUPE_TTL_MS (7LL * 24 * 3600 * 1000) /* channels redeliver for up to 7 days */

typedef struct pl_worker pl_worker;
typedef struct pl_server pl_server;

typedef struct pl_server_stats {
  _Atomic uint64_t rejected; /* bad requests, before any tenant is known */
  uint64_t client_limited;   /* web chat requests refused by the per-address limit */
} pl_server_stats;

struct pl_server {
  pl_runtime *rt;
  pl_server_opts opts;
  uv_loop_t *loop; /* main loop */
  pl_mailbox mb;   /* tasks for the main loop */
  pl_committer *committer;
  pl_worker **workers;
  int nworkers;
  pl_http_server *http;
  pl_http_client *client;         /* main loop: plugins' after-commit requests */
  pl_feed *feed;                  /* long polls on conversations (the web chat) */
  pl_ratelimit *clients;          /* web chat requests per client address; NULL = no limit */
  char trusted[PL_TRUST_MAX][64]; /* --trust-proxy addresses, normalised */
  size_t ntrusted;
  pl_server_stats stats;
  bool stopping;
  void (*on_stopped)(void *ud);
  void *stopped_ud;
  uv_timer_t sweep_timer; /* dedupe expiry, every minute */
  pl_commit_job sweep_job;
  pl_dedupe_sweep_req sweep_req;
  bool sweeping;
};

/* addr (an IPv4 or IPv6 address as text) in the one form parley compares ("::ffff:1.2.3.4"
 * as "1.2.3.4"); false if it is not an address. */
bool pl_server_address_normalise(const char *addr, char *out, size_t n);

int pl_server_start(pl_server **out, pl_runtime *rt, uv_loop_t *loop, const pl_server_opts *opts,
                    pl_err *err);
/* Starts the HTTP listener (if opts.listen_port >= 0). Call it once pl_server_ready():
 * before, a webhook could be accepted while its tenant's worker is still recovering. */
int pl_server_listen(pl_server *s, pl_err *err);
/* Every adopted tenant has finished recovery. */
bool pl_server_ready(const pl_server *s);
/* Hands a loaded tenant (pl_runtime_add_tenant) to its worker: recovery of its accepted
 * events, outbox and timers starts there. */
void pl_server_adopt(pl_server *s, pl_tenant *t);
/* A new code version for t, compiled on the main loop; the worker swaps it in between
 * two events. */
void pl_server_swap_code(pl_server *s, pl_tenant *t, pl_code *code);
/* Stops serving t; the worker lets its in-flight events finish, then t is freed. */
void pl_server_drop(pl_server *s, pl_tenant *t);
/* Graceful stop: no new requests; in-flight events finish and commit; then on_stopped. */
void pl_server_stop(pl_server *s, void (*on_stopped)(void *ud), void *ud);
void pl_server_free(pl_server *s);

/* Main-loop task from a worker: it let go of ref->t, which is freed (ref too). */
typedef struct pl_tenant_ref {
  pl_server *s;
  pl_tenant *t;
} pl_tenant_ref;
void pl_server_tenant_dropped(void *ud);

/* worker.c */
pl_worker *pl_worker_new(pl_server *s, int index);
void pl_worker_post_event(pl_worker *w, pl_tenant *t, json_t *event, uint64_t inbox_seq);
void pl_worker_free(pl_worker *w);
pl_mailbox *pl_worker_mailbox(pl_worker *w);
void pl_worker_adopt(void *ud);    /* task: ud = pl_tenant* */
void pl_worker_stop(pl_worker *w); /* finish in-flight events, then the thread ends */
void pl_worker_swap_code(pl_worker *w, pl_tenant *t, pl_code *code);
void pl_worker_drop(pl_worker *w, pl_tenant *t);

/* ingest.c: the webhook route. */
void pl_server_handle_http(void *ud, const pl_http_request *req, pl_http_pending *p);

#endif
