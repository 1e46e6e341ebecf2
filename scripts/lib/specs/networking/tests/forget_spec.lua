-- "Forget me" in networking (profile.forget, without networking.leave): the profile with
-- name and contact, every request from or to the user and a questionnaire in progress
-- go; others' old cards and requests find nobody; the user can join again.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
local probe = dofile(HERE .. "/../store_probe.lua")

local function pid(name)
  local h = 0xcbf29ce484222325
  local s = "console:" .. name
  for i = 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  return ("%016x"):format(h)
end

local function join(u, p)
  u:send("/networking")
  u:press("networking:join")
  u:press("networking:a:level:" .. p.level)
  u:press("networking:a:role:" .. p.role)
  for _, q in ipairs({ "fields", "interests", "topics" }) do
    for _, opt in ipairs(p[q]) do u:press("networking:t:" .. q .. ":" .. opt) end
    u:press("networking:d:" .. q)
  end
  u:send(p.contact)
  u:replies()
end

local function find(u)
  u:send("/networking")
  u:press("Find people")
  local titles = {}
  for _, m in ipairs(u:replies()) do
    for _, c in ipairs(m.cards or {}) do titles[#titles + 1] = c.title end
  end
  return table.concat(titles, ",")
end

local ZORYANA = { level = "senior", role = "dev", fields = { "fintech", "devtools" },
                  interests = { "ai", "cloud" }, topics = { "scaling" }, contact = "@zoryana_dev" }
local BORIS = { level = "exec", role = "founder", fields = { "fintech" },
                interests = { "ai", "hiring" }, topics = { "funding", "scaling" }, contact = "boris@fin.example" }
local CARL = { level = "junior", role = "dev", fields = { "devtools" },
               interests = { "cloud" }, topics = { "careers" }, contact = "@carl" }

local WORDS = { "console:zoryana", "zoryana", pid("zoryana") }

scenario("forgotten: profile, contact, requests both ways and a questionnaire in progress are gone", function()
  local z, boris, carl, dora = user("zoryana"), user("boris"), user("carl"), user("dora")
  join(z, ZORYANA)
  join(boris, BORIS)
  join(carl, CARL)
  z:send("/networking")
  z:press("Find people")
  z:press("networking:req:" .. pid("boris"))
  boris:press("Accept")                                   -- exchanged with Boris
  boris:replies()
  z:send("/networking")
  z:press("Find people")
  z:press("networking:req:" .. pid("carl"))               -- pending, from her
  carl:replies()
  join(dora, CARL)
  dora:send("/networking")
  dora:press("Find people")
  dora:press("networking:req:" .. pid("zoryana"))         -- pending, to her
  z:replies()
  z:send("/networking")
  z:press("Edit my profile")                              -- a questionnaire in progress
  z:press("networking:a:level:lead")
  assert(#probe.find(boris, WORDS) >= 4, "the probe sees her profile and requests before /forget")

  z:send("/forget")
  z:expect{ text = "Done: everything we stored about you has been deleted." }
  probe.forgotten(boris, WORDS)
  assert(z:session()._networking == nil, "the questionnaire in progress is gone")
  assert(store("networking:stats:joined") == 4 and store("networking:stats:exchanged") == 1, "counters stay")

  -- Others' old buttons find nobody; searches no longer show her.
  carl:send("/stale networking:acc:" .. pid("zoryana"))
  carl:press("Old button")
  carl:expect{ text = "This request is no longer open." }
  boris:send("/stale networking:req:" .. pid("zoryana"))
  boris:press("Old button")
  boris:expect{ text = "This person is no longer in networking." }
  assert(not find(boris):find("zoryana", 1, true), "her card is gone")
  z:advance("3h")                                         -- the questionnaire's idle timer is cancelled
  z:expect{ none = true }

  -- She can start over, across a restart, and is found again.
  restart()
  z:send("/networking")
  z:expect{ contains = "Networking: tell us about yourself", buttons = { "Join networking" } }
  join(z, ZORYANA)
  assert(find(boris):find("zoryana", 1, true), "her new card is found")
end)
