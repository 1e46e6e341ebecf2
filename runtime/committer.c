/* Group commit thread (see committer.h). */
#include <stdlib.h>
#include <string.h>

#include "committer.h"

struct pl_committer {
  pl_store *store;
  size_t max_batch;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pl_commit_job *head, *tail;
  int stopping;
  pl_committer_stats stats;
};

static void run_batch(pl_committer *c, pl_commit_job **jobs, size_t n) {
  pl_store_apply_fn applies[n];
  void *uds[n];
  int rcs[n];
  pl_err *errs = calloc(n, sizeof *errs);
  for (size_t i = 0; i < n; i++) {
    applies[i] = jobs[i]->apply;
    uds[i] = jobs[i]->ud;
  }
  pl_err err;
  int rc = pl_store_write_batch(c->store, n, applies, uds, rcs, errs, &err);
  for (size_t i = 0; i < n; i++) {
    jobs[i]->rc = rc ? rc : rcs[i];
    jobs[i]->err = rc ? err : errs[i];
  }
  free(errs);
  pthread_mutex_lock(&c->mu);
  c->stats.commits++;
  c->stats.jobs += n;
  if (n > c->stats.max_batch) c->stats.max_batch = n;
  int b = 0;
  for (size_t k = n; k > 1 && b < 7; k >>= 1)
    b++;
  c->stats.batch_hist[b]++;
  pthread_mutex_unlock(&c->mu);
  for (size_t i = 0; i < n; i++) {
    pl_commit_job *j = jobs[i];
    if (pl_mailbox_post(j->reply_to, (pl_task_fn)j->done, j) != 0) j->done(j);
  }
}

static void *committer_main(void *arg) {
  pl_committer *c = arg;
  size_t cap = c->max_batch ? c->max_batch : 1024;
  pl_commit_job **batch = malloc(cap * sizeof *batch);
  for (;;) {
    pthread_mutex_lock(&c->mu);
    while (!c->head && !c->stopping)
      pthread_cond_wait(&c->cv, &c->mu);
    if (!c->head && c->stopping) {
      pthread_mutex_unlock(&c->mu);
      break;
    }
    size_t n = 0;
    while (c->head && n < cap) {
      batch[n++] = c->head;
      c->head = c->head->next;
    }
    if (!c->head) c->tail = NULL;
    pthread_mutex_unlock(&c->mu);
    run_batch(c, batch, n);
  }
  free(batch);
  return NULL;
}

int pl_committer_start(pl_committer **out, pl_store *store, size_t max_batch, pl_err *err) {
  pl_committer *c = calloc(1, sizeof *c);
  if (!c) return pl_err_set(err, PL_ENOMEM, "out of memory");
  c->store = store;
  c->max_batch = max_batch ? max_batch : 1024;
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  if (pthread_create(&c->thread, NULL, committer_main, c)) {
    free(c);
    return pl_err_set(err, PL_EIO, "cannot start the committer thread");
  }
  *out = c;
  return 0;
}

void pl_committer_submit(pl_committer *c, pl_commit_job *job) {
  job->next = NULL;
  pthread_mutex_lock(&c->mu);
  if (c->tail)
    c->tail->next = job;
  else
    c->head = job;
  c->tail = job;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

void pl_committer_stats_get(pl_committer *c, pl_committer_stats *out) {
  pthread_mutex_lock(&c->mu);
  *out = c->stats;
  pthread_mutex_unlock(&c->mu);
}

void pl_committer_stop(pl_committer *c) {
  pthread_mutex_lock(&c->mu);
  c->stopping = 1;
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  pthread_join(c->thread, NULL);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  free(c);
}
