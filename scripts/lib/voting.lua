-- voting.lua: anonymous polls (speaker voting). One vote per user per poll; who voted
-- and what was voted are stored apart with nothing linking them: a "voted" marker under
-- a keyed per-poll token of the voter, and one counter per option, no times, no order,
-- nothing in the session. Results are for organisers only. docs/lib/voting.md.
local i18n = require "i18n"

local voting = {}

local config = { polls = {}, by_id = {}, options = {}, is_organiser = function() return false end }

i18n.defaults("en", {
  ["voting.choose_poll"] = "Which vote would you like to take part in?",
  ["voting.none_open"] = "There is no open vote right now.",
  ["voting.counted"] = "Your vote is counted. Thank you! Votes are anonymous: nobody can see who voted for what.",
  ["voting.already"] = "You have already voted in this poll. Each person votes once.",
  ["voting.closed"] = "Voting in this poll is closed.",
  ["voting.gone"] = "This poll is no longer available.",
  ["voting.option_gone"] = "That option is no longer available. Please choose again.",
  ["voting.organisers_only"] = "This command is for the organisers.",
  ["voting.results"] = { one = "{question}: {count} vote", other = "{question}: {count} votes" },
  ["voting.result_line"] = "{label}: {votes} ({percent}%)",
  ["voting.state_open"] = "open",
  ["voting.state_closed"] = "closed",
  ["voting.usage"] = "Usage: /{command} <poll>. Polls: {polls}",
  ["voting.now_closed"] = "The poll \"{question}\" is closed.",
  ["voting.now_open"] = "The poll \"{question}\" is open.",
  ["voting.ends_in_past"] = "The poll \"{question}\" ended at its closing time and cannot be reopened.",
})
i18n.defaults("ru", {
  ["voting.choose_poll"] = "В каком голосовании вы хотите участвовать?",
  ["voting.none_open"] = "Сейчас нет открытых голосований.",
  ["voting.counted"] = "Ваш голос учтён. Спасибо! Голосование анонимное: никто не видит, кто за что голосовал.",
  ["voting.already"] = "Вы уже проголосовали в этом голосовании. Каждый голосует один раз.",
  ["voting.closed"] = "Голосование закрыто.",
  ["voting.gone"] = "Этого голосования больше нет.",
  ["voting.option_gone"] = "Этого варианта больше нет. Выберите, пожалуйста, снова.",
  ["voting.organisers_only"] = "Эта команда только для организаторов.",
  ["voting.results"] = { one = "{question}: {count} голос", few = "{question}: {count} голоса",
                         many = "{question}: {count} голосов" },
  ["voting.result_line"] = "{label}: {votes} ({percent}%)",
  ["voting.state_open"] = "открыто",
  ["voting.state_closed"] = "закрыто",
  ["voting.usage"] = "Использование: /{command} <голосование>. Голосования: {polls}",
  ["voting.now_closed"] = "Голосование «{question}» закрыто.",
  ["voting.now_open"] = "Голосование «{question}» открыто.",
  ["voting.ends_in_past"] = "Голосование «{question}» завершилось по времени, открыть его снова нельзя.",
})

local function t(ctx, key, vars) return i18n.t(ctx, "voting." .. key, vars) end

-- A text given as a string or as { en = …, ru = … }.
local function text_of(ctx, v)
  if type(v) == "string" then return v end
  return v[i18n.locale(ctx)] or v[i18n.default()] or select(2, next(v))
end

