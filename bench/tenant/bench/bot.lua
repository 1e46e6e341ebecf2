-- bot.lua: the four-step scenario parley-loadgen runs, in a loop, per virtual user.
--   /start           -> "Pick a colour." with three buttons
--   button:<id>      -> asks for a number (session.choice = id)
--   "42"             -> asks for a word   (session.number = 42)
--   "quokka"         -> "Done: button=<id> number=<n> word=<w>", then the session is reset
-- The last reply echoes everything stored in ctx.session, so the load generator can prove
-- that no conversation saw another's state. Its "key=value" tokens are what loadgen
-- checks; the other replies are recognised by the words "number" and "word" — keep those
-- words out of the other texts.
--
-- Session: step = "choice" | "number" | "word" (the answer awaited), choice, number.

local COLOURS = { { "Red", "red" }, { "Green", "green" }, { "Blue", "blue" } }
local RESTART = "Out of order. Send /start to begin again."

bot.on("start", function(ctx)
  ctx.session = { step = "choice" }
  ctx:reply("Pick a colour.", { buttons = { COLOURS } })
end)

local function choose(ctx, id)
  if ctx.session.step ~= "choice" then
    return ctx:reply(RESTART)
  end
  ctx.session.choice = id
  ctx.session.step = "number"
  ctx:reply("You picked " .. id .. ". Now send a number from 1 to 100.")
end

for _, colour in ipairs(COLOURS) do
  bot.on("button:" .. colour[2], choose)
end

local function take_number(ctx, text)
  local n = math.tointeger(tonumber(text))
  if not n or n < 1 or n > 100 then
    return ctx:reply("That is not a whole number from 1 to 100; try again.")
  end
  ctx.session.number = n
  ctx.session.step = "word"
  ctx:reply("Got it. Last one: send me a word.")
end

local function take_word(ctx, text)
  local s = ctx.session
  ctx.session = {}
  ctx:reply(string.format("Done: button=%s number=%d word=%s", s.choice, s.number, text))
end

bot.on("message", function(ctx, text)
  local step = ctx.session.step
  if step == "number" then
    take_number(ctx, text)
  elseif step == "word" then
    take_word(ctx, text)
  else
    ctx:reply(RESTART)
  end
end)
