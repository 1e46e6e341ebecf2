-- followup.lua: nudges after silence. A sequence ("quote": after 24 h and 72 h of
-- silence; "reactivation": after 48 h) is started by the bot; every message of the user
-- re-arms it from its first step, so its steps only come when the user has really gone
-- quiet. Each nudge offers "Yes, let's continue" / "Later" (pick when: a reminder, which
-- the user asked for: it is counted apart and the remaining steps still follow it) / "Not
-- interested" (closes cleanly). A user who asks to be forgotten (profile.forget) gets no
-- nudge again. docs/lib/followup.md.
--
-- State: ctx.session._followup[kind] = { state = "waiting"|"later"|"resumed"|"declined"|
-- "expired"|"stopped", step = the next step, vars = {...}, seq = n };
-- bot.store "followup:stats:<kind>:<what>"; timers "followup:<kind>".
local i18n = require "i18n"
local profile = require "profile"

local followup = {}

local kinds = {}          -- kind -> definition: re-made at every load, never state

i18n.defaults("en", {
  ["followup.yes"] = "Yes, let's continue",
  ["followup.later"] = "Later",
  ["followup.no"] = "Not interested",
  ["followup.when"] = "When should I remind you?",
  ["followup.in.1d"] = "Tomorrow",
  ["followup.in.3d"] = "In 3 days",
  ["followup.in.7d"] = "Next week",
  ["followup.later_ok"] = "Fine, I'll remind you then.",
  ["followup.reminder"] = "As promised, a reminder: shall we continue?",
  ["followup.resumed"] = "Great, let's continue!",
  ["followup.bye"] = "Understood, I won't bother you about this again. Thank you!",
  ["followup.closed"] = "This is no longer current.",
})
i18n.defaults("ru", {
  ["followup.yes"] = "Да, продолжим",
  ["followup.later"] = "Позже",
  ["followup.no"] = "Не интересно",
  ["followup.when"] = "Когда вам напомнить?",
  ["followup.in.1d"] = "Завтра",
  ["followup.in.3d"] = "Через 3 дня",
  ["followup.in.7d"] = "Через неделю",
  ["followup.later_ok"] = "Хорошо, напомню.",
  ["followup.reminder"] = "Как договаривались, напоминаю: продолжим?",
  ["followup.resumed"] = "Отлично, продолжим!",
  ["followup.bye"] = "Понял, больше не буду беспокоить по этому поводу. Спасибо!",
  ["followup.closed"] = "Это уже неактуально.",
})

local LATER = { ["1d"] = 86400, ["3d"] = 3 * 86400, ["7d"] = 7 * 86400 }
local LATER_ORDER = { "1d", "3d", "7d" }
local UNITS = { s = 1, m = 60, h = 3600, d = 86400, w = 7 * 86400 }

-- "24h", "1h30m", "3d" or a number -> seconds (the grammar of docs/lua-api.md).
local function seconds(d)
  if type(d) == "number" then return d end
  local total, rest = 0, d
  while #rest > 0 do
    local n, u, tail = rest:match("^(%d+)([smhdw])(.*)$")
    assert(n, "followup: bad duration " .. tostring(d))
    total, rest = total + tonumber(n) * UNITS[u], tail
  end
  return total
end

local function text_of(ctx, v, vars)
  if type(v) == "table" then
    v = v[i18n.locale(ctx)] or v[i18n.default()] or select(2, next(v))
    return (v:gsub("{([%w_]+)}", function(k) return vars[k] ~= nil and tostring(vars[k]) or "{" .. k .. "}" end))
  end
  return i18n.t(ctx, v, vars)
end

local function stat(kind, what) bot.store.incr("followup:stats:" .. kind .. ":" .. what) end

local function states(ctx)
  ctx.session._followup = ctx.session._followup or {}
  return ctx.session._followup
end

