#!/usr/bin/env bash
# Command 2: installs what is missing and runs every test: formatting, clippy (native and
# wasm32, warnings are errors), the native unit tests, cargo deny (licences, bans, sources)
# and the docs (warnings are errors), then the end-to-end journeys against the Worker in
# workerd and the portal in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
last=$SECONDS
bash scripts/setup.sh

step() {
  printf '\n\033[1m== %s\033[0m  (previous step %ss, total %ss)\n' "$*" $((SECONDS - last)) $((SECONDS - started))
  last=$SECONDS
}
trap 'printf "\ntest.sh: %ss in all\n" $((SECONDS - started))' EXIT
step "cargo fmt --check"
cargo fmt --all -- --check
step "clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings
step "clippy (wasm32)"
cargo clippy --workspace --target wasm32-unknown-unknown -- -D warnings
step "unit tests (native)"
cargo test --workspace
step "cargo deny (licences, bans, sources; advisories need the network)"
cargo deny check licenses bans sources
step "cargo doc (native, warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace
step "build portal, console and edge"
bash scripts/build-portal.sh
bash scripts/build-console.sh
bash scripts/build-edge.sh
step "portal DOM tests (wasm-bindgen-test in Chromium)"
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}" \
    cargo test -p sealpost-portal --target wasm32-unknown-unknown
step "end-to-end journeys (workerd + Chromium)"
node --test --test-concurrency=1 --test-timeout=180000 tests/e2e/*.test.mjs
