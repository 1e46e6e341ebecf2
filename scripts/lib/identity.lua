-- identity.lua: one customer behind several conversations (Telegram, WhatsApp, a web
-- chat...). Two addresses become one customer when the user types, on the second
-- channel, a one-time code the first one showed (identity.link_code / redeem), or when
-- both channels give the same verified phone number (identity.phone). Other modules
-- (profile, broadcast) key their per-person data by identity.id(ctx), so the customer
-- keeps one profile and one event history whichever channel they write from; each
-- conversation keeps its own message history. docs/lib/identity.md.
local i18n = require "i18n"

local identity = {}

local CODE_TTL = 15 * 60         -- a link code is valid for 15 minutes
local MAX_TRIES = 5              -- wrong codes a conversation may type per CODE_TTL
local HISTORY_KEEP = 1000        -- events moved over when two customers merge

i18n.defaults("en", {
  ["identity.code"] = "Your link code is {code}. Within 15 minutes, send /link {code} to this bot "
    .. "from your other messenger, and both chats will share one profile.",
  ["identity.linked"] = "Done: this chat is now linked to your other chats ({count}).",
  ["identity.already"] = "This chat is already linked to that account.",
  ["identity.bad_code"] = "That code is not valid or has expired. Ask for a new one with /link on your other messenger.",
  ["identity.too_many"] = "Too many wrong codes. Please wait 15 minutes and try again.",
  ["identity.addresses"] = "Linked chats: {list}",
})
i18n.defaults("ru", {
  ["identity.code"] = "Ваш код привязки: {code}. В течение 15 минут отправьте /link {code} этому боту "
    .. "из другого мессенджера, и у обоих чатов будет один профиль.",
  ["identity.linked"] = "Готово: этот чат привязан к другим вашим чатам ({count}).",
  ["identity.already"] = "Этот чат уже привязан к этой учётной записи.",
  ["identity.bad_code"] = "Код неверный или устарел. Получите новый командой /link в другом мессенджере.",
  ["identity.too_many"] = "Слишком много неверных кодов. Подождите 15 минут и попробуйте снова.",
  ["identity.addresses"] = "Привязанные чаты: {list}",
})

-- Functions other modules register to move their per-customer data when two customers
-- merge: fn(ctx, from_id, to_id). Code, not state: they are registered at load time.
local merge_hooks = {}

