-- networking.lua: attendee networking. A user joins with a short questionnaire (business
-- level, role, fields, interests, topics: choice questions), sets what they look for,
-- and gets the best-overlapping participants as short cards. Contacts are exchanged only
-- when both sides consent: a request reaches the other side's conversation with
-- Accept / Decline, and only Accept sends each their counterpart's contact. Only users
-- who joined are ever shown. Leaving, or asking to be forgotten (profile.forget), deletes
-- the profile and every request from or to the user. docs/lib/networking.md.
local i18n = require "i18n"
local profile = require "profile"

local networking = {}

local SHARDS = 16                         -- bot.store.scan returns at most 1000 keys per prefix
local PROFILE = "networking:profile:"     -- .. <shard> .. ":" .. <pid>

local config = { questions = {}, by_id = {}, matchable = {}, valid = {}, limit = 5, candidates = 3000 }

i18n.defaults("en", {
  ["networking.intro"] = "Networking: tell us about yourself in a few taps, and I'll show you the "
    .. "participants worth meeting. Your contact is shared only with people you accept.",
  ["networking.join"] = "Join networking",
  ["networking.menu"] = "Networking. What would you like to do?",
  ["networking.find"] = "Find people",
  ["networking.edit"] = "Edit my profile",
  ["networking.criteria"] = "What I'm looking for",
  ["networking.leave"] = "Leave networking",
  ["networking.done"] = "Done",
  ["networking.pick_some"] = "Pick at least one, then press Done.",
  ["networking.multi_hint"] = "(pick all that apply, then Done)",
  ["networking.criteria_intro"] = "What are you looking for? Pick what matters in the people you want "
    .. "to meet; leave a question empty to ignore it.",
  ["networking.ask_contact"] = "Last step: how should your matches contact you? Send a Telegram "
    .. "@username, an e-mail or a phone number. It is shown only to people you accept.",
  ["networking.keep"] = "Keep {contact}",
  ["networking.bad_contact"] = "Please send a contact of 3 to 100 characters on one line, for example @anna_dev.",
  ["networking.saved"] = "Your networking profile is saved.",
  ["networking.criteria_saved"] = "Search criteria saved.",
  ["networking.no_matches"] = "Nobody matches your criteria yet. Try again later, or widen what you're looking for.",
  ["networking.matches"] = "People you might want to meet:",
  ["networking.common"] = "In common: {list}",
  ["networking.request"] = "Request contact",
  ["networking.not_joined"] = "Join networking first: it takes a minute.",
  ["networking.gone"] = "This person is no longer in networking.",
  ["networking.self"] = "That's you.",
  ["networking.requested"] = "Request sent to {name}. You'll get their contact if they accept.",
  ["networking.already_requested"] = "You have already asked {name}; waiting for their answer.",
  ["networking.already_declined"] = "You have already asked {name}.",
  ["networking.incoming"] = "{name} ({about}) would like to exchange contacts with you.",
  ["networking.accept"] = "Accept",
  ["networking.decline"] = "Decline",
  ["networking.exchanged"] = "Contacts exchanged with {name}: {contact}",
  ["networking.declined_you"] = "You declined. {name} does not get your contact.",
  ["networking.not_accepted"] = "{name} did not accept your contact request.",
  ["networking.no_request"] = "This request is no longer open.",
  ["networking.left"] = "You have left networking: your profile is deleted and nobody will see it.",
})
i18n.defaults("ru", {
  ["networking.intro"] = "Нетворкинг: расскажите о себе в пару нажатий, и я покажу участников, "
    .. "с которыми стоит познакомиться. Ваш контакт увидят только те, кого вы примете.",
  ["networking.join"] = "Участвовать в нетворкинге",
  ["networking.menu"] = "Нетворкинг. Что вы хотите сделать?",
  ["networking.find"] = "Найти людей",
  ["networking.edit"] = "Изменить профиль",
  ["networking.criteria"] = "Кого я ищу",
  ["networking.leave"] = "Выйти из нетворкинга",
  ["networking.done"] = "Готово",
  ["networking.pick_some"] = "Выберите хотя бы один вариант и нажмите «Готово».",
  ["networking.multi_hint"] = "(выберите все подходящие и нажмите «Готово»)",
  ["networking.criteria_intro"] = "Кого вы ищете? Отметьте, что важно в людях, с которыми вы хотите "
    .. "познакомиться; пустой вопрос не учитывается.",
  ["networking.ask_contact"] = "Последний шаг: как с вами связаться? Пришлите @username в Telegram, "
    .. "e-mail или телефон. Его увидят только те, кого вы примете.",
  ["networking.keep"] = "Оставить {contact}",
  ["networking.bad_contact"] = "Пришлите контакт длиной от 3 до 100 символов одной строкой, например @anna_dev.",
  ["networking.saved"] = "Ваш профиль для нетворкинга сохранён.",
  ["networking.criteria_saved"] = "Критерии поиска сохранены.",
  ["networking.no_matches"] = "Пока никто не подходит под ваши критерии. Попробуйте позже или расширьте поиск.",
  ["networking.matches"] = "С кем стоит познакомиться:",
  ["networking.common"] = "Общее: {list}",
  ["networking.request"] = "Запросить контакт",
  ["networking.not_joined"] = "Сначала присоединитесь к нетворкингу: это займёт минуту.",
  ["networking.gone"] = "Этого человека больше нет в нетворкинге.",
  ["networking.self"] = "Это вы.",
  ["networking.requested"] = "Запрос отправлен: {name}. Вы получите контакт, если запрос примут.",
  ["networking.already_requested"] = "Вы уже отправили запрос: {name}; ждём ответа.",
  ["networking.already_declined"] = "Вы уже отправляли запрос: {name}.",
  ["networking.incoming"] = "{name} ({about}) хочет обменяться с вами контактами.",
  ["networking.accept"] = "Принять",
  ["networking.decline"] = "Отклонить",
  ["networking.exchanged"] = "Обмен контактами с {name}: {contact}",
  ["networking.declined_you"] = "Вы отклонили запрос. {name} не получит ваш контакт.",
  ["networking.not_accepted"] = "{name} не принял(а) ваш запрос на обмен контактами.",
  ["networking.no_request"] = "Этот запрос уже неактуален.",
  ["networking.left"] = "Вы вышли из нетворкинга: профиль удалён, его больше никто не увидит.",
})

