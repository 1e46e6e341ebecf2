/* The HTTP routes of the server (main loop): webhooks with durable accept, the web chat,
 * health and metrics. A webhook is answered 200 only after its event is committed to the
 * inbox (invariant 1); a repeated channel event id is answered 200 and changes nothing
 * (invariant 3); a tenant whose queue is full gets 429 + Retry-After, so the channel
 * redelivers instead of parley holding more than it can (backpressure).
 *
 * /webchat/<tenant>/... goes to the tenant's webchat channel like a webhook; its answers
 * may also be a feed (a long poll on the conversation, feed.c), and all of them carry
 * Access-Control-Allow-Origin: * so that the widget works on any site. That is safe
 * because the web chat uses no cookies and no ambient credentials: a visitor's token
 * travels in the request itself. The web chat's routes are public, so each client
 * address has a token bucket (--client-rate, ratelimit.c): a flood from one address gets
 * 429 + Retry-After and stores nothing, while other visitors go on. Behind a reverse
 * proxy (--trust-proxy) the client is the last X-Forwarded-For address the trusted
 * proxies did not add themselves; from any other peer the header is ignored. */
#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

/* One webhook's events on their way into the inbox. A request may carry several events
 * (Meta batches them); each is deduplicated on its own, and the request is answered once
 * all are committed. Every event counts in t->queued from acceptance until handled. */
typedef struct accept_job {
  pl_commit_job job;
  pl_server *s;
  pl_tenant *t;
  json_t *events; /* canonical events, each with "channel" and "accepted_at" */
  uint64_t *seqs; /* inbox sequence per event, 0 for a duplicate */
  pl_http_pending *p;
  int status;    /* what the plugin asked to answer after the commit (default 200) */
  json_t *after; /* requests to send once committed (the plugin's "send"), or NULL */
  char *headers; /* extra header lines of the answer (the route's, the plugin's) */
} accept_job;

/* What every answer of the web chat's routes carries (see the top of this file). */
static const char cors_headers[] = "Access-Control-Allow-Origin: *\r\n"
                                   "Access-Control-Expose-Headers: Retry-After\r\n";

/* An error answer with the route's headers, and Retry-After when retry_s > 0. */
static void refuse(pl_http_pending *p, int status, const char *error, const char *detail,
                   int retry_s, const char *route_headers) {
  char extra[2200] = "";
  if (retry_s > 0) snprintf(extra, sizeof extra, "Retry-After: %d\r\n", retry_s);
  if (route_headers)
    snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "%s", route_headers);
  pl_http_respond_error(p, status, error, detail, extra);
}

static int accept_apply(pl_txn *tx, void *ud, pl_err *err) {
  accept_job *a = ud;
  return pl_inbox_put_events(tx, a->t->id, a->events, a->seqs, err);
}

static void accept_done(pl_commit_job *job) {
  accept_job *a = (accept_job *)job;
  pl_server *s = a->s;
  size_t n = json_array_size(a->events), fresh = 0;
  if (job->rc) {
    pl_log_printf(&s->rt->log, a->t->key, "could not accept an event: %s", job->err.msg);
    refuse(a->p, 503, "storage unavailable", "the event was not stored; send it again later", 5,
           a->headers);
    atomic_fetch_sub(&a->t->queued, (long)n);
  } else {
    size_t i;
    json_t *ev;
    json_array_foreach(a->events, i, ev) {
      if (!a->seqs[i]) {
        atomic_fetch_add(&a->t->stats.duplicates, 1);
        atomic_fetch_sub(&a->t->queued, 1);
      } else {
        fresh++;
        atomic_fetch_add(&a->t->stats.accepted, 1);
        if (a->t->worker)
          pl_worker_post_event(a->t->worker, a->t, json_incref(ev), a->seqs[i]);
        else
          atomic_fetch_sub(&a->t->queued, 1); /* stopped meanwhile: it waits in the inbox */
      }
    }
    pl_channel_send_after(s->client, a->after, &s->rt->log, a->t->key);
    static const char ok[] = "{\"ok\":true}", dup[] = "{\"ok\":true,\"duplicate\":true}";
    bool all_dup = n && !fresh;
    pl_http_respond(a->p, a->status, "application/json", all_dup ? dup : ok,
                    all_dup ? sizeof dup - 1 : sizeof ok - 1, a->headers);
  }
  json_decref(a->events);
  json_decref(a->after);
  free(a->seqs);
  free(a->headers);
  free(a);
}

