-- "Forget me" and follow-ups (profile.forget): running sequences end, their timers are
-- cancelled (no nudge comes again, not even a "later" reminder, across a restart), the
-- texts' vars go with the session; the user can be followed up again.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

scenario("forgotten: no nudge or reminder ever comes, the vars are gone, counted as forgotten", function()
  local z, auditor = user("zoryana"), user("auditor")
  z:send("/start")                                       -- reactivation, with her name in the vars
  z:send("/quote")
  advance("24h")
  z:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
  z:press("Later")
  z:press("Tomorrow")                                    -- a reminder is due in a day
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  assert(z:session()._followup == nil, "the sequences and their vars are gone")
  probe.forgotten(auditor, { "console:zoryana", "zoryana" })
  restart()
  advance("8d")
  z:expect{ none = true }
  assert(store("followup:stats:quote:forgotten") == 1 and store("followup:stats:reactivation:forgotten") == 1)
  assert(store("ended:zoryana") == nil, "the bot's on_end is not run by forgetting")
  -- Started again, a sequence runs as for anyone.
  z:send("/quote")
  advance("24h")
  z:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
end)

scenario("forgotten in Russian: the 48 h reactivation does not come", function()
  local z = user("zoryana", { language = "ru-RU" })
  z:send("/start")
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  advance("3d")
  z:expect{ none = true }
end)
