-- onboarding.lua: the greeting and the two-question questionnaire that segments
-- the user ("Have you got a ticket?" -> attendee | prospect, then "Your role?").
-- The pending question is kept in ctx.session.step ("ticket" | "role" | nil), so a
-- conversation resumes exactly where it was after a restart or a reload.

local content = require "content"
local menu = require "menu"
local offer = require "offer"
local reminders = require "reminders"

local onboarding = {}

local TICKET_BUTTONS = { { { "Yes", "ticket_yes" }, { "Not yet", "ticket_no" } } }

local function prefixed(intro, text)
  return intro and (intro .. "\n\n" .. text) or text
end

-- Role buttons, two per row.
local function role_buttons()
  local rows = {}
  for i, r in ipairs(content.roles) do
    local row = (i + 1) // 2
    rows[row] = rows[row] or {}
    table.insert(rows[row], { r.label, "role_" .. r.key })
  end
  return rows
end

function onboarding.ask_ticket(ctx, intro)
  ctx.session.step = "ticket"
  ctx:reply(prefixed(intro, "Have you got a ticket?"), { buttons = TICKET_BUTTONS })
end

function onboarding.ask_role(ctx, intro)
  ctx.session.step = "role"
  ctx:reply(prefixed(intro, "Your role?"), { buttons = role_buttons() })
end

-- Asks the pending question again, or shows the menu if nothing is pending.
function onboarding.resume(ctx, intro)
  local s = ctx.session
  if not s.segment or s.step == "ticket" then
    return onboarding.ask_ticket(ctx, intro)
  elseif s.step == "role" then
    return onboarding.ask_role(ctx, intro)
  end
  menu.show(ctx, intro)
end

-- /start [payload]: greet newcomers with the first question, returning users
-- with whatever comes next for them. The payload (deep link) is kept as the source.
function onboarding.start(ctx, payload)
  local s = ctx.session
  if payload and payload ~= "" and not s.source then
    s.source = payload:sub(1, 64)
  end
  if s.segment then
    return onboarding.resume(ctx, "Welcome back to " .. content.event.name .. "!")
  end
  local hello = ctx.user and ctx.user.name and (", " .. ctx.user.name) or ""
  onboarding.ask_ticket(ctx, ("Welcome to %s%s! I'm the conference assistant: programme, "
    .. "EXPO, FAQ and contacts in one place. Two quick questions first."):format(content.event.name, hello))
end

-- Answer to "Have you got a ticket?" (also pressed later as "I've got a ticket").
function onboarding.answer_ticket(ctx, has_ticket)
  local s = ctx.session
  s.profile = s.profile or {}
  s.profile.ticket = has_ticket
  s.segment = has_ticket and "attendee" or "prospect"
  reminders.arm(ctx)
  local intro = has_ticket
    and ("Great, see you in Berlin on %s!"):format(content.event.dates)
    or "No problem, I'll show you what DevConf is about."
  if s.step == "ticket" or not s.profile.role then
    return onboarding.ask_role(ctx, intro)
  end
  menu.show(ctx, intro)
end

local function done_text(ctx)
  if ctx.session.segment == "attendee" then
    return "Thanks, you're all set. " .. content.event.badge_pickup
  end
  return "Thanks, you're all set. " .. offer.price_line(ctx.now)
    .. " Tap \"Get a ticket\" whenever you're ready."
end

-- Answer to "Your role?".
function onboarding.answer_role(ctx, key)
  local s = ctx.session
  s.profile = s.profile or {}
  s.profile.role = key
  if not s.segment then
    return onboarding.ask_ticket(ctx, "Thanks!")
  end
  menu.show(ctx, done_text(ctx))
end

-- "Redo questionnaire" from the profile: the old answers stay until replaced.
function onboarding.redo(ctx)
  onboarding.ask_ticket(ctx, "Let's redo the questionnaire.")
end

-- An answer typed instead of pressed (channels without buttons, or habit).
-- `key` is the normalised text. Returns true if it answered the pending question.
function onboarding.typed_answer(ctx, key)
  local step = ctx.session.step
  if step == "ticket" then
    if key == "yes" then
      onboarding.answer_ticket(ctx, true)
      return true
    elseif key == "not yet" or key == "no" then
      onboarding.answer_ticket(ctx, false)
      return true
    end
  elseif step == "role" then
    for _, r in ipairs(content.roles) do
      if key == r.key then
        onboarding.answer_role(ctx, r.key)
        return true
      end
    end
  end
  return false
end

return onboarding