/* Durable accept of `events` (takes the reference); p is answered after the commit, with
 * the extra header lines `headers` (copied; may be NULL). Refuses with 429 when the
 * tenant's queue is full. */
static void submit_accept(pl_server *s, pl_tenant *t, json_t *events, pl_http_pending *p,
                          int status, json_t *after, const char *headers) {
  size_t n = json_array_size(events);
  if ((size_t)atomic_fetch_add(&t->queued, (long)n) + n > s->opts.queue_limit) {
    atomic_fetch_sub(&t->queued, (long)n);
    json_decref(events);
    json_decref(after);
    refuse(p, 429, "tenant busy",
           "this tenant's queue is full; the event was not accepted, send it again", 1, headers);
    return;
  }
  int64_t now = pl_clock_now_ms(&s->rt->clock);
  size_t i;
  json_t *ev;
  json_array_foreach(events, i, ev) json_object_set_new(ev, "accepted_at", json_integer(now));
  accept_job *a = calloc(1, sizeof *a);
  *a = (accept_job){.job = {.apply = accept_apply, .done = accept_done, .reply_to = &s->mb},
                    .s = s,
                    .t = t,
                    .events = events,
                    .seqs = calloc(n ? n : 1, sizeof(uint64_t)),
                    .p = p,
                    .status = status ? status : 200,
                    .after = after,
                    .headers = headers ? strdup(headers) : NULL};
  a->job.ud = a;
  pl_committer_submit(s->committer, &a->job);
}

typedef struct sweep {
  int64_t cutoff;
  size_t max, n;
  unsigned char (*keys)[PL_KEY_MAX];
  size_t *lens;
} sweep;

static int sweep_collect(void *ud, pl_bytes key, pl_bytes val) {
  sweep *sw = ud;
  if (val.len == 8 && (int64_t)pl_key_read_u64(val.data) < sw->cutoff && key.len <= PL_KEY_MAX) {
    memcpy(sw->keys[sw->n], key.data, key.len);
    sw->lens[sw->n++] = key.len;
  }
  return sw->n >= sw->max;
}

int pl_dedupe_sweep(pl_txn *tx, void *ud, pl_err *err) {
  pl_dedupe_sweep_req *r = ud;
  sweep sw = {.cutoff = r->now_ms - r->ttl_ms, .max = r->max ? r->max : 10000};
  sw.keys = malloc(sw.max * sizeof *sw.keys);
  sw.lens = malloc(sw.max * sizeof *sw.lens);
  pl_store_scan(tx, PL_T_DEDUPE, "", 0, NULL, 0, sweep_collect, &sw);
  int rc = 0;
  for (size_t i = 0; i < sw.n && !rc; i++)
    rc = pl_store_del(tx, PL_T_DEDUPE, sw.keys[i], sw.lens[i]);
  r->removed = rc ? 0 : sw.n;
  free(sw.keys);
  free(sw.lens);
  return rc == PL_EFULL || !rc ? rc : pl_err_set(err, rc, "cannot expire dedupe entries");
}

static bool secret_ok(const char *want, const char *got) {
  if (!want || !got) return false;
  size_t n = strlen(want);
  return strlen(got) == n && CRYPTO_memcmp(want, got, n) == 0;
}

/* Checks what a plugin made of a webhook: an array of canonical events, each with the
 * fields the runtime relies on. */
