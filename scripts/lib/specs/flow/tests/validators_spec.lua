-- validators_spec.lua: every step type's good inputs (and what they become) and bad
-- inputs (the reason, then the same question again, the form still open). Each input
-- goes to a fresh single-step form (/probe <type>). The clock starts at 2026-06-01
-- 09:00 UTC, 11:00 in Berlin, the tenant's timezone.

local function answer(u, probe, input)
  u:send("/probe " .. probe)
  u:send(input)
  local r = u:replies()
  assert(#r > 0, probe .. ": no reply to " .. input)
  return r[#r].text
end

local function good(u, probe, cases)
  for _, c in ipairs(cases) do
    local got = answer(u, probe, c[1])
    assert(got == "ok " .. c[2], ("%s %q: want %q, got %q"):format(probe, c[1], "ok " .. c[2], got))
  end
end

local function bad(u, probe, why, inputs)
  for _, input in ipairs(inputs) do
    local got = answer(u, probe, input)
    assert(got:sub(1, #why) == why and got:find("Your answer?", 1, true),
      ("%s %q: want %q and the question again, got %q"):format(probe, input, why, got))
    u:send("/state")
    u:expect{ text = "state " .. probe .. " v" }
  end
end

scenario("number: integers within a range", function(u)
  good(u, "num", { { "5", "integer:5" }, { " 7 ", "integer:7" }, { "1", "integer:1" }, { "10", "integer:10" },
                   { "3.0", "integer:3" }, { "+4", "integer:4" } })
  bad(u, "num", "Please send a number from 1 to 10.", { "0", "11", "-2", "100" })
  bad(u, "num", "Please send a whole number.", { "2.5", "7,1" })
  bad(u, "num", "Please send a number, like 3.", { "five", "1e3", "0x10", "3 apples", "inf", "nan", "1.2.3" })
end)

scenario("number: decimals with a point or a comma; one bound only", function(u)
  good(u, "dec", { { "2,5", "float:2.5" }, { "0.5", "float:0.5" }, { ".75", "float:0.75" }, { "99.5", "float:99.5" },
                   { "12", "integer:12" }, { "1 5", "integer:15" } })
  bad(u, "dec", "Please send a number from 0.5 to 99.5.", { "0.4", "100", "1 000" })
  good(u, "atleast", { { "18", "integer:18" }, { "120", "integer:120" } })
  bad(u, "atleast", "The number must be at least 18.", { "17", "-3" })
end)

scenario("a step's own check runs after the type's", function(u)
  good(u, "even", { { "4", "integer:4" } })
  bad(u, "even", "3 is odd.\nEven numbers only.", { "3" })
  bad(u, "even", "Please send a number, like 3.\nEven numbers only.", { "four" })
end)

scenario("phone: international forms become +digits; national ones need the form's country", function(u)
  good(u, "phone", { { "+49 30 1234567", "+49301234567" }, { "+7 (999) 123-45-67", "+79991234567" },
                     { "0049 30 1234567", "+49301234567" }, { "+1.415.555.0100", "+14155550100" } })
  bad(u, "phone", "That does not look like a phone number.", { "030 1234567", "+12", "+1234567890123456",
    "call me", "+49 30 12+34", "+49 30 1234567 ext 5", "+0 30 1234567" })
  good(u, "phone7", { { "8 999 123 45 67", "+79991234567" }, { "9991234567", "+79991234567" },
                      { "7 999 123-45-67", "+79991234567" }, { "+44 20 7946 0958", "+442079460958" } })
  bad(u, "phone7", "That does not look like a phone number.", { "12345", "8 999 123 45 67 89 00" })
end)

scenario("phone: a form's country applies to its steps (030 … in Berlin)", function(u)
  u:send("/known")
  u:send("Acme")
  u:send("0")
  u:send("030 1234567")
  u:expect{ contains = "Your e-mail for the ticket?" }
  u:send("a@b.de")
  u:send("18.06.2026 09:30")
  u:expect{ contains = "phone=+49301234567" }
end)

scenario("e-mail: a sanity check; the domain is lower-cased", function(u)
  good(u, "email", { { "Ann@Example.COM", "Ann@example.com" },
                     { " bob.smith+conf@mail.co.uk ", "bob.smith+conf@mail.co.uk" },
                     { "x_y-z@sub-domain.example.org", "x_y-z@sub-domain.example.org" } })
  bad(u, "email", "That does not look like an e-mail address", { "ann", "ann@", "@x.com", "ann@x", "ann@@x.com",
    "ann..b@x.com", ".ann@x.com", "ann.@x.com", "ann@x..com", "ann@-x.com", "ann@x-.com", "ann b@x.com",
    "ann@x.c0m", "анна@почта.рф" })
end)

scenario("date: the formats users type, checked against the calendar", function(u)
  good(u, "date", { { "18.06.2026", "2026-06-18" }, { "2026-06-18", "2026-06-18" }, { "18/06/2026", "2026-06-18" },
                    { "18.06.26", "2026-06-18" }, { "18.06", "2026-06-18" }, { "1.7", "2026-07-01" },
                    { "today", "2026-06-01" }, { "Tomorrow", "2026-06-02" }, { "сегодня", "2026-06-01" },
                    { "Завтра", "2026-06-02" }, { "29.02.2028", "2028-02-29" }, { "2026-6-5", "2026-06-05" } })
  bad(u, "date", "Please send a date like 18.06.2026", { "29.02.2026", "31.04.2026", "32.01.2026", "18.13.2026",
    "0.1.2026", "June 18", "18.06.2026 09:30", "soon", "2026-06-181" })
end)

scenario("date: future and max bounds, in the tenant's calendar", function(u)
  good(u, "future", { { "01.06.2026", "2026-06-01" }, { "31.12.2026", "2026-12-31" } })
  bad(u, "future", "That has already passed", { "31.05.2026", "01.01.2020" })
  bad(u, "future", "Please send 2026-12-31 or earlier.", { "01.01.2027" })
  advance("13h")  -- 22:00 UTC on June 1st is already June 2nd in Berlin
  bad(u, "future", "That has already passed", { "01.06.2026" })
  good(u, "future", { { "today", "2026-06-02" } })
end)

scenario("date and time: typed in Berlin time, summer and winter, a DST gap", function(u)
  good(u, "dt", {
    { "18.06.2026 09:30", "2026-06-18 09:30 (2026-06-18 07:30 UTC)" },
    { "2026-06-18 09:30", "2026-06-18 09:30 (2026-06-18 07:30 UTC)" },
    { "18.06 9:30", "2026-06-18 09:30 (2026-06-18 07:30 UTC)" },
    { "2026-06-18T09:30", "2026-06-18 09:30 (2026-06-18 07:30 UTC)" },
    { "18.06.2026, 09:30", "2026-06-18 09:30 (2026-06-18 07:30 UTC)" },
    { "18.12.2026 09:30", "2026-12-18 09:30 (2026-12-18 08:30 UTC)" },
    { "29.03.2026 02:30", "2026-03-29 03:30 (2026-03-29 01:30 UTC)" },
    { "tomorrow 18:00", "2026-06-02 18:00 (2026-06-02 16:00 UTC)" },
    { "завтра 0:05", "2026-06-02 00:05 (2026-06-01 22:05 UTC)" },
  })
  bad(u, "dt", "Please send a date and time like", { "18.06.2026", "18.06.2026 25:00", "18.06.2026 9:60",
    "31.06.2026 10:00", "soon", "09:30" })
end)

scenario("date and time: a step with future refuses a time already passed", function(u)
  u:send("/known")
  u:send("Acme")
  u:send("0")
  u:send("/skip")
  u:send("a@b.de")
  u:send("01.06.2026 10:30")  -- 08:30 UTC: half an hour ago
  u:expect{ match = "^That has already passed.*When will you arrive" }
  u:send("01.06.2026 11:30")
  u:expect{ contains = "slot=2026-06-01 11:30 (09:30 UTC)" }
end)

scenario("free text: trimmed, length bounds counted in characters", function(u)
  good(u, "text", { { "ab", "ab" }, { "  abc  ", "abc" }, { "ёжик", "ёжик" }, { "12345", "12345" } })
  bad(u, "text", "Please write at least 2 characters.", { "a", "   x   " })
  bad(u, "text", "Please keep it to 5 characters.", { "abcdef", "шесть!" })
end)

scenario("one-of choices: pressed, typed by number, label or id, in any case", function(u)
  u:send("/probe pick")
  u:expect{ text = "Your answer?", buttons = { "Alpha", "Beta", "Cancel" } }
  u:press("Beta")
  u:expect{ text = "ok b" }
  good(u, "pick", { { "2", "b" }, { "alpha", "a" }, { "ALPHA", "a" }, { "b", "b" }, { " Beta ", "b" } })
  bad(u, "pick", "Please pick one of the options.", { "gamma", "4", "Alphabet" })
  u:send("/probe pick")
  u:send("3")                        -- the third choice shown is Cancel
  u:expect{ text = "Cancelled. Nothing was saved." }
end)
