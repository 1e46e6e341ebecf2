-- leads.lua: price questions become qualified leads (MISSION §2 case 1) through the
-- library's lead module: the price range, four short questions (budget, start, where,
-- how to reach them); a lead with a budget who wants to start within three months
-- books a call with the manager; everyone else, and anyone who asks for a person, is
-- handed to the manager with a one-paragraph summary in the team's language.
-- variant.lua, when present (a spec writes one to reload changed code mid-flow), may
-- replace the questions.
local lead = require "lead"
local config = require "config"
local followup = require "followup"

local ok, variant = pcall(require, "variant")
if not ok then variant = {} end

local QUESTIONS = variant.lead_questions or {
  { id = "budget", summary = { en = "Budget", ru = "Бюджет" },
    text = { en = "What budget do you have in mind?", ru = "На какой бюджет вы рассчитываете?" },
    choices = {
      { label = { en = "Under €5,000", ru = "До 5 000 €" }, value = "low" },
      { label = { en = "€5,000 to €20,000", ru = "5 000 – 20 000 €" }, value = "mid" },
      { label = { en = "Over €20,000", ru = "Больше 20 000 €" }, value = "high" },
    } },
  { id = "when", summary = { en = "Start", ru = "Начало" },
    text = { en = "When would you like to start?", ru = "Когда хотите начать?" },
    choices = {
      { label = { en = "Within a month", ru = "В течение месяца" }, value = "now" },
      { label = { en = "In 1–3 months", ru = "Через 1–3 месяца" }, value = "soon" },
      { label = { en = "Just looking", ru = "Пока присматриваюсь" }, value = "later" },
    } },
  { id = "city", summary = { en = "Where", ru = "Где" },
    text = { en = "Which district or town is it in?", ru = "В каком районе или городе?" } },
  { id = "contact", summary = { en = "Contact", ru = "Связь" },
    text = { en = "How shall we reach you?", ru = "Как с вами лучше связаться?" },
    choices = {
      { label = { en = "Phone call", ru = "Звонок" }, value = "phone" },
      { label = { en = "WhatsApp", ru = "WhatsApp" }, value = "whatsapp" },
      { label = { en = "Video call", ru = "Видеозвонок" }, value = "video" },
    } },
}

-- Call times: the next three working days at 10:00 and 16:00, Berlin time.
local function call_slots(ctx)
  local today = os.date("*t", math.floor(ctx.now))
  local out = {}
  for d = 1, 5 do
    local day = os.date("*t", os.time{ year = today.year, month = today.month, day = today.day + d, hour = 12 })
    if day.wday ~= 1 and day.wday ~= 7 and #out < 6 then          -- not Sunday or Saturday
      for _, h in ipairs({ 10, 16 }) do
        out[#out + 1] = os.time{ year = day.year, month = day.month, day = day.day, hour = h }
      end
    end
  end
  return out
end

lead.setup{
  range = { en = "bathrooms from €6,000, kitchens from €8,000, a whole flat from €350 per m²",
            ru = "ванная от 6 000 €, кухня от 8 000 €, квартира целиком от 350 € за м²" },
  questions = QUESTIONS,
  qualify = function(a) return a.budget ~= "low" and a.when ~= "later" end,
  slots = call_slots,
  max_slots = 4,
  -- the library's price words without "quote": a quote is quotes.lua's checklist
  intent = { "price", "prices", "pricing", "cost", "costs", "how much", "tariff",
             "цена", "цены", "цену", "стоимость", "сколько стоит", "прайс", "тариф", "расценки" },
  manager = config.manager,
  manager_locale = config.manager_locale,
  -- a call booked or a manager on it: no reactivation nudges for this lead
  on_done = function(ctx, outcome) followup.stop(ctx, "reactivation", "lead_" .. outcome) end,
}

-- The lead module has no "leave": the bot sends it typed text only while the lead
-- has the focus (ctx.session.focus, set here, taken away by /menu and other flows);
-- a price question starts a lead at any time. A lead left unfinished that way is
-- stopped (leads.leave), so its old answer buttons say the question is closed.
local leads = {}

function leads.leave(ctx)
  if lead.active(ctx) then lead.stop(ctx) end
  if ctx.session.focus == "lead" then ctx.session.focus = nil end
end

function leads.start(ctx)
  ctx.session.focus = "lead"
  lead.start(ctx)
end

function leads.message(ctx, text)
  if ctx.session.focus == "lead" then return lead.message(ctx, text) end
  if lead.is_price_intent(text) then
    leads.start(ctx)
    return true
  end
  return false
end

return leads
