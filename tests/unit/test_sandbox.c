/* The tenant sandbox (sandbox.h): every documented way out — os.execute/getenv/exit,
 * io, debug, package, dofile/loadfile, binary chunks through load, string.dump,
 * path-like require names, the global metatable, coroutines, collectgarbage options —
 * is denied with a message naming what was refused. require loads modules from the
 * tenant folder, then the lib folder, caches them, and reports cycles and missing
 * modules clearly. Metamethods that Lua runs without hooks (__gc, <close> and xpcall
 * handlers after the budget ran out) cannot be used to escape the instruction budget. */
#include "unit_helpers.h"

#include <lauxlib.h>

#include "lua_api.h"
#include "sandbox.h"

typedef struct fixture {
  char *base;
  char tenant[512], lib[512];
  pl_clock clock;
  pl_log log;
  capture cap;
  pl_sandbox *sb;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->base = make_temp_dir("sandbox");
  snprintf(f->tenant, sizeof f->tenant, "%s/shop", f->base);
  snprintf(f->lib, sizeof f->lib, "%s/lib", f->base);
  mkdir(f->tenant, 0700);
  mkdir(f->lib, 0700);
  write_file(f->tenant, "helper.lua", "return { answer = 42 }\n");
  write_file(f->tenant, "flows/signup.lua", "return { step = 'email' }\n");
  write_file(f->tenant, "shared.lua", "return { from = 'tenant' }\n");
  write_file(f->tenant, "counter.lua", "LOADS = (LOADS or 0) + 1\nreturn { n = LOADS }\n");
  write_file(f->tenant, "cycle_a.lua", "return require 'cycle_b'\n");
  write_file(f->tenant, "cycle_b.lua", "return require 'cycle_a'\n");
  write_file(f->tenant, "broken.lua", "local cfg = nil\nreturn cfg.value\n");
  write_file(f->lib, "libmod.lua", "return { from = 'lib' }\n");
  write_file(f->lib, "shared.lua", "return { from = 'lib' }\n");
  f->clock = (pl_clock){.simulated = true, .sim_ms = T0_MS};
  f->log = (pl_log){.write = capture_log, .ud = &f->cap};
  pl_sandbox_opts o = {.tenant_dir = f->tenant,
                       .lib_dir = f->lib,
                       .log_name = "shop",
                       .instructions = 200000,
                       .clock = &f->clock,
                       .log = &f->log};
  pl_err err;
  if (pl_sandbox_open(&f->sb, &o, &err)) fail_msg("pl_sandbox_open: %s", err.msg);
  pl_api_install(f->sb);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  pl_sandbox_close(f->sb);
  rm_tree(f->base);
  free(f);
  return 0;
}

static int run(fixture *f, const char *code, int nres, pl_err *err) {
  lua_State *L = f->sb->L;
  if (luaL_loadbufferx(L, code, strlen(code), "=snippet", "t") != LUA_OK)
    fail_msg("snippet does not compile: %s", lua_tostring(L, -1));
  return pl_sandbox_run(f->sb, 0, nres, err);
}

/* The snippet must fail as a script error whose message contains `what`. */
static void expect_denied(fixture *f, const char *code, const char *what) {
  lua_State *L = f->sb->L;
  int top = lua_gettop(L);
  pl_err err = {{0}};
  int rc = run(f, code, 0, &err);
  if (rc == 0) fail_msg("`%s` was allowed", code);
  if (rc != PL_ESCRIPT) fail_msg("`%s`: rc %d (%s), want PL_ESCRIPT", code, rc, err.msg);
  assert_contains(err.msg, what);
  assert_int_equal(lua_gettop(L), top);
}

/* The snippet must run and return true. */
static void expect_true(fixture *f, const char *code) {
  lua_State *L = f->sb->L;
  pl_err err;
  int rc = run(f, code, 1, &err);
  if (rc) fail_msg("`%s` failed: %s", code, err.msg);
  if (!lua_isboolean(L, -1) || !lua_toboolean(L, -1))
    fail_msg("`%s` returned %s", code, luaL_tolstring(L, -1, NULL));
  lua_pop(L, 1);
}

/* The snippet must run; its string result is copied to out. */
static void run_for_string(fixture *f, const char *code, char *out, size_t n) {
  lua_State *L = f->sb->L;
  pl_err err;
  int rc = run(f, code, 1, &err);
  if (rc) fail_msg("`%s` failed: %s", code, err.msg);
  snprintf(out, n, "%s", luaL_tolstring(L, -1, NULL));
  lua_pop(L, 2);
}

