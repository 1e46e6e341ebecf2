-- catalogue_spec.lua: search (hit, miss, the menu's Search), categories as a paginated
-- menu with Back, product cards and "Add to cart", an out-of-stock product, shop
-- questions from the FAQ with a person as the fallback, and a Russian customer.
local shop = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "shop_helper.lua")

local MAIN = { "Catalogue", "Search", "Cart", "Where is my order?", "Questions", "Talk to a person" }

scenario("a search hit shows product cards with Add to cart", function(u)
  shop.run(function()
    u:send("/start")
    u:expect{ contains = "Bean & Brew assistant" }
    u:expect{ contains = "What would you like to do?", buttons = MAIN }
    u:send("espresso")
    local r = shop.last(u)
    assert(r.text == "Found 3 products for “espresso”:", r.text)
    assert(#r.cards == 3 and r.cards[1].title == "Brazil Santos espresso, 500 g", r.cards[1].title)
    assert(r.cards[1].subtitle == "EUR 9.90 · Dark roast for espresso: nuts, chocolate.", r.cards[1].subtitle)
    assert(r.cards[2].buttons[1].id == "shop:add:grinder-el", "the second card adds the grinder")
    u:press("shop:add:grinder-el")
    u:expect{ text = "Added: Electric grinder, 40 settings. Your cart: 1 item, EUR 229.00.",
              buttons = { "Checkout", "View cart", "Continue shopping" } }
    u:send("/menu")
    u:expect{ buttons = { "Catalogue", "Search", "Cart (1 item)", "Where is my order?", "Questions", "Talk to a person" } }
  end)
end)

scenario("section names typed anywhere open the section", function(u)
  shop.run(function()
    u:send("Catalogue")
    u:expect{ text = "Our catalogue: pick a category." }
    u:send("cart")
    u:expect{ contains = "Your cart is empty." }
    u:send("Where is my order?")
    u:expect{ contains = "Please send your order number" }
    u:send("B-1001")
    u:send("каталог")
    u:expect{ text = "Our catalogue: pick a category." }
    u:send("menu")
    u:expect{ contains = "What would you like to do?" }
  end)
end)

scenario("a search miss says so and offers the catalogue, questions and a person", function(u)
  shop.run(function()
    u:send("/start")
    u:press("Search")
    u:expect{ contains = "What are you looking for?" }
    u:send("teapot")
    u:expect{ text = "Nothing found for “teapot”. Try another word, browse the catalogue, or ask a person.",
              buttons = { "Catalogue", "Questions", "Talk to a person" } }
    u:press("Catalogue")
    u:expect{ text = "Our catalogue: pick a category.",
              buttons = { "Coffee beans (5)", "Brewing gear (4)", "Grinders (2)", "Cups and mugs (2)", "« Back" } }
  end)
end)

scenario("categories page through their products; a card; an out-of-stock product; Back", function(u)
  shop.run(function()
    u:send("/start")
    u:press("Catalogue")
    u:press("Coffee beans (5)")
    u:expect{ text = "Coffee beans: pick a product.\n\nPage 1 of 2",
              buttons = { "Ethiopia Yirgacheffe, 250 g — EUR 14.50", "Colombia Huila, 250 g — EUR 12.00",
                          "Brazil Santos espresso, 500 g — EUR 9.90", "Kenya AA, 250 g — EUR 16.00", "Next ›", "« Back", "Home" } }
    u:press("Kenya AA, 250 g — EUR 16.00")
    local r = shop.last(u)
    assert(r.cards[1].title == "Kenya AA, 250 g" and #(r.cards[1].buttons or {}) == 0, "a sold-out card has no button")
    assert(r.cards[1].subtitle:find("Out of stock", 1, true), r.cards[1].subtitle)
    u:send("/menu")
    u:press("Catalogue")
    u:press("Coffee beans (5)")
    u:press("Next ›")
    u:expect{ text = "Coffee beans: pick a product.\n\nPage 2 of 2",
              buttons = { "Mexico decaf, 250 g — EUR 11.50", "‹ Prev", "« Back", "Home" } }
    u:press("Mexico decaf, 250 g — EUR 11.50")
    u:expect{ buttons = { "Add to cart" } }
    u:press("Add to cart")
    u:expect{ contains = "Added: Mexico decaf, 250 g." }
    u:send("/menu")
    u:press("Catalogue")
    u:press("Grinders (2)")
    u:press("« Back")
    u:expect{ text = "Our catalogue: pick a category." }
    u:press("« Back")
    u:expect{ contains = "What would you like to do?" }
  end)
end)

scenario("shop questions: answered, offered, and a person when the FAQ has nothing", function(u)
  local m = user("manager")
  shop.run(function()
    u:send("how long does delivery take?")
    u:expect{ contains = "delivery takes 2–4 working days", buttons = { "That's not what I asked" } }
    u:send("/start")
    u:press("Questions")
    u:expect{ contains = "What would you like to know?" }
    u:send("can I pay by card")
    u:expect{ text = "By card or PayPal through the payment link you get with your order." }
    u:send("/menu")
    u:press("Questions")
    u:send("do you have a loyalty programme")
    u:expect{ contains = "I've passed your question to a person" }
    m:expect{ contains = "FAQ question without an answer from user (console:user): do you have a loyalty programme" }
    assert(logs():find("owned by the operator: faq:", 1, true), logs())
    u:send("hello?")
    u:expect{ none = true }
  end)
end)

scenario("a Russian customer searches, browses and gets a card in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  shop.run(function()
    ivan:send("/start")
    ivan:expect{ contains = "помощник Bean & Brew" }
    ivan:expect{ contains = "Что вы хотите сделать?",
                 buttons = { "Каталог", "Поиск", "Корзина", "Где мой заказ?", "Вопросы", "Связаться с человеком" } }
    ivan:send("кружка")
    local r = shop.last(ivan)
    assert(r.text == "По запросу «кружка» найден 1 товар:", r.text)
    assert(r.cards[1].title == "Керамическая кружка, 300 мл", r.cards[1].title)
    ivan:press("В корзину")
    ivan:expect{ text = "Добавлено: Керамическая кружка, 300 мл. В корзине: 1 товар, EUR 15.00.",
                 buttons = { "Оформить заказ", "Корзина", "Продолжить покупки" } }
    ivan:press("Продолжить покупки")
    ivan:expect{ text = "Наш каталог: выберите раздел.", buttons = { "Кофе в зёрнах (5)", "Заваривание (4)",
                 "Кофемолки (2)", "Чашки и кружки (2)", "« Назад" } }
    ivan:send("чайник")
    ivan:expect{ contains = "найден 1 товар" }
    ivan:send("самовар")
    ivan:expect{ contains = "По запросу «самовар» ничего не нашлось" }
    ivan:send("сколько идёт доставка")
    ivan:expect{ contains = "доставка занимает 2–4 рабочих дня" }
  end)
end)
