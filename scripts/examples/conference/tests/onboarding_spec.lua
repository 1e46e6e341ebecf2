-- onboarding_spec.lua: the greeting, the questionnaire (ticket, role, level) and the
-- segment it gives; typed and invalid answers, Back and Cancel, a returning user,
-- Russian, and a restart and a reload with changed code mid-questionnaire.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local TICKET = { "Yes", "Not yet", "Cancel" }
local ROLES = { "Developer", "Manager", "Founder", "Other", "Back", "Cancel" }
local LEVELS = { "Junior", "Senior", "Lead", "Executive", "Back", "Cancel" }
local ATTENDEE_MENU = { "Programme", "EXPO", "Raffle", "Networking", "Vote for speakers", "FAQ", "Contacts", "Profile" }
local PROSPECT_MENU = { "Programme", "EXPO", "Networking", "FAQ", "Contacts", "Profile", "Get a ticket" }

local function remove_variant() os.remove(HERE .. "/variant.lua") end
remove_variant()                                   -- left over by an interrupted run

-- The example from the issue, verbatim.
scenario("a prospect is offered the early-bird ticket a day later", function(u)
  u:send("/start")
  u:expect{ contains = "Welcome", buttons = { "Yes", "Not yet", "Cancel" } }
  u:press("Not yet")
  u:advance("24h")
  u:expect{ contains = "early-bird" }
end)

scenario("the welcome asks about the ticket and remembers the deep link", function(u)
  u:send("/start booth_17")
  u:expect{ match = "^Welcome to DevConf 2026.*\n\nHave you got a ticket%?$", buttons = TICKET }
  local s = u:session()
  assert(s.source == "booth_17", "deep-link payload stored as source")
  assert(s._flow and s._flow.name == "onboarding" and s._flow.step == "ticket", "waiting for the ticket answer")
end)

scenario("a ticket holder answers the questionnaire and becomes an attendee", function(u)
  u:send("/start")
  u:press("Yes")
  u:expect{ text = "Your role?", buttons = ROLES }
  u:press("Developer")
  u:expect{ text = "Your business level?", buttons = LEVELS }
  u:press("Senior")
  u:expect{ contains = "all set" }
  u:expect{ contains = "What do you need?", buttons = ATTENDEE_MENU }
  assert(u:session()._flow == nil, "the form is closed")
  u:send("/profile")
  u:expect{ contains = "Ticket: yes\nRole: Developer\nLevel: Senior" }
end)

