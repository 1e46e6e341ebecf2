/* Inbound HTTP/1.1 server: libuv for the sockets, llhttp for the parsing, and here the
 * rules a server facing the internet needs.
 *
 * One connection handles one request at a time. When llhttp completes a request the
 * parser pauses (on_message_complete returns HPE_PAUSED) and the handler gets it with a
 * pl_http_pending; bytes that arrive meanwhile — pipelined requests — wait unparsed in
 * the connection's buffer until the answer is written, so answers leave in request
 * order even when the handler answers late (after a durable commit, for webhooks).
 *
 * Each connection is in one phase, and one timer serves them all: IDLE (waiting for a
 * request: header timeout on a fresh connection, idle timeout between requests),
 * HEADERS and BODY (the header timer runs from accept or from the request's first
 * byte, the body timer from the end of headers; later bytes do not reset them, so a
 * slow drip is cut off at the limit), HANDLER (no
 * timer: the handler owns the time) and CLOSING (the final answer is queued; we shut
 * down our side and keep reading to discard until the client closes, so an error
 * answer is not lost to a TCP reset while the client is still sending).
 *
 * Limits are checked as bytes stream in; a request over a limit gets its JSON error at
 * once and the connection closes. Input is buffered only while an answer is awaited
 * (capped: reading pauses), and parsing pauses while too many answer bytes wait to be
 * sent, so a client that sends without reading cannot grow our memory. */
#include <arpa/inet.h>
#include <ctype.h>
#include <llhttp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_server.h"

#define READ_HIGH_WATER (64 * 1024)   /* unparsed bytes buffered while an answer is awaited */
#define WRITE_HIGH_WATER (256 * 1024) /* unsent answer bytes before the next request waits */
#define LINGER_MS 2000                /* after our FIN: how long we wait for the client's */
#define MAX_REJECTING 64              /* 503-answering connections; beyond, just closed */

#define PEER_MAX 64 /* an address as text: INET6_ADDRSTRLEN is 46 */

typedef enum conn_phase { PH_IDLE, PH_HEADERS, PH_BODY, PH_HANDLER, PH_CLOSING } conn_phase;

/* A growable byte string, always NUL-terminated when non-empty. */
typedef struct bytes {
  char *p;
  size_t len, cap;
} bytes;

/* A request while it is parsed: the URL and the header strings packed into text as
 * "url\0name\0value\0...", each header as two offsets into text, the body apart.
 * Moves into the pending when the request is complete. */
typedef struct req_buf {
  bytes text, body;
  size_t *pairs;
  size_t npairs, pairs_cap;
} req_buf;

struct pl_http_pending {
  struct conn *conn; /* NULL once the connection is gone: answering only frees */
  bool keep_alive;   /* the request lets the connection continue */
  bool head;         /* HEAD: the answer carries no body */
  bool http10;       /* HTTP/1.0 keep-alive is confirmed with a header */
  req_buf buf;
  pl_http_header *headers;
  pl_http_request req;
  char peer[PEER_MAX];  /* the request's peer, kept past the connection */
  pl_http_gone_cb gone; /* see pl_http_pending_on_gone */
  void *gone_ud;
  bool streaming;          /* pl_http_stream_start answered the head */
  void (*drain)(void *ud); /* pl_http_stream_on_drain, armed by a PL_EBUSY */
  void *drain_ud;
  bool drain_armed;
};

/* One client connection; owned by the server (listed in srv->conns) until both of its
 * handles are closed. */
typedef struct conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shutdown;
  llhttp_t parser;
  struct pl_http_server *srv;
  struct conn *prev, *next;
  conn_phase phase;
  req_buf req; /* the request being parsed */
  size_t field_off, value_off;
  bool field_open, value_open, in_trailers;
  size_t url_len, header_bytes;
  bool keep_alive;
  pl_http_pending *pending; /* handed to the handler, answer awaited */
  bytes in;                 /* received, not parsed yet */
  unsigned nrequests;
  int fail_status; /* set by a parser callback that refuses the request */
  const char *fail_error, *fail_detail;
  int open_handles;
  bool reading, eof, driving, closing, shut_done, rejected;
  char peer[PEER_MAX];
} conn;

