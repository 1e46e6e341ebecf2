-- Networking as a conference bot wires it: the extended questionnaire (business level,
-- role, fields, interests, topics), three cards per search, typed text routed to the
-- module while it asks for a contact; /forget is profile's (forget_spec.lua checks the
-- whole store after it with specs/store_probe's /store_find). A spec may write
-- variant.lua (a reloaded questionnaire) next to this file.
local networking = require "networking"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local questions = {
  { id = "level", text = { en = "Your business level?", ru = "Ваш уровень?" }, options = {
    { id = "junior", label = "Junior" }, { id = "senior", label = "Senior" },
    { id = "lead", label = "Lead" }, { id = "exec", label = { en = "Executive", ru = "Руководитель" } } } },
  { id = "role", text = { en = "Your role?", ru = "Ваша роль?" }, options = {
    { id = "dev", label = { en = "Developer", ru = "Разработчик" } }, { id = "pm", label = "Product manager" },
    { id = "founder", label = { en = "Founder", ru = "Основатель" } }, { id = "investor", label = "Investor" } } },
  { id = "fields", text = { en = "Your fields?", ru = "Ваши отрасли?" }, multi = true, match = true, options = {
    { id = "fintech", label = "Fintech" }, { id = "health", label = "Health" },
    { id = "ecom", label = "E-commerce" }, { id = "devtools", label = "Dev tools" } } },
  { id = "interests", text = { en = "Your interests?", ru = "Ваши интересы?" }, multi = true, match = true, options = {
    { id = "ai", label = "AI" }, { id = "cloud", label = "Cloud" },
    { id = "security", label = { en = "Security", ru = "Безопасность" } }, { id = "hiring", label = "Hiring" } } },
  { id = "topics", text = { en = "Topics to discuss?", ru = "Темы для разговора?" }, multi = true, match = true,
    options = { { id = "scaling", label = "Scaling" }, { id = "funding", label = "Fundraising" },
                { id = "oss", label = "Open source" }, { id = "careers", label = "Careers" } } },
}

local ok, variant = pcall(require, "variant")
if ok then variant(questions) end

networking.setup{ questions = questions, limit = 3 }

bot.on("message", function(ctx, text)
  if networking.handle_message(ctx, text) then return end
  ctx:reply("Type /networking")
end)

-- An old message still showing a button (Telegram keeps inline buttons pressable).
bot.command("stale", function(ctx, id)
  ctx:reply("An old message", { buttons = { { "Old button", id } } })
end)
