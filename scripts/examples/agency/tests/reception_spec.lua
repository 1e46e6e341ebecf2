-- reception_spec.lua: the front desk around the flows: greeting and menu, the two
-- languages (case 7), the FAQ with its human fallback, "I want a human", small talk,
-- unknown commands, reactivation after 48 h of silence (case 5), the team's /stats.

local MENU = { "Prices", "Get a quote", "Book a site visit", "My project", "Questions", "Talk to a person", "Русский" }
local MENU_RU = { "Цены", "Получить смету", "Вызвать замерщика", "Мой проект", "Вопросы", "Поговорить с человеком",
                  "English" }
local NUDGE = { "Yes, let's continue", "Later", "Not interested" }

scenario("/start greets and shows the menu; greetings and /menu show it again", function(u)
  u:send("/start")
  u:expect{ text = "Hello, user! I'm the assistant of Kraft & Sohn Renovations, Berlin. Prices, quotes, "
                .. "a free site visit, the status of your project — what do you need?" }
  u:expect{ text = "How can I help?", buttons = MENU }
  u:send("Hello!")
  u:expect{ text = "How can I help?", buttons = MENU }
  u:send("/menu")
  u:expect{ text = "How can I help?", buttons = MENU }
  u:send("get a QUOTE")                            -- a label typed in another case
  u:expect{ contains = "What shall we renovate?" }
  u:send("/menu")                                  -- leaves the checklist
  u:expect{ text = "How can I help?", buttons = MENU }
  u:send("hi")
  u:expect{ text = "How can I help?", buttons = MENU }
  assert(u:session()._flow == nil)
  u:press("Questions")
  u:expect{ text = "Ask me anything: warranty, payment, permits, noise, cleaning. Just type your question." }
  u:send("thank you")
  u:expect{ text = "You're welcome! Write any time, or send /menu." }
end)

scenario("a Russian user gets everything in Russian; anyone may switch the language in the menu", function(u)
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:expect{ contains = "Здравствуйте, ivan! Я помощник компании Kraft & Sohn Renovations" }
  ivan:expect{ text = "Чем могу помочь?", buttons = MENU_RU }
  ivan:send("здравствуйте")
  ivan:expect{ text = "Чем могу помочь?", buttons = MENU_RU }
  ivan:press("English")
  ivan:expect{ text = "From now on I'll write in English." }
  ivan:expect{ text = "How can I help?", buttons = MENU }
  u:send("/menu")
  u:send("русский")                                -- typed in lower case
  u:expect{ text = "Теперь я пишу по-русски." }
  u:expect{ text = "Чем могу помочь?", buttons = MENU_RU }
  u:send("/foo")
  u:expect{ text = "Извините, я не знаю команды /foo." }
end)

scenario("the FAQ answers, offers close questions, and hands the rest to the manager", function(u)
  local m = user("manager")
  u:send("Is there a warranty?")
  u:expect{ text = "Yes: 5 years on all our works and the manufacturer's warranty on materials we supply.",
            buttons = { "That's not what I asked" } }
  u:send("Кто убирает мусор?")
  u:expect{ contains = "We do: daily dust control" }  -- English: the user's channel language
  u:send("is there noise on weekend days and holidays")
  u:expect{ contains = "Did you mean", buttons = { "When do you work?", "None of these" } }
  u:press("When do you work?")
  u:expect{ contains = "Mon–Fri 8:00–18:00" }
  u:press("That's not what I asked")
  u:expect{ contains = "passed your question to a person" }
  m:expect{ contains = "FAQ question without an answer from user (console:user)" }
  assert(store("faq:stats:completed") == 3 and store("faq:stats:wrong") == 1 and store("faq:stats:handoff") == 1)
end)