static const char *events_invalid(const json_t *events) {
  if (!json_is_array(events)) return "\"events\" is not an array";
  size_t i;
  json_t *ev;
  json_array_foreach(events, i, ev) {
    static const char *const kinds[] = {"text", "button",  "contact",   "location", "media",
                                        "edit", "blocked", "unblocked", "status",   NULL};
    const char *kind = json_string_value(json_object_get(ev, "kind"));
    bool known = false;
    for (const char *const *k = kinds; kind && *k && !known; k++)
      known = !strcmp(kind, *k);
    bool textual = kind && (!strcmp(kind, "text") || !strcmp(kind, "button"));
    if (!json_string_value(json_object_get(ev, "event_id")) ||
        !json_string_value(json_object_get(ev, "chat_id")) || !known ||
        (textual && !json_string_value(json_object_get(ev, "text"))))
      return "an event lacks event_id or chat_id, has an unknown kind, or a text/button event "
             "lacks its text";
  }
  return NULL;
}

/* Header lines from a plugin's "headers" object ({"Cache-Control": "no-cache"}) into
 * out, after the route's own; names that parley sets itself, and anything that could
 * split a header, are left out. 405 answers get "Allow: POST" unless the plugin says. */
static void plugin_headers(const json_t *h, int status, const char *route_headers, char *out,
                           size_t n) {
  static const char *const reserved[] = {"content-length",
                                         "content-type",
                                         "connection",
                                         "transfer-encoding",
                                         "access-control-allow-origin",
                                         NULL};
  snprintf(out, n, "%s", route_headers ? route_headers : "");
  bool allow = false;
  const char *name;
  json_t *v;
  json_object_foreach((json_t *)h, name, v) {
    const char *value = json_string_value(v);
    bool ok = value && *name && strlen(name) < 64;
    for (const char *c = name; ok && *c; c++)
      ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
           *c == '-';
    for (const char *c = value; ok && *c; c++)
      ok = (unsigned char)*c >= 0x20 && *c != 0x7f;
    for (const char *const *r = reserved; ok && *r; r++)
      ok = strcasecmp(name, *r) != 0;
    size_t used = strlen(out);
    if (!ok || used + strlen(name) + strlen(value) + 5 >= n) continue;
    snprintf(out + used, n - used, "%s: %s\r\n", name, value);
    allow = allow || !strcasecmp(name, "allow");
  }
  if (status == 405 && !allow && strlen(out) + 14 < n) strcat(out, "Allow: POST\r\n");
}

/* A plugin's {"feed": {"chat_id", "after", "wait_ms"}}: the conversation's history after
 * `after`, now or when it grows (feed.c). */
static void feed(pl_server *s, pl_tenant *t, const char *channel, const json_t *f,
                 pl_http_pending *p, const char *headers) {
  const char *chat = json_string_value(json_object_get(f, "chat_id"));
  json_int_t after = json_integer_value(json_object_get(f, "after"));
  json_int_t wait = json_integer_value(json_object_get(f, "wait_ms"));
  if (!chat || !*chat || strlen(chat) > 256 || after < 0) {
    pl_log_printf(&s->rt->log, t->key,
                  "channel %s: a feed answer lacks chat_id or has a bad "
                  "\"after\" (a bug in the plugin)",
                  channel);
    refuse(p, 500, "channel plugin error", "a feed needs chat_id and after >= 0", 0, headers);
    return;
  }
  if (wait < 0) wait = 0;
  if (wait > 60000) wait = 60000;
  char conv[600];
  pl_conv_key(conv, sizeof conv, channel, chat);
  if (json_is_true(json_object_get(f, "stream")))
    pl_feed_stream(s->feed, t, conv, (uint64_t)after, p, headers);
  else
    pl_feed_wait(s->feed, t, conv, (uint64_t)after, wait, p, headers);
}

/* A request for tenant tkey's channel: the plugin reads it and says what to do. Every
 * answer carries route_headers (static, or NULL). */
