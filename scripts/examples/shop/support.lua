-- support.lua: everything that is not selling — "where is my order?" (the library's
-- orders module, pointed at the shop service), delivery claims filed with the service,
-- shop questions (the faq module and faq_data.lua), "I want a human" at any time, and
-- the apology with Try again / Talk to a person when the shop service does not answer.
--
-- State: ctx.session.retry = { what = "search"|"category"|"add"|"catalogue"|"checkout",
-- arg = … } (what Try again repeats); bot.store "shop:stats:handoff", and
-- "shop:unfiled:<order id>" for a claim the service could not take.
local i18n = require "i18n"
local flow = require "flow"
local orders = require "orders"
local faq = require "faq"
local settings = require "settings"
local api = require "shop_api"
local cart = require "cart"
local texts = require "texts"

local support = {}

local function manager_locale() return settings.manager_locale or i18n.default() end

-- Hands the conversation to a person; the manager gets who, why and the cart. A
-- checkout form in progress is closed (the cart stays): after the handback the bot
-- starts from the menu.
function support.human(ctx, why)
  why = why or "asked"
  flow.stop(ctx)
  ctx.session.mode, ctx.session.retry = nil, nil
  local loc = manager_locale()
  ctx:reply(i18n.t(ctx, cart.count(ctx) > 0 and "shop.human" or "shop.human_plain"))
  ctx:send(settings.manager, i18n.t(loc, "shop.manager_human", {
    name = ctx.user.name or ctx.user.id, address = ctx.chat.address,
    why = i18n.t(loc, "shop.why." .. why), cart = cart.summary(ctx, loc) }))
  bot.store.incr("shop:stats:handoff")
  ctx:handoff("shop: " .. why)
end

-- The shop service did not answer: say so, keep what to repeat.
function support.down(ctx, what, arg, key)
  ctx.session.retry = { what = what, arg = arg }
  ctx:reply(i18n.t(ctx, key or "shop.down"), { buttons = {
    { { i18n.t(ctx, "shop.retry"), "shop:retry" }, { i18n.t(ctx, "shop.m.human"), "shop:human" } } } })
end

-- "I want a human" in a few words and languages (compared folded, as whole words).
local HUMAN_WORDS = {}
for w in ([[human humans operator person manager agent someone
  человек человека человеком оператор оператора менеджер менеджера сотрудник сотрудника]]):gmatch("%S+") do
  HUMAN_WORDS[w] = true
end

function support.wants_human(text)
  local f = bot.text.fold(text)
  if #f > 60 then return false end            -- a long message is a question, not a call
  for w in f:gmatch("[%w\128-\255]+") do
    if HUMAN_WORDS[w] then return true end
  end
  return false
end

-- The orders module's lookup: the service's order in the module's words. "paid" is
-- "processing" to the customer; "created" is told as waiting for payment.
-- "B1002" (the dash forgotten, or "b 1002" with the space removed) is B-1002.
local function lookup(ctx, id)
  id = id:gsub("^(%a+)(%d)", "%1-%2")
  local o, why = api.order(ctx, id)
  if not o then
    if why == "unknown" then return nil end
    return false, why
  end
  local status = o.status
  if status == "paid" then status = "processing" end
  if status == "created" then status = i18n.t(ctx, "shop.status.created") end
  return { id = o.id, status = status, total = o.total, eta = o.eta, delivered = o.delivered,
           tracking_url = o.tracking_url }
end

orders.setup{
  lookup = lookup,
  threshold = settings.claim_threshold,
  manager = settings.manager,
  manager_locale = settings.manager_locale,
  currency_format = "EUR %.2f",
  example = "B-1001",
}

faq.setup{
  entries = require "faq_data",
  manager = settings.manager,
  manager_locale = settings.manager_locale,
}

function support.track(ctx) orders.start(ctx) end

-- The status of one order from a button (an order just placed): unpaid ones get their
-- payment link again; the others go through the orders module as if the customer had
-- typed the number. Workaround: orders has no "look up this id" entry, so the bot opens
-- the module's question the way orders.start does, without its "send the number" reply.
function support.status(ctx, id)
  local o, why = api.order(ctx, id)
  if not o and why == "down" then return support.down(ctx, "status", id) end
  if o and o.status == "created" and o.payment_url then
    local total = texts.money(o.total)
    return ctx:reply(i18n.t(ctx, "shop.unpaid", { id = o.id, total = total }), { buttons = {
      { { label = i18n.t(ctx, "shop.pay", { total = total }), url = o.payment_url } },
      { { i18n.t(ctx, "shop.menu"), "shop:menu" } } } })
  end
  ctx.session._orders = { step = "id", tries = 0, bad = 0 }
  orders.message(ctx, id)
end

-- Files a claim the orders module has just taken (its record orders:claim:<id>) with
-- the shop service; the customer gets the reference, the manager hears of escalated ones.
local function file_claim(ctx, id)
  local rec = bot.store.get("orders:claim:" .. id)
  if not rec then return end
  local loc = manager_locale()
  local r = api.claim(ctx, id, rec.issue, rec.details)
  if not r then
    bot.store.put("shop:unfiled:" .. id, rec)
    if rec.escalated then ctx:send(settings.manager, i18n.t(loc, "shop.manager_unfiled", { id = id })) end
    return
  end
  if rec.escalated then
    ctx:send(settings.manager, i18n.t(loc, "shop.manager_claim", { claim = r.claim_id, id = id }))
  else
    ctx:reply(i18n.t(ctx, "shop.claim_ref", { claim = r.claim_id }))
  end
end

-- For the message handler: the orders module's questions (a number, a claim's details).
function support.orders_message(ctx, text)
  local st = ctx.session._orders
  local describing = st and st.step == "details" and st.order and st.order.id
  if not orders.message(ctx, text) then return false end
  st = ctx.session._orders
  if describing and st.step ~= "details" then file_claim(ctx, describing) end
  return true
end

-- Whether the orders module waits for a claim's description.
function support.describing(ctx)
  local st = ctx.session._orders
  return orders.active(ctx) and st.step == "details"
end

function support.faq(ctx, text) return faq.answer(ctx, text) end

-- The best FAQ score for `text` (0 when nothing matches).
function support.faq_score(text)
  local m = faq.match(text)
  return m[1] and m[1].score or 0
end

return support
