//! What Sealpost's two Leptos apps share, so neither carries its own copy:
//!
//! - [`api`]: the core of a typed client over `sealpost_shared::wire`: [`api::ApiFailure`],
//!   [`api::request`] (no caching, JSON wanted), [`api::answer`] (a 2xx response or the typed
//!   failure) and [`api::decode`]; each app adds its own routes (and the console its practice
//!   header) on top;
//! - [`format`](mod@format): dates (GOV.UK style), times and sizes (never broken across
//!   lines) as people read them;
//! - [`latest`]: data that follows a key, showing only the answer for the key now current;
//! - [`title`]: the document `<title>` of a page;
//! - [`components`]: focus moves, the page heading that takes focus (but leaves it, once, where
//!   an app's take-over has put it back: [`components::keep_focus_once`]), the loading status.
//!
//! Nothing here decides anything about documents, links or people: that is `sealpost_shared`
//! (pure, shared with the edge) or each app's own `logic`.

pub mod api;
pub mod components;
pub mod format;
pub mod latest;
pub mod title;
