-- bot.sign makes a payload that bot.verify gives back, within Telegram's deep-link rules
-- (A-Z a-z 0-9 _ -, at most 64 characters for a payload of up to 51); a payload with
-- any character changed, a signature moved to another payload, or none at all is
-- refused; the key survives a restart. bot.text.fold compares text across case,
-- accents and compatibility forms, Cyrillic included.

local function signed(u, booth)
  u:send("/qr " .. booth)
  return u:replies()[1].text
end

scenario("a signed payload verifies, and looks like a deep-link payload", function(u)
  local p = signed(u, "booth_17")
  assert(p:match("^booth_17%-[%w_%-]+$") and #p == #"booth_17" + 13, p)
  u:send("/start " .. p)
  u:expect{ text = "checked in at booth_17" }
end)

scenario("forged, moved, truncated or unsigned payloads are refused", function(u)
  local p = signed(u, "booth_17")
  local last = p:sub(-1)
  local forged = p:sub(1, -2) .. (last == "A" and "B" or "A")
  for _, bad in ipairs({ forged, "booth_18" .. p:sub(9), p:sub(1, -2), "booth_17", "booth_17-" }) do
    u:send("/start " .. bad)
    u:expect{ text = "that code is not one of ours" }
  end
  local other = signed(u, "booth_2")
  assert(other:sub(-12) ~= p:sub(-12), "different payloads, different signatures")
end)

scenario("the key survives a restart", function(u)
  local p = signed(u, "booth_5")
  restart()
  u:send("/start " .. p)
  u:expect{ text = "checked in at booth_5" }
  assert(signed(u, "booth_5") == p, "the same payload signs the same")
end)

scenario("fold: case, accents, compatibility forms, Cyrillic", function(u)
  u:send("/fold Café ÉLAN")
  u:expect{ text = "[cafe elan]" }
  u:send("/fold Straße")
  u:expect{ text = "[strasse]" }
  u:send("/fold Ёлка ПРИВЕТ")
  u:expect{ text = "[елка привет]" }
  u:send("/fold ﬁle №5")
  u:expect{ text = "[file no5]" }
end)
