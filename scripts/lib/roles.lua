-- roles.lua: who may use privileged commands (organisers, managers). The base lists
-- are code - a Lua table in the tenant folder (roles_config.lua by default), so a
-- reload changes them - and an admin (an organiser by default) may grant and revoke
-- roles at run time, kept in bot.store ("roles:grant:<role>:<address>"). Roles belong
-- to a conversation's address: a customer linked on another channel (identity.lua) is
-- not an organiser there until that address is listed or granted. docs/lib/roles.md.
local i18n = require "i18n"

local roles = {}

i18n.defaults("en", {
  ["roles.denied"] = "Sorry, this command is for organisers only.",
  ["roles.denied.manager"] = "Sorry, this command is for managers only.",
  ["roles.granted"] = "{address} is now {role}.",
  ["roles.revoked"] = "{address} is no longer {role}.",
  ["roles.not_granted"] = "{address} has no granted {role} role.",
  ["roles.in_config"] = "{address} is {role} in the tenant's configuration; edit the file to change that.",
  ["roles.usage"] = "Usage: /grant <role> <address> or /revoke <role> <address>, for example /grant manager telegram:12345.",
  ["roles.unknown"] = "There is no role \"{role}\". Roles: {list}.",
  ["roles.list"] = "{role}: {list}",
  ["roles.nobody"] = "nobody",
})
i18n.defaults("ru", {
  ["roles.denied"] = "Извините, эта команда только для организаторов.",
  ["roles.denied.manager"] = "Извините, эта команда только для менеджеров.",
  ["roles.granted"] = "{address} теперь {role}.",
  ["roles.revoked"] = "{address} больше не {role}.",
  ["roles.not_granted"] = "У {address} нет выданной роли {role}.",
  ["roles.in_config"] = "{address} — {role} по настройкам бота; чтобы это изменить, исправьте файл.",
  ["roles.usage"] = "Формат: /grant <роль> <адрес> или /revoke <роль> <адрес>, например /grant manager telegram:12345.",
  ["roles.unknown"] = "Роли «{role}» нет. Роли: {list}.",
  ["roles.list"] = "{role}: {list}",
  ["roles.nobody"] = "никого",
})

-- Configuration, set at load time (code, so a reload re-reads it).
local config = {}          -- role -> { [address] = true }
local admin = "organiser"  -- the role that may grant and revoke

local function read_config(t)
  local out = {}
  for role, list in pairs(t) do
    assert(type(role) == "string" and role:match("^[%w_]+$"), "roles: a role name is a word")
    assert(type(list) == "table", "roles: the list of role " .. role .. " must be a table of addresses")
    out[role] = {}
    for _, addr in ipairs(list) do
      assert(type(addr) == "string" and addr:find(":", 1, true),
        "roles: " .. role .. ": addresses look like \"telegram:12345\"")
      out[role][addr] = true
    end
  end
  return out
end

