-- stale_spec.lua: buttons of older messages. Every kind of button the agency shows
-- (quotes, leads, site visits, project status, follow-up nudges, the menu) is pressed
-- again after what it was about has moved on, been done or cancelled — also after a
-- restart and after a reload: no error, no second effect (a quote confirmed twice, a
-- time booked twice, a lead summed up twice), a short answer in the user's language.

-- Takes the user's pending replies and returns the id of the last one with buttons.
local function shown(u)
  local id
  for _, r in ipairs(u:replies()) do
    if r.buttons or r.quick_replies then id = r.id end
  end
  assert(id, "no reply with buttons")
  return id
end

-- each check runs as it is, after a restart and after a reload
local function thrice(fn)
  fn()
  restart()
  fn()
  reload()
  fn()
end

local function scope(u, words)
  u:send("/quote")
  u:press(words.room)
  u:send("12")
  u:press(words.level)
  u:press(words.materials)
end

local EN = { room = "Bathroom", level = "Full (incl. plumbing, electrics)", materials = "You do" }
local RU = { room = "Ванная", level = "Капитальный (с сантехникой и электрикой)", materials = "Вы" }

scenario("a confirmed quote's buttons say it is confirmed: one confirmation, one note", function(u)
  local m = user("manager")
  scope(u, EN)
  local quote = shown(u)
  u:press("Confirm")
  m:expect{ contains = "Quote Q-101 confirmed" }
  thrice(function()
    for _, b in ipairs({ "Confirm", "Clarify", "Question" }) do
      u:press(b, { message = quote })
      u:expect{ text = "Quote Q-101 is already confirmed; the payment link is above. /menu for anything else." }
    end
  end)
  m:expect{ none = true }
  assert(store("agency:stats:quote:confirmed") == 1 and store("agency:stats:quote:clarified") == nil)
  assert(u:session().quote.state == "confirmed" and u:session().question == nil)
end)

scenario("a superseded quote's buttons (Russian) say so and show the current one", function()
  local ivan = user("ivan", { language = "ru-RU" })
  scope(ivan, RU)
  local old = shown(ivan)
  ivan:press("Уточнить")
  scope(ivan, RU)
  thrice(function()
    ivan:press("Подтвердить", { message = old })
    ivan:expect{ text = "Эта смета уже неактуальна." }
    ivan:expect{ contains = "Смета Q-102", buttons = { "Подтвердить", "Уточнить", "Вопрос" } }
  end)
  assert(store("agency:stats:quote:confirmed") == nil and ivan:session().quote.state == "open")
end)

scenario("a quote declined at its follow-up is closed: its Confirm and the nudge's buttons no longer act",
  function(u)
  scope(u, EN)
  local quote = shown(u)
  advance("24h")
  local nudge = shown(u)
  u:press("Not interested")
  u:expect{ text = "Understood, I won't bother you about this again. Thank you!" }
  thrice(function()
    u:press("Confirm", { message = quote })
    u:expect{ text = "That quote is no longer current." }
    u:press("Yes, let's continue", { message = nudge })
    u:expect{ text = "This is no longer current." }
    u:press("Not interested", { message = nudge })
    u:expect{ text = "This is no longer current." }
  end)
  assert(store("agency:stats:quote:confirmed") == nil and store("followup:stats:quote:declined") == 1)
  assert(store("followup:stats:quote:resumed") == nil)
end)

scenario("a follow-up's 'when' buttons act once; a nudge of a confirmed quote is closed (Russian)", function()
  local ivan = user("ivan", { language = "ru-RU" })
  scope(ivan, RU)
  local quote = shown(ivan)
  advance("24h")
  local nudge = shown(ivan)
  ivan:press("Позже")
  local when = shown(ivan)
  ivan:press("Завтра")
  ivan:expect{ text = "Хорошо, напомню." }
  thrice(function()
    ivan:press("Через неделю", { message = when })
    ivan:expect{ text = "Это уже неактуально." }
  end)
  assert(store("followup:stats:quote:later") == 1)
  ivan:press("Подтвердить", { message = quote })
  ivan:expect{ contains = "Смета Q-101 подтверждена" }
  thrice(function()
    ivan:press("Да, продолжим", { message = nudge })
    ivan:expect{ text = "Это уже неактуально." }
    ivan:press("Завтра", { message = when })
    ivan:expect{ text = "Это уже неактуально." }
  end)
  advance("7d")
  ivan:expect{ none = true }
end)

scenario("a reactivation nudge answered once: its buttons are closed afterwards", function(u)
  u:send("/start")
  advance("48h")
  local nudge = shown(u)
  u:press("Not interested")
  thrice(function()
    for _, b in ipairs({ "Yes, let's continue", "Later", "Not interested" }) do
      u:press(b, { message = nudge })
      u:expect{ text = "This is no longer current." }
    end
  end)
  assert(store("followup:stats:reactivation:declined") == 1 and store("followup:stats:reactivation:resumed") == nil)
end)

