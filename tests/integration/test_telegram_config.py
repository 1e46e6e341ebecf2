#!/usr/bin/env python3
"""The Telegram channel's settings (channels.telegram in tenant.lua): `parley check`
accepts a good configuration and refuses each bad one with a message naming the setting
(exit 1), without ever printing the bot token:
  - token missing; a token that is not a bot token
  - api_base that is not an http(s) URL; webhook_url that is not https:// (plain http://
    only with api_base: a local Bot API server accepts it, Telegram's cloud does not);
    secret_token with characters Telegram refuses, or over 256 characters; an unknown
    setting (a typo such as secret_tokn must not silently leave the webhook
    unauthenticated); a pacing setting that is not a number
A token_env naming an unset variable is not an error for check (the secret exists where
parley serves): check passes with a note naming the variable, and serve refuses the
tenant with the same name.

Usage: python3 test_telegram_config.py PATH/TO/parley
"""

import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TOKEN = "123456789:AAtest-token_for_parley"
BOT = 'bot.on("message", function(ctx, text) ctx:reply("echo: " .. text) end)\n'


def test(parley, checks, tmp):
    os.environ["PARLEY_TEST_TELEGRAM_TOKEN"] = TOKEN
    os.environ.pop("PARLEY_TEST_TELEGRAM_UNSET", None)

    def check(name, settings):
        d = tmp / name
        d.mkdir()
        (d / "tenant.lua").write_text("return { channels = { telegram = { %s } } }\n" % settings)
        (d / "bot.lua").write_text(BOT)
        return harness.run([parley, "check", d], timeout=20, cwd=tmp)

    r = check("good", 'token_env = "PARLEY_TEST_TELEGRAM_TOKEN", secret_token = "s3cr-et_", '
                      'api_base = "http://127.0.0.1:9/", chat_rate_per_second = 0')
    checks.check(r.rc == 0, "a good configuration passes parley check", r.describe())
    r = check("defaults", 'token = "%s"' % TOKEN)
    checks.check(r.rc == 0, "token alone is enough (api_base defaults to api.telegram.org)",
                 r.describe())
    r = check("unset_env", 'token_env = "PARLEY_TEST_TELEGRAM_UNSET"')
    checks.check(r.rc == 0 and "note: channels.telegram.token_env" in r.err
                 and "PARLEY_TEST_TELEGRAM_UNSET is not set" in r.err,
                 "token_env naming an unset variable: check passes with a note naming it",
                 r.describe())
    serve = harness.Process([parley, "serve", "--tenants", tmp, "--data", tmp / "data"], cwd=tmp)
    found = serve.wait_line("err", "unset_env: failed to load, not serving: .*"
                            "PARLEY_TEST_TELEGRAM_UNSET is not set", harness.START_TIMEOUT)
    checks.check(found is not None,
                 "... and parley serve refuses that tenant, naming the variable", serve.describe())
    serve.stop()
    r = check("local_server", 'token = "%s", api_base = "http://127.0.0.1:8081", '
                              'webhook_url = "http://127.0.0.1:8080/hook/x/telegram"' % TOKEN)
    checks.check(r.rc == 0, "with api_base (a local Bot API server) webhook_url may be plain "
                 "http://", r.describe())

    for name, settings, needle in [
            ("no_token", 'secret_token = "abc"', "channels.telegram.token: required"),
            ("bad_token", 'token = "bot%s"' % TOKEN, "channels.telegram.token: not a bot token"),
            ("token_path", 'token = "123:abc/../x"', "channels.telegram.token: not a bot token"),
            ("bad_base", 'token = "%s", api_base = "ftp://example.org"' % TOKEN,
             "channels.telegram.api_base"),
            ("base_query", 'token = "%s", api_base = "https://x.example?a=1"' % TOKEN,
             "channels.telegram.api_base"),
            ("bad_secret", 'token = "%s", secret_token = "has space"' % TOKEN,
             "channels.telegram.secret_token"),
            ("long_secret", 'token = "%s", secret_token = "%s"' % (TOKEN, "a" * 257),
             "channels.telegram.secret_token"),
            ("typo", 'token = "%s", secret_tokn = "abc"' % TOKEN,
             "channels.telegram.secret_tokn: unknown setting"),
            ("bad_rate", 'token = "%s", rate_per_second = "fast"' % TOKEN,
             "channels.telegram.rate_per_second"),
            ("http_hook", 'token = "%s", webhook_url = "http://bots.example/hook/x/telegram"'
             % TOKEN, "channels.telegram.webhook_url"),
            ("bad_hook", 'token = "%s", api_base = "http://127.0.0.1:8081", '
             'webhook_url = "ftp://x/hook"' % TOKEN, "channels.telegram.webhook_url")]:
        r = check(name, settings)
        checks.check(r.rc == 1 and needle in r.err and TOKEN not in r.err + r.out,
                     f"{name}: refused (exit 1) naming it: {needle!r}", r.describe())


if __name__ == "__main__":
    harness.main(test)
