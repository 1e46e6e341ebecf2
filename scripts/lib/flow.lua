-- flow.lua: forms — a bot declares a list of steps (number, phone, e-mail, date,
-- date-time, one-of choice, free text), the module asks them one by one, checks every
-- answer and asks again with help when it is wrong, and offers skip, back and cancel
-- (buttons, /commands and typed words in English and Russian). Steps may be
-- conditional and may time out. The place and the answers are data in
-- ctx.session._flow, so a form resumes exactly where it was after a restart; a reload
-- that removes or renames the step a user is on moves them to a sensible step with a
-- short note. A user who asks to be forgotten (profile.forget) loses an open form and
-- its answers. docs/lib/flow.md.
local i18n = require "i18n"
local profile = require "profile"

local flow = {}

local defs = {}   -- flow name -> definition (as given to flow.define)

local TYPES = { number = true, phone = true, email = true, date = true, datetime = true,
                choice = true, text = true }

i18n.defaults("en", {
  ["flow.skip"] = "Skip",
  ["flow.back"] = "Back",
  ["flow.cancel"] = "Cancel",
  ["flow.hint"] = "(/back — the previous question, /cancel — stop)",
  ["flow.hint_skip"] = "(/skip — skip it, /back — the previous question, /cancel — stop)",
  ["flow.cancelled"] = "Cancelled. Nothing was saved.",
  ["flow.closed"] = "That form is already closed.",
  ["flow.cannot_skip"] = "This question needs an answer.",
  ["flow.at_first"] = "This is the first question.",
  ["flow.moved"] = "The form has changed since you started, so we continue from here.",
  ["flow.gone"] = "The form you were filling in is no longer available. Nothing was saved.",
  ["flow.still_waiting"] = "Still there? Your answers so far are kept.",
  ["flow.bad_number"] = "Please send a number, like 3.",
  ["flow.bad_integer"] = "Please send a whole number.",
  ["flow.number_range"] = "Please send a number from {min} to {max}.",
  ["flow.number_min"] = "The number must be at least {min}.",
  ["flow.number_max"] = "The number must be at most {max}.",
  ["flow.bad_phone"] = "That does not look like a phone number. Send it with the country code, like +49 30 1234567.",
  ["flow.bad_email"] = "That does not look like an e-mail address, like name@example.com.",
  ["flow.bad_date"] = "Please send a date like 18.06.2026 or 2026-06-18.",
  ["flow.bad_datetime"] = "Please send a date and time like 18.06.2026 09:30 or 2026-06-18 09:30.",
  ["flow.past"] = "That has already passed; please send a later one.",
  ["flow.date_min"] = "Please send {min} or later.",
  ["flow.date_max"] = "Please send {max} or earlier.",
  ["flow.bad_choice"] = "Please pick one of the options.",
  ["flow.text_short"] = { one = "Please write at least {count} character.",
                          other = "Please write at least {count} characters." },
  ["flow.text_long"] = { one = "Please keep it to {count} character.",
                         other = "Please keep it to {count} characters." },
})
i18n.defaults("ru", {
  ["flow.skip"] = "Пропустить",
  ["flow.back"] = "Назад",
  ["flow.cancel"] = "Отмена",
  ["flow.hint"] = "(/back — предыдущий вопрос, /cancel — прервать)",
  ["flow.hint_skip"] = "(/skip — пропустить, /back — предыдущий вопрос, /cancel — прервать)",
  ["flow.cancelled"] = "Отменено. Ничего не сохранено.",
  ["flow.closed"] = "Эта анкета уже закрыта.",
  ["flow.cannot_skip"] = "На этот вопрос нужно ответить.",
  ["flow.at_first"] = "Это первый вопрос.",
  ["flow.moved"] = "Анкета изменилась, пока вы её заполняли, поэтому продолжим отсюда.",
  ["flow.gone"] = "Анкета, которую вы заполняли, больше недоступна. Ничего не сохранено.",
  ["flow.still_waiting"] = "Вы ещё здесь? Ответы, которые вы уже дали, сохранены.",
  ["flow.bad_number"] = "Пожалуйста, пришлите число, например 3.",
  ["flow.bad_integer"] = "Пожалуйста, пришлите целое число.",
  ["flow.number_range"] = "Пожалуйста, пришлите число от {min} до {max}.",
  ["flow.number_min"] = "Число должно быть не меньше {min}.",
  ["flow.number_max"] = "Число должно быть не больше {max}.",
  ["flow.bad_phone"] = "Это не похоже на номер телефона. Пришлите его с кодом страны, например +7 999 123-45-67.",
  ["flow.bad_email"] = "Это не похоже на адрес e-mail, например name@example.com.",
  ["flow.bad_date"] = "Пожалуйста, пришлите дату, например 18.06.2026 или 2026-06-18.",
  ["flow.bad_datetime"] = "Пожалуйста, пришлите дату и время, например 18.06.2026 09:30.",
  ["flow.past"] = "Это время уже прошло; пришлите, пожалуйста, более позднее.",
  ["flow.date_min"] = "Пожалуйста, не раньше {min}.",
  ["flow.date_max"] = "Пожалуйста, не позже {max}.",
  ["flow.bad_choice"] = "Пожалуйста, выберите один из вариантов.",
  ["flow.text_short"] = { one = "Пожалуйста, напишите хотя бы {count} символ.",
                          few = "Пожалуйста, напишите хотя бы {count} символа.",
                          many = "Пожалуйста, напишите хотя бы {count} символов." },
  ["flow.text_long"] = { one = "Пожалуйста, уложитесь в {count} символ.",
                         few = "Пожалуйста, уложитесь в {count} символа.",
                         many = "Пожалуйста, уложитесь в {count} символов." },
})

