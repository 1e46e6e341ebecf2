-- store_probe.lua: a spec-only helper for the "forget me" scenarios of the library's spec
-- tenants. In a spec tenant's bot.lua, require("specs.store_probe").command() registers
-- /store_find <word> | <word> …, which pages through the tenant's WHOLE bot.store and
-- lists every key whose key, or any string or number in whose value, contains one of
-- the words. A spec loads this same file with dofile and calls probe.forgotten(u, words,
-- kept) to check that nothing but what the module's page keeps on purpose still
-- mentions a forgotten user. Never in a real bot: it reads any key for anyone.
local probe = {}

local NONE = "store_find: nothing"

-- Every string and number in a stored value (keys of tables too), one per line.
local function texts(v, out)
  if type(v) == "table" then
    for k, x in pairs(v) do
      texts(k, out)
      texts(x, out)
    end
  elseif type(v) == "string" or type(v) == "number" then
    out[#out + 1] = tostring(v)
  end
  return out
end

-- The tenant's side: registers the command (default name "store_find").
function probe.command(name)
  bot.command(name or "store_find", function(ctx, args)
    local words = {}
    for w in args:gmatch("[^|]+") do
      w = w:match("^%s*(.-)%s*$")
      if w ~= "" then words[#words + 1] = w end
    end
    local hits, after = {}, nil
    repeat
      local page = bot.store.scan("", 1000, after)
      for _, e in ipairs(page) do
        local text = e.key .. "\n" .. table.concat(texts(e.value, {}), "\n")
        for _, w in ipairs(words) do
          if text:find(w, 1, true) then
            hits[#hits + 1] = e.key
            break
          end
        end
      end
      after = page[#page] and page[#page].key
    until #page < 1000
    ctx:reply(#hits == 0 and NONE or table.concat(hits, "\n"))
  end)
end

-- The spec's side: the keys that still mention any of `words`, asked by user `u` (best
-- an auditor who is not the forgotten user).
function probe.find(u, words)
  u:send("/store_find " .. table.concat(words, " | "))
  local r = u:replies()
  local text = assert(r[#r], "store_find did not answer").text
  local keys = {}
  if text ~= NONE then
    for k in text:gmatch("[^\n]+") do keys[#keys + 1] = k end
  end
  return keys
end

-- Fails (at the caller's line) when a key other than those matching one of the Lua
-- patterns `kept` still mentions any of `words`; returns the kept keys found.
function probe.forgotten(u, words, kept)
  local found, bad = probe.find(u, words), {}
  for _, k in ipairs(found) do
    local ok = false
    for _, pattern in ipairs(kept or {}) do
      if k:match(pattern) then ok = true end
    end
    if not ok then bad[#bad + 1] = k end
  end
  if #bad > 0 then
    error("still stored after forget (" .. table.concat(words, ", ") .. "): " .. table.concat(bad, ", "), 2)
  end
  return found
end

return probe
