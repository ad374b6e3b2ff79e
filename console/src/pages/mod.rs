//! One module per console page.

pub mod patient;
pub mod practices;
pub mod preview;
pub mod search;
pub mod settings;
pub mod team;
pub mod webhooks;
