-- bot.lua: Kraft & Sohn Renovations' messenger "AI employee" (MISSION §2 cases 1–5, 7).
-- Wires the library's behaviours to the firm's modules:
--   leads.lua     price questions -> qualified leads, a call with the manager (lead)
--   visits.lua    a free site visit: form + booking with reminders and no-shows
--   projects.lua  "my project": status and exceptions over the firm's data (orders)
--   quotes.lua    scope checklist -> quote -> payment link, follow-ups (flow, followup)
--   team.lua      notes to the manager in the team's language, "I want a human",
--                 the team's commands (/stats, /arrived, /project; roles)
--   texts.lua     every phrase in English and Russian (i18n); faq_data.lua the FAQ
-- Free text is classified in order: "I want a human", an open form, the lead (its
-- answers and price questions), a project number, a quote question, a menu label, a
-- request in the customer's words (quote, visit, status), small talk, the FAQ.
-- /forget deletes what the customer told us (the library's forget hooks plus the
-- agency's quote records: tests/forget_spec.lua).
-- Every flow has a "done" and a safe fallback (a person takes over) and counts both
-- in bot.store; /stats shows them. The customer is answered in their language (the
-- channel's, or the one chosen in the menu); the team is written to in theirs.
--
-- The bot's own session fields: quote (the open quote, quotes.lua), visit (the site
-- visit details), question (the quote a typed question is about), focus ("lead" or
-- "projects": which of the two modules without a "leave" of their own gets typed text;
-- /menu and the other flows clear it, and stop a lead left unfinished: leads.leave).
-- Buttons of older messages (a confirmed or replaced quote, an ended lead, a moved
-- booking, an old menu's language) say they no longer apply: tests/stale_spec.lua.

local i18n = require "i18n"
local menu = require "menu"
local flow = require "flow"
local faq = require "faq"
local roles = require "roles"
local followup = require "followup"
local profile = require "profile"
local config = require "config"
local leads = require "leads"
local visits = require "visits"
local projects = require "projects"
local quotes = require "quotes"
local team = require "team"
require "texts"

roles.setup{ commands = true }

-- Text nobody understood goes to the FAQ: an answer when it knows something close;
-- else the customer is asked once to rephrase (with the menu), and a second such text
-- within 10 minutes, with nothing understood between, goes to the manager.
faq.setup{
  entries = require "faq_data",
  manager = config.manager,
  manager_locale = config.manager_locale,
  rephrase = { within = "10m", text = "ag.unclear", after = function(ctx) menu.show(ctx) end },
}

-- The menu is the way out of an open form (the visit details, the quote checklist).
local function home(ctx)
  flow.stop(ctx)
  leads.leave(ctx)
  ctx.session.focus = nil
  faq.reset(ctx)
  menu.show(ctx)
end

-- The language switch in the menu: "Русский" for English speakers, "English" for
-- Russian ones. Two items, each setting its own language and shown only to the other
-- language's speakers, so the button of an older menu never switches back (menu says
-- that part of the menu has changed).
local function language_item(locale)
  return { label = "ag.m." .. locale, id = locale,
    when = function(ctx) return i18n.locale(ctx) ~= locale end,
    run = function(ctx)
      i18n.set(ctx, locale)
      ctx:reply(i18n.t(ctx, "ag.lang_set"))
      menu.show(ctx)
    end }
end

menu.define{
  home = "main",
  nodes = {
    main = { text = "ag.main", items = {
      { label = "ag.m.prices", id = "prices", run = leads.start },
      { label = "ag.m.quote", id = "quote", run = quotes.start },
      { label = "ag.m.visit", id = "visit", run = visits.start },
      { label = "ag.m.status", id = "status", run = projects.start },
      { label = "ag.m.faq", id = "faq", run = function(ctx)
        flow.stop(ctx)
        leads.leave(ctx)
        ctx.session.focus = nil
        ctx:reply(i18n.t(ctx, "ag.faq_prompt"))
      end },
      { label = "ag.m.human", id = "human", run = function(ctx) team.human(ctx, "(menu)") end },
      language_item("ru"),
      language_item("en"),
    } },
  },
}

-- Reactivation (case 5): 48 h of silence -> one short nudge; "Later" sets a reminder,
-- "Not interested" closes cleanly. Renewed by every later message.
followup.define("reactivation", {
  steps = { { after = "48h", text = "ag.r.nudge" } },
  renew = true,
  on_yes = function(ctx)
    ctx:reply(i18n.t(ctx, "ag.r.yes"))
    menu.show(ctx)
  end,
})

-- Commands ------------------------------------------------------------------------

bot.on("start", function(ctx)
  ctx:reply(i18n.t(ctx, "ag.hello", { name = ctx.user.name or "" }))
  menu.show(ctx)
  -- once per customer: a later /start must not undo "Not interested", a booked call
  -- or a quote's own follow-ups (followup's renew restarts it after "Yes" or expiry)
  if followup.status(ctx, "reactivation") == nil then
    followup.start(ctx, "reactivation", { name = ctx.user.name or "" })
  end
end)
bot.command("menu", home)
bot.command("prices", leads.start)
bot.command("quote", quotes.start)
bot.command("visit", visits.start)
bot.command("status", projects.start)
bot.command("human", function(ctx) team.human(ctx, "/human") end)

