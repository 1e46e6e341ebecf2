-- Spec tenant of the flow module (scripts/lib/flow.lua). Berlin time: dates and times
-- typed by users are Berlin's.
return { name = "flow spec", locale = "en", timezone = "Europe/Berlin" }
