-- A conference sign-up form built with the flow module, plus one single-step form per
-- validator (/probe <name>) so the specs can try good and bad inputs of each.
-- The bot routes text through the form first (flow.wrap on its message handler and its
-- fallback, which gets /skip, /back and /cancel). A spec may write flow_variant.lua next
-- to this file (a function that changes the sign-up form) and reload, as an integrator's
-- edit would; /stale ID shows a button with that id, as an older message would have it.
-- /forget is profile's (forget_spec.lua checks the whole store after it with
-- specs/store_probe's /store_find).
local i18n = require "i18n"
local flow = require "flow"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

i18n.define("en", {
  ["su.name"] = "What is your name?",
  ["su.role"] = "Nice to meet you, {name}! What do you do?",
  ["su.dev"] = "Developer",
  ["su.design"] = "Designer",
  ["su.student"] = "Student",
  ["su.company"] = "Where do you work?",
  ["su.guests"] = "How many guests will you bring?",
  ["su.guests_help"] = "From 0 to 3; type 0 if you come alone.",
  ["su.phone"] = "Your phone number, in case we need to reach you?",
  ["su.email"] = "Your e-mail for the ticket?",
  ["su.mail"] = "Your e-mail address for the ticket, please?",
  ["su.slot"] = "When will you arrive? (date and time)",
  ["probe.ask"] = "Your answer?",
  ["probe.odd"] = "{n} is odd.",
  ["probe.even_help"] = "Even numbers only.",
  ["pk.a"] = "Alpha",
  ["pk.b"] = "Beta",
})
i18n.define("ru", {
  ["su.name"] = "Как вас зовут?",
  ["su.role"] = "Приятно познакомиться, {name}! Чем вы занимаетесь?",
  ["su.dev"] = "Разработчик",
  ["su.design"] = "Дизайнер",
  ["su.student"] = "Студент",
  ["su.company"] = "Где вы работаете?",
  ["su.guests"] = "Сколько гостей вы приведёте?",
  ["su.guests_help"] = "От 0 до 3; напишите 0, если придёте один.",
  ["su.phone"] = "Ваш телефон, на случай если понадобится связаться?",
  ["su.email"] = "Ваш e-mail для билета?",
  ["su.slot"] = "Когда вы приедете? (дата и время)",
})

-- Answers as one line, keys sorted; instants as Berlin time and UTC.
local function dump(a)
  local keys = {}
  for k in pairs(a) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = a[k]
    if k == "slot" then v = os.date("%Y-%m-%d %H:%M", v) .. " (" .. os.date("!%H:%M", v) .. " UTC)" end
    out[#out + 1] = k .. "=" .. tostring(v)
  end
  return table.concat(out, "; ")
end

local signup = {
  steps = {
    { id = "name", ask = "su.name", type = "text", min = 2, max = 40 },
    { id = "role", ask = "su.role", type = "choice",
      choices = { { "dev", "su.dev" }, { "design", "su.design" }, { "student", "su.student" } } },
    { id = "company", ask = "su.company", type = "text", when = function(a) return a.role ~= "student" end },
    { id = "guests", ask = "su.guests", type = "number", min = 0, max = 3, integer = true, help = "su.guests_help" },
    { id = "phone", ask = "su.phone", type = "phone", optional = true },
    { id = "email", ask = "su.email", type = "email" },
    { id = "slot", ask = "su.slot", type = "datetime", future = true, timeout = "2h" },
  },
  country = "49",
  done = function(ctx, a) ctx:reply("Done: " .. dump(a)) end,
  cancelled = function(ctx, a) ctx:reply("Form cancelled; it had: " .. dump(a)) end,
  timed_out = function(ctx, a, step)
    ctx:reply("Timed out at " .. step .. " with: " .. dump(a))
    if ctx.session.strict then flow.stop(ctx) end
  end,
}
local ok, variant = pcall(require, "flow_variant")
if ok then variant(signup) end
if signup.steps[1] then flow.define("signup", signup) end

local function shown(v)
  if math.type(v) == "integer" and v > 1e9 then
    return os.date("%Y-%m-%d %H:%M", v) .. " (" .. os.date("!%Y-%m-%d %H:%M", v) .. " UTC)"
  end
  return math.type(v) and ("%s:%s"):format(math.type(v), v) or tostring(v)
end

local PROBES = {
  num = { type = "number", min = 1, max = 10, integer = true },
  dec = { type = "number", min = 0.5, max = 99.5 },
  atleast = { type = "number", min = 18 },
  phone = { type = "phone" },
  phone7 = { type = "phone", country = "7" },
  email = { type = "email" },
  date = { type = "date" },
  future = { type = "date", future = true, max = "2026-12-31" },
  dt = { type = "datetime" },
  text = { type = "text", min = 2, max = 5 },
  pick = { type = "choice", choices = { { "a", "pk.a" }, { "b", "pk.b" } } },
  even = { type = "number", help = "probe.even_help",
           check = function(v) if v % 2 == 1 then return "probe.odd", { n = v } end end },
  wait = { type = "text", timeout = "30m" },
}
for name, step in pairs(PROBES) do
  step.id, step.ask = "v", "probe.ask"
  flow.define(name, { steps = { step }, done = function(ctx, a) ctx:reply("ok " .. shown(a.v)) end })
end

bot.command("signup", function(ctx) flow.start(ctx, "signup") end)
bot.command("known", function(ctx) flow.start(ctx, "signup", { name = "Ann", role = "dev" }) end)
bot.command("probe", function(ctx, name) flow.start(ctx, name) end)
bot.command("strict", function(ctx) ctx.session.strict = true ctx:reply("strict") end)
bot.command("state", function(ctx)
  local name, step = flow.active(ctx)
  ctx:reply("state " .. tostring(name) .. " " .. tostring(step))
end)
bot.command("stale", function(ctx, id)
  ctx:send(ctx.chat.address, "(an older message)", { buttons = { { { "old", id } } } })
end)

bot.on("message", flow.wrap(function(ctx, text) ctx:reply("echo " .. text) end))
bot.fallback(flow.wrap(function(ctx, input) ctx:reply("unknown " .. input) end))
