-- sections.lua: the main menu (menu module) and the sections it opens. Every view
-- depends on the user's segment (profile field "ticket"): attendees get logistics,
-- the full programme, the raffle, networking and speaker voting; prospects get
-- value content and a path to buy - never the reverse.
--   Programme  schedule.show (attendees: reminder toggles) | highlights + buy (prospects)
--   EXPO       a paginated list of exhibitors; each opens a card (description, benefit
--              for the attendee, contacts, socials) with a button to the site
--   Raffle, Networking, Vote for speakers   the raffle / networking / voting modules
--   FAQ        frequent questions; the next typed text goes to the faq module
--   Contacts, Profile (redo questionnaire, language, forget me), Get a ticket

local i18n = require "i18n"
local menu = require "menu"
local profile = require "profile"
local segments = require "segments"
local schedule = require "schedule"
local raffle = require "raffle"
local networking = require "networking"
local voting = require "voting"
local content = require "content"
local offer = require "offer"
local onboarding = require "onboarding"

local sections = {}
local L = offer.localized

local function attendee(ctx) return segments.is(ctx, "attendees") end
local function prospect(ctx) return not attendee(ctx) end

local HOME = function(ctx) return { { i18n.t(ctx, "conf.menu_button"), "home" } } end

-- Sections that need the segment ask the ticket question first.
local function guarded(show)
  return function(ctx, arg)
    if not onboarding.known(ctx) then return onboarding.ask(ctx, "conf.first") end
    ctx.session.faq_mode = nil
    show(ctx, arg)
  end
end

function sections.programme(ctx)
  if attendee(ctx) then return schedule.show(ctx) end
  ctx:reply(i18n.t(ctx, "conf.highlights", { dates = L(ctx, content.event.dates), price = offer.price_line(ctx) }),
    { buttons = { { { i18n.t(ctx, "conf.m.tickets"), "tickets" } }, HOME(ctx) } })
end

-- Networking, raffle and voting are the attendees'; a prospect hears what they miss.
local function for_attendees(label, run)
  return function(ctx)
    if attendee(ctx) then return run(ctx) end
    ctx:reply(i18n.t(ctx, "conf.for_attendees", { section = i18n.t(ctx, label), price = offer.price_line(ctx) }),
      { buttons = { { { i18n.t(ctx, "conf.m.tickets"), "tickets" } }, HOME(ctx) } })
  end
end

-- FAQ entries worth a button, per segment (the rest are found by typing).
local FAQ_BUTTONS = {
  attendee = { "badge", "wifi", "venue", "transfer", "food", "raffle" },
  prospect = { "price", "venue", "recordings", "food" },
}

