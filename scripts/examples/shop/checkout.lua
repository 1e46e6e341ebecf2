-- checkout.lua: from the cart to a placed order. The customer's details are collected
-- by the library's flow module (name; phone or e-mail; the delivery address; a note for
-- the courier when settings.courier_note is on), the order is created by the shop
-- service, and the reply carries the payment link as a url button. A returning customer
-- is offered last time's details in one tap: they are kept in the customer's profile
-- (profile module), so a chat linked with /link on another channel (identity module)
-- knows them too, and /forget deletes them.
--
-- The service down at the end keeps the cart and the details (session.checkout), and
-- Try again sends the same request again with the same `ref`, so a request that did
-- reach the service is never placed twice.
--
-- State: ctx.session.checkout = { answers = {…}, ref = "…" } while an order is being
-- placed; ctx.session.orders = the ids placed here (most recent last); the profile's
-- fields name, via, phone, email, address = the details of the last order; the
-- customer's history (identity.log) gets "order:placed"; bot.store "shop:seq" numbers
-- the refs.
local i18n = require "i18n"
local flow = require "flow"
local profile = require "profile"
local identity = require "identity"
local settings = require "settings"
local api = require "shop_api"
local cart = require "cart"
local texts = require "texts"
local support = require "support"

local checkout = {}

-- The details kept in the profile for next time.
local CONTACT = { "name", "via", "phone", "email", "address" }

-- Last time's details, or nil.
function checkout.contact(ctx)
  local p = profile.get(ctx)
  if p.name and p.address and (p.phone or p.email) then return p end
end

-- The order request for the service, from the cart and the details.
local function request(ctx, a, ref)
  local items = {}
  for _, l in ipairs(cart.lines(ctx)) do items[#items + 1] = { id = l.id, qty = l.qty } end
  return { items = items, ref = ref, language = i18n.locale(ctx), comment = a.note,
           customer = { name = a.name, phone = a.phone, email = a.email, address = a.address } }
end

-- Places the order described by session.checkout; on success empties the cart and
-- replies with the payment link.
function checkout.place(ctx)
  local co = ctx.session.checkout
  if not co then return cart.show(ctx, i18n.t(ctx, "shop.stale")) end
  if #cart.lines(ctx) == 0 then
    ctx.session.checkout = nil
    return cart.show(ctx)
  end
  local o, why, item = api.place(ctx, request(ctx, co.answers, co.ref))
  if not o then
    if why == "down" then return support.down(ctx, "checkout", nil, "shop.down_checkout") end
    if why == "stock" then
      local name = item
      for _, l in ipairs(cart.lines(ctx)) do
        if l.id == item then name = texts.name(ctx, l.name) end
      end
      cart.remove(ctx, item)
      ctx.session.checkout = nil
      return cart.show(ctx, i18n.t(ctx, "shop.stock_gone", { name = name }))
    end
    ctx.session.checkout = nil
    return support.human(ctx, "invalid")
  end
  ctx.session.retry, ctx.session.checkout, ctx.session.cart = nil, nil, {}
  for _, f in ipairs(CONTACT) do profile.set(ctx, f, co.answers[f]) end
  identity.log(ctx, "order:placed", { order = o.id, total = o.total })
  ctx.session.orders = ctx.session.orders or {}
  table.insert(ctx.session.orders, o.id)
  bot.store.incr("shop:stats:orders")
  local total = texts.money(o.total)
  local fee = (o.delivery or 0) > 0 and texts.money(o.delivery) or i18n.t(ctx, "shop.free")
  ctx:reply(i18n.t(ctx, "shop.placed", { name = co.answers.name, id = o.id, total = total, fee = fee }), { buttons = {
    { { label = i18n.t(ctx, "shop.pay", { total = total }), url = o.payment_url } },
    { { i18n.t(ctx, "shop.status_btn"), "shop:status:" .. o.id }, { i18n.t(ctx, "shop.menu"), "shop:menu" } } } })
end

-- Details collected: number the attempt and place the order.
local function done(ctx, answers)
  local a = {}
  for k, v in pairs(answers) do a[k] = v end
  ctx.session.checkout = { answers = a, ref = ctx.chat.address .. "#" .. bot.store.incr("shop:seq") }
  checkout.place(ctx)
end

local function address_check(value)
  if not value:find("%d") then return "shop.co.bad_address" end
end

flow.define("checkout", {
  country = "49",
  steps = {
    { id = "name", ask = "shop.co.name", type = "text", min = 2, max = 60 },
    { id = "via", ask = "shop.co.via", type = "choice",
      choices = { { "phone", "shop.co.by_phone" }, { "email", "shop.co.by_email" } } },
    { id = "phone", ask = "shop.co.phone", type = "phone", when = function(a) return a.via == "phone" end },
    { id = "email", ask = "shop.co.email", type = "email", when = function(a) return a.via == "email" end },
    { id = "address", ask = "shop.co.address", type = "text", min = 10, max = 300, check = address_check },
    { id = "note", ask = "shop.co.note", type = "text", optional = true, max = 300,
      when = function() return settings.courier_note == true end },
  },
  done = done,
  cancelled = function(ctx) cart.show(ctx, i18n.t(ctx, "shop.co.cancelled")) end,
})

-- "Checkout": an empty cart says so; a returning customer may reuse last time's details.
function checkout.start(ctx)
  if #cart.lines(ctx) == 0 then return cart.show(ctx) end
  local c = checkout.contact(ctx)
  if c then
    local contact = c.phone or c.email
    return ctx:reply(i18n.t(ctx, "shop.same", { name = c.name, address = c.address, contact = contact }),
      { buttons = { { { i18n.t(ctx, "shop.same_yes"), "shop:same" },
                      { i18n.t(ctx, "shop.same_change"), "shop:change" } } } })
  end
  flow.start(ctx, "checkout")
end

function checkout.same(ctx)
  local c = checkout.contact(ctx)
  if not c or #cart.lines(ctx) == 0 then return cart.show(ctx) end
  if settings.courier_note then return flow.start(ctx, "checkout", c) end   -- only the note is asked
  done(ctx, c)
end

function checkout.change(ctx)
  if #cart.lines(ctx) == 0 then return cart.show(ctx) end
  flow.start(ctx, "checkout")
end

return checkout