-- roles.setup{ config = "roles_config" | { organiser = { "telegram:1" } }, admin = "organiser",
-- commands = true }: the base lists (a tenant module's name or a table), who may grant,
-- and whether to register /grant, /revoke and /roles.
function roles.setup(opts)
  opts = opts or {}
  local src = opts.config or "roles_config"
  if type(src) == "string" then
    local ok, t = pcall(require, src)
    if not ok then
      bot.log("roles: no " .. src .. ".lua in the tenant folder (" .. tostring(t) .. "); only granted roles count")
      t = {}
    end
    src = t
  end
  config = read_config(src)
  admin = opts.admin or "organiser"
  config[admin] = config[admin] or {}
  if opts.commands then roles.commands() end
end

local function known(role) return config[role] ~= nil end

-- The roles that exist (those in the configuration, even if empty), sorted.
function roles.names()
  local out = {}
  for r in pairs(config) do out[#out + 1] = r end
  table.sort(out)
  return out
end

-- Whether `address` holds `role` (configured or granted).
function roles.address_has(address, role)
  if config[role] and config[role][address] then return true end
  return bot.store.get("roles:grant:" .. role .. ":" .. address) ~= nil
end

function roles.has(ctx, role)
  return roles.address_has(ctx.chat.address, role)
end

-- True if the user holds `role`; otherwise replies a polite refusal and returns false.
function roles.require(ctx, role)
  if roles.has(ctx, role) then return true end
  local key = "roles.denied." .. role
  local text = i18n.t(ctx, key)
  if text == key then text = i18n.t(ctx, "roles.denied") end
  ctx:reply(text)
  bot.store.incr("roles:stats:denied")
  return false
end

-- bot.command(name, fn) that runs fn only for users holding `role`.
function roles.command(name, role, fn)
  bot.command(name, function(ctx, args)
    if roles.require(ctx, role) then return fn(ctx, args) end
  end)
end

-- Every address holding `role`: the configured ones, then the granted ones.
function roles.members(role)
  local out, seen = {}, {}
  for addr in pairs(config[role] or {}) do out[#out + 1] = addr seen[addr] = true end
  table.sort(out)
  local prefix = "roles:grant:" .. role .. ":"
  for _, e in ipairs(bot.store.scan(prefix, 1000)) do
    local addr = e.key:sub(#prefix + 1)
    if not seen[addr] then out[#out + 1] = addr end
  end
  return out
end

-- An admin grants `role` to `address`. Returns true, or false and why
-- ("denied", "unknown_role", "bad_address").
function roles.grant(ctx, role, address)
  if not roles.has(ctx, admin) then return false, "denied" end
  if not known(role) then return false, "unknown_role" end
  if type(address) ~= "string" or not address:match("^%w+:%S+$") or #address > 200 then
    return false, "bad_address"
  end
  bot.store.put("roles:grant:" .. role .. ":" .. address, { by = ctx.chat.address, at = ctx.now })
  bot.log("roles: " .. ctx.chat.address .. " granted " .. role .. " to " .. address)
  return true
end

-- An admin revokes a granted role. Returns true, or false and why ("denied",
-- "unknown_role", "in_config" — configured roles change only in the file, "not_granted").
function roles.revoke(ctx, role, address)
  if not roles.has(ctx, admin) then return false, "denied" end
  if not known(role) then return false, "unknown_role" end
  local key = "roles:grant:" .. role .. ":" .. tostring(address)
  if bot.store.get(key) == nil then
    return false, config[role][address] and "in_config" or "not_granted"
  end
  bot.store.delete(key)
  bot.log("roles: " .. ctx.chat.address .. " revoked " .. role .. " from " .. address)
  return true
end

-- /grant <role> <address>, /revoke <role> <address>, /roles: for admins only.
function roles.commands()
  local function change(verb, done_key)
    return function(ctx, args)
      local role, address = args:match("^(%S+)%s+(%S+)%s*$")
      if not role then return ctx:reply(i18n.t(ctx, "roles.usage")) end
      local ok, why = roles[verb](ctx, role, address)
      local vars = { role = role, address = address, list = table.concat(roles.names(), ", ") }
      if ok then return ctx:reply(i18n.t(ctx, done_key, vars)) end
      if why == "unknown_role" then return ctx:reply(i18n.t(ctx, "roles.unknown", vars)) end
      if why == "bad_address" then return ctx:reply(i18n.t(ctx, "roles.usage")) end
      ctx:reply(i18n.t(ctx, "roles." .. why, vars))
    end
  end
  roles.command("grant", admin, change("grant", "roles.granted"))
  roles.command("revoke", admin, change("revoke", "roles.revoked"))
  roles.command("roles", admin, function(ctx)
    local lines = {}
    for _, r in ipairs(roles.names()) do
      local m = roles.members(r)
      lines[#lines + 1] = i18n.t(ctx, "roles.list",
        { role = r, list = #m > 0 and table.concat(m, ", ") or i18n.t(ctx, "roles.nobody") })
    end
    ctx:reply(table.concat(lines, "\n"))
  end)
end

return roles