/* The snippet must be stopped by the instruction budget (and return at all). */
static void expect_budget_stop(fixture *f, const char *code) {
  pl_err err = {{0}};
  int rc = run(f, code, 0, &err);
  if (rc != PL_EBUDGET) fail_msg("`%s`: rc %d (%s), want PL_EBUDGET", code, rc, err.msg);
  assert_contains(err.msg, "instruction budget exceeded");
  /* The sandbox serves the next event normally. */
  expect_true(f, "local n = 0 for i = 1, 1000 do n = n + i end return n == 500500");
}

/* ---- escapes ---- */

static void test_os_execute_is_denied(void **state) {
  expect_denied(*state, "os.execute('touch /tmp/parley-pwned')",
                "os.execute is not available in parley's sandbox");
  expect_true(*state, "return rawget(os, 'execute') == nil");
}

static void test_io_is_absent_and_denied(void **state) {
  expect_denied(*state, "return io.open('/etc/passwd')", "io is not available in parley's sandbox");
  expect_true(*state, "return rawget(_G, 'io') == nil");
}

static void test_os_getenv_exit_and_remove_are_denied(void **state) {
  expect_denied(*state, "return os.getenv('HOME')", "os.getenv is not available");
  expect_denied(*state, "os.exit(1)", "os.exit is not available");
  expect_denied(*state, "os.remove('/tmp/x')", "os.remove is not available");
  /* What remains of os is exactly the documented part. */
  expect_true(*state,
              "local keys = {} for k in pairs(os) do keys[#keys + 1] = k end\n"
              "table.sort(keys) return table.concat(keys, ',') == 'clock,date,difftime,time'");
}

static void test_load_refuses_binary_chunks(void **state) {
  expect_denied(*state, "return load('\\27LuaT\\0\\25\\147\\r\\n\\26\\n')",
                "binary chunks are refused");
  expect_denied(*state, "return load('return 1', 'x', 'b')", "binary chunks are refused");
  expect_denied(*state, "return load('return 1', 'x', 'bt')", "binary chunks are refused");
  /* A reader function cannot smuggle bytecode past the text-only mode. */
  expect_true(*state, "local sent = false\n"
                      "local f, e = load(function() if sent then return nil end sent = true\n"
                      "  return '\\27LuaT\\0' end)\n"
                      "return f == nil and e:find('binary') ~= nil");
}

static void test_load_compiles_source_text(void **state) {
  expect_true(*state, "return load('return 1 + 1')() == 2");
  expect_true(*state, "return load('return 6 * 7', 'answer')() == 42");
  expect_true(*state, "return load('return x', 'env', 't', { x = 5 })() == 5");
  expect_true(*state, "local parts = { 'return ', '3' }\n"
                      "return load(function() return table.remove(parts, 1) end)() == 3");
  /* Loaded chunks see the sandbox's globals, nothing more. */
  expect_true(*state, "return load('return rawget(_G, \"io\")')() == nil");
  expect_true(*state,
              "local f, e = load('return +') return f == nil and e:find('unexpected') ~= nil");
}

static void test_string_dump_is_denied(void **state) {
  expect_denied(*state, "return string.dump(print)", "string.dump is not available");
  expect_denied(*state, "return ('x'):dump()", "string.dump is not available");
  expect_true(*state, "return rawget(getmetatable('').__index, 'dump') == nil");
}

static void test_debug_is_denied(void **state) {
  expect_denied(*state, "return debug.getinfo(1)", "debug is not available in parley's sandbox");
  expect_denied(*state, "debug.sethook(function() end, '', 1)", "debug is not available");
  expect_true(*state, "return rawget(_G, 'debug') == nil");
}

static void test_dofile_and_loadfile_are_denied(void **state) {
  expect_denied(*state, "dofile('/etc/passwd')", "dofile is not available");
  expect_denied(*state, "loadfile('/etc/passwd')", "loadfile is not available");
}

static void test_require_refuses_paths(void **state) {
  expect_denied(*state, "require '../x'", "module names may contain only letters");
  expect_denied(*state, "require '/etc/passwd'", "module names may contain only letters");
  expect_denied(*state, "require '.hidden'", "module names may contain only letters");
  expect_denied(*state, "require 'flows/signup'", "no paths");
}

static void test_global_metatable_is_no_way_out(void **state) {
  expect_true(*state, "return getmetatable(_G) == 'sandboxed'");
  expect_denied(*state, "setmetatable(_G, nil)", "protected metatable");
  expect_denied(*state, "return io.open", "io is not available");
}

static void test_coroutines_share_the_sandbox(void **state) {
  expect_denied(*state, "return coroutine.wrap(function() return io end)()", "io is not available");
  expect_true(*state, "return coroutine.wrap(function() return rawget(_G, 'io') end)() == nil");
}

