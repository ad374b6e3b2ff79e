#!/usr/bin/env bash
# Installs whatever Sealpost needs that is missing, skipping what is already at the pinned
# version. Safe to run again. Needs: rustup/cargo, node/npm, and apt-get (as root or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/versions.sh

log() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Rust toolchain, components and the wasm32 target, as rust-toolchain.toml pins them.
channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup run "$channel" rustc --version >/dev/null 2>&1 \
  || ! rustup target list --toolchain "$channel" --installed | grep -q wasm32-unknown-unknown \
  || ! rustup component list --toolchain "$channel" --installed | grep -q clippy; then
  log "installing Rust $channel with clippy, rustfmt and wasm32-unknown-unknown"
  rustup toolchain install "$channel" --profile minimal \
    --component rustfmt --component clippy --target wasm32-unknown-unknown
fi

# 2. Cargo-installed tools at their pinned versions.
cargo_tool() { # name version crate [extra args]
  local bin=$1 version=$2 crate=$3; shift 3
  if "$bin" --version 2>/dev/null | grep -qw "$version"; then return; fi
  log "installing $crate $version (a few minutes, once)"
  cargo +"$channel" install "$crate" --version "$version" "$@"
}
# No --locked for wasm-bindgen-cli: its lock file names a yanked webpki-roots.
cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build --locked
cargo_tool cargo-deny "$CARGO_DENY_VERSION" cargo-deny --locked

# 3. Debian packages: Chromium for the browser tests, brotli for size reports.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v brotli >/dev/null || missing+=(brotli)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt-get"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 4. JavaScript tools (wrangler + workerd, miniflare, wasm-opt, playwright-core, axe-core).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing JavaScript tools with npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "tools ready"
