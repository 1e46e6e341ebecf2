-- fallback_spec.lua: what the bot does with anything it does not expect - free text,
-- unknown commands, stale buttons - and the FAQ's human fallback: a question
-- without an answer goes to a person (a handoff) and the organisers are told; the
-- operator answers and hands the conversation back.

local ATTENDEE_MENU = { "Programme", "EXPO", "Raffle", "Networking", "Vote for speakers", "FAQ", "Contacts", "Profile" }

local function attendee(u)
  u:send("/start")
  u:press("Yes")
  u:press("Developer")
  u:press("Senior")
  u:replies()
end

scenario("other free text gets a short help and the menu", function(u)
  attendee(u)
  u:send("what's the weather like in Berlin?")
  u:expect{ contains = "I didn't catch that." }
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("a clear FAQ question typed anywhere is answered", function(u)
  attendee(u)
  u:send("wifi password")
  u:expect{ contains = "the password is on the back of your badge" }
  assert(store("faq:stats:completed") == 1)
end)

scenario("/help shows the help and the menu of the user's segment", function(u)
  attendee(u)
  u:send("/help")
  u:expect{ contains = "/language switches the language" }
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("an unknown command gets the fallback and the menu", function(u)
  attendee(u)
  u:send("/teleport now")
  u:expect{ text = "Sorry, I don't know the command /teleport." }
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("free text mid-questionnaire repeats the open question", function(u)
  u:send("/start")
  u:press("Yes")
  u:send("hello?")
  u:expect{ contains = "Your role?" }
  u:send("/teleport")                              -- a command is the bot's: the menu is not shown yet
  u:expect{ contains = "Sorry, I don't know the command /teleport." }
  u:expect{ text = "Your role?" }                  -- and the open question again
  u:press("Founder")
  u:expect{ text = "Your business level?" }
end)

scenario("a question the FAQ cannot answer goes to a person; the organisers are told", function(u)
  local org = user("org")
  attendee(u)
  u:send("/faq")
  u:send("Can I bring my dog to the party?")
  u:expect{ contains = "I've passed your question to a person" }
  org:expect{ match = "FAQ question without an answer from user %(console:user%): Can I bring my dog to the party%?" }
  u:send("hello?")                                 -- the bot is paused: an operator owns the chat
  u:expect{ none = true }
  u:operator("Yes, dogs are welcome in the courtyard.", "Olga")
  u:expect{ contains = "dogs are welcome" }
  u:handback("answered")
  u:send("/menu")
  u:expect{ buttons = ATTENDEE_MENU }
  assert(store("faq:stats:handoff") == 1)
end)

scenario("a near question offers the closest FAQ entries; 'None of these' goes to a person", function(u)
  attendee(u)
  u:send("/faq")
  u:send("ticket badge")
  local r = u:replies()[1]
  assert(r.text == "Did you mean one of these?" and #r.buttons == 4, r.text)
  assert(r.buttons[4][1].label == "None of these")
  u:press("None of these")
  u:expect{ contains = "I've passed your question to a person" }
end)

scenario("the FAQ answers Russian questions in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:press("Да")
  ivan:press("Разработчик")
  ivan:press("Senior")
  ivan:send("/faq")
  ivan:expect{ contains = "Напишите свой вопрос", buttons = { "Где получить бейдж?", "Есть ли Wi-Fi?", "Где проходит конференция?",
    "Можно ли передать билет?", "Обед включён?", "Как устроен розыгрыш?", "Меню" } }
  ivan:send("пароль вайфай")
  ivan:expect{ contains = "сеть DevConf" }
end)
