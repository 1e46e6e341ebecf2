-- cart_spec.lua: the cart — adding from cards, +1/−1, a line going away at 0, emptying
-- it, checkout of an empty cart, and a product another customer bought up between the
-- card and the press, or between the cart and the checkout.
local shop = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "shop_helper.lua")

scenario("cart edits: add, +1, −1, a line at zero goes, empty the cart", function(u)
  shop.run(function()
    u:send("/cart")
    u:expect{ text = "Your cart is empty. Browse the catalogue or type what you are looking for.",
              buttons = { "Continue shopping", "Main menu" } }
    u:send("v60")
    u:press("shop:add:v60")
    u:send("filters")
    u:press("shop:add:filters")
    u:expect{ text = "Added: Paper filters 02, 100 pcs. Your cart: 2 items, EUR 29.50." }
    u:press("View cart")
    u:expect{ text = "Your cart:\n1 × V60 ceramic dripper — EUR 24.00\n1 × Paper filters 02, 100 pcs — EUR 5.50\n"
                .. "Items: EUR 29.50. Delivery EUR 4.90, free from EUR 50.00.",
              buttons = { "+1 V60 ceramic dripper", "−1 V60 ceramic dripper", "+1 Paper filters 02, 100 pcs",
                          "−1 Paper filters 02, 100 pcs", "Checkout", "Empty the cart", "Continue shopping", "Main menu" } }
    u:press("+1 Paper filters 02, 100 pcs")
    u:expect{ contains = "2 × Paper filters 02, 100 pcs — EUR 11.00" }
    u:press("−1 V60 ceramic dripper")
    local r = shop.last(u)
    assert(r.text == "Your cart:\n2 × Paper filters 02, 100 pcs — EUR 11.00\n"
      .. "Items: EUR 11.00. Delivery EUR 4.90, free from EUR 50.00.", r.text)
    local cart = u:session().cart
    assert(#cart == 1 and cart[1].id == "filters" and cart[1].qty == 2)
    u:send("/menu")
    u:expect{ contains = "What would you like to do?", buttons = { "Catalogue", "Search", "Cart (2 items)",
              "Where is my order?", "Questions", "Talk to a person" } }
    u:press("Cart (2 items)")
    u:press("Empty the cart")
    u:expect{ text = "Your cart is empty now.\n\nYour cart is empty. Browse the catalogue or type what you are looking for." }
    assert(#u:session().cart == 0)
    u:send("/menu")
    u:expect{ buttons = { "Catalogue", "Search", "Cart", "Where is my order?", "Questions", "Talk to a person" } }
  end)
end)

scenario("another customer buys the last grinders: sold out at the press, gone at checkout", function(u)
  local ann = user("ann")
  shop.run(function()
    u:send("electric grinder")
    u:press("Add to cart")                     -- 1 of the 4 in stock, in u's cart
    u:expect{ contains = "Your cart: 1 item, EUR 229.00." }
    u:send("electric grinder")                 -- the card stays on u's screen
    ann:send("electric grinder")
    ann:press("Add to cart")
    ann:press("View cart")
    for _ = 1, 3 do ann:press("+1 Electric grinder, 40 settings") end
    ann:expect{ contains = "4 × Electric grinder, 40 settings — EUR 916.00" }
    ann:press("Checkout")
    ann:send("Ann Berg")
    ann:press("Phone")
    ann:send("+49 30 1234567")
    ann:send("Torstrasse 1, 10119 Berlin")
    ann:expect{ contains = "Order B-2001 is placed: EUR 916.00 including delivery (free)." }
    u:press("Add to cart")                     -- the card of a minute ago
    u:expect{ text = "Sorry, Electric grinder, 40 settings is out of stock right now." }
    u:send("/cart")
    u:press("Checkout")
    u:send("Uwe")
    u:press("E-mail")
    u:send("uwe@example.org")
    u:send("Hauptstrasse 7, 04109 Leipzig")
    u:expect{ text = "Sorry, Electric grinder, 40 settings is no longer available in that quantity; "
                .. "I took it out of your cart.\n\nYour cart is empty. Browse the catalogue or type what you are looking for." }
    assert(#u:session().cart == 0 and u:session().checkout == nil)
    u:send("electric grinder")
    assert(shop.last(u).cards[1].subtitle:find("Out of stock", 1, true))
  end)
end)
