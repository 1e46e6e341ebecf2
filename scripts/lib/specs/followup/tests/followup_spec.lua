-- followup_spec.lua: nudges after 24 h and 72 h (quote) or 48 h (reactivation) of
-- silence; each message of the user re-arms them; "Yes" / "Later" / "Not interested";
-- restarts and reloads in between.

local NUDGE = { "Yes, let's continue", "Later", "Not interested" }

local function dir() return debug.getinfo(2, "S").source:match("^@(.*)/tests/[^/]*$") end

local function with_variant(code, fn)
  local path = dir() .. "/variant.lua"
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local ok, err = pcall(function() reload() fn() end)
  os.remove(path)
  reload()
  assert(ok, err)
end

scenario("a quote is followed up after 24 h and 72 h of silence, then expires", function(u)
  u:send("/quote")
  u:expect{ contains = "Q-17" }
  advance("23h59m")
  u:expect{ none = true }
  advance("1m")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?", buttons = NUDGE }
  advance("47h59m")
  u:expect{ none = true }
  advance("1m")
  u:expect{ text = "Quote Q-17 is still valid this week.", buttons = NUDGE }
  advance("24h")
  u:expect{ none = true }
  assert(store("followup:stats:quote:sent") == 2 and store("followup:stats:quote:expired") == 1)
  assert(store("ended:user") == "expired Q-17")
  u:press("Yes, let's continue")               -- the last nudge's button, after the expiry
  u:expect{ text = "This is no longer current." }
  assert(store("followup:stats:quote:resumed") == nil)
  u:send("/status quote")
  u:expect{ text = "expired" }
  advance("1w")                                -- nothing more
  u:expect{ none = true }
end)

scenario("every message of the user starts the silence again, from the first step", function(u)
  u:send("/quote")
  advance("20h")
  u:send("let me think")
  advance("23h")                               -- 43 h after the quote, 23 h of silence
  u:expect{ none = true }
  advance("1h")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
  advance("6h")
  u:send("still thinking")
  advance("24h")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }   -- the first step again
  advance("48h")
  u:expect{ text = "Quote Q-17 is still valid this week." }
  assert(store("followup:stats:quote:sent") == 3)
end)

scenario("'Yes, let's continue' ends the sequence; a bot's own stop too", function(u)
  u:send("/quote")
  advance("24h")
  u:press("Yes, let's continue")
  u:expect{ text = "Great, let's continue!" }
  advance("1w")
  u:expect{ none = true }
  assert(store("followup:stats:quote:resumed") == 1 and store("ended:user") == "resumed Q-17")

  local ann = user("ann")
  ann:send("/quote")
  advance("30h")
  ann:send("/order")
  ann:expect{ text = "Thank you for your order!" }
  advance("1w")
  ann:expect{ none = true }
  assert(store("followup:stats:quote:won") == 1 and store("ended:ann") == "won Q-17")
  ann:send("hi")                               -- a message does not wake an ended sequence
  advance("1w")
  ann:expect{ none = true }
end)

scenario("'Later' sets a reminder; 'Not interested' closes cleanly", function(u)
  u:send("/quote")
  advance("24h")
  u:press("Later")
  u:expect{ text = "When should I remind you?", buttons = { "Tomorrow", "In 3 days", "Next week" } }
  u:press("In 3 days")
  u:expect{ text = "Fine, I'll remind you then." }
  advance("71h59m")                            -- the 72 h step does not come meanwhile
  u:expect{ none = true }
  advance("1m")
  u:expect{ text = "As promised, a reminder: shall we continue?", buttons = NUDGE }
  u:press("Not interested")
  u:expect{ text = "Understood, I won't bother you about this again. Thank you!" }
  advance("1w")
  u:expect{ none = true }
  assert(store("followup:stats:quote:later") == 1 and store("followup:stats:quote:declined") == 1)
  assert(store("followup:stats:quote:sent") == 1 and store("followup:stats:quote:reminded") == 1)
  u:send("/status quote")
  u:expect{ text = "declined" }
  u:send("/quote")                             -- a new quote starts it again
  advance("24h")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
end)

