/* parley-loadgen: closed-loop load against a running `parley serve` through the generic
 * http channel (docs/http-channel.md), with the reply callback sink built in.
 *
 * C virtual users are active at once. Each drives one chat through the bench tenant's
 * four-step scenario (bench/tenant/bench/bot.lua) with one step outstanding at a time,
 * then moves on to the next of N chats, so N distinct conversations get touched:
 *   1 {"start": ""}          -> a reply with buttons          (we keep the 2nd button's id)
 *   2 {"button": id}         -> a reply asking for a "number"
 *   3 {"text": "1".."100"}   -> a reply asking for a "word"
 *   4 {"text": word}         -> "… button=<id> number=<n> word=<w>": all three must match,
 *                               which proves the conversations' sessions stay apart.
 * A step POSTs the event to /hook/<tenant>/http over a pool of keep-alive connections (one
 * request in flight per connection) and waits for parley's reply POST at the sink. Its
 * latency runs from the first send of the POST until both the webhook's 2xx and the
 * step's reply have arrived (the reply is normally the later of the two); time spent
 * waiting out a 429/503 Retry-After, or resending after a broken connection, is included.
 *
 * Why a hand-written HTTP/1.1 parser: the tool talks only to parley and must not measure
 * an HTTP library. It handles Content-Length and chunked bodies and keep-alive; the client
 * never pipelines. Limits: IPv4 or [IPv6] literal addresses, no TLS.
 *
 * Run `parley-loadgen --help` for the options; bench/tenant/bench/tenant.lua shows a full
 * command line. Exit codes: 0 no errors, 1 errors counted or could not run, 2 usage. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>
#include <uv.h>

#define STEP_TIMEOUT_MS 10000 /* a step without its reply after this is a timeout error */
#define IO_RETRY_MS 100       /* pause before resending after a broken connection */
#define ERROR_PAUSE_MS 100    /* pause before the next scenario after a failed one */
#define DEFAULT_RETRY_MS 1000 /* 429/503 without a usable Retry-After */
#define MAX_HEAD 65536
#define MAX_BODY (16 << 20)
#define MAX_SAMPLES 3 /* error messages printed to stderr per kind */
#define CHAT_PREFIX "lg-"

/* A growable byte buffer; owns `data`. */
typedef struct {
  char *data;
  size_t len, cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) {
    fputs("parley-loadgen: out of memory\n", stderr);
    abort();
  }
  b->data = p;
  b->cap = cap;
}

