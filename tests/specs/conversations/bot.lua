-- One conversation reaching others: an invitation sent to another user's chat with a
-- button, the answer signalled back, and a fan-out to every member (a broadcast).

bot.command("join", function(ctx)
  bot.store.put("member:" .. ctx.chat.id, ctx.chat.address)
  ctx:reply("Joined as " .. ctx.chat.address)
end)

bot.command("invite", function(ctx, who)
  ctx:send("console:" .. who, ctx.user.name .. " invites you to a call",
           { buttons = { { "Accept", "accept:" .. ctx.chat.id }, { "Decline", "decline:" .. ctx.chat.id } } })
  ctx.session.invited = who
  ctx:reply("Invitation sent to " .. who)
end)

bot.on("button", function(ctx, id)
  local answer, from = id:match("^(%a+):(.+)$")
  if not answer then return ctx:reply("?") end
  ctx:signal({ channel = "console", id = from }, "answer", { answer = answer, who = ctx.chat.id })
  ctx:reply("You chose: " .. answer)
end)

bot.on("signal:answer", function(ctx, d)
  ctx.session.answers = (ctx.session.answers or 0) + 1
  ctx:reply(d.who .. " says " .. d.answer .. " (from " .. ctx.event.from .. ", signal " .. ctx.event.name .. ")")
end)

bot.command("announce", function(ctx, text)
  local n = 0
  for _, e in ipairs(bot.store.scan("member:", 1000)) do
    ctx:signal(e.value, "news", { text = text })
    n = n + 1
  end
  ctx:reply("Announced to " .. n)
end)

bot.on("signal:news", function(ctx, d)
  ctx.session.news = (ctx.session.news or 0) + 1
  ctx:reply("News for " .. ctx.chat.id .. ": " .. d.text)
end)

bot.command("bad", function(ctx, what)
  if what == "channel" then ctx:send("fax:1", "hi") end
  if what == "address" then ctx:send("nocolon", "hi") end
  if what == "opts" then ctx:send("console:x", "hi", { colour = "red" }) end
  if what == "name" then ctx:signal("console:x", "no spaces") end
end)

-- Prefix handlers (how library modules claim their ids): the exact handler first, then
-- the longest matching prefix, then the generic one.
bot.command("prefixes", function(ctx)
  ctx:reply("pick", { buttons = { { "A", "lib:a" }, { "B", "lib:deep:b" }, { "C", "lib:exact" } } })
  ctx:remind_in(60, "lib:tick")
end)
bot.on("button:lib:*", function(ctx, id) ctx:reply("lib prefix got " .. id) end)
bot.on("button:lib:deep:*", function(ctx, id) ctx:reply("deeper prefix got " .. id) end)
bot.on("button:lib:exact", function(ctx, id) ctx:reply("exact got " .. id) end)
bot.on("timer:lib:*", function(ctx) ctx:reply("timer prefix got " .. ctx.event.name) end)

bot.command("labels", function(ctx)
  ctx:reply("choose", { buttons = { { "Выставка", "expo" }, { "Café", "cafe" } } })
end)
bot.on("button:expo", function(ctx) ctx:reply("pressed expo") end)
bot.on("button:cafe", function(ctx) ctx:reply("pressed cafe") end)
