/* Live reload and code versions: a new version takes over between events and keeps
 * sessions and timers; a broken version leaves the old code serving; bot.migrate
 * upgrades sessions saved by older code exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

typedef struct fixture {
  char root[64], tenant[128], data[128];
  pl_runtime *rt;
  pl_tenant *t;
  char last[1024];
  int replies;
} fixture;

static void write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  /* Write beside and rename, as editors and deploy tools do. */
  char tmp[520];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(rename(tmp, path), 0);
}

static void on_deliver(void *ud, pl_tenant *t, const char *channel, const char *chat_id,
                       const json_t *user, const json_t *reply) {
  fixture *f = ud;
  snprintf(f->last, sizeof f->last, "%s", json_string_value(json_object_get(reply, "text")));
  f->replies++;
}

static void quiet(void *ud, const char *tenant, const char *line) {}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  snprintf(f->root, sizeof f->root, "/tmp/parley-reload-XXXXXX");
  assert_non_null(mkdtemp(f->root));
  snprintf(f->tenant, sizeof f->tenant, "%s/shop", f->root);
  snprintf(f->data, sizeof f->data, "%s/data", f->root);
  mkdir(f->tenant, 0700);
  write_file(f->tenant, "tenant.lua", "return { name = 'Shop' }\n");
  write_file(f->tenant, "bot.lua",
             "bot.on('message', function(ctx, text)\n"
             "  ctx.session.name = text\n"
             "  ctx.session.count = (ctx.session.count or 0) + 1\n"
             "  ctx:reply('v1 ' .. ctx.session.count .. ' ' .. text)\n"
             "end)\n"
             "bot.command('later', function(ctx) ctx:remind_in('1h', 'ping') end)\n"
             "bot.on('timer:ping', function(ctx) ctx:reply('v1 ping') end)\n");
  pl_store_opts o = {.no_sync = true};
  pl_err err;
  assert_int_equal(pl_runtime_open(&f->rt, f->data, &o, &err), 0);
  f->rt->clock.simulated = true;
  f->rt->clock.sim_ms = 1780304400000;
  f->rt->deliver = on_deliver;
  f->rt->deliver_ud = f;
  f->rt->log.write = quiet;
  assert_int_equal(pl_runtime_add_tenant(f->rt, f->tenant, &f->t, &err), 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  pl_runtime_close(f->rt);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->root);
  assert_int_equal(system(cmd), 0);
  free(f);
  return 0;
}

static void send_text(fixture *f, const char *user, const char *text) {
  pl_event ev = {
      .kind = PL_EV_TEXT, .channel = "console", .chat_id = user, .user_id = user, .text = text};
  pl_err err;
  assert_int_equal(pl_dispatch(f->rt, f->t, &ev, &err), 0);
}

static void test_reload_keeps_sessions_and_timers(void **state) {
  fixture *f = *state;
  send_text(f, "ana", "hello");
  send_text(f, "ana", "/later");
  assert_string_equal(f->last, "v1 1 hello");
  char v1[17];
  snprintf(v1, sizeof v1, "%s", f->t->code->version);
  write_file(f->tenant, "bot.lua",
             "bot.on('message', function(ctx, text)\n"
             "  ctx.session.count = (ctx.session.count or 0) + 1\n"
             "  ctx:reply('v2 ' .. ctx.session.count .. ' ' .. text)\n"
             "end)\n"
             "bot.on('timer:ping', function(ctx) ctx:reply('v2 ping') end)\n");
  pl_err err;
  assert_int_equal(pl_runtime_reload_tenant(f->rt, f->t, &err), 0);
  assert_string_not_equal(f->t->code->version, v1);
  send_text(f, "ana", "again");
  assert_string_equal(f->last, "v2 2 again");
  assert_int_equal(pl_runtime_fire_due(f->rt, f->rt->clock.sim_ms + 3600 * 1000, true, &err), 1);
  assert_string_equal(f->last, "v2 ping");
}