static void webhook(pl_server *s, const pl_http_request *req, pl_http_pending *p, const char *tkey,
                    const char *channel, const char *route_headers) {
  if (s->stopping) {
    refuse(p, 503, "stopping", "parley is shutting down; send it again later", 5, route_headers);
    return;
  }
  pl_tenant *t = pl_runtime_find_tenant(s->rt, tkey);
  char detail[512];
  if (!t || !t->worker) {
    snprintf(detail, sizeof detail, "no tenant \"%s\" is being served here", tkey);
    refuse(p, 404, "unknown tenant", detail, 0, route_headers);
    return;
  }
  pl_channel_inst *ci = pl_channel_set_find(&t->accept_channels, channel);
  if (!ci) {
    snprintf(detail, sizeof detail, "tenant \"%s\" has no \"%s\" channel in its tenant.lua", tkey,
             channel);
    refuse(p, 404, "unknown channel", detail, 0, route_headers);
    return;
  }
  if (!atomic_load(&t->ready)) {
    refuse(p, 503, "starting", "this tenant is recovering its queue; send it again", 1,
           route_headers);
    return;
  }
  pl_channel_request creq = {.method = req->method,
                             .path = req->path,
                             .query = req->query,
                             .headers = (const pl_channel_header *)req->headers,
                             .nheaders = req->nheaders,
                             .body = req->body,
                             .body_len = req->body_len};
  char *answer = ci->api->webhook(ci->inst, &creq);
  json_t *res = answer ? json_loads(answer, 0, NULL) : NULL;
  free(answer);
  json_t *events = json_object_get(res, "events"), *fd = json_object_get(res, "feed");
  int status = (int)json_integer_value(json_object_get(res, "status"));
  const char *bad = !res                        ? "the channel plugin returned no JSON"
                    : events                    ? events_invalid(events)
                    : fd && !json_is_object(fd) ? "\"feed\" is not an object"
                                                : NULL;
  char headers[2048];
  plugin_headers(json_object_get(res, "headers"), status, route_headers, headers, sizeof headers);
  if (bad) {
    pl_log_printf(&s->rt->log, t->key, "channel %s: %s (a bug in the plugin)", channel, bad);
    refuse(p, 500, "channel plugin error", bad, 0, route_headers);
  } else if (fd) {
    feed(s, t, channel, fd, p, headers);
  } else if (!events) { /* the plugin answers by itself: a refusal, a handshake, a file */
    if (status >= 400) atomic_fetch_add(&s->stats.rejected, 1);
    const char *body = json_string_value(json_object_get(res, "body"));
    const char *ctype = json_string_value(json_object_get(res, "content_type"));
    pl_http_respond(p, status ? status : 200, ctype ? ctype : "text/plain", body ? body : "",
                    body ? json_string_length(json_object_get(res, "body")) : 0, headers);
  } else {
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) json_object_set_new(ev, "channel", json_string(channel));
    json_t *after = json_object_get(res, "send");
    submit_accept(s, t, json_incref(events), p, status,
                  json_is_array(after) ? json_incref(after) : NULL, headers);
  }
  json_decref(res);
}

/* Percent-decodes a path segment in place ("%20" -> " "); false if it decodes to a NUL
 * or a slash, which no tenant name holds. */
static bool segment_decode(char *s) {
  char *o = s;
  for (const char *i = s; *i; i++) {
    unsigned hi, lo;
    if (*i == '%' && sscanf(i + 1, "%1x%1x", &hi, &lo) == 2) {
      *o = (char)(hi * 16 + lo);
      i += 2;
    } else
      *o = *i;
    if (!*o || *o == '/') return false;
    o++;
  }
  *o = 0;
  return true;
}

bool pl_server_address_normalise(const char *addr, char *out, size_t n) {
  unsigned char bin[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, addr, bin) == 1) return inet_ntop(AF_INET, bin, out, (socklen_t)n);
  if (inet_pton(AF_INET6, addr, bin) != 1) return false;
  if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)bin))
    return inet_ntop(AF_INET, bin + 12, out, (socklen_t)n);
  return inet_ntop(AF_INET6, bin, out, (socklen_t)n);
}

