/* The outbound HTTP client against a real HTTP/1.1 server inside this process (blocking
 * sockets on 127.0.0.1, a listener thread and one thread per connection, keep-alive): GET
 * and POST reach the server with their headers and body; 20 concurrent requests all
 * complete and a second burst reuses their connections; requests chained from callbacks
 * share one connection; a timeout, a refused connection, an oversized response and a
 * closing client each end in exactly one callback with a clear error; Retry-After is read
 * as seconds or as an HTTP date; bad requests are refused up front. */
#include "unit_helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include "http_client.h"

/* ---- the test server ---- */

#define MAX_CONNS 256

typedef struct test_server {
  int listen_fd, port;
  pthread_t acceptor;
  pthread_mutex_t mu;
  int conn_fds[MAX_CONNS];
  pthread_t conn_threads[MAX_CONNS];
  int n_conns;
  atomic_int accepted, requests;
  atomic_bool stopping;
} test_server;

typedef struct conn_arg {
  test_server *srv;
  int fd;
} conn_arg;

static bool send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}

static bool respond(int fd, int status, const char *extra, const char *body, size_t len) {
  char head[1024];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\n%s\r\n",
                   status, len, extra ? extra : "");
  return send_all(fd, head, (size_t)n) && send_all(fd, body, len);
}

/* The value of header `name` in a request head, "" when absent. */
static void header_value(const char *head, const char *name, char *out, size_t n) {
  size_t len = strlen(name);
  out[0] = 0;
  for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
    const char *line = p + 2;
    if (strncasecmp(line, name, len) || line[len] != ':') continue;
    line += len + 1;
    while (*line == ' ')
      line++;
    size_t v = strcspn(line, "\r");
    snprintf(out, n, "%.*s", (int)v, line);
    return;
  }
}

/* Waits ms, or less if the client hangs up (returns false then). */
static bool wait_unless_hung_up(int fd, int ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, ms) == 0;
}

static bool send_chunked(int fd, size_t total) {
  char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  if (!send_all(fd, head, sizeof head - 1)) return false;
  char chunk[4096];
  memset(chunk, 'c', sizeof chunk);
  while (total) {
    size_t n = total < sizeof chunk ? total : sizeof chunk;
    char size[32];
    int k = snprintf(size, sizeof size, "%zx\r\n", n);
    if (!send_all(fd, size, (size_t)k) || !send_all(fd, chunk, n) || !send_all(fd, "\r\n", 2))
      return false;
    total -= n;
  }
  return send_all(fd, "0\r\n\r\n", 5);
}

/* Answers one request; false ends the connection. */
static bool serve_request(int fd, const char *head, const char *body, size_t body_len) {
  char method[16], path[256];
  if (sscanf(head, "%15s %255s", method, path) != 2) return false;
  long n = 0;
  if (!strcmp(path, "/echo")) {
    char test[256], type[256], out[8192], extra[64];
    header_value(head, "X-Test", test, sizeof test);
    header_value(head, "Content-Type", type, sizeof type);
    int k = snprintf(out, sizeof out, "%s %s\nx-test: %s\ncontent-type: %s\n\n%.*s", method, path,
                     test, type, (int)body_len, body);
    snprintf(extra, sizeof extra, "X-Echo-Method: %s\r\n", method);
    return respond(fd, 200, extra, out, (size_t)k);
  }
  if (!strcmp(path, "/status/429")) return respond(fd, 429, "Retry-After: 2\r\n", "slow down", 9);
  if (!strcmp(path, "/status/500")) return respond(fd, 500, NULL, "boom", 4);
  if (!strcmp(path, "/retry-date")) {
    /* The server's clock says 30 s from its own Date; ours may differ, theirs counts. */
    time_t now = time(NULL) - 3600;
    time_t later = now + 30;
    struct tm a, b;
    char extra[256], d1[64], d2[64];
    strftime(d1, sizeof d1, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &a));
    strftime(d2, sizeof d2, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&later, &b));
    snprintf(extra, sizeof extra, "Date: %s\r\nRetry-After: %s\r\n", d1, d2);
    return respond(fd, 503, extra, "", 0);
  }
  if (sscanf(path, "/sleep/%ld", &n) == 1) {
    if (!wait_unless_hung_up(fd, (int)n)) return false;
    return respond(fd, 200, NULL, "late", 4);
  }
  if (sscanf(path, "/big/%ld", &n) == 1) {
    char *big = malloc((size_t)n);
    memset(big, 'b', (size_t)n);
    bool ok = respond(fd, 200, NULL, big, (size_t)n);
    free(big);
    return ok;
  }
  if (sscanf(path, "/chunked/%ld", &n) == 1) return send_chunked(fd, (size_t)n);
  return respond(fd, 404, NULL, "no such path", 12);
}

