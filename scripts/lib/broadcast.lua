-- broadcast.lua: one message to every member of a segment, now or at a given time.
-- The starting conversation fans out in batches (a durable timer between batches, so
-- a restart resumes where it stopped and no event goes over its budget); each
-- recipient's own conversation renders the message in its user's language, checks
-- consent and the channel's window, and marks the customer done, so nobody gets a
-- broadcast twice. parley's outbox paces the messages by each channel's rate limits.
-- Counts per outcome make the delivery report (/broadcast status <id>). A user who asks
-- to be forgotten (profile.forget) loses their delivery marks. docs/lib/broadcast.md.
local i18n = require "i18n"
local identity = require "identity"
local profile = require "profile"
local roles = require "roles"
local segments = require "segments"

local broadcast = {}

local OUTCOMES = { "delivered", "no_consent", "window", "cancelled", "duplicate" }

i18n.defaults("en", {
  ["broadcast.usage"] = "Usage: /broadcast <segment> <text>, /broadcast at 2026-06-18 09:30 <segment> <text>, "
    .. "/broadcast status <id>, /broadcast cancel <id>. Segments: {segments}.",
  ["broadcast.no_segment"] = "There is no segment \"{segment}\". Segments: {segments}.",
  ["broadcast.bad_time"] = "I can't use that time: write it as 2026-06-18 09:30 (our time zone), in the future.",
  ["broadcast.started"] = "Broadcast #{id} to \"{segment}\" is on its way. /broadcast status {id} shows the report.",
  ["broadcast.scheduled"] = "Broadcast #{id} to \"{segment}\" will start on {when}. /broadcast cancel {id} cancels it.",
  ["broadcast.handed_out"] = "Broadcast #{id}: handed out to {count} recipients. /broadcast status {id} shows the deliveries.",
  ["broadcast.failed"] = "Broadcast #{id} stopped: the segment \"{segment}\" no longer exists.",
  ["broadcast.unknown"] = "There is no broadcast #{id}.",
  ["broadcast.cancelled"] = "Broadcast #{id} is cancelled; nobody else will get it.",
  ["broadcast.not_cancellable"] = "Broadcast #{id} is already {status}.",
  ["broadcast.status.scheduled"] = "scheduled",
  ["broadcast.status.sending"] = "sending",
  ["broadcast.status.sent"] = "handed out",
  ["broadcast.status.cancelled"] = "cancelled",
  ["broadcast.status.failed"] = "stopped",
  ["broadcast.report"] = "Broadcast #{id} to \"{segment}\": {status}.\nTargeted: {targeted}, delivered: {delivered}, "
    .. "no consent: {no_consent}, outside the messaging window: {window}, after cancelling: {cancelled}, "
    .. "pending: {pending}.",
})
i18n.defaults("ru", {
  ["broadcast.usage"] = "Формат: /broadcast <сегмент> <текст>, /broadcast at 2026-06-18 09:30 <сегмент> <текст>, "
    .. "/broadcast status <номер>, /broadcast cancel <номер>. Сегменты: {segments}.",
  ["broadcast.no_segment"] = "Сегмента «{segment}» нет. Сегменты: {segments}.",
  ["broadcast.bad_time"] = "Не получается понять время: напишите его как 2026-06-18 09:30 (по нашему часовому поясу), в будущем.",
  ["broadcast.started"] = "Рассылка №{id} для «{segment}» началась. /broadcast status {id} покажет отчёт.",
  ["broadcast.scheduled"] = "Рассылка №{id} для «{segment}» начнётся {when}. /broadcast cancel {id} отменит её.",
  ["broadcast.handed_out"] = "Рассылка №{id}: передана {count} получателям. /broadcast status {id} покажет доставку.",
  ["broadcast.failed"] = "Рассылка №{id} остановлена: сегмента «{segment}» больше нет.",
  ["broadcast.unknown"] = "Рассылки №{id} нет.",
  ["broadcast.cancelled"] = "Рассылка №{id} отменена; больше её никто не получит.",
  ["broadcast.not_cancellable"] = "Рассылка №{id} уже {status}.",
  ["broadcast.status.scheduled"] = "запланирована",
  ["broadcast.status.sending"] = "отправляется",
  ["broadcast.status.sent"] = "передана",
  ["broadcast.status.cancelled"] = "отменена",
  ["broadcast.status.failed"] = "остановлена",
  ["broadcast.report"] = "Рассылка №{id} для «{segment}»: {status}.\nПолучателей: {targeted}, доставлено: {delivered}, "
    .. "без согласия: {no_consent}, вне окна переписки: {window}, после отмены: {cancelled}, "
    .. "в пути: {pending}.",
})

local cfg = { role = "organiser", batch = 500, gap = "2s", consent = nil }

