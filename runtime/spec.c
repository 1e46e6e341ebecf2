/* `parley test`: scenario specs. A spec file is Lua run in a host state (it is the
 * integrator's own test code, not tenant code); each scenario drives the real runtime —
 * same dispatch, store and timers as `parley serve` — on a fresh temporary store with a
 * simulated clock, so `advance("24h")` fires a day's timers in microseconds. */
#include <dirent.h>
#include <ftw.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "channels.h"
#include "cli.h"
#include "duration.h"
#include "lua_json.h"
#include "reply.h"
#include "runtime.h"

#define SPEC_KEY "parley.spec"

typedef struct spec {
  const char *tenant_dir;
  char data_dir[64];
  pl_runtime *rt;
  pl_tenant *t;
  json_t *inbox;      /* user -> array of replies */
  json_t *transcript; /* array of lines */
  json_t *log;        /* the tenant's log lines in this scenario */
  json_t *langs;      /* user -> the language their channel reports (user(name, {language})) */
  json_t *chans;      /* user -> their channel (user(name, {channel})), else "console" */
  json_t *sent;       /* user -> [{id, choices}]: the replies that had choices, oldest first */
  int64_t msg_seq;    /* the ids of replies, for presses on a given message */
  int64_t sim_ms;
} spec;

static const char test_usage[] =
    "usage: parley test DIR|SPEC...\n"
    "\n"
    "Run scenario specs: DIR/tests/*_spec.lua for a tenant folder, or the given spec files\n"
    "(their tenant is the folder above tests/). Prints one line per scenario and a final\n"
    "\"N passed, N failed\"; exit 1 if any failed.\n";

static void note(spec *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(spec *s, const char *fmt, ...) {
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  json_array_append_new(s->transcript, json_string(line));
}

/* The channel a user writes from: user(name, {channel = ...}), else the console. */
static const char *user_channel(spec *s, const char *name) {
  const char *c = json_string_value(json_object_get(s->chans, name));
  return c ? c : "console";
}

/* The language a user's channel reports: user(name, {language = ...}), else the
 * tenant's locale. */
static const char *user_lang(spec *s, const char *name) {
  const char *l = json_string_value(json_object_get(s->langs, name));
  return l ? l : s->t->code->cfg.locale;
}

static spec *get_spec(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, SPEC_KEY);
  spec *s = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!s || !s->rt) luaL_error(L, "this call is only valid inside a scenario");
  return s;
}

static void on_log(void *ud, const char *tenant, const char *line) {
  spec *s = ud;
  if (s->log) json_array_append_new(s->log, json_string(line));
  note(ud, "  [log] %s", line);
}

static void on_deliver(void *ud, pl_tenant *t, const char *channel, const char *chat_id,
                       const json_t *user, const json_t *reply) {
  spec *s = ud;
  json_t *box = json_object_get(s->inbox, chat_id);
  if (!box) {
    box = json_array();
    json_object_set_new(s->inbox, chat_id, box);
  }
  /* Each reply gets an id, as a channel's message id: a press carries the id of the
   * message its button was on, so `edit = true` can change that message. */
  json_t *copy = json_deep_copy(reply);
  char id[32];
  snprintf(id, sizeof id, "%lld", (long long)++s->msg_seq);
  json_object_set_new(copy, "id", json_string(id));
  json_array_append_new(box, copy);
  json_t *choices = pl_reply_choices(reply);
  if (json_array_size(choices)) {
    json_t *mine = json_object_get(s->sent, chat_id);
    if (!mine) {
      mine = json_array();
      json_object_set_new(s->sent, chat_id, mine);
    }
    json_array_append_new(mine, json_pack("{s:s,s:O}", "id", id, "choices", choices));
  }
  json_decref(choices);
  char *flat = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&flat, &len);
  pl_reply_print(m, reply, "");
  fclose(m);
  for (char *nl = strchr(flat, '\n'); nl && nl[1]; nl = strchr(nl, '\n'))
    *nl = ' ';
  if (len && flat[len - 1] == '\n') flat[len - 1] = 0;
  note(s, "  bot -> %s: %s", chat_id, flat);
  free(flat);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f) {
  return remove(p);
}

