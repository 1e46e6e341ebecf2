-- menu.lua: nested menus declared as a tree of nodes — items that open sub-nodes or run
-- a bot function, dynamic lists (exhibitors, catalogue items) paginated N per page with
-- Prev/Next, Back and Home. Where the channel can edit, a press changes the pressed
-- message in place; elsewhere the menu is sent anew. The user's place is data in
-- ctx.session._menu (a stack of node ids, list pages and arguments), so Back works after
-- a restart, and a reload that removes a node moves the user to its nearest surviving
-- ancestor with a short note. An item can be unavailable for now (a sold-out workshop):
-- shown marked, and a press says so. A node a `run` item or a list's `select` shows sits
-- above the node pressed, so Back returns there. docs/lib/menu.md.
local i18n = require "i18n"

local menu = {}

local nodes = {}        -- node id -> node (as declared)
local home = nil        -- the root node id
local per_page = 5      -- list entries per page unless a node says otherwise
local parent = {}       -- node id -> the node that first opens it (breadth-first from home)
-- The ctx of each event whose run item or select function is running, while it runs:
-- its menu.show goes above the pressed node. A set, since a run function waiting on
-- bot.http.request lets other events run meanwhile; weak, so an event that failed
-- mid-call leaves nothing behind (and every event has a fresh ctx).
local pressing = setmetatable({}, { __mode = "k" })

i18n.defaults("en", {
  ["menu.back"] = "« Back",
  ["menu.home"] = "Home",
  ["menu.prev"] = "‹ Prev",
  ["menu.next"] = "Next ›",
  ["menu.page"] = "Page {page} of {pages}",
  ["menu.empty"] = "Nothing here yet.",
  ["menu.moved"] = "That part of the menu has changed, so here is the nearest one that still exists.",
  ["menu.unavailable"] = "Sorry, that is not available right now.",
  ["menu.unavailable_label"] = "{label} (unavailable)",
})
i18n.defaults("ru", {
  ["menu.back"] = "« Назад",
  ["menu.home"] = "В начало",
  ["menu.prev"] = "‹ Назад",
  ["menu.next"] = "Далее ›",
  ["menu.page"] = "Страница {page} из {pages}",
  ["menu.empty"] = "Здесь пока пусто.",
  ["menu.moved"] = "Этот раздел меню изменился — вот ближайший, который остался.",
  ["menu.unavailable"] = "Извините, сейчас это недоступно.",
  ["menu.unavailable_label"] = "{label} (недоступно)",
})