local function t(ctx, key, vars) return i18n.t(ctx, "networking." .. key, vars) end

local function text_of(ctx, v)
  if type(v) == "string" then return v end
  return v[i18n.locale(ctx)] or v[i18n.default()] or select(2, next(v))
end

-- FNV-1a 64: a short, stable profile id for an address (button ids stay far under 64
-- bytes and never show the address) and its shard.
local function fnv1a64(s)
  local h = 0xcbf29ce484222325
  for i = 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  return h
end

local function pid_of(address) return ("%016x"):format(fnv1a64(address)) end
local function profile_key(pid) return PROFILE .. pid:sub(-1) .. ":" .. pid end
-- A contact request from one profile to another: "pending", "accepted" or "declined";
-- "networking:in:<to>:<from>" indexes it by receiver so leaving can delete both sides.
local function req_key(from, to) return "networking:req:" .. from .. ":" .. to end
local function load_profile(pid) return pid and pid:match("^%x+$") and bot.store.get(profile_key(pid)) end

local function state(ctx)
  local s = ctx.session._networking
  if not s then
    s = {}
    ctx.session._networking = s
  end
  return s
end

-- Questions -----------------------------------------------------------------------------

local function label_of(ctx, q, opt_id)
  for _, o in ipairs(q.options) do
    if o.id == opt_id then return text_of(ctx, o.label) end
  end
end

-- The questions of a pass: the whole questionnaire, or the matchable ones (criteria).
local function pass_questions(mode)
  return mode == "criteria" and config.matchable or config.questions
end

local function as_set(v)
  local set = {}
  if type(v) == "string" then set[v] = true
  elseif type(v) == "table" then for _, x in ipairs(v) do set[x] = true end end
  return set
end

