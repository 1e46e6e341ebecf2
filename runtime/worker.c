/* A worker: one thread, one libuv loop, the tenants pinned to it. For each conversation
 * it keeps a queue, so events of one conversation run one at a time in arrival order
 * (invariant 4) while other conversations — and other tenants — proceed, including
 * while one handler waits on bot.http.request. A finished event goes to the committer
 * with all its effects and the removal of its inbox entry (invariants 2 and 3); its
 * replies, now in the outbox, are sent from here: one at a time per conversation, paced
 * by token buckets, retried with backoff and jitter, honouring Retry-After, and moved to
 * the dead-letter table when the channel refuses them for good.
 *
 * Ownership: the worker owns its conversation queues, jobs and outbox items; tenants
 * belong to the runtime (main loop) and are only borrowed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define NBUCKETS 4096
#define TICK_MS 50
#define BACKOFF_CAP_MS 60000
#define POLL_IDLE_MS 1000 /* the least time between two polls when the first found nothing */

typedef struct bucket {
  double tokens, rate, burst;
  int64_t last_ms;
  int64_t paused_until; /* a channel's quota spent (rate_exhausted): nothing before this */
} bucket;

#define MAX_ACCOUNTS 16 /* channels of one tenant with a bot-wide rate of their own */

typedef struct out_item {
  uint64_t seq;
  json_t *entry;
  json_t *reqs; /* the channel's rendering: HTTP requests to send in order */
  int req_i;    /* the next of them */
  int attempts;
  int64_t next_at;
  struct out_item *next;
} out_item;

typedef struct tstate tstate;

typedef struct convq {
  char *key; /* tenant id + conversation key */
  tstate *ts;
  pl_job *head, *tail;
  bool busy;
  out_item *ohead, *otail;
  bool sending, waiting;
  bucket chat_bucket;
  struct convq *next;      /* hash chain */
  struct convq *wait_next; /* on the worker's waiting list */
} convq;

struct tstate {
  pl_tenant *t;
  pl_worker *w;
  int active_jobs, http_active;
  pl_job *http_wait_head, *http_wait_tail;
  pl_job *lane_head, *lane_tail; /* events to run again after a conflict, one at a time */
  bool lane_busy;
  bool timer_inflight, dropping;
  struct {
    char channel[32];
    bucket b;
  } accounts[MAX_ACCOUNTS]; /* each channel's bot-wide rate (a page, a number, a bot) */
  int naccounts;
  json_t *known; /* outbox seqs held in memory: "seq" -> true */
  struct poller *pollers;
};

struct pl_worker {
  pl_server *s;
  int index;
  uv_loop_t loop;
  uv_thread_t thread;
  pl_mailbox mb;
  pl_http_client *http;
  uv_timer_t timers, tick;
  uv_idle_t idle;               /* runs one time slice per loop turn while slices wait */
  pl_job *slices, *slices_tail; /* handlers that used up a time slice, in turn */
  convq *buckets[NBUCKETS];
  convq *waiting; /* conversations whose next send waits for time */
  tstate **tenants;
  size_t ntenants, cap;
  bool stopping;
  struct poller *stopped_pollers; /* freed with the worker */
  uint64_t requeue_epoch;         /* `parley outbox --requeue` bumps it in the store */
};

typedef struct commit_task {
  pl_commit_job cj;
  pl_worker *w;
  pl_job *job;    /* an event's commit */
  convq *q;       /* a dead letter's conversation (it waits for the commit) */
  tstate *ts;     /* an outbox delivery's tenant */
  out_item *item; /* the delivered or dead message */
  bool dead;
  char *progress;   /* a long message's progress: the outbox entry to write back */
  uint64_t pseq;    /* and its outbox seq */
  json_t *blocked;  /* a dead letter to an unreachable user: the "blocked" event raised */
  uint64_t bseq[1]; /* its inbox seq (0: not raised, already known to be blocked) */
} commit_task;

static void run_next(pl_worker *w, convq *q);
static void send_next(pl_worker *w, convq *q);
static void on_tick(uv_timer_t *h);
static void schedule_timers(pl_worker *w);

