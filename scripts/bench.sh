#!/usr/bin/env bash
# Measures Sealpost and writes docs/BENCHMARKS.md (a report, not pass/fail; not part of
# scripts/test.sh). Needs the built portal (portal/dist) and Worker (edge/build): run
# scripts/build-portal.sh and scripts/build-edge.sh first (scripts/test.sh does). ≈ 6 minutes.
# Loads run on loopback only and share the machine's cores with workerd: compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/BENCHMARKS.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -f portal/dist/index.html ] && [ -f edge/build/index_bg.wasm ] || {
  echo "build first: bash scripts/build-portal.sh && bash scripts/build-edge.sh" >&2; exit 1; }
# Tools (idempotent): wrk from Debian, the npm tools from package-lock, brotli for sizes.
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v brotli >/dev/null || need+=(brotli)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}"
fi
[ -x node_modules/.bin/wrangler ] || npm ci --no-audit --no-fund

echo "== criterion (shared/benches/core.rs)" >&2
cargo bench -p sealpost-shared --bench core -- --noplot 2>/dev/null | tee "$work/criterion.txt" >&2

echo "== workerd: cold start, CPU, load, streaming, portal" >&2
status=0
for part in cold cpu,load bulk stream origin portal; do
  # A part that fails (e.g. an error in the 1,000 opens) still leaves the others in the report.
  BENCH_ONLY=$part node scripts/bench/run.mjs > "$work/run-${part//,/-}.json" || { status=1; echo "part $part failed" >&2; }
  [ -s "$work/run-${part//,/-}.json" ] || rm -f "$work/run-${part//,/-}.json"
done

node scripts/bench/report.mjs "$work" > "$out"
echo "wrote $out" >&2
exit $status
