-- Spec tenant of the followup module (scripts/lib/followup.lua).
return { name = "followup spec", locale = "en" }
