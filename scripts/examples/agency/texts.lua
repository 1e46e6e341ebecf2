-- texts.lua: every phrase of the bot in English and Russian (i18n), plus the
-- library's texts reworded for a renovation firm (orders speaks of "projects").
-- Required by bot.lua after the library modules, so these definitions win.
local i18n = require "i18n"

i18n.define("en", {
  -- greeting, menu, language
  ["ag.hello"] = "Hello, {name}! I'm the assistant of Kraft & Sohn Renovations, Berlin. "
    .. "Prices, quotes, a free site visit, the status of your project — what do you need?",
  ["ag.main"] = "How can I help?",
  ["ag.m.prices"] = "Prices",
  ["ag.m.quote"] = "Get a quote",
  ["ag.m.visit"] = "Book a site visit",
  ["ag.m.status"] = "My project",
  ["ag.m.faq"] = "Questions",
  ["ag.m.human"] = "Talk to a person",
  ["ag.m.ru"] = "Русский",
  ["ag.m.en"] = "English",
  ["ag.faq_prompt"] = "Ask me anything: warranty, payment, permits, noise, cleaning. Just type your question.",
  ["ag.lang_set"] = "From now on I'll write in English.",
  ["ag.unknown_command"] = "Sorry, I don't know the command /{command}.",
  ["ag.stale_button"] = "That button is no longer available.",
  ["ag.welcome"] = "You're welcome! Write any time, or send /menu.",
  ["ag.unclear"] = "Sorry, I'm not sure I understood. Could you put it another way, or pick from the menu? "
    .. "Write \"person\" to reach a manager.",
  ["ag.back"] = "I'm back. Anything else I can do for you?",
  ["ag.forgotten"] = "Done: I deleted what you told us. Send /start to begin again.",
  -- a person
  ["ag.human"] = "Of course. A manager will write to you here shortly (working hours Mon–Fri 8:00–18:00, "
    .. "or call {phone}).",
  ["ag.note.human"] = "{name} ({address}) asked for a person. Last message: {text}",
  -- site visits
  ["ag.v.service"] = "A free site visit: our estimator comes, measures and advises. What is it about?",
  ["ag.v.bath"] = "Bathroom",
  ["ag.v.kitchen"] = "Kitchen",
  ["ag.v.flat"] = "Whole flat",
  ["ag.v.repair"] = "Small repair",
  ["ag.v.phone"] = "Your phone number, so the estimator can call before coming?",
  ["ag.v.address"] = "The address (street, house number, district)?",
  ["ag.v.pick"] = "Thank you! When shall our estimator come?",
  ["ag.v.cancelled"] = "No problem, nothing was booked. /menu whenever you need it.",
  ["ag.note.visit"] = "Site visit request: {name} ({address}), {service}, phone {phone}, at {place}. "
    .. "They are picking a time now.",
  -- quotes
  ["ag.q.room"] = "Let's put a quote together: four short questions. What shall we renovate?",
  ["ag.q.area"] = "About how many square metres?",
  ["ag.q.level"] = "Which works?",
  ["ag.q.cosmetic"] = "Cosmetic (paint, floors)",
  ["ag.q.full"] = "Full (incl. plumbing, electrics)",
  ["ag.q.materials"] = "Who buys the materials?",
  ["ag.q.by_us"] = "You do",
  ["ag.q.by_client"] = "I do",
  ["ag.q.cancelled"] = "No problem, no quote then. /menu whenever you need it.",
  ["ag.q.quote"] = "Quote {quote}: {room}, {area} m², {level}.\n"
    .. "Works: {works}\nMaterials: {materials}\nTotal: {total}\n"
    .. "Start within 3 weeks of the deposit ({deposit}); the price holds for 30 days.",
  ["ag.q.own_materials"] = "yours",
  ["ag.q.confirm"] = "Confirm",
  ["ag.q.clarify"] = "Clarify",
  ["ag.q.question"] = "Question",
  ["ag.q.confirmed"] = "Thank you! Quote {quote} is confirmed. Please pay the deposit of {deposit} "
    .. "with the link below; we'll call you to fix the start date.",
  ["ag.q.pay"] = "Pay {deposit}",
  ["ag.q.ask"] = "Please type your question about quote {quote}.",
  ["ag.q.stale"] = "That quote is no longer current.",
  ["ag.q.done"] = "Quote {quote} is already confirmed; the payment link is above. /menu for anything else.",
  ["ag.q.none"] = "You have no open quote. Shall we put one together?",
  ["ag.q.nudge24"] = "Any thoughts on quote {quote} ({total})? I can change it or answer questions.",
  ["ag.q.nudge72"] = "Quote {quote} ({total}) still holds this month. Shall we go ahead?",
  ["ag.note.confirmed"] = "Quote {quote} confirmed by {name} ({address}): total {total}, deposit link sent.",
  ["ag.note.expired"] = "Quote {quote} ({total}) for {name} ({address}) got no answer after two reminders.",
  ["ag.room.bath"] = "bathroom", ["ag.room.kitchen"] = "kitchen", ["ag.room.flat"] = "whole flat",
  ["ag.level.cosmetic"] = "cosmetic works", ["ag.level.full"] = "full renovation",
  -- reactivation
  ["ag.r.nudge"] = "Hello again, {name}! Still thinking about a renovation? "
    .. "This month a site visit and quote are free and without obligation.",
  ["ag.r.yes"] = "Great, here is where we can start.",
  -- the team's commands
  ["roles.denied.manager"] = "Sorry, this command is for the Kraft & Sohn team only.",
  ["ag.arrived_usage"] = "Usage: /arrived <address of the customer's chat>, e.g. /arrived telegram:12345",
  ["ag.arrived"] = "Marked as arrived: {address}.",
  ["ag.project_usage"] = "Usage: /project <number> <status> [date], e.g. /project R-1041 delayed 26.06. "
    .. "Statuses: processing, shipped, delayed, delivered, cancelled.",
  ["ag.project_set"] = "Project {id}: {status} {date}",
  ["ag.stats"] = "Kraft & Sohn bot, flows so far:\n"
    .. "Leads: {lead_started} started, {lead_completed} booked a call, {lead_handoff} handed to a manager.\n"
    .. "Site visits: {booking_booked} booked, {booking_confirmed} confirmed, {booking_rescheduled} rescheduled, "
    .. "{booking_completed} visited, {booking_noshow} no-shows, {booking_handoff} handed over.\n"
    .. "Project status: {orders_completed} told, {orders_claims_resolved} claims resolved, "
    .. "{orders_escalated} escalated, {orders_handoff} handed over.\n"
    .. "Quotes: {flow_scope_started} started, {quote_sent} sent, {quote_confirmed} confirmed (payment link), "
    .. "{followup_quote_sent} follow-ups, {followup_quote_later} later, {followup_quote_reminded} reminded as asked, "
    .. "{followup_quote_declined} declined, {followup_quote_expired} expired, "
    .. "{followup_quote_forgotten} forgotten on request.\n"
    .. "Reactivation: {followup_reactivation_sent} nudges, {followup_reactivation_resumed} came back, "
    .. "{followup_reactivation_later} later, {followup_reactivation_reminded} reminded as asked, "
    .. "{followup_reactivation_declined} not interested, {followup_reactivation_forgotten} forgotten on request.\n"
    .. "FAQ: {faq_completed} answered, {faq_rephrase} asked to rephrase, {faq_unanswered} unanswered, "
    .. "{faq_handoff} handed over.\n"
    .. "Asked for a person: {human}.\n"
    .. "Done by the bot: {done}; handed to people: {handed} ({share}%).",
})

