-- Spec tenant for the tenant's time zone: os.date and os.time work in Europe/Berlin.
return { name = "timezone", locale = "en", timezone = "Europe/Berlin" }
