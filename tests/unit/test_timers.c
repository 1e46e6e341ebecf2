/* Durable timers on a simulated clock: ctx:remind_in fires exactly once with its data at
 * its due time; re-arming a name replaces the timer; ctx:cancel reports a pending timer
 * and stops it; timers survive a runtime restart and an overdue one is flagged late only
 * when more than 5 s late; a timer event dispatched a second time (the crash window, or
 * a second runtime on the same store) commits nothing and delivers nothing. */
#include "unit_helpers.h"

#define MIN_MS ((int64_t)60000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

static const char *const BOT =
    "bot.command('remind', function(ctx, args)\n"
    "  local due = ctx:remind_in(args ~= '' and args or '1m', 'ping', { note = 'hello', n = 7 })\n"
    "  ctx:reply(string.format('armed %d', math.floor(due)))\n"
    "end)\n"
    "bot.command('cancel', function(ctx) ctx:reply('cancel ' .. tostring(ctx:cancel('ping'))) "
    "end)\n"
    "bot.command('fired', function(ctx)\n"
    "  ctx:reply('fired ' .. tostring(ctx.session.fired) .. ' ' .. "
    "tostring(bot.store.get('fired')))\n"
    "end)\n"
    "bot.on('timer:ping', function(ctx, data)\n"
    "  bot.log('ping handler ran for ' .. ctx.chat.id)\n"
    "  bot.store.incr('fired')\n"
    "  ctx.session.fired = (ctx.session.fired or 0) + 1\n"
    "  ctx:reply(string.format('ping %s %d late=%s due=%d now=%d', data.note, data.n,\n"
    "    tostring(ctx.event.late), ctx.event.due, math.floor(ctx.now * 1000 + 0.5)))\n"
    "end)\n";

typedef struct fixture {
  char *base;
  char data[512], dir[512];
  capture cap;
  pl_runtime *rt;
  pl_tenant *t;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->base = make_temp_dir("timers");
  snprintf(f->data, sizeof f->data, "%s/data", f->base);
  make_tenant(f->base, "clinic", "return { name = 'Clinic' }\n", BOT, f->dir, sizeof f->dir);
  f->rt = open_runtime(f->data, &f->cap, T0_MS);
  f->t = add_tenant(f->rt, f->dir);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  pl_runtime_close(f->rt);
  rm_tree(f->base);
  free(f);
  return 0;
}

/* A restart: close the runtime and open a new one on the same data at `now_ms`. */
static void restart(fixture *f, int64_t now_ms) {
  pl_runtime_close(f->rt);
  f->rt = open_runtime(f->data, &f->cap, now_ms);
  f->t = add_tenant(f->rt, f->dir);
}

static const char *ask(fixture *f, const char *chat, const char *text) {
  capture_reset(&f->cap);
  send_text(f->rt, f->t, chat, text);
  return only_reply(&f->cap);
}

static int fire_until(fixture *f, int64_t until_ms, bool step) {
  capture_reset(&f->cap);
  pl_err err;
  int n = pl_runtime_fire_due(f->rt, until_ms, step, &err);
  if (n < 0) fail_msg("pl_runtime_fire_due: %s", err.msg);
  return n;
}

static void expect_ping(const captured *r, const char *chat, int64_t due, int64_t now, bool late) {
  char want[256];
  snprintf(want, sizeof want, "ping hello 7 late=%s due=%lld now=%lld", late ? "true" : "false",
           (long long)due, (long long)now);
  assert_string_equal(r->chat, chat);
  assert_string_equal(r->text, want);
}

static void test_timer_fires_once_with_its_data(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "u1", "/remind 1m"), "armed 1780304460");
  assert_int_equal(pl_runtime_next_due(f->rt, NULL), T0_MS + MIN_MS);

  assert_int_equal(fire_until(f, T0_MS + MIN_MS - 1, true), 0);
  assert_int_equal(f->cap.n, 0);
  assert_int_equal(fire_until(f, T0_MS + 2 * MIN_MS, true), 1);
  assert_int_equal(f->cap.n, 1);
  expect_ping(&f->cap.r[0], "u1", T0_MS + MIN_MS, T0_MS + MIN_MS, false);

  assert_int_equal(fire_until(f, T0_MS + DAY_MS, true), 0);
  assert_int_equal(f->cap.n, 0);
  assert_int_equal(pl_runtime_next_due(f->rt, NULL), INT64_MAX);
  assert_int_equal(count_rows(f->rt, f->t, PL_T_TIMERS), 0);
  assert_int_equal(count_rows(f->rt, f->t, PL_T_TIMER_IDX), 0);
  assert_string_equal(ask(f, "u1", "/fired"), "fired 1 1");
}

