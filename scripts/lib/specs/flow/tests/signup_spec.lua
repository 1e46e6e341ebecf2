-- signup_spec.lua: the sign-up form's paths — answered through, invalid answers asked
-- again with the step's help, skip / back / cancel as buttons, commands and typed
-- words, a conditional step, answers given up front, older buttons, and the bot's own
-- handlers while a form is open and after it ends.

local function through_guests(u)
  u:send("/signup")
  u:send("Ann")
  u:press("Developer")
  u:send("Acme")
  u:send("2")
end

scenario("answered through: every answer normalised, done runs, the form is counted", function(u)
  u:send("/signup")
  u:expect{ text = "What is your name?", buttons = { "Cancel" } }
  u:send("Ann")
  u:expect{ text = "Nice to meet you, Ann! What do you do?",
            buttons = { "Developer", "Designer", "Student", "Back", "Cancel" } }
  u:press("Developer")
  u:expect{ text = "Where do you work?", buttons = { "Back", "Cancel" } }
  u:send("Acme")
  u:expect{ text = "How many guests will you bring?\n(/back — the previous question, /cancel — stop)", buttons = {} }
  u:send("2")
  u:expect{ text = "Your phone number, in case we need to reach you?", buttons = { "Skip", "Back", "Cancel" } }
  u:send("+49 (30) 123-45-67")
  u:expect{ contains = "e-mail" }
  u:send("Ann@Example.COM")
  u:expect{ contains = "When will you arrive?" }
  u:send("18.06.2026 09:30")
  u:expect{ text = "Done: company=Acme; email=Ann@example.com; guests=2; name=Ann; phone=+49301234567; role=dev; "
    .. "slot=2026-06-18 09:30 (07:30 UTC)" }
  assert(u:session()._flow == nil, "the form's state is gone")
  assert(store("flow:stats:signup:started") == 1 and store("flow:stats:signup:done") == 1)
  u:send("hello")
  u:expect{ text = "echo hello" }      -- the bot's own handler again
end)

scenario("an invalid answer is explained, with the step's help, and asked again", function(u)
  u:send("/signup")
  u:send("A")
  u:expect{ text = "Please write at least 2 characters.\n\nWhat is your name?", buttons = { "Cancel" } }
  u:send("Ann")
  u:send("a designer")
  u:expect{ match = "^Please pick one of the options%.\n\nNice to meet you, Ann!" }
  u:send("designer")
  u:send("Studio")
  u:send("five")
  u:expect{ text = "Please send a number, like 3.\nFrom 0 to 3; type 0 if you come alone.\n\n"
    .. "How many guests will you bring?\n(/back — the previous question, /cancel — stop)" }
  u:send("4")
  u:expect{ match = "^Please send a number from 0 to 3%.\nFrom 0 to 3" }
  u:send("1.5")
  u:expect{ match = "^Please send a whole number%." }
  u:send("0")
  u:expect{ contains = "Your phone number" }
  u:send("not a phone")
  u:expect{ match = "^That does not look like a phone number.*Your phone number",
            buttons = { "Skip", "Back", "Cancel" } }
  u:send("/state")
  u:expect{ text = "state signup phone" }
end)

scenario("skip: only an optional step, by button, command or word", function(u)
  through_guests(u)
  u:press("Skip")
  u:expect{ contains = "Your e-mail for the ticket?" }
  u:send("skip")
  u:expect{ match = "^This question needs an answer%.\n\nYour e%-mail" }
  u:send("/skip")
  u:expect{ match = "^This question needs an answer%." }
  u:send("/back")
  u:expect{ contains = "Your phone number" }
  u:send("/skip")
  u:send("ann@example.com")
  u:send("18.06.2026 09:30")
  u:expect{ text = "Done: company=Acme; email=ann@example.com; guests=2; name=Ann; role=dev; "
    .. "slot=2026-06-18 09:30 (07:30 UTC)" }
end)

