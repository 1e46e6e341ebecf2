/* Lua <-> JSON (lua_json.h): nested tables, lists, integers vs floats, booleans and
 * UTF-8 survive a round trip with their Lua types; functions, NaN/inf, mixed keys,
 * lists with holes, cyclic tables and invalid UTF-8 are refused with the path of the
 * bad value in the message, leaving the Lua stack balanced. */
#include "unit_helpers.h"

#include <lauxlib.h>
#include <lualib.h>

#include "lua_json.h"

/* Deep equality that also compares math.type, used to check round trips in Lua. */
static const char *const DEQ =
    "function deq(a, b)\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) == 'number' then return math.type(a) == math.type(b) and a == b end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not deq(v, b[k]) then return false end end\n"
    "  for k in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n";

static int setup(void **state) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  assert_int_equal(luaL_dostring(L, DEQ), LUA_OK);
  *state = L;
  return 0;
}

static int teardown(void **state) {
  lua_close(*state);
  return 0;
}

/* Runs `V = <expr>` and converts V with path "session". */
static int convert(lua_State *L, const char *expr, json_t **out, pl_err *err) {
  char code[2048];
  snprintf(code, sizeof code, "V = %s", expr);
  if (luaL_dostring(L, code) != LUA_OK) fail_msg("%s: %s", code, lua_tostring(L, -1));
  lua_getglobal(L, "V");
  int top = lua_gettop(L);
  *out = NULL;
  int rc = pl_lua_to_json(L, -1, "session", out, err);
  assert_int_equal(lua_gettop(L), top); /* stack balanced, success or not */
  lua_pop(L, 1);
  return rc;
}

/* Converts expr to JSON, checks the compact sorted text, pushes it back and checks that
 * the Lua value is deeply equal (types included) to the original. */
static void round_trip(lua_State *L, const char *expr, const char *want_json) {
  json_t *j;
  pl_err err;
  int rc = convert(L, expr, &j, &err);
  if (rc) fail_msg("%s refused: %s", expr, err.msg);
  char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  assert_string_equal(text, want_json);
  free(text);
  /* Through text and back, as storage does. */
  char *stored = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(j);
  json_t *loaded = json_loads(stored, JSON_DECODE_ANY, NULL);
  free(stored);
  assert_non_null(loaded);
  pl_json_push(L, loaded);
  json_decref(loaded);
  lua_setglobal(L, "W");
  assert_int_equal(luaL_dostring(L, "return deq(V, W)"), LUA_OK);
  if (!lua_toboolean(L, -1)) fail_msg("%s did not survive the round trip", expr);
  lua_pop(L, 1);
}

/* The message must start with "path:" — or with path only, when the refusal happens
 * deeper than path (cyclic tables are caught at the depth limit). */
static void refused_at(lua_State *L, const char *expr, const char *path, bool exact,
                       const char *why) {
  json_t *j;
  pl_err err = {{0}};
  int rc = convert(L, expr, &j, &err);
  if (rc == 0) {
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    fail_msg("%s accepted as %s", expr, text ? text : "?");
  }
  assert_int_equal(rc, PL_EINVAL);
  assert_null(j);
  char prefix[256];
  snprintf(prefix, sizeof prefix, "%s%s", path, exact ? ":" : "");
  if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
    fail_msg("expected the message to start with \"%s\": %s", prefix, err.msg);
  assert_contains(err.msg, why);
}

static void refused(lua_State *L, const char *expr, const char *path, const char *why) {
  refused_at(L, expr, path, true, why);
}

/* ---- round trips ---- */

static void test_nested_tables_round_trip(void **state) {
  round_trip(*state,
             "{ name = 'Ana', tags = { 'vip', 'early' },"
             "  prefs = { lang = 'es', deep = { list = { 1, 2, { x = true } } } } }",
             "{\"name\":\"Ana\",\"prefs\":{\"deep\":{\"list\":[1,2,{\"x\":true}]},\"lang\":\"es\"},"
             "\"tags\":[\"vip\",\"early\"]}");
}

static void test_lists_become_arrays_in_order(void **state) {
  round_trip(*state, "{ 'c', 'a', 'b', { 'nested' }, {} }", "[\"c\",\"a\",\"b\",[\"nested\"],{}]");
}

