#!/usr/bin/env python3
"""The web chat widget in headless Chromium: open the page parley serves, see the
greeting, press a button, see the reply, reload the page and find the history still
there (same visitor), type a text (shown as text, never as HTML), find a reply that came
while the page was closed when it is opened again; see url buttons (a javascript: url
refused), media, cards, quick replies and an edit rendered from a synthetic feed answer
(today's ctx:reply cannot make them yet) and a quick reply sent as a press of its
message; then stop parley (the widget shows
"Reconnecting…", a message typed meanwhile waits), start it again on the same port, and
see the widget reconnect by itself and deliver that message once.

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
import socket
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
    with socket.socket() as s:  # a fixed port: the page must find parley again after a restart
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def start(what):
        serve = harness.Process([parley, "serve", "--tenants", tenants, "--data", tmp / "data",
                                 "--listen", f"127.0.0.1:{port}", "--workers", 2], cwd=tmp)
        up = serve.wait_line("err", harness.LISTENING, harness.START_TIMEOUT)
        checks.check(up is not None, f"{what}: listening on 127.0.0.1:{port}", serve.describe())
        return serve, up is not None

    def stop(serve, what):
        rc = serve.stop(20)
        log = "\n".join(serve.lines("err"))
        checks.check(rc == 0 and "Sanitizer" not in log and "runtime error" not in log,
                     f"{what}: SIGTERM -> exit 0, no sanitizer report", serve.describe(40))

    serve, up = start("serve with a webchat tenant")
    if not up:
        return
    page = f"http://127.0.0.1:{port}/webchat/{TENANT}/"
    node = harness.Process(["node", HERE / "webchat_browser.js", page], cwd=tmp, stdin=True)
    steps, i = 0, 0
    while node.wait_count("out", i + 1, 100):  # each line as it comes: a step or an action
        doc = harness.parse_json(node.lines("out")[i])
        i += 1
        if isinstance(doc, dict) and doc.get("action") == "stop":
            stop(serve, "parley stopped under the page")
            node.send("ok")
        elif isinstance(doc, dict) and doc.get("action") == "start":
            serve, up = start("parley started again on the same port")
            node.send("ok")
        elif isinstance(doc, dict) and "step" in doc:
            steps += 1
            checks.check(doc.get("ok"), doc["step"],
                         json.dumps(doc.get("detail"), indent=1, ensure_ascii=False))
    rc = node.wait(30)
    checks.check(rc == 0 and steps >= 12, "the browser run finished (12 steps)",
                 node.describe(40))
    if serve.alive():
        stop(serve, "at the end")


if __name__ == "__main__":
    harness.main(test, BUDGET)