static uint64_t hash_key(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static convq *find_q(pl_worker *w, tstate *ts, const char *conv, bool create) {
  char key[700];
  snprintf(key, sizeof key, "%u/%s", (unsigned)ts->t->id, conv);
  uint64_t h = hash_key(key) % NBUCKETS;
  for (convq *q = w->buckets[h]; q; q = q->next)
    if (!strcmp(q->key, key)) return q;
  if (!create) return NULL;
  convq *q = calloc(1, sizeof *q);
  q->key = strdup(key);
  q->ts = ts;
  q->next = w->buckets[h];
  w->buckets[h] = q;
  return q;
}

/* Frees an idle conversation queue: nothing queued, nothing running, nothing to send, and
 * its chat rate bucket full again (else the next message would get a fresh bucket and
 * beat the rate limit); idle queues kept for their bucket are swept every second. */
static void maybe_free_q(pl_worker *w, convq *q) {
  if (q->busy || q->head || q->ohead || q->sending || q->waiting) return;
  bucket *b = &q->chat_bucket;
  if (b->rate > 0 &&
      b->tokens + (double)(pl_clock_now_ms(&w->s->rt->clock) - b->last_ms) / 1000.0 * b->rate <
          b->burst)
    return;
  uint64_t h = hash_key(q->key) % NBUCKETS;
  for (convq **pp = &w->buckets[h]; *pp; pp = &(*pp)->next) {
    if (*pp == q) {
      *pp = q->next;
      free(q->key);
      free(q);
      return;
    }
  }
}

static bool bucket_take(bucket *b, int64_t now, int64_t *wait_ms) {
  if (b->paused_until > now) {
    *wait_ms = b->paused_until - now;
    return false;
  }
  if (b->rate <= 0) return true;
  b->tokens += (double)(now - b->last_ms) / 1000.0 * b->rate;
  if (b->tokens > b->burst) b->tokens = b->burst;
  b->last_ms = now;
  if (b->tokens >= 1) {
    b->tokens -= 1;
    return true;
  }
  *wait_ms = (int64_t)ceil((1 - b->tokens) / b->rate * 1000);
  return false;
}

/* Pacing defaults per channel, used when tenant.lua sets none (0 = unlimited): the
 * messengers' published limits; the generic http channel fronts the integrator's own
 * system, which sets its own. */
static const struct {
  const char *channel;
  double per_second, chat_per_second;
} pacing_defaults[] = {
    {"telegram", 30, 1}, {"whatsapp", 80, 1.0 / 6}, {"messenger", 300, 0}, {"instagram", 300, 0},
    {"http", 0, 0},
};

/* The tenant's bot-wide bucket of one channel (Telegram's 30/s are not WhatsApp's 80/s).
 * Past MAX_ACCOUNTS channels the last one is shared. */
static bucket *account_of(tstate *ts, const char *channel) {
  for (int i = 0; i < ts->naccounts; i++)
    if (!strcmp(ts->accounts[i].channel, channel)) return &ts->accounts[i].b;
  if (ts->naccounts == MAX_ACCOUNTS) return &ts->accounts[MAX_ACCOUNTS - 1].b;
  int i = ts->naccounts++;
  snprintf(ts->accounts[i].channel, sizeof ts->accounts[i].channel, "%s", channel);
  memset(&ts->accounts[i].b, 0, sizeof ts->accounts[i].b);
  return &ts->accounts[i].b;
}

static double pacing(const pl_tenant *t, const char *channel, bool chat) {
  const json_t *v = json_object_get(json_object_get(t->code->cfg.channels, channel),
                                    chat ? "chat_rate_per_second" : "rate_per_second");
  if (json_is_number(v)) return json_number_value(v);
  for (size_t i = 0; i < sizeof pacing_defaults / sizeof *pacing_defaults; i++)
    if (!strcmp(pacing_defaults[i].channel, channel))
      return chat ? pacing_defaults[i].chat_per_second : pacing_defaults[i].per_second;
  return 0;
}

/* ---- events ---- */

static void release_code(pl_code *code) {
  if (--code->refs == 0 && code->retired) pl_code_free(code);
}

static void enqueue(pl_worker *w, tstate *ts, pl_job *job) {
  convq *q = find_q(w, ts, job->conv, true);
  job->owner = q;
  job->next = NULL;
  if (q->tail)
    q->tail->next = job;
  else
    q->head = job;
  q->tail = job;
  ts->active_jobs++;
  if (!q->busy) run_next(w, q);
}

static void job_commit_done(pl_commit_job *cj);
static convq *add_item(pl_worker *w, tstate *ts, uint64_t seq, json_t *entry);

static void commit_job(pl_worker *w, pl_job *job) {
  pl_job_seal(job);
  commit_task *ct = calloc(1, sizeof *ct);
  ct->w = w;
  ct->job = job;
  ct->cj = (pl_commit_job){
      .apply = pl_job_apply, .ud = job, .reply_to = &w->mb, .done = job_commit_done};
  pl_committer_submit(w->s->committer, &ct->cj);
}

static void start_http(pl_worker *w, pl_job *job);
static void advance(pl_worker *w, pl_job *job, int rc);
static void abandon(pl_job *job);

/* One waiting time slice per loop turn, after the loop polled for new events: a
 * CPU-heavy handler delays other work by at most one slice. */
static void on_idle(uv_idle_t *h) {
  pl_worker *w = h->data;
  pl_job *job = w->slices;
  if (!job) {
    uv_idle_stop(h);
    return;
  }
  w->slices = job->next;
  if (!w->slices) w->slices_tail = NULL;
  job->next = NULL;
  if (w->stopping)
    abandon(job);
  else
    advance(w, job, pl_job_continue(job));
}

/* After a step of the handler: wait for its HTTP request, let the loop run other work
 * before the next time slice, or commit. */
static void advance(pl_worker *w, pl_job *job, int rc) {
  if (rc != PL_PENDING)
    commit_job(w, job);
  else if (job->run.http_req)
    start_http(w, job);
  else { /* its time slice is used up: others first */
    job->next = NULL;
    if (w->slices_tail)
      w->slices_tail->next = job;
    else
      w->slices = job;
    w->slices_tail = job;
    if (!uv_is_active((uv_handle_t *)&w->idle)) uv_idle_start(&w->idle, on_idle);
  }
}

/* Stopping: a job that has committed nothing is dropped; its event stays in the inbox
 * (a timer stays pending) and is handled again at the next start. */
static void abandon(pl_job *job) {
  convq *q = job->owner;
  tstate *ts = q->ts;
  if (job->inbox_seq) atomic_fetch_sub(&ts->t->queued, 1);
  if (job->ev.kind == PL_EV_TIMER) ts->timer_inflight = false;
  if (job->running) {
    q->busy = false;
    release_code(job->code);
  }
  pl_job_free(job);
  ts->active_jobs--;
}

static void http_done(void *ud, const pl_http_client_resp *resp) {
  pl_job *job = ud;
  convq *q = job->owner;
  tstate *ts = q->ts;
  pl_worker *w = ts->w;
  ts->http_active--;
  if (w->stopping) {
    abandon(job);
    return;
  }
  if (ts->http_wait_head) { /* a waiting handler of this tenant gets the free slot */
    pl_job *next = ts->http_wait_head;
    ts->http_wait_head = next->next;
    if (!ts->http_wait_head) ts->http_wait_tail = NULL;
    next->next = NULL;
    start_http(w, next);
  }
  advance(w, job, pl_job_resume_http(job, resp));
}

static void start_http(pl_worker *w, pl_job *job) {
  tstate *ts = ((convq *)job->owner)->ts;
  if (ts->http_active >=
      ts->t->code->cfg.http_concurrency) { /* the tenant's cap: wait for a slot */
    job->next = NULL;
    if (ts->http_wait_tail)
      ts->http_wait_tail->next = job;
    else
      ts->http_wait_head = job;
    ts->http_wait_tail = job;
    return;
  }
  ts->http_active++;
  pl_http_client_req req = {0};
  const char *hdrs[65];
  pl_job_http_request(job, &req, hdrs, 65);
  pl_err err;
  if (pl_http_client_request(w->http, &req, http_done, job, &err)) {
    pl_http_client_resp resp = {.error = err.msg, .body = "", .retry_after_s = -1};
    http_done(job, &resp);
  }
}

static void start_job(pl_worker *w, pl_job *job) {
  job->code = job->t->code; /* the version current when the event starts */
  job->code->refs++;
  job->running = true;
  if (pl_job_run(job) == PL_PENDING)
    start_http(w, job);
  else
    commit_job(w, job);
}

static void run_next(pl_worker *w, convq *q) {
  pl_job *job = q->head;
  if (!job) return;
  q->head = job->next;
  if (!q->head) q->tail = NULL;
  q->busy = true;
  start_job(w, job);
}

/* Events whose commit conflicted run again one at a time per tenant (the "lane"): run
 * all at once, they would read the same fresh value and conflict again, each round
 * letting one through. Their conversations stay busy meanwhile, so order holds. */
static void lane_next(pl_worker *w, tstate *ts) {
  if (ts->lane_busy || !ts->lane_head) return;
  pl_job *job = ts->lane_head;
  ts->lane_head = job->next;
  if (!ts->lane_head) ts->lane_tail = NULL;
  job->next = NULL;
  if (w->stopping) { /* stays in the inbox for the next start, like every unstarted event */
    ((convq *)job->owner)->busy = false;
    abandon(job);
    lane_next(w, ts);
    return;
  }
  ts->lane_busy = true;
  start_job(w, job);
}

static void load_outbox(pl_worker *w, tstate *ts, uint64_t first, uint64_t last);

static void job_commit_done(pl_commit_job *cj) {
  commit_task *ct = (commit_task *)cj;
  pl_worker *w = ct->w;
  pl_job *job = ct->job;
  convq *q = job->owner;
  tstate *ts = q->ts;
  pl_server *s = w->s;
  if (job->in_lane) ts->lane_busy = false;
  if (cj->rc == PL_ECONFLICT) { /* it read what another event changed: run it again */
    atomic_fetch_add(&ts->t->stats.reruns, 1);
    pl_job *again = pl_job_again(job);
    again->owner = q;
    again->in_lane = true;
    if (job->in_lane) { /* it lost to a first run: its turn again, before the others */
      again->next = ts->lane_head;
      ts->lane_head = again;
      if (!ts->lane_tail) ts->lane_tail = again;
    } else {
      if (ts->lane_tail)
        ts->lane_tail->next = again;
      else
        ts->lane_head = again;
      ts->lane_tail = again;
    }
    release_code(job->code);
    pl_job_free(job);
    free(ct);
    lane_next(w, ts); /* q stays busy with this event: the conversation's order holds */
    return;
  }
  pl_job_committed(job, cj->rc, &cj->err);
  if (cj->rc == 0 && json_array_size(job->c.history))
    pl_feed_touch(s->feed, ts->t->id, job->conv); /* clients waiting on the history */
  if (cj->rc == 0 || cj->rc == PL_ESTALE) {
    atomic_fetch_add(&ts->t->stats.handled, 1);
    if (job->src) atomic_fetch_add(&ts->t->stats.handler_errors, 1);
    if (job->accepted_ns) {
      int64_t us = (pl_clock_mono_ns() - job->accepted_ns) / 1000;
      int b = 0;
      while (b < 23 && us >= (16LL << b))
        b++;
      atomic_fetch_add(&ts->t->stats.lat_hist[b], 1);
    }
    if (cj->rc == 0 && job->c.outbox) { /* straight to the sender, no need to read back */
      size_t i;
      json_t *e;
      json_array_foreach(job->c.outbox, i, e) {
        uint64_t seq = (uint64_t)json_integer_value(json_object_get(e, "_seq"));
        convq *oq = add_item(w, ts, seq, json_incref(e));
        if (oq && oq != q) send_next(w, oq);
      }
    }
    if (cj->rc == 0 && job->c.out_seqs) { /* ctx:send / ctx:signal: now in the inbox */
      size_t i;
      json_t *e;
      json_array_foreach(job->run.outgoing, i, e) {
        if (!job->c.out_seqs[i]) continue;
        atomic_fetch_add(&ts->t->queued, 1);
        pl_event ev;
        pl_event_from_record(e, &ev);
        pl_job *nj = pl_job_new(s->rt, ts->t, &ev);
        nj->inbox_seq = job->c.out_seqs[i];
        nj->use_outbox = true;
        nj->accepted_ns = pl_clock_mono_ns();
        enqueue(w, ts, nj);
      }
    }
  } else {
    /* Storage failure: nothing was written; the event stays in the inbox and is handled
     * again at the next start. */
    pl_log_printf(&s->rt->log, ts->t->key, "event left in the inbox for the next start: %s",
                  cj->err.msg);
  }
  if (job->inbox_seq) atomic_fetch_sub(&ts->t->queued, 1);
  if (job->ev.kind == PL_EV_TIMER) {
    ts->timer_inflight = false;
    schedule_timers(w);
  }
  bool was_lane = job->in_lane;
  release_code(job->code);
  pl_job_free(job);
  free(ct);
  ts->active_jobs--;
  q->busy = false;
  if (was_lane) lane_next(w, ts);
  send_next(w, q); /* this event's replies go out while the next event runs */
  if (q->head)
    run_next(w, q);
  else
    maybe_free_q(w, q);
}

typedef struct post_event {
  pl_worker *w;
  pl_tenant *t;
  json_t *event;
  uint64_t seq;
  int64_t accepted_ns;
} post_event;

static tstate *state_of(pl_tenant *t) {
  return t->wstate;
}

static void on_post_event(void *ud) {
  post_event *pe = ud;
  tstate *ts = state_of(pe->t);
  if (!ts || ts->dropping) { /* the tenant stopped: the event waits in the inbox */
    atomic_fetch_sub(&pe->t->queued, 1);
    json_decref(pe->event);
    free(pe);
    return;
  }
  pl_event ev;
  pl_event_from_record(pe->event, &ev);
  pl_job *job = pl_job_new(pe->w->s->rt, pe->t, &ev);
  job->inbox_seq = pe->seq;
  job->use_outbox = true;
  job->accepted_ns = pe->accepted_ns;
  json_decref(pe->event);
  enqueue(pe->w, ts, job);
  free(pe);
}

void pl_worker_post_event(pl_worker *w, pl_tenant *t, json_t *event, uint64_t inbox_seq) {
  post_event *pe = malloc(sizeof *pe);
  *pe = (post_event){w, t, event, inbox_seq, pl_clock_mono_ns()};
  if (pl_mailbox_post(&w->mb, on_post_event, pe)) { /* stopping: replayed at next start */
    json_decref(event);
    free(pe);
  }
}

/* ---- timers ---- */

/* Dead letters put back by `parley outbox --requeue` (another process): reload what is
 * not yet in line. */
static void check_requeue(pl_worker *w) {
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(w->s->rt->store, &tx, &err)) return;
  pl_bytes v;
  uint64_t epoch = 0;
  if (pl_store_get(tx, PL_T_META, "outbox_requeue", 14, &v) == 0 && v.len == 8)
    epoch = pl_key_read_u64(v.data);
  pl_store_read_end(tx);
  if (epoch == w->requeue_epoch) return;
  w->requeue_epoch = epoch;
  for (size_t i = 0; i < w->ntenants; i++)
    load_outbox(w, w->tenants[i], 0, 0);
}

