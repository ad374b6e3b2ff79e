//! `/console/patients/{id}`: the patient's file and the share panel, one file per part:
//!
//! - this module loads the file and assembles the page;
//! - [`state`]: what one patient's file holds while on screen;
//! - `documents`: the documents (most recently viewed first) with their filter;
//! - `share_panel`: the share panel, with `selection`, `recipients` and `sections`
//!   (consultation-note sections) inside it;
//! - `preview`: the in-window preview beside the selection;
//! - `unshare`: the unshare dialog;
//! - `history`: the sharing history and the activity from the audit.
//!
//! Loading is keyed on the patient in the address (`sealpost_frontkit::latest`): when staff
//! move to another patient (Back, Forward, a link), the fetch for the one before is dropped
//! and only the answer for the patient now in the address is ever shown; until it comes, the
//! page shows what it showed.

mod documents;
mod history;
mod preview;
mod recipients;
mod sections;
mod selection;
mod share_panel;
pub mod state;
mod unshare;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sealpost_shared::staff::Action;
use sealpost_shared::wire::{PatientFile, PracticeSettings, StaffDocument};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;

use sealpost_frontkit::latest::{current, latest};

use crate::api::{self, ApiFailure};
use crate::app::use_staff;
use crate::components::{messages, show_dialog, Loading, PageHeading};
use crate::logic::format_date;

pub use state::{drag_payload, SELECTION_CHANNEL};
use state::{dropped_doc, PanelState};

#[component]
pub fn PatientPage() -> impl IntoView {
    let params = use_params_map();
    let patient_id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    // The file and its documents as one answer, so the two always belong to the same patient,
    // and only ever the answer for the patient now in the address.
    let loaded = latest(patient_id, |id: String| async move {
        let file = api::patient_file(&id).await?;
        let docs = api::documents(&id).await?;
        Ok::<_, ApiFailure>((file, docs))
    });
    let settings = LocalResource::new(api::settings);
    view! {
        <Transition fallback=|| view! { <Loading text="Loading the patient's file" /> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <PageHeading text="We could not open this patient's file" />
                    <p class="body">{move || messages(&errors)}</p>
                    <a href="/console">"Find a patient"</a>
                }
            }>
                {move || Suspend::new(async move {
                    current(loaded, patient_id).await.map(|(file, docs)| {
                        view! { <PatientFileView file=file docs=docs settings=settings /> }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// One patient's file, with its own [`PanelState`]: made anew for each patient.
#[component]
fn PatientFileView(
    file: PatientFile,
    docs: Vec<StaffDocument>,
    settings: LocalResource<Result<PracticeSettings, ApiFailure>>,
) -> impl IntoView {
    let state = PanelState::new(file.patient.id.to_string(), docs, settings);
    listen_to_pop_outs(state);
    let staff = use_staff();
    let can_share = staff.may(Action::Share);
    let can_unshare = staff.may(Action::Unshare);
    let patient = file.patient.clone();
    let name = patient.name.clone();
    let menu_open = RwSignal::new(false);
    let revoked_at_load = file.revoked;
    let revoked = move || {
        state
            .activity
            .get()
            .and_then(|a| a.revoked)
            .unwrap_or(revoked_at_load)
    };

    view! {
        <div class="patient-head">
            <div>
                <PageHeading text=name.clone() />
                <p class="patient-head__meta">
                    {format!("Born {} · ID {} · ", format_date(patient.date_of_birth), patient.id)}
                    {match (&patient.email, file.email_valid) {
                        (Some(email), true) => email.clone(),
                        (None, _) => "no email address on file".to_owned(),
                        (Some(_), false) => "no valid email address on file".to_owned(),
                    }}
                </p>
                {move || revoked().then(|| view! {
                    <p class="tag tag--red">"Access revoked: links and sessions no longer work"</p>
                })}
            </div>
            {can_unshare.then(|| view! {
                <div class="menu">
                    <button
                        type="button"
                        class="button button--secondary menu__button"
                        id="more-options"
                        aria-expanded=move || if menu_open.get() { "true" } else { "false" }
                        aria-controls="more-options-menu"
                        on:click=move |_| menu_open.update(|o| *o = !*o)
                    >
                        "More options"
                    </button>
                    <ul class="menu__list" id="more-options-menu" hidden=move || !menu_open.get()>
                        <li>
                            <button
                                type="button"
                                class="menu__item"
                                on:click=move |_| {
                                    menu_open.set(false);
                                    show_dialog("unshare-dialog");
                                }
                            >
                                "Unshare"
                            </button>
                        </li>
                    </ul>
                </div>
            })}
        </div>
        {move || state.notice.get().map(|text| view! {
            <div class="notification" role="status">
                <p class="notification__text">{text}</p>
            </div>
        })}
        <div class="patient-layout">
            <documents::DocumentsSection state=state can_share=can_share />
            {if can_share {
                view! { <share_panel::SharePanel state=state file=file.clone() /> }.into_any()
            } else {
                view! {
                    <section class="share-panel" aria-labelledby="share-heading">
                        <h2 class="heading-m" id="share-heading">"Sharing"</h2>
                        <p class="body">
                            "Your role lets you look at documents and the sharing history. To share or unshare, ask your practice's administrator for the sharer role."
                        </p>
                    </section>
                }
                .into_any()
            }}
        </div>
        <history::HistorySection state=state file=file.clone() can_share=can_share />
        <preview::PreviewDialog state=state can_share=can_share />
        {can_unshare.then(|| view! { <unshare::UnshareDialog state=state file=file.clone() /> })}
    }
}

/// The pop-out preview adds documents through a same-origin broadcast channel, closed when
/// this file goes.
fn listen_to_pop_outs(state: PanelState) {
    let Ok(channel) = web_sys::BroadcastChannel::new(SELECTION_CHANNEL) else {
        return;
    };
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if let Some(payload) = ev.data().as_string() {
                if let Some(doc) = dropped_doc(&payload, &state.id()) {
                    state.tick(&doc);
                }
            }
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let channel = StoredValue::new_local(channel);
    // The handler lives as long as the channel: both go when the file does.
    let on_message = StoredValue::new_local(on_message);
    on_cleanup(move || {
        channel.with_value(|c| {
            c.set_onmessage(None);
            c.close();
        });
        on_message.dispose();
    });
}
