#!/usr/bin/env bash
# Builds the Worker (edge/build/index.js + index_bg.wasm; index.js is the `main` of
# edge/wrangler.toml) with worker-build, using the pinned wasm-bindgen and the npm wasm-opt
# and esbuild (worker-build would otherwise fetch them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export WASM_BINDGEN_BIN="${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}"
export WASM_OPT_BIN="${WASM_OPT_BIN:-$root/node_modules/.bin/wasm-opt}"
export ESBUILD_BIN="${ESBUILD_BIN:-$root/node_modules/.bin/esbuild}"
cd edge
worker-build --release