static void load_outbox(pl_worker *w, tstate *ts, uint64_t first, uint64_t last);

static void on_timers(uv_timer_t *h) {
  pl_worker *w = h->data;
  pl_runtime *rt = w->s->rt;
  int64_t now = pl_clock_now_ms(&rt->clock);
  check_requeue(w);
  for (size_t b = 0; b < NBUCKETS; b++) /* idle queues kept for their rate bucket */
    for (convq *q = w->buckets[b], *next; q; q = next) {
      next = q->next;
      maybe_free_q(w, q);
    }
  for (size_t i = 0; i < w->ntenants; i++) {
    tstate *ts = w->tenants[i];
    if (ts->timer_inflight || ts->dropping || w->stopping) continue;
    pl_timers_refresh(rt, ts->t); /* other processes may share the store */
    if (ts->t->next_due_ms > now) continue;
    pl_due_timer f;
    if (pl_timers_first(rt, ts->t, &f) <= 0) continue;
    char channel[64];
    const char *colon = strchr(f.conv, ':');
    size_t cl = colon ? (size_t)(colon - f.conv) : 0;
    if (colon && cl < sizeof channel) {
      memcpy(channel, f.conv, cl);
      channel[cl] = 0;
      pl_event ev = {.kind = PL_EV_TIMER,
                     .channel = channel,
                     .chat_id = colon + 1,
                     .text = f.name,
                     .data = f.data,
                     .due_ms = f.due};
      pl_job *job = pl_job_new(rt, ts->t, &ev);
      job->use_outbox = true; /* console too: printed by the sender, at least once */
      ts->timer_inflight = true;
      enqueue(w, ts, job);
    }
    json_decref(f.data);
  }
  schedule_timers(w);
}

static void schedule_timers(pl_worker *w) {
  if (w->stopping) return;
  int64_t best = INT64_MAX;
  for (size_t i = 0; i < w->ntenants; i++)
    if (!w->tenants[i]->timer_inflight && w->tenants[i]->t->next_due_ms < best)
      best = w->tenants[i]->t->next_due_ms;
  int64_t wait = best == INT64_MAX ? 1000 : best - pl_clock_now_ms(&w->s->rt->clock);
  if (wait > 1000) wait = 1000;
  uv_timer_start(&w->timers, on_timers, wait > 0 ? (uint64_t)wait : 0, 0);
}

/* ---- outbox ---- */

typedef struct outbox_scan {
  pl_worker *w;
  tstate *ts;
  uint64_t last;
  convq **touched;
  size_t ntouched, cap;
} outbox_scan;

static convq *add_item(pl_worker *w, tstate *ts, uint64_t seq, json_t *entry) {
  char sk[24];
  snprintf(sk, sizeof sk, "%llu", (unsigned long long)seq);
  if (json_object_get(ts->known, sk)) { /* already in line */
    json_decref(entry);
    return NULL;
  }
  json_object_set_new(ts->known, sk, json_true());
  atomic_fetch_add(&ts->t->stats.outbox_depth, 1);
  convq *q = find_q(w, ts, json_string_value(json_object_get(entry, "conv")), true);
  out_item *it = calloc(1, sizeof *it);
  it->seq = seq;
  it->entry = entry;
  if (q->otail)
    q->otail->next = it;
  else
    q->ohead = it;
  q->otail = it;
  return q;
}

