/* Conversion between Lua values and JSON (jansson). JSON is parley's storage format for
 * sessions, store values, timer data and messages: inspectable, and free of Lua closures
 * so conversation state survives reloads. Rules: tables with only string keys become
 * objects, lists 1..n become arrays, an empty table becomes {}; functions, userdata,
 * mixed keys, NaN and invalid UTF-8 are refused with a message naming the path. */
#ifndef PL_LUA_JSON_H
#define PL_LUA_JSON_H
#include <jansson.h>
#include <lua.h>

#include "parley/error.h"

/* Converts the value at idx. `path` names it in errors ("session"). New reference. */
int pl_lua_to_json(lua_State *L, int idx, const char *path, json_t **out, pl_err *err);
/* Pushes the Lua equivalent of j (NULL pushes nil). */
void pl_json_push(lua_State *L, const json_t *j);

#endif
