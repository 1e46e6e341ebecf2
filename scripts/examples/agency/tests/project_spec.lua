-- project_spec.lua: case 3, "what is the status of my project?" over the firm's own
-- data (projects_data.lua, and statuses the team sets with /project), with the
-- exception branches: delayed, handed over but not finished (disputed: always
-- escalated), damage (fixed by the foreman on a small job, escalated from EUR 500).

scenario("each status is told in words; a delay apologises with the new date", function(u)
  u:send("/start")
  u:press("My project")
  u:expect{ text = "Please send your project number (it is on your contract, like R-1041).",
            buttons = { "Talk to a person" } }
  u:send("R-1041")
  u:expect{ text = "Project R-1041: the works are in progress; we expect to finish on 12 June." }
  u:send("/status")
  u:send("r1042")                                  -- lower case, no dash
  u:expect{ text = "Project R-1042 is delayed, sorry: a supplier is late. New completion date: 19 June." }
  u:send("/status")
  u:send("# R-1045")
  u:expect{ text = "Project R-1045: the materials are on their way; the works start on 8 June." }
  u:send("/status")
  u:send("R-1046")
  u:expect{ text = "Project R-1046 was cancelled." }
  u:send("/status")
  u:send("R-1043")
  u:expect{ text = "Project R-1043 was handed over on 28 May. Is everything in order?",
            buttons = { "All good", "Work isn't finished", "Something is damaged", "Talk to a person" } }
  u:press("All good")
  u:expect{ text = "Glad to hear it!" }
  assert(store("orders:stats:completed") == 5 and store("orders:stats:delayed") == 1)
end)

scenario("damage after a small job is fixed by the foreman, no person needed", function(u)
  u:send("/status")
  u:send("R-1044")
  u:press("Something is damaged")
  u:expect{ text = "Sorry to hear that. What is damaged, and where?" }
  u:send("tap")                                    -- too short
  u:expect{ text = "A few words more, please (at least 5 characters)." }
  u:send("The new tap in the kitchen drips")
  u:expect{ text = "Thank you. Claim R-1044 is registered: our foreman will come to fix it within 3 working days." }
  assert(store("orders:stats:claims_resolved") == 1)
  assert(store("orders:claim:R-1044").details == "The new tap in the kitchen drips")
  u:send("/menu")                                  -- still the bot's conversation
  u:expect{ contains = "How can I help?" }
end)

scenario("damage on a big project and a disputed hand-over go to the manager with high priority", function(u)
  local m = user("manager")
  u:send("/status")
  u:send("R-1043")
  u:press("Something is damaged")
  u:send("Scratches all over the new parquet in the hall")
  u:expect{ text = "Thank you. Your case is passed to a specialist with high priority; they will write to you here." }
  m:expect{ text = "[HIGH PRIORITY] Project R-1043 (EUR 5100): damage after the works. Customer user (console:user). "
                .. "Scratches all over the new parquet in the hall" }
  assert(logs():find("orders: high priority", 1, true), logs())

  local ann = user("ann")
  ann:send("/status")
  ann:send("R-1044")
  ann:press("Work isn't finished")
  ann:expect{ text = "Sorry to hear that. What is left unfinished?" }
  ann:send("The skirting boards are missing")
  ann:expect{ contains = "high priority" }
  m:expect{ text = "[HIGH PRIORITY] Project R-1044 (EUR 180): handed over, but the customer says the work is not "
                .. "finished (disputed). Customer ann (console:ann). The skirting boards are missing" }
  assert(store("orders:stats:escalated") == 2)
end)

scenario("an unknown number is asked again once, then a person takes over", function(u)
  local m = user("manager")
  u:send("/status")
  u:send("R-2000")
  u:expect{ text = "I can't find project R-2000. Please check the number and send it again." }
  u:send("R-2001")
  u:expect{ text = "A person will look into it and write to you here." }
  m:expect{ contains = "project number not found twice. Customer user (console:user). Tried: R-2001" }
  assert(store("orders:stats:handoff") == 1)
end)

scenario("three malformed numbers hand over; 'Talk to a person' does at once", function(u)
  local m = user("manager")
  u:send("/status")
  u:send("my flat in Mitte")
  u:expect{ text = "A project number looks like R-1041. Please send it again." }
  u:send("1041")
  u:expect{ text = "A project number looks like R-1041. Please send it again." }
  u:send("RR-11")
  u:expect{ text = "A person will look into it and write to you here." }
  m:expect{ contains = "no valid project number after three tries" }

  local bob = user("bob")
  bob:send("/status")
  bob:press("Talk to a person")
  bob:expect{ text = "A person will look into it and write to you here." }
  m:expect{ contains = "Customer bob (console:bob)" }
end)

scenario("the team changes a project's status with /project; customers see it at once", function(u)
  local m = user("manager")
  m:send("/project R-1041 delayed 26.06")
  m:expect{ text = "Project R-1041: delayed 2026-06-26" }
  m:send("/project R-1041 finished")
  m:expect{ contains = "Usage: /project <number> <status> [date]" }
  m:send("/project R-1041 delayed soon")
  m:expect{ contains = "Usage: /project <number> <status> [date]" }
  u:send("/status")
  u:send("R-1041")
  u:expect{ text = "Project R-1041 is delayed, sorry: a supplier is late. New completion date: 26 June." }
  u:send("/project R-1041 delivered 01.06")       -- customers may not
  u:expect{ text = "Sorry, this command is for the Kraft & Sohn team only." }
end)

scenario("a Russian customer asks about the project in Russian; the case reaches the manager in English", function()
  local m = user("manager")
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/status")
  ivan:expect{ text = "Пришлите, пожалуйста, номер проекта (он есть в договоре, например R-1041).",
               buttons = { "Поговорить с человеком" } }
  ivan:send("R-1043")
  ivan:expect{ text = "Проект R-1043 сдан 28 мая. Всё в порядке?",
               buttons = { "Всё в порядке", "Работы не закончены", "Что-то повреждено", "Поговорить с человеком" } }
  ivan:press("Работы не закончены")
  ivan:send("Не установлены розетки в спальне")
  ivan:expect{ text = "Спасибо. Ваше обращение передано специалисту с высоким приоритетом; он напишет вам здесь." }
  m:expect{ text = "[HIGH PRIORITY] Project R-1043 (EUR 5100): handed over, but the customer says the work is not "
                .. "finished (disputed). Customer ivan (console:ivan). Не установлены розетки в спальне" }
end)