static int spec_start(spec *s, pl_err *err) {
  pl_store_opts o = {.no_sync = true, .map_size = (size_t)8 << 20};
  int rc = pl_runtime_open(&s->rt, s->data_dir, &o, err);
  if (rc) return rc;
  s->rt->clock.simulated = true;
  s->rt->clock.sim_ms = s->sim_ms;
  s->rt->log.write = on_log;
  s->rt->log.ud = s;
  s->rt->deliver = on_deliver;
  s->rt->deliver_ud = s;
  rc = pl_runtime_add_tenant(s->rt, s->tenant_dir, &s->t, err);
  if (rc) {
    pl_runtime_close(s->rt);
    s->rt = NULL;
  }
  return rc;
}

static void spec_stop(spec *s) {
  if (!s->rt) return;
  s->sim_ms = s->rt->clock.sim_ms;
  pl_runtime_close(s->rt);
  s->rt = NULL;
  s->t = NULL;
}

/* ---- users ---- */

static const char *user_name(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "name");
  const char *n = lua_tostring(L, -1);
  if (!n) luaL_error(L, "call user methods with a colon: u:send(...)");
  lua_pop(L, 1); /* still referenced by the user table */
  return n;
}

static void clear_inbox(spec *s, const char *name) {
  json_object_set_new(s->inbox, name, json_array());
}

static void dispatch(lua_State *L, spec *s, const pl_event *ev) {
  pl_err err;
  if (pl_dispatch(s->rt, s->t, ev, &err)) luaL_error(L, "runtime failure: %s", err.msg);
}

static int u_send(lua_State *L) {
  spec *s = get_spec(L);
  const char *name = user_name(L);
  const char *text = luaL_checkstring(L, 2);
  clear_inbox(s, name);
  note(s, "%s> %s", name, text);
  pl_event ev = {.kind = PL_EV_TEXT,
                 .channel = user_channel(s, name),
                 .chat_id = name,
                 .user_id = name,
                 .user_name = name,
                 .user_lang = user_lang(s, name),
                 .text = text};
  dispatch(L, s, &ev);
  return 0;
}

static json_t *stored_record(spec *s, const char *name) {
  return pl_conv_record(s->rt, s->t, user_channel(s, name), name);
}

/* The message a press is on: the latest reply with a choice matching `what` (label,
 * case-insensitively, or id), or the reply with id `msg`. NULL if none. */
static const json_t *find_choice(spec *s, const char *name, const char *what, const char *msg,
                                 const char **msg_id) {
  json_t *mine = json_object_get(s->sent, name);
  for (size_t k = json_array_size(mine); k-- > 0;) {
    json_t *m = json_array_get(mine, k);
    const char *mid = json_string_value(json_object_get(m, "id"));
    if (msg && strcmp(mid, msg)) continue;
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(m, "choices"), i, b) {
      const char *label = json_string_value(json_object_get(b, "label"));
      const char *bid = json_string_value(json_object_get(b, "id"));
      if (!strcasecmp(label, what) || !strcmp(bid, what)) {
        *msg_id = mid;
        return b;
      }
    }
    return NULL; /* only the latest message with choices, or the one named */
  }
  return NULL;
}