static void test_rearming_a_name_replaces_the_timer(void **state) {
  fixture *f = *state;
  ask(f, "u1", "/remind 1m");
  f->rt->clock.sim_ms = T0_MS + 30000;
  assert_string_equal(ask(f, "u1", "/remind 2m"), "armed 1780304550");
  assert_int_equal(count_rows(f->rt, f->t, PL_T_TIMERS), 1);

  /* Nothing at the old due time... */
  assert_int_equal(fire_until(f, T0_MS + 100000, true), 0);
  /* ...one firing at the new one. */
  assert_int_equal(fire_until(f, T0_MS + 200000, true), 1);
  expect_ping(&f->cap.r[0], "u1", T0_MS + 150000, T0_MS + 150000, false);
  assert_int_equal(fire_until(f, T0_MS + DAY_MS, true), 0);
  assert_string_equal(ask(f, "u1", "/fired"), "fired 1 1");
}

static void test_timers_of_different_conversations_are_separate(void **state) {
  fixture *f = *state;
  ask(f, "u1", "/remind 2m");
  ask(f, "u2", "/remind 1m");
  assert_int_equal(count_rows(f->rt, f->t, PL_T_TIMERS), 2);
  assert_int_equal(fire_until(f, T0_MS + DAY_MS, true), 2);
  /* Earliest first, each at its own due time. */
  expect_ping(&f->cap.r[0], "u2", T0_MS + MIN_MS, T0_MS + MIN_MS, false);
  expect_ping(&f->cap.r[1], "u1", T0_MS + 2 * MIN_MS, T0_MS + 2 * MIN_MS, false);
}

static void test_cancel_reports_pending_and_the_timer_never_fires(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "u1", "/cancel"), "cancel false");
  ask(f, "u1", "/remind 1m");
  assert_string_equal(ask(f, "u1", "/cancel"), "cancel true");
  assert_string_equal(ask(f, "u1", "/cancel"), "cancel false");
  assert_int_equal(pl_runtime_next_due(f->rt, NULL), INT64_MAX);
  assert_int_equal(fire_until(f, T0_MS + DAY_MS, true), 0);
  assert_int_equal(f->cap.n, 0);
  assert_int_equal(count_rows(f->rt, f->t, PL_T_TIMERS), 0);
  assert_int_equal(count_rows(f->rt, f->t, PL_T_TIMER_IDX), 0);
}

static void test_timer_survives_a_restart(void **state) {
  fixture *f = *state;
  ask(f, "u1", "/remind 1h");
  restart(f, T0_MS + 30 * MIN_MS);
  assert_int_equal(pl_runtime_next_due(f->rt, NULL), T0_MS + HOUR_MS);
  assert_int_equal(fire_until(f, T0_MS + 2 * HOUR_MS, true), 1);
  expect_ping(&f->cap.r[0], "u1", T0_MS + HOUR_MS, T0_MS + HOUR_MS, false);
  restart(f, T0_MS + 3 * HOUR_MS);
  assert_int_equal(pl_runtime_next_due(f->rt, NULL), INT64_MAX);
  assert_int_equal(fire_until(f, T0_MS + DAY_MS, true), 0);
}

static void test_overdue_timer_at_restart_fires_once_marked_late(void **state) {
  fixture *f = *state;
  ask(f, "u1", "/remind 1m");
  int64_t now = T0_MS + MIN_MS + 10000; /* the process was down past the due time */
  restart(f, now);
  assert_int_equal(fire_until(f, now, false), 1);
  expect_ping(&f->cap.r[0], "u1", T0_MS + MIN_MS, now, true);
  assert_int_equal(fire_until(f, T0_MS + DAY_MS, true), 0);
}

