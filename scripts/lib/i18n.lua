-- i18n.lua: string tables per locale, the user's language from the channel with their
-- own override, a fallback chain, {name} interpolation and plural forms (English and
-- Russian rules). Every library module's phrases go through it, so a bot speaks one
-- language throughout. docs/lib/i18n.md.
local i18n = {}

local tables = {}       -- locale -> key -> text | { one =, few =, many =, other = }
local fallbacks = {}    -- locale -> the next locale to try
local default = "en"
local warned = {}

local function base(tag)
  return tag and tag:match("^(%a%a%a?)") and tag:match("^(%a%a%a?)"):lower() or nil
end

-- Adds strings for a locale ("en", "ru"); later definitions override earlier ones, so
-- a tenant's own tables (defined after requiring modules) win over the modules'.
function i18n.define(locale, strings)
  assert(type(locale) == "string" and type(strings) == "table", "i18n.define(locale, strings)")
  local t = tables[locale] or {}
  for k, v in pairs(strings) do t[k] = v end
  tables[locale] = t
end

-- Where to look when a locale lacks a key: i18n.fallback("uk", "ru").
function i18n.fallback(locale, next_locale) fallbacks[locale] = next_locale end

-- The last resort, and the language of users whose own is not available.
function i18n.set_default(locale) default = locale end
function i18n.default() return default end

-- Locales that have strings.
function i18n.available()
  local out = {}
  for l in pairs(tables) do out[#out + 1] = l end
  table.sort(out)
  return out
end

-- The user's locale: their own choice (i18n.set), else the channel's language tag
-- ("ru-RU" -> "ru") when there are strings for it, else the default.
function i18n.locale(ctx)
  local s = ctx.session._i18n
  if s and s.lang and tables[s.lang] then return s.lang end
  local l = base(ctx.user and ctx.user.language)
  if l and (tables[l] or fallbacks[l]) then return l end
  return default
end

-- The user picks a language (a /language menu): kept in their session.
function i18n.set(ctx, locale)
  if not tables[locale] then return false end
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

local function lookup(locale, key)
  local seen = {}
  local l = locale
  while l and not seen[l] do
    seen[l] = true
    local v = tables[l] and tables[l][key]
    if v ~= nil then return v, l end
    l = fallbacks[l]
  end
  if tables[default] and tables[default][key] ~= nil then return tables[default][key], default end
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

-- A translator bound to ctx: local t = i18n.for_ctx(ctx); t("menu.title")
function i18n.for_ctx(ctx)
  local locale = i18n.locale(ctx)
  return function(key, vars) return i18n.t(locale, key, vars) end
end

return i18n
