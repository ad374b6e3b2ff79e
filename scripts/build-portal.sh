#!/usr/bin/env bash
# Builds the patient portal into portal/dist/: index.html, boot.js, the CSS and pkg/ (the
# wasm-bindgen glue and the optimised WebAssembly). Serve portal/dist/ as static assets from the
# same origin as the API, with every unknown path answered by index.html (the portal routes
# /open and /documents itself).
#
# Environment:
#   CARGO_TARGET_DIR  cargo's target directory (default: target/)
#   WASM_BINDGEN      wasm-bindgen CLI, same version as the crate (default: wasm-bindgen on PATH)
#   WASM_OPT          binaryen's wasm-opt, npm binaryen@132 (default: ./node_modules/.bin/wasm-opt).
#                     Never Debian's binaryen: its wasm-opt breaks the portal.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-target}"
wasm_bindgen="${WASM_BINDGEN:-wasm-bindgen}"
wasm_opt="${WASM_OPT:-./node_modules/.bin/wasm-opt}"
dist="portal/dist"

if ! command -v "$wasm_bindgen" >/dev/null; then
    echo "build-portal: wasm-bindgen not found (cargo install wasm-bindgen-cli --version 0.2.130)" >&2
    exit 1
fi
if [ ! -x "$wasm_opt" ] && ! command -v "$wasm_opt" >/dev/null; then
    echo "build-portal: wasm-opt not found at $wasm_opt (npm i binaryen@132.0.0, or set WASM_OPT)" >&2
    exit 1
fi

cargo build -p sealpost-portal --release --target wasm32-unknown-unknown

# Replace only the portal's own files: portal/dist/console/ is the clinic console's bundle
# (scripts/build-console.sh) and must survive a portal rebuild.
rm -rf "$dist/pkg" "$dist/index.html" "$dist/boot.js"
rm -f "$dist"/*.css
mkdir -p "$dist/pkg"
"$wasm_bindgen" --target web --no-typescript --out-dir "$dist/pkg" \
    "$target_dir/wasm32-unknown-unknown/release/sealpost_portal.wasm"

# rustc 1.95 targets the wasm features LLVM enables by default (sign-ext, mutable-globals,
# multivalue, reference-types, bulk-memory, nontrapping-fptoint); wasm-opt must accept the same
# set, all of which Chromium, Firefox and Safari support. `--converge` repeats -Oz until the
# module stops shrinking (measured: 177.8 → 176.3 KB brotli, a few seconds longer).
wasm="$dist/pkg/sealpost_portal_bg.wasm"
"$wasm_opt" -Oz --converge \
    --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    "$wasm" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"

cp portal/index.html portal/boot.js "$dist/"
cp style/*.css "$dist/"

echo "build-portal: built $dist"
ls -l "$dist" "$dist/pkg"
