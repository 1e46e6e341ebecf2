-- quotes.lua: quote -> payment (MISSION §2 case 4). A four-question scope checklist
-- (library flow), then a structured quote with Confirm / Clarify / Question. Confirm
-- sends the deposit's payment link (done); Clarify asks the checklist again; Question
-- takes one typed question (the FAQ answers it, else a person). Silence after a quote
-- is followed up at 24 h and 72 h (library followup); no answer to both tells the
-- manager (the safe fallback); "Not interested" there closes the quote. Buttons of a
-- quote that is confirmed, declined or replaced say so and do nothing.
-- Rates (euros per m²) may come from variant.lua, which a spec writes to reload
-- changed code mid-flow.
local i18n = require "i18n"
local flow = require "flow"
local followup = require "followup"
local config = require "config"
local leads = require "leads"
local team = require "team"

local quotes = {}

local ok, variant = pcall(require, "variant")
if not ok then variant = {} end

-- works per m² by room and level; materials bought by us add MATERIALS of the works
local RATES = variant.rates or {
  bath = { cosmetic = 250, full = 600 },
  kitchen = { cosmetic = 150, full = 400 },
  flat = { cosmetic = 60, full = 180 },
}
local MATERIALS = 0.35

local function euros(n)
  local s = tostring(math.floor(n + 0.5)):reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return "€" .. s
end

flow.define("scope", {
  steps = {
    { id = "room", ask = "ag.q.room", type = "choice",
      choices = { { "bath", "ag.v.bath" }, { "kitchen", "ag.v.kitchen" }, { "flat", "ag.v.flat" } } },
    { id = "area", ask = "ag.q.area", type = "number", min = 2, max = 400 },
    { id = "level", ask = "ag.q.level", type = "choice",
      choices = { { "cosmetic", "ag.q.cosmetic" }, { "full", "ag.q.full" } } },
    { id = "materials", ask = "ag.q.materials", type = "choice",
      choices = { { "us", "ag.q.by_us" }, { "client", "ag.q.by_client" } } },
  },
  done = function(ctx, a) quotes.make(ctx, a) end,
  cancelled = function(ctx) ctx:reply(i18n.t(ctx, "ag.q.cancelled")) end,
})

-- The quote's message in the user's language, with its three buttons.
function quotes.show(ctx, q)
  local vars = {
    quote = q.id, area = q.area, total = euros(q.total), works = euros(q.works), deposit = euros(q.deposit),
    room = i18n.t(ctx, "ag.room." .. q.room), level = i18n.t(ctx, "ag.level." .. q.level),
    materials = q.materials > 0 and euros(q.materials) or i18n.t(ctx, "ag.q.own_materials"),
  }
  ctx:reply(i18n.t(ctx, "ag.q.quote", vars), { buttons = { {
    { i18n.t(ctx, "ag.q.confirm"), "quote:confirm:" .. q.id },
    { i18n.t(ctx, "ag.q.clarify"), "quote:clarify:" .. q.id },
    { i18n.t(ctx, "ag.q.question"), "quote:question:" .. q.id },
  } } })
end

-- The checklist's answers become a numbered quote (kept in the session and the store).
function quotes.make(ctx, a)
  local rate = (RATES[a.room] or RATES.flat)[a.level] or 0
  local works = a.area * rate
  local materials = a.materials == "us" and works * MATERIALS or 0
  local total = works + materials
  -- get + put, not incr: two customers asking at the same instant get different numbers
  -- (the second event reads the first's number at its commit and runs again)
  local seq = (bot.store.get("agency:quote:seq") or 0) + 1
  bot.store.put("agency:quote:seq", seq)
  local q = { id = "Q-" .. (100 + seq), room = a.room, area = a.area, level = a.level,
              works = works, materials = materials, total = total,
              deposit = math.floor(total * config.deposit + 0.5), state = "open" }
  ctx.session.quote = q
  bot.store.put("agency:quote:" .. q.id, { address = ctx.chat.address, total = total, at = math.floor(ctx.now) })
  bot.store.incr("agency:stats:quote:sent")
  quotes.show(ctx, q)
  followup.stop(ctx, "reactivation", "quoted")   -- the quote's own follow-ups take over
  followup.start(ctx, "quote", { quote = q.id, total = euros(total) })
end

function quotes.start(ctx)
  leads.leave(ctx)
  ctx.session.focus = nil
  flow.start(ctx, "scope")
end

-- The quote a button is about, if it is still the user's open quote; else says so (a
-- button of a confirmed quote, of one declined at its follow-up, of one replaced by a
-- newer quote: nothing happens twice, the open quote is shown again).
local function current(ctx, id)
  local q = ctx.session.quote
  if q and q.id == id and q.state == "confirmed" then
    ctx:reply(i18n.t(ctx, "ag.q.done", { quote = q.id }))
    return nil
  end
  if not q or q.id ~= id or q.state ~= "open" then
    ctx:reply(i18n.t(ctx, "ag.q.stale"))
    if q and q.state == "open" then quotes.show(ctx, q) end
    return nil
  end
  return q
end

local function pay_url(q)
  return (config.pay_url:gsub("{quote}", q.id):gsub("{amount}", tostring(q.deposit)))
end

bot.on("button:quote:*", function(ctx, id)
  local action, qid = id:match("^quote:(%a+):(.+)$")
  local q = current(ctx, qid)
  if not q then return end
  if action == "confirm" then
    q.state = "confirmed"
    bot.store.incr("agency:stats:quote:confirmed")
    followup.stop(ctx, "quote", "confirmed")
    ctx:reply(i18n.t(ctx, "ag.q.confirmed", { quote = q.id, deposit = euros(q.deposit) }),
      { buttons = { { label = i18n.t(ctx, "ag.q.pay", { deposit = euros(q.deposit) }), url = pay_url(q) } } })
    team.note(ctx, "ag.note.confirmed", { quote = q.id, total = euros(q.total) })
  elseif action == "clarify" then
    bot.store.incr("agency:stats:quote:clarified")
    ctx.session.quote = nil
    followup.stop(ctx, "quote", "clarified")
    flow.start(ctx, "scope")
  elseif action == "question" then
    ctx.session.question = q.id
    ctx:reply(i18n.t(ctx, "ag.q.ask", { quote = q.id }))
  end
end)

followup.define("quote", {
  steps = {
    { after = "24h", text = "ag.q.nudge24" },
    { after = "72h", text = "ag.q.nudge72" },
  },
  expire_after = "24h",
  on_yes = function(ctx)
    local q = ctx.session.quote
    if q and q.state == "open" then return quotes.show(ctx, q) end
    ctx:reply(i18n.t(ctx, "ag.q.none"))
    quotes.start(ctx)
  end,
  on_end = function(ctx, outcome, vars)
    if outcome == "expired" then team.note(ctx, "ag.note.expired", vars) end
    -- "Not interested": the quote is closed; its buttons no longer confirm it
    local q = ctx.session.quote
    if outcome == "declined" and q and q.id == vars.quote and q.state == "open" then q.state = "declined" end
  end,
})

return quotes
