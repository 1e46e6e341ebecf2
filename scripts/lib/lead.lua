-- lead.lua: lead qualification. A customer asking about prices gets the price range and
-- a few short questions (choice buttons or a short validated answer); a qualified lead is
-- offered call slots, anyone else — or anyone who asks for a person — is handed to a
-- manager with a one-paragraph summary built from the answers. A user who asks to be
-- forgotten (profile.forget) loses the answers, the record and a booked call.
-- docs/lib/lead.md.
--
-- State: ctx.session._lead = { step = "ask"|"slot"|"done", answers = { [qid] = value },
-- invalid = n, started = t, slot = t, outcome = "booked"|"handoff" }; bot.store
-- "lead:lead:<address>" (the last summary of each lead), "lead:slot:<time>" (the address
-- that booked a call) and "lead:stats:<what>".
local i18n = require "i18n"
local profile = require "profile"

local lead = {}

local cfg                 -- the bot's setup{}: re-made at every load, never state

i18n.defaults("en", {
  -- {number}: the count of questions in words (lead.numbers), {count} in digits
  ["lead.price"] = { one = "Our prices: {range}. {number} quick question and I'll tell you more.",
                     other = "Our prices: {range}. {number} quick questions and I'll tell you more." },
  ["lead.numbers"] = "One, Two, Three, Four, Five, Six, Seven, Eight, Nine, Ten",
  ["lead.invalid"] = "Sorry, I didn't get that. {hint}",
  ["lead.hint.text"] = "A short answer, please (2 to 200 characters).",
  ["lead.hint.choice"] = "Please pick one of the options.",
  ["lead.human"] = "Talk to a person",
  ["lead.slots"] = "Thank you! Let's talk: pick a time for a call.",
  ["lead.no_slot"] = "None of these suit me",
  ["lead.booked"] = "Done: a manager will call you on {when}.",
  ["lead.slot_gone"] = "That time is no longer available. Please pick another one.",
  ["lead.handed"] = "Thank you! A manager will write to you shortly.",
  ["lead.closed"] = "That question is closed.",
  ["lead.yes"] = "yes", ["lead.no"] = "no",
  ["lead.summary"] = "Lead {name} ({address}) asked about prices. {answers}. Qualified: {qualified}. {outcome}",
  ["lead.summary.slot"] = "Call booked for {when}.",
  ["lead.summary.handoff"] = "Handed to a manager: {why}.",
  ["lead.why.unqualified"] = "not qualified",
  ["lead.why.asked"] = "asked for a person",
  ["lead.why.no_slot"] = "no call time suited",
  ["lead.why.invalid"] = "could not answer the questions",
  ["lead.unanswered"] = "no answer",
  ["lead.forgotten"] = "The call booked for {when} is cancelled: the lead asked for their data to be deleted.",
})
i18n.defaults("ru", {
  ["lead.price"] = { one = "Наши цены: {range}. {number} короткий вопрос — и я расскажу подробнее.",
                     few = "Наши цены: {range}. {number} коротких вопроса — и я расскажу подробнее.",
                     many = "Наши цены: {range}. {number} коротких вопросов — и я расскажу подробнее." },
  ["lead.numbers"] = "Один, Два, Три, Четыре, Пять, Шесть, Семь, Восемь, Девять, Десять",
  ["lead.invalid"] = "Извините, не понял. {hint}",
  ["lead.hint.text"] = "Пожалуйста, коротко (от 2 до 200 символов).",
  ["lead.hint.choice"] = "Пожалуйста, выберите один из вариантов.",
  ["lead.human"] = "Поговорить с человеком",
  ["lead.slots"] = "Спасибо! Давайте созвонимся: выберите время звонка.",
  ["lead.no_slot"] = "Мне не подходит ни одно",
  ["lead.booked"] = "Готово: менеджер позвонит вам {when}.",
  ["lead.slot_gone"] = "Это время уже занято. Выберите, пожалуйста, другое.",
  ["lead.handed"] = "Спасибо! Менеджер скоро вам напишет.",
  ["lead.closed"] = "Этот вопрос уже закрыт.",
  ["lead.yes"] = "да", ["lead.no"] = "нет",
  ["lead.summary"] = "Лид {name} ({address}) спросил о ценах. {answers}. Подходит: {qualified}. {outcome}",
  ["lead.summary.slot"] = "Звонок назначен на {when}.",
  ["lead.summary.handoff"] = "Передан менеджеру: {why}.",
  ["lead.why.unqualified"] = "не подходит по ответам",
  ["lead.why.asked"] = "попросил человека",
  ["lead.why.no_slot"] = "не подошло время звонка",
  ["lead.why.invalid"] = "не смог ответить на вопросы",
  ["lead.unanswered"] = "нет ответа",
  ["lead.forgotten"] = "Звонок на {when} отменён: клиент попросил удалить его данные.",
})

