-- languages_spec.lua: each recipient reads a broadcast in their own language; consent
-- is checked in the recipient's conversation; a reload mid-broadcast changes the
-- segment and the texts of the batches still to come, or stops a broadcast whose
-- segment is gone.

local function spec_dir()
  return debug.getinfo(2, "S").source:match("^@(.*)/tests/[^/]*$")
end

local function with_variant(dir, code)
  local f = assert(io.open(dir .. "/variant.lua", "w"))
  f:write(code)
  f:close()
  local ok, err = pcall(reload)
  os.remove(dir .. "/variant.lua")
  assert(ok, err)
end

scenario("the same broadcast in English and in Russian; a Russian organiser's report", function()
  local ivan, amy = user("ivan", { language = "ru-RU" }), user("amy")
  ivan:send("/ticket")
  amy:send("/ticket")
  ivan:send("/raffle")
  ivan:expect{ text = "Розыгрыш начнётся в 15:00 в фойе!" }
  amy:expect{ text = "The raffle starts at 15:00 in the foyer!" }
  advance("1m")
  ivan:send("/broadcast status 1")
  ivan:expect{ text = "Рассылка №1 для «attendees»: передана.\nПолучателей: 2, доставлено: 2, без согласия: 0, "
    .. "вне окна переписки: 0, после отмены: 0, в пути: 0." }
  ivan:send("/hello")
  ivan:expect{ text = "Привет!" }
  amy:expect{ text = "Hello!" }
  ivan:send("/broadcast nobody x")
  ivan:expect{ text = "Сегмента «nobody» нет. Сегменты: attendees, everyone, vip." }
  ivan:send("/broadcast cancel 1")
  ivan:expect{ text = "Рассылка №1 уже передана." }
end)

scenario("an offer reaches only those who agreed, and the report counts the others", function()
  local amy, ben, cat, olga = user("amy"), user("ben"), user("cat"), user("olga")
  amy:send("/consent on")
  ben:send("/consent off")
  cat:send("/ticket")                                -- never asked
  olga:send("/offer")
  advance("5m")
  amy:send("/consent off")                           -- withdrawn after: a new offer skips her
  olga:send("/offer")
  advance("5m")
  olga:send("/broadcast status 1")
  olga:expect{ contains = "Targeted: 3, delivered: 1, no consent: 2," }
  olga:send("/broadcast status 2")
  olga:expect{ contains = "Targeted: 3, delivered: 0, no consent: 3," }
  assert(store("broadcast:1:sent:console:amy").outcome == "delivered")
  assert(store("broadcast:1:sent:console:cat").outcome == "no_consent")
end)

scenario("a reload mid-broadcast: later batches use the new segment and texts", function()
  local dir = spec_dir()
  local people = {}
  for _, n in ipairs({ "amy", "ben", "cat", "dan", "eve", "fay" }) do
    people[n] = user(n)
    people[n]:send("/ticket")
  end
  local olga = user("olga")
  olga:send("/raffle")
  local before, after = {}, {}
  for n, p in pairs(people) do
    for _, r in ipairs(p:replies()) do
      if r.text:find("raffle starts", 1, true) then before[n] = true end
    end
  end
  with_variant(dir, [[return {
    attendees = function(p, e) return p.ticket == true and e.address ~= "console:fay" end,
    en = { ["conf.raffle"] = "NEW: the raffle starts at {time}!" },
  }]])
  local done = false
  for _ = 1, 6 do
    advance("1m")
    for _, r in ipairs(olga:replies()) do
      if r.text:match("^Broadcast #1: handed out to %d recipients") then done = true end
    end
    for n, p in pairs(people) do
      for _, r in ipairs(p:replies()) do
        assert(not before[n], n .. " got it twice")
        if r.text:find("NEW: the raffle starts at 15:00!", 1, true) then after[n] = true end
      end
    end
  end
  for n in pairs(people) do
    assert(before[n] or after[n] or n == "fay", n .. " was missed")
  end
  assert(next(after), "some got the new text")
  assert(done, "the organiser was told")
end)

scenario("a reload that removes the segment stops the broadcast and says so", function()
  local dir = spec_dir()
  for _, n in ipairs({ "amy", "ben", "cat", "dan", "eve" }) do user(n):send("/vip") end
  local olga = user("olga")
  olga:send("/broadcast vip Champagne")
  with_variant(dir, "return { no_vip = true }")
  advance("1m")
  olga:expect{ text = "Broadcast #1 stopped: the segment \"vip\" no longer exists." }
  assert(store("broadcast:1").status == "failed")
  assert(logs():find("broadcast: #1 stopped: no segment vip", 1, true), logs())
end)
