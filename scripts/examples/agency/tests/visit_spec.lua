-- visit_spec.lua: case 2, a free site visit: the details form, booking, reminders 24 h
-- and 2 h before with Confirm / Reschedule, the re-ask, no-shows and the estimator's
-- /arrived. The clock starts on Monday 1 June, 11:00 in Berlin; visit times are
-- 2 and 3 June at 09:00 and 14:00.

local TIMES = { "02.06 09:00", "02.06 14:00", "03.06 09:00", "03.06 14:00", "None of these suit me" }

-- fills the form and books 02.06 14:00
local function book(u)
  u:send("/start")
  u:press("Book a site visit")
  u:expect{ text = "A free site visit: our estimator comes, measures and advises. What is it about?",
            buttons = { "Bathroom", "Kitchen", "Whole flat", "Small repair", "Cancel" } }
  u:press("Kitchen")
  u:expect{ text = "Your phone number, so the estimator can call before coming?", buttons = { "Back", "Cancel" } }
  u:send("0176 1234 5678")
  u:expect{ text = "The address (street, house number, district)?" }
  u:send("Kastanienallee 5, Prenzlauer Berg")
  u:expect{ text = "Thank you! When shall our estimator come? Pick a time:", buttons = TIMES }
  u:press("02.06 14:00")
  u:expect{ text = "02.06 14:00. The visit takes about 45 minutes and is free. Please be at home; "
                .. "cancel or move it here at any time. Shall I book it?", buttons = { "Book it", "Another time" } }
  u:press("Book it")
  u:expect{ text = "Booked: 02.06 14:00. I'll remind you a day and two hours before.",
            buttons = { "Reschedule", "Cancel" } }
end

scenario("booked, confirmed at the 24 h reminder, reminded 2 h before, the estimator marks the visit", function(u)
  local m = user("manager")
  book(u)
  m:expect{ text = "Site visit request: user (console:user), Kitchen, phone +4917612345678, "
                .. "at Kastanienallee 5, Prenzlauer Berg. They are picking a time now." }
  m:expect{ text = "Booking: user (console:user), 02.06 14:00." }
  advance("3h")                                    -- 1 June 14:00: a day before
  u:expect{ text = "Reminder: your appointment is tomorrow, 02.06 14:00. Will you come?",
            buttons = { "Confirm", "Reschedule", "Cancel" } }
  u:press("Confirm")
  u:expect{ text = "Thank you, see you on 02.06 14:00!" }
  advance("22h")                                   -- 2 June 12:00: two hours before
  u:expect{ text = "Your appointment is in 2 hours: 02.06 14:00." }
  m:send("/arrived console:user")
  m:expect{ text = "Marked as arrived: console:user." }
  advance("3h")                                    -- after the visit's grace
  assert(store("booking:stats:completed") == 1 and store("booking:stats:confirmed") == 1)
  m:send("/stats")
  m:expect{ contains = "Site visits: 1 booked, 1 confirmed, 0 rescheduled, 1 visited, 0 no-shows, 0 handed over." }
end)

scenario("an unconfirmed reminder is asked again; Reschedule frees the old time", function(u)
  local m = user("manager")
  book(u)
  advance("3h")
  u:expect{ contains = "Reminder: your appointment is tomorrow" }
  advance("4h")                                    -- no answer: the re-ask
  u:expect{ text = "We haven't heard from you: are you coming on 02.06 14:00?",
            buttons = { "Confirm", "Reschedule", "Cancel" } }
  u:press("Reschedule")
  u:expect{ buttons = TIMES }
  u:press("03.06 09:00")
  u:press("Book it")
  u:expect{ text = "Booked: 03.06 09:00. I'll remind you a day and two hours before." }
  m:expect{ text = "Booking: user (console:user), 03.06 09:00." }
  advance("16h")                                   -- 2 June 14:00 passes: the old reminders are gone
  u:expect{ contains = "Reminder: your appointment is tomorrow, 03.06 09:00" }
  assert(store("booking:stats:rescheduled") == 1 and store("booking:stats:reasked") == 1)
  -- "Book a site visit" again shows the booking, not the form
  u:send("/visit")
  u:expect{ text = "You already have a booking: 03.06 09:00.", buttons = { "Reschedule", "Cancel" } }
end)

