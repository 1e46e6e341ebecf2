-- texts.lua: every phrase of the Bean & Brew bot, in English and Russian (i18n.lua).
-- Loaded after the library modules, so a key of theirs defined here overrides theirs.
-- Also the two formatters every view uses: prices and product names.
local i18n = require "i18n"
-- The library modules define their texts when first required: require them first, so
-- the overrides below (orders.ask) come later and win.
require "orders"
require "faq"
require "flow"
require "menu"

local texts = {}

-- "EUR 14.50": the shop sells in euros only.
function texts.money(v) return ("EUR %.2f"):format(tonumber(v) or 0) end

-- A product's (or category's) name in the user's language: { en = …, ru = … }.
-- `ctx` may be a locale instead (a manager's notice).
function texts.name(ctx, names)
  if type(names) ~= "table" then return tostring(names) end
  local loc = type(ctx) == "string" and ctx or i18n.locale(ctx)
  return names[loc] or names.en or "?"
end

i18n.define("en", {
  ["shop.welcome"] = "Hello, I'm the Bean & Brew assistant: fresh coffee beans and brewing gear, delivered.",
  ["shop.welcome_back"] = "Welcome back, {name}!",
  ["shop.main"] = "What would you like to do? You can also just type what you are looking for "
    .. "(“espresso”, “grinder”) or a question.",
  ["shop.m.catalogue"] = "Catalogue",
  ["shop.m.search"] = "Search",
  ["shop.m.cart"] = { one = "Cart ({count} item)", other = "Cart ({count} items)" },
  ["shop.m.cart_empty"] = "Cart",
  ["shop.m.order"] = "Where is my order?",
  ["shop.m.faq"] = "Questions",
  ["shop.m.human"] = "Talk to a person",
  ["shop.cats"] = "Our catalogue: pick a category.",
  ["shop.cat"] = "{name}: pick a product.",
  ["shop.entry"] = "{name} — {price}",
  ["shop.ask_search"] = "What are you looking for? A word is enough: “decaf”, “kettle”, “кружка”.",
  ["shop.ask_faq"] = "What would you like to know? Delivery, payment, returns, freshness…",
  ["shop.found"] = { one = "Found {count} product for “{q}”:", other = "Found {count} products for “{q}”:" },
  ["shop.not_found"] = "Nothing found for “{q}”. Try another word, browse the catalogue, or ask a person.",
  ["shop.out_of_stock"] = "Out of stock",
  ["shop.add"] = "Add to cart",
  ["shop.gone"] = "That product is no longer in our catalogue.",
  ["shop.sold_out"] = "Sorry, {name} is out of stock right now.",
  ["shop.added"] = "Added: {name}. Your cart: {items}, {sum}.",
  ["shop.items"] = { one = "{count} item", other = "{count} items" },
  ["shop.cart"] = "Your cart:",
  ["shop.cart_line"] = "{qty} × {name} — {sum}",
  ["shop.cart_total"] = "Items: {sum}. Delivery {fee}, free from {free}.",
  ["shop.cart_empty"] = "Your cart is empty. Browse the catalogue or type what you are looking for.",
  ["shop.more"] = "+1 {name}",
  ["shop.less"] = "−1 {name}",
  ["shop.checkout"] = "Checkout",
  ["shop.clear"] = "Empty the cart",
  ["shop.cleared"] = "Your cart is empty now.",
  ["shop.view_cart"] = "View cart",
  ["shop.shopping"] = "Continue shopping",
  ["shop.menu"] = "Main menu",
  ["shop.same"] = "Deliver to {name}, {address} and contact you at {contact}, as last time?",
  ["shop.same_yes"] = "Yes, place the order",
  ["shop.same_change"] = "Change the details",
  ["shop.co.name"] = "Let's place your order. What name should we put on the parcel?",
  ["shop.co.via"] = "How should we contact you about the delivery, {name}?",
  ["shop.co.by_phone"] = "Phone",
  ["shop.co.by_email"] = "E-mail",
  ["shop.co.phone"] = "Your phone number, with the country code (like +49 30 1234567)?",
  ["shop.co.email"] = "Your e-mail address?",
  ["shop.co.address"] = "The delivery address: street and house, postcode, city?",
  ["shop.co.bad_address"] = "Please include the house number and the postcode.",
  ["shop.co.note"] = "A note for the courier (a door code, a neighbour)? Or skip.",
  ["shop.co.cancelled"] = "Checkout cancelled; your cart is kept.",
  ["shop.placed"] = "Thank you, {name}! Order {id} is placed: {total} including delivery ({fee}). "
    .. "Pay with the link below; we ship within one working day after payment.",
  ["shop.pay"] = "Pay {total}",
  ["shop.free"] = "free",
  ["shop.status_btn"] = "Order status",
  ["shop.unpaid"] = "Order {id} is waiting for payment: {total}.",
  ["shop.status.created"] = "waiting for payment",
  ["shop.stock_gone"] = "Sorry, {name} is no longer available in that quantity; I took it out of your cart.",
  ["shop.down"] = "Sorry, our shop system is not answering right now. Nothing is lost: your cart is kept. "
    .. "Try again in a moment, or talk to a person.",
  ["shop.down_checkout"] = "Sorry, our shop system is not answering right now, so the order is not placed "
    .. "yet. Your cart and your details are kept. Try again in a moment, or talk to a person.",
  ["shop.retry"] = "Try again",
  ["shop.human"] = "I'm passing you to a person from our team; they will write to you here. Your cart is kept.",
  ["shop.human_plain"] = "I'm passing you to a person from our team; they will write to you here.",
  ["shop.back"] = "Hello again, the bot is back with you. Your cart is kept.",
  ["shop.manager_human"] = "{name} ({address}) asked for a person: {why}. Cart: {cart}.",
  ["shop.why.asked"] = "the customer asked",
  ["shop.why.down"] = "the shop service did not answer",
  ["shop.why.invalid"] = "the shop service refused the order",
  ["shop.claim_ref"] = "Your claim reference: {claim}.",
  ["shop.manager_claim"] = "Claim {claim} filed with the shop for order {id}.",
  ["shop.manager_unfiled"] = "Claim for order {id} NOT filed: the shop service did not answer.",
  ["shop.stale"] = "That button belongs to an earlier message.",
  ["shop.unknown_cmd"] = "I don't know that command.",
  ["shop.empty_cart_note"] = "empty",
  ["orders.ask"] = "Please send your order number (like B-1001).",
})

i18n.define("ru", {
  ["shop.welcome"] = "Здравствуйте, я помощник Bean & Brew: свежий кофе в зёрнах и всё для заваривания с доставкой.",
  ["shop.welcome_back"] = "С возвращением, {name}!",
  ["shop.main"] = "Что вы хотите сделать? Можно просто написать, что вы ищете "
    .. "(«эспрессо», «кофемолка»), или задать вопрос.",
  ["shop.m.catalogue"] = "Каталог",
  ["shop.m.search"] = "Поиск",
  ["shop.m.cart"] = { one = "Корзина ({count} товар)", few = "Корзина ({count} товара)",
                      many = "Корзина ({count} товаров)" },
  ["shop.m.cart_empty"] = "Корзина",
  ["shop.m.order"] = "Где мой заказ?",
  ["shop.m.faq"] = "Вопросы",
  ["shop.m.human"] = "Связаться с человеком",
  ["shop.cats"] = "Наш каталог: выберите раздел.",
  ["shop.cat"] = "{name}: выберите товар.",
  ["shop.entry"] = "{name} — {price}",
  ["shop.ask_search"] = "Что вы ищете? Достаточно слова: «без кофеина», «чайник», «mug».",
  ["shop.ask_faq"] = "Что вы хотите узнать? Доставка, оплата, возврат, свежесть…",
  ["shop.found"] = { one = "По запросу «{q}» найден {count} товар:", few = "По запросу «{q}» найдено {count} товара:",
                     many = "По запросу «{q}» найдено {count} товаров:" },
  ["shop.not_found"] = "По запросу «{q}» ничего не нашлось. Попробуйте другое слово, загляните в каталог "
    .. "или спросите человека.",
  ["shop.out_of_stock"] = "Нет в наличии",
  ["shop.add"] = "В корзину",
  ["shop.gone"] = "Этого товара больше нет в каталоге.",
  ["shop.sold_out"] = "К сожалению, {name} сейчас нет в наличии.",
  ["shop.added"] = "Добавлено: {name}. В корзине: {items}, {sum}.",
  ["shop.items"] = { one = "{count} товар", few = "{count} товара", many = "{count} товаров" },
  ["shop.cart"] = "Ваша корзина:",
  ["shop.cart_line"] = "{qty} × {name} — {sum}",
  ["shop.cart_total"] = "Товары: {sum}. Доставка {fee}, бесплатно от {free}.",
  ["shop.cart_empty"] = "Корзина пуста. Загляните в каталог или напишите, что вы ищете.",
  ["shop.more"] = "+1 {name}",
  ["shop.less"] = "−1 {name}",
  ["shop.checkout"] = "Оформить заказ",
  ["shop.clear"] = "Очистить корзину",
  ["shop.cleared"] = "Корзина теперь пуста.",
  ["shop.view_cart"] = "Корзина",
  ["shop.shopping"] = "Продолжить покупки",
  ["shop.menu"] = "Главное меню",
  ["shop.same"] = "Доставить на имя {name} по адресу {address} и связаться через {contact}, как в прошлый раз?",
  ["shop.same_yes"] = "Да, оформить заказ",
  ["shop.same_change"] = "Изменить данные",
  ["shop.co.name"] = "Оформляем заказ. На чьё имя отправить посылку?",
  ["shop.co.via"] = "Как с вами связаться по поводу доставки, {name}?",
  ["shop.co.by_phone"] = "Телефон",
  ["shop.co.by_email"] = "Эл. почта",
  ["shop.co.phone"] = "Ваш номер телефона с кодом страны (например, +7 999 123-45-67)?",
  ["shop.co.email"] = "Ваш адрес электронной почты?",
  ["shop.co.address"] = "Адрес доставки: улица и дом, индекс, город?",
  ["shop.co.bad_address"] = "Укажите, пожалуйста, номер дома и индекс.",
  ["shop.co.note"] = "Комментарий для курьера (код домофона, соседи)? Или пропустите.",
  ["shop.co.cancelled"] = "Оформление отменено; корзина сохранена.",
  ["shop.placed"] = "Спасибо, {name}! Заказ {id} оформлен: {total} с доставкой ({fee}). "
    .. "Оплатите его по ссылке ниже; мы отправляем заказ в течение рабочего дня после оплаты.",
  ["shop.pay"] = "Оплатить {total}",
  ["shop.free"] = "бесплатно",
  ["shop.status_btn"] = "Статус заказа",
  ["shop.unpaid"] = "Заказ {id} ждёт оплаты: {total}.",
  ["shop.status.created"] = "ждёт оплаты",
  ["shop.stock_gone"] = "К сожалению, {name} больше нет в таком количестве; я убрал этот товар из корзины.",
  ["shop.down"] = "Извините, система магазина сейчас не отвечает. Ничего не потеряно: корзина сохранена. "
    .. "Попробуйте чуть позже или свяжитесь с человеком.",
  ["shop.down_checkout"] = "Извините, система магазина сейчас не отвечает, поэтому заказ ещё не оформлен. "
    .. "Корзина и ваши данные сохранены. Попробуйте чуть позже или свяжитесь с человеком.",
  ["shop.retry"] = "Попробовать ещё раз",
  ["shop.human"] = "Передаю вас сотруднику магазина; он напишет вам здесь. Корзина сохранена.",
  ["shop.human_plain"] = "Передаю вас сотруднику магазина; он напишет вам здесь.",
  ["shop.back"] = "Снова здравствуйте, с вами снова бот. Корзина сохранена.",
  ["shop.manager_human"] = "{name} ({address}) просит человека: {why}. Корзина: {cart}.",
  ["shop.why.asked"] = "клиент попросил",
  ["shop.why.down"] = "сервис магазина не ответил",
  ["shop.why.invalid"] = "сервис магазина не принял заказ",
  ["shop.claim_ref"] = "Номер вашей заявки: {claim}.",
  ["shop.manager_claim"] = "Заявка {claim} по заказу {id} зарегистрирована в магазине.",
  ["shop.manager_unfiled"] = "Заявка по заказу {id} НЕ зарегистрирована: сервис магазина не ответил.",
  ["shop.stale"] = "Эта кнопка относится к прошлому сообщению.",
  ["shop.unknown_cmd"] = "Я не знаю такой команды.",
  ["shop.empty_cart_note"] = "пусто",
  ["orders.ask"] = "Пришлите, пожалуйста, номер заказа (например, B-1001).",
})

return texts
