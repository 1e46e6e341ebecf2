/* Outbound HTTP client: libcurl multi on a libuv loop.
 *
 * curl tells us which sockets to watch (on_curl_socket → a uv_poll_t each) and when to
 * wake it up (on_curl_timer → one uv_timer_t); we hand readiness back through
 * curl_multi_socket_action and then collect finished transfers. User callbacks run only
 * from finish_done() or pl_http_client_close(), never from inside a curl callback, so they
 * may start new requests (curl_multi_add_handle is allowed there) or close the client.
 *
 * Closing: in-flight transfers are cancelled, the poll handles are closed before
 * curl_multi_cleanup closes their sockets, then the timer; the client is freed by the last
 * handle's close callback. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http_client.h"

typedef struct pl_http_sock pl_http_sock;
typedef struct pl_http_xfer pl_http_xfer;

/* One socket curl asked us to watch. Owned by the client (linked in c->socks) until its
 * poll handle's close callback frees it. */
struct pl_http_sock {
  uv_poll_t poll;
  pl_http_client *c;
  curl_socket_t fd;
  bool closing;
  pl_http_sock *prev, *next;
};

/* One request in flight. Owned by the client (linked in c->xfers) from
 * pl_http_client_request until its callback has returned; owns the easy handle, the
 * request's header list and body copy, and the response being received. */
struct pl_http_xfer {
  pl_http_client *c;
  CURL *easy;
  struct curl_slist *req_headers;
  char *req_body;
  long timeout_ms;
  size_t max_response;
  char *body;
  size_t body_len, body_cap;
  json_t *headers;
  bool too_large, out_of_memory;
  uint64_t started_ns;
  pl_http_client_cb cb;
  void *ud;
  char curl_err[CURL_ERROR_SIZE];
  pl_http_xfer *prev, *next;
};

struct pl_http_client {
  uv_loop_t *loop;
  CURLM *multi;
  uv_timer_t timer;
  pl_http_xfer *xfers;
  pl_http_sock *socks;
  size_t active;
  int open_handles; /* uv handles not yet through their close callback */
  bool closing;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe and must run once per process; it is never undone
 * (curl_global_cleanup would race with clients on other workers). */
static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- handle bookkeeping ---- */

static void client_free_if_closed(pl_http_client *c) {
  if (c->closing && c->open_handles == 0) free(c);
}

static void on_timer_closed(uv_handle_t *h) {
  pl_http_client *c = h->data;
  c->open_handles--;
  client_free_if_closed(c);
}

static void on_sock_closed(uv_handle_t *h) {
  pl_http_sock *s = h->data;
  pl_http_client *c = s->c;
  if (s->prev)
    s->prev->next = s->next;
  else
    c->socks = s->next;
  if (s->next) s->next->prev = s->prev;
  free(s);
  c->open_handles--;
  client_free_if_closed(c);
}

static void sock_close(pl_http_sock *s) {
  if (s->closing) return;
  s->closing = true;
  uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

/* ---- finishing a transfer ---- */

static void xfer_unlink(pl_http_xfer *x) {
  pl_http_client *c = x->c;
  if (x->prev)
    x->prev->next = x->next;
  else
    c->xfers = x->next;
  if (x->next) x->next->prev = x->prev;
  x->prev = x->next = NULL;
  c->active--;
}

static void xfer_free(pl_http_xfer *x) {
  if (x->easy) curl_easy_cleanup(x->easy);
  curl_slist_free_all(x->req_headers);
  free(x->req_body);
  free(x->body);
  json_decref(x->headers);
  free(x);
}

/* Seconds from a Retry-After value: delay-seconds or an HTTP date. The date is measured
 * against the response's own Date header when there is one, so clock skew between us and
 * the server does not matter. */
static double parse_retry_after(json_t *headers) {
  const char *v = json_string_value(json_object_get(headers, "retry-after"));
  if (!v || !*v) return -1;
  if (isdigit((unsigned char)v[0])) {
    char *end;
    double s = strtod(v, &end);
    return *end == 0 && s < 1e9 ? s : -1;
  }
  time_t when = curl_getdate(v, NULL);
  if (when == -1) return -1;
  const char *date = json_string_value(json_object_get(headers, "date"));
  time_t now = date ? curl_getdate(date, NULL) : (time_t)-1;
  if (now == -1) now = time(NULL);
  return when > now ? (double)(when - now) : 0;
}

/* True when the failure happened before any byte of the request was written. */
static bool never_sent(CURL *easy, CURLcode rc) {
  switch (rc) {
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE: return true;
  default: break;
  }
  long request_size = 0;
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_size);
  return request_size == 0;
}

static void describe_failure(pl_http_xfer *x, CURLcode rc, char *buf, size_t n) {
  const char *detail = x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc);
  long os_errno = 0;
  switch (rc) {
  case CURLE_OPERATION_TIMEDOUT: snprintf(buf, n, "timeout after %ld ms", x->timeout_ms); break;
  case CURLE_COULDNT_CONNECT:
    curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
    if (os_errno == ECONNREFUSED)
      snprintf(buf, n, "connection refused (%s)", detail);
    else
      snprintf(buf, n, "could not connect (%s)", detail);
    break;
  case CURLE_COULDNT_RESOLVE_HOST: snprintf(buf, n, "could not resolve host (%s)", detail); break;
  case CURLE_FILESIZE_EXCEEDED:
    snprintf(buf, n, "response larger than %zu bytes", x->max_response);
    break;
  case CURLE_WRITE_ERROR:
    if (x->too_large)
      snprintf(buf, n, "response larger than %zu bytes", x->max_response);
    else if (x->out_of_memory)
      snprintf(buf, n, "out of memory reading the response");
    else
      snprintf(buf, n, "%s", detail);
    break;
  default: snprintf(buf, n, "%s", detail); break;
  }
}

