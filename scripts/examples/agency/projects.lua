-- projects.lua: "What is the status of my project?" (MISSION §2 case 3) through the
-- library's orders module, over the firm's own data: a status the team set with
-- /project (bot.store "agency:project:<id>") wins over the exported sheet
-- (projects_data.lua). Damage after the works is fixed by the foreman when the job was
-- small (under THRESHOLD); bigger jobs and disputed hand-overs go to the manager as a
-- high-priority case.
local i18n = require "i18n"
local orders = require "orders"
local config = require "config"
local leads = require "leads"

local projects = {}

local THRESHOLD = 500   -- euros of contract value from which damage is escalated

local MONTHS = {
  en = { "January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December" },
  ru = { "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
         "октября", "ноября", "декабря" },
}

-- "2026-06-12" -> "12 June" / "12 июня"; any other text is shown as it is.
local function say_date(ctx, date)
  local _, m, d = tostring(date or ""):match("^(%d%d%d%d)-(%d%d)-(%d%d)$")
  if not m then return date end
  local names = MONTHS[i18n.locale(ctx)] or MONTHS.en
  return tonumber(d) .. " " .. (names[tonumber(m)] or m)
end

-- "26.06" or "26.06.2026" (as the team types it in /project) -> "2026-06-26"
function projects.parse_date(text, now)
  local d, m, y = text:match("^(%d%d?)%.(%d%d?)%.?(%d*)$")
  if not d then return text:match("^%d%d%d%d%-%d%d%-%d%d$") end
  y = y ~= "" and tonumber(y) or tonumber(os.date("%Y", math.floor(now)))
  if y < 100 then y = y + 2000 end
  return ("%04d-%02d-%02d"):format(y, tonumber(m), tonumber(d))
end

orders.setup{
  lookup = function(ctx, id)
    id = id:gsub("^R(%d)", "R-%1")               -- "r1041" is typed as often as "R-1041"
    local p = bot.store.get("agency:project:" .. id) or require("projects_data")[id]
    if not p then return nil end
    return { id = p.id, status = p.status, total = p.total,
             eta = say_date(ctx, p.eta), delivered = say_date(ctx, p.delivered) }
  end,
  id_pattern = "^R%-?%d%d%d%d$",
  example = "R-1041",
  threshold = THRESHOLD,
  manager = config.manager,
  manager_locale = config.manager_locale,
  currency_format = "EUR %.0f",
}

-- Like the lead, orders has no "leave": typed text goes to it only while "My project"
-- has the focus (ctx.session.focus), so a customer who went back to the menu is not
-- taken for someone typing a wrong project number.
function projects.start(ctx)
  leads.leave(ctx)
  ctx.session.focus = "projects"
  orders.start(ctx)
end

function projects.message(ctx, text)
  return ctx.session.focus == "projects" and orders.message(ctx, text)
end

return projects
