/* The tenant sandbox (see sandbox.h): capped allocator, instruction budget, allowlisted
 * globals, text-only load, restricted require, and the runtime clock behind os.time. */
#include <ctype.h>
#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "sandbox.h"
#include "tz.h"

#define PL_HOOK_STEP 1000
#define PL_SLICE 100000                  /* instructions between two chances for the loop (~1 ms) */
#define PL_ERROR_SLACK ((size_t)1 << 20) /* room to build an error message past the cap */
#define PL_MAX_SOURCE ((size_t)4 << 20)
#define LOADED_KEY "parley.loaded"

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  pl_sandbox *sb = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    sb->mem_used -= old;
    return NULL;
  }
  if (nsize > old) {
    size_t cap = sb->mem_cap + (sb->in_error ? PL_ERROR_SLACK : 0);
    if (sb->mem_used + (nsize - old) > cap) {
      sb->mem_exceeded = true;
      return NULL;
    }
  }
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  sb->mem_used = sb->mem_used - old + nsize;
  return p;
}

pl_sandbox *pl_sandbox_of(lua_State *L) {
  void *ud;
  lua_getallocf(L, &ud);
  return ud;
}

static void sb_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  pl_sandbox *sb = pl_sandbox_of(L);
  sb->budget_left -= PL_HOOK_STEP;
  if (sb->budget_left < 0) {
    sb->budget_exceeded = true;
    /* From now on stop at every instruction, so a pcall loop cannot outrun us. */
    lua_sethook(L, sb_hook, LUA_MASKCOUNT, 1);
    luaL_where(L, 0); /* the running function: a hook has no frame of its own */
    lua_pushfstring(L,
                    "instruction budget exceeded (%I instructions per event): the handler "
                    "runs too long or loops forever",
                    (lua_Integer)sb->budget);
    lua_concat(L, 2);
    lua_error(L);
  }
  /* Time slicing: a long handler gives the loop back every PL_SLICE instructions, so
   * other conversations and tenants on this worker keep their latency. Only the
   * handler's own coroutine yields here (a script's coroutine would yield to the script). */
  if (L == sb->slice_co && (sb->slice_left -= PL_HOOK_STEP) <= 0 && lua_isyieldable(L)) {
    sb->slice_left = PL_SLICE;
    sb->preempted = true;
    lua_yield(L, 0);
  }
}

