-- A conference bot's menu, built with the menu module: sections that open sub-menus,
-- an item that runs a function, and the exhibitors — a list read from bot.store,
-- 4 per page, each opening its own page. /seed N stores N exhibitors (the organiser's
-- import), /drop ID deletes one. /stale ID shows a button with that id, as an older
-- message would still have it. Day 1 has items that may be unavailable (workshops open
-- with /ws open|closed; the masterclass is sold out) and the speakers, a list shown by a
-- run item (no `open` leads there) whose entries a select function shows. A spec may write menu_variant.lua next to this file
-- (a function that changes the tree) and reload, as an integrator's edit would.
local i18n = require "i18n"
local menu = require "menu"

i18n.define("en", {
  ["bot.main"] = "DevConf 2026 — what would you like to see?",
  ["bot.programme"] = "Programme",
  ["bot.programme_text"] = "The programme: pick a day.",
  ["bot.day1"] = "Day 1",
  ["bot.day1_text"] = "Day 1: keynotes in Hall A.",
  ["bot.day2"] = "Day 2",
  ["bot.day2_text"] = "Day 2: workshops in Hall B.",
  ["bot.expo"] = "EXPO",
  ["bot.expo_text"] = "Exhibitors:",
  ["bot.contacts"] = "Contacts",
  ["bot.contacts_text"] = "Write to hello@devconf.example",
  ["bot.vip"] = "VIP lounge",
  ["bot.workshops"] = "Workshops",
  ["bot.ws_text"] = "Workshops: sign up at the desk.",
  ["bot.ws_closed"] = "Workshop sign-up opens at 10:00.",
  ["bot.masterclass"] = "Masterclass",
  ["bot.speakers"] = "Speakers",
  ["bot.speakers_text"] = "Day 1 speakers:",
  ["bot.next_speaker"] = "Next speaker",
})
i18n.define("ru", {
  ["bot.main"] = "DevConf 2026 — что показать?",
  ["bot.programme"] = "Программа",
  ["bot.programme_text"] = "Программа: выберите день.",
  ["bot.day1"] = "День 1",
  ["bot.day1_text"] = "День 1: доклады в зале A.",
  ["bot.day2"] = "День 2",
  ["bot.day2_text"] = "День 2: воркшопы в зале B.",
  ["bot.expo"] = "Выставка",
  ["bot.expo_text"] = "Участники выставки:",
  ["bot.contacts"] = "Контакты",
  ["bot.contacts_text"] = "Пишите на hello@devconf.example",
  ["bot.vip"] = "VIP-зона",
  ["bot.workshops"] = "Воркшопы",
  ["bot.ws_text"] = "Воркшопы: запись у стойки.",
  ["bot.ws_closed"] = "Запись на воркшопы откроется в 10:00.",
  ["bot.masterclass"] = "Мастер-класс",
  ["bot.speakers"] = "Спикеры",
  ["bot.speakers_text"] = "Спикеры первого дня:",
  ["bot.next_speaker"] = "Следующий спикер",
})

local function exhibitors()
  local out = {}
  for _, e in ipairs(bot.store.scan("exhibitor:", 1000)) do
    out[#out + 1] = { id = e.value.id, label = e.value.name }
  end
  return out
end

local tree = {
  home = "main",
  per_page = 4,
  nodes = {
    main = { text = "bot.main", items = {
      { label = "bot.programme", open = "prog" },
      { label = "bot.expo", open = "expo" },
      { label = "bot.contacts", id = "contacts", run = function(ctx)
        ctx:reply(i18n.t(ctx, "bot.contacts_text"))
        menu.refresh(ctx)
      end },
      { label = "bot.vip", id = "vip", when = function(ctx) return ctx.session.vip == true end,
        run = function(ctx) ctx:reply("VIP: the lounge is on floor 3.") end },
    } },
    prog = { text = "bot.programme_text", items = {
      { label = "bot.day1", open = "day1" },
      { label = "bot.day2", open = "day2" },
    } },
    day1 = { text = "bot.day1_text", items = {
      { label = function() return "Halls" end, open = "halls" },
      { label = "bot.workshops", open = "ws",
        available = function() return bot.store.get("ws") == "open" or "bot.ws_closed" end },
      { label = "bot.masterclass", id = "mc", available = false,
        run = function(ctx) ctx:reply("Masterclass: room 5.") end },
      { label = "bot.speakers", id = "spk", run = function(ctx) menu.show(ctx, "speakers") end },
    } },
    ws = { text = "bot.ws_text" },
    speakers = { text = "bot.speakers_text", per_page = 2,
      list = function()
        local out = {}
        for i = 1, 5 do out[i] = { id = "s" .. i, label = "Speaker " .. i } end
        return out
      end,
      select = function(ctx, id) menu.show(ctx, "speaker", id) end },
    speaker = { text = function(_, id) return "Speaker " .. id:sub(2) .. ": a talk on day 1." end, items = {
      { label = "bot.next_speaker", id = "next", when = function(_, id) return id ~= "s5" end,
        run = function(ctx, id) menu.show(ctx, "speaker", "s" .. (tonumber(id:sub(2)) + 1)) end },
    } },
    halls = { text = function() return "Which hall?" end, per_page = 2,
      list = function() return { { id = "a", label = "Hall A" }, { id = "b", label = "Hall B" },
                                  { id = "c", label = "Hall C" } } end,
      select = function(ctx, id) ctx:reply("Hall " .. id:upper() .. " is on floor 1.") end },
    day2 = { text = "bot.day2_text" },
    expo = { text = "bot.expo_text", list = exhibitors, open = "ex" },
    ex = { text = function(_, id)
      local e = bot.store.get("exhibitor:" .. id)
      return e and (e.name .. " — booth " .. e.booth)
    end },
  },
}

local ok, variant = pcall(require, "menu_variant")
if ok then variant(tree) end
menu.define(tree)

bot.command("menu", function(ctx) menu.show(ctx) end)
bot.command("expo", function(ctx) menu.show(ctx, "expo") end)
bot.command("exhibitor", function(ctx, id) menu.show(ctx, "ex", id) end)
bot.command("speaker", function(ctx, id) menu.show(ctx, "speaker", id) end)
bot.command("ws", function(ctx, state) bot.store.put("ws", state) ctx:reply("workshops " .. state) end)
bot.command("vip", function(ctx) ctx.session.vip = true ctx:reply("VIP on") end)
bot.command("where", function(ctx)
  local node, arg = menu.current(ctx)
  ctx:reply("at " .. tostring(node) .. " " .. tostring(arg))
end)
-- An older message's button, as the user may still press it: sent to this very
-- conversation, so its button becomes pressable (the spec's u:press sees only the last).
bot.command("stale", function(ctx, id)
  ctx:send(ctx.chat.address, "(an older message)", { buttons = { { { "old", id } } } })
end)
bot.command("seed", function(ctx, n)
  for i = 1, tonumber(n) do
    local id = ("e%02d"):format(i)
    bot.store.put("exhibitor:" .. id, { id = id, name = ("Exhibitor %02d"):format(i), booth = 100 + i })
  end
  ctx:reply("seeded " .. n)
end)
bot.on("message", function(ctx, text)
  if menu.handle(ctx, text) then return end
  ctx:reply("echo " .. text)
end)
bot.command("drop", function(ctx, id)
  bot.store.delete("exhibitor:" .. id)
  ctx:reply("dropped " .. id)
end)
