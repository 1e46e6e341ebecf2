/* The conversation feed (feed.h): long polls on a conversation's history.
 *
 * A parked request hangs off its conversation's slot; slots live in a small hash table
 * under a mutex, because worker threads look them up when they commit (pl_feed_touch)
 * and mark them dirty, then wake the main loop with a uv_async. The main loop reads the
 * history again for every request parked on a dirty slot and answers those that now have
 * something. A request registers its slot BEFORE it first reads the history, so a commit
 * that lands between that read and the parking still marks the slot: no wake-up is lost.
 *
 * Answering a request can run the HTTP handler again at once (the next pipelined request
 * on that connection), which may park or answer requests of the same slot: a slot is
 * pinned while the code walks it, and a list of waiters is detached before it is walked.
 * A client that goes away while parked (pl_http_pending_on_gone) leaves at once, so
 * closed pages do not hold the caps until their wait ends. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "tenant.h"

#define NSLOTS 1024
#define LABEL_LOOKBACK 50 /* entries before `after` read for the labels of pressed buttons */

typedef struct waiter waiter;

typedef struct slot {
  uint32_t tenant;
  char *conv;
  /* main loop only */
  waiter *head, *tail;
  int nwaiters, pins;
  /* under the mutex */
  bool dirty;
  struct slot *next, *next_dirty;
} slot;

struct waiter {
  uv_timer_t timer; /* wait_ms, or a stream's ping; data = the waiter */
  bool stream;      /* Server-Sent Events: stays parked, each message written as it comes */
  bool caught_up;   /* a stream's "ready" event is out: the history so far was written */
  pl_feed *f;
  slot *s;
  pl_tenant *t;
  pl_http_pending *p;
  uint64_t after;
  char *headers; /* extra header lines of every answer */
  waiter *prev, *next;
};

struct pl_feed {
  uv_loop_t *loop;
  pl_store *store;
  uv_async_t async;
  pthread_mutex_t mu;
  slot *slots[NSLOTS]; /* under mu */
  slot *dirty;         /* under mu */
  bool closed;         /* under mu */
  _Atomic int nslots;  /* pl_feed_touch's fast path: nothing parked anywhere */
  int parked;          /* main loop */
};

/* ---- reading the history ---- */

static void copy_field(json_t *m, const json_t *entry, const char *name) {
  json_t *v = json_object_get(entry, name);
  if (v) json_object_set(m, name, v);
}

json_t *pl_feed_message(const json_t *entry, uint64_t seq, const json_t *labels) {
  const char *dir = json_string_value(json_object_get(entry, "dir"));
  const char *kind = json_string_value(json_object_get(entry, "kind"));
  json_t *m = json_pack("{s:I,s:O*}", "seq", (json_int_t)seq, "at", json_object_get(entry, "at"));
  if (dir && !strcmp(dir, "out")) {
    json_t *op = json_object_get(entry, "operator");
    json_object_set_new(m, "from", json_string(op ? "operator" : "bot"));
    if (json_is_string(op)) json_object_set(m, "name", op);
    /* the canonical message's fields a client shows; anything else stays in parley */
    static const char *const fields[] = {"text",  "buttons",         "quick_replies",   "media",
                                         "cards", "edit_message_id", "remove_keyboard", NULL};
    for (const char *const *f = fields; *f; f++)
      copy_field(m, entry, *f);
  } else if (dir && !strcmp(dir, "in") && kind &&
             (!strcmp(kind, "message") || !strcmp(kind, "button"))) {
    const char *text = json_string_value(json_object_get(entry, "text"));
    const char *label =
        !strcmp(kind, "button") && text ? json_string_value(json_object_get(labels, text)) : NULL;
    json_object_set_new(m, "from", json_string("visitor"));
    json_object_set_new(m, "text", json_string(label ? label : text ? text : ""));
    if (!strcmp(kind, "button")) json_object_set_new(m, "button", json_string(text ? text : ""));
    copy_field(m, entry, "event_id");
  } else if (dir && !strcmp(dir, "sys")) {
    /* who owns the conversation now; the reason given is for the operators only */
    json_object_set_new(m, "from", json_string("system"));
    json_object_set_new(m, "kind", json_string(kind ? kind : ""));
  } else {
    json_decref(m); /* timers, inbound data events: not part of what the visitor sees */
    return NULL;
  }
  return m;
}

