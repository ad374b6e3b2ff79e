//! "Revoke …?": the confirmation before a key stops working. It cannot be undone.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::staff::ApiKeyEntry;

use crate::api;
use crate::components::close_dialog;

pub const REVOKE_DIALOG: &str = "revoke-key-dialog";

#[component]
pub fn RevokeKeyDialog(
    /// The key being revoked; set before the dialog opens.
    key: RwSignal<Option<ApiKeyEntry>>,
    on_revoked: Callback<String>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let named =
        move |f: fn(&ApiKeyEntry) -> String| move || key.get().map(|k| f(&k)).unwrap_or_default();
    Effect::new(move || {
        key.track();
        error.set(None);
    });
    let revoke = move |_| {
        let Some(chosen) = key.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::revoke_api_key(&chosen.id).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    close_dialog(REVOKE_DIALOG);
                    on_revoked.run(format!(
                        "The key “{}” was revoked: anything still using it is refused.",
                        chosen.name
                    ));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    view! {
        <dialog
            class="dialog"
            id=REVOKE_DIALOG
            aria-labelledby="revoke-key-title"
            aria-describedby="revoke-key-explanation"
        >
            <h2 class="heading-m" id="revoke-key-title">
                {named(|k| format!("Revoke the key “{}”?", k.name))}
            </h2>
            <p class="body" id="revoke-key-explanation">
                {named(|k| format!(
                    "Anything using the key {} stops working at once. This cannot be undone: to connect that system again, create a new key.",
                    k.hint
                ))}
            </p>
            {move || error.get().map(|text| view! { <p class="error-message" role="alert">{text}</p> })}
            <div class="button-group">
                <button
                    type="button"
                    class="button button--warning"
                    aria-disabled=move || busy.get().then_some("true")
                    on:click=revoke
                >
                    "Revoke key"
                </button>
                <button
                    type="button"
                    class="button button--secondary"
                    on:click=move |_| close_dialog(REVOKE_DIALOG)
                >
                    "Cancel"
                </button>
            </div>
        </dialog>
    }
}