static void test_collectgarbage_allows_only_safe_options(void **state) {
  expect_denied(*state, "collectgarbage('stop')", "collectgarbage(\"stop\") is not available");
  expect_denied(*state, "collectgarbage('generational')", "is not available");
  expect_denied(*state, "collectgarbage('incremental')", "is not available");
  expect_true(*state, "collectgarbage('collect') collectgarbage('step')\n"
                      "return math.type(collectgarbage('count')) == 'float'");
}

static void test_globals_hold_no_escape_hatches(void **state) {
  expect_true(*state, "for _, n in ipairs { 'io', 'debug', 'package', 'dofile', 'loadfile',\n"
                      "  'loadstring', 'module' } do\n"
                      "  if rawget(_G, n) ~= nil then return n end\n"
                      "end\n"
                      "return true");
}

static void test_os_time_reads_the_runtime_clock(void **state) {
  expect_true(*state, "return os.time() == 1780304400 and os.date('!%Y-%m-%d') == '2026-06-01'");
}

static void test_print_writes_to_the_tenant_log(void **state) {
  fixture *f = *state;
  expect_true(f, "print('hello', 42) return true");
  assert_contains(f->cap.log, "shop: hello 42");
}

/* ---- require ---- */

static void test_require_loads_a_module_from_the_tenant_folder(void **state) {
  expect_true(*state, "return require('helper').answer == 42");
  expect_true(*state, "return require('flows.signup').step == 'email'");
}

static void test_require_falls_back_to_the_lib_folder(void **state) {
  expect_true(*state, "return require('libmod').from == 'lib'");
  /* The tenant folder wins over the lib folder. */
  expect_true(*state, "return require('shared').from == 'tenant'");
}

static void test_require_caches_modules(void **state) {
  expect_true(*state, "return require('counter') == require('counter') and LOADS == 1");
  expect_true(*state, "return require('counter').n == 1 and LOADS == 1");
}

static void test_circular_require_is_reported(void **state) {
  expect_denied(*state, "require 'cycle_a'", "require \"cycle_a\": circular require");
}

static void test_missing_module_is_named(void **state) {
  expect_denied(*state, "require 'nowhere'", "require \"nowhere\": module not found");
}

static void test_failed_module_reports_its_own_error_again(void **state) {
  fixture *f = *state;
  char first[PL_ERR_MAX], second[PL_ERR_MAX];
  run_for_string(f, "return select(2, pcall(require, 'broken'))", first, sizeof first);
  assert_contains(first, "broken.lua:2:");
  /* A second attempt is not mistaken for a cycle. */
  run_for_string(f, "return select(2, pcall(require, 'broken'))", second, sizeof second);
  assert_not_contains(second, "circular");
  assert_contains(second, "broken.lua:2:");
}

/* ---- the budget cannot be escaped through hook-free metamethods ---- */

static void test_pcall_loop_cannot_outrun_the_budget(void **state) {
  expect_budget_stop(*state, "while true do pcall(function() while true do end end) end");
}

static void test_gc_metamethods_are_refused(void **state) {
  expect_denied(*state,
                "setmetatable({}, { __gc = function() while true do end end })\n"
                "collectgarbage('collect')",
                "__gc metamethods are not available");
  /* Other metatables still work, and __gc added later is ignored by Lua. */
  expect_true(*state, "local mt = { __index = function(_, k) return k .. '!' end }\n"
                      "local t = setmetatable({}, mt)\n"
                      "mt.__gc = function() while true do end end\n"
                      "t = nil collectgarbage('collect')\n"
                      "return setmetatable({}, { __index = { x = 1 } }).x == 1");
}

static void test_close_handlers_cannot_outlive_the_budget(void **state) {
  expect_budget_stop(*state, "local x <close> = setmetatable({}, { __close = function()\n"
                             "  while true do end end })\n"
                             "while true do end");
}

static void test_wrapped_coroutine_close_handlers_cannot_outlive_the_budget(void **state) {
  expect_budget_stop(*state, "coroutine.wrap(function()\n"
                             "  local x <close> = setmetatable({}, { __close = function()\n"
                             "    while true do end end })\n"
                             "  while true do end\n"
                             "end)()");
}

static void test_closing_a_budget_killed_coroutine_cannot_outlive_the_budget(void **state) {
  expect_budget_stop(*state, "local co = coroutine.create(function()\n"
                             "  local x <close> = setmetatable({}, { __close = function()\n"
                             "    while true do end end })\n"
                             "  while true do end\n"
                             "end)\n"
                             "coroutine.resume(co)\n"
                             "coroutine.close(co)\n"
                             "while true do end");
}

static void test_xpcall_handler_cannot_outlive_the_budget(void **state) {
  expect_budget_stop(*state, "xpcall(function() while true do end end,\n"
                             "  function() while true do end end)");
}

