//! Sealpost's pure core: the wire types every part speaks and every security decision.
//!
//! Invariants of this crate (enforced by `clippy.toml` and the workspace lints):
//! - nothing here reads a clock: `now` is always an argument;
//! - nothing here does I/O or draws randomness: random bytes are passed in;
//! - nothing here panics: no `unwrap`, `expect`, `panic!` or slice indexing outside tests.

#[cfg(feature = "access")]
pub mod access;
pub mod attachments;
pub mod birthday;
pub mod checks;
pub mod consultation;
pub mod date;
pub mod documents;
pub mod error;
mod hex;
pub mod history;
pub mod idempotency;
pub mod ids;
pub mod link_policy;
pub mod lockout;
pub mod mail_events;
pub mod mail_queue;
#[cfg(test)]
mod openapi;
pub mod operator;
pub mod origin_settings;
pub mod page;
pub mod practice;
pub mod range;
pub mod recipients;
pub mod reminders;
pub mod secret;
pub mod sender;
pub mod session;
pub mod sms;
pub mod staff;
pub mod tenancy;
pub mod text;
pub mod time;
pub mod token;
pub mod webhook;
pub mod webhook_settings;
pub mod wire;

pub use chrono;
