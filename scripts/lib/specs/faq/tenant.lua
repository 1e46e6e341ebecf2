-- Spec tenant of the faq module (scripts/lib/faq.lua).
return { name = "faq spec", locale = "en" }
