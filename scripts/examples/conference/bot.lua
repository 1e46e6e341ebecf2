-- bot.lua: DevConf 2026 conference bot - wires commands, buttons, free text and
-- timers to the modules that do the work:
--   onboarding.lua  greeting + questionnaire (ticket? role?) -> segment
--   menu.lua        main menu and sections, different for attendees and prospects
--   reminders.lua   early-bird nudge for prospects, keynote heads-up for attendees
--   offer.lua       ticket prices and buy link;  content.lua  the conference data
--
-- Conversation state lives only in ctx.session:
--   profile = { ticket = true|false, role = "developer"|... }
--   segment = "attendee" | "prospect"      (nil until the ticket question is answered)
--   step    = "ticket" | "role" | nil      (the questionnaire question awaiting an answer)
--   source  = deep-link payload of the first /start;  early_bird_due / early_bird_sent

local content = require "content"
local menu = require "menu"
local onboarding = require "onboarding"
local reminders = require "reminders"

local HELP = "I'm the DevConf 2026 assistant. Pick a section below or type its name "
  .. "(Programme, EXPO, FAQ, Contacts, Profile). /menu shows the menu again."

-- Sections need to know the segment: without it, ask the ticket question first.
-- Opening a section leaves any half-answered questionnaire.
local function section(show)
  return function(ctx)
    if not ctx.session.segment then
      return onboarding.ask_ticket(ctx, "One quick question first, so I show you the right things.")
    end
    ctx.session.step = nil
    show(ctx)
  end
end

local function help(ctx, intro)
  local text = intro and (intro .. " " .. HELP) or HELP
  if not ctx.session.segment then
    return onboarding.ask_ticket(ctx, text)
  end
  menu.show(ctx, text)
end

local SECTIONS = {
  menu = section(menu.show),
  programme = section(menu.programme),
  expo = section(menu.expo),
  faq = section(menu.faq),
  contacts = section(menu.contacts),
  profile = section(menu.profile),
  tickets = section(menu.tickets),
}

-- Commands ------------------------------------------------------------------------

bot.on("start", onboarding.start)
bot.command("help", function(ctx) help(ctx) end)
for _, name in ipairs({ "menu", "programme", "expo", "faq", "contacts", "profile" }) do
  bot.command(name, SECTIONS[name])
end

-- Buttons -------------------------------------------------------------------------

for id, show in pairs(SECTIONS) do
  bot.on("button:" .. id, show)
end

bot.on("button:ticket_yes", function(ctx) onboarding.answer_ticket(ctx, true) end)
bot.on("button:ticket_no", function(ctx) onboarding.answer_ticket(ctx, false) end)
bot.on("button:profile_redo", section(onboarding.redo))

for _, r in ipairs(content.roles) do
  bot.on("button:role_" .. r.key, function(ctx) onboarding.answer_role(ctx, r.key) end)
end

for _, ex in ipairs(content.exhibitors) do
  bot.on("button:expo_" .. ex.id, section(function(ctx) menu.exhibitor(ctx, ex) end))
end

for _, item in ipairs(content.faq) do
  bot.on("button:faq_" .. item.id, section(function(ctx)
    if not menu.faq_visible(ctx, item) then
      return menu.show(ctx, "That question is not available.")
    end
    menu.answer(ctx, item)
  end))
end

-- Timers --------------------------------------------------------------------------

bot.on("timer:early_bird", reminders.early_bird)
bot.on("timer:keynote", reminders.keynote)

-- Free text -----------------------------------------------------------------------

-- Typed words that mean a menu entry (labels and a few synonyms).
local WORDS = {
  programme = "programme", program = "programme", schedule = "programme", agenda = "programme",
  expo = "expo", exhibitors = "expo",
  faq = "faq", questions = "faq",
  contacts = "contacts", contact = "contacts", organisers = "contacts",
  profile = "profile",
  menu = "menu", ["main menu"] = "menu", back = "menu",
  ["get a ticket"] = "tickets", tickets = "tickets", ticket = "tickets",
}

local function normalise(text)
  local s = text:lower():gsub("^%s+", ""):gsub("[%s%p]+$", "")
  return s
end

bot.on("message", function(ctx, text)
  local key = normalise(text)
  if onboarding.typed_answer(ctx, key) then
    return
  end
  if key == "help" then
    return help(ctx)
  end
  local target = WORDS[key]
  if target then
    return SECTIONS[target](ctx)
  end
  if ctx.session.step then
    return onboarding.resume(ctx, "Please answer with one of the buttons below.")
  end
  help(ctx, "I didn't catch that.")
end)

-- Everything else: unknown commands, stale or unknown buttons, orphan timers.
bot.fallback(function(ctx, input)
  local kind = ctx.event.kind
  if kind == "timer" then
    return bot.log("conference: no handler for timer", input)
  end
  local intro = "I didn't catch that."
  local command = tostring(input):match("^/([^%s@]+)")
  if kind == "command" or command then
    intro = ("Sorry, I don't know the command /%s."):format(command or input)
  elseif kind == "button" then
    intro = "That button is no longer available."
  end
  if ctx.session.step then
    return onboarding.resume(ctx, intro)
  end
  help(ctx, intro)
end)
