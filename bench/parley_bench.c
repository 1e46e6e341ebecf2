/* parley-bench: in-process measurements of the runtime's hot paths, each reported beside
 * a baseline measured in the same run on the same machine:
 *   dispatch — events/s and latency of pl_dispatch (handler + one LMDB commit), against a
 *              bare LMDB commit of a record of the same size (the storage floor);
 *   startup  — loading N copies of a tenant, against N minimal tenants; memory per tenant;
 *   reload   — latency of live reload (compile beside, check, swap), against loading a
 *              minimal tenant.
 * Usage: parley-bench dispatch|startup|reload [N] [--nosync] (see bench/run.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(int64_t *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmp_i64);
  size_t i = (size_t)(p / 100.0 * (double)(n - 1));
  return (double)v[i] / 1000.0; /* ns -> us */
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
}

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[65536];
  size_t n;
  while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
    fwrite(buf, 1, n, out);
  if (in) fclose(in);
  if (out) fclose(out);
}

static const char *const BENCH_BOT = "bot.on('message', function(ctx, text)\n"
                                     "  ctx.session.n = (ctx.session.n or 0) + 1\n"
                                     "  ctx.session.last = text\n"
                                     "  ctx:reply('#' .. ctx.session.n .. ' ' .. text, { buttons = "
                                     "{ {'Programme','p'}, {'EXPO','e'} } })\n"
                                     "end)\n";

static char tmp_root[64];

static void make_tenant(const char *dir, const char *bot) {
  mkdir(dir, 0700);
  char p[512];
  snprintf(p, sizeof p, "%s/tenant.lua", dir);
  write_file(p, "return { name = 'bench' }\n");
  snprintf(p, sizeof p, "%s/bot.lua", dir);
  write_file(p, bot);
}

static void copy_conference(const char *src, const char *dir) {
  static const char *const files[] = {"tenant.lua",
                                      "bot.lua",
                                      "content.lua",
                                      "faq_data.lua",
                                      "offer.lua",
                                      "onboarding.lua",
                                      "programme.lua",
                                      "roles_config.lua",
                                      "sections.lua",
                                      "texts.lua",
                                      NULL};
  mkdir(dir, 0700);
  for (const char *const *f = files; *f; f++) {
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/%s", src, *f);
    snprintf(b, sizeof b, "%s/%s", dir, *f);
    copy_file(a, b);
  }
}

typedef struct baseline_put {
  uint32_t tenant;
  int i;
  size_t len;
} baseline_put;

static int baseline_apply(pl_txn *t, void *ud, pl_err *err) {
  baseline_put *b = ud;
  char key[64], val[512];
  memset(val, 'x', sizeof val);
  int kl = snprintf(key, sizeof key, "bench:%d", b->i % 1000);
  return pl_store_put(t, PL_T_SESSIONS, key, (size_t)kl, val, b->len);
}

