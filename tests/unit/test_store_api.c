/* bot.store through real handlers: writes are visible to the same event at once and to
 * later events after commit; delete and put(nil) remove; incr returns the new value,
 * builds on a put in the same event, and increments of separate events add up; scan
 * lists by prefix in key order with a limit, including the event's own uncommitted
 * writes and deletions; a failing handler's writes are discarded; two tenants using the
 * same key names never see each other's values; bot.store is refused at load time. */
#include "unit_helpers.h"

static const char *const BOT =
    "local function show(v)\n"
    "  if type(v) ~= 'table' then return tostring(v) end\n"
    "  local keys = {}\n"
    "  for k in pairs(v) do keys[#keys + 1] = k end\n"
    "  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)\n"
    "  local out = {}\n"
    "  for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. ':' .. show(v[k]) end\n"
    "  return '{' .. table.concat(out, ' ') .. '}'\n"
    "end\n"
    "local function words(s) local w = {} for x in s:gmatch('%S+') do w[#w + 1] = x end\n"
    "  return w end\n"
    "bot.command('put', function(ctx, args)\n"
    "  local w = words(args)\n"
    "  bot.store.put(w[1], tonumber(w[2]) or w[2])\n"
    "  ctx:reply('put ' .. w[1] .. ' -> ' .. show(bot.store.get(w[1])))\n"
    "end)\n"
    "bot.command('get', function(ctx, key) ctx:reply(key .. '=' .. show(bot.store.get(key))) end)\n"
    "bot.command('profile', function(ctx)\n"
    "  bot.store.put('profile', { name = 'Ana', tags = { 'vip', 'early' }, age = 31 })\n"
    "  local p = bot.store.get('profile')\n"
    "  ctx:reply(p.name .. ' ' .. p.tags[2] .. ' ' .. math.type(p.age))\n"
    "end)\n"
    "bot.command('delete', function(ctx, key)\n"
    "  bot.store.delete(key)\n"
    "  ctx:reply('deleted ' .. key .. '=' .. show(bot.store.get(key)))\n"
    "end)\n"
    "bot.command('putnil', function(ctx, key)\n"
    "  bot.store.put(key, nil)\n"
    "  ctx:reply('putnil ' .. key .. '=' .. show(bot.store.get(key)))\n"
    "end)\n"
    "bot.command('incr', function(ctx, args)\n"
    "  local w = words(args)\n"
    "  local v = bot.store.incr(w[1], w[2] and tonumber(w[2]))\n"
    "  ctx:reply('incr ' .. show(v) .. ' ' .. math.type(v))\n"
    "end)\n"
    "bot.command('incrtwice', function(ctx)\n"
    "  local a = bot.store.incr('twice')\n"
    "  local b = bot.store.incr('twice', 2)\n"
    "  ctx:reply(a .. ' ' .. b .. ' ' .. bot.store.get('twice'))\n"
    "end)\n"
    "bot.command('putincr', function(ctx)\n"
    "  bot.store.put('score', 10)\n"
    "  ctx:reply('putincr ' .. bot.store.incr('score', 5) .. ' ' .. bot.store.get('score'))\n"
    "end)\n"
    "bot.command('seed', function(ctx)\n"
    "  for _, k in ipairs { 'user:b', 'user:a', 'user:c', 'item:1', 'user:e', 'users' } do\n"
    "    bot.store.put(k, k:upper())\n"
    "  end\n"
    "  ctx:reply('seeded')\n"
    "end)\n"
    "local function list(entries)\n"
    "  local out = {}\n"
    "  for _, e in ipairs(entries) do out[#out + 1] = e.key .. '=' .. show(e.value) end\n"
    "  return '[' .. table.concat(out, ',') .. ']'\n"
    "end\n"
    "bot.command('scan', function(ctx, args)\n"
    "  local w = words(args)\n"
    "  ctx:reply(list(bot.store.scan(w[1] or '', w[2] and tonumber(w[2]), w[3])))\n"
    "end)\n"
    "bot.command('scanown', function(ctx)\n"
    "  bot.store.put('user:d', 'NEW')\n"
    "  bot.store.delete('user:a')\n"
    "  bot.store.put('user:0', 'FIRST')\n"
    "  bot.store.incr('user:count')\n"
    "  ctx:reply(list(bot.store.scan('user:', 4)) .. ' ' .. list(bot.store.scan('user:', 100)))\n"
    "end)\n"
    "bot.command('scanafter', function(ctx)\n"
    "  bot.store.put('user:0', 'FIRST')\n"
    "  bot.store.put('user:d', 'NEW')\n"
    "  ctx:reply(list(bot.store.scan('user:', 10, 'user:c')))\n"
    "end)\n"
    "bot.command('failwrite', function(ctx)\n"
    "  bot.store.put('color', 'red')\n"
    "  bot.store.incr('hits', 100)\n"
    "  bot.store.delete('keep')\n"
    "  bot.store.put('fresh', 'x')\n"
    "  error('changed my mind')\n"
    "end)\n"
    "bot.command('bad', function(ctx, what)\n"
    "  if what == 'key' then bot.store.get('') end\n"
    "  if what == 'limit' then bot.store.scan('', 1001) end\n"
    "  if what == 'incr' then bot.store.incr('color') end\n"
    "  if what == 'value' then bot.store.put('f', { print }) end\n"
    "  ctx:reply('no error')\n"
    "end)\n";