-- Words that show price intent, folded (bot.text.fold) before comparing.
local DEFAULT_INTENT = { "price", "prices", "pricing", "cost", "how much", "quote", "tariff",
  "цена", "цены", "цену", "стоимость", "сколько стоит", "прайс", "тариф", "расценки" }

-- A text of the bot's configuration: an i18n key, or a { en =, ru = } table. ctx may be
-- a locale (the manager's summary).
local function tr(ctx, s, vars)
  if type(s) == "table" then
    local l = type(ctx) == "string" and ctx or i18n.locale(ctx)
    return s[l] or s[i18n.default()] or select(2, next(s))
  end
  return i18n.t(ctx, s, vars)
end

local function stat(what) bot.store.incr("lead:stats:" .. what) end

local function question(id)
  for i, q in ipairs(cfg.questions) do
    if q.id == id then return q, i end
  end
end

-- The first question without an answer: computed from the answers, so a reload that
-- adds, removes or reorders questions moves the user on without losing anything.
local function next_question(st)
  for _, q in ipairs(cfg.questions) do
    if st.answers[q.id] == nil then return q end
  end
end

local function ask(ctx, q, prefix)
  local st = ctx.session._lead
  st.asking = q.id
  local text = tr(ctx, q.text)
  if prefix then text = prefix .. " " .. text end
  local rows = {}
  for i, c in ipairs(q.choices or {}) do
    rows[#rows + 1] = { tr(ctx, c.label), "lead:a:" .. q.id .. ":" .. i }
  end
  rows[#rows + 1] = { i18n.t(ctx, "lead.human"), "lead:human" }
  ctx:reply(text, { buttons = rows })
end

local function answer_label(ctx_or_locale, q, v)
  if q.choices then
    for _, c in ipairs(q.choices) do
      if c.value == v then return tr(ctx_or_locale, c.label) end
    end
  end
  return tostring(v)
end

-- A call time as who (ctx, or the manager's locale) reads it: slot_format (one, or one
-- per language), month and weekday names in that language (i18n.date).
local function fmt_slot(who, at)
  local format = cfg.slot_format or "%d.%m %H:%M"
  if type(format) == "table" then format = tr(who, format) end
  return i18n.date(who, format, at)
end

-- The one-paragraph summary a manager reads, in the manager's language.
function lead.summary(ctx, outcome_text)
  local st = ctx.session._lead or { answers = {} }
  local loc = cfg.manager_locale or i18n.default()
  local parts = {}
  for _, q in ipairs(cfg.questions) do
    local v = st.answers[q.id]
    local label = q.summary and tr(loc, q.summary) or q.id
    parts[#parts + 1] = label .. ": " .. (v ~= nil and answer_label(loc, q, v) or i18n.t(loc, "lead.unanswered"))
  end
  local q = st.qualified
  return i18n.t(loc, "lead.summary", {
    name = ctx.user.name or ctx.user.id, address = ctx.chat.address,
    answers = table.concat(parts, "; "),
    qualified = q == nil and "?" or i18n.t(loc, q and "lead.yes" or "lead.no"),
    outcome = outcome_text or "",
  })
end

local function record(ctx, summary)
  local st = ctx.session._lead
  bot.store.put("lead:lead:" .. ctx.chat.address, {
    at = math.floor(ctx.now), outcome = st.outcome, answers = st.answers,
    qualified = st.qualified, slot = st.slot, summary = summary,
  })
  if cfg.on_done then cfg.on_done(ctx, st.outcome, st.answers) end
end

-- The safe fallback: operators take the conversation, the manager reads the summary.
local function hand_over(ctx, why)
  local st = ctx.session._lead
  st.step, st.outcome, st.asking = "done", "handoff", nil
  local loc = cfg.manager_locale or i18n.default()
  local summary = lead.summary(ctx, i18n.t(loc, "lead.summary.handoff", { why = i18n.t(loc, "lead.why." .. why) }))
  if cfg.manager then ctx:send(cfg.manager, summary) end
  ctx:reply(i18n.t(ctx, "lead.handed"))
  ctx:handoff("lead: " .. why)
  stat("handoff")
  record(ctx, summary)
end

local function free_slots(ctx)
  local list = type(cfg.slots) == "function" and cfg.slots(ctx) or cfg.slots or {}
  local out = {}
  for _, at in ipairs(list) do
    if at > ctx.now and not bot.store.get("lead:slot:" .. at) then out[#out + 1] = at end
    if #out >= (cfg.max_slots or 5) then break end
  end
  return out
end

local function offer_slots(ctx, text)
  local st = ctx.session._lead
  local slots = free_slots(ctx)
  if #slots == 0 then return hand_over(ctx, "no_slot") end
  st.step, st.asking = "slot", nil
  local rows = {}
  for _, at in ipairs(slots) do rows[#rows + 1] = { fmt_slot(ctx, at), "lead:slot:" .. at } end
  rows[#rows + 1] = { i18n.t(ctx, "lead.no_slot"), "lead:noslot" }
  ctx:reply(text or i18n.t(ctx, "lead.slots"), { buttons = rows })
end

local function advance(ctx, prefix)
  local st = ctx.session._lead
  local q = next_question(st)
  if q then return ask(ctx, q, prefix) end
  st.qualified = cfg.qualify(st.answers) and true or false
  if st.qualified then return offer_slots(ctx) end
  hand_over(ctx, "unqualified")
end

local function folded(s) return " " .. bot.text.fold(s):gsub("[%p%s]+", " ") .. " " end

-- True when text asks about prices (a keyword or phrase of cfg.intent, folded).
function lead.is_price_intent(text)
  local f = folded(text)
  for _, w in ipairs(cfg.intent or DEFAULT_INTENT) do
    if f:find(" " .. bot.text.fold(w) .. " ", 1, true) then return true end
  end
  return false
end

-- n in words ("Three"), from the comma-separated lead.numbers; digits past its end.
local function in_words(ctx, n)
  local i = 0
  for word in i18n.t(ctx, "lead.numbers"):gmatch("[^,]+") do
    i = i + 1
    if i == n then return (word:gsub("^%s+", ""):gsub("%s+$", "")) end
  end
  return tostring(n)
end

-- Starts (or restarts) the qualification: the price range with the number of questions,
-- then the first question.
function lead.start(ctx)
  ctx.session._lead = { step = "ask", answers = {}, invalid = 0, started = math.floor(ctx.now) }
  stat("started")
  local n = #cfg.questions
  advance(ctx, i18n.t(ctx, "lead.price", { range = tr(ctx, cfg.range), count = n, number = in_words(ctx, n) }))
end

-- Leaves the qualification (the bot's menu, another flow): typed text is no longer taken
-- as an answer; lead.message still starts it again on a price question.
function lead.stop(ctx)
  ctx.session._lead = nil
end

function lead.active(ctx)
  local st = ctx.session._lead
  return st ~= nil and (st.step == "ask" or st.step == "slot")
end

-- For the bot's message handler: answers a text question in progress, or starts the
-- flow on price intent. Returns true when the text was taken.
function lead.message(ctx, text)
  local st = ctx.session._lead
  if lead.active(ctx) and st.step == "ask" then
    local q = question(st.asking) or next_question(st)
    if not q then advance(ctx) return true end
    local v = text:match("^%s*(.-)%s*$")
    local ok = not q.choices and utf8.len(v) and utf8.len(v) >= 2 and utf8.len(v) <= 200
    if ok and q.validate then ok = q.validate(v) end
    if not ok then
      st.invalid = (st.invalid or 0) + 1
      if st.invalid > (cfg.max_invalid or 2) then hand_over(ctx, "invalid") return true end
      local hint = q.hint and tr(ctx, q.hint) or i18n.t(ctx, q.choices and "lead.hint.choice" or "lead.hint.text")
      ask(ctx, q, i18n.t(ctx, "lead.invalid", { hint = hint }))
      return true
    end
    st.answers[q.id], st.invalid = v, 0
    advance(ctx)
    return true
  end
  if lead.active(ctx) and st.step == "slot" then
    offer_slots(ctx, i18n.t(ctx, "lead.invalid", { hint = i18n.t(ctx, "lead.hint.choice") }))
    return true
  end
  if lead.is_price_intent(text) then lead.start(ctx) return true end
  return false
end

local function on_answer(ctx, id)
  local st = ctx.session._lead
  local qid, n = id:match("^lead:a:(.+):(%d+)$")
  local q = qid and question(qid)
  local c = q and q.choices and q.choices[tonumber(n)]
  if not (lead.active(ctx) and st.step == "ask" and c and st.answers[qid] == nil) then
    if lead.active(ctx) then return advance(ctx, i18n.t(ctx, "lead.closed")) end
    return ctx:reply(i18n.t(ctx, "lead.closed"))
  end
  st.answers[qid], st.invalid = c.value, 0
  advance(ctx)
end

local function on_slot(ctx, id)
  local st = ctx.session._lead
  local at = tonumber(id:match("^lead:slot:(%d+)$"))
  if not (lead.active(ctx) and st.step == "slot" and at) then return ctx:reply(i18n.t(ctx, "lead.closed")) end
  local ok = false
  for _, s in ipairs(free_slots(ctx)) do ok = ok or s == at end
  if not ok then return offer_slots(ctx, i18n.t(ctx, "lead.slot_gone")) end
  bot.store.put("lead:slot:" .. at, ctx.chat.address)
  st.step, st.outcome, st.slot = "done", "booked", at
  local loc = cfg.manager_locale or i18n.default()
  local summary = lead.summary(ctx, i18n.t(loc, "lead.summary.slot", { when = fmt_slot(loc, at) }))
  if cfg.manager then ctx:send(cfg.manager, summary) end
  ctx:reply(i18n.t(ctx, "lead.booked", { when = fmt_slot(ctx, at) }))
  stat("completed")
  record(ctx, summary)
end

-- A user who asks to be forgotten: the answers, the lead record and the call they booked
-- go. The slot is free again, and the manager (told of the booking with a name) is told
-- that the call is off, without one.
profile.on_forget(function(ctx)
  local key = "lead:lead:" .. ctx.chat.address
  local rec = bot.store.get(key) or {}
  local st = ctx.session._lead or {}
  for _, at in ipairs({ rec.slot or false, st.slot ~= rec.slot and st.slot or false }) do
    if at and bot.store.get("lead:slot:" .. at) == ctx.chat.address then
      bot.store.delete("lead:slot:" .. at)
      if cfg and cfg.manager and at > ctx.now then
        local loc = cfg.manager_locale or i18n.default()
        ctx:send(cfg.manager, i18n.t(loc, "lead.forgotten", { when = fmt_slot(loc, at) }))
      end
    end
  end
  bot.store.delete(key)
  ctx.session._lead = nil
end)

-- setup{ range, questions, qualify, slots, manager, ... }: docs/lib/lead.md.
function lead.setup(c)
  assert(type(c) == "table", "lead.setup{...}")
  assert(c.range, "lead.setup: range (the price range text) is required")
  assert(type(c.questions) == "table" and #c.questions > 0, "lead.setup: questions is required")
  assert(type(c.qualify) == "function", "lead.setup: qualify(answers) is required")
  for _, q in ipairs(c.questions) do
    assert(type(q.id) == "string" and q.id:match("^[%w_]+$"), "lead.setup: a question id is a word")
    assert(#("lead:a:" .. q.id .. ":99") <= 64, "lead.setup: question id too long: " .. q.id)
  end
  cfg = c
  bot.on("button:lead:a:*", on_answer)
  bot.on("button:lead:slot:*", on_slot)
  bot.on("button:lead:noslot", function(ctx)
    if not (lead.active(ctx) and ctx.session._lead.step == "slot") then return ctx:reply(i18n.t(ctx, "lead.closed")) end
    hand_over(ctx, "no_slot")
  end)
  -- only while the lead runs: the button of a lead that ended (a call booked, already
  -- handed over, stopped) must not hand it over again or overwrite its record
  bot.on("button:lead:human", function(ctx)
    if not lead.active(ctx) then return ctx:reply(i18n.t(ctx, "lead.closed")) end
    hand_over(ctx, "asked")
  end)
  return lead
end

return lead
