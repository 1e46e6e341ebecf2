/* Human durations (duration.h): the documented forms parse to milliseconds; empty,
 * unit-less, unknown-unit, negative, zero, wrongly ordered and absurdly large inputs
 * are PL_EINVAL with a message that quotes the input. */
#include "unit_helpers.h"

#include "duration.h"

#define S 1000LL
#define M (60 * S)
#define H (60 * M)
#define D (24 * H)
#define W (7 * D)

static void expect_ms(const char *in, int64_t want) {
  pl_err err = {{0}};
  int64_t ms = -1;
  int rc = pl_duration_parse(in, &ms, &err);
  if (rc) fail_msg("\"%s\" refused: %s", in, err.msg);
  if (ms != want) fail_msg("\"%s\": got %lld ms, want %lld", in, (long long)ms, (long long)want);
}

static void expect_invalid(const char *in) {
  pl_err err = {{0}};
  int64_t ms = -1;
  int rc = pl_duration_parse(in, &ms, &err);
  if (rc != PL_EINVAL)
    fail_msg("\"%s\": got rc %d (%lld ms), want PL_EINVAL", in, rc, (long long)ms);
  char quoted[300];
  snprintf(quoted, sizeof quoted, "\"%s\"", in);
  assert_contains(err.msg, quoted);
  assert_contains(err.msg, "invalid duration");
  assert_int_equal(ms, -1); /* the output is untouched on failure */
}

static void test_documented_durations_parse(void **state) {
  (void)state;
  expect_ms("90s", 90 * S);
  expect_ms("15m", 15 * M);
  expect_ms("2h", 2 * H);
  expect_ms("24h", 24 * H);
  expect_ms("3d", 3 * D);
  expect_ms("1w", W);
  expect_ms("1h30m", H + 30 * M);
}

static void test_combinations_add_up_largest_unit_first(void **state) {
  (void)state;
  expect_ms("1w2d3h4m5s", W + 2 * D + 3 * H + 4 * M + 5 * S);
  expect_ms("2h0m", 2 * H);
  expect_ms("1s", S);
}

static void test_empty_and_unitless_are_refused(void **state) {
  (void)state;
  expect_invalid("");
  expect_invalid("90");
  expect_invalid("h");
  expect_invalid(" 5s");
  expect_invalid("5s ");
}

static void test_unknown_unit_is_refused(void **state) {
  (void)state;
  expect_invalid("3x");
  expect_invalid("3ms");
  expect_invalid("1.5h");
}

static void test_negative_and_zero_are_refused(void **state) {
  (void)state;
  expect_invalid("-5s");
  expect_invalid("0s");
  expect_invalid("0h0m");
}

static void test_parts_out_of_order_or_repeated_are_refused(void **state) {
  (void)state;
  expect_invalid("1m1h");
  expect_invalid("30m1h");
  expect_invalid("1h1h");
}

static void test_durations_over_ten_years_are_refused(void **state) {
  (void)state;
  expect_ms("3660d", 3660 * D); /* the cap itself */
  expect_invalid("3661d");
  expect_invalid("523w");
  expect_invalid("99999999999w");
  expect_invalid("9999999999999999999999s");
  expect_invalid("316224000000w");
}

static void test_null_input_is_refused(void **state) {
  (void)state;
  pl_err err;
  int64_t ms = -1;
  assert_int_equal(pl_duration_parse(NULL, &ms, &err), PL_EINVAL);
  assert_contains(err.msg, "invalid duration");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_documented_durations_parse),
      cmocka_unit_test(test_combinations_add_up_largest_unit_first),
      cmocka_unit_test(test_empty_and_unitless_are_refused),
      cmocka_unit_test(test_unknown_unit_is_refused),
      cmocka_unit_test(test_negative_and_zero_are_refused),
      cmocka_unit_test(test_parts_out_of_order_or_repeated_are_refused),
      cmocka_unit_test(test_durations_over_ten_years_are_refused),
      cmocka_unit_test(test_null_input_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