typedef struct fixture {
  char *base;
  char data[512], alpha_dir[512], beta_dir[512];
  capture cap;
  pl_runtime *rt;
  pl_tenant *alpha, *beta;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->base = make_temp_dir("storeapi");
  snprintf(f->data, sizeof f->data, "%s/data", f->base);
  make_tenant(f->base, "alpha", "return { error_reply = 'oops' }\n", BOT, f->alpha_dir,
              sizeof f->alpha_dir);
  make_tenant(f->base, "beta", "return { error_reply = 'oops' }\n", BOT, f->beta_dir,
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

static const char *ask_t(fixture *f, pl_tenant *t, const char *text) {
  capture_reset(&f->cap);
  send_text(f->rt, t, "u1", text);
  return only_reply(&f->cap);
}

static const char *ask(fixture *f, const char *text) {
  return ask_t(f, f->alpha, text);
}

/* The committed value of key in tenant t equals the JSON text json ("" = absent). */
static void expect_stored(fixture *f, pl_tenant *t, const char *key, const char *json) {
  char *v = stored_kv(f->rt, t, key);
  if (!*json) {
    if (v) fail_msg("%s: expected no value, found %s", key, v);
    return;
  }
  if (!v) fail_msg("%s: expected %s, found nothing", key, json);
  json_t *got = json_loads(v, JSON_DECODE_ANY, NULL),
         *want = json_loads(json, JSON_DECODE_ANY, NULL);
  assert_non_null(got);
  assert_non_null(want);
  if (!json_equal(got, want)) fail_msg("%s: expected %s, found %s", key, json, v);
  json_decref(got);
  json_decref(want);
  free(v);
}

static void test_put_is_visible_in_the_same_event_and_after_commit(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "/put color blue"), "put color -> blue");
  expect_stored(f, f->alpha, "color", "\"blue\"");
  assert_string_equal(ask(f, "/get color"), "color=blue");
  assert_string_equal(ask(f, "/get missing"), "missing=nil");
  assert_string_equal(ask(f, "/put color green"), "put color -> green");
  assert_string_equal(ask(f, "/get color"), "color=green");
}

static void test_tables_are_stored_as_data(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "/profile"), "Ana early integer");
  assert_string_equal(ask(f, "/get profile"), "profile={age:31 name:Ana tags:{1:vip 2:early}}");
  expect_stored(f, f->alpha, "profile",
                "{\"name\":\"Ana\",\"tags\":[\"vip\",\"early\"],\"age\":31}");
}

