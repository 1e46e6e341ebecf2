-- roles_spec.lua: configured roles, privileged commands refused politely to others,
-- grants and revokes by an organiser, a restart and a reload (a changed configuration),
-- Russian.

scenario("configured roles run their commands; others are refused politely", function(u)
  local olga, max = user("olga"), user("max")
  olga:send("/close raffle")
  olga:expect{ text = "closed raffle" }
  max:send("/stats")
  max:expect{ text = "42 attendees" }
  max:send("/close raffle")
  max:expect{ text = "Sorry, this command is for organisers only." }
  u:send("/stats")
  u:expect{ text = "Sorry, this command is for managers only." }
  u:send("/whoami")
  u:expect{ text = "nobody" }
  olga:send("/whoami")
  olga:expect{ text = "organiser" }
  assert(store("roles:stats:denied") == 2)
end)

scenario("an organiser grants and revokes a role; it survives a restart", function(u)
  local olga = user("olga")
  u:send("/stats")
  u:expect{ contains = "managers only" }
  olga:send("/grant manager console:user")
  olga:expect{ text = "console:user is now manager." }
  restart()
  u:send("/stats")
  u:expect{ text = "42 attendees" }
  olga:send("/roles")
  olga:expect{ text = "manager: console:max, console:user\norganiser: console:olga" }
  olga:send("/revoke manager console:user")
  olga:expect{ text = "console:user is no longer manager." }
  u:send("/stats")
  u:expect{ contains = "managers only" }
  assert(logs():find("roles: console:olga granted manager to console:user", 1, true), logs())
end)

scenario("only an organiser grants; bad input is explained", function()
  local olga, max = user("olga"), user("max")
  max:send("/grant organiser console:max")
  max:expect{ text = "Sorry, this command is for organisers only." }
  max:send("/whoami")
  max:expect{ text = "manager" }
  olga:send("/grant")
  olga:expect{ contains = "Usage: /grant <role> <address>" }
  olga:send("/grant manager nocolon")
  olga:expect{ contains = "Usage:" }
  olga:send("/grant wizard console:x")
  olga:expect{ text = "There is no role \"wizard\". Roles: manager, organiser." }
  olga:send("/revoke manager console:max")
  olga:expect{ text = "console:max is manager in the tenant's configuration; edit the file to change that." }
  olga:send("/revoke manager console:nobody")
  olga:expect{ text = "console:nobody has no granted manager role." }
end)

scenario("a granted organiser may grant in turn; members reach every holder", function(u)
  local olga, ann = user("olga"), user("ann")
  olga:send("/grant organiser console:ann")
  ann:send("/grant manager console:bob")
  ann:expect{ text = "console:bob is now manager." }
  local max, bob = user("max"), user("bob")
  u:send("/lead")
  u:expect{ text = "a manager will call you" }
  max:expect{ text = "new lead from user" }
  bob:expect{ text = "new lead from user" }
end)

scenario("a reload with a changed configuration applies at once; grants stay", function(u)
  local dir = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
  local olga, max = user("olga"), user("max")
  olga:send("/grant manager console:user")
  local f = assert(io.open(dir .. "/variant.lua", "w"))
  f:write('return { organiser = { "console:max" }, manager = {} }\n')
  f:close()
  local ok, err = pcall(reload)
  os.remove(dir .. "/variant.lua")
  assert(ok, err)
  olga:send("/close x")
  olga:expect{ contains = "organisers only" }
  max:send("/close x")
  max:expect{ text = "closed x" }
  max:send("/stats")
  max:expect{ contains = "managers only" }
  u:send("/stats")
  u:expect{ text = "42 attendees" }
  reload()
  olga:send("/close y")
  olga:expect{ text = "closed y" }
end)

scenario("Russian: the refusal and the answers", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/close raffle")
  ivan:expect{ text = "Извините, эта команда только для организаторов." }
  ivan:send("/stats")
  ivan:expect{ text = "Извините, эта команда только для менеджеров." }
  local olga = user("olga")
  olga:send("/grant organiser console:ivan")
  ivan:send("/grant wizard console:x")
  ivan:expect{ text = "Роли «wizard» нет. Роли: manager, organiser." }
  ivan:send("/revoke manager console:max")
  ivan:expect{ contains = "по настройкам бота" }
  ivan:send("/roles")
  ivan:expect{ text = "manager: console:max\norganiser: console:olga, console:ivan" }
end)

scenario("roles.grant itself refuses a non-admin, whatever the bot's command checks", function(u)
  u:send("/promote console:user")
  u:expect{ text = "not promoted: denied" }
  u:send("/stats")
  u:expect{ contains = "managers only" }
  user("olga"):send("/promote console:user")
  u:send("/stats")
  u:expect{ text = "42 attendees" }
end)
