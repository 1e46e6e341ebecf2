-- Shows what a handler sees, for tests/spec_runner_spec.lua.
bot.command("where", function(ctx)
  local c = ctx.channel
  ctx:reply(("%s buttons=%s window=%s"):format(c.name, tostring(c.buttons), tostring(c.window_open)))
  ctx:remind_in("25h", "later")
end)

bot.on("timer:later", function(ctx)
  local ok = pcall(ctx.reply, ctx, "free text")
  bot.log("free-form after 25h allowed: " .. tostring(ok))
  ctx:reply("template", { template = { name = "come_back", language = "en" } })
end)

bot.command("pages", function(ctx)
  ctx:reply("page 1", { buttons = { { "Next", "next" } } })
end)
bot.on("button:next", function(ctx)
  ctx:reply("page 2", { edit = true, buttons = { { "Back", "back" } } })
end)
bot.on("button:back", function(ctx)
  ctx:reply("page 1 again", { edit = true })
end)

bot.on("contact", function(ctx, c) ctx:reply("got phone " .. c.phone) end)
bot.on("message", function(ctx, text) ctx:reply("bot: " .. text) end)
bot.on("handback", function(ctx, note) ctx:reply("bot is back (" .. note .. ")") end)

bot.command("secret", function(ctx)
  ctx:reply("Your choice?", { buttons = { { "Red", "pick:red" }, { "Blue", "pick:blue" } } })
end)
bot.on("button:pick:*", function(ctx)
  ctx:redact()
  ctx:reply("Counted.")
end)

bot.command("erase", function(ctx)
  ctx:erase_history()
  ctx:reply("Erased.")
end)
bot.command("log_of", function(ctx, who)
  local lines = {}
  for _, e in ipairs(bot.history("console:" .. who, 50)) do lines[#lines + 1] = e.dir .. " " .. (e.text or "") end
  ctx:reply(#lines .. ": " .. table.concat(lines, " | "))
end)

bot.command("remind", function(ctx) ctx:remind_in("1m", "nudge", { n = 1 }); ctx:reply("in a minute") end)
bot.on("timer:nudge", function(ctx, d) ctx:reply("nudge " .. d.n) end)
bot.command("poke", function(ctx, who) ctx:signal("console:" .. who, "poke", { by = ctx.user.name }) end)
bot.on("signal:poke", function(ctx, d) ctx:reply("poked by " .. d.by) end)
