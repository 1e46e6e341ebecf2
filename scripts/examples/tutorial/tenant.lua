-- tenant.lua: the configuration of Kraft & Sohn Renovations' bot.
return {
  name = "Kraft & Sohn Renovations",
  locale = "en",                  -- the bot's default language
  timezone = "Europe/Berlin",     -- os.date and os.time{...} are Berlin time
  channels = { console = {} },    -- parley chat and parley test talk through the console
}
