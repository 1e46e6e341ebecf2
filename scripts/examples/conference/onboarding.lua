-- onboarding.lua: the greeting and the questionnaire that segments the user, as a
-- flow form: "Have you got a ticket?" (attendee | prospect), role, business level.
-- The answers go to the user's profile (profile module), where the segments
-- "attendees" / "prospects" read them. The segment is known as soon as the ticket
-- question is answered, so a prospect's early-bird nudge (24 h later) is armed then,
-- even if they never finish the form. Timers are durable; every handler re-checks
-- the segment when it fires.
--
-- A spec may write variant.lua returning { interests = true }: the form then also
-- asks the (optional) interests question - a reload with changed code mid-flow.

local i18n = require "i18n"
local flow = require "flow"
local menu = require "menu"
local profile = require "profile"
local offer = require "offer"

local onboarding = {}

local has_variant, variant = pcall(require, "variant")
if not has_variant or type(variant) ~= "table" then variant = {} end

local function choices(prefix, ids)
  local out = {}
  for i, id in ipairs(ids) do out[i] = { id, prefix .. id } end
  return out
end

onboarding.ROLES = { "developer", "manager", "founder", "other" }
onboarding.LEVELS = { "junior", "senior", "lead", "executive" }
onboarding.INTERESTS = { "backend", "frontend", "ai", "security" }

-- The ticket answer takes effect at once: the profile says which segment the user is
-- in, and the prospect's early-bird nudge is armed (cancelled for ticket holders).
function onboarding.set_ticket(ctx, has_ticket)
  profile.update(ctx, { ticket = has_ticket, source = ctx.session.source })
  offer.arm(ctx)
end

local steps = {
  -- The first question carries the greeting (or why it is asked) above it, once.
  { id = "ticket", type = "choice", choices = { { "yes", "conf.yes" }, { "no", "conf.not_yet" } },
    ask = function(ctx)
      local intro = ctx.session.intro
      ctx.session.intro = nil
      local q = i18n.t(ctx, "conf.q.ticket")
      return intro and (intro .. "\n\n" .. q) or q
    end },
  { id = "role", type = "choice", choices = choices("conf.role.", onboarding.ROLES),
    ask = function(ctx, answers)
      onboarding.set_ticket(ctx, answers.ticket == "yes")
      return i18n.t(ctx, "conf.q.role")
    end },
  { id = "level", ask = "conf.q.level", type = "choice", choices = choices("conf.level.", onboarding.LEVELS) },
}
if variant.interests then
  steps[#steps + 1] = { id = "interests", ask = "conf.q.interests", type = "choice", optional = true,
                        choices = choices("conf.interest.", onboarding.INTERESTS) }
end

flow.define("onboarding", {
  steps = steps,
  done = function(ctx, a)
    local attendee = a.ticket == "yes"
    onboarding.set_ticket(ctx, attendee)
    profile.update(ctx, { role = a.role, level = a.level, interests = a.interests })
    if attendee then
      ctx:reply(i18n.t(ctx, "conf.done_attendee"))
    else
      ctx:reply(i18n.t(ctx, "conf.done_prospect", { price = offer.price_line(ctx) }))
    end
    menu.show(ctx)
  end,
  cancelled = function(ctx)
    if profile.get(ctx, "ticket") ~= nil then return menu.show(ctx) end  -- a redo, stopped
    ctx:reply(i18n.t(ctx, "conf.onboarding_cancelled"))
  end,
})

-- Whether the user has told us about their ticket (so we know their segment).
function onboarding.known(ctx)
  return profile.get(ctx, "ticket") ~= nil
end

-- Whether the user has answered the whole questionnaire once.
function onboarding.finished(ctx)
  return profile.get(ctx, "role") ~= nil
end

-- Opens the questionnaire with a line above it.
function onboarding.ask(ctx, intro_key, vars)
  ctx.session.intro = i18n.t(ctx, intro_key, vars or { name = "" })
  flow.start(ctx, "onboarding")
end

-- /start [payload]: newcomers get the greeting and the first question, returning
-- users the menu. The first deep-link payload is kept as the source.
function onboarding.start(ctx, payload)
  local s = ctx.session
  if payload and payload ~= "" and not s.source then
    s.source = payload:sub(1, 64)
  end
  profile.touch(ctx)
  if flow.active(ctx) then
    ctx:reply(i18n.t(ctx, "conf.welcome_back"))
    return flow.start(ctx, "onboarding", flow.answers(ctx))   -- the pending question again
  end
  if onboarding.known(ctx) then
    ctx:reply(i18n.t(ctx, "conf.welcome_back"))
    return menu.show(ctx)
  end
  local name = ctx.user and ctx.user.name
  onboarding.ask(ctx, "conf.welcome", { name = name and (", " .. name) or "" })
end

-- "Redo questionnaire" from the profile: the old answers stay until replaced.
function onboarding.redo(ctx)
  onboarding.ask(ctx, "conf.redo")
end

return onboarding
