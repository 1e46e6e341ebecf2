-- raffle.lua: the QR-code raffle of a conference. Every checkpoint (an EXPO booth) has a
-- deep link whose payload is signed with bot.sign, so codes cannot be guessed or edited;
-- each distinct checkpoint counts once; at the threshold the user enters the draw by
-- themselves; organisers print the codes, run a draw whose seed is recorded and whose
-- result anyone can re-run from the published ticket list, and the result reaches every
-- entrant in their own language. A user who asks to be forgotten (profile.forget) leaves
-- the draw, or after it keeps only an anonymous ticket in the recorded result.
-- docs/lib/raffle.md.
local i18n = require "i18n"
local profile = require "profile"

local raffle = {}

local PAYLOAD = "raffle_"          -- signed payload: "raffle_<checkpoint id>-<signature>"
local ENTRANT = "raffle:entrant:"  -- .. <shard hex digit> .. ":" .. <address>
local SHARDS = 16                  -- bot.store.scan returns at most 1000 keys per prefix
local STALLED = 60                 -- seconds without a published batch: publication stalled

local config = {
  threshold = 15,
  winners = 1,
  batch = 500,
  checkpoints = {},
  by_id = {},
  is_organiser = function() return false end,
}

i18n.defaults("en", {
  ["raffle.bad_code"] = "This code is not one of ours. Scan the QR code on a booth to check in.",
  ["raffle.unknown_checkpoint"] = "This booth is no longer part of the raffle.",
  ["raffle.counted"] = "Checked in at {name}!",
  ["raffle.repeat"] = "You have already checked in at {name}; each booth counts once.",
  ["raffle.count"] = "Booths visited: {count} of {threshold}.",
  ["raffle.to_go"] = { one = "{count} more booth to enter the prize draw.",
                       other = "{count} more booths to enter the prize draw." },
  ["raffle.visited"] = "Visited: {list}.",
  ["raffle.none_yet"] = "Scan the QR codes on the EXPO booths: {threshold} booths enter you into the prize draw.",
  ["raffle.entered"] = "You have entered the prize draw! Your ticket: {ticket}.",
  ["raffle.in_draw"] = "You are in the prize draw, ticket {ticket}.",
  ["raffle.closed"] = "The draw has already taken place, so there are no new entries.",
  ["raffle.won"] = "Congratulations! Your ticket {ticket} won the prize draw. The organisers will "
    .. "tell you how to collect your prize.",
  ["raffle.lost"] = "The prize draw has taken place among {entrants} entrants. Your ticket {ticket} "
    .. "was not drawn this time. Thank you for taking part!",
  ["raffle.seed"] = "Draw seed {seed}: anyone can re-run the draw from it and the published ticket list.",
  ["raffle.progress_button"] = "My raffle progress",
  ["raffle.organisers_only"] = "This command is for the organisers.",
  ["raffle.codes"] = "Raffle codes, one per booth ({count}):",
  ["raffle.draw_usage"] = "Usage: /raffle_draw <public value>, for example a number rolled on stage. The "
    .. "seed is made from it and the list of entrants.",
  ["raffle.no_entrants"] = "Nobody has entered the draw yet.",
  ["raffle.already_drawn"] = "The draw has already taken place: /raffle_audit shows it.",
  ["raffle.drawn"] = "Draw done. Entrants: {entrants}, seed {seed}. Winners: {winners}. The result is "
    .. "being sent to every entrant.",
  ["raffle.resumed"] = "The draw has already taken place; telling the remaining entrants "
    .. "({told} of {entrants} told so far).",
  ["raffle.publishing"] = "The draw has already taken place; its result is being sent "
    .. "({told} of {entrants} told so far).",
  ["raffle.no_draw"] = "No draw yet. Entrants so far: {entrants}.",
  ["raffle.audit"] = "Draw of {time}\nPublic value: {public}\nEntrants: {entrants}\n"
    .. "List digest: {digest}\nSeed: {seed}\nWinners: {winners}\nTickets in order: the next messages.",
})
i18n.defaults("ru", {
  ["raffle.bad_code"] = "Этот код не наш. Отсканируйте QR-код на стенде, чтобы отметиться.",
  ["raffle.unknown_checkpoint"] = "Этот стенд больше не участвует в розыгрыше.",
  ["raffle.counted"] = "Вы отметились на стенде {name}!",
  ["raffle.repeat"] = "Вы уже отмечались на стенде {name}; каждый стенд засчитывается один раз.",
  ["raffle.count"] = "Стендов посещено: {count} из {threshold}.",
  ["raffle.to_go"] = { one = "Ещё {count} стенд до участия в розыгрыше призов.",
                       few = "Ещё {count} стенда до участия в розыгрыше призов.",
                       many = "Ещё {count} стендов до участия в розыгрыше призов." },
  ["raffle.visited"] = "Посещены: {list}.",
  ["raffle.none_yet"] = "Сканируйте QR-коды на стендах EXPO: {threshold} стендов — и вы участвуете в "
    .. "розыгрыше призов.",
  ["raffle.entered"] = "Вы участвуете в розыгрыше призов! Ваш билет: {ticket}.",
  ["raffle.in_draw"] = "Вы участвуете в розыгрыше призов, билет {ticket}.",
  ["raffle.closed"] = "Розыгрыш уже состоялся, новые участники не принимаются.",
  ["raffle.won"] = "Поздравляем! Ваш билет {ticket} выиграл в розыгрыше призов. Организаторы "
    .. "расскажут, как получить приз.",
  ["raffle.lost"] = "Розыгрыш призов состоялся, участников: {entrants}. Ваш билет {ticket} в этот "
    .. "раз не выиграл. Спасибо за участие!",
  ["raffle.seed"] = "Зерно розыгрыша {seed}: по нему и опубликованному списку билетов розыгрыш может "
    .. "повторить любой.",
  ["raffle.progress_button"] = "Мой прогресс в розыгрыше",
  ["raffle.organisers_only"] = "Эта команда только для организаторов.",
  ["raffle.codes"] = "Коды розыгрыша, по одному на стенд ({count}):",
  ["raffle.draw_usage"] = "Использование: /raffle_draw <публичное значение>, например число, выброшенное "
    .. "на сцене. Зерно строится из него и списка участников.",
  ["raffle.no_entrants"] = "В розыгрыше пока никто не участвует.",
  ["raffle.already_drawn"] = "Розыгрыш уже состоялся: /raffle_audit покажет его.",
  ["raffle.drawn"] = "Розыгрыш проведён: участников {entrants}, зерно {seed}. Победители: {winners}. "
    .. "Результат отправляется каждому участнику.",
  ["raffle.resumed"] = "Розыгрыш уже состоялся; сообщаю результат остальным участникам "
    .. "(уже сообщено: {told} из {entrants}).",
  ["raffle.publishing"] = "Розыгрыш уже состоялся; результат рассылается "
    .. "(уже сообщено: {told} из {entrants}).",
  ["raffle.no_draw"] = "Розыгрыша ещё не было. Участников пока: {entrants}.",
  ["raffle.audit"] = "Розыгрыш {time}\nПубличное значение: {public}\nУчастников: {entrants}\n"
    .. "Дайджест списка: {digest}\nЗерно: {seed}\nПобедители: {winners}\n"
    .. "Билеты по порядку: в следующих сообщениях.",
})

