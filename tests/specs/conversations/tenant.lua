-- Spec tenant for ctx:send and ctx:signal (tests/specs/conversations/tests).
return { name = "conversations", locale = "en" }
