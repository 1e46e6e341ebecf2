-- quote_spec.lua: case 4, quote -> payment: the scope checklist, the structured quote
-- with Confirm / Clarify / Question, the payment link, and follow-ups at 24 h and 72 h
-- of silence (then the manager is told).

local QUOTE_BUTTONS = { "Confirm", "Clarify", "Question" }
local NUDGE_BUTTONS = { "Yes, let's continue", "Later", "Not interested" }

-- a 12 m² bathroom, full renovation, materials by the firm: works 7,200 + materials 2,520
local function scope(u, id)
  u:send("/quote")
  u:expect{ text = "Let's put a quote together: four short questions. What shall we renovate?",
            buttons = { "Bathroom", "Kitchen", "Whole flat", "Cancel" } }
  u:press("Bathroom")
  u:expect{ contains = "About how many square metres?" }
  u:send("12")
  u:expect{ text = "Which works?", buttons = { "Cosmetic (paint, floors)", "Full (incl. plumbing, electrics)",
                                               "Back", "Cancel" } }
  u:press("Full (incl. plumbing, electrics)")
  u:expect{ text = "Who buys the materials?", buttons = { "You do", "I do", "Back", "Cancel" } }
  u:press("You do")
  u:expect{ text = "Quote " .. (id or "Q-101") .. ": bathroom, 12 m², full renovation.\n"
                .. "Works: €7,200\nMaterials: €2,520\n"
                .. "Total: €9,720\nStart within 3 weeks of the deposit (€2,916); the price holds for 30 days.",
            buttons = QUOTE_BUTTONS }
end

scenario("Confirm sends the deposit's payment link and tells the manager; no follow-ups after", function(u)
  local m = user("manager")
  scope(u)
  u:press("Confirm")
  local r = u:replies()[1]
  assert(r.text == "Thank you! Quote Q-101 is confirmed. Please pay the deposit of €2,916 with the link below; "
                .. "we'll call you to fix the start date.", r.text)
  local pay = r.buttons[1][1]
  assert(pay.label == "Pay €2,916" and pay.url == "https://pay.example/kraft-sohn/Q-101?amount=2916", pay.url)
  m:expect{ text = "Quote Q-101 confirmed by user (console:user): total €9,720, deposit link sent." }
  assert(u:session().quote.state == "confirmed")
  advance("4d")
  u:expect{ none = true }
  assert(store("agency:stats:quote:confirmed") == 1 and store("followup:stats:quote:confirmed") == 1)
end)

scenario("Clarify asks the checklist again and makes a new quote; the old one's buttons are stale", function(u)
  scope(u)
  u:press("Clarify")
  u:expect{ contains = "What shall we renovate?" }
  u:press("Whole flat")
  u:send("64,5")
  u:press("Cosmetic (paint, floors)")
  u:press("I do")
  u:expect{ text = "Quote Q-102: whole flat, 64.5 m², cosmetic works.\nWorks: €3,870\nMaterials: yours\n"
                .. "Total: €3,870\nStart within 3 weeks of the deposit (€1,161); the price holds for 30 days.",
            buttons = QUOTE_BUTTONS }
  assert(u:session().quote.id == "Q-102" and store("agency:quote:Q-101").total == 9720)
  assert(store("agency:stats:quote:clarified") == 1 and store("agency:stats:quote:sent") == 2)
end)

scenario("wrong areas are explained; Back and Cancel work in the checklist", function(u)
  u:send("/quote")
  u:press("Kitchen")
  u:send("big")
  u:expect{ contains = "About how many square metres?" }
  u:send("1000")
  u:expect{ contains = "About how many square metres?" }
  u:send("/back")
  u:expect{ contains = "What shall we renovate?" }
  u:send("/cancel")
  u:expect{ text = "No problem, no quote then. /menu whenever you need it." }
  assert(store("flow:stats:scope:cancelled") == 1)
end)

