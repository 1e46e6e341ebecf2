/* `bot` and `ctx` (see lua_api.h). Handlers live in a registry table keyed by event
 * name ("message", "command:menu", "timer:early_bird", ...). ctx is a userdata whose
 * pointer to its run is cleared when the event ends, so a ctx kept in a closure fails
 * loudly instead of writing into another event. */
#include <ctype.h>
#include <lauxlib.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "duration.h"
#include "lua_api.h"
#include "lua_json.h"
#include "reply.h"
#include "unicode.h"

#define HANDLERS_KEY "parley.handlers"
#define CTX_META "parley.ctx"
#define PL_ID_MAX 64

typedef struct ctx_ud {
  pl_run *run;
} ctx_ud;

static pl_run *current_run(lua_State *L, const char *fn) {
  pl_run *run = pl_sandbox_of(L)->current_run;
  if (!run) luaL_error(L, "%s can only be used inside a handler, not while the script loads", fn);
  return run;
}

/* ---- handler registration ---- */

static void set_handler(lua_State *L, const char *key, int fn_idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS_KEY);
  lua_pushvalue(L, fn_idx);
  lua_setfield(L, -2, key);
  lua_pop(L, 1);
}

static bool id_ok(const char *s, size_t n, bool allow_colon) {
  if (n == 0 || n > PL_ID_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || (allow_colon && c == ':')))
      return false;
  }
  return true;
}

static int bot_command(lua_State *L) {
  size_t n;
  const char *name = luaL_checklstring(L, 1, &n);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  if (n == 0 || n > 32) return luaL_error(L, "bot.command: command names are 1-32 characters");
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)name[i]) && name[i] != '_')
      return luaL_error(L, "bot.command: \"%s\": use letters, digits and _ only (no slash)", name);
  lua_pushfstring(L, "command:%s", name);
  set_handler(L, lua_tostring(L, -1), 2);
  return 0;
}

static int bot_on(lua_State *L) {
  size_t n;
  const char *ev = luaL_checklstring(L, 1, &n);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  static const char *const plain[] = {"message", "start",     "button", "handback",
                                      "contact", "location",  "media",  "edit",
                                      "blocked", "unblocked", "status", NULL};
  bool ok = false;
  for (const char *const *k = plain; *k && !ok; k++)
    ok = !strcmp(ev, *k);
  /* "button:menu:*" handles every id starting with "menu:" (the longest prefix wins;
   * an exact "button:<id>" first): how library modules claim their ids. */
  size_t star = n && ev[n - 1] == '*' ? 1 : 0;
  if (!strncmp(ev, "button:", 7)) ok = id_ok(ev + 7, n - 7 - star, true);
  if (!strncmp(ev, "timer:", 6)) ok = id_ok(ev + 6, n - 6 - star, true);
  if (!strncmp(ev, "signal:", 7)) ok = id_ok(ev + 7, n - 7 - star, true);
  if (!ok)
    return luaL_error(
        L,
        "bot.on: unknown event \"%s\"; expected \"message\", \"start\", "
        "\"button\", \"button:<id>\", \"button:<prefix>*\", \"timer:<name>\", \"signal:<name>\", "
        "\"handback\", "
        "\"contact\", \"location\", "
        "\"media\", \"edit\", \"blocked\", \"unblocked\" or \"status\" (ids: 1-64 of "
        "A-Z a-z 0-9 _ - . :)",
        ev);
  set_handler(L, ev, 2);
  return 0;
}

static int bot_fallback(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  set_handler(L, "fallback", 1);
  return 0;
}

static int bot_migrate(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  set_handler(L, "migrate", 1);
  return 0;
}

/* ---- bot.store ---- */

static void kv_key(lua_State *L, pl_run *run, int idx, pl_key *k, const char **key, size_t *kl) {
  *key = luaL_checklstring(L, idx, kl);
  if (*kl == 0 || *kl > 256) luaL_error(L, "bot.store: keys are 1-256 bytes");
  pl_key_init(k, run->tenant_id);
  pl_key_bytes(k, *key, *kl);
}

/* The committed value of a key, as a new reference (NULL if absent); with `seen`, the
 * run remembers what it read (pl_store_sig) so the commit can check it is still so. */
static json_t *kv_committed(pl_run *run, const pl_key *k, const char *seen, size_t seen_len) {
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(run->store, &tx, &err)) return NULL;
  pl_bytes v;
  json_t *val = NULL;
  bool found = pl_store_get(tx, PL_T_KV, k->b, k->len, &v) == 0;
  if (found) val = json_loadb(v.data, v.len, JSON_DECODE_ANY, NULL);
  if (seen && run->reads && !json_object_getn(run->reads, seen, seen_len)) {
    char sig[24];
    pl_store_sig(found ? &v : NULL, sig);
    json_object_setn_new(run->reads, seen, seen_len, json_string(sig));
  }
  pl_store_read_end(tx);
  return val;
}

static json_t *num_add(const json_t *a, const json_t *d) {
  if (json_is_integer(a) && json_is_integer(d))
    return json_integer(json_integer_value(a) + json_integer_value(d));
  return json_real(json_number_value(a) + json_number_value(d));
}

/* Current value seen by this event: overlay over committed. New reference or NULL. A
 * get (not an incr, applied at commit whatever the value) remembers the committed one. */
static json_t *kv_current(pl_run *run, const char *key, size_t kl, const pl_key *k, bool get) {
  json_t *op = json_object_getn(run->kv, key, kl);
  const char *o = op ? json_string_value(json_object_get(op, "op")) : NULL;
  if (o && !strcmp(o, "put")) return json_incref(json_object_get(op, "v"));
  if (o && !strcmp(o, "del")) return NULL;
  json_t *base = kv_committed(run, k, get && !o ? key : NULL, kl);
  if (o && !strcmp(o, "incr")) {
    json_t *zero = json_integer(0);
    json_t *sum = num_add(json_is_number(base) ? base : zero, json_object_get(op, "d"));
    json_decref(zero);
    json_decref(base);
    return sum;
  }
  return base;
}

