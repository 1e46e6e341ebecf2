-- menu_spec.lua: every menu section for both segments, Back buttons, and the
-- profile with its "Redo questionnaire" button.

local ATTENDEE_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile" }
local PROSPECT_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile", "Get a ticket" }
local EXHIBITORS = { "CloudNest", "DataForge", "SecureStack", "HireLoop", "Back" }

local function attendee(u)
  u:send("/start")
  u:press("Yes")
  u:press("Developer")
end

local function prospect(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Founder")
end

-- The text of the last pending reply (consumes the pending replies).
local function last_text(u)
  local r = u:replies()
  assert(#r > 0, "expected a reply")
  return r[#r].text
end

local function has(text, ...)
  for _, part in ipairs({ ... }) do
    assert(text:find(part, 1, true), ("missing %q in:\n%s"):format(part, text))
  end
end

local function no_sales(text)
  local lower = text:lower()
  for _, sales in ipairs({ "early-bird", "eur ", "/tickets", "get a ticket", "buy" }) do
    assert(not lower:find(sales, 1, true), ("sales push %q shown to an attendee:\n%s"):format(sales, text))
  end
end

scenario("/menu shows the attendee menu with the venue", function(u)
  attendee(u)
  u:send("/menu")
  u:expect{ contains = "Station Berlin", buttons = ATTENDEE_MENU }
end)

scenario("/menu shows the prospect menu with a ticket entry", function(u)
  prospect(u)
  u:send("/menu")
  u:expect{ contains = "What would you like to know?", buttons = PROSPECT_MENU }
end)

scenario("attendee programme: schedule with times, venue and badge pickup, no sales", function(u)
  attendee(u)
  u:press("Programme")
  local text = last_text(u)
  has(text, "Thu 18 June", "09:30  Opening keynote", "(Hall A)", "Fri 19 June", "16:30  Closing panel",
      "Venue: Station Berlin", "Badge pickup: foyer, from 08:00")
  no_sales(text)
  u:press("Back")
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("prospect programme: highlights, early-bird price and a path to buy", function(u)
  prospect(u)
  u:press("Programme")
  u:expect{ contains = "40+ talks", buttons = { "Get a ticket", "Back" } }
  u:press("Get a ticket")
  local text = last_text(u)
  has(text, "Early-bird tickets: EUR 299 until 10 June (then EUR 449).",
      "Buy here: https://devconf.example/tickets?utm_source=bot&utm_campaign=menu")
  u:press("Back")
  u:expect{ buttons = PROSPECT_MENU }
end)

scenario("EXPO: list of exhibitors, one card each, Back and Menu", function(u)
  attendee(u)
  u:press("EXPO")
  u:expect{ contains = "Hall B", buttons = EXHIBITORS }
  u:press("DataForge")
  local card = last_text(u)
  has(card, "DataForge (booth B07)", "Observability platform", "For you: Live debugging demo",
      "Site: https://dataforge.example")
  u:press("Back")
  u:expect{ buttons = EXHIBITORS }
  u:press("expo_cloudnest")
  u:expect{ contains = "EUR 300 of free credits", buttons = { "Back", "Menu" } }
  u:press("Menu")
  u:expect{ buttons = ATTENDEE_MENU }
  u:press("EXPO")
  u:press("Back")
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("EXPO for a prospect says access comes with a ticket", function(u)
  prospect(u)
  u:press("EXPO")
  u:expect{ contains = "part of every ticket", buttons = EXHIBITORS }
  u:press("SecureStack")
  u:expect{ contains = "threat-modelling session" }
end)

scenario("attendee FAQ: logistics questions, answers, Back", function(u)
  attendee(u)
  u:press("FAQ")
  u:expect{ buttons = { "Where is the venue?", "Where do I get my badge?", "Is there Wi-Fi?",
                        "Can I transfer my ticket?", "Will the talks be recorded?", "Back" } }
  u:press("Is there Wi-Fi?")
  u:expect{ contains = "password printed on the back of your badge", buttons = { "Back", "Menu" } }
  u:press("Back")
  u:expect{ contains = "Frequently asked questions" }
  u:press("Where is the venue?")
  u:expect{ contains = "Gleisdreieck" }
  u:press("Menu")
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("prospect FAQ: price instead of logistics", function(u)
  prospect(u)
  u:press("FAQ")
  u:expect{ buttons = { "Where is the venue?", "How much is a ticket?", "Will the talks be recorded?", "Back" } }
  u:press("How much is a ticket?")
  u:expect{ contains = "Early-bird EUR 299 until 10 June" }
  u:press("Back")
  u:press("Back")
  u:expect{ buttons = PROSPECT_MENU }
end)

scenario("contacts: organisers for everyone, the info desk for attendees", function(u)
  attendee(u)
  u:press("Contacts")
  local text = last_text(u)
  has(text, "team@devconf.example", "@devconf_help", "info desk in the foyer")
  u:press("Back")
  u:expect{ buttons = ATTENDEE_MENU }

  local p = user("pia")
  prospect(p)
  p:press("Contacts")
  local ptext = last_text(p)
  has(ptext, "team@devconf.example")
  assert(not ptext:find("info desk", 1, true), ptext)
end)

scenario("profile shows the answers and can redo the questionnaire", function(u)
  attendee(u)
  u:press("Profile")
  u:expect{ match = "Ticket: yes\nRole: Developer\n", buttons = { "Redo questionnaire", "Back" } }
  u:press("Redo questionnaire")
  u:expect{ contains = "Have you got a ticket?", buttons = { "Yes", "Not yet" } }
  u:press("Not yet")
  u:expect{ contains = "Your role?" }
  u:press("Manager")
  u:expect{ buttons = PROSPECT_MENU }
  u:press("Profile")
  u:expect{ match = "Ticket: not yet\nRole: Manager\n" }
  u:press("Back")
  u:expect{ buttons = PROSPECT_MENU }
  local s = u:session()
  assert(s.segment == "prospect" and s.profile.ticket == false and s.profile.role == "manager")
end)

scenario("profile of a user who skipped the role question", function(u)
  u:send("/start")
  u:press("Not yet")
  u:send("/profile")
  u:expect{ contains = "Role: not told yet", buttons = { "Redo questionnaire", "Back" } }
end)

scenario("an attendee who asks for tickets is not sold one", function(u)
  attendee(u)
  u:send("tickets")
  local text = last_text(u)
  has(text, "You already have a ticket")
  no_sales(text)
end)

scenario("no section of the attendee bot pushes sales", function(u)
  attendee(u)
  for _, section in ipairs({ "Programme", "EXPO", "FAQ", "Contacts", "Profile" }) do
    u:send("/menu")
    u:press(section)
    no_sales(last_text(u))
  end
end)