static void test_integers_stay_integers_and_floats_stay_floats(void **state) {
  round_trip(*state, "{ i = 3, f = 3.0, half = 0.25, neg = -7, big = math.maxinteger }",
             "{\"big\":9223372036854775807,\"f\":3.0,\"half\":0.25,\"i\":3,\"neg\":-7}");
  lua_State *L = *state;
  assert_int_equal(luaL_dostring(L, "return math.type(W.i) .. ' ' .. math.type(W.f)"), LUA_OK);
  assert_string_equal(lua_tostring(L, -1), "integer float");
  lua_pop(L, 1);
}

static void test_booleans_round_trip(void **state) {
  round_trip(*state, "{ yes = true, no = false, list = { false, true } }",
             "{\"list\":[false,true],\"no\":false,\"yes\":true}");
}

static void test_utf8_strings_round_trip(void **state) {
  round_trip(*state, "{ ['clé'] = 'héllo wörld ✓ 😀', ['日本'] = '' }",
             "{\"clé\":\"héllo wörld ✓ 😀\",\"日本\":\"\"}");
}

static void test_empty_table_becomes_an_object(void **state) {
  round_trip(*state, "{}", "{}");
}

static void test_scalars_round_trip(void **state) {
  round_trip(*state, "'plain'", "\"plain\"");
  round_trip(*state, "42", "42");
  round_trip(*state, "-1.5", "-1.5");
}

/* ---- refusals ---- */

static void test_function_value_is_refused_with_its_path(void **state) {
  refused(*state, "{ cb = function() end }", "session.cb", "cannot store a function");
  refused(*state, "{ list = { 1, print } }", "session.list[2]", "cannot store a function");
}

static void test_nan_and_infinity_are_refused(void **state) {
  refused(*state, "{ score = 0/0 }", "session.score", "NaN or infinity");
  refused(*state, "{ a = { b = math.huge } }", "session.a.b", "NaN or infinity");
  refused(*state, "{ -math.huge }", "session[1]", "NaN or infinity");
}

static void test_mixed_keys_are_refused(void **state) {
  refused(*state, "{ 1, 2, name = 'x' }", "session", "all-string keys or a list 1..n");
  refused(*state, "{ inner = { [1.5] = 'x' } }", "session.inner", "all-string keys");
  refused(*state, "{ [0] = 'zero', 'one' }", "session", "all-string keys");
  refused(*state, "{ [true] = 1 }", "session", "all-string keys");
}

static void test_list_with_holes_is_refused(void **state) {
  refused(*state, "{ 1, nil, 3 }", "session", "without holes");
  refused(*state, "{ items = { [1] = 'a', [3] = 'c' } }", "session.items", "without holes");
}

static void test_cyclic_table_is_refused(void **state) {
  refused_at(*state, "(function() local t = { name = 'loop' }; t.self = t; return t end)()",
             "session.self.self.self", false, "contains itself");
  refused_at(*state, "(function() local t = {}; t[1] = t; return t end)()", "session[1][1][1]",
             false, "contains itself");
  /* Deep but acyclic data is fine. */
  round_trip(*state, "{ a = { b = { c = { d = { e = { f = { g = { h = 'deep' } } } } } } } }",
             "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":\"deep\"}}}}}}}}");
}

static void test_invalid_utf8_is_refused(void **state) {
  refused(*state, "{ name = 'bad \\xff byte' }", "session.name", "not valid UTF-8");
  refused(*state, "{ { '\\xc3' } }", "session[1][1]", "not valid UTF-8");
  refused(*state, "{ ['\\xfe'] = 1 }", "session", "not valid UTF-8");
}

static void test_userdata_is_refused(void **state) {
  refused(*state, "{ out = io.stdout }", "session.out", "cannot store a userdata");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_nested_tables_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lists_become_arrays_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_integers_stay_integers_and_floats_stay_floats, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_booleans_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_utf8_strings_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_empty_table_becomes_an_object, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scalars_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_function_value_is_refused_with_its_path, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_nan_and_infinity_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mixed_keys_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_list_with_holes_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cyclic_table_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_utf8_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_userdata_is_refused, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
