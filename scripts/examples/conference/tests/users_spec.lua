-- users_spec.lua: two users at the same time keep separate answers, menus and
-- reminders.

local ATTENDEE_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile" }
local PROSPECT_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile", "Get a ticket" }

scenario("two users answering at once keep separate answers", function(u)
  local bob = user("bob")
  u:send("/start")
  bob:send("/start booth_3")
  u:press("Yes")
  bob:press("Not yet")
  u:expect{ contains = "Your role?" }
  bob:expect{ contains = "Your role?" }
  bob:press("Founder")
  u:press("Developer")
  u:expect{ buttons = ATTENDEE_MENU }
  bob:expect{ buttons = PROSPECT_MENU }

  local a, b = u:session(), bob:session()
  assert(a.segment == "attendee" and a.profile.ticket == true and a.profile.role == "developer")
  assert(b.segment == "prospect" and b.profile.ticket == false and b.profile.role == "founder")
  assert(a.source == nil and b.source == "booth_3")

  u:press("Profile")
  u:expect{ match = "Ticket: yes\nRole: Developer" }
  bob:press("Profile")
  bob:expect{ match = "Ticket: not yet\nRole: Founder" }
end)

scenario("a reminder goes only to the user it was set for", function(u)
  local bob = user("bob")
  u:send("/start")
  bob:send("/start")
  bob:press("Not yet")
  u:press("Yes")
  advance("24h")
  bob:expect{ contains = "early-bird" }
  u:expect{ none = true }
end)

scenario("one user's questionnaire does not move the other's", function(u)
  local bob = user("bob")
  u:send("/start")
  bob:send("/start")
  bob:press("Yes")
  bob:press("Manager")
  restart()
  u:press("Not yet")
  u:expect{ contains = "Your role?" }
  assert(bob:session().segment == "attendee")
  assert(u:session().step == "role")
end)
