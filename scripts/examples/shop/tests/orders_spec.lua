-- orders_spec.lua: "where is my order?" against the shop service — every status
-- (waiting for payment, paid, shipped with tracking, delayed, delivered), the exception
-- branches (all good, damaged and small: a claim filed with the service; damaged and
-- costly, or not received: escalated with high priority to a person, the manager told),
-- an unknown number, and Russian.
local shop = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "shop_helper.lua")

local HUMAN = "Talk to a person"

scenario("each status in words", function(u)
  shop.run(function()
    u:send("/start")
    u:press("Where is my order?")
    u:expect{ text = "Please send your order number (like B-1001).", buttons = { HUMAN } }
    u:send("#B-1001")
    local r = shop.last(u)
    assert(r.text == "Order B-1001 is on its way; expected 5 June.", r.text)
    assert(shop.urls(r).Tracking == "https://track.example/B-1001")
    u:send("/order")
    u:send("b 1002")
    u:expect{ text = "Order B-1002 is delayed, sorry for the wait. New expected date: 9 June.", buttons = { HUMAN } }
    u:send("/order")
    u:send("B-1005")                           -- paid, not shipped yet
    u:expect{ text = "Order B-1005 is being prepared." }
    u:send("/order")
    u:send("B-1003")
    u:expect{ text = "Order B-1003 was delivered on 30 May. Did you receive it?",
              buttons = { "All good", "I didn't receive it", "It arrived damaged", HUMAN } }
    u:press("All good")
    u:expect{ text = "Glad to hear it!" }
    assert(store("orders:stats:completed") == 4 and store("orders:stats:delayed") == 1)
  end)
end)

scenario("an order just placed is waiting for payment", function(u)
  shop.run(function()
    u:send("mug")
    u:press("Add to cart")
    u:press("Checkout")
    u:send("Ana")
    u:press("E-mail")
    u:send("ana@example.org")
    u:send("Kastanienallee 12, 10435 Berlin")
    u:expect{ contains = "Order B-2001 is placed" }
    u:send("/order")
    u:send("B-2001")
    u:expect{ text = "Order B-2001: waiting for payment." }
  end)
end)

scenario("a small damaged order: the claim is filed with the shop and answered by the bot", function(u)
  shop.run(function()
    u:send("/order")
    u:send("B-1003")
    u:press("It arrived damaged")
    u:expect{ contains = "Please describe the damage" }
    u:send("bad")
    u:expect{ text = "A few words more, please (at least 5 characters)." }
    u:send("The dripper is chipped, a person at the depot dropped it")   -- "person": still the description
    u:expect{ text = "Thank you. Claim B-1003 is registered: we will send a replacement within 3 working days." }
    u:expect{ text = "Your claim reference: C-101." }
    assert(store("orders:claim:B-1003").escalated == false and store("orders:stats:claims_resolved") == 1)
    u:send("thanks")
    u:expect{ text = "You're welcome! Anything else? /menu shows what I can do." }
  end)
end)

scenario("a costly damaged order and a delivered-but-not-received one are escalated", function(u)
  local m = user("manager")
  local ann = user("ann")
  shop.run(function()
    u:send("/order")
    u:send("B-1004")
    u:press("It arrived damaged")
    u:send("The grinder's burr is cracked, the box was crushed")
    u:expect{ text = "Thank you. Your case is passed to a specialist with high priority; they will write to you here." }
    m:expect{ text = "[HIGH PRIORITY] Order B-1004 (EUR 229.00): arrived damaged. Customer user (console:user). "
                  .. "The grinder's burr is cracked, the box was crushed" }
    m:expect{ text = "Claim C-101 filed with the shop for order B-1004." }
    assert(logs():find("owned by the operator: orders: high priority: damaged (order B-1004)", 1, true), logs())
    u:send("hello?")
    u:expect{ none = true }

    ann:send("/order")
    ann:send("B-1003")                         -- cheap, but the carrier and the customer disagree
    ann:press("I didn't receive it")
    ann:expect{ contains = "Please describe what happened" }
    ann:send("Nothing at the door, the neighbours have nothing")
    ann:expect{ contains = "high priority" }
    m:expect{ text = "[HIGH PRIORITY] Order B-1003 (EUR 24.00): delivered but not received (disputed). "
                  .. "Customer ann (console:ann). Nothing at the door, the neighbours have nothing" }
    m:expect{ text = "Claim C-102 filed with the shop for order B-1003." }
    assert(store("orders:stats:escalated") == 2)
  end)
end)

scenario("an unknown number is asked again, then a person takes over", function(u)
  local m = user("manager")
  shop.run(function()
    u:send("/order")
    u:send("hello")
    u:expect{ text = "An order number looks like B-1001. Please send it again." }
    u:send("B-9999")
    u:expect{ text = "I can't find order B-9999. Please check the number and send it again." }
    u:send("B-9998")
    u:expect{ text = "A person will look into it and write to you here." }
    m:expect{ text = "Order B-9998 (?): order number not found twice. Customer user (console:user). Tried: B-9998" }
  end)
end)

scenario("a Russian customer tracks an order and reports damage", function()
  local ivan = user("ivan", { language = "ru-RU" })
  local m = user("manager")
  shop.run(function()
    ivan:send("/start")
    ivan:press("Где мой заказ?")
    ivan:expect{ text = "Пришлите, пожалуйста, номер заказа (например, B-1001).", buttons = { "Поговорить с человеком" } }
    ivan:send("№ B-1001")
    local r = shop.last(ivan)
    assert(shop.urls(r)["Отслеживание"] == "https://track.example/B-1001", "the tracking button in Russian")
    ivan:send("/order")
    ivan:send("№ B-1002")
    ivan:expect{ text = "Заказ B-1002 задерживается, извините за ожидание. Новая дата: 9 June." }
    ivan:send("/order")
    ivan:send("B-1004")
    ivan:press("Пришёл повреждённым")
    ivan:send("Жернова треснули, коробка смята")
    ivan:expect{ contains = "передано специалисту с высоким приоритетом" }
    m:expect{ contains = "[HIGH PRIORITY] Order B-1004 (EUR 229.00): arrived damaged. Customer ivan" }
  end)
end)
