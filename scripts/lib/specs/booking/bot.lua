-- A barber's booking bot (scripts/lib/booking.lua). Staff mark arrivals with
-- /arrived <name>. /forget is profile's (forget_spec.lua checks the whole store after
-- it with specs/store_probe's /store_find). A spec may write variant.lua (other
-- settings) and reload.
local booking = require "booking"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local ok, variant = pcall(require, "variant")
if not ok then variant = {} end

local function at(day, hour) return os.time{ year = 2026, month = 6, day = day, hour = hour } end

booking.setup{
  -- Berlin time: 1 June 14:00 (3 h after the specs' clock starts), then 2 and 3 June
  slots = function() return { at(1, 14), at(2, 12), at(2, 15), at(3, 10) } end,
  rules = { en = "Please come 5 minutes early; cancel at least 2 hours before.",
            ru = "Приходите за 5 минут; отменить можно не позже чем за 2 часа." },
  attendance = variant.attendance or "mark",
  capacity = variant.capacity,
  grace = "30m",
  reask_after = "4h",
  manager = "console:manager",
  manager_locale = variant.manager_locale,
  slot_format = variant.slot_format,
}

bot.command("book", function(ctx) booking.offer(ctx) end)
bot.command("cancel", function(ctx)
  if not booking.cancel(ctx) then ctx:reply("You have no booking.") end
end)
bot.command("arrived", function(ctx, name) booking.mark_arrived(ctx, "console:" .. name) end)
bot.command("mine", function(ctx)
  local b = booking.current(ctx)
  ctx:reply(b and (os.date("%d.%m %H:%M", b.at) .. (b.confirmed and " confirmed" or "")) or "none")
end)
