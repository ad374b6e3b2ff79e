//! "Create a key": what it is for. The answer carries the key, which [`super::new_key`] shows.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::staff::CreatedApiKey;

use crate::api;
use crate::components::ErrorSummary;
use crate::logic::team::parse_key_name;
use crate::logic::Problem;

#[component]
pub fn NewKeyForm(on_created: Callback<CreatedApiKey>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        match parse_key_name(&name.get_untracked()) {
            Err(found) => {
                failure.set(None);
                problem.set(Some(found));
            }
            Ok(chosen) => {
                problem.set(None);
                busy.set(true);
                spawn_local(async move {
                    let result = api::create_api_key(&chosen).await;
                    busy.set(false);
                    match result {
                        Ok(created) => {
                            failure.set(None);
                            name.set(String::new());
                            on_created.run(created);
                        }
                        Err(refused) => failure.set(Some(refused.message())),
                    }
                });
            }
        }
    };
    view! {
        <h3 class="heading-s" id="key-form-heading">"Create a key"</h3>
        {move || problem.get().map(|found| view! { <ErrorSummary items=vec![found] /> })}
        {move || failure.get().map(|text| view! { <p class="error-message" role="alert">{text}</p> })}
        <form class="team-form" aria-labelledby="key-form-heading" on:submit=submit novalidate>
            <div class="form-group form-group--tight">
                <label class="label" for="key-name">"What the key is for"</label>
                <p class="hint" id="key-name-hint">
                    "For example “Practice management system”. The key is shown once, when it is created."
                </p>
                <input
                    class="input input--wide"
                    class:input--error=move || problem.get().is_some()
                    id="key-name"
                    type="text"
                    autocomplete="off"
                    maxlength="80"
                    aria-describedby="key-name-hint"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </div>
            <button type="submit" class="button" aria-disabled=move || busy.get().then_some("true")>
                "Create key"
            </button>
        </form>
    }
}
