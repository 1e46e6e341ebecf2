/* LMDB-backed storage (see store.h for the model). The map starts small and doubles
 * when a write transaction fills it; the failed transaction is aborted first, so a full
 * map never leaves a half-written state. Other processes that grew the map are noticed
 * through MDB_MAP_RESIZED and adopted. */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"

#include "hash.h"

#define PL_MIB ((size_t)1 << 20)

static const char *const table_names[PL_T__COUNT] = {
    "meta", "sessions", "kv", "timers", "timer_idx", "history", "inbox", "dedupe", "outbox", "dead",
};

struct pl_store {
  MDB_env *env;
  MDB_dbi dbi[PL_T__COUNT];
  size_t map_size, max_map_size;
  char *path;
  pthread_rwlock_t grow_lock; /* shared by every transaction, exclusive while growing */
};

struct pl_txn {
  pl_store *s;
  MDB_txn *txn;
  int full; /* set when a put hit MDB_MAP_FULL */
};

static int mdb_fail(pl_err *err, int rc, const char *what, const char *path) {
  if (rc == MDB_MAP_FULL)
    return pl_err_set(err, PL_EFULL, "storage full while %s in %s", what, path);
  return pl_err_set(err, rc == ENOMEM ? PL_ENOMEM : PL_ESTORE, "storage error while %s in %s: %s",
                    what, path, mdb_strerror(rc));
}

int pl_store_open(pl_store **out, const char *path, const pl_store_opts *opts, pl_err *err) {
  pl_store_opts def = {0};
  if (!opts) opts = &def;
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return pl_err_set(err, PL_EIO, "cannot create data folder %s: %s", path, strerror(errno));
  pl_store *s = calloc(1, sizeof *s);
  if (!s) return pl_err_set(err, PL_ENOMEM, "out of memory opening %s", path);
  s->path = strdup(path);
  pthread_rwlock_init(&s->grow_lock, NULL);
  s->map_size = opts->map_size ? opts->map_size : 64 * PL_MIB;
  s->max_map_size = opts->max_map_size ? opts->max_map_size : ((size_t)1 << 40);
  int rc = mdb_env_create(&s->env);
  if (rc) goto fail;
  mdb_env_set_maxdbs(s->env, PL_T__COUNT + 2);
  mdb_env_set_maxreaders(s->env, 256);
  rc = mdb_env_set_mapsize(s->env, s->map_size);
  if (rc) goto fail;
  unsigned flags = MDB_NOTLS | (opts->no_sync ? MDB_NOSYNC : 0);
  rc = mdb_env_open(s->env, path, flags, 0600);
  if (rc) goto fail;
  /* Another process may have grown the map already: adopt its size. */
  MDB_envinfo info;
  mdb_env_info(s->env, &info);
  if (info.me_mapsize > s->map_size) s->map_size = info.me_mapsize;

  MDB_txn *txn;
  rc = mdb_txn_begin(s->env, NULL, 0, &txn);
  if (rc) goto fail;
  for (int i = 0; i < PL_T__COUNT; i++) {
    rc = mdb_dbi_open(txn, table_names[i], MDB_CREATE, &s->dbi[i]);
    if (rc) {
      mdb_txn_abort(txn);
      goto fail;
    }
  }
  rc = mdb_txn_commit(txn);
  if (rc) goto fail;
  *out = s;
  return 0;
fail:;
  int code = mdb_fail(err, rc, "opening the store", path);
  pl_store_close(s);
  return code;
}

void pl_store_close(pl_store *s) {
  if (!s) return;
  if (s->env) mdb_env_close(s->env);
  pthread_rwlock_destroy(&s->grow_lock);
  free(s->path);
  free(s);
}

size_t pl_store_map_size(const pl_store *s) {
  return s->map_size;
}

static void txn_end(pl_store *s) {
  pthread_rwlock_unlock(&s->grow_lock);
}

static int txn_begin(pl_store *s, unsigned flags, MDB_txn **txn, pl_err *err) {
  pthread_rwlock_rdlock(&s->grow_lock);
  int rc = mdb_txn_begin(s->env, NULL, flags, txn);
  if (rc == MDB_MAP_RESIZED) {
    /* Another process grew the map; adopt the new size and try again. */
    mdb_env_set_mapsize(s->env, 0);
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize;
    rc = mdb_txn_begin(s->env, NULL, flags, txn);
  }
  if (rc) {
    txn_end(s);
    return mdb_fail(err, rc, "starting a transaction", s->path);
  }
  return 0;
}

