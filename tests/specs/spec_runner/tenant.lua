-- Spec tenant of the spec runner itself: users on a channel other than the console,
-- presses on a given message (edits), channel events and operator actions. The
-- settings below are literal (a test tenant): real tenants keep secrets in *_env.
return {
  name = "spec runner", locale = "en",
  channels = {
    console = {},
    whatsapp = { token = "EAAtest-token-0000", app_secret = "test-app-secret",
                 verify_token = "test-verify", phone_number_id = "106540352242922" },
  },
}
