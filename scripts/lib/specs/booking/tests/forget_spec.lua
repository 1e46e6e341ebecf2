-- "Forget me" in booking (profile.forget): a current booking is cancelled — slot free, no
-- reminder or no-show message, the manager told without a name — and nothing about the
-- user is left in the store; the user can book again.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

local WORDS = { "console:zoryana", "zoryana" }

local function book(u, label)
  u:send("/book")
  u:press(label)
  u:press(u:replies()[1].buttons[1][1].id)               -- "Book it", in any language
end

scenario("forgotten with a booking: slot free, no reminders, the manager told, nothing left", function()
  local z, m = user("zoryana"), user("manager")
  book(z, "02.06 12:00")
  z:expect{ contains = "Booked: 02.06 12:00." }
  m:expect{ text = "Booking: zoryana (console:zoryana), 02.06 12:00." }
  assert(#probe.find(m, WORDS) == 1, "the probe sees the slot's holder before /forget")
  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  m:expect{ text = "Cancelled: the booking of 02.06 12:00 (the customer asked for their data to be deleted)." }
  probe.forgotten(m, WORDS)
  assert(z:session()._booking == nil)
  restart()
  advance("2d")                                          -- past both reminders and the slot
  z:expect{ none = true }
  m:expect{ none = true }
  assert(store("booking:stats:cancelled") == 1 and store("booking:stats:booked") == 1, "counted as a cancellation")
end)

scenario("after /forget the slot is free for others and the user books again", function()
  local z, olga = user("zoryana"), user("olga")
  book(z, "02.06 15:00")
  z:send("/forget")
  olga:send("/book")
  olga:expect{ text = "Pick a time:", buttons = { "01.06 14:00", "02.06 12:00", "02.06 15:00", "03.06 10:00",
                                                  "None of these suit me" } }
  book(z, "03.06 10:00")
  z:expect{ contains = "Booked: 03.06 10:00." }
  z:send("/mine")
  z:expect{ text = "03.06 10:00" }
end)

scenario("forgotten without a booking, and with a Russian manager", function()
  local z, m = user("zoryana", { language = "ru-RU" }), user("manager")
  z:send("/forget")
  z:expect{ text = "Готово: все данные о вас удалены." }
  m:expect{ none = true }                                -- nothing to cancel
  local path = HERE .. "/variant.lua"
  local f = assert(io.open(path, "w"))
  f:write([[return { manager_locale = "ru" }]])
  f:close()
  local ok, err = pcall(function()
    reload()
    book(z, "02.06 12:00")
    m:replies()
    z:send("/forget")
    m:expect{ text = "Отмена: запись на 02.06 12:00 (клиент попросил удалить его данные)." }
    probe.forgotten(m, WORDS)
  end)
  os.remove(path)
  reload()
  assert(ok, err)
end)
