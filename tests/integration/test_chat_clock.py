#!/usr/bin/env python3
"""parley chat's clock: --at starts it at a given UTC time, scripts see it through
os.time/os.date and ctx.now, :advance moves it; a bad --at is a usage error.

Usage: python3 test_chat_clock.py PATH/TO/parley
"""

import sys

sys.dont_write_bytecode = True
import harness  # noqa: E402

BOT = """
bot.command("now", function(ctx)
  ctx:reply(os.date("!%Y-%m-%d %H:%M", os.time()) .. " ctx.now=" .. os.date("!%H:%M", math.floor(ctx.now)))
end)
"""


def test(parley, checks, tmp):
    tenant = tmp / "clock"
    tenant.mkdir()
    (tenant / "tenant.lua").write_text("return {}\n")
    (tenant / "bot.lua").write_text(BOT)
    data = str(tmp / "data")
    r = harness.run([parley, "chat", str(tenant), "--data", data, "--at", "2026-06-01 09:00"],
                    input="/now\n:advance 2h\n/now\n", timeout=20, cwd=tmp)
    lines = r.lines
    checks.check(r.rc == 0 and len(lines) == 2, "two replies, exit 0", r.describe())
    checks.check(lines and lines[0].startswith("2026-06-01 09:0") and "ctx.now=09:0" in lines[0],
                 "--at sets the clock scripts see (os.date and ctx.now)", r.describe())
    checks.check(len(lines) > 1 and lines[1].startswith("2026-06-01 11:0"),
                 ":advance 2h moves it two hours", r.describe())
    r = harness.run([parley, "chat", str(tenant), "--data", data, "--at", "2026-13-01 09:00"],
                    input="/now\n", timeout=20, cwd=tmp)
    checks.check(r.rc == 2 and "--at" in r.err and "2026-13-01" in r.err,
                 "an invalid --at is a usage error naming the value", r.describe())


if __name__ == "__main__":
    harness.main(test)
