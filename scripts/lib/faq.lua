-- faq.lua: answers questions from a tenant's FAQ file (a Lua table of entries with
-- keywords, phrasings and answers in each language) by keyword and fuzzy match: a clear
-- match is answered, a near one offers the best two or three as buttons, anything else
-- gets the configured fallback: optionally a request to rephrase first, then a handoff
-- to a person, a reply (a contact to write to), or a function of the bot. docs/lib/faq.md.
--
-- Matching: both sides are folded (bot.text.fold: case, accents, ё/е), split into words,
-- and each word of the question counts by its best match among an entry's words —
-- exact 1, a shared stem (one word of 4+ letters starts the other, which is at most 4
-- letters longer: "park"/"parking") 0.8, a typo of a keyword (one letter missing,
-- added, changed, or two swapped; 4+ letters; "pasword", "парковку") 0.7. An entry's
-- score is the mean over the question's meaningful words (stopwords dropped).
--
-- State: ctx.session._faq = { q = "the last question", offered = { ids },
-- rephrase = time of a pending request to rephrase }; bot.store "faq:stats:<what>" and
-- "faq:hits:<id>".
local i18n = require "i18n"
local profile = require "profile"

local faq = {}

local cfg                 -- the bot's setup{}: re-made at every load
local index               -- words -> entries, built from cfg.entries at the first question

i18n.defaults("en", {
  ["faq.suggest"] = "Did you mean one of these?",
  ["faq.none"] = "None of these",
  ["faq.wrong"] = "That's not what I asked",
  ["faq.handoff"] = "I don't know the answer to that. I've passed your question to a person, who will reply here.",
  ["faq.contact"] = "I don't know the answer to that. Please write to {contact}.",
  ["faq.unanswered"] = "I'm sorry, I don't know the answer to that.",
  ["faq.rephrase"] = "I couldn't find an answer to that. Could you put it another way?",
  ["faq.manager"] = "FAQ question without an answer from {name} ({address}): {question}",
  ["faq.gone"] = "That question is no longer in the FAQ.",
})
i18n.defaults("ru", {
  ["faq.suggest"] = "Вы имели в виду один из этих вопросов?",
  ["faq.none"] = "Ничего из этого",
  ["faq.wrong"] = "Я спрашивал не об этом",
  ["faq.handoff"] = "Я не знаю ответа на этот вопрос. Я передал его сотруднику, он ответит здесь.",
  ["faq.contact"] = "Я не знаю ответа на этот вопрос. Напишите, пожалуйста, на {contact}.",
  ["faq.unanswered"] = "Извините, я не знаю ответа на этот вопрос.",
  ["faq.rephrase"] = "Я не нашёл ответа на этот вопрос. Можете сформулировать его иначе?",
  ["faq.manager"] = "Вопрос без ответа в FAQ от {name} ({address}): {question}",
  ["faq.gone"] = "Этого вопроса больше нет в FAQ.",
})

-- Words that carry no meaning for matching (folded forms).
local STOP = {}
for w in ([[a an the is are am be do does did can could i me my you your we our it its of
  to in on at for and or with what whats where when how which who why there this that
  have has please tell about any hi hello
  а и в во на по с со к ко о об у я мы вы ты он она они это как где когда что чем кто
  ли есть вас мне нас ваш ваша ваше какой какая какие можно подскажите скажите
  пожалуйста здравствуйте привет не да]]):gmatch("%S+") do STOP[w] = true end

-- Non-ASCII punctuation that would otherwise stick to words.
local PUNCT = { "—", "–", "«", "»", "…", "“", "”", "„", "’", "‘", "№" }

