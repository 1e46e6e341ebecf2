-- A small agency's bot: a quote is followed up after 24 h and 72 h of silence, and every
-- customer is reactivated after 48 h of silence (scripts/lib/followup.lua). A spec may
-- write variant.lua (other definitions) and reload. /forget is profile's
-- (forget_spec.lua checks the whole store after it with specs/store_probe's /store_find).
local followup = require "followup"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local ok, variant = pcall(require, "variant")
if not ok then variant = {} end

if not variant.no_quote then
  followup.define("quote", {
    steps = variant.quote_steps or {
      { after = "24h", text = { en = "Any thoughts on quote {quote} ({total})?",
                                ru = "Что скажете о смете {quote} ({total})?" } },
      { after = "72h", text = { en = "Quote {quote} is still valid this week.",
                                ru = "Смета {quote} действует до конца недели." } },
    },
    reminder_template = variant.reminder_template,
    on_end = function(ctx, outcome, vars) bot.store.put("ended:" .. ctx.chat.id, outcome .. " " .. vars.quote) end,
  })
end
followup.define("reactivation", {
  steps = { { after = "48h", text = { en = "We have new offers for you, {name}!",
                                      ru = "У нас новые предложения, {name}!" } } },
  renew = true,
  on_yes = function(ctx) ctx:reply("Here is what's new: a 10% discount this month.") end,
})

bot.command("start", function(ctx)
  followup.start(ctx, "reactivation", { name = ctx.user.name })
  ctx:reply("Welcome!")
end)
bot.command("quote", function(ctx)
  followup.start(ctx, "quote", { quote = "Q-17", total = "$1,200" })
  ctx:reply("Here is your quote Q-17: $1,200.")
end)
bot.command("order", function(ctx)
  followup.stop(ctx, "quote", "won")
  ctx:reply("Thank you for your order!")
end)
bot.command("status", function(ctx, kind) ctx:reply(tostring(followup.status(ctx, kind))) end)
bot.on("message", function(ctx, text)
  followup.touch(ctx)
  ctx:reply("You said: " .. text)
end)
