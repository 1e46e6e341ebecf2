-- Kraft & Sohn Renovations, Berlin: the firm's messenger "AI employee" (example tenant).
-- Configuration only; behaviour lives in bot.lua and its modules, the team's settings
-- (the manager's chat, their language, the payment link) in config.lua.
-- Try it: build/parley chat scripts/examples/agency, then "how much is a bathroom?";
-- `:user manager` switches to the team's chat (/stats, /arrived console:user,
-- /project R-1041 delayed 26.06), `:advance 24h` moves the clock to the reminders.
return {
  name = "Kraft & Sohn Renovations",
  locale = "en",
  timezone = "Europe/Berlin",
  error_reply = "Sorry, something went wrong on our side. Please try again, or send /menu.",
  limits = {
    instructions = 1000000,
    memory = "32MB",
  },
  channels = {
    console = {},
    -- The web chat on the firm's site (docs/channels.md). Its secret signs the
    -- visitors' tokens; without the variable, parley chat and test leave it out.
    webchat = {
      secret_env = "AGENCY_WEBCHAT_SECRET",
      title = "Kraft & Sohn Renovations",
      placeholder = "Ask about prices, a site visit, your project…",
    },
  },
}
