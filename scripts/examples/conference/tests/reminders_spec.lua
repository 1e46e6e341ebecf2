-- reminders_spec.lua: the 24 h early-bird nudge for prospects (and when it must
-- stay silent), and the keynote heads-up for attendees.
-- The simulated clock starts on 2026-06-01 09:00 UTC; the early-bird price ends
-- on 10 June and the opening keynote is on 18 June, 09:30 Berlin time.

local ATTENDEE_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile" }

local function onboard(u, ticket, role)
  u:send("/start")
  u:press(ticket)
  u:press(role)
end

scenario("the early-bird nudge comes 24 h after 'Not yet', with a buy link", function(u)
  onboard(u, "Not yet", "Developer")
  advance("23h")
  u:expect{ none = true }
  advance("1h")
  u:expect{ match = "early%-bird price of EUR 299 .*https://devconf%.example/tickets%?utm_source=bot",
            buttons = { "I've got a ticket", "Menu" } }
  assert(u:session().early_bird_sent == true)
end)

scenario("the early-bird nudge also reaches a prospect who skipped the role question", function(u)
  u:send("/start")
  u:press("Not yet")
  u:advance("24h")
  u:expect{ contains = "early-bird", buttons = { "I've got a ticket", "Menu" } }
  u:press("I've got a ticket")
  u:expect{ contains = "Your role?" }
  assert(u:session().segment == "attendee")
end)

scenario("no early-bird nudge for a prospect who got a ticket in between", function(u)
  onboard(u, "Not yet", "Developer")
  u:advance("5h")
  u:press("Get a ticket")
  u:expect{ contains = "Buy here:", buttons = { "I've got a ticket", "Back" } }
  u:press("I've got a ticket")
  u:expect{ contains = "see you in Berlin", buttons = ATTENDEE_MENU }
  u:advance("24h")
  u:expect{ none = true }
  assert(u:session().segment == "attendee")
end)

scenario("no early-bird nudge after redoing the questionnaire with a ticket", function(u)
  onboard(u, "Not yet", "Manager")
  u:advance("2h")
  u:press("Profile")
  u:press("Redo questionnaire")
  u:press("Yes")
  u:press("Manager")
  u:expect{ buttons = ATTENDEE_MENU }
  u:advance("2d")
  u:expect{ none = true }
end)

scenario("the early-bird nudge is sent once, and 'Not yet' twice does not postpone it", function(u)
  onboard(u, "Not yet", "Founder")
  u:advance("12h")
  u:press("Profile")
  u:press("Redo questionnaire")
  u:press("Not yet")
  u:press("Founder")
  u:advance("12h")
  u:expect{ contains = "early-bird" }
  u:press("Menu")
  u:press("Profile")
  u:press("Redo questionnaire")
  u:press("Not yet")
  u:press("Founder")
  u:advance("3d")
  u:expect{ none = true }
end)

scenario("the early-bird timer survives a restart", function(u)
  u:send("/start")
  u:press("Not yet")
  restart()
  advance("24h")
  u:expect{ contains = "early-bird" }
end)

scenario("an attendee gets the keynote reminder and never the early-bird nudge", function(u)
  onboard(u, "Yes", "Developer")
  u:advance("24h")
  u:expect{ none = true }
  u:advance("17d")
  u:expect{ contains = "opening keynote \"Shipping software in 2026\" starts in 60 minutes",
            buttons = { "Programme" } }
  u:press("Programme")
  u:expect{ contains = "09:30  Opening keynote" }
end)

scenario("a prospect gets no keynote reminder", function(u)
  onboard(u, "Not yet", "Other")
  u:advance("24h")
  u:expect{ contains = "early-bird" }
  u:advance("20d")
  u:expect{ none = true }
end)

scenario("an attendee who redoes the questionnaire as a prospect loses the keynote reminder", function(u)
  onboard(u, "Yes", "Developer")
  u:press("Profile")
  u:press("Redo questionnaire")
  u:press("Not yet")
  u:press("Developer")
  u:advance("24h")
  u:expect{ contains = "early-bird" }
  u:advance("20d")
  u:expect{ none = true }
end)