scenario("a lead's answered question, its booked call and its 'person' button act once", function(u)
  local m = user("manager")
  u:send("How much is a bathroom?")
  local budget = shown(u)
  u:press("€5,000 to €20,000")
  local start = shown(u)
  -- a question already answered: the current one is asked again
  u:press("Under €5,000", { message = budget })
  u:expect{ text = "That question is closed. When would you like to start?" }
  u:press("Within a month", { message = start })
  u:send("Kreuzberg")
  u:press("Phone call")
  local slots = shown(u)
  u:press("02.06 16:00")
  u:expect{ text = "Done: a manager will call you on 02.06 16:00." }
  m:expect{ contains = "Call booked for 02.06 16:00." }
  thrice(function()
    u:press("03.06 10:00", { message = slots })
    u:expect{ text = "That question is closed." }
    u:press("None of these suit me", { message = slots })
    u:expect{ text = "That question is closed." }
    u:press("Over €20,000", { message = budget })
    u:expect{ text = "That question is closed." }
    u:press("Talk to a person", { message = start })
    u:expect{ text = "That question is closed." }
  end)
  m:expect{ none = true }
  assert(store("lead:stats:completed") == 1 and store("lead:stats:handoff") == nil)
  assert(store("lead:lead:console:user").slot == u:session()._lead.slot)
  assert(store("lead:slot:" .. u:session()._lead.slot) == "console:user")
end)

scenario("a lead left for the menu (Russian): its buttons are closed, typed text is not an answer", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("Сколько стоит ремонт кухни?")
  local budget = shown(ivan)
  ivan:send("/menu")
  thrice(function()
    ivan:press("Больше 20 000 €", { message = budget })
    ivan:expect{ text = "Этот вопрос уже закрыт." }
  end)
  assert(ivan:session()._lead == nil and store("lead:stats:handoff") == nil)
end)

scenario("a lead handed over and handed back: its 'person' button does not hand over again", function(u)
  local m = user("manager")
  u:send("How much is a kitchen?")
  local budget = shown(u)
  u:press("Talk to a person")
  m:expect{ contains = "Handed to a manager: asked for a person." }
  u:handback("done")
  thrice(function()
    u:press("Talk to a person", { message = budget })
    u:expect{ text = "That question is closed." }
  end)
  m:expect{ none = true }
  assert(store("lead:stats:handoff") == 1)
end)

-- the visit form (whole flat, a phone, an address) up to the times offered
local function visit_form(u, words)
  u:send("/visit")
  local form = shown(u)
  u:press(words.flat, { message = form })
  u:send("030 1234567")
  u:send("Oranienstr. 12, Kreuzberg")
  return form
end

scenario("a visit's times, 'Book it' and the booking's buttons act once; a cancelled booking's are stale", function(u)
  local m = user("manager")
  local form = visit_form(u, { flat = "Whole flat" })
  local times = shown(u)
  u:press("02.06 14:00")
  local check = shown(u)
  u:press("Book it")
  local booked = shown(u)
  m:expect{ contains = "Booking: user (console:user)" }
  thrice(function()
    u:press("Book it", { message = check })
    u:expect{ contains = "You already have a booking:", buttons = { "Reschedule", "Cancel" } }
    u:press("03.06 09:00", { message = times })
    u:expect{ contains = "You already have a booking:" }
    u:press("Kitchen", { message = form })          -- the visit form, long done
    u:expect{ text = "That form is already closed." }
  end)
  assert(#store("booking:slot:" .. u:session()._booking.at) == 1 and store("booking:stats:booked") == 1)
  u:press("Cancel", { message = booked })
  u:expect{ contains = "Your booking for" }
  m:expect{ contains = "Cancelled: user" }
  thrice(function()
    for _, b in ipairs({ "Reschedule", "Cancel" }) do
      u:press(b, { message = booked })
      u:expect{ text = "This booking is no longer current." }
    end
  end)
  assert(store("booking:stats:cancelled") == 1 and store("booking:stats:rescheduled") == nil)
  m:expect{ none = true }
end)

scenario("a rescheduled visit's old reminder buttons are stale (Russian)", function()
  local olga = user("olga", { language = "ru-RU" })
  local form = visit_form(olga, { flat = "Вся квартира" })
  olga:press("02.06 14:00")
  olga:press("Записаться")
  advance("24h")                                    -- the 24 h reminder: Confirm / Reschedule / Cancel
  local reminder = shown(olga)
  olga:press("Перенести")
  olga:press("03.06 09:00")
  olga:press("Записаться")
  thrice(function()
    for _, b in ipairs({ "Подтверждаю", "Перенести", "Отменить" }) do
      olga:press(b, { message = reminder })
      olga:expect{ text = "Эта запись уже неактуальна." }
    end
    olga:press("Кухня", { message = form })
    olga:expect{ text = "Эта анкета уже закрыта." }
  end)
  assert(olga:session()._booking.state == "booked" and store("booking:stats:rescheduled") == 1)
  assert(store("booking:stats:confirmed") == nil)
end)

scenario("a project's answer buttons act once; after a claim they are stale", function(u)
  local m = user("manager")
  u:send("/status")
  u:send("R-1044")
  local status = shown(u)
  u:press("Something is damaged")
  u:send("a cracked tile by the bath")
  u:expect{ contains = "Claim R-1044 is registered" }
  thrice(function()
    for _, b in ipairs({ "All good", "Something is damaged", "Work isn't finished" }) do
      u:press(b, { message = status })
      u:expect{ text = "That is about an earlier question." }
    end
  end)
  assert(store("orders:stats:claims_resolved") == 1)
  m:expect{ none = true }
end)

scenario("an old menu's language button does not switch the language back", function(u)
  u:send("/start")
  local menu = shown(u)
  u:press("Русский")
  u:expect{ text = "Теперь я пишу по-русски." }
  thrice(function()
    u:press("Русский", { message = menu })
    u:expect{ contains = "Этот раздел меню изменился" }
  end)
  assert(u:session()._i18n.lang == "ru")
end)
