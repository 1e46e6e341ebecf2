/* The inbound HTTP server over real sockets. Each test starts a server on 127.0.0.1
 * (port 0) in its own libuv loop running in a thread, and talks to it from the test
 * with blocking sockets. The handler echoes method, path, query, one header and the
 * body; paths /late/<ms> are answered that much later from a uv_timer, as parley does
 * after a durable commit. Teardown stops the server and checks that the loop closes
 * with no handle left; LSan checks that nothing leaked on any path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "http_server.h"

/* Small limits and short timeouts so every limit is reachable in a few milliseconds. */
static const pl_http_server_opts TEST_OPTS = {.max_body = 1024,
                                              .max_header_bytes = 1024,
                                              .max_url = 256,
                                              .header_timeout_ms = 300,
                                              .body_timeout_ms = 300,
                                              .idle_timeout_ms = 600,
                                              .max_connections = 4};

typedef struct fixture {
  uv_loop_t loop;
  uv_async_t wake; /* asks the loop thread to stop the server */
  pthread_t thread;
  pl_http_server *srv;
  int port;
  pthread_mutex_t mu; /* guards what follows: written on the loop thread, read by the test */
  int calls, answers;
  char log[4096]; /* "call /a;answer /a;..." */
  bool closed;    /* on_closed ran */
} fixture;

static void note(fixture *f, const char *what, const char *path) {
  pthread_mutex_lock(&f->mu);
  size_t n = strlen(f->log);
  snprintf(f->log + n, sizeof f->log - n, "%s %s;", what, path);
  if (!strcmp(what, "call"))
    f->calls++;
  else
    f->answers++;
  pthread_mutex_unlock(&f->mu);
}