static bool trusted(const pl_server *s, const char *addr) {
  for (size_t i = 0; i < s->ntrusted; i++)
    if (!strcmp(s->trusted[i], addr)) return true;
  return false;
}

/* The address a request counts against: the peer's; when the peer is a trusted proxy,
 * X-Forwarded-For read from the right, past the trusted proxies' own addresses, up to
 * the first one they did not add (a client can put anything on the left). An entry that
 * is not an address ends the walk at the last good one. */
static void client_address(const pl_server *s, const pl_http_request *req, char *out, size_t n) {
  if (!pl_server_address_normalise(req->peer ? req->peer : "", out, n))
    snprintf(out, n, "%s", req->peer ? req->peer : "");
  const char *xff = pl_http_header_get(req, "x-forwarded-for");
  if (!xff || !trusted(s, out)) return;
  const char *end = xff + strlen(xff);
  for (;;) {
    const char *start = end;
    while (start > xff && start[-1] != ',')
      start--;
    const char *a = start, *b = end;
    while (a < b && isspace((unsigned char)*a))
      a++;
    while (b > a && isspace((unsigned char)b[-1]))
      b--;
    char addr[64], norm[64];
    if (b == a || (size_t)(b - a) >= sizeof addr) return;
    memcpy(addr, a, (size_t)(b - a));
    addr[b - a] = 0;
    if (!pl_server_address_normalise(addr, norm, sizeof norm)) return;
    snprintf(out, n, "%s", norm);
    if (!trusted(s, norm) || start == xff) return;
    end = start - 1;
  }
}

/* /webchat/<tenant>[/...]: the tenant's webchat channel (plugins/webchat). */
static void webchat(pl_server *s, const pl_http_request *req, pl_http_pending *p) {
  char tkey[256];
  const char *rest = req->path + 9, *slash = strchr(rest, '/');
  size_t tl = slash ? (size_t)(slash - rest) : strlen(rest);
  if (!tl || tl >= sizeof tkey) {
    refuse(p, 404, "not found", "the web chat is at /webchat/<tenant>/", 0, cors_headers);
    return;
  }
  memcpy(tkey, rest, tl);
  tkey[tl] = 0;
  if (!segment_decode(tkey)) {
    refuse(p, 404, "unknown tenant", "not a tenant name", 0, cors_headers);
    return;
  }
  if (!strcmp(req->method, "OPTIONS")) { /* a preflight, should a page send one */
    pl_http_respond(p, 204, NULL, NULL, 0,
                    "Access-Control-Allow-Origin: *\r\n"
                    "Access-Control-Allow-Methods: GET, POST\r\n"
                    "Access-Control-Allow-Headers: Content-Type\r\n"
                    "Access-Control-Max-Age: 86400\r\n");
    return;
  }
  if (s->clients) {
    char client[64];
    client_address(s, req, client, sizeof client);
    int64_t wait_ms = pl_ratelimit_take(s->clients, client, pl_clock_mono_ns() / 1000000);
    if (wait_ms) {
      s->stats.client_limited++;
      refuse(p, 429, "too many requests",
             "this address sent more web chat requests than parley takes from one address "
             "(serve --client-rate, --client-burst); wait for Retry-After",
             (int)((wait_ms + 999) / 1000), cors_headers);
      return;
    }
  }
  webhook(s, req, p, tkey, "webchat", cors_headers);
}

/* Appends s to f, percent-encoded for a URL path segment. */
static void put_segment(FILE *f, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-._~", c))
      fputc(c, f);
    else
      fprintf(f, "%%%02X", c);
  }
}

/* GET /: the web chat of the one tenant that has one (a redirect to its page), or a list
 * of links when several have; 404 when none has. */