static int store_get(lua_State *L) {
  pl_run *run = current_run(L, "bot.store.get");
  pl_key k;
  const char *key;
  size_t kl;
  kv_key(L, run, 1, &k, &key, &kl);
  json_t *v = kv_current(run, key, kl, &k, true);
  pl_json_push(L, v);
  json_decref(v);
  return 1;
}

static void kv_set(pl_run *run, const char *key, size_t kl, json_t *op) {
  json_object_setn_new(run->kv, key, kl, op);
}

static int store_put(lua_State *L) {
  pl_run *run = current_run(L, "bot.store.put");
  pl_key k;
  const char *key;
  size_t kl;
  kv_key(L, run, 1, &k, &key, &kl);
  if (lua_isnoneornil(L, 2)) {
    kv_set(run, key, kl, json_pack("{s:s}", "op", "del"));
    return 0;
  }
  json_t *v;
  pl_err err;
  lua_pushfstring(L, "bot.store[\"%s\"]", key);
  if (pl_lua_to_json(L, 2, lua_tostring(L, -1), &v, &err)) return luaL_error(L, "%s", err.msg);
  kv_set(run, key, kl, json_pack("{s:s,s:o}", "op", "put", "v", v));
  return 0;
}

static int store_delete(lua_State *L) {
  pl_run *run = current_run(L, "bot.store.delete");
  pl_key k;
  const char *key;
  size_t kl;
  kv_key(L, run, 1, &k, &key, &kl);
  kv_set(run, key, kl, json_pack("{s:s}", "op", "del"));
  return 0;
}

static int store_incr(lua_State *L) {
  pl_run *run = current_run(L, "bot.store.incr");
  pl_key k;
  const char *key;
  size_t kl;
  kv_key(L, run, 1, &k, &key, &kl);
  json_t *d;
  if (lua_isnoneornil(L, 2))
    d = json_integer(1);
  else if (lua_isinteger(L, 2))
    d = json_integer(lua_tointeger(L, 2));
  else {
    lua_Number x = luaL_checknumber(L, 2);
    if (!isfinite(x)) return luaL_error(L, "bot.store.incr: the increment must be finite");
    d = json_real(x);
  }
  json_t *cur = kv_current(run, key, kl, &k, false);
  if (cur && !json_is_number(cur)) {
    json_decref(cur);
    json_decref(d);
    return luaL_error(L, "bot.store.incr: \"%s\" holds a non-number", key);
  }
  json_t *op = json_object_getn(run->kv, key, kl);
  const char *o = op ? json_string_value(json_object_get(op, "op")) : NULL;
  json_t *zero = json_integer(0);
  json_t *result = num_add(cur ? cur : zero, d);
  json_decref(zero);
  if (o && !strcmp(o, "incr")) {
    kv_set(run, key, kl,
           json_pack("{s:s,s:o}", "op", "incr", "d", num_add(json_object_get(op, "d"), d)));
  } else if (o) { /* put or del: the result is absolute */
    kv_set(run, key, kl, json_pack("{s:s,s:O}", "op", "put", "v", result));
  } else {
    kv_set(run, key, kl, json_pack("{s:s,s:O}", "op", "incr", "d", d));
  }
  json_decref(cur);
  json_decref(d);
  pl_json_push(L, result);
  json_decref(result);
  return 1;
}

typedef struct scan_acc {
  json_t *found; /* key -> value */
  size_t prefix_len, max;
} scan_acc;

static int scan_collect(void *ud, pl_bytes key, pl_bytes val) {
  scan_acc *a = ud;
  json_t *v = json_loadb(val.data, val.len, JSON_DECODE_ANY, NULL);
  if (v) json_object_setn_new(a->found, (const char *)key.data + 4, key.len - 4, v);
  return json_object_size(a->found) >= a->max;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int store_scan(lua_State *L) {
  pl_run *run = current_run(L, "bot.store.scan");
  size_t pl_;
  const char *prefix = luaL_optlstring(L, 1, "", &pl_);
  lua_Integer limit = luaL_optinteger(L, 2, 100);
  if (limit < 1 || limit > 1000) return luaL_error(L, "bot.store.scan: limit must be 1-1000");
  /* Paging: the keys after `after` (the last key of the previous page). */
  size_t al = 0;
  const char *after = luaL_optlstring(L, 3, NULL, &al);
  pl_key k, from;
  pl_key_init(&k, run->tenant_id);
  pl_key_bytes(&k, prefix, pl_);
  if (after) {
    pl_key_init(&from, run->tenant_id);
    pl_key_bytes(&from, after, al);
    pl_key_bytes(&from, "", 1); /* the first key greater than `after` */
    if (from.overflow) return luaL_error(L, "bot.store.scan: `after` is too long for a key");
  }
  scan_acc a = {json_object(), pl_, (size_t)limit + json_object_size(run->kv)};
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(run->store, &tx, &err) == 0) {
    pl_store_scan(tx, PL_T_KV, k.b, k.len, after ? from.b : NULL, after ? from.len : 0,
                  scan_collect, &a);
    pl_store_read_end(tx);
  }
  /* Apply this event's own writes. */
  const char *key;
  json_t *op;
  json_object_foreach(run->kv, key, op) {
    if (strncmp(key, prefix, pl_) != 0) continue;
    if (after && strcmp(key, after) <= 0) continue;
    pl_key kk;
    pl_key_init(&kk, run->tenant_id);
    pl_key_bytes(&kk, key, strlen(key));
    json_t *cur = kv_current(run, key, strlen(key), &kk, false);
    if (cur)
      json_object_set_new(a.found, key, cur);
    else
      json_object_del(a.found, key);
  }
  size_t n = json_object_size(a.found), i = 0;
  const char **keys = lua_newuserdatauv(L, (n ? n : 1) * sizeof *keys, 0);
  json_t *v;
  json_object_foreach(a.found, key, v) keys[i++] = key;
  qsort(keys, n, sizeof *keys, cmp_str);
  lua_createtable(L, (int)(n < (size_t)limit ? n : (size_t)limit), 0);
  for (i = 0; i < n && i < (size_t)limit; i++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, keys[i]);
    lua_setfield(L, -2, "key");
    pl_json_push(L, json_object_get(a.found, keys[i]));
    lua_setfield(L, -2, "value");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  json_decref(a.found);
  return 1;
}

