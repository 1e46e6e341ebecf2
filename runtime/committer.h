/* The committer: one thread that turns many events' writes into one LMDB transaction and
 * one fsync (group commit). Producers (the HTTP acceptor, the workers) submit jobs; the
 * committer takes everything queued, commits it as a batch (each job in a nested
 * transaction, so one failing job does not sink the others), then posts each job's
 * completion to the mailbox of the loop that submitted it. While one batch is being
 * fsynced, the next one fills up: the busier the system, the larger the batches.
 *
 * Ownership: a job belongs to its submitter; the committer borrows it until done runs. */
#ifndef PL_COMMITTER_H
#define PL_COMMITTER_H
#include <stdint.h>

#include "mailbox.h"
#include "store.h"

typedef struct pl_commit_job {
  pl_store_apply_fn apply;
  void *ud;
  pl_mailbox *reply_to;                    /* where done runs */
  void (*done)(struct pl_commit_job *job); /* rc and err are set */
  int rc;
  pl_err err;
  struct pl_commit_job *next;
} pl_commit_job;

typedef struct pl_committer pl_committer;

typedef struct pl_committer_stats {
  uint64_t commits, jobs, max_batch;
  uint64_t batch_hist[8]; /* batches of 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64-127, 128+ */
} pl_committer_stats;

/* max_batch 1 = one fsync per job (the baseline the group commit is measured against). */
int pl_committer_start(pl_committer **out, pl_store *store, size_t max_batch, pl_err *err);
void pl_committer_submit(pl_committer *c, pl_commit_job *job);
void pl_committer_stats_get(pl_committer *c, pl_committer_stats *out);
/* Commits what is queued, then stops the thread and frees c. */
void pl_committer_stop(pl_committer *c);

#endif