struct pl_http_server {
  uv_loop_t *loop;
  uv_tcp_t listener;
  pl_http_server_opts opts;
  llhttp_settings_t settings;
  pl_http_handler handler;
  void *ud;
  conn *conns;
  size_t nconns, nrejecting;
  int port;
  bool stopping, listener_closed;
  void (*on_closed)(void *ud);
  void *closed_ud;
  char rbuf[64 * 1024]; /* every read lands here; what cannot be parsed now is copied out */
};

static void conn_drive(conn *c);
static void conn_close(conn *c);
static void pending_free(pl_http_pending *p);

/* ---- small buffers ---- */

static int bytes_add(bytes *b, const void *d, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return PL_ENOMEM;
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, d, n);
  b->len += n;
  b->p[b->len] = 0;
  return 0;
}

static bool put(bytes *b, const char *s) {
  return bytes_add(b, s, strlen(s)) == 0;
}

static bool put_json_string(bytes *b, const char *s) {
  if (!put(b, "\"")) return false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[8];
    if (*p == '"' || *p == '\\')
      snprintf(esc, sizeof esc, "\\%c", *p);
    else if (*p == '\n')
      snprintf(esc, sizeof esc, "\\n");
    else if (*p < 0x20 || *p == 0x7f)
      snprintf(esc, sizeof esc, "\\u%04x", *p);
    else {
      esc[0] = (char)*p;
      esc[1] = 0;
    }
    if (!put(b, esc)) return false;
  }
  return put(b, "\"");
}

/* {"error": error, "detail": detail}; the caller frees. */
static char *json_error(const char *error, const char *detail, size_t *len) {
  bytes b = {0};
  bool ok = put(&b, "{\"error\": ") && put_json_string(&b, error ? error : "error") &&
            put(&b, ", \"detail\": ") && (detail ? put_json_string(&b, detail) : put(&b, "null")) &&
            put(&b, "}");
  if (!ok) {
    free(b.p);
    return NULL;
  }
  *len = b.len;
  return b.p;
}

static void req_buf_free(req_buf *r) {
  free(r->text.p);
  free(r->body.p);
  free(r->pairs);
  memset(r, 0, sizeof *r);
}

static const char *status_reason(int code) {
  switch (code) {
  case 100: return "Continue";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 411: return "Length Required";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 505: return "HTTP Version Not Supported";
  case 507: return "Insufficient Storage";
  default:
    return code < 300   ? "OK"
           : code < 400 ? "Redirection"
           : code < 500 ? "Client Error"
                        : "Server Error";
  }
}

/* ---- writing ---- */

typedef struct out_write {
  uv_write_t req;
  char *data;
} out_write;

static bool write_blocked(conn *c) {
  return uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > WRITE_HIGH_WATER;
}

static void on_write(uv_write_t *req, int status) {
  out_write *w = (out_write *)req;
  conn *c = req->handle->data;
  free(w->data);
  free(w);
  if (status < 0) {
    conn_close(c);
  } else if (c->phase == PH_IDLE && c->in.len && !write_blocked(c)) {
    conn_drive(c);
  } else if (c->pending && c->pending->drain_armed && !write_blocked(c)) {
    c->pending->drain_armed = false; /* a stream may write again */
    if (c->pending->drain) c->pending->drain(c->pending->drain_ud);
  }
}

/* Queues data (taken over) on the connection. */
static int conn_write(conn *c, char *data, size_t len) {
  out_write *w = malloc(sizeof *w);
  if (!w) {
    free(data);
    return PL_ENOMEM;
  }
  w->data = data;
  uv_buf_t b = uv_buf_init(data, (unsigned)len);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write)) {
    free(data);
    free(w);
    return PL_EIO;
  }
  return 0;
}

enum { SEND_CLOSE = 1, SEND_NO_BODY = 2, SEND_KEEP_ALIVE = 4, SEND_STREAM = 8 };