/* ---- bot.history: a conversation's stored messages ---- */

typedef struct history_acc {
  json_t *all;
  size_t keep; /* only the last `keep` are kept */
} history_acc;

static int history_collect(void *ud, pl_bytes key, pl_bytes val) {
  history_acc *a = ud;
  json_t *e = json_loadb(val.data, val.len, 0, NULL);
  if (!e) return 0;
  json_array_append_new(a->all, e);
  if (json_array_size(a->all) > a->keep) json_array_remove(a->all, 0);
  return 0;
}

/* bot.history(address, limit): the last `limit` (default 50, at most 500) entries of a
 * conversation of this tenant, oldest first, as committed (this event's own are not in
 * it yet): {dir = "in"|"out"|"sys", kind, text, at = ms, ...}. For merging a customer's
 * chats (the identity module) and for summaries handed to people. */
static int bot_history(lua_State *L) {
  pl_run *run = current_run(L, "bot.history");
  size_t n;
  const char *address = luaL_checklstring(L, 1, &n);
  lua_Integer limit = luaL_optinteger(L, 2, 50);
  if (limit < 1 || limit > 500) return luaL_error(L, "bot.history: limit must be 1-500");
  if (!memchr(address, ':', n) || n > 500)
    return luaL_error(L, "bot.history: the address must be \"channel:chat id\" (ctx.chat.address)");
  pl_key k;
  pl_key_init(&k, run->tenant_id);
  pl_key_str0(&k, address);
  history_acc a = {json_array(), (size_t)limit};
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(run->store, &tx, &err) == 0) {
    pl_store_scan(tx, PL_T_HISTORY, k.b, k.len, NULL, 0, history_collect, &a);
    pl_store_read_end(tx);
  }
  pl_json_push(L, a.all);
  json_decref(a.all);
  return 1;
}

/* ---- bot.http and bot.json ---- */

static int http_request_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  return lua_gettop(L) - (int)ctx; /* what the runtime pushed when resuming */
}

/* bot.http.request{method, url, headers, body | json, timeout}: records the request in
 * the run and yields; the runtime performs it on the loop and resumes the handler with
 * (response) or (nil, error). */
static int http_request(lua_State *L) {
  pl_run *run = current_run(L, "bot.http.request");
  if (L != run->task.co)
    return luaL_error(L, "bot.http.request: call it from the handler itself, not from inside "
                         "a coroutine the script created");
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "url");
  const char *url = lua_tostring(L, -1);
  if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
    return luaL_error(L, "bot.http.request: url must be an http:// or https:// URL");
  json_t *req = json_pack("{s:s}", "url", url);
  lua_getfield(L, 1, "method");
  const char *method = luaL_optstring(L, -1, "GET");
  json_object_set_new(req, "method", json_string(method));
  lua_getfield(L, 1, "timeout");
  double timeout = luaL_optnumber(L, -1, 10);
  if (!(timeout > 0 && timeout <= 120)) {
    json_decref(req);
    return luaL_error(L, "bot.http.request: timeout must be 0-120 seconds");
  }
  json_object_set_new(req, "timeout_ms", json_integer((json_int_t)(timeout * 1000)));
  json_t *headers = json_object(); /* index: "name" -> "Name: value" */
  lua_getfield(L, 1, "headers");
  if (lua_istable(L, -1)) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
        const char *hn = lua_tostring(L, -2), *hv = lua_tostring(L, -1);
        if (strpbrk(hn, ":\r\n") || strpbrk(hv, "\r\n")) {
          json_decref(req);
          json_decref(headers);
          return luaL_error(L, "bot.http.request: header \"%s\" has a forbidden character", hn);
        }
        char low[128];
        snprintf(low, sizeof low, "%s", hn);
        for (char *p = low; *p; p++)
          *p = (char)tolower((unsigned char)*p);
        lua_pushfstring(L, "%s: %s", hn, hv);
        json_object_set_new(headers, low, json_string(lua_tostring(L, -1)));
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
  }
  lua_getfield(L, 1, "json");
  if (!lua_isnil(L, -1)) {
    json_t *body;
    pl_err err;
    if (pl_lua_to_json(L, -1, "bot.http.request json", &body, &err)) {
      json_decref(req);
      json_decref(headers);
      return luaL_error(L, "%s", err.msg);
    }
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    json_object_set_new(req, "body", json_string(text));
    free(text);
    if (!json_object_get(headers, "content-type"))
      json_object_set_new(headers, "content-type", json_string("Content-Type: application/json"));
  } else {
    lua_getfield(L, 1, "body");
    if (lua_type(L, -1) == LUA_TSTRING) {
      size_t bl;
      const char *b = lua_tolstring(L, -1, &bl);
      json_t *jb = json_stringn(b, bl);
      if (!jb) {
        json_decref(req);
        json_decref(headers);
        return luaL_error(L, "bot.http.request: body must be valid UTF-8 text");
      }
      json_object_set_new(req, "body", jb);
    }
  }
  json_object_set_new(req, "header_lines", headers);
  json_decref(run->http_req);
  run->http_req = req;
  int base = lua_gettop(L);
  return lua_yieldk(L, 0, (lua_KContext)base, http_request_k);
}

static int json_encode(lua_State *L) {
  json_t *j;
  pl_err err;
  if (pl_lua_to_json(L, 1, "bot.json.encode", &j, &err)) return luaL_error(L, "%s", err.msg);
  char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
  json_decref(j);
  lua_pushstring(L, text);
  free(text);
  return 1;
}

