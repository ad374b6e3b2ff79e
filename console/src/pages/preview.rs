//! `/console/preview/{patient}/{doc}`: the pop-out preview. It shows the document beside a
//! summary of the sharing panel; staff drag the document into the main window's selection
//! (HTML5 drag and drop works across windows) or press "Add to selection", which tells the
//! main window over a same-origin `BroadcastChannel`.

use leptos::ev::DragEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sealpost_shared::staff::Action;
use sealpost_shared::wire::{PatientFile, StaffDocument};

use sealpost_frontkit::latest::{current, latest};

use crate::api::{self, ApiFailure};
use crate::app::use_staff;
use crate::components::{messages, Loading, PageHeading};
use crate::logic::{
    content_path, format_date, format_size, patient_path, preview_kind, PreviewKind,
};
use crate::pages::patient::{drag_payload, SELECTION_CHANNEL};

#[component]
pub fn PreviewPage() -> impl IntoView {
    let params = use_params_map();
    let address = Memo::new(move |_| {
        let params = params.read();
        (
            params.get("patient").unwrap_or_default(),
            params.get("doc").unwrap_or_default(),
        )
    });
    let loaded = latest(address, |(patient, doc_id): (String, String)| async move {
        let file = api::patient_file(&patient).await?;
        let docs = api::documents(&patient).await?;
        let doc = docs.into_iter().find(|d| d.id.as_str() == doc_id);
        Ok::<_, ApiFailure>((patient, file, doc))
    });
    view! {
        <Transition fallback=|| view! { <Loading text="Loading the document" /> }>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <PageHeading text="We could not open this document" />
                    <p class="body">{move || messages(&errors)}</p>
                }
            }>
                {move || Suspend::new(async move {
                    current(loaded, address)
                        .await
                        .map(|(patient, file, doc)| view! { <Preview patient=patient file=file doc=doc /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The document (or that it is gone) beside a summary of the sharing panel.
#[component]
fn Preview(patient: String, file: PatientFile, doc: Option<StaffDocument>) -> impl IntoView {
    let added = RwSignal::new(false);
    let can_share = use_staff().may(Action::Share);
    match doc {
        None => view! {
            <PageHeading text="Document not found" />
            <p class="body">"It may have been deleted. Close this window and refresh the patient's file."</p>
        }
        .into_any(),
        Some(doc) => {
            let src = content_path(
                &patient,
                doc.id.as_str(),
                crate::tab::remembered_practice().as_deref(),
            );
            let payload = drag_payload(&patient, doc.id.as_str());
            let message = payload.clone();
            let shown = match preview_kind(&doc.content_type) {
                PreviewKind::Image => view! {
                    <img class="preview__image" src=src alt=format!("Preview of {}", doc.title) />
                }
                .into_any(),
                PreviewKind::Pdf => view! {
                    <p class="body"><a href=src target="_blank" rel="noopener">"Open the PDF"
                        <span class="visually-hidden">" (opens in a new tab)"</span></a></p>
                }
                .into_any(),
                PreviewKind::Other => view! {
                    <p class="body"><a href=src target="_blank" rel="noopener">"Open the document"
                        <span class="visually-hidden">" (opens in a new tab)"</span></a></p>
                }
                .into_any(),
            };
            let add = move |_| {
                if let Ok(channel) = web_sys::BroadcastChannel::new(SELECTION_CHANNEL) {
                    if channel.post_message(&message.clone().into()).is_ok() {
                        added.set(true);
                    }
                    channel.close();
                }
            };
            view! {
                <PageHeading text=doc.title.clone() />
                <div class="preview">
                    <div class="preview__document">
                        <div
                            class="preview__card"
                            draggable=if can_share { "true" } else { "false" }
                            on:dragstart=move |ev: DragEvent| {
                                if let Some(dt) = ev.data_transfer() {
                                    let _ = dt.set_data("text/plain", &payload);
                                }
                            }
                        >
                            <p class="doc__meta">
                                {format!("{} · {} · {}", doc.kind.label(), format_date(doc.date), format_size(doc.size))}
                            </p>
                            {can_share.then(|| view! {
                                <p class="hint">"Drag this document into the selection in the main window."</p>
                            })}
                            {shown}
                        </div>
                    </div>
                    <div class="preview__selection">
                        <h2 class="heading-s">"Sharing panel"</h2>
                        <p class="body">
                            {format!("Patient: {} (born {})", file.patient.name, format_date(file.patient.date_of_birth))}
                        </p>
                        <p class="body">
                            {format!("{} contacts on file, {} practice contacts", file.relationships.len(), file.practice_contacts.len())}
                        </p>
                        {can_share.then(|| view! {
                            <button type="button" class="button" on:click=add>"Add to selection"</button>
                            {move || added.get().then(|| view! {
                                <p class="body" role="status">"Added to the selection in the main window."</p>
                            })}
                        })}
                        <p class="body"><a href=patient_path(&patient)>"Back to the patient's file"</a></p>
                    </div>
                </div>
            }
            .into_any()
        }
    }
}
