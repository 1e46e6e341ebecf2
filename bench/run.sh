#!/bin/sh
# `make bench`: the runtime's figures, each beside a baseline measured in the same run.
# Usage: sh bench/run.sh BUILD_DIR
set -e
B=${1:-build}
echo "== dispatch, durable (fsync per event)"; "$B/parley-bench" dispatch 5000
echo "== dispatch, no fsync (the CPU cost of an event)"; "$B/parley-bench" dispatch 50000 --nosync
echo "== reload latency"; "$B/parley-bench" reload 100
echo "== start-up and memory"; "$B/parley-bench" startup 1000

echo "== piped parley chat (durable), against piping the same lines through cat"
tmp=$(mktemp -d /tmp/parley-bench-chat-XXXXXX)
i=0; while [ $i -lt 5000 ]; do echo "hello $i"; i=$((i+1)); done > "$tmp/in.txt"
mkdir -p "$tmp/echo"
echo 'return { name = "echo" }' > "$tmp/echo/tenant.lua"
cat > "$tmp/echo/bot.lua" <<'LUA'
bot.on("message", function(ctx, text)
  ctx.session.n = (ctx.session.n or 0) + 1
  ctx:reply("#" .. ctx.session.n .. " " .. text)
end)
LUA
t0=$(date +%s%N); cat "$tmp/in.txt" > /dev/null; t1=$(date +%s%N)
"$B/parley" chat "$tmp/echo" --data "$tmp/data" < "$tmp/in.txt" > "$tmp/out.txt"; t2=$(date +%s%N)
n=$(wc -l < "$tmp/out.txt")
awk -v n="$n" -v c=$((t1-t0)) -v p=$((t2-t1)) 'BEGIN {
  printf "  %d replies in %.2f s: %.0f events/s (cat: %.3f s)\n", n, p/1e9, n/(p/1e9), c/1e9 }'
rm -rf "$tmp"

echo "== web chat: reply on the page vs the send's accept"; python3 bench/webchat_feed.py "$B"
