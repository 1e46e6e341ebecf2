/* Loading a tenant folder: tenant.lua validation and code versions (see tenant.h). */
#include <ctype.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lua_api.h"
#include "lua_json.h"
#include "tenant.h"
#include "tz.h"

#define CONFIG_MEMORY ((size_t)4 << 20)
#define CONFIG_INSTRUCTIONS 1000000

int pl_size_parse(const char *s, size_t *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || v <= 0) return PL_EINVAL;
  while (*end == ' ')
    end++;
  double mul = 1;
  if (!strcasecmp(end, "") || !strcasecmp(end, "b"))
    mul = 1;
  else if (!strcasecmp(end, "kb") || !strcasecmp(end, "kib") || !strcasecmp(end, "k"))
    mul = 1024;
  else if (!strcasecmp(end, "mb") || !strcasecmp(end, "mib") || !strcasecmp(end, "m"))
    mul = 1048576;
  else if (!strcasecmp(end, "gb") || !strcasecmp(end, "gib") || !strcasecmp(end, "g"))
    mul = 1073741824;
  else
    return PL_EINVAL;
  *out = (size_t)(v * mul);
  return 0;
}

static char *opt_string(lua_State *L, int t, const char *key, const char *def, const char *file,
                        pl_err *err, int *rc) {
  lua_getfield(L, t, key);
  char *r = NULL;
  if (lua_isnil(L, -1))
    r = def ? strdup(def) : NULL;
  else if (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) > 0)
    r = strdup(lua_tostring(L, -1));
  else
    *rc = pl_err_set(err, PL_EINVAL, "%s: %s: expected a non-empty string, got a %s", file, key,
                     luaL_typename(L, -1));
  lua_pop(L, 1);
  return r;
}

static int check_limits(lua_State *L, int t, pl_tenant_config *cfg, const char *file, pl_err *err) {
  lua_getfield(L, t, "limits");
  int lim = lua_gettop(L);
  int rc = 0;
  if (lua_isnil(L, lim)) goto done;
  if (!lua_istable(L, lim)) {
    rc = pl_err_set(err, PL_EINVAL, "%s: limits: expected a table", file);
    goto done;
  }
  lua_pushnil(L);
  while (lua_next(L, lim)) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
    if (!strcmp(k, "instructions")) {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1000 ||
          lua_tointeger(L, -1) > 10000000000LL) {
        rc = pl_err_set(err, PL_EINVAL,
                        "%s: limits.instructions: expected a whole number "
                        "between 1000 and 10000000000",
                        file);
      } else
        cfg->instructions = lua_tointeger(L, -1);
    } else if (!strcmp(k, "http_concurrency")) {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 1000)
        rc = pl_err_set(err, PL_EINVAL,
                        "%s: limits.http_concurrency: expected a whole number between 1 and 1000",
                        file);
      else
        cfg->http_concurrency = (int)lua_tointeger(L, -1);
    } else if (!strcmp(k, "memory")) {
      size_t m = 0;
      if (lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0)
        m = (size_t)lua_tointeger(L, -1);
      else if (lua_type(L, -1) == LUA_TSTRING && pl_size_parse(lua_tostring(L, -1), &m) == 0)
        ;
      else {
        lua_pushvalue(L, -1);
        rc = pl_err_set(err, PL_EINVAL,
                        "%s: limits.memory: expected a size like \"64MB\", "
                        "got %s",
                        file, luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
      }
      if (!rc && m < (256u << 10))
        rc = pl_err_set(err, PL_EINVAL, "%s: limits.memory: at least 256KB", file);
      cfg->memory = m;
    } else {
      rc = pl_err_set(err, PL_EINVAL,
                      "%s: limits.%s: unknown limit (expected instructions, "
                      "memory or http_concurrency)",
                      file, k);
    }
    lua_pop(L, 1);
    if (rc) {
      lua_pop(L, 1);
      break;
    }
  }
done:
  lua_pop(L, 1);
  return rc;
}

static bool zone_ok(const char *zone) {
  if (!strcmp(zone, "UTC")) return true;
  pl_tz *tz;
  pl_err err;
  if (pl_tz_open(&tz, zone, &err)) return false;
  pl_tz_close(tz);
  return true;
}