static int conn_send(conn *c, int status, const char *content_type, const char *body, size_t len,
                     const char *extra_headers, unsigned flags) {
  if (status < 200 || status > 599) status = 500;
  bool bodiless = status == 204 || status == 304; /* no Content-Length allowed, no body */
  char line[128];
  bytes out = {0};
  snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", status, status_reason(status));
  bool ok = put(&out, line);
  if (content_type && !bodiless)
    ok = ok && put(&out, "Content-Type: ") && put(&out, content_type) && put(&out, "\r\n");
  if (!bodiless && !(flags & SEND_STREAM)) { /* a stream's body ends with the connection */
    snprintf(line, sizeof line, "Content-Length: %zu\r\n", len);
    ok = ok && put(&out, line);
  }
  if (flags & SEND_CLOSE)
    ok = ok && put(&out, "Connection: close\r\n");
  else if (flags & SEND_KEEP_ALIVE)
    ok = ok && put(&out, "Connection: keep-alive\r\n");
  if (extra_headers && *extra_headers) {
    size_t n = strlen(extra_headers);
    ok = ok && put(&out, extra_headers);
    if (n < 2 || strcmp(extra_headers + n - 2, "\r\n")) ok = ok && put(&out, "\r\n");
  }
  ok = ok && put(&out, "\r\n");
  if (!bodiless && !(flags & SEND_NO_BODY) && len) ok = ok && bytes_add(&out, body, len) == 0;
  if (!ok) {
    free(out.p);
    return PL_ENOMEM;
  }
  return conn_write(c, out.p, out.len);
}

/* ---- connection life ---- */

static void timer_set(conn *c, uint64_t ms);

static void server_maybe_finish(pl_http_server *s) {
  if (!s->stopping || !s->listener_closed || s->conns) return;
  if (s->on_closed) s->on_closed(s->closed_ud);
  free(s);
}

static void on_conn_handle_closed(uv_handle_t *h) {
  conn *c = h->data;
  if (--c->open_handles) return;
  pl_http_server *s = c->srv;
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  if (c->rejected)
    s->nrejecting--;
  else
    s->nconns--;
  req_buf_free(&c->req);
  free(c->in.p);
  free(c);
  server_maybe_finish(s);
}

/* Closes at once, dropping unsent bytes. An awaited answer becomes a no-op. */
/* The client is gone while p awaits its answer: tell the handler, once. */
static void pending_gone(pl_http_pending *p) {
  pl_http_gone_cb cb = p->gone;
  p->gone = NULL;
  if (cb) cb(p->gone_ud);
}

static void conn_close(conn *c) {
  if (c->closing) return;
  c->closing = true;
  if (c->pending) {
    pl_http_pending *p = c->pending;
    p->conn = NULL;
    c->pending = NULL;
    pending_gone(p); /* may answer p: with no connection, that only frees */
  }
  uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
  uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
}

static void on_timer(uv_timer_t *t);

static void timer_set(conn *c, uint64_t ms) {
  if (!c->closing) uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void conn_update_reading(conn *c);

static void on_shutdown(uv_shutdown_t *req, int status) {
  conn *c = req->handle->data;
  c->shut_done = true;
  if (status < 0 || c->eof || c->srv->stopping)
    conn_close(c);
  else
    timer_set(c, LINGER_MS);
}

/* Ends the connection after what is queued: the client gets idle_timeout_ms to take our
 * answers, then LINGER_MS to close its side while we discard what it still sends. */
static void conn_begin_close(conn *c) {
  if (c->closing || c->phase == PH_CLOSING) return;
  c->phase = PH_CLOSING;
  if (!c->driving) c->in.len = 0;
  timer_set(c, c->srv->opts.idle_timeout_ms);
  if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown)) {
    conn_close(c);
    return;
  }
  conn_update_reading(c);
}

/* Answers with a JSON error and ends the connection (only between two answers). */
static void conn_fail(conn *c, int status, const char *error, const char *detail,
                      const char *extra_headers) {
  if (c->closing || c->phase == PH_CLOSING) return;
  size_t len = 0;
  char *body = json_error(error, detail, &len);
  int rc = body ? conn_send(c, status, "application/json", body, len, extra_headers, SEND_CLOSE)
                : PL_ENOMEM;
  free(body);
  if (rc)
    conn_close(c);
  else
    conn_begin_close(c);
}

