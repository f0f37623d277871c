#!/usr/bin/env bash
# Copies the front-end files the bank embeds from their npm packages into
# crates/web/static/vendor (committed, so building needs no npm). Run after changing
# web-vendor/package.json: npm ci installs exactly what package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd web-vendor && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
out=crates/web/static/vendor/swagger-ui
mkdir -p "$out"
src=web-vendor/node_modules/swagger-ui-dist
for f in swagger-ui-bundle.js swagger-ui.css LICENSE; do
  cp "$src/$f" "$out/$f"
done
echo "swagger-ui-dist $(node -p "require('./$src/package.json').version") copied to $out"
# ECharts draws the statistics dashboard (M-03).
out=crates/web/static/vendor/echarts
mkdir -p "$out"
src=web-vendor/node_modules/echarts
cp "$src/dist/echarts.min.js" "$out/echarts.min.js"
cp "$src/LICENSE" "$out/LICENSE"
echo "echarts $(node -p "require('./$src/package.json').version") copied to $out"
