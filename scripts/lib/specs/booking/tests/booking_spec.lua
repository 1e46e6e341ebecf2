-- booking_spec.lua: slots, the rules, booking; reminders 24 h and 2 h before with
-- Confirm / Reschedule, one re-ask, no-shows; cancelling and rescheduling; restarts and
-- reloads. The clock starts on 1 June 2026, 11:00 in Berlin (09:00 UTC).

local SLOTS = { "01.06 14:00", "02.06 12:00", "02.06 15:00", "03.06 10:00", "None of these suit me" }

local function dir() return debug.getinfo(2, "S").source:match("^@(.*)/tests/[^/]*$") end

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

local function book(u, label)
  u:send("/book")
  u:press(label)
  u:press("Book it")
end

scenario("a booking with the rules, both reminders, a confirmation and an arrival", function(u)
  local m = user("manager")
  u:send("/book")
  u:expect{ text = "Pick a time:", buttons = SLOTS }
  u:press("02.06 12:00")
  u:expect{ text = "02.06 12:00. Please come 5 minutes early; cancel at least 2 hours before. Shall I book it?",
            buttons = { "Book it", "Another time" } }
  u:press("Book it")
  u:expect{ text = "Booked: 02.06 12:00. I'll remind you a day and two hours before.",
            buttons = { "Reschedule", "Cancel" } }
  m:expect{ text = "Booking: user (console:user), 02.06 12:00." }
  advance("59m")
  u:expect{ none = true }
  advance("1m")                                -- 24 h before
  u:expect{ text = "Reminder: your appointment is tomorrow, 02.06 12:00. Will you come?",
            buttons = { "Confirm", "Reschedule", "Cancel" } }
  u:press("Confirm")
  u:expect{ text = "Thank you, see you on 02.06 12:00!" }
  advance("4h")                                -- confirmed: no re-ask
  u:expect{ none = true }
  advance("17h59m")
  u:expect{ none = true }
  advance("1m")                                -- 2 h before
  u:expect{ text = "Your appointment is in 2 hours: 02.06 12:00.", buttons = { "Reschedule", "Cancel" } }
  advance("2h5m")
  m:send("/arrived user")
  advance("1h")
  u:expect{ none = true }
  assert(store("booking:stats:completed") == 1 and store("booking:stats:noshow") == nil)
  assert(store("booking:stats:booked") == 1 and store("booking:stats:confirmed") == 1)
  assert(u:session()._booking.state == "attended")
  u:press("Cancel")                            -- the 2 h reminder's button, after the visit
  u:expect{ text = "This booking is no longer current." }
  assert(store("booking:stats:cancelled") == nil)
  u:send("/book")                               -- the slot has passed: a new booking is possible
  u:expect{ buttons = { "02.06 15:00", "03.06 10:00", "None of these suit me" } }
end)

scenario("unconfirmed: asked again once, then a no-show with an offer to rebook", function(u)
  local m = user("manager")
  book(u, "02.06 12:00")
  advance("1h")
  u:expect{ contains = "Will you come?" }
  advance("3h59m")
  u:expect{ none = true }
  advance("1m")
  u:expect{ text = "We haven't heard from you: are you coming on 02.06 12:00?",
            buttons = { "Confirm", "Reschedule", "Cancel" } }
  advance("17h")
  u:expect{ none = true }                      -- asked once only
  advance("1h")
  u:expect{ text = "Your appointment is in 2 hours: 02.06 12:00.", buttons = { "Confirm", "Reschedule", "Cancel" } }
  advance("2h29m")
  u:expect{ none = true }
  advance("1m")                                -- 30 min after the start, nobody marked an arrival
  u:expect{ text = "We missed you on 02.06 12:00. Would you like to book another time?",
            buttons = { "Book another time" } }
  m:expect{ text = "No-show: user (console:user), 02.06 12:00." }
  assert(store("booking:stats:noshow") == 1 and store("booking:stats:reasked") == 1)
  assert(store("booking:slot:" .. u:session()._booking.at) == nil)
  u:press("Book another time")
  u:expect{ text = "Pick a time:", buttons = { "02.06 15:00", "03.06 10:00", "None of these suit me" } }
end)

