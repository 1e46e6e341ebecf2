-- identity_spec.lua: two chats of one customer linked by a one-time code or a shared
-- phone number share one profile and one history; wrong, expired, reused and guessed
-- codes are refused; links survive a restart and a reload; English and Russian.

-- The code shown to u after /link.
local function code_of(u)
  u:send("/link")
  local r = u:replies()
  local code = r[#r].text:match("(%d%d%d%d%d%d)")
  assert(code, "no code in: " .. tostring(r[#r].text))
  return code
end

scenario("a code typed on the other channel links both chats to one profile", function()
  local anna, wa = user("anna"), user("anna_wa")
  anna:send("/set city Berlin")
  local code = code_of(anna)
  wa:send("/link " .. code)
  wa:expect{ text = "Done: this chat is now linked to your other chats (2)." }
  wa:send("/get city")
  wa:expect{ text = "city=Berlin" }
  wa:send("/set phone_pref call")
  anna:send("/get phone_pref")
  anna:expect{ text = "phone_pref=call" }
  wa:send("/id")
  wa:expect{ text = "id console:anna" }
  wa:send("/linked")
  wa:expect{ text = "Linked chats: console:anna_wa, console:anna" }
  assert(store("identity:stats:linked") == 1)
end)

scenario("both profiles merge: the code owner's fields win, the other's are kept", function()
  local anna, wa = user("anna"), user("anna_wa")
  anna:send("/set city Berlin")
  wa:send("/set city Munich")
  wa:send("/set size M")
  wa:send("/link " .. code_of(anna))
  anna:send("/get city")
  anna:expect{ text = "city=Berlin" }
  anna:send("/get size")
  anna:expect{ text = "size=M" }
end)

scenario("one history whichever channel the customer writes from", function()
  local anna, wa = user("anna"), user("anna_wa")
  anna:send("/order shoes")
  advance("1m")
  wa:send("/order hat")
  advance("1m")
  wa:send("/link " .. code_of(anna))
  advance("1m")
  wa:send("/order scarf")
  anna:send("/history")
  anna:expect{ text = "order(shoes) order(hat) identity:linked order(scarf)" }
end)

scenario("one conversation: the messages of every linked chat, in time order", function()
  local anna, wa = user("anna"), user("anna_wa")
  anna:send("hello from telegram")
  advance("1m")
  wa:send("/link " .. code_of(anna))
  advance("1m")
  wa:send("where is my order?")
  advance("1m")
  anna:send("/transcript")
  local t = anna:replies()[1].text
  local a = t:find("console:anna: hello from telegram", 1, true)
  local b = t:find("console:anna_wa: where is my order?", 1, true)
  assert(a and b and a < b, t)
  local other = user("bob")
  other:send("hi from bob")
  other:send("/transcript")
  local mine = other:replies()[1].text
  assert(not mine:find("anna", 1, true), "another customer sees only his own: " .. mine)
end)

scenario("a message reaches every chat of the customer", function()
  local anna, wa = user("anna"), user("anna_wa")
  wa:send("/link " .. code_of(anna))
  anna:send("/notify shipped")
  anna:expect{ text = "note: shipped" }
  wa:expect{ text = "note: shipped" }
end)

scenario("wrong, expired and used codes are refused; too many wrong codes lock for 15 min", function()
  local anna, wa, eve = user("anna"), user("anna_wa"), user("eve")
  local code = code_of(anna)
  wa:send("/link 12345")
  wa:expect{ contains = "not valid or has expired" }
  wa:send("/link abcdef")
  wa:expect{ contains = "not valid or has expired" }
  advance("16m")
  wa:send("/link " .. code)
  wa:expect{ contains = "not valid or has expired" }
  code = code_of(anna)
  wa:send("/link " .. code)
  wa:expect{ contains = "Done" }
  eve:send("/link " .. code)                 -- used once: gone
  eve:expect{ contains = "not valid" }
  for _ = 1, 4 do eve:send("/link 000000") end
  eve:expect{ contains = "not valid" }
  code = code_of(anna)
  eve:send("/link " .. code)                 -- the sixth try, even with a good code
  eve:expect{ text = "Too many wrong codes. Please wait 15 minutes and try again." }
  eve:send("/id")
  eve:expect{ text = "id console:eve" }
  advance("16m")
  code = code_of(anna)
  eve:send("/link " .. code)
  eve:expect{ contains = "Done" }
end)

scenario("a new code replaces the previous one; a chat cannot link to itself", function()
  local anna, wa = user("anna"), user("anna_wa")
  local first = code_of(anna)
  local second = code_of(anna)
  if first ~= second then
    wa:send("/link " .. first)
    wa:expect{ contains = "not valid" }
  end
  wa:send("/link " .. second)
  wa:expect{ contains = "Done" }
  anna:send("/link " .. code_of(anna))
  anna:expect{ text = "This chat is already linked to that account." }
  anna:send("/link " .. code_of(wa))
  anna:expect{ text = "This chat is already linked to that account." }
end)

scenario("the same verified phone on two channels links them", function()
  local anna, wa = user("anna"), user("anna_wa")
  anna:send("/set city Berlin")
  anna:send("/phone +49 170 1234567")
  anna:expect{ text = "noted" }
  wa:send("/phone 491701234567")
  wa:expect{ text = "merged" }
  wa:send("/get city")
  wa:expect{ text = "city=Berlin" }
  wa:send("/phone 491701234567")
  wa:expect{ text = "noted" }
  wa:send("/phone 12")                       -- not a phone number: ignored
  wa:expect{ text = "noted" }
  assert(store("identity:phone:491701234567") == "console:anna")
end)

scenario("links and codes survive a restart and a reload", function()
  local anna, wa, web = user("anna"), user("anna_wa"), user("anna_web")
  local code = code_of(anna)
  restart()
  wa:send("/link " .. code)
  wa:expect{ contains = "Done" }
  reload()
  code = code_of(wa)
  reload()
  web:send("/link " .. code)
  web:expect{ contains = "(3)" }
  web:send("/id")
  web:expect{ text = "id console:anna" }
end)

scenario("a third chat already linked elsewhere brings its whole group along", function()
  local a1, a2, b1, b2 = user("a1"), user("a2"), user("b1"), user("b2")
  a2:send("/link " .. code_of(a1))
  b2:send("/link " .. code_of(b1))
  advance("1m")
  b1:send("/order lamp")
  b2:send("/link " .. code_of(a2))
  b2:expect{ contains = "(4)" }
  for _, x in ipairs({ a1, a2, b1, b2 }) do
    x:send("/id")
    x:expect{ text = "id console:a1" }
  end
  a1:send("/history")
  a1:expect{ text = "identity:linked identity:linked order(lamp) identity:linked" }
end)

scenario("forget unlinks every chat and deletes the history and every phone", function()
  local anna, wa = user("anna"), user("anna_wa")
  anna:send("/phone 491701234567")
  wa:send("/phone 4930123456")                     -- a second number, merged in below
  wa:send("/link " .. code_of(anna))
  wa:send("/order hat")
  wa:send("/forget")
  wa:send("/id")
  wa:expect{ text = "id console:anna_wa" }
  anna:send("/history")
  anna:expect{ text = "(none)" }
  assert(store("identity:phone:491701234567") == nil)
  assert(store("identity:phone:4930123456") == nil)
  assert(store("identity:customer:console:anna") == nil)
end)

scenario("Russian: the code, the link and the refusal", function()
  local ivan, wa = user("ivan", { language = "ru-RU" }), user("ivan_wa", { language = "ru" })
  ivan:send("/link")
  ivan:expect{ match = "^Ваш код привязки: %d%d%d%d%d%d%." }
  wa:send("/link 999999")
  wa:expect{ contains = "Код неверный или устарел" }
  wa:send("/link " .. code_of(ivan))
  wa:expect{ text = "Готово: этот чат привязан к другим вашим чатам (2)." }
end)
