-- faq_spec.lua: clear questions are answered, near ones offer the best few, the rest get
-- the fallback (a request to rephrase first, then a person, a reply or the bot's own
-- function); typos, inflections and both languages; restarts and reloads meanwhile.

local function dir()
  return debug.getinfo(2, "S").source:match("^@(.*)/tests/[^/]*$")
end

-- Writes variant.lua into the spec tenant, reloads, runs fn, and always removes it.
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

scenario("clear questions are answered, in spite of case, punctuation and typos", function(u)
  u:send("Where can I PARK my car?")
  u:expect{ text = "Yes: free parking behind the building, entrance from Elm Street.",
            buttons = { "That's not what I asked" } }
  u:send("wifi pasword")                       -- a typo
  u:expect{ text = "Network Cafe-Guest, password: espresso42." }
  u:send("what's the Wi-Fi password")
  u:expect{ text = "Network Cafe-Guest, password: espresso42." }
  u:send("When do you close?")
  u:expect{ text = "Every day from 8:00 to 22:00." }
  assert(store("faq:stats:completed") == 4 and store("faq:hits:wifi") == 2)
  assert(store("faq:stats:handoff") == nil and store("faq:stats:unanswered") == nil)
end)

scenario("a question near several entries offers the best ones as buttons", function(u)
  u:send("food and parking")
  u:expect{ text = "Did you mean one of these?",
            buttons = { "Do you serve lunch?", "Is there parking?", "None of these" } }
  u:press("Is there parking?")
  u:expect{ contains = "free parking behind the building" }
  assert(store("faq:stats:suggested") == 1 and store("faq:stats:completed") == 1)
  u:send("garage or courier")
  u:expect{ buttons = { "Do you deliver?", "Is there parking?", "None of these" } }
end)

scenario("no match, 'None of these' and 'not what I asked' reach a person", function(u)
  local m = user("manager")
  u:send("Can I bring my dog?")
  u:expect{ text = "I don't know the answer to that. I've passed your question to a person, who will reply here." }
  m:expect{ text = "FAQ question without an answer from user (console:user): Can I bring my dog?" }
  assert(logs():find("owned by the operator: faq: Can I bring my dog?", 1, true), logs())
  u:send("hello?")
  u:expect{ none = true }                      -- operators have it now

  local ann = user("ann")
  ann:send("lunch delivery")
  ann:expect{ buttons = { "Do you deliver?", "Do you serve lunch?", "None of these" } }
  ann:press("None of these")
  ann:expect{ contains = "passed your question to a person" }
  m:expect{ text = "FAQ question without an answer from ann (console:ann): lunch delivery" }

  local bob = user("bob")
  bob:send("internet password")
  bob:expect{ contains = "espresso42" }
  bob:press("That's not what I asked")
  bob:expect{ contains = "passed your question to a person" }
  m:expect{ text = "FAQ question without an answer from bob (console:bob): internet password" }
  assert(store("faq:stats:handoff") == 3 and store("faq:stats:wrong") == 1)
end)

scenario("an empty or meaningless question falls back at once", function(u)
  u:send("?!")
  u:expect{ contains = "I don't know the answer" }
  local ann = user("ann")
  ann:send("hello there")                      -- stopwords only
  ann:expect{ contains = "I don't know the answer" }
  assert(store("faq:stats:handoff") == 2)
end)

scenario("Russian questions, inflected words and ё are matched; answers come in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Есть ли у вас парковка?")
  ivan:expect{ text = "Да: бесплатная парковка за зданием, въезд с улицы Вязов.",
               buttons = { "Я спрашивал не об этом" } }
  ivan:send("Где можно припарковаться")
  ivan:expect{ contains = "бесплатная парковка" }
  ivan:send("ДОСТАВКУ?")                        -- an inflected keyword
  ivan:expect{ text = "Доставляем в радиусе 3 км." }
  ivan:send("доставку делаете?")                -- half the words unknown: offered, not answered
  ivan:expect{ text = "Вы имели в виду один из этих вопросов?", buttons = { "Есть ли доставка?", "Ничего из этого" } }
  ivan:press("Есть ли доставка?")
  ivan:expect{ text = "Доставляем в радиусе 3 км." }
  ivan:send("обед и парковка")
  ivan:expect{ text = "Вы имели в виду один из этих вопросов?",
               buttons = { "У вас есть обеды?", "Есть ли парковка?", "Ничего из этого" } }
  ivan:press("Ничего из этого")
  ivan:expect{ text = "Я не знаю ответа на этот вопрос. Я передал его сотруднику, он ответит здесь." }
