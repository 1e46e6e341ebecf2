/* parley: one binary, subcommands (docs/cli.md). */
#include <lmdb.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"

static const char usage[] =
    "usage: parley COMMAND [OPTIONS]\n"
    "\n"
    "  chat DIR [--data PATH] [--user NAME]   talk to a tenant in the terminal\n"
    "  check DIR                              compile and load a tenant, report errors\n"
    "  test DIR|SPEC...                       run scenario specs\n"
    "  serve --tenants DIR --data PATH [--listen ADDR:PORT]  run every tenant under DIR\n"
    "  history DIR --data PATH [--user NAME]  print stored conversations\n"
    "  outbox --data PATH [--dead] [--requeue] pending and dead-letter messages\n"
    "  operator --url URL --tenant T --chat C send|handoff|handback  act as an operator\n"
    "  version                                print versions\n"
    "\n"
    "Each command takes --help. Exit codes: 0 ok, 1 failure, 2 usage error.\n";

int main(int argc, char **argv) {
  /* Scripts' os.date/os.time(table) work in UTC, independent of the host. */
  setenv("TZ", "UTC", 1);
  if (argc < 2) {
    fputs(usage, stderr);
    return PL_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "chat")) return pl_cmd_chat(argc - 2, argv + 2);
  if (!strcmp(cmd, "test")) return pl_cmd_test(argc - 2, argv + 2);
  if (!strcmp(cmd, "serve")) return pl_cmd_serve(argc - 2, argv + 2);
  if (!strcmp(cmd, "check")) return pl_cmd_check(argc - 2, argv + 2);
  if (!strcmp(cmd, "history")) return pl_cmd_history(argc - 2, argv + 2);
  if (!strcmp(cmd, "operator")) return pl_cmd_operator(argc - 2, argv + 2);
  if (!strcmp(cmd, "outbox")) return pl_cmd_outbox(argc - 2, argv + 2);
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("parley %s (%s, libuv %s, LMDB %d.%d.%d)\n", PARLEY_VERSION, LUA_RELEASE,
           uv_version_string(), MDB_VERSION_MAJOR, MDB_VERSION_MINOR, MDB_VERSION_PATCH);
    return PL_EXIT_OK;
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    fputs(usage, stdout);
    return PL_EXIT_OK;
  }
  fprintf(stderr, "parley: unknown command \"%s\"\n\n%s", cmd, usage);
  return PL_EXIT_USAGE;
}
