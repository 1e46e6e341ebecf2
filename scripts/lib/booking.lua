-- booking.lua: appointments. Free slots as buttons -> the rules and a confirmation ->
-- booked; reminders 24 h and 2 h before with Confirm / Reschedule, one more ask when the
-- 24 h reminder stays unconfirmed, and after the slot a no-show follow-up offering
-- another time (attendance marked by staff, or taken from the confirmation). Cancelling
-- or rescheduling frees the slot and cancels the old timers; so does a user's request to
-- be forgotten (profile.forget). docs/lib/booking.md.
--
-- State: ctx.session._booking = { at = slot time, state = "booked"|"attended"|"noshow"|
-- "cancelled", confirmed = bool, arrived = bool, reasked = bool };
-- bot.store "booking:slot:<at>" (the addresses booked there), "booking:stats:<what>";
-- timers booking:remind24, booking:reask, booking:remind2, booking:after.
local i18n = require "i18n"
local profile = require "profile"

local booking = {}

local cfg                 -- the bot's setup{}: re-made at every load, never state

local TIMERS = { "booking:remind24", "booking:reask", "booking:remind2", "booking:after" }

i18n.defaults("en", {
  ["booking.pick"] = "Pick a time:",
  ["booking.none"] = "None of these suit me",
  ["booking.check"] = "{when}. {rules} Shall I book it?",
  ["booking.book"] = "Book it",
  ["booking.other"] = "Another time",
  ["booking.booked"] = "Booked: {when}. I'll remind you a day and two hours before.",
  ["booking.taken"] = "Sorry, that time has just been taken.",
  ["booking.already"] = "You already have a booking: {when}.",
  ["booking.remind24"] = "Reminder: your appointment is tomorrow, {when}. Will you come?",
  ["booking.reask"] = "We haven't heard from you: are you coming on {when}?",
  ["booking.remind2"] = "Your appointment is in 2 hours: {when}.",
  ["booking.confirm"] = "Confirm",
  ["booking.reschedule"] = "Reschedule",
  ["booking.cancel"] = "Cancel",
  ["booking.confirmed"] = "Thank you, see you on {when}!",
  ["booking.cancelled"] = "Your booking for {when} is cancelled.",
  ["booking.again"] = "Book another time",
  ["booking.noshow"] = "We missed you on {when}. Would you like to book another time?",
  ["booking.handed"] = "A manager will contact you to find a time.",
  ["booking.stale"] = "This booking is no longer current.",
  ["booking.manager.booked"] = "Booking: {name} ({address}), {when}.",
  ["booking.manager.cancelled"] = "Cancelled: {name} ({address}), {when}.",
  ["booking.manager.noshow"] = "No-show: {name} ({address}), {when}.",
  ["booking.manager.handoff"] = "{name} ({address}) found no suitable time; please contact them.",
  ["booking.manager.forgotten"] = "Cancelled: the booking of {when} (the customer asked for their data to be deleted).",
})
i18n.defaults("ru", {
  ["booking.pick"] = "Выберите время:",
  ["booking.none"] = "Мне ничего не подходит",
  ["booking.check"] = "{when}. {rules} Записать вас?",
  ["booking.book"] = "Записаться",
  ["booking.other"] = "Другое время",
  ["booking.booked"] = "Вы записаны: {when}. Я напомню за сутки и за два часа.",
  ["booking.taken"] = "Извините, это время только что заняли.",
  ["booking.already"] = "Вы уже записаны: {when}.",
  ["booking.remind24"] = "Напоминаем: ваша запись завтра, {when}. Вы придёте?",
  ["booking.reask"] = "Мы не получили ответа: вы придёте {when}?",
  ["booking.remind2"] = "Ваша запись через 2 часа: {when}.",
  ["booking.confirm"] = "Подтверждаю",
  ["booking.reschedule"] = "Перенести",
  ["booking.cancel"] = "Отменить",
  ["booking.confirmed"] = "Спасибо, ждём вас {when}!",
  ["booking.cancelled"] = "Ваша запись на {when} отменена.",
  ["booking.again"] = "Записаться на другое время",
  ["booking.noshow"] = "Мы ждали вас {when}. Хотите записаться на другое время?",
  ["booking.handed"] = "Менеджер свяжется с вами, чтобы подобрать время.",
  ["booking.stale"] = "Эта запись уже неактуальна.",
  ["booking.manager.booked"] = "Запись: {name} ({address}), {when}.",
  ["booking.manager.cancelled"] = "Отмена: {name} ({address}), {when}.",
  ["booking.manager.noshow"] = "Не пришёл: {name} ({address}), {when}.",
  ["booking.manager.handoff"] = "{name} ({address}) не нашёл подходящего времени; свяжитесь с ним.",
  ["booking.manager.forgotten"] = "Отмена: запись на {when} (клиент попросил удалить его данные).",
})