-- Typed words (folded) that steer a form, in both languages, with or without "/".
local WORDS = {
  skip = "skip", ["/skip"] = "skip", ["пропустить"] = "skip", ["пропуск"] = "skip",
  back = "back", ["/back"] = "back", ["назад"] = "back",
  cancel = "cancel", ["/cancel"] = "cancel", ["отмена"] = "cancel", ["отменить"] = "cancel",
}

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Folded for comparison; nil for text that is not valid UTF-8.
local function fold(s)
  if not utf8.len(s) then return nil end
  return bot.text.fold(trim(s))
end

-- Validators ------------------------------------------------------------------------
-- Each takes (text, step, ctx) and returns value or nil, error key, vars.

local function check_number(text, step)
  local s = text:gsub("%s", ""):gsub(",", ".")
  if not (s:match("^[+-]?%d+%.?%d*$") or s:match("^[+-]?%.%d+$")) then return nil, "flow.bad_number" end
  local n = tonumber(s)
  if step.integer then
    if n ~= math.floor(n) then return nil, "flow.bad_integer" end
  end
  n = math.tointeger(n) or n
  if (step.min and n < step.min) or (step.max and n > step.max) then
    if step.min and step.max then return nil, "flow.number_range", { min = step.min, max = step.max } end
    if step.min then return nil, "flow.number_min", { min = step.min } end
    return nil, "flow.number_max", { max = step.max }
  end
  return n
end

-- Phone numbers become "+" and 8–15 digits. National numbers are accepted when the step
-- (or the form) names the country code: its trunk prefix 0 is dropped ("030 1234567"
-- with country "49" -> +49301234567); for "7", 8XXXXXXXXXX and 10 digits are Russian.
local function check_phone(text, step)
  local s = trim(text)
  if s:find("[^%d%s%-%(%)%.%+]") or s:find(".%+") then return nil, "flow.bad_phone" end
  local digits = s:gsub("%D", "")
  local country = step.country and tostring(step.country)
  local e164
  if s:sub(1, 1) == "+" then
    e164 = digits
  elseif digits:sub(1, 2) == "00" then
    e164 = digits:sub(3)
  elseif country == "7" and #digits == 11 and digits:match("^[78]") then
    e164 = "7" .. digits:sub(2)
  elseif country == "7" and #digits == 10 then
    e164 = "7" .. digits
  elseif country and digits:sub(1, 1) == "0" then
    e164 = country .. digits:sub(2)
  elseif country then
    e164 = country .. digits
  end
  if not e164 or #e164 < 8 or #e164 > 15 or e164:sub(1, 1) == "0" then return nil, "flow.bad_phone" end
  return "+" .. e164
end