static char *read_file(const char *path, size_t *len, pl_err *err, const char *display) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    pl_err_set(err, errno == ENOENT ? PL_ENOTFOUND : PL_EIO, "%s: cannot open: %s", display,
               strerror(errno));
    return NULL;
  }
  char *buf = malloc(PL_MAX_SOURCE + 1);
  size_t n = buf ? fread(buf, 1, PL_MAX_SOURCE + 1, f) : 0;
  fclose(f);
  if (!buf || n > PL_MAX_SOURCE) {
    free(buf);
    pl_err_set(err, PL_EINVAL, "%s: file larger than %zu bytes", display, PL_MAX_SOURCE);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

static int load_source(lua_State *L, const char *buf, size_t len, const char *display,
                       pl_err *err) {
  char chunkname[600];
  snprintf(chunkname, sizeof chunkname, "@%s", display);
  if (len > 0 && buf[0] == LUA_SIGNATURE[0])
    return pl_err_set(err, PL_EINVAL,
                      "%s: binary (precompiled) chunks are refused; ship the "
                      "Lua source",
                      display);
  int rc = luaL_loadbufferx(L, buf, len, chunkname, "t");
  if (rc != LUA_OK) {
    pl_err_set(err, rc == LUA_ERRMEM ? PL_EBUDGET : PL_ESCRIPT, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return rc == LUA_ERRMEM ? PL_EBUDGET : PL_ESCRIPT;
  }
  return 0;
}

/* Library modules (scripts/lib) are the same text in every tenant, and parsing is most
 * of what loading one costs: each is parsed once per process, and the other tenants load
 * the bytecode that parse made (trusted: parley made it from that very text, which the
 * entry keeps and compares whole; tenants still cannot load bytecode of their own). Bounded: a
 * library edited many times while serving stops being cached, never grows memory without end. */
#define LIB_CACHE_MAX 512

typedef struct compiled {
  char *name; /* the chunk's display name */
  char *text; /* the text it was made from (compared whole: no hash to trust) */
  size_t text_len;
  char *code;
  size_t len;
  struct compiled *next;
} compiled;

static compiled *lib_cache;
static int lib_cached;
static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct dump_buf {
  char *b;
  size_t n, cap;
} dump_buf;

static int dump_write(lua_State *L, const void *p, size_t sz, void *ud) {
  (void)L;
  dump_buf *d = ud;
  if (d->n + sz > d->cap) {
    size_t cap = (d->n + sz) * 2;
    char *b = realloc(d->b, cap);
    if (!b) return 1;
    d->b = b;
    d->cap = cap;
  }
  memcpy(d->b + d->n, p, sz);
  d->n += sz;
  return 0;
}

static bool is_library(const pl_sandbox *sb, const char *path) {
  size_t n = sb->lib_dir ? strlen(sb->lib_dir) : 0;
  return n && !strncmp(path, sb->lib_dir, n) && path[n] == '/';
}

/* Loads a library file's text through the cache. */
static int load_library(lua_State *L, const char *buf, size_t len, const char *display,
                        pl_err *err) {
  pthread_mutex_lock(&lib_lock);
  compiled *c = lib_cache;
  while (c && (c->text_len != len || strcmp(c->name, display) || memcmp(c->text, buf, len)))
    c = c->next;
  pthread_mutex_unlock(&lib_lock); /* entries are never freed or changed once listed */
  char chunkname[600];
  snprintf(chunkname, sizeof chunkname, "@%s", display);
  if (c) {
    int rc = luaL_loadbufferx(L, c->code, c->len, chunkname, "b");
    if (rc == LUA_OK) return 0;
    lua_pop(L, 1); /* out of memory: report it the way the text load would */
  }
  int rc = load_source(L, buf, len, display, err);
  if (rc || c) return rc;
  dump_buf d = {0};
  if (lua_dump(L, dump_write, &d, 0) != 0) {
    free(d.b);
    return 0;
  }
  compiled *e = malloc(sizeof *e);
  *e = (compiled){strdup(display), malloc(len ? len : 1), len, d.b, d.n, NULL};
  memcpy(e->text, buf, len);
  pthread_mutex_lock(&lib_lock);
  if (lib_cached < LIB_CACHE_MAX) {
    e->next = lib_cache;
    lib_cache = e;
    lib_cached++;
    e = NULL;
  }
  pthread_mutex_unlock(&lib_lock);
  if (e) {
    free(e->name);
    free(e->text);
    free(e->code);
    free(e);
  }
  return 0;
}

/* Loads onto L, which may be a coroutine of the sandbox (require inside a handler). */
static int load_file_on(pl_sandbox *sb, lua_State *L, const char *path, const char *display,
                        pl_err *err) {
  size_t len;
  char *buf = read_file(path, &len, err, display);
  if (!buf) return PL_EIO;
  sb->hash = pl_fnv1a(sb->hash, display, strlen(display));
  sb->hash = pl_fnv1a(sb->hash, buf, len);
  int rc = is_library(sb, path) && !(len > 0 && buf[0] == LUA_SIGNATURE[0])
               ? load_library(L, buf, len, display, err)
               : load_source(L, buf, len, display, err);
  free(buf);
  return rc;
}

int pl_sandbox_load_file(pl_sandbox *sb, const char *path, const char *display, pl_err *err) {
  return load_file_on(sb, sb->L, path, display, err);
}

int pl_sandbox_syntax_check(const char *path, const char *display, pl_err *err) {
  size_t len;
  char *buf = read_file(path, &len, err, display);
  if (!buf) return PL_EIO;
  lua_State *L = luaL_newstate();
  int rc = L ? load_source(L, buf, len, display, err) : PL_ENOMEM;
  if (L) lua_close(L);
  free(buf);
  return rc;
}

/* ---- restricted globals ---- */

/* __index for tables that lost dangerous fields: a clear error instead of nil. */
static int sb_index_denied(lua_State *L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (lua_isnil(L, -1)) return 1;
  return luaL_error(L, "%s", lua_tostring(L, -1));
}

static void deny_fields(lua_State *L, int tidx, const char *prefix, const char *const *names,
                        const char *why) {
  tidx = lua_absindex(L, tidx);
  lua_newtable(L); /* metatable */
  lua_newtable(L); /* name -> message */
  for (const char *const *n = names; *n; n++) {
    lua_pushnil(L);
    lua_setfield(L, tidx, *n);
    lua_pushfstring(L, "%s%s is not available in parley's sandbox: %s", prefix, *n, why);
    lua_setfield(L, -2, *n);
  }
  lua_pushcclosure(L, sb_index_denied, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "sandboxed");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, tidx);
}

int pl_sandbox_print(lua_State *L) {
  pl_sandbox *sb = pl_sandbox_of(L);
  int n = lua_gettop(L); /* before luaL_buffinit, which may push a placeholder */
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    if (i > 1) luaL_addchar(&b, ' ');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  pl_log_printf(sb->log, sb->log_name, "%s", lua_tostring(L, -1));
  return 0;
}

static int sb_load(lua_State *L) {
  const char *mode = luaL_optstring(L, 3, "t");
  if (strchr(mode, 'b') || (lua_type(L, 1) == LUA_TSTRING && lua_tostring(L, 1)[0] == 27))
    return luaL_error(L, "load: binary chunks are refused in parley's sandbox; load source text");
  int n = lua_gettop(L);
  lua_settop(L, n >= 4 ? 4 : 2);         /* a nil chunk name when none was given */
  lua_pushvalue(L, lua_upvalueindex(1)); /* the real load */
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_pushliteral(L, "t");
  if (n >= 4) lua_pushvalue(L, 4);
  lua_call(L, n >= 4 ? 4 : 3, 2);
  return 2;
}

static int sb_collectgarbage(lua_State *L) {
  const char *opt = luaL_optstring(L, 1, "collect");
  if (strcmp(opt, "count") && strcmp(opt, "step") && strcmp(opt, "collect"))
    return luaL_error(L,
                      "collectgarbage(\"%s\") is not available in parley's sandbox; use "
                      "\"count\", \"step\" or \"collect\"",
                      opt);
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/* A field of os.time's table: Lua's rules (required, or a default; an integer). */
static int date_field(lua_State *L, const char *key, int dflt) {
  int isnum;
  int t = lua_getfield(L, 1, key);
  lua_Integer v = lua_tointegerx(L, -1, &isnum);
  lua_pop(L, 1);
  if (isnum && v >= -(1 << 24) && v <= (1 << 24)) return (int)v;
  if (t != LUA_TNIL) return luaL_error(L, "field '%s' is out-of-bound or not an integer", key);
  if (dflt < 0) return luaL_error(L, "field '%s' missing in date table", key);
  return dflt;
}

static int sb_os_time(lua_State *L) {
  pl_sandbox *sb = pl_sandbox_of(L);
  if (lua_isnoneornil(L, 1)) {
    lua_pushinteger(L, pl_clock_now_ms(sb->clock) / 1000);
    return 1;
  }
  if (sb->tz && lua_type(L, 1) == LUA_TTABLE) { /* a wall-clock time in the tenant's zone */
    int year = date_field(L, "year", -1), month = date_field(L, "month", -1);
    int day = date_field(L, "day", -1), hour = date_field(L, "hour", 12);
    int min = date_field(L, "min", 0), sec = date_field(L, "sec", 0);
    int64_t ms;
    if (pl_tz_from_local(sb->tz, year, month, day, hour, min, sec, &ms))
      return luaL_error(L, "os.time: the date cannot be represented");
    lua_pushinteger(L, (lua_Integer)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000)));
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* os.date in the tenant's zone: Lua's own os.date renders the wall-clock time as UTC
 * ("!" + format, the instant shifted by the zone's offset), with %z and %Z written in
 * first — so format checking stays Lua's. "!" keeps UTC as in plain Lua. */
static int sb_os_date(lua_State *L) {
  pl_sandbox *sb = pl_sandbox_of(L);
  int n = lua_gettop(L);
  if (n == 0) lua_pushliteral(L, "%c");
  if (lua_gettop(L) < 2 || lua_isnil(L, 2)) {
    lua_settop(L, 1);
    lua_pushinteger(L, pl_clock_now_ms(sb->clock) / 1000);
  }
  lua_settop(L, 2);
  const char *fmt = luaL_checkstring(L, 1);
  if (sb->tz && fmt[0] != '!') {
    lua_Integer t = luaL_checkinteger(L, 2);
    int off, dst;
    char abbrev[64];
    if (pl_tz_offset(sb->tz, (int64_t)t * 1000, &off, &dst, abbrev, sizeof abbrev))
      return luaL_error(L, "os.date: the time cannot be represented");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '!');
    for (const char *p = fmt; *p; p++) {
      if (p[0] == '%' && p[1] == 'z') {
        char z[16];
        snprintf(z, sizeof z, "%c%02d%02d", off < 0 ? '-' : '+', abs(off) / 3600,
                 abs(off) / 60 % 60);
        luaL_addstring(&b, z);
        p++;
      } else if (p[0] == '%' && p[1] == 'Z') {
        for (const char *a = abbrev; *a; a++) {
          if (*a == '%') luaL_addchar(&b, '%');
          luaL_addchar(&b, *a);
        }
        p++;
      } else if (p[0] == '%' && p[1]) {
        luaL_addchar(&b, *p++);
        luaL_addchar(&b, *p);
      } else {
        luaL_addchar(&b, *p);
      }
    }
    luaL_pushresult(&b);
    lua_replace(L, 1);
    lua_pushinteger(L, t + off);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    if (lua_istable(L, -1)) { /* "*t": the zone's daylight saving flag */
      lua_pushboolean(L, dst);
      lua_setfield(L, -2, "isdst");
    }
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* Budget safety. Lua runs no hooks in __gc finalizers, and once the budget hook has
 * raised its error the dying thread keeps hooks off: the xpcall message handler called
 * for that error, and the <close> handlers that closing the dead thread runs, execute
 * with no instruction limit (a `while true do end` there hangs the whole process). So
 * metatables with __gc are refused, the message handler is skipped once the budget is
 * spent, and a coroutine that died by an error is never closed: its <close> handlers do
 * not run, the thread is just collected. */
static int sb_setmetatable(lua_State *L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
      return luaL_error(L, "setmetatable: __gc metamethods are not available in parley's "
                           "sandbox (finalizers would run outside the instruction budget)");
    lua_pop(L, 1);
  }
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

static int sb_msgh(lua_State *L) {
  if (pl_sandbox_of(L)->budget_exceeded) return 1; /* the error object, unchanged */
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

static int sb_xpcall_done(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  return lua_gettop(L); /* the results of the real xpcall */
}

static int sb_xpcall(lua_State *L) {
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, sb_msgh, 1);
  lua_replace(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  /* With a continuation, so the protected function may still yield. */
  lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, sb_xpcall_done);
  return sb_xpcall_done(L, LUA_OK, 0);
}

static int sb_co_close(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co, 1, "coroutine");
  int st = lua_status(co);
  if (st != LUA_OK && st != LUA_YIELD) { /* died by an error: report it, run nothing */
    lua_pushboolean(L, 0);
    if (lua_gettop(co) > 0 && lua_checkstack(co, 1)) {
      lua_pushvalue(co, -1);
      lua_xmove(co, L, 1);
    } else
      lua_pushnil(L);
    return 2;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* coroutine.wrap as in lcorolib.c, minus closing the coroutine when it fails. */
static int sb_auxwrap(lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int narg = lua_gettop(L), nres;
  if (!lua_checkstack(co, narg)) return luaL_error(L, "too many arguments to resume");
  lua_xmove(L, co, narg);
  int status = lua_resume(co, L, narg, &nres);
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      return luaL_error(L, "too many results to resume");
    }
    lua_xmove(co, L, nres);
    return nres;
  }
  lua_xmove(co, L, 1); /* the error object */
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

static int sb_co_wrap(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State *co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, sb_auxwrap, 1);
  return 1;
}

static bool module_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 128 || name[0] == '.' || name[n - 1] == '.' || strstr(name, "..")) return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') return false;
  return true;
}

static int file_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  fclose(f);
  return 1;
}