int pl_store_read_begin(pl_store *s, pl_txn **out, pl_err *err) {
  pl_txn *t = calloc(1, sizeof *t);
  if (!t) return pl_err_set(err, PL_ENOMEM, "out of memory");
  t->s = s;
  int rc = txn_begin(s, MDB_RDONLY, &t->txn, err);
  if (rc) {
    free(t);
    return rc;
  }
  *out = t;
  return 0;
}

void pl_store_read_end(pl_txn *t) {
  if (!t) return;
  mdb_txn_abort(t->txn);
  txn_end(t->s);
  free(t);
}

/* Doubles the map after a transaction of size `seen` found it full (unless another
 * thread grew it meanwhile). Every transaction of the process must be closed: waits for
 * them through the grow lock. */
static int grow(pl_store *s, size_t seen, pl_err *err) {
  pthread_rwlock_wrlock(&s->grow_lock);
  int rc = 0;
  if (s->map_size > seen) goto done;
  size_t next = s->map_size * 2;
  if (next > s->max_map_size) next = s->max_map_size;
  if (next <= s->map_size) {
    rc = pl_err_set(err, PL_EFULL,
                    "storage full: the store in %s reached its size limit of %zu KiB; "
                    "free space by deleting old data or raise the limit",
                    s->path, s->max_map_size >> 10);
    goto done;
  }
  int mrc = mdb_env_set_mapsize(s->env, next);
  if (mrc) {
    rc = mdb_fail(err, mrc, "growing the map", s->path);
    goto done;
  }
  s->map_size = next;
done:
  pthread_rwlock_unlock(&s->grow_lock);
  return rc;
}

int pl_store_write(pl_store *s, pl_store_apply_fn apply, void *ud, pl_err *err) {
  int rc_one = 0;
  int rc = pl_store_write_batch(s, 1, &apply, &ud, &rc_one, err, err);
  return rc ? rc : rc_one;
}

int pl_store_write_batch(pl_store *s, size_t n, pl_store_apply_fn *applies, void **uds, int *rcs,
                         pl_err *errs, pl_err *err) {
  for (;;) {
    size_t seen = s->map_size;
    pl_txn parent = {.s = s};
    int rc = txn_begin(s, 0, &parent.txn, err);
    if (rc) return rc;
    bool full = false;
    for (size_t i = 0; i < n && !full; i++) {
      pl_txn child = {.s = s};
      int mrc = mdb_txn_begin(s->env, parent.txn, 0, &child.txn);
      if (mrc) {
        full = mrc == MDB_MAP_FULL;
        rcs[i] = mdb_fail(&errs[i], mrc, "starting a nested transaction", s->path);
        continue;
      }
      rcs[i] = applies[i](&child, uds[i], &errs[i]);
      if (child.full) {
        mdb_txn_abort(child.txn);
        full = true;
      } else if (rcs[i] == 0) {
        mrc = mdb_txn_commit(child.txn);
        if (mrc == MDB_MAP_FULL)
          full = true;
        else if (mrc)
          rcs[i] = mdb_fail(&errs[i], mrc, "committing", s->path);
      } else {
        mdb_txn_abort(child.txn);
      }
    }
    if (!full) {
      int mrc = mdb_txn_commit(parent.txn);
      txn_end(s);
      if (mrc == 0) return 0;
      if (mrc != MDB_MAP_FULL) return mdb_fail(err, mrc, "committing", s->path);
    } else {
      mdb_txn_abort(parent.txn);
      txn_end(s);
    }
    rc = grow(s, seen, err);
    if (rc) return rc;
  }
}

int pl_store_next_seq(pl_txn *t, const char *name, uint64_t *out) {
  pl_bytes v;
  uint64_t next = 1;
  if (pl_store_get(t, PL_T_META, name, strlen(name), &v) == 0 && v.len == 8)
    next = pl_key_read_u64(v.data) + 1;
  unsigned char b[8];
  for (int i = 7; i >= 0; i--)
    b[i] = (unsigned char)(next >> (8 * (7 - i)));
  int rc = pl_store_put(t, PL_T_META, name, strlen(name), b, 8);
  if (!rc) *out = next;
  return rc;
}