static void buf_append(buf_t *b, const char *p, size_t n) {
  buf_reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void buf_consume(buf_t *b, size_t n) {
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

static void buf_free(buf_t *b) {
  free(b->data);
  *b = (buf_t){0};
}

/* ---- HTTP/1.1 messages ---- */

/* memmem is a GNU extension; the build is plain C11 + POSIX. */
static const char *find_bytes(const char *p, size_t n, const char *needle, size_t k) {
  for (const char *end = p + n; (size_t)(end - p) >= k; p++) {
    p = memchr(p, needle[0], (size_t)(end - p) - k + 1);
    if (!p) return NULL;
    if (!memcmp(p, needle, k)) return p;
  }
  return NULL;
}

/* One parsed message. Pointers point into the parsed input (the body of a chunked message
 * into the caller's scratch buffer) and are valid until that input is consumed. */
typedef struct {
  int status;      /* responses */
  char method[16]; /* requests */
  int keep_alive;
  double retry_after; /* seconds; -1 if absent */
  const char *secret, *idem_key;
  size_t secret_len, idem_key_len;
  const char *body;
  size_t body_len;
} http_msg;

static int header_is(const char *name, size_t n, const char *want) {
  return strlen(want) == n && !strncasecmp(name, want, n);
}

static int value_has_token(const char *v, size_t n, const char *token) {
  size_t t = strlen(token);
  for (size_t i = 0; i + t <= n; i++)
    if (!strncasecmp(v + i, token, t)) return 1;
  return 0;
}

static int parse_start_line(const char *p, size_t n, int response, http_msg *m, int *minor) {
  if (response) { /* HTTP/1.x SP 3DIGIT SP reason */
    if (n < 12 || strncmp(p, "HTTP/1.", 7) || !isdigit((unsigned char)p[7]) || p[8] != ' ')
      return -1;
    for (int i = 9; i < 12; i++)
      if (!isdigit((unsigned char)p[i])) return -1;
    *minor = p[7] - '0';
    m->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    return 0;
  }
  const char *sp = memchr(p, ' ', n); /* METHOD SP target SP HTTP/1.x */
  if (!sp || sp == p || (size_t)(sp - p) >= sizeof m->method || n < 10) return -1;
  const char *v = p + n - 8;
  if (v <= sp || strncmp(v, "HTTP/1.", 7) || !isdigit((unsigned char)v[7])) return -1;
  memcpy(m->method, p, (size_t)(sp - p));
  *minor = v[7] - '0';
  return 0;
}

/* Decodes a chunked body starting at p[0..n) into *out. Returns the bytes it spans, 0 if
 * more input is needed, -1 if malformed. Trailers are skipped. */
static long parse_chunked(const char *p, size_t n, buf_t *out) {
  size_t at = 0;
  out->len = 0;
  for (;;) {
    const char *eol = find_bytes(p + at, n - at, "\r\n", 2);
    if (!eol) return n - at > 1024 ? -1 : 0;
    char *end;
    errno = 0;
    unsigned long size = strtoul(p + at, &end, 16);
    if (end == p + at || errno || (*end != ';' && *end != '\r') || size > MAX_BODY ||
        out->len + size > MAX_BODY)
      return -1;
    at = (size_t)(eol - p) + 2;
    if (size == 0) {
      if (n - at >= 2 && !memcmp(p + at, "\r\n", 2)) return (long)(at + 2);
      const char *t = find_bytes(p + at, n - at, "\r\n\r\n", 4);
      if (!t) return n - at > MAX_HEAD ? -1 : 0;
      return (long)(t - p) + 4;
    }
    if (n - at < size + 2) return 0;
    if (memcmp(p + at + size, "\r\n", 2)) return -1;
    buf_append(out, p + at, size);
    at += size + 2;
  }
}

/* Parses one complete message at the start of p[0..n). Returns its length, 0 if more input
 * is needed, or -1 if it is malformed. A response must carry Content-Length or be chunked
 * (parley always does; reading to end-of-connection is not supported). */
static long http_parse(const char *p, size_t n, int response, http_msg *m, buf_t *scratch) {
  const char *end = find_bytes(p, n, "\r\n\r\n", 4);
  if (!end) return n > MAX_HEAD ? -1 : 0;
  size_t head = (size_t)(end - p) + 4;
  memset(m, 0, sizeof *m);
  m->retry_after = -1;
  const char *eol = find_bytes(p, head, "\r\n", 2);
  int minor;
  if (parse_start_line(p, (size_t)(eol - p), response, m, &minor)) return -1;
  m->keep_alive = minor >= 1;
  long length = -1;
  int chunked = 0;
  for (const char *l = eol + 2; l < end;) {
    const char *le = find_bytes(l, (size_t)(end + 2 - l), "\r\n", 2);
    const char *colon = memchr(l, ':', (size_t)(le - l));
    if (!colon) return -1;
    size_t nlen = (size_t)(colon - l);
    const char *v = colon + 1, *ve = le;
    while (v < ve && (*v == ' ' || *v == '\t'))
      v++;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
      ve--;
    size_t vlen = (size_t)(ve - v);
    if (header_is(l, nlen, "content-length")) {
      char *e;
      errno = 0;
      long cl = strtol(v, &e, 10);
      if (vlen == 0 || e != ve || errno || cl < 0 || cl > MAX_BODY) return -1;
      length = cl;
    } else if (header_is(l, nlen, "transfer-encoding")) {
      chunked = value_has_token(v, vlen, "chunked");
    } else if (header_is(l, nlen, "connection")) {
      if (value_has_token(v, vlen, "close"))
        m->keep_alive = 0;
      else if (value_has_token(v, vlen, "keep-alive"))
        m->keep_alive = 1;
    } else if (header_is(l, nlen, "retry-after")) {
      /* delta-seconds; an HTTP-date is not worth parsing here: wait the default */
      m->retry_after = isdigit((unsigned char)*v) ? strtod(v, NULL) : DEFAULT_RETRY_MS / 1000.0;
    } else if (header_is(l, nlen, "x-parley-secret")) {
      m->secret = v, m->secret_len = vlen;
    } else if (header_is(l, nlen, "idempotency-key")) {
      m->idem_key = v, m->idem_key_len = vlen;
    }
    l = le + 2;
  }
  if (chunked) {
    long span = parse_chunked(p + head, n - head, scratch);
    if (span <= 0) return span;
    m->body = scratch->data, m->body_len = scratch->len;
    return (long)head + span;
  }
  int bodiless = response && (m->status / 100 == 1 || m->status == 204 || m->status == 304);
  if (length < 0) {
    if (response && !bodiless) return -1;
    length = 0;
  }
  if (n - head < (size_t)length) return 0;
  m->body = p + head, m->body_len = (size_t)length;
  return (long)(head + (size_t)length);
}

/* ---- the load generator ---- */

typedef struct loadgen loadgen;

/* One virtual user: a slot that drives one chat at a time. Owned by loadgen.slots. */
typedef struct vuser {
  loadgen *lg;
  long chat;    /* index of the chat being driven, 0..users-1; -1 when idle */
  int step;     /* 1..4 */
  unsigned gen; /* identity of the current step; answers for older ones are dropped */
  char *body;   /* JSON of the current step's event (kept for resends); owned */
  uint64_t t_send, t_ack, t_reply;
  int acked, replied;
  char button[65];
  int number;
  char word[16];
  uv_timer_t timeout; /* STEP_TIMEOUT_MS after t_send */
  uv_timer_t retry;   /* waits before a resend or the next scenario */
  int queued;
  struct vuser *qprev, *qnext; /* waiting for a free connection */
} vuser;

/* One request to the target, built in place in its write request; freed in on_written. */
typedef struct outreq {
  uv_write_t w;
  size_t len;
  char data[];
} outreq;

/* A keep-alive client connection to the target; at most one request in flight. */
typedef struct conn {
  loadgen *lg;
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  enum { C_CLOSED, C_CONNECTING, C_IDLE, C_BUSY, C_CLOSING } state;
  vuser *user; /* owner of the request in flight, if still interested (gen matches) */
  unsigned gen;
  outreq *pending; /* request to write once connected; owned */
  buf_t in, scratch;
} conn;

/* A connection parley opened to the sink. Allocated on accept, freed in its close cb. */
typedef struct sink_conn {
  loadgen *lg;
  uv_tcp_t tcp;
  buf_t in, scratch;
  int closing;   /* uv_close called */
  int finishing; /* reads stopped; closes after the last answer is written */
  struct sink_conn *prev, *next;
} sink_conn;

typedef struct {
  uint64_t steps, scenarios;
  uint64_t webhook_2xx, webhook_duplicate;
  uint64_t webhook_throttled; /* 429/503: retried with the same id */
  uint64_t webhook_failed;    /* any other non-2xx: the scenario is abandoned */
  uint64_t io_errors;         /* connect/read failures, malformed responses: resent */
  uint64_t mismatches, timeouts;
  uint64_t unexpected_replies; /* a reply not matching the step awaited */
  uint64_t orphan_replies;     /* a reply for a chat no virtual user is driving */
  uint64_t sink_requests, sink_bad, contract_issues;
} counters;

typedef struct {
  int ok;
  double cpu_s;
  long hwm_kib, rss_kib;
  long anon_kib, file_kib; /* RSS split: heap and stacks vs mapped files (LMDB's map) */
} proc_sample;

enum phase { WARMUP, MEASURE, DRAIN, DONE };
enum sample_kind { S_WEBHOOK, S_MISMATCH, S_TIMEOUT, S_UNEXPECTED, S_IO, S_SINK, S_KINDS };

struct loadgen {
  uv_loop_t *loop;
  /* options */
  struct sockaddr_storage target, sink;
  char target_text[128], tenant[128], secret[512], path[200];
  long users, concurrency, nconns;
  double duration, warmup;
  int server_pid, json;
  /* virtual users and chats */
  vuser *slots;
  int32_t *owner;   /* chat index -> slot driving it, or -1 */
  uint8_t *touched; /* chat index -> driven at least once */
  long cursor, active;
  vuser *qhead, *qtail;
  conn *conns;
  /* sink */
  uv_tcp_t sink_server;
  sink_conn *sinks;
  /* run */
  uv_timer_t phase_timer;
  uv_signal_t sigint;
  enum phase phase;
  uint64_t seq, rng;
  char nonce[32];
  counters total, window;
  int64_t *lat_us;
  size_t nlat, caplat;
  uint64_t t_start, t_window_start, t_window_end;
  proc_sample srv0, srv1;
  double self_cpu0, self_cpu1;
  int samples_printed[S_KINDS];
};

#define COUNT(lg, field)                                                                           \
  do {                                                                                             \
    (lg)->total.field++;                                                                           \
    if ((lg)->phase == MEASURE) (lg)->window.field++;                                              \
  } while (0)

/* At most MAX_SAMPLES messages of each kind reach stderr, so a failing run stays readable. */

static void sample(loadgen *lg, enum sample_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sample(loadgen *lg, enum sample_kind kind, const char *fmt, ...) {
  if (lg->samples_printed[kind]++ >= MAX_SAMPLES) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("parley-loadgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static uint64_t rng_next(loadgen *lg) { /* xorshift64* */
  lg->rng ^= lg->rng >> 12;
  lg->rng ^= lg->rng << 25;
  lg->rng ^= lg->rng >> 27;
  return lg->rng * 2685821657736338717ull;
}

static void pump(loadgen *lg);
static void scenario_next(vuser *u, uint64_t pause_ms);
static void on_phase(uv_timer_t *t);

static void queue_push(vuser *u) {
  loadgen *lg = u->lg;
  if (u->queued) return;
  u->queued = 1;
  u->qnext = NULL;
  u->qprev = lg->qtail;
  if (lg->qtail)
    lg->qtail->qnext = u;
  else
    lg->qhead = u;
  lg->qtail = u;
}

static void queue_remove(vuser *u) {
  loadgen *lg = u->lg;
  if (!u->queued) return;
  if (u->qprev)
    u->qprev->qnext = u->qnext;
  else
    lg->qhead = u->qnext;
  if (u->qnext)
    u->qnext->qprev = u->qprev;
  else
    lg->qtail = u->qprev;
  u->queued = 0;
  u->qprev = u->qnext = NULL;
}

static void record_latency(loadgen *lg, int64_t us) {
  if (lg->nlat == lg->caplat) {
    size_t cap = lg->caplat ? lg->caplat * 2 : 65536;
    int64_t *p = realloc(lg->lat_us, cap * sizeof *p);
    if (!p) {
      fputs("parley-loadgen: out of memory\n", stderr);
      abort();
    }
    lg->lat_us = p, lg->caplat = cap;
  }
  lg->lat_us[lg->nlat++] = us;
}

/* ---- steps ---- */

static void on_step_timeout(uv_timer_t *t) {
  vuser *u = t->data;
  COUNT(u->lg, timeouts);
  sample(u->lg, S_TIMEOUT, "timeout: chat %s%ld step %d got no %s within %d s", CHAT_PREFIX,
         u->chat, u->step, u->acked ? "reply" : "webhook answer", STEP_TIMEOUT_MS / 1000);
  scenario_next(u, 0);
}

static void step_begin(vuser *u, int step) {
  loadgen *lg = u->lg;
  char id[96], chat[48], name[48];
  snprintf(id, sizeof id, "lg-%s-%" PRIu64, lg->nonce, ++lg->seq);
  snprintf(chat, sizeof chat, CHAT_PREFIX "%ld", u->chat);
  snprintf(name, sizeof name, "Bench user %ld", u->chat);
  json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "id", id, "chat_id", chat, "user", "id",
                         chat, "name", name, "language", "en");
  char number[16];
  snprintf(number, sizeof number, "%d", u->number);
  switch (step) {
  case 1: json_object_set_new(ev, "start", json_string("")); break;
  case 2: json_object_set_new(ev, "button", json_string(u->button)); break;
  case 3: json_object_set_new(ev, "text", json_string(number)); break;
  default: json_object_set_new(ev, "text", json_string(u->word)); break;
  }
  free(u->body);
  u->body = json_dumps(ev, JSON_COMPACT);
  json_decref(ev);
  u->step = step;
  u->gen++;
  u->acked = u->replied = 0;
  u->t_send = uv_hrtime();
  uv_timer_start(&u->timeout, on_step_timeout, STEP_TIMEOUT_MS, 0);
  queue_push(u);
  pump(lg);
}

static void step_done(vuser *u) {
  loadgen *lg = u->lg;
  uint64_t t_done = u->t_reply > u->t_ack ? u->t_reply : u->t_ack;
  if (lg->phase == MEASURE) record_latency(lg, (int64_t)((t_done - u->t_send) / 1000));
  COUNT(lg, steps);
  uv_timer_stop(&u->timeout);
  if (u->step < 4 && lg->phase < DRAIN) {
    step_begin(u, u->step + 1);
    return;
  }
  if (u->step == 4) COUNT(lg, scenarios);
  scenario_next(u, 0);
}

static void on_resend(uv_timer_t *t) {
  vuser *u = t->data;
  queue_push(u);
  pump(u->lg);
}

static void on_pause_over(uv_timer_t *t) {
  scenario_next(t->data, 0);
}

/* Leaves the current chat (done, failed or timed out) and starts the scenario on the next
 * free chat, after pause_ms; while draining, the slot goes idle instead. */
static void scenario_next(vuser *u, uint64_t pause_ms) {
  loadgen *lg = u->lg;
  u->gen++; /* whatever is still in flight for the old step is ignored */
  queue_remove(u);
  uv_timer_stop(&u->timeout);
  uv_timer_stop(&u->retry);
  if (u->chat >= 0) lg->owner[u->chat] = -1;
  u->chat = -1;
  if (lg->phase >= DRAIN) {
    if (--lg->active == 0 && lg->phase == DRAIN) uv_timer_start(&lg->phase_timer, on_phase, 0, 0);
    return;
  }
  if (pause_ms) {
    uv_timer_start(&u->retry, on_pause_over, pause_ms, 0);
    return;
  }
  /* N >= C, and this slot just freed its chat, so a free chat exists */
  long k;
  do
    k = lg->cursor++ % lg->users;
  while (lg->owner[k] >= 0);
  lg->owner[k] = (int32_t)(u - lg->slots);
  lg->touched[k] = 1;
  u->chat = k;
  u->number = 1 + (int)(rng_next(lg) % 100);
  int len = 5 + (int)(rng_next(lg) % 6);
  for (int i = 0; i < len; i++)
    u->word[i] = (char)('a' + rng_next(lg) % 26);
  u->word[len] = 0;
  u->button[0] = 0;
  step_begin(u, 1);
}

static void on_webhook_answer(vuser *u, int status, double retry_after, int duplicate,
                              const char *snippet) {
  loadgen *lg = u->lg;
  if (status / 100 == 2) {
    COUNT(lg, webhook_2xx);
    if (duplicate) COUNT(lg, webhook_duplicate);
    u->acked = 1;
    u->t_ack = uv_hrtime();
    if (u->replied) step_done(u);
  } else if (status == 429 || status == 503) {
    COUNT(lg, webhook_throttled);
    double ms = retry_after >= 0 ? retry_after * 1000.0 : DEFAULT_RETRY_MS;
    uv_timer_start(&u->retry, on_resend, (uint64_t)ms, 0);
  } else {
    COUNT(lg, webhook_failed);
    sample(lg, S_WEBHOOK, "webhook answered %d for chat %s%ld step %d: %s", status, CHAT_PREFIX,
           u->chat, u->step, snippet);
    scenario_next(u, ERROR_PAUSE_MS);
  }
}

static void on_io_error(vuser *u, const char *what) {
  COUNT(u->lg, io_errors);
  sample(u->lg, S_IO, "connection to %s: %s (resending the same id)", u->lg->target_text, what);
  uv_timer_start(&u->retry, on_resend, IO_RETRY_MS, 0);
}

static int has_word(const char *text, const char *word) {
  size_t n = strlen(word);
  for (const char *p = text; *p; p++)
    if (!strncasecmp(p, word, n)) return 1;
  return 0;
}

static int has_token(const char *text, const char *token) {
  size_t n = strlen(token);
  for (const char *p = text; (p = strstr(p, token)); p += n)
    if ((p == text || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return 1;
  return 0;
}

/* The sink got a reply for chat u->chat: is it the one the current step waits for? */
static void on_reply(vuser *u, const char *text, json_t *buttons) {
  loadgen *lg = u->lg;
  if (u->replied) { /* the step already has its reply and waits for the webhook's 2xx */
    COUNT(lg, unexpected_replies);
    return;
  }
  const char *second = NULL;
  size_t nbuttons = 0, r, b;
  json_t *row, *button;
  json_array_foreach(buttons, r, row) json_array_foreach(row, b, button) {
    if (++nbuttons == 2) second = json_string_value(json_object_get(button, "id"));
  }
  int final = 0, bad = 0;
  char want[3][96];
  switch (u->step) {
  case 1:
    final = nbuttons > 0;
    bad = !second || !*second || strlen(second) >= sizeof u->button;
    if (final && !bad) snprintf(u->button, sizeof u->button, "%s", second);
    break;
  case 2: final = has_word(text, "number"); break;
  case 3: final = has_word(text, "word"); break;
  default:
    final = strstr(text, "button=") != NULL;
    snprintf(want[0], sizeof want[0], "button=%s", u->button);
    snprintf(want[1], sizeof want[1], "number=%d", u->number);
    snprintf(want[2], sizeof want[2], "word=%s", u->word);
    bad = !has_token(text, want[0]) || !has_token(text, want[1]) || !has_token(text, want[2]);
  }
  if (!final) {
    COUNT(lg, unexpected_replies);
    sample(lg, S_UNEXPECTED, "unexpected reply to chat %s%ld at step %d: \"%s\"", CHAT_PREFIX,
           u->chat, u->step, text);
    return;
  }
  if (bad) {
    COUNT(lg, mismatches);
    if (u->step == 1)
      sample(lg, S_MISMATCH, "chat %s%ld step 1: reply \"%s\" has %zu button(s), need 2 with ids",
             CHAT_PREFIX, u->chat, text, nbuttons);
    else
      sample(lg, S_MISMATCH, "chat %s%ld: echo \"%s\" does not say %s %s %s", CHAT_PREFIX, u->chat,
             text, want[0], want[1], want[2]);
    scenario_next(u, ERROR_PAUSE_MS);
    return;
  }
  u->replied = 1;
  u->t_reply = uv_hrtime();
  if (u->acked) step_done(u);
}

/* ---- client connections ---- */

static void alloc_conn(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  conn *c = h->data;
  buf_reserve(&c->in, 65536);
  *b = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len));
}

static void on_conn_closed(uv_handle_t *h) {
  conn *c = h->data;
  c->state = C_CLOSED;
  c->in.len = 0;
  pump(c->lg);
}

static void conn_close(conn *c) {
  if (c->state == C_CLOSED || c->state == C_CLOSING) return;
  free(c->pending);
  c->pending = NULL;
  c->state = C_CLOSING;
  uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

/* The connection broke with a request in flight: close it, resend on another. */
static void conn_fail(conn *c, const char *what) {
  vuser *u = c->user;
  unsigned gen = c->gen;
  c->user = NULL;
  conn_close(c);
  if (u && u->gen == gen) on_io_error(u, what);
}

static void on_written(uv_write_t *w, int status) {
  conn *c = w->data;
  free(w);
  if (status < 0 && status != UV_ECANCELED && c->state == C_BUSY) conn_fail(c, uv_strerror(status));
}

static void conn_write(conn *c, outreq *r) {
  r->w.data = c;
  uv_buf_t b = uv_buf_init(r->data, (unsigned)r->len);
  int rc = uv_write(&r->w, (uv_stream_t *)&c->tcp, &b, 1, on_written);
  if (rc) {
    free(r);
    conn_fail(c, uv_strerror(rc));
  }
}

static void on_conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  conn *c = s->data;
  if (nread < 0) {
    if (c->state == C_BUSY)
      conn_fail(c, nread == UV_EOF ? "closed by the server" : uv_strerror((int)nread));
    else
      conn_close(c);
    return;
  }
  c->in.len += (size_t)nread;
  http_msg m;
  long used = http_parse(c->in.data, c->in.len, 1, &m, &c->scratch);
  if (used == 0) return;
  if (used < 0 || c->state != C_BUSY) {
    if (c->state == C_BUSY)
      conn_fail(c, "malformed HTTP response");
    else
      conn_close(c);
    return;
  }
  int status = m.status, keep = m.keep_alive, duplicate = 0;
  double retry_after = m.retry_after;
  char snippet[201];
  snprintf(snippet, sizeof snippet, "%.*s", (int)(m.body_len < 200 ? m.body_len : 200), m.body);
  if (status / 100 == 2) {
    json_t *j = json_loadb(m.body, m.body_len, 0, NULL);
    duplicate = json_is_true(json_object_get(j, "duplicate"));
    json_decref(j);
  }
  buf_consume(&c->in, (size_t)used);
  vuser *u = c->user;
  unsigned gen = c->gen;
  c->user = NULL;
  if (keep && c->in.len == 0)
    c->state = C_IDLE;
  else
    conn_close(c);
  if (u && u->gen == gen) on_webhook_answer(u, status, retry_after, duplicate, snippet);
  pump(c->lg);
}

static void on_connected(uv_connect_t *req, int status) {
  conn *c = req->data;
  if (c->state != C_CONNECTING) return; /* closed meanwhile */
  if (status < 0) {
    conn_fail(c, uv_strerror(status));
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, alloc_conn, on_conn_read);
  c->state = C_BUSY;
  outreq *r = c->pending;
  c->pending = NULL;
  conn_write(c, r);
}

static void conn_send(conn *c, vuser *u) {
  loadgen *lg = c->lg;
  size_t blen = strlen(u->body);
  size_t cap = blen + strlen(lg->secret) + sizeof lg->path + sizeof lg->target_text + 128;
  outreq *r = malloc(sizeof *r + cap);
  if (!r) abort();
  int hl = snprintf(r->data, cap,
                    "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                    "X-Parley-Secret: %s\r\nContent-Length: %zu\r\n\r\n",
                    lg->path, lg->target_text, lg->secret, blen);
  memcpy(r->data + hl, u->body, blen);
  r->len = (size_t)hl + blen;
  c->user = u;
  c->gen = u->gen;
  if (c->state == C_IDLE) {
    c->state = C_BUSY;
    conn_write(c, r);
    return;
  }
  c->pending = r;
  c->state = C_CONNECTING;
  uv_tcp_init(lg->loop, &c->tcp);
  c->tcp.data = c;
  c->connect_req.data = c;
  uv_tcp_nodelay(&c->tcp, 1);
  int rc = uv_tcp_connect(&c->connect_req, &c->tcp, (struct sockaddr *)&lg->target, on_connected);
  if (rc) conn_fail(c, uv_strerror(rc));
}

/* Hands waiting requests to free connections (opening closed ones as needed). */
static void pump(loadgen *lg) {
  if (lg->phase == DONE) return;
  for (long i = 0; i < lg->nconns && lg->qhead; i++) {
    conn *c = &lg->conns[i];
    if (c->state != C_IDLE && c->state != C_CLOSED) continue;
    vuser *u = lg->qhead;
    queue_remove(u);
    conn_send(c, u);
  }
}

/* ---- the sink: parley POSTs its replies here ---- */

static const char SINK_200[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char SINK_200_CLOSE[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char SINK_400[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static void on_sink_closed(uv_handle_t *h) {
  sink_conn *c = h->data;
  loadgen *lg = c->lg;
  if (c->prev)
    c->prev->next = c->next;
  else
    lg->sinks = c->next;
  if (c->next) c->next->prev = c->prev;
  buf_free(&c->in);
  buf_free(&c->scratch);
  free(c);
}

static void sink_close(sink_conn *c) {
  if (c->closing) return;
  c->closing = 1;
  uv_close((uv_handle_t *)&c->tcp, on_sink_closed);
}

static void on_sink_written(uv_write_t *w, int status) {
  free(w);
}

/* The peer asked to close (or sent garbage): close once the answer is out. A cancelled
 * write means the connection is closing already. */
static void on_sink_written_close(uv_write_t *w, int status) {
  sink_conn *c = w->data;
  free(w);
  if (status != UV_ECANCELED) sink_close(c);
}

static void sink_answer(sink_conn *c, const char *resp, size_t len, int close_after) {
  uv_write_t *w = malloc(sizeof *w);
  if (!w) abort();
  w->data = c;
  uv_buf_t b = uv_buf_init((char *)resp, (unsigned)len);
  int rc = uv_write(w, (uv_stream_t *)&c->tcp, &b, 1,
                    close_after ? on_sink_written_close : on_sink_written);
  if (rc) {
    free(w);
    sink_close(c);
  }
}

/* Checks one reply POST against the contract and routes it. Returns 0, or -1 if the body
 * is not a reply at all (answered 400). */
static int sink_route(loadgen *lg, const http_msg *m) {
  COUNT(lg, sink_requests);
  json_error_t jerr;
  json_t *j = json_loadb(m->body, m->body_len, 0, &jerr);
  const char *chat = json_string_value(json_object_get(j, "chat_id"));
  if (strcmp(m->method, "POST") || !chat) {
    COUNT(lg, sink_bad);
    sample(lg, S_SINK, "sink: not a reply (%s, %zu bytes): %s", m->method, m->body_len,
           j ? "no chat_id" : jerr.text);
    json_decref(j);
    return -1;
  }
  const char *text = json_string_value(json_object_get(j, "text"));
  const char *tenant = json_string_value(json_object_get(j, "tenant"));
  const char *msg_id = json_string_value(json_object_get(j, "message_id"));
  json_t *buttons = json_object_get(j, "buttons");
  const char *issue = NULL;
  if (!text)
    issue = "no \"text\"";
  else if (!tenant || strcmp(tenant, lg->tenant))
    issue = "\"tenant\" missing or not ours";
  else if (!msg_id || !*msg_id)
    issue = "no \"message_id\"";
  else if (buttons && !json_is_array(buttons))
    issue = "\"buttons\" is not a list of rows";
  else if (!m->idem_key || strlen(msg_id) != m->idem_key_len ||
           memcmp(msg_id, m->idem_key, m->idem_key_len))
    issue = "Idempotency-Key header missing or not the message_id";
  else if (!m->secret || strlen(lg->secret) != m->secret_len ||
           memcmp(lg->secret, m->secret, m->secret_len))
    issue = "X-Parley-Secret header missing or wrong";
  if (issue) {
    COUNT(lg, contract_issues);
    sample(lg, S_SINK, "sink: reply for %s breaks docs/http-channel.md: %s", chat, issue);
  }
  char *end;
  long k = -1;
  if (!strncmp(chat, CHAT_PREFIX, strlen(CHAT_PREFIX))) {
    errno = 0;
    k = strtol(chat + strlen(CHAT_PREFIX), &end, 10);
    if (errno || *end || end == chat + strlen(CHAT_PREFIX) || k < 0 || k >= lg->users) k = -1;
  }
  if (k < 0 || lg->owner[k] < 0)
    COUNT(lg, orphan_replies);
  else
    on_reply(&lg->slots[lg->owner[k]], text ? text : "", buttons);
  json_decref(j);
  return 0;
}

static void alloc_sink(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  sink_conn *c = h->data;
  buf_reserve(&c->in, 65536);
  *b = uv_buf_init(c->in.data + c->in.len, (unsigned)(c->in.cap - c->in.len));
}

static void on_sink_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  sink_conn *c = s->data;
  if (nread < 0) {
    sink_close(c);
    return;
  }
  c->in.len += (size_t)nread;
  while (!c->closing && !c->finishing && c->in.len) {
    http_msg m;
    long used = http_parse(c->in.data, c->in.len, 0, &m, &c->scratch);
    if (used == 0) return;
    if (used < 0) {
      COUNT(c->lg, sink_bad);
      sample(c->lg, S_SINK, "sink: malformed HTTP request");
      c->finishing = 1;
      uv_read_stop(s);
      sink_answer(c, SINK_400, sizeof SINK_400 - 1, 1);
      return;
    }
    int routed = sink_route(c->lg, &m) == 0;
    if (!routed || !m.keep_alive) {
      c->finishing = 1;
      uv_read_stop(s);
    }
    if (!routed)
      sink_answer(c, SINK_400, sizeof SINK_400 - 1, 1);
    else if (m.keep_alive)
      sink_answer(c, SINK_200, sizeof SINK_200 - 1, 0);
    else
      sink_answer(c, SINK_200_CLOSE, sizeof SINK_200_CLOSE - 1, 1);
    buf_consume(&c->in, (size_t)used);
  }
}

static void on_sink_connection(uv_stream_t *server, int status) {
  loadgen *lg = server->data;
  if (status < 0) return;
  sink_conn *c = calloc(1, sizeof *c);
  if (!c) abort();
  c->lg = lg;
  uv_tcp_init(lg->loop, &c->tcp);
  c->tcp.data = c;
  c->next = lg->sinks;
  if (lg->sinks) lg->sinks->prev = c;
  lg->sinks = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
    sink_close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, alloc_sink, on_sink_read);
}

/* ---- measurement window ---- */

static proc_sample proc_read(int pid) {
  proc_sample s = {0};
  char path[64], buf[4096], line[256];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return s;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  const char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
  unsigned long ut, st;
  if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
    return s;
  s.cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  if (!(f = fopen(path, "r"))) return s;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "VmHWM:", 6)) s.hwm_kib = atol(line + 6);
    if (!strncmp(line, "VmRSS:", 6)) s.rss_kib = atol(line + 6);
    if (!strncmp(line, "RssAnon:", 8)) s.anon_kib = atol(line + 8);
    if (!strncmp(line, "RssFile:", 8)) s.file_kib = atol(line + 8);
  }
  fclose(f);
  s.ok = 1;
  return s;
}

static double self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void shutdown_all(loadgen *lg) {
  lg->phase = DONE;
  uv_close((uv_handle_t *)&lg->sink_server, NULL);
  for (sink_conn *c = lg->sinks; c; c = c->next)
    sink_close(c);
  for (long i = 0; i < lg->nconns; i++)
    conn_close(&lg->conns[i]);
  for (long i = 0; i < lg->concurrency; i++) {
    uv_close((uv_handle_t *)&lg->slots[i].timeout, NULL);
    uv_close((uv_handle_t *)&lg->slots[i].retry, NULL);
  }
  uv_close((uv_handle_t *)&lg->phase_timer, NULL);
  uv_close((uv_handle_t *)&lg->sigint, NULL);
}

/* Warmup -> measured window -> drain (no new steps; outstanding ones may finish, bounded by
 * their own timeout) -> done. */
static void on_phase(uv_timer_t *t) {
  loadgen *lg = t->data;
  switch (lg->phase) {
  case WARMUP:
    lg->phase = MEASURE;
    lg->t_window_start = uv_hrtime();
    if (lg->server_pid) lg->srv0 = proc_read(lg->server_pid);
    lg->self_cpu0 = self_cpu();
    uv_timer_start(&lg->phase_timer, on_phase, (uint64_t)(lg->duration * 1000.0), 0);
    break;
  case MEASURE:
    lg->t_window_end = uv_hrtime();
    if (lg->server_pid) lg->srv1 = proc_read(lg->server_pid);
    lg->self_cpu1 = self_cpu();
    lg->phase = DRAIN;
    uv_timer_start(&lg->phase_timer, on_phase, lg->active ? STEP_TIMEOUT_MS + 1000 : 0, 0);
    break;
  case DRAIN: shutdown_all(lg); break;
  case DONE: break;
  }
}

static void on_sigint(uv_signal_t *s, int signum) {
  loadgen *lg = s->data;
  if (lg->phase == WARMUP) {
    lg->phase = DRAIN; /* nothing measured: report the zero window */
    lg->t_window_start = lg->t_window_end = uv_hrtime();
    shutdown_all(lg);
  } else if (lg->phase == MEASURE) {
    on_phase(&lg->phase_timer);
  } else if (lg->phase == DRAIN) {
    shutdown_all(lg);
  }
}

/* ---- report ---- */

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int64_t percentile(const int64_t *v, size_t n, double p) { /* nearest rank; v sorted */
  if (!n) return 0;
  size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
  return v[rank ? rank - 1 : 0];
}

static uint64_t error_count(const counters *w) {
  return w->webhook_failed + w->webhook_throttled + w->mismatches + w->timeouts;
}

static void report(loadgen *lg) {
  const counters *w = &lg->window;
  double secs = (double)(lg->t_window_end - lg->t_window_start) / 1e9;
  qsort(lg->lat_us, lg->nlat, sizeof *lg->lat_us, cmp_i64);
  int64_t p50 = percentile(lg->lat_us, lg->nlat, 50), p99 = percentile(lg->lat_us, lg->nlat, 99),
          p999 = percentile(lg->lat_us, lg->nlat, 99.9),
          max = lg->nlat ? lg->lat_us[lg->nlat - 1] : 0;
  double rate = secs > 0 ? (double)w->steps / secs : 0;
  long touched = 0;
  for (long k = 0; k < lg->users; k++)
    touched += lg->touched[k];
  double srv_cpu = lg->srv0.ok && lg->srv1.ok ? lg->srv1.cpu_s - lg->srv0.cpu_s : -1;
  double own_cpu = lg->self_cpu1 - lg->self_cpu0;
  if (lg->json) {
    json_t *j = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:I, s:I, s:f, s:f,"
        " s:{s:I, s:I, s:I, s:I}, s:I,"
        " s:{s:I, s:I, s:I, s:I, s:I},"
        " s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:f}",
        "target", lg->target_text, "tenant", lg->tenant, "users", (json_int_t)lg->users,
        "concurrency", (json_int_t)lg->concurrency, "connections", (json_int_t)lg->nconns,
        "warmup_s", lg->warmup, "window_s", secs, "steps", (json_int_t)w->steps, "scenarios",
        (json_int_t)w->scenarios, "steps_per_s", rate, "scenarios_per_s",
        secs > 0 ? (double)w->scenarios / secs : 0.0, "latency_us", "p50", (json_int_t)p50, "p99",
        (json_int_t)p99, "p99_9", (json_int_t)p999, "max", (json_int_t)max, "errors",
        (json_int_t)error_count(w), "error_detail", "webhook_non_2xx",
        (json_int_t)(w->webhook_failed + w->webhook_throttled), "webhook_429_503_retried",
        (json_int_t)w->webhook_throttled, "webhook_other_non_2xx", (json_int_t)w->webhook_failed,
        "mismatched_echoes", (json_int_t)w->mismatches, "timeouts", (json_int_t)w->timeouts,
        "other", "io_errors_resent", (json_int_t)w->io_errors, "duplicate_acks",
        (json_int_t)w->webhook_duplicate, "unexpected_replies", (json_int_t)w->unexpected_replies,
        "orphan_replies", (json_int_t)w->orphan_replies, "sink_bad_requests",
        (json_int_t)w->sink_bad, "contract_issues", (json_int_t)w->contract_issues, "users_touched",
        (json_int_t)touched, "loadgen_cpu_s", own_cpu);
    if (lg->server_pid) {
      json_t *srv = json_pack("{s:i}", "pid", lg->server_pid);
      if (srv_cpu >= 0) {
        json_object_set_new(srv, "cpu_s", json_real(srv_cpu));
        json_object_set_new(srv, "cpu_cores", json_real(secs > 0 ? srv_cpu / secs : 0));
        json_object_set_new(srv, "peak_rss_kib", json_integer(lg->srv1.hwm_kib));
        json_object_set_new(srv, "rss_kib", json_integer(lg->srv1.rss_kib));
        json_object_set_new(srv, "rss_anon_kib", json_integer(lg->srv1.anon_kib));
        json_object_set_new(srv, "rss_file_kib", json_integer(lg->srv1.file_kib));
      }
      json_object_set_new(j, "server", srv);
    }
    json_dumpf(j, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(j);
    return;
  }
  printf("parley-loadgen: %s tenant %s: %ld users, concurrency %ld, %ld connections\n",
         lg->target_text, lg->tenant, lg->users, lg->concurrency, lg->nconns);
  printf("  window        %.1f s after %.1f s warmup\n", secs, lg->warmup);
  printf("  throughput    %.0f steps/s (%" PRIu64 " steps, %.0f scenarios/s)\n", rate, w->steps,
         secs > 0 ? (double)w->scenarios / secs : 0.0);
  printf("  latency (us)  p50 %" PRId64 "  p99 %" PRId64 "  p99.9 %" PRId64 "  max %" PRId64 "\n",
         p50, p99, p999, max);
  printf("  errors        %" PRIu64 ": webhook non-2xx %" PRIu64 " (429/503 retried %" PRIu64
         "), mismatched echoes %" PRIu64 ", timeouts %" PRIu64 "\n",
         error_count(w), w->webhook_failed + w->webhook_throttled, w->webhook_throttled,
         w->mismatches, w->timeouts);
  printf("  other         io errors resent %" PRIu64 ", duplicate acks %" PRIu64
         ", unexpected replies %" PRIu64 ", orphan replies %" PRIu64 ", bad sink requests %" PRIu64
         ", contract issues %" PRIu64 "\n",
         w->io_errors, w->webhook_duplicate, w->unexpected_replies, w->orphan_replies, w->sink_bad,
         w->contract_issues);
  printf("  users touched %ld of %ld\n", touched, lg->users);
  if (lg->server_pid && srv_cpu >= 0)
    printf("  server pid %d  cpu %.2f s (%.2f cores), peak RSS (VmHWM) %ld KiB; at the end RSS "
           "%ld KiB = %ld anon + %ld file (LMDB's map counts as file)\n",
           lg->server_pid, srv_cpu, secs > 0 ? srv_cpu / secs : 0, lg->srv1.hwm_kib,
           lg->srv1.rss_kib, lg->srv1.anon_kib, lg->srv1.file_kib);
  else if (lg->server_pid)
    printf("  server pid %d  not readable in /proc\n", lg->server_pid);
  printf("  loadgen cpu   %.2f s (%.2f cores)\n", own_cpu, secs > 0 ? own_cpu / secs : 0);
}

/* ---- options ---- */

static void usage(FILE *to) {
  fputs("usage: parley-loadgen --target ADDR:PORT [--tenant NAME] [--secret S] [--sink ADDR:PORT]\n"
        "                      [--users N] [--concurrency C] [--duration SECONDS] [--warmup S]\n"
        "                      [--connections K] [--server-pid PID] [--json]\n"
        "\n"
        "Closed-loop virtual users against `parley serve` through the generic http channel\n"
        "(docs/http-channel.md), running the bench tenant's scenario (bench/tenant/bench).\n"
        "\n"
        "  --target ADDR:PORT  parley's HTTP listener (required)\n"
        "  --tenant NAME       tenant to post to (default bench)\n"
        "  --secret S          X-Parley-Secret (default: $PARLEY_BENCH_SECRET)\n"
        "  --sink ADDR:PORT    where to receive the replies: the tenant's callback\n"
        "                      (default 127.0.0.1:9999)\n"
        "  --users N           distinct chats to cycle through (default 1000; >= C)\n"
        "  --concurrency C     virtual users active at once (default 64)\n"
        "  --duration S        measured window in seconds (default 20)\n"
        "  --warmup S          seconds before the window opens (default 2)\n"
        "  --connections K     keep-alive connections to the target (default min(C, 64))\n"
        "  --server-pid PID    report the server's CPU time and peak RSS over the window\n"
        "  --json              machine-readable report\n"
        "\n"
        "Exit codes: 0 no errors, 1 errors counted (or could not run), 2 usage error.\n",
        to);
}

static int parse_addr(const char *text, struct sockaddr_storage *out, const char *what) {
  char host[128];
  const char *colon = strrchr(text, ':');
  char *end;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  size_t hl = colon ? (size_t)(colon - text) : 0;
  if (!colon || *end || port <= 0 || port > 65535 || hl == 0 || hl >= sizeof host) goto bad;
  memcpy(host, text, hl);
  host[hl] = 0;
  if (host[0] == '[' && host[hl - 1] == ']') {
    host[hl - 1] = 0;
    if (uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)out) == 0) return 0;
  } else if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)out) == 0) {
    return 0;
  }
