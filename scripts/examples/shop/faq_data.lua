-- faq_data.lua: Bean & Brew's answers to shop questions (the faq module's file format,
-- docs/lib/faq.md). A question none of these answers goes to a person.
return {
  { id = "delivery",
    keywords = { en = { "delivery", "shipping", "deliver", "ship", "courier", "days" },
                 ru = { "доставка", "доставки", "доставку", "курьер", "отправка", "сроки" } },
    phrasings = { en = { "how long does delivery take", "when will it arrive" },
                  ru = { "сколько идёт доставка", "когда привезут" } },
    question = { en = "How does delivery work?", ru = "Как работает доставка?" },
    answer = { en = "We ship within one working day after payment; delivery takes 2–4 working days. "
                 .. "It costs EUR 4.90 and is free from EUR 50.",
               ru = "Мы отправляем заказ в течение рабочего дня после оплаты; доставка занимает 2–4 рабочих дня. "
                 .. "Она стоит 4,90 EUR, от 50 EUR — бесплатно." } },
  { id = "payment",
    keywords = { en = { "pay", "payment", "card", "paypal", "invoice" },
                 ru = { "оплата", "оплатить", "карта", "картой", "счёт" } },
    phrasings = { en = { "can I pay by card" }, ru = { "можно ли оплатить картой" } },
    question = { en = "How can I pay?", ru = "Как оплатить?" },
    answer = { en = "By card or PayPal through the payment link you get with your order.",
               ru = "Картой или через PayPal по ссылке на оплату, которая приходит вместе с заказом." } },
  { id = "returns",
    keywords = { en = { "return", "returns", "refund", "exchange", "money back" },
                 ru = { "возврат", "вернуть", "обмен", "деньги" } },
    question = { en = "Can I return an item?", ru = "Можно ли вернуть товар?" },
    answer = { en = "Gear can be returned unused within 30 days for a full refund. Opened coffee can't be "
                 .. "returned, but if you don't like a coffee, tell us: we'll make it right.",
               ru = "Неиспользованные аксессуары можно вернуть в течение 30 дней с полным возвратом денег. "
                 .. "Вскрытый кофе вернуть нельзя, но если кофе не понравился — напишите нам, мы всё исправим." } },
  { id = "fresh",
    keywords = { en = { "fresh", "roasted", "roast", "date", "freshness" },
                 ru = { "свежий", "свежесть", "обжарка", "обжарен", "обжарки" } },
    phrasings = { en = { "when was it roasted" }, ru = { "когда обжарен кофе" } },
    question = { en = "How fresh is the coffee?", ru = "Насколько свежий кофе?" },
    answer = { en = "We roast every Monday and Thursday and ship within a week of roasting; "
                 .. "the roast date is on every bag.",
               ru = "Мы обжариваем кофе по понедельникам и четвергам и отправляем его в течение недели "
                 .. "после обжарки; дата обжарки есть на каждой пачке." } },
  { id = "grind",
    keywords = { en = { "grind", "ground", "grinding" }, ru = { "молотый", "помол", "смолоть" } },
    question = { en = "Do you sell ground coffee?", ru = "Продаёте ли вы молотый кофе?" },
    answer = { en = "We sell whole beans only: they keep their taste much longer. Our grinders are in the catalogue.",
               ru = "Мы продаём только зёрна: так кофе гораздо дольше сохраняет вкус. Кофемолки есть в каталоге." } },
  { id = "thanks",
    keywords = { en = { "thanks", "thank", "thx", "cheers" }, ru = { "спасибо", "благодарю" } },
    question = { en = "Thank you!", ru = "Спасибо!" },
    answer = { en = "You're welcome! Anything else? /menu shows what I can do.",
               ru = "Пожалуйста! Что-нибудь ещё? /menu покажет, что я умею." } },
}