static int outbox_collect(void *ud, pl_bytes key, pl_bytes val) {
  outbox_scan *os = ud;
  uint64_t seq = pl_key_read_u64((const unsigned char *)key.data + 4);
  if (os->last && seq > os->last) return 1;
  json_t *entry = json_loadb(val.data, val.len, 0, NULL);
  convq *q = entry ? add_item(os->w, os->ts, seq, entry) : NULL;
  if (q) {
    if (os->ntouched == os->cap) {
      os->cap = os->cap ? os->cap * 2 : 8;
      os->touched = realloc(os->touched, os->cap * sizeof *os->touched);
    }
    os->touched[os->ntouched++] = q;
  }
  return 0;
}

/* Reads outbox entries first..last (0: all) of a tenant into their conversations. */
static void load_outbox(pl_worker *w, tstate *ts, uint64_t first, uint64_t last) {
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(w->s->rt->store, &tx, &err)) return;
  pl_key prefix, from;
  pl_key_init(&prefix, ts->t->id);
  pl_key_init(&from, ts->t->id);
  pl_key_u64(&from, first);
  outbox_scan os = {.w = w, .ts = ts, .last = last};
  pl_store_scan(tx, PL_T_OUTBOX, prefix.b, prefix.len, from.b, from.len, outbox_collect, &os);
  pl_store_read_end(tx);
  /* Start every conversation that got something to send. */
  for (size_t i = 0; i < os.ntouched; i++)
    send_next(w, os.touched[i]);
  free(os.touched);
}

static void wait_for_time(pl_worker *w, convq *q) {
  if (q->waiting) return;
  q->waiting = true;
  q->wait_next = w->waiting;
  w->waiting = q;
  if (!uv_is_active((uv_handle_t *)&w->tick)) uv_timer_start(&w->tick, on_tick, TICK_MS, 0);
}

static void free_item(tstate *ts, out_item *it) {
  atomic_fetch_sub(&ts->t->stats.outbox_depth, 1);
  char sk[24];
  snprintf(sk, sizeof sk, "%llu", (unsigned long long)it->seq);
  json_object_del(ts->known, sk);
  json_decref(it->entry);
  json_decref(it->reqs);
  free(it);
}

/* A delivery was recorded (outbox entry deleted, or moved to the dead letters). A
 * successful send does not wait for this: the conversation's next message goes out as
 * soon as the channel acknowledged the previous one; if the process dies before this
 * commit, the message is sent again at the next start, with the same Idempotency-Key. */
static void delivery_done(pl_commit_job *cj) {
  commit_task *ct = (commit_task *)cj;
  pl_worker *w = ct->w;
  tstate *ts = ct->ts;
  if (ct->progress) { /* not recorded: after a crash those parts go out again, no worse */
    free(ct->progress);
    ts->active_jobs--;
    free(ct);
    return;
  }
  if (cj->rc)
    pl_log_printf(&w->s->rt->log, ts->t->key,
                  "message %llu delivered but not recorded (%s): it will be sent again at the "
                  "next start",
                  (unsigned long long)ct->item->seq, cj->err.msg);
  if (!cj->rc && ct->bseq[0]) { /* the script hears of it: bot.on("blocked") */
    atomic_fetch_add(&ts->t->stats.accepted, 1);
    atomic_fetch_add(&ts->t->queued, 1);
    pl_event e;
    pl_event_from_record(json_array_get(ct->blocked, 0), &e);
    pl_job *job = pl_job_new(w->s->rt, ts->t, &e);
    job->inbox_seq = ct->bseq[0];
    job->use_outbox = true;
    job->accepted_ns = pl_clock_mono_ns();
    enqueue(w, ts, job);
  }
  json_decref(ct->blocked);
  if (ct->dead) { /* the conversation waited for this before its next message */
    convq *q = ct->q;
    q->ohead = ct->item->next;
    if (!q->ohead) q->otail = NULL;
    q->sending = false;
    free_item(ts, ct->item);
    send_next(w, q);
    maybe_free_q(w, q);
  } else {
    free_item(ts, ct->item);
  }
  ts->active_jobs--;
  free(ct);
}

static int delivery_apply(pl_txn *tx, void *ud, pl_err *err) {
  commit_task *ct = ud;
  pl_tenant *t = ct->ts->t;
  pl_key k;
  if (ct->progress) { /* only while the message is still in the outbox */
    pl_key_init(&k, t->id);
    pl_key_u64(&k, ct->pseq);
    pl_bytes v;
    if (pl_store_get(tx, PL_T_OUTBOX, k.b, k.len, &v)) return 0;
    return pl_store_put(tx, PL_T_OUTBOX, k.b, k.len, ct->progress, strlen(ct->progress));
  }
  pl_key_init(&k, t->id);
  pl_key_u64(&k, ct->item->seq);
  int rc = pl_store_del(tx, PL_T_OUTBOX, k.b, k.len);
  if (rc && rc != PL_ENOTFOUND) return rc;
  if (!ct->dead) return 0;
  char *text = json_dumps(ct->item->entry, JSON_COMPACT);
  rc = pl_store_put(tx, PL_T_DEAD, k.b, k.len, text, strlen(text));
  free(text);
  if (rc) return rc;
  /* Recorded on the conversation, beside (not in) its record: tenant|conv\0delivery. */
  const char *conv = json_string_value(json_object_get(ct->item->entry, "conv"));
  pl_key dk;
  pl_key_init(&dk, t->id);
  pl_key_str0(&dk, conv);
  pl_key_bytes(&dk, "delivery", 8);
  const char *why = json_string_value(json_object_get(ct->item->entry, "error"));
  int64_t now = pl_clock_now_ms(&ct->w->s->rt->clock);
  /* A user the channel says is unreachable (blocked the bot, deleted the account) is
   * reported to the script once, as the channel's own "blocked" would be: the marker
   * stays until the user writes again (dispatch.c clears it). */
  bool unreachable = why && !strncmp(why, "unreachable:", 12);
  pl_bytes old;
  json_t *prev = pl_store_get(tx, PL_T_SESSIONS, dk.b, dk.len, &old) == 0
                     ? json_loadb(old.data, old.len, 0, NULL)
                     : NULL;
  bool known = json_is_true(json_object_get(prev, "blocked"));
  json_decref(prev);
  json_t *d = json_pack("{s:b,s:O,s:I,s:b}", "undeliverable", 1, "reason",
                        json_object_get(ct->item->entry, "error"), "at", (json_int_t)now, "blocked",
                        unreachable || known);
  text = json_dumps(d, JSON_COMPACT);
  json_decref(d);
  rc = pl_store_put(tx, PL_T_SESSIONS, dk.b, dk.len, text, strlen(text));
  free(text);
  if (rc) return rc == PL_EFULL ? rc : pl_err_set(err, rc, "cannot record a dead letter");
  ct->bseq[0] = 0;
  if (!unreachable || known) return 0;
  char id[64];
  snprintf(id, sizeof id, "undeliverable:%llu", (unsigned long long)ct->item->seq);
  json_decref(ct->blocked); /* a replayed apply (the map grew) builds it again */
  ct->blocked = json_pack("[{s:s,s:O,s:O,s:O,s:s,s:{s:s},s:I}]", "event_id", id, "channel",
                          json_object_get(ct->item->entry, "channel"), "chat_id",
                          json_object_get(ct->item->entry, "chat_id"), "user_id",
                          json_object_get(ct->item->entry, "chat_id"), "kind", "blocked", "data",
                          "reason", why, "accepted_at", (json_int_t)now);
  return pl_inbox_put_events(tx, t->id, ct->blocked, ct->bseq, err);
}

/* A message sent in parts (a long text split by its channel): each part the channel
 * accepted is recorded in the outbox entry ("sent_parts"), so that after a crash only the
 * parts not yet accepted are sent. */
