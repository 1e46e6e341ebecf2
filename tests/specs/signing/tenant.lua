-- Spec tenant for bot.sign / bot.verify (unforgeable payloads) and bot.text.fold.
return { name = "signing", locale = "en" }
