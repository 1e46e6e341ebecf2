-- profile.lua: what a user told the bot (attributes) and what they agreed to (consent
-- flags with the time they were given), one profile per customer (identity.lua: the
-- same profile from every linked channel). Profiles form the tenant's user directory
-- that segments.lua filters and broadcast.lua walks; profile.forget deletes a user's
-- data on request (MISSION.md §3): the profile, identity's data and, through the
-- profile.on_forget hooks, every module's, in each of the customer's conversations.
-- docs/lib/profile.md.
--
-- Store: "profile:user:<bucket>:<customer id>" = { fields = {...}, consent = { name =
-- { value = bool, at = seconds } }, address = last address, locale = "en", updated }.
-- <bucket> is 3 hex digits of a hash of the id: bot.store.scan returns at most 1000
-- keys and cannot start after a key, so the directory is read bucket by bucket.
local i18n = require "i18n"
local identity = require "identity"

local profile = {}

profile.BUCKETS = 4096

i18n.defaults("en", {
  ["profile.forgotten"] = "Done: everything we stored about you has been deleted.",
  ["profile.consent_on"] = "Thank you: you will receive {what}.",
  ["profile.consent_off"] = "Done: you will no longer receive {what}.",
  ["profile.consent.marketing"] = "news and offers",
})
i18n.defaults("ru", {
  ["profile.forgotten"] = "Готово: все данные о вас удалены.",
  ["profile.consent_on"] = "Спасибо: вы будете получать {what}.",
  ["profile.consent_off"] = "Готово: вы больше не будете получать {what}.",
  ["profile.consent.marketing"] = "новости и предложения",
})

-- FNV-1a of the id, folded to a bucket: spreads customers evenly over the buckets.
local function bucket(id)
  local h = 2166136261
  for i = 1, #id do
    h = ((h ~ id:byte(i)) * 16777619) & 0xffffffff
  end
  return string.format("%03x", h % profile.BUCKETS)
end

function profile.key(id)
  return "profile:user:" .. bucket(id) .. ":" .. id
end

local function load(id)
  return bot.store.get(profile.key(id))
end

local function save(ctx, id, p)
  p.address = ctx.chat.address
  p.locale = i18n.locale(ctx)
  p.updated = ctx.now
  bot.store.put(profile.key(id), p)
end

local function check_field(field)
  if type(field) ~= "string" or not field:match("^[%a_][%w_]*$") or #field > 64 then
    error("profile: a field name is a word of letters, digits and _ (got " .. tostring(field) .. ")", 3)
  end
end

local function check_value(v)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" or t == "nil" then return end
  if t == "table" then
    for i, x in pairs(v) do
      if math.type(i) ~= "integer" or (type(x) ~= "string" and type(x) ~= "number") then
        error("profile: a table value must be a list of strings or numbers", 3)
      end
    end
    return
  end
  error("profile: a value is a string, number, boolean, list or nil (got " .. t .. ")", 3)
end

-- The user's attributes (a copy; change them with profile.set), or one field's value.
function profile.get(ctx, field)
  local p = load(identity.id(ctx))
  local f = p and p.fields or {}
  if field then return f[field] end
  local copy = {}
  for k, v in pairs(f) do copy[k] = v end
  return copy
end

-- Sets one attribute (nil removes it) and keeps the directory entry current.
function profile.set(ctx, field, value)
  check_field(field)
  check_value(value)
  local id = identity.id(ctx)
  local p = load(id) or { fields = {}, consent = {}, created = ctx.now }
  p.fields[field] = value
  save(ctx, id, p)
end

-- Sets several attributes at once: profile.update(ctx, { role = "dev", ticket = true }).
function profile.update(ctx, fields)
  local id = identity.id(ctx)
  local p = load(id) or { fields = {}, consent = {}, created = ctx.now }
  for k, v in pairs(fields) do
    check_field(k)
    check_value(v)
    p.fields[k] = v
  end
  save(ctx, id, p)
end

-- profile.consent(ctx, "marketing", true|false) records a consent with its time;
-- profile.consent(ctx, "marketing") returns whether it is given, and since when.
function profile.consent(ctx, name, value)
  check_field(name)
  local id = identity.id(ctx)
  local p = load(id)
  if value == nil then
    local c = p and p.consent[name]
    return c ~= nil and c.value == true, c and c.at
  end
  p = p or { fields = {}, consent = {}, created = ctx.now }
  p.consent[name] = { value = value == true, at = ctx.now }
  save(ctx, id, p)
  identity.log(ctx, "profile:consent", { name = name, value = value == true })
  return value == true, ctx.now
