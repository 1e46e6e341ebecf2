-- The spec runner simulates what channels do: a user on WhatsApp sees WhatsApp's
-- capabilities and its 24-hour window; a press carries the id of the message its
-- button was on, so edits name it; an older message's button can be pressed; channel
-- events and operator actions reach the bot as from the real channels.

scenario("a user on WhatsApp: its capabilities and its 24-hour window", function()
  local wa = user("wa", { channel = "whatsapp" })
  wa:send("/where")
  wa:expect{ text = "whatsapp buttons=10 window=true" }
  advance("25h")
  assert(logs():find("free-form after 25h allowed: false", 1, true), logs())
  local console = user("c")
  console:send("/where")
  console:expect{ text = "console buttons=100 window=nil" }
end)

scenario("a press names its message: edit = true changes that one", function(u)
  u:send("/pages")
  local first = u:replies()[1]
  u:press("Next", { message = first.id })
  local second = u:replies()[1]
  assert(second.text == "page 2" and second.edit_message_id == first.id, second.edit_message_id)
  u:press("Back")
  local third = u:replies()[1]
  assert(third.edit_message_id == second.id, "the latest message with the button")
end)

scenario("a button of an older message can be pressed by its message id", function(u)
  u:send("/pages")
  local old = u:replies()[1]
  u:send("hello")            -- a reply without buttons: the current choices are gone
  u:expect{ text = "bot: hello" }
  u:press("Next", { message = old.id })
  u:expect{ text = "page 2" }
end)

scenario("channel events and operator actions", function(u)
  u:event("contact", { phone = "+4915550001" })
  u:expect{ text = "got phone +4915550001" }
  u:handoff("wants a person")
  u:send("anyone there?")
  u:expect{ none = true }
  u:operator("Hi, this is Anna", "anna")
  u:expect{ text = "Hi, this is Anna" }
  u:handback("sorted")
  u:expect{ text = "bot is back (sorted)" }
  u:send("thanks")
  u:expect{ text = "bot: thanks" }
end)

scenario("ctx:redact keeps an event's content out of the stored history", function(u)
  u:send("/secret")
  u:press("Blue")
  u:expect{ text = "Counted." }
  local h = u:history()
  local press
  for _, e in ipairs(h) do
    if e.dir == "in" and e.kind == "button" then press = e end
  end
  assert(press and press.redacted == true and press.text == nil, "the press is kept, not its id")
  for _, e in ipairs(h) do
    for _, v in pairs(e) do
      assert(not tostring(v):find("blue", 1, true), "no trace of the choice in the history")
    end
  end
  assert(h[1].dir == "in" and h[1].text == "/secret", "other events keep their content")
end)

scenario("ctx:erase_history deletes the conversation's stored history before this event, durably", function(u)
  local other = user("auditor")
  u:send("my phone is 555-0100")
  u:expect{ text = "bot: my phone is 555-0100" }
  u:send("/erase")
  u:expect{ text = "Erased." }
  local h = u:history()
  assert(#h == 2 and h[1].text == "/erase" and h[2].text == "Erased.",
    "only the erasing event and its reply are left")
  restart()
  other:send("/log_of " .. u.name)
  other:expect{ text = "2: in /erase | out Erased." }
  u:send("later")
  u:expect{ text = "bot: later" }
  other:send("/log_of " .. u.name)
  other:expect{ text = "4: in /erase | out Erased. | in later | out bot: later" }
  for _, e in ipairs(u:history()) do
    assert(not tostring(e.text):find("555", 1, true), "no trace of what came before")
  end
end)

scenario("timers and signals that come while an operator owns the conversation run after the handback", function(u)
  local friend = user("friend")
  u:send("/remind")
  u:expect{ text = "in a minute" }
  u:handoff("a person helps")
  advance("5m")                                  -- the reminder is due while the operator talks
  friend:send("/poke " .. u.name)
  u:expect{ none = true }                        -- the bot is paused: nothing from it
  restart()                                      -- kept durably
  u:handback("sorted")
  u:expect{ text = "bot is back (sorted)" }
  u:expect{ text = "poked by friend" }           -- then what waited: the signal at once,
  advance("1s")
  u:expect{ text = "nudge 1" }                   -- the timer re-armed as due now
  u:send("/remind")
  u:expect{ text = "in a minute" }
  advance("2m")
  u:expect{ text = "nudge 1" }                   -- and timers work as before
end)
