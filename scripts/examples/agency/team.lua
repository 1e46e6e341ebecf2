-- team.lua: the people behind the bot. Notes to the manager's chat in the team's
-- language (config.manager_locale, whatever the customer speaks), the handoff when a
-- customer asks for a person, and the team's commands: /stats (what every flow
-- ended with), /arrived (the estimator met the customer), /project (a status change).
local i18n = require "i18n"
local roles = require "roles"
local booking = require "booking"
local config = require "config"
local projects = require "projects"

local team = {}

-- A note to the manager, written in the manager's language.
function team.note(ctx, key, vars)
  local v = { name = ctx.user.name or ctx.user.id, address = ctx.chat.address }
  for k, x in pairs(vars or {}) do v[k] = x end
  ctx:send(config.manager, i18n.t(config.manager_locale, key, v))
end

-- True when `text` mentions one of `words` (compared folded: case and accents do not
-- matter): a whole English word or phrase; a Russian one in any case ending
-- ("человека", "оператору": Cyrillic letters are not %w, so the ending does not block).
function team.mentions(text, words)
  local s = " " .. bot.text.fold(text) .. " "
  for _, w in ipairs(words) do
    if s:find("[^%w]" .. bot.text.fold(w) .. "[^%w]") then return true end
  end
  return false
end

-- Words that mean "I want a human".
local HUMAN_WORDS = { "human", "person", "operator", "manager", "real people", "someone real",
  "человек", "оператор", "менеджер", "живой" }

function team.wants_human(text)
  return team.mentions(text, HUMAN_WORDS)
end

-- The safe fallback of every flow the bot cannot finish: a person takes over.
function team.human(ctx, text)
  bot.store.incr("agency:stats:human")
  team.note(ctx, "ag.note.human", { text = text or "-" })
  ctx:reply(i18n.t(ctx, "ag.human", { phone = config.phone }))
  ctx:handoff("asked for a person")
end

-- /stats ---------------------------------------------------------------------------

local COUNTERS = {
  "lead:stats:started", "lead:stats:completed", "lead:stats:handoff",
  "booking:stats:booked", "booking:stats:confirmed", "booking:stats:rescheduled",
  "booking:stats:completed", "booking:stats:noshow", "booking:stats:handoff",
  "orders:stats:completed", "orders:stats:claims_resolved", "orders:stats:escalated", "orders:stats:handoff",
  "flow:stats:scope:started", "quote:sent", "quote:confirmed",
  "followup:stats:quote:sent", "followup:stats:quote:later", "followup:stats:quote:reminded",
  "followup:stats:quote:declined", "followup:stats:quote:expired", "followup:stats:quote:forgotten",
  "followup:stats:reactivation:sent", "followup:stats:reactivation:resumed",
  "followup:stats:reactivation:later", "followup:stats:reactivation:reminded",
  "followup:stats:reactivation:declined", "followup:stats:reactivation:forgotten",
  "faq:stats:completed", "faq:stats:rephrase", "faq:stats:unanswered", "faq:stats:handoff", "human",
}

-- Every counter as a variable: "lead:stats:started" -> lead_started; the bot's own
-- counters live under agency:stats:.
function team.counters()
  local vars = {}
  for _, key in ipairs(COUNTERS) do
    local own = not key:find(":stats:", 1, true)
    local value = bot.store.get(own and ("agency:stats:" .. key) or key) or 0
    vars[key:gsub(":stats:", "_"):gsub(":", "_")] = value
  end
  -- a flow is done by the bot when it reached its "done"; handed when a person took over
  -- (orders counts its escalations among its handoffs)
  vars.done = vars.lead_completed + vars.booking_completed + vars.orders_completed
    + vars.quote_confirmed + vars.faq_completed
  vars.handed = vars.lead_handoff + vars.booking_handoff + vars.orders_handoff + vars.faq_handoff + vars.human
  local all = vars.done + vars.handed
  vars.share = all > 0 and math.floor(vars.handed * 100 / all + 0.5) or 0
  return vars
end

roles.command("stats", "manager", function(ctx)
  ctx:reply(i18n.t(ctx, "ag.stats", team.counters()))
end)

-- /arrived <address>: the estimator met the customer (the site visit is done).
roles.command("arrived", "manager", function(ctx, address)
  address = address:match("^%s*(%S+:%S+)%s*$")
  if not address then return ctx:reply(i18n.t(ctx, "ag.arrived_usage")) end
  booking.mark_arrived(ctx, address)
  ctx:reply(i18n.t(ctx, "ag.arrived", { address = address }))
end)

-- /project R-1041 delayed 26.06: the team updates a project's status; the customer
-- asking "My project" sees it (projects.lua reads these before its data file).
local STATUSES = { processing = true, shipped = true, delayed = true, delivered = true, cancelled = true }

roles.command("project", "manager", function(ctx, args)
  local id, status, date = args:match("^%s*(%S+)%s+(%a+)%s*(.-)%s*$")
  if not id or not STATUSES[status] then return ctx:reply(i18n.t(ctx, "ag.project_usage")) end
  id = id:upper()
  if date ~= "" then
    date = projects.parse_date(date, ctx.now)
    if not date then return ctx:reply(i18n.t(ctx, "ag.project_usage")) end
  end
  local p = bot.store.get("agency:project:" .. id) or require("projects_data")[id] or { id = id, total = 0 }
  p.status = status
  if date ~= "" then
    if status == "delivered" then p.delivered = date else p.eta = date end
  end
  bot.store.put("agency:project:" .. id, p)
  ctx:reply(i18n.t(ctx, "ag.project_set", { id = id, status = status, date = date }))
end)

return team