static int json_decode(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  json_error_t je;
  json_t *j = json_loadb(text, len, JSON_DECODE_ANY, &je);
  if (!j) {
    lua_pushnil(L);
    lua_pushfstring(L, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
    return 2;
  }
  pl_json_push(L, j);
  json_decref(j);
  return 1;
}

/* ---- bot.sign / bot.verify: payloads nobody can forge (QR codes, links) ---- */

#define SIG_CHARS 12 /* 72 bits of HMAC-SHA256, base64url: 12 characters */

static void signature(const unsigned char *key, const char *text, size_t n,
                      char sig[SIG_CHARS + 1]) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key, 32, (const unsigned char *)text, n, mac, &len);
  unsigned char b64[24];
  EVP_EncodeBlock(b64, mac, 9); /* 9 bytes: 12 characters, no padding */
  for (int i = 0; i < SIG_CHARS; i++)
    sig[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
  sig[SIG_CHARS] = 0;
}

static int bot_sign(lua_State *L) {
  pl_run *run = current_run(L, "bot.sign");
  size_t n;
  const char *text = luaL_checklstring(L, 1, &n);
  char sig[SIG_CHARS + 1];
  signature(run->sign_key, text, n, sig);
  lua_pushlstring(L, text, n);
  lua_pushliteral(L, "-");
  lua_pushstring(L, sig);
  lua_concat(L, 3);
  return 1;
}

static int bot_verify(lua_State *L) {
  pl_run *run = current_run(L, "bot.verify");
  size_t n;
  const char *signed_text = luaL_optlstring(L, 1, "", &n);
  if (n < SIG_CHARS + 1 || signed_text[n - SIG_CHARS - 1] != '-') {
    lua_pushnil(L);
    return 1;
  }
  size_t tn = n - SIG_CHARS - 1;
  char sig[SIG_CHARS + 1];
  signature(run->sign_key, signed_text, tn, sig);
  if (CRYPTO_memcmp(sig, signed_text + tn + 1, SIG_CHARS) != 0)
    lua_pushnil(L);
  else
    lua_pushlstring(L, signed_text, tn);
  return 1;
}

/* bot.text.fold(s): text for comparison (unicode.h). */
static int text_fold(lua_State *L) {
  size_t n, on;
  const char *s = luaL_checklstring(L, 1, &n);
  char *out;
  pl_err err;
  if (pl_text_fold(s, n, &out, &on, &err)) return luaL_error(L, "bot.text.fold: %s", err.msg);
  lua_pushlstring(L, out, on);
  free(out);
  return 1;
}

/* ---- ctx ---- */

static pl_run *ctx_run(lua_State *L, const char *method) {
  ctx_ud *u = luaL_checkudata(L, 1, CTX_META);
  if (!u->run || !u->run->alive)
    luaL_error(L,
               "ctx:%s: this ctx belongs to an event that has ended; keep conversation "
               "state in ctx.session and act in the handler of the current event",
               method);
  return u->run;
}

/* The (text, opts) arguments of ctx:reply / ctx:send at idx, idx + 1: opts as JSON (or
 * NULL); raises a Lua error naming the method. */
static json_t *message_args(lua_State *L, int idx, const char *method, const char **text,
                            size_t *len) {
  int ttype = lua_type(L, idx);
  *text = NULL;
  *len = 0;
  if (ttype == LUA_TSTRING || ttype == LUA_TNUMBER)
    *text = lua_tolstring(L, idx, len);
  else if (ttype != LUA_TNIL && ttype != LUA_TNONE)
    luaL_error(L,
               "ctx:%s: the text must be a string (nil only with opts.image and the like, or "
               "opts.cards)",
               method);
  json_t *opts = NULL;
  pl_err err;
  if (!lua_isnoneornil(L, idx + 1)) {
    if (lua_type(L, idx + 1) != LUA_TTABLE)
      luaL_error(L, "ctx:%s: the options (after the text) must be a table", method);
    if (pl_lua_to_json(L, idx + 1, "opts", &opts, &err))
      luaL_error(L, "ctx:%s: %s", method, err.msg);
  }
  return opts;
}

static int ctx_reply(lua_State *L) {
  pl_run *run = ctx_run(L, "reply");
  size_t len;
  const char *text;
  json_t *opts = message_args(L, 2, "reply", &text, &len);
  pl_err err;
  pl_reply_ctx c = {.channel = run->ev->channel,
                    .caps = run->caps,
                    .message_id = run->ev->message_id,
                    .now_ms = run->now_ms,
                    .last_inbound_ms = run->last_inbound_ms};
  json_t *msg;
  int rc = pl_reply_build(text, len, opts, &c, &msg, &err);
  json_decref(opts);
  if (rc) return luaL_error(L, "ctx:reply: %s", err.msg);
  json_array_append_new(run->replies, msg);
  return 0;
}

/* ---- other conversations: ctx:send, ctx:signal ---- */

#define OUTGOING_MAX 10000 /* per event: a broadcast to more goes in batches */

/* A conversation's address: "telegram:123", or a table {channel = ..., id = ...} (ctx.chat
 * is one). The channel must be one of the tenant's. Pushes nothing; strings stay valid
 * while the argument is on the stack. */
static void address(lua_State *L, int idx, pl_run *run, const char *method, const char **channel,
                    size_t *cl, const char **chat) {
  const char *c = NULL, *id = NULL;
  size_t n = 0;
  if (lua_type(L, idx) == LUA_TSTRING) {
    const char *a = lua_tostring(L, idx);
    const char *colon = strchr(a, ':');
    if (colon) {
      c = a;
      n = (size_t)(colon - a);
      id = colon + 1;
    }
  } else if (lua_type(L, idx) == LUA_TTABLE) {
    lua_getfield(L, idx, "channel");
    lua_getfield(L, idx, "id");
    if (lua_type(L, -2) == LUA_TSTRING) c = lua_tolstring(L, -2, &n);
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) id = lua_tostring(L, -1);
    lua_pop(L, 2); /* the table keeps the strings alive */
  }
  if (!c || !n || n >= 64 || !id || !*id || strlen(id) > 255)
    luaL_error(L,
               "ctx:%s: the address must be \"channel:chat id\" (ctx.chat.address) or a table "
               "{channel = ..., id = ...} (ctx.chat)",
               method);
  char name[64];
  memcpy(name, c, n);
  name[n] = 0;
  if (strcmp(name, "console") && !(run->channels && pl_channel_set_find(run->channels, name)))
    luaL_error(L, "ctx:%s: this tenant has no channel \"%s\" (see tenant.lua's channels)", method,
               name);
  *channel = c;
  *cl = n;
  *chat = id;
}

