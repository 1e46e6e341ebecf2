-- outage_spec.lua: the shop service stops in the middle of a conversation. Every
-- request then gets a clear apology with Try again and Talk to a person; nothing is
-- lost from the cart or the checkout details; when the service is back, Try again
-- repeats what failed (and places the order exactly once).
local shop = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "shop_helper.lua")

local DOWN = "Sorry, our shop system is not answering right now. Nothing is lost: your cart is kept. "
  .. "Try again in a moment, or talk to a person."

scenario("search, catalogue and add while the service is down; the cart is kept; Try again", function(u)
  shop.run(function(svc)
    u:send("v60")
    u:press("shop:add:v60")
    u:send("kettle")                           -- a card to press once the service is gone
    svc.stop()
    u:press("Add to cart")
    u:expect{ text = DOWN, buttons = { "Try again", "Talk to a person" } }
    u:send("aeropress")
    u:expect{ text = DOWN, buttons = { "Try again", "Talk to a person" } }
    assert(logs():find("shop: GET /products?q=aeropress failed", 1, true), logs())
    u:press("Try again")
    u:expect{ text = DOWN }
    u:send("/cart")
    u:expect{ contains = "1 × V60 ceramic dripper — EUR 24.00" }
    u:send("/menu")
    u:press("Catalogue")
    u:expect{ text = DOWN }
    svc.start()
    u:press("Try again")
    u:expect{ text = "Our catalogue: pick a category." }
    u:send("aeropress")
    u:press("Add to cart")
    u:expect{ text = "Added: AeroPress coffee maker. Your cart: 2 items, EUR 63.00." }
  end)
end)

scenario("the service dies at checkout: cart and details kept, Try again places the order once", function(u)
  shop.run(function(svc)
    u:send("aeropress")
    u:press("Add to cart")
    u:press("Checkout")
    u:send("Ana")
    u:press("E-mail")
    u:send("ana@example.org")
    svc.stop()
    u:send("Kastanienallee 12, 10435 Berlin")
    u:expect{ text = "Sorry, our shop system is not answering right now, so the order is not placed yet. "
                .. "Your cart and your details are kept. Try again in a moment, or talk to a person.",
              buttons = { "Try again", "Talk to a person" } }
    local s = u:session()
    assert(#s.cart == 1 and s.checkout.answers.address == "Kastanienallee 12, 10435 Berlin")
    u:press("Try again")
    u:expect{ contains = "so the order is not placed yet" }
    svc.start()
    u:press("Try again")
    u:expect{ contains = "Thank you, Ana! Order B-2001 is placed: EUR 43.90" }
    assert(u:session().checkout == nil and #u:session().cart == 0 and store("shop:stats:orders") == 1)
  end)
end)

scenario("the service down, the customer asks for a person: the manager sees the cart", function(u)
  local m = user("manager")
  shop.run(function(svc)
    u:send("hand grinder")
    u:press("Add to cart")
    svc.stop()
    u:press("Checkout")
    u:send("Ana")
    u:press("Phone")
    u:send("+49 30 1234567")
    u:send("Kastanienallee 12, 10435 Berlin")
    u:expect{ contains = "so the order is not placed yet" }
    u:press("Talk to a person")
    u:expect{ text = "I'm passing you to a person from our team; they will write to you here. Your cart is kept." }
    m:expect{ text = "user (console:user) asked for a person: the shop service did not answer. "
                  .. "Cart: 1 × Hand grinder, steel burrs (EUR 59.00)." }
    assert(logs():find("owned by the operator: shop: down", 1, true), logs())
    assert(#u:session().cart == 1 and store("shop:stats:handoff") == 1)
    u:send("hello?")
    u:expect{ none = true }
    svc.start()
    u:operator("Hi Ana, I've placed the order for you by hand.", "Carla")
    u:handback("order placed by hand")
    u:expect{ match = "^Hello again, the bot is back with you. Your cart is kept." }
    assert(#u:session().cart == 1, "the cart is kept across the handoff")
    u:send("/order")                               -- the bot answers again
    u:expect{ match = "order" }
  end)
end)

scenario("order status while the service is down, then back", function(u)
  shop.run(function(svc)
    svc.stop()
    u:send("/order")
    u:send("B-1001")
    u:expect{ text = "The order service is not answering right now.", buttons = { "Try again", "Talk to a person" } }
    svc.start()
    u:press("Try again")
    u:expect{ text = "Order B-1001 is on its way; expected 5 June." }
  end)
end)

scenario("a wrong service key is an outage too, and says so in the log", function(u)
  shop.run(function(svc)
    svc.variant{ key = "not-the-key" }         -- a deployment with a stale secret
    u:send("espresso")
    u:expect{ text = DOWN }
    assert(logs():find("shop: GET /products?q=espresso failed: HTTP 401", 1, true), logs())
    svc.variant{}
    u:press("Try again")
    u:expect{ contains = "Found 3 products for “espresso”" }
  end)
end)