static int sb_require(lua_State *L) {
  pl_sandbox *sb = pl_sandbox_of(L);
  const char *name = luaL_checkstring(L, 1);
  if (!module_name_ok(name))
    return luaL_error(L,
                      "require \"%s\": module names may contain only letters, digits, _, - "
                      "and dots (no paths); modules load from the tenant folder or scripts/lib",
                      name);
  lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
  lua_getfield(L, -1, name);
  if (lua_toboolean(L, -1)) {
    if (lua_type(L, -1) == LUA_TLIGHTUSERDATA)
      return luaL_error(L, "require \"%s\": circular require (the module requires itself)", name);
    return 1;
  }
  lua_pop(L, 1);
  char rel[160], path[1200], display[1200];
  snprintf(rel, sizeof rel, "%s.lua", name);
  for (char *p = rel; p < rel + strlen(name); p++)
    if (*p == '.') *p = '/';
  const char *roots[2] = {sb->tenant_dir, sb->lib_dir};
  int found = -1;
  for (int i = 0; i < 2 && found < 0; i++) {
    if (!roots[i]) continue;
    snprintf(path, sizeof path, "%s/%s", roots[i], rel);
    if (file_exists(path)) found = i;
  }
  if (found < 0)
    return luaL_error(L, "require \"%s\": module not found (looked for %s in %s%s%s)", name, rel,
                      sb->tenant_dir ? sb->tenant_dir : "?", sb->lib_dir ? " and " : "",
                      sb->lib_dir ? sb->lib_dir : "");
  snprintf(display, sizeof display, "%s/%s", roots[found], rel);
  lua_pushlightuserdata(L, (void *)sb); /* "loading" marker */
  lua_setfield(L, -2, name);
  pl_err err;
  if (load_file_on(sb, L, path, display, &err) != 0) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
    return luaL_error(L, "%s", err.msg);
  }
  lua_pushstring(L, name);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) { /* unmark, or the next require says "circular" */
    lua_pushnil(L);
    lua_setfield(L, -3, name);
    return lua_error(L);
  }
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, name);
  return 1;
}

