-- Spec tenant of the identity module (scripts/lib/identity.lua).
return { name = "identity spec", locale = "en", error_reply = "Sorry, something went wrong." }