static void on_timer(uv_timer_t *t) {
  conn *c = t->data;
  switch (c->phase) {
  case PH_HEADERS:
    conn_fail(c, 408, "request_timeout", "the request headers did not arrive in time", NULL);
    break;
  case PH_BODY:
    conn_fail(c, 408, "request_timeout", "the request body did not arrive in time", NULL);
    break;
  case PH_IDLE:
  case PH_CLOSING: conn_close(c); break;
  case PH_HANDLER: break;
  }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  conn *c = h->data;
  (void)suggested;
  *buf = uv_buf_init(c->srv->rbuf, sizeof c->srv->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

static void conn_update_reading(conn *c) {
  if (c->closing) return;
  bool want = !c->eof && c->in.len < READ_HIGH_WATER;
  if (want && !c->reading) {
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read)) {
      conn_close(c);
      return;
    }
    c->reading = true;
  } else if (!want && c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
  }
}

/* ---- parsing: llhttp callbacks build c->req ---- */

/* Records why a request is refused; the caller turns it into an answer after
 * llhttp_execute returns. */
static int refuse(conn *c, int status, const char *error, const char *detail) {
  c->fail_status = status;
  c->fail_error = error;
  c->fail_detail = detail;
  return HPE_USER;
}

static int refuse_oom(conn *c) {
  return refuse(c, 500, "internal_error", "out of memory");
}

static int on_message_begin(llhttp_t *p) {
  conn *c = p->data;
  /* A fresh connection's header timer runs from accept; later requests start their own. */
  if (!(c->phase == PH_IDLE && c->nrequests == 0)) timer_set(c, c->srv->opts.header_timeout_ms);
  c->phase = PH_HEADERS;
  req_buf_free(&c->req);
  c->field_open = c->value_open = c->in_trailers = false;
  c->url_len = c->header_bytes = 0;
  c->fail_status = 0;
  return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n) {
  conn *c = p->data;
  c->url_len += n;
  if (c->url_len > c->srv->opts.max_url)
    return refuse(c, 414, "uri_too_long", "the request target is longer than this server accepts");
  return bytes_add(&c->req.text, at, n) ? refuse_oom(c) : 0;
}

static int on_url_complete(llhttp_t *p) {
  conn *c = p->data;
  return bytes_add(&c->req.text, "", 1) ? refuse_oom(c) : 0;
}

static int count_header_bytes(conn *c, size_t n) {
  c->header_bytes += n;
  if (c->header_bytes > c->srv->opts.max_header_bytes)
    return refuse(c, 431, "request_header_fields_too_large",
                  "the request headers are larger than this server accepts");
  return 0;
}

/* Ends the header value being read: trailing blanks trimmed, the pair recorded. */
static int header_close(conn *c) {
  bytes *t = &c->req.text;
  while (t->len > c->value_off && (t->p[t->len - 1] == ' ' || t->p[t->len - 1] == '\t'))
    t->len--;
  if (bytes_add(t, "", 1)) return refuse_oom(c);
  req_buf *r = &c->req;
  if (r->npairs + 2 > r->pairs_cap) {
    size_t cap = r->pairs_cap ? r->pairs_cap * 2 : 32;
    size_t *pairs = realloc(r->pairs, cap * sizeof *pairs);
    if (!pairs) return refuse_oom(c);
    r->pairs = pairs;
    r->pairs_cap = cap;
  }
  r->pairs[r->npairs++] = c->field_off;
  r->pairs[r->npairs++] = c->value_off;
  c->value_open = false;
  return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t n) {
  conn *c = p->data;
  int rc = count_header_bytes(c, n);
  if (rc || c->in_trailers) return rc; /* chunked trailers count, but are not kept */
  if (c->value_open && (rc = header_close(c))) return rc;
  if (!c->field_open) {
    c->field_off = c->req.text.len;
    c->field_open = true;
  }
  return bytes_add(&c->req.text, at, n) ? refuse_oom(c) : 0;
}

