-- Anonymous voting: one vote per user per poll (a second one, even from an old message,
-- is refused); the store holds a voted marker under a keyed token and one counter per
-- option, nothing that joins the two, and the session holds nothing; replies never name
-- the option; results and closing are for organisers; a poll closes at its time; a
-- restart and a reload mid-vote; Russian.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")

local function write_variant(text)
  local f = assert(io.open(HERE .. "/variant.lua", "w"))
  f:write(text)
  f:close()
end
local function remove_variant() os.remove(HERE .. "/variant.lua") end
remove_variant()                                          -- left over by an interrupted run

-- A user votes in day 1 for the option with this label.
local function vote(u, label)
  u:send("/vote")
  u:press("Best talk of day 1?")
  u:press(label)
  u:expect{ text = "Your vote is counted. Thank you! Votes are anonymous: nobody can see who voted for what." }
end

-- Everything the module stored, as { key = json value }.
local function dump()
  local org = user("org")
  org:send("/dump")
  local out = {}
  local text = org:replies()[1].text
  if text == "(empty)" then return out end
  for line in text:gmatch("[^\n]+") do
    local k, v = line:match("^(.-)=(.*)$")
    out[k] = v
  end
  return out
end

scenario("a vote is counted once; the reply does not repeat the choice", function(u)
  u:send("/vote")
  u:expect{ text = "Which vote would you like to take part in?",
            buttons = { "Best talk of day 1?", "Best talk of day 2?" } }
  u:press("Best talk of day 1?")
  u:expect{ text = "Best talk of day 1?", buttons = { "Opening keynote", "Kubernetes at scale", "Rust in production" } }
  u:press("Rust in production")
  local r = u:replies()
  assert(#r == 1 and r[1].text:find("Your vote is counted", 1, true), r[1] and r[1].text)
  assert(not r[1].text:find("Rust", 1, true) and not r[1].buttons, "the reply names no option")
  u:send("/vote")
  u:press("Best talk of day 1?")
  u:expect{ text = "You have already voted in this poll. Each person votes once." }
  -- An old message's button (still pressable on Telegram) cannot vote again.
  u:send("/stale voting:cast:day1:k8s")
  u:press("Old button")
  u:expect{ text = "You have already voted in this poll. Each person votes once." }
  assert(store("voting:day1:count:rust") == 1)
  assert(store("voting:day1:count:k8s") == nil)
  -- Day 2 is a separate poll: the same user votes there too.
  u:send("/vote")
  u:press("Best talk of day 2?")
  u:press("AI in production")
  u:expect{ contains = "Your vote is counted" }
  assert(store("voting:day2:count:ai") == 1)
end)

scenario("what is stored: voted markers and counters, nothing that joins a voter to a choice", function(u)
  local amy, ben = user("amy"), user("ben")
  vote(u, "Rust in production")
  vote(amy, "Rust in production")
  vote(ben, "Kubernetes at scale")
  amy:send("/vote")
  amy:press("Best talk of day 2?")
  amy:press("Supply-chain security")
  local all = dump()
  local voted, counts, total = { day1 = {}, day2 = {} }, {}, 0
  for k, v in pairs(all) do
    local poll, token = k:match("^voting:(%w+):voted:([%w_%-]+)$")
    local cpoll, option = k:match("^voting:(%w+):count:(%w+)$")
    if poll then
      assert(v == "true", k .. " holds " .. v .. ": a marker must be true and nothing else")
      assert(#token == 12)
      voted[poll][token] = true
    elseif cpoll then
      assert(v:match("^%d+$"), k .. " holds " .. v)
      counts[cpoll .. ":" .. option] = tonumber(v)
      total = total + tonumber(v)
    else
      error("unexpected key " .. k .. "=" .. v)
    end
    for _, who in ipairs({ "user", "amy", "ben", "console", "org" }) do
      assert(not k:find(who, 1, true) and not v:find(who, 1, true), k .. "=" .. v .. " names " .. who)
    end
  end
  local n1, n2 = 0, 0
  for token in pairs(voted.day1) do
    n1 = n1 + 1
    assert(not voted.day2[token], "a voter's tokens differ between polls")
  end
  for _ in pairs(voted.day2) do n2 = n2 + 1 end
  assert(n1 == 3 and n2 == 1 and total == 4, ("%d %d %d"):format(n1, n2, total))
  assert(counts["day1:rust"] == 2 and counts["day1:k8s"] == 1 and counts["day2:sec"] == 1)
  -- Nothing in the sessions either, and nothing in the log.
  for _, p in ipairs({ u, amy, ben }) do
    for k in pairs(p:session()) do error("the session holds " .. k) end
  end
  for _, word in ipairs({ "rust", "k8s", "sec" }) do
    assert(not logs():find(word, 1, true), logs())
  end
end)

scenario("the conversation's history keeps that a ballot was cast, not the choice", function(u)
  vote(u, "Kubernetes at scale")
  local ballots = 0
  for _, e in ipairs(u:history()) do
    if e.dir == "in" and e.kind == "button" and e.redacted then ballots = ballots + 1 end
    for _, v in pairs(e) do
      local t = tostring(v):lower()
      assert(not t:find("k8s", 1, true) and not t:find("kubernetes", 1, true),
             "the choice is nowhere in the history: " .. t)
    end
  end
  assert(ballots == 1, "one redacted press: " .. ballots)
end)

scenario("results are for organisers: counts, shares, most votes first", function(u)
  vote(u, "Rust in production")
  vote(user("amy"), "Rust in production")
  vote(user("ben"), "Opening keynote")
  u:send("/vote_results")
  u:expect{ text = "This command is for the organisers." }
  u:send("/vote_close day1")
  u:expect{ text = "This command is for the organisers." }
  local org = user("org")
  org:send("/vote_results day1")
  org:expect{ text = "Best talk of day 1?: 3 votes (open)\nRust in production: 2 (67%)\nOpening keynote: 1 (33%)\n"
    .. "Kubernetes at scale: 0 (0%)" }
  org:send("/vote_results")
  org:expect{ match = "^Best talk of day 1%?: 3 votes.*\n\n"
    .. "Best talk of day 2%?: 0 votes %(open%)\nAI in production: 0 %(0%%%)" }
  org:send("/vote_results day9")
  org:expect{ text = "Usage: /vote_results <poll>. Polls: day1, day2" }
end)

scenario("organisers close and reopen a poll", function(u)
  local org = user("org")
  u:send("/vote")
  u:press("Best talk of day 1?")
  org:send("/vote_close day1")
  org:expect{ text = "The poll \"Best talk of day 1?\" is closed." }
  u:press("Opening keynote")
  u:expect{ text = "Voting in this poll is closed." }
  u:send("/vote")
  u:expect{ text = "Best talk of day 2?" }                 -- the only open poll is asked at once
  org:send("/vote_results day1")
  org:expect{ match = "%(closed%)" }
  org:send("/vote_open day1")
  org:expect{ text = "The poll \"Best talk of day 1?\" is open." }
  vote(u, "Opening keynote")
  org:send("/vote_close")
  org:expect{ text = "Usage: /vote_close <poll>. Polls: day1, day2" }
  assert(store("voting:day1:count:keynote") == 1)
end)

scenario("a poll closes at its closing time and stays closed", function(u)
  u:send("/vote")
  u:press("Best talk of day 2?")
  u:expect{ buttons = { "AI in production", "Supply-chain security" } }
  u:advance("1d6h59m")                  -- the clock starts at 11:00 Berlin: now 17:59 on 2 June
  u:press("AI in production")
  u:expect{ contains = "Your vote is counted" }
  local amy = user("amy")
  amy:send("/stale voting:cast:day2:sec")
  advance("1m")                                             -- 18:00
  amy:press("Old button")
  amy:expect{ text = "Voting in this poll is closed." }
  amy:send("/vote")
  amy:expect{ text = "Best talk of day 1?" }
  local org = user("org")
  org:send("/vote_open day2")
  org:expect{ text = "The poll \"Best talk of day 2?\" ended at its closing time and cannot be reopened." }
  org:send("/vote_close day1")
  u:send("/vote")
  u:expect{ text = "There is no open vote right now." }
  assert(store("voting:day2:count:ai") == 1 and store("voting:day2:count:sec") == nil)
end)

scenario("a restart between the question and the answer", function(u)
  u:send("/vote")
  u:press("Best talk of day 1?")
  restart()
  u:press("Kubernetes at scale")
  u:expect{ contains = "Your vote is counted" }
  restart()
  u:send("/stale voting:cast:day1:rust")
  u:press("Old button")
  u:expect{ text = "You have already voted in this poll. Each person votes once." }
  assert(store("voting:day1:count:k8s") == 1 and store("voting:day1:count:rust") == nil)
end)

scenario("a reload that removes an option and a poll: stale buttons answered, not counted", function(u)
  local amy = user("amy")
  u:send("/vote")
  u:press("Best talk of day 1?")
  amy:send("/stale voting:cast:day2:ai")
  write_variant([[
return function(polls)
  table.remove(polls[1].options, 2)   -- Kubernetes at scale is cancelled
  table.remove(polls, 2)              -- and the day 2 vote
end
]])
  reload()
  u:press("Kubernetes at scale")
  u:expect{ text = "That option is no longer available. Please choose again.\n\nBest talk of day 1?",
            buttons = { "Opening keynote", "Rust in production" } }
  u:press("Rust in production")
  u:expect{ contains = "Your vote is counted" }
  amy:press("Old button")
  amy:expect{ text = "This poll is no longer available." }
  local org = user("org")
  org:send("/vote_results")
  org:expect{ text = "Best talk of day 1?: 1 vote (open)\nRust in production: 1 (100%)\nOpening keynote: 0 (0%)" }
  remove_variant()
  reload()
  assert(store("voting:day1:count:k8s") == nil and store("voting:day2:count:ai") == nil)
end)

scenario("in Russian: the question, the options, the answers and the results", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/vote")
  ivan:expect{ text = "В каком голосовании вы хотите участвовать?",
               buttons = { "Лучший доклад первого дня?", "Best talk of day 2?" } }
  ivan:press("Лучший доклад первого дня?")
  ivan:expect{ buttons = { "Открывающий доклад", "Kubernetes at scale", "Rust in production" } }
  ivan:press("Открывающий доклад")
  ivan:expect{ text = "Ваш голос учтён. Спасибо! Голосование анонимное: никто не видит, кто за что голосовал." }
  ivan:send("/vote")
  ivan:press("Лучший доклад первого дня?")
  ivan:expect{ text = "Вы уже проголосовали в этом голосовании. Каждый голосует один раз." }
  ivan:send("/vote_results")
  ivan:expect{ text = "Эта команда только для организаторов." }
  local org = user("org", { language = "ru-RU" })
  for _, name in ipairs({ "a", "b", "c", "d" }) do vote(user(name), "Opening keynote") end
  org:send("/vote_results day1")
  org:expect{ text = "Лучший доклад первого дня?: 5 голосов (открыто)\nОткрывающий доклад: 5 (100%)\n"
    .. "Kubernetes at scale: 0 (0%)\nRust in production: 0 (0%)" }
  org:send("/vote_close day1")
  org:expect{ text = "Голосование «Лучший доклад первого дня?» закрыто." }
  org:send("/vote_results day1")
  org:expect{ match = "^Лучший доклад первого дня%?: 5 голосов %(закрыто%)" }
end)