static void test_delete_and_put_nil_remove_the_key(void **state) {
  fixture *f = *state;
  ask(f, "/put a 1");
  ask(f, "/put b 2");
  assert_string_equal(ask(f, "/delete a"), "deleted a=nil");
  assert_string_equal(ask(f, "/putnil b"), "putnil b=nil");
  expect_stored(f, f->alpha, "a", "");
  expect_stored(f, f->alpha, "b", "");
  assert_string_equal(ask(f, "/get a"), "a=nil");
  /* Deleting a key that does not exist is fine. */
  assert_string_equal(ask(f, "/delete never"), "deleted never=nil");
}

static void test_incr_returns_the_new_value(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "/incr visits"), "incr 1 integer");
  assert_string_equal(ask(f, "/incr visits 5"), "incr 6 integer");
  assert_string_equal(ask(f, "/incr visits -2"), "incr 4 integer");
  assert_string_equal(ask(f, "/incr ratio 0.5"), "incr 0.5 float");
  assert_string_equal(ask(f, "/incr ratio 0.25"), "incr 0.75 float");
  assert_string_equal(ask(f, "/incrtwice"), "1 3 3");
  expect_stored(f, f->alpha, "visits", "4");
  expect_stored(f, f->alpha, "twice", "3");
}

static void test_incr_after_put_in_the_same_event(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "/putincr"), "putincr 15 15");
  expect_stored(f, f->alpha, "score", "15");
  /* And on top of a committed put from an earlier event. */
  assert_string_equal(ask(f, "/put stars 40"), "put stars -> 40");
  assert_string_equal(ask(f, "/incr stars 2"), "incr 42 integer");
  expect_stored(f, f->alpha, "stars", "42");
}

static void test_increments_of_separate_events_add_up(void **state) {
  fixture *f = *state;
  for (int i = 1; i <= 5; i++) {
    char want[32];
    snprintf(want, sizeof want, "incr %d integer", i * 3);
    assert_string_equal(ask(f, "/incr hits 3"), want);
  }
  expect_stored(f, f->alpha, "hits", "15");
  /* Different conversations share the tenant's store. */
  capture_reset(&f->cap);
  send_text(f->rt, f->alpha, "u2", "/incr hits 3");
  assert_string_equal(only_reply(&f->cap), "incr 18 integer");
}

static void test_scan_by_prefix_in_key_order_with_limit(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "/seed"), "seeded");
  assert_string_equal(ask(f, "/scan user:"),
                      "[user:a=USER:A,user:b=USER:B,user:c=USER:C,user:e=USER:E]");
  assert_string_equal(ask(f, "/scan user: 2"), "[user:a=USER:A,user:b=USER:B]");
  assert_string_equal(ask(f, "/scan item:"), "[item:1=ITEM:1]");
  assert_string_equal(ask(f, "/scan nothing"), "[]");
  /* Pages: the keys after the last one of the previous page. */
  assert_string_equal(ask(f, "/scan user: 2 user:b"), "[user:c=USER:C,user:e=USER:E]");
  assert_string_equal(ask(f, "/scan user: 2 user:bb"), "[user:c=USER:C,user:e=USER:E]");
  assert_string_equal(ask(f, "/scan user: 2 user:e"), "[]");
  assert_string_equal(ask(f, "/scan user: 1 user:"), "[user:a=USER:A]");
  assert_string_equal(ask(f, "/scan"),
                      "[item:1=ITEM:1,user:a=USER:A,user:b=USER:B,user:c=USER:C,user:e=USER:E,"
                      "users=USERS]");
}

static void test_scan_includes_the_events_own_writes(void **state) {
  fixture *f = *state;
  ask(f, "/seed");
  assert_string_equal(ask(f, "/scanown"),
                      "[user:0=FIRST,user:b=USER:B,user:c=USER:C,user:count=1] "
                      "[user:0=FIRST,user:b=USER:B,user:c=USER:C,user:count=1,user:d=NEW,"
                      "user:e=USER:E]");
  /* A page after a key skips this event's own writes before it too. */
  assert_string_equal(ask(f, "/scanafter"), "[user:count=1,user:d=NEW,user:e=USER:E]");
  /* And they were committed as seen. */
  assert_string_equal(ask(f, "/scan user: 3"), "[user:0=FIRST,user:b=USER:B,user:c=USER:C]");
  expect_stored(f, f->alpha, "user:a", "");
}