static void open_lib(lua_State *L, const char *name, lua_CFunction f) {
  luaL_requiref(L, name, f, 1);
  lua_pop(L, 1);
}

static void build_env(pl_sandbox *sb, bool bare) {
  lua_State *L = sb->L;
  open_lib(L, "_G", luaopen_base);
  open_lib(L, LUA_TABLIBNAME, luaopen_table);
  open_lib(L, LUA_STRLIBNAME, luaopen_string);
  open_lib(L, LUA_MATHLIBNAME, luaopen_math);
  open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
  open_lib(L, LUA_COLIBNAME, luaopen_coroutine);
  /* The loaded-modules table luaL_requiref keeps would expose every library. */
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);

  lua_pushglobaltable(L);
  int g = lua_gettop(L);
  lua_getfield(L, g, "load");
  lua_pushcclosure(L, sb_load, 1);
  lua_setfield(L, g, "load");
  lua_getfield(L, g, "collectgarbage");
  lua_pushcclosure(L, sb_collectgarbage, 1);
  lua_setfield(L, g, "collectgarbage");
  lua_pushcfunction(L, pl_sandbox_print);
  lua_setfield(L, g, "print");
  lua_getfield(L, g, "setmetatable");
  lua_pushcclosure(L, sb_setmetatable, 1);
  lua_setfield(L, g, "setmetatable");
  lua_getfield(L, g, "xpcall");
  lua_pushcclosure(L, sb_xpcall, 1);
  lua_setfield(L, g, "xpcall");
  lua_getfield(L, g, "coroutine");
  lua_getfield(L, -1, "close");
  lua_pushcclosure(L, sb_co_close, 1);
  lua_setfield(L, -2, "close");
  lua_pushcfunction(L, sb_co_wrap);
  lua_setfield(L, -2, "wrap");
  lua_pop(L, 1);

  /* os: only time, date, clock, difftime; time and date read the runtime clock. */
  luaopen_os(L);
  int os = lua_gettop(L);
  lua_newtable(L);
  int safe = lua_gettop(L);
  lua_getfield(L, os, "time");
  lua_pushcclosure(L, sb_os_time, 1);
  lua_setfield(L, safe, "time");
  lua_getfield(L, os, "date");
  lua_pushcclosure(L, sb_os_date, 1);
  lua_setfield(L, safe, "date");
  lua_getfield(L, os, "clock");
  lua_setfield(L, safe, "clock");
  lua_getfield(L, os, "difftime");
  lua_setfield(L, safe, "difftime");
  static const char *const os_denied[] = {"execute", "exit",    "getenv",    "remove",
                                          "rename",  "tmpname", "setlocale", NULL};
  deny_fields(L, safe, "os.", os_denied,
              "tenants cannot run programs or touch files; keep data in ctx.session or bot.store");
  lua_setfield(L, g, "os");
  lua_pop(L, 1); /* real os */

  lua_getfield(L, g, "string");
  static const char *const str_denied[] = {"dump", NULL};
  deny_fields(L, -1, "string.", str_denied, "bytecode cannot be produced or loaded");
  lua_pop(L, 1);

  if (!bare) {
    lua_pushcfunction(L, sb_require);
    lua_setfield(L, g, "require");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
  }
  static const char *const g_denied[] = {"io",       "debug",      "package", "dofile",
                                         "loadfile", "loadstring", "module",  NULL};
  deny_fields(L, g, "", g_denied,
              "tenant scripts cannot touch files or the interpreter; use require for your "
              "modules, ctx.session and bot.store for data");
  lua_pop(L, 1);
}