static void test_reload_with_syntax_error_keeps_old_code(void **state) {
  fixture *f = *state;
  send_text(f, "ana", "one");
  char v1[17];
  snprintf(v1, sizeof v1, "%s", f->t->code->version);
  write_file(f->tenant, "bot.lua",
             "bot.on('message', function(ctx, text)\n  ctx:reply(= 1)\nend)\n");
  pl_err err;
  assert_int_not_equal(pl_runtime_reload_tenant(f->rt, f->t, &err), 0);
  assert_non_null(strstr(err.msg, "bot.lua:2:"));
  assert_string_equal(f->t->code->version, v1);
  send_text(f, "ana", "two");
  assert_string_equal(f->last, "v1 2 two");
}

static void test_reload_with_runtime_error_at_load_keeps_old_code(void **state) {
  fixture *f = *state;
  write_file(f->tenant, "bot.lua", "local x = nil\nx.boom = 1\n");
  pl_err err;
  assert_int_not_equal(pl_runtime_reload_tenant(f->rt, f->t, &err), 0);
  assert_non_null(strstr(err.msg, "bot.lua:2:"));
  send_text(f, "ana", "still");
  assert_string_equal(f->last, "v1 1 still");
}

/* A tenant folder losing its tenant.lua mid-serve (a deploy removing it): the reload
 * fails naming the file, the old code keeps serving, and nothing leaks (LSan). */
static void test_reload_without_tenant_lua_keeps_old_code(void **state) {
  fixture *f = *state;
  char path[256];
  snprintf(path, sizeof path, "%s/tenant.lua", f->tenant);
  assert_int_equal(unlink(path), 0);
  pl_err err;
  assert_int_not_equal(pl_runtime_reload_tenant(f->rt, f->t, &err), 0);
  assert_non_null(strstr(err.msg, "tenant.lua: missing"));
  send_text(f, "ana", "still");
  assert_string_equal(f->last, "v1 1 still");
}

static void test_migrate_upgrades_old_sessions_once(void **state) {
  fixture *f = *state;
  send_text(f, "ana", "Ana");
  send_text(f, "bob", "Bob");
  write_file(f->tenant, "bot.lua",
             "bot.migrate(function(session, old_version, ctx)\n"
             "  session.migrations = (session.migrations or 0) + 1\n"
             "  session.profile = { name = session.name }\n"
             "  session.name = nil\n"
             "  session.from = old_version\n"
             "end)\n"
             "bot.on('message', function(ctx, text)\n"
             "  ctx:reply(ctx.session.profile.name .. ' m=' .. ctx.session.migrations ..\n"
             "            ' from=' .. ctx.session.from)\n"
             "end)\n");
  char v1[17];
  snprintf(v1, sizeof v1, "%s", f->t->code->version);
  pl_err err;
  assert_int_equal(pl_runtime_reload_tenant(f->rt, f->t, &err), 0);
  char want[128];
  send_text(f, "ana", "hi");
  snprintf(want, sizeof want, "Ana m=1 from=%s", v1);
  assert_string_equal(f->last, want);
  send_text(f, "ana", "hi again"); /* saved with the new version: no second migration */
  assert_string_equal(f->last, want);
  send_text(f, "bob", "hi");
  snprintf(want, sizeof want, "Bob m=1 from=%s", v1);
  assert_string_equal(f->last, want);
}

static void test_failing_migration_changes_nothing(void **state) {
  fixture *f = *state;
  send_text(f, "ana", "Ana");
  write_file(f->tenant, "bot.lua",
             "bot.migrate(function(session) error('cannot upgrade') end)\n"
             "bot.on('message', function(ctx, text) ctx:reply('handled') end)\n");
  pl_err err;
  assert_int_equal(pl_runtime_reload_tenant(f->rt, f->t, &err), 0);
  send_text(f, "ana", "hi");
  assert_string_equal(f->last, f->t->code->cfg.error_reply);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_reload_keeps_sessions_and_timers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reload_with_syntax_error_keeps_old_code, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_reload_without_tenant_lua_keeps_old_code, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_reload_with_runtime_error_at_load_keeps_old_code, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_migrate_upgrades_old_sessions_once, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failing_migration_changes_nothing, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