-- Arms the timer of st.step: steps' `after` are silence since the last user message.
local function arm(ctx, kind, st, delay)
  st.seq = (st.seq or 0) + 1
  ctx:remind_in(math.max(1, delay), "followup:" .. kind, { kind = kind, seq = st.seq })
end

local function arm_step(ctx, kind, st)
  local def = kinds[kind]
  local prev = st.step > 1 and seconds(def.steps[st.step - 1].after) or 0
  local step = def.steps[st.step]
  if step then return arm(ctx, kind, st, seconds(step.after) - prev) end
  arm(ctx, kind, st, seconds(def.expire_after or "24h"))  -- the last nudge unanswered: expiry
end

local function finish(ctx, kind, st, outcome)
  st.state = outcome
  ctx:cancel("followup:" .. kind)
  stat(kind, outcome)
  local def = kinds[kind]
  if def and def.on_end then def.on_end(ctx, outcome, st.vars) end
end

local function buttons(ctx, kind)
  return { { { i18n.t(ctx, "followup.yes"), "followup:yes:" .. kind } },
           { { i18n.t(ctx, "followup.later"), "followup:later:" .. kind },
             { i18n.t(ctx, "followup.no"), "followup:no:" .. kind } } }
end

-- Sends a nudge (counted as `what`: "sent", or "reminded" for a "Later" reminder), or a
-- template where the channel's reply window has closed; with neither possible the
-- nudge is skipped (logged and counted).
local function nudge(ctx, kind, text, template, what)
  if ctx.channel.window_open == false then
    if not template then
      bot.log("followup: " .. kind .. " nudge skipped: the channel's reply window is closed and no template is set")
      stat(kind, "skipped")
      return
    end
    ctx:reply(text, { template = template })
  else
    ctx:reply(text, { buttons = buttons(ctx, kind) })
  end
  stat(kind, what or "sent")
end

