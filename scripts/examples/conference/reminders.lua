-- reminders.lua: the durable timers of the conference bot.
--   early_bird: 24 h after a user says "Not yet", one early-bird nudge with a buy
--               link - dropped silently if they got a ticket in the meantime.
--   keynote:    1 h before the opening keynote, a heads-up for ticket holders.
-- Timers live in the runtime (they survive restarts); handlers re-check the
-- segment when they fire, because it may have changed since they were armed.

local content = require "content"
local offer = require "offer"

local reminders = {}

local function arm_keynote(ctx)
  local k = content.keynote
  local wait = math.floor(k.starts_at - k.remind_before - ctx.now)
  if wait >= 1 then
    ctx:remind_in(wait, "keynote", { title = k.title })
  end
end

local function arm_early_bird(ctx)
  local s = ctx.session
  if s.early_bird_sent or (s.early_bird_due and s.early_bird_due > ctx.now) then
    return -- one nudge per user, and "Not yet" twice does not postpone it
  end
  if ctx.now > content.event.ends_at then
    return
  end
  s.early_bird_due = ctx:remind_in("24h", "early_bird", { campaign = "early_bird_24h" })
end

-- Arms the timers that fit the user's (new) segment and cancels the others.
function reminders.arm(ctx)
  if ctx.session.segment == "attendee" then
    ctx:cancel("early_bird")
    ctx.session.early_bird_due = nil
    arm_keynote(ctx)
  else
    ctx:cancel("keynote")
    arm_early_bird(ctx)
  end
end

function reminders.early_bird(ctx, data)
  local s = ctx.session
  s.early_bird_due = nil
  if s.segment ~= "prospect" or ctx.now > content.event.ends_at then
    return -- became an attendee meanwhile (or it is all over): say nothing
  end
  s.early_bird_sent = true
  ctx:reply(offer.reminder(ctx.now, data and data.campaign), {
    buttons = { { "I've got a ticket", "ticket_yes" }, { "Menu", "menu" } },
  })
end

function reminders.keynote(ctx, data)
  local k = content.keynote
  if ctx.session.segment ~= "attendee" or ctx.now >= k.starts_at then
    return -- not an attendee any more, or the reminder is too late to be useful
  end
  local title = data and data.title or k.title
  ctx:reply(("Reminder: the opening keynote \"%s\" starts in %d minutes, at %s in %s. "
    .. "Badge pickup is open in the foyer."):format(title, k.remind_before // 60, k.time, k.room),
    { buttons = { { "Programme", "programme" } } })
end

return reminders
