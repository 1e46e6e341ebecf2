/* Durable storage: one LMDB environment per process with fixed tables whose keys start
 * with the tenant's 4-byte numeric id (big-endian), so many tenants' writes can share
 * one commit. Writes go through pl_store_write(), which runs a caller function inside a
 * write transaction and replays it after growing the map when LMDB reports it full —
 * a transaction is either committed whole or not at all.
 *
 * Threads: any thread may read and write (MDB_NOTLS); growing the map needs every
 * transaction of the process closed, so each transaction holds a shared lock and growth
 * takes it exclusively — keep read transactions short.
 *
 * Ownership: pl_store owns the MDB_env; a pl_txn is owned by the caller between
 * begin and commit/abort; values returned by pl_store_get point into the map and stay
 * valid until the transaction ends. */
#ifndef PL_STORE_H
#define PL_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parley/error.h"

typedef enum pl_table {
  PL_T_META,      /* runtime metadata: tenant name -> id, counters */
  PL_T_SESSIONS,  /* tenant|conv -> conversation record (JSON) */
  PL_T_KV,        /* tenant|key -> value (JSON) */
  PL_T_TIMERS,    /* tenant|due(8)|conv\0name -> timer (JSON) */
  PL_T_TIMER_IDX, /* tenant|conv\0name -> due(8) */
  PL_T_HISTORY,   /* tenant|conv\0seq(8) -> message (JSON) */
  PL_T_INBOX,     /* tenant|seq(8) -> accepted, not yet handled event (JSON) */
  PL_T_DEDUPE,    /* tenant|channel\0event id -> accepted at (ms, 8) */
  PL_T_OUTBOX,    /* tenant|seq(8) -> committed, not yet delivered message (JSON) */
  PL_T_DEAD,      /* tenant|seq(8) -> message refused for good (JSON, with reason) */
  PL_T__COUNT
} pl_table;

typedef struct pl_store pl_store;
typedef struct pl_txn pl_txn;

typedef struct pl_store_opts {
  size_t map_size;     /* initial map size; 0 = 64 MiB */
  size_t max_map_size; /* growth stops here; 0 = 1 TiB */
  bool no_sync;        /* skip fsync (tests and specs only: not durable) */
} pl_store_opts;

typedef struct pl_bytes {
  const void *data;
  size_t len;
} pl_bytes;

int pl_store_open(pl_store **out, const char *path, const pl_store_opts *opts, pl_err *err);
void pl_store_close(pl_store *s);
size_t pl_store_map_size(const pl_store *s);

/* Returns the numeric id of a tenant name, assigning the next free one on first use. */
int pl_store_tenant_id(pl_store *s, const char *name, uint32_t *id, pl_err *err);
/* The tenant's secret key (32 random bytes, made on first use and kept in the store):
 * what bot.sign uses, so signed payloads survive restarts and reloads. */
int pl_store_tenant_key(pl_store *s, uint32_t id, unsigned char key[32], pl_err *err);

int pl_store_read_begin(pl_store *s, pl_txn **out, pl_err *err);
void pl_store_read_end(pl_txn *t);

/* Runs apply(txn, ud) in a write transaction and commits. If the map fills up, the
 * transaction is aborted, the map doubled (up to max_map_size) and apply run again, so
 * apply must only depend on its ud and the store. apply returns 0 to commit, or a
 * negative code to abort (returned as is). */
typedef int (*pl_store_apply_fn)(pl_txn *t, void *ud, pl_err *err);
int pl_store_write(pl_store *s, pl_store_apply_fn apply, void *ud, pl_err *err);

/* Group commit: runs every apply in its own nested transaction inside ONE write
 * transaction and commits once (one fsync for all). A failing apply (rcs[i] != 0, its
 * message in errs[i]) is rolled back alone; the others commit. A full map grows and the
 * whole batch is replayed. Returns 0, or an error if the batch itself could not commit
 * (then nothing was written). */
int pl_store_write_batch(pl_store *s, size_t n, pl_store_apply_fn *applies, void **uds, int *rcs,
                         pl_err *errs, pl_err *err);

/* Next value of a named counter in the meta table (within a write transaction). */
int pl_store_next_seq(pl_txn *t, const char *name, uint64_t *out);

int pl_store_get(pl_txn *t, pl_table tb, const void *k, size_t kl, pl_bytes *v);
int pl_store_put(pl_txn *t, pl_table tb, const void *k, size_t kl, const void *v, size_t vl);
int pl_store_del(pl_txn *t, pl_table tb, const void *k, size_t kl);

/* Calls fn for each key starting with prefix, from max(prefix, from) in key order,
 * until fn returns non-zero (which is returned) or the keys run out (0). */
typedef int (*pl_store_scan_fn)(void *ud, pl_bytes key, pl_bytes val);
int pl_store_scan(pl_txn *t, pl_table tb, const void *prefix, size_t pl, const void *from,
                  size_t fl, pl_store_scan_fn fn, void *ud);

/* A short signature of a stored value (v NULL: absent) for "is it still what was read":
 * "-" or the hex of a 64-bit hash of its bytes. out holds 24 bytes. */
void pl_store_sig(const pl_bytes *v, char out[24]);

/* Deletes every key of tb starting with prefix (a write transaction); *n counts them. */
int pl_store_del_prefix(pl_txn *t, pl_table tb, const void *prefix, size_t pl, size_t *n);

/* Key building: a fixed buffer, big enough for every key the runtime makes. */
#define PL_KEY_MAX 511
typedef struct pl_key {
  unsigned char b[PL_KEY_MAX];
  size_t len;
  bool overflow;
} pl_key;

void pl_key_init(pl_key *k, uint32_t tenant);
void pl_key_u64(pl_key *k, uint64_t v);
void pl_key_bytes(pl_key *k, const void *p, size_t n);
void pl_key_str0(pl_key *k, const char *s); /* string plus a 0 separator */
uint64_t pl_key_read_u64(const unsigned char *p);

#endif
