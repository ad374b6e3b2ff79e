//! The router and the state every page shares.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use sealpost_shared::secret::SecretString;
use wasm_bindgen::JsValue;

use crate::components::header::Header;
use crate::components::stop_page::StopPage;
use crate::logic::{token_from_fragment, FragmentToken, Stop};
use crate::pages::documents::DocumentsPage;
use crate::pages::note::NotePage;
use crate::pages::open::OpenPage;

/// The path emailed links point at (`/open#<token>`).
pub const OPEN_PATH: &str = "/open";

/// The link token as the page received it. It lives only in memory: never in the URL after
/// start-up, never in storage, and it is dropped once the person is verified.
pub enum Link {
    Missing,
    /// Too long to be one of ours; refused without asking the API.
    Refused,
    Token(SecretString),
}

/// The answer to the `POST /open` that `boot.js` sent while the WebAssembly downloaded.
pub type Opened = Result<sealpost_shared::wire::OpenLinkResponse, crate::api::ApiFailure>;

/// State shared by every page, provided as context by [`App`].
#[derive(Clone, Copy)]
pub struct Portal {
    /// The practice's name, once an answer has told us; shown in the header.
    pub practice_name: RwSignal<Option<String>>,
    link: StoredValue<Link>,
    /// The answer to `boot.js`'s `POST /open` for this link, read once by the `/open` page.
    opened: StoredValue<Option<Opened>>,
}

impl Portal {
    fn new(link: Link, opened: Option<Opened>) -> Self {
        Self {
            practice_name: RwSignal::new(crate::prepaint::remembered_practice()),
            link: StoredValue::new(link),
            opened: StoredValue::new(opened),
        }
    }

    /// The answer to `boot.js`'s `POST /open`, once: a retry or a new link asks again.
    pub fn take_opened(&self) -> Option<Opened> {
        self.opened.try_update_value(Option::take).flatten()
    }

    /// Reads the link without copying the token out.
    pub fn with_link<T>(&self, f: impl FnOnce(&Link) -> T) -> T {
        self.link.with_value(f)
    }

    /// A copy of the token, for the one request that sends it.
    pub fn token(&self) -> Option<SecretString> {
        self.with_link(|link| match link {
            Link::Token(token) => Some(token.clone()),
            Link::Missing | Link::Refused => None,
        })
    }

    /// Replaces the link, when a new one arrives in the fragment of the page already open.
    pub fn replace_link(&self, link: Link) {
        self.link.set_value(link);
    }

    /// Drops the token: after verification the session cookie is the only credential.
    pub fn forget_link(&self) {
        self.link.set_value(Link::Missing);
    }

    pub fn learn_practice(&self, name: Option<String>) {
        if let Some(name) = name {
            crate::prepaint::remember_practice(&name);
            self.practice_name.set(Some(name));
        }
    }
}

/// The shared state. [`App`] provides it above every page, so the fallback is never used.
pub fn use_portal() -> Portal {
    use_context::<Portal>().unwrap_or_else(|| Portal::new(Link::Missing, None))
}

/// Whether the page is `/open`.
pub fn on_open_path() -> bool {
    window().location().pathname().ok().as_deref() == Some(OPEN_PATH)
}

/// On `/open`, takes the token from the fragment and replaces the URL with `/open`.
pub fn take_link_from_address_bar() -> Link {
    let window = window();
    let location = window.location();
    if location.pathname().ok().as_deref() != Some(OPEN_PATH) {
        return Link::Missing;
    }
    let hash = location.hash().unwrap_or_default();
    if !hash.is_empty() {
        if let Ok(history) = window.history() {
            // If this fails the token stays visible, but the page still works.
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(OPEN_PATH));
        }
    }
    match token_from_fragment(&hash) {
        FragmentToken::Missing => Link::Missing,
        FragmentToken::TooLong => Link::Refused,
        FragmentToken::Token(token) => Link::Token(SecretString::new(token)),
    }
}

#[component]
pub fn App(link: Link, opened: Option<Opened>) -> impl IntoView {
    provide_context(Portal::new(link, opened));
    view! {
        <Router>
            <Header />
            <div class="width-container">
                <main class="main" id="main">
                    <Routes fallback=|| view! { <StopPage stop=Stop::NotFound /> }>
                        <Route path=path!("/") view=|| view! { <StopPage stop=Stop::NoLink /> } />
                        <Route path=path!("/open") view=OpenPage />
                        <Route path=path!("/documents") view=DocumentsPage />
                        <Route path=path!("/documents/:id/note") view=NotePage />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