function sections.faq(ctx)
  local entries = {}
  for _, e in ipairs(require "faq_data") do entries[e.id] = e end
  local rows = {}
  for _, id in ipairs(FAQ_BUTTONS[attendee(ctx) and "attendee" or "prospect"]) do
    rows[#rows + 1] = { { L(ctx, entries[id].question), "faq:pick:" .. id } }
  end
  rows[#rows + 1] = HOME(ctx)
  ctx:reply(i18n.t(ctx, "conf.faq"), { buttons = rows })
  ctx.session.faq_mode = true
end

function sections.contacts(ctx)
  local lines = { i18n.t(ctx, "conf.contacts") }
  for _, c in ipairs(content.contacts) do lines[#lines + 1] = L(ctx, c) end
  if attendee(ctx) then lines[#lines + 1] = i18n.t(ctx, "conf.onsite") end
  ctx:reply(table.concat(lines, "\n"), { buttons = { HOME(ctx) } })
end

function sections.tickets(ctx)
  if attendee(ctx) then
    ctx:reply(i18n.t(ctx, "conf.have_ticket"))
    return menu.show(ctx)
  end
  offer.page(ctx)
end

-- Profile ----------------------------------------------------------------------------

local function label(ctx, prefix, v)
  return v and i18n.t(ctx, prefix .. v) or i18n.t(ctx, "conf.not_told")
end

local function profile_text(ctx)
  local p = profile.get(ctx)
  local ticket = p.ticket == nil and i18n.t(ctx, "conf.not_told")
    or i18n.t(ctx, p.ticket and "conf.ticket_yes" or "conf.ticket_no")
  return i18n.t(ctx, "conf.profile", {
    ticket = ticket, role = label(ctx, "conf.role.", p.role), level = label(ctx, "conf.level.", p.level),
    interests = label(ctx, "conf.interest.", p.interests),
    language = i18n.t(ctx, "conf.language_name"),
    shown = i18n.t(ctx, p.ticket and "conf.shown_attendee" or "conf.shown_prospect"),
  })
end

function sections.language(ctx)
  ctx:reply(i18n.t(ctx, "conf.language"), { buttons = { { { "English", "lang_en" }, { "Русский", "lang_ru" } } } })
end

function sections.forget_confirm(ctx)
  ctx:reply(i18n.t(ctx, "conf.forget_confirm"), { buttons = {
    { { i18n.t(ctx, "conf.forget_yes"), "forget_yes" } }, { { i18n.t(ctx, "conf.forget_no"), "home" } } } })
end

-- EXPO ---------------------------------------------------------------------------------

local by_id   -- exhibitor id -> entry, built on first use (load stays cheap)
local function exhibitor(id)
  if not by_id then
    by_id = {}
    for _, e in ipairs(content.exhibitors) do by_id[e.id] = e end
  end
  return by_id[id]
end

-- An exhibitor's card: what they do, what the attendee gets, how to reach them, and
-- a button to their site. "« EXPO" goes back to the list (the menu's own open id).
function sections.card(ctx, id)
  local e = exhibitor(id)
  if not e then return menu.refresh(ctx) end       -- gone since the list was shown
  ctx:reply(nil, { card = {
    title = i18n.t(ctx, "conf.card_title", { name = e.name, booth = e.booth }),
    subtitle = i18n.t(ctx, "conf.card", { description = L(ctx, e.description), benefit = L(ctx, e.benefit),
                                          site = e.site, contact = e.contact, social = e.social }),
    buttons = { { label = i18n.t(ctx, "conf.site"), url = e.site }, { "« EXPO", "menu:o:expo" },
                { i18n.t(ctx, "conf.menu_button"), "home" } },
  } })
end

-- The menu ------------------------------------------------------------------------------

menu.define{
  home = "main",
  per_page = 5,
  nodes = {
    main = {
      text = function(ctx)
        local key = attendee(ctx) and "conf.menu_attendee" or "conf.menu_prospect"
        return i18n.t(ctx, key, { dates = L(ctx, content.event.dates), venue = L(ctx, content.event.venue) })
      end,
      items = {
        { label = "conf.m.programme", id = "prog", run = guarded(sections.programme) },
        { label = "conf.m.expo", open = "expo" },
        { label = "conf.m.raffle", id = "raffle", run = guarded(raffle.progress), when = attendee },
        { label = "conf.m.networking", id = "net",
          run = guarded(for_attendees("conf.m.networking", function(ctx) networking.menu(ctx) end)) },
        { label = "conf.m.vote", id = "vote", run = guarded(voting.list), when = attendee },
        { label = "conf.m.faq", id = "faq", run = guarded(sections.faq) },
        { label = "conf.m.contacts", id = "contacts", run = guarded(sections.contacts) },
        { label = "conf.m.profile", open = "profile" },
        { label = "conf.m.tickets", id = "tickets", run = guarded(sections.tickets), when = prospect },
      },
    },
    expo = {
      text = function(ctx) return i18n.t(ctx, attendee(ctx) and "conf.expo_attendee" or "conf.expo_prospect") end,
      select = function(ctx, id) sections.card(ctx, id) end,
      list = function()
        local out = {}
        for i, e in ipairs(content.exhibitors) do out[i] = { id = e.id, label = e.name } end
        return out
      end,
    },
    profile = {
      text = profile_text,
      items = {
        { label = "conf.p.redo", id = "redo", run = onboarding.redo },
        { label = "conf.p.language", id = "lang", run = sections.language },
        { label = "conf.p.forget", id = "forget", run = sections.forget_confirm },
      },
    },
  },
}

sections.guarded = guarded
sections.exhibitor = exhibitor
return sections
