-- Who runs this bot: addresses per role (a conversation's ctx.chat.address).
return {
  organiser = { "console:olga" },
  manager = { "console:max" },
}