static bool root_page(pl_server *s, pl_http_pending *p) {
  size_t n = 0;
  pl_tenant *only = NULL;
  for (size_t i = 0; i < s->rt->ntenants; i++)
    if (s->rt->tenants[i]->worker &&
        pl_channel_set_find(&s->rt->tenants[i]->accept_channels, "webchat")) {
      only = s->rt->tenants[i];
      n++;
    }
  if (!n) return false;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (n == 1) {
    fputs("Location: /webchat/", f);
    put_segment(f, only->key);
    fputs("/\r\n", f);
    fclose(f);
    pl_http_respond(p, 302, "text/plain", "", 0, buf);
    free(buf);
    return true;
  }
  fputs("<!doctype html>\n<meta charset=\"utf-8\">\n<title>parley: web chats</title>\n"
        "<h1>Web chats</h1>\n<ul>\n",
        f);
  for (size_t i = 0; i < s->rt->ntenants; i++) {
    pl_tenant *t = s->rt->tenants[i];
    if (!t->worker || !pl_channel_set_find(&t->accept_channels, "webchat")) continue;
    fputs("<li><a href=\"/webchat/", f);
    put_segment(f, t->key);
    fputs("/\">", f);
    for (const char *c = t->key; *c; c++) {
      if (*c == '<')
        fputs("&lt;", f);
      else if (*c == '>')
        fputs("&gt;", f);
      else if (*c == '&')
        fputs("&amp;", f);
      else
        fputc(*c, f);
    }
    fputs("</a></li>\n", f);
  }
  fputs("</ul>\n", f);
  fclose(f);
  pl_http_respond(p, 200, "text/html; charset=utf-8", buf, len, NULL);
  free(buf);
  return true;
}

static void metric_family(FILE *f, pl_server *s, const char *name, const char *type,
                          const char *help, size_t offset) {
  fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
  for (size_t i = 0; i < s->rt->ntenants; i++) {
    pl_tenant *t = s->rt->tenants[i];
    const _Atomic uint64_t *v = (const _Atomic uint64_t *)((const char *)&t->stats + offset);
    fprintf(f, "%s{tenant=\"%s\"} %llu\n", name, t->key, (unsigned long long)*v);
  }
}

static void metrics(pl_server *s, pl_http_pending *p) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
#define FAMILY(name, type, help, field)                                                            \
  metric_family(f, s, name, type, help, offsetof(pl_tenant_stats, field))
  FAMILY("parley_events_accepted_total", "counter", "Events durably accepted.", accepted);
  FAMILY("parley_events_duplicate_total", "counter", "Redelivered events ignored.", duplicates);
  FAMILY("parley_events_handled_total", "counter", "Events handled and committed.", handled);
  FAMILY("parley_handler_errors_total", "counter", "Handlers that failed.", handler_errors);
  FAMILY("parley_event_reruns_total", "counter",
         "Events run again: a bot.store value they read changed before their commit.", reruns);
  FAMILY("parley_messages_sent_total", "counter", "Messages the channel accepted.", sent);
  FAMILY("parley_send_retries_total", "counter", "Sends to retry later.", send_retries);
  FAMILY("parley_messages_dead_total", "counter", "Messages refused for good.", dead);
