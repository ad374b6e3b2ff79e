//! `/console`: find a patient by name or id.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use sealpost_shared::wire::PatientSummary;

use crate::api::{self, ApiFailure};
use crate::components::{Loading, PageHeading};
use crate::logic::{format_date, patient_path};

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Result<Vec<PatientSummary>, ApiFailure>>);
    let searching = RwSignal::new(false);
    let searched_for = RwSignal::new(String::new());

    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        searching.set(true);
        spawn_local(async move {
            let found = api::find_patients(&q).await;
            searched_for.set(q);
            results.set(Some(found));
            searching.set(false);
        });
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
        {move || {
            if searching.get() {
                return view! { <Loading text="Searching" /> }.into_any();
            }
            match results.get() {
                None => ().into_any(),
                Some(Err(failure)) => {
                    view! {
                        <p class="error-message" role="alert">
                            {failure.message()}
                        </p>
                    }
                        .into_any()
                }
                Some(Ok(list)) if list.is_empty() => {
                    view! {
                        <p class="body" role="status">
                            {format!("No patients match “{}”.", searched_for.get_untracked())}
                        </p>
                    }
                        .into_any()
                }
                Some(Ok(list)) => {
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
        }}
    }
}
