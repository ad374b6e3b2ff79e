#!/usr/bin/env bash
# Builds the clinic console into portal/dist/console/: index.html, boot.js, the CSS (the
# portal's tokens plus console.css) and pkg/ (the wasm-bindgen glue and the optimised
# WebAssembly). A separate bundle from the patient portal's: the portal never loads it. The
# edge answers every /console page path with /console/index.html.
#
# Environment: CARGO_TARGET_DIR, WASM_BINDGEN, WASM_OPT as in build-portal.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-target}"
wasm_bindgen="${WASM_BINDGEN:-wasm-bindgen}"
wasm_opt="${WASM_OPT:-./node_modules/.bin/wasm-opt}"
dist="portal/dist/console"

if ! command -v "$wasm_bindgen" >/dev/null; then
    echo "build-console: wasm-bindgen not found (cargo install wasm-bindgen-cli --version 0.2.130)" >&2
    exit 1
fi
if [ ! -x "$wasm_opt" ] && ! command -v "$wasm_opt" >/dev/null; then
    echo "build-console: wasm-opt not found at $wasm_opt (npm i binaryen@132.0.0, or set WASM_OPT)" >&2
    exit 1
fi

cargo build -p sealpost-console --release --target wasm32-unknown-unknown

rm -rf "$dist"
mkdir -p "$dist/pkg"
"$wasm_bindgen" --target web --no-typescript --out-dir "$dist/pkg" \
    "$target_dir/wasm32-unknown-unknown/release/sealpost_console.wasm"

# The same feature set and flags as the portal (see build-portal.sh).
wasm="$dist/pkg/sealpost_console_bg.wasm"
"$wasm_opt" -Oz --converge \
    --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    "$wasm" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"

cp console/index.html console/boot.js "$dist/"
# The portal's design tokens and base styles, then the console's own.
cp style/portal.css "$dist/portal.css"
cp console/style/console.css "$dist/console.css"

echo "build-console: built $dist"
ls -l "$dist" "$dist/pkg"
