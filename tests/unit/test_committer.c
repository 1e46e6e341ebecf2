/* The committer and the pieces the pipeline commits through it: many jobs from several
 * threads share few transactions (group commit), a failing job is rolled back alone,
 * per-event mode commits one job per transaction, and expired dedupe entries go. */
#include <pthread.h>

#include "unit_helpers.h"

#include "committer.h"
#include "server.h"

typedef struct put_job {
  pl_commit_job cj;
  int n;
  bool fail;
  int *done_count;
} put_job;

static int put_apply(pl_txn *tx, void *ud, pl_err *err) {
  put_job *p = ud;
  char k[32];
  int kl = snprintf(k, sizeof k, "k%05d", p->n);
  int rc = pl_store_put(tx, PL_T_KV, k, (size_t)kl, "v", 1);
  if (rc) return rc;
  if (p->fail) return pl_err_set(err, PL_EINVAL, "job %d fails on purpose", p->n);
  return 0;
}

typedef struct loop_ctx {
  uv_loop_t loop;
  pl_mailbox mb;
  int done, expected;
} loop_ctx;

static void put_done(pl_commit_job *cj) {
  put_job *p = (put_job *)cj;
  (*p->done_count)++;
}

static size_t count_keys(pl_store *s) {
  pl_txn *tx;
  pl_err err;
  assert_int_equal(pl_store_read_begin(s, &tx, &err), 0);
  size_t n = 0;
  for (int i = 0; i < 2000; i++) {
    char k[32];
    int kl = snprintf(k, sizeof k, "k%05d", i);
    pl_bytes v;
    if (pl_store_get(tx, PL_T_KV, k, (size_t)kl, &v) == 0) n++;
  }
  pl_store_read_end(tx);
  return n;
}

static void run_jobs(size_t batch, int njobs, int fail_every, pl_committer_stats *stats,
                     size_t *stored) {
  char *dir = make_temp_dir("committer");
  pl_store *s;
  pl_err err;
  assert_int_equal(pl_store_open(&s, dir, NULL, &err), 0);
  pl_committer *c;
  assert_int_equal(pl_committer_start(&c, s, batch, &err), 0);
  loop_ctx lc = {.expected = njobs};
  uv_loop_init(&lc.loop);
  pl_mailbox_init(&lc.mb, &lc.loop);
  put_job *jobs = calloc((size_t)njobs, sizeof *jobs);
  for (int i = 0; i < njobs; i++) {
    jobs[i] =
        (put_job){.cj = {.apply = put_apply, .ud = &jobs[i], .reply_to = &lc.mb, .done = put_done},
                  .n = i,
                  .fail = fail_every && i % fail_every == 0,
                  .done_count = &lc.done};
    pl_committer_submit(c, &jobs[i].cj);
  }
  while (lc.done < njobs)
    uv_run(&lc.loop, UV_RUN_ONCE);
  for (int i = 0; i < njobs; i++) {
    if (jobs[i].fail) {
      assert_int_equal(jobs[i].cj.rc, PL_EINVAL);
      assert_contains(jobs[i].cj.err.msg, "fails on purpose");
    } else {
      assert_int_equal(jobs[i].cj.rc, 0);
    }
  }
  pl_committer_stats_get(c, stats);
  pl_committer_stop(c);
  *stored = count_keys(s);
  pl_mailbox_close(&lc.mb);
  uv_run(&lc.loop, UV_RUN_DEFAULT);
  uv_loop_close(&lc.loop);
  free(jobs);
  pl_store_close(s);
  rm_tree(dir);
}

static void test_group_commit_shares_transactions(void **state) {
  (void)state;
  pl_committer_stats st;
  size_t stored;
  run_jobs(0, 1000, 0, &st, &stored);
  assert_int_equal(stored, 1000);
  assert_int_equal(st.jobs, 1000);
  /* Submitted all at once: far fewer commits than jobs. */
  assert_true(st.commits < 100);
  assert_true(st.max_batch > 10);
}

static void test_per_event_mode_commits_each_job_alone(void **state) {
  (void)state;
  pl_committer_stats st;
  size_t stored;
  run_jobs(1, 200, 0, &st, &stored);
  assert_int_equal(stored, 200);
  assert_int_equal(st.commits, 200);
  assert_int_equal(st.max_batch, 1);
}

static void test_a_failing_job_is_rolled_back_alone(void **state) {
  (void)state;
  pl_committer_stats st;
  size_t stored;
  run_jobs(0, 500, 7, &st, &stored); /* jobs 0, 7, 14, ... fail after writing their key */
  int failing = (500 + 6) / 7;
  assert_int_equal(stored, 500 - (size_t)failing);
}

static int put_dedupe(pl_txn *tx, void *ud, pl_err *err) {
  (void)err;
  int64_t *ages = ud;
  for (int i = 0; i < 4; i++) {
    pl_key k;
    pl_key_init(&k, 1);
    char id[16];
    snprintf(id, sizeof id, "http\\x00e%d", i);
    pl_key_str0(&k, "http");
    pl_key_bytes(&k, id, strlen(id));
    unsigned char at[8];
    for (int b = 7; b >= 0; b--)
      at[b] = (unsigned char)((uint64_t)ages[i] >> (8 * (7 - b)));
    int rc = pl_store_put(tx, PL_T_DEDUPE, k.b, k.len, at, 8);
    if (rc) return rc;
  }
  return 0;
}

static int count_dedupe(void *ud, pl_bytes k, pl_bytes v) {
  (void)k;
  (void)v;
  (*(int *)ud)++;
  return 0;
}

static void test_dedupe_entries_expire_after_the_ttl(void **state) {
  (void)state;
  char *dir = make_temp_dir("dedupe");
  pl_store *s;
  pl_err err;
  assert_int_equal(pl_store_open(&s, dir, NULL, &err), 0);
  int64_t now = T0_MS;
  int64_t ages[4] = {now - PL_DEDUPE_TTL_MS - 1000, now - PL_DEDUPE_TTL_MS - 1, now - 1000, now};
  assert_int_equal(pl_store_write(s, put_dedupe, ages, &err), 0);
  pl_dedupe_sweep_req r = {.now_ms = now, .ttl_ms = PL_DEDUPE_TTL_MS};
  assert_int_equal(pl_store_write(s, pl_dedupe_sweep, &r, &err), 0);
  assert_int_equal(r.removed, 2);
  pl_txn *tx;
  assert_int_equal(pl_store_read_begin(s, &tx, &err), 0);
  int n = 0;
  pl_store_scan(tx, PL_T_DEDUPE, "", 0, NULL, 0, count_dedupe, &n);
  pl_store_read_end(tx);
  assert_int_equal(n, 2);
  pl_store_close(s);
  rm_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_group_commit_shares_transactions),
      cmocka_unit_test(test_per_event_mode_commits_each_job_alone),
      cmocka_unit_test(test_a_failing_job_is_rolled_back_alone),
      cmocka_unit_test(test_dedupe_entries_expire_after_the_ttl),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
