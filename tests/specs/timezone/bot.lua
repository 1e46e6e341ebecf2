-- Replies with what os.date / os.time make of the tenant's zone, for the specs.
bot.command("now", function(ctx)
  ctx:reply(os.date("%Y-%m-%d %H:%M %z") .. " | utc " .. os.date("!%H:%M"))
end)

bot.command("t", function(ctx, args)
  local y, mo, d, h, mi = args:match("^(%d+)-(%d+)-(%d+) (%d+):(%d+)$")
  local t = os.time{ year = tonumber(y), month = tonumber(mo), day = tonumber(d),
                     hour = tonumber(h), min = tonumber(mi) }
  ctx:reply(tostring(t) .. " = " .. os.date("%Y-%m-%d %H:%M %z", t))
end)

bot.command("parts", function(ctx, args)
  local tm = os.date("*t", tonumber(args))
  ctx:reply(("%d-%02d-%02d %02d:%02d wday=%d isdst=%s"):format(tm.year, tm.month, tm.day, tm.hour,
    tm.min, tm.wday, tostring(tm.isdst)))
end)

bot.command("noon", function(ctx)  -- hour defaults to 12, as in Lua
  ctx:reply(os.date("%H:%M", os.time{ year = 2026, month = 7, day = 1 }))
end)

bot.command("bad", function(ctx)
  os.time{ year = 2026, month = 7 }
end)

bot.command("zone", function(ctx)
  ctx:reply(os.date("%Z", os.time{ year = 2026, month = 1, day = 10 }) .. " / " ..
            os.date("%Z", os.time{ year = 2026, month = 7, day = 10 }))
end)