static void test_coroutines_and_xpcall_still_behave_normally(void **state) {
  fixture *f = *state;
  expect_true(f, "local g = coroutine.wrap(function(a) local b = coroutine.yield(a + 1)\n"
                 "  return b * 2 end)\n"
                 "return g(1) == 2 and g(5) == 10 and not pcall(g)");
  expect_true(f, "local ok, e = pcall(coroutine.wrap(function() error('boom') end))\n"
                 "return not ok and e:find('boom') ~= nil");
  expect_true(f, "local _, m = xpcall(function() error('x', 0) end,\n"
                 "  function(m) return 'handled ' .. m end)\n"
                 "return m == 'handled x'");
  /* A coroutine may yield from inside xpcall. */
  expect_true(f, "local g = coroutine.wrap(function()\n"
                 "  return select(2, xpcall(function() return coroutine.yield(1) + 1 end, print))\n"
                 "end)\n"
                 "return g() == 1 and g(41) == 42");
  /* Closing a suspended coroutine runs its <close> handlers. */
  expect_true(f,
              "local closed = false\n"
              "local co = coroutine.create(function()\n"
              "  local x <close> = setmetatable({}, { __close = function() closed = true end })\n"
              "  coroutine.yield()\n"
              "end)\n"
              "coroutine.resume(co)\n"
              "return coroutine.close(co) == true and closed");
  /* Closing one that failed reports its error. */
  expect_true(f, "local co = coroutine.create(function() error('bad', 0) end)\n"
                 "coroutine.resume(co)\n"
                 "local ok, e = coroutine.close(co)\n"
                 "return ok == false and e == 'bad'");
}

/* Library modules are parsed once per process and their bytecode shared: a second
 * sandbox gets the same module, fresh (its own tables), with file:line in its errors; an
 * edited library file is parsed again. */
static void test_library_bytecode_is_shared_and_behaves_as_source(void **state) {
  fixture *f = *state;
  write_file(f->lib, "boom.lua",
             "local M = { calls = 0 }\n"
             "function M.hit() M.calls = M.calls + 1 return M.calls end\n"
             "function M.fail()\n  error('boom here')\nend\n"
             "return M\n");
  expect_true(f, "local m = require 'boom' return m.hit() == 1 and m.hit() == 2");
  pl_sandbox_opts o = {.tenant_dir = f->tenant,
                       .lib_dir = f->lib,
                       .log_name = "other",
                       .instructions = 200000,
                       .clock = &f->clock,
                       .log = &f->log};
  pl_err err;
  for (int round = 0; round < 2; round++) {
    pl_sandbox *other;
    if (pl_sandbox_open(&other, &o, &err)) fail_msg("pl_sandbox_open: %s", err.msg);
    pl_api_install(other);
    pl_sandbox *mine = f->sb;
    f->sb = other;
    expect_true(f, "local m = require 'boom' return m.hit() == 1"); /* its own state */
    if (round == 0) {
      expect_denied(f, "require('boom').fail()", "boom.lua:4: boom here");
      /* the file changes: the next sandbox parses the new text */
      write_file(f->lib, "boom.lua",
                 "return { hit = function() return 1 end, "
                 "fail = function() error('changed') end }\n");
    } else {
      expect_denied(f, "require('boom').fail()", "boom.lua:1: changed");
    }
    f->sb = mine;
    pl_sandbox_close(other);
  }
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_os_execute_is_denied),
      T(test_io_is_absent_and_denied),
      T(test_os_getenv_exit_and_remove_are_denied),
      T(test_load_refuses_binary_chunks),
      T(test_load_compiles_source_text),
      T(test_library_bytecode_is_shared_and_behaves_as_source),
      T(test_string_dump_is_denied),
      T(test_debug_is_denied),
      T(test_dofile_and_loadfile_are_denied),
      T(test_require_refuses_paths),
      T(test_global_metatable_is_no_way_out),
      T(test_coroutines_share_the_sandbox),
      T(test_collectgarbage_allows_only_safe_options),
      T(test_globals_hold_no_escape_hatches),
      T(test_os_time_reads_the_runtime_clock),
      T(test_print_writes_to_the_tenant_log),
      T(test_require_loads_a_module_from_the_tenant_folder),
      T(test_require_falls_back_to_the_lib_folder),
      T(test_require_caches_modules),
      T(test_circular_require_is_reported),
      T(test_missing_module_is_named),
      T(test_failed_module_reports_its_own_error_again),
      T(test_pcall_loop_cannot_outrun_the_budget),
      T(test_gc_metamethods_are_refused),
      T(test_close_handlers_cannot_outlive_the_budget),
      T(test_wrapped_coroutine_close_handlers_cannot_outlive_the_budget),
      T(test_closing_a_budget_killed_coroutine_cannot_outlive_the_budget),
      T(test_xpcall_handler_cannot_outlive_the_budget),
      T(test_coroutines_and_xpcall_still_behave_normally),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
