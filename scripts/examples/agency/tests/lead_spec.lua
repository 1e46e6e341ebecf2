-- lead_spec.lua: case 1, lead qualification on price questions. The clock starts on
-- Monday 2026-06-01 09:00 UTC (11:00 in Berlin): call times are 2 and 3 June at 10:00
-- and 16:00. The manager is the spec user "manager" (config.lua), who reads English.

local BUDGET = { "Under €5,000", "€5,000 to €20,000", "Over €20,000", "Talk to a person" }
local WHEN = { "Within a month", "In 1–3 months", "Just looking", "Talk to a person" }
local CONTACT = { "Phone call", "WhatsApp", "Video call", "Talk to a person" }
local SLOTS = { "02.06 10:00", "02.06 16:00", "03.06 10:00", "03.06 16:00", "None of these suit me" }

scenario("a price question qualifies the lead, who books a call; the manager gets the summary", function(u)
  local m = user("manager")
  u:send("/start")
  u:send("How much does a new bathroom cost?")
  u:expect{ text = "Our prices: bathrooms from €6,000, kitchens from €8,000, a whole flat from €350 per m². "
                .. "Four quick questions and I'll tell you more. What budget do you have in mind?",
            buttons = BUDGET }
  u:press("€5,000 to €20,000")
  u:expect{ text = "When would you like to start?", buttons = WHEN }
  u:press("Within a month")
  u:expect{ text = "Which district or town is it in?", buttons = { "Talk to a person" } }
  u:send("Kreuzberg")
  u:expect{ text = "How shall we reach you?", buttons = CONTACT }
  u:press("WhatsApp")
  u:expect{ text = "Thank you! Let's talk: pick a time for a call.", buttons = SLOTS }
  u:press("02.06 16:00")
  u:expect{ text = "Done: a manager will call you on 02.06 16:00." }
  m:expect{ text = "Lead user (console:user) asked about prices. Budget: €5,000 to €20,000; "
                .. "Start: Within a month; Where: Kreuzberg; Contact: WhatsApp. Qualified: yes. "
                .. "Call booked for 02.06 16:00." }
  assert(store("lead:stats:completed") == 1 and store("lead:stats:handoff") == nil)
  -- a booked lead gets no reactivation nudge
  advance("3d")
  u:expect{ none = true }
  assert(u:session()._followup.reactivation.state == "lead_booked")
end)

scenario("the menu's Prices starts the same flow; a lead who is just looking goes to the manager", function(u)
  local m = user("manager")
  u:send("/start")
  u:press("Prices")
  u:press("Under €5,000")
  u:press("Just looking")
  u:send("Potsdam")
  u:press("Phone call")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ contains = "Budget: Under €5,000; Start: Just looking; Where: Potsdam; Contact: Phone call. "
                    .. "Qualified: no. Handed to a manager: not qualified." }
  assert(store("lead:stats:handoff") == 1)
  u:send("hello?")                                 -- the manager has the conversation now
  u:expect{ none = true }
  u:operator("Hi, Thomas here. Happy to send you some examples.", "Thomas")
  u:handback("examples sent")                      -- the manager gives it back
  u:expect{ text = "I'm back. Anything else I can do for you?" }
  u:expect{ text = "How can I help?" }             -- the menu again
  u:press("Prices")                                -- and the bot's menu works again
  u:expect{ match = "^Our prices" }
end)

scenario("invalid answers are asked again; too many of them hand the lead over", function(u)
  local m = user("manager")
  u:send("/prices")
  u:send("depends")                                -- text where a choice is expected
  u:expect{ text = "Sorry, I didn't get that. Please pick one of the options. What budget do you have in mind?",
            buttons = BUDGET }
  u:press("Over €20,000")
  u:press("In 1–3 months")
  u:send("X")                                      -- too short for a place
  u:expect{ contains = "A short answer, please (2 to 200 characters). Which district or town is it in?" }
  u:send("?")
  u:send("!")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ contains = "Where: no answer; Contact: no answer. Qualified: ?. "
                    .. "Handed to a manager: could not answer the questions." }
end)

scenario("'Talk to a person' at a question hands over what is known; no call time suits likewise", function(u)
  local m = user("manager")
  u:send("what are your prices?")
  u:press("Over €20,000")
  u:press("Talk to a person")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ contains = "Budget: Over €20,000; Start: no answer; Where: no answer; Contact: no answer. "
                    .. "Qualified: ?. Handed to a manager: asked for a person." }

  local ann = user("ann")
  ann:send("price for a kitchen?")
  ann:press("€5,000 to €20,000")
  ann:press("Within a month")
  ann:send("Pankow")
  ann:press("Video call")
  ann:press("None of these suit me")
  ann:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ contains = "Lead ann (console:ann) asked about prices. Budget: €5,000 to €20,000; Start: Within a month; "
                    .. "Where: Pankow; Contact: Video call. Qualified: yes. Handed to a manager: no call time suited." }
  assert(store("lead:stats:handoff") == 2 and store("lead:stats:started") == 2)
end)

scenario("a Russian lead is answered in Russian; the manager's summary is in English", function()
  local m = user("manager")
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Сколько стоит ремонт кухни?")
  ivan:expect{ text = "Наши цены: ванная от 6 000 €, кухня от 8 000 €, квартира целиком от 350 € за м². "
                   .. "Четыре коротких вопроса — и я расскажу подробнее. На какой бюджет вы рассчитываете?",
               buttons = { "До 5 000 €", "5 000 – 20 000 €", "Больше 20 000 €", "Поговорить с человеком" } }
  ivan:press("Больше 20 000 €")
  ivan:expect{ text = "Когда хотите начать?" }
  ivan:press("В течение месяца")
  ivan:send("Шарлоттенбург")
  ivan:expect{ text = "Как с вами лучше связаться?", buttons = { "Звонок", "WhatsApp", "Видеозвонок",
                                                                 "Поговорить с человеком" } }
  ivan:press("Звонок")
  ivan:expect{ text = "Спасибо! Давайте созвонимся: выберите время звонка.",
               buttons = { "02.06 10:00", "02.06 16:00", "03.06 10:00", "03.06 16:00", "Мне не подходит ни одно" } }
  ivan:press("03.06 10:00")
  ivan:expect{ text = "Готово: менеджер позвонит вам 03.06 10:00." }
  m:expect{ text = "Lead ivan (console:ivan) asked about prices. Budget: Over €20,000; Start: Within a month; "
                .. "Where: Шарлоттенбург; Contact: Phone call. Qualified: yes. Call booked for 03.06 10:00." }
end)
