-- bot.lua: Bean & Brew, an online coffee shop's bot (example tenant). Customers search
-- and browse the catalogue, fill a cart, check out with a payment link, track orders
-- and report delivery problems; shop questions are answered from faq_data.lua; a person
-- takes over whenever the customer asks for one or the bot cannot help. English and
-- Russian (texts.lua).
--
-- The catalogue, orders and claims live in a separate shop service that the bot calls
-- over HTTP (shop_api.lua). A small fake of it is in service/: for `parley chat`, start
-- it first (it serves http://127.0.0.1:8765, the default of settings.lua):
--   python3 scripts/examples/shop/service/shop_service.py &
--   parley chat scripts/examples/shop --data /tmp/shop-data
-- The specs start their own on a free port and point the bot at it with variant.lua.
-- Without the service the bot still talks: it apologises and offers Try again or a
-- person, and the cart stays.
--
-- Commands: /start, /menu, /cart, /order, /human; /link and /forget (identity,
-- profile). Anything typed: the checkout form's answers, an order number, "I want a
-- human", a section's name, a shop question, or a product search (see the handler).
--
--   catalogue.lua  main menu, categories (menu module), search, product cards
--   cart.lua       the cart in the session;   checkout.lua  details (flow) and order
--   support.lua    order status and claims (orders), FAQ (faq), human handoff, outages
--   texts.lua      every phrase;   settings.lua  service URL and key, manager, limits
--
-- Session: cart, checkout, orders (see cart.lua and checkout.lua); mode =
-- "search"|"faq" (what the next text is for, after the menu asked); retry (support.lua);
-- and the library modules' _menu, _flow, _orders, _faq.
local i18n = require "i18n"
local menu = require "menu"
local flow = require "flow"
local profile = require "profile"
local identity = require "identity"
require "texts"
local cart = require "cart"
local catalogue = require "catalogue"
local checkout = require "checkout"
local support = require "support"

local function main_menu(ctx, note)
  ctx.session.mode = nil
  if note then ctx:reply(note) end
  menu.show(ctx)
end

bot.on("start", function(ctx)
  profile.touch(ctx)
  local c = checkout.contact(ctx)
  main_menu(ctx, c and i18n.t(ctx, "shop.welcome_back", { name = c.name }) or i18n.t(ctx, "shop.welcome"))
end)
bot.command("menu", function(ctx) main_menu(ctx) end)
bot.command("help", function(ctx) main_menu(ctx) end)
bot.command("cart", function(ctx) cart.show(ctx) end)
bot.command("order", function(ctx) support.track(ctx) end)
bot.command("human", function(ctx) support.human(ctx) end)

-- The customer's data: /link joins this chat to their chats on other channels (last
-- time's details follow), /forget deletes what the shop bot keeps about them: the
-- library's modules delete theirs (profile, links, history, a half-filled checkout form,
-- claims), this hook the cart and order list — in this chat and in every linked one.
-- Orders stay with the shop.
identity.commands()
profile.commands()
profile.on_forget(function(ctx)
  ctx.session.cart, ctx.session.checkout, ctx.session.orders, ctx.session.retry = nil, nil, nil, nil
end)

bot.on("button:shop:menu", function(ctx) main_menu(ctx) end)
bot.on("button:shop:catalogue", catalogue.open)
bot.on("button:shop:cart", function(ctx) cart.show(ctx) end)
bot.on("button:shop:checkout", checkout.start)
bot.on("button:shop:same", checkout.same)
bot.on("button:shop:change", checkout.change)
bot.on("button:shop:clear", cart.clear)
bot.on("button:shop:faq", catalogue.ask_faq)
bot.on("button:shop:human", function(ctx) support.human(ctx, ctx.session.retry and "down" or "asked") end)
bot.on("button:shop:add:*", function(ctx, id) catalogue.add(ctx, id:sub(#"shop:add:" + 1)) end)
bot.on("button:shop:inc:*", function(ctx, id) cart.change(ctx, id:sub(#"shop:inc:" + 1), 1) end)
bot.on("button:shop:dec:*", function(ctx, id) cart.change(ctx, id:sub(#"shop:dec:" + 1), -1) end)
bot.on("button:shop:status:*", function(ctx, id) support.status(ctx, id:sub(#"shop:status:" + 1)) end)

-- Try again after an outage: repeat what failed.
local RETRY = {
  search = function(ctx, q) catalogue.search(ctx, q) end,
  catalogue = catalogue.open,
  category = catalogue.category,
  product = catalogue.product,
  add = catalogue.add,
  checkout = checkout.place,
  status = support.status,
}
bot.on("button:shop:retry", function(ctx)
  local r = ctx.session.retry
  if not (r and RETRY[r.what]) then return main_menu(ctx, i18n.t(ctx, "shop.stale")) end
  RETRY[r.what](ctx, r.arg)
end)

-- Words that open a section wherever the customer is (compared folded, whole text).
local WORDS = {
  catalogue = catalogue.open, catalog = catalogue.open, ["каталог"] = catalogue.open,
  cart = function(ctx) cart.show(ctx) end, basket = function(ctx) cart.show(ctx) end,
  ["корзина"] = function(ctx) cart.show(ctx) end,
  checkout = checkout.start, ["оформить заказ"] = checkout.start,
  menu = function(ctx) main_menu(ctx) end, help = function(ctx) main_menu(ctx) end,
  ["меню"] = function(ctx) main_menu(ctx) end, ["помощь"] = function(ctx) main_menu(ctx) end,
  ["where is my order"] = support.track, ["order status"] = support.track,
  ["где мой заказ"] = support.track, ["статус заказа"] = support.track,
}

local function section_word(text)
  local key = bot.text.fold(text):gsub("[%p%s]+$", ""):gsub("^%s+", "")
  return WORDS[key]
end

-- Free text, first come first served: a claim's description (free words that may say
-- "person"); "I want a human", at any time; an open form (checkout); the orders
-- module's number question; what the menu just asked for (search or a question); a
-- menu label typed, or a section's name; a clear FAQ question; else a product search, whose miss is
-- offered to the FAQ (near questions) before saying nothing was found.
bot.on("message", function(ctx, text)
  if support.describing(ctx) then return support.orders_message(ctx, text) end
  if support.wants_human(text) then return support.human(ctx) end
  if flow.handle(ctx, text) then return end
  if support.orders_message(ctx, text) then return end
  local mode = ctx.session.mode
  ctx.session.mode = nil
  if mode == "search" then return catalogue.search(ctx, text) end
  if mode == "faq" then return support.faq(ctx, text) end
  if menu.handle(ctx, text) then return end
  local open = section_word(text)
  if open then return open(ctx) end
  if support.faq_score(text) >= 0.7 then return support.faq(ctx, text) end
  if catalogue.search(ctx, text, support.faq_score(text) >= 0.35) then return end
  support.faq(ctx, text)
end)

bot.on("handback", function(ctx) main_menu(ctx, i18n.t(ctx, "shop.back")) end)

-- Unknown commands and buttons of earlier messages: say so and show the menu. The
-- checkout form's /skip, /back and /cancel arrive here too (flow.wrap).
bot.fallback(flow.wrap(function(ctx, input)
  local kind = ctx.event.kind
  if kind == "timer" then return bot.log("shop: no handler for timer " .. tostring(input)) end
  main_menu(ctx, i18n.t(ctx, kind == "button" and "shop.stale" or "shop.unknown_cmd"))
end))
