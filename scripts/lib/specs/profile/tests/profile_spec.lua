-- profile_spec.lua: attributes and consent flags per customer, kept in the directory
-- that segments read; invalid names and values refused; data deleted on request; all
-- of it across a restart and a reload; English and Russian.

scenario("attributes are stored, read back, overwritten and removed", function(u)
  u:send("/get")
  u:expect{ text = "(empty)" }
  u:send("/set role developer")
  u:send("/set ticket true")
  u:send("/set level 3")
  u:send("/set interests ai,rust")
  u:send("/get")
  u:expect{ text = "interests=ai,rust level=3 role=developer ticket=true" }
  u:send("/set role manager")
  u:send("/set level nil")
  u:send("/get")
  u:expect{ text = "interests=ai,rust role=manager ticket=true" }
  u:send("/get role")
  u:expect{ text = "role=manager" }
end)

scenario("a profile survives a restart and is the same for every event", function(u)
  u:send("/set role founder")
  restart()
  u:send("/get role")
  u:expect{ text = "role=founder" }
end)

scenario("invalid field names and values are errors that change nothing", function(u)
  u:send("/set role developer")
  u:send("/set bad-name x")
  u:expect{ text = "Sorry, something went wrong." }
  u:send("/set 9lives x")
  u:expect{ text = "Sorry, something went wrong." }
  u:send("/setbad")
  u:expect{ text = "Sorry, something went wrong." }
  u:send("/get")
  u:expect{ text = "role=developer" }
  local log = logs()
  assert(log:find("profile: a field name is a word", 1, true), log)
  assert(log:find("profile: a value is a string, number, boolean, list or nil (got function)", 1, true), log)
end)

scenario("a consent is recorded with its time, and withdrawn", function(u)
  u:send("/consented")
  u:expect{ text = "false -" }
  u:send("/consent marketing on")
  u:expect{ text = "Thank you: you will receive news and offers." }
  u:send("/consented marketing")
  u:expect{ text = "true 2026-06-01 09:00" }
  u:advance("2h")
  u:send("/consent off")
  u:expect{ text = "Done: you will no longer receive news and offers." }
  u:send("/consented")
  u:expect{ text = "false 2026-06-01 11:00" }
end)

scenario("a Russian speaker gets Russian texts, and the directory records the language", function(u)
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/consent on")
  ivan:expect{ text = "Спасибо: вы будете получать новости и предложения." }
  ivan:send("/consent marketing off")
  ivan:expect{ text = "Готово: вы больше не будете получать новости и предложения." }
  ivan:send("/am russian")
  ivan:expect{ text = "russian: true" }
  u:send("/set role x")
  u:send("/am russian")
  u:expect{ text = "russian: false" }
  ivan:send("/forget")
  ivan:expect{ text = "Готово: все данные о вас удалены." }
end)

scenario("forget deletes the profile, its directory entry and its history; others stay", function(u)
  local bob = user("bob")
  u:send("/set ticket true")
  u:send("/consent on")
  bob:send("/set ticket true")
  u:send("/members attendees")
  u:expect{ text = "2: console:bob@console:bob console:user@console:user" }
  u:send("/forget")
  u:expect{ text = "Done: everything we stored about you has been deleted." }
  u:send("/get")
  u:expect{ text = "(empty)" }
  u:send("/consented")
  u:expect{ text = "false -" }
  u:send("/members attendees")
  u:expect{ text = "1: console:bob@console:bob" }
  assert(store("profile:stats:forgotten") == 1)
end)

scenario("forget from one linked chat forgets in the other too: hooks run there, nothing is left", function()
  local probe = dofile(debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$") .. "/../store_probe.lua")
  local tg, wa, auditor = user("zoryana"), user("zoryana_wa"), user("auditor")
  tg:send("/set ticket true")
  tg:send("/note call me at +49 170 5550123")
  tg:send("/link")
  local code = tg:replies()[1].text:match("%d%d%d%d%d%d")
  wa:send("/link " .. code)
  wa:send("/note the other chat")
  wa:send("/consent on")
  wa:replies()
  local words = { "console:zoryana", "zoryana", "5550123" }
  assert(#probe.find(auditor, words) >= 4, "the probe sees profile, links, history and notes")
  tg:send("/forget")
  tg:expect{ text = "Done: everything we stored about you has been deleted." }
  wa:expect{ none = true }                               -- forgotten there without a word
  probe.forgotten(auditor, words)
  -- The conversations' stored history too (what operators and bot.history read): only
  -- the /forget event and its answer are left, and nothing at all in the linked chat.
  for _, who in ipairs({ tg, wa }) do
    for _, e in ipairs(who:history()) do
      local text = tostring(e.text)
      assert(not text:find("5550123", 1, true) and not text:find("other chat", 1, true)
        and not text:find("/link", 1, true), "history erased: " .. text)
    end
  end
  local h = tg:history()
  assert(#h == 2 and h[1].text == "/forget", "the forget request and its answer are kept")
  assert(tg:session().note == nil and wa:session().note == nil, "the bot's hook ran in both chats")
  assert(wa:session()._identity == nil, "identity's session state is gone there too")
  assert(store("profile:stats:forgotten") == 1, "one request, counted once")
  -- Both chats start over as two new, unlinked customers.
  restart()
  wa:send("/get")
  wa:expect{ text = "(empty)" }
  wa:send("/set role dev")
  wa:send("/linked")
  wa:expect{ text = "Linked chats: console:zoryana_wa" }
  tg:send("/get")
  tg:expect{ text = "(empty)" }
end)

scenario("touch keeps the address and language current but creates no profile", function(u)
  u:send("/touch")
  u:send("/members russian")
  u:expect{ text = "0: " }
  u:send("/set ticket true")
  u:send("/members attendees")
  u:expect{ text = "1: console:user@console:user" }
end)

scenario("the directory reaches a linked customer on the chat they used last", function(u)
  local wa = user("user_wa")
  u:send("/set ticket true")
  u:send("/link")
  local code = u:replies()[1].text:match("%d%d%d%d%d%d")
  wa:send("/link " .. code)
  u:send("/members attendees")
  u:expect{ text = "1: console:user@console:user_wa" }   -- the merge happened there
  u:send("/touch")
  u:send("/members attendees")
  u:expect{ text = "1: console:user@console:user" }
  wa:send("/set role dev")                                -- any write records the chat too
  u:send("/members attendees")
  u:expect{ text = "1: console:user@console:user_wa" }
end)
