/* Lua <-> JSON conversion (see lua_json.h). Depth is capped so that cyclic tables are
 * reported instead of recursing forever. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_json.h"

#define PL_JSON_MAX_DEPTH 32

static int to_json(lua_State *L, int idx, char *path, size_t plen, size_t cap, int depth,
                   json_t **out, pl_err *err);

static void path_push_key(char *path, size_t plen, size_t cap, const char *key) {
  snprintf(path + plen, cap - plen, ".%s", key);
}

static void path_push_index(char *path, size_t plen, size_t cap, lua_Integer i) {
  snprintf(path + plen, cap - plen, "[%lld]", (long long)i);
}

static int table_to_json(lua_State *L, int idx, char *path, size_t plen, size_t cap, int depth,
                         json_t **out, pl_err *err) {
  if (depth > PL_JSON_MAX_DEPTH)
    return pl_err_set(err, PL_EINVAL, "%s: tables nested too deeply (or a table contains itself)",
                      path);
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
    return pl_err_set(err, PL_EINVAL,
                      "%s: a stored table needs all-string keys or a list 1..n without holes",
                      path);
  if (n) {
    json_t *a = json_array();
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, idx, i);
      path_push_index(path, plen, cap, i);
      json_t *v;
      int rc = to_json(L, -1, path, strlen(path), cap, depth + 1, &v, err);
      lua_pop(L, 1);
      path[plen] = 0;
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
    path_push_key(path, plen, cap, k);
    json_t *v;
    int rc = to_json(L, -1, path, strlen(path), cap, depth + 1, &v, err);
    path[plen] = 0;
    lua_pop(L, 1);
    if (rc) {
      json_decref(o);
      lua_pop(L, 1);
      return rc;
    }
    if (json_object_setn_new(o, k, kl, v) != 0) {
      json_decref(o);
      lua_pop(L, 1);
      return pl_err_set(err, PL_EINVAL, "%s: key \"%s\" is not valid UTF-8", path, k);
    }
  }
  *out = o;
  return 0;
}

static int to_json(lua_State *L, int idx, char *path, size_t plen, size_t cap, int depth,
                   json_t **out, pl_err *err) {
  switch (lua_type(L, idx)) {
  case LUA_TNIL: *out = json_null(); return 0;
  case LUA_TBOOLEAN: *out = json_boolean(lua_toboolean(L, idx)); return 0;
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) {
      *out = json_integer(lua_tointeger(L, idx));
    } else {
      double d = lua_tonumber(L, idx);
      if (!isfinite(d)) return pl_err_set(err, PL_EINVAL, "%s: cannot store NaN or infinity", path);
      *out = json_real(d);
    }
    return 0;
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    *out = json_stringn(s, len);
    if (!*out) return pl_err_set(err, PL_EINVAL, "%s: string is not valid UTF-8", path);
    return 0;
  }
  case LUA_TTABLE: return table_to_json(L, idx, path, plen, cap, depth, out, err);
  default:
    return pl_err_set(err, PL_EINVAL,
                      "%s: cannot store a %s (only strings, numbers, booleans "
                      "and tables of them)",
                      path, luaL_typename(L, idx));
  }
}

int pl_lua_to_json(lua_State *L, int idx, const char *path, json_t **out, pl_err *err) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  if (!lua_checkstack(L, PL_JSON_MAX_DEPTH * 3 + 10))
    return pl_err_set(err, PL_ENOMEM, "%s: out of Lua stack", path);
  return to_json(L, idx, buf, strlen(buf), sizeof buf, 0, out, err);
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