int pl_sandbox_open(pl_sandbox **out, const pl_sandbox_opts *opts, pl_err *err) {
  pl_sandbox *sb = calloc(1, sizeof *sb);
  if (!sb) return pl_err_set(err, PL_ENOMEM, "out of memory");
  sb->mem_cap = opts->memory ? opts->memory : PL_DEFAULT_MEMORY;
  sb->budget = opts->instructions ? opts->instructions : PL_DEFAULT_INSTRUCTIONS;
  sb->clock = opts->clock;
  sb->log = opts->log;
  sb->hash = PL_FNV_SEED;
  sb->tenant_dir = opts->tenant_dir ? strdup(opts->tenant_dir) : NULL;
  sb->lib_dir = opts->lib_dir ? strdup(opts->lib_dir) : NULL;
  sb->log_name = strdup(opts->log_name ? opts->log_name : "?");
  if (opts->timezone && strcmp(opts->timezone, "UTC")) {
    int rc = pl_tz_open(&sb->tz, opts->timezone, err);
    if (rc) {
      pl_sandbox_close(sb);
      return rc;
    }
  }
  sb->L = lua_newstate(sb_alloc, sb);
  if (!sb->L) {
    pl_sandbox_close(sb);
    return pl_err_set(err, PL_ENOMEM, "cannot create a Lua state (memory limit too small?)");
  }
  lua_sethook(sb->L, sb_hook, LUA_MASKCOUNT, PL_HOOK_STEP);
  sb->budget_left = sb->budget;
  build_env(sb, opts->tenant_dir == NULL);
  *out = sb;
  return 0;
}

