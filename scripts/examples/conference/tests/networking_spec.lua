-- networking_spec.lua: attendees join networking from the menu (an extended
-- questionnaire: level, role, fields, interests, topics, a contact), find people with
-- the most in common as cards, and exchange contacts only when both sides agree.

local function attendee(u, role)
  u:send("/start")
  u:press("Yes")
  u:press(role or "Developer")
  u:press("Senior")
  u:replies()
end

-- Everything a reply shows: its text and its cards.
local function bot_text(r)
  local parts = { r.text or "" }
  for _, c in ipairs(r.cards or {}) do parts[#parts + 1] = (c.title or "") .. " " .. (c.subtitle or "") end
  return table.concat(parts, "\n")
end

local function join(u, level, role, field, interest, topic, contact)
  u:send("/menu")
  u:press("Networking")
  u:expect{ contains = "Networking: tell us about yourself", buttons = { "Join networking" } }
  u:press("Join networking")
  u:expect{ contains = "Your business level?", buttons = { "Junior", "Senior", "Lead", "Executive" } }
  u:press(level)
  u:press(role)
  u:press(field)
  u:press("Done")
  u:press(interest)
  u:press("Done")
  u:press(topic)
  u:press("Done")
  u:expect{ contains = "how should your matches contact you?" }
  u:send(contact)
  u:expect{ contains = "Your networking profile is saved." }
end

scenario("two attendees find each other and exchange contacts by mutual consent", function(u)
  local bob = user("bob")
  attendee(u)
  attendee(bob, "Founder")
  join(u, "Senior", "Developer", "Fintech", "AI", "Hiring", "@user_dev")
  join(bob, "Executive", "Founder", "Fintech", "AI", "Fundraising", "@bob_founder")
  u:send("/networking")
  u:press("Find people")
  local r = u:replies()
  local card = r[#r]
  assert(card.cards and #card.cards == 1, "one match, as a card")
  assert(card.cards[1].title == "bob", card.cards[1].title)
  local shown = bot_text(card)
  assert(not shown:find("@bob_founder", 1, true), "a card never shows a contact: " .. shown)
  u:press("Request contact", { message = card.id })
  u:expect{ contains = "Request sent to bob." }
  bob:expect{ contains = "user (", buttons = { "Accept", "Decline" } }
  bob:press("Accept")
  bob:expect{ contains = "Contacts exchanged with user: @user_dev" }
  u:expect{ contains = "Contacts exchanged with bob: @bob_founder" }
end)

scenario("a declined request gives no contact", function(u)
  local bob = user("bob")
  attendee(u)
  attendee(bob)
  join(u, "Senior", "Developer", "Health", "Security", "Scaling", "@user_dev")
  join(bob, "Junior", "Developer", "Health", "Security", "Scaling", "@bob_dev")
  bob:send("/networking")
  bob:press("Find people")
  bob:press("Request contact")
  u:expect{ buttons = { "Accept", "Decline" } }
  u:press("Decline")
  u:expect{ contains = "bob does not get your contact" }
  bob:expect{ text = "user did not accept your contact request." }
end)

scenario("a prospect is not let into networking, and a Russian attendee joins in Russian", function()
  local pat = user("pat")
  pat:send("/start")
  pat:press("Not yet")
  pat:press("Founder")
  pat:press("Executive")
  pat:send("/menu")
  pat:press("Networking")
  pat:expect{ contains = "Networking is for ticket holders" }
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/start")
  ivan:press("Да")
  ivan:press("Разработчик")
  ivan:press("Senior")
  ivan:send("/menu")
  ivan:press("Нетворкинг")
  ivan:press("Участвовать в нетворкинге")
  ivan:expect{ contains = "Ваш уровень?", buttons = { "Junior", "Senior", "Тимлид", "Руководитель" } }
end)

scenario("a half-done networking questionnaire survives a restart", function(u)
  attendee(u)
  u:send("/networking")
  u:press("Join networking")
  u:press("Lead")
  restart()
  u:press("Manager")
  u:expect{ contains = "Your fields?" }
end)
