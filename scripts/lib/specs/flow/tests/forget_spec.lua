-- "Forget me" in a form (profile.forget): the open form ends without a word, its answers
-- (name, phone, e-mail) go, its timeout never fires; the user can fill it in again.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

local function to_slot(u)
  u:send("/signup")
  u:send("Zoryana Petrova")
  u:press("Developer")
  u:send("Zoryana Labs")
  u:send("1")
  u:send("+49 170 5550123")
  u:send("zoryana@example.com")
end

scenario("forgotten mid-form: answers gone, no timeout, counted; the form starts afresh", function()
  local z, auditor = user("zoryana"), user("auditor")
  to_slot(z)
  z:expect{ contains = "When will you arrive?" }
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  assert(z:session()._flow == nil, "the answers are gone")
  probe.forgotten(auditor, { "console:zoryana", "Zoryana", "zoryana", "5550123" })
  restart()
  advance("3h")                                          -- past the slot step's 2 h timeout
  z:expect{ none = true }
  assert(store("flow:stats:signup:forgotten") == 1 and store("flow:stats:signup:timed_out") == nil)
  z:send("18.06.2026 09:30")                              -- no longer an answer
  z:expect{ text = "echo 18.06.2026 09:30" }
  z:send("/signup")
  z:expect{ text = "What is your name?" }
end)

scenario("forgotten in Russian mid-form", function()
  local z = user("zoryana", { language = "ru-RU" })
  z:send("/signup")
  z:send("Зоряна")
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  assert(z:session()._flow == nil)
end)
