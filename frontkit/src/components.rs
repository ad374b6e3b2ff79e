//! Components and DOM helpers both apps use. They render; decisions live elsewhere.

mod focus;
mod heading;
mod loading;

pub use focus::{focus_by_id, keep_focus_once, set_page_title, set_title};
pub use heading::PageHeading;
pub use loading::{Loading, LoadingPage};