-- define(kind, { steps = { { after = "24h", text = …, template = … }, … }, expire_after?,
-- renew?, on_yes?, on_end?, reminder?, reminder_template? }): docs/lib/followup.md.
function followup.define(kind, def)
  assert(type(kind) == "string" and kind:match("^[%w_]+$") and #kind <= 40, "followup.define: kind is a short word")
  assert(type(def) == "table" and type(def.steps) == "table" and #def.steps > 0, "followup.define: steps")
  local last = 0
  for i, s in ipairs(def.steps) do
    local a = seconds(s.after)
    assert(a > last, "followup.define: step " .. i .. " must come after the one before")
    assert(s.text, "followup.define: step " .. i .. " needs a text")
    last = a
  end
  kinds[kind] = def
end

-- Starts (or restarts) kind for this conversation; vars fill the texts' {names}.
function followup.start(ctx, kind, vars)
  assert(kinds[kind], "followup.start: unknown kind " .. tostring(kind))
  local st = { state = "waiting", step = 1, vars = vars or {}, seq = (states(ctx)[kind] or {}).seq }
  states(ctx)[kind] = st
  stat(kind, "started")
  arm_step(ctx, kind, st)
end

-- The user spoke: every running sequence starts again from its first step (and a
-- `renew` one that ended by expiry or a "yes" runs again).
function followup.touch(ctx)
  for kind, st in pairs(ctx.session._followup or {}) do
    local def = kinds[kind]
    local renew = def and def.renew and (st.state == "expired" or st.state == "resumed")
    if def and (st.state == "waiting" or st.state == "later" or renew) then
      st.state, st.step = "waiting", 1
      arm_step(ctx, kind, st)
    end
  end
end

-- The bot ends kind itself (an order came in: outcome "won"); counted as that outcome.
function followup.stop(ctx, kind, outcome)
  local st = (ctx.session._followup or {})[kind]
  if st and (st.state == "waiting" or st.state == "later") then finish(ctx, kind, st, outcome or "stopped") end
end

-- "waiting", "later", an outcome, or nil if never started.
function followup.status(ctx, kind)
  local st = (ctx.session._followup or {})[kind]
  return st and st.state
end

local function on_timer(ctx, data)
  local kind = data and data.kind
  local st = kind and (ctx.session._followup or {})[kind]
  if not st or st.seq ~= data.seq or not (st.state == "waiting" or st.state == "later") then return end
  local def = kinds[kind]
  if not def then                  -- a reload removed the kind: it ends quietly
    bot.log("followup: no definition for " .. kind .. " any more; its sequence ends")
    st.state = "stopped"
    return
  end
  if st.state == "later" then
    -- the reminder the user asked for is not one of the nudges: the steps go on where
    -- "Later" interrupted them, the next one after its usual gap
    st.state = "waiting"
    nudge(ctx, kind, text_of(ctx, def.reminder or "followup.reminder", st.vars), def.reminder_template, "reminded")
    return arm_step(ctx, kind, st)
  end
  local step = def.steps[st.step]
  if not step then return finish(ctx, kind, st, "expired") end
  nudge(ctx, kind, text_of(ctx, step.text, st.vars), step.template)
  st.step = st.step + 1
  arm_step(ctx, kind, st)
end

local function live(ctx, id, verb)
  local kind = id:sub(#("followup:" .. verb .. ":") + 1):match("^([%w_]+)")
  local st = kind and (ctx.session._followup or {})[kind]
  if st and kinds[kind] and (st.state == "waiting" or st.state == "later") then return kind, st end
  ctx:reply(i18n.t(ctx, "followup.closed"))
end

local function on_yes(ctx, id)
  local kind, st = live(ctx, id, "yes")
  if not kind then return end
  finish(ctx, kind, st, "resumed")
  local def = kinds[kind]
  if def.on_yes then return def.on_yes(ctx, st.vars) end
  ctx:reply(i18n.t(ctx, "followup.resumed"))
end

local function on_later(ctx, id)
  local kind = live(ctx, id, "later")
  if not kind then return end
  local rows = {}
  for _, k in ipairs(LATER_ORDER) do
    rows[#rows + 1] = { i18n.t(ctx, "followup.in." .. k), "followup:in:" .. kind .. ":" .. k }
  end
  ctx:reply(i18n.t(ctx, "followup.when"), { buttons = { rows } })
end

-- A reminder time, once: an older "when" message's buttons, pressed after a time was
-- picked, do not move the reminder or count "later" again.
local function on_in(ctx, id)
  local kind, st = live(ctx, id, "in")
  if not kind then return end
  if st.state == "later" then return ctx:reply(i18n.t(ctx, "followup.closed")) end
  local delay = LATER[id:match(":(%w+)$")]
  if not delay then return ctx:reply(i18n.t(ctx, "followup.closed")) end
  st.state = "later"
  arm(ctx, kind, st, delay)
  stat(kind, "later")
  ctx:reply(i18n.t(ctx, "followup.later_ok"))
end

local function on_no(ctx, id)
  local kind, st = live(ctx, id, "no")
  if not kind then return end
  finish(ctx, kind, st, "declined")
  ctx:reply(i18n.t(ctx, "followup.bye"))
end

-- A user who asks to be forgotten: every sequence ends (counted as "forgotten" if it was
-- running; no on_end, which could write or say something) and its timer is cancelled;
-- the texts' vars (a name, a quote) go with the session state.
profile.on_forget(function(ctx)
  local running = ctx.session._followup or {}
  for kind, st in pairs(running) do
    if st.state == "waiting" or st.state == "later" then stat(kind, "forgotten") end
    ctx:cancel("followup:" .. kind)
  end
  for kind in pairs(kinds) do ctx:cancel("followup:" .. kind) end
  ctx.session._followup = nil
end)

bot.on("timer:followup:*", on_timer)
bot.on("button:followup:yes:*", on_yes)
bot.on("button:followup:later:*", on_later)
bot.on("button:followup:in:*", on_in)
bot.on("button:followup:no:*", on_no)

return followup