scenario("a late booking gets only the 2 h reminder", function(u)
  book(u, "01.06 14:00")
  u:expect{ text = "Booked: 01.06 14:00. I'll remind you a day and two hours before." }
  advance("59m")
  u:expect{ none = true }
  advance("1m")
  u:expect{ text = "Your appointment is in 2 hours: 01.06 14:00.", buttons = { "Confirm", "Reschedule", "Cancel" } }
  u:press("Confirm")
  u:expect{ text = "Thank you, see you on 01.06 14:00!" }
end)

scenario("rescheduling from a reminder frees the old time and its reminders", function(u)
  book(u, "02.06 12:00")
  advance("1h")
  u:press("Reschedule")
  u:expect{ text = "Pick a time:", buttons = SLOTS }
  u:press("03.06 10:00")
  u:press("Book it")
  u:expect{ contains = "Booked: 03.06 10:00" }
  local ann = user("ann")
  ann:send("/book")                            -- the old time is free again, the new one taken
  ann:expect{ buttons = { "01.06 14:00", "02.06 12:00", "02.06 15:00", "None of these suit me" } }
  advance("21h59m")                            -- no re-ask for the old time
  u:expect{ none = true }
  advance("1m")                                -- 02.06 10:00: 24 h before the new one, not 2 h before the old
  local r = u:replies()
  assert(#r == 1 and r[1].text == "Reminder: your appointment is tomorrow, 03.06 10:00. Will you come?",
         r[1] and r[1].text)
  advance("3h")                                -- past the old time: no no-show
  u:expect{ none = true }
  assert(store("booking:stats:rescheduled") == 1)
  u:send("/mine")
  u:expect{ text = "03.06 10:00" }
end)

scenario("cancelling frees the time; nothing more is sent; old buttons are stale", function(u)
  local m = user("manager")
  book(u, "02.06 15:00")
  u:press("Cancel")
  u:expect{ text = "Your booking for 02.06 15:00 is cancelled.", buttons = { "Book another time" } }
  m:expect{ text = "Cancelled: user (console:user), 02.06 15:00." }
  local ann = user("ann")
  book(ann, "02.06 15:00")                     -- free again
  ann:send("/cancel")
  ann:expect{ text = "Your booking for 02.06 15:00 is cancelled." }
  advance("3d")
  u:expect{ none = true }
  ann:expect{ none = true }
  assert(store("booking:stats:cancelled") == 2 and store("booking:stats:noshow") == nil)
  u:send("/cancel")
  u:expect{ text = "You have no booking." }
end)

scenario("a time taken meanwhile, one booking at a time, no time suits", function(u)
  local ann = user("ann")
  u:send("/book")
  u:press("02.06 12:00")
  book(ann, "02.06 12:00")
  ann:expect{ contains = "Booked: 02.06 12:00" }
  u:press("Book it")                           -- ann was quicker
  u:expect{ text = "Sorry, that time has just been taken. Pick a time:",
            buttons = { "01.06 14:00", "02.06 15:00", "03.06 10:00", "None of these suit me" } }
  ann:send("/book")
  ann:expect{ text = "You already have a booking: 02.06 12:00.", buttons = { "Reschedule", "Cancel" } }
  local m = user("manager")
  u:send("/book")
  u:press("None of these suit me")
  u:expect{ text = "A manager will contact you to find a time." }
  m:expect{ text = "user (console:user) found no suitable time; please contact them." }
  assert(logs():find("owned by the operator: booking: no suitable time", 1, true), logs())
  assert(store("booking:stats:handoff") == 1)
end)

scenario("no free time at all hands over at once", function(u)
  advance("3d")                                -- every slot has passed
  u:send("/book")
  u:expect{ text = "A manager will contact you to find a time." }
end)

scenario("a restart keeps the booking and its reminders", function(u)
  book(u, "02.06 12:00")
  restart()
  advance("1h")
  u:expect{ contains = "tomorrow, 02.06 12:00" }
  restart()
  u:press("Confirm")
  u:expect{ text = "Thank you, see you on 02.06 12:00!" }
  u:send("/mine")
  u:expect{ text = "02.06 12:00 confirmed" }
end)

