-- broadcast_spec.lua: a broadcast to a segment now or at a time, in batches; each
-- recipient exactly once; the delivery report; a restart and a reload mid-broadcast.
-- (advance() drops unread replies first, so every batch's arrivals are counted right
-- after the advance that brought them.)

local NAMES = { "amy", "ben", "cat", "dan", "eve" }

-- Five attendees, and pat without a ticket.
local function crowd()
  local people = {}
  for _, n in ipairs(NAMES) do
    local p = user(n)
    p:send("/ticket")
    people[#people + 1] = p
  end
  user("pat"):send("/consent off")
  return people
end

-- Adds to got[name] the replies containing `text` each user has now (consumed).
local function tally(people, text, got)
  for _, p in ipairs(people) do
    for _, r in ipairs(p:replies()) do
      if (r.text or ""):find(text, 1, true) then got[p.name] = (got[p.name] or 0) + 1 end
    end
  end
  return got
end

local function total(got)
  local n = 0
  for _, v in pairs(got) do n = n + v end
  return n
end

local function each_once(got)
  for _, n in ipairs(NAMES) do assert(got[n] == 1, n .. " got it " .. tostring(got[n]) .. " times") end
end

scenario("a broadcast reaches the segment in batches, each member once, with a report", function()
  local people, olga, pat = crowd(), user("olga"), user("pat")
  olga:send("/broadcast attendees Doors open at 8:30")
  olga:expect{ text = 'Broadcast #1 to "attendees" is on its way. /broadcast status 1 shows the report.' }
  local got = tally(people, "Doors open at 8:30", {})
  local first = total(got)
  assert(first >= 1 and first < 5, "the first batch holds some, not all: " .. first)
  olga:send("/broadcast status 1")
  olga:expect{ match = "^Broadcast #1 to \"attendees\": sending%.\nTargeted: " .. first .. ", delivered: " .. first }
  local batches, told = 1, false
  while not told and batches < 10 do
    advance("1m")
    batches = batches + 1
    tally(people, "Doors open at 8:30", got)
    for _, r in ipairs(olga:replies()) do
      told = r.text == "Broadcast #1: handed out to 5 recipients. /broadcast status 1 shows the deliveries."
    end
  end
  each_once(got)
  assert(told and batches >= 3, "batches of about 2 profiles each: " .. batches)
  olga:send("/broadcast status 1")
  olga:expect{ text = "Broadcast #1 to \"attendees\": handed out.\nTargeted: 5, delivered: 5, no consent: 0, "
    .. "outside the messaging window: 0, after cancelling: 0, pending: 0." }
  pat:expect{ none = true }
  advance("10m")
  tally(people, "Doors open", got)
  each_once(got)
end)

scenario("a restart between batches resumes the broadcast; nobody gets it twice", function()
  local people, olga = crowd(), user("olga")
  olga:send("/broadcast attendees Keynote moved to Hall B")
  local got = tally(people, "Keynote moved", {})
  assert(total(got) < 5)
  restart()
  for _ = 1, 6 do
    advance("1m")
    tally(people, "Keynote moved", got)
  end
  each_once(got)
  assert(store("broadcast:1").status == "sent")
  assert(store("broadcast:1:count:delivered") == 5)
end)

scenario("a repeated deliver (a batch replayed) and a second chat of one customer get nothing", function()
  local people, olga = crowd(), user("olga")
  local amy_wa = user("amy_wa")
  amy_wa:send("/link")
  local code = amy_wa:replies()[1].text:match("%d%d%d%d%d%d")
  people[1]:send("/link " .. code)                  -- amy's two chats: one customer
  people[1]:replies()
  olga:send("/broadcast attendees Badges at the desk")
  local got = tally(people, "Badges", {})
  tally({ amy_wa }, "Badges", got)
  for _ = 1, 6 do
    advance("1m")
    tally(people, "Badges", got)
    tally({ amy_wa }, "Badges", got)
  end
  each_once(got)
  assert(got.amy_wa == nil, "amy is reached once, at the chat she used last")
  olga:send("/redeliver 1 ben")
  olga:send("/redeliver 1 amy_wa")
  tally(people, "Badges", got)
  tally({ amy_wa }, "Badges", got)
  each_once(got)
  assert(got.amy_wa == nil)
  assert(store("broadcast:1:count:duplicate") == 2)
  olga:send("/broadcast status 1")
  olga:expect{ contains = "Targeted: 5, delivered: 5," }
end)

scenario("a broadcast at a time in the tenant's zone starts then; a past time is refused", function()
  local people, olga = crowd(), user("olga")
  olga:send("/broadcast at 2026-06-01 10:00 attendees Too late")     -- 09:00 UTC is 11:00 in Berlin
  olga:expect{ text = "I can't use that time: write it as 2026-06-18 09:30 (our time zone), in the future." }
  olga:send("/broadcast at 2026-13-01 12:30 attendees Bad month")
  olga:expect{ contains = "I can't use that time" }
  olga:send("/broadcast at 2026-06-01 12:30 attendees Lunch in the foyer")
  olga:expect{ text = 'Broadcast #1 to "attendees" will start on 2026-06-01 12:30. /broadcast cancel 1 cancels it.' }
  olga:send("/broadcast status 1")
  olga:expect{ match = "scheduled%.\nTargeted: 0," }
  advance("89m")
  local got = tally(people, "Lunch", {})
  assert(total(got) == 0)
  for _ = 1, 6 do
    advance("1m")
    tally(people, "Lunch", got)
  end
  each_once(got)
end)

scenario("cancelling a scheduled or half-sent broadcast stops it", function()
  local people, olga, oleg = crowd(), user("olga"), user("oleg")
  olga:send("/broadcast at 2026-06-01 12:30 attendees Never")
  olga:send("/broadcast cancel 1")
  olga:expect{ text = "Broadcast #1 is cancelled; nobody else will get it." }
  olga:send("/broadcast cancel 1")
  olga:expect{ text = "Broadcast #1 is already cancelled." }
  olga:send("/broadcast attendees Half")
  local got = tally(people, "Half", {})
  local first = total(got)
  oleg:send("/broadcast cancel 2")                 -- another organiser: the timer sees it
  oleg:expect{ contains = "is cancelled" }
  for _ = 1, 6 do
    advance("1m")
    tally(people, "Never", got)
    tally(people, "Half", got)
  end
  assert(total(got) == first and got.Never == nil)
  oleg:send("/broadcast status 2")
  oleg:expect{ match = "cancelled%.\nTargeted: " .. first .. ", delivered: " .. first }
  local missed                                     -- a signal still on its way when cancelled
  for _, n in ipairs(NAMES) do if not got[n] then missed = n end end
  assert(missed, "the first batch did not reach everyone")
  oleg:send("/redeliver 2 " .. missed)
  assert(#user(missed):replies() == 0)
  assert(store("broadcast:2:sent:console:" .. missed).outcome == "cancelled")
  oleg:send("/broadcast status 2")
  oleg:expect{ contains = "after cancelling: 1," }
  olga:send("/broadcast cancel 9")
  olga:expect{ text = "There is no broadcast #9." }
end)

scenario("only organisers broadcast; bad input is explained", function(u)
  crowd()
  u:send("/broadcast attendees hi")
  u:expect{ text = "Sorry, this command is for organisers only." }
  local olga = user("olga")
  olga:send("/broadcast")
  olga:expect{ text = "Usage: /broadcast <segment> <text>, /broadcast at 2026-06-18 09:30 <segment> <text>, "
    .. "/broadcast status <id>, /broadcast cancel <id>. Segments: attendees, everyone, vip." }
  olga:send("/broadcast attendees")
  olga:expect{ contains = "Usage:" }
  olga:send("/broadcast ghosts Boo")
  olga:expect{ text = "There is no segment \"ghosts\". Segments: attendees, everyone, vip." }
  olga:send("/broadcast status 7")
  olga:expect{ text = "There is no broadcast #7." }
  olga:send("/bad text")
  olga:expect{ text = "refused: no_text" }
  olga:send("/bad time")
  olga:expect{ text = "refused: bad_time" }
  assert(store("broadcast:seq") == nil)
end)

scenario("an empty segment ends with a report of nobody", function()
  crowd()
  local olga = user("olga")
  olga:send("/broadcast vip Champagne")
  olga:expect{ contains = "is on its way" }
  local told = false
  for _ = 1, 6 do
    advance("1m")
    for _, r in ipairs(olga:replies()) do
      told = told or r.text == "Broadcast #1: handed out to 0 recipients. /broadcast status 1 shows the deliveries."
    end
  end
  assert(told)
  olga:send("/broadcast status 1")
  olga:expect{ contains = "handed out.\nTargeted: 0, delivered: 0," }
end)

scenario("2,500 recipients in batches of 500, each batch within the event budget", function()
  local olga = user("olga")
  olga:send("/crowd 1 1000")
  olga:send("/crowd 1001 1000")
  olga:send("/crowd 2001 500")
  olga:send("/big")
  olga:expect{ text = "started #1" }
  local batches = 1
  while store("broadcast:1").status == "sending" and batches < 20 do
    advance("1m")                                  -- the spec bot's gap
    batches = batches + 1
  end
  assert(store("broadcast:1").status == "sent", "finished in " .. batches .. " batches")
  assert(batches >= 5 and batches <= 8, batches .. " batches")
  assert(store("broadcast:1:count:targeted") == 2500)
  assert(store("broadcast:1:count:delivered") == 2500)
  assert(not logs():find("budget", 1, true), logs())
end)