end

-- Records this conversation as the one to reach the customer on (the channel they
-- used last) and their current language; call it where users come back (/start).
-- Does not create a profile for a user who has none.
function profile.touch(ctx)
  local id = identity.id(ctx)
  local p = load(id)
  if p and (p.address ~= ctx.chat.address or p.locale ~= i18n.locale(ctx)) then save(ctx, id, p) end
end

-- The directory entry of a customer id (for modules reading the directory).
function profile.entry(id)
  return load(id)
end

-- Functions other modules register to delete their own data about a user who asked
-- to be forgotten: fn(ctx, customer_id). Code, registered at load time.
local forget_hooks = {}

function profile.on_forget(fn)
  forget_hooks[#forget_hooks + 1] = fn
end

-- Forgets what is kept about this conversation and customer `id`: the hooks, the
-- profile, identity's data. Returns the addresses identity unlinked.
local function forget_here(ctx, id)
  for _, fn in ipairs(forget_hooks) do fn(ctx, id) end
  bot.store.delete(profile.key(id))
  ctx:erase_history() -- what they wrote and were told here, before this event
  return identity.forget(ctx)
end

-- Deletes the user's profile, directory entry, identity data (links, history) and the
-- conversation's stored history (ctx:erase_history), and
-- lets other modules delete theirs (profile.on_forget), here and, by a signal, in each
-- of the customer's other linked conversations (their sessions, timers and per-address
-- data can only be reached from there).
function profile.forget(ctx)
  for _, address in ipairs(forget_here(ctx, identity.id(ctx))) do
    if address ~= ctx.chat.address then ctx:signal(address, "profile:forget") end
  end
  bot.store.incr("profile:stats:forgotten")
end

-- In a linked conversation of a customer who was forgotten from another one: no longer
-- linked, it is its own customer; its hooks run without a word to the user.
bot.on("signal:profile:*", function(ctx)
  if ctx.event.name == "profile:forget" then return forget_here(ctx, identity.id(ctx)) end
  bot.log("profile: unknown signal " .. tostring(ctx.event.name))
end)

-- Reads the directory from bucket `cursor` (0 by default): every entry of whole
-- buckets until at least `want` entries were read. Returns a list of { id = customer,
-- entry = directory entry } and the next cursor (nil at the end).
function profile.scan(cursor, want)
  cursor, want = cursor or 0, want or 500
  local out = {}
  while cursor < profile.BUCKETS and #out < want do
    local prefix = string.format("profile:user:%03x:", cursor)
    local after
    repeat -- a whole bucket, page by page (a bucket over 1000 users still reads whole)
      local batch = bot.store.scan(prefix, 1000, after)
      for _, e in ipairs(batch) do
        out[#out + 1] = { id = e.key:sub(#prefix + 1), entry = e.value }
      end
      after = #batch == 1000 and batch[#batch].key or nil
    until not after
    cursor = cursor + 1
  end
  return out, cursor < profile.BUCKETS and cursor or nil
end

-- When two customers merge (identity), the surviving profile keeps its own fields and
-- gains the other's; the newer consent wins; the linking chat becomes the one to reach.
identity.on_merge(function(ctx, from, to)
  local a, b = load(to), load(from)
  if not b then
    if a then save(ctx, to, a) end   -- the chat that just linked is the one used last
    return
  end
  bot.store.delete(profile.key(from))
  if not a then
    save(ctx, to, b)
    return
  end
  for k, v in pairs(b.fields) do
    if a.fields[k] == nil then a.fields[k] = v end
  end
  for k, c in pairs(b.consent) do
    if not a.consent[k] or a.consent[k].at < c.at then a.consent[k] = c end
  end
  save(ctx, to, a)
end)

-- Optional commands: /consent <name> on|off, /forget (delete my data).
function profile.commands()
  bot.command("consent", function(ctx, args)
    local name, v = args:match("^(%S*)%s*(%S*)")
    if v == "" then name, v = "marketing", name end
    if not name:match("^[%a_][%w_]*$") or #name > 64 then name = "marketing" end
    local on = v ~= "off" and v ~= "no"
    profile.consent(ctx, name, on)
    local what = i18n.t(ctx, "profile.consent." .. name)
    ctx:reply(i18n.t(ctx, on and "profile.consent_on" or "profile.consent_off", { what = what }))
  end)
  bot.command("forget", function(ctx)
    profile.forget(ctx)
    ctx:reply(i18n.t(ctx, "profile.forgotten"))
  end)
end

return profile