static void record_progress(pl_worker *w, tstate *ts, out_item *it) {
  json_object_set_new(it->entry, "sent_parts", json_integer(it->req_i));
  commit_task *ct = calloc(1, sizeof *ct);
  *ct = (commit_task){
      .w = w, .ts = ts, .pseq = it->seq, .progress = json_dumps(it->entry, JSON_COMPACT)};
  ts->active_jobs++;
  ct->cj =
      (pl_commit_job){.apply = delivery_apply, .ud = ct, .reply_to = &w->mb, .done = delivery_done};
  pl_committer_submit(w->s->committer, &ct->cj);
}

static void record_delivery(pl_worker *w, convq *q, out_item *it, bool dead) {
  commit_task *ct = calloc(1, sizeof *ct);
  *ct = (commit_task){.w = w, .ts = q->ts, .q = dead ? q : NULL, .item = it, .dead = dead};
  q->ts->active_jobs++; /* stop and drop wait for it */
  ct->cj =
      (pl_commit_job){.apply = delivery_apply, .ud = ct, .reply_to = &w->mb, .done = delivery_done};
  pl_committer_submit(w->s->committer, &ct->cj);
}

typedef struct send_ctx {
  pl_worker *w;
  convq *q;
  out_item *it;
} send_ctx;

static void send_dead(pl_worker *w, convq *q, out_item *it, const char *reason) {
  json_object_set_new(it->entry, "error", json_string(reason));
  json_object_set_new(it->entry, "attempts", json_integer(it->attempts));
  atomic_fetch_add(&q->ts->t->stats.dead, 1);
  pl_log_printf(&w->s->rt->log, q->ts->t->key,
                "message %llu to %s refused for good (%s): moved to the dead letters "
                "(parley outbox --dead)",
                (unsigned long long)it->seq, json_string_value(json_object_get(it->entry, "conv")),
                reason);
  q->sending = true; /* the conversation waits for the dead letter to be recorded */
  record_delivery(w, q, it, true);
}

static pl_channel_inst *channel_of(const pl_tenant *t, const out_item *it) {
  const char *name = json_string_value(json_object_get(it->entry, "channel"));
  return name ? pl_channel_set_find(&t->code->channels, name) : NULL;
}

static void send_done(void *ud, const pl_http_client_resp *resp) {
  send_ctx *sc = ud;
  pl_worker *w = sc->w;
  convq *q = sc->q;
  out_item *it = sc->it;
  free(sc);
  pl_server *s = w->s;
  int64_t now = pl_clock_now_ms(&s->rt->clock);
  it->attempts++;
  q->sending = false;
  if (w->stopping && resp->status == 0) return; /* cancelled: stays in the outbox */
  /* The plugin says what the answer means (CHANNELS.md §7.5). Looked up again: the code
   * may have been reloaded while the request was in flight. */
  pl_channel_inst *ci = channel_of(q->ts->t, it);
  char *headers = resp->headers ? json_dumps(resp->headers, JSON_COMPACT) : NULL;
  char *verdict =
      ci ? ci->api->classify(ci->inst, resp->status, headers, resp->body, resp->body_len) : NULL;
  free(headers);
  json_t *v = verdict ? json_loads(verdict, 0, NULL) : NULL;
  free(verdict);
  const char *cls = json_string_value(json_object_get(v, "class"));
  const char *why = json_string_value(json_object_get(v, "reason"));
  char reason[400];
  snprintf(reason, sizeof reason, "%s: %s", cls ? cls : "unclassified",
           why ? why : (resp->error ? resp->error : ""));
  if (cls && !strcmp(cls, "ok")) {
    json_decref(v);
    if ((size_t)++it->req_i < json_array_size(it->reqs)) { /* the next part of the message */
      record_progress(w, q->ts, it);
      send_next(w, q);
      return;
    }
    atomic_fetch_add(&q->ts->t->stats.sent, 1);
    q->ohead = it->next;
    if (!q->ohead) q->otail = NULL;
    it->next = NULL;
    record_delivery(w, q, it, false);
    send_next(w, q);
    maybe_free_q(w, q);
    return;
  }
  int64_t delay = -1;
  if (cls && !strcmp(cls, "retry_after")) {
    delay = (int64_t)(json_number_value(json_object_get(v, "retry_after")) * 1000);
  } else if (cls && !strcmp(cls, "rate_exhausted")) {
    /* The channel's quota (the page's, the number's) is spent: every conversation of
     * this channel waits a minute, not just this one. */
    delay = 60000;
    const char *channel = json_string_value(json_object_get(it->entry, "channel"));
    account_of(q->ts, channel ? channel : "http")->paused_until = now + delay;
    pl_log_printf(&s->rt->log, q->ts->t->key,
                  "channel %s: rate limit exhausted (%s): its sends pause for 60 s",
                  channel ? channel : "?", reason);
  } else if (!cls || !strcmp(cls, "retry_backoff")) {
    double base = 500.0 * pow(2, it->attempts - 1);
    if (base > BACKOFF_CAP_MS) base = BACKOFF_CAP_MS;
    delay = (int64_t)(base * (0.5 + (double)rand() / RAND_MAX)); /* jitter: 0.5x-1.5x */
  }
  json_decref(v);
  if (delay < 0) { /* unreachable, invalid, auth, needs_template: retrying cannot help */
    send_dead(w, q, it, reason);
    return;
  }
  atomic_fetch_add(&q->ts->t->stats.send_retries, 1);
  it->next_at = now + delay;
  wait_for_time(w, q);
}

/* Renders an outbox entry through its channel plugin, once. An empty list of requests is
 * a message with nothing to send (the web chat: its clients read the history). */
static const char *render_item(pl_tenant *t, out_item *it) {
  pl_channel_inst *ci = channel_of(t, it);
  if (!ci) return "the tenant has no such channel any more";
  json_t *m = json_deep_copy(json_object_get(it->entry, "msg"));
  json_object_set(m, "chat_id", json_object_get(it->entry, "chat_id"));
  json_object_set(m, "key", json_object_get(it->entry, "key"));
  json_object_set_new(m, "tenant", json_string(t->key));
  if (json_object_get(it->entry, "last_inbound_at"))
    json_object_set(m, "last_inbound_at", json_object_get(it->entry, "last_inbound_at"));
  json_object_set_new(m, "now", json_integer(pl_clock_now_ms(t->code->sb->clock)));
  char *text = json_dumps(m, JSON_COMPACT);
  json_decref(m);
  char *out = ci->api->render(ci->inst, text);
  free(text);
  json_t *r = out ? json_loads(out, 0, NULL) : NULL;
  free(out);
  static __thread char why[300];
  const char *err = json_string_value(json_object_get(r, "error"));
  json_t *reqs = json_object_get(r, "requests");
  if (err || !json_is_array(reqs)) {
    snprintf(why, sizeof why, "invalid: %s", err ? err : "the channel rendered no request list");
    json_decref(r);
    return why;
  }
  it->reqs = json_incref(reqs);
  /* Parts the channel accepted before a restart are not sent again. */
  json_int_t done = json_integer_value(json_object_get(it->entry, "sent_parts"));
  it->req_i = done > 0 && (size_t)done < json_array_size(reqs) ? (int)done : 0;
  json_decref(r);
  return NULL;
}