scenario("a reminder asked for with 'Later' is not a nudge: the remaining steps follow it", function(u)
  u:send("/quote")
  advance("24h")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
  u:press("Later")
  u:press("Tomorrow")
  restart()                                    -- between "Later" and the reminder
  advance("24h")
  u:expect{ text = "As promised, a reminder: shall we continue?", buttons = NUDGE }
  assert(store("followup:stats:quote:sent") == 1 and store("followup:stats:quote:reminded") == 1)
  restart()                                    -- between the reminder and the next step
  advance("47h59m")                            -- the 72 h step, 48 h after the reminder
  u:expect{ none = true }
  advance("1m")
  u:expect{ text = "Quote Q-17 is still valid this week.", buttons = NUDGE }
  assert(store("followup:stats:quote:sent") == 2)
  u:press("Later")                             -- "Later" on the last nudge
  u:press("In 3 days")
  advance("3d")
  u:expect{ text = "As promised, a reminder: shall we continue?" }
  advance("23h59m")
  assert(store("followup:stats:quote:expired") == nil)
  advance("1m")                                -- no step left: the reminder expires
  assert(store("followup:stats:quote:expired") == 1 and store("ended:user") == "expired Q-17")
  assert(store("followup:stats:quote:sent") == 2 and store("followup:stats:quote:reminded") == 2)
  assert(store("followup:stats:quote:later") == 2)
  advance("1w")
  u:expect{ none = true }
end)

scenario("an unanswered reminder expires; writing after 'Later' brings the steps back", function(u)
  u:send("/quote")
  advance("24h")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
  advance("48h")
  u:expect{ text = "Quote Q-17 is still valid this week." }
  u:press("Later")
  u:press("Tomorrow")
  advance("24h")
  u:expect{ text = "As promised, a reminder: shall we continue?" }
  advance("24h")
  assert(store("followup:stats:quote:expired") == 1)

  local ann = user("ann")
  ann:send("/quote")
  advance("24h")
  ann:press("Later")
  ann:press("Next week")
  advance("2h")
  ann:send("actually, a question")             -- back before the reminder
  advance("24h")
  ann:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
  advance("48h")
  ann:expect{ text = "Quote Q-17 is still valid this week." }
  advance("1w")
  ann:expect{ none = true }                    -- the week's reminder was replaced
  assert(store("followup:stats:quote:expired") == 2)
end)

scenario("reactivation after 48 h of silence, renewed by each later message", function(u)
  u:send("/start")
  advance("47h")
  u:send("hello")
  advance("47h")
  u:expect{ none = true }
  advance("1h")
  u:expect{ text = "We have new offers for you, user!", buttons = NUDGE }
  advance("24h")
  assert(store("followup:stats:reactivation:expired") == 1)
  u:send("I'm back")                           -- renew: the sequence runs again
  advance("48h")
  u:expect{ text = "We have new offers for you, user!" }
  u:press("Yes, let's continue")
  u:expect{ text = "Here is what's new: a 10% discount this month." }
  u:send("thanks")
  advance("48h")
  u:expect{ text = "We have new offers for you, user!" }
  u:press("Not interested")                    -- declined is final, even with renew
  u:send("ok")
  advance("1w")
  u:expect{ none = true }
  assert(store("followup:stats:reactivation:sent") == 3 and store("followup:stats:reactivation:resumed") == 1)
end)

scenario("a restart between the steps", function(u)
  u:send("/quote")
  advance("24h")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
  restart()
  advance("48h")
  u:expect{ text = "Quote Q-17 is still valid this week." }
  restart()
  u:press("Yes, let's continue")
  u:expect{ text = "Great, let's continue!" }
end)

