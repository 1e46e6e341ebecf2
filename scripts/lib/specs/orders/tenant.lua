-- Spec tenant of the orders module (scripts/lib/orders.lua).
return { name = "orders spec", locale = "en" }
