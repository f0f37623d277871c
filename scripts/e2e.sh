#!/usr/bin/env bash
# Browser journeys (issue 11): installs Debian's Chromium, CJK fonts and sqlite3 when
# missing, playwright-core from e2e/package-lock.json, starts a real `creditbank serve
# --demo` per bank profile (ncb, oucn, guangdong) on scratch SQLite databases and runs
# e2e/journeys.mjs against each (the national bank runs every journey).
# Screenshots at 1280 and 375 px land in target/e2e/<profile>/.
# Use: scripts/e2e.sh [path/to/creditbank]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/creditbank}")
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v sqlite3 >/dev/null || need+=(sqlite3)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
(cd e2e && npm ci --no-audit --no-fund --silent)
out=$(pwd)/target/e2e
rm -rf "$out" && mkdir -p "$out"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "${works[@]}"; }
works=()
trap cleanup EXIT
# One server per bank profile, each on its own scratch database.
for profile in ncb oucn guangdong; do
  work=$(mktemp -d); works+=("$work")
  # Port 0: the system picks a free port (a random one could be taken); the server
  # prints the address it bound.
  (cd "$work" && exec "$bin" serve --demo --profile "$profile" --listen "127.0.0.1:0" > serve.log 2>&1) &
  pids+=($!)
  base=""
  for _ in $(seq 1 300); do
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n 1 || true)
    [ -n "$base" ] && curl -sf "$base/" -o /dev/null && break
    sleep 0.2
  done
  echo "== $profile"
  [ -n "$base" ] || { echo "the $profile server did not start:"; grep -v '^ ' "$work/serve.log" | tail -n 30; exit 1; }
  PROFILE="$profile" BASE="$base" DB="$work/data/creditbank.db" OUT="$out/$profile" node e2e/journeys.mjs \
    || { grep -v '^ ' "$work/serve.log" | tail -n 30; exit 1; }
done
