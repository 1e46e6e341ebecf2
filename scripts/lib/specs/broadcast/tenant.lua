-- Spec tenant of the broadcast module (scripts/lib/broadcast.lua): a conference in Berlin.
return { name = "broadcast spec", locale = "en", timezone = "Europe/Berlin",
         error_reply = "Sorry, something went wrong." }
