-- reminders_spec.lua: the timers of the bot. The prospects' early-bird nudge (24 h
-- after "Not yet", once, never to ticket holders); programme reminders 15 minutes
-- before a block to those who asked (schedule module), the keynote to every attendee
-- without asking (a segment reminder), never to prospects; a programme edited by the
-- organisers and published tells the subscribers; timers survive a restart.

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

local function prospect(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Founder")
  u:press("Executive")
  u:replies()
end

-- From the spec clock (1 June 11:00 Berlin) to 18 June 09:14 Berlin, a minute before
-- the keynote's reminder is due.
local TO_KEYNOTE_REMINDER = "16d22h14m"

scenario("the early-bird nudge comes 24 h after 'Not yet', with a tracked buy link", function(u)
  prospect(u)
  u:advance("23h59m")
  u:expect{ none = true }
  u:advance("1m")
  u:expect{ text = "Still thinking about DevConf 2026? The early-bird price of EUR 299 (instead of EUR 449) ends on 10 June.\n"
    .. "Get your ticket: https://devconf.example/tickets?utm_source=bot&utm_campaign=early_bird_24h",
    buttons = { "I've got a ticket", "Menu" } }
  u:advance("7d")
  u:expect{ none = true }                          -- once
end)

scenario("the nudge also reaches a prospect who never finished the questionnaire", function(u)
  u:send("/start")
  u:press("Not yet")
  u:advance("24h")
  u:expect{ contains = "early-bird price" }
end)

scenario("'Not yet' twice does not postpone the nudge", function(u)
  u:send("/start")
  u:press("Not yet")
  u:advance("12h")
  u:press("Back")
  u:press("Not yet")
  u:advance("12h")
  u:expect{ contains = "early-bird price" }
end)

scenario("the early-bird timer survives a restart", function(u)
  prospect(u)
  u:advance("12h")
  restart()
  u:advance("12h")
  u:expect{ contains = "early-bird price" }
end)

scenario("a prospect reached after the early-bird deadline hears the regular price", function(u)
  advance("10d")                                   -- 11 June
  prospect(u)
  u:advance("24h")
  u:expect{ contains = "Tickets are EUR 449" }
end)

scenario("every attendee is reminded of the keynote; prospects are not", function(u)
  local bob = user("bob")
  attendee(u)
  prospect(bob)
  advance(TO_KEYNOTE_REMINDER)
  u:expect{ none = true }
  advance("1m")
  u:expect{ text = "In 15 minutes: \"Opening keynote: Shipping software in 2026\" at Thu 18 Jun, 09:30, Hall A." }
  bob:expect{ none = true }
end)

scenario("a block an attendee subscribed to is reminded 15 minutes before", function(u)
  attendee(u)
  u:send("/menu")
  u:press("Programme")
  u:press("🔔 Thu 18 Jun, 14:00 Hands-on workshops")
  u:expect{ contains = "Hands-on workshops, Rooms 1-4" }
  advance("17d2h44m")                              -- 18 June 13:44 Berlin
  u:replies()
  advance("1m")
  u:expect{ text = "In 15 minutes: \"Hands-on workshops\" at Thu 18 Jun, 14:00, Rooms 1-4." }
end)

scenario("reminders of every block, in Russian, across a restart", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:press("Да")
  ivan:press("Разработчик")
  ivan:press("Senior")
  ivan:send("/remind all")
  ivan:expect{ contains = "Напомню за 15 минут до каждого блока." }
  restart()
  advance("16d20h44m")                             -- 18 June 07:44 Berlin
  ivan:replies()
  advance("1m")
  ivan:expect{ text = "Через 15 минут: «Выдача бейджей и кофе», 18 июня, 08:00, Foyer." }
end)

scenario("a published programme change tells the subscribers and moves their reminders", function(u)
  local org = user("org")
  attendee(u)
  u:send("/remind workshops")
  u:expect{ contains = "I'll remind you 15 minutes before \"Hands-on workshops\"" }
  -- The organisers move the workshops to 15:00 and reload: a changed programme.lua.
  local src = assert(io.open(HERE .. "/programme.lua")):read("a")
  local moved = src:gsub('"2026%-06%-18 14:00"', '"2026-06-18 15:00"')
  local f = assert(io.open(HERE .. "/variant.lua", "w"))
  f:write("local p = (function() " .. moved .. " end)()\nreturn { programme = p }\n")
  f:close()
  local ok, err = pcall(function()
    reload()
    org:send("/programme publish")
    org:expect{ contains = "Programme published: 1 changes" }
    u:expect{ match = "The programme has changed:\n\"Hands%-on workshops\" is now at Thu 18 Jun, 15:00, Rooms 1%-4%." }
    advance("17d3h44m")                            -- 18 June 14:44 Berlin
    u:replies()
    advance("1m")
    u:expect{ text = "In 15 minutes: \"Hands-on workshops\" at Thu 18 Jun, 15:00, Rooms 1-4." }
  end)
  remove_variant()
  reload()
  assert(ok, err)
end)

scenario("only organisers publish the programme", function(u)
  attendee(u)
  u:send("/programme publish")
  u:expect{ contains = "organisers" }
end)

scenario("a Russian prospect's nudge is in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:press("Пока нет")
  advance("24h")
  ivan:expect{ match = "^Всё ещё думаете о DevConf 2026%? Ранняя цена EUR 299 %(вместо EUR 449%) действует до 10 июня%.",
               buttons = { "У меня есть билет", "Меню" } }
  ivan:press("У меня есть билет")
  ivan:expect{ contains = "Отлично, до встречи в Берлине!" }
end)