static void send_next(pl_worker *w, convq *q) {
  out_item *it = q->ohead;
  if (!it || q->sending || q->waiting || w->stopping) return;
  tstate *ts = q->ts;
  pl_tenant *t = ts->t;
  int64_t now = pl_clock_now_ms(&w->s->rt->clock), wait = 0;
  if (it->next_at > now) {
    wait_for_time(w, q);
    return;
  }
  const char *channel = json_string_value(json_object_get(it->entry, "channel"));
  bucket *account = account_of(ts, channel ? channel : "http");
  account->rate = pacing(t, channel ? channel : "http", false);
  account->burst = account->rate > 1 ? account->rate : 1;
  q->chat_bucket.rate = pacing(t, channel ? channel : "http", true);
  q->chat_bucket.burst = 1;
  if (!q->chat_bucket.last_ms) {
    q->chat_bucket.last_ms = now;
    q->chat_bucket.tokens = 1;
  }
  if (!account->last_ms) {
    account->last_ms = now;
    account->tokens = account->burst;
  }
  bucket saved = q->chat_bucket;
  if (it->req_i == 0 &&
      (!bucket_take(&q->chat_bucket, now, &wait) || !bucket_take(account, now, &wait))) {
    if (q->chat_bucket.tokens < saved.tokens) q->chat_bucket = saved; /* not spent after all */
    it->next_at = now + wait;
    wait_for_time(w, q);
    return;
  }
  bool console = channel && !strcmp(channel, "console");
  if (console) {
    /* The console has no API: serve prints its messages (stdout), then they count as
     * delivered — after a crash, what was committed but not printed is printed again. */
    pl_runtime *rt = w->s->rt;
    if (!it->reqs && rt->deliver)
      rt->deliver(rt->deliver_ud, t, "console",
                  json_string_value(json_object_get(it->entry, "chat_id")), NULL,
                  json_object_get(it->entry, "msg"));
  } else if (!it->reqs) {
    const char *why = render_item(t, it);
    if (why) {
      send_dead(w, q, it, why);
      return;
    }
  }
  if (console || !json_array_size(it->reqs)) { /* nothing to send: delivered */
    atomic_fetch_add(&ts->t->stats.sent, 1);
    q->ohead = it->next;
    if (!q->ohead) q->otail = NULL;
    it->next = NULL;
    record_delivery(w, q, it, false);
    send_next(w, q);
    return;
  }
  pl_channel_outreq o;
  pl_channel_outreq_build(json_array_get(it->reqs, (size_t)it->req_i), &o);
  pl_http_client_req req = {.method = o.method,
                            .url = o.url,
                            .headers = o.hdrs,
                            .body = o.body,
                            .body_len = o.body_len,
                            .timeout_ms = 10000};
  send_ctx *sc = malloc(sizeof *sc);
  *sc = (send_ctx){w, q, it};
  q->sending = true;
  pl_err err;
  if (pl_http_client_request(w->http, &req, send_done, sc, &err)) {
    pl_http_client_resp resp = {.error = err.msg, .body = "", .retry_after_s = -1};
    send_done(sc, &resp);
  }
  pl_channel_outreq_free(&o);
}

static void on_tick(uv_timer_t *h) {
  pl_worker *w = h->data;
  int64_t now = pl_clock_now_ms(&w->s->rt->clock);
  convq *list = w->waiting, *keep = NULL;
  w->waiting = NULL;
  while (list) {
    convq *q = list;
    list = q->wait_next;
    if (q->ohead && q->ohead->next_at > now) {
      q->wait_next = keep;
      keep = q;
      continue;
    }
    q->waiting = false;
    send_next(w, q);
  }
  for (convq *q = keep; q;) {
    convq *n = q->wait_next;
    q->wait_next = w->waiting;
    w->waiting = q;
    q = n;
  }
  if (w->waiting && !w->stopping) uv_timer_start(&w->tick, on_tick, TICK_MS, 0);
}

/* ---- long polling (channels with poll_request/poll_result) ---- */

typedef struct poller {
  pl_worker *w;
  tstate *ts;
  char *channel;
  json_t *state;      /* as committed: what the next poll starts from */
  uv_timer_t timer;   /* waits between polls after an error or an idle answer */
  int64_t started_ns; /* when the poll in flight (or the last one) was sent */
  bool inflight, closed;
  struct poller *next;
} poller;

typedef struct poll_commit {
  pl_commit_job cj;
  poller *p;
  json_t *events;
  uint64_t *seqs;
  json_t *state;
  json_t *after; /* the plugin's "send": requests to make once committed, or NULL */
} poll_commit;

static void poll_next(poller *p);
static void poll_timer(uv_timer_t *h) {
  poll_next(h->data);
}

/* After an answer that brought nothing: the next poll, but no sooner than POLL_IDLE_MS
 * after the last one was sent. A long poll waited on the server already; an answer that
 * came back at once (short polling: poll_timeout = 0, or a server that ignores the
 * timeout) would otherwise make the poller spin. */
static void poll_idle(poller *p) {
  if (p->closed || p->w->stopping) return;
  int64_t waited_ms = (pl_clock_mono_ns() - p->started_ns) / 1000000;
  if (waited_ms >= POLL_IDLE_MS)
    poll_next(p);
  else
    uv_timer_start(&p->timer, poll_timer, (uint64_t)(POLL_IDLE_MS - waited_ms), 0);
}

static void poll_key(const poller *p, char *buf, size_t n) {
  snprintf(buf, n, "poll:%u:%s", (unsigned)p->ts->t->id, p->channel);
}

static int poll_apply(pl_txn *tx, void *ud, pl_err *err) {
  poll_commit *pc = ud;
  int rc = pl_inbox_put_events(tx, pc->p->ts->t->id, pc->events, pc->seqs, err);
  if (rc) return rc;
  char key[128], *text = json_dumps(pc->state, JSON_COMPACT);
  poll_key(pc->p, key, sizeof key);
  rc = pl_store_put(tx, PL_T_META, key, strlen(key), text, strlen(text));
  free(text);
  return rc;
}

static void poll_committed(pl_commit_job *cj) {
  poll_commit *pc = (poll_commit *)cj;
  poller *p = pc->p;
  pl_worker *w = p->w;
  p->inflight = false;
  if (cj->rc) {
    pl_log_printf(&w->s->rt->log, p->ts->t->key,
                  "channel %s: cannot store polled updates, "
                  "polling again later: %s",
                  p->channel, cj->err.msg);
    uv_timer_start(&p->timer, poll_timer, 1000, 0);
  } else {
    json_decref(p->state);
    p->state = json_incref(pc->state);
    size_t i;
    json_t *ev;
    json_array_foreach(pc->events, i, ev) {
      if (!pc->seqs[i]) { /* handed out again (an offset the server ignored) */
        atomic_fetch_add(&p->ts->t->stats.duplicates, 1);
        continue;
      }
      atomic_fetch_add(&p->ts->t->stats.accepted, 1);
      atomic_fetch_add(&p->ts->t->queued, 1);
      pl_event e;
      pl_event_from_record(ev, &e);
      pl_job *job = pl_job_new(w->s->rt, p->ts->t, &e);
      job->inbox_seq = pc->seqs[i];
      job->use_outbox = true;
      job->accepted_ns = pl_clock_mono_ns();
      enqueue(w, p->ts, job);
    }
    pl_channel_send_after(w->http, pc->after, &w->s->rt->log, p->ts->t->key);
    if (!p->closed && !w->stopping) poll_next(p);
  }
  json_decref(pc->events);
  json_decref(pc->state);
  json_decref(pc->after);
  free(pc->seqs);
  free(pc);
  p->ts->active_jobs--;
}

