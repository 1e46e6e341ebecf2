/* Outbound HTTP: one libcurl multi handle per client, driven by a libuv loop through
 * curl_multi_socket_action (a uv_poll_t per socket curl asks us to watch, one uv_timer_t
 * for curl's timeout). Connections are kept and reused across requests, HTTP/2 is used
 * where a TLS server offers it, TLS is verified, and only http:// and https:// URLs are
 * accepted. Every request has a whole-request timeout and a response size cap, so one slow
 * or huge answer costs only its own request.
 *
 * Threads: a client belongs to the thread that runs its loop; call everything from there.
 *
 * Ownership: the caller owns the pl_http_client until pl_http_client_close, which frees it
 * once the loop has finished closing its handles. Each request's copies (URL, method,
 * headers, body) and its response are owned by the client; a pl_http_client_resp and
 * everything it points to are valid only during the callback. */
#ifndef PL_HTTP_CLIENT_H
#define PL_HTTP_CLIENT_H
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <uv.h>

#include "parley/error.h"

#define PL_HTTP_CLIENT_DEFAULT_TIMEOUT_MS 10000L
#define PL_HTTP_CLIENT_DEFAULT_MAX_RESPONSE ((size_t)8 << 20)

typedef struct pl_http_client pl_http_client;

typedef struct pl_http_client_req {
  const char *method;         /* "GET", "POST", ...; NULL = GET */
  const char *url;            /* http:// or https:// */
  const char *const *headers; /* NULL-terminated list of "Name: value", or NULL */
  const char *body;           /* sent when not NULL (body_len bytes, may be 0) */
  size_t body_len;
  long timeout_ms;     /* whole request, connect included; 0 = default 10 s */
  size_t max_response; /* body bytes; 0 = default 8 MiB; beyond: fail with an error */
} pl_http_client_req;

typedef struct pl_http_client_resp {
  int status;       /* HTTP status, or 0 when no complete response arrived */
  const char *body; /* NUL-terminated for convenience; "" on error */
  size_t body_len;
  json_t *headers;      /* object: lower-case name -> value (last wins); never NULL; borrowed.
                           On error it holds whatever header lines arrived. */
  const char *error;    /* NULL on a response; else what failed ("timeout after 5000 ms",
                           "connection refused", "cancelled", ...) */
  bool sent;            /* false when we know the request never left (DNS/connect/TLS failure, or
                           cancelled before sending) — safe to retry without duplicates */
  double retry_after_s; /* parsed Retry-After (seconds or HTTP date), -1 if none */
  double elapsed_ms;    /* from pl_http_client_request to completion */
} pl_http_client_resp;

/* resp is valid only during the call. The callback may start new requests and may close
 * the client. */
typedef void (*pl_http_client_cb)(void *ud, const pl_http_client_resp *resp);

int pl_http_client_new(pl_http_client **out, uv_loop_t *loop, pl_err *err);

/* Starts a request; cb runs later on the loop thread, exactly once (also on failure), never
 * before this call returns. On a nonzero return (bad request, out of memory, client
 * closing) cb is never called. */
int pl_http_client_request(pl_http_client *c, const pl_http_client_req *req, pl_http_client_cb cb,
                           void *ud, pl_err *err);

/* Requests started and not yet completed. */
size_t pl_http_client_active(const pl_http_client *c);

/* Cancels what is in flight (each cb called once, with error "cancelled"), closes the
 * connections and handles; the loop must run afterwards to finish closing. Frees c when
 * closed. Safe to call from inside a request callback. */
void pl_http_client_close(pl_http_client *c);

#endif
