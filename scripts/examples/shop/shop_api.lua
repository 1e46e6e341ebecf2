-- shop_api.lua: the bot's client of the shop service (service/shop_service.py documents
-- the JSON API). Every call returns the decoded answer, or nil and a reason:
-- "down" (no answer, a timeout, HTTP 5xx or a refused key — the customer is told the
-- shop is not answering), "unknown" (404), "stock" (409, with the product id) or
-- "invalid" (400). Failures are logged with what was asked.
--
-- Every function takes ctx first, as the library's do; only the memo uses it.
-- Catalogue answers are memoised for the current event only (a menu draws a list and
-- then finds the pressed entry in it): nothing outlives the event, so a service that
-- stops mid-conversation is noticed at once.
local settings = require "settings"

local api = {}

local memo = setmetatable({}, { __mode = "k" })   -- ctx -> { [path] = answer }

local function call(method, path, body)
  local r, err = bot.http.request{
    method = method,
    url = settings.service .. path,
    headers = { ["X-Shop-Key"] = settings.key },
    json = body,
    timeout = settings.timeout,
  }
  if not r then
    bot.log("shop: " .. method .. " " .. path .. " failed: " .. tostring(err))
    return nil, "down"
  end
  if r.status == 404 then return nil, "unknown" end
  if r.status == 409 then return nil, "stock", r.json and r.json.id end
  if r.status == 400 then
    bot.log("shop: " .. method .. " " .. path .. " refused: " .. tostring(r.body))
    return nil, "invalid"
  end
  if r.status >= 300 or type(r.json) ~= "table" then
    bot.log("shop: " .. method .. " " .. path .. " failed: HTTP " .. r.status)
    return nil, "down"
  end
  return r.json
end

local function cached(ctx, path)
  local m = memo[ctx] or {}
  memo[ctx] = m
  local e = m[path]
  if not e then
    local v, why = call("GET", path)
    e = { v = v, why = why }
    m[path] = e
  end
  return e.v, e.why
end

-- Percent-encodes a query value (UTF-8 bytes).
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return ("%%%02X"):format(c:byte()) end))
end

function api.search(ctx, q) return cached(ctx, "/products?q=" .. encode(q)) end
function api.categories(ctx) return cached(ctx, "/categories") end
function api.category(ctx, id) return cached(ctx, "/products?category=" .. encode(id)) end
function api.product(ctx, id) return cached(ctx, "/products/" .. encode(id)) end
function api.order(_, id) return call("GET", "/orders/" .. encode(id)) end
function api.place(_, order) return call("POST", "/orders", order) end

function api.claim(_, order_id, issue, details)
  return call("POST", "/orders/" .. encode(order_id) .. "/claims", { issue = issue, details = details })
end

return api
