-- broadcast_spec.lua: organisers' broadcasts to a segment (broadcast + segments +
-- roles): attendees get logistics news, prospects do not; a broadcast at a time;
-- the delivery report; nobody else may broadcast; an organiser grants the role.

local function attendee(u)
  u:send("/start")
  u:press("Yes")
  u:press("Developer")
  u:press("Senior")
  u:replies()
end

local function prospect(u)
  u:send("/start")
  u:press("Not yet")
  u:press("Founder")
  u:press("Executive")
  u:replies()
end

scenario("an organiser's broadcast reaches the attendees and no prospect", function(u)
  local org, bob, ivan = user("org"), user("bob"), user("ivan", { language = "ru-RU" })
  attendee(u)
  prospect(bob)
  ivan:send("/start")
  ivan:press("Да")
  ivan:press("Разработчик")
  ivan:press("Senior")
  ivan:replies()
  org:send("/broadcast attendees Keynote moved to Hall B")
  u:expect{ text = "Keynote moved to Hall B" }
  ivan:expect{ text = "Keynote moved to Hall B" }
  bob:expect{ none = true }
  org:expect{ contains = "handed out to 2 recipients" }
  org:send("/broadcast status 1")
  org:expect{ match = "Targeted: 2, delivered: 2" }
end)

scenario("a broadcast to prospects at a time, in Berlin time, survives a restart", function(u)
  local org, bob = user("org"), user("bob")
  attendee(u)
  prospect(bob)
  org:send("/broadcast at 2026-06-05 10:00 prospects Last days of the early-bird price!")
  org:expect{ contains = "will start on" }
  restart()
  advance("3d22h59m")                              -- 5 June 09:59 Berlin
  local before = bob:replies()                     -- the early-bird nudge, nothing else
  assert(#before == 1 and before[1].text:find("early-bird", 1, true))
  advance("1m")
  bob:expect{ text = "Last days of the early-bird price!" }
  u:expect{ none = true }
end)

scenario("everyone who answered gets a broadcast to 'everyone'; an unknown segment is refused", function(u)
  local org, bob = user("org"), user("bob")
  attendee(u)
  prospect(bob)
  org:send("/broadcast everyone The raffle starts at 15:00 in the foyer!")
  u:expect{ text = "The raffle starts at 15:00 in the foyer!" }
  bob:expect{ text = "The raffle starts at 15:00 in the foyer!" }
  org:send("/broadcast vips Hello")
  org:expect{ contains = "There is no segment \"vips\". Segments: attendees, everyone, prospects." }
end)

scenario("only organisers broadcast; an organiser may grant the role", function(u)
  local org = user("org")
  attendee(u)
  u:send("/broadcast attendees Free beer")
  u:expect{ text = "Sorry, this command is for organisers only." }
  org:send("/grant organiser console:user")
  org:expect{ text = "console:user is now organiser." }
  u:send("/broadcast attendees Doors open at 08:00")
  u:expect{ text = "Doors open at 08:00" }
end)
