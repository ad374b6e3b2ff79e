#!/usr/bin/env bash
# Builds one of the two Leptos front ends; scripts/build-portal.sh and scripts/build-console.sh
# call this with their name:
#   portal   the patient portal into portal/dist/ (index.html, boot.js, the CSS, pkg/)
#   console  the clinic console into portal/dist/console/ (a separate bundle the portal never
#            loads; the edge answers every /console page path with /console/index.html)
# Serve portal/dist/ as static assets from the same origin as the API, every unknown path
# answered by index.html.
#
# Every file but index.html gets a content hash in its name (name.<16 hex>.ext, rewritten in the
# files that load it), so the Worker serves them `immutable` for a year and a second visit
# downloads no unchanged file (edge/src/front/assets.rs); index.html is revalidated each time.
#
# Environment:
#   CARGO_TARGET_DIR  cargo's target directory (default: target/)
#   WASM_BINDGEN      wasm-bindgen CLI, same version as the crate (default: wasm-bindgen on PATH)
#   WASM_OPT          binaryen's wasm-opt, npm binaryen@132 (default: ./node_modules/.bin/wasm-opt).
#                     Never Debian's binaryen: its wasm-opt breaks the portal.
set -euo pipefail

app="${1:-}"
case "$app" in
    portal) crate=sealpost-portal; lib=sealpost_portal; dist="portal/dist"; src="portal" ;;
    console) crate=sealpost-console; lib=sealpost_console; dist="portal/dist/console"; src="console" ;;
    *) echo "usage: build-front.sh portal|console" >&2; exit 2 ;;
esac
me="build-$app"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-target}"
wasm_bindgen="${WASM_BINDGEN:-wasm-bindgen}"
wasm_opt="${WASM_OPT:-./node_modules/.bin/wasm-opt}"

if ! command -v "$wasm_bindgen" >/dev/null; then
    echo "$me: wasm-bindgen not found (cargo install wasm-bindgen-cli --version 0.2.130)" >&2
    exit 1
fi
if [ ! -x "$wasm_opt" ] && ! command -v "$wasm_opt" >/dev/null; then
    echo "$me: wasm-opt not found at $wasm_opt (npm i binaryen@132.0.0, or set WASM_OPT)" >&2
    exit 1
fi

cargo build -p "$crate" --release --target wasm32-unknown-unknown

# Replace only this app's own files: portal/dist/console/ is the console's bundle and must
# survive a portal rebuild.
if [ "$app" = portal ]; then
    rm -rf "$dist/pkg" "$dist/index.html" "$dist"/boot*.js
    rm -f "$dist"/*.css
else
    rm -rf "$dist"
fi
mkdir -p "$dist/pkg"
"$wasm_bindgen" --target web --no-typescript --out-dir "$dist/pkg" \
    "$target_dir/wasm32-unknown-unknown/release/$lib.wasm"

# rustc 1.95 targets the wasm features LLVM enables by default (sign-ext, mutable-globals,
# multivalue, reference-types, bulk-memory, nontrapping-fptoint); wasm-opt must accept the same
# set, all of which Chromium, Firefox and Safari support. `--converge` repeats -Oz until the
# module stops shrinking (measured: 177.8 → 176.3 KB brotli, a few seconds longer).
wasm="$dist/pkg/${lib}_bg.wasm"
"$wasm_opt" -Oz --converge \
    --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    "$wasm" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"

cp "$src/index.html" "$src/boot.js" "$dist/"
if [ "$app" = portal ]; then
    cp style/*.css "$dist/"
else
    # The portal's design tokens and base styles, then the console's own.
    cp style/portal.css "$dist/portal.css"
    cp console/style/console.css "$dist/console.css"
fi

# Content hashes, leaves first: the wasm (named in the glue and boot.js), the glue (imported by
# boot.js), the CSS, then boot.js itself; index.html names them all.
hash_name() { # file (relative to $dist), files that name it...
    local file="$1"; shift
    local base="${file##*/}" dir
    dir="$(dirname "$file")"
    local h
    h="$(sha256sum "$dist/$file" | cut -c1-16)"
    local hashed="${base%.*}.$h.${base##*.}"
    mv "$dist/$file" "$dist/$dir/$hashed"
    for f in "$@"; do
        sed -i "s#\\b${base//./\\.}\\b#$hashed#g" "$dist/$f"
    done
}
glue="pkg/$lib.js"
hash_name "pkg/${lib}_bg.wasm" "$glue" boot.js index.html
hash_name "$glue" boot.js index.html
for css in "$dist"/*.css; do
    hash_name "${css#"$dist"/}" index.html
done
hash_name boot.js index.html
# Nothing may still name an unhashed file.
if grep -Eoh '[A-Za-z0-9_./-]+\.(js|css|wasm)"' "$dist/index.html" "$dist"/boot.*.js | grep -Ev '\.[0-9a-f]{16}\.(js|css|wasm)"$'; then
    echo "$me: a file is still named without its hash (above)" >&2
    exit 1
fi

echo "$me: built $dist"
ls -l "$dist" "$dist/pkg"