scenario("a reload that shortens the steps, and one that removes the kind", function(u)
  u:send("/quote")
  advance("24h")
  u:expect{ text = "Any thoughts on quote Q-17 ($1,200)?" }
  with_variant([[return { quote_steps = { { after = "12h", text = { en = "Still there?" } } } }]], function()
    advance("48h")                             -- step 2 is gone: the sequence expires
    u:expect{ none = true }
    assert(store("followup:stats:quote:expired") == 1)
    local ann = user("ann")
    ann:send("/quote")
    advance("12h")
    ann:expect{ text = "Still there?" }
  end)
  local bob = user("bob")
  bob:send("/quote")
  with_variant([[return { no_quote = true }]], function()
    advance("24h")
    bob:expect{ none = true }
    assert(logs():find("followup: no definition for quote any more", 1, true), logs())
    bob:send("/status quote")
    bob:expect{ text = "stopped" }
  end)
end)

scenario("Russian texts", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/quote")
  advance("24h")
  ivan:expect{ text = "Что скажете о смете Q-17 ($1,200)?", buttons = { "Да, продолжим", "Позже", "Не интересно" } }
  ivan:press("Позже")
  ivan:expect{ text = "Когда вам напомнить?", buttons = { "Завтра", "Через 3 дня", "Через неделю" } }
  ivan:press("Завтра")
  ivan:expect{ text = "Хорошо, напомню." }
  advance("1d")
  ivan:expect{ text = "Как договаривались, напоминаю: продолжим?" }
  ivan:press("Да, продолжим")
  ivan:expect{ text = "Отлично, продолжим!" }
  ivan:send("/start")
  advance("48h")
  ivan:expect{ text = "У нас новые предложения, ivan!" }
  ivan:press("Не интересно")
  ivan:expect{ text = "Понял, больше не буду беспокоить по этому поводу. Спасибо!" }
end)

scenario("WhatsApp: a reminder after the 24-hour window needs its template, else it is skipped", function()
  local STEPS = [[quote_steps = { { after = "20h", text = { en = "Any thoughts on quote {quote}?" } },
                                  { after = "72h", text = { en = "Still valid." },
                                    template = { name = "quote_valid", language = "en" } } }]]
  with_variant("return { " .. STEPS .. " }", function()
    local wa = user("wa", { channel = "whatsapp" })
    wa:send("/quote")
    advance("20h")                               -- within the window: the nudge and its buttons
    wa:expect{ text = "Any thoughts on quote Q-17?", buttons = NUDGE }
    wa:press("Later")
    wa:press("In 3 days")
    advance("3d")                                -- the window closed long ago, no template
    wa:expect{ none = true }
    assert(logs():find("followup: quote nudge skipped: the channel's reply window is closed", 1, true), logs())
    assert(store("followup:stats:quote:skipped") == 1 and store("followup:stats:quote:reminded") == nil)
    advance("52h")                               -- the next step has its template: sent
    local r = wa:replies()
    assert(#r == 1 and r[1].text == "Still valid." and r[1].template.name == "quote_valid", #r)
  end)
  with_variant("return { " .. STEPS .. [[, reminder_template = { name = "quote_reminder", language = "en" } }]], function()
    local wb = user("wb", { channel = "whatsapp" })
    wb:send("/quote")
    advance("20h")
    wb:press("Later")
    wb:press("In 3 days")
    restart()
    advance("3d")
    local r = wb:replies()
    assert(#r == 1 and r[1].text == "As promised, a reminder: shall we continue?", #r)
    assert(r[1].template and r[1].template.name == "quote_reminder", "sent without its template")
    assert(store("followup:stats:quote:reminded") == 1)
  end)
end)

scenario("a time picked after 'Later' holds: the 'when' message's buttons act once", function(u)
  u:send("/quote")
  advance("24h")
  u:press("Later")
  local when
  for _, r in ipairs(u:replies()) do when = r.id end
  u:press("In 3 days")
  u:expect{ text = "Fine, I'll remind you then." }
  restart()
  u:press("Tomorrow", { message = when })
  u:expect{ text = "This is no longer current." }
  reload()
  advance("1d")
  u:expect{ none = true }                      -- not moved to tomorrow
  advance("2d")
  u:expect{ text = "As promised, a reminder: shall we continue?", buttons = NUDGE }
  assert(store("followup:stats:quote:later") == 1)
end)