local UNITS = { s = 1, m = 60, h = 3600, d = 86400, w = 7 * 86400 }
local function seconds(d)
  if type(d) == "number" then return d end
  local total, rest = 0, d
  while #rest > 0 do
    local n, u, tail = rest:match("^(%d+)([smhdw])(.*)$")
    assert(n, "booking: bad duration " .. tostring(d))
    total, rest = total + tonumber(n) * UNITS[u], tail
  end
  return total
end

local function tr(ctx, v, vars)
  if type(v) == "table" then return v[i18n.locale(ctx)] or v[i18n.default()] or select(2, next(v)) end
  return i18n.t(ctx, v, vars)
end

local function stat(what) bot.store.incr("booking:stats:" .. what) end
-- A time as who (ctx, or the manager's locale) reads it: slot_format (one, or one per
-- language), month and weekday names in that language (i18n.date).
local function when(who, at)
  local format = cfg.slot_format or "%d.%m %H:%M"
  if type(format) == "table" then
    local l = type(who) == "string" and who or i18n.locale(who)
    format = format[l] or format[i18n.default()] or select(2, next(format))
  end
  return i18n.date(who, format, at)
end

local function tell_manager(ctx, key, at)
  if not cfg.manager then return end
  local loc = cfg.manager_locale or i18n.default()
  ctx:send(cfg.manager, i18n.t(loc, key,
    { name = ctx.user.name or ctx.user.id, address = ctx.chat.address, when = at and when(loc, at) or "" }))
end

-- Who is booked at a slot: a list of addresses (capacity people per slot).
local function holders(at) return bot.store.get("booking:slot:" .. at) or {} end

local function is_free(ctx, at)
  if at <= ctx.now then return false end
  local h = holders(at)
  for _, a in ipairs(h) do if a == ctx.chat.address then return true end end
  return #h < (cfg.capacity or 1)
end

