-- The programme: times in the tenant's timezone. Edit and reload to change it live,
-- then /programme publish tells the subscribers.
return {
  { id = "keynote", starts = "2026-06-01 12:00", room = "Hall A",
    title = { en = "Opening keynote", ru = "Открытие" } },
  { id = "rust", starts = "2026-06-01 13:00", room = "Hall B",
    title = { en = "Rust in production", ru = "Rust в продакшене" } },
  { id = "party", starts = "2026-06-01 18:00", room = "Roof", notify = "attendees",
    title = { en = "Party", ru = "Вечеринка" } },
}
