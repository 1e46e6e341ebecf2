-- Spec tenant of the schedule module (scripts/lib/schedule.lua): a one-day programme in
-- Berlin (the spec clock starts at 09:00 UTC, 11:00 in Berlin).
return { name = "schedule spec", locale = "en", timezone = "Europe/Berlin",
         error_reply = "Sorry, something went wrong." }