static void test_writes_are_discarded_when_the_handler_fails(void **state) {
  fixture *f = *state;
  ask(f, "/put color blue");
  ask(f, "/put keep yes");
  ask(f, "/incr hits");
  assert_string_equal(ask(f, "/failwrite"), "oops");
  assert_contains(f->cap.log, "changed my mind");
  expect_stored(f, f->alpha, "color", "\"blue\"");
  expect_stored(f, f->alpha, "keep", "\"yes\"");
  expect_stored(f, f->alpha, "hits", "1");
  expect_stored(f, f->alpha, "fresh", "");
  assert_string_equal(ask(f, "/scan"), "[color=blue,hits=1,keep=yes]");
}

static void test_tenants_do_not_see_each_others_keys(void **state) {
  fixture *f = *state;
  assert_string_equal(ask_t(f, f->alpha, "/put color blue"), "put color -> blue");
  assert_string_equal(ask_t(f, f->beta, "/get color"), "color=nil");
  assert_string_equal(ask_t(f, f->beta, "/scan"), "[]");
  assert_string_equal(ask_t(f, f->beta, "/put color green"), "put color -> green");
  assert_string_equal(ask_t(f, f->alpha, "/get color"), "color=blue");
  assert_string_equal(ask_t(f, f->beta, "/get color"), "color=green");
  assert_string_equal(ask_t(f, f->alpha, "/incr n 2"), "incr 2 integer");
  assert_string_equal(ask_t(f, f->beta, "/incr n 5"), "incr 5 integer");
  assert_string_equal(ask_t(f, f->beta, "/delete color"), "deleted color=nil");
  assert_string_equal(ask_t(f, f->alpha, "/scan"), "[color=blue,n=2]");
  expect_stored(f, f->alpha, "color", "\"blue\"");
  expect_stored(f, f->beta, "color", "");
  expect_stored(f, f->beta, "n", "5");
}

static void test_bad_keys_limits_and_values_are_script_errors(void **state) {
  fixture *f = *state;
  assert_string_equal(ask(f, "/bad none"), "no error");
  assert_string_equal(ask(f, "/bad key"), "oops");
  assert_contains(f->cap.log, "keys are 1-256 bytes");
  assert_string_equal(ask(f, "/bad limit"), "oops");
  assert_contains(f->cap.log, "limit must be 1-1000");
  ask(f, "/put color blue");
  assert_string_equal(ask(f, "/bad incr"), "oops");
  assert_contains(f->cap.log, "\"color\" holds a non-number");
  assert_string_equal(ask(f, "/bad value"), "oops");
  assert_contains(f->cap.log, "bot.store[\"f\"][1]: cannot store a function");
}

static void test_store_is_refused_at_load_time(void **state) {
  fixture *f = *state;
  char dir[512];
  make_tenant(f->base, "eager", "return {}\n", "local v = bot.store.get('x')\n", dir, sizeof dir);
  pl_err err = {{0}};
  assert_int_equal(pl_runtime_add_tenant(f->rt, dir, NULL, &err), PL_ESCRIPT);
  assert_contains(err.msg, "bot.store.get can only be used inside a handler");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_put_is_visible_in_the_same_event_and_after_commit),
      T(test_tables_are_stored_as_data),
      T(test_delete_and_put_nil_remove_the_key),
      T(test_incr_returns_the_new_value),
      T(test_incr_after_put_in_the_same_event),
      T(test_increments_of_separate_events_add_up),
      T(test_scan_by_prefix_in_key_order_with_limit),
      T(test_scan_includes_the_events_own_writes),
      T(test_writes_are_discarded_when_the_handler_fails),
      T(test_tenants_do_not_see_each_others_keys),
      T(test_bad_keys_limits_and_values_are_script_errors),
      T(test_store_is_refused_at_load_time),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