static void poll_answered(void *ud, const pl_http_client_resp *resp) {
  poller *p = ud;
  pl_worker *w = p->w;
  pl_channel_inst *ci = pl_channel_set_find(&p->ts->t->code->channels, p->channel);
  if (w->stopping || p->closed || !ci || !PL_CHANNEL_HAS(ci->api, poll_result)) {
    p->inflight = false;
    p->ts->active_jobs--;
    return;
  }
  char *st = json_dumps(p->state, JSON_COMPACT);
  char *out = ci->api->poll_result(ci->inst, st, resp->status, resp->body, resp->body_len);
  free(st);
  json_t *r = out ? json_loads(out, 0, NULL) : NULL;
  free(out);
  json_t *events = json_object_get(r, "events"), *state = json_object_get(r, "state");
  if (!json_is_array(events) || !json_is_object(state)) {
    double wait = json_number_value(json_object_get(r, "retry_after"));
    const char *why = json_string_value(json_object_get(r, "error"));
    pl_log_printf(&w->s->rt->log, p->ts->t->key, "channel %s: polling failed (%s); again in %.0f s",
                  p->channel,
                  why           ? why
                  : resp->error ? resp->error
                                : "no answer",
                  wait > 0 ? wait : 1);
    p->inflight = false;
    p->ts->active_jobs--;
    uv_timer_start(&p->timer, poll_timer, (uint64_t)((wait > 0 ? wait : 1) * 1000), 0);
    json_decref(r);
    return;
  }
  json_t *after = json_object_get(r, "send");
  if (!json_array_size(events) && json_equal(state, p->state)) { /* nothing to commit */
    pl_channel_send_after(w->http, after, &w->s->rt->log, p->ts->t->key);
    p->inflight = false;
    p->ts->active_jobs--;
    poll_idle(p);
    json_decref(r);
    return;
  }
  int64_t now = pl_clock_now_ms(&w->s->rt->clock);
  size_t i;
  json_t *ev;
  json_array_foreach(events, i, ev) {
    json_object_set_new(ev, "channel", json_string(p->channel));
    json_object_set_new(ev, "accepted_at", json_integer(now));
  }
  poll_commit *pc = calloc(1, sizeof *pc);
  pc->p = p;
  pc->events = json_incref(events);
  pc->state = json_incref(state);
  pc->after = json_is_array(after) ? json_incref(after) : NULL;
  pc->seqs = calloc(json_array_size(events) + 1, sizeof *pc->seqs);
  pc->cj =
      (pl_commit_job){.apply = poll_apply, .ud = pc, .reply_to = &w->mb, .done = poll_committed};
  pl_committer_submit(w->s->committer, &pc->cj); /* active_jobs stays counted until committed */
  json_decref(r);
}

static void poll_next(poller *p) {
  pl_worker *w = p->w;
  if (p->inflight || p->closed || w->stopping) return;
  pl_channel_inst *ci = pl_channel_set_find(&p->ts->t->code->channels, p->channel);
  if (!ci || !PL_CHANNEL_HAS(ci->api, poll_request)) return;
  char *st = json_dumps(p->state, JSON_COMPACT);
  char *out = ci->api->poll_request(ci->inst, st);
  free(st);
  json_t *r = out ? json_loads(out, 0, NULL) : NULL;
  free(out);
  json_t *rq = json_object_get(r, "request");
  if (!rq) { /* this instance does not poll (webhook mode) */
    json_decref(r);
    return;
  }
  pl_channel_outreq o;
  pl_channel_outreq_build(rq, &o);
  pl_http_client_req req = {.method = o.method,
                            .url = o.url,
                            .headers = o.hdrs,
                            .body = o.body,
                            .body_len = o.body_len,
                            .timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 40000};
  p->inflight = true;
  p->started_ns = pl_clock_mono_ns();
  p->ts->active_jobs++; /* stop waits for the batch's commit, not for the long poll */
  pl_err err;
  if (pl_http_client_request(w->http, &req, poll_answered, p, &err)) {
    pl_http_client_resp resp = {.error = err.msg, .body = "", .retry_after_s = -1};
    poll_answered(p, &resp);
  }
  pl_channel_outreq_free(&o);
  json_decref(r);
}

/* Each channel's one-time start requests (setWebhook and the like). */
static void start_channels(pl_worker *w, tstate *ts) {
  pl_channel_set *set = &ts->t->code->channels;
  for (size_t i = 0; i < set->n; i++) {
    if (!PL_CHANNEL_HAS(set->v[i].api, start)) continue;
    char *out = set->v[i].api->start(set->v[i].inst);
    json_t *r = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    pl_channel_send_after(w->http, json_object_get(r, "send"), &w->s->rt->log, ts->t->key);
    json_decref(r);
  }
}

/* Starts a poller for every channel of the tenant that can poll, from its saved state (at
 * start, and after each reload for a channel that has none yet). */
static void start_pollers(pl_worker *w, tstate *ts) {
  if (w->stopping || ts->dropping) return; /* a reload racing with stop or removal */
  pl_channel_set *set = &ts->t->code->channels;
  for (size_t i = 0; i < set->n; i++) {
    if (!PL_CHANNEL_HAS(set->v[i].api, poll_request) || !PL_CHANNEL_HAS(set->v[i].api, poll_result))
      continue;
    poller *p = ts->pollers;
    while (p && strcmp(p->channel, set->v[i].name))
      p = p->next;
    if (p) { /* after a reload: poll now, with the new settings (the channel may not
                have polled before, or waited after an error the reload may have fixed) */
      if (!p->inflight) {
        uv_timer_stop(&p->timer);
        poll_next(p);
      }
      continue;
    }
    p = calloc(1, sizeof *p);
    p->w = w;
    p->ts = ts;
    p->channel = strdup(set->v[i].name);
    uv_timer_init(&w->loop, &p->timer);
    p->timer.data = p;
    char key[128];
    poll_key(p, key, sizeof key);
    pl_txn *tx;
    pl_err err;
    if (pl_store_read_begin(w->s->rt->store, &tx, &err) == 0) {
      pl_bytes v;
      if (pl_store_get(tx, PL_T_META, key, strlen(key), &v) == 0)
        p->state = json_loadb(v.data, v.len, 0, NULL);
      pl_store_read_end(tx);
    }
    if (!p->state) p->state = json_object();
    p->next = ts->pollers;
    ts->pollers = p;
    poll_next(p);
  }
}

/* Stops a tenant's pollers. The structs stay on the worker's list until the worker is
 * freed: a cancelled long poll may still call back into them. */
static void stop_pollers(pl_worker *w, tstate *ts) {
  while (ts->pollers) {
    poller *p = ts->pollers;
    ts->pollers = p->next;
    p->closed = true;
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, NULL);
    p->next = w->stopped_pollers;
    w->stopped_pollers = p;
  }
}

/* ---- tenants ---- */

static int inbox_collect(void *ud, pl_bytes key, pl_bytes val) {
  json_t *event = json_loadb(val.data, val.len, 0, NULL);
  if (event) {
    json_object_set_new(
        event, "_seq",
        json_integer((json_int_t)pl_key_read_u64((const unsigned char *)key.data + 4)));
    json_array_append_new(ud, event);
  }
  return 0;
}

void pl_worker_adopt(void *ud) {
  pl_tenant *t = ud;
  pl_worker *w = t->worker;
  tstate *ts = calloc(1, sizeof *ts);
  ts->t = t;
  ts->w = w;
  ts->known = json_object();
  t->wstate = ts;
  if (w->ntenants == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 16;
    w->tenants = realloc(w->tenants, w->cap * sizeof *w->tenants);
  }
  w->tenants[w->ntenants++] = ts;
  /* Recovery, in acceptance order: events accepted but not handled (collected first, as
   * running them opens transactions of their own), then messages committed but not sent. */
  json_t *events = json_array();
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(w->s->rt->store, &tx, &err) == 0) {
    pl_key k;
    pl_key_init(&k, t->id);
    pl_store_scan(tx, PL_T_INBOX, k.b, k.len, NULL, 0, inbox_collect, events);
    pl_store_read_end(tx);
  }
  if (json_array_size(events))
    pl_log_printf(&w->s->rt->log, t->key, "recovering %zu accepted event(s)",
                  json_array_size(events));
  size_t i;
  json_t *event;
  json_array_foreach(events, i, event) {
    atomic_fetch_add(&t->queued, 1);
    pl_event ev;
    pl_event_from_record(event, &ev);
    pl_job *job = pl_job_new(w->s->rt, t, &ev);
    job->inbox_seq = (uint64_t)json_integer_value(json_object_get(event, "_seq"));
    job->use_outbox = true;
    enqueue(w, ts, job);
  }
  json_decref(events);
  pl_timers_refresh(w->s->rt, t);
  load_outbox(w, ts, 0, 0);
  schedule_timers(w);
  /* Only now may webhooks be accepted: an event committed before the inbox scan above
   * would otherwise be both recovered and handed over by its acceptor. */
  atomic_store(&t->ready, true);
  start_channels(w, ts);
  start_pollers(w, ts);
}

