#!/usr/bin/env bash
# Runs a command with a real `sparklet feed` on a free loopback port, its
# address in SPARKLET_TEST_FEED (ws://127.0.0.1:PORT), then stops the feed.
# The dashboard's browser tests read that variable at compile time.
set -euo pipefail
bin="${SPARKLET_BIN:-target/release/sparklet}"
out=$(mktemp)
"$bin" feed --addr 127.0.0.1:0 >"$out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
  url=$(sed -n 's#^Sparklet feeds: \(ws://[^/]*\)/.*#\1#p' "$out")
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { cat "$out"; exit 1; }
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "sparklet feed did not start:"; cat "$out"; exit 1; }
echo "feed for tests: $url"
SPARKLET_TEST_FEED="$url" "$@"