/* Reads requests off one keep-alive connection until the client hangs up. */
static void *serve_connection(void *p) {
  conn_arg a = *(conn_arg *)p;
  free(p);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap + 1);
  for (;;) {
    char *end;
    buf[len] = 0;
    while (!(end = strstr(buf, "\r\n\r\n"))) {
      if (len == cap) goto done;
      ssize_t k = recv(a.fd, buf + len, cap - len, 0);
      if (k <= 0) goto done;
      len += (size_t)k;
      buf[len] = 0;
    }
    size_t head_len = (size_t)(end - buf) + 4;
    char cl[32];
    end[2] = 0; /* the head ends after its last header's CRLF */
    header_value(buf, "Content-Length", cl, sizeof cl);
    size_t body_len = (size_t)strtoul(cl, NULL, 10);
    if (head_len + body_len > cap) goto done;
    while (len < head_len + body_len) {
      ssize_t k = recv(a.fd, buf + len, cap - len, 0);
      if (k <= 0) goto done;
      len += (size_t)k;
    }
    atomic_fetch_add(&a.srv->requests, 1);
    if (!serve_request(a.fd, buf, buf + head_len, body_len)) goto done;
    len -= head_len + body_len;
    memmove(buf, buf + head_len + body_len, len);
  }
done:
  free(buf);
  return NULL;
}

static void *accept_loop(void *p) {
  test_server *s = p;
  for (;;) {
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) {
      if (atomic_load(&s->stopping)) return NULL;
      continue;
    }
    atomic_fetch_add(&s->accepted, 1);
    conn_arg *a = malloc(sizeof *a);
    a->srv = s;
    a->fd = fd;
    pthread_mutex_lock(&s->mu);
    if (s->n_conns == MAX_CONNS) abort(); /* cmocka asserts belong to the main thread */
    s->conn_fds[s->n_conns] = fd;
    pthread_create(&s->conn_threads[s->n_conns], NULL, serve_connection, a);
    s->n_conns++;
    pthread_mutex_unlock(&s->mu);
  }
}

static void server_start(test_server *s) {
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(s->listen_fd >= 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(s->listen_fd, 128), 0);
  assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&sa, &sl), 0);
  s->port = ntohs(sa.sin_port);
  assert_int_equal(pthread_create(&s->acceptor, NULL, accept_loop, s), 0);
}

/* Linux wakes a blocked accept() on shutdown of the listening socket, and blocked recv()s
 * on shutdown of their connection. */
static void server_stop(test_server *s) {
  atomic_store(&s->stopping, true);
  shutdown(s->listen_fd, SHUT_RDWR);
  pthread_join(s->acceptor, NULL);
  close(s->listen_fd);
  for (int i = 0; i < s->n_conns; i++) {
    shutdown(s->conn_fds[i], SHUT_RDWR);
    pthread_join(s->conn_threads[i], NULL);
    close(s->conn_fds[i]);
  }
  pthread_mutex_destroy(&s->mu);
}

/* A port nothing listens on: bound, then released. */
static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
  close(fd);
  return ntohs(sa.sin_port);
}

/* ---- fixture: server + loop + client ---- */

typedef struct fixture {
  test_server srv;
  uv_loop_t loop;
  pl_http_client *client;
} fixture;

