/* Server lifecycle (see server.h): starts the committer, the workers and the HTTP
 * acceptor; hands tenants to workers; stops in order — acceptor first (no new events),
 * then workers (in-flight events finish and commit), then the committer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

/* The worker let go of a tenant: free it on the main loop. */
void pl_server_tenant_dropped(void *ud) {
  pl_tenant_ref *ref = ud;
  pl_runtime_remove_tenant(ref->s->rt, ref->t);
  free(ref);
}

static void on_sweep(uv_timer_t *h);

/* --trust-proxy's list into s->trusted, each address in the form ingest.c compares. */
static int parse_trusted(pl_server *s, const char *list, pl_err *err) {
  for (const char *p = list; p && *p;) {
    size_t n = strcspn(p, ",");
    char addr[64];
    if (!n || n >= sizeof addr || s->ntrusted == PL_TRUST_MAX)
      return pl_err_set(err, PL_EINVAL,
                        "--trust-proxy: expected up to %d comma-separated IP addresses "
                        "(the reverse proxies in front of parley), like 127.0.0.1,::1",
                        PL_TRUST_MAX);
    memcpy(addr, p, n);
    addr[n] = 0;
    if (!pl_server_address_normalise(addr, s->trusted[s->ntrusted], sizeof s->trusted[0]))
      return pl_err_set(err, PL_EINVAL,
                        "--trust-proxy: \"%s\" is not an IP address (give the proxy's "
                        "address as it connects to parley, like 127.0.0.1)",
                        addr);
    s->ntrusted++;
    p += n + (p[n] == ',');
  }
  return 0;
}

int pl_server_start(pl_server **out, pl_runtime *rt, uv_loop_t *loop, const pl_server_opts *opts,
                    pl_err *err) {
  pl_server *s = calloc(1, sizeof *s);
  s->rt = rt;
  s->opts = *opts;
  if (parse_trusted(s, opts->trust_proxies, err)) {
    free(s);
    return PL_EINVAL;
  }
  if (s->opts.client_rate >= 0) {
    s->clients =
        pl_ratelimit_new(s->opts.client_rate ? s->opts.client_rate : PL_CLIENT_RATE,
                         s->opts.client_burst ? s->opts.client_burst : PL_CLIENT_BURST, 1 << 16);
    if (!s->clients) {
      free(s);
      return pl_err_set(err, PL_ENOMEM, "out of memory for the client rate table");
    }
  }
  s->loop = loop;
  if (s->opts.workers <= 0) s->opts.workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (s->opts.workers <= 0) s->opts.workers = 1;
  if (!s->opts.queue_limit) s->opts.queue_limit = 10000;
  if (!s->opts.max_body) s->opts.max_body = 1 << 20;
  pl_mailbox_init(&s->mb, loop);
  int rc = pl_committer_start(&s->committer, rt->store, s->opts.commit_batch, err);
  if (rc) {
    pl_ratelimit_free(s->clients);
    free(s);
    return rc;
  }
  rc = pl_http_client_new(&s->client, loop, err);
  if (!rc) rc = pl_feed_open(&s->feed, loop, rt->store, err);
  if (rc) {
    if (s->client) pl_http_client_close(s->client);
    pl_committer_stop(s->committer);
    pl_ratelimit_free(s->clients);
    free(s);
    return rc;
  }
  s->nworkers = s->opts.workers;
  s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
  for (int i = 0; i < s->nworkers; i++)
    s->workers[i] = pl_worker_new(s, i);
  uv_timer_init(loop, &s->sweep_timer);
  s->sweep_timer.data = s;
  uv_timer_start(&s->sweep_timer, on_sweep, 60000, 60000);
  *out = s;
  return 0;
}

int pl_server_listen(pl_server *s, pl_err *err) {
  if (s->opts.listen_port < 0 || s->http) return 0;
  pl_http_server_opts ho = {.max_body = s->opts.max_body};
  return pl_http_server_start(&s->http, s->loop, s->opts.listen_host, s->opts.listen_port, &ho,
                              pl_server_handle_http, s, err);
}

bool pl_server_ready(const pl_server *s) {
  for (size_t i = 0; i < s->rt->ntenants; i++)
    if (s->rt->tenants[i]->worker && !atomic_load(&s->rt->tenants[i]->ready)) return false;
  return true;
}

