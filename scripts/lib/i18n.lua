-- i18n.lua: string tables per locale, the user's language from the channel with their
-- own override, a fallback chain, {name} interpolation and plural forms (English and
-- Russian rules). Every library module's phrases go through it, so a bot speaks one
-- language throughout. Two layers: library modules ship their texts as defaults
-- (i18n.defaults), the bot's i18n.define wins over them whatever the order of the
-- calls. docs/lib/i18n.md.
local i18n = {}

local tables = {}       -- the bot's: locale -> key -> text | { one =, few =, many =, other = }
local defaults = {}     -- the modules' defaults, same shape: used where tables lack the key
local fallbacks = {}    -- locale -> the next locale to try
local default = "en"
local warned = {}

local function base(tag)
  return tag and tag:match("^(%a%a%a?)") and tag:match("^(%a%a%a?)"):lower() or nil
end

local function add(layer, locale, strings, name)
  assert(type(locale) == "string" and type(strings) == "table", name .. "(locale, strings)")
  local t = layer[locale] or {}
  for k, v in pairs(strings) do t[k] = v end
  layer[locale] = t
end

-- Adds the bot's strings for a locale ("en", "ru"); a later definition of a key
-- overrides an earlier one, and any definition overrides a module's default.
function i18n.define(locale, strings) add(tables, locale, strings, "i18n.define") end

-- Adds a library module's strings: each is used only where the bot defines none for
-- that key and locale, so a bot may define its overrides before or after the require.
function i18n.defaults(locale, strings) add(defaults, locale, strings, "i18n.defaults") end

local function has(locale) return tables[locale] ~= nil or defaults[locale] ~= nil end

-- Where to look when a locale lacks a key: i18n.fallback("uk", "ru").
function i18n.fallback(locale, next_locale) fallbacks[locale] = next_locale end

-- The last resort, and the language of users whose own is not available.
function i18n.set_default(locale) default = locale end
function i18n.default() return default end

