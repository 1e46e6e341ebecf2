-- offer.lua: what prospects are offered (never attendees): the current ticket price,
-- the "Get a ticket" page with a tracked buy link, and one early-bird nudge 24 h
-- after a user says "Not yet" (timer "early_bird", dropped silently if they got a
-- ticket meanwhile). One place for prices so every message says the same thing.

local i18n = require "i18n"
local content = require "content"
local profile = require "profile"

local offer = {}
local tickets = content.tickets

-- "2026-06-10 23:59" (tenant-local) -> epoch seconds.
function offer.local_time(s)
  local y, mo, d, h, mi = s:match("^(%d+)%-(%d+)%-(%d+) (%d+):(%d+)$")
  return os.time{ year = tonumber(y), month = tonumber(mo), day = tonumber(d),
                  hour = tonumber(h), min = tonumber(mi), sec = 0 }
end

-- A { en =, ru = } text (or a plain string) in the user's language.
function offer.localized(ctx, v)
  if type(v) ~= "table" then return v end
  return v[i18n.locale(ctx)] or v.en
end

local function vars(ctx, campaign)
  return { early = tickets.early_bird_price, regular = tickets.regular_price,
           ["until"] = offer.localized(ctx, tickets.early_bird_until),
           link = ("%s?utm_source=bot&utm_campaign=%s"):format(tickets.url, campaign or "menu") }
end

function offer.early_bird_open(ctx)
  return ctx.now <= offer.local_time(tickets.early_bird_ends) + 59
end

-- One line about the current price.
function offer.price_line(ctx)
  return i18n.t(ctx, offer.early_bird_open(ctx) and "conf.price_early" or "conf.price_regular", vars(ctx))
end

local function buttons(ctx)
  return { { { i18n.t(ctx, "conf.got_ticket"), "got_ticket" } }, { { i18n.t(ctx, "conf.menu_button"), "home" } } }
end

-- The "Get a ticket" page.
function offer.page(ctx)
  local v = vars(ctx, "menu")
  v.price = offer.price_line(ctx)
  ctx:reply(i18n.t(ctx, "conf.tickets", v), { buttons = buttons(ctx) })
end

-- Arms the nudge for a prospect (once per user: "Not yet" twice does not postpone
-- it), cancels it for a ticket holder.
function offer.arm(ctx)
  local s = ctx.session
  if profile.get(ctx, "ticket") == true then
    if s.early_bird_due then ctx:cancel("early_bird") end
    s.early_bird_due = nil
    return
  end
  if s.early_bird_sent or s.early_bird_due then return end
  if ctx.now > offer.local_time(content.event.ends_at) then return end
  s.early_bird_due = ctx:remind_in("24h", "early_bird", { campaign = "early_bird_24h" })
end

-- timer:early_bird
function offer.nudge(ctx, data)
  local s = ctx.session
  s.early_bird_due = nil
  if profile.get(ctx, "ticket") ~= false or ctx.now > offer.local_time(content.event.ends_at) then
    return -- got a ticket meanwhile, forgot us, or it is all over: say nothing
  end
  s.early_bird_sent = true
  local key = offer.early_bird_open(ctx) and "conf.early_bird" or "conf.regular_nudge"
  ctx:reply(i18n.t(ctx, key, vars(ctx, data and data.campaign)), { buttons = buttons(ctx) })
end

return offer
