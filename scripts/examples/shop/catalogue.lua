-- catalogue.lua: the main menu and the catalogue, drawn by the library's menu module —
-- categories as a list, each category's products as a paginated list — plus free-text
-- search answered with product cards that carry an "Add to cart" button.
--
-- Everything comes from the shop service at the moment it is shown. The category list
-- is also kept in bot.store "shop:categories" (the last one the service gave), so that
-- a press on a category still finds it while the service is down, and the customer
-- gets the apology with Try again instead of a menu that seems to have moved.
local i18n = require "i18n"
local menu = require "menu"
local api = require "shop_api"
local cart = require "cart"
local texts = require "texts"
local support = require "support"

local catalogue = {}

-- The categories: fresh from the service when it answers, else the last known ones.
local function categories(ctx)
  local cats = api.categories(ctx)
  if cats then
    bot.store.put("shop:categories", cats)
    return cats
  end
  return bot.store.get("shop:categories") or {}
end

local function category(ctx, id)
  for _, c in ipairs(categories(ctx)) do
    if c.id == id then return c end
  end
end

-- A product as a card: name, price and description, "Add to cart" while in stock.
local function card(ctx, p)
  local price = texts.money(p.price)
  local sub = price .. " · " .. texts.name(ctx, p.about)
  local buttons = {}
  if (p.stock or 0) > 0 then
    buttons[1] = { i18n.t(ctx, "shop.add"), "shop:add:" .. p.id }
  else
    sub = price .. " · " .. i18n.t(ctx, "shop.out_of_stock") .. " · " .. texts.name(ctx, p.about)
  end
  return { title = texts.name(ctx, p.name):sub(1, 80), subtitle = sub:sub(1, 500), buttons = buttons }
end

-- One product, from the catalogue list or a retry.
function catalogue.product(ctx, id)
  local p, why = api.product(ctx, id)
  if not p then
    if why == "down" then return support.down(ctx, "product", id) end
    return ctx:reply(i18n.t(ctx, "shop.gone"))
  end
  ctx.session.retry = nil
  ctx:reply(nil, { card = card(ctx, p) })
end

-- The categories menu (from the main menu, "Continue shopping", a retry).
function catalogue.open(ctx)
  if not api.categories(ctx) then return support.down(ctx, "catalogue") end
  ctx.session.retry = nil
  menu.show(ctx, "cats")
end

-- One category's products.
function catalogue.category(ctx, id)
  if not api.category(ctx, id) then return support.down(ctx, "category", id) end
  ctx.session.retry = nil
  menu.show(ctx, "cat", id)
end

function catalogue.ask_search(ctx)
  ctx.session.mode = "search"
  ctx:reply(i18n.t(ctx, "shop.ask_search"))
end

function catalogue.ask_faq(ctx)
  ctx.session.mode = "faq"
  ctx:reply(i18n.t(ctx, "shop.ask_faq"))
end

-- Search: up to 5 cards; nothing found offers the catalogue, a question or a person.
-- Returns false when nothing was found (the caller may try the FAQ).
function catalogue.search(ctx, q, quiet_miss)
  q = q:match("^%s*(.-)%s*$"):sub(1, 100)
  local found = api.search(ctx, q)
  if not found then
    support.down(ctx, "search", q)
    return true
  end
  ctx.session.retry = nil
  if #found == 0 then
    if quiet_miss then return false end
    ctx:reply(i18n.t(ctx, "shop.not_found", { q = q }), { buttons = {
      { { i18n.t(ctx, "shop.m.catalogue"), "shop:catalogue" }, { i18n.t(ctx, "shop.m.faq"), "shop:faq" } },
      { { i18n.t(ctx, "shop.m.human"), "shop:human" } } } })
    return true
  end
  local cards = {}
  for i, p in ipairs(found) do cards[i] = card(ctx, p) end
  ctx:reply(i18n.t(ctx, "shop.found", { count = #found, q = q }), { cards = cards })
  return true
end

-- "Add to cart": the product is asked for again (price and stock may have changed).
function catalogue.add(ctx, id)
  local p, why = api.product(ctx, id)
  if not p then
    if why == "down" then return support.down(ctx, "add", id) end
    return ctx:reply(i18n.t(ctx, "shop.gone"))
  end
  ctx.session.retry = nil
  if (p.stock or 0) < 1 then
    return ctx:reply(i18n.t(ctx, "shop.sold_out", { name = texts.name(ctx, p.name) }))
  end
  cart.add(ctx, p)
end

local function cart_label(ctx)
  local n = cart.count(ctx)
  if n == 0 then return i18n.t(ctx, "shop.m.cart_empty") end
  return i18n.t(ctx, "shop.m.cart", { count = n })
end

-- Hidden items (when = never) declare the tree's shape for Back without a button:
-- main > cats > cat. The visible entries use run/select, which first make sure the
-- service answers (else the apology with Try again) and then show the node (menu puts
-- it above the node pressed); the hidden items give the same Back to the ways in from
-- outside the menu: Try again, Continue shopping.
local function never() return false end

menu.define{
  home = "main",
  per_page = 4,
  nodes = {
    main = { text = "shop.main", items = {
      { label = "shop.m.catalogue", id = "cat", run = catalogue.open },
      { label = "shop.m.search", id = "search", run = catalogue.ask_search },
      { label = cart_label, id = "cart", run = function(ctx) cart.show(ctx) end },
      { label = "shop.m.order", id = "order", run = support.track },
      { label = "shop.m.faq", id = "faq", run = catalogue.ask_faq },
      { label = "shop.m.human", id = "human", run = function(ctx) support.human(ctx) end },
      { label = "shop.m.catalogue", open = "cats", when = never },
    } },
    cats = { text = "shop.cats", items = { { label = "shop.m.catalogue", open = "cat", when = never } },
      list = function(ctx)
        local out = {}
        for _, c in ipairs(categories(ctx)) do
          out[#out + 1] = { id = c.id, label = texts.name(ctx, c.name) .. " (" .. (c.count or 0) .. ")" }
        end
        return out
      end,
      select = function(ctx, id) catalogue.category(ctx, id) end },
    cat = { text = function(ctx, id)
        local c = category(ctx, id)
        return c and i18n.t(ctx, "shop.cat", { name = texts.name(ctx, c.name) })
      end,
      list = function(ctx, id)
        local out = {}
        for _, p in ipairs(api.category(ctx, id) or {}) do
          out[#out + 1] = { id = p.id, label = i18n.t(ctx, "shop.entry",
            { name = texts.name(ctx, p.name), price = texts.money(p.price) }) }
        end
        return out
      end,
      select = function(ctx, id) catalogue.product(ctx, id) end },
  },
}

return catalogue
