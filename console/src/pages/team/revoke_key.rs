//! "Revoke …?": the confirmation before a key stops working. It cannot be undone.

use leptos::prelude::*;
use sealpost_shared::staff::ApiKeyEntry;

use crate::api;
use crate::components::ConfirmDialog;

pub const REVOKE_DIALOG: &str = "revoke-key-dialog";

#[component]
pub fn RevokeKeyDialog(
    /// The key being revoked; set before the dialog opens.
    key: RwSignal<Option<ApiKeyEntry>>,
    on_revoked: Callback<String>,
) -> impl IntoView {
    let named =
        move |f: fn(&ApiKeyEntry) -> String| move || key.get().map(|k| f(&k)).unwrap_or_default();
    view! {
        <ConfirmDialog
            id=REVOKE_DIALOG
            item=key
            title=named(|k| format!("Revoke the key “{}”?", k.name))
            explanation=named(|k| format!(
                "Anything using the key {} stops working at once. This cannot be undone: to connect that system again, create a new key.",
                k.hint
            ))
            confirm="Revoke key"
            action=|chosen: ApiKeyEntry| async move {
                api::revoke_api_key(&chosen.id).await.map(|()| {
                    format!(
                        "The key “{}” was revoked: anything still using it is refused.",
                        chosen.name
                    )
                })
            }
            on_done=on_revoked
        />
    }
}
