//! Sealpost's pure core: the wire types every part speaks and every security decision.
//!
//! Invariants of this crate (enforced by `clippy.toml` and the workspace lints):
//! - nothing here reads a clock: `now` is always an argument;
//! - nothing here does I/O or draws randomness: random bytes are passed in;
//! - nothing here panics: no `unwrap`, `expect`, `panic!` or slice indexing outside tests.

pub mod birthday;
pub mod error;
pub mod ids;
pub mod lockout;
pub mod secret;
pub mod time;
pub mod token;
pub mod wire;

pub use chrono;
