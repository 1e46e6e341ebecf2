/* Lua <-> JSON conversion (see lua_json.h). Depth is capped so that cyclic tables are
 * reported instead of recursing forever. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_json.h"

#define PL_JSON_MAX_DEPTH 32

/* Where a value sits ("session.cart[2].name"), as a chain of frames on the C stack:
 * formatted only when there is an error to report, so converting costs no string work. */
typedef struct frame {
  const struct frame *up;
  const char *key; /* the field name, or the root's name; NULL: an index */
  lua_Integer index;
} frame;

static void path_of(const frame *f, char *buf, size_t cap) {
  if (f->up) {
    path_of(f->up, buf, cap);
  } else {
    snprintf(buf, cap, "%s", f->key);
    return;
  }
  size_t n = strlen(buf);
  if (f->key)
    snprintf(buf + n, cap - n, ".%s", f->key);
  else
    snprintf(buf + n, cap - n, "[%lld]", (long long)f->index);
}

#define FAIL(f, code, fmt, ...)                                                                    \
  do {                                                                                             \
    char p_[512];                                                                                  \
    path_of(f, p_, sizeof p_);                                                                     \
    return pl_err_set(err, code, "%s: " fmt, p_, __VA_ARGS__);                                     \
  } while (0)

static int to_json(lua_State *L, int idx, const frame *f, int depth, json_t **out, pl_err *err);

static int table_to_json(lua_State *L, int idx, const frame *f, int depth, json_t **out,
                         pl_err *err) {
  if (depth > PL_JSON_MAX_DEPTH)
    FAIL(f, PL_EINVAL, "%s", "tables nested too deeply (or a table contains itself)");
  idx = lua_absindex(L, idx);
  /* Classify keys: all strings -> object, exactly 1..n integers -> array. */
  lua_Integer n = 0, max = 0;
  int strings = 0, others = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      strings++;
    else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
      n++;
      if (lua_tointeger(L, -1) > max) max = lua_tointeger(L, -1);
    } else
      others++;
  }
  if (others || (strings && n) || (n && max != n))
    FAIL(f, PL_EINVAL, "%s", "a stored table needs all-string keys or a list 1..n without holes");
  if (n) {
    json_t *a = json_array();
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, idx, i);
      frame sub = {f, NULL, i};
      json_t *v;
      int rc = to_json(L, -1, &sub, depth + 1, &v, err);
      lua_pop(L, 1);
      if (rc) {
        json_decref(a);
        return rc;
      }
      json_array_append_new(a, v);
    }
    *out = a;
    return 0;
  }
  json_t *o = json_object();
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t kl;
    const char *k = lua_tolstring(L, -2, &kl);
    frame sub = {f, k, 0};
    json_t *v;
    int rc = to_json(L, -1, &sub, depth + 1, &v, err);
    lua_pop(L, 1);
    if (rc) {
      json_decref(o);
      lua_pop(L, 1);
      return rc;
    }
    if (json_object_setn_new(o, k, kl, v) != 0) {
      json_decref(o);
      lua_pop(L, 1);
      FAIL(f, PL_EINVAL, "key \"%s\" is not valid UTF-8", k);
    }
  }
  *out = o;
  return 0;
}

static int to_json(lua_State *L, int idx, const frame *f, int depth, json_t **out, pl_err *err) {
  switch (lua_type(L, idx)) {
  case LUA_TNIL: *out = json_null(); return 0;
  case LUA_TBOOLEAN: *out = json_boolean(lua_toboolean(L, idx)); return 0;
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) {
      *out = json_integer(lua_tointeger(L, idx));
    } else {
      double d = lua_tonumber(L, idx);
      if (!isfinite(d)) FAIL(f, PL_EINVAL, "%s", "cannot store NaN or infinity");
      *out = json_real(d);
    }
    return 0;
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    *out = json_stringn(s, len);
    if (!*out) FAIL(f, PL_EINVAL, "%s", "string is not valid UTF-8");
    return 0;
  }
  case LUA_TTABLE: return table_to_json(L, idx, f, depth, out, err);
  default:
    FAIL(f, PL_EINVAL, "cannot store a %s (only strings, numbers, booleans and tables of them)",
         luaL_typename(L, idx));
  }
}

int pl_lua_to_json(lua_State *L, int idx, const char *path, json_t **out, pl_err *err) {
  if (!lua_checkstack(L, PL_JSON_MAX_DEPTH * 3 + 10))
    return pl_err_set(err, PL_ENOMEM, "%s: out of Lua stack", path);
  frame root = {NULL, path, 0};
  return to_json(L, idx, &root, 0, out, err);
}

void pl_json_push(lua_State *L, const json_t *j) {
  luaL_checkstack(L, 3, "JSON value too deep");
  if (!j) {
    lua_pushnil(L);
    return;
  }
  switch (json_typeof(j)) {
  case JSON_OBJECT: {
    lua_createtable(L, 0, (int)json_object_size(j));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v) {
      pl_json_push(L, v);
      lua_setfield(L, -2, k);
    }
    break;
  }
  case JSON_ARRAY: {
    size_t i;
    json_t *v;
    lua_createtable(L, (int)json_array_size(j), 0);
    json_array_foreach(j, i, v) {
      pl_json_push(L, v);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    break;
  }
  case JSON_STRING: lua_pushlstring(L, json_string_value(j), json_string_length(j)); break;
  case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(j)); break;
  case JSON_REAL: lua_pushnumber(L, json_real_value(j)); break;
  case JSON_TRUE: lua_pushboolean(L, 1); break;
  case JSON_FALSE: lua_pushboolean(L, 0); break;
  default: lua_pushnil(L); break;
  }
}
