-- lead_spec.lua: price intent -> range + three questions -> qualified leads book a call,
-- everyone else reaches a manager with a one-paragraph summary. The clock starts on
-- 2026-06-01 09:00 UTC (11:00 in Berlin); call slots are 2 and 3 June, 10:00 and 15:00.

local BUDGET = { "Under $2,000", "$2,000 to $10,000", "Over $10,000", "Talk to a person" }
local SLOTS = { "02.06 10:00", "02.06 15:00", "03.06 10:00", "None of these suit me" }

local function qualify(u)
  u:send("How much does a website cost?")
  u:expect{ text = "Our prices: websites from $2,000 to $10,000. Three quick questions and I'll tell you more. "
                .. "What is your budget?",
            buttons = BUDGET }
  u:press("$2,000 to $10,000")
  u:expect{ text = "When would you like to start?", buttons = { "This month", "Later", "Talk to a person" } }
  u:press("This month")
  u:expect{ text = "What is your company called?", buttons = { "Talk to a person" } }
  u:send("Acme Ltd")
end

scenario("a qualified lead picks a call slot; the manager gets the summary", function(u)
  local m = user("manager")
  qualify(u)
  u:expect{ text = "Thank you! Let's talk: pick a time for a call.", buttons = SLOTS }
  u:press("02.06 15:00")
  u:expect{ text = "Done: a manager will call you on 02.06 15:00." }
  m:expect{ text = "Lead user (console:user) asked about prices. Budget: $2,000 to $10,000; Start: This month; "
                .. "Company: Acme Ltd. Qualified: yes. Call booked for 02.06 15:00." }
  assert(store("lead:stats:completed") == 1 and store("lead:stats:started") == 1)
  assert(store("lead:stats:handoff") == nil)
  local rec = store("lead:lead:console:user")
  assert(rec.outcome == "booked" and rec.answers.company == "Acme Ltd" and rec.qualified == true)
  assert(rec.slot == os.time{ year = 2026, month = 6, day = 2, hour = 13 } , rec.slot)  -- 15:00 Berlin = 13:00 UTC
  u:send("thanks")                            -- the flow is over: the bot's own handler answers
  u:expect{ text = "I can tell you about our prices." }
end)

scenario("a lead that does not qualify is handed to a manager", function(u)
  local m = user("manager")
  u:send("what are your prices")
  u:press("Under $2,000")
  u:press("Later")
  u:send("  Tiny shop  ")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ text = "Lead user (console:user) asked about prices. Budget: Under $2,000; Start: Later; "
                .. "Company: Tiny shop. Qualified: no. Handed to a manager: not qualified." }
  assert(store("lead:stats:handoff") == 1 and store("lead:stats:completed") == nil)
  assert(logs():find("owned by the operator: lead: unqualified", 1, true), logs())
  u:send("hello?")                            -- operators have the conversation now
  u:expect{ none = true }
end)

scenario("invalid answers are asked again; too many hand the lead over", function(u)
  local m = user("manager")
  u:send("Price?")
  u:send("a lot")                             -- text where a choice is expected
  u:expect{ text = "Sorry, I didn't get that. Please pick one of the options. What is your budget?", buttons = BUDGET }
  u:press("Over $10,000")
  u:press("This month")
  u:send("A")                                 -- too short
  u:expect{ text = "Sorry, I didn't get that. A short answer, please (2 to 200 characters). "
                .. "What is your company called?" }
  u:send(string.rep("x", 201))                -- too long
  u:expect{ contains = "A short answer, please" }
  u:send("?")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ contains = "Company: no answer. Qualified: ?. Handed to a manager: could not answer the questions." }
  assert(store("lead:stats:handoff") == 1)
end)

scenario("'Talk to a person' at any question hands over what is known so far", function(u)
  local m = user("manager")
  u:send("how much")
  u:press("Over $10,000")
  u:press("Talk to a person")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ text = "Lead user (console:user) asked about prices. Budget: Over $10,000; Start: no answer; "
                .. "Company: no answer. Qualified: ?. Handed to a manager: asked for a person." }
  assert(store("lead:lead:console:user").outcome == "handoff")
end)

