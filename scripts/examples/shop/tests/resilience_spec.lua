-- resilience_spec.lua: "I want a human" at any moment (mid-checkout, in Russian, as a
-- command), a runtime restart in the middle of checkout, and a reload with changed code
-- (a new checkout question) in the middle of checkout: the customer notices nothing.
local shop = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "shop_helper.lua")

local function to_address(u)
  u:send("colombia")
  u:press("Add to cart")
  u:press("Checkout")
  u:send("Ana")
  u:press("Phone")
  u:send("+49 30 1234567")
  u:expect{ text = "The delivery address: street and house, postcode, city?" }
end

scenario("\"I want a human\" in the middle of checkout: handed over with the cart", function(u)
  local m = user("manager")
  shop.run(function()
    to_address(u)
    u:send("I want a human")
    u:expect{ text = "I'm passing you to a person from our team; they will write to you here. Your cart is kept." }
    m:expect{ text = "user (console:user) asked for a person: the customer asked. Cart: 1 × Colombia Huila, 250 g (EUR 12.00)." }
    assert(logs():find("owned by the operator: shop: asked", 1, true), logs())
    local s = u:session()
    assert(s._flow == nil or s._flow.name == nil, "the checkout form is closed")
    assert(#s.cart == 1)
    u:send("Kastanienallee 12, 10435 Berlin")
    u:expect{ none = true }                    -- the operator has the conversation now
  end)
end)

scenario("a Russian customer asks for a person in words and by command", function()
  local ivan = user("ivan", { language = "ru-RU" })
  local olga = user("olga", { language = "ru-RU" })
  local m = user("manager")
  shop.run(function()
    ivan:send("позовите человека")
    ivan:expect{ text = "Передаю вас сотруднику магазина; он напишет вам здесь." }
    m:expect{ text = "ivan (console:ivan) asked for a person: the customer asked. Cart: empty." }
    olga:send("/human")
    olga:expect{ contains = "Передаю вас сотруднику" }
    olga:send("алло?")
    olga:expect{ none = true }
    assert(store("shop:stats:handoff") == 2)
  end)
end)

scenario("a restart in the middle of checkout", function(u)
  shop.run(function()
    u:send("colombia")
    u:press("Add to cart")
    u:press("Checkout")
    u:send("Ana")
    restart()
    u:press("E-mail")
    u:expect{ text = "Your e-mail address?" }
    u:send("ana@example.org")
    restart()
    u:send("Kastanienallee 12, 10435 Berlin")
    u:expect{ contains = "Thank you, Ana! Order B-2001 is placed: EUR 16.90" }
  end)
end)

scenario("a reload with changed code in the middle of checkout adds the courier note", function(u)
  shop.run(function(svc)
    to_address(u)
    svc.variant{ courier_note = true }         -- settings.lua now asks for a note at checkout
    u:send("Kastanienallee 12, 10435 Berlin")
    u:expect{ text = "A note for the courier (a door code, a neighbour)? Or skip.", buttons = { "Skip", "Back", "Cancel" } }
    u:send("Door code 42")
    u:expect{ contains = "Order B-2001 is placed" }
    u:send("colombia")
    u:press("Add to cart")
    u:press("Checkout")
    u:press("Yes, place the order")            -- last time's details: only the note is asked
    u:expect{ text = "A note for the courier (a door code, a neighbour)? Or skip." }
    u:press("Skip")
    u:expect{ contains = "Order B-2002 is placed" }
    svc.variant{}                              -- and the note goes away again
    u:send("colombia")
    u:press("Add to cart")
    u:press("Checkout")
    u:press("Yes, place the order")
    u:expect{ contains = "Order B-2003 is placed" }
  end)
end)
