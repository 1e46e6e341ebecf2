-- "Forget me" and voting (profile.forget): nothing in the store names the voter before
-- or after; the ballot stays counted, and the voted marker (a keyed hash, not the
-- address) stays too, so forgetting and voting again cannot stuff the ballot. The user
-- can still vote in the polls they have not voted in.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

scenario("forgotten after voting: nothing names her, the vote stays, no second vote", function()
  local z, org = user("zoryana"), user("org")
  z:send("/vote")
  z:press("Best talk of day 1?")
  z:press("Rust in production")
  z:expect{ contains = "Your vote is counted" }
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  probe.forgotten(org, { "console:zoryana", "zoryana" })
  restart()
  z:send("/vote")
  z:press("Best talk of day 1?")
  z:expect{ text = "You have already voted in this poll. Each person votes once." }
  z:send("/stale voting:cast:day1:k8s")
  z:press("Old button")
  z:expect{ text = "You have already voted in this poll. Each person votes once." }
  assert(store("voting:day1:count:rust") == 1 and store("voting:day1:count:k8s") == nil, "counted once")
  z:send("/vote")
  z:press("Best talk of day 2?")
  z:press("AI in production")
  z:expect{ contains = "Your vote is counted" }
end)

scenario("forgotten in Russian: still one vote", function()
  local z = user("zoryana", { language = "ru-RU" })
  z:send("/vote")
  z:press("voting:poll:day1")
  z:press("voting:cast:day1:keynote")
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  z:send("/vote")
  z:press("voting:poll:day1")
  z:expect{ contains = "Вы уже" }
end)
