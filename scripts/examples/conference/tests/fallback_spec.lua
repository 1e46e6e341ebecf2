-- fallback_spec.lua: free text, typed menu labels, /help, unknown commands and
-- presses or typed choices that do not fit the conversation.

local ATTENDEE_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile" }
local PROSPECT_MENU = { "Programme", "EXPO", "FAQ", "Contacts", "Profile", "Get a ticket" }

local function attendee(u)
  u:send("/start")
  u:press("Yes")
  u:press("Developer")
end

scenario("typed menu labels act like the buttons", function(u)
  attendee(u)
  u:send("programme")
  u:expect{ contains = "09:30  Opening keynote" }
  u:send("Contacts")
  u:expect{ contains = "team@devconf.example" }
  u:send("  FAQ ")
  u:expect{ contains = "Frequently asked questions" }
  u:send("Expo!")
  u:expect{ buttons = { "CloudNest", "DataForge", "SecureStack", "HireLoop", "Back" } }
  u:send("profile")
  u:expect{ contains = "Ticket: yes" }
  u:send("Menu")
  u:expect{ buttons = ATTENDEE_MENU }
  u:send("schedule")
  u:expect{ contains = "Fri 19 June" }
end)

scenario("other free text gets a short help and the menu", function(u)
  attendee(u)
  u:send("what's the weather like in Berlin?")
  u:expect{ contains = "I didn't catch that. I'm the DevConf 2026 assistant", buttons = ATTENDEE_MENU }
end)

scenario("/help shows the help and the menu of the user's segment", function(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Other")
  u:send("/help")
  u:expect{ contains = "/menu shows the menu again", buttons = PROSPECT_MENU }
  u:send("help")
  u:expect{ contains = "/menu shows the menu again", buttons = PROSPECT_MENU }
end)

scenario("an unknown command gets the fallback and the menu", function(u)
  attendee(u)
  u:send("/raffle now")
  u:expect{ contains = "Sorry, I don't know the command /raffle.", buttons = ATTENDEE_MENU }
end)

scenario("an unknown command mid-questionnaire repeats the open question", function(u)
  u:send("/start")
  u:send("/foo")
  u:expect{ contains = "I don't know the command /foo", buttons = { "Yes", "Not yet" } }
  u:press("Yes")
  u:send("/bar")
  u:expect{ contains = "Your role?", buttons = { "Developer", "Manager", "Founder", "Other" } }
end)

scenario("free text mid-questionnaire repeats the open question", function(u)
  u:send("/start")
  u:send("maybe")
  u:expect{ contains = "Please answer with one of the buttons", buttons = { "Yes", "Not yet" } }
  u:press("Not yet")
  u:send("I'm a CTO")
  u:expect{ contains = "Your role?", buttons = { "Developer", "Manager", "Founder", "Other" } }
end)

scenario("sections before the first answer ask the ticket question first", function(u)
  u:send("/menu")
  u:expect{ contains = "One quick question first", buttons = { "Yes", "Not yet" } }
  u:send("expo")
  u:expect{ contains = "Have you got a ticket?", buttons = { "Yes", "Not yet" } }
  u:send("hi")
  u:expect{ contains = "Have you got a ticket?", buttons = { "Yes", "Not yet" } }
  u:press("Yes")
  u:expect{ contains = "Your role?" }
end)

scenario("a choice number that is not on offer is not a press", function(u)
  attendee(u)
  u:send("9")
  u:expect{ contains = "I didn't catch that.", buttons = ATTENDEE_MENU }
end)

scenario("a questionnaire answer typed outside the questionnaire is not taken", function(u)
  attendee(u)
  u:send("Founder")
  u:expect{ contains = "I didn't catch that.", buttons = ATTENDEE_MENU }
  u:send("Not yet")
  u:expect{ contains = "I didn't catch that.", buttons = ATTENDEE_MENU }
  local s = u:session()
  assert(s.profile.role == "developer" and s.segment == "attendee", "answers unchanged")
end)