scenario("no suitable slot, or none left, hands over; taken and past slots are not offered", function(u)
  local m = user("manager")
  qualify(u)
  u:press("None of these suit me")
  u:expect{ text = "Thank you! A manager will write to you shortly." }
  m:expect{ contains = "Qualified: yes. Handed to a manager: no call time suited." }

  local ann = user("ann")
  advance("1d")                               -- 2 June 11:00 Berlin: the 10:00 call is past
  qualify(ann)
  ann:expect{ buttons = { "02.06 15:00", "03.06 10:00", "03.06 15:00", "None of these suit me" } }
  local bob = user("bob")
  qualify(bob)
  bob:expect{ buttons = { "02.06 15:00", "03.06 10:00", "03.06 15:00", "None of these suit me" } }
  ann:press("03.06 10:00")
  ann:expect{ contains = "03.06 10:00" }
  bob:press("03.06 10:00")                    -- taken meanwhile
  bob:expect{ text = "That time is no longer available. Please pick another one.",
              buttons = { "02.06 15:00", "03.06 15:00", "None of these suit me" } }
  bob:send("tomorrow?")                       -- text while slots are offered
  bob:expect{ contains = "Please pick one of the options.",
              buttons = { "02.06 15:00", "03.06 15:00", "None of these suit me" } }
  bob:press("03.06 15:00")
  bob:expect{ text = "Done: a manager will call you on 03.06 15:00." }
  local cy = user("cy")
  qualify(cy)
  cy:press("02.06 15:00")
  advance("2d")                               -- every slot is past now
  local dee = user("dee")
  qualify(dee)
  dee:expect{ text = "Thank you! A manager will write to you shortly." }
  assert(store("lead:stats:completed") == 3 and store("lead:stats:handoff") == 2)
end)

scenario("a restart mid-flow keeps the answers and the question", function(u)
  u:send("How much is it?")
  u:press("Over $10,000")
  restart()
  u:press("This month")                        -- the button of the reply before the restart
  u:expect{ text = "What is your company called?" }
  restart()
  u:send("Globex")
  u:expect{ buttons = SLOTS }
  assert(u:session()._lead.answers.company == "Globex")
end)

-- Writes variant.lua (the questions) into the spec tenant, reloads, runs fn, and always
-- removes it again.
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

scenario("a reload that adds a question and relabels the choices moves the lead on", function(u)
  local m = user("manager")
  u:send("price")
  u:press("Over $10,000")
  u:expect{ text = "When would you like to start?" }
  with_variant([[return { questions = {
    { id = "budget", summary = { en = "Budget" }, text = { en = "What is your budget?" },
      choices = { { label = { en = "Low" }, value = "low" }, { label = { en = "High" }, value = "high" } } },
    { id = "size", summary = { en = "Team" }, text = { en = "How big is your team?" } },
    { id = "when", summary = { en = "Start" }, text = { en = "When?" },
      choices = { { label = { en = "Now" }, value = "now" }, { label = { en = "Later" }, value = "later" } } },
  } }]], function()
    u:press("This month")                     -- a button of the question "when": still valid
    u:expect{ text = "How big is your team?" }  -- the new question comes next, 'company' is gone
    u:send("twelve people")
    u:expect{ buttons = SLOTS }
    u:press("03.06 10:00")
    m:expect{ contains = "Budget: High; Team: twelve people; Start: Now. Qualified: yes." }  -- the new labels
  end)
end)

scenario("a reload that removes the question being asked closes its buttons", function(u)
  u:send("price")
  u:press("Over $10,000")
  u:expect{ text = "When would you like to start?" }
  with_variant([[return { questions = {
    { id = "budget", text = { en = "What is your budget?" },
      choices = { { label = { en = "High" }, value = "high" } } },
    { id = "company", text = { en = "Your company?" } },
  } }]], function()
    u:press("This month")
    u:expect{ text = "That question is closed. Your company?" }
    u:send("Initech")                          -- the bot's qualify() still wants 'when': not qualified
    u:expect{ text = "Thank you! A manager will write to you shortly." }
    assert(u:session()._lead.answers.when == nil and u:session()._lead.answers.company == "Initech")
  end)
end)

scenario("the price text counts the configured questions, with each language's plural forms", function()
  local cases = {   -- questions, English, Russian
    { 1, "One quick question", "Один короткий вопрос" },
    { 2, "Two quick questions", "Два коротких вопроса" },
    { 5, "Five quick questions", "Пять коротких вопросов" },
    { 12, "12 quick questions", "12 коротких вопросов" },
    { 21, "21 quick questions", "21 короткий вопрос" },
  }
  for _, c in ipairs(cases) do
    with_variant(([[
      local questions = {}
      for i = 1, %d do
        questions[i] = { id = "q" .. i, text = { en = "Question " .. i .. "?", ru = "Вопрос " .. i .. "?" } }
      end
      return { questions = questions }
    ]]):format(c[1]), function()
      local ann = user("ann" .. c[1])
      ann:send("price")
      ann:expect{ text = "Our prices: websites from $2,000 to $10,000. " .. c[2]
                      .. " and I'll tell you more. Question 1?" }
      local ivan = user("ivan" .. c[1], { language = "ru-RU" })
      ivan:send("цена")
      ivan:expect{ text = "Наши цены: сайты от $2 000 до $10 000. " .. c[3]
                       .. " — и я расскажу подробнее. Вопрос 1?" }
    end)
  end
end)

