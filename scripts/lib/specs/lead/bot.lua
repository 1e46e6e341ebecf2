-- A studio's sales bot: price questions become qualified leads (scripts/lib/lead.lua).
-- variant.lua, when a spec writes one, replaces the questions (a reload mid-flow).
-- /forget is profile's (forget_spec.lua checks the whole store after it with
-- specs/store_probe's /store_find).
local lead = require "lead"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local ok, variant = pcall(require, "variant")
local questions = ok and variant.questions or {
  { id = "budget", summary = { en = "Budget", ru = "Бюджет" },
    text = { en = "What is your budget?", ru = "Какой у вас бюджет?" },
    choices = {
      { label = { en = "Under $2,000", ru = "До $2 000" }, value = "low" },
      { label = { en = "$2,000 to $10,000", ru = "$2 000 – $10 000" }, value = "mid" },
      { label = { en = "Over $10,000", ru = "Больше $10 000" }, value = "high" },
    } },
  { id = "when", summary = { en = "Start", ru = "Начало" },
    text = { en = "When would you like to start?", ru = "Когда хотите начать?" },
    choices = {
      { label = { en = "This month", ru = "В этом месяце" }, value = "now" },
      { label = { en = "Later", ru = "Позже" }, value = "later" },
    } },
  { id = "company", summary = { en = "Company", ru = "Компания" },
    text = { en = "What is your company called?", ru = "Как называется ваша компания?" } },
}

lead.setup{
  range = { en = "websites from $2,000 to $10,000", ru = "сайты от $2 000 до $10 000" },
  questions = questions,
  qualify = function(a) return a.budget ~= "low" and a.when == "now" end,
  -- calls on 2 and 3 June at 10:00 and 15:00, Berlin time
  slots = function()
    local out = {}
    for _, d in ipairs({ 2, 3 }) do
      for _, h in ipairs({ 10, 15 }) do out[#out + 1] = os.time{ year = 2026, month = 6, day = d, hour = h } end
    end
    return out
  end,
  max_slots = 3,
  manager = "console:manager",
  manager_locale = ok and variant.manager_locale or nil,
  slot_format = ok and variant.slot_format or nil,
}

bot.command("start", function(ctx) ctx:reply("Hi! Ask me anything.") end)
bot.on("message", function(ctx, text)
  if lead.message(ctx, text) then return end
  ctx:reply("I can tell you about our prices.")
end)
bot.command("menu", function(ctx)
  lead.stop(ctx)
  ctx:reply("Menu.")
end)
