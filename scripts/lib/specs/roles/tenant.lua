-- Spec tenant of the roles module (scripts/lib/roles.lua).
return { name = "roles spec", locale = "en", error_reply = "Sorry, something went wrong." }
