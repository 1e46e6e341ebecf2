-- raffle_spec.lua: the QR raffle over the 15 EXPO booths (raffle module). The
-- organiser prints the signed codes; each booth counts once, a forged code never; at
-- 15 booths the user is in the draw by themselves; the organiser's draw reaches every
-- entrant in their language; only organisers print codes and draw.

-- Every booth's signed payload, by exhibitor name, as the organiser prints them.
local function codes()
  local org = user("org")
  org:send("/raffle_codes")
  local text = org:replies()[1].text
  local out, n = {}, 0
  for name, p in text:gmatch("([^\n]+): https://t%.me/devconf_bot%?start=(%S+)") do
    out[#out + 1] = p
    out[name] = p
    n = n + 1
  end
  assert(n == 15, "15 booth codes: " .. text)
  return out
end

local function attendee(u, yes, role, level)
  u:send("/start")
  u:press(yes or "Yes")
  u:press(role or "Developer")
  u:press(level or "Senior")
  u:replies()
end

local function visit(u, code, from, to)
  for i = from, to do u:send("/start " .. code[i]) end
end

scenario("each booth counts once; at 15 the attendee is in the draw", function(u)
  local code = codes()
  attendee(u)
  u:send("/start " .. code.CloudNest)
  u:expect{ contains = "Checked in at CloudNest!", buttons = { "My raffle progress" } }
  u:send("/start " .. code.CloudNest)
  u:expect{ contains = "You have already checked in at CloudNest; each booth counts once." }
  visit(u, code, 2, 14)
  u:expect{ contains = "Booths visited: 14 of 15." }
  u:send("/menu")
  u:press("Raffle")
  u:expect{ contains = "1 more booth to enter the prize draw." }
  u:send("/start " .. code[15])
  u:expect{ match = "You have entered the prize draw! Your ticket: %S+" }
  assert(store("raffle:stats:entrants") == 1)
end)

scenario("a forged or edited booth code counts nothing", function(u)
  local code = codes()
  attendee(u)
  u:send("/start raffle_cloudnest")
  u:expect{ contains = "This code is not one of ours." }
  u:send("/start " .. code.CloudNest:sub(1, -2) .. (code.CloudNest:sub(-1) == "A" and "B" or "A"))
  u:expect{ contains = "This code is not one of ours." }
  u:send("/raffle")
  u:expect{ contains = "Scan the QR codes on the EXPO booths" }
end)

scenario("a booth scanned before the questionnaire counts, and the bot carries on", function(u)
  local code = codes()
  u:send("/start " .. code.DataForge)
  u:expect{ contains = "Checked in at DataForge!" }
  u:send("/menu")
  u:expect{ contains = "Have you got a ticket?" }
end)

scenario("progress survives a restart; a Russian attendee reads it in Russian", function()
  local code = codes()
  local ivan = user("ivan", { language = "ru-RU" })
  attendee(ivan, "Да", "Разработчик", "Senior")
  visit(ivan, code, 1, 7)
  restart()
  visit(ivan, code, 8, 15)
  ivan:expect{ contains = "Вы" }
  ivan:send("/raffle")
  ivan:expect{ contains = "Стендов посещено: 15 из 15." }
end)

scenario("the organiser draws after the EXPO; every entrant hears the result", function(u)
  local code = codes()
  local org = user("org")
  local ivan = user("ivan", { language = "ru-RU" })
  local late = user("late")
  attendee(u)
  attendee(ivan, "Да", "Разработчик", "Senior")
  attendee(late)
  visit(u, code, 1, 15)
  visit(ivan, code, 1, 15)
  visit(late, code, 1, 3)
  late:replies()
  u:send("/raffle_draw 42")
  u:expect{ text = "This command is for the organisers." }
  org:send("/raffle_draw 42")
  org:expect{ match = "Draw done%. Entrants: 2, seed %x+%. Winners: " }
  u:expect{ match = "Congratulations! Your ticket %S+ won" }
  ivan:expect{ match = "Поздравляем" }
  late:expect{ none = true }                       -- not an entrant
  org:send("/raffle_draw 43")
  org:expect{ contains = "The draw has already taken place" }
  late:send("/start " .. code[4])
  late:expect{ contains = "Checked in" }
  org:send("/raffle_audit")
  org:expect{ match = "Public value: 42\nEntrants: 2" }
end)

scenario("only organisers print the codes", function(u)
  attendee(u)
  u:send("/raffle_codes")
  u:expect{ text = "This command is for the organisers." }
end)
