-- customer_spec.lua: a returning customer is recognised — in the same chat, and in a
-- chat on another channel linked with /link (identity + profile) — and /forget deletes
-- what the bot keeps about them, after which they are a new customer again.
local shop = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "shop_helper.lua")

local function order_once(u)
  u:send("decaf")
  u:press("Add to cart")
  u:press("Checkout")
  u:send("Ana")
  u:press("E-mail")
  u:send("ana@example.org")
  u:send("Kastanienallee 12, 10435 Berlin")
  u:expect{ contains = "is placed" }
end

scenario("a chat linked on another channel knows last time's details", function(u)
  local web = user("ana_web")
  shop.run(function()
    order_once(u)
    u:send("/start")
    u:expect{ text = "Welcome back, Ana!" }
    u:send("/link")
    local code = shop.last(u).text:match("Your link code is (%d+)")
    assert(code, "no link code")
    web:send("/start")
    web:expect{ contains = "Hello, I'm the Bean & Brew assistant" }
    web:send("/link " .. code)
    web:expect{ contains = "this chat is now linked" }
    web:send("/start")
    web:expect{ text = "Welcome back, Ana!" }
    web:send("mug")
    web:press("Add to cart")
    web:press("Checkout")
    web:expect{ text = "Deliver to Ana, Kastanienallee 12, 10435 Berlin and contact you at ana@example.org, as last time?" }
    web:press("Yes, place the order")
    web:expect{ contains = "Thank you, Ana! Order B-2002 is placed: EUR 19.90" }
  end)
end)

scenario("/forget deletes the details, the cart and the order list", function(u)
  shop.run(function()
    order_once(u)
    u:send("aeropress")
    u:press("Add to cart")
    u:send("/forget")
    u:expect{ text = "Done: everything we stored about you has been deleted." }
    local s = u:session()
    assert(s.cart == nil and s.orders == nil, "cart and orders are gone")
    assert(store("profile:stats:forgotten") == 1)
    u:send("/start")
    u:expect{ contains = "Hello, I'm the Bean & Brew assistant" }
    u:send("aeropress")
    u:press("Add to cart")
    u:press("Checkout")
    u:expect{ text = "Let's place your order. What name should we put on the parcel?" }
    u:send("Ana")
    u:send("/forget")                          -- half-way through the checkout form
    assert(u:session()._flow == nil and u:session().checkout == nil, "the form and its answers are gone")
  end)
end)