end)

scenario("a restart between the suggestions and the press", function(u)
  u:send("menu or wifi")
  u:expect{ buttons = { "Do you serve lunch?", "What is the Wi-Fi password?", "None of these" } }
  restart()
  u:press("What is the Wi-Fi password?")
  u:expect{ text = "Network Cafe-Guest, password: espresso42." }
end)

scenario("a reload that removes an offered entry and switches to a contact", function(u)
  u:send("food and parking")
  u:expect{ buttons = { "Do you serve lunch?", "Is there parking?", "None of these" } }
  with_variant([[
    local entries = {}
    for _, e in ipairs(require "faq_data") do if e.id ~= "parking" then entries[#entries + 1] = e end end
    return { entries = entries, contact = { en = "hello@cafe.example", ru = "привет@cafe.example" } }
  ]], function()
    u:press("Is there parking?")
    u:expect{ text = "That question is no longer in the FAQ." }
    u:expect{ text = "I don't know the answer to that. Please write to hello@cafe.example." }
    u:send("where can I park")                 -- no entry for it any more: the contact
    u:expect{ text = "I don't know the answer to that. Please write to hello@cafe.example." }
    u:send("Do you serve lunch?")
    u:expect{ text = "Lunch is served from 12:00 to 15:00." }
    local ivan = user("ivan", { language = "ru" })
    ivan:send("собака")
    ivan:expect{ text = "Я не знаю ответа на этот вопрос. Напишите, пожалуйста, на привет@cafe.example." }
    assert(store("faq:stats:unanswered") == 3 and store("faq:stats:handoff") == nil)
  end)
  u:send("where can I park")                   -- the original FAQ is back
  u:expect{ contains = "free parking" }
end)

scenario("a large FAQ stays within the instruction budget", function(u)
  with_variant([[
    local entries = {}
    for i = 1, 150 do
      local kw = {}
      for j = 1, 8 do kw[j] = "topic" .. i .. "word" .. j end
      entries[i] = { id = "e" .. i, keywords = kw,
                     phrasings = { "how does topic number " .. i .. " work for customers" },
                     question = "Question " .. i, answer = "Answer " .. i }
    end
    return { entries = entries }
  ]], function()
    u:send("please explain topic77word3 and topic77word5 for international customers today")
    u:expect{ text = "Did you mean one of these?" }
    u:send("topic77word3 topic77word5")
    u:expect{ text = "Answer 77" }
    u:send("topic77wrod3")                     -- a typo among 1200 similar words
    u:expect{ text = "Answer 77" }
  end)
end)

scenario("rephrase: the first unanswered text is asked again, the second goes to a person", function(u)
  local m = user("manager")
  with_variant([[ return { rephrase = true } ]], function()
    u:send("Can I bring my dog?")
    u:expect{ text = "I couldn't find an answer to that. Could you put it another way?" }
    m:expect{ none = true }
    u:send("Are dogs allowed inside?")
    u:expect{ text = "I don't know the answer to that. I've passed your question to a person, who will reply here." }
    m:expect{ text = "FAQ question without an answer from user (console:user): Are dogs allowed inside?" }
    u:send("hello?")
    u:expect{ none = true }                    -- operators have it now
    assert(store("faq:stats:rephrase") == 1 and store("faq:stats:handoff") == 1)

    local ann = user("ann")                    -- an answer in between: asked again
    ann:send("dogs?")
    ann:expect{ contains = "put it another way" }
    ann:send("wifi password")
    ann:expect{ contains = "espresso42" }
    ann:send("dogs allowed?")
    ann:expect{ contains = "put it another way" }
    ann:send("/menu")                          -- the bot moved on (faq.reset): asked again
    ann:send("cats allowed?")
    ann:expect{ contains = "put it another way" }
    advance("11m")                             -- long after: asked again, not handed over
    ann:send("parrots allowed?")
    ann:expect{ contains = "put it another way" }
    restart()                                  -- the pending request survives a restart
    ann:send("hamsters allowed?")
    ann:expect{ contains = "passed your question to a person" }
    assert(store("faq:stats:rephrase") == 5 and store("faq:stats:handoff") == 2)

    local bob = user("bob")                    -- a press is an answer already: no rephrase
    bob:send("lunch delivery")
    bob:press("None of these")
    bob:expect{ contains = "passed your question to a person" }
    local eve = user("eve")                    -- nor a question that asks for none
    eve:send("/ask Can I bring my dog?")
    eve:expect{ contains = "passed your question to a person" }

    local ivan = user("ivan", { language = "ru-RU" })
    ivan:send("Можно с собакой?")
    ivan:expect{ text = "Я не нашёл ответа на этот вопрос. Можете сформулировать его иначе?" }
    ivan:send("Пускаете с собаками?")
    ivan:expect{ text = "Я не знаю ответа на этот вопрос. Я передал его сотруднику, он ответит здесь." }
  end)
end)

scenario("rephrase with the bot's own text, a shorter window and its menu after it", function(u)
  with_variant([[
    local i18n = require "i18n"
    i18n.define("en", { ["cafe.rephrase"] = "Hm? Say it differently, or pick from the menu." })
    i18n.define("ru", { ["cafe.rephrase"] = "Хм? Скажите иначе или выберите в меню." })
    return { rephrase = { within = "2m", text = "cafe.rephrase",
                          after = function(ctx) ctx:reply("Menu: parking, wifi, hours.") end } }
  ]], function()
    u:send("dogs?")
    u:expect{ text = "Hm? Say it differently, or pick from the menu." }
    u:expect{ text = "Menu: parking, wifi, hours." }
    advance("3m")
    u:send("dogs allowed?")                    -- after the window: asked again
    u:expect{ text = "Hm? Say it differently, or pick from the menu." }
    advance("1m")
    u:send("dogs allowed inside?")             -- within it: a person
    u:expect{ contains = "passed your question to a person" }
    local ivan = user("ivan", { language = "ru" })
    ivan:send("собаки?")
    ivan:expect{ text = "Хм? Скажите иначе или выберите в меню." }
  end)
end)

scenario("reply fallback: no handoff, the manager is told, counted as unanswered", function(u)
  local m = user("manager")
  with_variant([[ return { rephrase = true, fallback = "reply", manager = "console:manager" } ]], function()
    u:send("Can I bring my dog?")
    u:expect{ contains = "put it another way" }
    u:send("Dogs allowed?")
    u:expect{ text = "I'm sorry, I don't know the answer to that." }
    m:expect{ text = "FAQ question without an answer from user (console:user): Dogs allowed?" }
    u:send("wifi password")                    -- the bot still has the conversation
    u:expect{ contains = "espresso42" }
    u:press("That's not what I asked")
    u:expect{ text = "I'm sorry, I don't know the answer to that." }
    local ivan = user("ivan", { language = "ru-RU" })
    ivan:send("/ask собаки?")
    ivan:expect{ text = "Извините, я не знаю ответа на этот вопрос." }
    assert(store("faq:stats:unanswered") == 3 and store("faq:stats:handoff") == nil)
    assert(store("faq:stats:rephrase") == 1 and store("faq:stats:wrong") == 1)
    assert(not logs():find("owned by the operator", 1, true), logs())
  end)
end)

scenario("function fallback: the bot decides; \"handoff\" from it counts as a handoff", function(u)
  with_variant([[
    return { rephrase = true, fallback = function(ctx, question)
      if question:find("urgent", 1, true) then
        ctx:reply("Calling a person.")
        ctx:handoff("faq urgent")
        return "handoff"
      end
      ctx.session.noted = question
      ctx:reply("Noted: " .. question)
    end }
  ]], function()
    u:send("dogs?")
    u:expect{ contains = "put it another way" }
    u:send("dogs allowed?")
    u:expect{ text = "Noted: dogs allowed?" }
    assert(u:session().noted == "dogs allowed?")
    u:send("dogs?")                            -- the fallback ended the request: asked again
    u:expect{ contains = "put it another way" }
    u:send("urgent: dogs?")
    u:expect{ text = "Calling a person." }
    u:send("hello?")
    u:expect{ none = true }
    assert(store("faq:stats:unanswered") == 1 and store("faq:stats:handoff") == 1)
  end)
end)

scenario("a reload that turns rephrasing off while a request is pending", function(u)
  local m = user("manager")
  with_variant([[ return { rephrase = true } ]], function()
    u:send("dogs?")
    u:expect{ contains = "put it another way" }
  end)                                         -- the variant is gone: no rephrasing
  u:send("cats?")
  u:expect{ contains = "passed your question to a person" }
  m:expect{ text = "FAQ question without an answer from user (console:user): cats?" }
end)
