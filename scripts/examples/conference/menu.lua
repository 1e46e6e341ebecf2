-- menu.lua: the main menu and its sections (Programme, EXPO, FAQ, Contacts,
-- Profile, and "Get a ticket" for prospects).
-- Every view depends on ctx.session.segment: attendees get logistics and the full
-- schedule, prospects get value content and a path to buy - never the reverse.

local content = require "content"
local offer = require "offer"

local menu = {}

local BACK = { "Back", "menu" }

local function is_attendee(ctx)
  return ctx.session.segment == "attendee"
end

local function join(lines)
  return table.concat(lines, "\n")
end

-- Main menu --------------------------------------------------------------

function menu.buttons(segment)
  local rows = {
    { { "Programme", "programme" }, { "EXPO", "expo" } },
    { { "FAQ", "faq" }, { "Contacts", "contacts" } },
    { { "Profile", "profile" } },
  }
  if segment == "prospect" then
    rows[#rows + 1] = { { "Get a ticket", "tickets" } }
  end
  return rows
end

-- Shows the menu; `intro` (optional) is put above it in the same message.
-- Showing the menu ends any pending questionnaire step.
function menu.show(ctx, intro)
  ctx.session.step = nil
  local ev = content.event
  local head
  if is_attendee(ctx) then
    head = ("%s, %s, %s. What do you need?"):format(ev.name, ev.dates, ev.venue)
  else
    head = ("%s, %s in Berlin. What would you like to know?"):format(ev.name, ev.dates)
  end
  local text = intro and (intro .. "\n\n" .. head) or head
  ctx:reply(text, { buttons = menu.buttons(ctx.session.segment) })
end

-- Programme ----------------------------------------------------------------

local function full_schedule()
  local lines = { "Programme, " .. content.event.dates, "" }
  for _, day in ipairs(content.programme) do
    lines[#lines + 1] = day.day
    for _, b in ipairs(day.blocks) do
      lines[#lines + 1] = ("%s  %s (%s)"):format(b.time, b.title, b.room)
    end
    lines[#lines + 1] = ""
  end
  lines[#lines + 1] = "Venue: " .. content.event.venue
  lines[#lines + 1] = content.event.badge_pickup
  return join(lines)
end

local function highlights(now)
  local lines = { ("What's on at %s, %s:"):format(content.event.name, content.event.dates) }
  for _, h in ipairs(content.highlights) do
    lines[#lines + 1] = "- " .. h
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = ("Opening keynote: %s, %s on 18 June."):format(content.keynote.title, content.keynote.time)
  lines[#lines + 1] = offer.price_line(now)
  return join(lines)
end

function menu.programme(ctx)
  if is_attendee(ctx) then
    ctx:reply(full_schedule(), { buttons = { BACK } })
  else
    ctx:reply(highlights(ctx.now), { buttons = { { "Get a ticket", "tickets" }, BACK } })
  end
end

-- EXPO -----------------------------------------------------------------------

function menu.expo(ctx)
  local head = is_attendee(ctx)
    and "EXPO in Hall B, open 10:00-18:00 on both days. Pick an exhibitor:"
    or "30+ companies exhibit at DevConf, EXPO access is part of every ticket. A few of them:"
  local rows = {}
  for _, ex in ipairs(content.exhibitors) do
    rows[#rows + 1] = { ex.name, "expo_" .. ex.id }
  end
  rows[#rows + 1] = BACK
  ctx:reply(head, { buttons = rows })
end

function menu.exhibitor(ctx, ex)
  local text = join({
    ("%s (booth %s)"):format(ex.name, ex.booth),
    ex.description,
    "For you: " .. ex.benefit,
    "Site: " .. ex.site,
  })
  ctx:reply(text, { buttons = { { "Back", "expo" }, { "Menu", "menu" } } })
end

-- FAQ ------------------------------------------------------------------------

-- Is this FAQ entry meant for the user's segment?
function menu.faq_visible(ctx, item)
  return item.only == nil or item.only == ctx.session.segment
end

function menu.faq(ctx)
  local rows = {}
  for _, item in ipairs(content.faq) do
    if menu.faq_visible(ctx, item) then
      rows[#rows + 1] = { item.q, "faq_" .. item.id }
    end
  end
  rows[#rows + 1] = BACK
  ctx:reply("Frequently asked questions, pick one:", { buttons = rows })
end

function menu.answer(ctx, item)
  ctx:reply(item.q .. "\n" .. item.a, { buttons = { { "Back", "faq" }, { "Menu", "menu" } } })
end

-- Contacts ---------------------------------------------------------------------

function menu.contacts(ctx)
  local lines = { "Reach the DevConf organisers:" }
  for _, c in ipairs(content.contacts) do
    lines[#lines + 1] = c
  end
  if is_attendee(ctx) then
    lines[#lines + 1] = content.onsite_contact
  end
  ctx:reply(join(lines), { buttons = { BACK } })
end

-- Profile ----------------------------------------------------------------------

local function role_label(key)
  for _, r in ipairs(content.roles) do
    if r.key == key then return r.label end
  end
  return "not told yet"
end

function menu.profile(ctx)
  local p = ctx.session.profile or {}
  local shown = is_attendee(ctx)
    and "logistics and the full programme"
    or "what DevConf offers and how to get a ticket"
  local text = join({
    "Your profile:",
    "Ticket: " .. (p.ticket and "yes" or "not yet"),
    "Role: " .. role_label(p.role),
    "So I show you " .. shown .. ".",
  })
  ctx:reply(text, { buttons = { { "Redo questionnaire", "profile_redo" }, BACK } })
end

-- Tickets (prospects only) -------------------------------------------------------

function menu.tickets(ctx)
  if is_attendee(ctx) then
    return menu.show(ctx, "You already have a ticket, see you in Berlin!")
  end
  ctx:reply(offer.page(ctx.now), { buttons = { { "I've got a ticket", "ticket_yes" }, BACK } })
end

return menu