-- Deterministic arithmetic anyone can re-run (docs/lib/raffle.md has it in Python) ------

-- FNV-1a, 64 bits, over the bytes of s (Lua integers wrap like uint64).
local function fnv1a64(s)
  local h = 0xcbf29ce484222325
  for i = 1, #s, 64 do
    for _, b in ipairs({ s:byte(i, i + 63) }) do
      h = (h ~ b) * 0x100000001b3
    end
  end
  return h
end

local function hex(n) return ("%016x"):format(n) end

-- SplitMix64: the next value of the generator whose state is st[1].
local function splitmix64(st)
  st[1] = st[1] + 0x9E3779B97F4A7C15
  local z = st[1]
  z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
  z = (z ~ (z >> 27)) * 0x94D049BB133111EB
  return z ~ (z >> 31)
end

-- The whole draw as a pure function: the sorted ticket list, the public value and the
-- number of winners give the digest, the seed and the winners. raffle.replay is what an
-- auditor re-runs; raffle.draw calls it on the stored entrants.
function raffle.replay(public, tickets, k)
  local digest = fnv1a64(table.concat(tickets, "\n"))
  local seed = fnv1a64(public .. "\n" .. #tickets .. "\n" .. hex(digest))
  local st, t, winners = { seed }, { table.unpack(tickets) }, {}
  for i = 1, math.min(k, #t) do
    local j = i + (splitmix64(st) >> 11) % (#t - i + 1)
    t[i], t[j] = t[j], t[i]
    winners[i] = t[i]
  end
  return { digest = hex(digest), seed = hex(seed), winners = winners }
end
raffle.fnv1a64 = fnv1a64

-- Configuration ---------------------------------------------------------------------

local function check_setup(opts)
  assert(type(opts) == "table", "raffle.setup{ threshold =, checkpoints =, is_organiser = }")
  local cps = opts.checkpoints
  assert(type(cps) == "table" and #cps > 0, "raffle.setup: checkpoints must be a non-empty list")
  local by_id = {}
  for i, cp in ipairs(cps) do
    assert(type(cp.id) == "string" and cp.id:match("^[%w_]+$") and #(PAYLOAD .. cp.id) <= 51,
      ("raffle.setup: checkpoints[%d].id must be 1-%d characters of A-Z a-z 0-9 _"):format(i, 51 - #PAYLOAD))
    assert(not by_id[cp.id], "raffle.setup: duplicate checkpoint id " .. cp.id)
    assert(type(cp.name) == "string" or type(cp.name) == "table",
      ("raffle.setup: checkpoints[%d].name must be a string or a table of locale = name"):format(i))
    by_id[cp.id] = cp
  end
  local threshold = opts.threshold or 15
  assert(math.type(threshold) == "integer" and threshold >= 1 and threshold <= #cps,
    "raffle.setup: threshold must be an integer from 1 to the number of checkpoints")
  assert(opts.is_organiser == nil or type(opts.is_organiser) == "function",
    "raffle.setup: is_organiser must be a function(ctx)")
  return by_id, threshold
end

local function name_of(ctx, cp)
  if type(cp.name) == "string" then return cp.name end
  return cp.name[i18n.locale(ctx)] or cp.name[i18n.default()] or cp.id
end

local function t(ctx, key, vars) return i18n.t(ctx, "raffle." .. key, vars) end

local function state(ctx)
  local s = ctx.session._raffle
  if not s then
    s = { visited = {} }
    ctx.session._raffle = s
  end
  return s
end

-- The entrant key of an address: shards keep each scan prefix under its 1000 keys.
local function entrant_key(address)
  return ENTRANT .. ("%x"):format(fnv1a64(address) & (SHARDS - 1)) .. ":" .. address
end

-- Distinct visited checkpoints that are still configured (a reload may remove some).
local function count_visited(s)
  local n = 0
  for _, id in ipairs(s.visited) do
    if config.by_id[id] then n = n + 1 end
  end
  return n
end

-- Enters the user when they have reached the threshold (on a scan, or on their next look
-- at the progress after a reload lowered it). Returns the entrant record if entered.
local function enter_if_due(ctx, s)
  local key = entrant_key(ctx.chat.address)
  local entry = bot.store.get(key)
  if entry then
    s.ticket = entry.ticket
    return entry, false
  end
  if count_visited(s) < config.threshold or bot.store.get("raffle:draw") then return nil, false end
  local signed = bot.sign("raffle_ticket:" .. ctx.chat.address)
  entry = { at = ctx.now, ticket = signed:sub(-12, -5), name = ctx.user and ctx.user.name or nil }
  bot.store.put(key, entry)
  bot.store.incr("raffle:stats:entrants")
  s.ticket = entry.ticket
  return entry, true
end

local function progress_text(ctx, s)
  local lines = {}
  local entry, just = enter_if_due(ctx, s)
  local n = count_visited(s)
  if n == 0 and not entry then
    return t(ctx, "none_yet", { threshold = config.threshold })
  end
  lines[#lines + 1] = t(ctx, "count", { count = math.min(n, config.threshold), threshold = config.threshold })
  if entry then
    lines[#lines + 1] = t(ctx, just and "entered" or "in_draw", { ticket = entry.ticket })
  elseif bot.store.get("raffle:draw") then
    lines[#lines + 1] = t(ctx, "closed")
  else
    lines[#lines + 1] = t(ctx, "to_go", { count = config.threshold - n })
  end
  local names = {}
  for _, id in ipairs(s.visited) do
    local cp = config.by_id[id]
    if cp then names[#names + 1] = name_of(ctx, cp) end
  end
  if #names > 0 then lines[#lines + 1] = t(ctx, "visited", { list = table.concat(names, ", ") }) end
  if s.result then
    lines[#lines + 1] = t(ctx, s.result.won and "won" or "lost", s.result)
  end
  return table.concat(lines, "\n")
end

local function progress_buttons(ctx)
  return { { { t(ctx, "progress_button"), "raffle:progress" } } }
end

-- The visitor's side ------------------------------------------------------------------

-- The signed payload of a checkpoint (what its QR code's deep link carries).
function raffle.payload(id)
  return bot.sign(PAYLOAD .. id)
end

-- A /start payload: true when it was a raffle code (valid or not) and has been answered;
-- false when it is none of the raffle's business (the bot handles it).
function raffle.handle_start(ctx, payload)
  if type(payload) ~= "string" or payload:sub(1, #PAYLOAD) ~= PAYLOAD then return false end
  local text = bot.verify(payload)
  local id = text and text:sub(#PAYLOAD + 1)
  if not id then
    bot.store.incr("raffle:stats:refused")
    ctx:reply(t(ctx, "bad_code"))
    return true
  end
  local cp = config.by_id[id]
  if not cp then
    ctx:reply(t(ctx, "unknown_checkpoint"), { buttons = progress_buttons(ctx) })
    return true
  end
  local s = state(ctx)
  local seen = false
  for _, v in ipairs(s.visited) do
    if v == id then seen = true break end
  end
  if not seen then
    s.visited[#s.visited + 1] = id
    bot.store.incr("raffle:stats:checkins")
  end
  local head = t(ctx, seen and "repeat" or "counted", { name = name_of(ctx, cp) })
  ctx:reply(head .. "\n" .. progress_text(ctx, s), { buttons = progress_buttons(ctx) })
  return true
end

-- The user's progress: count, what is left, the visited checkpoints, the ticket.
function raffle.progress(ctx)
  ctx:reply(progress_text(ctx, state(ctx)))
end

-- The organisers' side ------------------------------------------------------------------

local function organiser(ctx)
  if config.is_organiser(ctx) then return true end
  ctx:reply(t(ctx, "organisers_only"))
  return false
end

-- Every checkpoint with its signed link, for printing the QR codes.
function raffle.codes(ctx)
  if not organiser(ctx) then return end
  local lines = { t(ctx, "codes", { count = #config.checkpoints }) }
  for _, cp in ipairs(config.checkpoints) do
    local p = raffle.payload(cp.id)
    lines[#lines + 1] = name_of(ctx, cp) .. ": " .. (config.link and (config.link .. p) or ("/start " .. p))
  end
  ctx:reply(table.concat(lines, "\n"))
end

-- Every entrant, as { ticket =, address =, name = }, sorted by ticket. Tickets are 48
-- bits of a keyed hash of the address, so two entrants sharing one is not a real
-- concern; the plain string sort keeps a draw of thousands within the budget.
local function all_entrants()
  local tickets, by_ticket = {}, {}
  for shard = 0, SHARDS - 1 do
    local prefix = ENTRANT .. ("%x"):format(shard) .. ":"
    local rows = bot.store.scan(prefix, 1000)
    if #rows == 1000 then bot.log("raffle: shard " .. prefix .. " holds 1000+ entrants; the rest are left out") end
    for _, r in ipairs(rows) do
      local tk = r.value.ticket
      if by_ticket[tk] then bot.log("raffle: two entrants share ticket " .. tk .. "; one is left out") else
        tickets[#tickets + 1] = tk
        by_ticket[tk] = { ticket = tk, address = r.key:sub(#prefix + 1), name = r.value.name }
      end
    end
  end
  table.sort(tickets)
  local list = {}
  for i, tk in ipairs(tickets) do list[i] = by_ticket[tk] end
  return list
end

local function winners_text(draw)
  local out = {}
  for i, w in ipairs(draw.winners) do
    out[#out + 1] = ("%d. %s%s"):format(i, w.ticket, w.name and (" (" .. w.name .. ")") or "")
  end
  return table.concat(out, ", ")
end

-- Sends the result to the next batch of entrants; continues by a timer in this
-- (the organiser's) conversation until everyone has it.
local function publish(ctx)
  local draw = bot.store.get("raffle:draw")
  local list = bot.store.get("raffle:draw:list")
  if not draw or not list then return end
  local last = math.min(draw.published + config.batch, #list)
  for i = draw.published + 1, last do
    local e = list[i]
    if e.address then ctx:signal(e.address, "raffle:result", { ticket = e.ticket }) end  -- nil: forgotten
  end
  draw.published, draw.batch_at = last, ctx.now
  bot.store.put("raffle:draw", draw)
  if last < #list then ctx:remind_in(1, "raffle:publish") end
end

-- Runs the draw once: `public` is a value announced before the draw (a number rolled on
-- stage); the seed comes from it and the sorted ticket list, and is recorded with the
-- winners before anything is sent.
function raffle.draw(ctx, public)
  if not organiser(ctx) then return end
  public = (public or ""):match("^%s*(.-)%s*$")
  if public == "" then return ctx:reply(t(ctx, "draw_usage")) end
  local done = bot.store.get("raffle:draw")
  if done and done.published < done.entrants then
    -- Publication stopped half-way (e.g. an operator took the organiser's chat over, so
    -- its timer did not run): it continues from here, with the recorded draw. While
    -- batches still flow (one a second), a second publisher could tell people twice.
    if ctx.now - (done.batch_at or done.at) < STALLED then
      return ctx:reply(t(ctx, "publishing", { told = done.published, entrants = done.entrants }))
    end
    ctx:reply(t(ctx, "resumed", { told = done.published, entrants = done.entrants }))
    return publish(ctx)
  end
  if done then return ctx:reply(t(ctx, "already_drawn")) end
  local list = all_entrants()
  if #list == 0 then return ctx:reply(t(ctx, "no_entrants")) end
  local tickets, by_ticket = {}, {}
  for i, e in ipairs(list) do
    tickets[i] = e.ticket
    by_ticket[e.ticket] = e
  end
  local r = raffle.replay(public, tickets, config.winners)
  local winners = {}
  for i, ticket in ipairs(r.winners) do
    local e = by_ticket[ticket]
    winners[i] = { ticket = ticket, address = e.address, name = e.name }
  end
  local draw = { public = public, digest = r.digest, seed = r.seed, entrants = #list,
                 winners = winners, at = ctx.now, published = 0, by = ctx.chat.address }
  bot.store.put("raffle:draw", draw)
  bot.store.put("raffle:draw:list", list)
  ctx:reply(t(ctx, "drawn", { entrants = #list, seed = r.seed, winners = winners_text(draw) }))
  publish(ctx)
end

-- The recorded draw with every ticket in order, so it can be published and re-run.
function raffle.audit(ctx)
  if not organiser(ctx) then return end
  local draw = bot.store.get("raffle:draw")
  if not draw then
    return ctx:reply(t(ctx, "no_draw", { entrants = #all_entrants() }))
  end
  ctx:reply(t(ctx, "audit", {
    time = os.date("%Y-%m-%d %H:%M %Z", math.floor(draw.at)), public = draw.public,
    entrants = draw.entrants, digest = draw.digest, seed = draw.seed, winners = winners_text(draw),
  }))
  -- The tickets follow, space-separated, 1000 a message (a message holds at most 64 KB).
  local chunk = {}
  for _, e in ipairs(bot.store.get("raffle:draw:list")) do
    chunk[#chunk + 1] = e.ticket
    if #chunk == 1000 then
      ctx:reply(table.concat(chunk, " "))
      chunk = {}
    end
  end
  if #chunk > 0 then ctx:reply(table.concat(chunk, " ")) end
end

-- Handlers --------------------------------------------------------------------------

-- The result reaches each entrant's own conversation: their language, their session.
local function on_result(ctx, data)
  local draw = bot.store.get("raffle:draw")
  if not draw or not data or not data.ticket then return end
  if not bot.store.get(entrant_key(ctx.chat.address)) then return end  -- forgotten since
  local won = false
  for _, w in ipairs(draw.winners) do
    if w.ticket == data.ticket then won = true end
  end
  local s = state(ctx)
  s.result = { won = won, ticket = data.ticket, entrants = draw.entrants, seed = draw.seed }
  ctx:reply(t(ctx, won and "won" or "lost", s.result) .. "\n" .. t(ctx, "seed", s.result),
    { buttons = progress_buttons(ctx) })
end

-- A user who asks to be forgotten: their visits and entry go, so before the draw they
-- are no longer in it. After the draw its record must still re-run, so their line of
-- the ticket list (and of the winners) keeps the ticket and loses address and name.
profile.on_forget(function(ctx)
  local address = ctx.chat.address
  ctx.session._raffle = nil
  local key = entrant_key(address)
  if not bot.store.get(key) then return end
  bot.store.delete(key)
  local list = bot.store.get("raffle:draw:list")
  if not list then return end
  for _, e in ipairs(list) do
    if e.address == address then e.address, e.name = nil, nil end
  end
  bot.store.put("raffle:draw:list", list)
  local draw = bot.store.get("raffle:draw")
  for _, w in ipairs(draw.winners) do
    if w.address == address then w.address, w.name = nil, nil end
  end
  bot.store.put("raffle:draw", draw)
end)

-- Sets the raffle up (call once from bot.lua, at load):
--   threshold     distinct checkpoints that enter a user into the draw (default 15)
--   checkpoints   { { id = "b12", name = "CloudNest" | { en =, ru = } }, ... }
--   is_organiser  function(ctx) -> true for the organisers (default: nobody)
--   winners       how many tickets the draw picks (default 1)
--   link          deep-link prefix for /raffle_codes ("https://t.me/devconf_bot?start=")
--   batch         entrants told per event when publishing (default 500)
--   commands      false to register no commands (the bot wires raffle.* itself)
function raffle.setup(opts)
  local by_id, threshold = check_setup(opts)
  config = {
    threshold = threshold,
    winners = opts.winners or 1,
    batch = opts.batch or 500,
    link = opts.link,
    checkpoints = opts.checkpoints,
    by_id = by_id,
    is_organiser = opts.is_organiser or function() return false end,
  }
  bot.on("button:raffle:*", function(ctx) raffle.progress(ctx) end)  -- raffle:progress
  bot.on("signal:raffle:*", function(ctx, data)
    if ctx.event.name == "raffle:result" then return on_result(ctx, data) end
    bot.log("raffle: unknown signal " .. tostring(ctx.event.name))
  end)
  bot.on("timer:raffle:*", function(ctx)
    if ctx.event.name == "raffle:publish" then return publish(ctx) end
    bot.log("raffle: unknown timer " .. tostring(ctx.event.name))
  end)
  if opts.commands ~= false then
    bot.command("raffle", raffle.progress)
    bot.command("raffle_codes", raffle.codes)
    bot.command("raffle_draw", raffle.draw)
    bot.command("raffle_audit", raffle.audit)
  end
end

return raffle