-- Opening targets of a node, for the parent map: items' `open` and a list's `open`.
local function targets(node)
  local out = {}
  for _, item in ipairs(node.items or {}) do
    if item.open then out[#out + 1] = item.open end
  end
  if node.open then out[#out + 1] = node.open end
  return out
end

-- Declares the menu: menu.define{ home = "main", per_page = 5, nodes = { main = {…}, … } }.
-- A later call replaces the whole tree (bot.lua runs again on every reload).
function menu.define(spec)
  assert(type(spec) == "table" and type(spec.nodes) == "table", "menu.define{ home =, nodes = }")
  assert(spec.nodes[spec.home], "menu.define: home node '" .. tostring(spec.home) .. "' is not among the nodes")
  for id, node in pairs(spec.nodes) do
    assert(type(id) == "string" and id:match("^[%w_%-%.]+$"), "menu.define: node id '" .. tostring(id)
      .. "' must be letters, digits, _ - .")
    assert(node.text ~= nil, "menu.define: node '" .. id .. "' has no text")
    for i, item in ipairs(node.items or {}) do
      assert(item.label ~= nil, "menu.define: node '" .. id .. "' item " .. i .. " has no label")
      assert(item.open or item.run, "menu.define: node '" .. id .. "' item " .. i .. " needs open or run")
      assert(not item.open or spec.nodes[item.open], "menu.define: node '" .. id .. "' item " .. i
        .. " opens unknown node '" .. tostring(item.open) .. "'")
    end
    assert(not node.open or spec.nodes[node.open], "menu.define: node '" .. id .. "' opens unknown node '"
      .. tostring(node.open) .. "'")
  end
  nodes, home, per_page = spec.nodes, spec.home, spec.per_page or 5
  parent = {}
  local queue, seen = { home }, { [home] = true }
  local i = 1
  while queue[i] do
    for _, t in ipairs(targets(nodes[queue[i]])) do
      if not seen[t] then
        seen[t], parent[t] = true, queue[i]
        queue[#queue + 1] = t
      end
    end
    i = i + 1
  end
end

-- A text: a function (ctx, arg) -> string, else an i18n key.
local function say(ctx, v, arg)
  if type(v) == "function" then return v(ctx, arg) end
  return i18n.t(ctx, v)
end

local function state(ctx)
  local s = ctx.session._menu
  if type(s) ~= "table" or type(s.stack) ~= "table" then
    s = { stack = {} }
    ctx.session._menu = s
  end
  return s
end

local function button_id(...)
  local id = "menu:" .. table.concat({ ... }, ":")
  if #id > 64 then
    error("menu: button id '" .. id .. "' is longer than 64 bytes; use shorter node or entry ids", 3)
  end
  return id
end

-- Why an item cannot be used now: nil when it can, else the i18n key of the reply to a
-- press. `available` is a flag or function(ctx, arg) -> true, false, or a key (the reason).
local function unavailable(ctx, item, arg)
  local a = item.available
  if a == nil then return nil end
  if type(a) == "function" then a = a(ctx, arg) end
  if type(a) == "string" then return a end
  if not a then return "menu.unavailable" end
end

-- The entries of a list node, or nil if the node has no list.
local function entries(ctx, node, arg)
  if not node.list then return nil end
  return node.list(ctx, arg) or {}
end

-- Drops stack levels whose node no longer exists (or whose text function now returns
-- nil: an exhibitor deleted from the store) and everything above them. Returns whether
-- anything was dropped. An empty stack becomes home. With `dry`, only tells.
local function repair(ctx, s, dry)
  local cut = false
  for i, level in ipairs(s.stack) do
    local node = type(level) == "table" and nodes[level.n]
    if not node or (type(node.text) == "function" and node.text(ctx, level.a) == nil) then
      if dry then return true end
      for j = #s.stack, i, -1 do s.stack[j] = nil end
      cut = true
      break
    end
  end
  if #s.stack == 0 then s.stack[1] = { n = home } end
  return cut
end

-- The text and button rows of the node on top of the stack, and the plain labels of
-- unavailable items by button id (typed, they press it too).
local function draw(ctx, s)
  local depth = #s.stack
  local level = s.stack[depth]
  local node = nodes[level.n]
  local text = say(ctx, node.text, level.a)
  local rows, plain = {}, {}
  for i, item in ipairs(node.items or {}) do
    if not item.when or item.when(ctx, level.a) then
      local label = say(ctx, item.label, level.a)
      local id
      if unavailable(ctx, item, level.a) then
        id = button_id("u", level.n, item.id or i)
        plain[id] = label
        label = i18n.t(ctx, "menu.unavailable_label", { label = label })
      else
        id = item.open and button_id("o", item.open) or button_id("r", level.n, item.id or i)
      end
      rows[#rows + 1] = { { label, id } }
    end
  end
  local list = entries(ctx, node, level.a)
  if list then
    local n = node.per_page or per_page
    local pages = math.max(1, math.ceil(#list / n))
    local page = math.min(math.max(tonumber(level.p) or 1, 1), pages)
    level.p = page > 1 and page or nil
    for i = (page - 1) * n + 1, math.min(page * n, #list) do
      local e = list[i]
      rows[#rows + 1] = { { e.label, button_id("e", level.n, e.id) } }
    end
    if #list == 0 then
      text = text .. "\n\n" .. i18n.t(ctx, "menu.empty")
    elseif pages > 1 then
      text = text .. "\n\n" .. i18n.t(ctx, "menu.page", { page = page, pages = pages })
      local nav = {}
      if page > 1 then nav[#nav + 1] = { i18n.t(ctx, "menu.prev"), button_id("p", level.n, page - 1) } end
      if page < pages then nav[#nav + 1] = { i18n.t(ctx, "menu.next"), button_id("p", level.n, page + 1) } end
      rows[#rows + 1] = nav
    end
  end
  local nav = {}
  if depth > 1 then nav[#nav + 1] = { i18n.t(ctx, "menu.back"), "menu:b" } end
  if depth > 2 then nav[#nav + 1] = { i18n.t(ctx, "menu.home"), "menu:h" } end
  if #nav > 0 then rows[#rows + 1] = nav end
  return text, rows, plain
end

-- Sends the node on top of the stack; edits the pressed message where the channel can.
local function render(ctx, s, note)
  local text, rows = draw(ctx, s)
  if note then text = note .. "\n\n" .. text end
  local opts = { buttons = rows }
  if ctx.event.kind == "button" and ctx.channel.edit then opts.edit = true end
  ctx:reply(text, opts)
end

-- The path from home to a node along the declared tree.
local function path_to(id, arg)
  local chain = { { n = id, a = arg } }
  local p = parent[id]
  while p do
    table.insert(chain, 1, { n = p })
    p = parent[p]
  end
  if chain[1].n ~= home then table.insert(chain, 1, { n = home }) end
  return chain
end

-- Where a node sits in the stack, or nil.
local function find(s, id)
  for i = #s.stack, 1, -1 do
    if s.stack[i].n == id then return i end
  end
end

local function truncate(s, i)
  for j = #s.stack, i + 1, -1 do s.stack[j] = nil end
end

-- Shows a node (home if nil) as if the user had walked to it from home: /menu, a deep
-- link, the end of a form. `arg` is the argument of a node opened from a list. Called
-- by a run item or a list's select function, the node goes above the node pressed (back
-- down to it if it is already on the stack), so Back returns where the user pressed.
function menu.show(ctx, id, arg)
  assert(home, "menu.show before menu.define")
  local s = state(ctx)
  local note
  if id and not nodes[id] then
    id, note = nil, i18n.t(ctx, "menu.moved")
  end
  if id and id ~= home and pressing[ctx] and #s.stack > 0 then
    local i = find(s, id)
    if i then
      truncate(s, i)
      if s.stack[i].a ~= arg then s.stack[i] = { n = id, a = arg } end
    else
      s.stack[#s.stack + 1] = { n = id, a = arg }
    end
  else
    s.stack = path_to(id or home, arg)
  end
  if repair(ctx, s) then note = i18n.t(ctx, "menu.moved") end
  render(ctx, s, note)
end

-- The user's current node id and its argument (nil if they never opened the menu).
function menu.current(ctx)
  local s = ctx.session._menu
  local top = s and s.stack and s.stack[#s.stack]
  if top then return top.n, top.a end
end

-- Shows the user's current node again (after a run item has replied, for instance).
function menu.refresh(ctx)
  local s = state(ctx)
  local note = repair(ctx, s) and i18n.t(ctx, "menu.moved") or nil
  render(ctx, s, note)
end

local function opens(node, target)
  for _, t in ipairs(targets(node)) do
    if t == target then return true end
  end
  return false
end

-- Opens node `id` with `arg`: back down to it if it is already on the stack (a button
-- of an older message), one level deeper if the current node opens it, else along the
-- declared path from home.
local function open(s, id, arg)
  local i = find(s, id)
  if i and s.stack[i].a == arg then
    truncate(s, i)
  elseif opens(nodes[s.stack[#s.stack].n], id) then
    s.stack[#s.stack + 1] = { n = id, a = arg }
  else
    s.stack = path_to(id, arg)
  end
end

-- Runs a run item's or a select function: a menu.show in it goes above the pressed node.
local function call(ctx, fn, ...)
  pressing[ctx] = true
  fn(ctx, ...)
  pressing[ctx] = nil
end

-- The item of node an id names (its id, or its position), if it is shown.
local function item_of(ctx, node, b, arg)
  for n, item in ipairs(node.items or {}) do
    if tostring(item.id or n) == b and (not item.when or item.when(ctx, arg)) then return item end
  end
end

-- The shown item of node that opens target, if any.
local function opener(ctx, node, target, arg)
  for _, item in ipairs(node.items or {}) do
    if item.open == target and (not item.when or item.when(ctx, arg)) then return item end
  end
end

-- menu:o:<node>  menu:r:<node>:<item>  menu:u:<node>:<item>  menu:e:<node>:<entry>
-- menu:p:<node>:<page>  menu:b  menu:h
-- An item's availability is checked at the press too: a button drawn while it was
-- available says "unavailable" once it is not, and a "u" button works once it is again.
local function press(ctx, id)
  if not home then return end
  local s = state(ctx)
  local cut = repair(ctx, s)
  local note = cut and i18n.t(ctx, "menu.moved") or nil
  local kind, tail = id:match("^menu:(%a)(.*)$")
  local node_id, b = (tail or ""):match("^:([^:]+):?(.*)$")
  if kind == "b" then
    if not cut and #s.stack > 1 then s.stack[#s.stack] = nil end
  elseif kind == "h" then
    truncate(s, 1)
    note = nil
  elseif not node_id or not nodes[node_id] then
    note = i18n.t(ctx, "menu.moved")
  elseif kind == "o" then
    local top = s.stack[#s.stack]
    local item = opener(ctx, nodes[top.n], node_id, top.a)
    local why = item and unavailable(ctx, item, top.a)
    if why then note = i18n.t(ctx, why) else open(s, node_id, nil) end
  elseif kind == "p" or kind == "e" or kind == "r" or kind == "u" then
    local i = find(s, node_id)
    if not i then
      note = i18n.t(ctx, "menu.moved")
    else
      truncate(s, i)
      local level, node = s.stack[i], nodes[node_id]
      if kind == "p" then
        level.p = tonumber(b)
      elseif kind == "e" then
        local found
        for _, e in ipairs(entries(ctx, node, level.a) or {}) do
          if tostring(e.id) == b then found = e end
        end
        if not found then
          note = i18n.t(ctx, "menu.moved")
        elseif node.select then
          return call(ctx, node.select, found.id, level.a)
        elseif node.open then
          open(s, node.open, found.id)
        end
      else
        local item = item_of(ctx, node, b, level.a)
        local why = item and unavailable(ctx, item, level.a)
        if not item or (kind == "r" and not item.run) then
          note = i18n.t(ctx, "menu.moved")
        elseif why then
          note = i18n.t(ctx, why)
        elseif item.run then
          return call(ctx, item.run, level.a)
        else
          open(s, item.open, nil)
        end
      end
    end
  end
  if repair(ctx, s) then note = i18n.t(ctx, "menu.moved") end
  render(ctx, s, note)
end

bot.on("button:menu:*", press)

-- Takes a typed label of the user's current menu that the runtime's choice matching
-- missed (it compares ASCII case only: "выставка" for "Выставка", "expo " for "EXPO"):
-- compared folded, it presses that button and returns true. Call it in the message
-- handler (after flow.handle, if the bot uses forms); false when nothing matches.
function menu.handle(ctx, text)
  local s = ctx.session._menu
  if not home or type(s) ~= "table" or type(s.stack) ~= "table" or type(text) ~= "string" or not utf8.len(text) then
    return false
  end
  if ctx.event.kind ~= "message" or #s.stack == 0 or repair(ctx, s, true) then return false end
  local want = bot.text.fold((text:gsub("^%s+", ""):gsub("%s+$", "")))
  if want == "" then return false end
  local _, rows, plain = draw(ctx, s)
  for _, row in ipairs(rows) do
    for _, b in ipairs(row) do
      if bot.text.fold(b[1]) == want or (plain[b[2]] and bot.text.fold(plain[b[2]]) == want) then
        press(ctx, b[2])
        return true
      end
    end
  end
  return false
end

return menu