static void note_label(json_t *labels, const json_t *b) {
  const char *id = json_string_value(json_object_get(b, "id"));
  json_t *label = json_object_get(b, "label");
  if (id && json_is_string(label)) json_object_set(labels, id, label);
}

/* The labels of the buttons, quick replies and card buttons of a bot message. */
static void note_labels(json_t *labels, const json_t *entry) {
  size_t i, j;
  json_t *row, *b, *card;
  json_array_foreach(json_object_get(entry, "buttons"), i, row) {
    if (json_is_object(row)) note_label(labels, row);
    json_array_foreach(row, j, b) note_label(labels, b);
  }
  json_array_foreach(json_object_get(entry, "quick_replies"), i, b) note_label(labels, b);
  json_array_foreach(json_object_get(entry, "cards"), i, card) {
    json_array_foreach(json_object_get(card, "buttons"), j, b) note_label(labels, b);
  }
}

typedef struct feed_scan {
  uint64_t after, next;
  size_t max, n;
  json_t *messages, *labels;
} feed_scan;

static int scan_entry(void *ud, pl_bytes key, pl_bytes val) {
  feed_scan *fs = ud;
  if (key.len < 8) return 0;
  uint64_t seq = pl_key_read_u64((const unsigned char *)key.data + key.len - 8);
  json_t *entry = json_loadb(val.data, val.len, 0, NULL);
  const char *dir = json_string_value(json_object_get(entry, "dir"));
  if (seq > fs->after) {
    json_t *m = pl_feed_message(entry, seq, fs->labels);
    if (m) json_array_append_new(fs->messages, m);
    fs->next = seq;
    fs->n++;
  }
  if (dir && !strcmp(dir, "out")) note_labels(fs->labels, entry);
  json_decref(entry);
  return fs->n >= fs->max;
}

json_t *pl_feed_read(pl_store *store, uint32_t tenant, const char *conv, uint64_t after, size_t max,
                     uint64_t *next) {
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(store, &tx, &err)) return NULL;
  pl_key prefix, from;
  pl_key_init(&prefix, tenant);
  pl_key_str0(&prefix, conv);
  from = prefix;
  pl_key_u64(&from, after > LABEL_LOOKBACK ? after + 1 - LABEL_LOOKBACK : 1);
  feed_scan fs = {.after = after,
                  .next = after,
                  .max = max ? max : PL_FEED_BATCH,
                  .messages = json_array(),
                  .labels = json_object()};
  int rc = prefix.overflow ? PL_EINVAL
                           : pl_store_scan(tx, PL_T_HISTORY, prefix.b, prefix.len, from.b, from.len,
                                           scan_entry, &fs);
  pl_store_read_end(tx);
  json_decref(fs.labels);
  if (rc < 0) {
    json_decref(fs.messages);
    return NULL;
  }
  *next = fs.next;
  return fs.messages;
}

/* ---- slots ---- */

static size_t slot_hash(uint32_t tenant, const char *conv) {
  uint64_t h = 1469598103934665603ULL ^ tenant;
  for (; *conv; conv++)
    h = (h ^ (unsigned char)*conv) * 1099511628211ULL;
  return (size_t)(h % NSLOTS);
}

/* Under mu. */
static slot *slot_find(pl_feed *f, uint32_t tenant, const char *conv, bool create) {
  size_t h = slot_hash(tenant, conv);
  for (slot *s = f->slots[h]; s; s = s->next)
    if (s->tenant == tenant && !strcmp(s->conv, conv)) return s;
  if (!create) return NULL;
  slot *s = calloc(1, sizeof *s);
  s->tenant = tenant;
  s->conv = strdup(conv);
  s->next = f->slots[h];
  f->slots[h] = s;
  atomic_fetch_add(&f->nslots, 1);
  return s;
}