#undef FAMILY
  fprintf(f, "# HELP parley_outbox_depth Messages committed, not yet delivered.\n"
             "# TYPE parley_outbox_depth gauge\n");
  for (size_t i = 0; i < s->rt->ntenants; i++)
    fprintf(f, "parley_outbox_depth{tenant=\"%s\"} %lld\n", s->rt->tenants[i]->key,
            (long long)s->rt->tenants[i]->stats.outbox_depth);
  fprintf(f, "# HELP parley_tenant_queue Events accepted, not yet handled.\n"
             "# TYPE parley_tenant_queue gauge\n");
  for (size_t i = 0; i < s->rt->ntenants; i++)
    fprintf(f, "parley_tenant_queue{tenant=\"%s\"} %ld\n", s->rt->tenants[i]->key,
            (long)s->rt->tenants[i]->queued);
  fprintf(f, "# HELP parley_event_seconds From accept to commit.\n"
             "# TYPE parley_event_seconds histogram\n");
  for (size_t t = 0; t < s->rt->ntenants; t++) {
    pl_tenant *tn = s->rt->tenants[t];
    uint64_t cum = 0;
    for (int i = 0; i < 24; i++) {
      cum += tn->stats.lat_hist[i];
      fprintf(f, "parley_event_seconds_bucket{tenant=\"%s\",le=\"%g\"} %llu\n", tn->key,
              (double)(16ULL << i) / 1e6, (unsigned long long)cum);
    }
    fprintf(f, "parley_event_seconds_bucket{tenant=\"%s\",le=\"+Inf\"} %llu\n", tn->key,
            (unsigned long long)cum);
    fprintf(f, "parley_event_seconds_count{tenant=\"%s\"} %llu\n", tn->key,
            (unsigned long long)cum);
  }
  fprintf(f,
          "# HELP parley_requests_rejected_total Malformed or refused webhook requests.\n"
          "# TYPE parley_requests_rejected_total counter\nparley_requests_rejected_total %llu\n",
          (unsigned long long)s->stats.rejected);
  fprintf(f,
          "# HELP parley_client_limited_total Web chat requests refused by the per-address "
          "limit.\n# TYPE parley_client_limited_total counter\nparley_client_limited_total %llu\n",
          (unsigned long long)s->stats.client_limited);
  pl_committer_stats cs;
  pl_committer_stats_get(s->committer, &cs);
  fprintf(f,
          "# HELP parley_commits_total Write transactions (one fsync each).\n"
          "# TYPE parley_commits_total counter\nparley_commits_total %llu\n",
          (unsigned long long)cs.commits);
  fprintf(f, "# HELP parley_commit_batch_size Jobs per commit.\n"
             "# TYPE parley_commit_batch_size histogram\n");
  static const int le[8] = {1, 3, 7, 15, 31, 63, 127, 0};
  uint64_t cum = 0;
  for (int i = 0; i < 8; i++) {
    cum += cs.batch_hist[i];
    if (le[i])
      fprintf(f, "parley_commit_batch_size_bucket{le=\"%d\"} %llu\n", le[i],
              (unsigned long long)cum);
  }
  fprintf(f, "parley_commit_batch_size_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
  fprintf(f, "parley_commit_batch_size_sum %llu\nparley_commit_batch_size_count %llu\n",
          (unsigned long long)cs.jobs, (unsigned long long)cs.commits);
  fclose(f);
  pl_http_respond(p, 200, "text/plain; version=0.0.4", buf, len, NULL);
  free(buf);
}

/* Operator actions: POST /admin/<tenant>/conversations/<channel>/<chat>/<action>, action
 * one of send {"text","operator"}, handoff {"reason"}, handback. Authorised by the bearer
 * token in PARLEY_ADMIN_TOKEN. They enter the conversation's queue through the inbox like
 * any event, so they are durable and ordered with the user's messages. */