static int put_result(pl_txn *t, int rc) {
  if (rc == 0 || rc == MDB_NOTFOUND) return rc == 0 ? 0 : PL_ENOTFOUND;
  if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL) {
    t->full = 1;
    return PL_EFULL;
  }
  return PL_ESTORE;
}

int pl_store_get(pl_txn *t, pl_table tb, const void *k, size_t kl, pl_bytes *v) {
  MDB_val key = {kl, (void *)k}, val;
  int rc = mdb_get(t->txn, t->s->dbi[tb], &key, &val);
  if (rc == MDB_NOTFOUND) return PL_ENOTFOUND;
  if (rc) return PL_ESTORE;
  v->data = val.mv_data;
  v->len = val.mv_size;
  return 0;
}

int pl_store_put(pl_txn *t, pl_table tb, const void *k, size_t kl, const void *v, size_t vl) {
  if (t->full) return PL_EFULL;
  MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
  return put_result(t, mdb_put(t->txn, t->s->dbi[tb], &key, &val, 0));
}

int pl_store_del(pl_txn *t, pl_table tb, const void *k, size_t kl) {
  if (t->full) return PL_EFULL;
  MDB_val key = {kl, (void *)k};
  return put_result(t, mdb_del(t->txn, t->s->dbi[tb], &key, NULL));
}

int pl_store_scan(pl_txn *t, pl_table tb, const void *prefix, size_t pl, const void *from,
                  size_t fl, pl_store_scan_fn fn, void *ud) {
  MDB_cursor *cur;
  if (mdb_cursor_open(t->txn, t->s->dbi[tb], &cur)) return PL_ESTORE;
  MDB_val key, val;
  int c = from && fl > 0 ? memcmp(from, prefix, fl < pl ? fl : pl) : -1;
  if (c > 0 || (c == 0 && fl > pl)) { /* from sorts after prefix */
    key.mv_data = (void *)from;
    key.mv_size = fl;
  } else {
    key.mv_data = (void *)prefix;
    key.mv_size = pl;
  }
  int ret = 0;
  int rc = key.mv_size ? mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE)
                       : mdb_cursor_get(cur, &key, &val, MDB_FIRST);
  while (rc == 0) {
    if (key.mv_size < pl || memcmp(key.mv_data, prefix, pl) != 0) break;
    ret = fn(ud, (pl_bytes){key.mv_data, key.mv_size}, (pl_bytes){val.mv_data, val.mv_size});
    if (ret) break;
    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
  }
  mdb_cursor_close(cur);
  if (rc && rc != MDB_NOTFOUND) return PL_ESTORE;
  return ret;
}

void pl_store_sig(const pl_bytes *v, char out[24]) {
  if (!v) {
    strcpy(out, "-");
    return;
  }
  snprintf(out, 24, "%016llx:%zu", (unsigned long long)pl_fnv1a(PL_FNV_SEED, v->data, v->len),
           v->len % 100000);
}

int pl_store_del_prefix(pl_txn *t, pl_table tb, const void *prefix, size_t pl, size_t *n) {
  if (t->full) return PL_EFULL;
  *n = 0;
  MDB_cursor *cur;
  if (mdb_cursor_open(t->txn, t->s->dbi[tb], &cur)) return PL_ESTORE;
  MDB_val key = {pl, (void *)prefix}, val;
  int rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
  while (rc == 0 && key.mv_size >= pl && !memcmp(key.mv_data, prefix, pl)) {
    if ((rc = mdb_cursor_del(cur, 0))) break;
    (*n)++;
    rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT); /* after a del: the one that followed */
  }
  mdb_cursor_close(cur);
  if (rc && rc != MDB_NOTFOUND) return put_result(t, rc);
  return 0;
}

typedef struct tenant_id_req {
  const char *name;
  uint32_t id;
} tenant_id_req;

typedef struct tenant_key_req {
  uint32_t id;
  unsigned char *key;
} tenant_key_req;

static int tenant_key_name(char *buf, size_t n, uint32_t id) {
  return snprintf(buf, n, "tenant_key:%u", (unsigned)id);
}