typedef struct swap_task {
  pl_tenant *t;
  pl_code *code;
} swap_task;

static void start_channels(pl_worker *w, tstate *ts);

static void on_swap(void *ud) {
  swap_task *st = ud;
  pl_code *old = st->t->code;
  st->t->code = st->code; /* events that already started keep their version */
  old->retired = true;
  if (old->refs == 0) pl_code_free(old);
  if (state_of(st->t)) { /* e.g. a channel switched from webhook to polling */
    start_channels(st->t->worker, state_of(st->t));
    start_pollers(st->t->worker, state_of(st->t));
  }
  free(st);
}

void pl_worker_swap_code(pl_worker *w, pl_tenant *t, pl_code *code) {
  swap_task *st = malloc(sizeof *st);
  *st = (swap_task){t, code};
  if (pl_mailbox_post(&w->mb, on_swap, st)) {
    pl_code_free(code);
    free(st);
  }
}

static void free_tenant_state(pl_worker *w, tstate *ts) {
  stop_pollers(w, ts);
  for (size_t b = 0; b < NBUCKETS; b++) {
    for (convq **pp = &w->buckets[b]; *pp;) {
      convq *q = *pp;
      if (q->ts != ts) {
        pp = &q->next;
        continue;
      }
      *pp = q->next;
      for (out_item *it = q->ohead; it;) {
        out_item *n = it->next;
        json_decref(it->entry);
        json_decref(it->reqs);
        free(it);
        it = n;
      }
      for (pl_job *j = q->head; j;) {
        pl_job *n = j->next;
        pl_job_free(j);
        j = n;
      }
      free(q->key);
      free(q);
    }
  }
  for (size_t i = 0; i < w->ntenants; i++) {
    if (w->tenants[i] == ts) {
      w->tenants[i] = w->tenants[--w->ntenants];
      break;
    }
  }
  ts->t->wstate = NULL;
  json_decref(ts->known);
  free(ts);
}

pl_mailbox *pl_worker_mailbox(pl_worker *w) {
  return &w->mb;
}

static void worker_main(void *arg) {
  pl_worker *w = arg;
  uv_run(&w->loop, UV_RUN_DEFAULT);
}

pl_worker *pl_worker_new(pl_server *s, int index) {
  pl_worker *w = calloc(1, sizeof *w);
  w->s = s;
  w->index = index;
  uv_loop_init(&w->loop);
  pl_mailbox_init(&w->mb, &w->loop);
  pl_err err;
  if (pl_http_client_new(&w->http, &w->loop, &err))
    pl_log_printf(&s->rt->log, NULL, "worker %d: %s", index, err.msg);
  uv_timer_init(&w->loop, &w->timers);
  uv_timer_init(&w->loop, &w->tick);
  uv_idle_init(&w->loop, &w->idle);
  w->timers.data = w->tick.data = w->idle.data = w;
  uv_timer_start(&w->timers, on_timers, 1000, 0);
  uv_thread_create(&w->thread, worker_main, w);
  return w;
}

/* Stop: wait until no event is running or queued (they all commit), leave unsent
 * messages in the outbox, close everything; the loop then ends and the thread exits. */
static void stop_check(void *ud);

static void stop_poll(uv_timer_t *h) {
  stop_check(h->data);
}

static void stop_check(void *ud) {
  pl_worker *w = ud;
  if (!w->stopping) {
    /* Events not started yet stay in the inbox for the next start; so do the ones
     * waiting on HTTP or on their next time slice (cancelled below).
     * Only events being committed are waited for. */
    w->stopping = true;
    for (size_t b = 0; b < NBUCKETS; b++)
      for (convq *q = w->buckets[b]; q; q = q->next)
        while (q->head) {
          pl_job *job = q->head;
          q->head = job->next;
          if (!q->head) q->tail = NULL;
          abandon(job);
        }
    for (size_t i = 0; i < w->ntenants; i++) {
      tstate *ts = w->tenants[i];
      while (ts->http_wait_head) {
        pl_job *job = ts->http_wait_head;
        ts->http_wait_head = job->next;
        abandon(job);
      }
      ts->http_wait_tail = NULL;
      while (ts->lane_head) { /* to run again after a conflict: not started */
        pl_job *job = ts->lane_head;
        ts->lane_head = job->next;
        ((convq *)job->owner)->busy = false;
        abandon(job);
      }
      ts->lane_tail = NULL;
    }
    while (w->slices) {
      pl_job *job = w->slices;
      w->slices = job->next;
      abandon(job);
    }
    w->slices_tail = NULL;
    for (size_t i = 0; i < w->ntenants; i++)
      stop_pollers(w, w->tenants[i]);
    if (w->http) pl_http_client_close(w->http); /* cancels: http_done abandons */
    w->http = NULL;
  }
  int active = 0;
  for (size_t i = 0; i < w->ntenants; i++)
    active += w->tenants[i]->active_jobs;
  if (active) {
    uv_timer_start(&w->tick, stop_poll, 10, 0);
    return;
  }
  uv_timer_stop(&w->timers);
  uv_timer_stop(&w->tick);
  uv_close((uv_handle_t *)&w->timers, NULL);
  uv_close((uv_handle_t *)&w->tick, NULL);
  uv_idle_stop(&w->idle);
  uv_close((uv_handle_t *)&w->idle, NULL);
  pl_mailbox_close(&w->mb);
}

void pl_worker_stop(pl_worker *w) {
  if (pl_mailbox_post(&w->mb, stop_check, w)) return;
}

void pl_worker_free(pl_worker *w) {
  uv_thread_join(&w->thread);
  for (size_t i = 0; i < w->ntenants; i++)
    stop_pollers(w, w->tenants[i]);
  while (w->stopped_pollers) {
    poller *p = w->stopped_pollers;
    w->stopped_pollers = p->next;
    json_decref(p->state);
    free(p->channel);
    free(p);
  }
  while (w->ntenants)
    free_tenant_state(w, w->tenants[w->ntenants - 1]);
  free(w->tenants);
  uv_loop_close(&w->loop);
  free(w);
}

typedef struct drop_task {
  pl_worker *w;
  pl_tenant *t;
} drop_task;

static void on_drop(void *ud) {
  drop_task *dt = ud;
  tstate *ts = state_of(dt->t);
  if (ts && ts->active_jobs) { /* let its running events finish first */
    ts->dropping = true;
    pl_mailbox_post(&dt->w->mb, on_drop, dt);
    return;
  }
  if (ts) free_tenant_state(dt->w, ts);
  pl_tenant_ref *ref = malloc(sizeof *ref);
  *ref = (pl_tenant_ref){dt->w->s, dt->t};
  if (pl_mailbox_post(&dt->w->s->mb, pl_server_tenant_dropped, ref)) free(ref);
  free(dt);
}

void pl_worker_drop(pl_worker *w, pl_tenant *t) {
  drop_task *dt = malloc(sizeof *dt);
  *dt = (drop_task){w, t};
  if (pl_mailbox_post(&w->mb, on_drop, dt)) free(dt);
}
