-- settings.lua: where the shop service is and who hears about escalations.
--
-- The defaults fit a manual run of service/shop_service.py on port 8765 (bot.lua's
-- header has the one-liner). A deployment edits this file; the specs write variant.lua
-- beside it (the URL of the service each spec starts on a free port, and the code
-- changes of the reload spec) and remove it when done. variant.lua overrides any field.
local settings = {
  service = "http://127.0.0.1:8765",       -- the shop service's base URL, no trailing /
  key = "bean-and-brew-demo",              -- its shared secret (header X-Shop-Key)
  timeout = 5,                             -- seconds per request
  manager = "console:manager",             -- the conversation that gets escalations
  manager_locale = "en",
  claim_threshold = 100,
  delivery_fee = 4.9,                      -- shown in the cart; the service charges it
  free_delivery_from = 50,                   -- damaged orders from EUR 100 go to a person
  courier_note = false,                    -- ask for a note for the courier at checkout
}

local ok, variant = pcall(require, "variant")
if ok and type(variant) == "table" then
  for k, v in pairs(variant) do settings[k] = v end
end

return settings