scenario("a no-show is offered another time and the manager is told", function(u)
  local m = user("manager")
  book(u)
  advance("1d")
  advance("4h")                                    -- 2 June 15:00 Berlin: the visit's grace is over
  u:expect{ text = "We missed you on 02.06 14:00. Would you like to book another time?",
            buttons = { "Book another time" } }
  m:expect{ text = "No-show: user (console:user), 02.06 14:00." }
  u:press("Book another time")
  u:expect{ contains = "Pick a time:", buttons = { "03.06 09:00", "03.06 14:00", "04.06 09:00", "04.06 14:00",
                                                   "None of these suit me" } }
  assert(store("booking:stats:noshow") == 1)
end)

scenario("no suitable time hands the customer to the manager", function(u)
  local m = user("manager")
  u:send("/visit")
  u:press("Small repair")
  u:send("+49 30 9876543")
  u:send("Torstr. 1, Mitte")
  u:press("None of these suit me")
  u:expect{ text = "A manager will contact you to find a time." }
  m:expect{ text = "user (console:user) found no suitable time; please contact them." }
  assert(store("booking:stats:handoff") == 1)
end)

scenario("a wrong phone number is explained and asked again; Cancel leaves the form", function(u)
  u:send("/visit")
  u:press("Whole flat")
  u:send("call me maybe")
  u:expect{ contains = "Your phone number, so the estimator can call before coming?" }
  u:send("12")
  u:expect{ contains = "Your phone number" }
  u:press("Back")
  u:expect{ contains = "What is it about?" }
  u:send("cancel")
  u:expect{ text = "No problem, nothing was booked. /menu whenever you need it." }
  assert(store("flow:stats:visit:cancelled") == 1)
  u:send("/cancel")                                -- nothing open: the bot's own fallback
  u:expect{ text = "Sorry, I don't know the command /cancel." }
end)

scenario("only the team may mark arrivals", function(u)
  local m = user("manager")
  u:send("/arrived console:user")
  u:expect{ text = "Sorry, this command is for the Kraft & Sohn team only." }
  assert(store("roles:stats:denied") == 1)
  m:send("/arrived")
  m:expect{ text = "Usage: /arrived <address of the customer's chat>, e.g. /arrived telegram:12345" }
end)

scenario("a Russian customer books in Russian; the manager's notes stay English", function()
  local m = user("manager")
  local olga = user("olga", { language = "ru-RU" })
  olga:send("/visit")
  olga:expect{ text = "Бесплатный выезд: замерщик приедет, всё измерит и посоветует. О чём речь?",
               buttons = { "Ванная", "Кухня", "Вся квартира", "Мелкий ремонт", "Отмена" } }
  olga:press("Ванная")
  olga:send("не помню")
  olga:expect{ contains = "Ваш номер телефона, чтобы замерщик позвонил перед приездом?" }
  olga:send("+7 999 123-45-67")
  olga:send("Sonnenallee 100, Neukölln")
  olga:expect{ text = "Спасибо! Когда замерщику приехать? Выберите время:",
               buttons = { "02.06 09:00", "02.06 14:00", "03.06 09:00", "03.06 14:00", "Мне ничего не подходит" } }
  olga:press("03.06 14:00")
  olga:press("Записаться")
  olga:expect{ contains = "03.06 14:00" }
  m:expect{ text = "Site visit request: olga (console:olga), Bathroom, phone +79991234567, "
                .. "at Sonnenallee 100, Neukölln. They are picking a time now." }
  m:expect{ text = "Booking: olga (console:olga), 03.06 14:00." }
end)

scenario("Cancel at the reminder frees the time and tells the manager; no more reminders", function(u)
  local m = user("manager")
  book(u)
  advance("3h")
  u:press("Cancel")
  u:expect{ contains = "Your booking for 02.06 14:00 is cancelled." }
  m:expect{ text = "Cancelled: user (console:user), 02.06 14:00." }
  local ann = user("ann")                          -- the time is free for others again
  ann:send("/visit")
  ann:press("Kitchen")
  ann:send("030 1234567")
  ann:send("Kastanienallee 9, Mitte")
  ann:expect{ buttons = TIMES }
  advance("1d")
  u:expect{ none = true }                          -- no 2 h reminder, no no-show
  assert(store("booking:stats:cancelled") == 1 and store("booking:stats:noshow") == nil)
end)
