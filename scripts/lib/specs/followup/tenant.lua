-- Spec tenant of the followup module (scripts/lib/followup.lua). WhatsApp too, for its
-- 24-hour reply window; the settings are literal (a test tenant): real tenants keep
-- secrets in *_env.
return {
  name = "followup spec", locale = "en",
  channels = {
    console = {},
    whatsapp = { token = "EAAtest-token-0000", app_secret = "test-app-secret",
                 verify_token = "test-verify", phone_number_id = "106540352242922" },
  },
}
