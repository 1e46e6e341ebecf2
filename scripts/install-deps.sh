#!/bin/sh
# Installs the Debian packages parley needs to build and test, or says how to.
# Called by `make build`, `make demo` and `make test`; quiet when all is present.
set -e
PKGS="gcc make cmake pkg-config liblua5.4-dev libuv1-dev libcurl4-openssl-dev \
libjansson-dev liblmdb-dev libssl-dev libcmocka-dev node-llhttp python3"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "parley: installing missing packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "parley: missing Debian packages. Install them with:"
  echo "  sudo apt-get install -y$missing"
  exit 1
fi