local function words(text)
  local out = {}
  local f = bot.text.fold(text)
  for _, p in ipairs(PUNCT) do f = f:gsub(p, " ") end
  for w in f:gmatch("[%w\128-\255]+") do
    if not STOP[w] and utf8.len(w) and utf8.len(w) >= 2 then out[#out + 1] = w end
  end
  return out
end

-- The byte offsets where each character of w starts, and the end + 1.
local function starts(w)
  local t = {}
  for p in utf8.codes(w) do t[#t + 1] = p end
  t[#t + 1] = #w + 1
  return t
end

-- w with one character left out, for each character (words of 4+ characters only).
local function deletions(w, st)
  local out = {}
  for i = 1, #st - 1 do out[#out + 1] = w:sub(1, st[i] - 1) .. w:sub(st[i + 1]) end
  return out
end

local function mark(map, key, id)
  local set = map[key]
  if not set then set = {}; map[key] = set end
  set[id] = true
end

local function texts_of(v)
  -- A field may be a string, a list, or { en = string|list, ru = … }.
  local out = {}
  local function add(x)
    if type(x) == "string" then out[#out + 1] = x
    elseif type(x) == "table" then for _, y in pairs(x) do add(y) end end
  end
  add(v)
  return out
end

-- The index, made once per load at the first question (a tenant whose users never ask
-- pays nothing at start-up: a quarter of the conference bot's start): every word of
-- every entry's keywords, phrasings and
-- question (exact), its stems (the word less an ending of up to 4 letters, 4+ letters
-- left), and each keyword's one-character deletions (typos: a letter missing, added,
-- changed or two swapped show as a shared deletion). Matching then costs a few table
-- lookups per word of the question, whatever the size of the FAQ.
-- A malformed entry is an error at load (the reload fails, the old code keeps serving).
local function check(entries)
  for _, e in ipairs(entries) do
    assert(type(e.id) == "string" and #("faq:pick:" .. e.id) <= 64, "faq: each entry needs an id (up to 55 bytes)")
    assert(e.answer and e.question, "faq: entry " .. e.id .. " needs a question and an answer")
  end
end

local function build(entries)
  local ix = { exact = {}, prefix = {}, del = {}, by_id = {} }
  for _, e in ipairs(entries) do
    ix.by_id[e.id] = e
    for _, field in ipairs({ "keywords", "phrasings", "question" }) do
      for _, t in ipairs(texts_of(e[field])) do
        for _, w in ipairs(words(t)) do
          local seen = ix.exact[w] and ix.exact[w][e.id]
          mark(ix.exact, w, e.id)
          local st = starts(w)
          if not seen and #st > 5 then
            -- stems: an ending of up to 4 letters ("park" -> "parking")
            for i = math.max(5, #st - 4), #st - 2 do mark(ix.prefix, w:sub(1, st[i] - 1), e.id) end
            if field == "keywords" then       -- typos of keywords only: the index stays small
              for _, d in ipairs(deletions(w, st)) do mark(ix.del, d, e.id) end
            end
          end
        end
      end
    end
  end
  return ix
end

local function ix()
  if not index then index = build(cfg.entries) end
  return index
end

local function raise(best, set, s)
  if not set then return end
  for id in pairs(set) do
    if s > (best[id] or 0) then best[id] = s end
  end
end

-- The entries matching text, best first: a list of { id, score } with score > 0.
function faq.match(text)
  local qs = words(text)
  if #qs == 0 then return {} end
  local idx = ix()
  local total = {}
  for _, q in ipairs(qs) do
    local best = {}
    local st = starts(q)
    if #st > 5 then                                      -- 4+ characters
      for _, d in ipairs(deletions(q, st)) do
        if #st > 6 then raise(best, idx.exact[d], 0.7) end  -- q has a letter too many
        raise(best, idx.del[d], 0.7)                   -- a letter changed or swapped
      end
      raise(best, idx.del[q], 0.7)                     -- q lacks a letter
      raise(best, idx.prefix[q], 0.8)                  -- q starts a word of the FAQ
      for i = math.max(5, #st - 4), #st - 2 do                -- or a word starts q
        raise(best, idx.exact[q:sub(1, st[i] - 1)], 0.8)
      end
    end
    raise(best, idx.exact[q], 1)
    for id, s in pairs(best) do total[id] = (total[id] or 0) + s end
  end
  local out = {}
  for id, s in pairs(total) do out[#out + 1] = { id = id, score = s / #qs } end
  table.sort(out, function(a, b)
    if a.score ~= b.score then return a.score > b.score end
    return a.id < b.id
  end)
  return out
end

local function localized(ctx, v)
  if type(v) ~= "table" then return v end
  return v[i18n.locale(ctx)] or v[i18n.default()] or select(2, next(v))
end

local function stat(what) bot.store.incr("faq:stats:" .. what) end

local function answer(ctx, e)
  stat("completed")
  bot.store.incr("faq:hits:" .. e.id)
  ctx.session._faq.offered = nil
  ctx:reply(localized(ctx, e.answer), { buttons = { { i18n.t(ctx, "faq.wrong"), "faq:wrong" } } })
end

local UNITS = { s = 1, m = 60, h = 3600, d = 86400, w = 7 * 86400 }

-- "10m", "1h30m" or a number -> seconds (the grammar of docs/lua-api.md).
local function seconds(d)
  if type(d) == "number" then return d end
  local total, rest = 0, d
  while #rest > 0 do
    local n, u, tail = rest:match("^(%d+)([smhdw])(.*)$")
    assert(n, "faq: bad duration " .. tostring(d))
    total, rest = total + tonumber(n) * UNITS[u], tail
  end
  return total
end

-- The final fallback, by cfg.fallback: "handoff" (the manager, if any, is told the
-- question, and operators get the conversation), "reply" (the contact to write to, or
-- "I don't know"; the conversation stays the bot's), or the bot's function
-- fn(ctx, question), which counts as a handoff when it returns "handoff".
local function fallback(ctx)
  local st = ctx.session._faq or {}
  st.offered, st.rephrase = nil, nil
  local q = st.q or ""
  local how = cfg.fallback or (cfg.contact and "reply" or "handoff")
  if type(how) == "function" then
    stat(how(ctx, q) == "handoff" and "handoff" or "unanswered")
    return
  end
  if cfg.manager then
    ctx:send(cfg.manager, i18n.t(cfg.manager_locale or i18n.default(), "faq.manager",
      { name = ctx.user.name or ctx.user.id, address = ctx.chat.address, question = q }))
  end
  if how == "reply" then
    stat("unanswered")
    if cfg.contact then
      return ctx:reply(i18n.t(ctx, "faq.contact", { contact = localized(ctx, cfg.contact) }))
    end
    return ctx:reply(i18n.t(ctx, "faq.unanswered"))
  end
  stat("handoff")
  ctx:reply(i18n.t(ctx, "faq.handoff"))
  ctx:handoff("faq: " .. q)
end

-- Typed text with no answer: with cfg.rephrase, the first time the user is asked to put
-- it another way; a second such text within rephrase.within (default 10 minutes) gets
-- the fallback. Returns "rephrase" or "fallback".
local function unanswered(ctx, opts)
  local r = cfg.rephrase
  local st = ctx.session._faq
  if r and opts.rephrase ~= false then
    r = type(r) == "table" and r or {}
    local asked = st.rephrase
    if not (asked and ctx.now - asked < seconds(r.within or "10m")) then
      st.rephrase = ctx.now
      stat("rephrase")
      ctx:reply(i18n.t(ctx, r.text or "faq.rephrase"))
      if r.after then r.after(ctx) end
      return "rephrase"
    end
  end
  fallback(ctx)
  return "fallback"
end

-- Answers text: "answered", "suggested" (the best few offered as buttons), "rephrase"
-- (asked to put it another way) or "fallback". opts.rephrase = false skips the request
-- to rephrase for this question.
function faq.answer(ctx, text, opts)
  local before = ctx.session._faq
  ctx.session._faq = { q = text:sub(1, 500), rephrase = before and before.rephrase }
  local ranked = faq.match(text)
  local top = ranked[1]
  local answer_at, suggest_at = cfg.answer_at or 0.7, cfg.suggest_at or 0.35
  if top and top.score >= answer_at and not (ranked[2] and ranked[2].score >= top.score - 0.1) then
    ctx.session._faq.rephrase = nil
    answer(ctx, ix().by_id[top.id])
    return "answered"
  end
  if top and top.score >= suggest_at then
    local rows, offered = {}, {}
    for i = 1, math.min(cfg.suggestions or 3, #ranked) do
      local r = ranked[i]
      if r.score < suggest_at then break end
      rows[#rows + 1] = { localized(ctx, ix().by_id[r.id].question), "faq:pick:" .. r.id }
      offered[#offered + 1] = r.id
    end
    rows[#rows + 1] = { i18n.t(ctx, "faq.none"), "faq:none" }
    ctx.session._faq.offered = offered
    ctx.session._faq.rephrase = nil
    stat("suggested")
    ctx:reply(i18n.t(ctx, "faq.suggest"), { buttons = rows })
    return "suggested"
  end
  return unanswered(ctx, opts or {})
end

-- The conversation moved on (a menu, another flow): a pending request to rephrase is
-- forgotten, so the next unanswered text is asked to be rephrased again.
function faq.reset(ctx)
  local st = ctx.session._faq
  if st then st.rephrase = nil end
end

local function on_pick(ctx, id)
  local e = ix().by_id[id:sub(#"faq:pick:" + 1)]
  if not e then
    ctx:reply(i18n.t(ctx, "faq.gone"))
    return fallback(ctx)
  end
  ctx.session._faq = ctx.session._faq or {}
  answer(ctx, e)
end

-- A user who asks to be forgotten: their last question (free text, so anything they
-- typed) goes with the session state; the module stores nothing else about them.
profile.on_forget(function(ctx) ctx.session._faq = nil end)

-- setup{ entries, answer_at?, suggest_at?, suggestions?, rephrase?, fallback?, manager?,
-- manager_locale?, contact? }.
function faq.setup(c)
  assert(type(c) == "table" and type(c.entries) == "table", "faq.setup{ entries = require \"faq_data\" }")
  local how = c.fallback
  assert(how == nil or how == "handoff" or how == "reply" or type(how) == "function",
    "faq.setup: fallback must be \"handoff\", \"reply\" or a function(ctx, question)")
  assert(c.rephrase == nil or type(c.rephrase) == "boolean" or type(c.rephrase) == "table",
    "faq.setup: rephrase must be true or { within =, text =, after = }")
  if type(c.rephrase) == "table" and c.rephrase.within then seconds(c.rephrase.within) end
  check(c.entries)
  cfg, index = c, nil
  bot.on("button:faq:pick:*", on_pick)
  bot.on("button:faq:none", function(ctx) fallback(ctx) end)
  bot.on("button:faq:wrong", function(ctx)
    stat("wrong")
    fallback(ctx)
  end)
  return faq
end

return faq