static int u_press(lua_State *L) {
  spec *s = get_spec(L);
  const char *name = user_name(L);
  const char *what = luaL_checkstring(L, 2);
  const char *msg = NULL;
  if (lua_type(L, 3) == LUA_TTABLE) {
    lua_getfield(L, 3, "message");
    msg = lua_tostring(L, -1); /* u:replies()[i].id: a button of that (older) message */
    lua_pop(L, 1);             /* the options table keeps it */
  }
  const char *mid = NULL;
  const json_t *b = find_choice(s, name, what, msg, &mid);
  json_t *rec = stored_record(s, name);
  json_t *buttons = json_object_get(rec, "buttons");
  if (!b && !msg) { /* the conversation's current choices (e.g. after a restart) */
    size_t i;
    json_t *c;
    json_array_foreach(buttons, i, c) {
      const char *label = json_string_value(json_object_get(c, "label"));
      if (!strcasecmp(label, what) || !strcmp(json_string_value(json_object_get(c, "id")), what)) {
        b = c;
        break;
      }
    }
  }
  if (!b) {
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    size_t i;
    json_t *c;
    json_array_foreach(buttons, i, c) {
      if (i) luaL_addstring(&buf, ", ");
      luaL_addstring(&buf, json_string_value(json_object_get(c, "label")));
    }
    luaL_pushresult(&buf);
    luaL_where(L, 1);
    lua_pushfstring(L, "%s%s:press(\"%s\"%s%s): no such button; the buttons shown are: %s",
                    lua_tostring(L, -1), name, what, msg ? ", message " : "", msg ? msg : "",
                    json_array_size(buttons) ? lua_tostring(L, -2) : "(none)");
    json_decref(rec);
    return lua_error(L);
  }
  char idcopy[80], midcopy[32] = "";
  snprintf(idcopy, sizeof idcopy, "%s", json_string_value(json_object_get(b, "id")));
  if (mid) snprintf(midcopy, sizeof midcopy, "%s", mid);
  json_decref(rec);
  clear_inbox(s, name);
  note(s, "%s> [press %s]", name, what);
  pl_event ev = {.kind = PL_EV_BUTTON,
                 .channel = user_channel(s, name),
                 .chat_id = name,
                 .user_id = name,
                 .user_name = name,
                 .user_lang = user_lang(s, name),
                 .text = idcopy,
                 .message_id = mid ? midcopy : NULL};
  dispatch(L, s, &ev);
  return 0;
}

/* u:event(kind, data): what a channel reports besides text — a shared contact or
 * location, media, an edit, blocked / unblocked, a delivery status. */
static int u_event(lua_State *L) {
  spec *s = get_spec(L);
  const char *name = user_name(L);
  const char *kind = luaL_checkstring(L, 2);
  static const char *const kinds[] = {"contact", "location",  "media",  "edit",
                                      "blocked", "unblocked", "status", NULL};
  const char *const *k = kinds;
  while (*k && strcmp(*k, kind))
    k++;
  if (!*k)
    return luaL_error(L,
                      "%s:event(\"%s\"): kind must be contact, location, media, edit, "
                      "blocked, unblocked or status",
                      name, kind);
  json_t *data = NULL;
  pl_err err;
  if (!lua_isnoneornil(L, 3) && pl_lua_to_json(L, 3, "data", &data, &err))
    return luaL_error(L, "%s:event: %s", name, err.msg);
  if (!data) data = json_object();
  clear_inbox(s, name);
  note(s, "%s> [%s]", name, kind);
  pl_event ev = {.kind = PL_EV_DATA,
                 .channel = user_channel(s, name),
                 .chat_id = name,
                 .user_id = name,
                 .user_name = name,
                 .user_lang = user_lang(s, name),
                 .text = kind,
                 .data = data};
  pl_err derr;
  int rc = pl_dispatch(s->rt, s->t, &ev, &derr);
  json_decref(data);
  if (rc) return luaL_error(L, "runtime failure: %s", derr.msg);
  return 0;
}

/* Operator actions on the user's conversation, as the admin routes make them:
 * u:handoff(reason), u:operator(text, name), u:handback(note). */
static int operator_action(lua_State *L, pl_event_kind kind, const char *what) {
  spec *s = get_spec(L);
  const char *name = user_name(L);
  const char *text = luaL_optstring(L, 2, kind == PL_EV_OPERATOR ? NULL : "");
  if (!text) return luaL_error(L, "%s:operator(text): the operator's message is missing", name);
  note(s, "-- operator: %s %s", what, text);
  pl_event ev = {.kind = kind,
                 .channel = user_channel(s, name),
                 .chat_id = name,
                 .user_name = luaL_optstring(L, 3, "operator"),
                 .text = text};
  dispatch(L, s, &ev);
  return 0;
}

static int u_handoff(lua_State *L) {
  return operator_action(L, PL_EV_HANDOFF, "handoff");
}

static int u_operator(lua_State *L) {
  return operator_action(L, PL_EV_OPERATOR, "says");
}

static int u_handback(lua_State *L) {
  return operator_action(L, PL_EV_HANDBACK, "handback");
}

