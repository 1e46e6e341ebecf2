-- forget_spec.lua: /forget deletes what a customer told the agency — their quote records,
-- their lead, the stored conversation — and leaves other customers' data alone.

local function quote(u)
  u:send("/quote")
  u:press("Bathroom")
  u:send("12")
  u:press("Full (incl. plumbing, electrics)")
  u:press("You do")
  local r = u:replies()
  return r[#r].text:match("^Quote (Q%-%d+)")
end

scenario("/forget deletes the customer's quotes, lead and conversation; others keep theirs", function(u)
  local other = user("olga")
  local mine = quote(u)
  local theirs = quote(other)
  assert(mine and theirs and mine ~= theirs, "two quotes, two numbers")
  u:send("/prices")
  u:press("Under €5,000")
  u:replies()
  assert(store("agency:quote:" .. mine) and store("agency:quote:" .. theirs))
  u:send("/forget")
  u:expect{ text = "Done: I deleted what you told us. Send /start to begin again." }
  assert(store("agency:quote:" .. mine) == nil, "the customer's quote record is gone")
  assert(store("agency:quote:" .. theirs), "another customer's quote stays")
  assert(store("lead:lead:console:" .. u.name) == nil, "the lead record is gone")
  local h = u:history()
  assert(#h == 2 and h[1].text == "/forget", "only the request and its answer are stored")
  restart()
  u:send("/quote")                                  -- and they can start over
  u:expect{ contains = "What shall we renovate?" }
end)

scenario("/forget answers in Russian", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/forget")
  ivan:expect{ text = "Готово: я удалил то, что вы нам рассказали. Отправьте /start, чтобы начать заново." }
end)
