-- Spec tenant of the i18n module (scripts/lib/i18n.lua): the bot's strings, a fallback
-- chain, overrides of a library module's texts (menu's) defined before the module is
-- required, which win over its defaults all the same, and dates with localized names
-- (/date FORMAT: 18 June 2026, 09:30; /today FORMAT: now; /month N FORMAT: the 1st of N;
-- /date_es FORMAT: the keynote with Spanish, which has no names, as the default locale).
local i18n = require "i18n"

i18n.define("en", { ["menu.back"] = "⟵ Return", ["menu.empty"] = "No items", sub = "Sub", main = "Main" })
i18n.define("ru", { ["menu.back"] = "⟵ Вернуться", sub = "Раздел", main = "Главное" })
local menu = require "menu"
menu.define{ home = "main", nodes = {
  main = { text = "main", items = { { label = "sub", open = "sub" } } },
  sub = { text = "sub", list = function() return {} end },
} }
bot.command("menu", function(ctx) menu.show(ctx) end)

i18n.define("en", {
  hello = "Hello, {name}!",
  points = { one = "{count} point", other = "{count} points" },
  only_en = "English only",
})
i18n.define("ru", {
  hello = "Привет, {name}!",
  points = { one = "{count} балл", few = "{count} балла", many = "{count} баллов" },
})
i18n.fallback("uk", "ru")

bot.command("hello", function(ctx) ctx:reply(i18n.t(ctx, "hello", { name = ctx.user.name })) end)
bot.command("points", function(ctx, n)
  ctx:reply(i18n.t(ctx, "points", { count = tonumber(n) }))
end)
bot.command("lang", function(ctx, l)
  ctx:reply(i18n.set(ctx, l) and ("ok " .. i18n.locale(ctx)) or ("no " .. l))
end)
bot.command("only", function(ctx) ctx:reply(i18n.t(ctx, "only_en")) end)
bot.command("missing", function(ctx) ctx:reply(i18n.t(ctx, "no.such.key")) end)
bot.command("locale", function(ctx) ctx:reply(i18n.locale(ctx)) end)

local KEYNOTE = { year = 2026, month = 6, day = 18, hour = 9, min = 30 }
bot.command("date", function(ctx, format) ctx:reply(i18n.date(ctx, format, os.time(KEYNOTE))) end)
bot.command("today", function(ctx, format) ctx:reply(i18n.date(ctx, format)) end)
-- Spanish: the bot's texts, but no month or weekday names. /date_es FORMAT formats the
-- keynote as a tenant whose default locale is Spanish would (the default switched to
-- "es" for this call only): names neither the user's language nor the default has.
i18n.define("es", { hello = "¡Hola, {name}!" })
bot.command("date_es", function(ctx, format)
  local was = i18n.default()
  i18n.set_default("es")
  local ok, text = pcall(i18n.date, ctx, format, os.time(KEYNOTE))
  i18n.set_default(was)
  ctx:reply(ok and text or ("error: " .. tostring(text)))
end)
bot.command("month", function(ctx, args)
  local n, format = args:match("^(%d+) (.*)$")
  ctx:reply(i18n.date(ctx, format, os.time{ year = 2026, month = tonumber(n), day = 1, hour = 12 }))
end)