static bool reply_matches(lua_State *L, const json_t *r, int crit) {
  const char *text = json_string_value(json_object_get(r, "text"));
  if (!text) text = "";
  lua_getfield(L, crit, "text");
  if (lua_isstring(L, -1) && strcmp(text, lua_tostring(L, -1))) goto no;
  lua_pop(L, 1);
  lua_getfield(L, crit, "contains");
  if (lua_isstring(L, -1) && !strstr(text, lua_tostring(L, -1))) goto no;
  lua_pop(L, 1);
  lua_getfield(L, crit, "match");
  if (lua_isstring(L, -1)) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "string");
    lua_getfield(L, -1, "find");
    lua_pushstring(L, text);
    lua_pushvalue(L, -5);
    lua_call(L, 2, 1);
    bool found = !lua_isnil(L, -1);
    lua_pop(L, 3);
    if (!found) goto no;
  }
  lua_pop(L, 1);
  lua_getfield(L, crit, "buttons");
  if (lua_istable(L, -1)) {
    size_t n = 0, i;
    json_t *b;
    bool ok = true;
    json_t *choices = pl_reply_choices(r);
    json_array_foreach(choices, i, b) {
      n++;
      lua_rawgeti(L, -1, (lua_Integer)n);
      const char *want = lua_tostring(L, -1);
      if (!want || strcmp(want, json_string_value(json_object_get(b, "label")))) ok = false;
      lua_pop(L, 1);
    }
    json_decref(choices);
    if (!ok || n != (size_t)luaL_len(L, -1)) goto no;
  }
  lua_pop(L, 1);
  return true;
no:
  lua_pop(L, 1);
  return false;
}

static void describe(lua_State *L, luaL_Buffer *b, const json_t *box) {
  size_t i, j;
  json_t *r, *btn;
  if (!json_array_size(box)) luaL_addstring(b, "\n      (no reply)");
  json_array_foreach(box, i, r) {
    luaL_addstring(b, "\n      ");
    const char *text = json_string_value(json_object_get(r, "text"));
    luaL_addstring(b, text ? text : "");
    json_t *choices = pl_reply_choices(r);
    json_array_foreach(choices, j, btn) {
      luaL_addstring(b, " [");
      luaL_addstring(b, json_string_value(json_object_get(btn, "label")));
      luaL_addstring(b, "]");
    }
    json_decref(choices);
  }
}

static int u_expect(lua_State *L) {
  spec *s = get_spec(L);
  const char *name = user_name(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  json_t *box = json_object_get(s->inbox, name);
  size_t n = json_array_size(box);
  lua_getfield(L, 2, "none");
  bool none = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (none) {
    if (n == 0) return 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    describe(L, &b, box);
    luaL_pushresult(&b);
    return luaL_error(L, "%s:expect{ none = true }: but %d repl%s pending:%s", name, (int)n,
                      n == 1 ? "y is" : "ies are", lua_tostring(L, -1));
  }
  for (size_t i = 0; i < n; i++) {
    json_t *r = json_array_get(box, i);
    if (reply_matches(L, r, 2)) {
      pl_json_push(L, r);
      json_t *rest = json_array();
      for (size_t j = i + 1; j < n; j++)
        json_array_append(rest, json_array_get(box, j));
      json_object_set_new(s->inbox, name, rest);
      return 1;
    }
  }
  lua_getglobal(L, "tostring");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  const char *keys[] = {"text", "contains", "match", NULL};
  for (const char **k = keys; *k; k++) {
    lua_getfield(L, 2, *k);
    if (lua_isstring(L, -1)) {
      lua_pushfstring(L, " %s=\"%s\"", *k, lua_tostring(L, -1));
      luaL_addvalue(&b);
    }
    lua_pop(L, 1);
  }
  lua_getfield(L, 2, "buttons");
  if (lua_istable(L, -1)) {
    luaL_addstring(&b, " buttons={");
    for (lua_Integer i = 1; i <= luaL_len(L, -1); i++) {
      lua_rawgeti(L, -1, i);
      lua_pushfstring(L, "%s\"%s\"", i > 1 ? ", " : "", lua_tostring(L, -1));
      lua_remove(L, -2);
      luaL_addvalue(&b);
    }
    luaL_addstring(&b, "}");
  }
  lua_pop(L, 1);
  luaL_addstring(&b, "\n    pending replies to ");
  luaL_addstring(&b, name);
  luaL_addstring(&b, ":");
  describe(L, &b, box);
  luaL_pushresult(&b);
  return luaL_error(L, "%s:expect{%s }: no matching reply", name, lua_tostring(L, -1));
}

static int u_replies(lua_State *L) {
  spec *s = get_spec(L);
  const char *name = user_name(L);
  pl_json_push(L, json_object_get(s->inbox, name));
  if (lua_isnil(L, -1)) lua_newtable(L);
  clear_inbox(s, name);
  return 1;
}

static int history_collect(void *ud, pl_bytes key, pl_bytes val) {
  json_t *e = json_loadb(val.data, val.len, 0, NULL);
  if (e) json_array_append_new(ud, e);
  return 0;
}

/* u:history(): the user's conversation as stored (oldest first): what an operator, the
 * web chat or `parley history` sees. */
static int u_history(lua_State *L) {
  spec *s = get_spec(L);
  const char *name = user_name(L);
  char conv[600];
  pl_conv_key(conv, sizeof conv, user_channel(s, name), name);
  pl_key k;
  pl_key_init(&k, s->t->id);
  pl_key_str0(&k, conv);
  json_t *all = json_array();
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(s->rt->store, &tx, &err) == 0) {
    pl_store_scan(tx, PL_T_HISTORY, k.b, k.len, NULL, 0, history_collect, all);
    pl_store_read_end(tx);
  }
  pl_json_push(L, all);
  json_decref(all);
  return 1;
}