/* Secrets stay out of tenant.lua: a channel setting `X_env = "VAR"` is replaced by
 * `X = <value of VAR>` here, for every channel; the plugin validates the rest.
 *
 * A variable that is not set is an error where the channel serves (need_secrets: parley
 * serve refuses the tenant). Secrets usually exist only there, so elsewhere — parley
 * chat and test, which talk through the console, and parley check — the channel is left
 * out instead and a note in `unset` says which variable is missing. */
static int resolve_env_settings(json_t *channels, const char *file, bool need_secrets,
                                json_t *unset, pl_err *err) {
  const char *name;
  json_t *cfg;
  void *iter;
  json_object_foreach_safe(channels, iter, name, cfg) {
    if (!json_is_object(cfg))
      return pl_err_set(err, PL_EINVAL, "%s: channels.%s: expected a table of settings", file,
                        name);
    static const char *const rates[] = {"rate_per_second", "chat_rate_per_second", NULL};
    for (const char *const *r = rates; *r; r++) {
      json_t *rv = json_object_get(cfg, *r);
      if (rv && (!json_is_number(rv) || json_number_value(rv) < 0))
        return pl_err_set(err, PL_EINVAL,
                          "%s: channels.%s.%s: expected a number of messages "
                          "per second (0 = unlimited)",
                          file, name, *r);
    }
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(cfg, tmp, key, v) {
      size_t kl = strlen(key);
      if (kl <= 4 || strcmp(key + kl - 4, "_env") || !json_is_string(v)) continue;
      const char *val = getenv(json_string_value(v));
      char plain[128];
      snprintf(plain, sizeof plain, "%.*s", (int)(kl - 4), key);
      if (!val || !*val) {
        if (json_object_get(cfg, plain)) continue; /* a literal value is given as well */
        if (need_secrets)
          return pl_err_set(err, PL_EINVAL,
                            "%s: channels.%s.%s: the environment variable %s is "
                            "not set; export it before starting parley",
                            file, name, key, json_string_value(v));
        char note[600];
        snprintf(note, sizeof note,
                 "channels.%s.%s: the environment variable %s is not set: the %s channel is "
                 "not checked here (parley serve needs it)",
                 name, key, json_string_value(v), name);
        json_array_append_new(unset, json_string(note));
        json_object_del(channels, name);
        break;
      }
      json_object_set_new(cfg, plain, json_string(val));
    }
  }
  return 0;
}

static int validate_config(lua_State *L, int t, pl_tenant_config *cfg, const char *key,
                           const char *file, bool need_secrets, pl_err *err) {
  static const char *const known[] = {"name",   "locale",   "timezone", "error_reply",
                                      "limits", "channels", NULL};
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    bool ok = false;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (const char *const *k = known; *k; k++)
        ok = ok || !strcmp(*k, lua_tostring(L, -1));
    if (!ok) {
      int rc = pl_err_set(err, PL_EINVAL,
                          "%s: unknown key \"%s\" (expected name, locale, "
                          "timezone, error_reply, limits, channels)",
                          file, luaL_tolstring(L, -1, NULL));
      lua_pop(L, 2);
      return rc;
    }
  }
  int rc = 0;
  cfg->name = opt_string(L, t, "name", key, file, err, &rc);
  if (!rc) cfg->locale = opt_string(L, t, "locale", "en", file, err, &rc);
  if (!rc) cfg->timezone = opt_string(L, t, "timezone", "UTC", file, err, &rc);
  if (!rc)
    cfg->error_reply = opt_string(L, t, "error_reply",
                                  "Sorry, something went wrong. Please try again.", file, err, &rc);
  if (rc) return rc;
  if (!zone_ok(cfg->timezone))
    return pl_err_set(err, PL_EINVAL,
                      "%s: timezone: unknown zone \"%s\" (use an IANA name like "
                      "\"Europe/Berlin\" or \"UTC\")",
                      file, cfg->timezone);
  rc = check_limits(L, t, cfg, file, err);
  if (rc) return rc;
  lua_getfield(L, t, "channels");
  if (!lua_isnil(L, -1)) {
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      return pl_err_set(err, PL_EINVAL, "%s: channels: expected a table of channel settings", file);
    }
    char path[600];
    snprintf(path, sizeof path, "%s: channels", file);
    rc = pl_lua_to_json(L, -1, path, &cfg->channels, err);
    if (!rc) rc = resolve_env_settings(cfg->channels, file, need_secrets, cfg->unset_env, err);
  }
  lua_pop(L, 1);
  return rc;
}

