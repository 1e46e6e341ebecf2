#!/usr/bin/env python3
"""parley serve reloads tenants live: a changed folder reloads, a broken change keeps
the old code serving (file:line logged), a new folder starts serving, a removed folder
stops, SIGHUP forces a check — and timers armed before a reload fire under the new code.

Observed through serve's log lines and the replies its timers print on stdout.

Usage: python3 test_serve_live_reload.py PATH/TO/parley
"""

import os
import shutil
import signal
import sys
import time

sys.dont_write_bytecode = True
import harness  # noqa: E402

BOT_V1 = """
bot.command("arm", function(ctx, args)
  ctx:remind_in(tonumber(args), "ping")
  ctx:reply("armed")
end)
bot.on("timer:ping", function(ctx) ctx:reply("%s ping") end)
"""


def write_bot(folder, text):
    tmp = folder / "bot.lua.tmp"
    tmp.write_text(text)
    os.replace(tmp, folder / "bot.lua")


def make_tenant(folder, version):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tenant.lua").write_text('return { name = "%s" }\n' % folder.name)
    write_bot(folder, BOT_V1 % version)


def arm(parley, folder, data, seconds, cwd):
    return harness.run([parley, "chat", str(folder), "--data", data],
                       input=f"/arm {seconds}\n", timeout=20, cwd=cwd)


def test(parley, checks, tmp):
    tenants = tmp / "tenants"
    data = str(tmp / "data")
    alpha = tenants / "alpha"
    make_tenant(alpha, "v1")
    # Long enough that serve has started and reloaded v2 before it is due, even when a
    # loaded machine starts the sanitized binary slowly.
    r = arm(parley, alpha, data, 8, tmp)
    checks.check(r.rc == 0 and "armed" in r.out, "chat arms an 8 s timer in alpha", r.describe())

    serve = harness.Process([parley, "serve", "--tenants", str(tenants), "--data", data], cwd=tmp)
    checks.check(serve.wait_line("err", r"serving 1 tenants", harness.START_TIMEOUT) is not None,
                 "serve starts with one tenant", serve.describe())

    mark = len(serve.lines("err"))
    write_bot(alpha, BOT_V1 % "v2")
    checks.check(serve.wait_line("err", r"alpha: reloaded \(version", 10, mark) is not None,
                 "a changed bot.lua is reloaded", serve.describe())

    write_bot(alpha, "bot.command('x', function(ctx)\n  ctx:reply(= 1)\nend)\n")
    got = serve.wait_line("err", r"alpha: reload failed, old code keeps serving: .*bot\.lua:2:", 10)
    checks.check(got is not None, "a broken bot.lua is reported with file:line", serve.describe())

    got = serve.wait_line("out", r"^alpha console:user v2 ping$", 20)
    checks.check(got is not None,
                 "the timer armed under v1 fires under v2 (the broken version never took over)",
                 serve.describe())

    beta = tenants / "beta"
    make_tenant(tmp / "staging" / "beta", "b1")
    r = arm(parley, tmp / "staging" / "beta", data, 2, tmp)
    checks.check(r.rc == 0, "chat arms a timer in beta before it is deployed", r.describe())
    shutil.move(str(tmp / "staging" / "beta"), str(beta))
    checks.check(serve.wait_line("err", r"beta: started \(version", 10) is not None,
                 "a new tenant folder starts serving", serve.describe())
    checks.check(serve.wait_line("out", r"^beta console:user b1 ping$", 15) is not None,
                 "the new tenant's timer fires", serve.describe())

    mark = len(serve.lines("err"))
    (alpha / "lib").mkdir(exist_ok=True)
    (alpha / "lib" / "extra.lua").write_text("return {}\n")
    write_bot(alpha, BOT_V1 % "v3")
    checks.check(serve.wait_line("err", r"alpha: reloaded \(version", 10, mark) is not None,
                 "a fixed bot.lua is reloaded after the broken version", serve.describe())
    # A change that inotify does not report (a file in a subfolder): SIGHUP looks at every
    # folder (the 2 s poll would find it too; both are the same rescan).
    mark = len(serve.lines("err"))
    (alpha / "lib" / "extra.lua").write_text("return { changed = true }\n")
    serve.signal(signal.SIGHUP)
    checks.check(serve.wait_line("err", r"SIGHUP: checking every tenant folder", 10, mark)
                 is not None, "SIGHUP forces a check of every tenant folder", serve.describe())
    checks.check(serve.wait_line("err", r"alpha: reloaded \(version", 10, mark) is not None,
                 "a change in a subfolder file (not seen by inotify) reloads the tenant",
                 serve.describe())

    mark = len(serve.lines("err"))
    shutil.rmtree(beta)
    checks.check(serve.wait_line("err", r"beta: stopped \(folder removed\)", 10, mark) is not None,
                 "a removed tenant folder stops", serve.describe())

    rc = serve.stop(15)
    checks.check(rc == 0, "SIGTERM stops serve with exit 0", serve.describe())


if __name__ == "__main__":
    harness.main(test)