static void test_late_means_more_than_five_seconds(void **state) {
  fixture *f = *state;
  ask(f, "a", "/remind 1m"); /* due T0 + 60000 */
  f->rt->clock.sim_ms = T0_MS + 1;
  ask(f, "b", "/remind 1m"); /* due T0 + 60001 */
  int64_t now = T0_MS + MIN_MS + 5001;
  restart(f, now);
  assert_int_equal(fire_until(f, now, false), 2);
  expect_ping(&f->cap.r[0], "a", T0_MS + MIN_MS, now, true);      /* 5001 ms late */
  expect_ping(&f->cap.r[1], "b", T0_MS + MIN_MS + 1, now, false); /* exactly 5000 ms */
}

/* The timer event as the scanner builds it. */
static int dispatch_ping(fixture *f, const char *chat, int64_t due) {
  json_t *data = json_pack("{s:s,s:i}", "note", "hello", "n", 7);
  pl_event ev = {.kind = PL_EV_TIMER,
                 .channel = "console",
                 .chat_id = chat,
                 .text = "ping",
                 .data = data,
                 .due_ms = due};
  capture_reset(&f->cap);
  pl_err err;
  int rc = pl_dispatch(f->rt, f->t, &ev, &err);
  json_decref(data);
  return rc;
}

static void expect_second_dispatch_commits_nothing(fixture *f, int64_t due) {
  int history = count_rows(f->rt, f->t, PL_T_HISTORY);
  json_t *before = pl_conv_record(f->rt, f->t, "console", "u1");
  assert_int_equal(dispatch_ping(f, "u1", due), 0);
  /* The handler ran (its log line is there)... */
  assert_contains(f->cap.log, "ping handler ran for u1");
  /* ...but nothing was delivered or committed. */
  assert_int_equal(f->cap.n, 0);
  char *fired = stored_kv(f->rt, f->t, "fired");
  assert_string_equal(fired, "1");
  free(fired);
  assert_int_equal(count_rows(f->rt, f->t, PL_T_HISTORY), history);
  json_t *after = pl_conv_record(f->rt, f->t, "console", "u1");
  assert_true(json_equal(before, after));
  json_decref(before);
  json_decref(after);
}

static void test_a_timer_event_dispatched_twice_commits_once(void **state) {
  fixture *f = *state;
  ask(f, "u1", "/remind 1m");
  int64_t due = T0_MS + MIN_MS;
  assert_int_equal(fire_until(f, due, true), 1);
  assert_int_equal(f->cap.n, 1);

  /* Runtime 1 handles the same timer event again (a duplicate from the crash window). */
  expect_second_dispatch_commits_nothing(f, due);

  /* Another runtime on the same store (the process after a restart, or a second
   * process) gets the same event: still nothing. */
  restart(f, due + 1000);
  expect_second_dispatch_commits_nothing(f, due);
  assert_int_equal(fire_until(f, T0_MS + DAY_MS, true), 0);
  assert_string_equal(ask(f, "u1", "/fired"), "fired 1 1");
}

static void test_a_cancelled_timer_event_arriving_late_commits_nothing(void **state) {
  fixture *f = *state;
  ask(f, "u1", "/remind 1m");
  assert_string_equal(ask(f, "u1", "/cancel"), "cancel true");
  /* The scanner had already picked it up before the cancel committed. */
  assert_int_equal(dispatch_ping(f, "u1", T0_MS + MIN_MS), 0);
  assert_int_equal(f->cap.n, 0);
  assert_null(stored_kv(f->rt, f->t, "fired"));
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_timer_fires_once_with_its_data),
      T(test_rearming_a_name_replaces_the_timer),
      T(test_timers_of_different_conversations_are_separate),
      T(test_cancel_reports_pending_and_the_timer_never_fires),
      T(test_timer_survives_a_restart),
      T(test_overdue_timer_at_restart_fires_once_marked_late),
      T(test_late_means_more_than_five_seconds),
      T(test_a_timer_event_dispatched_twice_commits_once),
      T(test_a_cancelled_timer_event_arriving_late_commits_nothing),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
