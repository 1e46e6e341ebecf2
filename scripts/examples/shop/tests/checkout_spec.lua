-- checkout_spec.lua: the customer's details (flow), each invalid answer explained and
-- asked again, Back and Cancel, the order created by the service with the payment link
-- as a url button, paying it, a returning customer's one-tap checkout, and Russian.
local shop = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "shop_helper.lua")

local function fill_cart(u)
  u:send("yirgacheffe")
  u:press("Add to cart")
  u:press("Checkout")
end

scenario("checkout with invalid answers, Back, then the payment link; paying it", function(u)
  shop.run(function(svc)
    fill_cart(u)
    u:expect{ text = "Let's place your order. What name should we put on the parcel?", buttons = { "Cancel" } }
    u:send("A")
    u:expect{ contains = "at least 2" }
    u:send("Ana Lima")
    u:expect{ text = "How should we contact you about the delivery, Ana Lima?",
              buttons = { "Phone", "E-mail", "Back", "Cancel" } }
    u:send("pigeon")
    u:expect{ contains = "How should we contact you" }
    u:press("Phone")
    u:expect{ text = "Your phone number, with the country code (like +49 30 1234567)?" }
    u:send("12")
    u:expect{ contains = "That does not look like a phone number." }
    u:press("Back")
    u:expect{ contains = "How should we contact you" }
    u:press("E-mail")
    u:send("ana@@example")
    u:expect{ contains = "That does not look like an e-mail address" }
    u:send("Ana@Example.ORG")
    u:expect{ text = "The delivery address: street and house, postcode, city?" }
    u:send("Berlin")
    u:expect{ contains = "at least 10" }
    u:send("Somewhere in Berlin")
    u:expect{ text = "Please include the house number and the postcode.\n\nThe delivery address: street and house, postcode, city?" }
    u:send("Kastanienallee 12, 10435 Berlin")
    local r = shop.last(u)
    assert(r.text == "Thank you, Ana Lima! Order B-2001 is placed: EUR 19.40 including delivery (EUR 4.90). "
      .. "Pay with the link below; we ship within one working day after payment.", r.text)
    assert(shop.urls(r)["Pay EUR 19.40"] == svc.url .. "/pay/B-2001", "no payment link")
    assert(r.buttons[2][1].label == "Order status" and r.buttons[2][2].label == "Main menu")
    local s = u:session()
    assert(#s.cart == 0 and s.orders[1] == "B-2001")
    assert(store("shop:stats:orders") == 1 and store("flow:stats:checkout:done") == 1)

    u:press("Order status")                    -- not paid yet: the link again
    r = shop.last(u)
    assert(r.text == "Order B-2001 is waiting for payment: EUR 19.40.", r.text)
    assert(shop.urls(r)["Pay EUR 19.40"] == svc.url .. "/pay/B-2001")
    assert(svc.pay("B-2001"):find("order B-2001 is paid", 1, true))
    u:send("/order")
    u:send("b-2001")
    u:expect{ text = "Order B-2001 is being prepared.", buttons = { "Talk to a person" } }
  end)
end)

scenario("cancel keeps the cart; a returning customer checks out in one tap or changes details", function(u)
  shop.run(function()
    fill_cart(u)
    u:send("Ana")
    u:send("cancel")
    u:expect{ text = "Checkout cancelled; your cart is kept.\n\nYour cart:\n1 × Ethiopia Yirgacheffe, 250 g — EUR 14.50\n"
                .. "Items: EUR 14.50. Delivery EUR 4.90, free from EUR 50.00." }
    u:press("Checkout")
    u:send("Ana")
    u:press("Phone")
    u:send("030 1234567")                      -- national: Germany is the form's country
    u:send("Kastanienallee 12, 10435 Berlin")
    u:expect{ contains = "Order B-2001 is placed" }
    u:send("/start")
    u:expect{ text = "Welcome back, Ana!" }
    u:send("v60")
    u:press("Add to cart")
    u:press("Checkout")
    u:expect{ text = "Deliver to Ana, Kastanienallee 12, 10435 Berlin and contact you at +49301234567, as last time?",
              buttons = { "Yes, place the order", "Change the details" } }
    u:press("Yes, place the order")
    u:expect{ contains = "Order B-2002 is placed: EUR 28.90" }
    u:send("kettle")
    u:press("Add to cart")
    u:press("Checkout")
    u:press("Change the details")
    u:expect{ text = "Let's place your order. What name should we put on the parcel?" }
    u:send("Ana Lima")
    u:press("E-mail")
    u:send("ana@example.org")
    u:send("Oranienstrasse 5, 10999 Berlin")
    u:expect{ contains = "Order B-2003 is placed: EUR 89.00 including delivery (free)." }
    u:send("kettle")
    u:press("Add to cart")
    u:press("Checkout")
    u:expect{ text = "Deliver to Ana Lima, Oranienstrasse 5, 10999 Berlin and contact you at ana@example.org, as last time?" }
  end)
end)

scenario("a Russian customer checks out and gets the payment link", function()
  local ivan = user("ivan", { language = "ru-RU" })
  shop.run(function(svc)
    ivan:send("кофемолка ручная")
    ivan:press("В корзину")
    ivan:press("Оформить заказ")
    ivan:expect{ text = "Оформляем заказ. На чьё имя отправить посылку?", buttons = { "Отмена" } }
    ivan:send("Иван Петров")
    ivan:expect{ text = "Как с вами связаться по поводу доставки, Иван Петров?",
                 buttons = { "Телефон", "Эл. почта", "Назад", "Отмена" } }
    ivan:press("Телефон")
    ivan:send("+7 (999) 123-45-67")
    ivan:send("Москва")
    ivan:expect{ contains = "Адрес доставки" }
    ivan:send("ул. Покровка, 10, 101000 Москва")
    local r = shop.last(ivan)
    assert(r.text:find("^Спасибо, Иван Петров! Заказ B%-2001 оформлен: EUR 59%.00 с доставкой %(бесплатно%)%."), r.text)
    assert(shop.urls(r)["Оплатить EUR 59.00"] == svc.url .. "/pay/B-2001")
    ivan:press("Статус заказа")
    ivan:expect{ text = "Заказ B-2001 ждёт оплаты: EUR 59.00." }
  end)
end)
