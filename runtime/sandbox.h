/* One sandboxed Lua 5.4 state per tenant code version. The state's global table *is*
 * the sandbox: io, debug, package and the dangerous parts of os are never opened, so
 * there are no "real globals" to escape to. Memory is capped by the allocator and CPU
 * by an instruction-count hook; exceeding either raises a Lua error that aborts only
 * the running event.
 *
 * Ownership: pl_sandbox owns its lua_State and its copies of the folder paths. */
#ifndef PL_SANDBOX_H
#define PL_SANDBOX_H
#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "log.h"
#include "parley/error.h"

typedef struct pl_sandbox_opts {
  const char *tenant_dir; /* require root; NULL for a bare sandbox (tenant.lua) */
  const char *lib_dir;    /* scripts/lib; may be NULL */
  const char *log_name;   /* tenant name in log lines */
  size_t memory;          /* bytes, 0 = default */
  int64_t instructions;   /* per event, 0 = default */
  const pl_clock *clock;
  const pl_log *log;
  const char *timezone; /* os.date / os.time's local time (IANA name); NULL: UTC */
} pl_sandbox_opts;

typedef struct pl_sandbox {
  lua_State *L;
  size_t mem_used, mem_cap;
  bool mem_exceeded, in_error;
  int64_t budget, budget_left;
  bool budget_exceeded;
  char *tenant_dir, *lib_dir, *log_name;
  const pl_clock *clock;
  const pl_log *log;
  struct pl_tz *tz;    /* the tenant's zone, or NULL (UTC) */
  uint64_t hash;       /* FNV-1a over every source file loaded: the code version */
  void *current_run;   /* the event being handled (lua_api.c), NULL outside events */
  lua_State *slice_co; /* the handler coroutine that may be time-sliced right now */
  int64_t slice_left;
  bool preempted;
} pl_sandbox;

#define PL_DEFAULT_MEMORY ((size_t)64 << 20)
#define PL_DEFAULT_INSTRUCTIONS 1000000

int pl_sandbox_open(pl_sandbox **out, const pl_sandbox_opts *opts, pl_err *err);
void pl_sandbox_close(pl_sandbox *sb);
pl_sandbox *pl_sandbox_of(lua_State *L);

/* Loads a source file (text only) and pushes the compiled chunk; `display` is the name
 * used in error messages (file:line). Feeds the version hash. */
int pl_sandbox_load_file(pl_sandbox *sb, const char *path, const char *display, pl_err *err);

/* Calls the function below nargs arguments on the stack in a fresh coroutine with a
 * fresh instruction budget; leaves nresults values (or nothing on error). On error the
 * message carries file:line; returns PL_ESCRIPT or PL_EBUDGET. */
int pl_sandbox_run(pl_sandbox *sb, int nargs, int nresults, pl_err *err);

/* A function running in its own coroutine that may wait (yield) for the loop, e.g. on
 * bot.http.request; it keeps its own instruction budget across waits. */
typedef struct pl_sb_task {
  lua_State *co;
  int ref; /* registry anchor of co */
  int64_t budget_left;
  int nresults;     /* when finished: values left on co */
  bool preemptible; /* may yield to the loop when its time slice is used up */
  bool preempted;   /* the last PL_PENDING was a time slice, not a wait */
} pl_sb_task;

/* Runs the function below nargs arguments on sb->L in a new coroutine. Returns 0 when it
 * finished (results on task->co), PL_PENDING when it yielded (the task stays anchored),
 * or an error (task released). */
int pl_sandbox_task_start(pl_sandbox *sb, pl_sb_task *task, int nargs, pl_err *err);
/* Continues a yielded task with nargs values pushed on task->co. Same returns. */
int pl_sandbox_task_resume(pl_sandbox *sb, pl_sb_task *task, int nargs, pl_err *err);
void pl_sandbox_task_release(pl_sandbox *sb, pl_sb_task *task);

/* print / bot.log: joins the arguments with spaces into the tenant's log. */
int pl_sandbox_print(lua_State *L);

/* Compiles a file without running it (for `parley check`). */
int pl_sandbox_syntax_check(const char *path, const char *display, pl_err *err);

#endif
