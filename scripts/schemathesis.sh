#!/usr/bin/env bash
# Property-based tests of /api/v1 against its own OpenAPI document: starts the bank
# (demo data, SQLite in a temporary folder), makes an API key with every scope for the
# demo institution, and lets schemathesis (PyPI) send a bounded number of generated
# requests per operation. Fails on any 5xx or any response that does not match its
# documented schema or content type.
# Use: scripts/schemathesis.sh [path/to/creditbank]   (EXAMPLES=20 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/creditbank}")
examples=${EXAMPLES:-20}
cache=${HOME:-/root}/.cache/creditbank
venv=$cache/venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
work=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# Port 0: the system picks a free port; the server prints the address it bound.
(cd "$work" && exec "$bin" serve --demo --listen "127.0.0.1:0" > serve.log 2>&1) &
pid=$!
base=""
for _ in $(seq 1 300); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n 1 || true)
  [ -n "$base" ] && curl -sf "$base/api/v1/openapi.json" -o /dev/null && break
  sleep 0.2
done
[ -n "$base" ] || { echo "the server did not start:"; grep -v '^ ' "$work/serve.log" | tail -n 30; exit 1; }
token=$(cd "$work" && "$bin" admin create-api-key 4144051234 --name schemathesis --scopes write,import | tail -n1)
case "$token" in cbk_*) ;; *) echo "no API key: $token"; cat "$work/serve.log"; exit 1 ;; esac
"$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --max-examples "$examples" \
  --phases examples,coverage,fuzzing \
  --seed 20261201 \
  --suppress-health-check all \
  --warnings off \
  --workers 2
