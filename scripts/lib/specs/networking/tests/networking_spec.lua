-- Networking: the questionnaire (single and multiple choice, invalid input), matching
-- ranked by overlap with the user's criteria as short cards without contacts, requests
-- that reach the other side with Accept / Decline, contacts only after Accept (or after
-- both asked), no duplicate requests, leaving; a restart and a reload mid-questionnaire;
-- Russian.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")

local function write_variant(text)
  local f = assert(io.open(HERE .. "/variant.lua", "w"))
  f:write(text)
  f:close()
end
local function remove_variant() os.remove(HERE .. "/variant.lua") end
remove_variant()                                          -- left over by an interrupted run

-- A profile id, as the module makes it (FNV-1a 64 of the address, hex).
local function pid(name)
  local h = 0xcbf29ce484222325
  local s = "console:" .. name
  for i = 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  return ("%016x"):format(h)
end

-- Joins with the answers given by option id (the same in every language).
local function join(u, p)
  u:send("/networking")
  u:press("networking:join")
  u:press("networking:a:level:" .. p.level)
  u:press("networking:a:role:" .. p.role)
  for _, q in ipairs({ "fields", "interests", "topics" }) do
    for _, opt in ipairs(p[q]) do u:press("networking:t:" .. q .. ":" .. opt) end
    u:press("networking:d:" .. q)
  end
  u:send(p.contact)
  local r = u:replies()
  assert(r[#r].buttons and #r[#r].buttons == 3, "the member's menu after joining")
end

local ANNA = { level = "senior", role = "dev", fields = { "fintech", "devtools" },
               interests = { "ai", "cloud" }, topics = { "scaling" }, contact = "@anna_dev" }
local BORIS = { level = "exec", role = "founder", fields = { "fintech" },
                interests = { "ai", "hiring" }, topics = { "funding", "scaling" }, contact = "boris@fin.example" }
local CARL = { level = "junior", role = "dev", fields = { "devtools" },
               interests = { "cloud" }, topics = { "careers" }, contact = "@carl" }
local DORA = { level = "lead", role = "pm", fields = { "health" },
               interests = { "security" }, topics = { "oss" }, contact = "+49 30 555" }
local EVE = { level = "exec", role = "investor", fields = { "fintech", "devtools" },
              interests = { "ai", "cloud" }, topics = { "scaling", "funding" }, contact = "@eve_vc" }

local function cards(u)
  local r = u:replies()
  for i = #r, 1, -1 do
    if r[i].cards then return r[i].cards, r end
  end
  error("no cards in the replies")
end

local function texts(r)
  local out = {}
  for _, m in ipairs(r) do out[#out + 1] = m.text or "" end
  return table.concat(out, "\n")
end

scenario("the questionnaire: single answers, several picks, invalid input, a contact", function(u)
  u:send("/networking")
  u:expect{ contains = "Networking: tell us about yourself", buttons = { "Join networking" } }
  u:press("Join networking")
  u:expect{ text = "Your business level?", buttons = { "Junior", "Senior", "Lead", "Executive" } }
  u:press("Senior")
  u:expect{ text = "Your role?" }
  u:press("Developer")
  u:expect{ text = "Your fields?\n(pick all that apply, then Done)",
            buttons = { "Fintech", "Health", "E-commerce", "Dev tools", "Done" } }
  u:press("Done")
  u:expect{ contains = "Pick at least one, then press Done.\n\nYour fields?" }
  u:press("Fintech")
  u:press("Health")
  u:expect{ buttons = { "✓ Fintech", "✓ Health", "E-commerce", "Dev tools", "Done" } }
  u:press("networking:t:fields:health")                 -- pressed again: unpicked
  u:expect{ buttons = { "✓ Fintech", "Health", "E-commerce", "Dev tools", "Done" } }
  u:press("Done")
  u:expect{ text = "Your interests?\n(pick all that apply, then Done)" }
  u:press("AI")
  u:press("Done")
  u:press("Scaling")
  u:press("Done")
  u:expect{ contains = "how should your matches contact you?" }
  u:send("/stale networking:a:role:pm")                  -- an old question's button
  u:press("Old button")
  u:expect{ contains = "how should your matches contact you?" }
  u:send("ab")
  u:expect{ contains = "Please send a contact of 3 to 100 characters" }
  u:send(("x"):rep(101))
  u:expect{ contains = "Please send a contact of 3 to 100 characters" }
  u:send("  @anna_dev ")
  u:expect{ text = "Your networking profile is saved.\n\nNetworking. What would you like to do?",
            buttons = { "Find people", "What I'm looking for", "Edit my profile", "Leave networking" } }
  local p = store("networking:profile:" .. pid("user"):sub(-1) .. ":" .. pid("user"))
  assert(p and p.contact == "@anna_dev" and p.answers.level == "senior" and p.answers.role == "dev", "profile stored")
  assert(#p.answers.fields == 1 and p.answers.fields[1] == "fintech" and p.answers.topics[1] == "scaling")
  assert(store("networking:stats:joined") == 1)
  u:send("hello")
  u:expect{ text = "Type /networking" }                  -- free text is the bot's again
end)

scenario("matches ranked by overlap, short cards without contacts, members only", function(u)
  join(u, ANNA)
  join(user("boris"), BORIS)
  join(user("carl"), CARL)
  join(user("dora"), DORA)
  join(user("eve"), EVE)
  local half = user("hal")                                -- started, never finished: not a member
  half:send("/networking")
  half:press("Join networking")
  u:send("/networking")
  u:press("Find people")
  local c, r = cards(u)
  assert(texts(r):find("People you might want to meet:", 1, true))
  assert(#c == 3, "three cards (limit), got " .. #c)
  -- Anna's criteria default to her own answers: Fintech, Dev tools, AI, Cloud, Scaling.
  assert(c[1].title == "eve", c[1].title)                 -- 5 in common
  assert(c[2].title == "boris" and c[3].title == "carl", c[2].title .. c[3].title)  -- 3 each, then id order
  assert(c[1].subtitle == "Executive · Investor\nIn common: Fintech, Dev tools, AI, Cloud, Scaling", c[1].subtitle)
  for _, card in ipairs(c) do
    assert(card.title ~= "user" and card.title ~= "dora" and card.title ~= "hal")
    for _, contact in ipairs({ "@", "example", "+49" }) do
      assert(not card.subtitle:find(contact, 1, true), "a card shows no contact: " .. card.subtitle)
    end
    local b = card.buttons[1]
    b = b[1] or b
    assert(b.label == "Request contact" and b.id:match("^networking:req:%x+$"), b.label)
  end
end)

scenario("search criteria change who matches", function(u)
  join(u, ANNA)
  join(user("dora"), DORA)
  join(user("boris"), BORIS)
  u:send("/networking")
  u:press("What I'm looking for")
  u:expect{ contains = "What are you looking for?",
            buttons = { "✓ Fintech", "Health", "E-commerce", "✓ Dev tools", "Done" } }
  u:press("networking:t:fields:fintech")
  u:press("networking:t:fields:devtools")
  u:press("Health")
  u:press("Done")
  u:press("networking:t:interests:ai")
  u:press("networking:t:interests:cloud")
  u:press("Done")                                          -- an empty question is ignored
  u:press("networking:t:topics:scaling")
  u:press("Open source")
  u:press("Done")
  u:expect{ contains = "Search criteria saved." }
  u:press("Find people")
  local c = cards(u)
  assert(#c == 1 and c[1].title == "dora", "only Dora has Health or Open source")
  assert(c[1].subtitle == "Lead · Product manager\nIn common: Health, Open source", c[1].subtitle)
  assert(u:session()._networking.criteria.fields[1] == "health")
end)

scenario("a request, a duplicate, Accept: both get the other's contact", function(u)
  local boris = user("boris")
  join(u, ANNA)
  join(boris, BORIS)
  u:send("/networking")
  u:press("Find people")
  cards(u)
  u:press("networking:req:" .. pid("boris"))
  u:expect{ text = "Request sent to boris. You'll get their contact if they accept." }
  boris:expect{ text = "user (Senior · Developer) would like to exchange contacts with you.",
                buttons = { "Accept", "Decline" } }
  assert(not texts(u:replies()):find("boris@fin", 1, true))
  u:send("/networking")
  u:press("Find people")
  u:press("networking:req:" .. pid("boris"))
  u:expect{ text = "You have already asked boris; waiting for their answer." }
  boris:expect{ none = true }                              -- no second request reaches him
  assert(store("networking:stats:requests") == 1)
  boris:press("Accept")
  boris:expect{ text = "Contacts exchanged with user: @anna_dev" }
  u:expect{ text = "Contacts exchanged with boris: boris@fin.example" }
  assert(store("networking:req:" .. pid("user") .. ":" .. pid("boris")) == "accepted")
  -- Asking again after the exchange just shows the contact; nothing new is sent.
  u:send("/networking")
  u:press("Find people")
  u:press("networking:req:" .. pid("boris"))
  u:expect{ text = "Contacts exchanged with boris: boris@fin.example" }
  boris:expect{ none = true }
end)

scenario("Decline: no contact reaches anyone, the request cannot be repeated", function(u)
  local boris = user("boris")
  join(u, ANNA)
  join(boris, BORIS)
  u:send("/networking")
  u:press("Find people")
  u:press("networking:req:" .. pid("boris"))
  boris:press("Decline")
  boris:expect{ text = "You declined. user does not get your contact." }
  local told = u:replies()
  assert(told[#told].text == "boris did not accept your contact request.", texts(told))
  assert(not texts(told):find("boris@fin", 1, true))
  u:send("/networking")
  u:press("Find people")
  u:press("networking:req:" .. pid("boris"))
  u:expect{ text = "You have already asked boris." }
  boris:expect{ none = true }
  -- The old Accept button of the declined request (still on his screen) does nothing.
  boris:send("/stale networking:acc:" .. pid("user"))
  boris:press("Old button")
  boris:expect{ text = "This request is no longer open." }
  u:expect{ none = true }
  assert(store("networking:req:" .. pid("user") .. ":" .. pid("boris")) == "declined")
  assert(store("networking:stats:exchanged") == nil)
end)

scenario("asking someone who already asked you is consent on both sides", function(u)
  local carl = user("carl")
  join(u, ANNA)
  join(carl, CARL)
  u:send("/networking")
  u:press("Find people")
  u:press("networking:req:" .. pid("carl"))
  carl:replies()
  carl:send("/networking")
  carl:press("Find people")
  carl:press("networking:req:" .. pid("user"))
  carl:expect{ text = "Contacts exchanged with user: @anna_dev" }
  u:expect{ text = "Contacts exchanged with carl: @carl" }
  assert(store("networking:stats:exchanged") == 1)
end)

scenario("leaving deletes the profile; old cards and requests find nobody", function(u)
  local boris = user("boris")
  join(u, ANNA)
  join(boris, BORIS)
  u:send("/networking")
  u:press("Find people")
  u:press("networking:req:" .. pid("boris"))
  boris:expect{ buttons = { "Accept", "Decline" } }
  u:send("/networking")
  u:press("Leave networking")
  u:expect{ text = "You have left networking: your profile is deleted and nobody will see it." }
  assert(store("networking:profile:" .. pid("user"):sub(-1) .. ":" .. pid("user")) == nil)
  boris:press("Accept")
  boris:expect{ text = "This request is no longer open." }
  boris:send("/networking")
  boris:press("Find people")
  boris:expect{ contains = "Nobody matches your criteria yet." }
  u:send("/networking")
  u:expect{ buttons = { "Join networking" } }
  u:send("/stale networking:find")                      -- a member's old menu button
  u:press("Old button")
  u:expect{ contains = "Join networking first: it takes a minute.", buttons = { "Join networking" } }
end)

scenario("a restart mid-questionnaire continues where it was", function(u)
  u:send("/networking")
  u:press("Join networking")
  u:press("Lead")
  u:press("Founder")
  u:press("Health")
  restart()
  u:press("Done")
  u:expect{ contains = "Your interests?" }
  u:press("Security")
  u:press("Done")
  u:press("Careers")
  u:press("Done")
  restart()
  u:send("@lead_health")
  u:expect{ contains = "Your networking profile is saved." }
  local p = store("networking:profile:" .. pid("user"):sub(-1) .. ":" .. pid("user"))
  assert(p.answers.level == "lead" and p.answers.fields[1] == "health" and p.answers.interests[1] == "security")
end)

scenario("a reload that changes the questionnaire mid-way: stale presses re-ask, new questions asked", function(u)
  u:send("/networking")
  u:press("Join networking")
  u:press("Senior")
  u:expect{ text = "Your role?" }
  write_variant([[
return function(questions)
  questions[2].options[1] = { id = "engineer", label = "Engineer" }   -- "Developer" renamed
end
]])
  reload()
  u:send("/stale networking:a:role:dev")                 -- the button on the user's screen
  u:press("Old button")
  u:expect{ text = "Your role?", buttons = { "Engineer", "Product manager", "Founder", "Investor" } }
  u:press("Engineer")
  u:expect{ contains = "Your fields?" }
  u:send("/stale networking:a:level:junior")             -- an older question's button
  u:press("Old button")
  u:expect{ contains = "Your fields?" }                   -- the current question again
  remove_variant()
  reload()
  u:press("Dev tools")
  u:press("Done")
  u:press("Cloud")
  u:press("Done")
  u:press("Careers")
  u:press("Done")
  u:send("@eng")
  u:expect{ contains = "Your networking profile is saved." }
  local carl = user("carl")
  join(carl, CARL)
  u:send("/networking")
  u:press("Find people")
  local c = cards(u)
  assert(c[1].title == "carl" and c[1].subtitle == "Junior · Developer\nIn common: Dev tools, Cloud, Careers",
         c[1].subtitle)
  -- The user's role "engineer" went away with the variant: their card for carl shows
  -- what is still known, and matching does not depend on it.
  local p = store("networking:profile:" .. pid("user"):sub(-1) .. ":" .. pid("user"))
  assert(p.answers.role == "engineer")
  carl:send("/networking")
  carl:press("Find people")
  c = cards(carl)
  assert(c[1].title == "user" and c[1].subtitle == "Senior\nIn common: Dev tools, Cloud, Careers", c[1].subtitle)
end)

scenario("in Russian: questions, cards and the exchange", function()
  local ivan = user("ivan", { language = "ru-RU" })
  local olga = user("olga", { language = "ru-RU" })
  join(olga, EVE)
  ivan:send("/networking")
  ivan:expect{ contains = "Нетворкинг: расскажите о себе", buttons = { "Участвовать в нетворкинге" } }
  ivan:press("Участвовать в нетворкинге")
  ivan:expect{ text = "Ваш уровень?", buttons = { "Junior", "Senior", "Lead", "Руководитель" } }
  ivan:press("Руководитель")
  ivan:press("Основатель")
  ivan:press("Fintech")
  ivan:press("Готово")
  ivan:expect{ text = "Ваши интересы?\n(выберите все подходящие и нажмите «Готово»)" }
  ivan:press("Готово")
  ivan:expect{ contains = "Выберите хотя бы один вариант" }
  ivan:press("Безопасность")
  ivan:press("AI")
  ivan:press("Готово")
  ivan:press("Scaling")
  ivan:press("Готово")
  ivan:expect{ contains = "Последний шаг" }
  ivan:send("@ivan")
  ivan:expect{ contains = "Ваш профиль для нетворкинга сохранён.",
               buttons = { "Найти людей", "Кого я ищу", "Изменить профиль", "Выйти из нетворкинга" } }
  ivan:press("Найти людей")
  local c, r = cards(ivan)
  assert(texts(r):find("С кем стоит познакомиться:", 1, true))
  assert(c[1].title == "olga", c[1].title)
  assert(c[1].subtitle == "Руководитель · Investor\nОбщее: Fintech, AI, Scaling", c[1].subtitle)
  ivan:press("networking:req:" .. pid("olga"))
  ivan:expect{ text = "Запрос отправлен: olga. Вы получите контакт, если запрос примут." }
  olga:expect{ text = "ivan (Руководитель · Основатель) хочет обменяться с вами контактами.",
               buttons = { "Принять", "Отклонить" } }
  olga:press("Принять")
  olga:expect{ text = "Обмен контактами с ivan: @ivan" }
  ivan:expect{ text = "Обмен контактами с olga: @eve_vc" }
end)

scenario("editing the profile keeps the contact with one press", function(u)
  join(u, ANNA)
  u:send("/networking")
  u:press("Edit my profile")
  u:expect{ text = "Your business level?" }
  u:press("Lead")
  u:press("Developer")
  u:expect{ buttons = { "✓ Fintech", "Health", "E-commerce", "✓ Dev tools", "Done" } }  -- the answers so far
  u:press("Done")
  u:press("Done")
  u:press("Done")
  u:expect{ contains = "how should your matches contact you?", buttons = { "Keep @anna_dev" } }
  u:press("Keep @anna_dev")
  u:expect{ contains = "Your networking profile is saved." }
  local p = store("networking:profile:" .. pid("user"):sub(-1) .. ":" .. pid("user"))
  assert(p.answers.level == "lead" and p.contact == "@anna_dev" and #p.answers.fields == 2)
  assert(store("networking:stats:joined") == 1, "an edit is not a second join")
end)

scenario("a questionnaire left half-way: text later is not taken as a contact", function(u)
  u:send("/networking")
  u:press("Join networking")
  u:press("Lead")
  u:press("Founder")
  u:press("Health")
  u:press("Done")
  u:press("AI")
  u:press("Done")
  u:press("Careers")
  u:press("Done")
  u:expect{ contains = "how should your matches contact you?" }
  u:advance("2h")                                         -- the idle timer puts it aside, silently
  u:expect{ none = true }
  u:send("see you at the party")
  u:expect{ text = "Type /networking" }
  u:send("/networking")
  u:expect{ buttons = { "Join networking" } }
  assert(store("networking:profile:" .. pid("user"):sub(-1) .. ":" .. pid("user")) == nil)
  -- Opening the menu half-way does the same, at once.
  local amy = user("amy")
  amy:send("/networking")
  amy:press("Join networking")
  amy:press("Lead")
  amy:send("/networking")
  amy:send("@amy")
  amy:expect{ text = "Type /networking" }
end)

scenario("leaving deletes every request from and to the user", function(u)
  local boris, carl = user("boris"), user("carl")
  join(u, ANNA)
  join(boris, BORIS)
  join(carl, CARL)
  u:send("/networking")
  u:press("Find people")
  u:press("networking:req:" .. pid("boris"))             -- from the user
  carl:send("/networking")
  carl:press("Find people")
  carl:press("networking:req:" .. pid("user"))            -- to the user
  assert(store("networking:req:" .. pid("user") .. ":" .. pid("boris")) == "pending")
  assert(store("networking:req:" .. pid("carl") .. ":" .. pid("user")) == "pending")
  assert(store("networking:in:" .. pid("boris") .. ":" .. pid("user")) == true)
  u:send("/networking")
  u:press("Leave networking")
  assert(store("networking:req:" .. pid("user") .. ":" .. pid("boris")) == nil)
  assert(store("networking:req:" .. pid("carl") .. ":" .. pid("user")) == nil)
  assert(store("networking:in:" .. pid("user") .. ":" .. pid("carl")) == nil)
  assert(store("networking:in:" .. pid("boris") .. ":" .. pid("user")) == nil)
  boris:press("Accept")
  boris:expect{ text = "This request is no longer open." }
end)
