-- A conference bot's privileged commands: /stats for managers, /close for organisers,
-- /grant, /revoke and /roles from the module; a spec may swap the configuration for a
-- variant.lua and reload.
local roles = require "roles"

local has_variant = pcall(require, "variant")
roles.setup{ config = has_variant and "variant" or "roles_config", commands = true }

roles.command("stats", "manager", function(ctx) ctx:reply("42 attendees") end)
roles.command("close", "organiser", function(ctx, args) ctx:reply("closed " .. args) end)
bot.command("whoami", function(ctx)
  local mine = {}
  for _, r in ipairs(roles.names()) do
    if roles.has(ctx, r) then mine[#mine + 1] = r end
  end
  ctx:reply(#mine > 0 and table.concat(mine, ",") or "nobody")
end)
-- A manager's notification, sent to everyone holding the role.
bot.command("lead", function(ctx)
  for _, a in ipairs(roles.members("manager")) do ctx:send(a, "new lead from " .. ctx.user.name) end
  ctx:reply("a manager will call you")
end)

-- The bot's own promotion flow (no command guard): roles.grant checks the admin itself.
bot.command("promote", function(ctx, address)
  local ok, why = roles.grant(ctx, "manager", address)
  ctx:reply(ok and "promoted" or ("not promoted: " .. why))
end)