static int make_tenant_key(pl_txn *t, void *ud, pl_err *err) {
  tenant_key_req *r = ud;
  char name[48];
  int n = tenant_key_name(name, sizeof name, r->id);
  pl_bytes v;
  if (pl_store_get(t, PL_T_META, name, (size_t)n, &v) == 0 && v.len == 32) {
    memcpy(r->key, v.data, 32);
    return 0;
  }
  if (RAND_bytes(r->key, 32) != 1)
    return pl_err_set(err, PL_EIO, "cannot make a tenant key: no randomness");
  int rc = pl_store_put(t, PL_T_META, name, (size_t)n, r->key, 32);
  if (rc && rc != PL_EFULL) return pl_err_set(err, rc, "cannot record a tenant key");
  return rc;
}

static int assign_tenant_id(pl_txn *t, void *ud, pl_err *err) {
  tenant_id_req *r = ud;
  char key[300];
  int n = snprintf(key, sizeof key, "tenant:%s", r->name);
  pl_bytes v;
  if (pl_store_get(t, PL_T_META, key, (size_t)n, &v) == 0 && v.len == 4) {
    memcpy(&r->id, v.data, 4);
    return 0;
  }
  uint32_t next = 1;
  if (pl_store_get(t, PL_T_META, "next_tenant_id", 14, &v) == 0 && v.len == 4)
    memcpy(&next, v.data, 4);
  r->id = next++;
  int rc = pl_store_put(t, PL_T_META, key, (size_t)n, &r->id, 4);
  if (!rc) rc = pl_store_put(t, PL_T_META, "next_tenant_id", 14, &next, 4);
  if (!rc) { /* its signing key in the same commit: a first start costs one commit a tenant */
    unsigned char k[32];
    tenant_key_req kr = {r->id, k};
    rc = make_tenant_key(t, &kr, err);
  }
  if (rc && rc != PL_EFULL) return pl_err_set(err, rc, "cannot record tenant id of %s", r->name);
  return rc;
}

int pl_store_tenant_id(pl_store *s, const char *name, uint32_t *id, pl_err *err) {
  if (strlen(name) > 255) return pl_err_set(err, PL_EINVAL, "tenant name too long: %s", name);
  /* Fast path: already assigned. */
  pl_txn *t;
  int rc = pl_store_read_begin(s, &t, err);
  if (rc) return rc;
  char key[300];
  int n = snprintf(key, sizeof key, "tenant:%s", name);
  pl_bytes v;
  rc = pl_store_get(t, PL_T_META, key, (size_t)n, &v);
  if (rc == 0 && v.len == 4) {
    memcpy(id, v.data, 4);
    pl_store_read_end(t);
    return 0;
  }
  pl_store_read_end(t);
  tenant_id_req r = {name, 0};
  rc = pl_store_write(s, assign_tenant_id, &r, err);
  if (rc) return rc;
  *id = r.id;
  return 0;
}

int pl_store_tenant_key(pl_store *s, uint32_t id, unsigned char key[32], pl_err *err) {
  pl_txn *t;
  int rc = pl_store_read_begin(s, &t, err);
  if (rc) return rc;
  char name[48];
  int n = tenant_key_name(name, sizeof name, id);
  pl_bytes v;
  rc = pl_store_get(t, PL_T_META, name, (size_t)n, &v);
  if (rc == 0 && v.len == 32) memcpy(key, v.data, 32);
  pl_store_read_end(t);
  if (rc == 0 && v.len == 32) return 0;
  tenant_key_req r = {id, key};
  return pl_store_write(s, make_tenant_key, &r, err);
}

void pl_key_init(pl_key *k, uint32_t tenant) {
  k->len = 0;
  k->overflow = false;
  unsigned char b[4] = {tenant >> 24, tenant >> 16, tenant >> 8, tenant};
  pl_key_bytes(k, b, 4);
}

void pl_key_bytes(pl_key *k, const void *p, size_t n) {
  if (k->len + n > PL_KEY_MAX) {
    k->overflow = true;
    return;
  }
  memcpy(k->b + k->len, p, n);
  k->len += n;
}

void pl_key_u64(pl_key *k, uint64_t v) {
  unsigned char b[8];
  for (int i = 7; i >= 0; i--, v >>= 8)
    b[i] = (unsigned char)v;
  pl_key_bytes(k, b, 8);
}

void pl_key_str0(pl_key *k, const char *s) {
  pl_key_bytes(k, s, strlen(s) + 1);
}

uint64_t pl_key_read_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}