-- broadcast.setup{ role = "organiser", batch = 500, gap = "2s", consent = "marketing",
-- commands = true }: who may broadcast with the command, profiles read per batch, the
-- pause between batches, the consent the command's broadcasts require (none if nil).
function broadcast.setup(opts)
  opts = opts or {}
  cfg = {
    role = opts.role or "organiser",
    batch = opts.batch or 500,
    gap = opts.gap or "2s",
    consent = opts.consent,
  }
  if opts.commands then broadcast.commands() end
end

local function key(id) return "broadcast:" .. id end
local function count_key(id, what) return "broadcast:" .. id .. ":count:" .. what end

-- A broadcast's record and its counts: { id, segment, status, ..., counts = { targeted =,
-- delivered =, no_consent =, window =, cancelled =, duplicate =, pending = } }, or nil.
function broadcast.get(id)
  local rec = bot.store.get(key(id))
  if not rec then return nil end
  local c = { targeted = bot.store.get(count_key(id, "targeted")) or 0 }
  local handled = 0
  for _, o in ipairs(OUTCOMES) do
    c[o] = bot.store.get(count_key(id, o)) or 0
    if o ~= "duplicate" then handled = handled + c[o] end
  end
  c.pending = math.max(0, c.targeted - handled)
  rec.counts = c
  return rec
end

-- Hands one page of the segment out: a signal per member, then a timer for the next
-- page, or the end. Runs in the starting conversation.
local function run_batch(ctx, id)
  local rec = bot.store.get(key(id))
  if not rec or (rec.status ~= "scheduled" and rec.status ~= "sending") then return end
  if not segments.exists(rec.segment) then
    rec.status = "failed"
    bot.store.put(key(id), rec)
    bot.log("broadcast: #" .. id .. " stopped: no segment " .. rec.segment)
    return ctx:reply(i18n.t(ctx, "broadcast.failed", { id = id, segment = rec.segment }))
  end
  rec.status = "sending"
  local page, next_cursor = segments.members(rec.segment, rec.cursor, rec.batch or cfg.batch)
  for _, m in ipairs(page) do
    ctx:signal(m.address, "broadcast:deliver", { id = id })
  end
  if #page > 0 then bot.store.incr(count_key(id, "targeted"), #page) end
  rec.cursor = next_cursor
  rec.batches = (rec.batches or 0) + 1
  rec.targeted = (rec.targeted or 0) + #page
  if next_cursor then
    ctx:remind_in(cfg.gap, "broadcast:run:" .. id, { id = id })
  else
    rec.status = "sent"
    rec.finished = ctx.now
    ctx:reply(i18n.t(ctx, "broadcast.handed_out", { id = id, count = rec.targeted }))
  end
  bot.store.put(key(id), rec)
end

