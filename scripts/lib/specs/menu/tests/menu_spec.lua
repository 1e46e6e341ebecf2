-- menu_spec.lua: nested menus with Back and Home, typed numbers and labels, a paginated
-- list from bot.store, a run item, hidden and unavailable items, Back from nodes a run
-- item or a select function shows, a restart and reloads that remove the node a user is
-- on, and the Russian texts. Every button id is checked: "menu:" and at
-- most 64 bytes.

local MAIN = { "Programme", "EXPO", "Contacts" }

-- The last pending reply (consumes the pending replies); checks its ids.
local function last(u)
  local r = u:replies()
  assert(#r > 0, "expected a reply")
  local m = r[#r]
  for _, row in ipairs(m.buttons or {}) do
    for _, b in ipairs(row) do
      assert(b.id:sub(1, 5) == "menu:" and #b.id <= 64, "bad button id " .. b.id)
    end
  end
  return m
end

local function labels(m)
  local out = {}
  for _, row in ipairs(m.buttons or {}) do
    for _, b in ipairs(row) do out[#out + 1] = b.label end
  end
  return table.concat(out, ",")
end

local function has(text, part)
  assert(text:find(part, 1, true), ("missing %q in:\n%s"):format(part, text))
end

-- The spec tenant's folder (this file is in its tests/), for a variant written mid-scenario.
local DIR = debug.getinfo(1, "S").source:match("^@(.*)/tests/[^/]*$")

local function write_variant(code)
  local f = assert(io.open(DIR .. "/menu_variant.lua", "w"))
  f:write(code)
  f:close()
end

local function remove_variant()
  os.remove(DIR .. "/menu_variant.lua")
end

scenario("home, a sub-menu, a leaf, Back and Home", function(u)
  u:send("/menu")
  u:expect{ text = "DevConf 2026 — what would you like to see?", buttons = MAIN }
  u:press("Programme")
  u:expect{ text = "The programme: pick a day.", buttons = { "Day 1", "Day 2", "« Back" } }
  u:press("Day 2")
  u:expect{ text = "Day 2: workshops in Hall B.", buttons = { "« Back", "Home" } }
  u:press("« Back")
  u:expect{ contains = "pick a day", buttons = { "Day 1", "Day 2", "« Back" } }
  u:press("Day 1")
  u:expect{ text = "Day 1: keynotes in Hall A." }
  u:press("Home")
  u:expect{ contains = "what would you like to see?", buttons = MAIN }
  u:send("/where")
  u:expect{ text = "at main nil" }
end)

scenario("a press changes the pressed message in place; a typed command sends a new one", function(u)
  u:send("/menu")
  local home = last(u)
  assert(home.edit_message_id == nil, "a command's menu is a new message")
  u:press("Programme")
  local days = last(u)
  assert(days.edit_message_id == home.id, "the press edits the message it was on")
  u:press("Day 2")
  local leaf = last(u)
  assert(leaf.edit_message_id == days.id, "and again, on the edited message's id")
  u:send("2")                                  -- typed: no message to edit
  local typed = last(u)
  assert(typed.edit_message_id == nil, "a typed choice gets a new message")
end)

scenario("typed numbers and labels press the menu's buttons", function(u)
  u:send("/menu")
  u:send("1")
  u:expect{ contains = "pick a day" }
  u:send("day 2")
  u:expect{ contains = "Day 2: workshops" }
  u:send("1")  -- « Back
  u:expect{ contains = "pick a day" }
end)

scenario("labels typed in another case, in any script, press the current menu's buttons", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/menu")
  ivan:send("выставка")              -- the runtime compares ASCII case only; menu.handle folds
  ivan:expect{ contains = "Участники выставки:" }
  ivan:send("« назад")
  ivan:expect{ contains = "что показать?" }
  ivan:send("ПРОГРАММА")
  ivan:send("день 2")
  ivan:expect{ text = "День 2: воркшопы в зале B." }
  ivan:send("в начало")
  ivan:expect{ contains = "что показать?" }
  ivan:send("привет")                -- not a label: the bot's own handler
  ivan:expect{ text = "echo привет" }
  ivan:send("день 2")                -- a label of another node is not this node's
  ivan:expect{ text = "echo день 2" }
end)

scenario("a typed label does not press anything of a node that is gone", function(u)
  u:send("/seed 2")
  u:send("/exhibitor e02")
  user("bob"):send("/drop e02")
  u:send("hello")
  u:expect{ text = "echo hello" }
  u:send("home")                     -- nor the Back and Home of the vanished page
  u:expect{ text = "echo home" }
  u:send("/where")
  u:expect{ text = "at ex e02" }     -- untouched until the user's next menu action
  u:send("/menu")
  u:expect{ text = "DevConf 2026 — what would you like to see?" }
end)

scenario("a button of an older message still goes where it says", function(u)
  u:send("/menu")
  u:press("Programme")
  u:press("Day 1")
  u:send("/where")
  u:expect{ text = "at day1 nil" }
  u:send("/stale menu:o:expo")       -- the EXPO button of the first message
  u:press("old")
  u:expect{ contains = "Exhibitors:", buttons = { "« Back" } }
  u:press("« Back")
  u:expect{ contains = "what would you like to see?" }
  u:press("Programme")
  u:send("/stale menu:o:main")       -- main is on the stack: back down to it
  u:press("old")
  u:expect{ contains = "what would you like to see?", buttons = MAIN }
end)

scenario("the exhibitor list pages 4 at a time; an entry opens its page and Back returns to that page", function(u)
  u:send("/seed 10")
  u:send("/menu")
  u:press("EXPO")
  local m = last(u)
  has(m.text, "Page 1 of 3")
  assert(labels(m) == "Exhibitor 01,Exhibitor 02,Exhibitor 03,Exhibitor 04,Next ›,« Back", labels(m))
  u:press("Next ›")
  m = last(u)
  has(m.text, "Page 2 of 3")
  assert(labels(m) == "Exhibitor 05,Exhibitor 06,Exhibitor 07,Exhibitor 08,‹ Prev,Next ›,« Back", labels(m))
  u:press("Next ›")
  m = last(u)
  has(m.text, "Page 3 of 3")
  assert(labels(m) == "Exhibitor 09,Exhibitor 10,‹ Prev,« Back", labels(m))
  u:press("‹ Prev")
  u:expect{ contains = "Page 2 of 3" }
  u:press("Exhibitor 06")
  u:expect{ text = "Exhibitor 06 — booth 106", buttons = { "« Back", "Home" } }
  u:press("« Back")
  u:expect{ contains = "Page 2 of 3", buttons = { "Exhibitor 05", "Exhibitor 06", "Exhibitor 07",
                                                   "Exhibitor 08", "‹ Prev", "Next ›", "« Back" } }
end)

scenario("a list whose entries run a function, on its second page; Home from three levels down", function(u)
  u:send("/menu")
  u:press("Programme")
  u:press("Day 1")
  u:expect{ buttons = { "Halls", "Workshops (unavailable)", "Masterclass (unavailable)", "Speakers",
                        "« Back", "Home" } }
  u:press("Halls")
  u:expect{ contains = "Page 1 of 2", buttons = { "Hall A", "Hall B", "Next ›", "« Back", "Home" } }
  u:press("Next ›")
  u:press("Hall C")
  u:expect{ text = "Hall C is on floor 1." }
  u:send("/where")
  u:expect{ text = "at halls nil" }
  assert(u:session()._menu.stack[4].p == 2)
  u:send("/menu")
  u:send("3")                        -- Contacts, by its number
  u:expect{ text = "Write to hello@devconf.example" }
end)

scenario("a list of 800 entries stays within the event budget", function(u)
  u:send("/seed 800")
  u:expect{ text = "seeded 800" }
  u:send("/expo")
  u:expect{ contains = "Page 1 of 200" }
  u:press("Next ›")
  u:expect{ contains = "Page 2 of 200", buttons = { "Exhibitor 05", "Exhibitor 06", "Exhibitor 07",
                                                     "Exhibitor 08", "‹ Prev", "Next ›", "« Back" } }
  u:press("Exhibitor 08")
  u:expect{ text = "Exhibitor 08 — booth 108" }
  u:send("exhibitor 99")             -- not on this page: not a label of the current node
  u:expect{ text = "echo exhibitor 99" }
end)

scenario("a short list has no pages; an empty one says so", function(u)
  u:send("/menu")
  u:press("EXPO")
  u:expect{ text = "Exhibitors:\n\nNothing here yet.", buttons = { "« Back" } }
  u:send("/seed 3")
  u:send("/expo")
  local m = last(u)
  assert(m.text == "Exhibitors:", m.text)
  assert(labels(m) == "Exhibitor 01,Exhibitor 02,Exhibitor 03,« Back", labels(m))
end)

scenario("a run item calls the bot's function; the menu stays where it was", function(u)
  u:send("/menu")
  u:press("Contacts")
  local r = u:replies()
  assert(r[1].text == "Write to hello@devconf.example", r[1].text)
  assert(r[2].text:find("what would you like to see?", 1, true), r[2].text)
  u:send("/where")
  u:expect{ text = "at main nil" }
end)

scenario("an item with when is shown only to whom it applies, and cannot be pressed otherwise", function(u)
  u:send("/menu")
  u:expect{ buttons = MAIN }
  u:send("/stale menu:r:main:vip")   -- the hidden item's button, as if it had been shown
  u:press("old")
  u:expect{ match = "^That part of the menu has changed.*what would you like", buttons = MAIN }
  u:send("/vip")
  u:send("/menu")
  u:expect{ buttons = { "Programme", "EXPO", "Contacts", "VIP lounge" } }
  u:press("VIP lounge")
  u:expect{ text = "VIP: the lounge is on floor 3." }
end)

scenario("a restart keeps the user's place: Back returns to the same list page", function(u)
  u:send("/seed 9")
  u:send("/menu")
  u:press("EXPO")
  u:press("Next ›")
  u:press("Exhibitor 07")
  u:expect{ text = "Exhibitor 07 — booth 107" }
  restart()
  u:press("« Back")
  u:expect{ contains = "Page 2 of 3" }
  u:press("« Back")
  u:expect{ contains = "what would you like to see?" }
end)

scenario("a deleted exhibitor sends its viewer to the list with a note", function(u)
  u:send("/seed 5")
  u:send("/menu")
  u:press("EXPO")
  u:press("Exhibitor 02")
  local bob = user("bob")
  bob:send("/drop e02")
  u:press("Home")
  u:expect{ text = "DevConf 2026 — what would you like to see?" }  -- Home needs no note
  u:send("/exhibitor e02")
  u:expect{ match = "^That part of the menu has changed.*Exhibitors:" }
  u:press("Exhibitor 05")
  u:expect{ text = "Exhibitor 05 — booth 105" }
  u:send("/where")
  u:expect{ text = "at ex e05" }
end)

scenario("a list entry that vanished since the list was shown is not an error", function(u)
  u:send("/seed 3")
  u:send("/menu")
  u:press("EXPO")
  user("bob"):send("/drop e03")
  u:press("Exhibitor 03")            -- shown before bob deleted it
  u:expect{ match = "^That part of the menu has changed.*Exhibitors:" }
  local m = u:session()._menu
  assert(#m.stack == 2 and m.stack[2].n == "expo", "stack: " .. #m.stack)
end)

scenario("a reload that removes the node a user is on moves them to its nearest ancestor", function(u)
  u:send("/menu")
  u:press("Programme")
  u:press("Day 2")
  u:expect{ contains = "Day 2: workshops" }
  write_variant([[
return function(tree)
  tree.nodes.day2 = nil
  table.remove(tree.nodes.prog.items, 2)
end
]])
  local ok, err = pcall(function()
    reload()
    u:press("« Back")                  -- pressed on the Day 2 message
    u:expect{ match = "^That part of the menu has changed.*pick a day", buttons = { "Day 1", "« Back" } }
    u:send("/stale menu:o:day2")       -- the Day 2 button of an older message
    u:press("old")
    u:expect{ match = "^That part of the menu has changed.*pick a day" }
    u:send("/where")
    u:expect{ text = "at prog nil" }
  end)
  remove_variant()
  reload()
  assert(ok, err)
end)

scenario("a reload that removes a whole branch sends its users home", function(u)
  u:send("/menu")
  u:press("Programme")
  u:press("Day 1")
  write_variant([[
return function(tree)
  tree.nodes.prog, tree.nodes.day1, tree.nodes.day2 = nil, nil, nil
  table.remove(tree.nodes.main.items, 1)
end
]])
  local ok, err = pcall(function()
    reload()
    u:press("« Back")                  -- pressed on the Day 1 message: its parent is gone too
    u:expect{ match = "^That part of the menu has changed.*what would you like to see",
              buttons = { "EXPO", "Contacts" } }
    u:send("/menu")
    u:press("EXPO")                    -- the rest of the menu works as before
    u:expect{ contains = "Exhibitors:" }
    assert(logs() == "" or not logs():find("error", 1, true), logs())
  end)
  remove_variant()
  reload()
  assert(ok, err)
end)

scenario("an unavailable item is shown marked; a press says why and stays; it works once available", function(u)
  u:send("/menu")
  u:press("Programme")
  u:press("Day 1")
  u:press("Workshops (unavailable)")
  u:expect{ text = "Workshop sign-up opens at 10:00.\n\nDay 1: keynotes in Hall A.",
            buttons = { "Halls", "Workshops (unavailable)", "Masterclass (unavailable)", "Speakers",
                        "« Back", "Home" } }
  u:press("Masterclass (unavailable)")       -- a plain flag: the module's words
  u:expect{ text = "Sorry, that is not available right now.\n\nDay 1: keynotes in Hall A." }
  u:send("masterclass")                      -- its label typed, without the mark
  u:expect{ match = "^Sorry, that is not available right now" }
  u:send("/where")
  u:expect{ text = "at day1 nil" }
  u:send("/stale menu:u:day1:2")             -- an older "unavailable" button: now it opens
  u:send("/ws open")
  u:press("old")
  u:expect{ text = "Workshops: sign up at the desk.", buttons = { "« Back", "Home" } }
  u:press("« Back")
  u:expect{ buttons = { "Halls", "Workshops", "Masterclass (unavailable)", "Speakers", "« Back", "Home" } }
  u:send("/stale menu:o:ws")                 -- drawn while open, pressed once closed
  u:send("/ws closed")
  u:press("old")
  u:expect{ match = "^Workshop sign%-up opens at 10:00.\n\nDay 1" }
  u:send("/stale menu:u:day1:mc")
  u:press("old")
  u:expect{ match = "^Sorry, that is not available right now" }
  restart()
  u:press("Workshops (unavailable)")
  u:expect{ match = "^Workshop sign%-up opens at 10:00" }
  assert(not logs():find("Masterclass: room 5", 1, true))
end)

scenario("nodes shown by a run item or a select function: Back returns where the user pressed", function(u)
  u:send("/menu")
  u:press("Programme")
  u:press("Day 1")
  u:press("Speakers")                        -- a run item shows a node no `open` leads to
  u:expect{ text = "Day 1 speakers:\n\nPage 1 of 3",
            buttons = { "Speaker 1", "Speaker 2", "Next ›", "« Back", "Home" } }
  u:press("Next ›")
  u:press("Speaker 3")                       -- a select function shows another
  u:expect{ text = "Speaker 3: a talk on day 1.", buttons = { "Next speaker", "« Back", "Home" } }
  u:press("Next speaker")                    -- the same node, another entry: not deeper
  u:expect{ text = "Speaker 4: a talk on day 1." }
  restart()
  u:press("« Back")                          -- the list, on the page it was on
  u:expect{ text = "Day 1 speakers:\n\nPage 2 of 3",
            buttons = { "Speaker 3", "Speaker 4", "‹ Prev", "Next ›", "« Back", "Home" } }
  u:press("« Back")                          -- the node whose item showed the list
  u:expect{ contains = "Day 1: keynotes in Hall A." }
  u:press("« Back")
  u:expect{ contains = "pick a day" }
  assert(#u:session()._menu.stack == 2)
  u:send("/speaker s2")                      -- shown by a command (a deep link): below home
  u:expect{ text = "Speaker 2: a talk on day 1.", buttons = { "Next speaker", "« Back" } }
  u:press("« Back")
  u:expect{ contains = "what would you like to see?" }
end)

scenario("Russian: an unavailable item and its reason", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/menu")
  ivan:press("Программа")
  ivan:press("День 1")
  ivan:expect{ buttons = { "Halls", "Воркшопы (недоступно)", "Мастер-класс (недоступно)", "Спикеры",
                           "« Назад", "В начало" } }
  ivan:press("Мастер-класс (недоступно)")
  ivan:expect{ text = "Извините, сейчас это недоступно.\n\nДень 1: доклады в зале A." }
  ivan:send("воркшопы")
  ivan:expect{ match = "^Запись на воркшопы откроется в 10:00." }
end)

scenario("Russian: the bot's and the module's words", function()
  local ivan = user("ivan", { language = "ru-RU" })
  ivan:send("/seed 6")
  ivan:send("/menu")
  ivan:expect{ text = "DevConf 2026 — что показать?", buttons = { "Программа", "Выставка", "Контакты" } }
  ivan:press("Выставка")
  ivan:expect{ contains = "Страница 1 из 2", buttons = { "Exhibitor 01", "Exhibitor 02", "Exhibitor 03",
                                                         "Exhibitor 04", "Далее ›", "« Назад" } }
  ivan:press("Далее ›")
  ivan:expect{ contains = "Страница 2 из 2", buttons = { "Exhibitor 05", "Exhibitor 06", "‹ Назад", "« Назад" } }
  ivan:press("Exhibitor 05")
  ivan:expect{ buttons = { "« Назад", "В начало" } }
  ivan:send("/exhibitor nope")
  ivan:expect{ match = "^Этот раздел меню изменился.*Участники выставки:" }
  assert(not logs():find("i18n: no text", 1, true), logs())
end)
