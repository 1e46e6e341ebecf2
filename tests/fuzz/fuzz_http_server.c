/* libFuzzer target: the inbound HTTP server (http_server.c: llhttp plus our limits,
 * keep-alive, pipelining in order, deferred answers, clients that go away) fed any bytes
 * over a real loopback connection. Whatever arrives: no crash, no leak, no undefined
 * behaviour, and the connection ends (the server answers or closes; it never hangs).
 *
 * Input: a byte choosing how the bytes are cut into writes (incremental parsing), then
 * the bytes. The handler answers at once, or later from a timer (a path with "later"),
 * or parks it like a long poll (a path with "gone": answered when the client goes,
 * pl_http_pending_on_gone, else after 100 ms), or streams it (a path with "stream": the
 * head, pieces, the end after 100 ms or when the client goes). Small limits, so inputs
 * reach them. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "http_server.h"

static uv_loop_t *loop;
static pl_http_server *server;
static int port;

typedef struct later {
  uv_timer_t timer;
  pl_http_pending *p;
  bool stream;
} later;

static void later_closed(uv_handle_t *h) {
  free(h->data);
}

static void on_later(uv_timer_t *t) {
  later *l = t->data;
  if (l->stream) {
    pl_http_stream_write(l->p, "data: end\n\n", 11);
    pl_http_stream_end(l->p);
  } else {
    pl_http_respond(l->p, 202, "text/plain", "later", 5, "X-Later: 1\r\n");
  }
  uv_close((uv_handle_t *)&l->timer, later_closed);
}

static void on_drain(void *ud) {
  later *l = ud;
  pl_http_stream_write(l->p, "data: drained\n\n", 15);
}

/* A parked request (a long poll): answered when its client goes, else after 100 ms. */
static void on_gone(void *ud) {
  later *l = ud;
  if (l->stream)
    pl_http_stream_end(l->p);
  else
    pl_http_respond(l->p, 200, NULL, NULL, 0, NULL);
  uv_timer_stop(&l->timer);
  uv_close((uv_handle_t *)&l->timer, later_closed);
}

static void handler(void *ud, const pl_http_request *req, pl_http_pending *p) {
  (void)ud;
  bool stream = strstr(req->path, "stream") != NULL;
  bool gone = stream || strstr(req->path, "gone") != NULL;
  if (gone || strstr(req->path, "later")) {
    later *l = calloc(1, sizeof *l);
    l->p = p;
    l->stream = stream;
    if (stream && pl_http_stream_start(p, 200, "text/event-stream", "X-A: b\r\n")) {
      pl_http_stream_end(p);
      free(l);
      return;
    }
    for (int i = 0; stream && i < 3; i++)
      pl_http_stream_write(p, "data: x\n\n", 9);
    if (stream) pl_http_stream_on_drain(p, on_drain, l);
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, on_later, gone ? 100 : 0, 0);
    if (gone) pl_http_pending_on_gone(p, on_gone, l);
    return;
  }
  char body[256];
  int n = snprintf(body, sizeof body, "%s %s %zu %zu %s", req->method, req->path, req->nheaders,
                   req->body_len, pl_http_header_get(req, "host") ? "host" : "-");
  pl_http_respond(p, 200, "text/plain", body, (size_t)n, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  loop = uv_default_loop();
  pl_http_server_opts opts = {.max_body = 4096,
                              .max_header_bytes = 2048,
                              .max_url = 512,
                              .header_timeout_ms = 2000,
                              .body_timeout_ms = 2000,
                              .idle_timeout_ms = 2000,
                              .max_connections = 64};
  pl_err err;
  if (pl_http_server_start(&server, loop, "127.0.0.1", 0, &opts, handler, NULL, &err)) {
    fprintf(stderr, "fuzz_http_server: %s\n", err.msg);
    abort();
  }
  port = pl_http_server_port(server);
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size) return 0;
  size_t cut = 1 + data[0] % 64; /* bytes per write: 1..64, or everything at once */
  if (data[0] >= 192) cut = size;
  data++;
  size--;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  fcntl(fd, F_SETFL, O_NONBLOCK);
  int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
  if (rc && errno != EINPROGRESS) abort();
  size_t sent = 0;
  bool shut = false, eof = false;
  double deadline = now_s() + 8; /* the server's own timeouts are 2 s */
  char buf[65536];
  while (!eof) {
    uv_run(loop, UV_RUN_NOWAIT);
    if (sent < size) {
      size_t n = size - sent < cut ? size - sent : cut;
      ssize_t w = send(fd, data + sent, n, MSG_NOSIGNAL);
      if (w > 0)
        sent += (size_t)w;
      else if (w < 0 && errno != EAGAIN && errno != ENOTCONN)
        sent = size; /* closed on us */
    } else if (!shut) {
      shutdown(fd, SHUT_WR); /* all sent: the server sees the end */
      shut = true;
    }
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != ENOTCONN)) eof = true;
    if (now_s() > deadline) {
      fprintf(stderr, "fuzz_http_server: the server neither answered nor closed in 8 s\n");
      abort();
    }
  }
  close(fd);
  for (int i = 0; i < 4; i++)
    uv_run(loop, UV_RUN_NOWAIT); /* the server's side closes */
  return 0;
}