local function check_setup(opts)
  assert(type(opts) == "table" and type(opts.polls) == "table", "voting.setup{ polls =, is_organiser = }")
  local by_id, options = {}, {}
  for i, p in ipairs(opts.polls) do
    local where = ("voting.setup: polls[%d]"):format(i)
    assert(type(p.id) == "string" and p.id:match("^[%w_]+$"), where .. ".id must be A-Z a-z 0-9 _")
    assert(not by_id[p.id], where .. ": duplicate poll id " .. tostring(p.id))
    assert(type(p.question) == "string" or type(p.question) == "table", where .. ".question must be a text")
    assert(type(p.options) == "table" and #p.options >= 2, where .. ".options must list at least two options")
    assert(p.closes_at == nil or type(p.closes_at) == "number", where .. ".closes_at must be a time (os.time)")
    local seen = {}
    for j, o in ipairs(p.options) do
      assert(type(o.id) == "string" and o.id:match("^[%w_]+$") and #p.id + #o.id <= 51,
        ("%s.options[%d].id must be A-Z a-z 0-9 _, with the poll id at most 51 characters"):format(where, j))
      assert(not seen[o.id], where .. ": duplicate option id " .. o.id)
      assert(type(o.label) == "string" or type(o.label) == "table",
        ("%s.options[%d].label must be a text"):format(where, j))
      seen[o.id] = o
    end
    options[p.id] = seen
    by_id[p.id] = p
  end
  assert(opts.is_organiser == nil or type(opts.is_organiser) == "function",
    "voting.setup: is_organiser must be a function(ctx)")
  return by_id, options
end

local function is_open(ctx, poll)
  if poll.closes_at and ctx.now >= poll.closes_at then return false end
  return not bot.store.get("voting:" .. poll.id .. ":closed")
end

-- The voter's token for one poll: a keyed hash (bot.sign) of the poll and the address.
-- It lets the module refuse a second vote; without the tenant's key nobody can tell
-- whose token it is, and tokens of different polls do not match each other.
local function voter_token(poll_id, address)
  return bot.sign("voting_voter:" .. poll_id .. ":" .. address):sub(-12)
end

local function voted_key(poll_id, address)
  return "voting:" .. poll_id .. ":voted:" .. voter_token(poll_id, address)
end

-- The voter's side ---------------------------------------------------------------------

-- Shows a poll's question with one button per option.
function voting.ask(ctx, poll_id, intro)
  local poll = config.by_id[poll_id]
  if not poll then return ctx:reply(t(ctx, "gone")) end
  if not is_open(ctx, poll) then return ctx:reply(t(ctx, "closed")) end
  if bot.store.get(voted_key(poll.id, ctx.chat.address)) then return ctx:reply(t(ctx, "already")) end
  local rows = {}
  for _, o in ipairs(poll.options) do
    rows[#rows + 1] = { { text_of(ctx, o.label), "voting:cast:" .. poll.id .. ":" .. o.id } }
  end
  local q = text_of(ctx, poll.question)
  ctx:reply(intro and (intro .. "\n\n" .. q) or q, { buttons = rows })
end

-- The open polls: one is asked at once, several are offered as buttons.
function voting.list(ctx)
  local open = {}
  for _, p in ipairs(config.polls) do
    if is_open(ctx, p) then open[#open + 1] = p end
  end
  if #open == 0 then return ctx:reply(t(ctx, "none_open")) end
  if #open == 1 then return voting.ask(ctx, open[1].id) end
  local rows = {}
  for _, p in ipairs(open) do rows[#rows + 1] = { { text_of(ctx, p.question), "voting:poll:" .. p.id } } end
  ctx:reply(t(ctx, "choose_poll"), { buttons = rows })
end

-- A vote: the marker and the counter are written in one commit; the reply names no
-- option, so the conversation's own messages do not repeat the choice.
local function cast(ctx, poll_id, option_id)
  local poll = config.by_id[poll_id]
  if not poll then return ctx:reply(t(ctx, "gone"), { edit = true }) end
  if not is_open(ctx, poll) then return ctx:reply(t(ctx, "closed"), { edit = true }) end
  local key = voted_key(poll.id, ctx.chat.address)
  if bot.store.get(key) then return ctx:reply(t(ctx, "already"), { edit = true }) end
  if not config.options[poll.id][option_id] then return voting.ask(ctx, poll.id, t(ctx, "option_gone")) end
  bot.store.put(key, true)
  bot.store.incr("voting:" .. poll.id .. ":count:" .. option_id)
  ctx:reply(t(ctx, "counted"), { edit = true })
end

-- The organisers' side -------------------------------------------------------------------

local function organiser(ctx)
  if config.is_organiser(ctx) then return true end
  ctx:reply(t(ctx, "organisers_only"))
  return false
end

local function poll_ids()
  local ids = {}
  for _, p in ipairs(config.polls) do ids[#ids + 1] = p.id end
  return table.concat(ids, ", ")
end

local function result_text(ctx, poll)
  local rows, total = {}, 0
  for i, o in ipairs(poll.options) do
    local n = bot.store.get("voting:" .. poll.id .. ":count:" .. o.id) or 0
    rows[#rows + 1] = { label = text_of(ctx, o.label), votes = n, order = i }
    total = total + n
  end
  table.sort(rows, function(a, b)
    if a.votes ~= b.votes then return a.votes > b.votes end
    return a.order < b.order
  end)
  local lines = { t(ctx, "results", { question = text_of(ctx, poll.question), count = total })
    .. " (" .. t(ctx, is_open(ctx, poll) and "state_open" or "state_closed") .. ")" }
  for _, r in ipairs(rows) do
    r.percent = total > 0 and math.floor(r.votes * 100 / total + 0.5) or 0
    lines[#lines + 1] = t(ctx, "result_line", r)
  end
  return table.concat(lines, "\n")
end

-- The counts per option of one poll, or of every poll.
function voting.results(ctx, poll_id)
  if not organiser(ctx) then return end
  poll_id = (poll_id or ""):match("^%s*(.-)%s*$")
  if poll_id ~= "" then
    local poll = config.by_id[poll_id]
    if not poll then return ctx:reply(t(ctx, "usage", { command = "vote_results", polls = poll_ids() })) end
    return ctx:reply(result_text(ctx, poll))
  end
  local parts = {}
  for _, p in ipairs(config.polls) do parts[#parts + 1] = result_text(ctx, p) end
  ctx:reply(#parts > 0 and table.concat(parts, "\n\n") or t(ctx, "none_open"))
end

local function set_closed(ctx, poll_id, closed, command)
  if not organiser(ctx) then return end
  local poll = config.by_id[(poll_id or ""):match("^%s*(.-)%s*$")]
  if not poll then return ctx:reply(t(ctx, "usage", { command = command, polls = poll_ids() })) end
  local q = text_of(ctx, poll.question)
  if not closed and poll.closes_at and ctx.now >= poll.closes_at then
    return ctx:reply(t(ctx, "ends_in_past", { question = q }))
  end
  bot.store.put("voting:" .. poll.id .. ":closed", closed or nil)
  ctx:reply(t(ctx, closed and "now_closed" or "now_open", { question = q }))
end

function voting.close(ctx, poll_id) set_closed(ctx, poll_id, true, "vote_close") end
function voting.reopen(ctx, poll_id) set_closed(ctx, poll_id, false, "vote_open") end

-- Sets the polls up (once, in bot.lua):
--   polls         { { id =, question = text, options = { { id =, label = text }, … },
--                     closes_at = os.time{…} (optional) }, … }   text: "…" or { en =, ru = }
--   is_organiser  function(ctx) -> true for the organisers (default: nobody)
--   commands      false to register no commands (the bot wires voting.* itself)
function voting.setup(opts)
  local by_id, options = check_setup(opts)
  config = {
    by_id = by_id,
    options = options,
    polls = opts.polls,
    is_organiser = opts.is_organiser or function() return false end,
  }
  bot.on("button:voting:*", function(ctx, id)
    local poll = id:match("^voting:poll:([%w_]+)$")
    if poll then return voting.ask(ctx, poll) end
    local p, o = id:match("^voting:cast:([%w_]+):([%w_]+)$")
    if p then
      ctx:redact() -- the conversation's history keeps that a button was pressed, not which
      return cast(ctx, p, o)
    end
    voting.list(ctx)
  end)
  if opts.commands ~= false then
    bot.command("vote", voting.list)
    bot.command("vote_results", voting.results)
    bot.command("vote_close", voting.close)
    bot.command("vote_open", voting.reopen)
  end
end

return voting
