/* `parley serve`: the daemon. Loads every tenant folder under --tenants, fires timers
 * on time, reloads tenants live (inotify tells it when to look, signatures say what
 * changed, SIGHUP forces a look, a slow poll catches what inotify misses), starts new
 * folders and stops removed ones, and exits cleanly on SIGTERM. Signals and file events
 * are handled by the loop between two events, so an event is never cut in half. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <uv.h>

#include "cli.h"
#include "server.h"
#include "watch.h"

typedef struct watched {
  char *key;
  uv_fs_event_t h;
  uint64_t broken_sig; /* signature of a folder that failed to load, 0 if none */
  bool seen;
  struct serve *s;
} watched;

typedef struct serve {
  pl_runtime *rt;
  pl_server *server;
  uv_timer_t ready_timer; /* waits for every tenant's recovery before listening */
  int64_t t0;
  const char *host;
  int exit_code;
  uv_loop_t *loop;
  char *root;
  uv_timer_t debounce, poll;
  uv_signal_t sigterm, sigint, sighup;
  uv_fs_event_t root_ev;
  watched **w;
  size_t nw, capw;
} serve;

static const char serve_usage[] =
    "usage: parley serve --tenants DIR --data PATH [--listen ADDR:PORT] [--workers N]\n"
    "                    [--commit group|per-event]\n"
    "\n"
    "Run every tenant folder under DIR (a folder holding a tenant.lua). Tenants reload\n"
    "live when their files change (SIGHUP forces a check); new folders start, removed\n"
    "ones stop. SIGTERM or SIGINT: finish the current event, commit, exit 0.\n"
    "\n"
    "  --tenants DIR      folder of tenant folders\n"
    "  --data PATH        the LMDB store (created if missing)\n"
    "  --listen ADDR:PORT serve webhooks (POST /hook/TENANT/CHANNEL), /healthz, /metrics\n"
    "  --workers N        event loops (threads); default: the number of cores\n"
    "  --queue-limit N    accepted, unhandled events per tenant before webhooks get 429\n"
    "                     (default 10000)\n"
    "  --commit MODE      group (default: many events per fsync) or per-event (one fsync\n"
    "                     each; for comparison)\n"
    "  --client-rate N    web chat requests a second from one client address (default 30;\n"
    "                     0 = no limit); more get 429 + Retry-After\n"
    "  --client-burst N   requests one address may send at once (default 300)\n"
    "  --trust-proxy LIST comma-separated addresses of reverse proxies in front of parley:\n"
    "                     from them, X-Forwarded-For names the client\n"
    "\n"
    "Exit codes: 0 stopped cleanly, 1 could not start, 2 usage error.\n";

static void on_deliver(void *ud, pl_tenant *t, const char *channel, const char *chat_id,
                       const json_t *user, const json_t *reply) {
  (void)ud;
  (void)user;
  const char *text = json_string_value(json_object_get(reply, "text"));
  if (!text) /* a media or card message without text: its first link */
    text = json_string_value(json_object_get(json_object_get(reply, "media"), "url"));
  if (!text)
    text = json_string_value(
        json_object_get(json_array_get(json_object_get(reply, "cards"), 0), "title"));
  if (!text) text = "";
  printf("%s %s:%s ", t->key, channel, chat_id);
  for (const char *p = text; *p; p++) {
    if (*p == '\n')
      fputs("\\n", stdout);
    else
      putchar(*p);
  }
  putchar('\n');
  fflush(stdout);
}

static void rescan(serve *s);

static void on_debounce(uv_timer_t *h) {
  rescan(h->data);
}

static void on_fs(uv_fs_event_t *h, const char *f, int ev, int status) {
  serve *s = h->data;
  uv_timer_start(&s->debounce, on_debounce, 20, 0);
}

static watched *find_watch(serve *s, const char *key) {
  for (size_t i = 0; i < s->nw; i++)
    if (!strcmp(s->w[i]->key, key)) return s->w[i];
  return NULL;
}

static void free_watch(uv_handle_t *h) {
  watched *w = h->data;
  free(w->key);
  free(w);
}

static watched *add_watch(serve *s, const char *key, const char *dir) {
  watched *w = calloc(1, sizeof *w);
  w->key = strdup(key);
  w->s = s;
  uv_fs_event_init(s->loop, &w->h);
  w->h.data = s;
  uv_fs_event_start(&w->h, on_fs, dir, 0);
  if (s->nw == s->capw) {
    s->capw = s->capw ? s->capw * 2 : 16;
    s->w = realloc(s->w, s->capw * sizeof *s->w);
  }
  s->w[s->nw++] = w;
  return w;
}