function identity.on_merge(fn)
  merge_hooks[#merge_hooks + 1] = fn
end

-- The customer id of an address: the address itself until it is linked to another.
function identity.of(address)
  return bot.store.get("identity:addr:" .. address) or address
end

-- The customer id of this conversation.
function identity.id(ctx)
  return identity.of(ctx.chat.address)
end

local function record(id)
  return bot.store.get("identity:customer:" .. id) or { addresses = { id } }
end

-- Every address the customer is reachable on (this one first), for ctx:send / ctx:signal.
function identity.addresses(ctx)
  local here = ctx.chat.address
  local out = { here }
  for _, a in ipairs(record(identity.id(ctx)).addresses) do
    if a ~= here then out[#out + 1] = a end
  end
  return out
end

local function pad(n) return string.format("%015d", math.floor(n)) end

-- Appends an event to the customer's history, the one history shared by all their
-- channels: "identity:history:<id>:<ms>:<address>:<n>", n counted in this conversation's
-- session so that keys stay unique when two customers' histories merge.
-- data: a table of strings, numbers and booleans (or nil).
function identity.log(ctx, event, data)
  local s = ctx.session._identity or {}
  s.seq = (s.seq or 0) + 1
  ctx.session._identity = s
  bot.store.put(("identity:history:%s:%s:%s:%06d"):format(identity.id(ctx), pad(ctx.now * 1000),
    ctx.chat.address, s.seq % 1000000), { event = event, at = ctx.now, channel = ctx.chat.channel, data = data })
end

-- The customer's history, oldest first (at most limit, default 100).
function identity.history(ctx, limit)
  local out = {}
  for _, e in ipairs(bot.store.scan("identity:history:" .. identity.id(ctx) .. ":", limit or 100)) do
    out[#out + 1] = e.value
  end
  return out
end

-- The customer's conversation across all their chats: the messages of every linked
-- chat (bot.history), merged in time order, the last `limit` (default 50). Each entry is
-- as stored ({dir, kind, text, at = ms, ...}) plus `address`, the chat it was in.
function identity.conversation(ctx, limit)
  limit = limit or 50
  local all = {}
  for i, address in ipairs(identity.addresses(ctx)) do
    for j, e in ipairs(bot.history(address, limit)) do
      e.address, e._order = address, i * 1000000 + j
      all[#all + 1] = e
    end
  end
  table.sort(all, function(a, b)
    if a.at ~= b.at then return (a.at or 0) < (b.at or 0) end
    return a._order < b._order
  end)
  local out = {}
  for k = math.max(1, #all - limit + 1), #all do
    all[k]._order = nil
    out[#out + 1] = all[k]
  end
  return out
end

-- Moves customer `from` (all its addresses, its phones, its history) into `to`, then lets
-- other modules move their data (merge hooks). The surviving id is the older one.
local function merge(ctx, from, to)
  if from == to then return false end
  local a, b = record(to), record(from)
  for _, addr in ipairs(b.addresses) do
    bot.store.put("identity:addr:" .. addr, to)
    a.addresses[#a.addresses + 1] = addr
  end
  a.phones = a.phones or {}
  for _, p in ipairs(b.phones or {}) do
    bot.store.put("identity:phone:" .. p, to)
    a.phones[#a.phones + 1] = p
  end
  bot.store.put("identity:customer:" .. to, a)
  bot.store.delete("identity:customer:" .. from)
  bot.store.put("identity:addr:" .. to, to)
  local prefix = "identity:history:" .. from .. ":"
  for _, e in ipairs(bot.store.scan(prefix, HISTORY_KEEP)) do
    bot.store.put("identity:history:" .. to .. ":" .. e.key:sub(#prefix + 1), e.value)
    bot.store.delete(e.key)
  end
  for _, fn in ipairs(merge_hooks) do fn(ctx, from, to) end
  bot.store.incr("identity:stats:linked")
  return true
end

-- Six digits from an HMAC under the tenant's key (bot.sign): unpredictable to anyone
-- without the key, even if math.random's state could be guessed.
local function new_code(ctx, salt)
  local sig = bot.sign(("%s:%d:%d:%d"):format(ctx.chat.address, math.floor(ctx.now * 1000), salt,
    math.random(0, 0x7fffffff))):match("%-([%w_%-]+)$")
  local n = 0
  for i = 1, #sig do n = (n * 64 + sig:byte(i)) % 1000000007 end
  return string.format("%06d", n % 1000000)
end

-- A one-time 6-digit code for this customer, valid 15 minutes; a new code replaces the
-- conversation's previous one. Shows it to the user unless opts.silent; returns it.
function identity.link_code(ctx, opts)
  local s = ctx.session._identity or {}
  if s.code then bot.store.delete("identity:code:" .. s.code) end
  local salt = 0
  local code = new_code(ctx, salt)
  local taken = bot.store.get("identity:code:" .. code)
  while taken and taken.expires >= ctx.now do   -- another customer's live code
    salt = salt + 1
    code = new_code(ctx, salt)
    taken = bot.store.get("identity:code:" .. code)
  end
  bot.store.put("identity:code:" .. code, { id = identity.id(ctx), expires = ctx.now + CODE_TTL })
  s.code = code
  ctx.session._identity = s
  if not (opts and opts.silent) then
    ctx:reply(i18n.t(ctx, "identity.code", { code = code }))
  end
  return code
end

-- Links this conversation to the customer who made `code`. Returns true, or false and
-- why ("invalid", "expired", "too_many", "same"); replies unless opts.silent.
function identity.redeem(ctx, code, opts)
  local function say(key, vars)
    if not (opts and opts.silent) then ctx:reply(i18n.t(ctx, key, vars)) end
  end
  local s = ctx.session._identity or {}
  if s.tries_since and ctx.now - s.tries_since > CODE_TTL then s.tries, s.tries_since = nil, nil end
  if (s.tries or 0) >= MAX_TRIES then
    say("identity.too_many")
    return false, "too_many"
  end
  code = tostring(code or ""):gsub("%s", "")
  local c = code:match("^%d%d%d%d%d%d$") and bot.store.get("identity:code:" .. code)
  if not c or c.expires < ctx.now then
    s.tries = (s.tries or 0) + 1
    s.tries_since = s.tries_since or ctx.now
    ctx.session._identity = s
    say("identity.bad_code")
    return false, c and "expired" or "invalid"
  end
  bot.store.delete("identity:code:" .. code)
  local to = identity.of(c.id)  -- the code's customer may have merged since
  if not merge(ctx, identity.id(ctx), to) then
    say("identity.already")
    return false, "same"
  end
  s.tries, s.tries_since = nil, nil
  ctx.session._identity = s
  identity.log(ctx, "identity:linked", { by = "code" })
  say("identity.linked", { count = #record(to).addresses })
  return true
end

-- The digits of a phone number ("+49 (170) 123-45" -> "4917012345"), or nil.
function identity.normalise_phone(phone)
  local d = tostring(phone or ""):gsub("%D", "")
  if #d < 6 or #d > 15 then return nil end
  return d
end

-- A phone number the channel vouches for (a Telegram contact the user shared of
-- themselves, the WhatsApp sender's number): links every conversation with the same
-- number to one customer. Returns true if this joined another customer.
function identity.phone(ctx, phone)
  local d = identity.normalise_phone(phone)
  if not d then return false end
  local me = identity.id(ctx)
  local owner = bot.store.get("identity:phone:" .. d)
  if owner and identity.of(owner) ~= me then
    local merged = merge(ctx, me, identity.of(owner))
    if merged then identity.log(ctx, "identity:linked", { by = "phone" }) end
    return merged
  end
  if owner then return false end   -- already ours
  bot.store.put("identity:phone:" .. d, me)
  local r = record(me)
  r.phones = r.phones or {}
  r.phones[#r.phones + 1] = d
  bot.store.put("identity:customer:" .. me, r)
  return false
end

-- Removes everything identity keeps about this customer (links, phones, codes,
-- history): the data-deletion request of MISSION.md. Returns the addresses it unlinked.
function identity.forget(ctx)
  local id = identity.id(ctx)
  local r = record(id)
  for _, addr in ipairs(r.addresses) do bot.store.delete("identity:addr:" .. addr) end
  for _, p in ipairs(r.phones or {}) do bot.store.delete("identity:phone:" .. p) end
  bot.store.delete("identity:customer:" .. id)
  repeat
    local batch = bot.store.scan("identity:history:" .. id .. ":", 1000)
    for _, e in ipairs(batch) do bot.store.delete(e.key) end
  until #batch < 1000
  local s = ctx.session._identity
  if s and s.code then bot.store.delete("identity:code:" .. s.code) end
  ctx.session._identity = nil
  return r.addresses
end

-- Optional commands: /link shows a code; /link 123456 redeems one; /linked lists chats.
function identity.commands()
  bot.command("link", function(ctx, args)
    local code = args:match("%S+")
    if code then return identity.redeem(ctx, code) end
    identity.link_code(ctx)
  end)
  bot.command("linked", function(ctx)
    ctx:reply(i18n.t(ctx, "identity.addresses", { list = table.concat(identity.addresses(ctx), ", ") }))
  end)
end

return identity