scenario("a Russian-speaking lead gets every phrase in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  local m = user("manager")
  ivan:send("Сколько стоит сайт?")
  ivan:expect{ text = "Наши цены: сайты от $2 000 до $10 000. Три коротких вопроса — и я расскажу подробнее. "
                   .. "Какой у вас бюджет?",
               buttons = { "До $2 000", "$2 000 – $10 000", "Больше $10 000", "Поговорить с человеком" } }
  ivan:send("много")
  ivan:expect{ contains = "Извините, не понял. Пожалуйста, выберите один из вариантов." }
  ivan:press("До $2 000")
  ivan:press("Позже")
  ivan:send("ООО Ромашка")
  ivan:expect{ text = "Спасибо! Менеджер скоро вам напишет." }
  m:expect{ text = "Lead ivan (console:ivan) asked about prices. Budget: Under $2,000; Start: Later; "
                .. "Company: ООО Ромашка. Qualified: no. Handed to a manager: not qualified." }
end)

scenario("a Russian-speaking manager reads the summary in Russian", function(u)
  local m = user("manager")
  with_variant([[return { manager_locale = "ru" }]], function()
    qualify(u)
    u:press("None of these suit me")
    m:expect{ text = "Лид user (console:user) спросил о ценах. Бюджет: $2 000 – $10 000; Начало: В этом месяце; "
                  .. "Компания: Acme Ltd. Подходит: да. Передан менеджеру: не подошло время звонка." }
  end)
end)

scenario("a Russian lead books a call", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("какая ЦЕНА?")
  ivan:press("Больше $10 000")
  ivan:press("В этом месяце")
  ivan:expect{ text = "Как называется ваша компания?" }
  ivan:send("Ромашка")
  ivan:expect{ text = "Спасибо! Давайте созвонимся: выберите время звонка.",
               buttons = { "02.06 10:00", "02.06 15:00", "03.06 10:00", "Мне не подходит ни одно" } }
  ivan:press("02.06 10:00")
  ivan:expect{ text = "Готово: менеджер позвонит вам 02.06 10:00." }
end)

scenario("other texts are left to the bot", function(u)
  u:send("Do you make mobile apps?")
  u:expect{ text = "I can tell you about our prices." }
  u:send("the price is right")                -- 'price' as a word is intent
  u:expect{ contains = "What is your budget?" }
  assert(u:session()._lead.step == "ask")
end)

scenario("lead.stop: after the bot's /menu, typed text is no answer any more", function(u)
  u:send("How much does a website cost?")
  u:press("$2,000 to $10,000")
  u:expect{ text = "When would you like to start?" }
  u:send("/menu")
  u:expect{ text = "Menu." }
  u:send("Acme Ltd")
  u:expect{ text = "I can tell you about our prices." }
  assert(u:session()._lead == nil, "the lead's state is gone")
end)

scenario("call times with month and weekday names, in the lead's and the manager's language", function()
  local m = user("manager")
  with_variant([[return { slot_format = { en = "%a %-d %b, %H:%M", ru = "%a, %-d %B, %H:%M" } }]], function()
    local ivan = user("ivan", { language = "ru-RU" })
    ivan:send("цена")
    ivan:press("Больше $10 000")
    ivan:press("В этом месяце")
    ivan:send("Ромашка")
    ivan:expect{ text = "Спасибо! Давайте созвонимся: выберите время звонка.",
                 buttons = { "Вт, 2 июня, 10:00", "Вт, 2 июня, 15:00", "Ср, 3 июня, 10:00",
                             "Мне не подходит ни одно" } }
    restart()
    ivan:press("Ср, 3 июня, 10:00")
    ivan:expect{ text = "Готово: менеджер позвонит вам Ср, 3 июня, 10:00." }
    m:expect{ contains = "Call booked for Wed 3 Jun, 10:00." }
  end)
end)

-- the id of the last pending reply (consumed)
local function last_id(u)
  local id
  for _, r in ipairs(u:replies()) do id = r.id end
  return id
end

scenario("an ended lead's 'Talk to a person' is closed: the booked call and the handoff stay as they were",
  function(u)
  local m = user("manager")
  u:send("How much does a website cost?")
  u:press("$2,000 to $10,000")
  u:press("This month")
  local company = last_id(u)
  u:send("Acme Ltd")
  u:press("02.06 15:00")
  m:expect{ contains = "Call booked for 02.06 15:00." }
  restart()
  u:press("Talk to a person", { message = company })
  u:expect{ text = "That question is closed." }
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Сколько стоит сайт?")
  local budget = last_id(ivan)
  ivan:press("Поговорить с человеком")
  ivan:expect{ text = "Спасибо! Менеджер скоро вам напишет." }
  m:expect{ contains = "Handed to a manager: asked for a person." }
  ivan:handback("done")
  reload()
  ivan:press("Поговорить с человеком", { message = budget })
  ivan:expect{ text = "Этот вопрос уже закрыт." }
  m:expect{ none = true }
  assert(store("lead:stats:handoff") == 1 and store("lead:stats:completed") == 1)
  assert(store("lead:lead:console:user").slot and store("lead:slot:" .. store("lead:lead:console:user").slot))
  assert(store("lead:lead:console:ivan").outcome == "handoff")
end)