void pl_sandbox_close(pl_sandbox *sb) {
  if (!sb) return;
  if (sb->L) lua_close(sb->L);
  free(sb->tenant_dir);
  free(sb->lib_dir);
  free(sb->log_name);
  pl_tz_close(sb->tz);
  free(sb);
}

/* The first Lua frame of a failed coroutine, for "file:line:" on errors raised in C
 * (memory errors have no position of their own). */
static void error_where(lua_State *co, char *buf, size_t n) {
  lua_Debug ar;
  buf[0] = 0;
  for (int level = 0; lua_getstack(co, level, &ar); level++) {
    if (lua_getinfo(co, "Sl", &ar) && ar.currentline > 0) {
      snprintf(buf, n, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
}

/* Turns a failed resume into a message with file:line; frees what the failure left. */
static int task_failed(pl_sandbox *sb, lua_State *co, int status, pl_err *err) {
  lua_State *L = sb->L;
  int rc;
  sb->in_error = true;
  char where[300];
  error_where(co, where, sizeof where);
  if (sb->mem_exceeded || status == LUA_ERRMEM) {
    rc = pl_err_set(err, PL_EBUDGET,
                    "%smemory limit exceeded (%zu KiB for this tenant's Lua state): the script "
                    "builds too much data",
                    where, sb->mem_cap >> 10);
  } else {
    const char *msg = lua_tostring(co, -1);
    if (msg)
      rc = pl_err_set(err, sb->budget_exceeded ? PL_EBUDGET : PL_ESCRIPT, "%s", msg);
    else
      rc =
          pl_err_set(err, PL_ESCRIPT, "%serror object is a %s value", where, luaL_typename(co, -1));
  }
  /* No lua_resetthread(co): it would run <close> handlers with hooks off (see
   * sb_setmetatable); the unreferenced thread is freed by a collection. */
  lua_gc(L, LUA_GCCOLLECT);
  sb->in_error = false;
  return rc;
}

static int task_step(pl_sandbox *sb, pl_sb_task *task, int nargs, pl_err *err) {
  sb->slice_co = task->preemptible ? task->co : NULL;
  sb->slice_left = PL_SLICE;
  sb->preempted = false;
  sb->budget_left = task->budget_left;
  sb->budget_exceeded = task->budget_left < 0;
  sb->mem_exceeded = false;
  int nres = 0;
  int status = lua_resume(task->co, sb->L, nargs, &nres);
  task->budget_left = sb->budget_left;
  sb->slice_co = NULL;
  task->preempted = sb->preempted;
  if (status == LUA_YIELD) {
    lua_pop(task->co, nres);
    return PL_PENDING;
  }
  int rc = 0;
  if (status == LUA_OK) {
    task->nresults = nres;
  } else {
    luaL_unref(sb->L, LUA_REGISTRYINDEX, task->ref);
    task->ref = LUA_NOREF;
    rc = task_failed(sb, task->co, status, err);
    task->co = NULL;
  }
  return rc;
}

int pl_sandbox_task_start(pl_sandbox *sb, pl_sb_task *task, int nargs, pl_err *err) {
  lua_State *L = sb->L;
  task->co = lua_newthread(L);
  task->ref = luaL_ref(L, LUA_REGISTRYINDEX); /* anchors the thread while it waits */
  task->budget_left = sb->budget;
  task->nresults = 0;
  task->preempted = false;
  lua_xmove(L, task->co, nargs + 1);
  return task_step(sb, task, nargs, err);
}

int pl_sandbox_task_resume(pl_sandbox *sb, pl_sb_task *task, int nargs, pl_err *err) {
  return task_step(sb, task, nargs, err);
}

void pl_sandbox_task_release(pl_sandbox *sb, pl_sb_task *task) {
  if (task->ref != LUA_NOREF && task->ref != 0) luaL_unref(sb->L, LUA_REGISTRYINDEX, task->ref);
  task->ref = LUA_NOREF;
  task->co = NULL;
}

int pl_sandbox_run(pl_sandbox *sb, int nargs, int nresults, pl_err *err) {
  pl_sb_task task = {.preemptible = false};
  int rc = pl_sandbox_task_start(sb, &task, nargs, err);
  if (rc == PL_PENDING) {
    pl_sandbox_task_release(sb, &task);
    return pl_err_set(err, PL_ESCRIPT,
                      "code yielded where it cannot wait (bot.http.request and coroutine.yield "
                      "are not allowed at load time or in bot.migrate)");
  }
  if (rc) return rc;
  int nres = task.nresults;
  for (int i = nres; i < nresults; i++)
    lua_pushnil(task.co);
  if (nres > nresults) lua_pop(task.co, nres - nresults);
  if (nresults > 0) lua_xmove(task.co, sb->L, nresults);
  pl_sandbox_task_release(sb, &task);
  return 0;
}