static int on_header_field_complete(llhttp_t *p) {
  conn *c = p->data;
  int rc = count_header_bytes(c, 4); /* ": " and CRLF */
  if (rc || c->in_trailers) return rc;
  if (bytes_add(&c->req.text, "", 1)) return refuse_oom(c);
  for (char *s = c->req.text.p + c->field_off; *s; s++)
    *s = (char)tolower((unsigned char)*s);
  c->field_open = false;
  c->value_off = c->req.text.len;
  c->value_open = true;
  return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n) {
  conn *c = p->data;
  int rc = count_header_bytes(c, n);
  if (rc || c->in_trailers) return rc;
  return bytes_add(&c->req.text, at, n) ? refuse_oom(c) : 0;
}

static int on_header_value_complete(llhttp_t *p) {
  conn *c = p->data;
  return c->value_open && !c->in_trailers ? header_close(c) : 0;
}

static const char *req_header(const conn *c, const char *name) {
  const req_buf *r = &c->req;
  for (size_t i = 0; i + 1 < r->npairs; i += 2)
    if (!strcmp(r->text.p + r->pairs[i], name)) return r->text.p + r->pairs[i + 1];
  return NULL;
}

static int on_headers_complete(llhttp_t *p) {
  conn *c = p->data;
  const pl_http_server_opts *o = &c->srv->opts;
  if (c->value_open && header_close(c)) return -1;
  c->in_trailers = true;
  if (p->http_major != 1) {
    refuse(c, 505, "http_version_not_supported", "this server speaks HTTP/1.0 and HTTP/1.1");
    return -1;
  }
  if ((p->flags & F_CONTENT_LENGTH) && p->content_length > o->max_body) {
    refuse(c, 413, "payload_too_large", "the request body is larger than this server accepts");
    return -1;
  }
  c->keep_alive = llhttp_should_keep_alive(p) && !p->upgrade;
  c->phase = PH_BODY;
  timer_set(c, o->body_timeout_ms);
  const char *expect = req_header(c, "expect");
  bool has_body = (p->flags & F_CHUNKED) || p->content_length > 0;
  if (expect && !strcasecmp(expect, "100-continue") && p->http_minor >= 1 && has_body) {
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    char *msg = strdup(cont);
    if (!msg || conn_write(c, msg, sizeof cont - 1)) {
      refuse_oom(c);
      return -1;
    }
  }
  return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n) {
  conn *c = p->data;
  if (n > c->srv->opts.max_body - c->req.body.len)
    return refuse(c, 413, "payload_too_large",
                  "the request body is larger than this server accepts");
  return bytes_add(&c->req.body, at, n) ? refuse_oom(c) : 0;
}

/* Moves the finished request out of the connection into a new pending. */
static pl_http_pending *pending_new(conn *c, llhttp_t *p) {
  pl_http_pending *pd = calloc(1, sizeof *pd);
  size_t n = c->req.npairs / 2;
  pl_http_header *h = calloc(n ? n : 1, sizeof *h);
  if (!pd || !h) {
    free(pd);
    free(h);
    return NULL;
  }
  pd->conn = c;
  pd->keep_alive = c->keep_alive;
  pd->head = p->method == HTTP_HEAD;
  pd->http10 = p->http_minor == 0;
  pd->buf = c->req;
  memset(&c->req, 0, sizeof c->req);
  char *text = pd->buf.text.p;
  for (size_t i = 0; i < n; i++) {
    h[i].name = text + pd->buf.pairs[2 * i];
    h[i].value = text + pd->buf.pairs[2 * i + 1];
  }
  pd->headers = h;
  char *q = strchr(text, '?');
  if (q) *q = 0;
  pd->req = (pl_http_request){.method = llhttp_method_name((llhttp_method_t)p->method),
                              .path = text,
                              .query = q ? q + 1 : NULL,
                              .headers = h,
                              .nheaders = n,
                              .body = pd->buf.body.p ? pd->buf.body.p : "",
                              .body_len = pd->buf.body.len,
                              .peer = pd->peer};
  memcpy(pd->peer, c->peer, sizeof pd->peer);
  return pd;
}

static int on_message_complete(llhttp_t *p) {
  conn *c = p->data;
  uv_timer_stop(&c->timer);
  c->pending = pending_new(c, p);
  if (!c->pending) {
    refuse_oom(c);
    return -1;
  }
  c->phase = PH_HANDLER;
  return HPE_PAUSED; /* the next request waits until this one is answered */
}