local function check_email(text)
  local s = trim(text)
  local user, domain = s:match("^([%w%.%+%-_!#$%%&'*/=?^`{|}~]+)@([%w%.%-]+)$")
  if not user or #s > 254 or #user > 64 then return nil, "flow.bad_email" end
  if user:find("^%.") or user:find("%.$") or user:find("%.%.") then return nil, "flow.bad_email" end
  if not domain:find("%.") or domain:find("%.%.") or domain:find("^[.-]") or domain:find("[.-]$")
    or domain:find("%-%.") or domain:find("%.%-") or not domain:match("%.(%a%a+)$") then
    return nil, "flow.bad_email"
  end
  return user .. "@" .. domain:lower()
end

-- The day a text names, in the tenant's local calendar: 2026-06-18, 18.06.2026,
-- 18/06/2026, 18.06.26, 18.06 (this year), today / tomorrow / сегодня / завтра.
local function parse_day(s, ctx)
  local f = fold(s) or ""
  local now = os.date("*t", math.floor(ctx.now))
  if f == "today" or f == "сегодня" or f == "tomorrow" or f == "завтра" then
    local t = os.time{ year = now.year, month = now.month, day = now.day, hour = 12 }
    if f == "tomorrow" or f == "завтра" then t = t + 86400 end
    local d = os.date("*t", t)
    return d.year, d.month, d.day
  end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d?)%-(%d%d?)$")
  if not y then
    d, m, y = s:match("^(%d%d?)[./](%d%d?)[./](%d%d%d%d)$")
  end
  if not y then
    d, m, y = s:match("^(%d%d?)[./](%d%d?)[./](%d%d)$")
    if y then y = 2000 + tonumber(y) end
  end
  if not y then
    d, m = s:match("^(%d%d?)[./](%d%d?)$")
    y = d and now.year
  end
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 or d > 31 then return nil end
  local back = os.date("*t", os.time{ year = y, month = m, day = d, hour = 12 })
  if back.year ~= y or back.month ~= m or back.day ~= d then return nil end  -- 31.02
  return y, m, d
end

local function resolve_limit(v, ctx)
  if v == "today" then return os.date("%Y-%m-%d", math.floor(ctx.now)) end
  return v
end

local function check_date(text, step, ctx)
  local y, m, d = parse_day(trim(text), ctx)
  if not y then return nil, "flow.bad_date" end
  local iso = ("%04d-%02d-%02d"):format(y, m, d)
  if step.future and iso < os.date("%Y-%m-%d", math.floor(ctx.now)) then return nil, "flow.past" end
  local lo, hi = resolve_limit(step.min, ctx), resolve_limit(step.max, ctx)
  if lo and iso < lo then return nil, "flow.date_min", { min = lo } end
  if hi and iso > hi then return nil, "flow.date_max", { max = hi } end
  return iso
end