/* What one callback saw, copied out of the borrowed response. */
typedef struct result {
  fixture *f;
  int calls;
  int status;
  char body[16384];
  size_t body_len;
  char error[512];
  bool has_error, sent;
  double retry_after_s, elapsed_ms;
  char echo_method[16];
  int *done; /* incremented on each call when set */
} result;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  server_start(&f->srv);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  pl_err err;
  if (pl_http_client_new(&f->client, &f->loop, &err)) fail_msg("pl_http_client_new: %s", err.msg);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  pl_http_client_close(f->client);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&f->loop), 0);
  server_stop(&f->srv);
  free(f);
  return 0;
}

static void url(const fixture *f, const char *path, char *out, size_t n) {
  snprintf(out, n, "http://127.0.0.1:%d%s", f->srv.port, path);
}

static void on_result(void *ud, const pl_http_client_resp *resp) {
  result *r = ud;
  r->calls++;
  r->status = resp->status;
  r->body_len = resp->body_len;
  snprintf(r->body, sizeof r->body, "%.*s", (int)resp->body_len, resp->body);
  r->has_error = resp->error != NULL;
  snprintf(r->error, sizeof r->error, "%s", resp->error ? resp->error : "");
  r->sent = resp->sent;
  r->retry_after_s = resp->retry_after_s;
  r->elapsed_ms = resp->elapsed_ms;
  assert_non_null(resp->headers);
  const char *m = json_string_value(json_object_get(resp->headers, "x-echo-method"));
  snprintf(r->echo_method, sizeof r->echo_method, "%s", m ? m : "");
  if (r->done) (*r->done)++;
}

static void start(fixture *f, const pl_http_client_req *req, result *r) {
  pl_err err;
  int rc = pl_http_client_request(f->client, req, on_result, r, &err);
  if (rc) fail_msg("pl_http_client_request(%s): %s", req->url, err.msg);
}

/* Runs the loop until *count reaches want; fails if the loop runs dry first. */
static void run_until(fixture *f, const int *count, int want) {
  while (*count < want)
    if (uv_run(&f->loop, UV_RUN_ONCE) == 0 && *count < want)
      fail_msg("loop ran dry at %d of %d callbacks", *count, want);
}

/* One request, run to completion. */
static void fetch(fixture *f, const pl_http_client_req *req, result *r) {
  start(f, req, r);
  run_until(f, &r->calls, 1);
  assert_int_equal(r->calls, 1);
}

/* ---- tests ---- */

static void test_get_returns_status_body_and_headers(void **state) {
  fixture *f = *state;
  char u[128];
  url(f, "/echo", u, sizeof u);
  const char *headers[] = {"X-Test: hello there", NULL};
  result r = {0};
  fetch(f, &(pl_http_client_req){.method = "GET", .url = u, .headers = headers}, &r);
  assert_false(r.has_error);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.echo_method, "GET");
  assert_contains(r.body, "GET /echo\n");
  assert_contains(r.body, "x-test: hello there\n");
  assert_int_equal(r.body_len, strlen(r.body));
  assert_true(r.sent);
  assert_true(r.retry_after_s < 0);
  assert_true(r.elapsed_ms > 0);
  assert_int_equal(pl_http_client_active(f->client), 0);
}

static void test_post_and_put_send_body_and_headers(void **state) {
  fixture *f = *state;
  char u[128];
  url(f, "/echo", u, sizeof u);
  const char *headers[] = {"Content-Type: application/json", "X-Test: 42", NULL};
  const char body[] = "{\"text\":\"hi\"}";
  result r = {0};
  fetch(f,
        &(pl_http_client_req){
            .method = "POST", .url = u, .headers = headers, .body = body, .body_len = 13},
        &r);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.echo_method, "POST");
  assert_contains(r.body, "content-type: application/json\n");
  assert_contains(r.body, "x-test: 42\n");
  assert_contains(r.body, "\n\n{\"text\":\"hi\"}");

  result put = {0};
  fetch(f, &(pl_http_client_req){.method = "PUT", .url = u, .body = "abc", .body_len = 3}, &put);
  assert_int_equal(put.status, 200);
  assert_string_equal(put.echo_method, "PUT");
  assert_contains(put.body, "\n\nabc");
}