local function release(ctx, at)
  local left = {}
  for _, a in ipairs(holders(at)) do if a ~= ctx.chat.address then left[#left + 1] = a end end
  bot.store.put("booking:slot:" .. at, #left > 0 and left or nil)
end

local function current(ctx)
  local st = ctx.session._booking
  if st and st.state == "booked" then return st end
end

function booking.current(ctx)
  local st = current(ctx)
  return st and { at = st.at, confirmed = st.confirmed, arrived = st.arrived }
end

local function manage_buttons(ctx, at, with_confirm)
  local row = {}
  if with_confirm then row[#row + 1] = { i18n.t(ctx, "booking.confirm"), "booking:confirm:" .. at } end
  row[#row + 1] = { i18n.t(ctx, "booking.reschedule"), "booking:reschedule:" .. at }
  row[#row + 1] = { i18n.t(ctx, "booking.cancel"), "booking:cancel:" .. at }
  return { row }
end

-- Shows the free slots (or, with a booking, that booking).
function booking.offer(ctx, intro)
  local st = current(ctx)
  if st then
    return ctx:reply(i18n.t(ctx, "booking.already", { when = when(ctx, st.at) }),
      { buttons = manage_buttons(ctx, st.at) })
  end
  local list = type(cfg.slots) == "function" and cfg.slots(ctx) or cfg.slots
  local rows = {}
  for _, at in ipairs(list) do
    if is_free(ctx, at) then rows[#rows + 1] = { when(ctx, at), "booking:pick:" .. at } end
    if #rows >= (cfg.max_slots or 6) then break end
  end
  if #rows == 0 then return booking.hand_over(ctx) end
  rows[#rows + 1] = { i18n.t(ctx, "booking.none"), "booking:none" }
  local text = i18n.t(ctx, "booking.pick")
  if intro then text = intro .. " " .. text end
  ctx:reply(text, { buttons = rows })
end

-- The safe fallback: no time suits (or none is free): a manager takes over.
function booking.hand_over(ctx)
  tell_manager(ctx, "booking.manager.handoff")
  ctx:reply(i18n.t(ctx, "booking.handed"))
  ctx:handoff("booking: no suitable time")
  stat("handoff")
end

local function clear_timers(ctx) for _, t in ipairs(TIMERS) do ctx:cancel(t) end end

local function arm(ctx, name, due, at)
  if due > ctx.now then ctx:remind_in(due - ctx.now, name, { at = at }) end
end

local function book(ctx, at)
  if current(ctx) then return booking.offer(ctx) end
  if not is_free(ctx, at) then return booking.offer(ctx, i18n.t(ctx, "booking.taken")) end
  local h = holders(at)
  h[#h + 1] = ctx.chat.address
  bot.store.put("booking:slot:" .. at, h)
  ctx.session._booking = { at = at, state = "booked", confirmed = false, arrived = false }
  arm(ctx, "booking:remind24", at - 86400, at)
  arm(ctx, "booking:remind2", at - 7200, at)
  arm(ctx, "booking:after", at + seconds(cfg.grace or "30m"), at)
  stat("booked")
  tell_manager(ctx, "booking.manager.booked", at)
  ctx:reply(i18n.t(ctx, "booking.booked", { when = when(ctx, at) }), { buttons = manage_buttons(ctx, at) })
end

-- Ends the current booking without attending it: the slot is free again.
local function drop(ctx, st, state)
  release(ctx, st.at)
  clear_timers(ctx)
  st.state = state
end

function booking.cancel(ctx)
  local st = current(ctx)
  if not st then return false end
  drop(ctx, st, "cancelled")
  stat("cancelled")
  tell_manager(ctx, "booking.manager.cancelled", st.at)
  ctx:reply(i18n.t(ctx, "booking.cancelled", { when = when(ctx, st.at) }),
    { buttons = { { i18n.t(ctx, "booking.again"), "booking:offer" } } })
  return true
end

-- Attendance, in the customer's conversation (or from staff: booking.mark_arrived).
function booking.arrived(ctx)
  local st = current(ctx)
  if not st then return false end
  st.arrived = true
  return true
end

-- From a staff conversation: marks the customer at address as arrived.
function booking.mark_arrived(ctx, address)
  ctx:signal(address, "booking:arrived")
end

-- The button's slot must be the current booking's; otherwise it is an old message.
local function live(ctx, id)
  local st = current(ctx)
  local at = tonumber(id:match(":(%d+)$"))
  if st and st.at == at then return st end
  ctx:reply(i18n.t(ctx, "booking.stale"))
end

local function on_timer(ctx, data)
  local st = current(ctx)
  if not (st and data and data.at == st.at) then return end
  local name = ctx.event.name
  local vars = { when = when(ctx, st.at) }
  if name == "booking:remind24" then
    ctx:reply(i18n.t(ctx, "booking.remind24", vars), { buttons = manage_buttons(ctx, st.at, not st.confirmed) })
    if not st.confirmed then arm(ctx, "booking:reask", ctx.now + seconds(cfg.reask_after or "4h"), st.at) end
  elseif name == "booking:reask" then
    if st.confirmed or st.reasked then return end
    st.reasked = true
    stat("reasked")
    ctx:reply(i18n.t(ctx, "booking.reask", vars), { buttons = manage_buttons(ctx, st.at, true) })
  elseif name == "booking:remind2" then
    ctx:cancel("booking:reask")
    ctx:reply(i18n.t(ctx, "booking.remind2", vars), { buttons = manage_buttons(ctx, st.at, not st.confirmed) })
  elseif name == "booking:after" then
    local attended = st.arrived or ((cfg.attendance or "mark") == "confirmed" and st.confirmed)
    if attended then
      st.state = "attended"
      stat("completed")
      if cfg.on_attended then cfg.on_attended(ctx, st.at) end
      return
    end
    drop(ctx, st, "noshow")
    stat("noshow")
    tell_manager(ctx, "booking.manager.noshow", st.at)
    ctx:reply(i18n.t(ctx, "booking.noshow", vars), { buttons = { { i18n.t(ctx, "booking.again"), "booking:offer" } } })
  end
end

-- A user who asks to be forgotten: a current booking is cancelled (the slot is free, no
-- reminder or no-show message follows; the manager hears of it without a name), and the
-- booking's state goes.
profile.on_forget(function(ctx)
  local st = current(ctx)
  if st then
    drop(ctx, st, "cancelled")
    stat("cancelled")
    if cfg and cfg.manager then
      local loc = cfg.manager_locale or i18n.default()
      ctx:send(cfg.manager, i18n.t(loc, "booking.manager.forgotten", { when = when(loc, st.at) }))
    end
  end
  clear_timers(ctx)
  ctx.session._booking = nil
end)

-- setup{ slots, rules, ... }: docs/lib/booking.md.
function booking.setup(c)
  assert(type(c) == "table" and (type(c.slots) == "table" or type(c.slots) == "function"),
    "booking.setup{ slots = {...} or function(ctx) }")
  assert(c.attendance == nil or c.attendance == "mark" or c.attendance == "confirmed",
    "booking.setup: attendance is \"mark\" or \"confirmed\"")
  cfg = c
  bot.on("button:booking:offer", function(ctx) booking.offer(ctx) end)
  bot.on("button:booking:none", function(ctx)
    if current(ctx) then return booking.offer(ctx) end
    booking.hand_over(ctx)
  end)
  bot.on("button:booking:pick:*", function(ctx, id)
    local at = tonumber(id:match(":(%d+)$"))
    if current(ctx) then return booking.offer(ctx) end
    if not (at and is_free(ctx, at)) then return booking.offer(ctx, i18n.t(ctx, "booking.taken")) end
    ctx:reply(i18n.t(ctx, "booking.check", { when = when(ctx, at), rules = cfg.rules and tr(ctx, cfg.rules) or "" }),
      { buttons = { { { i18n.t(ctx, "booking.book"), "booking:book:" .. at },
                      { i18n.t(ctx, "booking.other"), "booking:offer" } } } })
  end)
  bot.on("button:booking:book:*", function(ctx, id)
    local at = tonumber(id:match(":(%d+)$"))
    if not at then return booking.offer(ctx) end
    book(ctx, at)
  end)
  bot.on("button:booking:confirm:*", function(ctx, id)
    local st = live(ctx, id)
    if not st then return end
    if not st.confirmed then stat("confirmed") end
    st.confirmed = true
    ctx:cancel("booking:reask")
    ctx:reply(i18n.t(ctx, "booking.confirmed", { when = when(ctx, st.at) }))
  end)
  bot.on("button:booking:reschedule:*", function(ctx, id)
    local st = live(ctx, id)
    if not st then return end
    drop(ctx, st, "rescheduled")
    stat("rescheduled")
    booking.offer(ctx)
  end)
  bot.on("button:booking:cancel:*", function(ctx, id)
    if live(ctx, id) then booking.cancel(ctx) end
  end)
  bot.on("timer:booking:*", on_timer)
  bot.on("signal:booking:arrived", function(ctx) booking.arrived(ctx) end)
  return booking
end

return booking
