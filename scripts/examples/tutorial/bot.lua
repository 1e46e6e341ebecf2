-- bot.lua: Kraft & Sohn Renovations' bot. Price questions become qualified leads
-- (the library's lead module, docs/lib/lead.md), in English and Russian (i18n); the
-- manager gets every lead's summary, and anyone who asks for a person, in English.
local i18n = require "i18n"
local lead = require "lead"

-- The manager's chat (their ctx.chat.address; in production "telegram:123456").
local MANAGER = "console:manager"
local MANAGER_LOCALE = "en"

-- The bot's own phrases, per language (docs/lib/i18n.md).
i18n.define("en", {
  ["kraft.hello"] = "Hello, {name}! I'm the assistant of Kraft & Sohn Renovations. "
    .. "Ask me what a renovation costs.",
  ["kraft.help"] = "I can tell you about our prices: just ask.",
  ["kraft.language"] = "From now on I'll write in English.",
  ["kraft.language_usage"] = "/language en or /language ru",
  ["kraft.human"] = "Of course: a manager will write to you here shortly.",
  ["kraft.note_human"] = "{name} ({address}) asked for a person.",
})
i18n.define("ru", {
  ["kraft.hello"] = "Здравствуйте, {name}! Я помощник компании Kraft & Sohn Renovations. "
    .. "Спросите, сколько стоит ремонт.",
  ["kraft.help"] = "Я могу рассказать о наших ценах: просто спросите.",
  ["kraft.language"] = "Теперь я пишу по-русски.",
  ["kraft.language_usage"] = "/language en или /language ru",
  ["kraft.human"] = "Конечно: менеджер скоро напишет вам здесь.",
  ["kraft.note_human"] = "{name} ({address}) просит человека.",
})

lead.setup{
  range = { en = "bathrooms from €6,000, kitchens from €8,000, a whole flat from €350 per m²",
            ru = "ванная от 6 000 €, кухня от 8 000 €, квартира целиком от 350 € за м²" },
  questions = {
    { id = "budget", summary = { en = "Budget", ru = "Бюджет" },
      text = { en = "What budget do you have in mind?", ru = "На какой бюджет вы рассчитываете?" },
      choices = {
        { label = { en = "Under €5,000", ru = "До 5 000 €" }, value = "low" },
        { label = { en = "€5,000 or more", ru = "От 5 000 €" }, value = "high" },
      } },
    { id = "when", summary = { en = "Start", ru = "Начало" },
      text = { en = "When would you like to start?", ru = "Когда хотите начать?" },
      choices = {
        { label = { en = "Within a month", ru = "В течение месяца" }, value = "now" },
        { label = { en = "Just looking", ru = "Пока присматриваюсь" }, value = "later" },
      } },
    { id = "city", summary = { en = "Where", ru = "Где" },
      text = { en = "Which district is it in?", ru = "В каком районе?" } },
  },
  qualify = function(a) return a.budget == "high" and a.when == "now" end,
  -- call times: tomorrow at 10:00 and 16:00 (Berlin time, from tenant.lua)
  slots = function(ctx)
    local t = os.date("*t", math.floor(ctx.now))
    return { os.time{ year = t.year, month = t.month, day = t.day + 1, hour = 10 },
             os.time{ year = t.year, month = t.month, day = t.day + 1, hour = 16 } }
  end,
  manager = MANAGER,                 -- gets each lead's summary
  manager_locale = MANAGER_LOCALE,   -- in the manager's language, whatever the lead speaks
}

bot.on("start", function(ctx)
  ctx:reply(i18n.t(ctx, "kraft.hello", { name = ctx.user.name }))
end)

-- /language ru or /language en: the user's own choice beats their channel's language.
bot.command("language", function(ctx, code)
  if i18n.set(ctx, code) then
    ctx:reply(i18n.t(ctx, "kraft.language"))
  else
    ctx:reply(i18n.t(ctx, "kraft.language_usage"))
  end
end)

-- /human: the manager is told (in their language) and takes the conversation over.
bot.command("human", function(ctx)
  ctx:send(MANAGER, i18n.t(MANAGER_LOCALE, "kraft.note_human",
    { name = ctx.user.name, address = ctx.chat.address }))
  ctx:reply(i18n.t(ctx, "kraft.human"))
  ctx:handoff("asked for a person")
end)

bot.on("message", function(ctx, text)
  if lead.message(ctx, text) then return end      -- an answer, or a price question
  ctx:reply(i18n.t(ctx, "kraft.help"))
end)
