#!/bin/sh
# Installs the Debian packages parley needs to build and test, or says how to.
# Called by `make build`, `make demo` and `make test`; quiet when all is present.
# `install-deps.sh test` adds what the tests need, and the npm peers in tests/node.
set -e
PKGS="gcc make cmake pkg-config liblua5.4-dev libuv1-dev libcurl4-openssl-dev \
libjansson-dev liblmdb-dev libssl-dev libicu-dev libcmocka-dev node-llhttp python3"
# `install-deps.sh test`: also the peers the tests run against — Node.js for the
# telegram-test-api emulator and playwright-core, Chromium for the web chat widget test —
# and clang with its runtime libraries for the libFuzzer targets (tests/fuzz).
# (Node.js and npm may come from elsewhere than Debian: only a missing command asks for them.)
if [ "$1" = test ]; then
  PKGS="$PKGS chromium clang libclang-rt-14-dev"
  command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
npm_peers() {
  # The npm packages the tests use, pinned by tests/node/package-lock.json.
  [ "$1" = test ] || return 0
  dir=$(dirname "$0")/../tests/node
  [ -f "$dir/node_modules/.package-lock.json" ] &&
    [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ] && return 0
  echo "parley: installing the test peers (npm ci in tests/node)"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
}
if [ -z "$missing" ]; then npm_peers "$1"; exit 0; fi
if [ "$(id -u)" -eq 0 ]; then
  echo "parley: installing missing packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "parley: missing Debian packages. Install them with:"
  echo "  sudo apt-get install -y$missing"
  exit 1
fi
npm_peers "$1"
