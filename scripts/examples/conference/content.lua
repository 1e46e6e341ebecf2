-- content.lua: the conference's data (dates, tickets, EXPO exhibitors, contacts, polls).
-- Pure data, no logic: organisers edit this file and hot-reload the bot. Texts that
-- users read are { en = …, ru = … }; names, sites and addresses are the same in both.
-- The programme is programme.lua (the schedule module reads it), the FAQ faq_data.lua,
-- the organisers roles_config.lua.

local content = {}

content.event = {
  name = "DevConf 2026",
  dates = { en = "18-19 June 2026", ru = "18-19 июня 2026" },
  venue = { en = "Station Berlin, Luckenwalder Str. 4-6, 10963 Berlin",
            ru = "Station Berlin, Luckenwalder Str. 4-6, 10963 Берлин" },
  ends_at = "2026-06-19 18:00",        -- tenant-local (Europe/Berlin): the end of day 2
}

-- Where organiser notifications go: FAQ questions without an answer, contact requests.
-- A conversation address (ctx.chat.address); "console:org" is the spec user "org".
content.organiser_address = "console:org"

content.tickets = {
  url = "https://devconf.example/tickets",
  early_bird_price = "EUR 299",
  regular_price = "EUR 449",
  early_bird_until = { en = "10 June", ru = "10 июня" },
  early_bird_ends = "2026-06-10 23:59",  -- tenant-local
}

