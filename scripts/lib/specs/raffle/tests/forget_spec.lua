-- "Forget me" in the raffle (profile.forget): before the draw the user leaves it (visits,
-- entry, name and address gone from the whole store) and can start over; after the draw
-- the recorded result keeps their ticket, anonymous, so the audit still re-runs, and
-- nothing more reaches them.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

local function codes()
  local org = user("org")
  org:send("/raffle_codes")
  local text = org:replies()[1].text
  local out = {}
  for n, p in text:gmatch("Booth (%d+): https://t%.me/devconf_bot%?start=(%S+)") do out[tonumber(n)] = p end
  out[1] = text:match("CloudNest: https://t%.me/devconf_bot%?start=(%S+)")
  return out
end

local function visit(u, code, from, to)
  for i = from, to do u:send("/start " .. code[i]) end
end

-- What would identify Zoryana: her conversation's address and her name.
local ZORYANA = { "console:zoryana", "zoryana" }

scenario("forgotten before the draw: out of it, nothing left, and she can start over", function()
  local code = codes()
  local z, org = user("zoryana"), user("org")
  visit(z, code, 1, 15)
  z:expect{ contains = "You have entered the prize draw!" }
  assert(#probe.find(org, ZORYANA) > 0, "the probe sees her entry before /forget")
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  probe.forgotten(org, ZORYANA)
  assert(z:session()._raffle == nil, "her visits are gone")
  org:send("/raffle_audit")
  org:expect{ text = "No draw yet. Entrants so far: 0." }
  assert(store("raffle:stats:entrants") == 1, "the count of entries ever made stays")
  restart()
  z:send("/raffle")
  z:expect{ text = "Scan the QR codes on the EXPO booths: 15 booths enter you into the prize draw." }
  visit(z, code, 1, 15)
  z:expect{ contains = "You have entered the prize draw!" }
  org:send("/raffle_audit")
  org:expect{ text = "No draw yet. Entrants so far: 1." }
end)

scenario("forgotten after the draw: an anonymous ticket stays, the audit re-runs, nothing reaches her", function()
  local code = codes()
  local org, z = user("org"), user("zoryana")
  local people = { z, user("amy"), user("ben") }
  for _, p in ipairs(people) do
    visit(p, code, 1, 15)
    p:replies()
  end
  local ticket = z:session()._raffle.ticket
  org:send("/raffle_draw 77")
  org:replies()
  local before = store("raffle:draw")
  z:send("/forget")
  z:replies()
  probe.forgotten(org, ZORYANA)
  advance("2s")                                      -- the rest of the publication (batches of two)
  z:expect{ none = true }
  local draw = store("raffle:draw")
  assert(draw.published == 3 and draw.seed == before.seed and draw.digest == before.digest, "the draw is unchanged")
  -- The audit still lists every ticket, hers included, and names no forgotten person.
  org:send("/raffle_audit")
  local msgs = org:replies()
  assert(msgs[1].text:find("Entrants: 3\nList digest: " .. before.digest .. "\nSeed: " .. before.seed, 1, true),
    msgs[1].text)
  assert(msgs[2].text:find(ticket, 1, true), "her ticket stays in the published list")
  assert(not msgs[1].text:find("zoryana", 1, true), msgs[1].text)
  local line
  for _, e in ipairs(store("raffle:draw:list")) do
    if e.ticket == ticket then line = e end
  end
  assert(line and line.address == nil and line.name == nil, "her line keeps only the ticket")
  -- Starting over: her visits count again, but the draw is closed.
  visit(z, code, 1, 15)
  z:expect{ contains = "The draw has already taken place, so there are no new entries." }
end)

scenario("forgotten in Russian, the winner's line of the draw is anonymous too", function()
  local code = codes()
  local org = user("org")
  local z = user("zoryana", { language = "ru" })
  visit(z, code, 1, 15)
  z:expect{ contains = "Вы участвуете в розыгрыше призов!" }
  org:send("/raffle_draw 5")
  org:expect{ match = "^Draw done%. Entrants: 1, seed %x+%. Winners: 1%. %S+ %(zoryana%)%." }
  z:expect{ contains = "Поздравляем!" }
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  probe.forgotten(org, ZORYANA)
  org:send("/raffle_audit")
  org:expect{ match = "Winners: 1%. [%w_%-]+\nTickets" }
end)