static void drop_watch(serve *s, size_t i) {
  watched *w = s->w[i];
  s->w[i] = s->w[--s->nw];
  uv_fs_event_stop(&w->h);
  w->h.data = w;
  uv_close((uv_handle_t *)&w->h, free_watch);
}

static void rescan(serve *s) {
  for (size_t i = 0; i < s->nw; i++)
    s->w[i]->seen = false;
  DIR *d = opendir(s->root);
  struct dirent *e;
  char dir[1200], cfg[1300];
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(dir, sizeof dir, "%s/%s", s->root, e->d_name);
    snprintf(cfg, sizeof cfg, "%s/tenant.lua", dir);
    struct stat st;
    if (stat(cfg, &st) != 0) continue;
    watched *w = find_watch(s, e->d_name);
    if (!w) w = add_watch(s, e->d_name, dir);
    w->seen = true;
    pl_tenant *t = pl_runtime_find_tenant(s->rt, e->d_name);
    pl_err err;
    if (t) {
      uint64_t sig = pl_watch_signature(t->dir);
      if (sig == t->signature) continue;
      t->signature = sig; /* a broken version is not retried until the files change again */
      pl_code_env env = {.channels = &s->rt->channels,
                         .need_secrets = true,
                         .lib_dir = s->rt->lib_dir,
                         .clock = &s->rt->clock,
                         .log = &s->rt->log};
      pl_code *fresh;
      if (pl_code_load(&fresh, t->dir, t->key, &env, &err) == 0) {
        pl_log_printf(&s->rt->log, t->key, "reloaded (version %.12s)", fresh->version);
        pl_server_swap_code(s->server, t, fresh);
      } else {
        pl_log_printf(&s->rt->log, t->key, "reload failed, old code keeps serving: %s", err.msg);
      }
      continue;
    }
    uint64_t sig = pl_watch_signature(dir);
    if (w->broken_sig == sig) continue;
    if (pl_runtime_add_tenant(s->rt, dir, &t, &err) == 0) {
      w->broken_sig = 0;
      pl_log_printf(&s->rt->log, t->key, "started (version %.12s)", t->code->version);
      pl_server_adopt(s->server, t);
    } else {
      w->broken_sig = sig;
      pl_log_printf(&s->rt->log, e->d_name, "failed to load, not serving: %s", err.msg);
    }
  }
  if (d) closedir(d);
  for (size_t i = 0; i < s->nw;) {
    if (s->w[i]->seen) {
      i++;
      continue;
    }
    pl_tenant *t = pl_runtime_find_tenant(s->rt, s->w[i]->key);
    if (t && t->worker) {
      pl_log_printf(&s->rt->log, t->key, "stopped (folder removed)");
      pl_server_drop(s->server, t);
    }
    drop_watch(s, i);
  }
}

static void on_poll(uv_timer_t *h) {
  serve *s = h->data;
  for (size_t i = 0; i < s->rt->ntenants; i++)
    pl_timers_refresh(s->rt, s->rt->tenants[i]);
  rescan(s);
}

static void close_cb(uv_handle_t *h) {
  (void)h;
}

static void close_handles(void *ud) {
  serve *s = ud;
  if (!uv_is_closing((uv_handle_t *)&s->ready_timer)) {
    uv_timer_stop(&s->ready_timer);
    uv_close((uv_handle_t *)&s->ready_timer, NULL);
  }
  pl_log_printf(&s->rt->log, NULL, "stopped: every accepted event handled and committed");
  uv_timer_stop(&s->debounce);
  uv_timer_stop(&s->poll);
  uv_close((uv_handle_t *)&s->debounce, close_cb);
  uv_close((uv_handle_t *)&s->poll, close_cb);
  uv_close((uv_handle_t *)&s->sigterm, close_cb);
  uv_close((uv_handle_t *)&s->sigint, close_cb);
  uv_close((uv_handle_t *)&s->sighup, close_cb);
  uv_fs_event_stop(&s->root_ev);
  uv_close((uv_handle_t *)&s->root_ev, close_cb);
  while (s->nw)
    drop_watch(s, s->nw - 1);
}

/* The server takes up to 10,000 connections (8,000 of them parked web chat polls), each a
 * file descriptor, while a service manager's default soft limit is often 1,024: raise
 * the soft limit to the hard one (capped), and say so if it is still too low. */