static void test_twenty_concurrent_requests_complete_and_reuse_connections(void **state) {
  fixture *f = *state;
  char u[128];
  url(f, "/echo", u, sizeof u);
  enum { N = 20 };
  static result r[N];
  int done = 0;
  for (int round = 0; round < 2; round++) {
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
      r[i].done = &done;
      start(f, &(pl_http_client_req){.url = u}, &r[i]);
    }
    assert_int_equal(pl_http_client_active(f->client), N);
    run_until(f, &done, (round + 1) * N);
    for (int i = 0; i < N; i++) {
      assert_int_equal(r[i].calls, 1);
      assert_int_equal(r[i].status, 200);
    }
  }
  assert_int_equal(atomic_load(&f->srv.requests), 2 * N);
  /* The second burst found the first burst's connections idle and kept alive. */
  int accepted = atomic_load(&f->srv.accepted);
  if (accepted > N) fail_msg("%d connections for %d requests in two bursts", accepted, 2 * N);
}

/* Each callback starts the next request, so they run one after another on one connection. */
typedef struct chain {
  fixture *f;
  char url[128];
  int left, done, ok;
} chain;

static void on_chain(void *ud, const pl_http_client_resp *resp) {
  chain *ch = ud;
  ch->done++;
  if (resp->status == 200 && !resp->error) ch->ok++;
  if (--ch->left == 0) return;
  pl_err err;
  int rc = pl_http_client_request(ch->f->client, &(pl_http_client_req){.url = ch->url}, on_chain,
                                  ch, &err);
  if (rc) fail_msg("request from a callback: %s", err.msg);
  assert_int_equal(pl_http_client_active(ch->f->client), 1);
}

static void test_request_started_from_a_callback_reuses_the_connection(void **state) {
  fixture *f = *state;
  chain ch = {.f = f, .left = 5};
  url(f, "/echo", ch.url, sizeof ch.url);
  pl_err err;
  assert_int_equal(
      pl_http_client_request(f->client, &(pl_http_client_req){.url = ch.url}, on_chain, &ch, &err),
      0);
  run_until(f, &ch.done, 5);
  assert_int_equal(ch.ok, 5);
  assert_int_equal(atomic_load(&f->srv.requests), 5);
  assert_int_equal(atomic_load(&f->srv.accepted), 1);
}

static void test_quick_request_does_not_wait_behind_a_slow_one(void **state) {
  fixture *f = *state;
  char fast[128], slow[128];
  url(f, "/echo", fast, sizeof fast);
  url(f, "/sleep/3000", slow, sizeof slow);
  result s = {0}, q = {0};
  start(f, &(pl_http_client_req){.url = slow}, &s);
  fetch(f, &(pl_http_client_req){.url = fast}, &q);
  assert_int_equal(q.status, 200);
  assert_int_equal(s.calls, 0);
  assert_true(q.elapsed_ms < 1000);
  assert_int_equal(pl_http_client_active(f->client), 1); /* teardown cancels the slow one */
}

static void test_timeout_gives_status_0_and_says_timeout(void **state) {
  fixture *f = *state;
  char u[128];
  url(f, "/sleep/3000", u, sizeof u);
  result r = {0};
  fetch(f, &(pl_http_client_req){.url = u, .timeout_ms = 300}, &r);
  assert_int_equal(r.status, 0);
  assert_true(r.has_error);
  assert_contains(r.error, "timeout after 300 ms");
  assert_true(r.sent); /* the server got it: retrying could duplicate */
  assert_int_equal(r.body_len, 0);
  assert_true(r.elapsed_ms >= 250 && r.elapsed_ms < 2500);
}