static int counter(fixture *f, const int *field) {
  pthread_mutex_lock(&f->mu);
  int v = *field;
  pthread_mutex_unlock(&f->mu);
  return v;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (up to 3 s) until *field reaches want. */
static void wait_for(fixture *f, const int *field, int want) {
  int64_t end = now_ms() + 3000;
  while (counter(f, field) < want && now_ms() < end)
    usleep(5000);
  assert_int_equal(counter(f, field), want);
}

/* ---- the handler (loop thread) ---- */

static void answer(fixture *f, pl_http_pending *p) {
  const pl_http_request *r = pl_http_pending_request(p);
  const char *x = pl_http_header_get(r, "x-test");
  size_t cap = r->body_len + 512;
  char *out = malloc(cap);
  int n = snprintf(out, cap, "%s %s q=%s x=%s len=%zu\n", r->method, r->path,
                   r->query ? r->query : "-", x ? x : "-", r->body_len);
  memcpy(out + n, r->body, r->body_len);
  note(f, "answer", r->path);
  pl_http_respond(p, 200, "text/plain", out, (size_t)n + r->body_len, "X-Echo: 1\r\n");
  free(out);
}

typedef struct late_answer {
  uv_timer_t timer;
  fixture *f;
  pl_http_pending *p;
} late_answer;

static void free_late(uv_handle_t *h) {
  free(h->data);
}

static void on_late(uv_timer_t *t) {
  late_answer *la = t->data;
  answer(la->f, la->p);
  uv_close((uv_handle_t *)t, free_late);
}

static void handler(void *ud, const pl_http_request *req, pl_http_pending *p) {
  fixture *f = ud;
  note(f, "call", req->path);
  if (strncmp(req->path, "/late/", 6)) {
    answer(f, p);
    return;
  }
  late_answer *la = calloc(1, sizeof *la);
  la->f = f;
  la->p = p;
  la->timer.data = la;
  uv_timer_init(&f->loop, &la->timer);
  uv_timer_start(&la->timer, on_late, (uint64_t)atoi(req->path + 6), 0);
}

/* ---- the server thread ---- */

static void on_closed(void *ud) {
  fixture *f = ud;
  pthread_mutex_lock(&f->mu);
  f->closed = true;
  pthread_mutex_unlock(&f->mu);
  uv_close((uv_handle_t *)&f->wake, NULL);
}

static void on_wake(uv_async_t *a) {
  fixture *f = a->data;
  pl_http_server_stop(f->srv, on_closed, f);
}

static void *run_loop(void *arg) {
  fixture *f = arg;
  uv_run(&f->loop, UV_RUN_DEFAULT);
  return NULL;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  uv_async_init(&f->loop, &f->wake, on_wake);
  f->wake.data = f;
  pl_err err;
  int rc = pl_http_server_start(&f->srv, &f->loop, "127.0.0.1", 0, &TEST_OPTS, handler, f, &err);
  if (rc) fail_msg("pl_http_server_start: %s", err.msg);
  f->port = pl_http_server_port(f->srv);
  assert_true(f->port > 0);
  assert_int_equal(pthread_create(&f->thread, NULL, run_loop, f), 0);
  *state = f;
  return 0;
}

/* Stops the server from the loop thread and waits until the loop has nothing left. */
static void stop_server(fixture *f) {
  if (!f->srv) return;
  uv_async_send(&f->wake);
  pthread_join(f->thread, NULL);
  f->srv = NULL;
  assert_true(f->closed);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

static int teardown(void **state) {
  fixture *f = *state;
  stop_server(f);
  assert_int_equal(f->calls, f->answers);
  pthread_mutex_destroy(&f->mu);
  free(f);
  return 0;
}

/* ---- a blocking client ---- */

typedef struct client {
  int fd;
  char buf[1 << 16];
  size_t len;
} client;

typedef struct response {
  int status;
  char head[4096]; /* lower-cased header section */
  char body[1 << 16];
  size_t body_len;
} response;

static client *dial(int port) {
  client *c = calloc(1, sizeof *c);
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(c->fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
  struct timeval tv = {.tv_sec = 3};
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return c;
}

static void hang_up(client *c) {
  close(c->fd);
  free(c);
}

/* Closes with a TCP reset instead of a FIN. */
static void reset(client *c) {
  struct linger l = {.l_onoff = 1, .l_linger = 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  hang_up(c);
}

static void send_bytes(client *c, const char *s, size_t n) {
  while (n) {
    ssize_t k = send(c->fd, s, n, MSG_NOSIGNAL);
    if (k < 0) fail_msg("send: %s", strerror(errno));
    s += k;
    n -= (size_t)k;
  }
}

static void send_str(client *c, const char *s) {
  send_bytes(c, s, strlen(s));
}

static bool fill(client *c) {
  if (c->len == sizeof c->buf) return false;
  ssize_t k = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
  if (k <= 0) return false;
  c->len += (size_t)k;
  return true;
}

static size_t header_end(const client *c) {
  for (size_t i = 0; i + 4 <= c->len; i++)
    if (!memcmp(c->buf + i, "\r\n\r\n", 4)) return i + 4;
  return 0;
}

/* Reads one response (only its header section for an answer to HEAD); false if the
 * connection ended (or 3 s passed) before it was whole. */
static bool read_response_to(client *c, response *r, bool head) {
  size_t hlen;
  while (!(hlen = header_end(c)))
    if (!fill(c)) return false;
  assert_true(hlen < sizeof r->head);
  for (size_t i = 0; i < hlen; i++)
    r->head[i] = (char)tolower((unsigned char)c->buf[i]);
  r->head[hlen] = 0;
  assert_int_equal(sscanf(r->head, "http/1.1 %d", &r->status), 1);
  const char *cl = strstr(r->head, "\r\ncontent-length: ");
  r->body_len = cl && !head ? strtoul(cl + 18, NULL, 10) : 0;
  assert_true(r->body_len < sizeof r->body);
  while (c->len < hlen + r->body_len)
    if (!fill(c)) return false;
  memcpy(r->body, c->buf + hlen, r->body_len);
  r->body[r->body_len] = 0;
  memmove(c->buf, c->buf + hlen + r->body_len, c->len - hlen - r->body_len);
  c->len -= hlen + r->body_len;
  return true;
}

static bool read_response(client *c, response *r) {
  return read_response_to(c, r, false);
}

static response *expect_response_to(client *c, int status, bool head) {
  static response r;
  memset(&r, 0, sizeof r);
  if (!read_response_to(c, &r, head)) fail_msg("no complete response (expected %d)", status);
  if (r.status != status)
    fail_msg("status %d, expected %d: %s%s", r.status, status, r.head, r.body);
  return &r;
}

static response *expect_response(client *c, int status) {
  return expect_response_to(c, status, false);
}

/* True if the server closes the connection within ms, with nothing more sent. */
static bool closed_within(client *c, int ms) {
  assert_int_equal(c->len, 0);
  struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
  if (poll(&pfd, 1, ms) <= 0) return false;
  char b[64];
  ssize_t k = recv(c->fd, b, sizeof b, 0);
  if (k > 0) fail_msg("unexpected bytes after the last response: %.*s", (int)k, b);
  return k == 0 || errno == ECONNRESET;
}

#define assert_has_header(r, line) assert_non_null(strstr((r)->head, "\r\n" line "\r\n"))
#define assert_no_header(r, name) assert_null(strstr((r)->head, "\r\n" name ":"))

/* ---- tests ---- */

static void test_get_and_post_are_answered(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "GET /hello?x=1&y=2 HTTP/1.1\r\nHost: t\r\nX-Test:  Value  \r\n\r\n");
  response *r = expect_response(c, 200);
  assert_string_equal(r->body, "GET /hello q=x=1&y=2 x=Value len=0\n");
  assert_has_header(r, "content-length: 35");
  assert_has_header(r, "content-type: text/plain");
  assert_has_header(r, "x-echo: 1");
  assert_no_header(r, "connection");

  static const char post[] =
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\nping\0pong";
  send_bytes(c, post, sizeof post - 1); /* the body is bytes, NUL included */
  r = expect_response(c, 200);
  assert_int_equal(r->body_len, 34);
  assert_memory_equal(r->body, "POST /echo q=- x=- len=9\nping\0pong", 34);

  /* HEAD: the length of the body that GET would get, and no body: the next answer on
   * the same connection starts right after the header section. */
  send_str(c, "HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n");
  r = expect_response_to(c, 200, true);
  assert_has_header(r, "content-length: 22"); /* "HEAD /h q=- x=- len=0\n" */
  assert_string_equal(expect_response(c, 200)->body, "GET /after q=- x=- len=0\n");
  hang_up(c);
}

static void test_keep_alive_serves_sequential_requests_on_one_socket(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  for (int i = 0; i < 3; i++) {
    char req[128], want[64];
    snprintf(req, sizeof req, "GET /n%d HTTP/1.1\r\nHost: t\r\n\r\n", i);
    send_str(c, req);
    response *r = expect_response(c, 200);
    snprintf(want, sizeof want, "GET /n%d q=- x=- len=0\n", i);
    assert_string_equal(r->body, want);
    assert_no_header(r, "connection");
  }
  send_str(c, "GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  response *r = expect_response(c, 200);
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
  assert_int_equal(counter(f, &f->calls), 4);
}

static void test_http10_closes_unless_asked_to_keep_alive(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  response *r = expect_response(c, 200);
  assert_has_header(r, "connection: keep-alive");
  send_str(c, "GET /old2 HTTP/1.0\r\n\r\n");
  r = expect_response(c, 200);
  assert_string_equal(r->body, "GET /old2 q=- x=- len=0\n");
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
}

static void test_upgrade_requests_are_answered_then_closed(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
              "\x81\x05hello");
  response *r = expect_response(c, 200); /* the handler decides; no protocol switch */
  assert_string_equal(r->body, "GET /ws q=- x=- len=0\n");
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
}

static void test_pipelined_requests_are_answered_in_order(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "GET /late/200 HTTP/1.1\r\nHost: t\r\n\r\n"
              "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nbee"
              "GET /c?z HTTP/1.1\r\nHost: t\r\n\r\n");
  assert_string_equal(expect_response(c, 200)->body, "GET /late/200 q=- x=- len=0\n");
  assert_string_equal(expect_response(c, 200)->body, "POST /b q=- x=- len=3\nbee");
  assert_string_equal(expect_response(c, 200)->body, "GET /c q=z x=- len=0\n");
  /* The handler never saw a request before the previous one was answered. */
  pthread_mutex_lock(&f->mu);
  assert_string_equal(f->log, "call /late/200;answer /late/200;call /b;answer /b;"
                              "call /c;answer /c;");
  pthread_mutex_unlock(&f->mu);
  hang_up(c);
}

static void test_truncated_requests_never_reach_the_handler(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "POST /cut HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part");
  hang_up(c);
  c = dial(f->port);
  send_str(c, "GET /half-a-head HTTP/1.1\r\nHo");
  hang_up(c);
  c = dial(f->port);
  send_str(c, "GET /whole HTTP/1.1\r\nHost: t\r\n\r\n");
  assert_string_equal(expect_response(c, 200)->body, "GET /whole q=- x=- len=0\n");
  hang_up(c);
  usleep(50 * 1000);
  assert_int_equal(counter(f, &f->calls), 1);
}

static void test_declared_oversized_body_gets_413_before_it_is_sent(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
  response *r = expect_response(c, 413);
  assert_string_equal(r->body, "{\"error\": \"payload_too_large\", \"detail\": \"the request body "
                               "is larger than this server accepts\"}");
  assert_has_header(r, "content-type: application/json");
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
  assert_int_equal(counter(f, &f->calls), 0);
}

static void test_streamed_oversized_body_gets_413_as_soon_as_it_exceeds(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  char chunk[600];
  int n = snprintf(chunk, sizeof chunk, "200\r\n");
  memset(chunk + n, 'a', 0x200);
  memcpy(chunk + n + 0x200, "\r\n", 2);
  size_t chunk_len = (size_t)n + 0x200 + 2;
  send_bytes(c, chunk, chunk_len); /* 512 bytes: within the limit */
  send_bytes(c, chunk, chunk_len); /* 1024: at the limit */
  usleep(50 * 1000);
  struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
  assert_int_equal(poll(&pfd, 1, 0), 0); /* nothing said yet */
  send_bytes(c, chunk, chunk_len);       /* 1536: over */
  response *r = expect_response(c, 413);
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
  assert_int_equal(counter(f, &f->calls), 0);
}

static void test_oversized_headers_get_431(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "GET /h HTTP/1.1\r\nHost: t\r\n");
  for (int i = 0; i < 40; i++)
    send_str(c, "X-Filler: 0123456789012345678901234567890123456789\r\n");
  response *r = expect_response(c, 431);
  assert_non_null(strstr(r->body, "\"error\": \"request_header_fields_too_large\""));
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
}

