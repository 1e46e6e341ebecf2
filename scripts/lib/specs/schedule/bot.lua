-- A conference bot's programme: /programme with reminder toggles, /remind and
-- /unremind, organisers publish changes; attendees (a segment) are reminded of the
-- party without subscribing. A spec may write variant.lua (another programme) and reload.
local profile = require "profile"
local roles = require "roles"
local segments = require "segments"
local schedule = require "schedule"

roles.setup{ config = { organiser = { "console:olga" } } }
segments.define("attendees", function(p) return p.ticket == true end)

local has_variant = pcall(require, "variant")
schedule.setup{ programme = has_variant and "variant" or "programme", remind_before = "15m",
                batch = 2, gap = "1m", commands = true }

profile.commands()                -- /forget drops the subscriptions too
require("specs.store_probe").command()   -- /store_find: the whole store, after /forget

bot.command("ticket", function(ctx) profile.set(ctx, "ticket", true) ctx:reply("ticket noted") end)
bot.command("start", function(ctx)
  schedule.sync(ctx)            -- a programme edited by a reload is picked up here too
  ctx:reply("Welcome! /programme")
end)

-- What a second, concurrent publish of the same version would send.
bot.command("resignal", function(ctx, who)
  ctx:signal("console:" .. who, "schedule:changed",
    { version = schedule.version(), changes = { { id = "rust", kind = "moved" } } })
end)
