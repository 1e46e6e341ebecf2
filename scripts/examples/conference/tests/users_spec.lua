-- users_spec.lua: users at the same time keep separate answers, menus, languages and
-- reminders.

local ATTENDEE_MENU = { "Programme", "EXPO", "Raffle", "Networking", "Vote for speakers", "FAQ", "Contacts", "Profile" }
local PROSPECT_MENU = { "Programme", "EXPO", "Networking", "FAQ", "Contacts", "Profile", "Get a ticket" }

scenario("two users answering at once keep separate answers", function(u)
  local bob = user("bob")
  u:send("/start")
  bob:send("/start booth_3")
  u:press("Yes")
  bob:press("Not yet")
  bob:press("Founder")
  u:press("Developer")
  bob:press("Executive")
  u:press("Junior")
  u:expect{ buttons = ATTENDEE_MENU }
  bob:expect{ buttons = PROSPECT_MENU }
  assert(bob:session().source == "booth_3" and u:session().source == nil)
  u:send("/profile")
  u:expect{ contains = "Ticket: yes\nRole: Developer\nLevel: Junior" }
  bob:send("/profile")
  bob:expect{ contains = "Ticket: not yet\nRole: Founder\nLevel: Executive" }
end)

scenario("a reminder goes only to the user it was set for", function(u)
  local bob = user("bob")
  u:send("/start")
  u:press("Not yet")
  bob:send("/start")
  bob:press("Yes")
  advance("24h")
  u:expect{ contains = "early-bird price" }
  bob:expect{ none = true }
end)

scenario("one user's questionnaire and language do not move the other's", function(u)
  local ivan = user("ivan", { language = "ru-RU" })
  u:send("/start")
  ivan:send("/start")
  ivan:press("Да")
  restart()
  u:press("Not yet")
  u:expect{ text = "Your role?" }
  ivan:press("Менеджер")
  ivan:expect{ text = "Ваш уровень?" }
end)
