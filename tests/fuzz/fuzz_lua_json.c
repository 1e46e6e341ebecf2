/* libFuzzer target: JSON from outside (bot.http answers, webhook payloads of the generic
 * http channel, stored values) becoming Lua values and back. Whatever the input: no
 * crash, no leak; a value too deep for the Lua stack is a Lua error, caught; and what
 * pl_lua_to_json makes of the Lua value is JSON again, or a refusal with a message. */
#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua_json.h"

static int round_trip(lua_State *L) {
  const json_t *j = lua_touserdata(L, 1);
  pl_json_push(L, j);
  json_t *back = NULL;
  pl_err err = {0};
  if (pl_lua_to_json(L, -1, "value", &back, &err) == 0) {
    char *s = json_dumps(back, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!s) abort(); /* made by pl_lua_to_json: must serialise */
    free(s);
    json_decref(back);
  } else if (!err.msg[0]) {
    abort(); /* a refusal names what and where */
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t je;
  json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
  if (!j) return 0;
  lua_State *L = luaL_newstate();
  lua_pushcfunction(L, round_trip);
  lua_pushlightuserdata(L, j);
  lua_pcall(L, 1, 0, 0); /* a Lua error (too deep) is a fine outcome */
  lua_close(L);
  json_decref(j);
  return 0;
}
