-- A conference bot's announcements: organisers broadcast to segments with /broadcast
-- (small batches here, so the specs see several of them), the raffle announcement goes
-- out in each attendee's language, an offer only to those who agreed to news. A spec may
-- add a variant.lua (changed segments or texts) and reload. /forget is profile's
-- (forget_spec.lua checks the whole store after it with specs/store_probe's /store_find).
local i18n = require "i18n"
local profile = require "profile"
local segments = require "segments"
local roles = require "roles"
local identity = require "identity"
local broadcast = require "broadcast"

roles.setup{ config = { organiser = { "console:olga", "console:oleg", "console:ivan" } } }
broadcast.setup{ batch = 2, gap = "1m", commands = true }
profile.commands()
identity.commands()
require("specs.store_probe").command()

-- variant.lua (written by a spec) returns { attendees = predicate, no_vip = true, en = texts }.
local ok, variant = pcall(require, "variant")
local v = ok and type(variant) == "table" and variant or {}

segments.define("attendees", v.attendees or function(p) return p.ticket == true end)
segments.define("everyone", function() return true end)
if not v.no_vip then segments.define("vip", function(p) return p.vip == true end) end

i18n.define("en", { ["conf.raffle"] = "The raffle starts at {time} in the foyer!" })
i18n.define("ru", { ["conf.raffle"] = "Розыгрыш начнётся в {time} в фойе!" })
if v.en then i18n.define("en", v.en) end

bot.command("ticket", function(ctx) profile.set(ctx, "ticket", true) ctx:reply("ticket noted") end)
bot.command("vip", function(ctx) profile.set(ctx, "vip", true) ctx:reply("vip noted") end)

local function started(ctx, id, why)
  ctx:reply(id and ("started #" .. id) or ("refused: " .. tostring(why)))
end
roles.command("raffle", "organiser", function(ctx)
  started(ctx, broadcast.start(ctx, { segment = "attendees", key = "conf.raffle", vars = { time = "15:00" } }))
end)
roles.command("hello", "organiser", function(ctx)
  started(ctx, broadcast.start(ctx, { segment = "everyone", text = { en = "Hello!", ru = "Привет!" } }))
end)
roles.command("offer", "organiser", function(ctx)
  started(ctx, broadcast.start(ctx, { segment = "everyone", text = "20% off the workshop", consent = "marketing" }))
end)
roles.command("bad", "organiser", function(ctx, what)
  if what == "text" then started(ctx, broadcast.start(ctx, { segment = "everyone" })) end
  if what == "time" then started(ctx, broadcast.start(ctx, { segment = "everyone", text = "x", at = ctx.now - 1 })) end
end)

-- A big tenant: n more profiles (at most 1000 per event), then a broadcast to all of
-- them in the default batches of 500.
bot.command("crowd", function(ctx, args)
  local from, n = args:match("^(%d+)%s+(%d+)$")
  for i = tonumber(from), tonumber(from) + tonumber(n) - 1 do
    local id = "console:f" .. i
    bot.store.put(profile.key(id), { fields = { ticket = true }, consent = {}, address = id, locale = "en" })
  end
  ctx:reply("crowd ready")
end)
roles.command("big", "organiser", function(ctx)
  started(ctx, broadcast.start(ctx, { segment = "everyone", text = "Big news", batch = 500 }))
end)

-- What a batch repeated after a crash would do: the deliver signal again.
bot.command("redeliver", function(ctx, args)
  local id, who = args:match("^(%S+)%s+(%S+)$")
  ctx:signal("console:" .. who, "broadcast:deliver", { id = id })
end)
