# Pinned tool versions: the one place to change them. Sourced by the other scripts.
# wasm-bindgen CLI must equal the wasm-bindgen crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION=0.2.130
WORKER_BUILD_VERSION=0.8.7
# cargo-deny checks licences, bans and sources (deny.toml); 0.20.2 needs rustc 1.88+.
CARGO_DENY_VERSION=0.20.2
# The Rust toolchain is pinned in rust-toolchain.toml; wrangler, miniflare, binaryen
# (wasm-opt), playwright-core and axe-core are pinned in package.json / package-lock.json.