static int u_session(lua_State *L) {
  spec *s = get_spec(L);
  json_t *rec = stored_record(s, user_name(L));
  json_t *sess = json_object_get(rec, "session");
  if (sess)
    pl_json_push(L, sess);
  else
    lua_newtable(L);
  json_decref(rec);
  return 1;
}

static int g_advance(lua_State *L) {
  spec *s = get_spec(L);
  int idx = lua_istable(L, 1) ? 2 : 1; /* u:advance(d) or advance(d) */
  int64_t ms;
  pl_err err;
  if (lua_type(L, idx) == LUA_TNUMBER)
    ms = (int64_t)(lua_tonumber(L, idx) * 1000);
  else if (pl_duration_parse(luaL_checkstring(L, idx), &ms, &err))
    return luaL_error(L, "advance: %s", err.msg);
  json_decref(s->inbox);
  s->inbox = json_object();
  note(s, "-- advance %s", lua_tostring(L, idx));
  if (pl_runtime_fire_due(s->rt, pl_clock_now_ms(&s->rt->clock) + ms, true, &err) < 0)
    return luaL_error(L, "runtime failure: %s", err.msg);
  return 0;
}

/* logs(): the tenant's log lines so far in this scenario (bot.log, script errors), one
 * per line. */
static int g_logs(lua_State *L) {
  spec *s = get_spec(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  size_t i;
  json_t *line;
  json_array_foreach(s->log, i, line) {
    luaL_addstring(&b, json_string_value(line));
    luaL_addchar(&b, '\n');
  }
  luaL_pushresult(&b);
  return 1;
}

static int g_restart(lua_State *L) {
  spec *s = get_spec(L);
  note(s, "-- restart");
  spec_stop(s);
  pl_err err;
  if (spec_start(s, &err)) {
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SPEC_KEY);
    return luaL_error(L, "restart: %s", err.msg);
  }
  json_decref(s->inbox);
  s->inbox = json_object();
  return 0;
}

static int g_reload(lua_State *L) {
  spec *s = get_spec(L);
  note(s, "-- reload");
  pl_err err;
  if (pl_runtime_reload_tenant(s->rt, s->t, &err)) return luaL_error(L, "reload: %s", err.msg);
  return 0;
}

static int g_store(lua_State *L) {
  spec *s = get_spec(L);
  size_t kl;
  const char *key = luaL_checklstring(L, 1, &kl);
  pl_txn *tx;
  pl_err err;
  if (pl_store_read_begin(s->rt->store, &tx, &err)) return luaL_error(L, "%s", err.msg);
  pl_key k;
  pl_key_init(&k, s->t->id);
  pl_key_bytes(&k, key, kl);
  pl_bytes v;
  json_t *val = NULL;
  if (pl_store_get(tx, PL_T_KV, k.b, k.len, &v) == 0)
    val = json_loadb(v.data, v.len, JSON_DECODE_ANY, NULL);
  pl_store_read_end(tx);
  pl_json_push(L, val);
  json_decref(val);
  return 1;
}

