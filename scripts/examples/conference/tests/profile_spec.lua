-- profile_spec.lua: what the user told us and what they can do about it: the
-- language switch (/language and the Profile button), "Forget me" / /forget deleting
-- the profile, the networking card, reminders and timers; and a restart and a reload
-- with changed code while the user is deep in the menu.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local function remove_variant() os.remove(HERE .. "/variant.lua") end
remove_variant()

local function attendee(u)
  u:send("/start")
  u:press("Yes")
  u:press("Developer")
  u:press("Senior")
  u:replies()
end

scenario("/language switches the bot to Russian and back", function(u)
  attendee(u)
  u:send("/language ru")
  u:expect{ text = "Хорошо, буду говорить по-русски." }
  u:expect{ contains = "Что вам нужно?", buttons = { "Программа", "EXPO", "Розыгрыш", "Нетворкинг",
    "Голосование за спикеров", "Вопросы", "Контакты", "Профиль" } }
  u:press("Профиль")
  u:expect{ contains = "Язык: Русский" }
  u:press("Language / Язык")
  u:expect{ text = "Выберите язык:", buttons = { "English", "Русский" } }
  u:press("English")
  u:expect{ text = "OK, I'll speak English." }
  u:send("/language")
  u:expect{ text = "Choose your language:" }
end)

scenario("a Russian channel user can switch to English", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:press("Да")
  ivan:press("Разработчик")
  ivan:press("Senior")
  ivan:send("/language en")
  ivan:expect{ contains = "What do you need?" }
  ivan:send("/start")
  ivan:expect{ contains = "Welcome back" }
end)

scenario("Forget me deletes what the user told us, after a confirmation", function(u)
  local bob = user("bob")
  attendee(u)
  attendee(bob)
  u:send("/remind workshops")
  u:send("/networking")
  u:press("Join networking")
  u:press("Senior")
  u:press("Developer")
  u:press("Fintech")
  u:press("Done")
  u:press("AI")
  u:press("Done")
  u:press("Hiring")
  u:press("Done")
  u:send("@user_dev")
  u:send("/profile")
  u:press("Forget me")
  u:expect{ contains = "Are you sure?", buttons = { "Yes, delete", "No, keep it" } }
  u:press("No, keep it")
  u:expect{ contains = "What do you need?" }
  u:send("/profile")
  u:press("Forget me")
  u:press("Yes, delete")
  u:expect{ text = "Done: I have deleted what you told me. Send /start to begin again." }
  assert(next(u:session()) == nil, "the session is empty")
  assert(store("profile:stats:forgotten") == 1)
  -- bob finds nobody: the networking card is gone
  bob:send("/networking")
  bob:press("Join networking")
  bob:press("Senior")
  bob:press("Developer")
  bob:press("Fintech")
  bob:press("Done")
  bob:press("AI")
  bob:press("Done")
  bob:press("Hiring")
  bob:press("Done")
  bob:send("@bob")
  bob:send("/networking")
  bob:press("Find people")
  bob:expect{ contains = "Nobody matches your criteria yet." }
  -- and the workshop reminder does not come
  advance("17d2h50m")
  u:expect{ none = true }
  u:send("/menu")
  u:expect{ contains = "Have you got a ticket?" }
end)

scenario("/forget cancels a prospect's early-bird nudge", function(u)
  u:send("/start")
  u:press("Not yet")
  u:send("/forget")
  u:expect{ contains = "I have deleted what you told me" }
  u:advance("2d")
  u:expect{ none = true }
end)

scenario("a restart and a reload with changed code deep in the EXPO: the user notices nothing", function(u)
  attendee(u)
  u:send("/menu")
  u:press("EXPO")
  u:press("Next ›")
  u:expect{ contains = "Page 2 of 3" }
  restart()
  u:press("Flagship")
  assert(u:replies()[1].cards[1].title == "Flagship, booth B09")
  local f = assert(io.open(HERE .. "/variant.lua", "w"))
  f:write("return { interests = true }\n")
  f:close()
  local ok, err = pcall(function()
    reload()
    u:press("« EXPO")
    u:expect{ contains = "Page 2 of 3" }
    u:press("Next ›")
    u:expect{ contains = "Page 3 of 3" }
    u:send("/profile")
    u:expect{ contains = "Ticket: yes\nRole: Developer\nLevel: Senior" }
  end)
  remove_variant()
  reload()
  assert(ok, err)
end)