scenario("requests in the customer's own words start the right flow", function(u)
  u:send("Could you make me an estimate for the kitchen?")
  u:expect{ contains = "Let's put a quote together" }
  u:send("Actually I'd rather have a site visit first")   -- an open form takes text first
  u:expect{ contains = "Please pick one of the options." }
  u:send("/menu")                                   -- the way out
  u:send("Actually I'd rather have a site visit first")
  u:expect{ contains = "A free site visit" }
  u:send("/menu")
  u:send("What's the status of my project?")
  u:expect{ text = "Please send your project number (it is on your contract, like R-1041)." }
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Хочу вызвать замерщика")
  ivan:expect{ contains = "Бесплатный выезд" }
  ivan:send("/menu")
  ivan:send("Нужна смета на ванную")
  ivan:expect{ contains = "Составим смету" }
end)

scenario("/menu leaves a lead or a project-number prompt: later text is the bot's again", function(u)
  local m = user("manager")
  u:send("/status")
  u:expect{ contains = "Please send your project number" }
  u:send("/menu")
  u:send("Is there a warranty?")
  u:expect{ contains = "Yes: 5 years on all our works" }
  u:send("/prices")
  u:expect{ contains = "What budget do you have in mind?" }
  u:send("/menu")
  u:send("Who cleans up?")
  u:expect{ contains = "We do: daily dust control" }
  u:send("how much for a kitchen?")                 -- a price question starts the lead again
  u:expect{ contains = "What budget do you have in mind?" }
  u:send("a lot")                                   -- and its answers are the lead's again
  u:expect{ contains = "Please pick one of the options." }
  m:expect{ none = true }
  assert(store("orders:stats:handoff") == nil and store("faq:stats:completed") == 2)
end)

scenario("text nobody understands: asked to rephrase once, then the manager takes it", function(u)
  local m = user("manager")
  u:send("3")
  u:expect{ text = "Sorry, I'm not sure I understood. Could you put it another way, or pick from the menu? "
                .. "Write \"person\" to reach a manager." }
  u:expect{ text = "How can I help?", buttons = MENU }
  u:send("3")                                       -- now the menu's third button
  u:expect{ contains = "A free site visit" }
  u:send("/menu")
  u:send("asdf")
  u:expect{ contains = "Sorry, I'm not sure I understood." }
  u:send("Book a site visit")                       -- understood: the next unclear text asks again
  u:send("/menu")
  u:send("qwerty")
  u:expect{ contains = "Sorry, I'm not sure I understood." }
  advance("11m")                                    -- long after: asked again, not handed over
  u:send("zzz")
  u:expect{ contains = "Sorry, I'm not sure I understood." }
  m:expect{ none = true }
  u:send("zzz!")                                    -- twice in a row: a person takes it
  u:expect{ text = "I don't know the answer to that. I've passed your question to a person, who will reply here." }
  m:expect{ text = "FAQ question without an answer from user (console:user): zzz!" }
end)

scenario("a Russian question the FAQ cannot answer reaches the manager in English", function()
  local m = user("manager")
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Вы кладёте паркет ёлочкой?")
  ivan:expect{ text = "Извините, не уверен, что понял. Сформулируйте иначе или выберите в меню. "
                   .. "Напишите «человек», чтобы связаться с менеджером." }
  m:expect{ none = true }
  ivan:send("Паркет ёлочкой кладёте или нет?")
  ivan:expect{ text = "Я не знаю ответа на этот вопрос. Я передал его сотруднику, он ответит здесь." }
  m:expect{ text = "FAQ question without an answer from ivan (console:ivan): Паркет ёлочкой кладёте или нет?" }
  ivan:send("алло?")
  ivan:expect{ none = true }                       -- a person has the conversation
end)

