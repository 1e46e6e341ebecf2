/* `parley check DIR` and `parley history DIR`: compile a tenant without serving it, and
 * print stored conversations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "runtime.h"
#include "watch.h"

static const char check_usage[] =
    "usage: parley check DIR\n"
    "\n"
    "Compile every .lua file of the tenant in DIR, then load tenant.lua and bot.lua in the\n"
    "sandbox without serving. Prints one FILE:LINE: MESSAGE per error (exit 1), or\n"
    "\"ok DIR (version V)\" (exit 0). A channel whose *_env variable is not set here is\n"
    "not checked (a note says so): parley serve needs it.\n";

static void syntax_check(void *ud, const char *path, const struct stat *st) {
  pl_err err;
  if (pl_sandbox_syntax_check(path, path, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    (*(int *)ud)++;
  }
}

int pl_cmd_check(int argc, char **argv) {
  const char *pos[1];
  int npos;
  int prc = pl_cli_parse("check", argc, argv, NULL, pos, 1, &npos, check_usage);
  if (prc == -2) return PL_EXIT_OK;
  if (prc < 0) return PL_EXIT_USAGE;
  if (npos != 1) {
    fprintf(stderr, "parley check: which tenant? give its folder: parley check DIR\n");
    return PL_EXIT_USAGE;
  }
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", pos[0]);
  for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/';)
    dir[--n] = 0;
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "parley check: %s: not a folder\n", dir);
    return PL_EXIT_FAIL;
  }
  int errors = 0;
  pl_watch_each_lua(dir, 3, false, syntax_check, &errors);
  if (errors) return PL_EXIT_FAIL;
  pl_clock clock = {0};
  pl_log log = {pl_log_stderr, NULL};
  pl_channel_registry reg;
  pl_channel_registry_init(&reg);
  pl_code_env env = {
      .channels = &reg, .lib_dir = pl_runtime_default_lib_dir(), .clock = &clock, .log = &log};
  const char *slash = strrchr(dir, '/');
  pl_code *code;
  pl_err err;
  if (pl_code_load(&code, dir, slash ? slash + 1 : dir, &env, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    pl_channel_registry_free(&reg);
    return PL_EXIT_FAIL;
  }
  size_t i;
  json_t *note;
  json_array_foreach(code->cfg.unset_env, i, note)
      fprintf(stderr, "%s/tenant.lua: note: %s\n", dir, json_string_value(note));
  printf("ok %s (version %.12s)\n", dir, code->version);
  pl_code_free(code);
  pl_channel_registry_free(&reg);
  return PL_EXIT_OK;
}

static const char history_usage[] =
    "usage: parley history DIR --data PATH [--user NAME]\n"
    "\n"
    "Print the stored conversations of the tenant in DIR (its folder name is its identity\n"
    "in the store), oldest message first. --user limits to one console user.\n";

typedef struct history_print {
  size_t prefix_len;
} history_print;

static int print_entry(void *ud, pl_bytes key, pl_bytes val) {
  history_print *h = ud;
  const char *conv = (const char *)key.data + 4;
  json_t *m = json_loadb(val.data, val.len, 0, NULL);
  const char *dir = json_string_value(json_object_get(m, "dir"));
  const char *text = json_string_value(json_object_get(m, "text"));
  if (!text) text = json_string_value(json_object_get(m, "name"));
  if (!text) text = json_string_value(json_object_get(json_object_get(m, "media"), "url"));
  if (!text)
    text =
        json_string_value(json_object_get(json_array_get(json_object_get(m, "cards"), 0), "title"));
  const char *kind = json_string_value(json_object_get(m, "kind"));
  const char *arrow = !dir ? "?" : !strcmp(dir, "out") ? "<-" : !strcmp(dir, "sys") ? "==" : "->";
  printf("%s %s %s%s%s\n", conv, arrow, kind && strcmp(kind, "message") ? kind : "",
         kind && strcmp(kind, "message") ? ": " : "", text ? text : "");
  json_decref(m);
  (void)h;
  return 0;
}

int pl_cmd_history(int argc, char **argv) {
  const char *data = NULL, *user = NULL, *pos[1];
  int npos;
  pl_opt opts[] = {{"--data", &data, NULL}, {"--user", &user, NULL}, {NULL, NULL, NULL}};
  int prc = pl_cli_parse("history", argc, argv, opts, pos, 1, &npos, history_usage);
  if (prc == -2) return PL_EXIT_OK;
  if (prc < 0) return PL_EXIT_USAGE;
  if (npos != 1 || !data) {
    fprintf(stderr, "parley history: give the tenant folder and --data PATH\n");
    return PL_EXIT_USAGE;
  }
  pl_store *store;
  pl_err err;
  if (pl_store_open(&store, data, NULL, &err)) {
    fprintf(stderr, "parley history: %s\n", err.msg);
    return PL_EXIT_FAIL;
  }
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", pos[0]);
  for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/';)
    dir[--n] = 0;
  const char *slash = strrchr(dir, '/');
  uint32_t id;
  int rc = pl_store_tenant_id(store, slash ? slash + 1 : dir, &id, &err);
  pl_txn *tx = NULL;
  if (!rc) rc = pl_store_read_begin(store, &tx, &err);
  if (!rc) {
    pl_key k;
    pl_key_init(&k, id);
    if (user) {
      char conv[300];
      pl_conv_key(conv, sizeof conv, "console", user);
      pl_key_str0(&k, conv);
    }
    history_print h = {k.len};
    pl_store_scan(tx, PL_T_HISTORY, k.b, k.len, NULL, 0, print_entry, &h);
    pl_store_read_end(tx);
  } else
    fprintf(stderr, "parley history: %s\n", err.msg);
  pl_store_close(store);
  return rc ? PL_EXIT_FAIL : PL_EXIT_OK;
}
