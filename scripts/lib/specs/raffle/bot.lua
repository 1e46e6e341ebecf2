-- The raffle as a conference bot wires it: 16 booths, 15 enter the draw, two winners,
-- the organiser is the spec user "org". Deep links that are not raffle codes fall
-- through to the bot's own welcome; /forget is profile's (forget_spec.lua checks the
-- whole store after it with specs/store_probe's /store_find). A spec may write
-- variant.lua (a reloaded configuration) next to this file.
local raffle = require "raffle"
local profile = require "profile"
require("specs.store_probe").command()
profile.commands()

local checkpoints = {}
for i = 1, 16 do
  checkpoints[i] = { id = "b" .. i, name = i == 1 and { en = "CloudNest", ru = "КлаудНест" } or ("Booth " .. i) }
end
local threshold = 15

local ok, variant = pcall(require, "variant")
if ok then
  threshold = variant.threshold or threshold
  if variant.drop then table.remove(checkpoints, variant.drop) end
end

raffle.setup{
  threshold = threshold,
  checkpoints = checkpoints,
  winners = 2,
  batch = 2,
  link = "https://t.me/devconf_bot?start=",
  is_organiser = function(ctx) return ctx.chat.address == "console:org" end,
}

bot.on("start", function(ctx, payload)
  if raffle.handle_start(ctx, payload) then return end
  ctx:reply("Welcome to DevConf" .. (payload and (" (" .. payload .. ")") or ""))
end)

-- The module's digest, to check it against the published FNV-1a test vectors.
bot.command("fnv", function(ctx, text) ctx:reply(("%016x"):format(raffle.fnv1a64(text))) end)

-- What an operator taking over the organiser's chat does to the publication: its timer
-- no longer runs the bot.
bot.command("stall", function(ctx) ctx:cancel("raffle:publish") end)