-- Locales that have strings.
function i18n.available()
  local out = {}
  for l in pairs(tables) do out[#out + 1] = l end
  for l in pairs(defaults) do
    if not tables[l] then out[#out + 1] = l end
  end
  table.sort(out)
  return out
end

-- The user's locale: their own choice (i18n.set), else the channel's language tag
-- ("ru-RU" -> "ru") when there are strings for it, else the default.
function i18n.locale(ctx)
  local s = ctx.session._i18n
  if s and s.lang and has(s.lang) then return s.lang end
  local l = base(ctx.user and ctx.user.language)
  if l and (has(l) or fallbacks[l]) then return l end
  return default
end

-- The user picks a language (a /language menu): kept in their session.
function i18n.set(ctx, locale)
  if not has(locale) then return false end
  ctx.session._i18n = { lang = locale }
  return true
end

local function plural_form(locale, n)
  n = math.abs(math.floor(tonumber(n) or 0))
  if locale == "ru" or locale == "uk" or locale == "be" then
    if n % 10 == 1 and n % 100 ~= 11 then return "one" end
    if n % 10 >= 2 and n % 10 <= 4 and (n % 100 < 12 or n % 100 > 14) then return "few" end
    return "many"
  end
  return n == 1 and "one" or "other"
end
i18n.plural_form = plural_form

-- The text of key in one locale: the bot's, else the module's default.
local function text_in(l, key)
  local v = tables[l] and tables[l][key]
  if v == nil then v = defaults[l] and defaults[l][key] end
  return v
end

-- Language first: a module's Russian default beats the bot's English override for a
-- Russian user.
local function lookup(locale, key)
  local seen = {}
  local l = locale
  while l and not seen[l] do
    seen[l] = true
    local v = text_in(l, key)
    if v ~= nil then return v, l end
    l = fallbacks[l]
  end
  local v = text_in(default, key)
  if v ~= nil then return v, default end
  return nil
end

-- The text of key for ctx's user (or for a locale given as a string), with {name}
-- replaced by vars.name. A plural entry picks its form by vars.count. A missing key
-- shows as the key itself (and is logged once), never as an error.
function i18n.t(who, key, vars)
  local locale = type(who) == "string" and who or i18n.locale(who)
  local v, found_in = lookup(locale, key)
  if v == nil then
    if not warned[key] then
      warned[key] = true
      bot.log("i18n: no text for \"" .. key .. "\" in " .. locale .. " (nor its fallbacks)")
    end
    return key
  end
  if type(v) == "table" then
    v = v[plural_form(found_in, vars and vars.count)] or v.other or v.many or v.one or key
  end
  if type(v) == "function" then return v(vars or {}, found_in) end
  if vars then
    v = v:gsub("{([%w_]+)}", function(k)
      local x = vars[k]
      return x ~= nil and tostring(x) or "{" .. k .. "}"
    end)
  end
  return v
end

-- Month and weekday names for i18n.date, comma-separated (a bot adds a language with
-- i18n.define). Russian months come in the genitive for "18 июня" (%B, %b) and in the
-- nominative for a month on its own ("июнь 2026": %OB).
i18n.defaults("en", {
  ["date.months"] = "January,February,March,April,May,June,July,August,September,October,November,December",
  ["date.months_standalone"] = "January,February,March,April,May,June,July,August,September,October,November,December",
  ["date.months_short"] = "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec",
  ["date.weekdays"] = "Sunday,Monday,Tuesday,Wednesday,Thursday,Friday,Saturday",
  ["date.weekdays_short"] = "Sun,Mon,Tue,Wed,Thu,Fri,Sat",
})
i18n.defaults("ru", {
  ["date.months"] = "января,февраля,марта,апреля,мая,июня,июля,августа,сентября,октября,ноября,декабря",
  ["date.months_standalone"] = "январь,февраль,март,апрель,май,июнь,июль,август,сентябрь,октябрь,ноябрь,декабрь",
  ["date.months_short"] = "янв,фев,мар,апр,мая,июн,июл,авг,сен,окт,ноя,дек",
  ["date.weekdays"] = "воскресенье,понедельник,вторник,среда,четверг,пятница,суббота",
  ["date.weekdays_short"] = "Вс,Пн,Вт,Ср,Чт,Пт,Сб",
})

-- The i-th name of a comma-separated list of names: the locale's (along its chain and
-- the default), else English's.
local function nth(locale, key, i)
  local list = lookup(locale, key)
  if type(list) ~= "string" then list = text_in("en", key) end
  local n = 0
  for name in list:gmatch("[^,]+") do
    n = n + 1
    if n == i then return name end
  end
  return "?"
end

-- os.date(format, time) with the names in the user's language (ctx, or a locale):
-- %a %A weekday, %b %B month (Russian genitive: "18 июня"), %OB the month on its own
-- (Russian nominative: "июнь"), %-d the day without a leading zero. Everything else is
-- os.date's: the tenant's timezone, or UTC with a leading "!". time defaults to now.
function i18n.date(who, format, time)
  local locale = type(who) == "string" and who or i18n.locale(who)
  time = math.floor(time or os.time())
  local fields = os.date(format:sub(1, 1) == "!" and "!*t" or "*t", time)
  local names = {
    a = function() return nth(locale, "date.weekdays_short", fields.wday) end,
    A = function() return nth(locale, "date.weekdays", fields.wday) end,
    b = function() return nth(locale, "date.months_short", fields.month) end,
    B = function() return nth(locale, "date.months", fields.month) end,
    OB = function() return nth(locale, "date.months_standalone", fields.month) end,
    ["-d"] = function() return tostring(fields.day) end,
  }
  -- one pass over the conversions, so "%%a" stays a literal "%a" for os.date
  local out = format:gsub("%%([O%-]?)(.)", function(flag, c)
    local f = names[flag .. c]
    if f then return (f():gsub("%%", "%%%%")) end
  end)
  return os.date(out, time)
end

-- A translator bound to ctx: local t = i18n.for_ctx(ctx); t("menu.title")
function i18n.for_ctx(ctx)
  local locale = i18n.locale(ctx)
  return function(key, vars) return i18n.t(locale, key, vars) end
end

return i18n