scenario("an attendee is told where to pick up the badge, never how to buy", function(u)
  u:send("/start")
  u:press("Yes")
  u:press("Manager")
  u:press("Lead")
  local all = {}
  for _, r in ipairs(u:replies()) do all[#all + 1] = r.text end
  local text = table.concat(all, "\n")
  assert(text:find("Badge pickup", 1, true), text)
  for _, sales in ipairs({ "early-bird", "eur ", "/tickets", "get a ticket", "buy" }) do
    assert(not text:lower():find(sales, 1, true), "no sales push to attendees: " .. text)
  end
  u:advance("24h")
  u:expect{ none = true }                          -- and no early-bird nudge
end)

scenario("a prospect finishes the questionnaire and is shown a path to buy", function(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Founder")
  u:press("Executive")
  u:expect{ match = "Early%-bird tickets: EUR 299 until 10 June" }
  u:expect{ contains = "What would you like to know?", buttons = PROSPECT_MENU }
  u:press("Get a ticket")
  u:expect{ contains = "https://devconf.example/tickets?utm_source=bot&utm_campaign=menu",
            buttons = { "I've got a ticket", "Menu" } }
end)

scenario("typed answers work like presses, in any case", function(u)
  u:send("/start")
  u:send("yes")
  u:expect{ text = "Your role?" }
  u:send("FOUNDER")
  u:expect{ text = "Your business level?" }
  u:send("4")                                      -- the number of a choice
  u:expect{ contains = "all set" }
  u:send("/profile")
  u:expect{ contains = "Role: Founder\nLevel: Executive" }
end)

scenario("an answer that is not a choice is explained and the question asked again", function(u)
  u:send("/start")
  u:send("maybe tomorrow")
  u:expect{ contains = "Have you got a ticket?", buttons = TICKET }
  assert(u:session()._flow.step == "ticket")
end)

scenario("Back returns to the previous question and a changed ticket answer counts", function(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Back")
  u:expect{ text = "Have you got a ticket?" }
  u:press("Yes")
  u:press("Other")
  u:press("Junior")
  u:expect{ contains = "Badge pickup" }
  u:advance("24h")
  u:expect{ none = true }                          -- the prospect's nudge was cancelled
end)

scenario("Cancel leaves the questionnaire; a section asks the ticket question first", function(u)
  u:send("/start")
  u:press("Cancel")
  u:expect{ contains = "Send /start whenever you want to continue" }
  u:send("/contacts")
  u:expect{ match = "^One quick question first.*Have you got a ticket%?$" }
  u:send("what is this?")
  u:expect{ contains = "Have you got a ticket?" }
end)

scenario("a returning user is welcomed back with the menu", function(u)
  u:send("/start")
  u:press("Yes")
  u:press("Developer")
  u:press("Senior")
  u:send("/start")
  u:expect{ contains = "Welcome back" }
  u:expect{ buttons = ATTENDEE_MENU }
  u:send("/start")                                 -- mid-questionnaire: the pending question
  u:expect{ contains = "Welcome back" }
end)

scenario("redo questionnaire from the profile replaces the answers", function(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Founder")
  u:press("Executive")
  u:send("/profile")
  u:press("Redo questionnaire")
  u:expect{ contains = "Let's redo the questionnaire.\n\nHave you got a ticket?" }
  u:press("Yes")
  u:press("Developer")
  u:press("Junior")
  u:expect{ buttons = ATTENDEE_MENU }
  u:send("/profile")
  u:expect{ contains = "Ticket: yes\nRole: Developer\nLevel: Junior" }
end)

scenario("a Russian user gets the questionnaire and the menu in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:expect{ match = "^Добро пожаловать на DevConf 2026.*У вас уже есть билет%?$", buttons = { "Да", "Пока нет", "Отмена" } }
  ivan:send("да")
  ivan:expect{ text = "Ваша роль?" }
  ivan:send("разработчик")
  ivan:press("Тимлид")
  ivan:expect{ contains = "Спасибо, всё готово" }
  ivan:expect{ contains = "Что вам нужно?", buttons = { "Программа", "EXPO", "Розыгрыш", "Нетворкинг",
    "Голосование за спикеров", "Вопросы", "Контакты", "Профиль" } }
end)

scenario("a restart mid-questionnaire: the user notices nothing", function(u)
  u:send("/start")
  u:press("Yes")
  u:expect{ text = "Your role?" }
  restart()
  u:press("Manager")
  u:expect{ text = "Your business level?", buttons = LEVELS }
  restart()
  u:send("senior")
  u:expect{ contains = "all set" }
end)

scenario("a reload with changed code mid-questionnaire: the user notices nothing", function(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Developer")
  u:expect{ text = "Your business level?" }
  local f = assert(io.open(HERE .. "/variant.lua", "w"))
  f:write("return { interests = true }\n")       -- the new code asks one more question
  f:close()
  local ok, err = pcall(function()
    reload()
    u:press("Senior")
    u:expect{ text = "What interests you most?", buttons = { "Backend", "Frontend", "AI", "Security", "Skip", "Back", "Cancel" } }
    u:press("AI")
    u:expect{ contains = "all set" }
    u:send("/profile")
    u:expect{ contains = "Role: Developer\nLevel: Senior\nInterests: AI" }
  end)
  remove_variant()
  reload()
  assert(ok, err)
end)
