-- Spec tenant of the profile and segments modules (scripts/lib/profile.lua, segments.lua).
return { name = "profile spec", locale = "en", error_reply = "Sorry, something went wrong." }
