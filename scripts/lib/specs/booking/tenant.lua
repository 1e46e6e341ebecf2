-- Spec tenant of the booking module (scripts/lib/booking.lua).
return { name = "booking spec", locale = "en", timezone = "Europe/Berlin" }
