-- schedule_spec.lua: reminders before subscribed blocks (timezone-correct), all or
-- some, unsubscribing, refusals, a restart, the buttons, Russian.

scenario("a reminder comes 15 minutes before a subscribed block, in Berlin time", function(u)
  u:send("/remind keynote")
  u:expect{ text = "I'll remind you 15 minutes before \"Opening keynote\" (Jun 01, 12:00)." }
  u:advance("44m")                                  -- 09:44 UTC = 11:44 Berlin
  u:expect{ none = true }
  u:advance("1m")
  u:expect{ text = "In 15 minutes: \"Opening keynote\" at Jun 01, 12:00, Hall A." }
  u:advance("1d")
  u:expect{ none = true }
  assert(store("schedule:stats:reminded") == 1)
end)

scenario("all blocks, one of them switched off; unsubscribing from everything", function(u)
  local bob = user("bob")
  u:send("/remind all")
  u:expect{ text = "I'll remind you 15 minutes before every block." }
  u:send("/unremind rust")
  u:expect{ text = "No reminder for \"Rust in production\" then." }
  bob:send("/remind rust")
  bob:send("/unremind")
  bob:expect{ text = "Done: no more programme reminders." }
  u:advance("45m")
  u:expect{ contains = "Opening keynote" }
  u:advance("1h")
  u:expect{ none = true }
  u:advance("5h")
  u:expect{ text = "In 15 minutes: \"Party\" at Jun 01, 18:00, Roof." }
  bob:expect{ none = true }
end)

scenario("unknown and started blocks are refused", function(u)
  u:send("/remind nosuch")
  u:expect{ text = "There is no block \"nosuch\" in the programme. Send /programme to see it." }
  u:send("/unremind nosuch")
  u:expect{ contains = "There is no block" }
  u:advance("1h30m")
  u:send("/remind keynote")
  u:expect{ text = "\"Opening keynote\" has already started." }
  u:send("/remind")
  u:expect{ contains = "Programme (times in CEST):" }
end)

scenario("reminders survive a restart", function(u)
  u:send("/remind rust")
  restart()
  advance("1h44m")
  u:expect{ none = true }
  advance("1m")
  u:expect{ contains = "In 15 minutes: \"Rust in production\"" }
end)

scenario("the programme's buttons switch reminders on and off in place", function(u)
  u:send("/programme")
  u:expect{ text = "Programme (times in CEST):\n• Jun 01, 12:00 Opening keynote, Hall A\n"
              .. "• Jun 01, 13:00 Rust in production, Hall B\n• Jun 01, 18:00 Party, Roof",
            buttons = { "🔔 Jun 01, 12:00 Opening keynote", "🔔 Jun 01, 13:00 Rust in production",
                        "🔔 Jun 01, 18:00 Party", "Remind me of every block" } }
  u:press("🔔 Jun 01, 13:00 Rust in production")
  u:expect{ contains = "🔔 Jun 01, 13:00 Rust in production, Hall B",
            buttons = { "🔔 Jun 01, 12:00 Opening keynote", "🔕 Jun 01, 13:00 Rust in production",
                        "🔔 Jun 01, 18:00 Party", "Remind me of every block" } }
  assert(u:session()._schedule.blocks.rust == true)
  u:press("Remind me of every block")
  u:expect{ buttons = { "🔕 Jun 01, 12:00 Opening keynote", "🔕 Jun 01, 13:00 Rust in production",
                        "🔕 Jun 01, 18:00 Party", "No more reminders" } }
  u:press("No more reminders")
  u:expect{ buttons = { "🔔 Jun 01, 12:00 Opening keynote", "🔔 Jun 01, 13:00 Rust in production",
                        "🔔 Jun 01, 18:00 Party", "Remind me of every block" } }
  u:advance("1d")
  u:expect{ none = true }
end)

scenario("Russian: titles, times and the reminder", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/remind rust")
  ivan:expect{ text = "Напомню за 15 минут до «Rust в продакшене» (1 июня, 13:00)." }
  restart()
  ivan:advance("1h45m")
  ivan:expect{ text = "Через 15 минут: «Rust в продакшене», 1 июня, 13:00, Hall B." }
  ivan:send("/programme")
  ivan:expect{ text = "Программа (время: CEST):\n• 1 июня, 12:00 Открытие, Hall A\n"
                   .. "🔔 1 июня, 13:00 Rust в продакшене, Hall B\n• 1 июня, 18:00 Вечеринка, Roof",
               buttons = { "🔕 1 июня, 13:00 Rust в продакшене", "🔔 1 июня, 18:00 Вечеринка",
                           "Напоминать обо всём" } }
end)

scenario("forgetting the user cancels their reminders and subscriptions", function(u)
  local probe = dofile(debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$") .. "/../store_probe.lua")
  local z = user("zoryana")
  z:send("/ticket")                                      -- an attendee: segment reminders too
  z:send("/remind all")
  assert(#probe.find(u, { "console:zoryana", "zoryana" }) == 2, "profile and subscription before /forget")
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  assert(z:session()._schedule == nil)
  probe.forgotten(u, { "console:zoryana", "zoryana" })
  z:advance("1d")
  z:expect{ none = true }
  z:send("/remind all")                                  -- she can subscribe again
  z:expect{ text = "I'll remind you 15 minutes before every block." }
end)
