-- forget_spec.lua: "Forget me" across the conference bot — after the user has visited
-- the booths (in the raffle draw), joined networking and asked someone for their
-- contact, /forget leaves nothing of theirs in the raffle or networking: no entrant,
-- no networking card or request (the keys the modules' pages document), the organiser's
-- audit counts nobody, the other attendee's old Accept finds nobody; and they can
-- start over. (The library's own specs scan the whole store: scripts/lib/specs/*.)

local function codes()
  local org = user("org")
  org:send("/raffle_codes")
  local out = {}
  for p in org:replies()[1].text:gmatch("https://t%.me/devconf_bot%?start=(%S+)") do out[#out + 1] = p end
  assert(#out == 15, "15 booth codes")
  return out
end

local function attendee(u, role)
  u:send("/start")
  u:press("Yes")
  u:press(role or "Developer")
  u:press("Senior")
  u:replies()
end

local function join(u, role, contact)
  u:send("/networking")
  u:press("Join networking")
  u:press("Senior")
  u:press(role)
  u:press("Fintech")
  u:press("Done")
  u:press("AI")
  u:press("Done")
  u:press("Hiring")
  u:press("Done")
  u:send(contact)
  u:expect{ contains = "Your networking profile is saved." }
end

-- networking's profile id of a conversation (docs/lib/networking.md: FNV-1a 64, hex).
local function pid(address)
  local h = 0xcbf29ce484222325
  for i = 1, #address do h = (h ~ address:byte(i)) * 0x100000001b3 end
  return ("%016x"):format(h)
end

-- What the raffle and networking keep about an address, by the keys their pages give.
local function leftovers(address)
  local found = {}
  for shard = 0, 15 do
    local key = ("raffle:entrant:%x:%s"):format(shard, address)
    if store(key) ~= nil then found[#found + 1] = key end
  end
  local me = pid(address)
  local key = "networking:profile:" .. me:sub(-1) .. ":" .. me
  if store(key) ~= nil then found[#found + 1] = key end
  return found
end

scenario("/forget after the raffle and networking: nothing of theirs is left, and they start over", function()
  local z, bob, org = user("zoryana"), user("bob"), user("org")
  local code = codes()
  attendee(z)
  attendee(bob, "Founder")
  for i = 1, 15 do z:send("/start " .. code[i]) end
  z:expect{ contains = "You have entered the prize draw!" }
  join(z, "Developer", "@zoryana_dev")
  join(bob, "Founder", "@bob_founder")
  z:send("/networking")
  z:press("Find people")
  z:press("networking:req:" .. pid("console:bob"))
  bob:expect{ contains = "would like to exchange contacts", buttons = { "Accept", "Decline" } }
  assert(#leftovers("console:zoryana") == 2, "an entrant and a networking card before /forget")
  assert(store("networking:req:" .. pid("console:zoryana") .. ":" .. pid("console:bob")) == "pending")

  z:send("/profile")
  z:press("Forget me")
  z:expect{ contains = "(profile, networking card, raffle visits, reminders). Are you sure?" }
  z:press("Yes, delete")
  local r = z:replies()
  assert(#r == 1 and r[1].text == "Done: I have deleted what you told me. Send /start to begin again.",
    "one answer, not networking's own goodbye as well")
  assert(#leftovers("console:zoryana") == 0, table.concat(leftovers("console:zoryana"), ", "))
  assert(store("networking:req:" .. pid("console:zoryana") .. ":" .. pid("console:bob")) == nil)
  assert(store("networking:in:" .. pid("console:bob") .. ":" .. pid("console:zoryana")) == nil)
  org:send("/raffle_audit")
  org:expect{ text = "No draw yet. Entrants so far: 0." }
  bob:press("Accept")
  bob:expect{ text = "This request is no longer open." }

  -- Starting over: the questionnaire again, booths count from zero.
  restart()
  z:send("/start")
  z:expect{ contains = "Have you got a ticket?" }
  attendee(z)
  z:send("/start " .. code[1])
  z:expect{ contains = "Booths visited: 1 of 15." }
end)

scenario("/forget in Russian", function()
  local z = user("zoryana", { language = "ru" })
  z:send("/start")
  z:press("Да")
  z:send("/forget")
  z:expect{ text = "Готово: я удалил то, что вы о себе рассказали. Отправьте /start, чтобы начать заново." }
end)