#define WANT_FILES 10240

static void raise_open_files(serve *s) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl)) return;
  rlim_t cap = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (1 << 20) ? (1 << 20) : rl.rlim_max;
  if (rl.rlim_cur < cap) {
    rl.rlim_cur = cap;
    if (setrlimit(RLIMIT_NOFILE, &rl)) getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < WANT_FILES)
    pl_log_printf(&s->rt->log, NULL,
                  "open files limited to %llu: fewer connections than parley takes (10000); "
                  "raise the hard limit (ulimit -Hn, systemd LimitNOFILE=%d)",
                  (unsigned long long)rl.rlim_cur, WANT_FILES);
}

static void on_ready_check(uv_timer_t *h) {
  serve *s = h->data;
  if (!pl_server_ready(s->server)) return;
  uv_timer_stop(h);
  uv_close((uv_handle_t *)h, NULL);
  pl_err err;
  if (s->server->opts.listen_port >= 0) raise_open_files(s);
  if (pl_server_listen(s->server, &err)) {
    pl_log_printf(&s->rt->log, NULL, "%s", err.msg);
    s->exit_code = PL_EXIT_FAIL;
    pl_server_stop(s->server, close_handles, s);
    return;
  }
  if (s->server->http)
    pl_log_printf(&s->rt->log, NULL, "listening on http://%s:%d", s->host,
                  pl_http_server_port(s->server->http));
  pl_log_printf(&s->rt->log, NULL, "serving %zu tenants with %d workers (started in %.1f ms)",
                s->rt->ntenants, s->server->nworkers, (double)(pl_clock_mono_ns() - s->t0) / 1e6);
}

static void on_stop(uv_signal_t *h, int signum) {
  serve *s = h->data;
  if (s->server->stopping) return;
  pl_log_printf(&s->rt->log, NULL, "stopping (signal %d): finishing in-flight events", signum);
  pl_server_stop(s->server, close_handles, s);
}

static void on_hup(uv_signal_t *h, int signum) {
  serve *s = h->data;
  pl_log_printf(&s->rt->log, NULL, "SIGHUP: checking every tenant folder");
  rescan(s);
}

static bool parse_listen(const char *a, char *host, size_t hn, int *port) {
  const char *colon = strrchr(a, ':');
  if (!colon || colon == a || (size_t)(colon - a) >= hn) return false;
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end || p < 0 || p > 65535 || end == colon + 1) return false;
  memcpy(host, a, (size_t)(colon - a));
  host[colon - a] = 0;
  *port = (int)p;
  return true;
}

/* A numeric flag's value within [min, max] (whole numbers unless the flag takes a rate),
 * or false after saying what was expected. */
static bool flag_number(const char *flag, const char *text, double min, double max,
                        const char *what, double *out) {
  char *end;
  double v = strtod(text, &end);
  bool whole = strcmp(flag, "--client-rate") != 0;
  if (end == text || *end || !(v >= min && v <= max) || (whole && v != (double)(long)v)) {
    fprintf(stderr, "parley serve: %s %s: expected %s, %.0f-%.0f\n", flag, text, what, min, max);
    return false;
  }
  *out = v;
  return true;
}