static void test_long_url_gets_414(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  char req[512] = "GET /";
  memset(req + 5, 'u', 300);
  strcpy(req + 305, " HTTP/1.1\r\nHost: t\r\n\r\n");
  send_str(c, req);
  response *r = expect_response(c, 414);
  assert_non_null(strstr(r->body, "\"error\": \"uri_too_long\""));
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
}

static void test_malformed_requests_get_400_with_the_parser_reason(void **state) {
  fixture *f = *state;
  static const struct {
    const char *request, *detail;
  } bad[] = {
      {"HELLO THERE\r\n\r\n", "Invalid method encountered"},
      {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "Invalid method encountered"}, /* TLS */
      {"GET / HTTP/1.1\r\nHost t\r\n\r\n", "Invalid header token"},
      {"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
       "Invalid character in Content-Length"},
      /* request smuggling: two ways to frame one body */
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       "Content-Length can't be present with Transfer-Encoding"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    client *c = dial(f->port);
    send_str(c, bad[i].request);
    response *r = expect_response(c, 400);
    char want[256];
    snprintf(want, sizeof want, "{\"error\": \"bad_request\", \"detail\": \"%s\"}", bad[i].detail);
    assert_string_equal(r->body, want);
    assert_has_header(r, "connection: close");
    assert_true(closed_within(c, 1000));
    hang_up(c);
  }
  assert_int_equal(counter(f, &f->calls), 0);
}

