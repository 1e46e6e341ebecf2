#!/bin/sh
# `make demo`: the example conference bot on a web page and in this terminal at once.
#   - `parley serve` runs in the background on $DEMO_LISTEN (default 127.0.0.1:8080) with
#     its own store (BUILD/demo-web) and log (BUILD/demo-web.log): the web chat is at
#     http://$DEMO_LISTEN/
#   - the terminal chat runs as before (BUILD/demo-data, clock at 1 June 2026)
#   - when the terminal chat ends (:quit, end of input, Ctrl-C) the server is stopped.
# The web chat's secret is made once into BUILD/demo-webchat-secret and kept, so a
# visitor's identity (and conversation) survives the next `make demo`.
set -e
build=${1:-build}
listen=${DEMO_LISTEN:-127.0.0.1:8080}
parley="$build/parley"
secret_file="$build/demo-webchat-secret"
log="$build/demo-web.log"

if [ ! -s "$secret_file" ]; then
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secret_file")
fi
CONFERENCE_WEBCHAT_SECRET=$(cat "$secret_file")
export CONFERENCE_WEBCHAT_SECRET

# Only the conference bot: the other examples need services or secrets of their own.
mkdir -p "$build/demo-tenants"
ln -sfn "$(pwd)/scripts/examples/conference" "$build/demo-tenants/conference"
"$parley" serve --tenants "$build/demo-tenants" --data "$build/demo-web" --listen "$listen" \
  --workers 2 >"$log" 2>&1 &
server=$!
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap stop_server EXIT
trap 'exit 130' INT TERM

tries=0
until grep -q "listening on http://" "$log" 2>/dev/null; do
  tries=$((tries + 1))
  if [ $tries -gt 100 ] || ! kill -0 "$server" 2>/dev/null; then
    echo "Web chat: not started (see $log):"
    sed 's/^/  /' "$log" | tail -3
    break
  fi
  sleep 0.1
done
if kill -0 "$server" 2>/dev/null; then echo "Web chat: http://$listen/"; fi

echo "Talking to the example conference bot (clock set to 1 June 2026; :help for commands)"
"$parley" chat scripts/examples/conference --data "$build/demo-data" --at "2026-06-01 09:00"