static void test_connection_refused_is_known_not_sent(void **state) {
  fixture *f = *state;
  char u[128];
  snprintf(u, sizeof u, "http://127.0.0.1:%d/echo", closed_port());
  result r = {0};
  fetch(f, &(pl_http_client_req){.method = "POST", .url = u, .body = "x", .body_len = 1}, &r);
  assert_int_equal(r.status, 0);
  assert_true(r.has_error);
  assert_contains(r.error, "connection refused");
  assert_false(r.sent);
}

static void test_retry_after_is_read_as_seconds_or_date(void **state) {
  fixture *f = *state;
  char u[128];
  url(f, "/status/429", u, sizeof u);
  result r = {0};
  fetch(f, &(pl_http_client_req){.url = u}, &r);
  assert_false(r.has_error);
  assert_int_equal(r.status, 429);
  assert_string_equal(r.body, "slow down");
  assert_true(r.retry_after_s == 2.0);

  url(f, "/retry-date", u, sizeof u);
  result d = {0};
  fetch(f, &(pl_http_client_req){.url = u}, &d);
  assert_int_equal(d.status, 503);
  if (d.retry_after_s != 30.0) fail_msg("retry_after_s = %g, want 30", d.retry_after_s);
}

static void test_server_error_is_a_response_not_a_failure(void **state) {
  fixture *f = *state;
  char u[128];
  url(f, "/status/500", u, sizeof u);
  result r = {0};
  fetch(f, &(pl_http_client_req){.url = u}, &r);
  assert_false(r.has_error);
  assert_int_equal(r.status, 500);
  assert_string_equal(r.body, "boom");
  assert_true(r.retry_after_s < 0);
}

static void test_response_over_max_response_fails(void **state) {
  fixture *f = *state;
  char u[128];
  /* Declared length over the cap: refused before the body is read. */
  url(f, "/big/10000", u, sizeof u);
  result big = {0};
  fetch(f, &(pl_http_client_req){.url = u, .max_response = 1000}, &big);
  assert_int_equal(big.status, 0);
  assert_contains(big.error, "response larger than 1000 bytes");
  assert_int_equal(big.body_len, 0);

  /* Chunked, length unknown: cut off while reading. */
  url(f, "/chunked/10000", u, sizeof u);
  result chunked = {0};
  fetch(f, &(pl_http_client_req){.url = u, .max_response = 1000}, &chunked);
  assert_int_equal(chunked.status, 0);
  assert_contains(chunked.error, "response larger than 1000 bytes");

  /* Exactly at the cap is fine. */
  url(f, "/chunked/1000", u, sizeof u);
  result exact = {0};
  fetch(f, &(pl_http_client_req){.url = u, .max_response = 1000}, &exact);
  assert_false(exact.has_error);
  assert_int_equal(exact.status, 200);
  assert_int_equal(exact.body_len, 1000);
}

static void close_client(uv_timer_t *t) {
  fixture *f = t->data;
  pl_http_client_close(f->client);
  f->client = NULL;
  uv_close((uv_handle_t *)t, NULL);
}

/* A cancelled callback may try to start another request; it is refused, not lost. */
static void on_cancelled(void *ud, const pl_http_client_resp *resp) {
  on_result(ud, resp);
  result *r = ud;
  pl_err err;
  char u[128];
  url(r->f, "/echo", u, sizeof u);
  assert_int_equal(
      pl_http_client_request(r->f->client, &(pl_http_client_req){.url = u}, on_result, r, &err),
      PL_EINVAL);
  assert_contains(err.msg, "closing");
}

static void test_close_cancels_requests_in_flight(void **state) {
  fixture *f = *state;
  char u[128];
  url(f, "/sleep/5000", u, sizeof u);
  enum { N = 5 };
  result r[N];
  memset(r, 0, sizeof r);
  pl_err err;
  for (int i = 0; i < N; i++) {
    r[i].f = f;
    assert_int_equal(pl_http_client_request(f->client, &(pl_http_client_req){.url = u},
                                            on_cancelled, &r[i], &err),
                     0);
  }
  uv_timer_t t;
  uv_timer_init(&f->loop, &t);
  t.data = f;
  uv_timer_start(&t, close_client, 100, 0);
  uint64_t t0 = uv_now(&f->loop);
  uv_run(&f->loop, UV_RUN_DEFAULT); /* ends once the client's handles are closed */
  assert_true(uv_now(&f->loop) - t0 < 2000);
  for (int i = 0; i < N; i++) {
    assert_int_equal(r[i].calls, 1);
    assert_int_equal(r[i].status, 0);
    assert_string_equal(r[i].error, "cancelled");
  }
}