static void conn_refuse_parse(conn *c, llhttp_errno_t e) {
  const char *reason = llhttp_get_error_reason(&c->parser);
  if (!reason || !*reason) reason = llhttp_errno_name(e);
  if (c->fail_status)
    conn_fail(c, c->fail_status, c->fail_error, c->fail_detail, NULL);
  else if (e == HPE_INVALID_VERSION)
    conn_fail(c, 505, "http_version_not_supported", reason, NULL);
  else if (e == HPE_PAUSED_H2_UPGRADE)
    conn_fail(c, 505, "http_version_not_supported", "HTTP/2 with prior knowledge is not served",
              NULL);
  else
    conn_fail(c, 400, "bad_request", reason, NULL);
}

static bool can_parse(conn *c) {
  return !c->closing && c->phase != PH_HANDLER && c->phase != PH_CLOSING && !write_blocked(c);
}

/* Feeds data to the parser while the connection may take a request, handing each
 * complete one to the handler. Returns how many bytes were consumed; the rest waits. */
static size_t conn_parse(conn *c, const char *data, size_t len) {
  size_t off = 0;
  c->driving = true;
  while (off < len && can_parse(c)) {
    if (llhttp_get_errno(&c->parser) == HPE_PAUSED) llhttp_resume(&c->parser);
    llhttp_errno_t e = llhttp_execute(&c->parser, data + off, len - off);
    if (e == HPE_OK) {
      off = len;
    } else if (e == HPE_PAUSED && c->pending) {
      off = (size_t)(llhttp_get_error_pos(&c->parser) - data);
      c->nrequests++;
      c->srv->handler(c->srv->ud, &c->pending->req, c->pending);
    } else {
      conn_refuse_parse(c, e);
      off = len;
    }
  }
  c->driving = false;
  return off;
}

/* Parses what is buffered if the connection may take a request now, then decides
 * whether to read on, wait, or close. */
static void conn_drive(conn *c) {
  if (c->driving || c->closing) return;
  if (c->in.len && can_parse(c)) {
    size_t used = conn_parse(c, c->in.p, c->in.len);
    if (c->closing) return;
    memmove(c->in.p, c->in.p + used, c->in.len - used);
    c->in.len -= used;
  }
  if (c->phase == PH_CLOSING)
    c->in.len = 0; /* what follows a final answer is dropped */
  else if (c->eof && !c->in.len && c->phase != PH_HANDLER) {
    /* The client sent all it will: answers queued go out, then we close. A request cut
     * short (HEADERS, BODY) never reaches the handler. */
    conn_begin_close(c);
    return;
  }
  conn_update_reading(c);
}

static void conn_on_eof(conn *c) {
  c->eof = true;
  c->reading = false; /* libuv stopped reading */
  if (c->phase == PH_CLOSING) {
    if (c->shut_done) conn_close(c);
    return;
  }
  if (c->phase == PH_HANDLER && c->pending && !c->in.len) {
    pending_gone(c->pending); /* may answer it, which closes: nothing more will come */
    if (c->closing) return;
  }
  conn_drive(c);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  conn *c = st->data;
  if (nread == 0 || c->closing) return;
  if (nread < 0) {
    if (nread == UV_EOF)
      conn_on_eof(c);
    else
      conn_close(c); /* reset: an awaited answer will only free */
    return;
  }
  if (c->phase == PH_CLOSING) return; /* lingering: discard */
  const char *data = buf->base;
  size_t len = (size_t)nread, used = 0;
  if (!c->in.len) used = conn_parse(c, data, len); /* the common case: straight from rbuf */
  if (c->closing) return;
  if (c->phase != PH_CLOSING && used < len && bytes_add(&c->in, data + used, len - used)) {
    conn_close(c);
    return;
  }
  conn_drive(c);
}

/* ---- the listener ---- */

/* The peer's address as text, an IPv4-mapped IPv6 address (a dual-stack listener) as
 * the IPv4 one, so one client has one name. */
static void peer_name(conn *c) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len)) return;
  if (ss.ss_family == AF_INET) {
    uv_ip4_name((struct sockaddr_in *)&ss, c->peer, sizeof c->peer);
  } else if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
    if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
      inet_ntop(AF_INET, &a6->sin6_addr.s6_addr[12], c->peer, sizeof c->peer);
    else
      uv_ip6_name(a6, c->peer, sizeof c->peer);
  }
}

