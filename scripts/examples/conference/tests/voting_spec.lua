-- voting_spec.lua: anonymous speaker voting (voting module). Attendees vote once per
-- poll from the menu; the store and the conversation history never link a voter to
-- a choice; only organisers see the results, close and reopen polls; a poll closes
-- by itself at its time; prospects do not vote.

local function attendee(u, yes, role, level)
  u:send("/start")
  u:press(yes or "Yes")
  u:press(role or "Developer")
  u:press(level or "Senior")
  u:replies()
end

scenario("an attendee votes once, anonymously, from the menu", function(u)
  attendee(u)
  u:send("/menu")
  u:press("Vote for speakers")
  u:expect{ text = "Which vote would you like to take part in?", buttons = { "Best talk of day 1?", "Best talk of day 2?" } }
  u:press("Best talk of day 1?")
  u:expect{ text = "Best talk of day 1?", buttons = { "Opening keynote", "Kubernetes at scale", "Rust in production" } }
  u:press("Kubernetes at scale")
  u:expect{ contains = "Your vote is counted." }
  u:send("/vote")
  u:press("Best talk of day 1?")
  u:expect{ contains = "You have already voted in this poll." }
  assert(store("voting:day1:count:k8s") == 1)
end)

scenario("what is stored and kept in the history says who voted, never for what", function(u)
  local bob = user("bob")
  attendee(u)
  attendee(bob)
  u:send("/vote")
  u:press("Best talk of day 2?")
  u:press("AI in production")
  bob:send("/vote")
  bob:press("Best talk of day 2?")
  bob:press("Supply-chain security")
  -- every voting: key: two "voted" markers under keyed tokens, one counter per option
  local org = user("org")
  org:send("/vote_results day2")
  org:expect{ match = "Best talk of day 2%?: 2 votes" }
  for _, who in ipairs({ u, bob }) do
    local redacted = 0
    for _, e in ipairs(who:history()) do
      if e.dir == "in" and e.kind == "button" and (e.text or "") == "" then redacted = redacted + 1 end
      local t = (e.text or "") .. " " .. tostring(e.button or "") .. " " .. tostring(e.id or "")
      assert(not t:find("voting:cast", 1, true) and not t:find("AI in production", 1, true)
        and not t:find("Supply", 1, true), "the ballot is redacted: " .. t)
    end
    assert(redacted == 1, "the ballot press is recorded without its content")
  end
  assert(store("voting:day2:count:ai") == 1 and store("voting:day2:count:sec") == 1)
  assert(u:session()._voting == nil, "nothing in the voter's session")
end)

scenario("only organisers see the results and close or reopen a poll", function(u)
  local org = user("org")
  attendee(u)
  u:send("/vote_results")
  u:expect{ text = "This command is for the organisers." }
  org:send("/vote_close day1")
  org:expect{ contains = "is closed" }
  u:send("/vote")
  u:expect{ text = "Best talk of day 2?" }        -- the only open poll is asked at once
  org:send("/vote_open day1")
  org:expect{ contains = "is open" }
end)

scenario("a poll closes by itself at its time; Russian voters read Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  attendee(ivan, "Да", "Разработчик", "Senior")
  advance("17d11h")                                -- 18 June 22:00 Berlin: day 1 closed at 20:00
  ivan:send("/vote")
  ivan:expect{ text = "Лучший доклад второго дня?", buttons = { "Open source, который кормит", "ИИ в продакшене", "Безопасность цепочки поставок" } }
  ivan:press("ИИ в продакшене")
  ivan:expect{ contains = "Ваш голос учтён." }
end)

scenario("a prospect is offered a ticket instead of a ballot in the menu", function(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Founder")
  u:press("Executive")
  u:replies()
  u:send("/menu")
  local labels = {}
  for _, row in ipairs(u:replies()[1].buttons) do labels[#labels + 1] = row[1].label end
  assert(not table.concat(labels, "|"):find("Vote", 1, true), table.concat(labels, "|"))
end)
