-- Spec tenant of the lead module (scripts/lib/lead.lua).
return { name = "lead spec", locale = "en", timezone = "Europe/Berlin" }
