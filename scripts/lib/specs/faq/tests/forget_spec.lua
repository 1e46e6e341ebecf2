-- "Forget me" at the FAQ desk (profile.forget): the last question the user typed goes
-- with the session state; nothing about them is in the store; they can ask again.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

scenario("forgotten: the typed question is gone, and questions work again", function()
  local z, auditor = user("zoryana"), user("auditor")
  z:send("Can Zoryana Petrova book the terrace for Friday, Elm Street 5?")
  z:expect{ contains = "I've passed your question to a person" }
  z:handback("answered by phone")
  assert(z:session()._faq.q:find("Zoryana", 1, true))
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  assert(z:session()._faq == nil, "her question is gone")
  probe.forgotten(auditor, { "console:zoryana", "zoryana", "Zoryana", "Elm Street 5" })
  restart()
  z:send("When do you close?")
  z:expect{ text = "Every day from 8:00 to 22:00." }
end)

scenario("forgotten in Russian", function()
  local z = user("zoryana", { language = "ru-RU" })
  z:send("доставку делаете?")
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  assert(z:session()._faq == nil)
end)
