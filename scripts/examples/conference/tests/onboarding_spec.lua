-- onboarding_spec.lua: greeting, the ticket/role questionnaire and segmentation,
-- returning users, and resuming a half-answered questionnaire after restart/reload.

local ROLES = { "Developer", "Manager", "Founder", "Other" }
local ATTENDEE_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile" }
local PROSPECT_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile", "Get a ticket" }

-- The example from the issue, verbatim.
scenario("a prospect is offered the early-bird ticket a day later", function(u)
  u:send("/start")
  u:expect{ contains = "Welcome", buttons = { "Yes", "Not yet" } }
  u:press("Not yet")
  u:advance("24h")
  u:expect{ contains = "early-bird" }
end)

scenario("the welcome asks about the ticket and remembers the deep link", function(u)
  u:send("/start booth_17")
  u:expect{ contains = "Have you got a ticket?", buttons = { "Yes", "Not yet" } }
  local s = u:session()
  assert(s.source == "booth_17", "deep-link payload stored as source")
  assert(s.step == "ticket", "waiting for the ticket answer")
  assert(s.segment == nil, "not segmented yet")
end)

scenario("a ticket holder answers both questions and becomes an attendee", function(u)
  u:send("/start")
  u:press("Yes")
  u:expect{ contains = "Your role?", buttons = ROLES }
  u:press("Developer")
  u:expect{ contains = "all set", buttons = ATTENDEE_MENU }
  local s = u:session()
  assert(s.segment == "attendee")
  assert(s.profile.ticket == true)
  assert(s.profile.role == "developer")
  assert(s.step == nil)
end)

scenario("an attendee is told where to pick up the badge, not how to buy", function(u)
  u:send("/start")
  u:press("ticket_yes")
  u:press("role_manager")
  local r = u:replies()
  local text = r[#r].text
  assert(text:find("Badge pickup", 1, true), text)
  local lower = text:lower()
  for _, sales in ipairs({ "early-bird", "eur ", "/tickets", "get a ticket", "buy" }) do
    assert(not lower:find(sales, 1, true), "no sales push to attendees: " .. text)
  end
end)

scenario("a prospect answers both questions and is shown a path to buy", function(u)
  u:send("/start")
  u:press("Not yet")
  u:expect{ contains = "Your role?", buttons = ROLES }
  u:press("Founder")
  u:expect{ match = "Early%-bird tickets: EUR 299", buttons = PROSPECT_MENU }
  local s = u:session()
  assert(s.segment == "prospect")
  assert(s.profile.ticket == false)
  assert(s.profile.role == "founder")
end)

scenario("/start again welcomes a known user back to the menu", function(u)
  u:send("/start")
  u:press("Yes")
  u:press("Other")
  u:send("/start")
  u:expect{ contains = "Welcome back", buttons = ATTENDEE_MENU }
  assert(u:session().profile.role == "other", "answers kept")
end)

scenario("/start in the middle of the questionnaire continues with the open question", function(u)
  u:send("/start")
  u:press("Not yet")
  u:send("/start")
  u:expect{ contains = "Your role?", buttons = ROLES }
  u:press("Manager")
  u:expect{ buttons = PROSPECT_MENU }
end)

scenario("restart() before the first answer keeps the pending question", function(u)
  u:send("/start")
  u:expect{ contains = "Welcome" }
  restart()
  u:press("Not yet")
  u:expect{ contains = "Your role?", buttons = ROLES }
end)

scenario("restart() mid-questionnaire continues where it was", function(u)
  u:send("/start")
  u:press("Yes")
  u:expect{ contains = "Your role?" }
  restart()
  u:press("Manager")
  u:expect{ contains = "all set", buttons = ATTENDEE_MENU }
  local s = u:session()
  assert(s.profile.ticket == true and s.profile.role == "manager")
end)

scenario("after restart() free text re-asks the pending question", function(u)
  u:send("/start")
  u:press("Not yet")
  restart()
  u:send("hello?")
  u:expect{ contains = "Your role?", buttons = ROLES }
  u:press("Other")
  u:expect{ contains = "all set", buttons = PROSPECT_MENU }
end)

scenario("reload() mid-questionnaire keeps the answers", function(u)
  u:send("/start")
  u:press("Yes")
  reload()
  u:press("Founder")
  u:expect{ contains = "all set", buttons = ATTENDEE_MENU }
  assert(u:session().segment == "attendee")
end)

scenario("answers can be typed instead of pressed", function(u)
  u:send("/start")
  u:send("yes")
  u:expect{ contains = "Your role?", buttons = ROLES }
  u:send("developer")
  u:expect{ contains = "all set", buttons = ATTENDEE_MENU }
  assert(u:session().profile.role == "developer")
end)
