//! `/console`: find a patient by name or id.

use leptos::prelude::*;
use leptos_router::components::A;

use sealpost_frontkit::latest::{current, latest};

use crate::api;
use crate::components::{Loading, PageHeading};
use crate::logic::{format_date, patient_path};

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    // Each search as submitted (numbered, so searching again for the same words asks again):
    // the results follow it, and only the answer to the latest search is ever shown, however
    // the answers to earlier ones arrive.
    let submitted = RwSignal::new(None::<(u32, String)>);
    let searching = RwSignal::new(false);
    let search_key = Memo::new(move |_| submitted.get());
    let found = latest(search_key, |asked: Option<(u32, String)>| async move {
        match asked {
            Some((_, q)) => {
                let answer = api::find_patients(&q).await;
                Some((q, answer))
            }
            None => None,
        }
    });

    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        submitted.update(|s| *s = Some((s.as_ref().map_or(0, |(n, _)| n.wrapping_add(1)), q)));
    };

    view! {
        <PageHeading text="Find a patient" />
        <form class="search" role="search" on:submit=search>
            <label class="label label--bold" for="patient-search">
                "Name or patient ID"
            </label>
            <div class="search__row">
                <input
                    class="input search__input"
                    id="patient-search"
                    name="q"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
                <button type="submit" class="button search__button">
                    "Search"
                </button>
            </div>
        </form>
        {move || searching.get().then(|| view! { <Loading text="Searching" /> })}
        <Transition fallback=|| () set_pending=searching.write_only()>
            {move || Suspend::new(async move {
                match current(found, search_key).await {
                None => ().into_any(),
                Some((_, Err(failure))) => {
                    view! {
                        <p class="error-message" role="alert">
                            {failure.message()}
                        </p>
                    }
                        .into_any()
                }
                Some((searched_for, Ok(list))) if list.is_empty() => {
                    view! {
                        <p class="body" role="status">
                            {format!("No patients match “{searched_for}”.")}
                        </p>
                    }
                        .into_any()
                }
                Some((_, Ok(list))) => {
                    let count = list.len();
                    view! {
                        <h2 class="heading-m" role="status">
                            {if count == 1 {
                                "1 patient".to_owned()
                            } else {
                                format!("{count} patients")
                            }}
                        </h2>
                        <ul class="patient-list">
                            {list
                                .into_iter()
                                .map(|p| {
                                    view! {
                                        <li class="patient-list__item">
                                            <A href=patient_path(p.id.as_str())>{p.name.clone()}</A>
                                            <span class="patient-list__meta">
                                                {format!(
                                                    "Born {} · ID {}",
                                                    format_date(p.date_of_birth),
                                                    p.id,
                                                )}
                                            </span>
                                            {p
                                                .revoked
                                                .then(|| {
                                                    view! { <strong class="tag tag--grey">"Access revoked"</strong> }
                                                })}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
                }
            })}
        </Transition>
    }
}