i18n.define("ru", {
  ["ag.hello"] = "Здравствуйте, {name}! Я помощник компании Kraft & Sohn Renovations, Берлин. "
    .. "Цены, смета, бесплатный выезд замерщика, статус вашего проекта — чем помочь?",
  ["ag.main"] = "Чем могу помочь?",
  ["ag.m.prices"] = "Цены",
  ["ag.m.quote"] = "Получить смету",
  ["ag.m.visit"] = "Вызвать замерщика",
  ["ag.m.status"] = "Мой проект",
  ["ag.m.faq"] = "Вопросы",
  ["ag.m.human"] = "Поговорить с человеком",
  ["ag.m.ru"] = "Русский",
  ["ag.m.en"] = "English",
  ["ag.faq_prompt"] = "Спрашивайте: гарантия, оплата, разрешения, шум, уборка. Просто напишите вопрос.",
  ["ag.lang_set"] = "Теперь я пишу по-русски.",
  ["ag.unknown_command"] = "Извините, я не знаю команды /{command}.",
  ["ag.stale_button"] = "Эта кнопка больше не действует.",
  ["ag.welcome"] = "Пожалуйста! Пишите в любое время или отправьте /menu.",
  ["ag.unclear"] = "Извините, не уверен, что понял. Сформулируйте иначе или выберите в меню. "
    .. "Напишите «человек», чтобы связаться с менеджером.",
  ["ag.back"] = "Я снова на связи. Чем ещё могу помочь?",
  ["ag.forgotten"] = "Готово: я удалил то, что вы нам рассказали. Отправьте /start, чтобы начать заново.",
  ["ag.human"] = "Конечно. Менеджер скоро напишет вам здесь (пн–пт 8:00–18:00, или звоните {phone}).",
  ["ag.note.human"] = "{name} ({address}) просит человека. Последнее сообщение: {text}",
  ["ag.v.service"] = "Бесплатный выезд: замерщик приедет, всё измерит и посоветует. О чём речь?",
  ["ag.v.bath"] = "Ванная",
  ["ag.v.kitchen"] = "Кухня",
  ["ag.v.flat"] = "Вся квартира",
  ["ag.v.repair"] = "Мелкий ремонт",
  ["ag.v.phone"] = "Ваш номер телефона, чтобы замерщик позвонил перед приездом?",
  ["ag.v.address"] = "Адрес (улица, дом, район)?",
  ["ag.v.pick"] = "Спасибо! Когда замерщику приехать?",
  ["ag.v.cancelled"] = "Хорошо, ничего не записано. /menu — когда понадобится.",
  ["ag.note.visit"] = "Заявка на замер: {name} ({address}), {service}, телефон {phone}, адрес {place}. "
    .. "Сейчас выбирает время.",
  ["ag.q.room"] = "Составим смету: четыре коротких вопроса. Что ремонтируем?",
  ["ag.q.area"] = "Примерно сколько квадратных метров?",
  ["ag.q.level"] = "Какие работы?",
  ["ag.q.cosmetic"] = "Косметический (покраска, полы)",
  ["ag.q.full"] = "Капитальный (с сантехникой и электрикой)",
  ["ag.q.materials"] = "Кто покупает материалы?",
  ["ag.q.by_us"] = "Вы",
  ["ag.q.by_client"] = "Я сам",
  ["ag.q.cancelled"] = "Хорошо, без сметы. /menu — когда понадобится.",
  ["ag.q.quote"] = "Смета {quote}: {room}, {area} м², {level}.\n"
    .. "Работы: {works}\nМатериалы: {materials}\nИтого: {total}\n"
    .. "Начнём в течение 3 недель после предоплаты ({deposit}); цена действует 30 дней.",
  ["ag.q.own_materials"] = "ваши",
  ["ag.q.confirm"] = "Подтвердить",
  ["ag.q.clarify"] = "Уточнить",
  ["ag.q.question"] = "Вопрос",
  ["ag.q.confirmed"] = "Спасибо! Смета {quote} подтверждена. Оплатите, пожалуйста, предоплату {deposit} "
    .. "по ссылке ниже; мы позвоним, чтобы согласовать дату начала.",
  ["ag.q.pay"] = "Оплатить {deposit}",
  ["ag.q.ask"] = "Напишите, пожалуйста, ваш вопрос по смете {quote}.",
  ["ag.q.stale"] = "Эта смета уже неактуальна.",
  ["ag.q.done"] = "Смета {quote} уже подтверждена; ссылка на оплату выше. /menu — для всего остального.",
  ["ag.q.none"] = "У вас нет открытой сметы. Составим?",
  ["ag.q.nudge24"] = "Что скажете о смете {quote} ({total})? Могу её изменить или ответить на вопросы.",
  ["ag.q.nudge72"] = "Смета {quote} ({total}) действует до конца месяца. Начинаем?",
  ["ag.note.confirmed"] = "Смета {quote} подтверждена: {name} ({address}), итого {total}, "
    .. "ссылка на предоплату отправлена.",
  ["ag.note.expired"] = "Смета {quote} ({total}) для {name} ({address}) осталась без ответа после двух напоминаний.",
  ["ag.room.bath"] = "ванная", ["ag.room.kitchen"] = "кухня", ["ag.room.flat"] = "вся квартира",
  ["ag.level.cosmetic"] = "косметический ремонт", ["ag.level.full"] = "капитальный ремонт",
  ["ag.r.nudge"] = "Снова здравствуйте, {name}! Всё ещё думаете о ремонте? "
    .. "В этом месяце выезд замерщика и смета бесплатны и ни к чему не обязывают.",
  ["ag.r.yes"] = "Отлично, вот с чего можно начать.",
  ["roles.denied.manager"] = "Извините, эта команда только для команды Kraft & Sohn.",
  ["ag.arrived_usage"] = "Как использовать: /arrived <адрес чата клиента>, например /arrived telegram:12345",
  ["ag.arrived"] = "Отмечен приход: {address}.",
  ["ag.project_usage"] = "Как использовать: /project <номер> <статус> [дата], например /project R-1041 delayed 26.06. "
    .. "Статусы: processing, shipped, delayed, delivered, cancelled.",
  ["ag.project_set"] = "Проект {id}: {status} {date}",
  ["ag.stats"] = "Бот Kraft & Sohn, итоги:\n"
    .. "Лиды: начато {lead_started}, записались на звонок {lead_completed}, переданы менеджеру {lead_handoff}.\n"
    .. "Замеры: записей {booking_booked}, подтверждено {booking_confirmed}, перенесено {booking_rescheduled}, "
    .. "состоялось {booking_completed}, неявок {booking_noshow}, передано {booking_handoff}.\n"
    .. "Статус проектов: ответов {orders_completed}, претензий решено {orders_claims_resolved}, "
    .. "эскалаций {orders_escalated}, передано {orders_handoff}.\n"
    .. "Сметы: начато {flow_scope_started}, отправлено {quote_sent}, подтверждено {quote_confirmed}, "
    .. "напоминаний {followup_quote_sent}, позже {followup_quote_later}, "
    .. "напомнили по просьбе {followup_quote_reminded}, отказов {followup_quote_declined}, "
    .. "без ответа {followup_quote_expired}, "
    .. "забыты по просьбе {followup_quote_forgotten}.\n"
    .. "Реактивация: напоминаний {followup_reactivation_sent}, вернулись {followup_reactivation_resumed}, "
    .. "позже {followup_reactivation_later}, напомнили по просьбе {followup_reactivation_reminded}, "
    .. "не интересно {followup_reactivation_declined}, забыты по просьбе {followup_reactivation_forgotten}.\n"
    .. "FAQ: отвечено {faq_completed}, переспросили {faq_rephrase}, без ответа {faq_unanswered}, "
    .. "передано {faq_handoff}.\n"
    .. "Просили человека: {human}.\n"
    .. "Сделано ботом: {done}; передано людям: {handed} ({share}%).",
})

