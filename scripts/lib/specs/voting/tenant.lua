-- Spec tenant of the voting module (scripts/lib/voting.lua).
return { name = "voting spec", locale = "en", timezone = "Europe/Berlin" }
