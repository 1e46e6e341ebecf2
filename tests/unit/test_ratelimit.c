/* Per-address token buckets (ratelimit.h): a burst is taken at once and then one request
 * per 1/rate; the wait a refusal names is the time to the next token; addresses have
 * buckets of their own; and the table stays within its slots whatever the number of
 * addresses — an idle bucket's slot is reused, a busy address keeps its bucket while
 * strangers come and go, and an address pushed out starts afresh (never refused for
 * another's traffic). */
#include "unit_helpers.h"

#include "ratelimit.h"

static void burst_then_rate(void **state) {
  (void)state;
  pl_ratelimit *rl = pl_ratelimit_new(2, 5, 64); /* 2 a second, 5 at once */
  assert_non_null(rl);
  for (int i = 0; i < 5; i++)
    assert_int_equal(pl_ratelimit_take(rl, "10.0.0.1", 1000), 0);
  assert_int_equal(pl_ratelimit_take(rl, "10.0.0.1", 1000), 500); /* next token in 0.5 s */
  assert_int_equal(pl_ratelimit_take(rl, "10.0.0.1", 1200), 300);
  assert_int_equal(pl_ratelimit_take(rl, "10.0.0.1", 1500), 0);   /* refilled one */
  assert_int_equal(pl_ratelimit_take(rl, "10.0.0.1", 1500), 500); /* and only one */
  assert_int_equal(pl_ratelimit_take(rl, "10.0.0.2", 1500), 0);   /* another address */
  /* a long pause refills to the burst, not beyond */
  for (int i = 0; i < 5; i++)
    assert_int_equal(pl_ratelimit_take(rl, "10.0.0.1", 60000), 0);
  assert_true(pl_ratelimit_take(rl, "10.0.0.1", 60000) > 0);
  /* time going backwards (it does not, on a monotonic clock) refills nothing */
  assert_true(pl_ratelimit_take(rl, "10.0.0.1", 59000) > 0);
  pl_ratelimit_free(rl);
}

static void slow_rates(void **state) {
  (void)state;
  pl_ratelimit *rl = pl_ratelimit_new(0.1, 1, 64); /* one per 10 s */
  assert_int_equal(pl_ratelimit_take(rl, "a", 0), 0);
  assert_int_equal(pl_ratelimit_take(rl, "a", 0), 10000);
  assert_int_equal(pl_ratelimit_take(rl, "a", 9999), 1);
  assert_int_equal(pl_ratelimit_take(rl, "a", 10000), 0);
  pl_ratelimit_free(rl);
}

/* 100,000 addresses at once through a 64-slot table: every one is served (a bucket
 * pushed out starts full again), and nothing grows (LSan would see it). */
static void bounded_table(void **state) {
  (void)state;
  pl_ratelimit *rl = pl_ratelimit_new(1, 3, 64);
  char key[32];
  for (int i = 0; i < 100000; i++) {
    snprintf(key, sizeof key, "198.51.%d.%d", (i >> 8) & 255, i & 255);
    if (pl_ratelimit_take(rl, key, i / 1000)) fail_msg("stranger %s refused", key);
  }
  pl_ratelimit_free(rl);
}

/* A busy address keeps its bucket while strangers come and go (100 a second, fewer than
 * the table holds): over 100 s of tries 10 a second it gets its burst of 3 plus one a
 * second, and every other try is refused. */
static void busy_keeps_its_bucket(void **state) {
  (void)state;
  pl_ratelimit *rl = pl_ratelimit_new(1, 3, 1024);
  char key[32];
  int taken = 0;
  for (int64_t ms = 0; ms < 100000; ms += 10) {
    snprintf(key, sizeof key, "198.51.100.%d:%lld", (int)(ms % 250), (long long)ms);
    if (pl_ratelimit_take(rl, key, ms)) fail_msg("stranger %s refused", key);
    if (ms % 100 == 0) taken += pl_ratelimit_take(rl, "203.0.113.9", ms) == 0;
  }
  assert_in_range(taken, 102, 103); /* 3 + the tokens of 99.9 s */
  pl_ratelimit_free(rl);
}

/* An empty key and an overlong one are keys like any other (cut to the table's size). */
static void odd_keys(void **state) {
  (void)state;
  pl_ratelimit *rl = pl_ratelimit_new(1, 1, 0);
  char longkey[200];
  memset(longkey, 'x', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = 0;
  assert_int_equal(pl_ratelimit_take(rl, "", 0), 0);
  assert_true(pl_ratelimit_take(rl, "", 0) > 0);
  assert_int_equal(pl_ratelimit_take(rl, longkey, 0), 0);
  assert_true(pl_ratelimit_take(rl, longkey, 0) > 0);
  pl_ratelimit_free(rl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(burst_then_rate), cmocka_unit_test(slow_rates),
      cmocka_unit_test(bounded_table),   cmocka_unit_test(busy_keeps_its_bucket),
      cmocka_unit_test(odd_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
