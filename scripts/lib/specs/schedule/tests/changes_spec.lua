-- changes_spec.lua: a programme edited live (a reload with another programme module)
-- and published: subscribers are told what changed for them and reminded at the new
-- times; without publishing, reminders still follow the programme; a segment's
-- reminders; only organisers publish.

local function spec_dir()
  return debug.getinfo(2, "S").source:match("^@(.*)/tests/[^/]*$")
end

-- Reloads with a programme where rust moved to 14:00 in Hall C, the keynote is gone
-- and a workshop is new.
local CHANGED = [[return {
  { id = "rust", starts = "2026-06-01 14:00", room = "Hall C", title = { en = "Rust in production", ru = "Rust в продакшене" } },
  { id = "workshop", starts = "2026-06-01 15:00", room = "Lab", title = "Workshop" },
  { id = "party", starts = "2026-06-01 18:00", room = "Roof", notify = "attendees", title = { en = "Party", ru = "Вечеринка" } },
}]]

local function with_variant(dir, code)
  local f = assert(io.open(dir .. "/variant.lua", "w"))
  f:write(code)
  f:close()
  local ok, err = pcall(reload)
  os.remove(dir .. "/variant.lua")
  assert(ok, err)
end

scenario("a published change tells each subscriber what concerns them, and re-arms", function(u)
  local dir = spec_dir()
  local olga, ann, ivan = user("olga"), user("ann"), user("ivan", { language = "ru-RU" })
  local petr = user("petr", { language = "ru-RU" })
  olga:send("/programme publish")
  olga:expect{ text = "Programme published (3 blocks); reminders are armed." }
  u:send("/remind rust")
  ann:send("/remind all")
  ivan:send("/remind keynote")
  petr:send("/remind all")
  local bob = user("bob")
  bob:send("/programme")                          -- not subscribed: told nothing
  for _, who in ipairs({ u, ann, ivan, petr, bob }) do who:replies() end
  with_variant(dir, CHANGED)
  olga:send("/programme publish")
  olga:expect{ text = "Programme published: 3 changes; subscribers are being told." }
  -- batches of 2 subscribers a minute: collect what each gets over the next minutes
  local got = { user = {}, ann = {}, ivan = {}, petr = {}, bob = {} }
  local function collect()
    for name, who in pairs({ user = u, ann = ann, ivan = ivan, petr = petr, bob = bob }) do
      for _, r in ipairs(who:replies()) do got[name][#got[name] + 1] = r.text end
    end
  end
  collect()
  for _ = 1, 3 do
    advance("1m")
    collect()
  end
  assert(#got.user == 1 and got.user[1] == "The programme has changed:\n\"Rust in production\" is now at Jun 01, 14:00, Hall C.",
    table.concat(got.user, " | "))
  assert(#got.ann == 1 and got.ann[1] == "The programme has changed:\n\"Opening keynote\" is cancelled.\n"
    .. "\"Rust in production\" is now at Jun 01, 14:00, Hall C.\nNew: \"Workshop\" at Jun 01, 15:00, Lab.",
    table.concat(got.ann, " | "))
  assert(#got.ivan == 1 and got.ivan[1] == "Программа изменилась:\n«Открытие» отменено.", table.concat(got.ivan, " | "))
  assert(#got.petr == 1 and got.petr[1] == "Программа изменилась:\n«Открытие» отменено.\n"
    .. "«Rust в продакшене» перенесено на 1 июня, 14:00, Hall C.\nНовое: «Workshop», 1 июня, 15:00, Lab.",
    table.concat(got.petr, " | "))
  assert(#got.bob == 0, "bob follows nothing")
  olga:send("/programme publish")
  olga:expect{ text = "The programme has not changed since it was last published." }
  olga:send("/resignal user")                      -- the same version again: ignored
  u:expect{ none = true }
  advance("1h42m")                                 -- past the old 13:00 reminder time
  u:expect{ none = true }
  ivan:expect{ none = true }
  advance("1h")
  u:expect{ text = "In 15 minutes: \"Rust in production\" at Jun 01, 14:00, Hall C." }
  ann:expect{ contains = "Rust in production" }
  advance("1h")
  ann:expect{ contains = "\"Workshop\" at Jun 01, 15:00, Lab" }
  u:expect{ none = true }
  reload()
end)

scenario("without a publish, a reminder still follows the edited programme", function(u)
  local dir = spec_dir()
  u:send("/remind rust")
  with_variant(dir, CHANGED)
  advance("1h45m")                                 -- the old timer fires, finds 14:00
  u:expect{ none = true }
  advance("1h")
  u:expect{ text = "In 15 minutes: \"Rust in production\" at Jun 01, 14:00, Hall C." }
end)

scenario("a reload and a restart between subscribing and the change", function(u)
  local dir = spec_dir()
  local olga = user("olga")
  olga:send("/start")                               -- the first sync happens in /start
  u:send("/remind rust")
  restart()
  local f = assert(io.open(dir .. "/variant.lua", "w"))   -- stays for the second restart
  f:write(CHANGED)
  f:close()
  local ok, err = pcall(function()
    reload()
    u:send("/start")                                -- any conversation may find the change
    u:expect{ contains = "\"Rust in production\" is now at Jun 01, 14:00, Hall C." }
    restart()
    advance("2h44m")
    u:expect{ none = true }
    advance("1m")
    u:expect{ text = "In 15 minutes: \"Rust in production\" at Jun 01, 14:00, Hall C." }
  end)
  os.remove(dir .. "/variant.lua")
  assert(ok, err)
end)

scenario("a block's segment is reminded without subscribing, once even if subscribed", function(u)
  local names = { "amy", "ben", "cat", "dan" }
  local people = {}
  for _, n in ipairs(names) do
    people[n] = user(n)
    people[n]:send("/ticket")
  end
  people.amy:send("/remind party")
  u:send("/remind keynote")                         -- no ticket: not in the segment
  local olga = user("olga")
  olga:send("/programme publish")
  advance("6h44m")
  for _, n in ipairs(names) do people[n]:replies() end
  local got = {}
  for _ = 1, 4 do
    advance("1m")
    for _, n in ipairs(names) do
      for _, r in ipairs(people[n]:replies()) do
        if r.text:find("\"Party\" at Jun 01, 18:00, Roof", 1, true) then got[n] = (got[n] or 0) + 1 end
      end
    end
    u:expect{ none = true }
  end
  for _, n in ipairs(names) do assert(got[n] == 1, n .. ": " .. tostring(got[n])) end
end)

scenario("only organisers publish", function(u)
  u:send("/programme publish")
  u:expect{ text = "Sorry, this command is for organisers only." }
  assert(store("schedule:state") == nil)
end)

scenario("a malformed programme fails the reload and the old one keeps working", function(u)
  local dir = spec_dir()
  u:send("/remind rust")
  local f = assert(io.open(dir .. "/variant.lua", "w"))
  f:write('return { { id = "rust", starts = "tomorrow", title = "Rust" } }\n')
  f:close()
  local ok, err = pcall(reload)
  os.remove(dir .. "/variant.lua")
  assert(not ok and tostring(err):find('starts must look like "2026-06-18 09:30"', 1, true), tostring(err))
  advance("1h45m")
  u:expect{ contains = "In 15 minutes: \"Rust in production\" at Jun 01, 13:00, Hall B." }
end)