scenario("Question: an FAQ answer, or the manager when the FAQ has none", function(u)
  local m = user("manager")
  scope(u)
  u:press("Question")
  u:expect{ text = "Please type your question about quote Q-101." }
  u:send("Is there a warranty?")
  u:expect{ contains = "Yes: 5 years on all our works" }
  local ann = user("ann")
  scope(ann, "Q-102")
  ann:press("Question")
  ann:send("Can the plumber come on Saturday morning?")
  ann:expect{ text = "I don't know the answer to that. I've passed your question to a person, who will reply here." }
  m:expect{ text = "FAQ question without an answer from ann (console:ann): Can the plumber come on Saturday morning?" }
  assert(store("faq:stats:handoff") == 1 and store("faq:stats:completed") == 1)
end)

scenario("silence: a nudge at 24 h and at 72 h; no answer tells the manager", function(u)
  local m = user("manager")
  u:send("/start")                                 -- starts the reactivation sequence
  scope(u)                                         -- which the quote's follow-ups replace
  u:send("/start")                                 -- and a new /start does not bring back
  advance("24h")
  u:expect{ text = "Any thoughts on quote Q-101 (€9,720)? I can change it or answer questions.",
            buttons = NUDGE_BUTTONS }
  advance("48h")
  u:expect{ text = "Quote Q-101 (€9,720) still holds this month. Shall we go ahead?", buttons = NUDGE_BUTTONS }
  advance("24h")
  m:expect{ text = "Quote Q-101 (€9,720) for user (console:user) got no answer after two reminders." }
  assert(store("followup:stats:quote:sent") == 2 and store("followup:stats:quote:expired") == 1)
  -- no reactivation nudge for someone who got a quote
  advance("3d")
  u:expect{ none = true }
  assert(u:session()._followup.reactivation.state == "quoted")
end)

scenario("a message restarts the silence; 'Yes' shows the quote again, 'Later' reminds, 'Not interested' closes",
  function(u)
  scope(u)
  advance("20h")
  u:send("thanks, I'll think about it")
  advance("20h")
  u:expect{ none = true }                          -- 20 h since the message: no nudge yet
  advance("4h")
  u:expect{ contains = "Any thoughts on quote Q-101" }
  u:press("Yes, let's continue")
  u:expect{ contains = "Quote Q-101: bathroom", buttons = QUOTE_BUTTONS }

  local ann = user("ann")
  scope(ann, "Q-102")
  advance("24h")
  ann:press("Later")
  ann:expect{ text = "When should I remind you?" }
  ann:press("In 3 days")
  ann:expect{ text = "Fine, I'll remind you then." }
  advance("3d")
  ann:expect{ text = "As promised, a reminder: shall we continue?", buttons = NUDGE_BUTTONS }
  ann:press("Not interested")
  ann:expect{ text = "Understood, I won't bother you about this again. Thank you!" }
  advance("7d")
  ann:expect{ none = true }
  assert(store("followup:stats:quote:declined") == 1 and store("followup:stats:quote:later") == 1)
end)

scenario("a Russian customer gets the quote in Russian; the manager's note is in English", function()
  local m = user("manager")
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/quote")
  ivan:expect{ text = "Составим смету: четыре коротких вопроса. Что ремонтируем?",
               buttons = { "Ванная", "Кухня", "Вся квартира", "Отмена" } }
  ivan:press("Кухня")
  ivan:send("10")
  ivan:press("Капитальный (с сантехникой и электрикой)")
  ivan:press("Я сам")
  ivan:expect{ text = "Смета Q-101: кухня, 10 м², капитальный ремонт.\nРаботы: €4,000\nМатериалы: ваши\n"
                   .. "Итого: €4,000\nНачнём в течение 3 недель после предоплаты (€1,200); цена действует 30 дней.",
               buttons = { "Подтвердить", "Уточнить", "Вопрос" } }
  ivan:press("Подтвердить")
  ivan:expect{ contains = "Спасибо! Смета Q-101 подтверждена." }
  m:expect{ text = "Quote Q-101 confirmed by ivan (console:ivan): total €4,000, deposit link sent." }
end)
