#!/usr/bin/env bash
# The bank's credentials checked by code nobody here wrote: Digital Bazaar's VC library
# (npm, pinned in verifier/package-lock.json) verifies every bundle the tests wrote to
# $CREDENTIAL_BUNDLE — signatures, issuers, status lists, tampered and revoked copies —
# with an offline document loader. Each database must have written its bundles.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CREDENTIAL_BUNDLE:?set CREDENTIAL_BUNDLE to the folder the tests wrote}"
command -v node >/dev/null || apt-get install -y nodejs npm
[ -d verifier/node_modules ] || (cd verifier && npm ci --no-audit --no-fund)
for kind in unit sqlite postgres; do
  ls "$dir"/"$kind"-*.json >/dev/null 2>&1 || { echo "no $kind credential bundles in $dir"; exit 1; }
done
node verifier/verify.mjs "$dir"/*.json