/* Reports the outcome of x (already removed from the multi handle and unlinked), then frees
 * it. cancelled: the client is closing. */
static void xfer_finish(pl_http_xfer *x, CURLcode rc, bool cancelled) {
  char error[CURL_ERROR_SIZE + 64];
  pl_http_client_resp r = {.headers = x->headers, .retry_after_s = -1};
  r.elapsed_ms = (double)(uv_hrtime() - x->started_ns) / 1e6;
  if (cancelled || rc != CURLE_OK) {
    if (cancelled)
      snprintf(error, sizeof error, "cancelled");
    else
      describe_failure(x, rc, error, sizeof error);
    r.error = error;
    r.sent = !never_sent(x->easy, cancelled ? CURLE_OK : rc);
    r.body = "";
  } else {
    long status = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = (int)status;
    r.body = x->body ? x->body : "";
    r.body_len = x->body_len;
    r.sent = true;
    r.retry_after_s = parse_retry_after(x->headers);
  }
  x->cb(x->ud, &r);
  xfer_free(x);
}

/* Collects finished transfers. Stops early if a callback closed the client: close has
 * already reported and freed everything else. */
static void finish_done(pl_http_client *c) {
  CURLMsg *m;
  int left;
  while (!c->closing && (m = curl_multi_info_read(c->multi, &left))) {
    if (m->msg != CURLMSG_DONE) continue;
    CURL *easy = m->easy_handle;
    CURLcode rc = m->data.result; /* m is invalid after remove_handle */
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    pl_http_xfer *x = (pl_http_xfer *)priv;
    curl_multi_remove_handle(c->multi, easy);
    xfer_unlink(x);
    xfer_finish(x, rc, false);
  }
}

/* ---- curl ↔ libuv ---- */

static void on_poll(uv_poll_t *h, int status, int events) {
  pl_http_sock *s = h->data;
  pl_http_client *c = s->c;
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  int running;
  curl_multi_socket_action(c->multi, s->fd, flags, &running);
  finish_done(c);
}

static void on_timer(uv_timer_t *h) {
  pl_http_client *c = h->data;
  int running;
  curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  finish_done(c);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  pl_http_client *c = userp;
  pl_http_sock *s = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (s) sock_close(s);
    return 0;
  }
  if (c->closing) return 0;
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return -1;
    if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) {
      free(s);
      return -1;
    }
    s->c = c;
    s->fd = fd;
    s->poll.data = s;
    s->next = c->socks;
    if (c->socks) c->socks->prev = s;
    c->socks = s;
    c->open_handles++;
    curl_multi_assign(c->multi, fd, s);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  return uv_poll_start(&s->poll, events, on_poll) == 0 ? 0 : -1;
}