static int bench_dispatch(int n, bool nosync) {
  char data[128], tdir[128];
  snprintf(data, sizeof data, "%s/data", tmp_root);
  snprintf(tdir, sizeof tdir, "%s/bench", tmp_root);
  make_tenant(tdir, BENCH_BOT);
  pl_store_opts o = {.no_sync = nosync};
  pl_runtime *rt;
  pl_tenant *t;
  pl_err err;
  if (pl_runtime_open(&rt, data, &o, &err) || pl_runtime_add_tenant(rt, tdir, &t, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  int64_t *lat = malloc(sizeof *lat * (size_t)n), *base = malloc(sizeof *base * (size_t)n);
  /* Baseline: one committed LMDB write of a session-sized record per event. */
  int64_t b0 = pl_clock_mono_ns();
  for (int i = 0; i < n; i++) {
    int64_t s = pl_clock_mono_ns();
    baseline_put bp = {t->id, i, 300};
    pl_store_write(rt->store, baseline_apply, &bp, &err);
    base[i] = pl_clock_mono_ns() - s;
  }
  double base_s = (double)(pl_clock_mono_ns() - b0) / 1e9;
  char user[32], text[32];
  int64_t d0 = pl_clock_mono_ns();
  for (int i = 0; i < n; i++) {
    snprintf(user, sizeof user, "u%d", i % 1000);
    snprintf(text, sizeof text, "hello %d", i);
    pl_event ev = {.kind = PL_EV_TEXT,
                   .channel = "bench",
                   .chat_id = user,
                   .user_id = user,
                   .user_name = user,
                   .text = text};
    int64_t s = pl_clock_mono_ns();
    if (pl_dispatch(rt, t, &ev, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    lat[i] = pl_clock_mono_ns() - s;
  }
  double disp_s = (double)(pl_clock_mono_ns() - d0) / 1e9;
  double bp50 = pct(base, (size_t)n, 50), bp99 = pct(base, (size_t)n, 99);
  double dp50 = pct(lat, (size_t)n, 50), dp99 = pct(lat, (size_t)n, 99);
  printf("dispatch (%s, %d events, 1000 users)\n", nosync ? "no fsync" : "fsync per event", n);
  printf("  baseline bare LMDB commit : %9.0f ops/s  p50 %7.1f us  p99 %7.1f us\n", n / base_s,
         bp50, bp99);
  printf("  pl_dispatch (Lua + commit): %9.0f ev/s   p50 %7.1f us  p99 %7.1f us\n", n / disp_s,
         dp50, dp99);
  printf("  ratio dispatch/baseline   : throughput %.2fx  p50 %.2fx  p99 %.2fx\n",
         (n / disp_s) / (n / base_s), dp50 / bp50, dp99 / bp99);
  free(lat);
  free(base);
  pl_runtime_close(rt);
  return 0;
}

static int load_many(const char *root, int n, const char *data, double *secs, long *rss_delta,
                     size_t *lua_bytes) {
  pl_runtime *rt;
  pl_err err;
  if (pl_runtime_open(&rt, data, NULL, &err)) return 1;
  long r0 = rss_kib();
  int64_t t0 = pl_clock_mono_ns();
  char dir[256];
  for (int i = 0; i < n; i++) {
    snprintf(dir, sizeof dir, "%s/t%04d", root, i);
    if (pl_runtime_add_tenant(rt, dir, NULL, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
  }
  *secs = (double)(pl_clock_mono_ns() - t0) / 1e9;
  *rss_delta = rss_kib() - r0;
  *lua_bytes = 0;
  for (size_t i = 0; i < rt->ntenants; i++)
    *lua_bytes += rt->tenants[i]->code->sb->mem_used;
  pl_runtime_close(rt);
  return 0;
}

static int bench_startup(int n, const char *conf) {
  char a[128], b[128], d1[128], d2[128], dir[256];
  snprintf(a, sizeof a, "%s/conf", tmp_root);
  snprintf(b, sizeof b, "%s/min", tmp_root);
  snprintf(d1, sizeof d1, "%s/d1", tmp_root);
  snprintf(d2, sizeof d2, "%s/d2", tmp_root);
  mkdir(a, 0700);
  mkdir(b, 0700);
  for (int i = 0; i < n; i++) {
    snprintf(dir, sizeof dir, "%s/t%04d", a, i);
    copy_conference(conf, dir);
    snprintf(dir, sizeof dir, "%s/t%04d", b, i);
    make_tenant(dir, "");
  }
  double ts, bs, ts2, bs2;
  long tr, br, tr2, br2;
  size_t tl, bl, tl2, bl2;
  /* First start assigns each tenant its numeric id (one commit each); a restart does not. */
  if (load_many(b, n, d2, &bs, &br, &bl) || load_many(a, n, d1, &ts, &tr, &tl)) return 1;
  if (load_many(b, n, d2, &bs2, &br2, &bl2) || load_many(a, n, d1, &ts2, &tr2, &tl2)) return 1;
  printf("startup (%d tenants)\n", n);
  printf("  baseline minimal tenants  : %8.1f ms  %6.1f us/tenant  RSS +%ld KiB (%.1f KiB/tenant, "
         "Lua %.1f KiB)\n",
         bs * 1e3, bs * 1e6 / n, br, (double)br / n, (double)bl / n / 1024);
  printf("  conference example        : %8.1f ms  %6.1f us/tenant  RSS +%ld KiB (%.1f KiB/tenant, "
         "Lua %.1f KiB)\n",
         ts * 1e3, ts * 1e6 / n, tr, (double)tr / n, (double)tl / n / 1024);
  printf("  ratio conference/minimal  : time %.2fx  memory %.2fx\n", ts / bs,
         (double)tr / (double)br);
  printf("  restart (ids known)       : minimal %.1f ms, conference %.1f ms (ratio %.2fx)\n",
         bs2 * 1e3, ts2 * 1e3, ts2 / bs2);
  return 0;
}

static int bench_reload(int n, const char *conf) {
  char a[128], b[128], data[128];
  snprintf(a, sizeof a, "%s/conf0", tmp_root);
  snprintf(b, sizeof b, "%s/min0", tmp_root);
  snprintf(data, sizeof data, "%s/rd", tmp_root);
  copy_conference(conf, a);
  make_tenant(b, BENCH_BOT);
  pl_runtime *rt;
  pl_tenant *tc, *tm;
  pl_err err;
  if (pl_runtime_open(&rt, data, NULL, &err) || pl_runtime_add_tenant(rt, a, &tc, &err) ||
      pl_runtime_add_tenant(rt, b, &tm, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  int64_t *lc = malloc(sizeof *lc * (size_t)n), *lm = malloc(sizeof *lm * (size_t)n);
  for (int i = 0; i < n; i++) {
    int64_t s = pl_clock_mono_ns();
    if (pl_runtime_reload_tenant(rt, tm, &err)) return 1;
    lm[i] = pl_clock_mono_ns() - s;
    s = pl_clock_mono_ns();
    if (pl_runtime_reload_tenant(rt, tc, &err)) return 1;
    lc[i] = pl_clock_mono_ns() - s;
  }
  double m50 = pct(lm, (size_t)n, 50), m99 = pct(lm, (size_t)n, 99);
  double c50 = pct(lc, (size_t)n, 50), c99 = pct(lc, (size_t)n, 99);
  printf("reload (%d reloads each)\n", n);
  printf("  baseline one-file tenant  : p50 %7.1f us  p99 %7.1f us\n", m50, m99);
  printf("  conference example        : p50 %7.1f us  p99 %7.1f us\n", c50, c99);
  printf("  ratio conference/baseline : p50 %.2fx  p99 %.2fx\n", c50 / m50, c99 / m99);
  free(lc);
  free(lm);
  pl_runtime_close(rt);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: parley-bench dispatch|startup|reload [N] [--nosync] [--conf DIR]\n");
    return 2;
  }
  int n = argc > 2 && argv[2][0] != '-' ? atoi(argv[2]) : 0;
  bool nosync = false;
  const char *conf = "scripts/examples/conference";
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--nosync")) nosync = true;
    if (!strcmp(argv[i], "--conf") && i + 1 < argc) conf = argv[++i];
  }
  snprintf(tmp_root, sizeof tmp_root, "/tmp/parley-bench-XXXXXX");
  if (!mkdtemp(tmp_root)) return 1;
  int rc;
  if (!strcmp(argv[1], "dispatch"))
    rc = bench_dispatch(n ? n : 20000, nosync);
  else if (!strcmp(argv[1], "startup"))
    rc = bench_startup(n ? n : 1000, conf);
  else if (!strcmp(argv[1], "reload"))
    rc = bench_reload(n ? n : 100, conf);
  else {
    fprintf(stderr, "parley-bench: unknown benchmark %s\n", argv[1]);
    rc = 2;
  }
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_root);
  if (system(cmd) != 0) fprintf(stderr, "parley-bench: could not remove %s\n", tmp_root);
  return rc;
}
