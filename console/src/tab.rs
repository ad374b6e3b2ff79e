//! What this browser tab remembers: the practice chosen in it (sessionStorage, so another tab
//! can work in another practice, and closing the tab forgets). Storage that is unavailable
//! (blocked by the browser) only means staff are asked again.

use sealpost_shared::tenancy::PracticeId;
use web_sys::Storage;

const PRACTICE_KEY: &str = "sealpost-practice";

fn storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The id of the practice chosen earlier in this tab, if any.
pub fn remembered_practice() -> Option<String> {
    storage()?.get_item(PRACTICE_KEY).ok().flatten()
}

pub fn remember_practice(practice: &PracticeId) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(PRACTICE_KEY, practice.as_str());
    }
}

/// Puts `/console` in the address bar without a reload: after a switch, the page open before
/// belonged to the other practice. The router reads the address when it is next mounted.
pub fn go_to_start() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/console"));
    }
}
