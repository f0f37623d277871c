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
port=$((20000 + RANDOM % 20000))
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
(cd "$work" && exec "$bin" serve --demo --listen "127.0.0.1:$port" > serve.log 2>&1) &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/api/v1/openapi.json" -o /dev/null && break
  sleep 0.2
done
token=$(cd "$work" && "$bin" admin create-api-key 4144051234 --name schemathesis --scopes write,import | tail -n1)
case "$token" in cbk_*) ;; *) echo "no API key: $token"; cat "$work/serve.log"; exit 1 ;; esac
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --max-examples "$examples" \
  --phases examples,coverage,fuzzing \
  --seed 20261201 \
  --suppress-health-check all \
  --warnings off \
  --workers 2