local function ask(ctx, intro)
  local s = state(ctx)
  ctx:remind_in(config.idle, "networking:idle")
  local qs = pass_questions(s.mode)
  local q = qs[s.step]
  if not q then
    if s.mode == "criteria" then
      s.criteria = s.draft
      return networking.menu(ctx, t(ctx, "criteria_saved"))
    end
    s.step = "contact"
    local p = load_profile(s.pid)
    return ctx:reply(t(ctx, "ask_contact"), p and { buttons = {
      { { t(ctx, "keep", { contact = p.contact }):sub(1, 256), "networking:keep" } } } } or nil)
  end
  local multi = q.multi or s.mode == "criteria"
  local chosen = as_set(s.draft[q.id])
  local rows = {}
  for i, o in ipairs(q.options) do
    if i % 2 == 1 then rows[#rows + 1] = {} end         -- two buttons a row
    local row = rows[#rows]
    local label = text_of(ctx, o.label)
    if multi then
      row[#row + 1] = { (chosen[o.id] and "✓ " or "") .. label, "networking:t:" .. q.id .. ":" .. o.id }
    else
      row[#row + 1] = { label, "networking:a:" .. q.id .. ":" .. o.id }
    end
  end
  if multi then rows[#rows + 1] = { { t(ctx, "done"), "networking:d:" .. q.id } } end
  local text = text_of(ctx, q.text) .. (multi and ("\n" .. t(ctx, "multi_hint")) or "")
  ctx:reply(intro and (intro .. "\n\n" .. text) or text, { buttons = rows, edit = ctx.event.kind == "button" })
end

local function start_pass(ctx, mode, intro)
  local s = state(ctx)
  s.mode, s.step = mode, 1
  if mode == "criteria" then
    local base = s.criteria
    if not base then
      local p = load_profile(s.pid)
      base = p and p.answers or {}
    end
    s.draft = {}
    for _, q in ipairs(pass_questions("criteria")) do
      local v = base[q.id]
      s.draft[q.id] = type(v) == "string" and { v } or v
    end
  else
    local p = load_profile(s.pid)
    s.draft = p and p.answers or {}
  end
  ask(ctx, intro)
end

-- The current question of the pass, when a press names it; a stale press (an older
-- question, or one a reload removed) just shows the current question again.
local function current(ctx, qid)
  local s = state(ctx)
  local q = type(s.step) == "number" and pass_questions(s.mode)[s.step]
  if q and q.id == qid then return q, s end
  if s.step then ask(ctx) else networking.menu(ctx) end      -- "contact": asked again
end

local function on_answer(ctx, qid, opt)
  local q, s = current(ctx, qid)
  if not q then return end
  if not label_of(ctx, q, opt) then return ask(ctx) end
  s.draft[q.id] = opt
  s.step = s.step + 1
  ask(ctx)
end

local function on_toggle(ctx, qid, opt)
  local q, s = current(ctx, qid)
  if not q then return end
  if not label_of(ctx, q, opt) then return ask(ctx) end
  local list, found = {}, false
  for _, x in ipairs(type(s.draft[q.id]) == "table" and s.draft[q.id] or {}) do
    if x == opt then found = true elseif label_of(ctx, q, x) then list[#list + 1] = x end
  end
  if not found then list[#list + 1] = opt end
  s.draft[q.id] = list
  ask(ctx)
end

local function on_done(ctx, qid)
  local q, s = current(ctx, qid)
  if not q then return end
  if s.mode ~= "criteria" and #(type(s.draft[q.id]) == "table" and s.draft[q.id] or {}) == 0 then
    return ask(ctx, t(ctx, "pick_some"))
  end
  s.step = s.step + 1
  ask(ctx)
end

-- The profile -------------------------------------------------------------------------

-- The end of the questionnaire: the profile is stored (the user becomes matchable).
local function save_profile(ctx, contact)
  local s = state(ctx)
  local pid = pid_of(ctx.chat.address)
  local joined = load_profile(pid) ~= nil
  bot.store.put(profile_key(pid), { address = ctx.chat.address, name = ctx.user and ctx.user.name or "?",
                                    answers = s.draft, contact = contact })
  if not joined then bot.store.incr("networking:stats:joined") end
  s.pid = pid
  networking.menu(ctx, t(ctx, "saved"))        -- ends the pass
end

-- Free text while the contact is asked for: true when consumed.
function networking.handle_message(ctx, text)
  local s = ctx.session._networking
  if not s or s.step ~= "contact" then return false end
  local contact = (text or ""):match("^%s*(.-)%s*$")
  if #contact < 3 or #contact > 100 or contact:find("\n") then
    ctx:reply(t(ctx, "bad_contact"))
    return true
  end
  save_profile(ctx, contact)
  return true
end

-- Ends a questionnaire pass left half-way (the menu and a search do), so text typed
-- later is not taken as a contact.
local function put_aside(ctx, s)
  if s.step then
    s.step, s.mode, s.draft = nil, nil, nil
    ctx:cancel("networking:idle")
  end
end

-- The entry point: the menu for members, the invitation for everyone else.
function networking.menu(ctx, intro)
  local s = state(ctx)
  put_aside(ctx, s)
  local p = s.pid and load_profile(s.pid)
  if not p then
    local text = t(ctx, "intro")
    return ctx:reply(intro and (intro .. "\n\n" .. text) or text,
      { buttons = { { { t(ctx, "join"), "networking:join" } } } })
  end
  local text = t(ctx, "menu")
  ctx:reply(intro and (intro .. "\n\n" .. text) or text, { buttons = {
    { { t(ctx, "find"), "networking:find" } },
    { { t(ctx, "criteria"), "networking:criteria" }, { t(ctx, "edit"), "networking:edit" } },
    { { t(ctx, "leave"), "networking:leave" } },
  } })
end

function networking.join(ctx) start_pass(ctx, "profile") end

-- Deletes the user's profile, every request from or to them (their pending requests can
-- no longer be answered), the questionnaire in progress and its timer.
local function remove(ctx)
  local pid = pid_of(ctx.chat.address)      -- the session's pid, even if a bot reset the session
  bot.store.delete(profile_key(pid))
  local outbox = "networking:req:" .. pid .. ":"
  for _, r in ipairs(bot.store.scan(outbox, 1000)) do
    bot.store.delete(r.key)
    bot.store.delete("networking:in:" .. r.key:sub(#outbox + 1) .. ":" .. pid)
  end
  local inbox = "networking:in:" .. pid .. ":"
  for _, r in ipairs(bot.store.scan(inbox, 1000)) do
    bot.store.delete(r.key)
    bot.store.delete(req_key(r.key:sub(#inbox + 1), pid))
  end
  ctx:cancel("networking:idle")
  ctx.session._networking = nil
end

-- Leaving deletes everything the module keeps about the user (a user's data deleted on
-- request), and says so.
function networking.leave(ctx)
  remove(ctx)
  ctx:reply(t(ctx, "left"))
end

-- Asked to be forgotten: the same, silently (profile's /forget answers).
profile.on_forget(remove)

-- Matching ---------------------------------------------------------------------------

-- "role · level" of a profile: its answers to the questions that are not matched on.
local function about(ctx, p)
  local parts = {}
  for _, q in ipairs(config.questions) do
    local v = p.answers[q.id]
    if not q.match and type(v) == "string" then parts[#parts + 1] = label_of(ctx, q, v) end
  end
  return table.concat(parts, " · ")
end

-- The user's criteria: what they set, else their own answers (people like them).
local function criteria_of(s, me)
  local out = {}
  for _, q in ipairs(config.matchable) do
    local set = {}
    for x in pairs(as_set((s.criteria or me.answers)[q.id])) do
      if config.valid[q.id][x] then set[x] = true end   -- options a reload removed are dropped
    end
    out[q.id] = set
  end
  return out
end

-- Overlap score of a candidate: how many of its answers the criteria want (answers to
-- options a reload removed do not count). This runs for thousands of profiles per
-- search, so it allocates nothing.
local function score(crit, p)
  local n = 0
  for _, q in ipairs(config.matchable) do
    local want, has = crit[q.id], p.answers[q.id]
    if type(has) == "string" then has = { has } end
    if type(has) == "table" then
      for _, x in ipairs(has) do
        if want[x] then n = n + 1 end
      end
    end
  end
  return n
end

-- The labels a shown card has in common with the criteria, in the questionnaire's order.
local function common_labels(ctx, crit, p)
  local out = {}
  for _, q in ipairs(config.matchable) do
    local has = as_set(p.answers[q.id])
    for _, o in ipairs(q.options) do
      if crit[q.id][o.id] and has[o.id] then out[#out + 1] = text_of(ctx, o.label) end
    end
  end
  return out
end

-- The best `limit` members by overlap with the user's criteria, as cards.
function networking.find(ctx)
  local s = state(ctx)
  local me = s.pid and load_profile(s.pid)
  if not me then return networking.menu(ctx, t(ctx, "not_joined")) end
  put_aside(ctx, s)
  local crit = criteria_of(s, me)
  -- The best `limit` so far, best first: each candidate is compared with the last kept
  -- one, so a search over thousands costs about one comparison each (no full sort).
  local best, seen, limit = {}, 0, config.limit
  local function better(a, b) return a.n > b.n or (a.n == b.n and a.pid < b.pid) end
  -- Start at the user's own shard so a very large pool is not always cut at the same place.
  local first = tonumber(s.pid:sub(-1), 16)
  for k = 0, SHARDS - 1 do
    local prefix = PROFILE .. ("%x"):format((first + k) % SHARDS) .. ":"
    for _, r in ipairs(bot.store.scan(prefix, 1000)) do
      seen = seen + 1
      if seen > config.candidates then break end
      local pid = r.key:sub(#prefix + 1)
      local n = pid ~= s.pid and score(crit, r.value) or 0
      local f = n > 0 and { pid = pid, p = r.value, n = n }
      if f and (#best < limit or better(f, best[#best])) then
        local i = #best < limit and #best + 1 or limit
        while i > 1 and better(f, best[i - 1]) do
          best[i] = best[i - 1]
          i = i - 1
        end
        best[i] = f
      end
    end
    if seen > config.candidates then break end
  end
  if #best == 0 then return networking.menu(ctx, t(ctx, "no_matches")) end
  local cards = {}
  for i, f in ipairs(best) do
    local sub = about(ctx, f.p)
    local common = table.concat(common_labels(ctx, crit, f.p), ", ")
    sub = (sub ~= "" and (sub .. "\n") or "") .. t(ctx, "common", { list = common })
    cards[i] = { title = f.p.name:sub(1, 80), subtitle = sub:sub(1, 500),
                 buttons = { { t(ctx, "request"), "networking:req:" .. f.pid } } }
  end
  ctx:reply(t(ctx, "matches"))
  ctx:reply(nil, { cards = cards })
end

-- Contact exchange -----------------------------------------------------------------------


-- Both consented (from asked, to accepted): this side gets the other's contact now, the
-- other side by a signal, in their own conversation and language.
local function exchange(ctx, from, to, edit)
  bot.store.put(req_key(from, to), "accepted")
  bot.store.incr("networking:stats:exchanged")
  local me = state(ctx).pid
  local other_pid = me == from and to or from
  local other = load_profile(other_pid)
  ctx:signal(other.address, "networking:exchanged", { with = me })
  ctx:reply(t(ctx, "exchanged", { name = other.name, contact = other.contact }), { edit = edit })
end

function networking.request(ctx, to)
  local s = state(ctx)
  local me = s.pid and load_profile(s.pid)
  if not me then return networking.menu(ctx, t(ctx, "not_joined")) end
  if to == s.pid then return ctx:reply(t(ctx, "self")) end
  local other = load_profile(to)
  if not other then return ctx:reply(t(ctx, "gone")) end
  local mine, theirs = bot.store.get(req_key(s.pid, to)), bot.store.get(req_key(to, s.pid))
  if mine == "accepted" or theirs == "accepted" then
    return ctx:reply(t(ctx, "exchanged", { name = other.name, contact = other.contact }))
  end
  if mine == "pending" then return ctx:reply(t(ctx, "already_requested", { name = other.name })) end
  if mine == "declined" then return ctx:reply(t(ctx, "already_declined", { name = other.name })) end
  if theirs == "pending" then           -- they asked first: asking back is consent on both sides
    return exchange(ctx, to, s.pid, false)
  end
  bot.store.put(req_key(s.pid, to), "pending")
  bot.store.put("networking:in:" .. to .. ":" .. s.pid, true)
  bot.store.incr("networking:stats:requests")
  ctx:signal(other.address, "networking:request", { from = s.pid })
  ctx:reply(t(ctx, "requested", { name = other.name }))
end

-- In the receiver's conversation: the request with Accept / Decline, in their language.
local function on_request(ctx, data)
  local from = load_profile(data.from)
  if not from then return end
  ctx:reply(t(ctx, "incoming", { name = from.name, about = about(ctx, from) }), { buttons = { {
    { t(ctx, "accept"), "networking:acc:" .. data.from }, { t(ctx, "decline"), "networking:dec:" .. data.from },
  } } })
end

local function answer(ctx, from, accepted)
  local s = state(ctx)
  local me = s.pid and load_profile(s.pid)
  local requester = load_profile(from)
  if not me or not requester then return ctx:reply(t(ctx, "no_request"), { edit = true }) end
  local status = bot.store.get(req_key(from, s.pid))
  if status == "accepted" then
    return ctx:reply(t(ctx, "exchanged", { name = requester.name, contact = requester.contact }), { edit = true })
  end
  if status ~= "pending" then return ctx:reply(t(ctx, "no_request"), { edit = true }) end
  if accepted then return exchange(ctx, from, s.pid, true) end
  bot.store.put(req_key(from, s.pid), "declined")
  ctx:signal(requester.address, "networking:declined", { by = s.pid })
  ctx:reply(t(ctx, "declined_you", { name = requester.name }), { edit = true })
end

-- Setup -------------------------------------------------------------------------------

local function check_setup(opts)
  assert(type(opts) == "table" and type(opts.questions) == "table" and #opts.questions > 0,
    "networking.setup{ questions = { … } }")
  local by_id, matchable, valid = {}, {}, {}
  for i, q in ipairs(opts.questions) do
    local where = ("networking.setup: questions[%d]"):format(i)
    assert(type(q.id) == "string" and q.id:match("^[%w_]+$"), where .. ".id must be A-Z a-z 0-9 _")
    assert(not by_id[q.id], where .. ": duplicate id " .. q.id)
    assert(type(q.text) == "string" or type(q.text) == "table", where .. ".text must be a text")
    assert(type(q.options) == "table" and #q.options >= 2, where .. ".options must list two or more")
    valid[q.id] = {}
    for j, o in ipairs(q.options) do
      valid[q.id][o.id] = true
      assert(type(o.id) == "string" and o.id:match("^[%w_]+$") and #q.id + #o.id <= 48,
        ("%s.options[%d].id must be A-Z a-z 0-9 _ (question + option id at most 48)"):format(where, j))
      assert(type(o.label) == "string" or type(o.label) == "table", ("%s.options[%d].label"):format(where, j))
    end
    by_id[q.id] = q
    if q.match then matchable[#matchable + 1] = q end
  end
  assert(#matchable > 0, "networking.setup: mark at least one question match = true")
  return by_id, matchable, valid
end

-- Sets networking up (once, in bot.lua):
--   questions   { { id =, text =, options = { { id =, label = }, … }, multi = bool,
--                   match = bool }, … }   match: the question's answers are matched on
--   limit       cards per search (default 5, at most 10)
--   candidates  profiles read per search (default 3000; keeps a search within budget)
--   idle        a questionnaire untouched this long is put aside (default "2h")
--   commands    false to register no /networking command
function networking.setup(opts)
  local by_id, matchable, valid = check_setup(opts)
  config = {
    questions = opts.questions,
    by_id = by_id,
    matchable = matchable,
    valid = valid,
    limit = math.min(opts.limit or 5, 10),
    candidates = opts.candidates or 3000,
    idle = opts.idle or "2h",
  }
  bot.on("button:networking:*", function(ctx, id)
    local verb, rest = id:match("^networking:(%a+):?(.*)$")
    if verb == "join" or verb == "edit" then return start_pass(ctx, "profile") end
    if verb == "criteria" then
      local pid = state(ctx).pid
      if not (pid and load_profile(pid)) then return networking.menu(ctx, t(ctx, "not_joined")) end
      return start_pass(ctx, "criteria", t(ctx, "criteria_intro"))
    end
    if verb == "find" then return networking.find(ctx) end
    if verb == "keep" then
      local s, p = state(ctx), load_profile(state(ctx).pid)
      if s.step == "contact" and p then return save_profile(ctx, p.contact) end
      return networking.menu(ctx)
    end
    if verb == "leave" then return networking.leave(ctx) end
    if verb == "req" then return networking.request(ctx, rest) end
    if verb == "acc" or verb == "dec" then return answer(ctx, rest, verb == "acc") end
    local qid, opt = rest:match("^([%w_]+):([%w_]+)$")
    if verb == "a" and qid then return on_answer(ctx, qid, opt) end
    if verb == "t" and qid then return on_toggle(ctx, qid, opt) end
    if verb == "d" then return on_done(ctx, rest) end
    networking.menu(ctx)
  end)
  -- A questionnaire left untouched for `idle` is put aside without a word (a message
  -- out of the blue could fall outside a channel's reply window).
  bot.on("timer:networking:*", function(ctx)
    local s = ctx.session._networking
    if s and s.step then s.step, s.mode, s.draft = nil, nil, nil end
  end)
  bot.on("signal:networking:*", function(ctx, data)
    local name = ctx.event.name
    if name == "networking:request" then return on_request(ctx, data) end
    local other = load_profile(data.with or data.by)
    if not other then return end
    if name == "networking:exchanged" then
      return ctx:reply(t(ctx, "exchanged", { name = other.name, contact = other.contact }))
    end
    if name == "networking:declined" then return ctx:reply(t(ctx, "not_accepted", { name = other.name })) end
  end)
  if opts.commands ~= false then bot.command("networking", function(ctx) networking.menu(ctx) end) end
end

return networking
