-- Bean & Brew: an online coffee shop's bot (example tenant; bot.lua's header says what
-- it does and how to run it). Configuration only: the shop service's address and key
-- are in settings.lua, behaviour in bot.lua and its modules.
return {
  name = "Bean & Brew",
  locale = "en",
  timezone = "Europe/Berlin",
  error_reply = "Sorry, something went wrong on our side. Your cart is kept: send /menu to go on.",
  limits = {
    instructions = 1000000,
    memory = "32MB",
  },
  channels = {
    console = {},
    -- The web chat (docs/channels.md). Without the variable, parley chat and test leave
    -- the channel out, and parley serve refuses to start the tenant.
    webchat = {
      secret_env = "SHOP_WEBCHAT_SECRET",
      title = "Bean & Brew",
      placeholder = "Search beans and gear, or ask about delivery…",
    },
  },
}
