-- cart.lua: the customer's cart, kept in the session so that nothing is lost when the
-- shop service is down, the runtime restarts or the code is reloaded. Each line keeps
-- what the customer saw (names, price) so the cart shows without asking the service;
-- the service prices the order again when it is placed.
--
-- State: ctx.session.cart = { { id = "v60", qty = 2, name = { en =, ru = }, price = 24 }, … }
local i18n = require "i18n"
local texts = require "texts"
local settings = require "settings"

local cart = {}

local MAX_QTY = 20                          -- per product: more is a wholesale enquiry

function cart.lines(ctx)
  ctx.session.cart = ctx.session.cart or {}
  return ctx.session.cart
end

function cart.count(ctx)
  local n = 0
  for _, l in ipairs(ctx.session.cart or {}) do n = n + l.qty end
  return n
end

function cart.sum(ctx)
  local s = 0
  for _, l in ipairs(ctx.session.cart or {}) do s = s + l.qty * l.price end
  return s
end

local function find(ctx, id)
  for i, l in ipairs(cart.lines(ctx)) do
    if l.id == id then return i, l end
  end
end

-- Adds one of a product (a table from the service) and says so.
function cart.add(ctx, p)
  local _, l = find(ctx, p.id)
  if l then
    l.qty = math.min(l.qty + 1, MAX_QTY)
  else
    table.insert(cart.lines(ctx), { id = p.id, qty = 1, name = p.name, price = p.price })
  end
  ctx:reply(i18n.t(ctx, "shop.added", { name = texts.name(ctx, p.name),
      items = i18n.t(ctx, "shop.items", { count = cart.count(ctx) }), sum = texts.money(cart.sum(ctx)) }),
    { buttons = { { { i18n.t(ctx, "shop.checkout"), "shop:checkout" }, { i18n.t(ctx, "shop.view_cart"), "shop:cart" } },
                  { { i18n.t(ctx, "shop.shopping"), "shop:catalogue" } } } })
end

-- Removes `id` entirely (out of stock at checkout).
function cart.remove(ctx, id)
  local i = find(ctx, id)
  if i then table.remove(cart.lines(ctx), i) end
end

-- The cart in one line, for a manager's notice.
function cart.summary(ctx, locale)
  local parts = {}
  for _, l in ipairs(ctx.session.cart or {}) do
    parts[#parts + 1] = l.qty .. " × " .. texts.name(locale, l.name)
  end
  if #parts == 0 then return i18n.t(locale, "shop.empty_cart_note") end
  return table.concat(parts, ", ") .. " (" .. texts.money(cart.sum(ctx)) .. ")"
end

-- Shows the cart with +1/−1 per line, Checkout and Empty; `note` goes above it.
function cart.show(ctx, note)
  local lines = cart.lines(ctx)
  local menu_row = { { i18n.t(ctx, "shop.shopping"), "shop:catalogue" }, { i18n.t(ctx, "shop.menu"), "shop:menu" } }
  if #lines == 0 then
    local text = i18n.t(ctx, "shop.cart_empty")
    return ctx:reply(note and (note .. "\n\n" .. text) or text, { buttons = { menu_row } })
  end
  local out, rows = { i18n.t(ctx, "shop.cart") }, {}
  for _, l in ipairs(lines) do
    local name = texts.name(ctx, l.name)
    out[#out + 1] = i18n.t(ctx, "shop.cart_line", { qty = l.qty, name = name, sum = texts.money(l.qty * l.price) })
    rows[#rows + 1] = { { i18n.t(ctx, "shop.more", { name = name }), "shop:inc:" .. l.id },
                        { i18n.t(ctx, "shop.less", { name = name }), "shop:dec:" .. l.id } }
  end
  out[#out + 1] = i18n.t(ctx, "shop.cart_total", { sum = texts.money(cart.sum(ctx)),
    fee = texts.money(settings.delivery_fee), free = texts.money(settings.free_delivery_from) })
  rows[#rows + 1] = { { i18n.t(ctx, "shop.checkout"), "shop:checkout" }, { i18n.t(ctx, "shop.clear"), "shop:clear" } }
  rows[#rows + 1] = menu_row
  local text = table.concat(out, "\n")
  ctx:reply(note and (note .. "\n\n" .. text) or text, { buttons = rows })
end

-- +1 / −1 of a line already in the cart (a line at 0 goes away).
function cart.change(ctx, id, delta)
  local i, l = find(ctx, id)
  if not l then return cart.show(ctx, i18n.t(ctx, "shop.stale")) end
  l.qty = math.min(l.qty + delta, MAX_QTY)
  if l.qty <= 0 then table.remove(cart.lines(ctx), i) end
  cart.show(ctx)
end

function cart.clear(ctx)
  ctx.session.cart = {}
  cart.show(ctx, i18n.t(ctx, "shop.cleared"))
end

return cart