static void admin(pl_server *s, const pl_http_request *req, pl_http_pending *p) {
  const char *token = getenv("PARLEY_ADMIN_TOKEN");
  const char *auth = pl_http_header_get(req, "authorization");
  if (!token || !*token) {
    pl_http_respond_error(p, 403, "admin API disabled",
                          "start parley with PARLEY_ADMIN_TOKEN set to enable it", NULL);
    return;
  }
  if (!auth || strncmp(auth, "Bearer ", 7) || !secret_ok(token, auth + 7)) {
    pl_http_respond_error(p, 401, "wrong token", "send Authorization: Bearer <PARLEY_ADMIN_TOKEN>",
                          NULL);
    return;
  }
  char tkey[256] = "", channel[64] = "", chat[256] = "", action[32] = "";
  int n = sscanf(req->path, "/admin/%255[^/]/conversations/%63[^/]/%255[^/]/%31s", tkey, channel,
                 chat, action);
  if (n != 4 || strcmp(req->method, "POST") ||
      (strcmp(action, "send") && strcmp(action, "handoff") && strcmp(action, "handback"))) {
    pl_http_respond_error(p, 404, "not found",
                          "POST /admin/<tenant>/conversations/<channel>/<chat>/"
                          "send|handoff|handback",
                          NULL);
    return;
  }
  pl_tenant *t = pl_runtime_find_tenant(s->rt, tkey);
  if (!t || !t->worker) {
    pl_http_respond_error(p, 404, "unknown tenant", tkey, NULL);
    return;
  }
  if (!atomic_load(&t->ready)) {
    pl_http_respond_error(p, 503, "starting", "this tenant is recovering its queue; send it again",
                          "Retry-After: 1\r\n");
    return;
  }
  json_t *body = req->body_len ? json_loadb(req->body, req->body_len, 0, NULL) : json_object();
  const char *text = json_string_value(json_object_get(body, "text"));
  if (!strcmp(action, "send") && (!text || !*text)) {
    json_decref(body);
    pl_http_respond_error(p, 400, "invalid request", "send needs {\"text\": \"...\"}", NULL);
    return;
  }
  char id[64];
  snprintf(id, sizeof id, "admin-%lld-%u", (long long)pl_clock_real_ms(), (unsigned)rand());
  const char *op = json_string_value(json_object_get(body, "operator"));
  const char *reason = json_string_value(json_object_get(body, "reason"));
  json_t *event = json_pack("{s:s,s:s,s:s,s:s,s:s}", "channel", channel, "chat_id", chat,
                            "event_id", id, "kind", !strcmp(action, "send") ? "operator" : action,
                            "user_name", op ? op : "operator");
  if (text || reason) json_object_set_new(event, "text", json_string(text ? text : reason));
  json_decref(body);
  submit_accept(s, t, json_pack("[o]", event), p, 200, NULL, NULL);
}

void pl_server_handle_http(void *ud, const pl_http_request *req, pl_http_pending *p) {
  pl_server *s = ud;
  if (!strncmp(req->path, "/admin/", 7)) {
    admin(s, req, p);
    return;
  }
  if (!strncmp(req->path, "/hook/", 6)) {
    char tkey[256], channel[64];
    const char *rest = req->path + 6, *slash = strchr(rest, '/');
    size_t tl = slash ? (size_t)(slash - rest) : 0;
    if (!slash || tl == 0 || tl >= sizeof tkey || strchr(slash + 1, '/') || !slash[1] ||
        strlen(slash + 1) >= sizeof channel) {
      pl_http_respond_error(p, 404, "not found", "webhooks are POST /hook/<tenant>/<channel>",
                            NULL);
      return;
    }
    memcpy(tkey, rest, tl);
    tkey[tl] = 0;
    snprintf(channel, sizeof channel, "%s", slash + 1);
    webhook(s, req, p, tkey, channel, NULL);
  } else if (!strncmp(req->path, "/webchat/", 9)) {
    webchat(s, req, p);
  } else if (!strcmp(req->path, "/") && !strcmp(req->method, "GET") && root_page(s, p)) {
    return;
  } else if (!strcmp(req->path, "/healthz")) {
    char body[128];
    int n = snprintf(body, sizeof body, "{\"ok\":%s,\"tenants\":%zu}",
                     s->stopping ? "false" : "true", s->rt->ntenants);
    pl_http_respond(p, s->stopping ? 503 : 200, "application/json", body, (size_t)n, NULL);
  } else if (!strcmp(req->path, "/metrics")) {
    metrics(s, p);
  } else {
    pl_http_respond_error(p, 404, "not found",
                          "routes: POST /hook/<tenant>/<channel>, /webchat/<tenant>/, "
                          "GET /healthz, GET /metrics",
                          NULL);
  }
}