static void test_unsupported_http_version_gets_505(void **state) {
  fixture *f = *state;
  static const char *const reqs[] = {"GET / HTTP/2.0\r\nHost: t\r\n\r\n",
                                     "GET / HTTP/1.7\r\nHost: t\r\n\r\n"};
  for (size_t i = 0; i < 2; i++) {
    client *c = dial(f->port);
    send_str(c, reqs[i]);
    response *r = expect_response(c, 505);
    assert_non_null(strstr(r->body, "\"error\": \"http_version_not_supported\""));
    assert_true(closed_within(c, 1000));
    hang_up(c);
  }
}

static void test_slowloris_is_cut_off_at_the_header_timeout(void **state) {
  fixture *f = *state;
  const char *drip = "GET /slow HTTP/1.1\r\nHost: t\r\nX-Drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  int64_t t0 = now_ms();
  client *c = dial(f->port);
  struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
  for (const char *p = drip; *p && poll(&pfd, 1, 0) == 0; p++) {
    send(c->fd, p, 1, MSG_NOSIGNAL);
    poll(&pfd, 1, 100);
  }
  response *r = expect_response(c, 408);
  int64_t took = now_ms() - t0;
  assert_true(took >= 250);
  assert_true(took < 1000); /* 300 ms in all, although a byte came every 100 ms */
  assert_non_null(strstr(r->body, "\"error\": \"request_timeout\""));
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
  assert_int_equal(counter(f, &f->calls), 0);
}

