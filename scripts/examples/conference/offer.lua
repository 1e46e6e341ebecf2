-- offer.lua: the ticket offer shown to prospects (never to attendees).
-- One place for prices, the early-bird deadline and the tracked buy link, so the
-- menu, the tickets page and the 24 h reminder always say the same thing.

local content = require "content"

local offer = {}
local tickets = content.tickets

function offer.early_bird_open(now)
  return now <= tickets.early_bird_ends_at
end

-- The buy link, tagged with the campaign that produced the click.
function offer.link(campaign)
  return ("%s?utm_source=bot&utm_campaign=%s"):format(tickets.url, campaign or "menu")
end

-- One line about the current price.
function offer.price_line(now)
  if offer.early_bird_open(now) then
    return ("Early-bird tickets: %s until %s (then %s)."):format(
      tickets.early_bird_price, tickets.early_bird_until, tickets.regular_price)
  end
  return ("Tickets: %s, lunch, coffee and the party included."):format(tickets.regular_price)
end

-- The "Get a ticket" page.
function offer.page(now)
  return table.concat({
    offer.price_line(now),
    "Your ticket covers both days, all talks and workshops, the EXPO and the community party.",
    "Buy here: " .. offer.link("menu"),
  }, "\n")
end

-- The follow-up sent 24 h after a prospect said "Not yet".
function offer.reminder(now, campaign)
  local head
  if offer.early_bird_open(now) then
    head = ("Still thinking about %s? The early-bird price of %s (instead of %s) ends on %s.")
      :format(content.event.name, tickets.early_bird_price, tickets.regular_price, tickets.early_bird_until)
  else
    head = ("Still thinking about %s? Tickets are %s and include lunch and the party.")
      :format(content.event.name, tickets.regular_price)
  end
  return head .. "\nGet your ticket: " .. offer.link(campaign)
end

return offer
