//! The sharing history (who was sent what, how, whether the email went, and each recipient's
//! read receipt) with "Share again", and the activity from the audit.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use sealpost_shared::ids::DocumentId;
use sealpost_shared::wire::PatientFile;

use super::state::PanelState;
use crate::api::{AuditEntry, ShareEntry};
use crate::components::{focus_by_id, messages, Loading, ReadReceiptList};
use crate::logic::{
    contact_label, delivery_label, event_label, format_time, method_label, recipient_from_label,
    RecipientKey,
};

#[component]
pub(super) fn HistorySection(
    state: PanelState,
    file: PatientFile,
    can_share: bool,
) -> impl IntoView {
    let people = move |label: &str| -> String {
        match recipient_from_label(label) {
            Some(RecipientKey::Patient) => format!("{} (patient)", file.patient.name),
            Some(RecipientKey::Relationship(id)) => file
                .relationships
                .iter()
                .find(|c| c.id.as_str() == id)
                .map(contact_label)
                .unwrap_or(id),
            Some(RecipientKey::PracticeContact(id)) => file
                .practice_contacts
                .iter()
                .find(|c| c.id.as_str() == id)
                .map(contact_label)
                .unwrap_or(id),
            None => label.to_owned(),
        }
    };
    let people = StoredValue::new(people);
    // The shares, each email with its recipient's read receipt (recorded against that recipient
    // and each document, not inferred from the audit).
    let shares = move |list: Vec<ShareEntry>| -> AnyView {
        if list.is_empty() {
            return view! { <p class="body">"Nothing has been shared with anyone yet."</p> }
                .into_any();
        }
        let docs = state.docs_list();
        let mut items = Vec::new();
        for share in list {
            let titles: Vec<String> = share
                .documents
                .iter()
                .map(|id| {
                    docs.iter()
                        .find(|d| d.id.as_str() == id)
                        .map(|d| d.title.clone())
                        .unwrap_or_else(|| "a deleted document".to_owned())
                })
                .collect();
            let deliveries = share
                .deliveries
                .iter()
                .map(|d| {
                    let who = d
                        .recipient_label
                        .as_deref()
                        .map(|l| people.with_value(|p| p(l)))
                        .unwrap_or_else(|| "Recipient".to_owned());
                    let mut status = delivery_label(d.status).to_owned();
                    if d.attempts > 1 {
                        status.push_str(&format!(" after {} attempts", d.attempts));
                    }
                    if let Some(err) = d.last_error.as_deref().filter(|e| !e.is_empty()) {
                        status.push_str(&format!(" (last error: {err})"));
                    }
                    let known = docs.clone();
                    let title_of = move |id: &str| {
                        known
                            .iter()
                            .find(|doc| doc.id.as_str() == id)
                            .map(|doc| doc.title.clone())
                            .unwrap_or_else(|| "a deleted document".to_owned())
                    };
                    view! {
                        <li>
                            {d.reminder.then_some("Reminder: ")}
                            {format!("{who}, {}: ", d.to_email)}
                            <strong>{status}</strong>
                            <ReadReceiptList receipt=d.receipt.clone() title_of=title_of />
                        </li>
                    }
                })
                .collect_view();
            let again = can_share.then(|| {
                let share = share.clone();
                view! {
                    <button
                        type="button"
                        class="button button--secondary share-entry__again"
                        on:click=move |_| {
                            let docs = state.docs_list();
                            let ticked: BTreeSet<DocumentId> = docs
                                .iter()
                                .filter(|d| share.documents.iter().any(|s| s == d.id.as_str()))
                                .map(|d| d.id.clone())
                                .collect();
                            let recipients: BTreeSet<RecipientKey> = share
                                .deliveries
                                .iter()
                                .filter_map(|d| d.recipient_label.as_deref().and_then(recipient_from_label))
                                .collect();
                            state.ticked.set(ticked);
                            state.recipients.set(recipients);
                            state.method.set(share.method);
                            state.sections.set(BTreeMap::new());
                            state.outcome.set(None);
                            state.problems.set(Vec::new());
                            focus_by_id("share-heading");
                        }
                    >
                        "Share again"
                        <span class="visually-hidden">{format!(" (shared {})", format_time(share.created_at))}</span>
                    </button>
                }
            });
            items.push(view! {
                <li class="share-entry">
                    <h3 class="heading-s">
                        {format!("{} by {}", method_label(share.method), share.staff)}
                    </h3>
                    <p class="doc__meta">{format_time(share.created_at)}</p>
                    <p class="body share-entry__docs">{format!("Documents: {}", titles.join(", "))}</p>
                    <ul class="share-entry__deliveries">{deliveries}</ul>
                    {again}
                </li>
            });
        }
        view! { <ul class="share-list">{items}</ul> }.into_any()
    };
    let audit = move |entries: Vec<AuditEntry>| -> AnyView {
        if entries.is_empty() {
            return view! { <p class="body">"No activity yet."</p> }.into_any();
        }
        {
            let rows = entries
                .into_iter()
                .rev()
                .map(|e| {
                    view! {
                        <tr>
                            <td>{format_time(e.at)}</td>
                            <td>{event_label(&e.event)}</td>
                            <td>{e.actor}</td>
                            <td>{e.detail}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-wrap" tabindex="0" role="region" aria-labelledby="activity-heading">
                    <table class="table">
                        <caption class="visually-hidden">"Everything that happened to this patient's documents, newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"What"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"Detail"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    // Each part keeps what it shows until a reload (after a share or an unshare) arrives.
    let loaded = state.activity;
    view! {
        <section class="history" aria-labelledby="history-heading">
            <h2 class="heading-m" id="history-heading">"Sharing history"</h2>
            <Transition fallback=|| view! { <Loading text="Loading the sharing history" /> }>
                <ErrorBoundary fallback=failed>
                    {move || Suspend::new(async move {
                        let found = loaded.await;
                        found.shares.map(shares)
                    })}
                </ErrorBoundary>
            </Transition>
            <h2 class="heading-m" id="activity-heading">"Activity"</h2>
            <Transition fallback=|| ()>
                <ErrorBoundary fallback=failed>
                    {move || Suspend::new(async move { loaded.await.history.map(audit) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// What could not be read, in the API's words.
fn failed(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! { <p class="error-message">{move || messages(&errors)}</p> }
}