int pl_tenant_config_load(const char *dir, bool need_secrets, pl_tenant_config *cfg, uint64_t *hash,
                          pl_err *err) {
  memset(cfg, 0, sizeof *cfg);
  cfg->instructions = PL_DEFAULT_INSTRUCTIONS;
  cfg->memory = PL_DEFAULT_MEMORY;
  cfg->http_concurrency = 16;
  char path[1100], key[256];
  snprintf(path, sizeof path, "%s/tenant.lua", dir);
  const char *slash = strrchr(dir, '/');
  snprintf(key, sizeof key, "%s", slash ? slash + 1 : dir);
  struct stat st;
  if (stat(path, &st) != 0)
    return pl_err_set(err, PL_ENOTFOUND,
                      "%s: missing: a tenant folder needs a tenant.lua "
                      "(return { name = \"...\", locale = \"en\" }) and a bot.lua",
                      path);
  cfg->unset_env = json_array(); /* from here on every failure frees the config */
  pl_clock clock = {0};
  pl_sandbox_opts o = {.memory = CONFIG_MEMORY,
                       .instructions = CONFIG_INSTRUCTIONS,
                       .clock = &clock,
                       .log_name = key};
  pl_sandbox *sb;
  int rc = pl_sandbox_open(&sb, &o, err);
  if (rc) {
    pl_tenant_config_free(cfg);
    return rc;
  }
  rc = pl_sandbox_load_file(sb, path, path, err);
  if (!rc) rc = pl_sandbox_run(sb, 0, 1, err);
  if (!rc) {
    if (!lua_istable(sb->L, -1))
      rc = pl_err_set(err, PL_EINVAL, "%s: must return a table, like return { name = \"My bot\" }",
                      path);
    else
      rc = validate_config(sb->L, lua_gettop(sb->L), cfg, key, path, need_secrets, err);
  }
  *hash = sb->hash;
  pl_sandbox_close(sb);
  if (rc) pl_tenant_config_free(cfg);
  return rc;
}

void pl_tenant_config_free(pl_tenant_config *cfg) {
  free(cfg->name);
  free(cfg->locale);
  free(cfg->timezone);
  free(cfg->error_reply);
  json_decref(cfg->channels);
  json_decref(cfg->unset_env);
  memset(cfg, 0, sizeof *cfg);
}

int pl_code_load(pl_code **out, const char *dir, const char *key, const pl_code_env *env,
                 pl_err *err) {
  pl_code *c = calloc(1, sizeof *c);
  if (!c) return pl_err_set(err, PL_ENOMEM, "out of memory");
  uint64_t hash;
  int rc = pl_tenant_config_load(dir, env->need_secrets, &c->cfg, &hash, err);
  if (rc) {
    free(c);
    return rc;
  }
  pl_sandbox_opts o = {.tenant_dir = dir,
                       .lib_dir = env->lib_dir,
                       .log_name = key,
                       .memory = c->cfg.memory,
                       .instructions = c->cfg.instructions,
                       .clock = env->clock,
                       .log = env->log,
                       .timezone = c->cfg.timezone};
  rc = pl_sandbox_open(&c->sb, &o, err);
  if (rc) goto fail;
  c->sb->hash ^= hash;
  pl_api_install(c->sb);
  char path[1100];
  snprintf(path, sizeof path, "%s/bot.lua", dir);
  rc = pl_sandbox_load_file(c->sb, path, path, err);
  if (rc) goto fail;
  rc = pl_sandbox_run(c->sb, 0, 0, err);
  if (rc) goto fail;
  if (env->channels) {
    snprintf(path, sizeof path, "%s/tenant.lua", dir);
    rc = pl_channel_set_open(env->channels, c->cfg.channels, path, &c->channels, err);
    if (rc) goto fail;
  }
  snprintf(c->version, sizeof c->version, "%016llx", (unsigned long long)c->sb->hash);
  pl_api_set_version(c->sb, c->version);
  lua_gc(c->sb->L, LUA_GCCOLLECT);
  *out = c;
  return 0;
fail:
  pl_code_free(c);
  return rc;
}

void pl_code_free(pl_code *c) {
  if (!c) return;
  pl_channel_set_close(&c->channels);
  pl_sandbox_close(c->sb);
  pl_tenant_config_free(&c->cfg);
  free(c);
}