scenario("back: to the previous question, whose answer is asked again; not past the first", function(u)
  u:send("/signup")
  u:send("back")
  u:expect{ match = "^This is the first question%.\n\nWhat is your name%?" }
  u:send("Ann")
  u:press("Developer")
  u:press("Back")
  u:expect{ text = "Nice to meet you, Ann! What do you do?" }
  assert(u:session()._flow.answers.role == nil, "the answer gone back to is asked again")
  u:press("Designer")
  u:send("Studio")
  u:send("/back")                    -- from the number step, whose controls are commands
  u:expect{ text = "Where do you work?" }
  u:send("Back")
  u:send("BACK")
  u:expect{ contains = "What is your name?" }
  u:send("Bob")
  u:expect{ contains = "Nice to meet you, Bob!" }
end)

scenario("cancel: by button, command or word; the bot's callback gets the answers so far", function(u)
  through_guests(u)
  u:press("Cancel")
  u:expect{ text = "Form cancelled; it had: company=Acme; guests=2; name=Ann; role=dev" }
  assert(u:session()._flow == nil and store("flow:stats:signup:cancelled") == 1)
  u:send("/state")
  u:expect{ text = "state nil nil" }
  u:send("/signup")
  u:send("/cancel")
  u:expect{ text = "Form cancelled; it had: " }
  u:send("/signup")
  u:send("Ann")
  u:send("cancel")
  u:expect{ text = "Form cancelled; it had: name=Ann" }
  assert(store("flow:stats:signup:cancelled") == 3)
  u:send("/probe text")
  u:send("/cancel")                  -- a form without a cancelled callback
  u:expect{ text = "Cancelled. Nothing was saved." }
  u:send("/cancel")                  -- nothing open: the bot's fallback has it
  u:expect{ text = "unknown /cancel" }
end)

scenario("a conditional step: students are not asked where they work", function(u)
  u:send("/signup")
  u:send("Ann")
  u:press("Student")
  u:expect{ contains = "How many guests" }
  u:send("/back")
  u:expect{ contains = "What do you do?" }
  u:press("Developer")
  u:expect{ text = "Where do you work?" }
  u:send("Acme")
  u:send("/back")
  u:send("back")                     -- to the role again, now with a company answered
  u:press("Student")
  u:send("0")
  u:send("/skip")
  u:send("ann@uni.example")
  u:send("18.06.2026 09:30")
  u:expect{ text = "Done: email=ann@uni.example; guests=0; name=Ann; role=student; slot=2026-06-18 09:30 (07:30 UTC)" }
end)

scenario("answers given at the start are not asked; back stops before them", function(u)
  u:send("/known")
  u:expect{ text = "Where do you work?", buttons = { "Cancel" } }
  u:send("/back")
  u:expect{ match = "^This is the first question%.\n\nWhere do you work%?" }
end)

scenario("other commands and buttons stay the bot's while a form is open", function(u)
  u:send("/signup")
  u:send("/help")                    -- not a form command: the bot's fallback
  u:expect{ text = "unknown /help" }
  u:send("/state")
  u:expect{ text = "state signup name" }
  u:send("Ann")
  u:expect{ contains = "What do you do?" }
end)

scenario("a button of an older question asks the current one again", function(u)
  u:send("/signup")
  u:send("Ann")
  u:press("Developer")
  u:send("/stale flow:c:role:student")
  u:press("old")
  u:expect{ text = "Where do you work?", buttons = { "Back", "Cancel" } }
  assert(u:session()._flow.answers.role == "dev")
  u:send("/stale flow:skip")         -- the Skip of the phone question, pressed too early
  u:press("old")
  u:expect{ match = "^This question needs an answer%.\n\nWhere do you work%?" }
  u:send("Acme")
  u:send("/cancel")
  u:send("/stale flow:back")         -- a form's button after it ended
  u:press("old")
  u:expect{ text = "That form is already closed." }
end)
