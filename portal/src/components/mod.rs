//! Reusable pieces of the pages. They render; decisions come from [`crate::logic`]. The focus,
//! heading and loading pieces the console uses too come from `sealpost_frontkit`.

pub mod birthday_form;
pub mod error_summary;
pub mod header;
pub mod magic_link;
pub mod sms_code;
pub mod stop_page;

pub use sealpost_frontkit::components::{focus_by_id, set_page_title, LoadingPage, PageHeading};
