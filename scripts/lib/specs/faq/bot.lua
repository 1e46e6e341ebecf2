-- A cafe's question desk: every text goes to the FAQ (scripts/lib/faq.lua). A spec may
-- write variant.lua (other entries or settings) and reload. /forget is profile's
-- (forget_spec.lua checks the whole store after it with specs/store_probe's /store_find).
local faq = require "faq"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local ok, variant = pcall(require, "variant")
if not ok then variant = {} end

faq.setup{
  entries = variant.entries or require "faq_data",
  manager = variant.contact == nil and "console:manager" or variant.manager,
  contact = variant.contact,
  rephrase = variant.rephrase,
  fallback = variant.fallback,
}

bot.command("menu", function(ctx)
  faq.reset(ctx)
  ctx:reply("Menu: ask me anything.")
end)

bot.command("start", function(ctx) ctx:reply("Ask me about the cafe.") end)
bot.on("message", function(ctx, text) faq.answer(ctx, text) end)
-- /ask <question>: a question that gets the fallback at once, never a request to rephrase
bot.command("ask", function(ctx, text) faq.answer(ctx, text, { rephrase = false }) end)
