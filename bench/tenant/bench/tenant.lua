-- bench: the tenant that `parley-loadgen` (bench/loadgen.c) drives through the generic
-- http channel (docs/http-channel.md). Run it with:
--
--   export PARLEY_BENCH_SECRET=s3cret
--   parley serve --tenants bench/tenant --data /tmp/bench-data --listen 127.0.0.1:8080
--   parley-loadgen --target 127.0.0.1:8080 --tenant bench --secret s3cret \
--                  --sink 127.0.0.1:9999 --users 1000 --concurrency 64 --duration 20
--
-- Replies are POSTed to the loadgen's built-in sink; its default address is the
-- callback below (127.0.0.1:9999), so `--sink` may be left out.
return {
  name = "bench",
  locale = "en",
  error_reply = "Sorry, something went wrong. Please try again.",
  channels = {
    http = {
      secret_env = "PARLEY_BENCH_SECRET",
      callback = "http://127.0.0.1:9999/sink",
      callback_env = "PARLEY_BENCH_CALLBACK", -- overrides callback (another sink port)
    },
  },
}