static void test_slow_body_is_cut_off_at_the_body_timeout(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n");
  int64_t t0 = now_ms();
  struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
  for (int i = 0; i < 30 && poll(&pfd, 1, 0) == 0; i++) {
    send(c->fd, "b", 1, MSG_NOSIGNAL);
    poll(&pfd, 1, 100);
  }
  response *r = expect_response(c, 408);
  int64_t took = now_ms() - t0;
  assert_true(took >= 250 && took < 1000);
  assert_non_null(strstr(r->body, "body did not arrive in time"));
  assert_true(closed_within(c, 1000));
  hang_up(c);
}

static void test_idle_keep_alive_connection_is_closed(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "GET /once HTTP/1.1\r\nHost: t\r\n\r\n");
  expect_response(c, 200);
  int64_t t0 = now_ms();
  assert_true(closed_within(c, 2000)); /* silently: no 408 on an idle connection */
  int64_t took = now_ms() - t0;
  assert_true(took >= 500 && took < 1500);
  hang_up(c);
}

static void test_chunked_body_is_accepted(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi");
  usleep(20 * 1000); /* the body arrives in pieces */
  send_str(c, "ki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n");
  response *r = expect_response(c, 200);
  assert_string_equal(r->body, "POST /chunked q=- x=- len=9\nWikipedia");
  /* The connection goes on after a chunked request. */
  send_str(c, "GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
  assert_string_equal(expect_response(c, 200)->body, "GET /next q=- x=- len=0\n");
  hang_up(c);
}

static void test_expect_100_continue_is_honoured(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "POST /ask HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  expect_response(c, 100);
  send_str(c, "ok");
  assert_string_equal(expect_response(c, 200)->body, "POST /ask q=- x=- len=2\nok");
  hang_up(c);
}

static void test_connections_beyond_the_limit_get_503(void **state) {
  fixture *f = *state;
  client *open[4];
  for (int i = 0; i < 4; i++) { /* a request each, so that the server has registered them */
    open[i] = dial(f->port);
    send_str(open[i], "GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_response(open[i], 200);
  }
  client *c = dial(f->port);
  response *r = expect_response(c, 503);
  assert_non_null(strstr(r->body, "\"error\": \"service_unavailable\""));
  assert_has_header(r, "retry-after: 1");
  assert_has_header(r, "connection: close");
  assert_true(closed_within(c, 1000));
  hang_up(c);
  /* A freed slot is available again. */
  hang_up(open[0]);
  bool served = false;
  for (int attempt = 0; attempt < 20 && !served; attempt++) {
    c = dial(f->port);
    send_str(c, "GET /again HTTP/1.1\r\nHost: t\r\n\r\n");
    response again;
    served = read_response(c, &again) && again.status == 200;
    hang_up(c);
    if (!served) usleep(20 * 1000);
  }
  assert_true(served);
  for (int i = 1; i < 4; i++)
    hang_up(open[i]);
}

static void test_stop_lets_the_pending_answer_go_out(void **state) {
  fixture *f = *state;
  client *busy = dial(f->port), *idle = dial(f->port);
  send_str(idle, "GET /idle HTTP/1.1\r\nHost: t\r\n\r\n");
  expect_response(idle, 200);
  send_str(busy, "GET /late/200 HTTP/1.1\r\nHost: t\r\n\r\n");
  wait_for(f, &f->calls, 2);
  uv_async_send(&f->wake);
  assert_true(closed_within(idle, 300)); /* idle connections close at once */
  response *r = expect_response(busy, 200);
  assert_string_equal(r->body, "GET /late/200 q=- x=- len=0\n");
  assert_has_header(r, "connection: close");
  assert_true(closed_within(busy, 1000));
  hang_up(busy);
  hang_up(idle);
  pthread_join(f->thread, NULL);
  f->srv = NULL;
  assert_true(f->closed);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

static void test_answer_after_client_reset_only_frees(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "POST /late/150 HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody");
  wait_for(f, &f->calls, 1);
  reset(c);
  wait_for(f, &f->answers, 1);
  /* The server goes on serving. */
  c = dial(f->port);
  send_str(c, "GET /still HTTP/1.1\r\nHost: t\r\n\r\n");
  expect_response(c, 200);
  hang_up(c);
}

static void test_client_gone_while_pending_then_stop(void **state) {
  fixture *f = *state;
  client *c = dial(f->port);
  send_str(c, "GET /late/200 HTTP/1.1\r\nHost: t\r\n\r\nGET /never HTTP/1.1\r\nHost: t\r\n\r\n");
  wait_for(f, &f->calls, 1);
  hang_up(c); /* FIN while the answer is awaited */
  stop_server(f);
  assert_int_equal(counter(f, &f->answers), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
      T(test_get_and_post_are_answered),
      T(test_keep_alive_serves_sequential_requests_on_one_socket),
      T(test_http10_closes_unless_asked_to_keep_alive),
      T(test_upgrade_requests_are_answered_then_closed),
      T(test_pipelined_requests_are_answered_in_order),
      T(test_truncated_requests_never_reach_the_handler),
      T(test_declared_oversized_body_gets_413_before_it_is_sent),
      T(test_streamed_oversized_body_gets_413_as_soon_as_it_exceeds),
      T(test_oversized_headers_get_431),
      T(test_long_url_gets_414),
      T(test_malformed_requests_get_400_with_the_parser_reason),
      T(test_unsupported_http_version_gets_505),
      T(test_slowloris_is_cut_off_at_the_header_timeout),
      T(test_slow_body_is_cut_off_at_the_body_timeout),
      T(test_idle_keep_alive_connection_is_closed),
      T(test_chunked_body_is_accepted),
      T(test_expect_100_continue_is_honoured),
      T(test_connections_beyond_the_limit_get_503),
      T(test_stop_lets_the_pending_answer_go_out),
      T(test_answer_after_client_reset_only_frees),
      T(test_client_gone_while_pending_then_stop),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
