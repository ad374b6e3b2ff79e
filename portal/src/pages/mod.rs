//! One module per route.

pub mod documents;
pub mod open;
