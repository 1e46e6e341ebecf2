-- Spec tenant of the i18n module (scripts/lib/i18n.lua).
return { name = "i18n spec", locale = "en" }
