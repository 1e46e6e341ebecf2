-- Spec tenant of the networking module (scripts/lib/networking.lua).
return { name = "networking spec", locale = "en" }