/* Frees s if nothing needs it any more: no waiter, no pending wake-up, nobody walking it. */
static void slot_release(pl_feed *f, slot *s) {
  pthread_mutex_lock(&f->mu);
  if (!s->nwaiters && !s->pins && !s->dirty) {
    for (slot **pp = &f->slots[slot_hash(s->tenant, s->conv)]; *pp; pp = &(*pp)->next) {
      if (*pp == s) {
        *pp = s->next;
        atomic_fetch_sub(&f->nslots, 1);
        free(s->conv);
        free(s);
        break;
      }
    }
  }
  pthread_mutex_unlock(&f->mu);
}

/* ---- answering ---- */

static void answer(pl_http_pending *p, json_t *messages, uint64_t next, const char *headers) {
  json_t *doc = json_pack("{s:o,s:I}", "messages", messages, "next", (json_int_t)next);
  char *body = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  if (body)
    pl_http_respond(p, 200, "application/json", body, strlen(body), headers);
  else
    pl_http_respond_error(p, 500, "internal error", "could not write the feed answer", headers);
  free(body);
}

static void busy(pl_http_pending *p, const char *why, const char *headers) {
  char extra[600];
  snprintf(extra, sizeof extra, "Retry-After: 5\r\n%s", headers ? headers : "");
  pl_http_respond_error(p, 503, "feed unavailable", why, extra);
}

/* Answers a waiter with what its conversation has now (possibly nothing). */
static void answer_now(pl_feed *f, pl_http_pending *p, uint32_t tenant, const char *conv,
                       uint64_t after, const char *headers) {
  uint64_t next = after;
  json_t *messages = pl_feed_read(f->store, tenant, conv, after, PL_FEED_BATCH, &next);
  if (messages)
    answer(p, messages, next, headers);
  else
    busy(p, "the conversation could not be read; ask again", headers);
}

static void free_waiter(uv_handle_t *h) {
  waiter *w = h->data;
  free(w->headers);
  free(w);
}

static void waiter_link(slot *s, waiter *w) {
  w->s = s;
  w->next = NULL;
  w->prev = s->tail;
  if (s->tail)
    s->tail->next = w;
  else
    s->head = w;
  s->tail = w;
  s->nwaiters++;
}

static void waiter_unlink(slot *s, waiter *w) {
  if (w->prev)
    w->prev->next = w->next;
  else
    s->head = w->next;
  if (w->next)
    w->next->prev = w->prev;
  else
    s->tail = w->prev;
  s->nwaiters--;
}

/* A waiter leaves the feed (already unlinked from its slot): its pending request is
 * returned for the caller to answer, and its memory goes with its timer's close. */
static pl_http_pending *waiter_end(waiter *w) {
  pl_http_pending *p = w->p;
  w->f->parked--;
  w->t->feed_parked--;
  uv_timer_stop(&w->timer);
  uv_close((uv_handle_t *)&w->timer, free_waiter);
  return p;
}

/* ---- streams (Server-Sent Events) ---- */

/* Writes what w's conversation has after w->after as events ("id: <seq>" and the message
 * as one line of JSON; an "id" alone where the entries read are not for the client, so a
 * reconnect's Last-Event-ID skips them) until it has caught up — the first time, an event
 * "ready" says so — or until the client stops reading (PL_EBUSY: the drain callback goes
 * on). false: the client is gone. */