/* Copies what the acceptor needs from a tenant's config (main loop only). */
/* Dedupe entries older than PL_DEDUPE_TTL_MS cannot be redelivered any more: expire them
 * in the committer, a bounded batch a minute. */
static int sweep_apply(pl_txn *tx, void *ud, pl_err *err) {
  pl_server *s = ud;
  return pl_dedupe_sweep(tx, &s->sweep_req, err);
}

static void sweep_done(pl_commit_job *job) {
  pl_server *s = job->ud;
  s->sweeping = false;
  if (job->rc) pl_log_printf(&s->rt->log, NULL, "dedupe expiry failed: %s", job->err.msg);
}

static void on_sweep(uv_timer_t *h) {
  pl_server *s = h->data;
  if (s->sweeping || s->stopping) return;
  s->sweeping = true;
  s->sweep_req =
      (pl_dedupe_sweep_req){.now_ms = pl_clock_now_ms(&s->rt->clock), .ttl_ms = PL_DEDUPE_TTL_MS};
  s->sweep_job =
      (pl_commit_job){.apply = sweep_apply, .ud = s, .reply_to = &s->mb, .done = sweep_done};
  pl_committer_submit(s->committer, &s->sweep_job);
}

/* The acceptor opens its own instances of the tenant's channels (main loop), so webhook
 * parsing never shares an instance with the worker's sends. */
static void acceptor_config(pl_server *s, pl_tenant *t, const pl_code *code) {
  pl_channel_set fresh;
  pl_err err;
  char file[1100];
  snprintf(file, sizeof file, "%s/tenant.lua", t->dir);
  if (pl_channel_set_open(&s->rt->channels, code->cfg.channels, file, &fresh, &err)) {
    pl_log_printf(&s->rt->log, t->key, "%s", err.msg); /* the worker's set opened: rare */
    return;
  }
  pl_channel_set_close(&t->accept_channels);
  t->accept_channels = fresh;
}

void pl_server_adopt(pl_server *s, pl_tenant *t) {
  acceptor_config(s, t, t->code);
  pl_worker *w = s->workers[t->id % (uint32_t)s->nworkers];
  atomic_store(&t->ready, false);
  t->worker = w;
  pl_mailbox_post(pl_worker_mailbox(w), pl_worker_adopt, t);
}

void pl_server_swap_code(pl_server *s, pl_tenant *t, pl_code *code) {
  acceptor_config(s, t, code);
  pl_worker_swap_code(t->worker, t, code);
}

void pl_server_drop(pl_server *s, pl_tenant *t) {
  (void)s;
  pl_channel_set_close(&t->accept_channels);
  pl_worker_drop(t->worker, t);
  t->worker = NULL;
}

static void finish_stop(pl_server *s) {
  if (s->client) pl_http_client_close(s->client);
  s->client = NULL;
  uv_timer_stop(&s->sweep_timer);
  uv_close((uv_handle_t *)&s->sweep_timer, NULL);
  for (int i = 0; i < s->nworkers; i++)
    pl_worker_stop(s->workers[i]);
  for (int i = 0; i < s->nworkers; i++)
    pl_worker_free(s->workers[i]);
  s->nworkers = 0;
  pl_committer_stop(s->committer);
  s->committer = NULL;
  for (size_t i = 0; i < s->rt->ntenants; i++)
    s->rt->tenants[i]->worker = NULL;
  pl_mailbox_close(&s->mb);
  if (s->on_stopped) s->on_stopped(s->stopped_ud);
}

static void http_closed(void *ud) {
  pl_server *s = ud;
  s->http = NULL;
  finish_stop(s);
}

void pl_server_stop(pl_server *s, void (*on_stopped)(void *ud), void *ud) {
  s->stopping = true;
  s->on_stopped = on_stopped;
  s->stopped_ud = ud;
  pl_feed_close(s->feed); /* long polls are answered now: their connections may close */
  if (s->http)
    pl_http_server_stop(s->http, http_closed, s);
  else
    finish_stop(s);
}

void pl_server_free(pl_server *s) {
  if (!s) return;
  pl_feed_free(s->feed);
  pl_ratelimit_free(s->clients);
  free(s->workers);
  free(s);
}
