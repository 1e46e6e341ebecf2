-- segments_spec.lua: predicates over profiles for menus (segments.is) and for walking
-- the directory page by page (segments.members); a failing predicate or an unknown
-- segment; a reload that changes a definition; a bucket past scan's limit.

local function join(u, ticket, consent)
  u:send("/set ticket " .. tostring(ticket))
  if consent then u:send("/consent on") end
end

scenario("a user is in a segment when its predicate holds", function(u)
  u:send("/am attendees")
  u:expect{ text = "attendees: false" }
  join(u, true)
  u:send("/am attendees")
  u:expect{ text = "attendees: true" }
  u:send("/am news")
  u:expect{ text = "news: false" }
  u:send("/consent on")
  u:send("/am news")
  u:expect{ text = "news: true" }
end)

scenario("members walks every page and returns only the segment", function(u)
  local names = { "amy", "ben", "cat", "dan", "eve" }
  for i, n in ipairs(names) do join(user(n), i % 2 == 1, i <= 2) end
  u:send("/members attendees")
  u:expect{ text = "3: console:amy@console:amy console:cat@console:cat console:eve@console:eve" }
  local one_page = u:session().pages
  u:send("/members attendees 1")
  u:expect{ text = "3: console:amy@console:amy console:cat@console:cat console:eve@console:eve" }
  assert(u:session().pages > one_page, "small pages mean more of them")
  u:send("/members news 1")
  u:expect{ text = "2: console:amy@console:amy console:ben@console:ben" }
end)

scenario("a predicate that fails counts as no, and is logged; an unknown segment is an error", function(u)
  join(u, true)
  u:send("/am broken")
  u:expect{ text = "broken: false" }
  assert(logs():find('segments: the predicate of "broken" failed', 1, true), logs())
  u:send("/am nosuch")
  u:expect{ text = "Sorry, something went wrong." }
  assert(logs():find('segments: no segment named "nosuch"', 1, true), logs())
  u:send("/members nosuch")
  u:expect{ text = "Sorry, something went wrong." }
end)

scenario("a reload that changes a segment's predicate applies at once", function(u)
  local dir = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")
  join(u, false)
  u:send("/am attendees")
  u:expect{ text = "attendees: false" }
  local f = assert(io.open(dir .. "/variant.lua", "w"))
  f:write('return function(segments) segments.define("attendees", function(p) return p.ticket ~= nil end) end\n')
  f:close()
  local ok, err = pcall(reload)
  os.remove(dir .. "/variant.lua")
  assert(ok, err)
  u:send("/am attendees")
  u:expect{ text = "attendees: true" }
  reload()
  u:send("/am attendees")
  u:expect{ text = "attendees: false" }
end)

scenario("a directory bucket holding more than one scan's 1000 is read whole, page by page", function(u)
  u:send("/crowd")
  u:expect{ text = "crowded" }
  u:send("/members attendees")
  u:expect{ match = "^1001: " }
end)
