-- content.lua: the conference's data (dates, programme, EXPO, FAQ, contacts).
-- Pure data, no logic: organisers edit this file and hot-reload the bot.
-- Times are absolute epoch seconds (UTC) so they do not depend on the host zone;
-- the human-readable strings are Berlin local time (CEST, UTC+2).

local content = {}

content.event = {
  name = "DevConf 2026",
  dates = "18-19 June 2026",
  venue = "Station Berlin, Luckenwalder Str. 4-6, 10963 Berlin",
  badge_pickup = "Badge pickup: foyer, from 08:00 on both days. Bring your ticket QR code and an ID.",
  ends_at = 1781884800,        -- 2026-06-19 16:00 UTC = 18:00 CEST, end of day 2
}

content.keynote = {
  title = "Shipping software in 2026",
  time = "09:30",
  room = "Hall A",
  starts_at = 1781767800,      -- 2026-06-18 07:30 UTC = 09:30 CEST
  remind_before = 3600,        -- seconds before the keynote to remind attendees
}

content.tickets = {
  url = "https://devconf.example/tickets",
  early_bird_price = "EUR 299",
  regular_price = "EUR 449",
  early_bird_until = "10 June",
  early_bird_ends_at = 1781128799,  -- 2026-06-10 23:59:59 CEST
}

-- Questionnaire: the second question's answers (button id = "role_" .. key).
content.roles = {
  { key = "developer", label = "Developer" },
  { key = "manager", label = "Manager" },
  { key = "founder", label = "Founder" },
  { key = "other", label = "Other" },
}

-- Full schedule with rooms, for ticket holders.
content.programme = {
  { day = "Thu 18 June", blocks = {
    { time = "08:00", title = "Badge pickup & coffee", room = "Foyer" },
    { time = "09:30", title = "Opening keynote: Shipping software in 2026", room = "Hall A" },
    { time = "10:30", title = "Talks: Backend, Frontend, Platform tracks", room = "Halls A-C" },
    { time = "13:00", title = "Lunch & EXPO", room = "Hall B" },
    { time = "14:00", title = "Hands-on workshops", room = "Rooms 1-4" },
    { time = "18:00", title = "Community party", room = "Courtyard" },
  } },
  { day = "Fri 19 June", blocks = {
    { time = "09:30", title = "Keynote: Open source that pays the bills", room = "Hall A" },
    { time = "10:30", title = "Talks: AI in production, Security, Data", room = "Halls A-C" },
    { time = "13:00", title = "Lunch & EXPO", room = "Hall B" },
    { time = "16:30", title = "Closing panel & raffle results", room = "Hall A" },
  } },
}

-- What a prospect gets out of the two days (value content, no rooms).
content.highlights = {
  "2 days, 3 tracks, 40+ talks: backend, frontend, platform, AI in production, security",
  "Hands-on workshops with the people who build the tools",
  "EXPO with 30+ companies, and a community party on day 1",
}

content.exhibitors = {
  { id = "cloudnest", name = "CloudNest", booth = "B12",
    description = "Managed Kubernetes and serverless hosting in EU data centres.",
    benefit = "EUR 300 of free credits for every attendee who scans the booth QR code.",
    site = "https://cloudnest.example" },
  { id = "dataforge", name = "DataForge", booth = "B07",
    description = "Observability platform: logs, metrics and traces in one place.",
    benefit = "Live debugging demo and a free team plan for 6 months.",
    site = "https://dataforge.example" },
  { id = "securestack", name = "SecureStack", booth = "B21",
    description = "Security audits and supply-chain scanning for CI pipelines.",
    benefit = "A free 30-minute threat-modelling session at the booth.",
    site = "https://securestack.example" },
  { id = "hireloop", name = "HireLoop", booth = "B03",
    description = "Tech recruiting with transparent salary ranges.",
    benefit = "On-the-spot CV review and a salary benchmark for your role.",
    site = "https://hireloop.example" },
}

-- FAQ entries; `only` limits an entry to one segment ("attendee" or "prospect").
content.faq = {
  { id = "venue", q = "Where is the venue?",
    a = "Station Berlin, Luckenwalder Str. 4-6, Berlin. U-Bahn Gleisdreieck (U1, U2), 5 minutes on foot." },
  { id = "badge", q = "Where do I get my badge?", only = "attendee",
    a = "In the foyer, from 08:00 on both days. Show your ticket QR code and an ID." },
  { id = "wifi", q = "Is there Wi-Fi?", only = "attendee",
    a = "Yes: network DevConf, password printed on the back of your badge." },
  { id = "transfer", q = "Can I transfer my ticket?", only = "attendee",
    a = "Yes, free of charge until 15 June: write to tickets@devconf.example with the new name." },
  { id = "price", q = "How much is a ticket?", only = "prospect",
    a = "Early-bird EUR 299 until 10 June, then EUR 449. Lunch, coffee and the party are included." },
  { id = "recordings", q = "Will the talks be recorded?",
    a = "Yes, main-hall talks are recorded and published a few weeks after the conference." },
}

content.contacts = {
  "E-mail: team@devconf.example",
  "Telegram: @devconf_help",
  "Phone: +49 30 1234 5678 (Mon-Fri 10:00-18:00)",
}
content.onsite_contact = "On site: the info desk in the foyer, or any volunteer in an orange T-shirt."

return content
