-- DevConf 2026: the conference "control centre" bot (example tenant).
-- Configuration only; behaviour lives in bot.lua and its modules.
return {
  name = "DevConf 2026",
  locale = "en",
  timezone = "Europe/Berlin",
  error_reply = "Sorry, something went wrong on our side. Please try again, or send /menu.",
  limits = {
    instructions = 1000000,
    memory = "32MB",
  },
  channels = { console = {} },
}
