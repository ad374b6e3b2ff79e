//! The practice's clinic API keys: name, hint (never the key), who created each and when,
//! whether revoked. A key just created is shown its one time above the list.

use leptos::prelude::*;
use sealpost_shared::staff::{ApiKeyEntry, CreatedApiKey};

use super::key_form::NewKeyForm;
use super::new_key::NewKeyOnce;
use super::revoke_key::{RevokeKeyDialog, REVOKE_DIALOG};
use crate::api;
use crate::components::{focus_by_id, messages, show_dialog, Loading};
use crate::logic::format_time;
use crate::logic::team::keys_in_order;

#[component]
pub fn KeysSection() -> impl IntoView {
    let loaded = LocalResource::new(|| async { api::api_keys().await.map(keys_in_order) });
    let notice = RwSignal::new(None::<String>);
    let revoking = RwSignal::new(None::<ApiKeyEntry>);
    // Held only while it is on screen: dismissing it (or leaving the page) drops the key.
    let created = RwSignal::new(None::<CreatedApiKey>);
    // A reload keeps the list on screen until the new one arrives.
    let reload = move || loaded.refetch();
    let on_created = Callback::new(move |key: CreatedApiKey| {
        notice.set(None);
        created.set(Some(key));
        reload();
    });
    let on_copied = Callback::new(move |()| {
        created.set(None);
        focus_by_id("keys-heading");
    });
    let on_revoked = Callback::new(move |text: String| {
        notice.set(Some(text));
        reload();
        focus_by_id("keys-heading");
    });

    let row = move |key: ApiKeyEntry| {
        let revoke = {
            let key = key.clone();
            move |_| {
                revoking.set(Some(key.clone()));
                show_dialog(REVOKE_DIALOG);
            }
        };
        let status = match key.revoked_at {
            Some(at) => view! {
                <p class="team-list__meta">
                    <strong class="tag tag--grey">"Revoked"</strong>
                    {format!(" {}", format_time(at))}
                </p>
            }
            .into_any(),
            None => view! {
                <button type="button" class="link-button" on:click=revoke>
                    "Revoke"
                    <span class="visually-hidden">{format!(" the key “{}”", key.name)}</span>
                </button>
            }
            .into_any(),
        };
        view! {
            <li class="team-list__item">
                <div class="team-list__main">
                    <p class="team-list__title">{key.name.clone()}</p>
                    <p class="team-list__meta">
                        <code class="key-hint">{key.hint.clone()}</code>
                        {format!(" · created {} by {}", format_time(key.created_at), key.created_by)}
                    </p>
                </div>
                <div class="team-list__actions">{status}</div>
            </li>
        }
    };

    view! {
        <section class="team-section" aria-labelledby="keys-heading">
            <h2 class="heading-m" id="keys-heading" tabindex="-1">"API keys"</h2>
            <p class="body">
                "Your clinic system (the practice management system, for example) uses a key to send patients and documents to Sealpost. Give each system its own key, so that one can be revoked without stopping the others."
            </p>
            {move || notice.get().map(|text| view! {
                <div class="notification notification--success" role="status">
                    <p class="notification__text">{text}</p>
                </div>
            })}
            {move || created.get().map(|key| view! { <NewKeyOnce key=key on_copied=on_copied /> })}
            <Transition fallback=|| view! { <Loading text="Loading the keys" /> }>
                <ErrorBoundary fallback=|errors| view! {
                    <p class="error-message" role="alert">
                        {move || format!("We could not load the keys. {}", messages(&errors))}
                    </p>
                }>
                    {move || Suspend::new(async move {
                        loaded.await.map(|keys| if keys.is_empty() {
                            view! { <p class="body">"The practice has no keys yet."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="team-list">{keys.into_iter().map(row).collect_view()}</ul>
                            }
                                .into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <NewKeyForm on_created=on_created />
        </section>
        <RevokeKeyDialog key=revoking on_revoked=on_revoked />
    }
}