scenario("'I want a human' hands over at once, even in the middle of a flow", function(u)
  local m = user("manager")
  u:send("/prices")
  u:press("Over €20,000")
  u:send("I want to talk to a human please")
  u:expect{ text = "Of course. A manager will write to you here shortly (working hours Mon–Fri 8:00–18:00, "
                .. "or call +49 30 1234 5678)." }
  m:expect{ text = "user (console:user) asked for a person. Last message: I want to talk to a human please" }
  assert(logs():find("owned by the operator: asked for a person", 1, true), logs())

  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Позовите оператора")
  ivan:expect{ text = "Конечно. Менеджер скоро напишет вам здесь (пн–пт 8:00–18:00, или звоните +49 30 1234 5678)." }
  m:expect{ text = "ivan (console:ivan) asked for a person. Last message: Позовите оператора" }

  local ann = user("ann")
  ann:send("/menu")
  ann:press("Talk to a person")
  m:expect{ text = "ann (console:ann) asked for a person. Last message: (menu)" }
  assert(store("agency:stats:human") == 3)
end)

scenario("reactivation: one nudge after 48 h of silence; 'Yes' brings the menu back", function(u)
  u:send("/start")
  advance("47h")
  u:expect{ none = true }
  advance("1h")
  u:expect{ text = "Hello again, user! Still thinking about a renovation? This month a site visit and quote "
                .. "are free and without obligation.", buttons = NUDGE }
  u:press("Yes, let's continue")
  u:expect{ text = "Great, here is where we can start." }
  u:expect{ text = "How can I help?", buttons = MENU }
  u:send("thanks, later maybe")                     -- renewed by a later message
  advance("48h")
  u:expect{ contains = "Hello again, user!" }
  assert(store("followup:stats:reactivation:resumed") == 1 and store("followup:stats:reactivation:sent") == 2)
end)

scenario("reactivation: 'Later' sets a reminder; 'Not interested' closes for good", function(u)
  u:send("/start")
  advance("48h")
  u:press("Later")
  u:press("Tomorrow")
  u:expect{ text = "Fine, I'll remind you then." }
  advance("1d")
  u:expect{ text = "As promised, a reminder: shall we continue?", buttons = NUDGE }
  u:press("Not interested")
  u:expect{ text = "Understood, I won't bother you about this again. Thank you!" }
  u:send("ok")
  u:send("/start")                                  -- even a new /start does not restart it
  advance("5d")
  u:expect{ none = true }
  assert(store("followup:stats:reactivation:declined") == 1)
end)

-- a quote for a 12 m² bathroom, full renovation, materials by the firm
local function scope_quote(u)
  u:send("/quote")
  u:press("Bathroom")
  u:send("12")
  u:press("Full (incl. plumbing, electrics)")
  u:press("You do")
  u:expect{ contains = "Quote Q-101" }
end

scenario("the team's /stats counts every flow's completions and handoffs; customers may not see it", function(u)
  local m = user("manager")
  local owner = user("owner")
  u:send("/stats")
  u:expect{ text = "Sorry, this command is for the Kraft & Sohn team only." }
  u:send("/status")
  u:send("R-1041")                                  -- done: status told
  u:send("Is there a warranty?")                    -- done: FAQ answer
  local ann = user("ann")
  ann:send("/human")                                -- handed to a person
  m:send("/stats")
  m:expect{ text = "Kraft & Sohn bot, flows so far:\n"
                .. "Leads: 0 started, 0 booked a call, 0 handed to a manager.\n"
                .. "Site visits: 0 booked, 0 confirmed, 0 rescheduled, 0 visited, 0 no-shows, 0 handed over.\n"
                .. "Project status: 1 told, 0 claims resolved, 0 escalated, 0 handed over.\n"
                .. "Quotes: 0 started, 0 sent, 0 confirmed (payment link), 0 follow-ups, 0 later, "
                .. "0 reminded as asked, 0 declined, 0 expired, 0 forgotten on request.\n"
                .. "Reactivation: 0 nudges, 0 came back, 0 later, 0 reminded as asked, 0 not interested, "
                .. "0 forgotten on request.\n"
                .. "FAQ: 1 answered, 0 asked to rephrase, 0 unanswered, 0 handed over.\n"
                .. "Asked for a person: 1.\n"
                .. "Done by the bot: 2; handed to people: 1 (33%)." }
  owner:send("/stats")                              -- the owner is a manager too (roles_config.lua)
  owner:expect{ contains = "Done by the bot: 2; handed to people: 1 (33%)." }
  owner:send("/grant manager console:bob")
  owner:expect{ contains = "console:bob" }
  local bob = user("bob", { language = "ru-RU" })
  bob:send("/stats")                                -- in the reader's language
  bob:expect{ contains = "Сделано ботом: 2; передано людям: 1 (33%)." }
end)

