#!/usr/bin/env python3
"""The web chat widget in headless Chromium: open the page parley serves, see the
greeting, press a button, see the reply, reload the page and find the history still
there (same visitor), type a text (shown as text, never as HTML), and find a reply that
came while the page was closed when it is opened again.

The browser side is webchat_browser.js (playwright-core from tests/node driving Debian's
chromium); this script starts `parley serve` with the fixture webchat_bot, runs it and
turns each of its steps into a check. Node.js, playwright-core and chromium are required:
`make test` installs them (scripts/install-deps.sh test); if one is missing the test
fails and says how to get it.

Usage: python3 test_webchat_browser.py PATH/TO/parley
"""

import json
import os
import shutil
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
import harness  # noqa: E402  (tests/integration/harness.py)

TENANT = "shop"
SECRET = "webchat-browser-secret-0123456789"
HERE = Path(__file__).resolve().parent
BUDGET = 150


def missing_peers():
    """What the browser test needs and is not installed, as messages."""
    chromium = os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium")
    missing = []
    if not shutil.which("node"):
        missing.append("Node.js (the node command)")
    if not (HERE.parent / "node" / "node_modules" / "playwright-core" / "package.json").is_file():
        missing.append("playwright-core in tests/node/node_modules")
    if not os.access(chromium, os.X_OK):
        missing.append(f"Chromium at {chromium} (Debian's chromium, or set PARLEY_CHROMIUM)")
    return missing


def test(parley, checks, tmp):
    missing = missing_peers()
    if not checks.check(not missing, "node, playwright-core and chromium are installed",
                        "missing: " + "; ".join(missing) + "\ninstall them with "
                        "`sh scripts/install-deps.sh test` (as root; `make test` runs it)"):
        return
    os.environ["PARLEY_TEST_WEBCHAT_SECRET"] = SECRET
    tenants = tmp / "tenants"
    harness.copy_fixture("webchat_bot", tenants / TENANT, SLOW_URL="http://127.0.0.1:9/")
    serve, base = harness.serve_checked(checks, "serve with a webchat tenant", parley, tenants,
                                        tmp / "data", tmp)
    if base is None:
        return
    page = f"http://{base[0]}:{base[1]}/webchat/{TENANT}/"
    run = harness.run(["node", HERE / "webchat_browser.js", page], timeout=120, cwd=tmp)
    steps = [harness.parse_json(line) for line in run.lines if line.startswith("{")]
    for step in steps:
        if isinstance(step, dict):
            checks.check(step.get("ok"), step.get("step", "?"),
                         json.dumps(step.get("detail"), indent=1, ensure_ascii=False))
    checks.check(run.rc == 0 and len(steps) >= 6, "the browser run finished (6 steps)",
                 run.describe(40))
    serve.signal(15)
    checks.check(serve.wait(20) == 0, "SIGTERM -> exit 0", serve.describe())
    log = "\n".join(serve.lines("err"))
    checks.check("Sanitizer" not in log and "runtime error" not in log,
                 "no sanitizer report", serve.describe(40))


if __name__ == "__main__":
    harness.main(test, BUDGET)
