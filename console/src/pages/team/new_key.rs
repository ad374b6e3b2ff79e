//! A key just created, shown this one time: Sealpost keeps only its hash, so once this panel is
//! dismissed (or the page left) nobody can see it again, only its hint.

use leptos::html::H3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::staff::CreatedApiKey;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlTextAreaElement;

/// Copies `text` to the clipboard; whether the browser did.
async fn copy(text: &str) -> bool {
    match web_sys::window() {
        Some(window) => JsFuture::from(window.navigator().clipboard().write_text(text))
            .await
            .is_ok(),
        None => false,
    }
}

#[component]
pub fn NewKeyOnce(key: CreatedApiKey, on_copied: Callback<()>) -> impl IntoView {
    let heading = NodeRef::<H3>::new();
    Effect::new(move || {
        if let Some(h3) = heading.get() {
            let _ = h3.focus();
        }
    });
    let copied = RwSignal::new(None::<bool>);
    let secret = key.key.clone();
    let copy_key = move |_| {
        let secret = secret.clone();
        spawn_local(async move { copied.set(Some(copy(&secret).await)) });
    };
    // Focusing the field selects the whole key, ready to copy by hand.
    let select_all = |ev: leptos::ev::FocusEvent| {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
        {
            input.select();
        }
    };
    view! {
        <div class="notification notification--success new-key" role="region" aria-labelledby="new-key-heading">
            <h3 class="heading-s" id="new-key-heading" tabindex="-1" node_ref=heading>
                {format!("Copy the key for “{}” now", key.entry.name)}
            </h3>
            <p class="body" id="new-key-warning">
                <strong>"It will not be shown again."</strong>
                " Sealpost keeps only a fingerprint of it. Put it in your clinic system now; if it is lost, create a new key and revoke this one."
            </p>
            <label class="label label--bold" for="new-key">"New API key"</label>
            // A text area, not an input: the whole key wraps into view, even on a phone.
            <textarea
                class="input new-key__value"
                id="new-key"
                rows="2"
                readonly
                autocomplete="off"
                spellcheck="false"
                aria-describedby="new-key-warning"
                prop:value=key.key.clone()
                on:focus=select_all
            ></textarea>
            <p class="notification__text new-key__copied" role="status">
                {move || match copied.get() {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Your browser did not copy it: select the key and copy it yourself.",
                    None => "",
                }}
            </p>
            <div class="button-group">
                <button type="button" class="button" on:click=copy_key>"Copy key"</button>
                <button type="button" class="button button--secondary" on:click=move |_| on_copied.run(())>
                    "I have copied the key"
                </button>
            </div>
        </div>
    }
}