scenario("a reload switching attendance to 'confirmed' mid-booking", function(u)
  local ann = user("ann")
  book(u, "02.06 12:00")
  book(ann, "02.06 15:00")
  with_variant([[return { attendance = "confirmed" }]], function()
    advance("1h")
    u:press("Confirm")                         -- confirmed: counts as attended, no marking needed
    advance("3h")
    ann:expect{ contains = "tomorrow, 02.06 15:00" }
    advance("1d1h")
    for _, r in ipairs(u:replies()) do assert(not r.text:find("missed"), r.text) end
    ann:expect{ text = "We missed you on 02.06 15:00. Would you like to book another time?" }
    assert(store("booking:stats:completed") == 1 and store("booking:stats:noshow") == 1)
  end)
end)

scenario("two places per time: the time stays offered until both are taken", function(u)
  with_variant([[return { capacity = 2 }]], function()
    local ann, bob = user("ann"), user("bob")
    book(u, "02.06 12:00")
    book(ann, "02.06 12:00")
    ann:expect{ contains = "Booked: 02.06 12:00" }
    bob:send("/book")
    bob:expect{ buttons = { "01.06 14:00", "02.06 15:00", "03.06 10:00", "None of these suit me" } }
    ann:send("/cancel")
    bob:send("/book")
    bob:expect{ buttons = SLOTS }
    assert(#store("booking:slot:" .. u:session()._booking.at) == 1)
  end)
end)

scenario("Russian texts", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/book")
  ivan:expect{ text = "Выберите время:",
               buttons = { "01.06 14:00", "02.06 12:00", "02.06 15:00", "03.06 10:00", "Мне ничего не подходит" } }
  ivan:press("02.06 12:00")
  ivan:expect{ text = "02.06 12:00. Приходите за 5 минут; отменить можно не позже чем за 2 часа. Записать вас?",
               buttons = { "Записаться", "Другое время" } }
  ivan:press("Записаться")
  ivan:expect{ text = "Вы записаны: 02.06 12:00. Я напомню за сутки и за два часа.",
               buttons = { "Перенести", "Отменить" } }
  advance("1h")
  ivan:expect{ text = "Напоминаем: ваша запись завтра, 02.06 12:00. Вы придёте?",
               buttons = { "Подтверждаю", "Перенести", "Отменить" } }
  advance("4h")
  ivan:expect{ text = "Мы не получили ответа: вы придёте 02.06 12:00?" }
  ivan:press("Отменить")
  ivan:expect{ text = "Ваша запись на 02.06 12:00 отменена.", buttons = { "Записаться на другое время" } }
end)

scenario("times with month and weekday names, in each reader's language", function()
  local m = user("manager")
  with_variant([[return { slot_format = { en = "%a %-d %b, %H:%M", ru = "%a, %-d %B, %H:%M" } }]], function()
    local ivan = user("ivan", { language = "ru-RU" })
    ivan:send("/book")
    ivan:expect{ text = "Выберите время:", buttons = { "Пн, 1 июня, 14:00", "Вт, 2 июня, 12:00", "Вт, 2 июня, 15:00",
                                                       "Ср, 3 июня, 10:00", "Мне ничего не подходит" } }
    ivan:press("Вт, 2 июня, 12:00")
    ivan:press("Записаться")
    ivan:expect{ text = "Вы записаны: Вт, 2 июня, 12:00. Я напомню за сутки и за два часа." }
    m:expect{ text = "Booking: ivan (console:ivan), Tue 2 Jun, 12:00." }   -- the manager's language
    restart()
    advance("1h")
    ivan:expect{ text = "Напоминаем: ваша запись завтра, Вт, 2 июня, 12:00. Вы придёте?" }
    local ann = user("ann")
    ann:send("/book")
    ann:expect{ buttons = { "Mon 1 Jun, 14:00", "Tue 2 Jun, 15:00", "Wed 3 Jun, 10:00", "None of these suit me" } }
  end)
  with_variant([[return { slot_format = "%-d %B %H:%M" }]], function()   -- one format, names per reader
    local olga = user("olga", { language = "ru" })                      -- (ivan still has 2 June 12:00)
    olga:send("/book")
    olga:expect{ buttons = { "1 июня 14:00", "2 июня 15:00", "3 июня 10:00", "Мне ничего не подходит" } }
    local bob = user("bob")
    bob:send("/book")
    bob:expect{ buttons = { "1 June 14:00", "2 June 15:00", "3 June 10:00", "None of these suit me" } }
  end)
end)