/* Raises the error before anything is allocated for one more outgoing event. */
static void outgoing_room(lua_State *L, pl_run *run, const char *method) {
  if (json_array_size(run->outgoing) >= OUTGOING_MAX)
    luaL_error(L,
               "ctx:%s: at most %d messages and signals to other conversations per event; send "
               "the rest from a timer or a signal to yourself (batches)",
               method, OUTGOING_MAX);
}

static json_t *outgoing_event(pl_run *run, const char *kind, const char *channel, size_t cl,
                              const char *chat) {
  if (!run->outgoing) run->outgoing = json_array();
  char from[600];
  snprintf(from, sizeof from, "%s:%s", run->ev->channel, run->ev->chat_id);
  return json_pack("{s:s,s:s%,s:s,s:{s:s}}", "kind", kind, "channel", channel, cl, "chat_id", chat,
                   "data", "from", from);
}

static int ctx_send(lua_State *L) {
  pl_run *run = ctx_run(L, "send");
  const char *channel, *chat;
  size_t cl;
  address(L, 2, run, "send", &channel, &cl, &chat);
  outgoing_room(L, run, "send");
  size_t len;
  const char *text;
  json_t *opts = message_args(L, 3, "send", &text, &len);
  pl_err err;
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)cl, channel);
  pl_channel_inst *ci = run->channels ? pl_channel_set_find(run->channels, name) : NULL;
  /* The window is checked when the message reaches its conversation (it knows when the
   * user last wrote); here, everything else. */
  pl_reply_ctx c = {
      .channel = name, .caps = ci ? ci->caps : NULL, .now_ms = 1, .last_inbound_ms = 1};
  json_t *msg;
  int rc = pl_reply_build(text, len, opts, &c, &msg, &err);
  json_decref(opts);
  if (rc) return luaL_error(L, "ctx:send: %s", err.msg);
  json_t *ev = outgoing_event(run, "send", channel, cl, chat);
  json_object_set_new(json_object_get(ev, "data"), "msg", msg);
  json_array_append_new(run->outgoing, ev);
  return 0;
}

static int ctx_signal(lua_State *L) {
  pl_run *run = ctx_run(L, "signal");
  const char *channel, *chat;
  size_t cl, nl;
  address(L, 2, run, "signal", &channel, &cl, &chat);
  outgoing_room(L, run, "signal");
  const char *name = luaL_checklstring(L, 3, &nl);
  if (!id_ok(name, nl, true))
    return luaL_error(L,
                      "ctx:signal: signal name \"%s\" must be 1-64 of A-Z a-z 0-9 _ - . :", name);
  json_t *data = NULL;
  pl_err err;
  if (!lua_isnoneornil(L, 4) && pl_lua_to_json(L, 4, "signal data", &data, &err))
    return luaL_error(L, "ctx:signal: %s", err.msg);
  json_t *ev = outgoing_event(run, "signal", channel, cl, chat);
  json_object_set_new(ev, "text", json_string(name));
  if (data) json_object_set_new(json_object_get(ev, "data"), "data", data);
  json_array_append_new(run->outgoing, ev);
  return 0;
}

static const char *timer_name(lua_State *L, int idx, const char *method) {
  size_t n;
  const char *name = luaL_checklstring(L, idx, &n);
  if (!id_ok(name, n, true))
    luaL_error(L, "ctx:%s: timer name \"%s\" must be 1-64 of A-Z a-z 0-9 _ - . :", method, name);
  return name;
}

static int ctx_remind_in(lua_State *L) {
  pl_run *run = ctx_run(L, "remind_in");
  int64_t ms;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    double s = lua_tonumber(L, 2);
    if (!(s > 0 && s < 10.0 * 366 * 86400))
      return luaL_error(L, "ctx:remind_in: %f seconds is not a valid delay", s);
    ms = (int64_t)llround(s * 1000);
    if (ms < 1) ms = 1;
  } else {
    pl_err err;
    if (pl_duration_parse(luaL_checkstring(L, 2), &ms, &err))
      return luaL_error(L, "ctx:remind_in: %s", err.msg);
  }
  const char *name = timer_name(L, 3, "remind_in");
  json_t *data = NULL;
  if (!lua_isnoneornil(L, 4)) {
    pl_err err;
    if (pl_lua_to_json(L, 4, "timer data", &data, &err))
      return luaL_error(L, "ctx:remind_in: %s", err.msg);
  }
  int64_t due = run->now_ms + ms;
  json_object_set_new(
      run->timers, name,
      json_pack("{s:I,s:o}", "due", (json_int_t)due, "data", data ? data : json_null()));
  lua_pushnumber(L, (lua_Number)due / 1000.0);
  return 1;
}

static int ctx_cancel(lua_State *L) {
  pl_run *run = ctx_run(L, "cancel");
  const char *name = timer_name(L, 2, "cancel");
  json_t *op = json_object_get(run->timers, name);
  bool pending;
  if (op)
    pending = !json_is_null(op);
  else {
    pl_key k;
    pl_key_init(&k, run->tenant_id);
    pl_key_str0(&k, run->conv_key);
    pl_key_bytes(&k, name, strlen(name));
    pl_bytes v;
    pl_txn *tx;
    pl_err err;
    pending = false;
    if (pl_store_read_begin(run->store, &tx, &err) == 0) {
      pending = pl_store_get(tx, PL_T_TIMER_IDX, k.b, k.len, &v) == 0;
      pl_store_read_end(tx);
    }
    /* The timer being handled right now is no longer pending. */
    if (pending && run->ev->kind == PL_EV_TIMER && !strcmp(run->ev->text, name)) pending = false;
  }
  json_object_set_new(run->timers, name, json_null());
  lua_pushboolean(L, pending);
  return 1;
}

