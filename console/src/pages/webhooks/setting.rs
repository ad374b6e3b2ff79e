//! The webhook's address, set by an administrator. Saving a first address (or asking for a
//! new secret) shows the signing secret this one time; Sealpost never shows it again.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::webhook_settings::WebhookSettings;

use super::calls;
use crate::api::ApiFailure;
use crate::app::use_staff;
use crate::components::{focus_by_id, Loading};
use sealpost_shared::staff::Action;

#[component]
pub fn WebhookSetting() -> impl IntoView {
    let admin = use_staff().may(Action::ChangeSettings);
    let loaded = RwSignal::new(None::<Result<Option<WebhookSettings>, ApiFailure>>);
    let url = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            let got = calls::webhook().await;
            if let Ok(Some(current)) = &got {
                url.set(current.url.clone());
            }
            loaded.set(Some(got));
        })
    };
    if admin {
        reload();
    }
    let save = move |new_secret: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let result = calls::save(&url.get_untracked(), new_secret).await;
            busy.set(false);
            match result {
                Ok(saved) => {
                    failure.set(None);
                    secret.set(saved.secret);
                    notice.set(Some("The webhook is saved.".to_owned()));
                    reload();
                    focus_by_id("webhook-heading");
                }
                Err(refused) => failure.set(Some(refused.message())),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A first webhook needs a secret; changing the address keeps the current one.
        let first = !matches!(loaded.get_untracked(), Some(Ok(Some(_))));
        save(first);
    };
    let remove = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = calls::remove().await;
            busy.set(false);
            match result {
                Ok(()) => {
                    url.set(String::new());
                    secret.set(None);
                    notice.set(Some(
                        "The webhook is removed: no more events are sent.".to_owned(),
                    ));
                    reload();
                }
                Err(refused) => failure.set(Some(refused.message())),
            }
        });
    };
    let current = move || {
        match loaded.get() {
        None => view! { <Loading text="Loading the webhook" /> }.into_any(),
        Some(Err(f)) => view! {
            <p class="error-message" role="alert">{format!("We could not load the webhook. {}", f.message())}</p>
        }
        .into_any(),
        Some(Ok(None)) => view! { <p class="body" id="webhook-state">"No webhook is set: no events are sent."</p> }.into_any(),
        Some(Ok(Some(w))) => view! {
            <p class="body" id="webhook-state">
                "Events are sent to "
                <code>{w.url}</code>
                ", signed with the practice's secret."
            </p>
        }
        .into_any(),
    }
    };
    view! {
        <section class="team-section" aria-labelledby="webhook-heading">
            <h2 class="heading-m" id="webhook-heading" tabindex="-1">"Where events go"</h2>
            {move || notice.get().map(|text| view! {
                <div class="notification notification--success" role="status">
                    <p class="notification__text">{text}</p>
                </div>
            })}
            {move || secret.get().map(|value| view! {
                <div class="notification notification--success new-key" role="region" aria-labelledby="webhook-secret-heading">
                    <h3 class="heading-s" id="webhook-secret-heading">"Copy the signing secret now"</h3>
                    <p class="body" id="webhook-secret-warning">
                        <strong>"It will not be shown again."</strong>
                        " Your clinic system uses it to check that each event comes from Sealpost."
                    </p>
                    <label class="label label--bold" for="webhook-secret">"Signing secret"</label>
                    <textarea class="input new-key__value" id="webhook-secret" rows="2" readonly
                        spellcheck="false" aria-describedby="webhook-secret-warning" prop:value=value></textarea>
                    <button type="button" class="button button--secondary" on:click=move |_| secret.set(None)>
                        "I have copied the secret"
                    </button>
                </div>
            })}
            {move || failure.get().map(|text| view! { <p class="error-message" role="alert">{text}</p> })}
            {if admin {
                view! {
                    {current}
                    <form class="team-form" aria-labelledby="webhook-heading" on:submit=submit novalidate>
                        <div class="form-group form-group--tight">
                            <label class="label" for="webhook-url">"Web address"</label>
                            <p class="hint" id="webhook-url-hint">"An https:// address of your clinic system."</p>
                            <input class="input input--wide" id="webhook-url" type="url" autocomplete="off"
                                maxlength="300" aria-describedby="webhook-url-hint"
                                prop:value=move || url.get()
                                on:input=move |ev| url.set(event_target_value(&ev)) />
                        </div>
                        <div class="button-group">
                            <button type="submit" class="button" aria-disabled=move || busy.get().then_some("true")>
                                "Save web address"
                            </button>
                            {move || matches!(loaded.get(), Some(Ok(Some(_)))).then(|| view! {
                                <button type="button" class="button button--secondary" on:click=move |_| save(true)>
                                    "Make a new secret"
                                </button>
                                <button type="button" class="button button--warning" on:click=remove>
                                    "Remove webhook"
                                </button>
                            })}
                        </div>
                    </form>
                }
                .into_any()
            } else {
                view! { <p class="body">"Only administrators can change where events go."</p> }.into_any()
            }}
        </section>
    }
}
