-- lead_spec.lua: price questions become leads; the manager gets the summaries.
-- Every scenario starts on 2026-06-01 09:00 UTC (11:00 in Berlin).

scenario("a qualified lead books a call; the manager gets the summary", function(u)
  local manager = user("manager")
  u:send("How much is a new bathroom?")
  u:expect{ text = "Our prices: bathrooms from €6,000, kitchens from €8,000, a whole flat from €350 per m². "
                .. "Three quick questions and I'll tell you more. What budget do you have in mind?",
            buttons = { "Under €5,000", "€5,000 or more", "Talk to a person" } }
  u:press("€5,000 or more")
  u:press("Within a month")
  u:expect{ text = "Which district is it in?" }
  u:send("Kreuzberg")
  u:expect{ buttons = { "02.06 10:00", "02.06 16:00", "None of these suit me" } }
  u:press("02.06 16:00")
  u:expect{ text = "Done: a manager will call you on 02.06 16:00." }
  manager:expect{ text = "Lead user (console:user) asked about prices. Budget: €5,000 or more; "
                      .. "Start: Within a month; Where: Kreuzberg. Qualified: yes. Call booked for 02.06 16:00." }
end)

scenario("a lead who is just looking goes to the manager, who takes the conversation over", function(u)
  local manager = user("manager")
  u:send("what are your prices?")
  u:press("Under €5,000")
  u:press("Just looking")
  u:send("Mitte")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  manager:expect{ contains = "Qualified: no. Handed to a manager: not qualified." }
  u:send("hello?")
  u:expect{ none = true }                        -- the bot is silent: a person has it now
end)

scenario("a Russian lead is answered in Russian; the summary is in English", function()
  local manager = user("manager")
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Сколько стоит ремонт кухни?")
  ivan:expect{ contains = "Наши цены: ванная от 6 000 €" }
  ivan:press("От 5 000 €")
  ivan:press("В течение месяца")
  ivan:send("Панков")
  ivan:press("02.06 10:00")
  ivan:expect{ text = "Готово: менеджер позвонит вам 02.06 10:00." }
  manager:expect{ text = "Lead ivan (console:ivan) asked about prices. Budget: €5,000 or more; "
                      .. "Start: Within a month; Where: Панков. Qualified: yes. Call booked for 02.06 10:00." }
end)

scenario("/human tells the manager and hands the conversation over", function(u)
  local manager = user("manager")
  u:send("/human")
  u:expect{ text = "Of course: a manager will write to you here shortly." }
  manager:expect{ text = "user (console:user) asked for a person." }
end)

scenario("a restart and a reload in the middle of a lead change nothing for the user", function(u)
  u:send("How much is a kitchen?")
  u:press("€5,000 or more")
  restart()                                      -- the process stops and starts again
  u:press("Within a month")                      -- a button sent before the restart
  u:expect{ text = "Which district is it in?" }
  reload()                                       -- the code is loaded again, as on a live reload
  u:send("Friedrichshain")
  u:expect{ text = "Thank you! Let's talk: pick a time for a call." }
  assert(u:session()._lead.answers.city == "Friedrichshain")
end)