static bool stream_push(waiter *w) {
  for (;;) {
    uint64_t next = w->after;
    json_t *messages =
        pl_feed_read(w->f->store, w->s->tenant, w->s->conv, w->after, PL_FEED_BATCH, &next);
    if (!messages || next == w->after) { /* caught up (or unreadable: the next wake tries) */
      json_decref(messages);
      if (messages && !w->caught_up) { /* once: the client has the history now */
        char ready[64];
        int n = snprintf(ready, sizeof ready, "event: ready\ndata: %llu\n\n",
                         (unsigned long long)w->after);
        int rc = pl_http_stream_write(w->p, ready, (size_t)n);
        if (rc && rc != PL_EBUSY) return false;
        w->caught_up = rc == 0;
      }
      return true;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    size_t i;
    json_t *m;
    uint64_t last = w->after;
    json_array_foreach(messages, i, m) {
      char *line = json_dumps(m, JSON_COMPACT);
      last = (uint64_t)json_integer_value(json_object_get(m, "seq"));
      if (line) fprintf(out, "id: %llu\ndata: %s\n\n", (unsigned long long)last, line);
      free(line);
    }
    if (next > last) fprintf(out, "id: %llu\n\n", (unsigned long long)next);
    fclose(out);
    json_decref(messages);
    int rc = pl_http_stream_write(w->p, buf, len);
    free(buf);
    if (rc == PL_EBUSY) return true;
    if (rc) return false;
    w->after = next;
  }
}

/* A stream leaves the feed (already unlinked): its connection closes. */
static void stream_finish(waiter *w) {
  pl_http_stream_end(waiter_end(w));
}

/* A linked stream whose client is gone or cannot be written to. */
static void stream_drop(waiter *w) {
  pl_feed *f = w->f;
  slot *s = w->s;
  waiter_unlink(s, w);
  stream_finish(w);
  slot_release(f, s);
}

static void on_stream_drain(void *ud) {
  waiter *w = ud;
  if (!stream_push(w)) stream_drop(w);
}

static void on_stream_ping(uv_timer_t *h) {
  waiter *w = h->data;
  if (pl_http_stream_write(w->p, ": ping\n\n", 8) == PL_EIO) stream_drop(w);
}

/* The client went away while parked (a tab closed): its place is freed now, not when its
 * wait ends, so closed pages do not hold the caps. The answer only frees. */
static void on_client_gone(void *ud) {
  waiter *w = ud;
  if (w->stream) {
    stream_drop(w);
    return;
  }
  pl_feed *f = w->f;
  slot *s = w->s;
  uint64_t after = w->after;
  const char *headers = w->headers;
  waiter_unlink(s, w);
  pl_http_pending *p = waiter_end(w);
  slot_release(f, s);
  answer(p, json_array(), after, headers);
}

static void on_wait_over(uv_timer_t *h) {
  waiter *w = h->data;
  pl_feed *f = w->f;
  slot *s = w->s;
  uint32_t tenant = s->tenant;
  char conv[600];
  snprintf(conv, sizeof conv, "%s", s->conv);
  uint64_t after = w->after;
  const char *headers = w->headers;
  waiter_unlink(s, w);
  pl_http_pending *p = waiter_end(w);
  slot_release(f, s);
  answer_now(f, p, tenant, conv, after, headers);
}

void pl_feed_wait(pl_feed *f, pl_tenant *t, const char *conv, uint64_t after, int64_t wait_ms,
                  pl_http_pending *p, const char *extra_headers) {
  pthread_mutex_lock(&f->mu);
  bool closed = f->closed;
  slot *s = closed ? NULL : slot_find(f, t->id, conv, true);
  if (s) s->pins++;
  pthread_mutex_unlock(&f->mu);
  if (closed) {
    busy(p, "parley is stopping; ask again", extra_headers);
    return;
  }
  /* Registered: a commit from now on marks the slot. Now look. */
  uint64_t next = after;
  json_t *messages = pl_feed_read(f->store, t->id, conv, after, PL_FEED_BATCH, &next);
  const char *full = f->parked >= PL_FEED_MAX_PARKED ? "too many clients are waiting; ask again"
                     : t->feed_parked >= PL_FEED_MAX_PARKED_TENANT
                         ? "too many clients of this bot are waiting; ask again"
                         : NULL;
  if (!messages || next > after || wait_ms <= 0 || full) {
    s->pins--;
    slot_release(f, s);
    if (!messages)
      busy(p, "the conversation could not be read; ask again", extra_headers);
    else if (next > after || wait_ms <= 0)
      answer(p, messages, next, extra_headers);
    else {
      json_decref(messages);
      busy(p, full, extra_headers);
    }
    return;
  }
  json_decref(messages);
  waiter *evicted = NULL;
  if (s->nwaiters >= PL_FEED_MAX_PARKED_CONV) { /* e.g. reloads: the oldest gives way */
    evicted = s->head;
    waiter_unlink(s, evicted);
  }
  waiter *w = calloc(1, sizeof *w);
  *w = (waiter){.f = f,
                .t = t,
                .p = p,
                .after = after,
                .headers = strdup(extra_headers ? extra_headers : "")};
  uv_timer_init(f->loop, &w->timer);
  w->timer.data = w;
  uv_timer_start(&w->timer, on_wait_over, (uint64_t)wait_ms, 0);
  waiter_link(s, w);
  pl_http_pending_on_gone(p, on_client_gone, w);
  f->parked++;
  t->feed_parked++;
  s->pins--;
  if (evicted) {
    uint64_t eafter = evicted->after;
    const char *eheaders = evicted->headers;
    if (evicted->stream)
      stream_finish(evicted);
    else
      answer(waiter_end(evicted), json_array(), eafter, eheaders);
  }
}

/* Main loop: every request parked on s gets what its conversation has now, if anything;
 * the others stay parked. */
static void wake(pl_feed *f, slot *s) {
  waiter *w = s->head;
  s->head = s->tail = NULL;
  s->nwaiters = 0;
  while (w) {
    waiter *next_w = w->next;
    if (w->stream) { /* written to, and parked still */
      if (stream_push(w))
        waiter_link(s, w);
      else
        stream_finish(w);
      w = next_w;
      continue;
    }
    uint64_t next = w->after;
    json_t *messages = pl_feed_read(f->store, s->tenant, s->conv, w->after, PL_FEED_BATCH, &next);
    if (messages && next > w->after) {
      const char *headers = w->headers;
      answer(waiter_end(w), messages, next, headers);
    } else {
      json_decref(messages); /* nothing new for this one (or unreadable: its timer ends it) */
      waiter_link(s, w);
    }
    w = next_w;
  }
}

static void on_touched(uv_async_t *h) {
  pl_feed *f = h->data;
  pthread_mutex_lock(&f->mu);
  slot *list = f->dirty;
  f->dirty = NULL;
  for (slot *s = list; s; s = s->next_dirty)
    s->pins++; /* kept until walked, whatever the answers run */
  pthread_mutex_unlock(&f->mu);
  while (list) {
    slot *s = list;
    pthread_mutex_lock(&f->mu);
    list = s->next_dirty;
    s->dirty = false; /* a commit from now on marks it again */
    pthread_mutex_unlock(&f->mu);
    wake(f, s);
    s->pins--;
    slot_release(f, s);
  }
}

void pl_feed_touch(pl_feed *f, uint32_t tenant, const char *conv) {
  if (!f || atomic_load(&f->nslots) == 0) return;
  pthread_mutex_lock(&f->mu);
  slot *s = f->closed ? NULL : slot_find(f, tenant, conv, false);
  if (s && !s->dirty) {
    s->dirty = true;
    s->next_dirty = f->dirty;
    f->dirty = s;
    uv_async_send(&f->async);
  }
  pthread_mutex_unlock(&f->mu);
}

/* ---- life ---- */

int pl_feed_open(pl_feed **out, uv_loop_t *loop, pl_store *store, pl_err *err) {
  pl_feed *f = calloc(1, sizeof *f);
  if (!f) return pl_err_set(err, PL_ENOMEM, "out of memory");
  f->loop = loop;
  f->store = store;
  pthread_mutex_init(&f->mu, NULL);
  int rc = uv_async_init(loop, &f->async, on_touched);
  if (rc) {
    pthread_mutex_destroy(&f->mu);
    free(f);
    return pl_err_set(err, PL_EIO, "feed: %s", uv_strerror(rc));
  }
  f->async.data = f;
  *out = f;
  return 0;
}

void pl_feed_close(pl_feed *f) {
  pthread_mutex_lock(&f->mu);
  bool was = f->closed;
  f->closed = true;
  pthread_mutex_unlock(&f->mu);
  if (was) return;
  uv_close((uv_handle_t *)&f->async, NULL);
  /* Collected first: answering may run the HTTP handler, which now answers 503 itself. */
  waiter *all = NULL;
  for (size_t i = 0; i < NSLOTS; i++)
    for (slot *s = f->slots[i]; s; s = s->next) {
      for (waiter *w = s->head, *n; w; w = n) {
        n = w->next;
        w->next = all;
        all = w;
      }
      s->head = s->tail = NULL;
      s->nwaiters = 0;
    }
  while (all) {
    waiter *w = all;
    all = w->next;
    const char *headers = w->headers;
    if (w->stream) /* the browser reconnects (to the next parley) from its last id */
      stream_finish(w);
    else
      busy(waiter_end(w), "parley is stopping; ask again", headers);
  }
}

void pl_feed_free(pl_feed *f) {
  if (!f) return;
  for (size_t i = 0; i < NSLOTS; i++)
    for (slot *s = f->slots[i], *n; s; s = n) {
      n = s->next;
      free(s->conv);
      free(s);
    }
  pthread_mutex_destroy(&f->mu);
  free(f);
}

void pl_feed_stream(pl_feed *f, pl_tenant *t, const char *conv, uint64_t after, pl_http_pending *p,
                    const char *extra_headers) {
  pthread_mutex_lock(&f->mu);
  bool closed = f->closed;
  slot *s = closed ? NULL : slot_find(f, t->id, conv, true);
  if (s) s->pins++;
  pthread_mutex_unlock(&f->mu);
  const char *full = closed                            ? "parley is stopping; ask again"
                     : f->parked >= PL_FEED_MAX_PARKED ? "too many clients are waiting; ask again"
                     : t->feed_parked >= PL_FEED_MAX_PARKED_TENANT
                         ? "too many clients of this bot are waiting; ask again"
                         : NULL;
  if (full) {
    if (s) {
      s->pins--;
      slot_release(f, s);
    }
    busy(p, full, extra_headers);
    return;
  }
  /* Registered: a commit from now on marks the slot, and the first push reads after it. */
  char head[1200];
  snprintf(head, sizeof head, "X-Accel-Buffering: no\r\n%s", extra_headers ? extra_headers : "");
  if (pl_http_stream_start(p, 200, "text/event-stream", head) ||
      pl_http_stream_write(p, "retry: 2000\n\n", 13)) {
    pl_http_stream_end(p);
    s->pins--;
    slot_release(f, s);
    return;
  }
  waiter *evicted = NULL;
  if (s->nwaiters >= PL_FEED_MAX_PARKED_CONV) { /* the oldest gives way */
    evicted = s->head;
    waiter_unlink(s, evicted);
  }
  waiter *w = calloc(1, sizeof *w);
  *w = (waiter){.f = f, .t = t, .p = p, .after = after, .stream = true, .headers = strdup("")};
  uv_timer_init(f->loop, &w->timer);
  w->timer.data = w;
  uv_timer_start(&w->timer, on_stream_ping, PL_FEED_PING_MS, PL_FEED_PING_MS);
  waiter_link(s, w);
  pl_http_pending_on_gone(p, on_client_gone, w);
  pl_http_stream_on_drain(p, on_stream_drain, w);
  f->parked++;
  t->feed_parked++;
  s->pins--;
  if (evicted) {
    if (evicted->stream)
      stream_finish(evicted);
    else
      answer(waiter_end(evicted), json_array(), evicted->after, evicted->headers);
  }
  if (!stream_push(w)) stream_drop(w); /* the history so far */
}
