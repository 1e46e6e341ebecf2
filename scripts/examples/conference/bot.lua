-- bot.lua: DevConf 2026, the conference "control centre" bot (MISSION.md §1), assembled
-- from the behaviour library (scripts/lib, docs/lib):
--   onboarding.lua  greeting + questionnaire (flow): ticket? role? level? -> profile
--   sections.lua    the main menu (menu) and its sections, per segment
--   offer.lua       prices, the "Get a ticket" page, the prospects' early-bird nudge
--   texts.lua       every phrase, English and Russian (i18n; /language switches)
--   content.lua     event data, EXPO exhibitors (= raffle booths), polls, contacts
--   programme.lua   the schedule (Europe/Berlin), faq_data.lua the FAQ,
--   roles_config.lua the organisers
--
-- Users: /start, /menu, /help, /programme, /expo, /faq, /contacts, /profile,
--   /language [en|ru], /forget, /raffle, /networking, /vote, /remind <block|all>,
--   /unremind; a booth's QR code opens the bot with /start raffle_<booth>-<signature>.
-- Organisers (roles_config.lua, or /grant organiser <address>):
--   /programme publish              after editing programme.lua and reloading: tells
--                                   subscribers what changed, re-arms reminders
--   /broadcast <segment> <text>     segments: attendees, prospects, everyone;
--   /broadcast at <YYYY-MM-DD HH:MM> <segment> <text>, /broadcast status|cancel <id>
--   /raffle_codes                   the signed booth links to print as QR codes
--   /raffle_draw <public value>     the draw (once), results to every entrant
--   /raffle_audit                   the recorded draw and tickets, to publish
--   /vote_results [poll], /vote_close <poll>, /vote_open <poll>
--   /grant <role> <address>, /revoke <role> <address>, /roles
-- FAQ questions without an answer are handed to a person and the organiser address
-- (content.organiser_address) is told. In `parley chat`, `:user org` talks as the
-- organiser of roles_config.lua.

local i18n = require "i18n"
local flow = require "flow"
local menu = require "menu"
local profile = require "profile"
local segments = require "segments"
local roles = require "roles"
local schedule = require "schedule"
local broadcast = require "broadcast"
local raffle = require "raffle"
local networking = require "networking"
local voting = require "voting"
local faq = require "faq"
local content = require "content"
local offer = require "offer"
local onboarding = require "onboarding"
local sections = require "sections"
require "texts"   -- after the modules: it overrides a few of their texts

segments.define("attendees", function(p) return p.ticket == true end)
segments.define("prospects", function(p) return p.ticket == false end)
segments.define("everyone", function(p) return p.ticket ~= nil end)

roles.setup{ commands = true }
local function is_organiser(ctx) return roles.has(ctx, "organiser") end

-- A spec may write variant.lua (see onboarding.lua); its `programme` replaces
-- programme.lua, as an organiser's edit would.
local has_variant, variant = pcall(require, "variant")
if not has_variant or type(variant) ~= "table" then variant = {} end
schedule.setup{ programme = variant.programme or "programme", remind_before = "15m", commands = true }
broadcast.setup{ commands = true }

local checkpoints = {}
for i, e in ipairs(content.exhibitors) do checkpoints[i] = { id = e.id, name = e.name } end
raffle.setup{ threshold = content.raffle_threshold, checkpoints = checkpoints,
              winners = content.raffle_winners, link = content.raffle_link, is_organiser = is_organiser }

local polls = {}
for i, p in ipairs(content.polls) do
  polls[i] = { id = p.id, question = p.question, options = p.options, closes_at = offer.local_time(p.closes_at) }
end
voting.setup{ polls = polls, is_organiser = is_organiser }

local function opts(ids, prefix)
  local out = {}
  for i, id in ipairs(ids) do out[i] = { id = id, label = { en = i18n.t("en", prefix .. id), ru = i18n.t("ru", prefix .. id) } } end
  return out
end
networking.setup{
  questions = {
    { id = "level", text = { en = "Your business level?", ru = "Ваш уровень?" }, options = opts(onboarding.LEVELS, "conf.level.") },
    { id = "role", text = { en = "Your role?", ru = "Ваша роль?" }, options = opts(onboarding.ROLES, "conf.role.") },
    { id = "fields", text = { en = "Your fields?", ru = "Ваши области?" }, multi = true, match = true, options = {
      { id = "fintech", label = { en = "Fintech", ru = "Финтех" } }, { id = "health", label = { en = "Health", ru = "Медицина" } },
      { id = "ecommerce", label = { en = "E-commerce", ru = "E-commerce" } }, { id = "saas", label = "SaaS" } } },
    { id = "interests", text = { en = "Your interests?", ru = "Ваши интересы?" }, multi = true, match = true,
      options = opts(onboarding.INTERESTS, "conf.interest.") },
    { id = "topics", text = { en = "Topics to discuss?", ru = "Темы для разговора?" }, multi = true, match = true, options = {
      { id = "hiring", label = { en = "Hiring", ru = "Найм" } }, { id = "scaling", label = { en = "Scaling", ru = "Масштабирование" } },
      { id = "funding", label = { en = "Fundraising", ru = "Инвестиции" } } } },
  },
  limit = 5,
}

faq.setup{ entries = require "faq_data", manager = content.organiser_address }

-- Commands ------------------------------------------------------------------------------

