/* Instruction and memory budgets through the real runtime, with two tenants: a handler
 * that loops forever (also inside pcall) or builds too much data gets its user the
 * tenant's error_reply and a log line naming the budget, while the other tenant and the
 * same tenant's next event are served normally; a failing handler's session, store and
 * timer changes are discarded; a bot.lua whose top level never ends fails to load. */
#include "unit_helpers.h"

static const char *const ALPHA_TENANT =
    "return { name = 'Alpha', error_reply = 'Alpha hit a snag',\n"
    "         limits = { memory = '2MB' } }\n";

static const char *const ALPHA_BOT =
    "bot.command('loop', function(ctx) while true do end end)\n"
    "bot.command('pcallloop', function(ctx)\n"
    "  while true do pcall(function() while true do end end) end\n"
    "end)\n"
    "bot.command('tablebomb', function(ctx)\n"
    "  local t, i = {}, 0\n"
    "  while true do i = i + 1; t[i] = string.rep('x', 1000) .. i end\n"
    "end)\n"
    "bot.command('strbomb', function(ctx)\n"
    "  local s = 'x'\n"
    "  while true do s = s .. s end\n"
    "end)\n"
    "bot.command('repbomb', function(ctx) ctx:reply(#string.rep('x', 64 * 1024 * 1024)) end)\n"
    "bot.command('ok', function(ctx)\n"
    "  ctx.session.n = (ctx.session.n or 0) + 1\n"
    "  bot.store.incr('hits')\n"
    "  ctx:reply('alpha ok ' .. ctx.session.n)\n"
    "end)\n"
    "bot.command('fail', function(ctx)\n"
    "  ctx.session.n = 99\n"
    "  bot.store.put('k', 'from a failed event')\n"
    "  bot.store.incr('hits', 10)\n"
    "  ctx:remind_in('1m', 'nag')\n"
    "  ctx:reply('must not be delivered')\n"
    "  error('boom')\n"
    "end)\n"
    "bot.command('show', function(ctx)\n"
    "  ctx:reply(string.format('n=%s k=%s hits=%s nag=%s', tostring(ctx.session.n),\n"
    "    tostring(bot.store.get('k')), tostring(bot.store.get('hits')),\n"
    "    tostring(ctx:cancel('nag'))))\n"
    "end)\n";

static const char *const BETA_BOT =
    "bot.on('message', function(ctx, text) ctx:reply('beta: ' .. text) end)\n";

