/* Shared by the unit tests: temporary folders, writing tenant files, a runtime on a temp
 * data folder with a simulated clock, and capture of delivered replies and log lines.
 * Everything is static inline so each test executable takes only what it uses. */
#ifndef PL_UNIT_HELPERS_H
#define PL_UNIT_HELPERS_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

/* 2026-06-01 09:00:00 UTC, the spec runner's epoch. */
#define T0_MS ((int64_t)1780304400000)

#define assert_contains(hay, needle)                                                               \
  do {                                                                                             \
    const char *h_ = (hay), *n_ = (needle);                                                        \
    if (!h_ || !strstr(h_, n_)) fail_msg("expected \"%s\" in \"%s\"", n_, h_ ? h_ : "(null)");     \
  } while (0)

#define assert_not_contains(hay, needle)                                                           \
  do {                                                                                             \
    const char *h_ = (hay), *n_ = (needle);                                                        \
    if (h_ && strstr(h_, n_)) fail_msg("did not expect \"%s\" in \"%s\"", n_, h_);                 \
  } while (0)

/* mkdtemp under /tmp; the caller frees and removes it with rm_tree. */
static inline char *make_temp_dir(const char *tag) {
  char tmpl[256];
  snprintf(tmpl, sizeof tmpl, "/tmp/parley-%s-XXXXXX", tag);
  assert_non_null(mkdtemp(tmpl));
  return strdup(tmpl);
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static inline void rm_tree(char *dir) {
  if (!dir) return;
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

/* Writes dir/name (creating one level of subfolder if name has a slash). */
static inline void write_file(const char *dir, const char *name, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *slash = strrchr(path, '/');
  if (slash && slash > path + strlen(dir)) {
    *slash = 0;
    mkdir(path, 0700);
    *slash = '/';
  }
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* A tenant folder base/key with the given tenant.lua and bot.lua. */
static inline void make_tenant(const char *base, const char *key, const char *tenant_lua,
                               const char *bot_lua, char *out, size_t n) {
  snprintf(out, n, "%s/%s", base, key);
  assert_int_equal(mkdir(out, 0700), 0);
  write_file(out, "tenant.lua", tenant_lua);
  write_file(out, "bot.lua", bot_lua);
}

/* ---- delivered replies and log lines ---- */

#define CAP_MAX 64

typedef struct captured {
  char tenant[64], chat[64], text[512];
} captured;

typedef struct capture {
  captured r[CAP_MAX];
  int n;
  char log[16384];
  size_t log_len;
  int log_lines;
} capture;

static inline void capture_deliver(void *ud, pl_tenant *t, const char *channel, const char *chat_id,
                                   const json_t *user, const json_t *reply) {
  (void)channel;
  (void)user;
  capture *c = ud;
  assert_true(c->n < CAP_MAX);
  captured *r = &c->r[c->n++];
  snprintf(r->tenant, sizeof r->tenant, "%s", t->key);
  snprintf(r->chat, sizeof r->chat, "%s", chat_id);
  snprintf(r->text, sizeof r->text, "%s", json_string_value(json_object_get(reply, "text")));
}

static inline void capture_log(void *ud, const char *tenant, const char *line) {
  capture *c = ud;
  int k = snprintf(c->log + c->log_len, sizeof c->log - c->log_len, "%s: %s\n",
                   tenant ? tenant : "-", line);
  if (k > 0) c->log_len += (size_t)k;
  if (c->log_len >= sizeof c->log) c->log_len = sizeof c->log - 1;
  c->log_lines++;
}

static inline void capture_reset(capture *c) {
  c->n = 0;
  c->log[0] = 0;
  c->log_len = 0;
  c->log_lines = 0;
}

/* The text of the only reply delivered since the last reset (fails otherwise). */
static inline const char *only_reply(const capture *c) {
  if (c->n != 1) fail_msg("expected exactly one reply, got %d", c->n);
  return c->r[0].text;
}

/* ---- a runtime on a temp data folder ---- */

static inline pl_runtime *open_runtime(const char *data_dir, capture *cap, int64_t now_ms) {
  pl_store_opts o = {.no_sync = true};
  pl_runtime *rt;
  pl_err err;
  int rc = pl_runtime_open(&rt, data_dir, &o, &err);
  if (rc) fail_msg("pl_runtime_open: %s", err.msg);
  rt->clock.simulated = true;
  rt->clock.sim_ms = now_ms;
  rt->deliver = capture_deliver;
  rt->deliver_ud = cap;
  rt->log.write = capture_log;
  rt->log.ud = cap;
  return rt;
}

static inline pl_tenant *add_tenant(pl_runtime *rt, const char *dir) {
  pl_tenant *t;
  pl_err err;
  int rc = pl_runtime_add_tenant(rt, dir, &t, &err);
  if (rc) fail_msg("pl_runtime_add_tenant(%s): %s", dir, err.msg);
  return t;
}

/* A text message from user `chat` (one user per chat, as in the console channel). */
static inline void send_text(pl_runtime *rt, pl_tenant *t, const char *chat, const char *text) {
  pl_event ev = {.kind = PL_EV_TEXT,
                 .channel = "console",
                 .chat_id = chat,
                 .user_id = chat,
                 .user_name = "Ana",
                 .user_lang = "en",
                 .text = text};
  pl_err err;
  int rc = pl_dispatch(rt, t, &ev, &err);
  if (rc) fail_msg("pl_dispatch(%s): %s", text, err.msg);
}

/* The committed bot.store value of `key` for tenant t, as compact JSON (NULL if absent;
 * the caller frees). */
static inline char *stored_kv(pl_runtime *rt, pl_tenant *t, const char *key) {
  pl_txn *tx;
  pl_err err;
  assert_int_equal(pl_store_read_begin(rt->store, &tx, &err), 0);
  pl_key k;
  pl_key_init(&k, t->id);
  pl_key_bytes(&k, key, strlen(key));
  pl_bytes v;
  char *out = NULL;
  if (pl_store_get(tx, PL_T_KV, k.b, k.len, &v) == 0) {
    out = malloc(v.len + 1);
    memcpy(out, v.data, v.len);
    out[v.len] = 0;
  }
  pl_store_read_end(tx);
  return out;
}

static inline int count_rows_cb(void *ud, pl_bytes key, pl_bytes val) {
  (void)key;
  (void)val;
  (*(int *)ud)++;
  return 0;
}

/* Number of rows of table tb that belong to tenant t. */
static inline int count_rows(pl_runtime *rt, pl_tenant *t, pl_table tb) {
  pl_txn *tx;
  pl_err err;
  assert_int_equal(pl_store_read_begin(rt->store, &tx, &err), 0);
  pl_key k;
  pl_key_init(&k, t->id);
  int n = 0;
  pl_store_scan(tx, tb, k.b, k.len, NULL, 0, count_rows_cb, &n);
  pl_store_read_end(tx);
  return n;
}

#endif