-- Starts a broadcast from this conversation (which gets the progress messages).
-- spec: segment (required); text (a string, or { en = "...", ru = "..." }) or key (an
-- i18n key, with vars); at (epoch seconds; nil = now); consent (a consent name the
-- recipient must have given; false = none; default the setup's); template (for channels
-- whose window has closed); batch (profiles per batch, default the setup's). Returns the
-- id, or nil and why ("no_segment", "no_text", "bad_time").
function broadcast.start(ctx, spec)
  if not segments.exists(spec.segment) then return nil, "no_segment" end
  if not spec.text and not spec.key then return nil, "no_text" end
  if spec.at and spec.at <= ctx.now then return nil, "bad_time" end
  local id
  repeat
    id = tostring(math.floor(bot.store.incr("broadcast:seq")))
  until not bot.store.get(key(id))
  local consent = spec.consent
  if consent == nil then consent = cfg.consent end
  bot.store.put(key(id), {
    id = id, segment = spec.segment, text = spec.text, key = spec.key, vars = spec.vars,
    consent = consent or nil, template = spec.template, batch = spec.batch, by = ctx.chat.address,
    created = ctx.now, at = spec.at, status = "scheduled",
  })
  bot.store.incr("broadcast:stats:started")
  if spec.at then
    ctx:remind_in(math.ceil(spec.at - ctx.now), "broadcast:run:" .. id, { id = id })
  else
    run_batch(ctx, id)
  end
  return id
end

-- Cancels a broadcast not yet handed out completely: recipients whose signal is still
-- on its way skip it. Returns true, or false and the current status.
function broadcast.cancel(ctx, id)
  local rec = bot.store.get(key(id))
  if not rec then return false, "unknown" end
  if rec.status ~= "scheduled" and rec.status ~= "sending" then return false, rec.status end
  rec.status = "cancelled"
  bot.store.put(key(id), rec)
  ctx:cancel("broadcast:run:" .. id)   -- if it runs elsewhere, its batch sees the status
  return true
end

-- The delivery report of a broadcast, in ctx's language.
function broadcast.report(ctx, id)
  local rec = broadcast.get(id)
  if not rec then return i18n.t(ctx, "broadcast.unknown", { id = id }) end
  local vars = { id = id, segment = rec.segment, status = i18n.t(ctx, "broadcast.status." .. rec.status) }
  for k, v in pairs(rec.counts) do vars[k] = v end
  return i18n.t(ctx, "broadcast.report", vars)
end

local function render(ctx, rec)
  if rec.key then return i18n.t(ctx, rec.key, rec.vars) end
  if type(rec.text) == "table" then
    return rec.text[i18n.locale(ctx)] or rec.text[i18n.default()] or select(2, next(rec.text))
  end
  return rec.text
end

-- In the recipient's conversation: deliver once per customer, or record why not.
local function deliver(ctx, data)
  local id = data and data.id
  local rec = id and bot.store.get(key(id))
  if not rec then return end
  local mark = "broadcast:" .. id .. ":sent:" .. identity.id(ctx)
  if bot.store.get(mark) then
    bot.store.incr(count_key(id, "duplicate"))
    return
  end
  local outcome = "delivered"
  if rec.status == "cancelled" then
    outcome = "cancelled"
  elseif rec.consent and not profile.consent(ctx, rec.consent) then
    outcome = "no_consent"
  elseif ctx.channel.window_open == false and not rec.template then
    outcome = "window"
  else
    local opts = (ctx.channel.window_open == false) and { template = rec.template } or nil
    ctx:reply(render(ctx, rec), opts)
  end
  bot.store.put(mark, { outcome = outcome, at = ctx.now })
  bot.store.incr(count_key(id, outcome))
end

-- A user who asks to be forgotten: their delivery marks go, under the customer id and
-- under this chat's own address (marks made before it was linked); the counts stay.
-- Without a profile they are in no segment, so no later batch reaches them. Broadcast
-- ids are 1..broadcast:seq: two reads per broadcast ever made.
profile.on_forget(function(ctx, id)
  for n = 1, math.floor(bot.store.get("broadcast:seq") or 0) do
    for _, who in ipairs({ id, ctx.chat.address }) do
      local mark = "broadcast:" .. n .. ":sent:" .. who
      if bot.store.get(mark) then bot.store.delete(mark) end
    end
  end
end)

bot.on("timer:broadcast:*", function(ctx, data)
  if data and data.id then run_batch(ctx, data.id) end
end)
bot.on("signal:broadcast:*", function(ctx, data)
  if ctx.event.name == "broadcast:deliver" then deliver(ctx, data) end
end)

local function segment_list()
  return table.concat(segments.names(), ", ")
end

-- /broadcast for holders of the setup's role: <segment> <text>, at <date> <time>
-- <segment> <text>, status <id>, cancel <id>.
function broadcast.commands()
  roles.command("broadcast", cfg.role, function(ctx, args)
    local verb, rest = args:match("^(%S+)%s*(.*)$")
    if verb == "status" and rest:match("^%d+$") then
      return ctx:reply(broadcast.report(ctx, rest))
    end
    if verb == "cancel" and rest:match("^%d+$") then
      local ok, status = broadcast.cancel(ctx, rest)
      if ok then return ctx:reply(i18n.t(ctx, "broadcast.cancelled", { id = rest })) end
      if status == "unknown" then return ctx:reply(i18n.t(ctx, "broadcast.unknown", { id = rest })) end
      return ctx:reply(i18n.t(ctx, "broadcast.not_cancellable",
        { id = rest, status = i18n.t(ctx, "broadcast.status." .. status) }))
    end
    local at
    if verb == "at" then
      local y, mo, d, h, mi, tail = rest:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)%s+(%d%d?):(%d%d)%s*(.*)$")
      if y then at = os.time{ year = y, month = mo, day = d, hour = h, min = mi, sec = 0 } end
      if not at or at <= ctx.now or tonumber(mo) > 12 or tonumber(h) > 23 or tonumber(mi) > 59 then
        return ctx:reply(i18n.t(ctx, "broadcast.bad_time"))
      end
      verb, rest = tail:match("^(%S+)%s*(.*)$")
    end
    if not verb or rest == "" then
      return ctx:reply(i18n.t(ctx, "broadcast.usage", { segments = segment_list() }))
    end
    local id, why = broadcast.start(ctx, { segment = verb, text = rest, at = at })
    if not id then
      return ctx:reply(i18n.t(ctx, "broadcast." .. why, { segment = verb, segments = segment_list() }))
    end
    if at then
      ctx:reply(i18n.t(ctx, "broadcast.scheduled", { id = id, segment = verb, when = os.date("%Y-%m-%d %H:%M", at) }))
    elseif broadcast.get(id).status == "sending" then
      ctx:reply(i18n.t(ctx, "broadcast.started", { id = id, segment = verb }))
    end
  end)
end

return broadcast
