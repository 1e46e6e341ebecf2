/* The LMDB store (store.h): put/get/del, prefix scans with `from`, stable tenant ids
 * across reopen, and the full-map path — a write larger than the map grows it and
 * commits whole; a write that cannot fit under max_map_size fails with PL_EFULL leaving
 * the committed data intact and nothing of itself behind; an apply error commits
 * nothing. */
#include "unit_helpers.h"

#include "store.h"

typedef struct fixture {
  char *dir;
  pl_store *s;
} fixture;

static pl_store *open_store(const char *dir, size_t map, size_t max) {
  pl_store_opts o = {.map_size = map, .max_map_size = max, .no_sync = true};
  pl_store *s;
  pl_err err;
  int rc = pl_store_open(&s, dir, &o, &err);
  if (rc) fail_msg("pl_store_open: %s", err.msg);
  return s;
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->dir = make_temp_dir("store");
  f->s = open_store(f->dir, 0, 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  pl_store_close(f->s);
  rm_tree(f->dir);
  free(f);
  return 0;
}

/* ---- apply functions ---- */

typedef struct kvs {
  const char *const *keys; /* NULL-terminated */
  const char *value;
} kvs;

static int put_keys(pl_txn *t, void *ud, pl_err *err) {
  kvs *w = ud;
  for (const char *const *k = w->keys; *k; k++) {
    int rc = pl_store_put(t, PL_T_KV, *k, strlen(*k), w->value, strlen(w->value));
    if (rc) return rc == PL_EFULL ? rc : pl_err_set(err, rc, "put %s failed", *k);
  }
  return 0;
}

static int del_key(pl_txn *t, void *ud, pl_err *err) {
  (void)err;
  const char *k = ud;
  return pl_store_del(t, PL_T_KV, k, strlen(k));
}

/* `count` values of `size` bytes under prefix "big/" (plus a marker key) in one txn. */
typedef struct bulk {
  const char *prefix;
  int count;
  size_t size;
  int calls;
} bulk;

static void bulk_value(char *buf, size_t size, int i) {
  for (size_t j = 0; j < size; j++)
    buf[j] = (char)('a' + (i + (int)j) % 26);
}

static int put_bulk(pl_txn *t, void *ud, pl_err *err) {
  bulk *b = ud;
  b->calls++;
  char *val = malloc(b->size);
  int rc = 0;
  for (int i = 0; i < b->count && !rc; i++) {
    char key[64];
    int n = snprintf(key, sizeof key, "%s%05d", b->prefix, i);
    bulk_value(val, b->size, i);
    rc = pl_store_put(t, PL_T_KV, key, (size_t)n, val, b->size);
  }
  free(val);
  if (rc && rc != PL_EFULL) return pl_err_set(err, rc, "bulk put failed");
  return rc;
}

static int put_then_fail(pl_txn *t, void *ud, pl_err *err) {
  (void)ud;
  pl_store_put(t, PL_T_KV, "doomed", 6, "x", 1);
  return pl_err_set(err, PL_EINVAL, "the caller changed its mind");
}

/* ---- reading ---- */

static char *get_str(pl_store *s, pl_table tb, const char *key) {
  pl_txn *t;
  pl_err err;
  assert_int_equal(pl_store_read_begin(s, &t, &err), 0);
  pl_bytes v;
  char *out = NULL;
  if (pl_store_get(t, tb, key, strlen(key), &v) == 0) {
    out = malloc(v.len + 1);
    memcpy(out, v.data, v.len);
    out[v.len] = 0;
  }
  pl_store_read_end(t);
  return out;
}

typedef struct scan_out {
  char keys[2048];
  int n, stop_after;
} scan_out;

static int collect(void *ud, pl_bytes key, pl_bytes val) {
  (void)val;
  scan_out *o = ud;
  size_t len = strlen(o->keys);
  snprintf(o->keys + len, sizeof o->keys - len, "%s%.*s", o->n ? "," : "", (int)key.len,
           (const char *)key.data);
  o->n++;
  return o->stop_after && o->n >= o->stop_after ? 42 : 0;
}

static int scan(pl_store *s, const char *prefix, const char *from, scan_out *o) {
  pl_txn *t;
  pl_err err;
  assert_int_equal(pl_store_read_begin(s, &t, &err), 0);
  int rc =
      pl_store_scan(t, PL_T_KV, prefix, strlen(prefix), from, from ? strlen(from) : 0, collect, o);
  pl_store_read_end(t);
  return rc;
}

static void seed(pl_store *s) {
  static const char *const keys[] = {"b/1", "a/2", "a", "a/1", "a/3", "ab", NULL};
  kvs w = {keys, "v"};
  pl_err err;
  assert_int_equal(pl_store_write(s, put_keys, &w, &err), 0);
}

/* ---- tests ---- */

static void test_put_get_del(void **state) {
  fixture *f = *state;
  static const char *const keys[] = {"greeting", NULL};
  kvs w = {keys, "hello"};
  pl_err err;
  assert_int_equal(pl_store_write(f->s, put_keys, &w, &err), 0);
  char *v = get_str(f->s, PL_T_KV, "greeting");
  assert_string_equal(v, "hello");
  free(v);
  /* Tables are separate namespaces. */
  assert_null(get_str(f->s, PL_T_SESSIONS, "greeting"));

  w.value = "bye";
  assert_int_equal(pl_store_write(f->s, put_keys, &w, &err), 0);
  v = get_str(f->s, PL_T_KV, "greeting");
  assert_string_equal(v, "bye");
  free(v);

  assert_int_equal(pl_store_write(f->s, del_key, "greeting", &err), 0);
  assert_null(get_str(f->s, PL_T_KV, "greeting"));
  /* Deleting what is not there reports PL_ENOTFOUND through the apply function. */
  assert_int_equal(pl_store_write(f->s, del_key, "greeting", &err), PL_ENOTFOUND);
}

static void test_scan_by_prefix_in_key_order(void **state) {
  fixture *f = *state;
  seed(f->s);
  scan_out o = {0};
  assert_int_equal(scan(f->s, "a/", NULL, &o), 0);
  assert_string_equal(o.keys, "a/1,a/2,a/3");

  scan_out all = {0};
  assert_int_equal(scan(f->s, "", NULL, &all), 0);
  assert_string_equal(all.keys, "a,a/1,a/2,a/3,ab,b/1");

  scan_out none = {0};
  assert_int_equal(scan(f->s, "zz", NULL, &none), 0);
  assert_int_equal(none.n, 0);
}

typedef struct del_prefix_req {
  const char *prefix;
  size_t n;
} del_prefix_req;

static int del_prefix(pl_txn *t, void *ud, pl_err *err) {
  (void)err;
  del_prefix_req *r = ud;
  return pl_store_del_prefix(t, PL_T_KV, r->prefix, strlen(r->prefix), &r->n);
}

/* Only the keys under the prefix go, whatever lies before and after them; a prefix at
 * the table's end, or with no keys, works too. */
static void test_del_prefix_deletes_exactly_the_prefix(void **state) {
  fixture *f = *state;
  seed(f->s); /* a, a/1, a/2, a/3, ab, b/1 */
  pl_err err;
  del_prefix_req r = {"a/", 0};
  assert_int_equal(pl_store_write(f->s, del_prefix, &r, &err), 0);
  assert_int_equal(r.n, 3);
  scan_out all = {0};
  assert_int_equal(scan(f->s, "", NULL, &all), 0);
  assert_string_equal(all.keys, "a,ab,b/1");
  r = (del_prefix_req){"b/", 0}; /* the last keys of the table */
  assert_int_equal(pl_store_write(f->s, del_prefix, &r, &err), 0);
  assert_int_equal(r.n, 1);
  r = (del_prefix_req){"zz", 0};
  assert_int_equal(pl_store_write(f->s, del_prefix, &r, &err), 0);
  assert_int_equal(r.n, 0);
  scan_out left = {0};
  assert_int_equal(scan(f->s, "", NULL, &left), 0);
  assert_string_equal(left.keys, "a,ab");
}

static void test_scan_from_starts_inside_the_prefix(void **state) {
  fixture *f = *state;
  seed(f->s);
  scan_out o = {0};
  assert_int_equal(scan(f->s, "a/", "a/2", &o), 0);
  assert_string_equal(o.keys, "a/2,a/3");

  /* A `from` between two keys starts at the next one. */
  scan_out mid = {0};
  assert_int_equal(scan(f->s, "a/", "a/15", &mid), 0);
  assert_string_equal(mid.keys, "a/2,a/3");

  /* A `from` before the prefix changes nothing; one past it finds nothing. */
  scan_out before = {0};
  assert_int_equal(scan(f->s, "a/", "0", &before), 0);
  assert_string_equal(before.keys, "a/1,a/2,a/3");
  /* So does one that is a proper prefix of the prefix ("a" sorts before "a/"). */
  scan_out shorter = {0};
  assert_int_equal(scan(f->s, "a/", "a", &shorter), 0);
  assert_string_equal(shorter.keys, "a/1,a/2,a/3");
  scan_out after = {0};
  assert_int_equal(scan(f->s, "a/", "b", &after), 0);
  assert_int_equal(after.n, 0);
}

static void test_scan_stops_when_callback_returns_nonzero(void **state) {
  fixture *f = *state;
  seed(f->s);
  scan_out o = {.stop_after = 2};
  assert_int_equal(scan(f->s, "a", NULL, &o), 42);
  assert_string_equal(o.keys, "a,a/1");
}

static void test_tenant_ids_are_distinct_and_stable_across_reopen(void **state) {
  fixture *f = *state;
  pl_err err;
  uint32_t a, b, a2;
  assert_int_equal(pl_store_tenant_id(f->s, "alpha", &a, &err), 0);
  assert_int_equal(pl_store_tenant_id(f->s, "beta", &b, &err), 0);
  assert_int_equal(pl_store_tenant_id(f->s, "alpha", &a2, &err), 0);
  assert_int_not_equal(a, 0);
  assert_int_not_equal(a, b);
  assert_int_equal(a, a2);

  pl_store_close(f->s);
  f->s = open_store(f->dir, 0, 0);
  uint32_t ra, rb, c;
  assert_int_equal(pl_store_tenant_id(f->s, "beta", &rb, &err), 0);
  assert_int_equal(pl_store_tenant_id(f->s, "alpha", &ra, &err), 0);
  assert_int_equal(ra, a);
  assert_int_equal(rb, b);
  /* A new tenant after the reopen gets an id nobody has. */
  assert_int_equal(pl_store_tenant_id(f->s, "gamma", &c, &err), 0);
  assert_int_not_equal(c, a);
  assert_int_not_equal(c, b);
  assert_int_not_equal(c, 0);
}

static void check_bulk(pl_store *s, const bulk *b) {
  pl_txn *t;
  pl_err err;
  assert_int_equal(pl_store_read_begin(s, &t, &err), 0);
  char *want = malloc(b->size);
  for (int i = 0; i < b->count; i++) {
    char key[64];
    int n = snprintf(key, sizeof key, "%s%05d", b->prefix, i);
    pl_bytes v;
    assert_int_equal(pl_store_get(t, PL_T_KV, key, (size_t)n, &v), 0);
    assert_int_equal(v.len, b->size);
    bulk_value(want, b->size, i);
    assert_memory_equal(v.data, want, b->size);
  }
  free(want);
  pl_store_read_end(t);
}

static void test_full_map_grows_and_commits_whole(void **state) {
  fixture *f = *state;
  pl_store_close(f->s);
  f->s = open_store(f->dir, 64 << 10, 0);
  size_t before = pl_store_map_size(f->s);
  assert_true(before < (size_t)(1 << 20));

  /* ~800 KiB in one transaction, then more in a second: far beyond 64 KiB. */
  bulk b1 = {"big/", 200, 4000, 0};
  pl_err err;
  int rc = pl_store_write(f->s, put_bulk, &b1, &err);
  if (rc) fail_msg("pl_store_write: %s", err.msg);
  assert_true(b1.calls > 1); /* replayed after growing */
  bulk b2 = {"more/", 300, 1000, 0};
  rc = pl_store_write(f->s, put_bulk, &b2, &err);
  if (rc) fail_msg("pl_store_write: %s", err.msg);
  assert_true(pl_store_map_size(f->s) > before);
  assert_true(pl_store_map_size(f->s) >= (size_t)(1 << 20));
  check_bulk(f->s, &b1);
  check_bulk(f->s, &b2);

  /* Everything is there after a reopen that asks for the tiny map again. */
  pl_store_close(f->s);
  f->s = open_store(f->dir, 64 << 10, 0);
  check_bulk(f->s, &b1);
  check_bulk(f->s, &b2);
  scan_out o = {0};
  assert_int_equal(scan(f->s, "big/", NULL, &o), 0);
  assert_int_equal(o.n, 200);
}

static void test_write_beyond_max_map_size_fails_cleanly(void **state) {
  fixture *f = *state;
  pl_store_close(f->s);
  f->s = open_store(f->dir, 64 << 10, 1 << 20);
  static const char *const keys[] = {"keep/1", "keep/2", NULL};
  kvs w = {keys, "precious"};
  pl_err err;
  assert_int_equal(pl_store_write(f->s, put_keys, &w, &err), 0);

  /* 2 MiB cannot fit under a 1 MiB cap. */
  bulk big = {"big/", 512, 4000, 0};
  memset(err.msg, 0, sizeof err.msg);
  assert_int_equal(pl_store_write(f->s, put_bulk, &big, &err), PL_EFULL);
  assert_contains(err.msg, "storage full");
  assert_contains(err.msg, "size limit");
  assert_contains(err.msg, f->dir);
  assert_true(pl_store_map_size(f->s) <= (size_t)(1 << 20));

  /* The committed data is intact and the failed write left no key behind. */
  char *v = get_str(f->s, PL_T_KV, "keep/1");
  assert_string_equal(v, "precious");
  free(v);
  scan_out o = {0};
  assert_int_equal(scan(f->s, "big/", NULL, &o), 0);
  assert_int_equal(o.n, 0);

  /* The store still takes writes that fit, and all of it survives a reopen. */
  static const char *const more[] = {"keep/3", NULL};
  kvs w3 = {more, "after"};
  assert_int_equal(pl_store_write(f->s, put_keys, &w3, &err), 0);
  pl_store_close(f->s);
  f->s = open_store(f->dir, 64 << 10, 1 << 20);
  scan_out k = {0};
  assert_int_equal(scan(f->s, "keep/", NULL, &k), 0);
  assert_string_equal(k.keys, "keep/1,keep/2,keep/3");
  scan_out o2 = {0};
  assert_int_equal(scan(f->s, "big/", NULL, &o2), 0);
  assert_int_equal(o2.n, 0);
}

static void test_apply_error_commits_nothing(void **state) {
  fixture *f = *state;
  pl_err err;
  assert_int_equal(pl_store_write(f->s, put_then_fail, NULL, &err), PL_EINVAL);
  assert_string_equal(err.msg, "the caller changed its mind");
  assert_null(get_str(f->s, PL_T_KV, "doomed"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_put_get_del, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scan_by_prefix_in_key_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scan_from_starts_inside_the_prefix, setup, teardown),
      cmocka_unit_test_setup_teardown(test_del_prefix_deletes_exactly_the_prefix, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scan_stops_when_callback_returns_nonzero, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_tenant_ids_are_distinct_and_stable_across_reopen, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_full_map_grows_and_commits_whole, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_beyond_max_map_size_fails_cleanly, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_apply_error_commits_nothing, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
