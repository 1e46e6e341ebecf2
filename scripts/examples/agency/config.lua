-- config.lua: the firm's own settings, in one place for the integrator to change.
-- The manager's chat is an address as parley reports it (ctx.chat.address): in
-- production "telegram:123456"; in parley chat and the specs, the console user
-- "manager" (type `:user manager` in parley chat to be them).
return {
  manager = "console:manager",
  manager_locale = "en",          -- the team's language: every note to them is in it
  -- the payment page of a quote's deposit ({quote}, {amount} are filled in)
  pay_url = "https://pay.example/kraft-sohn/{quote}?amount={amount}",
  deposit = 0.3,                  -- share of the total paid to confirm a quote
  phone = "+49 30 1234 5678",
}
