-- menu_spec.lua: the main menu per segment and every section: Programme, EXPO (a
-- paginated list of exhibitor cards), FAQ buttons, Contacts, Profile, Get a ticket,
-- and the attendee-only sections as value content for prospects. Attendees never
-- see a sales push.

local ATTENDEE_MENU = { "Programme", "EXPO", "Raffle", "Networking", "Vote for speakers", "FAQ", "Contacts", "Profile" }
local PROSPECT_MENU = { "Programme", "EXPO", "Networking", "FAQ", "Contacts", "Profile", "Get a ticket" }

local function attendee(u)
  u:send("/start")
  u:press("Yes")
  u:press("Developer")
  u:press("Senior")
  u:replies()
end

local function prospect(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Founder")
  u:press("Executive")
  u:replies()
end

local function no_sales(text)
  for _, sales in ipairs({ "early-bird", "eur ", "/tickets", "get a ticket", "buy" }) do
    assert(not text:lower():find(sales, 1, true), "no sales push to attendees: " .. text)
  end
end

scenario("/menu shows the attendee menu with the venue", function(u)
  attendee(u)
  u:send("/menu")
  u:expect{ text = "DevConf 2026, 18-19 June 2026, Station Berlin, Luckenwalder Str. 4-6, 10963 Berlin. What do you need?",
            buttons = ATTENDEE_MENU }
end)

scenario("/menu shows the prospect menu with a ticket entry", function(u)
  prospect(u)
  u:send("/menu")
  u:expect{ text = "DevConf 2026, 18-19 June 2026 in Berlin. What would you like to know?", buttons = PROSPECT_MENU }
end)

scenario("attendee programme: every block in Berlin time with reminder toggles, no sales", function(u)
  attendee(u)
  u:send("/menu")
  u:press("Programme")
  local r = u:replies()
  local text = r[#r].text
  assert(text:find("Thu 18 Jun, 09:30  Opening keynote: Shipping software in 2026, Hall A", 1, true), text)
  assert(text:find("Fri 19 Jun, 16:30  Closing panel & raffle results, Hall A", 1, true), text)
  assert(text:find("(times in CEST)", 1, true), "times are Berlin summer time: " .. text)
  no_sales(text)
  local labels = {}
  for _, row in ipairs(r[#r].buttons) do for _, b in ipairs(row) do labels[#labels + 1] = b.label end end
  assert(labels[#labels] == "Remind me of every block" and #labels == 11, table.concat(labels, "|"))
end)

scenario("prospect programme: highlights, early-bird price and a path to buy", function(u)
  prospect(u)
  u:send("/menu")
  u:press("Programme")
  u:expect{ match = "40%+ talks.*Early%-bird tickets: EUR 299 until 10 June %(then EUR 449%)", buttons = { "Get a ticket", "Menu" } }
  u:press("Get a ticket")
  u:expect{ contains = "Buy here: https://devconf.example/tickets" }
end)

scenario("after the early-bird deadline the regular price is shown", function(u)
  prospect(u)
  advance("10d")                                   -- 11 June
  u:send("/menu")
  u:press("Get a ticket")
  u:expect{ contains = "Tickets: EUR 449, lunch, coffee and the party included." }
end)

scenario("EXPO: a paginated list of exhibitors, each a card with its site, contacts and socials", function(u)
  attendee(u)
  u:send("/menu")
  u:press("EXPO")
  u:expect{ contains = "EXPO in Hall B", buttons = { "CloudNest", "DataForge", "SecureStack", "HireLoop", "QuantLab", "Next ›", "« Back" } }
  u:press("Next ›")
  u:expect{ contains = "Page 2 of 3", buttons = { "EdgeWire", "TestPilot", "DBNova", "Flagship", "MailCraft", "‹ Prev", "Next ›", "« Back" } }
  u:press("Next ›")
  u:press("DevHub Berlin")
  local card = u:replies()[1].cards[1]
  assert(card.title == "DevHub Berlin, booth B15", card.title)
  assert(card.subtitle == "Berlin's developer community: meetups and a co-working space.\n"
    .. "For you: A free week of co-working after the conference.\nSite: https://devhub.example\n"
    .. "Contact: community@devhub.example\nSocial: @devhubberlin", card.subtitle)
  local b = card.buttons
  assert(b[1].label == "Open the site" and b[1].url == "https://devhub.example", "a button to the site")
  assert(b[2].label == "« EXPO" and b[3].label == "Menu")
  u:press("« EXPO")
  u:expect{ contains = "Page 3 of 3" }
  u:press("« Back")
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("an exhibitor card in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:press("Да")
  ivan:press("Разработчик")
  ivan:press("Senior")
  ivan:send("/expo")
  ivan:press("SecureStack")
  local card = ivan:replies()[1].cards[1]
  assert(card.title == "SecureStack, стенд B03" and card.subtitle:find("Для вас: Бесплатная 30-минутная сессия", 1, true),
    card.title .. "\n" .. card.subtitle)
end)

scenario("EXPO for a prospect says access comes with a ticket", function(u)
  prospect(u)
  u:send("/expo")
  u:expect{ contains = "EXPO access is part of every ticket" }
end)

scenario("attendee FAQ: logistics questions, an answer, 'not what I asked'", function(u)
  attendee(u)
  u:send("/menu")
  u:press("FAQ")
  u:expect{ contains = "Type your question", buttons = { "Where do I get my badge?", "Is there Wi-Fi?", "Where is the venue?",
    "Can I transfer my ticket?", "Is lunch included?", "How does the raffle work?", "Menu" } }
  u:press("Is there Wi-Fi?")
  u:expect{ contains = "network DevConf", buttons = { "That's not what I asked" } }
end)

scenario("prospect FAQ: the price instead of logistics", function(u)
  prospect(u)
  u:send("/faq")
  u:expect{ buttons = { "How much is a ticket?", "Where is the venue?", "Will the talks be recorded?", "Is lunch included?", "Menu" } }
  u:press("How much is a ticket?")
  u:expect{ contains = "Early-bird EUR 299" }
end)

scenario("contacts: organisers for everyone, the info desk for attendees", function(u)
  attendee(u)
  u:send("/menu")
  u:press("Contacts")
  u:expect{ match = "team@devconf%.example.*@devconf_help.*info desk", buttons = { "Menu" } }
  local bob = user("bob")
  prospect(bob)
  bob:send("/contacts")
  local text = bob:replies()[1].text
  assert(text:find("team@devconf.example", 1, true) and not text:find("info desk", 1, true), text)
end)

scenario("profile shows the answers, the language and its actions", function(u)
  prospect(u)
  u:send("/menu")
  u:press("Profile")
  u:expect{ text = "Your profile:\nTicket: not yet\nRole: Founder\nLevel: Executive\nInterests: not told yet\nLanguage: English\n"
    .. "So I show you what DevConf offers and how to get a ticket.",
    buttons = { "Redo questionnaire", "Language / Язык", "Forget me", "« Back" } }
end)

scenario("an attendee who asks for tickets is not sold one", function(u)
  attendee(u)
  u:send("tickets")
  u:expect{ contains = "You already have a ticket" }
  u:expect{ buttons = ATTENDEE_MENU }
end)

scenario("no section of the attendee bot pushes sales", function(u)
  attendee(u)
  for _, label in ipairs({ "Programme", "Raffle", "Networking", "Vote for speakers", "FAQ", "Contacts", "Profile" }) do
    u:send("/menu")
    u:press(label)
    for _, r in ipairs(u:replies()) do no_sales(r.text or "") end
  end
  u:send("/expo")
  for _, r in ipairs(u:replies()) do no_sales(r.text or "") end
end)

scenario("a prospect hears what networking offers, with a path to buy", function(u)
  prospect(u)
  u:send("/menu")
  u:press("Networking")
  u:expect{ match = "Networking is for ticket holders.*Early%-bird", buttons = { "Get a ticket", "Menu" } }
  u:press("Menu")
  u:expect{ buttons = PROSPECT_MENU }
end)

scenario("a prospect who got a ticket becomes an attendee", function(u)
  prospect(u)
  u:send("/menu")
  u:press("Get a ticket")
  u:press("I've got a ticket")
  u:expect{ contains = "Great, see you in Berlin!" }
  u:expect{ buttons = ATTENDEE_MENU }
  u:advance("24h")
  u:expect{ none = true }                          -- no early-bird nudge any more
end)

scenario("typed section names act like the buttons, in English and Russian", function(u)
  attendee(u)
  u:send("Programme")
  u:expect{ contains = "Opening keynote" }
  u:send("  expo!")
  u:expect{ contains = "EXPO in Hall B" }
  u:send("/menu")
  u:send("vote FOR speakers")                      -- a label typed in another case
  u:expect{ contains = "Which vote would you like", buttons = { "Best talk of day 1?", "Best talk of day 2?" } }
  u:send("контакты")
  u:expect{ contains = "team@devconf.example" }
end)

scenario("a menu button of an older message still goes where it says", function(u)
  attendee(u)
  u:send("/menu")
  local menu_msg = u:replies()[1]
  u:press("Contacts")
  u:press("FAQ", { message = menu_msg.id })
  u:expect{ contains = "Type your question" }
end)
