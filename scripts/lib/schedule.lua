-- schedule.lua: a conference programme (blocks with start times in the tenant's
-- timezone, kept in a tenant Lua module so a live reload edits it), reminders N minutes
-- before each block to users who subscribed (and to a block's segment), and a
-- notification to subscribers when the programme changes. Reminders are durable timers
-- in each subscriber's own conversation; a change found by schedule.sync reaches them
-- by signals, and each re-arms its own timers. docs/lib/schedule.md.
local i18n = require "i18n"
local profile = require "profile"
local roles = require "roles"
local segments = require "segments"

local schedule = {}

i18n.defaults("en", {
  ["schedule.time_format"] = "%b %d, %H:%M",
  ["schedule.title"] = "Programme (times in {zone}):",
  ["schedule.line"] = "{mark} {time} {title}, {room}",
  ["schedule.remind_all"] = "Remind me of every block",
  ["schedule.remind_none"] = "No more reminders",
  ["schedule.subscribed"] = "I'll remind you {minutes} minutes before \"{title}\" ({time}).",
  ["schedule.subscribed_all"] = "I'll remind you {minutes} minutes before every block.",
  ["schedule.unsubscribed"] = "No reminder for \"{title}\" then.",
  ["schedule.unsubscribed_all"] = "Done: no more programme reminders.",
  ["schedule.started"] = "\"{title}\" has already started.",
  ["schedule.unknown"] = "There is no block \"{id}\" in the programme. Send /programme to see it.",
  ["schedule.reminder"] = "In {minutes} minutes: \"{title}\" at {time}, {room}.",
  ["schedule.changed"] = "The programme has changed:",
  ["schedule.change.moved"] = "\"{title}\" is now at {time}, {room}.",
  ["schedule.change.removed"] = "\"{title}\" is cancelled.",
  ["schedule.change.added"] = "New: \"{title}\" at {time}, {room}.",
  ["schedule.published"] = "Programme published: {count} changes; subscribers are being told.",
  ["schedule.unchanged"] = "The programme has not changed since it was last published.",
  ["schedule.first"] = "Programme published ({count} blocks); reminders are armed.",
})
i18n.defaults("ru", {
  ["schedule.time_format"] = "%-d %B, %H:%M",
  ["schedule.title"] = "Программа (время: {zone}):",
  ["schedule.line"] = "{mark} {time} {title}, {room}",
  ["schedule.remind_all"] = "Напоминать обо всём",
  ["schedule.remind_none"] = "Больше не напоминать",
  ["schedule.subscribed"] = "Напомню за {minutes} минут до «{title}» ({time}).",
  ["schedule.subscribed_all"] = "Напомню за {minutes} минут до каждого блока.",
  ["schedule.unsubscribed"] = "Хорошо, о «{title}» не напоминаю.",
  ["schedule.unsubscribed_all"] = "Готово: напоминаний о программе больше не будет.",
  ["schedule.started"] = "«{title}» уже началось.",
  ["schedule.unknown"] = "В программе нет блока «{id}». Отправьте /programme, чтобы её увидеть.",
  ["schedule.reminder"] = "Через {minutes} минут: «{title}», {time}, {room}.",
  ["schedule.changed"] = "Программа изменилась:",
  ["schedule.change.moved"] = "«{title}» перенесено на {time}, {room}.",
  ["schedule.change.removed"] = "«{title}» отменено.",
  ["schedule.change.added"] = "Новое: «{title}», {time}, {room}.",
  ["schedule.published"] = "Программа опубликована: изменений — {count}; участникам сообщаем.",
  ["schedule.unchanged"] = "Программа не менялась с последней публикации.",
  ["schedule.first"] = "Программа опубликована (блоков: {count}); напоминания заведены.",
})

local BUCKETS = 4096

-- Configuration (code: a reload re-reads it).
local blocks, by_id = {}, {}
local remind_before = 15 * 60
local cfg = { role = "organiser", batch = 500, gap = "2s" }
local version = ""

local function parse_time(s, where)
  local y, mo, d, h, mi = tostring(s):match("^(%d%d%d%d)%-(%d%d)%-(%d%d) (%d%d):(%d%d)$")
  assert(y and tonumber(mo) <= 12 and tonumber(h) <= 23 and tonumber(mi) <= 59,
    "schedule: " .. where .. ": starts must look like \"2026-06-18 09:30\" (got " .. tostring(s) .. ")")
  return os.time{ year = tonumber(y), month = tonumber(mo), day = tonumber(d), hour = tonumber(h), min = tonumber(mi), sec = 0 }
end

local function seconds(d)
  if type(d) == "number" then return d end
  local total = 0
  for n, unit in tostring(d):gmatch("(%d+)([smhd])") do
    total = total + tonumber(n) * ({ s = 1, m = 60, h = 3600, d = 86400 })[unit]
  end
  assert(total > 0, "schedule: remind_before must be a duration like \"15m\"")
  return total
end

local function fnv(s)
  local h = 2166136261
  for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
  return h
end

local function title_text(t)
  if type(t) ~= "table" then return tostring(t) end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. t[k] end
  return table.concat(out, ";")
end

-- One block as a comparable line, for change detection.
local function fingerprint(b)
  return table.concat({ b.starts, title_text(b.title), b.room or "", b.notify or "" }, "|")
end

-- schedule.setup{ programme = "programme" | { blocks }, remind_before = "15m",
-- role = "organiser", batch = 500, gap = "2s", commands = true }. A block is
-- { id = "keynote", starts = "2026-06-18 09:30", title = "…" | { en = "…", ru = "…" },
-- room = "Hall A", notify = "attendees" (optional: a segment reminded too) }.
function schedule.setup(opts)
  opts = opts or {}
  local src = opts.programme or "programme"
  if type(src) == "string" then src = require(src) end
  assert(type(src) == "table", "schedule: the programme is a list of blocks")
  blocks, by_id = {}, {}
  for i, b in ipairs(src) do
    local where = "block " .. i
    assert(type(b.id) == "string" and b.id:match("^[%w_%-]+$") and #b.id <= 40,
      "schedule: " .. where .. ": id is 1-40 letters, digits, _ or -")
    assert(not by_id[b.id], "schedule: block id " .. b.id .. " appears twice")
    assert(b.title, "schedule: " .. b.id .. ": no title")
    local block = { id = b.id, starts = parse_time(b.starts, b.id), title = b.title, room = b.room, notify = b.notify }
    blocks[#blocks + 1] = block
    by_id[b.id] = block
  end
  table.sort(blocks, function(a, b) return a.starts < b.starts or (a.starts == b.starts and a.id < b.id) end)
  local lines = {}
  for _, b in ipairs(blocks) do lines[#lines + 1] = b.id .. "=" .. fingerprint(b) end
  version = string.format("%08x", fnv(table.concat(lines, "\n")))
  remind_before = seconds(opts.remind_before or "15m")
  cfg = { role = opts.role or "organiser", batch = opts.batch or 500, gap = opts.gap or "2s" }
  if opts.commands then schedule.commands() end
end

function schedule.blocks() return blocks end
function schedule.block(id) return by_id[id] end
function schedule.version() return version end

-- The block's title in ctx's language.
function schedule.title(ctx, b)
  local t = b.title
  if type(t) ~= "table" then return tostring(t) end
  return t[i18n.locale(ctx)] or t[i18n.default()] or select(2, next(t))
end

-- A block's time in the tenant's zone, with month and weekday names in ctx's language.
function schedule.time(ctx, at)
  return i18n.date(ctx, i18n.t(ctx, "schedule.time_format"), at)
end

local function state(ctx)
  local s = ctx.session._schedule or { blocks = {}, armed = {}, reminded = {} }
  ctx.session._schedule = s
  return s
end

local function wants(s, id) return s.all or s.blocks[id] == true end

function schedule.subscribed(ctx, id)
  local s = ctx.session._schedule
  return s ~= nil and wants(s, id)
end

-- The subscriber directory, for change notifications: one key per conversation.
local function dir_key(address)
  return string.format("schedule:subscriber:%03x:%s", fnv(address) % BUCKETS, address)
end

local function save_directory(ctx, s)
  local any = s.all or next(s.blocks) ~= nil
  if any then
    bot.store.put(dir_key(ctx.chat.address), { all = s.all or nil, blocks = s.blocks })
  else
    bot.store.delete(dir_key(ctx.chat.address))
  end
end

-- Arms this conversation's reminder timers to match its subscriptions and the current
-- programme; cancels the ones that no longer fit.
local function arm(ctx)
  local s = state(ctx)
  for id, starts in pairs(s.armed) do
    local b = by_id[id]
    if not b or b.starts ~= starts or not wants(s, id) then
      ctx:cancel("schedule:remind:" .. id)
      s.armed[id] = nil
    end
  end
  for _, b in ipairs(blocks) do
    local due = b.starts - remind_before
    if wants(s, b.id) and s.armed[b.id] ~= b.starts and due > ctx.now then
      ctx:remind_in(math.ceil(due - ctx.now), "schedule:remind:" .. b.id, { id = b.id, starts = b.starts })
      s.armed[b.id] = b.starts
    end
  end
end
schedule.arm = arm

local function vars(ctx, b)
  return { title = schedule.title(ctx, b), time = schedule.time(ctx, b.starts), room = b.room or "",
           minutes = remind_before // 60 }
end

-- Subscribes to a block's reminder, or to every block with "all". Returns true, or
-- false and why ("unknown", "started"); replies unless opts.silent.
function schedule.subscribe(ctx, id, opts)
  local function say(key, v) if not (opts and opts.silent) then ctx:reply(i18n.t(ctx, key, v)) end end
  local s = state(ctx)
  if id == "all" then
    s.all = true
    arm(ctx)
    save_directory(ctx, s)
    say("schedule.subscribed_all", { minutes = remind_before // 60 })
    return true
  end
  local b = by_id[id]
  if not b then say("schedule.unknown", { id = tostring(id) }) return false, "unknown" end
  if b.starts <= ctx.now then say("schedule.started", vars(ctx, b)) return false, "started" end
  s.blocks[id] = true
  arm(ctx)
  save_directory(ctx, s)
  say("schedule.subscribed", vars(ctx, b))
  return true
end

-- Unsubscribes from a block, or from everything with "all".
function schedule.unsubscribe(ctx, id, opts)
  local function say(key, v) if not (opts and opts.silent) then ctx:reply(i18n.t(ctx, key, v)) end end
  local s = state(ctx)
  if id == "all" then
    s.all, s.blocks = nil, {}
    say("schedule.unsubscribed_all")
  else
    local b = by_id[id]
    if not b then say("schedule.unknown", { id = tostring(id) }) return false, "unknown" end
    s.blocks[id] = nil
    if s.all then   -- "all but this one"
      s.all = nil
      for _, x in ipairs(blocks) do if x.id ~= id then s.blocks[x.id] = true end end
    end
    say("schedule.unsubscribed", vars(ctx, b))
  end
  arm(ctx)
  save_directory(ctx, s)
  return true
end

-- The reminder itself, in the user's conversation (from their timer or a segment's
-- fan-out): once per block and start time, never after the block began.
local function remind(ctx, data, from_segment)
  if not (data and data.id) then return end
  local b = by_id[data.id]
  local s = state(ctx)
  if not from_segment then s.armed[data.id] = nil end
  if not b or b.starts ~= data.starts then
    return arm(ctx)   -- moved or cancelled since: follow the programme as it is now
  end
  if (not from_segment and not wants(s, b.id)) or ctx.now >= b.starts then return end
  if s.reminded[b.id] == b.starts then return end
  s.reminded[b.id] = b.starts
  ctx:reply(i18n.t(ctx, "schedule.reminder", vars(ctx, b)))
  bot.store.incr("schedule:stats:reminded")
end

-- Walks the subscriber directory from `cursor`, signalling the change to those it
-- concerns; continues on a timer. Runs in the conversation that found the change.
local function notify_batch(ctx, d)
  local cursor, seen = d.cursor or 0, 0
  local concerned = {}
  for _, c in ipairs(d.changes) do concerned[c.id] = true end
  while cursor < BUCKETS and seen < cfg.batch do
    for _, e in ipairs(bot.store.scan(string.format("schedule:subscriber:%03x:", cursor), 1000)) do
      seen = seen + 1
      local hit = e.value.all
      for id in pairs(e.value.blocks or {}) do hit = hit or concerned[id] end
      if hit then
        local address = e.key:match("^schedule:subscriber:%x+:(.*)$")
        ctx:signal(address, "schedule:changed", { version = d.version, changes = d.changes })
      end
    end
    cursor = cursor + 1
  end
  if cursor < BUCKETS then
    ctx:remind_in(cfg.gap, "schedule:notify:" .. d.version, { version = d.version, changes = d.changes, cursor = cursor })
  end
end

-- Arms the fan-out of a block's segment reminder in this conversation.
local function arm_segment(ctx, b)
  local name = "schedule:segment:" .. b.id
  local due = b.starts - remind_before
  if b.notify and due > ctx.now then
    ctx:remind_in(math.ceil(due - ctx.now), name, { id = b.id, starts = b.starts })
  else
    ctx:cancel(name)
  end
end

local function segment_batch(ctx, d)
  local b = by_id[d.id]
  if not b or b.starts ~= d.starts or not b.notify or ctx.now >= b.starts then return end
  if not segments.exists(b.notify) then
    return bot.log("schedule: block " .. b.id .. ": no segment " .. b.notify .. " to remind")
  end
  local page, cursor = segments.members(b.notify, d.cursor, cfg.batch)
  for _, m in ipairs(page) do
    ctx:signal(m.address, "schedule:remind", { id = b.id, starts = b.starts })
  end
  if cursor then
    ctx:remind_in(cfg.gap, "schedule:segment:" .. b.id, { id = b.id, starts = b.starts, cursor = cursor })
  end
end

-- Compares the programme with the one last published (bot.store "schedule:state"):
-- stores the new one, arms segment reminders here, and tells subscribers what changed.
-- Returns the list of changes ({ id, kind = "moved"|"removed"|"added" }) and whether
-- this was the first publication. Cheap when nothing changed: call it from /start too.
function schedule.sync(ctx)
  local st = bot.store.get("schedule:state")
  if st and st.version == version then return {}, false end
  local snap = {}
  for _, b in ipairs(blocks) do snap[b.id] = { fp = fingerprint(b), title = b.title } end
  local changes = {}
  if st then
    for id, old in pairs(st.blocks) do
      if not snap[id] then changes[#changes + 1] = { id = id, kind = "removed", title = old.title } end
    end
    for _, b in ipairs(blocks) do
      local old = st.blocks[b.id]
      if not old then changes[#changes + 1] = { id = b.id, kind = "added" }
      elseif old.fp ~= snap[b.id].fp then changes[#changes + 1] = { id = b.id, kind = "moved" } end
    end
  end
  bot.store.put("schedule:state", { version = version, blocks = snap, at = ctx.now })
  for _, b in ipairs(blocks) do arm_segment(ctx, b) end
  if st then
    for id in pairs(st.blocks) do
      if not snap[id] then ctx:cancel("schedule:segment:" .. id) end
    end
  end
  if #changes > 0 then notify_batch(ctx, { version = version, changes = changes }) end
  return changes, st == nil
end

-- In a subscriber's conversation: re-arm, and say what changed among their blocks.
local function changed(ctx, d)
  local s = state(ctx)
  if s.seen == d.version then return end
  s.seen = d.version
  arm(ctx)
  local lines = { i18n.t(ctx, "schedule.changed") }
  for _, c in ipairs(d.changes) do
    local b = by_id[c.id]
    if c.kind == "removed" and (s.all or s.blocks[c.id]) then
      s.blocks[c.id] = nil
      lines[#lines + 1] = i18n.t(ctx, "schedule.change.removed", { title = schedule.title(ctx, { title = c.title }) })
    elseif b and c.kind == "moved" and wants(s, c.id) then
      lines[#lines + 1] = i18n.t(ctx, "schedule.change.moved", vars(ctx, b))
    elseif b and c.kind == "added" and s.all then
      lines[#lines + 1] = i18n.t(ctx, "schedule.change.added", vars(ctx, b))
    end
  end
  save_directory(ctx, s)
  if #lines > 1 then ctx:reply(table.concat(lines, "\n")) end
end

-- The programme with a reminder toggle per block that has not started.
function schedule.show(ctx, opts)
  local s = state(ctx)
  local lines = { i18n.t(ctx, "schedule.title", { zone = os.date("%Z") }) }
  local rows = {}
  for _, b in ipairs(blocks) do
    local v = vars(ctx, b)
    local on = wants(s, b.id)
    v.mark = on and "🔔" or "•"
    lines[#lines + 1] = i18n.t(ctx, "schedule.line", v)
    if b.starts > ctx.now then
      rows[#rows + 1] = { { (on and "🔕 " or "🔔 ") .. v.time .. " " .. v.title,
                            (on and "schedule:unsub:" or "schedule:sub:") .. b.id } }
    end
  end
  rows[#rows + 1] = s.all and { { i18n.t(ctx, "schedule.remind_none"), "schedule:unsub:all" } }
    or { { i18n.t(ctx, "schedule.remind_all"), "schedule:sub:all" } }
  ctx:reply(table.concat(lines, "\n"), { buttons = rows, edit = opts and opts.edit or nil })
end

-- A user who asks to be forgotten (profile.forget) loses their subscriptions too.
profile.on_forget(function(ctx)
  local s = ctx.session._schedule
  if not s then return end
  for id in pairs(s.armed) do ctx:cancel("schedule:remind:" .. id) end
  bot.store.delete(dir_key(ctx.chat.address))
  ctx.session._schedule = nil
end)

bot.on("timer:schedule:*", function(ctx, data)
  local name = ctx.event.name
  if name:find("^schedule:remind:") then return remind(ctx, data, false) end
  if name:find("^schedule:segment:") then return segment_batch(ctx, data) end
  if name:find("^schedule:notify:") then return notify_batch(ctx, data) end
end)
bot.on("signal:schedule:*", function(ctx, data)
  if ctx.event.name == "schedule:remind" then return remind(ctx, data, true) end
  if ctx.event.name == "schedule:changed" then return changed(ctx, data) end
end)
bot.on("button:schedule:*", function(ctx, id)
  local verb, block = id:match("^schedule:(%a+):(.+)$")
  if verb == "sub" then schedule.subscribe(ctx, block, { silent = true })
  elseif verb == "unsub" then schedule.unsubscribe(ctx, block, { silent = true }) end
  schedule.show(ctx, { edit = true })
end)

-- /programme (the programme with toggles), /programme publish (organisers: send the
-- changes), /remind <block|all>, /unremind <block|all>.
function schedule.commands()
  bot.command("programme", function(ctx, args)
    if args:match("^%s*publish") then
      if not roles.require(ctx, cfg.role) then return end
      local changes, first = schedule.sync(ctx)
      if first then return ctx:reply(i18n.t(ctx, "schedule.first", { count = #blocks })) end
      if #changes == 0 then return ctx:reply(i18n.t(ctx, "schedule.unchanged")) end
      return ctx:reply(i18n.t(ctx, "schedule.published", { count = #changes }))
    end
    schedule.show(ctx)
  end)
  bot.command("remind", function(ctx, args)
    local id = args:match("%S+")
    if not id then return schedule.show(ctx) end
    schedule.subscribe(ctx, id)
  end)
  bot.command("unremind", function(ctx, args)
    schedule.unsubscribe(ctx, args:match("%S+") or "all")
  end)
end

return schedule
