-- The raffle: signed booth codes count once each, forged or edited codes count never;
-- at 15 booths a user is in the draw by themselves; the organiser's draw records its
-- seed, re-runs identically from the published ticket list, and reaches every entrant
-- (in batches, across a restart); organiser commands refuse everyone else; a reload
-- that changes the booths or the threshold moves users on; Russian throughout.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")

-- Every booth's signed payload, by booth number, as the organiser prints them.
local function codes()
  local org = user("org")
  org:send("/raffle_codes")
  local text = org:replies()[1].text
  local out = {}
  for n, p in text:gmatch("Booth (%d+): https://t%.me/devconf_bot%?start=(%S+)") do out[tonumber(n)] = p end
  out[1] = text:match("CloudNest: https://t%.me/devconf_bot%?start=(%S+)")
  return out, text
end

local function scan(u, payload) u:send("/start " .. payload) end

local function visit(u, code, from, to)
  for i = from, to do scan(u, code[i]) end
end

local function last_text(u)
  local r = u:replies()
  assert(#r > 0, "expected a reply")
  return r[#r].text
end

local function write_variant(text)
  local f = assert(io.open(HERE .. "/variant.lua", "w"))
  f:write(text)
  f:close()
end

local function remove_variant() os.remove(HERE .. "/variant.lua") end
remove_variant()                                          -- left over by an interrupted run

-- An auditor's own implementation of the documented draw (docs/lib/raffle.md): FNV-1a 64
-- of the ticket list, of the public value + count + digest, then SplitMix64 picks.
local function fnv(s)
  local h = 0xcbf29ce484222325
  for i = 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  return h
end
local function rerun(public, tickets, k)
  local digest = ("%016x"):format(fnv(table.concat(tickets, "\n")))
  local seed = fnv(public .. "\n" .. #tickets .. "\n" .. digest)
  local state, t, won = seed, { table.unpack(tickets) }, {}
  for i = 1, k do
    state = state + 0x9E3779B97F4A7C15
    local z = state
    z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ~ (z >> 27)) * 0x94D049BB133111EB
    z = z ~ (z >> 31)
    local j = i + (z >> 11) % (#t - i + 1)
    t[i], t[j] = t[j], t[i]
    won[i] = t[i]
  end
  return digest, ("%016x"):format(seed), won
end

scenario("the organiser prints one signed deep link per booth; nobody else can", function(u)
  local code, text = codes()
  assert(text:find("Raffle codes, one per booth (16):", 1, true), text)
  for i = 1, 16 do
    assert(code[i] and code[i]:match("^raffle_b" .. i .. "%-[%w_%-]+$") and #code[i] <= 64, tostring(code[i]))
  end
  u:send("/raffle_codes")
  u:expect{ text = "This command is for the organisers." }
  u:send("/raffle_draw 42")
  u:expect{ text = "This command is for the organisers." }
  u:send("/raffle_audit")
  u:expect{ text = "This command is for the organisers." }
  assert(store("raffle:draw") == nil)
end)

scenario("each booth counts once: a repeated code is answered but not counted", function(u)
  local code = codes()
  scan(u, code[1])
  u:expect{ contains = "Checked in at CloudNest!\nBooths visited: 1 of 15.\n14 more booths to enter the prize draw.",
            buttons = { "My raffle progress" } }
  scan(u, code[1])
  u:expect{ contains = "You have already checked in at CloudNest; each booth counts once.\nBooths visited: 1 of 15." }
  scan(u, code[2])
  u:expect{ contains = "Booths visited: 2 of 15.\n13 more booths" }
  scan(u, code[1])
  u:expect{ contains = "Booths visited: 2 of 15." }
  u:press("My raffle progress")
  u:expect{ text = "Booths visited: 2 of 15.\n13 more booths to enter the prize draw.\nVisited: CloudNest, Booth 2." }
  local s = u:session()._raffle
  assert(#s.visited == 2 and s.visited[1] == "b1" and s.visited[2] == "b2", "visited kept once each, in order")
  assert(store("raffle:stats:checkins") == 2, tostring(store("raffle:stats:checkins")))
end)

scenario("forged, edited, moved and unsigned codes are refused and count nothing", function(u)
  local code = codes()
  local p = code[3]
  local last = p:sub(-1)
  local forged = {
    p:sub(1, -2) .. (last == "A" and "B" or "A"),    -- one character of the signature changed
    "raffle_b4" .. p:sub(#"raffle_b3" + 1),           -- booth 3's signature on booth 4
    "raffle_b3",                                      -- unsigned
    "raffle_b3-",                                     -- empty signature
    "raffle_b99-AAAAAAAAAAAA",                        -- a booth that does not exist
    p:sub(1, -2),                                     -- truncated
  }
  for _, bad in ipairs(forged) do
    scan(u, bad)
    u:expect{ text = "This code is not one of ours. Scan the QR code on a booth to check in." }
  end
  assert(u:session()._raffle == nil, "no raffle state from forged codes")
  assert(store("raffle:stats:refused") == #forged)
  assert(store("raffle:stats:checkins") == nil)
  u:send("/raffle")
  u:expect{ text = "Scan the QR codes on the EXPO booths: 15 booths enter you into the prize draw." }
  -- A deep link that is not a raffle code is the bot's business, not the raffle's.
  u:send("/start booth_17")
  u:expect{ text = "Welcome to DevConf (booth_17)" }
  u:send("/start")
  u:expect{ text = "Welcome to DevConf" }
end)

scenario("the 15th distinct booth enters the draw by itself, once; repeats cannot reach it", function(u)
  local code = codes()
  visit(u, code, 1, 14)
  for _ = 1, 5 do scan(u, code[14]) end               -- repeats of one booth add nothing
  assert(last_text(u):find("Booths visited: 14 of 15.\n1 more booth to enter", 1, true))
  assert(store("raffle:stats:entrants") == nil)
  scan(u, code[15])
  local text = last_text(u)
  local ticket = text:match("You have entered the prize draw! Your ticket: (%S+)%.")
  assert(ticket and #ticket == 8, text)
  assert(text:find("Booths visited: 15 of 15.", 1, true), text)
  assert(u:session()._raffle.ticket == ticket)
  assert(store("raffle:stats:entrants") == 1)
  scan(u, code[16])
  u:expect{ contains = "You are in the prize draw, ticket " .. ticket .. "." }
  scan(u, code[15])
  u:expect{ contains = "You are in the prize draw, ticket " .. ticket .. "." }
  u:send("/raffle")
  u:expect{ contains = "Visited: CloudNest, Booth 2, Booth 3" }
  assert(store("raffle:stats:entrants") == 1, "entered once")
end)

scenario("a restart mid-way keeps the booths visited", function(u)
  local code = codes()
  visit(u, code, 1, 7)
  restart()
  scan(u, code[7])
  u:expect{ contains = "already checked in at Booth 7" }
  visit(u, code, 8, 15)
  u:expect{ contains = "You have entered the prize draw!" }
end)

scenario("the draw: recorded seed, reproducible winners, every entrant told once", function(u)
  local code = codes()
  local org = user("org")
  local people = { u, user("amy"), user("ben"), user("cat"), user("dan") }
  for _, p in ipairs(people) do
    visit(p, code, 1, 15)
    p:replies()
  end
  local late = user("lee")
  visit(late, code, 1, 5)
  late:replies()
  org:send("/raffle_audit")
  org:expect{ text = "No draw yet. Entrants so far: 5." }
  org:send("/raffle_draw")
  org:expect{ contains = "Usage: /raffle_draw <public value>" }
  org:send("/raffle_draw 4217")
  org:expect{ match = "^Draw done. Entrants: 5, seed %x+%. Winners: 1%. %S+ %(%a+%), 2%. %S+ %(%a+%)%." }
  local draw = store("raffle:draw")
  assert(draw.public == "4217" and draw.entrants == 5 and #draw.winners == 2 and draw.published == 2, "first batch")
  assert(draw.at == os.time{ year = 2026, month = 6, day = 1, hour = 9 }, "the time of the draw")

  -- The audit publishes the ticket list; re-running the documented draw gives the same.
  org:send("/raffle_audit")
  local msgs = org:replies()
  local audit = msgs[1].text
  assert(audit:find("Tickets in order: the next messages.", 1, true), audit)
  local tickets = {}
  for i = 2, #msgs do
    for tk in msgs[i].text:gmatch("%S+") do tickets[#tickets + 1] = tk end
  end
  assert(#tickets == 5, audit)
  local digest, seed, won = rerun("4217", tickets, 2)
  assert(audit:find("Public value: 4217\nEntrants: 5\nList digest: " .. digest .. "\nSeed: " .. seed, 1, true), audit)
  assert(won[1] == draw.winners[1].ticket and won[2] == draw.winners[2].ticket, "the re-run picks the same winners")
  assert(draw.seed == seed and draw.digest == digest)
  -- A different public value gives a different seed (the value matters).
  local _, other = rerun("4218", tickets, 2)
  assert(other ~= seed)

  -- Batches of two: the others are told a second later, by the organiser's timer.
  local got, told = {}, 0
  for i, p in ipairs(people) do
    got[i] = p:replies()
    if #got[i] > 0 then told = told + 1 end
  end
  assert(told == 2, "the first batch: two entrants")
  advance("2s")
  assert(store("raffle:draw").published == 5)
  local winners, losers = 0, 0
  for i, p in ipairs(people) do
    local r = got[i]
    for _, m in ipairs(p:replies()) do r[#r + 1] = m end
    assert(#r == 1, "each entrant is told exactly once, got " .. #r)
    local mine = p:session()._raffle.ticket
    if r[1].text:find("Congratulations! Your ticket " .. mine .. " won", 1, true) then
      winners = winners + 1
      assert(mine == won[1] or mine == won[2])
    else
      assert(r[1].text:find("The prize draw has taken place among 5 entrants. Your ticket " .. mine
        .. " was not drawn this time.", 1, true), r[1].text)
      losers = losers + 1
    end
    assert(r[1].text:find("Draw seed " .. seed, 1, true))
  end
  assert(winners == 2 and losers == 3, winners .. " winners")
  late:expect{ none = true }

  -- Once drawn: no second draw, no new entrants; the result stays in the progress.
  org:send("/raffle_draw 9999")
  org:expect{ text = "The draw has already taken place: /raffle_audit shows it." }
  assert(store("raffle:draw").seed == seed)
  visit(late, code, 6, 15)
  late:expect{ contains = "The draw has already taken place, so there are no new entries." }
  assert(store("raffle:stats:entrants") == 5)
  u:send("/raffle")
  u:expect{ match = "Your ticket %S+ (%a+)" }
end)

scenario("nobody to draw; publication resumes after a restart, or by the organiser", function(u)
  local code = codes()
  local org = user("org")
  org:send("/raffle_draw 1")
  org:expect{ text = "Nobody has entered the draw yet." }
  local people = { u, user("amy"), user("ben") }
  for _, p in ipairs(people) do visit(p, code, 1, 15) end
  org:send("/raffle_draw 77")
  restart()
  assert(store("raffle:draw").published == 2)
  advance("2s")
  assert(store("raffle:draw").published == 3)
  org:send("/raffle_draw 77")
  org:expect{ text = "The draw has already taken place: /raffle_audit shows it." }
  local told = 0
  for _, p in ipairs(people) do
    if p:session()._raffle.result then told = told + 1 end
  end
  assert(told == 3)
end)

scenario("a publication stopped half-way is continued by the organiser, nobody told twice", function(u)
  local code = codes()
  local org = user("org")
  local people = { u, user("amy"), user("ben"), user("cat"), user("dan") }
  for _, p in ipairs(people) do visit(p, code, 1, 15) end
  org:send("/raffle_draw 31")
  assert(store("raffle:draw").published == 2)
  org:send("/stall")
  org:send("/raffle_draw 31")                         -- within a minute of a batch: not stalled yet
  org:expect{ text = "The draw has already taken place; its result is being sent (2 of 5 told so far)." }
  advance("2m")
  assert(store("raffle:draw").published == 2, "stalled")
  org:send("/raffle_draw something else")             -- the recorded draw stands; only publication goes on
  org:expect{ text = "The draw has already taken place; telling the remaining entrants (2 of 5 told so far)." }
  assert(store("raffle:draw").published == 4 and store("raffle:draw").public == "31")
  advance("2s")
  assert(store("raffle:draw").published == 5)
  for _, p in ipairs(people) do
    local results = 0
    for _, m in ipairs(p:replies()) do
      if m.text:find("Draw seed", 1, true) then results = results + 1 end
    end
    assert(results <= 1, "told once")
    assert(p:session()._raffle.result, "told")
  end
end)

scenario("the module's digest matches the FNV-1a 64 test vectors", function(u)
  u:send("/fnv a")
  u:expect{ text = "af63dc4c8601ec8c" }
  u:send("/fnv foobar")
  u:expect{ text = "85944171f73967e8" }
end)

scenario("a reload that lowers the threshold enters users at their next look", function(u)
  local code = codes()
  visit(u, code, 1, 5)
  u:expect{ contains = "10 more booths" }
  write_variant("return { threshold = 5 }\n")
  reload()
  u:send("/raffle")
  u:expect{ contains = "Booths visited: 5 of 5.\nYou have entered the prize draw!" }
  remove_variant()
  reload()
  u:send("/raffle")
  u:expect{ contains = "You are in the prize draw" }
end)

scenario("a reload that removes a booth: its code is no longer counted", function(u)
  local code = codes()
  visit(u, code, 1, 3)
  write_variant("return { drop = 2 }\n")
  reload()
  scan(u, code[2])
  u:expect{ contains = "This booth is no longer part of the raffle." }
  u:send("/raffle")
  u:expect{ text = "Booths visited: 2 of 15.\n13 more booths to enter the prize draw.\nVisited: CloudNest, Booth 3." }
  remove_variant()
  reload()
  u:send("/raffle")
  u:expect{ contains = "Booths visited: 3 of 15." }
end)

scenario("in Russian: progress with plurals, entry and the result", function()
  local code = codes()
  local ivan = user("ivan", { language = "ru-RU" })
  scan(ivan, code[1])
  ivan:expect{ contains = "Вы отметились на стенде КлаудНест!\nСтендов посещено: 1 из 15.\nЕщё 14 стендов до участия",
               buttons = { "Мой прогресс в розыгрыше" } }
  visit(ivan, code, 2, 13)
  ivan:expect{ contains = "Ещё 2 стенда до участия" }
  scan(ivan, code[14])
  ivan:expect{ contains = "Ещё 1 стенд до участия" }
  scan(ivan, code[14])
  ivan:expect{ contains = "Вы уже отмечались на стенде Booth 14" }
  scan(ivan, code[1] .. "x")
  ivan:expect{ text = "Этот код не наш. Отсканируйте QR-код на стенде, чтобы отметиться." }
  scan(ivan, code[15])
  ivan:expect{ contains = "Вы участвуете в розыгрыше призов! Ваш билет:" }
  ivan:send("/raffle_draw 5")
  ivan:expect{ text = "Эта команда только для организаторов." }
  user("org"):send("/raffle_draw 5")
  ivan:expect{ match = "^Поздравляем! Ваш билет %S+ выиграл.*\nЗерно розыгрыша %x+: по нему" }
end)