bad:
  fprintf(stderr,
          "parley-loadgen: %s: expected an IP literal and port like 127.0.0.1:8080 or "
          "[::1]:8080, got \"%s\"\n",
          what, text);
  return -1;
}

static int parse_num(const char *text, double min, double max, double *out, const char *what) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || end == text || *end || v < min || v > max) {
    fprintf(stderr, "parley-loadgen: %s: expected a number from %g to %g, got \"%s\"\n", what, min,
            max, text);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_options(loadgen *lg, int argc, char **argv) {
  static const struct option opts[] = {{"target", required_argument, 0, 't'},
                                       {"tenant", required_argument, 0, 'n'},
                                       {"secret", required_argument, 0, 's'},
                                       {"sink", required_argument, 0, 'k'},
                                       {"users", required_argument, 0, 'u'},
                                       {"concurrency", required_argument, 0, 'c'},
                                       {"duration", required_argument, 0, 'd'},
                                       {"warmup", required_argument, 0, 'w'},
                                       {"connections", required_argument, 0, 'C'},
                                       {"server-pid", required_argument, 0, 'p'},
                                       {"json", no_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *target = NULL, *sink = "127.0.0.1:9999", *secret = getenv("PARLEY_BENCH_SECRET");
  double users = 1000, conc = 64, conns = 0, pid = 0;
  snprintf(lg->tenant, sizeof lg->tenant, "bench");
  lg->duration = 20;
  lg->warmup = 2;
  int o, rc = 0;
  while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (o) {
    case 't': target = optarg; break;
    case 'n': snprintf(lg->tenant, sizeof lg->tenant, "%s", optarg); break;
    case 's': secret = optarg; break;
    case 'k': sink = optarg; break;
    case 'u': rc |= parse_num(optarg, 1, 1e8, &users, "--users"); break;
    case 'c': rc |= parse_num(optarg, 1, 1e6, &conc, "--concurrency"); break;
    case 'd': rc |= parse_num(optarg, 0.1, 1e6, &lg->duration, "--duration"); break;
    case 'w': rc |= parse_num(optarg, 0, 1e6, &lg->warmup, "--warmup"); break;
    case 'C': rc |= parse_num(optarg, 1, 1e5, &conns, "--connections"); break;
    case 'p': rc |= parse_num(optarg, 1, 4194304, &pid, "--server-pid"); break;
    case 'j': lg->json = 1; break;
    case 'h': usage(stdout); return 1;
    default: usage(stderr); return -1;
    }
  }
  if (rc) return -1;
  if (optind < argc) {
    fprintf(stderr, "parley-loadgen: unexpected argument \"%s\"\n", argv[optind]);
    return -1;
  }
  if (!target) {
    fputs("parley-loadgen: --target ADDR:PORT is required (parley serve's --listen)\n", stderr);
    return -1;
  }
  if (!secret || !*secret) {
    fputs("parley-loadgen: no secret: pass --secret S or set PARLEY_BENCH_SECRET\n", stderr);
    return -1;
  }
  for (const char *p = lg->tenant; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
      fprintf(stderr, "parley-loadgen: --tenant: \"%s\" is not a tenant folder name\n", lg->tenant);
      return -1;
    }
  if (users < conc) {
    fprintf(stderr,
            "parley-loadgen: --users (%g) must be at least --concurrency (%g): two virtual "
            "users must never share a chat\n",
            users, conc);
    return -1;
  }
  if (parse_addr(target, &lg->target, "--target") || parse_addr(sink, &lg->sink, "--sink"))
    return -1;
  snprintf(lg->target_text, sizeof lg->target_text, "%s", target);
  snprintf(lg->secret, sizeof lg->secret, "%s", secret);
  snprintf(lg->path, sizeof lg->path, "/hook/%s/http", lg->tenant);
  lg->users = (long)users;
  lg->concurrency = (long)conc;
  lg->nconns = conns > 0 ? (long)conns : (lg->concurrency < 64 ? lg->concurrency : 64);
  lg->server_pid = (int)pid;
  return 0;
}

/* ---- main ---- */

static int loadgen_start(loadgen *lg) {
  lg->slots = calloc((size_t)lg->concurrency, sizeof *lg->slots);
  lg->owner = malloc((size_t)lg->users * sizeof *lg->owner);
  lg->touched = calloc((size_t)lg->users, 1);
  lg->conns = calloc((size_t)lg->nconns, sizeof *lg->conns);
  if (!lg->slots || !lg->owner || !lg->touched || !lg->conns) {
    fputs("parley-loadgen: out of memory\n", stderr);
    return -1;
  }
  for (long k = 0; k < lg->users; k++)
    lg->owner[k] = -1;
  for (long i = 0; i < lg->nconns; i++)
    lg->conns[i].lg = lg;
  uv_tcp_init(lg->loop, &lg->sink_server);
  lg->sink_server.data = lg;
  int rc = uv_tcp_bind(&lg->sink_server, (struct sockaddr *)&lg->sink, 0);
  if (!rc) rc = uv_listen((uv_stream_t *)&lg->sink_server, 1024, on_sink_connection);
  if (rc) {
    fprintf(stderr,
            "parley-loadgen: cannot listen on the sink address: %s (is the port in use? pass "
            "--sink with the tenant's callback address)\n",
            uv_strerror(rc));
    uv_close((uv_handle_t *)&lg->sink_server, NULL);
    return -1;
  }
  uv_timer_init(lg->loop, &lg->phase_timer);
  lg->phase_timer.data = lg;
  uv_signal_init(lg->loop, &lg->sigint);
  lg->sigint.data = lg;
  uv_signal_start(&lg->sigint, on_sigint, SIGINT);
  lg->t_start = uv_hrtime();
  lg->rng = lg->t_start ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
  /* event ids must be new even against a store that saw earlier runs */
  snprintf(lg->nonce, sizeof lg->nonce, "%x%" PRIx64, (unsigned)getpid(), lg->t_start);
  lg->phase = WARMUP;
  uv_timer_start(&lg->phase_timer, on_phase, (uint64_t)(lg->warmup * 1000.0), 0);
  lg->active = lg->concurrency;
  for (long i = 0; i < lg->concurrency; i++) {
    vuser *u = &lg->slots[i];
    u->lg = lg;
    u->chat = -1;
    uv_timer_init(lg->loop, &u->timeout);
    uv_timer_init(lg->loop, &u->retry);
    u->timeout.data = u->retry.data = u;
  }
  for (long i = 0; i < lg->concurrency; i++)
    scenario_next(&lg->slots[i], 0);
  return 0;
}

static void loadgen_free(loadgen *lg) {
  for (long i = 0; lg->slots && i < lg->concurrency; i++)
    free(lg->slots[i].body);
  for (long i = 0; lg->conns && i < lg->nconns; i++) {
    free(lg->conns[i].pending);
    buf_free(&lg->conns[i].in);
    buf_free(&lg->conns[i].scratch);
  }
  free(lg->slots);
  free(lg->owner);
  free(lg->touched);
  free(lg->conns);
  free(lg->lat_us);
}

int main(int argc, char **argv) {
  loadgen lg = {0};
  int rc = parse_options(&lg, argc, argv);
  if (rc) return rc < 0 ? 2 : 0;
  lg.loop = uv_default_loop();
  if (loadgen_start(&lg)) {
    uv_run(lg.loop, UV_RUN_DEFAULT);
    loadgen_free(&lg);
    return 1;
  }
  uv_run(lg.loop, UV_RUN_DEFAULT);
  if (uv_loop_close(lg.loop)) fputs("parley-loadgen: handles left open at exit\n", stderr);
  report(&lg);
  int failed = error_count(&lg.window) || lg.window.contract_issues || lg.window.sink_bad;
  loadgen_free(&lg);
  return failed ? 1 : 0;
}
