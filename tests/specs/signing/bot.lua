-- A QR-code payload signed by the tenant's key, checked when it comes back; folding
-- text for comparison.
bot.command("qr", function(ctx, booth)
  ctx:reply(bot.sign(booth))
end)

bot.on("start", function(ctx, payload)
  local booth = payload and bot.verify(payload)
  if booth then
    ctx:reply("checked in at " .. booth)
  else
    ctx:reply("that code is not one of ours")
  end
end)

bot.command("fold", function(ctx, text)
  ctx:reply("[" .. bot.text.fold(text) .. "]")
end)