static void push_user(lua_State *L, const char *name) {
  lua_newtable(L);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "name");
  luaL_setmetatable(L, "parley.spec.user");
}

static int g_user(lua_State *L) {
  spec *s = get_spec(L);
  size_t n;
  const char *name = luaL_checklstring(L, 1, &n);
  if (n == 0 || n > 64 || strchr(name, ' ') || strchr(name, ':'))
    return luaL_error(L, "user(name): 1-64 characters, no spaces or colons");
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_getfield(L, 2, "language");
    if (lua_type(L, -1) == LUA_TSTRING)
      json_object_set_new(s->langs, name, json_string(lua_tostring(L, -1)));
    else if (!lua_isnil(L, -1))
      return luaL_error(L, "user(name, {language = \"ru-RU\"}): language must be a string");
    lua_pop(L, 1);
    lua_getfield(L, 2, "channel");
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *c = lua_tostring(L, -1);
      if (strcmp(c, "console") && !pl_channel_set_find(&s->t->code->channels, c))
        return luaL_error(L,
                          "user(name, {channel = \"%s\"}): the tenant has no such channel "
                          "(tenant.lua channels; a channel whose *_env secret is unset is left "
                          "out in parley test)",
                          c);
      json_object_set_new(s->chans, name, json_string(c));
    } else if (!lua_isnil(L, -1)) {
      return luaL_error(L, "user(name, {channel = \"whatsapp\"}): channel must be a string");
    }
    lua_pop(L, 1);
  }
  push_user(L, name);
  return 1;
}

static int g_scenario(lua_State *L) {
  luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_getfield(L, LUA_REGISTRYINDEX, "parley.scenarios");
  lua_createtable(L, 2, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, 2);
  lua_rawseti(L, -2, 2);
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
  return 0;
}

static lua_State *spec_state(void) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "parley.scenarios");
  luaL_newmetatable(L, "parley.spec.user");
  lua_newtable(L);
  static const luaL_Reg um[] = {
      {"send", u_send},         {"press", u_press},     {"expect", u_expect},
      {"replies", u_replies},   {"session", u_session}, {"advance", g_advance},
      {"event", u_event},       {"handoff", u_handoff}, {"operator", u_operator},
      {"handback", u_handback}, {"history", u_history}, {NULL, NULL}};
  luaL_setfuncs(L, um, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  static const luaL_Reg g[] = {
      {"scenario", g_scenario}, {"user", g_user},   {"advance", g_advance}, {"restart", g_restart},
      {"reload", g_reload},     {"store", g_store}, {"logs", g_logs},       {NULL, NULL}};
  lua_pushglobaltable(L);
  luaL_setfuncs(L, g, 0);
  lua_pop(L, 1);
  return L;
}

static int64_t spec_epoch_ms(void) {
  struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 5, .tm_mday = 1, .tm_hour = 9};
  return (int64_t)timegm(&tm) * 1000;
}