static void on_connection(uv_stream_t *ls, int status) {
  pl_http_server *s = ls->data;
  if (status < 0 || s->stopping) return;
  conn *c = calloc(1, sizeof *c);
  if (!c) return;
  c->srv = s;
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->open_handles = 2;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  c->rejected = s->nconns >= s->opts.max_connections;
  if (c->rejected)
    s->nrejecting++;
  else
    s->nconns++;
  if (uv_accept(ls, (uv_stream_t *)&c->tcp)) {
    conn_close(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  peer_name(c);
  llhttp_init(&c->parser, HTTP_REQUEST, &s->settings);
  c->parser.data = c;
  c->phase = PH_IDLE;
  if (c->rejected) {
    if (s->nrejecting > MAX_REJECTING)
      conn_close(c);
    else
      conn_fail(c, 503, "service_unavailable", "too many open connections; retry later",
                "Retry-After: 1\r\n");
    return;
  }
  timer_set(c, s->opts.header_timeout_ms);
  conn_update_reading(c);
}

static void on_listener_closed(uv_handle_t *h) {
  pl_http_server *s = h->data;
  s->listener_closed = true;
  server_maybe_finish(s);
}

/* ---- public API ---- */

int pl_http_stream_start(pl_http_pending *p, int status, const char *content_type,
                         const char *extra_headers) {
  conn *c = p->conn;
  p->streaming = true;
  if (!c) return PL_EIO;
  return conn_send(c, status, content_type, NULL, 0, extra_headers, SEND_CLOSE | SEND_STREAM)
             ? PL_EIO
             : 0;
}

int pl_http_stream_write(pl_http_pending *p, const char *data, size_t len) {
  conn *c = p->conn;
  if (!c || c->closing) return PL_EIO;
  if (p->head) return 0; /* HEAD: the head only */
  if (write_blocked(c)) {
    p->drain_armed = true;
    return PL_EBUSY;
  }
  char *copy = malloc(len ? len : 1);
  if (!copy) return PL_ENOMEM;
  memcpy(copy, data, len);
  return conn_write(c, copy, len) ? PL_EIO : 0; /* the caller ends the stream */
}

void pl_http_stream_on_drain(pl_http_pending *p, void (*cb)(void *ud), void *ud) {
  p->drain = cb;
  p->drain_ud = ud;
}

void pl_http_stream_end(pl_http_pending *p) {
  conn *c = p->conn;
  if (c) {
    c->pending = NULL;
    conn_begin_close(c);
  }
  pending_free(p);
}

void pl_http_pending_on_gone(pl_http_pending *p, pl_http_gone_cb cb, void *ud) {
  p->gone = cb;
  p->gone_ud = ud;
}

const char *pl_http_header_get(const pl_http_request *r, const char *lower_name) {
  for (size_t i = 0; i < r->nheaders; i++)
    if (!strcasecmp(r->headers[i].name, lower_name)) return r->headers[i].value;
  return NULL;
}

const pl_http_request *pl_http_pending_request(const pl_http_pending *p) {
  return &p->req;
}

static void pending_free(pl_http_pending *p) {
  req_buf_free(&p->buf);
  free(p->headers);
  free(p);
}

void pl_http_respond(pl_http_pending *p, int status, const char *content_type, const char *body,
                     size_t len, const char *extra_headers) {
  conn *c = p->conn;
  if (c) {
    pl_http_server *s = c->srv;
    c->pending = NULL;
    bool close = !p->keep_alive || s->stopping || (c->eof && !c->in.len);
    unsigned flags = (close ? SEND_CLOSE : 0) | (p->head ? SEND_NO_BODY : 0) |
                     (!close && p->http10 ? SEND_KEEP_ALIVE : 0);
    if (conn_send(c, status, content_type, body, len, extra_headers, flags)) {
      conn_close(c);
    } else if (close) {
      conn_begin_close(c);
    } else {
      c->phase = PH_IDLE;
      timer_set(c, s->opts.idle_timeout_ms);
      conn_drive(c); /* a no-op when called from the handler: conn_parse goes on */
    }
  }
  pending_free(p);
}

void pl_http_respond_error(pl_http_pending *p, int status, const char *error, const char *detail,
                           const char *extra_headers) {
  size_t len = 0;
  char *body = json_error(error, detail, &len);
  if (body)
    pl_http_respond(p, status, "application/json", body, len, extra_headers);
  else
    pl_http_respond(p, 500, NULL, NULL, 0, NULL);
  free(body);
}

int pl_http_server_start(pl_http_server **out, uv_loop_t *loop, const char *host, int port,
                         const pl_http_server_opts *opts, pl_http_handler handler, void *ud,
                         pl_err *err) {
  *out = NULL;
  if (!loop || !handler || port < 0 || port > 65535)
    return pl_err_set(err, PL_EINVAL, "http: bad arguments to pl_http_server_start (port %d)",
                      port);
  if (!host || !*host) host = "0.0.0.0";
  struct sockaddr_storage addr;
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) &&
      uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr))
    return pl_err_set(err, PL_EINVAL,
                      "http: '%s' is not a numeric IPv4 or IPv6 address (e.g. 127.0.0.1, ::1)",
                      host);
  pl_http_server *s = calloc(1, sizeof *s);
  if (!s) return pl_err_set(err, PL_ENOMEM, "http: out of memory starting the server");
  s->loop = loop;
  s->handler = handler;
  s->ud = ud;
  s->opts = opts ? *opts : (pl_http_server_opts){0};
  pl_http_server_opts *o = &s->opts;
  if (!o->max_body) o->max_body = (size_t)1 << 20;
  if (!o->max_header_bytes) o->max_header_bytes = 16 * 1024;
  if (!o->max_url) o->max_url = 8 * 1024;
  if (!o->header_timeout_ms) o->header_timeout_ms = 10 * 1000;
  if (!o->body_timeout_ms) o->body_timeout_ms = 30 * 1000;
  if (!o->idle_timeout_ms) o->idle_timeout_ms = 60 * 1000;
  if (!o->max_connections) o->max_connections = 10000;
  llhttp_settings_init(&s->settings);
  s->settings.on_message_begin = on_message_begin;
  s->settings.on_url = on_url;
  s->settings.on_url_complete = on_url_complete;
  s->settings.on_header_field = on_header_field;
  s->settings.on_header_field_complete = on_header_field_complete;
  s->settings.on_header_value = on_header_value;
  s->settings.on_header_value_complete = on_header_value_complete;
  s->settings.on_headers_complete = on_headers_complete;
  s->settings.on_body = on_body;
  s->settings.on_message_complete = on_message_complete;

  int rc = uv_tcp_init(loop, &s->listener);
  if (rc) {
    free(s);
    return pl_err_set(err, PL_EIO, "http: cannot create a socket: %s", uv_strerror(rc));
  }
  s->listener.data = s;
  rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
  if (!rc) rc = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
  struct sockaddr_storage bound;
  int blen = sizeof bound;
  if (!rc) rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &blen);
  if (rc) {
    pl_err_set(err, PL_EIO, "http: cannot listen on %s:%d: %s%s", host, port, uv_strerror(rc),
               rc == UV_EADDRINUSE ? " (another process holds this port; choose another)" : "");
    s->stopping = true;
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
    return PL_EIO;
  }
  s->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&bound)->sin_port);
  *out = s;
  return 0;
}

int pl_http_server_port(const pl_http_server *s) {
  return s->port;
}

void pl_http_server_stop(pl_http_server *s, void (*on_closed)(void *ud), void *ud) {
  if (s->stopping) return;
  s->stopping = true;
  s->on_closed = on_closed;
  s->closed_ud = ud;
  uv_close((uv_handle_t *)&s->listener, on_listener_closed);
  for (conn *c = s->conns; c; c = c->next) {
    if (c->closing) continue;
    if (c->phase == PH_IDLE)
      conn_begin_close(c);
    else if (c->phase == PH_CLOSING && c->shut_done)
      conn_close(c);
    /* HEADERS, BODY: the request finishes (within its timeout) and is answered with
     * Connection: close; HANDLER: the answer closes. */
  }
}
