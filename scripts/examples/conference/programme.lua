-- programme.lua: the two days of DevConf 2026, read by the schedule module.
-- Times are Berlin local time (tenant.lua timezone). After editing, reload the bot
-- and send /programme publish as an organiser: subscribers are told what changed and
-- their reminders follow. `notify` reminds a whole segment without subscribing.
return {
  { id = "badges1", starts = "2026-06-18 08:00", room = "Foyer",
    title = { en = "Badge pickup & coffee", ru = "Выдача бейджей и кофе" } },
  { id = "keynote", starts = "2026-06-18 09:30", room = "Hall A", notify = "attendees",
    title = { en = "Opening keynote: Shipping software in 2026", ru = "Открывающий доклад: как выпускать софт в 2026" } },
  { id = "talks1", starts = "2026-06-18 10:30", room = "Halls A-C",
    title = { en = "Talks: Backend, Frontend, Platform", ru = "Доклады: бэкенд, фронтенд, платформа" } },
  { id = "expo1", starts = "2026-06-18 13:00", room = "Hall B",
    title = { en = "Lunch & EXPO", ru = "Обед и EXPO" } },
  { id = "workshops", starts = "2026-06-18 14:00", room = "Rooms 1-4",
    title = { en = "Hands-on workshops", ru = "Практические воркшопы" } },
  { id = "party", starts = "2026-06-18 18:00", room = "Courtyard", notify = "attendees",
    title = { en = "Community party", ru = "Вечеринка сообщества" } },
  { id = "keynote2", starts = "2026-06-19 09:30", room = "Hall A",
    title = { en = "Keynote: Open source that pays the bills", ru = "Доклад: open source, который кормит" } },
  { id = "talks2", starts = "2026-06-19 10:30", room = "Halls A-C",
    title = { en = "Talks: AI in production, Security, Data", ru = "Доклады: ИИ в продакшене, безопасность, данные" } },
  { id = "expo2", starts = "2026-06-19 13:00", room = "Hall B",
    title = { en = "Lunch & EXPO", ru = "Обед и EXPO" } },
  { id = "closing", starts = "2026-06-19 16:30", room = "Hall A", notify = "attendees",
    title = { en = "Closing panel & raffle results", ru = "Закрывающая панель и итоги розыгрыша" } },
}