static bool run_scenario(lua_State *L, const char *file, const char *tenant_dir, int idx) {
  lua_rawgeti(L, idx, 1);
  const char *name = lua_tostring(L, -1);
  spec s = {.tenant_dir = tenant_dir,
            .inbox = json_object(),
            .transcript = json_array(),
            .log = json_array(),
            .langs = json_object(),
            .chans = json_object(),
            .sent = json_object(),
            .sim_ms = spec_epoch_ms()};
  snprintf(s.data_dir, sizeof s.data_dir, "/tmp/parley-spec-XXXXXX");
  bool ok = false;
  const char *failure = NULL;
  char msg[2048] = "";
  pl_err err;
  if (!mkdtemp(s.data_dir)) {
    snprintf(msg, sizeof msg, "cannot create a temporary store folder in /tmp");
  } else if (spec_start(&s, &err)) {
    snprintf(msg, sizeof msg, "%s", err.msg);
  } else {
    lua_pushlightuserdata(L, &s);
    lua_setfield(L, LUA_REGISTRYINDEX, SPEC_KEY);
    lua_rawgeti(L, idx, 2);
    push_user(L, "user");
    if (lua_pcall(L, 1, 0, 0) == LUA_OK)
      ok = true;
    else {
      failure = lua_tostring(L, -1);
      snprintf(msg, sizeof msg, "%s", failure ? failure : "(error object is not a string)");
      lua_pop(L, 1);
    }
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SPEC_KEY);
  }
  spec_stop(&s);
  printf("%s %s: %s\n", ok ? "ok  " : "FAIL", file, name);
  if (!ok) {
    printf("    %s\n    transcript:\n", msg);
    size_t i;
    json_t *line;
    json_array_foreach(s.transcript, i, line) printf("    %s\n", json_string_value(line));
  }
  fflush(stdout);
  json_decref(s.inbox);
  json_decref(s.transcript);
  json_decref(s.log);
  json_decref(s.langs);
  json_decref(s.chans);
  json_decref(s.sent);
  if (s.data_dir[0] && strstr(s.data_dir, "XXXXXX") == NULL)
    nftw(s.data_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
  lua_pop(L, 1);
  return ok;
}

static void run_file(const char *file, const char *tenant_dir, int *passed, int *failed) {
  lua_State *L = spec_state();
  if (luaL_loadfile(L, file) != LUA_OK || lua_pcall(L, 0, 0, 0) != LUA_OK) {
    printf("FAIL %s: %s\n", file, lua_tostring(L, -1));
    (*failed)++;
    lua_close(L);
    return;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, "parley.scenarios");
  int sc = lua_gettop(L);
  lua_Integer n = luaL_len(L, sc);
  if (n == 0) printf("note %s: no scenario() in this file\n", file);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, sc, i);
    if (run_scenario(L, file, tenant_dir, lua_gettop(L)))
      (*passed)++;
    else
      (*failed)++;
  }
  lua_close(L);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir, int *passed, int *failed, int *files) {
  char tests[1200];
  snprintf(tests, sizeof tests, "%s/tests", dir);
  DIR *d = opendir(tests);
  if (!d) {
    printf("note %s: no tests/ folder\n", dir);
    return;
  }
  char *names[512];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 512) {
    size_t len = strlen(e->d_name);
    if (len > 9 && !strcmp(e->d_name + len - 9, "_spec.lua")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_names);
  for (int i = 0; i < n; i++) {
    char file[1400];
    snprintf(file, sizeof file, "%s/%s", tests, names[i]);
    run_file(file, dir, passed, failed);
    (*files)++;
    free(names[i]);
  }
}

int pl_cmd_test(int argc, char **argv) {
  const char *pos[256];
  int npos;
  int prc = pl_cli_parse("test", argc, argv, NULL, pos, 256, &npos, test_usage);
  if (prc == -2) return PL_EXIT_OK;
  if (prc < 0) return PL_EXIT_USAGE;
  if (npos == 0) {
    fprintf(stderr, "parley test: give tenant folders or spec files (see parley test --help)\n");
    return PL_EXIT_USAGE;
  }
  int passed = 0, failed = 0, files = 0;
  for (int i = 0; i < npos; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s", pos[i]);
    for (size_t n = strlen(path); n > 1 && path[n - 1] == '/';)
      path[--n] = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
      printf("FAIL %s: no such file or folder\n", path);
      failed++;
    } else if (S_ISDIR(st.st_mode)) {
      run_dir(path, &passed, &failed, &files);
    } else {
      char tenant[1024];
      snprintf(tenant, sizeof tenant, "%s", path);
      char *slash = strrchr(tenant, '/');
      if (slash)
        *slash = 0;
      else
        snprintf(tenant, sizeof tenant, ".");
      slash = strrchr(tenant, '/');
      if (!strcmp(slash ? slash + 1 : tenant, "tests")) {
        if (slash)
          *slash = 0;
        else
          snprintf(tenant, sizeof tenant, ".");
      }
      run_file(path, tenant, &passed, &failed);
      files++;
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? PL_EXIT_FAIL : PL_EXIT_OK;
}
