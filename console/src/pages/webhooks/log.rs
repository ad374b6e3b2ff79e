//! The delivery log: the newest 100 events, each with its id, type, attempts, the receiver's
//! last answer, and when it was delivered or will next be tried.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::webhook_settings::{DeliveryEntry, DeliveryState};

use super::calls;
use crate::api::ApiFailure;
use crate::components::Loading;
use crate::logic::format_time;

fn state_label(entry: &DeliveryEntry) -> &'static str {
    match entry.state {
        DeliveryState::Pending if entry.attempts == 0 => "Waiting",
        DeliveryState::Pending => "Retrying",
        DeliveryState::Delivered => "Delivered",
        DeliveryState::Failed => "Failed",
    }
}

fn last_answer(entry: &DeliveryEntry) -> String {
    match (&entry.last_status, &entry.last_error) {
        (_, Some(error)) => error.clone(),
        (Some(status), None) => format!("answered {status}"),
        (None, None) => "—".to_owned(),
    }
}

fn when(entry: &DeliveryEntry) -> String {
    match (entry.delivered_at, entry.next_attempt_at) {
        (Some(at), _) => format!("delivered {}", format_time(at)),
        (None, Some(at)) => format!("next try {}", format_time(at)),
        (None, None) => "not tried again".to_owned(),
    }
}

#[component]
pub fn DeliveryLogSection() -> impl IntoView {
    let loaded = RwSignal::new(None::<Result<Vec<DeliveryEntry>, ApiFailure>>);
    let reload = move || spawn_local(async move { loaded.set(Some(calls::deliveries().await)) });
    reload();
    let table = move || {
        match loaded.get() {
        None => view! { <Loading text="Loading the deliveries" /> }.into_any(),
        Some(Err(f)) => view! {
            <p class="error-message" role="alert">{format!("We could not load the deliveries. {}", f.message())}</p>
        }
        .into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="body">"No events yet."</p> }.into_any()
        }
        Some(Ok(list)) => {
            let rows = list
                .into_iter()
                .map(|e| {
                    let state = state_label(&e);
                    let answer = last_answer(&e);
                    let when = when(&e);
                    view! {
                        <tr>
                            <td>{format_time(e.created_at)}</td>
                            <td>{e.event_type.clone()}</td>
                            <td><code>{e.id.clone()}</code></td>
                            <td>{state}</td>
                            <td>{e.attempts}</td>
                            <td>{answer}</td>
                            <td>{when}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-wrap" tabindex="0" role="region" aria-labelledby="deliveries-heading">
                    <table class="table">
                        <caption class="visually-hidden">"Webhook deliveries, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Event"</th>
                                <th scope="col">"Event id"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Attempts"</th>
                                <th scope="col">"Last answer"</th>
                                <th scope="col">"Delivered or next try"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    }
    };
    view! {
        <section class="team-section" aria-labelledby="deliveries-heading">
            <h2 class="heading-m" id="deliveries-heading">"Deliveries"</h2>
            <button type="button" class="button button--secondary" on:click=move |_| reload()>
                "Refresh"
            </button>
            {table}
        </section>
    }
}
