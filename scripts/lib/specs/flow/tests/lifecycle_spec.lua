-- lifecycle_spec.lua: a step's timeout (the bot's timed_out event, or the question
-- again), a restart mid-form, and reloads that remove or rename the step a user is
-- on, change a condition, or remove the whole form.

local DIR = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")

-- Runs fn with flow_variant.lua (changing the sign-up form) in place, then removes it.
local function with_variant(code, fn)
  local f = assert(io.open(DIR .. "/flow_variant.lua", "w"))
  f:write(code)
  f:close()
  local ok, err = pcall(fn)
  os.remove(DIR .. "/flow_variant.lua")
  reload()
  assert(ok, err)
end

local function to_slot(u)
  u:send("/known")
  u:send("Acme")
  u:send("1")
  u:send("/skip")
  u:send("ann@example.com")
  u:expect{ contains = "When will you arrive?" }
end

scenario("a step that waits too long: the bot's timed_out runs; the form stays open", function(u)
  to_slot(u)
  u:advance("1h59m")
  u:expect{ none = true }
  u:advance("1m")
  u:expect{ text = "Timed out at slot with: company=Acme; email=ann@example.com; guests=1; name=Ann; role=dev" }
  assert(store("flow:stats:signup:timed_out") == 1)
  u:send("18.06.2026 09:30")
  u:expect{ contains = "Done: " }
end)

scenario("an invalid answer does not restart the step's clock; an answer stops it", function(u)
  to_slot(u)
  u:advance("1h")
  u:send("whenever")
  u:expect{ match = "^Please send a date and time" }
  u:advance("1h")
  u:expect{ contains = "Timed out at slot" }
  u:send("/back")                    -- the e-mail step has no timeout
  u:send("ann@example.com")          -- the slot again: its clock starts again
  u:advance("1h")
  u:send("18.06.2026 09:30")
  u:expect{ contains = "Done: " }
  u:advance("5h")
  u:expect{ none = true }
  assert(store("flow:stats:signup:timed_out") == 1)
end)

scenario("going back from a step with a timeout stops its clock", function(u)
  to_slot(u)
  u:press("Back")
  u:expect{ contains = "Your e-mail" }
  u:advance("3h")
  u:expect{ none = true }
end)

scenario("timed_out may end the form", function(u)
  u:send("/strict")
  to_slot(u)
  u:advance("2h")
  u:expect{ contains = "Timed out at slot" }
  u:send("/state")
  u:expect{ text = "state nil nil" }
  u:send("18.06.2026 09:30")
  u:expect{ text = "echo 18.06.2026 09:30" }
end)

scenario("a form without timed_out asks its question again once", function(u)
  u:send("/probe wait")
  u:advance("30m")
  u:expect{ text = "Still there? Your answers so far are kept.\n\nYour answer?", buttons = { "Cancel" } }
  u:advance("5h")
  u:expect{ none = true }
  u:send("here")
  u:expect{ text = "ok here" }
end)

scenario("a timeout survives a restart", function(u)
  to_slot(u)
  u:advance("1h")
  restart()
  u:advance("1h")
  u:expect{ contains = "Timed out at slot" }
end)

scenario("a restart mid-form: it resumes exactly where it was", function(u)
  u:send("/signup")
  u:send("Ann")
  u:press("Designer")
  restart()
  u:send("Studio")
  u:expect{ contains = "How many guests" }
  restart()
  u:send("/back")
  u:expect{ text = "Where do you work?" }
  u:send("Studio 2")
  u:send("3")
  u:press("Skip")
  u:send("ann@studio.example")
  u:send("2026-06-18 09:30")
  u:expect{ text = "Done: company=Studio 2; email=ann@studio.example; guests=3; name=Ann; role=design; "
    .. "slot=2026-06-18 09:30 (07:30 UTC)" }
end)

