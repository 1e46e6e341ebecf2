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
  channels = {
    console = {},
    -- The web chat (docs/channels.md): `make demo` serves it at http://127.0.0.1:8080/.
    -- Its secret signs the visitors' tokens; without the variable, parley chat, test
    -- and check leave the channel out, and parley serve refuses to start the tenant.
    webchat = {
      secret_env = "CONFERENCE_WEBCHAT_SECRET",
      title = "DevConf 2026",
      placeholder = "Ask about the programme, tickets, the EXPO…",
    },
  },
}