/* curl must not be re-entered from its own callback, so even "now" (0) goes through the
 * loop. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp) {
  pl_http_client *c = userp;
  if (timeout_ms < 0)
    uv_timer_stop(&c->timer);
  else
    uv_timer_start(&c->timer, on_timer, (uint64_t)timeout_ms, 0);
  return 0;
}

/* ---- receiving ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp) {
  pl_http_xfer *x = userp;
  size_t n = size * nmemb;
  if (n > x->max_response - x->body_len) {
    x->too_large = true;
    return 0;
  }
  if (x->body_len + n + 1 > x->body_cap) {
    size_t cap = x->body_cap ? x->body_cap : 4096;
    while (cap < x->body_len + n + 1)
      cap *= 2;
    char *b = realloc(x->body, cap);
    if (!b) {
      x->out_of_memory = true;
      return 0;
    }
    x->body = b;
    x->body_cap = cap;
  }
  memcpy(x->body + x->body_len, data, n);
  x->body_len += n;
  x->body[x->body_len] = 0;
  return n;
}

/* One header line at a time, status line and final blank line included. A new status line
 * (after 1xx, or a redirect curl was told to follow) starts a fresh set. */
static size_t on_header(char *line, size_t size, size_t nmemb, void *userp) {
  pl_http_xfer *x = userp;
  size_t n = size * nmemb;
  if (n >= 5 && !memcmp(line, "HTTP/", 5)) {
    json_object_clear(x->headers);
    return n;
  }
  const char *colon = memchr(line, ':', n);
  if (!colon || colon == line || line[0] == ' ' || line[0] == '\t') return n;
  char name[256];
  size_t name_len = (size_t)(colon - line);
  if (name_len >= sizeof name) return n;
  for (size_t i = 0; i < name_len; i++)
    name[i] = (char)tolower((unsigned char)line[i]);
  name[name_len] = 0;
  const char *v = colon + 1, *end = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && isspace((unsigned char)end[-1]))
    end--;
  /* json_stringn rejects invalid UTF-8: such a header is dropped rather than stored raw. */
  json_object_set_new(x->headers, name, json_stringn(v, (size_t)(end - v)));
  return n;
}

/* ---- public API ---- */

int pl_http_client_new(pl_http_client **out, uv_loop_t *loop, pl_err *err) {
  *out = NULL;
  pthread_once(&global_once, global_init);
  if (global_rc != CURLE_OK)
    return pl_err_set(err, PL_EIO, "http client: curl_global_init failed: %s",
                      curl_easy_strerror(global_rc));
  pl_http_client *c = calloc(1, sizeof *c);
  if (!c) return pl_err_set(err, PL_ENOMEM, "http client: out of memory");
  c->loop = loop;
  c->multi = curl_multi_init();
  if (!c->multi) {
    free(c);
    return pl_err_set(err, PL_EIO, "http client: curl_multi_init failed");
  }
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
  curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
  /* Keep idle connections for reuse; curl's default cache shrinks with the number of
   * transfers in flight, which would drop connections between bursts. */
  curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 64L);
  uv_timer_init(loop, &c->timer);
  c->timer.data = c;
  c->open_handles = 1;
  *out = c;
  return PL_OK;
}

static bool has_header(const char *const *headers, const char *name) {
  size_t n = strlen(name);
  for (; headers && *headers; headers++)
    if (!strncasecmp(*headers, name, n) && (*headers)[n] == ':') return true;
  return false;
}

/* Sets method and body; the body is our own copy (CURLOPT_POSTFIELDS does not copy). */
static int set_method(pl_http_xfer *x, const pl_http_client_req *req, pl_err *err) {
  const char *m = req->method ? req->method : "GET";
  CURL *e = x->easy;
  if (req->body || !strcmp(m, "POST")) {
    size_t len = req->body ? req->body_len : 0;
    x->req_body = malloc(len + 1);
    if (!x->req_body) return pl_err_set(err, PL_ENOMEM, "http client: out of memory");
    if (len) memcpy(x->req_body, req->body, len);
    x->req_body[len] = 0;
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req_body);
  }
  if (!strcmp(m, "HEAD"))
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  else if (!strcmp(m, "GET") && !req->body)
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  else if (strcmp(m, "POST") != 0)
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
  return PL_OK;
}

/* curl writes header lines and the method verbatim into the request, so a CR or LF from a
 * tenant would add lines of its own. */
static bool has_control_char(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 && *s != '\t') return true;
  return false;
}

static bool is_method(const char *m) {
  if (!*m || strlen(m) > 32) return false;
  for (; *m; m++)
    if (!isalnum((unsigned char)*m) && *m != '-' && *m != '_') return false;
  return true;
}