/* ctx:handoff(reason): operators take over this conversation after this event; the bot's
 * handlers stop running for it until it is handed back. */
/* ctx:redact(): this event's content (the text, the button id, the shared data) is not
 * written to the conversation's history — for a secret ballot or a password. */
static int ctx_redact(lua_State *L) {
  pl_run *run = ctx_run(L, "redact");
  run->redact = true;
  return 0;
}

/* ctx:erase_history(): the conversation's stored history before this event is deleted
 * when this event commits — a user who asks to be forgotten (profile.forget). */
static int ctx_erase_history(lua_State *L) {
  pl_run *run = ctx_run(L, "erase_history");
  run->erase = true;
  return 0;
}

static int ctx_handoff(lua_State *L) {
  pl_run *run = ctx_run(L, "handoff");
  const char *reason = luaL_optstring(L, 2, "handed to an operator");
  free(run->handoff);
  run->handoff = strdup(reason);
  return 0;
}

/* ctx.channel: the channel's name and what it can show (its plugin's describe()), with
 * media as a set ({image = true, ...}) and window_open for channels with a reply window.
 * The console shows everything (as text), so scripts take their richest path there. */
static void push_channel(lua_State *L, pl_run *run) {
  static const char *const all_media[] = {"image", "video", "audio", "document", NULL};
  const json_t *caps = run->caps;
  bool console = !strcmp(run->ev->channel, "console");
  lua_createtable(L, 0, 12);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)caps, k, v) {
    if (!strcmp(k, "media")) continue;
    pl_json_push(L, v);
    lua_setfield(L, -2, k);
  }
  lua_newtable(L);
  for (const char *const *m = all_media; *m; m++) {
    bool has = console;
    size_t i;
    json_array_foreach(json_object_get(caps, "media"), i, v) has |=
        json_is_string(v) && !strcmp(json_string_value(v), *m);
    lua_pushboolean(L, has);
    lua_setfield(L, -2, *m);
  }
  lua_setfield(L, -2, "media");
  if (console) {
    static const char *const yes[] = {"url_buttons", "quick_replies", "cards", "edit", NULL};
    for (const char *const *y = yes; *y; y++) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, *y);
    }
    lua_pushinteger(L, 100);
    lua_setfield(L, -2, "buttons");
  }
  pl_reply_ctx c = {.caps = caps, .now_ms = run->now_ms, .last_inbound_ms = run->last_inbound_ms};
  if (json_object_get(caps, "window_hours")) {
    lua_pushboolean(L, pl_reply_window_open(&c));
    lua_setfield(L, -2, "window_open");
  }
  lua_pushstring(L, run->ev->channel);
  lua_setfield(L, -2, "name");
}

static int ctx_index(lua_State *L) {
  ctx_ud *u = luaL_checkudata(L, 1, CTX_META);
  const char *k = lua_tostring(L, 2);
  if (k && !strcmp(k, "now")) {
    lua_pushnumber(L, u->run ? (lua_Number)u->run->now_ms / 1000.0 : 0);
    return 1;
  }
  if (k && !strcmp(k, "channel") && u->run) { /* made on first use: most handlers never ask */
    lua_getiuservalue(L, 1, 1);
    if (lua_getfield(L, -1, "channel") == LUA_TNIL) {
      lua_pop(L, 1);
      push_channel(L, u->run);
      lua_pushvalue(L, -1);
      lua_setfield(L, -3, "channel");
    }
    return 1;
  }
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  if (lua_rawget(L, -2) != LUA_TNIL) return 1;
  lua_getiuservalue(L, 1, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

static int ctx_newindex(lua_State *L) {
  const char *k = lua_tostring(L, 2);
  if (k && !strcmp(k, "session")) {
    if (lua_type(L, 3) != LUA_TTABLE) return luaL_error(L, "ctx.session must be a table");
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "session");
    return 0;
  }
  return luaL_error(L, "ctx.%s is read-only; keep conversation data in ctx.session", k ? k : "?");
}

static void push_ctx_meta(lua_State *L) {
  if (luaL_newmetatable(L, CTX_META)) {
    lua_newtable(L);
    static const luaL_Reg methods[] = {{"reply", ctx_reply},
                                       {"remind_in", ctx_remind_in},
                                       {"cancel", ctx_cancel},
                                       {"handoff", ctx_handoff},
                                       {"send", ctx_send},
                                       {"redact", ctx_redact},
                                       {"erase_history", ctx_erase_history},
                                       {"signal", ctx_signal},
                                       {NULL, NULL}};
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "methods");
    lua_pushcfunction(L, ctx_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ctx_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "ctx");
    lua_setfield(L, -2, "__metatable");
  }
}