-- The library's words, for a renovation firm ------------------------------------

i18n.define("en", {
  ["orders.ask"] = "Please send your project number (it is on your contract, like R-1041).",
  ["orders.bad_id"] = "A project number looks like {example}. Please send it again.",
  ["orders.unknown"] = "I can't find project {id}. Please check the number and send it again.",
  ["orders.down"] = "Our project system is not answering right now.",
  ["orders.processing"] = "Project {id}: the works are in progress; we expect to finish on {eta}.",
  ["orders.shipped"] = "Project {id}: the materials are on their way; the works start on {eta}.",
  ["orders.delayed"] = "Project {id} is delayed, sorry: a supplier is late. New completion date: {eta}.",
  ["orders.delivered"] = "Project {id} was handed over on {delivered}. Is everything in order?",
  ["orders.cancelled"] = "Project {id} was cancelled.",
  ["orders.other"] = "Project {id}: {status}.",
  ["orders.missing"] = "Work isn't finished",
  ["orders.damaged"] = "Something is damaged",
  ["orders.describe.missing"] = "Sorry to hear that. What is left unfinished?",
  ["orders.describe.damaged"] = "Sorry to hear that. What is damaged, and where?",
  ["orders.claim"] = "Thank you. Claim {id} is registered: our foreman will come to fix it within 3 working days.",
  ["orders.manager"] = "{priority}Project {id} ({total}): {why}. Customer {name} ({address}). {details}",
  ["orders.why.missing"] = "handed over, but the customer says the work is not finished (disputed)",
  ["orders.why.damaged"] = "damage after the works",
  ["orders.why.unknown"] = "project number not found twice",
  ["orders.why.bad"] = "no valid project number after three tries",
  ["orders.why.down"] = "the project system did not answer",
})
i18n.define("ru", {
  ["orders.ask"] = "Пришлите, пожалуйста, номер проекта (он есть в договоре, например R-1041).",
  ["orders.bad_id"] = "Номер проекта выглядит так: {example}. Пришлите его ещё раз.",
  ["orders.unknown"] = "Не могу найти проект {id}. Проверьте номер и пришлите его ещё раз.",
  ["orders.down"] = "Наша система проектов сейчас не отвечает.",
  ["orders.processing"] = "Проект {id}: работы идут; планируем закончить {eta}.",
  ["orders.shipped"] = "Проект {id}: материалы в пути; работы начнутся {eta}.",
  ["orders.delayed"] = "Проект {id} задерживается, извините: поставщик опаздывает. Новая дата окончания: {eta}.",
  ["orders.delivered"] = "Проект {id} сдан {delivered}. Всё в порядке?",
  ["orders.cancelled"] = "Проект {id} отменён.",
  ["orders.other"] = "Проект {id}: {status}.",
  ["orders.missing"] = "Работы не закончены",
  ["orders.damaged"] = "Что-то повреждено",
  ["orders.describe.missing"] = "Очень жаль. Что осталось недоделанным?",
  ["orders.describe.damaged"] = "Очень жаль. Что повреждено и где?",
  ["orders.claim"] = "Спасибо. Заявка {id} зарегистрирована: бригадир приедет и всё исправит в течение 3 рабочих дней.",
  ["orders.manager"] = "{priority}Проект {id} ({total}): {why}. Клиент {name} ({address}). {details}",
  ["orders.why.missing"] = "сдан, но клиент говорит, что работы не закончены (спор)",
  ["orders.why.damaged"] = "повреждение после работ",
  ["orders.why.unknown"] = "номер проекта дважды не найден",
  ["orders.why.bad"] = "нет верного номера проекта после трёх попыток",
  ["orders.why.down"] = "система проектов не ответила",
})
