-- "Forget me" in order tracking (profile.forget): every claim the user made (address and
-- their own words) and the conversation's state go, also a claim that is not the last
-- order they asked about; someone else's claim stays; the user can track orders again.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

local WORDS = { "console:zoryana", "zoryana", "Zoryana's mug" }

local function claim(u, id, issue, details)
  u:send("/order")
  u:send(id)
  u:press("orders:issue:" .. issue)
  u:send(details)
end

scenario("forgotten: her claims and the state go, another customer's claim stays", function()
  local z, m, ann = user("zoryana"), user("manager"), user("ann")
  claim(z, "1004", "damaged", "Zoryana's mug box is crushed")  -- costly: escalated to a person
  z:expect{ contains = "high priority" }
  z:handback("sorted out")
  claim(z, "1003", "damaged", "Zoryana's mug is broken in two")
  z:expect{ contains = "Claim 1003 is registered" }
  claim(ann, "1003", "damaged", "Ann's cup is chipped")        -- the order's claim is Ann's now
  ann:replies()
  z:send("/order")                                             -- her last order is not a claim
  z:send("1001")
  restart()
  assert(#probe.find(m, WORDS) == 2, "the probe sees her claim and her index before /forget")
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  probe.forgotten(m, WORDS)
  assert(store("orders:claim:1004") == nil, "found through the index, not the session")
  assert(store("orders:claim:1003").address == "console:ann", "someone else's claim stays")
  assert(z:session()._orders == nil)
  assert(store("orders:stats:claims") == 3 and store("orders:stats:escalated") == 1, "the counters stay")
  -- She tracks an order again as anyone would.
  z:send("/order")
  z:send("1003")
  z:expect{ text = "Order 1003 was delivered on 1 June. Did you receive it?" }
end)

scenario("forgotten in Russian while the details are asked for", function()
  local z = user("zoryana", { language = "ru-RU" })
  z:send("/order")
  z:send("1003")
  z:press("orders:issue:damaged")
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  z:send("Zoryana's mug is broken")                        -- no longer taken as claim details
  z:expect{ text = "Type /order to check an order." }
  assert(store("orders:claim:1003") == nil)
end)
