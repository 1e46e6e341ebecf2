-- "Forget me" in lead qualification (profile.forget): the answers, the lead record and a
-- booked call go; the manager is told the call is off (without a name); the slot is free
-- for others; the user can ask about prices again.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

local WORDS = { "console:zoryana", "zoryana", "Zoryana Studio" }

local function book(u, slot)
  u:send("How much does a website cost?")
  u:press("lead:a:budget:3")
  u:press("lead:a:when:1")
  u:send("Zoryana Studio")
  u:press(slot)
end

local function with_variant(code, fn)
  local path = HERE .. "/variant.lua"
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local ok, err = pcall(function() reload() fn() end)
  os.remove(path)
  reload()
  assert(ok, err)
end

scenario("forgotten after booking a call: record, answers and slot go, the manager is told", function()
  local z, m, other = user("zoryana"), user("manager"), user("olga")
  book(z, "02.06 15:00")
  z:expect{ text = "Done: a manager will call you on 02.06 15:00." }
  m:expect{ contains = "Lead zoryana (console:zoryana) asked about prices." }
  assert(#probe.find(m, WORDS) == 2, "the probe sees the record and the slot before /forget")
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  m:expect{ text = "The call booked for 02.06 15:00 is cancelled: the lead asked for their data to be deleted." }
  probe.forgotten(m, WORDS)
  assert(z:session()._lead == nil)
  assert(store("lead:stats:completed") == 1, "the counters stay")
  -- The slot is free for someone else; she can start over, across a restart.
  other:send("price?")
  other:press("Over $10,000")
  other:press("This month")
  other:send("Olga & Co")
  other:expect{ text = "Thank you! Let's talk: pick a time for a call.",
                buttons = { "02.06 10:00", "02.06 15:00", "03.06 10:00", "None of these suit me" } }
  restart()
  z:send("price")
  z:expect{ contains = "What is your budget?" }
end)

scenario("forgotten half-way and in Russian: answers go; the Russian manager hears of a cancelled call", function()
  local z = user("zoryana", { language = "ru-RU" })
  local m = user("manager")
  z:send("цена?")
  z:press("Больше $10 000")
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  assert(z:session()._lead == nil, "answers given so far are gone")
  m:expect{ none = true }                                -- no call was booked: nothing to tell
  with_variant([[return { manager_locale = "ru" }]], function()
    book(z, "03.06 10:00")
    m:replies()
    z:send("/forget")
    m:expect{ text = "Звонок на 03.06 10:00 отменён: клиент попросил удалить его данные." }
    probe.forgotten(m, WORDS)
  end)
end)
