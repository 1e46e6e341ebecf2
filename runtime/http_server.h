/* Inbound HTTP/1.1 server on a libuv loop: webhooks, the admin API and the web inbox
 * arrive here. llhttp parses; this file adds what a server exposed to the internet
 * needs: keep-alive and pipelining answered in order, size limits enforced while the
 * bytes stream in, whole-section timeouts (slowloris), a connection cap, and answers
 * that may come later than the handler call — parley acknowledges a webhook only after
 * the update is durable (DESIGN.md, invariant 1).
 *
 * Ownership: pl_http_server_start creates the server; pl_http_server_stop frees it once
 * everything is closed. The server owns its connections. Each request handed to the
 * handler comes with a pl_http_pending that owns the request's memory; it is freed by
 * pl_http_respond / pl_http_respond_error, which must be called exactly once for it,
 * on the loop thread. Everything runs on the loop's thread. */
#ifndef PL_HTTP_SERVER_H
#define PL_HTTP_SERVER_H
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "parley/error.h"

typedef struct pl_http_server pl_http_server;
typedef struct pl_http_pending pl_http_pending; /* one request awaiting its answer */

typedef struct pl_http_header {
  const char *name; /* lower-cased */
  const char *value;
} pl_http_header;

/* Valid until the request is answered (pl_http_pending_request gives it back later). */
typedef struct pl_http_request {
  const char *method; /* "GET", "POST", ... */
  const char *path;   /* raw (not percent-decoded), without the query */
  const char *query;  /* after '?', or NULL */
  const pl_http_header *headers;
  size_t nheaders;
  const char *body; /* raw bytes exactly as received (signatures are computed over them);
                       NUL-terminated for convenience, body_len excludes the NUL */
  size_t body_len;
  const char *peer; /* the TCP peer's address as text ("203.0.113.5", "2001:db8::1"; an
                       IPv4-mapped IPv6 peer as IPv4), "" if unknown. Behind a proxy, the
                       proxy's: the caller decides whether to believe X-Forwarded-For. */
} pl_http_request;

/* Value of the first header named lower_name, NULL if absent. */
const char *pl_http_header_get(const pl_http_request *r, const char *lower_name);

/* Called on the loop thread for each complete request. The next request on the same
 * connection is not parsed until this one is answered, so answers keep request order. */
typedef void (*pl_http_handler)(void *ud, const pl_http_request *req, pl_http_pending *p);

/* For a handler that parks a request (a long poll): cb(ud) runs once, on the loop thread,
 * if the client goes away before the answer — closes the connection, or half-closes it
 * with nothing more to send (a browser tab closed) — so the handler can free its place
 * at once. The handler must still answer p (pl_http_respond then only frees, or writes
 * to a client that will not read it); answering clears the callback. */
typedef void (*pl_http_gone_cb)(void *ud);
void pl_http_pending_on_gone(pl_http_pending *p, pl_http_gone_cb cb, void *ud);

/* A streamed answer (Server-Sent Events): the status and headers now, then the body in
 * pieces for as long as the handler likes, then the end. The body ends with the
 * connection (no Content-Length; Connection: close), so nothing else follows on it.
 * Everything on the loop thread; a request answered this way is not answered with
 * pl_http_respond. The gone callback (pl_http_pending_on_gone) still says when the
 * client left; the stream must then be ended. */
int pl_http_stream_start(pl_http_pending *p, int status, const char *content_type,
                         const char *extra_headers);
/* pl_http_stream_start: PL_EIO when the head could not be queued (end the stream).
 * pl_http_stream_write queues data. PL_EIO: the client is gone (end the stream).
 * PL_EBUSY: more than the write limit waits unread — nothing was queued; try again from
 * the drain callback. Neither calls the gone callback itself. */
int pl_http_stream_write(pl_http_pending *p, const char *data, size_t len);
/* cb(ud) runs once the data waiting to be written falls back under the limit after a
 * PL_EBUSY (or NULL: no callback). */
void pl_http_stream_on_drain(pl_http_pending *p, void (*cb)(void *ud), void *ud);
/* Ends the stream (the connection closes once the queued data is written) and frees p. */
void pl_http_stream_end(pl_http_pending *p);

/* The request a pending answer belongs to (for handlers that answer later). */
const pl_http_request *pl_http_pending_request(const pl_http_pending *p);

/* Answers a request: exactly once per pending, on the server's loop thread, now or later
 * (parley answers a webhook only after a durable commit). status is 200..599 (anything
 * else is sent as 500); content_type may be NULL; extra_headers is raw lines
 * ("Retry-After: 1\r\n") or NULL. Content-Length and, when the connection ends after
 * this answer, Connection: close are added. If the client went away meanwhile, it only
 * frees. */
void pl_http_respond(pl_http_pending *p, int status, const char *content_type, const char *body,
                     size_t len, const char *extra_headers);

/* JSON error helper: {"error": error, "detail": detail} (detail may be NULL → null). */
void pl_http_respond_error(pl_http_pending *p, int status, const char *error, const char *detail,
                           const char *extra_headers);

/* Zero fields take the defaults. */
typedef struct pl_http_server_opts {
  size_t max_body;            /* default 1 MiB */
  size_t max_header_bytes;    /* default 16 KiB, all header lines together */
  size_t max_url;             /* default 8 KiB */
  uint64_t header_timeout_ms; /* default 10 s: whole header section must arrive within this */
  uint64_t body_timeout_ms;   /* default 30 s: whole body, counted from the end of headers */
  uint64_t idle_timeout_ms;   /* default 60 s: keep-alive connection with no request; also
                                 the time a client gets to read a final answer */
  size_t max_connections;     /* default 10000; beyond: accept and close with 503 */
} pl_http_server_opts;

/* Listens on host:port (numeric IPv4 or IPv6 address; NULL means 0.0.0.0; port 0 picks
 * a free port). opts may be NULL. On failure nothing is left to free, but the loop must
 * run once more to close the listening handle. */
int pl_http_server_start(pl_http_server **out, uv_loop_t *loop, const char *host, int port,
                         const pl_http_server_opts *opts, pl_http_handler handler, void *ud,
                         pl_err *err);

/* Bound port (after port 0). */
int pl_http_server_port(const pl_http_server *s);

/* Graceful stop: stop accepting, let pending requests be answered (their answers carry
 * Connection: close), let requests already arriving finish within their timeouts, close
 * idle connections, then call on_closed(ud) (may be NULL) once everything is closed —
 * always from a later loop callback, never from inside this call. The struct is freed
 * after. Answers to requests whose connection is gone may still come after on_closed;
 * they only free. */
void pl_http_server_stop(pl_http_server *s, void (*on_closed)(void *ud), void *ud);

#endif
