-- lifecycle_spec.lua: a restart of the runtime and a reload of changed code, each in
-- the middle of a flow: the customer notices nothing. The changed code is a
-- variant.lua the spec writes into the tenant folder (leads.lua and quotes.lua read it)
-- and always deletes again.

local function with_variant(code, fn)
  local path = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$") .. "/variant.lua"
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local ok, err = pcall(function() reload() fn() end)
  os.remove(path)
  reload()
  assert(ok, err)
end

scenario("a restart in the middle of a lead keeps the answers and the question", function(u)
  local m = user("manager")
  u:send("How much is a kitchen?")
  u:press("Over €20,000")
  restart()
  u:press("Within a month")                          -- the button of the reply before the restart
  u:expect{ text = "Which district or town is it in?" }
  restart()
  u:send("Friedrichshain")
  u:press("Phone call")
  u:press("03.06 16:00")
  u:expect{ text = "Done: a manager will call you on 03.06 16:00." }
  m:expect{ contains = "Budget: Over €20,000; Start: Within a month; Where: Friedrichshain; Contact: Phone call." }
end)

scenario("a restart in the middle of the visit form, and between booking and reminder", function(u)
  u:send("/visit")
  u:press("Bathroom")
  restart()
  u:send("030 5550123")
  u:expect{ text = "The address (street, house number, district)?" }
  u:send("Bergmannstr. 7, Kreuzberg")
  u:press("02.06 14:00")
  u:press("Book it")
  u:expect{ contains = "Booked: 02.06 14:00." }
  restart()
  advance("3h")
  u:expect{ text = "Reminder: your appointment is tomorrow, 02.06 14:00. Will you come?",
            buttons = { "Confirm", "Reschedule", "Cancel" } }
  restart()
  u:press("Confirm")
  u:expect{ text = "Thank you, see you on 02.06 14:00!" }
end)

scenario("a restart between a quote and its follow-up: the nudge comes once, on time", function(u)
  u:send("/quote")
  u:press("Kitchen")
  u:send("9")
  u:press("Cosmetic (paint, floors)")
  restart()
  u:press("I do")
  u:expect{ contains = "Quote Q-101: kitchen, 9 m², cosmetic works." }
  restart()
  advance("23h")
  u:expect{ none = true }
  advance("1h")
  u:expect{ contains = "Any thoughts on quote Q-101 (€1,350)?" }
  assert(store("followup:stats:quote:sent") == 1)
end)

scenario("new rates reloaded in the middle of the checklist: the quote uses them, nothing else changes", function(u)
  u:send("/quote")
  u:press("Bathroom")
  u:send("5")
  u:expect{ text = "Which works?" }
  with_variant([[return { rates = {
      bath = { cosmetic = 300, full = 700 }, kitchen = { cosmetic = 150, full = 400 },
      flat = { cosmetic = 60, full = 180 },
    } }]], function()
    u:press("Full (incl. plumbing, electrics)")       -- the question asked before the reload
    u:expect{ text = "Who buys the materials?" }
    u:press("I do")
    u:expect{ contains = "Works: €3,500\nMaterials: yours\nTotal: €3,500" }
  end)
end)

scenario("a reload that adds a lead question in the middle of a lead moves it on", function(u)
  local m = user("manager")
  u:send("what does a renovation cost")
  u:press("€5,000 to €20,000")
  u:expect{ text = "When would you like to start?" }
  with_variant([[return { lead_questions = {
    { id = "budget", summary = { en = "Budget" }, text = { en = "What budget do you have in mind?" },
      choices = { { label = { en = "Small" }, value = "low" }, { label = { en = "Big" }, value = "mid" } } },
    { id = "what", summary = { en = "What" }, text = { en = "What shall we renovate?", ru = "Что ремонтируем?" } },
    { id = "when", summary = { en = "Start" }, text = { en = "When would you like to start?" },
      choices = { { label = { en = "Soon" }, value = "now" }, { label = { en = "Later" }, value = "later" } } },
  } }]], function()
    u:press("Within a month")                         -- the button shown before the reload
    u:expect{ text = "What shall we renovate?", buttons = { "Talk to a person" } }  -- the new question
    u:send("Bathroom and hall")
    u:expect{ text = "Thank you! Let's talk: pick a time for a call." }
    u:press("02.06 10:00")
    m:expect{ contains = "Budget: Big; What: Bathroom and hall; Start: Soon. Qualified: yes." }
  end)
end)
