-- A shop bot whose customers write from several channels (spec users stand for their
-- chats: "anna" on Telegram, "anna_wa" on WhatsApp): /link codes, a shared contact
-- (here /phone, what bot.on("contact") would pass on), one profile and one history.
local identity = require "identity"
local profile = require "profile"

identity.commands()

bot.on("contact", function(ctx, c)
  if c.user_id == nil or c.user_id == ctx.user.id then identity.phone(ctx, c.phone) end
end)
bot.command("phone", function(ctx, phone)
  ctx:reply(identity.phone(ctx, phone) and "merged" or "noted")
end)

bot.command("set", function(ctx, args)
  local f, v = args:match("^(%S+)%s+(.*)$")
  profile.set(ctx, f, v)
  ctx:reply("ok")
end)
bot.command("get", function(ctx, f) ctx:reply(f .. "=" .. tostring(profile.get(ctx, f))) end)
bot.command("id", function(ctx) ctx:reply("id " .. identity.id(ctx)) end)

bot.command("order", function(ctx, what)
  identity.log(ctx, "order", { item = what })
  ctx:reply("ordered " .. what)
end)
bot.command("history", function(ctx)
  local out = {}
  for _, e in ipairs(identity.history(ctx)) do
    out[#out + 1] = e.event .. (e.data and e.data.item and ("(" .. e.data.item .. ")") or "")
  end
  ctx:reply(#out > 0 and table.concat(out, " ") or "(none)")
end)

-- The customer's messages from all their chats, in time order.
bot.command("transcript", function(ctx)
  local out = {}
  for _, e in ipairs(identity.conversation(ctx, 20)) do
    if e.dir == "in" and e.text then out[#out + 1] = e.address .. ": " .. e.text end
  end
  ctx:reply(table.concat(out, " | "))
end)

-- Tell every chat of the customer (what a shop does when an order ships).
bot.command("notify", function(ctx, text)
  for _, a in ipairs(identity.addresses(ctx)) do ctx:signal(a, "shop:note", { text = text }) end
end)
bot.on("signal:shop:note", function(ctx, d) ctx:reply("note: " .. d.text) end)

bot.command("forget", function(ctx) profile.forget(ctx) ctx:reply("forgotten") end)
