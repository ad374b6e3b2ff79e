#!/usr/bin/env bash
# Measures Sealpost and writes docs/BENCHMARKS.md (a report, not pass/fail; not part of
# scripts/test.sh). Needs the built portal (portal/dist) and Worker (edge/build): run
# scripts/build-portal.sh and scripts/build-edge.sh first (scripts/test.sh does). ≈ 8 minutes.
# Loads run on loopback only and share the machine's cores with workerd: compare ratios.
#
# Optional environment:
#   BENCH_PARTS="routes tenants"  only these parts (default: criterion and every run.mjs part)
#                                 (`phone`: the portal on a slow phone, scripts/bench/phone.mjs;
#                                 BENCH_PHONE_RUNS=5 runs of each measurement)
#   BENCH_ROOT=/path/to/worktree  measure that tree's build (edge/build, portal/dist) with
#                                 this driver, e.g. a worktree of an older commit
#   BENCH_OUT=/tmp/before.md      write the report there instead of docs/BENCHMARKS.md
#   BENCH_LOAD_SECONDS=10         seconds per wrk run (BENCH_WARMUP_SECONDS=3 before each)
#   BENCH_DO_PERSIST=/dev/shm/x   routes/tenants: Durable Object storage on tmpfs instead of
#                                 Miniflare's default temporary directory on disk
set -euo pipefail
cd "$(dirname "$0")/.."
# The exact command, for the report.
BENCH_COMMAND="bash scripts/bench.sh"
for v in BENCH_DO_PERSIST BENCH_CONNECTIONS BENCH_WARMUP_SECONDS BENCH_LOAD_SECONDS BENCH_OUT BENCH_ROOT BENCH_PARTS; do
  if [ -n "${!v:-}" ]; then BENCH_COMMAND="$v='${!v}' $BENCH_COMMAND"; fi
done
export BENCH_COMMAND
export BENCH_ROOT="${BENCH_ROOT:-$PWD}"
out=${BENCH_OUT:-docs/BENCHMARKS.md}
parts=${BENCH_PARTS:-criterion cold cpu,load bulk stream origin routes tenants phone}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -f "$BENCH_ROOT/portal/dist/index.html" ] && [ -f "$BENCH_ROOT/edge/build/index_bg.wasm" ] || {
  echo "build first (in $BENCH_ROOT): bash scripts/build-portal.sh && bash scripts/build-edge.sh" >&2; exit 1; }
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

status=0
for part in $parts; do
  if [ "$part" = criterion ]; then
    echo "== criterion (shared/benches/core.rs, in $BENCH_ROOT)" >&2
    (cd "$BENCH_ROOT" && cargo bench -p sealpost-shared --bench core -- --noplot 2>/dev/null) | tee "$work/criterion.txt" >&2
    continue
  fi
  echo "== workerd: $part (nproc $(nproc): wrk, Node and workerd share these cores)" >&2
  # A part that fails (e.g. an error in the 1,000 opens) still leaves the others in the report.
  BENCH_ONLY=$part node scripts/bench/run.mjs > "$work/run-${part//,/-}.json" || { status=1; echo "part $part failed" >&2; }
  [ -s "$work/run-${part//,/-}.json" ] || rm -f "$work/run-${part//,/-}.json"
done

node scripts/bench/report.mjs "$work" > "$out"
echo "wrote $out" >&2
exit $status