scenario("a reload that removes the current step continues at the next one, with a note", function(u)
  u:send("/signup")
  u:send("Ann")
  u:press("Developer")
  u:send("Acme")
  u:expect{ contains = "How many guests" }
  with_variant([[
return function(def) table.remove(def.steps, 4) end   -- no more guests
]], function()
    reload()
    u:send("2")                      -- meant for the removed question
    u:expect{ text = "The form has changed since you started, so we continue from here.\n\n"
      .. "Your phone number, in case we need to reach you?", buttons = { "Skip", "Back", "Cancel" } }
    u:press("Skip")
    u:send("ann@example.com")
    u:send("18.06.2026 09:30")
    u:expect{ text = "Done: company=Acme; email=ann@example.com; name=Ann; role=dev; "
      .. "slot=2026-06-18 09:30 (07:30 UTC)" }
  end)
end)

scenario("a reload that renames the current step asks it under its new name, with a note", function(u)
  u:send("/known")
  u:send("Acme")
  u:send("1")
  u:send("+49301234567")
  u:expect{ contains = "Your e-mail for the ticket?" }
  with_variant([[
return function(def) def.steps[6].id, def.steps[6].ask = "mail", "su.mail" end
]], function()
    reload()
    u:send("ann@example.com")
    u:expect{ text = "The form has changed since you started, so we continue from here.\n\n"
      .. "Your e-mail address for the ticket, please?", buttons = { "Back", "Cancel" } }
    u:press("Back")                  -- history survived the change
    u:expect{ contains = "Your phone number" }
    u:press("Skip")
    u:send("ann@example.com")
    u:send("18.06.2026 09:30")
    u:expect{ match = "^Done: company=Acme; guests=1; mail=ann@example.com; name=Ann; role=dev; slot=" }
  end)
end)

scenario("a step renamed with was = the old id carries on without a word", function(u)
  u:send("/known")
  u:send("Acme")
  u:send("1")
  u:send("+49301234567")
  with_variant([[
return function(def)
  def.steps[5].id, def.steps[5].was = "tel", "phone"
  def.steps[6].id, def.steps[6].was = "mail", { "e-mail", "email" }
end
]], function()
    reload()
    u:send("ann@example.com")
    u:expect{ text = "When will you arrive? (date and time)", buttons = { "Back", "Cancel" } }
    u:press("Back")
    u:expect{ text = "Your e-mail for the ticket?" }
    u:send("ann@example.com")
    u:send("18.06.2026 09:30")
    u:expect{ match = "^Done: company=Acme; guests=1; mail=ann@example.com; name=Ann; role=dev; "
      .. "slot=.*; tel=%+49301234567$" }
  end)
end)

scenario("a reload after which the current step no longer applies moves on, with a note", function(u)
  u:send("/signup")
  u:send("Ann")
  u:press("Student")
  u:send("/back")
  u:press("Developer")
  u:expect{ text = "Where do you work?" }
  with_variant([[
return function(def) def.steps[3].when = function(a) return a.role == "design" end end
]], function()
    reload()
    u:send("Acme")
    u:expect{ match = "^The form has changed since you started.*How many guests" }
  end)
end)

scenario("a reload that removes every step after the current one finishes the form", function(u)
  to_slot(u)
  with_variant([[
return function(def) table.remove(def.steps, 7) end
]], function()
    reload()
    u:send("18.06.2026 09:30")
    local r = u:replies()
    assert(r[1].text == "The form has changed since you started, so we continue from here.", r[1].text)
    assert(r[2].text == "Done: company=Acme; email=ann@example.com; guests=1; name=Ann; role=dev", r[2].text)
  end)
end)

scenario("a reload that removes the whole form tells its users and lets them go", function(u)
  u:send("/signup")
  u:send("Ann")
  with_variant([[
return function(def) def.steps = {} end
]], function()
    reload()
    u:press("Designer")
    u:expect{ text = "The form you were filling in is no longer available. Nothing was saved." }
    assert(u:session()._flow == nil)
    u:send("hello")
    u:expect{ text = "echo hello" }
  end)
end)

scenario("a reload keeps a pending timeout working on the same step", function(u)
  to_slot(u)
  with_variant([[
return function(def) table.remove(def.steps, 4) end
]], function()
    reload()
    u:advance("2h")
    u:expect{ contains = "Timed out at slot" }
  end)
end)
