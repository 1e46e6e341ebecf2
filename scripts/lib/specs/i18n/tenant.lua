-- Spec tenant of the i18n module (scripts/lib/i18n.lua). Berlin time, so that a date
-- with a leading "!" (UTC) differs from the local one.
return { name = "i18n spec", locale = "en", timezone = "Europe/Berlin" }
