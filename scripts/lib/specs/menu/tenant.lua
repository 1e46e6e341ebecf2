-- Spec tenant of the menu module (scripts/lib/menu.lua).
return { name = "menu spec", locale = "en", timezone = "Europe/Berlin" }