int pl_cmd_serve(int argc, char **argv) {
  const char *tenants = NULL, *data = NULL, *listen = NULL, *workers = NULL, *commit = NULL,
             *queue = NULL, *rate = NULL, *burst = NULL, *trust = NULL, *pos[1];
  int npos;
  pl_opt opts[] = {{"--tenants", &tenants, NULL},   {"--data", &data, NULL},
                   {"--listen", &listen, NULL},     {"--workers", &workers, NULL},
                   {"--commit", &commit, NULL},     {"--queue-limit", &queue, NULL},
                   {"--client-rate", &rate, NULL},  {"--client-burst", &burst, NULL},
                   {"--trust-proxy", &trust, NULL}, {NULL, NULL, NULL}};
  int prc = pl_cli_parse("serve", argc, argv, opts, pos, 0, &npos, serve_usage);
  if (prc == -2) return PL_EXIT_OK;
  if (prc < 0) return PL_EXIT_USAGE;
  if (!tenants || !data) {
    fprintf(stderr, "parley serve: give --tenants DIR and --data PATH (see parley serve --help)\n");
    return PL_EXIT_USAGE;
  }
  char host[256] = "127.0.0.1";
  pl_server_opts so = {.listen_host = host, .listen_port = -1};
  if (listen && !parse_listen(listen, host, sizeof host, &so.listen_port)) {
    fprintf(stderr, "parley serve: --listen %s: expected ADDR:PORT, like 127.0.0.1:8080\n", listen);
    return PL_EXIT_USAGE;
  }
  double n;
  if (workers) {
    if (!flag_number("--workers", workers, 1, 256, "a number of threads", &n)) return PL_EXIT_USAGE;
    so.workers = (int)n;
  }
  if (commit && strcmp(commit, "group") && strcmp(commit, "per-event")) {
    fprintf(stderr, "parley serve: --commit %s: expected \"group\" or \"per-event\"\n", commit);
    return PL_EXIT_USAGE;
  }
  so.commit_batch = commit && !strcmp(commit, "per-event") ? 1 : 0;
  if (queue) {
    if (!flag_number("--queue-limit", queue, 1, 10000000, "a number of events", &n))
      return PL_EXIT_USAGE;
    so.queue_limit = (size_t)n;
  }
  if (rate) {
    if (!flag_number("--client-rate", rate, 0, 1000000, "requests a second (0 = no limit)", &n))
      return PL_EXIT_USAGE;
    so.client_rate = n > 0 ? n : -1;
  }
  if (burst) {
    if (!flag_number("--client-burst", burst, 1, 1000000, "a number of requests", &n))
      return PL_EXIT_USAGE;
    so.client_burst = n;
  }
  for (const char *p = trust; p && *p;) { /* checked before anything is opened */
    size_t len = strcspn(p, ",");
    char addr[64], norm[64];
    if (!len || len >= sizeof addr) break;
    memcpy(addr, p, len);
    addr[len] = 0;
    if (!pl_server_address_normalise(addr, norm, sizeof norm)) {
      fprintf(stderr,
              "parley serve: --trust-proxy: \"%s\" is not an IP address (give each "
              "proxy's address as it connects to parley, like 127.0.0.1,::1)\n",
              addr);
      return PL_EXIT_USAGE;
    }
    p += len + (p[len] == ',');
  }
  so.trust_proxies = trust;
  struct stat st;
  if (stat(tenants, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "parley serve: --tenants %s: not a folder\n", tenants);
    return PL_EXIT_FAIL;
  }
  int64_t t0 = pl_clock_mono_ns();
  serve s = {.root = strdup(tenants)};
  pl_err err;
  if (pl_runtime_open(&s.rt, data, NULL, &err)) {
    fprintf(stderr, "parley serve: %s\n", err.msg);
    free(s.root);
    return PL_EXIT_FAIL;
  }
  s.rt->deliver = on_deliver;
  s.rt->need_secrets = true; /* a tenant without its channels' secrets is not served */
  s.loop = uv_default_loop();
  if (pl_server_start(&s.server, s.rt, s.loop, &so, &err)) {
    fprintf(stderr, "parley serve: %s\n", err.msg);
    pl_runtime_close(s.rt);
    free(s.root);
    return PL_EXIT_FAIL;
  }
  uv_timer_init(s.loop, &s.debounce);
  uv_timer_init(s.loop, &s.poll);
  uv_signal_init(s.loop, &s.sigterm);
  uv_signal_init(s.loop, &s.sigint);
  uv_signal_init(s.loop, &s.sighup);
  uv_fs_event_init(s.loop, &s.root_ev);
  s.debounce.data = s.poll.data = s.sigterm.data = s.sigint.data = s.sighup.data = s.root_ev.data =
      &s;
  uv_signal_start(&s.sigterm, on_stop, SIGTERM);
  uv_signal_start(&s.sigint, on_stop, SIGINT);
  uv_signal_start(&s.sighup, on_hup, SIGHUP);
  uv_fs_event_start(&s.root_ev, on_fs, tenants, 0);
  uv_timer_start(&s.poll, on_poll, 2000, 2000);
  rescan(&s);
  s.t0 = t0;
  s.host = host;
  uv_timer_init(s.loop, &s.ready_timer);
  s.ready_timer.data = &s;
  uv_timer_start(&s.ready_timer, on_ready_check, 0, 2);
  uv_run(s.loop, UV_RUN_DEFAULT);
  uv_loop_close(s.loop);
  pl_server_free(s.server);
  free(s.w);
  pl_runtime_close(s.rt);
  free(s.root);
  return s.exit_code;
}