typedef struct fixture {
  char *base;
  char data[512], alpha_dir[512], beta_dir[512];
  capture cap;
  pl_runtime *rt;
  pl_tenant *alpha, *beta;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->base = make_temp_dir("budgets");
  snprintf(f->data, sizeof f->data, "%s/data", f->base);
  make_tenant(f->base, "alpha", ALPHA_TENANT, ALPHA_BOT, f->alpha_dir, sizeof f->alpha_dir);
  make_tenant(f->base, "beta", "return { name = 'Beta' }\n", BETA_BOT, f->beta_dir,
              sizeof f->beta_dir);
  f->rt = open_runtime(f->data, &f->cap, T0_MS);
  f->alpha = add_tenant(f->rt, f->alpha_dir);
  f->beta = add_tenant(f->rt, f->beta_dir);
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

/* Sends text and returns the single reply it produced. */
static const char *ask(fixture *f, pl_tenant *t, const char *chat, const char *text) {
  capture_reset(&f->cap);
  send_text(f->rt, t, chat, text);
  if (f->cap.n != 1) fail_msg("%s: expected one reply, got %d", text, f->cap.n);
  assert_string_equal(f->cap.r[0].tenant, t->key);
  assert_string_equal(f->cap.r[0].chat, chat);
  return f->cap.r[0].text;
}

/* A budget failure: the user gets the error reply, the log names the budget, and the
 * other tenant and this tenant's next event are served normally. */
static void expect_contained_failure(fixture *f, const char *command, const char *budget) {
  uint64_t failures = f->rt->failures;
  assert_string_equal(ask(f, f->alpha, "u1", command), "Alpha hit a snag");
  assert_contains(f->cap.log, "alpha: ");
  assert_contains(f->cap.log, budget);
  assert_contains(f->cap.log, command);
  assert_int_equal(f->rt->failures, failures + 1);

  assert_string_equal(ask(f, f->beta, "u2", "hello"), "beta: hello");
  assert_int_equal(f->cap.log_lines, 0);
  assert_string_equal(ask(f, f->alpha, "u1", "/ok"), "alpha ok 1");
  assert_int_equal(f->cap.log_lines, 0);
  assert_int_equal(f->rt->failures, failures + 1);
}

static void test_infinite_loop_gets_error_reply_and_spares_others(void **state) {
  expect_contained_failure(*state, "/loop", "instruction budget exceeded");
}

static void test_loop_around_pcall_is_stopped_too(void **state) {
  expect_contained_failure(*state, "/pcallloop", "instruction budget exceeded");
}

static void test_growing_table_hits_the_memory_limit(void **state) {
  fixture *f = *state;
  expect_contained_failure(f, "/tablebomb", "memory limit exceeded");
  /* The failed event's data was collected. */
  assert_true(f->alpha->code->sb->mem_used < (size_t)(1 << 20));
}

static void test_doubling_string_hits_the_memory_limit(void **state) {
  expect_contained_failure(*state, "/strbomb", "memory limit exceeded");
}

static void test_huge_string_rep_hits_the_memory_limit(void **state) {
  expect_contained_failure(*state, "/repbomb", "memory limit exceeded");
}

static void test_memory_limit_of_one_tenant_does_not_cap_another(void **state) {
  fixture *f = *state;
  assert_int_equal(f->alpha->code->sb->mem_cap, (size_t)2 << 20);
  assert_int_equal(f->beta->code->sb->mem_cap, PL_DEFAULT_MEMORY);
}

static void test_failed_handler_discards_session_store_and_timer_changes(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, f->alpha, "u1", "/ok"), "alpha ok 1");
  assert_string_equal(ask(f, f->alpha, "u1", "/fail"), "Alpha hit a snag");
  assert_contains(f->cap.log, "boom");

  /* Nothing of /fail reached storage... */
  char *hits = stored_kv(f->rt, f->alpha, "hits");
  assert_string_equal(hits, "1");
  free(hits);
  assert_null(stored_kv(f->rt, f->alpha, "k"));
  assert_int_equal(count_rows(f->rt, f->alpha, PL_T_TIMERS), 0);
  assert_int_equal(pl_runtime_next_due(f->rt, NULL), INT64_MAX);
  /* ...and the next event sees the state from before it. */
  assert_string_equal(ask(f, f->alpha, "u1", "/show"), "n=1 k=nil hits=1 nag=false");
  pl_err err;
  assert_int_equal(pl_runtime_fire_due(f->rt, T0_MS + 86400000, true, &err), 0);
}

static void test_top_level_infinite_loop_fails_to_load(void **state) {
  fixture *f = *state;
  char dir[512];
  make_tenant(f->base, "spinner", "return {}\n", "local n = 0\nwhile true do n = n + 1 end\n", dir,
              sizeof dir);
  pl_tenant *t = NULL;
  pl_err err = {{0}};
  assert_int_equal(pl_runtime_add_tenant(f->rt, dir, &t, &err), PL_EBUDGET);
  assert_null(t);
  assert_contains(err.msg, "spinner/bot.lua:2:");
  assert_contains(err.msg, "instruction budget exceeded");
  assert_null(pl_runtime_find_tenant(f->rt, "spinner"));
  assert_int_equal(f->rt->ntenants, 2);
  /* The tenants already loaded keep working. */
  assert_string_equal(ask(f, f->beta, "u2", "still here"), "beta: still here");
}

static void test_top_level_memory_bomb_fails_to_load(void **state) {
  fixture *f = *state;
  char dir[512];
  make_tenant(f->base, "hoarder", "return { limits = { memory = '1MB' } }\n",
              "local t = {}\nfor i = 1, 1e9 do t[i] = string.rep('y', 100) .. i end\n", dir,
              sizeof dir);
  pl_err err = {{0}};
  assert_int_equal(pl_runtime_add_tenant(f->rt, dir, NULL, &err), PL_EBUDGET);
  assert_contains(err.msg, "memory limit exceeded");
  assert_null(pl_runtime_find_tenant(f->rt, "hoarder"));
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_infinite_loop_gets_error_reply_and_spares_others),
      T(test_loop_around_pcall_is_stopped_too),
      T(test_growing_table_hits_the_memory_limit),
      T(test_doubling_string_hits_the_memory_limit),
      T(test_huge_string_rep_hits_the_memory_limit),
      T(test_memory_limit_of_one_tenant_does_not_cap_another),
      T(test_failed_handler_discards_session_store_and_timer_changes),
      T(test_top_level_infinite_loop_fails_to_load),
      T(test_top_level_memory_bomb_fails_to_load),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
