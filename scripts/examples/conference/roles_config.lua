-- roles_config.lua: who organises DevConf (conversation addresses, ctx.chat.address).
-- Organisers may /broadcast, /programme publish, run the raffle draw, see the votes,
-- and /grant the role to others while the bot runs. "console:org" is the spec user "org".
return {
  organiser = { "console:org" },
}
