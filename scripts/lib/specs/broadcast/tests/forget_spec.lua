-- "Forget me" and broadcasts (profile.forget): the user's delivery marks go (under their
-- customer id and under a linked chat's own address), the reports' counts stay, later
-- broadcasts do not reach them, and they receive them again once they start over.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

local WORDS = { "console:zoryana", "zoryana" }

scenario("forgotten: marks gone, counts kept, no later broadcast until she starts over", function()
  local olga, z, amy = user("olga"), user("zoryana"), user("amy")
  z:send("/ticket")
  amy:send("/ticket")
  z:send("/link")                                        -- a second chat, linked later
  local code = z:replies()[1].text:match("%d%d%d%d%d%d")
  local wa = user("zoryana_wa")
  wa:send("/ticket")                                     -- its own profile, before the link
  olga:send("/raffle")                                   -- #1: both of her chats, separately
  advance("2m")                                          -- batches of two, a minute apart
  wa:send("/link " .. code)
  olga:send("/raffle")                                   -- #2: one customer now
  advance("2m")
  assert(store("broadcast:1:sent:console:zoryana_wa") and store("broadcast:2:sent:console:zoryana"))
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  probe.forgotten(olga, WORDS)
  olga:send("/broadcast status 1")
  olga:expect{ contains = "Targeted: 3, delivered: 3" }
  restart()
  olga:send("/hello")                                    -- #3, to everyone with a profile
  advance("2m")
  z:expect{ none = true }
  wa:expect{ none = true }
  olga:send("/broadcast status 3")
  olga:expect{ contains = "Targeted: 1, delivered: 1" }  -- Amy alone
  -- Starting over: a new profile, and the next broadcast reaches her once.
  z:send("/ticket")
  olga:send("/raffle")
  advance("2m")
  olga:send("/broadcast status 4")
  olga:expect{ contains = "Targeted: 2, delivered: 2" }
  assert(store("broadcast:4:sent:console:zoryana").outcome == "delivered", "she got #4")
end)

scenario("forgotten in Russian after a broadcast", function()
  local olga, z = user("olga"), user("zoryana", { language = "ru-RU" })
  z:send("/ticket")
  olga:send("/raffle")
  z:expect{ text = "Розыгрыш начнётся в 15:00 в фойе!" }
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  probe.forgotten(olga, WORDS)
end)
