/* The Lua API tenants program against (`bot`, `ctx`; docs/lua-api.md) and the routing
 * of one event to its handler. Everything a handler changes is recorded in the pl_run
 * and committed by dispatch.c; nothing here writes to storage. */
#ifndef PL_LUA_API_H
#define PL_LUA_API_H
#include "event.h"
#include "sandbox.h"

/* Creates the `bot` table and the handler registry in a fresh sandbox. */
void pl_api_install(pl_sandbox *sb);
/* Publishes the code version as bot.version once loading is complete. */
void pl_api_set_version(pl_sandbox *sb, const char *version);
/* Routes run->ev to a handler (running bot.migrate first when the session is older),
 * and fills run's effects. PL_ESCRIPT / PL_EBUDGET on a script failure. */
int pl_api_run(pl_sandbox *sb, const char *version, pl_run *run, pl_err *err);

/* The same in steps, for handlers that wait: pl_api_start returns 0 (done, effects in
 * run), PL_PENDING (waiting on run->http_req: perform it, push the response values on
 * run->task.co and call pl_api_resume with their count), or an error. pl_api_abandon
 * drops a waiting handler (shutdown). */
int pl_api_start(pl_sandbox *sb, const char *version, pl_run *run, pl_err *err);
int pl_api_resume(pl_sandbox *sb, pl_run *run, int nargs, pl_err *err);
void pl_api_abandon(pl_sandbox *sb, pl_run *run);

#endif
