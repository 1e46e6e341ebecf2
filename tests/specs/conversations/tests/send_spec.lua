-- ctx:send reaches another user's conversation (with pressable buttons there); that
-- user's press runs in their own conversation and ctx:signal answers back; a fan-out
-- reaches every member once, each in their own context; bad addresses and options are
-- errors naming what is wrong; all of it survives a restart mid-flow.

scenario("an invitation with buttons reaches the other user, the answer comes back", function(u)
  local bob = user("bob")
  u:send("/invite bob")
  u:expect{ text = "Invitation sent to bob" }
  bob:expect{ contains = "invites you to a call", buttons = { "Accept", "Decline" } }
  bob:press("Accept")
  bob:expect{ text = "You chose: accept" }
  u:expect{ text = "bob says accept (from console:bob, signal answer)" }
  assert(u:session().answers == 1)
  assert(u:session().invited == "bob")
end)

scenario("a typed label answers the sent buttons too (they are the conversation's choices)", function(u)
  local bob = user("bob")
  u:send("/invite bob")
  bob:send("decline")
  u:expect{ contains = "bob says decline" }
end)

scenario("a fan-out reaches every member once, in each member's own conversation", function(u)
  local a, b, c = user("amy"), user("ben"), user("cat")
  a:send("/join") b:send("/join") c:send("/join")
  a:replies() b:replies() c:replies()
  u:send("/announce Keynote moved to Hall B")
  u:expect{ text = "Announced to 3" }
  for _, who in ipairs({ a, b, c }) do
    who:expect{ contains = ": Keynote moved to Hall B" }
    who:expect{ none = true }
    assert(who:session().news == 1)
  end
  u:expect{ none = true }
end)

scenario("a restart between the send and the press changes nothing", function(u)
  local bob = user("bob")
  u:send("/invite bob")
  bob:expect{ buttons = { "Accept", "Decline" } }
  restart()
  bob:press("Decline")
  u:expect{ contains = "bob says decline" }
end)

scenario("mistakes are errors naming what is wrong", function(u)
  u:send("/bad channel")
  u:expect{ contains = "Sorry" }
  u:send("/bad address")
  u:expect{ contains = "Sorry" }
  u:send("/bad opts")
  u:expect{ contains = "Sorry" }
  u:send("/bad name")
  u:expect{ contains = "Sorry" }
  local log = logs()
  assert(log:find('ctx:send: this tenant has no channel "fax"', 1, true), log)
  assert(log:find("ctx:send: the address must be", 1, true), log)
  assert(log:find("ctx:send: opts.colour: unknown option", 1, true), log)
  assert(log:find('ctx:signal: signal name "no spaces"', 1, true), log)
end)

scenario("prefix handlers: exact first, then the longest prefix", function(u)
  u:send("/prefixes")
  u:press("A")
  u:expect{ text = "lib prefix got lib:a" }
  u:send("/prefixes")
  u:press("B")
  u:expect{ text = "deeper prefix got lib:deep:b" }
  u:send("/prefixes")
  u:press("C")
  u:expect{ text = "exact got lib:exact" }
  u:advance("61s")
  u:expect{ text = "timer prefix got lib:tick" }
end)

scenario("a typed label presses its button across case and accents, Cyrillic too", function(u)
  u:send("/labels")
  u:send("выставка")
  u:expect{ text = "pressed expo" }
  u:send("/labels")
  u:send("CAFE")
  u:expect{ text = "pressed cafe" }
end)