scenario("/stats shows the FAQ's rephrasings and the reminders asked for with 'Later', in both languages",
  function(u)
  local m = user("manager")
  u:send("/start")
  advance("48h")
  u:press("Later")                                  -- the reactivation nudge
  u:press("Tomorrow")
  advance("1d")
  u:expect{ text = "As promised, a reminder: shall we continue?" }
  local ann = user("ann")
  scope_quote(ann)
  advance("24h")
  ann:press("Later")
  ann:press("In 3 days")
  advance("3d")
  ann:expect{ text = "As promised, a reminder: shall we continue?" }
  ann:send("zzqx vvbn")                             -- nothing understood: asked to rephrase
  ann:expect{ contains = "Could you put it another way" }
  m:send("/stats")
  m:expect{ text = "Kraft & Sohn bot, flows so far:\n"
                .. "Leads: 0 started, 0 booked a call, 0 handed to a manager.\n"
                .. "Site visits: 0 booked, 0 confirmed, 0 rescheduled, 0 visited, 0 no-shows, 0 handed over.\n"
                .. "Project status: 0 told, 0 claims resolved, 0 escalated, 0 handed over.\n"
                .. "Quotes: 1 started, 1 sent, 0 confirmed (payment link), 1 follow-ups, 1 later, "
                .. "1 reminded as asked, 0 declined, 0 expired, 0 forgotten on request.\n"
                .. "Reactivation: 1 nudges, 0 came back, 1 later, 1 reminded as asked, 0 not interested, "
                .. "0 forgotten on request.\n"
                .. "FAQ: 0 answered, 1 asked to rephrase, 0 unanswered, 0 handed over.\n"
                .. "Asked for a person: 0.\n"
                .. "Done by the bot: 0; handed to people: 0 (0%)." }
  local owner = user("owner")
  owner:send("/grant manager console:bob")
  local bob = user("bob", { language = "ru-RU" })
  bob:send("/stats")
  bob:expect{ text = "Бот Kraft & Sohn, итоги:\n"
                  .. "Лиды: начато 0, записались на звонок 0, переданы менеджеру 0.\n"
                  .. "Замеры: записей 0, подтверждено 0, перенесено 0, состоялось 0, неявок 0, передано 0.\n"
                  .. "Статус проектов: ответов 0, претензий решено 0, эскалаций 0, передано 0.\n"
                  .. "Сметы: начато 1, отправлено 1, подтверждено 0, напоминаний 1, позже 1, "
                  .. "напомнили по просьбе 1, отказов 0, без ответа 0, забыты по просьбе 0.\n"
                  .. "Реактивация: напоминаний 1, вернулись 0, позже 1, напомнили по просьбе 1, "
                  .. "не интересно 0, забыты по просьбе 0.\n"
                  .. "FAQ: отвечено 0, переспросили 1, без ответа 0, передано 0.\n"
                  .. "Просили человека: 0.\n"
                  .. "Сделано ботом: 0; передано людям: 0 (0%)." }
end)

scenario("a Russian customer's reactivation nudge and its buttons are in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  advance("48h")
  ivan:expect{ text = "Снова здравствуйте, ivan! Всё ещё думаете о ремонте? В этом месяце выезд замерщика "
                   .. "и смета бесплатны и ни к чему не обязывают.",
               buttons = { "Да, продолжим", "Позже", "Не интересно" } }
  ivan:press("Не интересно")
  ivan:expect{ text = "Понял, больше не буду беспокоить по этому поводу. Спасибо!" }
end)