typedef struct closer {
  fixture *f;
  result first;
} closer;

static void on_first_then_close(void *ud, const pl_http_client_resp *resp) {
  closer *cl = ud;
  on_result(&cl->first, resp);
  pl_http_client_close(cl->f->client);
  cl->f->client = NULL;
}

static void test_close_from_inside_a_callback(void **state) {
  fixture *f = *state;
  char fast[128], slow[128];
  url(f, "/echo", fast, sizeof fast);
  url(f, "/sleep/5000", slow, sizeof slow);
  result r[2];
  memset(r, 0, sizeof r);
  pl_err err;
  for (int i = 0; i < 2; i++) {
    r[i].f = f;
    start(f, &(pl_http_client_req){.url = slow}, &r[i]);
  }
  closer cl = {.f = f};
  assert_int_equal(pl_http_client_request(f->client, &(pl_http_client_req){.url = fast},
                                          on_first_then_close, &cl, &err),
                   0);
  uv_run(&f->loop, UV_RUN_DEFAULT);
  assert_int_equal(cl.first.calls, 1);
  assert_int_equal(cl.first.status, 200);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(r[i].calls, 1);
    assert_string_equal(r[i].error, "cancelled");
  }
}

static void test_bad_requests_are_refused_without_a_callback(void **state) {
  fixture *f = *state;
  result r = {0};
  pl_err err;
  int rc = pl_http_client_request(f->client, &(pl_http_client_req){.url = "file:///etc/passwd"},
                                  on_result, &r, &err);
  assert_int_equal(rc, PL_EINVAL);
  assert_contains(err.msg, "not an http:// or https:// url");

  char u[128];
  url(f, "/echo", u, sizeof u);
  const char *bad[] = {"X-Ok: 1", "no colon here", NULL};
  rc = pl_http_client_request(f->client, &(pl_http_client_req){.url = u, .headers = bad}, on_result,
                              &r, &err);
  assert_int_equal(rc, PL_EINVAL);
  assert_contains(err.msg, "no colon here");

  /* Whatever a tenant passes cannot add lines to the request. */
  const char *injected[] = {"X-Ok: 1\r\nX-Evil: 1", NULL};
  rc = pl_http_client_request(f->client, &(pl_http_client_req){.url = u, .headers = injected},
                              on_result, &r, &err);
  assert_int_equal(rc, PL_EINVAL);
  assert_contains(err.msg, "control character");
  rc = pl_http_client_request(f->client,
                              &(pl_http_client_req){.method = "GET /x HTTP/1.1\r\nX:", .url = u},
                              on_result, &r, &err);
  assert_int_equal(rc, PL_EINVAL);
  assert_contains(err.msg, "method");
  assert_int_equal(pl_http_client_active(f->client), 0);
  uv_run(&f->loop, UV_RUN_NOWAIT);
  assert_int_equal(r.calls, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_get_returns_status_body_and_headers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_post_and_put_send_body_and_headers, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_twenty_concurrent_requests_complete_and_reuse_connections, setup, teardown),
      cmocka_unit_test_setup_teardown(test_request_started_from_a_callback_reuses_the_connection,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_quick_request_does_not_wait_behind_a_slow_one, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_timeout_gives_status_0_and_says_timeout, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_connection_refused_is_known_not_sent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_retry_after_is_read_as_seconds_or_date, setup, teardown),
      cmocka_unit_test_setup_teardown(test_server_error_is_a_response_not_a_failure, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_response_over_max_response_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(test_close_cancels_requests_in_flight, setup, teardown),
      cmocka_unit_test_setup_teardown(test_close_from_inside_a_callback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_requests_are_refused_without_a_callback, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