static int set_headers(pl_http_xfer *x, const pl_http_client_req *req, pl_err *err) {
  for (const char *const *h = req->headers; h && *h; h++) {
    if (!strchr(*h, ':'))
      return pl_err_set(err, PL_EINVAL, "http client: header \"%s\" is not \"Name: value\"", *h);
    if (has_control_char(*h))
      return pl_err_set(err, PL_EINVAL, "http client: header \"%.40s...\" has a control character",
                        *h);
    struct curl_slist *l = curl_slist_append(x->req_headers, *h);
    if (!l) return pl_err_set(err, PL_ENOMEM, "http client: out of memory");
    x->req_headers = l;
  }
  /* APIs answer at once; curl's Expect: 100-continue would only add a round trip. */
  if (!has_header(req->headers, "Expect")) {
    struct curl_slist *l = curl_slist_append(x->req_headers, "Expect:");
    if (!l) return pl_err_set(err, PL_ENOMEM, "http client: out of memory");
    x->req_headers = l;
  }
  curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->req_headers);
  return PL_OK;
}

static int setup_easy(pl_http_xfer *x, const pl_http_client_req *req, pl_err *err) {
  CURL *e = x->easy;
  if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK)
    return pl_err_set(err, PL_ENOMEM, "http client: out of memory");
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->curl_err);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  /* Over TLS, wait for a connection being set up to the same host (ALPN tells at handshake
   * whether it multiplexes) rather than open a second one. Not over plain http: curl would
   * learn it is HTTP/1.1 only from a response, so a quick request would queue behind a slow
   * one. */
  if (!strncasecmp(req->url, "https://", 8)) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, x->timeout_ms);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_response);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "parley/" PARLEY_VERSION);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  int rc = set_method(x, req, err);
  if (rc) return rc;
  return set_headers(x, req, err);
}

int pl_http_client_request(pl_http_client *c, const pl_http_client_req *req, pl_http_client_cb cb,
                           void *ud, pl_err *err) {
  if (c->closing) return pl_err_set(err, PL_EINVAL, "http client: closing, request refused");
  if (!req || !req->url || !cb)
    return pl_err_set(err, PL_EINVAL, "http client: no url or callback");
  if (strncasecmp(req->url, "http://", 7) && strncasecmp(req->url, "https://", 8))
    return pl_err_set(err, PL_EINVAL, "http client: \"%s\" is not an http:// or https:// url",
                      req->url);
  if (req->method && !is_method(req->method))
    return pl_err_set(err, PL_EINVAL, "http client: \"%.40s\" is not an HTTP method", req->method);
  if (has_control_char(req->url))
    return pl_err_set(err, PL_EINVAL, "http client: url has a control character");
  if (req->timeout_ms < 0)
    return pl_err_set(err, PL_EINVAL, "http client: negative timeout %ld ms", req->timeout_ms);
  pl_http_xfer *x = calloc(1, sizeof *x);
  if (!x) return pl_err_set(err, PL_ENOMEM, "http client: out of memory");
  x->c = c;
  x->cb = cb;
  x->ud = ud;
  x->timeout_ms = req->timeout_ms ? req->timeout_ms : PL_HTTP_CLIENT_DEFAULT_TIMEOUT_MS;
  x->max_response = req->max_response ? req->max_response : PL_HTTP_CLIENT_DEFAULT_MAX_RESPONSE;
  x->started_ns = uv_hrtime();
  x->headers = json_object();
  x->easy = curl_easy_init();
  int rc = PL_OK;
  if (!x->headers || !x->easy) rc = pl_err_set(err, PL_ENOMEM, "http client: out of memory");
  if (!rc) rc = setup_easy(x, req, err);
  if (!rc) {
    CURLMcode mc = curl_multi_add_handle(c->multi, x->easy);
    if (mc != CURLM_OK)
      rc =
          pl_err_set(err, PL_EIO, "http client: cannot start request: %s", curl_multi_strerror(mc));
  }
  if (rc) {
    xfer_free(x);
    return rc;
  }
  x->next = c->xfers;
  if (c->xfers) c->xfers->prev = x;
  c->xfers = x;
  c->active++;
  return PL_OK;
}

size_t pl_http_client_active(const pl_http_client *c) {
  return c->active;
}

void pl_http_client_close(pl_http_client *c) {
  if (!c || c->closing) return;
  c->closing = true;
  /* Callbacks below may call pl_http_client_request (refused now) but not reach a freed
   * transfer: each is unlinked before its callback runs. */
  while (c->xfers) {
    pl_http_xfer *x = c->xfers;
    curl_multi_remove_handle(c->multi, x->easy);
    xfer_unlink(x);
    xfer_finish(x, CURLE_OK, true);
  }
  /* Stop watching before curl_multi_cleanup closes the sockets under us. */
  for (pl_http_sock *s = c->socks; s; s = s->next)
    sock_close(s);
  curl_multi_cleanup(c->multi);
  c->multi = NULL;
  uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}
