-- orders.lua: "where is my order?". The customer sends an order number, the shop's
-- service is asked (bot.http.request to a URL, or the bot's own lookup function), and the
-- status is told in words. The exceptions have their branches: a delay is explained; a
-- delivered order not received, or one that arrived damaged, has its details collected
-- and becomes a claim — handled by the bot when small, escalated to a person (a handoff
-- marked high priority) when the order is costly or the case disputed. An unknown number
-- is asked again once, then a person takes over. A user who asks to be forgotten
-- (profile.forget) loses their claims and the conversation's state. docs/lib/orders.md.
--
-- State: ctx.session._orders = { step = "id"|"status"|"details"|"done", tries = unknown
-- numbers, bad = malformed ones, last_id, down = the service failed,
-- order = { id, status, total, eta, delivered }, issue = "missing"|"damaged" };
-- bot.store "orders:claim:<order id>", "orders:claims:<address>" (the order ids a
-- conversation claimed for, so forgetting finds them), "orders:stats:<what>".
local i18n = require "i18n"
local profile = require "profile"

local orders = {}

local cfg                 -- the bot's setup{}: re-made at every load, never state

i18n.defaults("en", {
  ["orders.ask"] = "Please send your order number.",
  ["orders.bad_id"] = "An order number looks like {example}. Please send it again.",
  ["orders.unknown"] = "I can't find order {id}. Please check the number and send it again.",
  ["orders.down"] = "The order service is not answering right now.",
  ["orders.retry"] = "Try again",
  ["orders.tracking"] = "Tracking",
  ["orders.human"] = "Talk to a person",
  ["orders.processing"] = "Order {id} is being prepared.",
  ["orders.shipped"] = "Order {id} is on its way; expected {eta}.",
  ["orders.delayed"] = "Order {id} is delayed, sorry for the wait. New expected date: {eta}.",
  ["orders.delivered"] = "Order {id} was delivered on {delivered}. Did you receive it?",
  ["orders.cancelled"] = "Order {id} was cancelled.",
  ["orders.other"] = "Order {id}: {status}.",
  ["orders.fine"] = "All good",
  ["orders.missing"] = "I didn't receive it",
  ["orders.damaged"] = "It arrived damaged",
  ["orders.describe.missing"] = "Sorry to hear that. Please describe what happened "
    .. "(where it should have been left, who could have taken it).",
  ["orders.describe.damaged"] = "Sorry to hear that. Please describe the damage "
    .. "(what is broken, how the parcel looked).",
  ["orders.describe.short"] = "A few words more, please (at least 5 characters).",
  ["orders.claim"] = "Thank you. Claim {id} is registered: we will send a replacement within 3 working days.",
  ["orders.escalated"] = "Thank you. Your case is passed to a specialist with high priority; "
    .. "they will write to you here.",
  ["orders.handed"] = "A person will look into it and write to you here.",
  ["orders.glad"] = "Glad to hear it!",
  ["orders.stale"] = "That is about an earlier question.",
  ["orders.manager"] = "{priority}Order {id} ({total}): {why}. Customer {name} ({address}). {details}",
  ["orders.why.missing"] = "delivered but not received (disputed)",
  ["orders.why.damaged"] = "arrived damaged",
  ["orders.why.unknown"] = "order number not found twice",
  ["orders.why.bad"] = "no valid order number after three tries",
  ["orders.why.asked"] = "the customer asked for a person",
  ["orders.why.down"] = "the order service did not answer",
  ["orders.high"] = "[HIGH PRIORITY] ",
})
i18n.defaults("ru", {
  ["orders.ask"] = "Пришлите, пожалуйста, номер заказа.",
  ["orders.bad_id"] = "Номер заказа выглядит так: {example}. Пришлите его ещё раз.",
  ["orders.unknown"] = "Не могу найти заказ {id}. Проверьте номер и пришлите его ещё раз.",
  ["orders.down"] = "Сервис заказов сейчас не отвечает.",
  ["orders.retry"] = "Попробовать ещё раз",
  ["orders.tracking"] = "Отслеживание",
  ["orders.human"] = "Поговорить с человеком",
  ["orders.processing"] = "Заказ {id} собирается.",
  ["orders.shipped"] = "Заказ {id} в пути; ожидается {eta}.",
  ["orders.delayed"] = "Заказ {id} задерживается, извините за ожидание. Новая дата: {eta}.",
  ["orders.delivered"] = "Заказ {id} доставлен {delivered}. Вы его получили?",
  ["orders.cancelled"] = "Заказ {id} отменён.",
  ["orders.other"] = "Заказ {id}: {status}.",
  ["orders.fine"] = "Всё в порядке",
  ["orders.missing"] = "Я его не получил",
  ["orders.damaged"] = "Пришёл повреждённым",
  ["orders.describe.missing"] = "Очень жаль. Опишите, пожалуйста, что произошло "
    .. "(где его должны были оставить, кто мог его взять).",
  ["orders.describe.damaged"] = "Очень жаль. Опишите, пожалуйста, повреждения (что сломано, как выглядела посылка).",
  ["orders.describe.short"] = "Напишите чуть подробнее, пожалуйста (не меньше 5 символов).",
  ["orders.claim"] = "Спасибо. Заявка {id} зарегистрирована: мы отправим замену в течение 3 рабочих дней.",
  ["orders.escalated"] = "Спасибо. Ваше обращение передано специалисту с высоким приоритетом; он напишет вам здесь.",
  ["orders.handed"] = "Сотрудник разберётся и напишет вам здесь.",
  ["orders.glad"] = "Рады слышать!",
  ["orders.stale"] = "Это относится к прошлому вопросу.",
  ["orders.manager"] = "{priority}Заказ {id} ({total}): {why}. Клиент {name} ({address}). {details}",
  ["orders.why.missing"] = "доставлен, но не получен (спорный случай)",
  ["orders.why.damaged"] = "пришёл повреждённым",
  ["orders.why.unknown"] = "номер заказа не найден дважды",
  ["orders.why.bad"] = "нет правильного номера заказа после трёх попыток",
  ["orders.why.asked"] = "клиент попросил человека",
  ["orders.why.down"] = "сервис заказов не ответил",
  ["orders.high"] = "[ВЫСОКИЙ ПРИОРИТЕТ] ",
})

local function stat(what) bot.store.incr("orders:stats:" .. what) end

-- The default lookup: GET cfg.url with {id} replaced. 200 with a JSON object: the
-- order; 404: unknown (nil); anything else: false and why.
local function http_lookup(_, id)
  local r, err = bot.http.request{ url = (cfg.url:gsub("{id}", id)), headers = cfg.headers,
                                   timeout = cfg.timeout or 5 }
  if not r then return false, err end
  if r.status == 404 then return nil end
  if r.status ~= 200 or type(r.json) ~= "table" then return false, "HTTP " .. r.status end
  return r.json
end

local function money(v)
  if type(v) ~= "number" then return "?" end
  return (cfg.currency_format or "%.2f"):format(v)
end

local function state(ctx)
  ctx.session._orders = ctx.session._orders or {}
  return ctx.session._orders
end

local function human_button(ctx) return { i18n.t(ctx, "orders.human"), "orders:human" } end

-- Hands the conversation to operators; the manager gets a one-line case. high: priority.
local function hand_over(ctx, why, high, details)
  local st = state(ctx)
  local o = st.order or { id = st.last_id or "?" }
  st.step = "done"
  stat("handoff")
  if cfg.manager then
    local loc = cfg.manager_locale or i18n.default()
    ctx:send(cfg.manager, i18n.t(loc, "orders.manager", {
      priority = high and i18n.t(loc, "orders.high") or "", id = o.id, total = money(o.total),
      why = i18n.t(loc, "orders.why." .. why), name = ctx.user.name or ctx.user.id,
      address = ctx.chat.address, details = details or "" }))
  end
  ctx:handoff("orders: " .. (high and "high priority: " or "") .. why .. " (order " .. tostring(o.id) .. ")")
end

-- Asks for the order number.
function orders.start(ctx)
  ctx.session._orders = { step = "id", tries = 0, bad = 0 }
  ctx:reply(i18n.t(ctx, "orders.ask"), { buttons = { human_button(ctx) } })
end

-- Leaves the order conversation (the bot's menu, another flow): typed text is no longer
-- taken as an order number or claim details.
function orders.stop(ctx)
  ctx.session._orders = nil
end

function orders.active(ctx)
  local st = ctx.session._orders
  return st ~= nil and (st.step == "id" or st.step == "details")
end

local function tell_status(ctx, o)
  local st = state(ctx)
  st.order = { id = tostring(o.id or st.last_id), status = o.status, total = tonumber(o.total),
               eta = o.eta, delivered = o.delivered }
  st.step = "status"
  stat("completed")
  local vars = { id = st.order.id, eta = o.eta or "?", delivered = o.delivered or "?", status = tostring(o.status) }
  local known = { processing = true, shipped = true, delayed = true, delivered = true, cancelled = true }
  local text = i18n.t(ctx, "orders." .. (known[o.status] and o.status or "other"), vars)
  if o.status == "delayed" then stat("delayed") end
  local rows
  if o.status == "delivered" then
    rows = { { { i18n.t(ctx, "orders.fine"), "orders:fine" } },
             { { i18n.t(ctx, "orders.missing"), "orders:issue:missing" } },
             { { i18n.t(ctx, "orders.damaged"), "orders:issue:damaged" } },
             { human_button(ctx) } }
  else
    rows = { { human_button(ctx) } }
  end
  if o.tracking_url then table.insert(rows, 1, { { label = i18n.t(ctx, "orders.tracking"), url = o.tracking_url } }) end
  ctx:reply(text, { buttons = rows })
end

local function look_up(ctx, id)
  local st = state(ctx)
  st.last_id = id
  local o, err = (cfg.lookup or http_lookup)(ctx, id)
  st.down = o == false or nil
  if o == false then
    bot.log("orders: lookup of " .. id .. " failed: " .. tostring(err))
    stat("service_errors")
    st.step = "id"
    return ctx:reply(i18n.t(ctx, "orders.down"),
      { buttons = { { { i18n.t(ctx, "orders.retry"), "orders:retry" }, human_button(ctx) } } })
  end
  if not o then
    st.tries = (st.tries or 0) + 1
    if st.tries >= 2 then
      ctx:reply(i18n.t(ctx, "orders.handed"))
      return hand_over(ctx, "unknown", false, "Tried: " .. id)
    end
    st.step = "id"
    return ctx:reply(i18n.t(ctx, "orders.unknown", { id = id }), { buttons = { human_button(ctx) } })
  end
  tell_status(ctx, o)
end

local function claim(ctx, details)
  local st = state(ctx)
  local o = st.order
  local disputed = st.issue == "missing"          -- the carrier says delivered, the customer not
  local costly = (o.total or 0) >= (cfg.threshold or 100)
  local escalate = disputed or costly
  local rec = { address = ctx.chat.address, issue = st.issue, details = details, total = o.total,
                at = math.floor(ctx.now), escalated = escalate }
  bot.store.put("orders:claim:" .. o.id, rec)
  local mine = bot.store.get("orders:claims:" .. ctx.chat.address) or {}
  mine[#mine + 1] = o.id
  bot.store.put("orders:claims:" .. ctx.chat.address, mine)
  stat("claims")
  if escalate then
    stat("escalated")
    ctx:reply(i18n.t(ctx, "orders.escalated"))
    return hand_over(ctx, st.issue, true, details)
  end
  st.step = "done"
  stat("claims_resolved")
  ctx:reply(i18n.t(ctx, "orders.claim", { id = o.id }))
  if cfg.on_claim then cfg.on_claim(ctx, o, rec) end
end

-- For the bot's message handler: takes the order number or the details of a claim
-- while one is asked for. Returns true when it took the text.
function orders.message(ctx, text)
  local st = ctx.session._orders
  if not orders.active(ctx) then return false end
  if st.step == "details" then
    local d = text:match("^%s*(.-)%s*$")
    if utf8.len(d) == nil or utf8.len(d) < 5 then
      ctx:reply(i18n.t(ctx, "orders.describe.short"))
      return true
    end
    claim(ctx, d:sub(1, 1000))
    return true
  end
  local id = text:gsub("[%s#№]", ""):upper()
  local valid = #id >= 3 and #id <= 32 and id:match(cfg.id_pattern or "^[%w%-]*%d[%w%-]*$")
  if not valid then
    st.bad = (st.bad or 0) + 1
    if st.bad > 2 then
      ctx:reply(i18n.t(ctx, "orders.handed"))
      hand_over(ctx, "bad", false, "Typed: " .. text:sub(1, 100))
      return true
    end
    ctx:reply(i18n.t(ctx, "orders.bad_id", { example = cfg.example or "12345" }), { buttons = { human_button(ctx) } })
    return true
  end
  look_up(ctx, id)
  return true
end

-- A user who asks to be forgotten: their claims (address and their own words) are
-- deleted, not kept anonymous — the case itself is the shop's and the operators', and
-- the counters keep the numbers. Claims made before the "orders:claims:" index existed
-- are found through the conversation's last order only.
profile.on_forget(function(ctx)
  local address = ctx.chat.address
  local ids = bot.store.get("orders:claims:" .. address) or {}
  local st = ctx.session._orders
  if st and st.order then ids[#ids + 1] = st.order.id end
  for _, id in ipairs(ids) do
    local c = bot.store.get("orders:claim:" .. id)
    if c and c.address == address then bot.store.delete("orders:claim:" .. id) end
  end
  bot.store.delete("orders:claims:" .. address)
  ctx.session._orders = nil
end)

-- setup{ url or lookup, threshold, manager, ... }: docs/lib/orders.md.
function orders.setup(c)
  assert(type(c) == "table" and (type(c.lookup) == "function" or type(c.url) == "string"),
    "orders.setup{ url = \"https://…/orders/{id}\" } or { lookup = function(ctx, id) }")
  cfg = c
  bot.on("button:orders:retry", function(ctx)
    local st = ctx.session._orders
    if not (st and st.step == "id" and st.last_id) then return orders.start(ctx) end
    look_up(ctx, st.last_id)
  end)
  bot.on("button:orders:human", function(ctx)
    local st = state(ctx)
    ctx:reply(i18n.t(ctx, "orders.handed"))
    hand_over(ctx, st.step == "id" and st.down and "down" or "asked")
  end)
  bot.on("button:orders:fine", function(ctx)
    local st = ctx.session._orders
    if not (st and st.step == "status") then return ctx:reply(i18n.t(ctx, "orders.stale")) end
    st.step = "done"
    ctx:reply(i18n.t(ctx, "orders.glad"))
  end)
  bot.on("button:orders:issue:*", function(ctx, id)
    local st = ctx.session._orders
    local issue = id:match("^orders:issue:(%a+)$")
    if not (st and st.step == "status" and (issue == "missing" or issue == "damaged")) then
      return ctx:reply(i18n.t(ctx, "orders.stale"))
    end
    st.step, st.issue = "details", issue
    ctx:reply(i18n.t(ctx, "orders.describe." .. issue))
  end)
  return orders
end

return orders
