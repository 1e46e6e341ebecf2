-- segments.lua: named predicates over user profiles ("attendees", "prospects who
-- agreed to news"), defined once and reused by menus (segments.is), notifications and
-- broadcasts (segments.members walks the profile directory page by page).
-- Definitions are code (registered at load time, so a reload that changes one takes
-- effect at once); segments keep no state of their own. docs/lib/segments.md.
local profile = require "profile"
local identity = require "identity"

local segments = {}

local defs = {}   -- name -> predicate(fields, entry)

-- segments.define("attendees", function(p, e) return p.ticket == true end): p is the
-- user's attributes, e the whole directory entry (e.consent, e.locale, e.address).
-- Redefining a name replaces it.
function segments.define(name, predicate)
  assert(type(name) == "string" and name:match("^[%w_%-]+$") and #name <= 32,
    "segments.define(name, predicate): name is 1-32 letters, digits, _ or -")
  assert(type(predicate) == "function", "segments.define(name, predicate): predicate is a function")
  defs[name] = predicate
end

function segments.exists(name) return defs[name] ~= nil end

-- Names of the defined segments, sorted.
function segments.names()
  local out = {}
  for n in pairs(defs) do out[#out + 1] = n end
  table.sort(out)
  return out
end

-- Whether a consent is given in a directory entry: segments.consented(e, "marketing").
function segments.consented(entry, name)
  local c = entry and entry.consent and entry.consent[name]
  return c ~= nil and c.value == true
end

local function test(name, entry)
  local pred = defs[name]
  if not pred then error("segments: no segment named \"" .. tostring(name) .. "\"", 3) end
  local ok, res = pcall(pred, entry.fields or {}, entry)
  if not ok then
    bot.log("segments: the predicate of \"" .. name .. "\" failed: " .. tostring(res))
    return false
  end
  return res and true or false
end

-- Whether this conversation's user belongs to the segment (false without a profile).
function segments.is(ctx, name)
  local e = profile.entry(identity.id(ctx))
  if not defs[name] then error("segments: no segment named \"" .. tostring(name) .. "\"", 2) end
  return e ~= nil and test(name, e)
end

-- One page of the segment's members: a list of { id = customer id, address = where to
-- reach them, locale =, fields = }, and the cursor of the next page (nil after the last).
-- Start with cursor nil; a page reads whole directory buckets, about `want` (default
-- 500) profiles, so each call stays well inside an event's budget.
function segments.members(name, cursor, want)
  if not defs[name] then error("segments: no segment named \"" .. tostring(name) .. "\"", 2) end
  local page, next_cursor = profile.scan(cursor, want)
  local out = {}
  for _, m in ipairs(page) do
    if test(name, m.entry) then
      out[#out + 1] = { id = m.id, address = m.entry.address, locale = m.entry.locale, fields = m.entry.fields }
    end
  end
  return out, next_cursor
end

return segments