void pl_api_install(pl_sandbox *sb) {
  lua_State *L = sb->L;
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, HANDLERS_KEY);
  push_ctx_meta(L);
  lua_pop(L, 1);
  lua_newtable(L);
  static const luaL_Reg bot[] = {{"command", bot_command},
                                 {"on", bot_on},
                                 {"fallback", bot_fallback},
                                 {"migrate", bot_migrate},
                                 {"log", pl_sandbox_print},
                                 {"sign", bot_sign},
                                 {"verify", bot_verify},
                                 {"history", bot_history},
                                 {NULL, NULL}};
  luaL_setfuncs(L, bot, 0);
  lua_newtable(L);
  lua_pushcfunction(L, text_fold);
  lua_setfield(L, -2, "fold");
  lua_setfield(L, -2, "text");
  lua_newtable(L);
  static const luaL_Reg store[] = {{"get", store_get},       {"put", store_put},
                                   {"delete", store_delete}, {"incr", store_incr},
                                   {"scan", store_scan},     {NULL, NULL}};
  luaL_setfuncs(L, store, 0);
  lua_setfield(L, -2, "store");
  lua_newtable(L);
  lua_pushcfunction(L, http_request);
  lua_setfield(L, -2, "request");
  lua_setfield(L, -2, "http");
  lua_newtable(L);
  lua_pushcfunction(L, json_encode);
  lua_setfield(L, -2, "encode");
  lua_pushcfunction(L, json_decode);
  lua_setfield(L, -2, "decode");
  lua_setfield(L, -2, "json");
  lua_setglobal(L, "bot");
}

void pl_api_set_version(pl_sandbox *sb, const char *version) {
  lua_getglobal(sb->L, "bot");
  if (lua_istable(sb->L, -1)) {
    lua_pushstring(sb->L, version);
    lua_setfield(sb->L, -2, "version");
  }
  lua_pop(sb->L, 1);
}

/* ---- running an event ---- */

static void push_ctx(lua_State *L, pl_run *run) {
  ctx_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
  u->run = run;
  luaL_setmetatable(L, CTX_META);
  lua_createtable(L, 0, 4);
  pl_json_push(L, run->session_in);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
  }
  lua_setfield(L, -2, "session");
  pl_json_push(L, run->user);
  lua_setfield(L, -2, "user");
  lua_createtable(L, 0, 2);
  lua_pushstring(L, run->ev->chat_id);
  lua_setfield(L, -2, "id");
  lua_pushstring(L, run->ev->channel);
  lua_setfield(L, -2, "channel");
  lua_pushfstring(L, "%s:%s", run->ev->channel, run->ev->chat_id);
  lua_setfield(L, -2, "address");
  lua_setfield(L, -2, "chat");
  lua_setiuservalue(L, -2, 1); /* ctx.channel is made when first read (ctx_index) */
}

static void set_event_info(lua_State *L, int ctx, pl_run *run, const char *kind, const char *name) {
  lua_getiuservalue(L, ctx, 1);
  lua_createtable(L, 0, 6);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, run->text);
  lua_setfield(L, -2, run->kind == PL_EV_TIMER || run->kind == PL_EV_SIGNAL ? "name" : "text");
  if (run->kind == PL_EV_SIGNAL) {
    lua_pushstring(L, json_string_value(json_object_get(run->ev->data, "from")));
    lua_setfield(L, -2, "from");
  }
  if (name) {
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
  }
  if (run->kind == PL_EV_TIMER) {
    int64_t delay = run->now_ms - run->ev->due_ms;
    lua_pushboolean(L, delay > PL_LATE_MS);
    lua_setfield(L, -2, "late");
    lua_pushinteger(L, run->ev->due_ms);
    lua_setfield(L, -2, "due");
    lua_pushinteger(L, delay);
    lua_setfield(L, -2, "delay");
  }
  lua_setfield(L, -2, "event");
  lua_pop(L, 1);
}

/* Pushes the handler of "<kind>:<name>" from the handlers table at h: the exact one, else
 * the one of the longest "<kind>:<prefix>*" that name starts with. False (nothing pushed)
 * if none. */
static bool push_handler(lua_State *L, int h, const char *kind, const char *name) {
  lua_pushfstring(L, "%s:%s", kind, name);
  if (lua_rawget(L, h) == LUA_TFUNCTION) return true;
  lua_pop(L, 1);
  size_t kl = strlen(kind), best = 0;
  lua_pushnil(L); /* the best so far (a function) */
  lua_pushnil(L);
  while (lua_next(L, h)) {
    size_t n;
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &n) : NULL;
    if (key && n > kl + 2 && key[n - 1] == '*' && key[kl] == ':' && !strncmp(key, kind, kl) &&
        n - kl - 2 > best && !strncmp(name, key + kl + 1, n - kl - 2) &&
        lua_type(L, -1) == LUA_TFUNCTION) {
      best = n - kl - 2;
      lua_replace(L, -3);
    } else {
      lua_pop(L, 1);
    }
  }
  if (best) return true;
  lua_pop(L, 1);
  return false;
}