-- A date and a time (H:MM or HH:MM) separated by a space, "T" or a comma; the value is
-- the instant in seconds (os.time of the tenant's local time).
local function check_datetime(text, step, ctx)
  local day, h, mi = trim(text):match("^(.-)[%sT,]+(%d%d?):(%d%d)$")
  if not day then return nil, "flow.bad_datetime" end
  local y, m, d = parse_day(trim(day), ctx)
  h, mi = tonumber(h), tonumber(mi)
  if not y or h > 23 or mi > 59 then return nil, "flow.bad_datetime" end
  local at = os.time{ year = y, month = m, day = d, hour = h, min = mi, sec = 0 }
  if step.future and at < ctx.now then return nil, "flow.past" end
  return at
end

local function choice_list(step)
  local out = {}
  for i, c in ipairs(step.choices) do
    if type(c) == "string" then
      out[i] = { id = c, label = c }
    else
      out[i] = { id = c.id or c[1], label = c.label or c[2] or c.id or c[1] }
    end
  end
  return out
end

local function check_choice(text, step, ctx)
  local f = fold(text)
  local list = choice_list(step)
  local n = tonumber(trim(text))
  if n and list[n] then return list[n].id end
  for _, c in ipairs(list) do
    if f and (f == bot.text.fold(i18n.t(ctx, c.label)) or f == bot.text.fold(c.id)) then return c.id end
  end
  return nil, "flow.bad_choice"
end

local function check_text(text, step)
  local s = trim(text)
  local n = utf8.len(s)
  local min, max = step.min or 1, step.max or 4000
  if not n then return nil, "flow.text_short", { count = min } end
  if n < min then return nil, "flow.text_short", { count = min } end
  if n > max then return nil, "flow.text_long", { count = max } end
  return s
end

local CHECK = { number = check_number, phone = check_phone, email = check_email, date = check_date,
                datetime = check_datetime, choice = check_choice, text = check_text }

-- Definitions -----------------------------------------------------------------------

-- flow.define(name, { steps = { … }, done =, cancelled =, timed_out =, country = })
function flow.define(name, def)
  assert(type(name) == "string" and name:match("^[%w_%-]+$"), "flow.define: name must be letters, digits, _ -")
  assert(type(def) == "table" and type(def.steps) == "table" and #def.steps > 0,
    "flow.define('" .. name .. "'): steps must be a non-empty list")
  local seen = {}
  for i, st in ipairs(def.steps) do
    local where = "flow.define('" .. name .. "'): step " .. i
    assert(type(st.id) == "string" and st.id:match("^[%w_%-]+$"), where .. ": id must be letters, digits, _ -")
    assert(not seen[st.id], where .. ": id '" .. st.id .. "' is used twice")
    seen[st.id] = true
    assert(st.ask ~= nil, where .. " ('" .. st.id .. "'): no ask")
    st.type = st.type or "text"
    assert(TYPES[st.type], where .. " ('" .. st.id .. "'): unknown type '" .. tostring(st.type) .. "'")
    assert(st.type ~= "choice" or (type(st.choices) == "table" and #st.choices > 0),
      where .. " ('" .. st.id .. "'): a choice step needs choices")
    for _, c in ipairs(st.type == "choice" and choice_list(st) or {}) do
      assert(#("flow:c:" .. st.id .. ":" .. c.id) <= 64, where .. " ('" .. st.id .. "'): choice id '" .. c.id
        .. "' makes a button id longer than 64 bytes")
    end
    if st.country == nil then st.country = def.country end
  end
  defs[name] = def
end

local function step_index(def, id)
  for i, st in ipairs(def.steps) do
    if st.id == id then return i, st end
  end
end

-- A step renamed with was = "old" (or { "old", "older" }) is the same step.
local function renamed(def, id)
  for i, st in ipairs(def.steps) do
    local was = type(st.was) == "table" and st.was or { st.was }
    for _, w in ipairs(was) do
      if w == id then return i, st end
    end
  end
end

local function applies(st, answers) return not st.when or st.when(answers) and true or false end

local function in_history(s, id)
  for _, h in ipairs(s.history) do
    if h == id then return true end
  end
  return false
end

-- The first step after position `after` that applies and has neither an answer nor been
-- skipped.
local function next_step(def, s, after)
  for i = after + 1, #def.steps do
    local st = def.steps[i]
    if s.answers[st.id] == nil and not in_history(s, st.id) and applies(st, s.answers) then return st end
  end
end

-- Asking ----------------------------------------------------------------------------

local function say(ctx, v, answers)
  if type(v) == "function" then return v(ctx, answers) end
  return i18n.t(ctx, v, answers)
end

local function ask(ctx, s, note, keep_timer)
  local def = defs[s.name]
  local _, st = step_index(def, s.step)
  local text = say(ctx, st.ask, s.answers)
  if note then text = note .. "\n\n" .. text end
  local rows = {}
  if st.type == "choice" then
    for _, c in ipairs(choice_list(st)) do
      rows[#rows + 1] = { { i18n.t(ctx, c.label), "flow:c:" .. st.id .. ":" .. c.id } }
    end
  end
  -- A typed "1" presses the first button on every channel, so a number step has none:
  -- its controls are the commands the hint names.
  if st.type == "number" or st.buttons == false then
    text = text .. "\n" .. i18n.t(ctx, st.optional and "flow.hint_skip" or "flow.hint")
  else
    local ctl = {}
    if st.optional then ctl[#ctl + 1] = { i18n.t(ctx, "flow.skip"), "flow:skip" } end
    if #s.history > 0 then ctl[#ctl + 1] = { i18n.t(ctx, "flow.back"), "flow:back" } end
    ctl[#ctl + 1] = { i18n.t(ctx, "flow.cancel"), "flow:cancel" }
    rows[#rows + 1] = ctl
  end
  ctx:reply(text, { buttons = rows })
  if keep_timer then return end
  if st.timeout then
    s.seq = (s.seq or 0) + 1
    ctx:remind_in(st.timeout, "flow:timeout", { flow = s.name, step = st.id, seq = s.seq })
  else
    ctx:cancel("flow:timeout")
  end
end

local function stat(name, what) bot.store.incr("flow:stats:" .. name .. ":" .. what, 1) end

local function finish(ctx, s)
  local def = defs[s.name]
  local answers = {}
  for _, st in ipairs(def.steps) do
    if s.answers[st.id] ~= nil and applies(st, s.answers) then answers[st.id] = s.answers[st.id] end
  end
  ctx.session._flow = nil
  ctx:cancel("flow:timeout")
  stat(s.name, "done")
  if def.done then def.done(ctx, answers) end
end

-- Moves on from the step just answered or skipped.
local function advance(ctx, s, note)
  local def = defs[s.name]
  local i = step_index(def, s.step)
  s.history[#s.history + 1] = s.step
  local st = next_step(def, s, i)
  if not st then return finish(ctx, s) end
  s.step = st.id
  ask(ctx, s, note)
end

-- Steps renamed with `was`: the user's step, history and answers follow the new ids.
local function follow_renames(def, s)
  local function new_id(id)
    if step_index(def, id) then return id end
    local _, st = renamed(def, id)
    return st and st.id or id
  end
  s.step = new_id(s.step)
  for i, h in ipairs(s.history) do s.history[i] = new_id(h) end
  local moves = {}
  for k in pairs(s.answers) do
    if new_id(k) ~= k then moves[#moves + 1] = k end
  end
  for _, k in ipairs(moves) do
    s.answers[new_id(k)], s.answers[k] = s.answers[k], nil
  end
end

-- The user's form as the current code has it: nil when the event was used up telling
-- the user their form or step changed.
local function current(ctx)
  local s = ctx.session._flow
  if type(s) ~= "table" then return nil end
  local def = defs[s.name]
  if not def then
    ctx.session._flow = nil
    ctx:cancel("flow:timeout")
    ctx:reply(i18n.t(ctx, "flow.gone"))
    return nil
  end
  s.answers, s.history = s.answers or {}, s.history or {}
  follow_renames(def, s)
  local _, st = step_index(def, s.step)
  if st and applies(st, s.answers) then return s, def, st end
  -- Gone: forget history entries that no longer exist, then continue after the last
  -- answered step that still exists, else at the first unanswered one.
  local hist, after = {}, 0
  for _, h in ipairs(s.history) do
    local i = step_index(def, h)
    if i then
      hist[#hist + 1] = h
      after = i
    end
  end
  s.history = hist
  local nxt = next_step(def, s, after) or next_step(def, s, 0)
  local note = i18n.t(ctx, "flow.moved")
  if not nxt then
    ctx:reply(note)
    finish(ctx, s)
    return nil
  end
  s.step = nxt.id
  ask(ctx, s, note)
  return nil
end

-- Steering --------------------------------------------------------------------------

local function go_back(ctx, s)
  if #s.history == 0 then return ask(ctx, s, i18n.t(ctx, "flow.at_first")) end
  local prev = table.remove(s.history)
  s.answers[prev] = nil
  s.step = prev
  ask(ctx, s)
end

local function skip(ctx, s, st)
  if not st.optional then return ask(ctx, s, i18n.t(ctx, "flow.cannot_skip")) end
  s.answers[st.id] = nil
  advance(ctx, s)
end

-- Ends the user's form: its `cancelled` callback (or "Cancelled.") runs.
function flow.cancel(ctx)
  local s = ctx.session._flow
  if type(s) ~= "table" then return false end
  local def = defs[s.name]
  ctx.session._flow = nil
  ctx:cancel("flow:timeout")
  if not def then return true end
  stat(s.name, "cancelled")
  if def.cancelled then
    def.cancelled(ctx, s.answers or {})
  else
    ctx:reply(i18n.t(ctx, "flow.cancelled"))
  end
  return true
end

-- Ends the user's form silently (no callback, no message).
function flow.stop(ctx)
  local active = ctx.session._flow ~= nil
  ctx.session._flow = nil
  ctx:cancel("flow:timeout")
  return active
end

-- A user who asks to be forgotten: an open form ends silently, its answers (a name, a
-- phone, an e-mail) with it, and its timeout is cancelled.
profile.on_forget(function(ctx)
  local s = ctx.session._flow
  if type(s) == "table" and defs[s.name] then stat(s.name, "forgotten") end
  flow.stop(ctx)
end)

local function steer(ctx, s, st, word)
  if word == "skip" then return skip(ctx, s, st) end
  if word == "back" then return go_back(ctx, s) end
  return flow.cancel(ctx)
end

-- An invalid answer: the reason, the step's help, and the question again.
local function reject(ctx, s, st, err, vars)
  local note = i18n.t(ctx, err, vars)
  if st.help then note = note .. "\n" .. say(ctx, st.help, s.answers) end
  ask(ctx, s, note, true)
end

local function accept(ctx, s, st, value)
  if st.check then
    local err, vars = st.check(value, s.answers, ctx)
    if err then return reject(ctx, s, st, err, vars) end
  end
  s.answers[st.id] = value
  advance(ctx, s)
end

-- Public ----------------------------------------------------------------------------

-- Starts form `name` (replacing any form in progress); `initial` answers are kept and
-- their steps not asked.
function flow.start(ctx, name, initial)
  local def = assert(defs[name], "flow.start: no form named '" .. tostring(name) .. "'")
  local s = { name = name, answers = {}, history = {}, seq = 0 }
  for k, v in pairs(initial or {}) do s.answers[k] = v end
  ctx.session._flow = s
  stat(name, "started")
  local st = next_step(def, s, 0)
  if not st then return finish(ctx, s) end
  s.step = st.id
  ask(ctx, s)
end

-- Takes the user's text while a form is active: an answer, or skip/back/cancel. Returns
-- true if it did (the bot's handler then stops), false if no form is active or the
-- event is not a text (a fallback's button id or timer name is never an answer).
function flow.handle(ctx, text)
  if type(ctx.session._flow) ~= "table" then return false end
  if ctx.event.kind ~= "message" and ctx.event.kind ~= "command" then return false end
  text = tostring(text or "")
  local word = WORDS[fold(text) or ""]
  if ctx.event.kind == "command" and not word then return false end  -- /help stays the bot's
  local s, _, st = current(ctx)
  if not s then return true end
  if word then
    steer(ctx, s, st, word)
    return true
  end
  local value, err, vars = CHECK[st.type](text, st, ctx)
  if value == nil then
    reject(ctx, s, st, err, vars)
    return true
  end
  accept(ctx, s, st, value)
  return true
end

-- A handler that lets an active form take the text first:
-- bot.on("message", flow.wrap(function(ctx, text) … end)).
function flow.wrap(fn)
  return function(ctx, text, ...)
    if flow.handle(ctx, text) then return end
    if fn then return fn(ctx, text, ...) end
  end
end

-- The active form's name and step id, or nil.
function flow.active(ctx)
  local s = ctx.session._flow
  if type(s) == "table" then return s.name, s.step end
end

-- A copy of the active form's answers so far, or nil.
function flow.answers(ctx)
  local s = ctx.session._flow
  if type(s) ~= "table" then return nil end
  local out = {}
  for k, v in pairs(s.answers or {}) do out[k] = v end
  return out
end

-- flow:skip  flow:back  flow:cancel  flow:c:<step>:<choice>
bot.on("button:flow:*", function(ctx, id)
  if type(ctx.session._flow) ~= "table" then return ctx:reply(i18n.t(ctx, "flow.closed")) end
  local s, _, st = current(ctx)
  if not s then return end
  local word = id:match("^flow:(%a+)$")
  if word == "skip" or word == "back" or word == "cancel" then return steer(ctx, s, st, word) end
  local step_id, choice = id:match("^flow:c:([^:]+):(.*)$")
  if step_id ~= st.id or st.type ~= "choice" then return ask(ctx, s, nil, true) end
  for _, c in ipairs(choice_list(st)) do
    if c.id == choice then return accept(ctx, s, st, c.id) end
  end
  reject(ctx, s, st, "flow.bad_choice")
end)

-- The question waited too long: the form's timed_out(ctx, answers, step) runs (it may
-- cancel or stop the form, or leave it open); without one the question is asked again.
bot.on("timer:flow:*", function(ctx, data)
  local s = ctx.session._flow
  if type(s) ~= "table" or type(data) ~= "table" or s.name ~= data.flow or s.step ~= data.step
    or s.seq ~= data.seq then
    return
  end
  local cur, def, st = current(ctx)
  if not cur then return end
  stat(cur.name, "timed_out")
  if def.timed_out then return def.timed_out(ctx, flow.answers(ctx), st.id) end
  ask(ctx, cur, i18n.t(ctx, "flow.still_waiting"), true)
end)

return flow