bot.on("start", function(ctx, payload)
  schedule.sync(ctx)                     -- cheap; picks up an edited programme
  if raffle.handle_start(ctx, payload) then return end
  onboarding.start(ctx, payload)
end)

-- The menu; before the first questionnaire is done, its open question instead (a
-- redo, half done, is left for the menu).
local function show_menu(ctx)
  ctx.session.faq_mode = nil
  if flow.active(ctx) and not onboarding.finished(ctx) then
    return flow.start(ctx, "onboarding", flow.answers(ctx))
  end
  if not onboarding.known(ctx) then return onboarding.ask(ctx, "conf.first") end
  flow.stop(ctx)
  menu.show(ctx)
end

local function help(ctx)
  ctx:reply(i18n.t(ctx, "conf.help"))
  show_menu(ctx)
end

bot.command("menu", show_menu)
bot.command("help", help)
bot.command("expo", sections.guarded(function(ctx) menu.show(ctx, "expo") end))
bot.command("faq", sections.guarded(sections.faq))
bot.command("contacts", sections.guarded(sections.contacts))
bot.command("profile", function(ctx) menu.show(ctx, "profile") end)
bot.command("language", function(ctx, arg)
  local code = arg:lower():match("^%s*(%a%a)")
  if code == "en" or code == "ru" then
    i18n.set(ctx, code)
    profile.touch(ctx)
    ctx:reply(i18n.t(ctx, "conf.language_set"))
    return show_menu(ctx)
  end
  sections.language(ctx)
end)

-- /forget: everything the user told us goes. profile.forget runs every module's forget
-- hook (profile, networking card and requests, raffle entry and visits, reminders, a
-- half-done questionnaire); the bot adds its own early-bird timer and the rest of the
-- session, with its language choice.
local function forget(ctx)
  local text = i18n.t(ctx, "conf.forgotten")
  profile.forget(ctx)
  ctx:cancel("early_bird")
  ctx.session = {}
  ctx:reply(text)
end
bot.command("forget", forget)

-- Buttons of the bot's own messages ------------------------------------------------------

bot.on("button:home", show_menu)
bot.on("button:tickets", sections.guarded(sections.tickets))
bot.on("button:forget_yes", forget)
bot.on("button:got_ticket", function(ctx)
  onboarding.set_ticket(ctx, true)
  ctx:reply(i18n.t(ctx, "conf.now_attendee"))
  menu.show(ctx)
end)
for _, code in ipairs({ "en", "ru" }) do
  bot.on("button:lang_" .. code, function(ctx)
    i18n.set(ctx, code)
    profile.touch(ctx)
    ctx:reply(i18n.t(ctx, "conf.language_set"))
    show_menu(ctx)
  end)
end

bot.on("timer:early_bird", offer.nudge)

-- Free text -------------------------------------------------------------------------------

-- Typed words that mean a section (folded: any case, ё = е).
local WORDS = {
  menu = "menu", ["main menu"] = "menu", back = "menu", ["меню"] = "menu", ["назад"] = "menu",
  help = "help", ["помощь"] = "help",
  programme = "prog", program = "prog", schedule = "prog", agenda = "prog", ["программа"] = "prog",
  expo = "expo", exhibitors = "expo", ["выставка"] = "expo",
  faq = "faq", questions = "faq", ["вопросы"] = "faq",
  contacts = "contacts", contact = "contacts", organisers = "contacts", ["контакты"] = "contacts",
  profile = "profile", ["профиль"] = "profile",
  tickets = "tickets", ticket = "tickets", ["get a ticket"] = "tickets", ["билет"] = "tickets",
}
local ACTIONS = {
  menu = show_menu, help = help,
  prog = sections.guarded(sections.programme),
  expo = function(ctx) menu.show(ctx, "expo") end,
  faq = sections.guarded(sections.faq),
  contacts = sections.guarded(sections.contacts),
  profile = function(ctx) menu.show(ctx, "profile") end,
  tickets = sections.guarded(sections.tickets),
}

bot.on("message", flow.wrap(function(ctx, text)
  if networking.handle_message(ctx, text) then return end   -- the contact it asked for
  local asking = ctx.session.faq_mode
  ctx.session.faq_mode = nil
  local word = bot.text.fold(text):gsub("^%s+", ""):gsub("[%s%p]+$", "")
  if WORDS[word] then return ACTIONS[WORDS[word]](ctx) end
  if menu.handle(ctx, text) then return end                -- a button's label, typed
  if not onboarding.known(ctx) then return onboarding.ask(ctx, "conf.first") end
  -- In the FAQ section every question goes to the FAQ (and to a person without an
  -- answer); elsewhere only a confident match is answered.
  if asking then return faq.answer(ctx, text) end
  local best = faq.match(text)[1]
  if best and best.score >= 0.7 then return faq.answer(ctx, text) end
  ctx:reply(i18n.t(ctx, "conf.didnt_catch"))
  menu.show(ctx)
end))

-- Everything else: unknown commands, stale or unknown buttons, orphan timers.
bot.fallback(flow.wrap(function(ctx, input)
  local kind = ctx.event.kind
  if kind == "timer" then return bot.log("conference: no handler for timer", input) end
  local command = tostring(input):match("^/([^%s@]+)")
  if kind == "command" or command then
    ctx:reply(i18n.t(ctx, "conf.unknown_command", { command = command or input }))
  else
    ctx:reply(i18n.t(ctx, "conf.stale_button"))
  end
  show_menu(ctx)
end))
