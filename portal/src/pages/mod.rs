//! One module per route.

pub mod documents;
pub mod note;
pub mod open;
