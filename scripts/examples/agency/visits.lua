-- visits.lua: a free site visit by the estimator (MISSION §2 case 2). A short form
-- (what, phone, address; library flow) then the library's booking module: free times,
-- the house rules, "Book it"; reminders 24 h and 2 h before with Confirm / Reschedule /
-- Cancel, a re-ask when the 24 h reminder stays unconfirmed, a "book another time"
-- after a no-show. Done: the estimator marked the visit (/arrived). Safe fallback: no
-- time suits -> the manager takes over.
local i18n = require "i18n"
local flow = require "flow"
local booking = require "booking"
local config = require "config"
local leads = require "leads"
local team = require "team"

local visits = {}

-- Visit times: the next four working days at 09:00 and 14:00, Berlin time.
local function visit_slots(ctx)
  local today = os.date("*t", math.floor(ctx and ctx.now or os.time()))
  local out = {}
  for d = 1, 6 do
    local day = os.date("*t", os.time{ year = today.year, month = today.month, day = today.day + d, hour = 12 })
    if day.wday ~= 1 and day.wday ~= 7 and #out < 8 then
      for _, h in ipairs({ 9, 14 }) do
        out[#out + 1] = os.time{ year = day.year, month = day.month, day = day.day, hour = h }
      end
    end
  end
  return out
end

booking.setup{
  slots = visit_slots,
  max_slots = 4,
  rules = { en = "The visit takes about 45 minutes and is free. Please be at home; "
                .. "cancel or move it here at any time.",
            ru = "Замер занимает около 45 минут и бесплатен. Пожалуйста, будьте дома; "
                .. "отменить или перенести можно здесь в любое время." },
  attendance = "mark",
  grace = "1h",
  reask_after = "4h",
  manager = config.manager,
  manager_locale = config.manager_locale,
}

local SERVICES = { "bath", "kitchen", "flat", "repair" }

local choices = {}
for _, s in ipairs(SERVICES) do choices[#choices + 1] = { s, "ag.v." .. s } end

flow.define("visit", {
  country = "49",                                  -- national numbers are German
  steps = {
    { id = "service", ask = "ag.v.service", type = "choice", choices = choices },
    { id = "phone", ask = "ag.v.phone", type = "phone" },
    { id = "place", ask = "ag.v.address", type = "text", min = 5, max = 200 },
  },
  done = function(ctx, a)
    ctx.session.visit = a
    team.note(ctx, "ag.note.visit", { service = i18n.t(config.manager_locale, "ag.v." .. a.service),
                                      phone = a.phone, place = a.place })
    booking.offer(ctx, i18n.t(ctx, "ag.v.pick"))
  end,
  cancelled = function(ctx) ctx:reply(i18n.t(ctx, "ag.v.cancelled")) end,
})

-- "Book a site visit": someone with a booking sees it (Reschedule / Cancel); someone
-- who told us the details before goes straight to the times; anyone else fills the form.
function visits.start(ctx)
  leads.leave(ctx)
  ctx.session.focus = nil
  if booking.current(ctx) or ctx.session.visit then
    return booking.offer(ctx)
  end
  flow.start(ctx, "visit")
end

return visits
