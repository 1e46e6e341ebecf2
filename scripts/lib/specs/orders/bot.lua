-- A shop's order desk (scripts/lib/orders.lua). The orders come from a Lua stub of the
-- shop's service, unless a spec writes variant.lua with the URL of a real HTTP server
-- (then bot.http.request asks it) and reloads. /forget is profile's (forget_spec.lua
-- checks the whole store after it with specs/store_probe's /store_find).
local orders = require "orders"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local ok, variant = pcall(require, "variant")
if not ok then variant = {} end

local SHOP = {
  ["1001"] = { id = "1001", status = "shipped", eta = "5 June", total = 40,
               tracking_url = "https://track.example/1001" },
  ["1002"] = { id = "1002", status = "delayed", eta = "9 June", total = 60 },
  ["1003"] = { id = "1003", status = "delivered", delivered = "1 June", total = 35 },
  ["1004"] = { id = "1004", status = "delivered", delivered = "30 May", total = 450 },
  ["1005"] = { id = "1005", status = "processing", total = 12 },
  ["1006"] = { id = "1006", status = "returned", total = 12 },
}

orders.setup{
  url = variant.url,
  headers = variant.headers,
  lookup = not variant.url and function(_, id)
    if id == "9999" then return false, "connection refused" end   -- the service is down
    return SHOP[id]
  end or nil,
  threshold = variant.threshold or 100,
  manager = "console:manager",
  manager_locale = variant.manager_locale,
  currency_format = "EUR %.2f",
}

bot.command("order", function(ctx) orders.start(ctx) end)
bot.on("message", function(ctx, text)
  if orders.message(ctx, text) then return end
  ctx:reply("Type /order to check an order.")
end)