/* Pushes the handler for the run and its argument; returns the event kind name or NULL. */
static const char *route(lua_State *L, pl_run *run, const char **name) {
  lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS_KEY);
  int h = lua_gettop(L);
  const char *kind = NULL;
  *name = NULL;
  if (run->kind == PL_EV_TEXT && run->text[0] == '/') {
    const char *p = run->text + 1;
    size_t n = strcspn(p, " @\n");
    const char *args = p + n;
    if (*args == '@') args += strcspn(args, " \n");
    while (*args == ' ' || *args == '\n')
      args++;
    lua_pushlstring(L, p, n);
    *name = lua_tostring(L, -1);
    lua_replace(L, h); /* keep the name alive in the handlers slot */
    lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS_KEY);
    h = lua_gettop(L);
    bool is_start = !strcmp(*name, "start");
    if (is_start && lua_getfield(L, h, "start") == LUA_TFUNCTION) {
      kind = "start";
      if (*args)
        lua_pushstring(L, args);
      else
        lua_pushnil(L);
    } else {
      if (is_start) lua_pop(L, 1);
      lua_pushfstring(L, "command:%s", *name);
      if (lua_rawget(L, h) == LUA_TFUNCTION) {
        kind = is_start ? "start" : "command";
        lua_pushstring(L, args);
      } else
        lua_pop(L, 1);
    }
  } else if (run->kind == PL_EV_TEXT) {
    if (lua_getfield(L, h, "message") == LUA_TFUNCTION) {
      kind = "message";
      lua_pushstring(L, run->text);
    } else
      lua_pop(L, 1);
  } else if (run->kind == PL_EV_BUTTON) {
    if (push_handler(L, h, "button", run->text) || lua_getfield(L, h, "button") == LUA_TFUNCTION) {
      kind = "button";
      lua_pushstring(L, run->text);
    } else
      lua_pop(L, 1);
  } else if (run->kind == PL_EV_DATA) {
    /* contact, location, media, edit, blocked, unblocked, status: bot.on(<kind>) */
    if (lua_getfield(L, h, run->text) == LUA_TFUNCTION) {
      kind = run->text;
      pl_json_push(L, run->ev->data);
    } else {
      lua_pop(L, 2);
      return NULL; /* nobody listens: fine, it is in the history */
    }
  } else if (run->kind == PL_EV_SIGNAL) {
    if (push_handler(L, h, "signal", run->text)) {
      kind = "signal";
      pl_json_push(L, json_object_get(run->ev->data, "data"));
    } else {
      lua_pop(L, 1);
      return NULL; /* nobody listens here */
    }
  } else if (run->kind == PL_EV_HANDBACK) {
    if (lua_getfield(L, h, "handback") == LUA_TFUNCTION) {
      kind = "handback";
      lua_pushstring(L, run->text ? run->text : "");
    } else {
      lua_pop(L, 2);
      return NULL; /* no fallback for a hand-back: nothing to say is fine */
    }
  } else {
    if (push_handler(L, h, "timer", run->text)) {
      kind = "timer";
      pl_json_push(L, run->ev->data);
    }
  }
  if (!kind) {
    if (lua_getfield(L, h, "fallback") == LUA_TFUNCTION) {
      kind = run->kind == PL_EV_BUTTON  ? "button"
             : run->kind == PL_EV_TIMER ? "timer"
             : run->text[0] == '/'      ? "command"
                                        : "message";
      lua_pushstring(L, run->text);
    } else {
      lua_pop(L, 2); /* nil, handlers */
      return NULL;
    }
  }
  lua_remove(L, h); /* handlers (or the command name, still referenced by *name) */
  return kind;
}

/* After the handler: the session to save. Releases ctx. */
static int finish_run(pl_sandbox *sb, pl_run *run, int rc, pl_err *err) {
  lua_State *L = sb->L;
  if (rc == 0) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, run->ctx_ref);
    lua_getiuservalue(L, -1, 1);
    lua_getfield(L, -1, "session");
    rc = pl_lua_to_json(L, -1, "ctx.session", &run->session_out, err);
    if (rc) rc = PL_ESCRIPT;
    lua_pop(L, 3);
  }
  luaL_unref(L, LUA_REGISTRYINDEX, run->ctx_ref);
  run->ctx_ref = LUA_NOREF;
  pl_sandbox_task_release(sb, &run->task);
  run->alive = false;
  sb->current_run = NULL;
  return rc;
}

int pl_api_start(pl_sandbox *sb, const char *version, pl_run *run, pl_err *err) {
  lua_State *L = sb->L;
  int top = lua_gettop(L);
  run->alive = true;
  run->task.ref = LUA_NOREF;
  sb->current_run = run;
  push_ctx(L, run);
  int ctx = lua_gettop(L);
  lua_pushvalue(L, ctx);
  run->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  int rc = 0;

  /* An older code version saved this session: let the script upgrade it first. */
  if (run->session_version && strcmp(run->session_version, version) != 0 &&
      json_object_size(run->session_in) > 0) {
    lua_getfield(L, LUA_REGISTRYINDEX, HANDLERS_KEY);
    if (lua_getfield(L, -1, "migrate") == LUA_TFUNCTION) {
      lua_remove(L, -2);
      lua_getiuservalue(L, ctx, 1);
      lua_getfield(L, -1, "session");
      lua_remove(L, -2);
      int sess = lua_gettop(L);
      lua_pushvalue(L, sess);
      lua_insert(L, sess - 1); /* keep a reference below the call */
      lua_pushstring(L, run->session_version);
      lua_pushvalue(L, ctx);
      rc = pl_sandbox_run(sb, 3, 1, err);
      if (rc == 0) {
        if (lua_istable(L, -1)) {
          lua_getiuservalue(L, ctx, 1);
          lua_pushvalue(L, -2);
          lua_setfield(L, -2, "session");
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1); /* the kept session */
    } else
      lua_pop(L, 2);
  }

  const char *name = NULL;
  const char *kind = rc ? NULL : route(L, run, &name);
  if (kind) {
    set_event_info(L, ctx, run, kind, name);
    lua_pushvalue(L, ctx);
    lua_insert(L, -2); /* fn, ctx, arg */
    run->handled = true;
    run->task.preemptible = true;
    rc = pl_sandbox_task_start(sb, &run->task, 2, err);
  }
  lua_settop(L, top);
  if (rc == PL_PENDING) {
    sb->current_run = NULL;
    return rc;
  }
  return finish_run(sb, run, rc, err);
}

int pl_api_resume(pl_sandbox *sb, pl_run *run, int nargs, pl_err *err) {
  sb->current_run = run;
  int rc = pl_sandbox_task_resume(sb, &run->task, nargs, err);
  if (rc == PL_PENDING) {
    sb->current_run = NULL;
    return rc;
  }
  return finish_run(sb, run, rc, err);
}

void pl_api_abandon(pl_sandbox *sb, pl_run *run) {
  if (run->ctx_ref != LUA_NOREF && run->ctx_ref != 0)
    luaL_unref(sb->L, LUA_REGISTRYINDEX, run->ctx_ref);
  run->ctx_ref = LUA_NOREF;
  pl_sandbox_task_release(sb, &run->task);
  run->alive = false;
}

int pl_api_run(pl_sandbox *sb, const char *version, pl_run *run, pl_err *err) {
  int rc = pl_api_start(sb, version, run, err);
  if (rc == PL_PENDING) {
    pl_api_abandon(sb, run);
    return pl_err_set(err, PL_ESCRIPT,
                      "this handler waits (bot.http.request) where waiting is "
                      "not possible");
  }
  return rc;
}