-- The EXPO: one card per exhibitor, and each booth is a raffle checkpoint (its QR code
-- opens the bot with the booth's signed payload). ids: letters and digits, short.
content.exhibitors = {
  { id = "cloudnest", name = "CloudNest", booth = "B01", site = "https://cloudnest.example",
    contact = "hello@cloudnest.example", social = "@cloudnest",
    description = { en = "Managed Kubernetes and serverless hosting in EU data centres.",
                    ru = "Управляемый Kubernetes и serverless-хостинг в дата-центрах ЕС." },
    benefit = { en = "EUR 300 of free credits for every attendee who scans the booth QR code.",
                ru = "300 евро бесплатных кредитов каждому, кто отсканирует QR-код стенда." } },
  { id = "dataforge", name = "DataForge", booth = "B02", site = "https://dataforge.example",
    contact = "team@dataforge.example", social = "@dataforge",
    description = { en = "Observability platform: logs, metrics and traces in one place.",
                    ru = "Платформа наблюдаемости: логи, метрики и трейсы в одном месте." },
    benefit = { en = "Live debugging demo and a free team plan for 6 months.",
                ru = "Живое демо отладки и бесплатный командный тариф на 6 месяцев." } },
  { id = "securestack", name = "SecureStack", booth = "B03", site = "https://securestack.example",
    contact = "audit@securestack.example", social = "@securestack",
    description = { en = "Security audits and supply-chain scanning for CI pipelines.",
                    ru = "Аудит безопасности и проверка цепочки поставок в CI." },
    benefit = { en = "A free 30-minute threat-modelling session at the booth.",
                ru = "Бесплатная 30-минутная сессия моделирования угроз на стенде." } },
  { id = "hireloop", name = "HireLoop", booth = "B04", site = "https://hireloop.example",
    contact = "jobs@hireloop.example", social = "@hireloop",
    description = { en = "Tech recruiting with transparent salary ranges.",
                    ru = "IT-рекрутинг с открытыми вилками зарплат." },
    benefit = { en = "On-the-spot CV review and a salary benchmark for your role.",
                ru = "Разбор резюме на месте и зарплатный бенчмарк для вашей роли." } },
  { id = "quantlab", name = "QuantLab", booth = "B05", site = "https://quantlab.example",
    contact = "hi@quantlab.example", social = "@quantlab",
    description = { en = "GPU clusters by the hour for training and inference.",
                    ru = "GPU-кластеры с почасовой оплатой для обучения и инференса." },
    benefit = { en = "10 free GPU hours and a benchmark of your model.",
                ru = "10 бесплатных GPU-часов и бенчмарк вашей модели." } },
  { id = "edgewire", name = "EdgeWire", booth = "B06", site = "https://edgewire.example",
    contact = "sales@edgewire.example", social = "@edgewire",
    description = { en = "A CDN and edge functions with a European footprint.",
                    ru = "CDN и edge-функции с точками присутствия по Европе." },
    benefit = { en = "A latency audit of your site while you wait.",
                ru = "Аудит задержек вашего сайта, пока вы ждёте." } },
  { id = "testpilot", name = "TestPilot", booth = "B07", site = "https://testpilot.example",
    contact = "qa@testpilot.example", social = "@testpilot",
    description = { en = "End-to-end testing in real browsers and on real phones.",
                    ru = "Сквозное тестирование в настоящих браузерах и на телефонах." },
    benefit = { en = "Three months of the team plan for free.",
                ru = "Три месяца командного тарифа бесплатно." } },
  { id = "dbnova", name = "DBNova", booth = "B08", site = "https://dbnova.example",
    contact = "hello@dbnova.example", social = "@dbnova",
    description = { en = "Serverless Postgres with branching for every pull request.",
                    ru = "Serverless Postgres с веткой базы на каждый pull request." },
    benefit = { en = "A schema review by the core team.",
                ru = "Ревью схемы данных от основной команды." } },
  { id = "flagship", name = "Flagship", booth = "B09", site = "https://flagship.example",
    contact = "team@flagship.example", social = "@flagship",
    description = { en = "Feature flags and gradual roll-outs.",
                    ru = "Фича-флаги и постепенные выкатки." },
    benefit = { en = "A free roll-out playbook and stickers.",
                ru = "Бесплатный гайд по выкаткам и стикеры." } },
  { id = "mailcraft", name = "MailCraft", booth = "B10", site = "https://mailcraft.example",
    contact = "hi@mailcraft.example", social = "@mailcraft",
    description = { en = "Transactional e-mail with deliverability you can see.",
                    ru = "Транзакционная почта с прозрачной доставляемостью." },
    benefit = { en = "A deliverability check of your domain.",
                ru = "Проверка доставляемости вашего домена." } },
  { id = "codementor", name = "CodeMentor", booth = "B11", site = "https://codementor.example",
    contact = "mentors@codementor.example", social = "@codementor",
    description = { en = "One-to-one mentoring with senior engineers.",
                    ru = "Менторство один на один с senior-инженерами." },
    benefit = { en = "A free 20-minute career session at the booth.",
                ru = "Бесплатная 20-минутная карьерная консультация на стенде." } },
  { id = "greenops", name = "GreenOps", booth = "B12", site = "https://greenops.example",
    contact = "info@greenops.example", social = "@greenops",
    description = { en = "Cloud cost and carbon reports for engineering teams.",
                    ru = "Отчёты о расходах на облако и углеродном следе для команд." },
    benefit = { en = "A cost report of one of your cloud accounts.",
                ru = "Отчёт о расходах одного вашего облачного аккаунта." } },
  { id = "apiforge", name = "APIForge", booth = "B13", site = "https://apiforge.example",
    contact = "dev@apiforge.example", social = "@apiforge",
    description = { en = "API gateway and developer portal in one.",
                    ru = "API-шлюз и портал для разработчиков в одном продукте." },
    benefit = { en = "A review of your OpenAPI spec.",
                ru = "Ревью вашей OpenAPI-спецификации." } },
  { id = "logship", name = "LogShip", booth = "B14", site = "https://logship.example",
    contact = "support@logship.example", social = "@logship",
    description = { en = "Log shipping at a tenth of the usual cost.",
                    ru = "Доставка логов в десять раз дешевле обычного." },
    benefit = { en = "Free ingestion for your first 100 GB.",
                ru = "Бесплатный приём первых 100 ГБ логов." } },
  { id = "devhub", name = "DevHub Berlin", booth = "B15", site = "https://devhub.example",
    contact = "community@devhub.example", social = "@devhubberlin",
    description = { en = "Berlin's developer community: meetups and a co-working space.",
                    ru = "Сообщество разработчиков Берлина: митапы и коворкинг." },
    benefit = { en = "A free week of co-working after the conference.",
                ru = "Неделя коворкинга бесплатно после конференции." } },
}

content.raffle_threshold = 15   -- booths to visit to enter the draw (all 15 here)
content.raffle_winners = 3
content.raffle_link = "https://t.me/devconf_bot?start="

content.contacts = {
  "E-mail: team@devconf.example",
  "Telegram: @devconf_help",
  { en = "Phone: +49 30 1234 5678 (Mon-Fri 10:00-18:00)", ru = "Телефон: +49 30 1234 5678 (пн-пт 10:00-18:00)" },
}

-- Speaker voting: one poll per day, closing at the end of that day (tenant-local).
content.polls = {
  { id = "day1", closes_at = "2026-06-18 20:00",
    question = { en = "Best talk of day 1?", ru = "Лучший доклад первого дня?" },
    options = {
      { id = "keynote", label = { en = "Opening keynote", ru = "Открывающий доклад" } },
      { id = "k8s", label = "Kubernetes at scale" },
      { id = "rust", label = { en = "Rust in production", ru = "Rust в продакшене" } },
    } },
  { id = "day2", closes_at = "2026-06-19 18:00",
    question = { en = "Best talk of day 2?", ru = "Лучший доклад второго дня?" },
    options = {
      { id = "oss", label = { en = "Open source that pays the bills", ru = "Open source, который кормит" } },
      { id = "ai", label = { en = "AI in production", ru = "ИИ в продакшене" } },
      { id = "sec", label = { en = "Supply-chain security", ru = "Безопасность цепочки поставок" } },
    } },
}

return content
