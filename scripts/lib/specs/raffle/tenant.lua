-- Spec tenant of the raffle module (scripts/lib/raffle.lua).
return { name = "raffle spec", locale = "en", timezone = "Europe/Berlin" }
