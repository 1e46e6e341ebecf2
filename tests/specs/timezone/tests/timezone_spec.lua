-- The tenant's timezone (tenant.lua) is the local time of os.date and os.time: a
-- programme written as "18 June 09:30" means 09:30 in Berlin, summer or winter; "!"
-- formats stay UTC; the DST change days resolve predictably.
-- (The spec runner itself runs on UTC, so os.time here gives the expected instants.)

local function utc(y, mo, d, h, mi) return os.time{ year = y, month = mo, day = d, hour = h, min = mi } end

scenario("now: local wall clock with its offset, and UTC with !", function(u)
  u:send("/now")  -- the spec clock starts at 2026-06-01 09:00 UTC
  u:expect{ text = "2026-06-01 11:00 +0200 | utc 09:00" }
end)

scenario("os.time of a wall-clock time: summer (+2) and winter (+1)", function(u)
  u:send("/t 2026-06-18 09:30")
  u:expect{ text = utc(2026, 6, 18, 7, 30) .. " = 2026-06-18 09:30 +0200" }
  u:send("/t 2026-01-15 09:00")
  u:expect{ text = utc(2026, 1, 15, 8, 0) .. " = 2026-01-15 09:00 +0100" }
end)

scenario("DST change days: a skipped time moves forward, a repeated one is the first", function(u)
  u:send("/t 2026-03-29 02:30")     -- does not exist in Berlin: 02:00 -> 03:00
  u:expect{ text = utc(2026, 3, 29, 1, 30) .. " = 2026-03-29 03:30 +0200" }
  u:send("/t 2026-10-25 02:30")     -- happens twice: the first (summer time) one
  u:expect{ text = utc(2026, 10, 25, 0, 30) .. " = 2026-10-25 02:30 +0200" }
  u:send("/t 2026-10-25 03:30")
  u:expect{ text = utc(2026, 10, 25, 2, 30) .. " = 2026-10-25 03:30 +0100" }
end)

scenario("os.date('*t') has the local fields and the zone's isdst", function(u)
  u:send("/parts " .. utc(2026, 6, 18, 22, 30))   -- already the 19th in Berlin
  u:expect{ text = "2026-06-19 00:30 wday=6 isdst=true" }
  u:send("/parts " .. utc(2026, 12, 31, 23, 30))  -- already 2027 in Berlin
  u:expect{ text = "2027-01-01 00:30 wday=6 isdst=false" }
end)

scenario("Lua's rules for the date table: hour defaults to noon, day is required", function(u)
  u:send("/noon")
  u:expect{ text = "12:00" }
  u:send("/bad")
  assert(logs():find("field 'day' missing in date table", 1, true), logs())
end)

scenario("%Z names the zone's standard and summer time as people write them", function(u)
  u:send("/zone")
  u:expect{ text = "CET / CEST" }               -- not ICU's English "GMT+1 / GMT+2"
end)
