-- A bot using profile and segments the way a conference bot would: a questionnaire
-- answer stored with /set, consent with /consent, segments for menus (/am) and for a
-- walk over the directory (/members), data deletion with /forget (with a hook of the
-- bot's own for what /note keeps per conversation, and specs/store_probe's /store_find
-- to check the whole store after it).
local profile = require "profile"
local segments = require "segments"
local identity = require "identity"

profile.commands()
identity.commands()
require("specs.store_probe").command()

-- Something of the bot's own, per conversation: a store key and a session field.
bot.command("note", function(ctx, text)
  bot.store.put("note:" .. ctx.chat.address, { by = ctx.user.name, text = text })
  ctx.session.note = text
  ctx:reply("noted")
end)
profile.on_forget(function(ctx)
  bot.store.delete("note:" .. ctx.chat.address)
  ctx.session.note = nil
end)

segments.define("attendees", function(p) return p.ticket == true end)
segments.define("news", function(_, e) return segments.consented(e, "marketing") end)
segments.define("russian", function(_, e) return e.locale == "ru" end)
segments.define("broken", function(p) return p.missing.field end)

-- The spec may add a variant.lua (a changed segment) and reload.
local ok, variant = pcall(require, "variant")
if ok and type(variant) == "function" then variant(segments) end

local function parse(v)
  if v == "true" then return true elseif v == "false" then return false
  elseif v == "nil" then return nil elseif tonumber(v) then return tonumber(v) end
  if v:find(",", 1, true) then
    local list = {}
    for x in v:gmatch("[^,]+") do list[#list + 1] = x end
    return list
  end
  return v
end

bot.command("set", function(ctx, args)
  local field, value = args:match("^(%S+)%s*(.*)$")
  profile.set(ctx, field or "", parse(value or ""))
  ctx:reply("ok")
end)

bot.command("setbad", function(ctx) profile.set(ctx, "f", function() end) end)

bot.command("get", function(ctx, field)
  if field ~= "" then return ctx:reply(field .. "=" .. tostring(profile.get(ctx, field))) end
  local p, keys = profile.get(ctx), {}
  for k, v in pairs(p) do
    keys[#keys + 1] = k .. "=" .. (type(v) == "table" and table.concat(v, ",") or tostring(v))
  end
  table.sort(keys)
  ctx:reply(#keys > 0 and table.concat(keys, " ") or "(empty)")
end)

bot.command("consented", function(ctx, name)
  local on, at = profile.consent(ctx, name ~= "" and name or "marketing")
  ctx:reply(tostring(on) .. " " .. (at and os.date("!%Y-%m-%d %H:%M", math.floor(at)) or "-"))
end)

bot.command("touch", function(ctx) profile.touch(ctx) ctx:reply("touched") end)

bot.command("am", function(ctx, name) ctx:reply(name .. ": " .. tostring(segments.is(ctx, name))) end)

-- Every member of a segment, walking the pages: "/members attendees 1" reads about one
-- profile per page.
bot.command("members", function(ctx, args)
  local name, want = args:match("^(%S+)%s*(%d*)")
  local cursor, pages, ids = nil, 0, {}
  repeat
    local page
    page, cursor = segments.members(name, cursor, tonumber(want))
    pages = pages + 1
    for _, m in ipairs(page) do ids[#ids + 1] = m.id .. "@" .. m.address end
  until not cursor
  table.sort(ids)
  ctx.session.pages = pages
  ctx:reply(#ids .. ": " .. table.concat(ids, " "))
end)

-- Fills one directory bucket past scan's 1000 limit (what 4M users would do).
bot.command("crowd", function(ctx)
  for i = 1, 1001 do
    bot.store.put(("profile:user:000:fake%04d"):format(i), { fields = { ticket = true }, consent = {}, address = "console:x" })
  end
  ctx:reply("crowded")
end)
