-- Speaker voting as a conference bot wires it: the best talk of each day, the second
-- day's vote closing at 18:00 on 2 June; the organiser is the spec user "org". /dump
-- lists everything the module stored, so the spec can show that nothing in it links a
-- voter to a choice; /forget is profile's (forget_spec.lua checks the whole store after
-- it with specs/store_probe's /store_find). A spec may write variant.lua (a reloaded
-- configuration).
local voting = require "voting"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local polls = {
  { id = "day1", question = { en = "Best talk of day 1?", ru = "Лучший доклад первого дня?" },
    options = {
      { id = "keynote", label = { en = "Opening keynote", ru = "Открывающий доклад" } },
      { id = "k8s", label = "Kubernetes at scale" },
      { id = "rust", label = "Rust in production" },
    } },
  { id = "day2", question = "Best talk of day 2?",
    closes_at = os.time{ year = 2026, month = 6, day = 2, hour = 18 },
    options = { { id = "ai", label = "AI in production" }, { id = "sec", label = "Supply-chain security" } } },
}

local ok, variant = pcall(require, "variant")
if ok then variant(polls) end

voting.setup{
  polls = polls,
  is_organiser = function(ctx) return ctx.chat.address == "console:org" end,
}

bot.command("dump", function(ctx)
  if ctx.chat.address ~= "console:org" then return ctx:reply("organisers only") end
  local lines = {}
  for _, e in ipairs(bot.store.scan("voting:", 1000)) do
    lines[#lines + 1] = e.key .. "=" .. bot.json.encode(e.value)
  end
  ctx:reply(#lines > 0 and table.concat(lines, "\n") or "(empty)")
end)

-- An old message still showing a vote button (Telegram keeps inline buttons pressable).
bot.command("stale", function(ctx, id)
  ctx:reply("An old message", { buttons = { { "Old button", id } } })
end)