-- /forget: what the customer told us goes. profile.forget runs the library's forget hooks
-- (lead answers and a booked call, a site visit, follow-ups, project claims, the FAQ's last
-- question, the stored conversation); the agency adds its own quote records.
profile.on_forget(function(ctx)
  local after
  repeat
    local page = bot.store.scan("agency:quote:Q-", 1000, after)
    for _, e in ipairs(page) do
      if type(e.value) == "table" and e.value.address == ctx.chat.address then bot.store.delete(e.key) end
    end
    after = #page == 1000 and page[#page].key or nil
  until not after
end)
bot.command("forget", function(ctx)
  local text = i18n.t(ctx, "ag.forgotten")     -- in their language, before the session goes
  profile.forget(ctx)
  ctx.session = {}
  ctx:reply(text)
end)

bot.on("handback", function(ctx)
  ctx:reply(i18n.t(ctx, "ag.back"))
  menu.show(ctx)
end)

-- Free text -----------------------------------------------------------------------

-- Small talk the FAQ should not hand to a person: greetings show the menu, thanks
-- get a short answer (compared folded: "Здравствуйте" is "здравствуите").
local GREETINGS = { hi = true, hello = true, hey = true, menu = true, start = true,
  ["привет"] = true, ["здравствуите"] = true, ["добрыи день"] = true, ["меню"] = true }
local THANKS = { "thank", "thx", "ok", "okay", "great", "спасибо", "благодарю", "ок", "хорошо" }

local function small_talk(ctx, text)
  local key = bot.text.fold(text):gsub("[%p%s]+$", ""):gsub("^%s+", "")
  if GREETINGS[key] then home(ctx) return true end
  local first = key:match("^[^%s%p]+") or ""
  for _, w in ipairs(THANKS) do
    if #key <= 60 and first:sub(1, #w) == w and (w ~= "ok" or #first <= 4) then
      ctx:reply(i18n.t(ctx, "ag.welcome"))
      return true
    end
  end
  return false
end

-- What a customer asks for in their own words (price questions are the lead module's).
local INTENTS = {
  { start = quotes.start, words = { "quote", "estimate", "смета", "смету", "сметы", "расчет" } },
  { start = visits.start, words = { "site visit", "visit", "measure", "замер", "замерщик", "выезд" } },
  { start = projects.start, words = { "my project", "project status", "status", "статус", "мой проект" } },
}

local function intent(ctx, text)
  for _, i in ipairs(INTENTS) do
    if team.mentions(text, i.words) then
      i.start(ctx)
      return true
    end
  end
  return false
end

-- Text the bot understands, in order; false when none of it applies.
local function understood(ctx, text)
  if team.wants_human(text) then team.human(ctx, text) return true end
  if flow.handle(ctx, text) then return true end    -- a form (visit details, quote scope)
  if leads.message(ctx, text) then return true end  -- a lead's answer, or a price question
  if projects.message(ctx, text) then return true end  -- a project number, a claim's details
  if ctx.session.question then                      -- a question about the quote: the FAQ,
    ctx.session.question = nil                      -- else a person at once
    faq.answer(ctx, text, { rephrase = false })
    return true
  end
  return menu.handle(ctx, text)                     -- a menu label typed
    or intent(ctx, text)                            -- a quote, a visit, a project status
    or small_talk(ctx, text)
end

bot.on("message", function(ctx, text)
  followup.touch(ctx)                               -- the customer spoke: silence restarts
  if understood(ctx, text) then
    faq.reset(ctx)                                  -- the next unclear text is asked again
  else
    faq.answer(ctx, text)                           -- the FAQ; rephrase once; a person
  end
end)

-- Everything else: /skip /back /cancel of an open form, unknown commands and buttons,
-- timers of code that no longer exists.
bot.fallback(flow.wrap(function(ctx, input)
  local kind = ctx.event.kind
  if kind == "timer" then
    return bot.log("agency: no handler for timer", input)
  end
  local command = kind == "command" and tostring(input):match("^/?([^%s@]+)")
  if command then
    ctx:reply(i18n.t(ctx, "ag.unknown_command", { command = command }))
  else
    ctx:reply(i18n.t(ctx, "ag.stale_button"))
  end
  menu.show(ctx)
end))
