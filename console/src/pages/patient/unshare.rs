//! The unshare dialog: revoke everything, one recipient, or one document, after confirming.

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::ids::DocumentId;
use sealpost_shared::wire::{PatientFile, UnshareRequest};

use super::state::PanelState;
use crate::api;
use crate::components::close_dialog;
use crate::logic::{contact_label, RecipientKey};

#[derive(Clone, Copy, PartialEq, Eq)]
enum UnshareScope {
    Everything,
    Recipient,
    Document,
}

#[component]
pub(super) fn UnshareDialog(state: PanelState, file: PatientFile) -> impl IntoView {
    let scope = RwSignal::new(UnshareScope::Everything);
    let recipient = RwSignal::new(String::new());
    let document_choice = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = file.patient.name.clone();

    let mut people = vec![(
        RecipientKey::Patient.value(),
        format!("{} (patient)", file.patient.name),
    )];
    for c in &file.relationships {
        people.push((
            RecipientKey::Relationship(c.id.to_string()).value(),
            contact_label(c),
        ));
    }
    for c in &file.practice_contacts {
        people.push((
            RecipientKey::PracticeContact(c.id.to_string()).value(),
            contact_label(c),
        ));
    }
    if let Some((first, _)) = people.first() {
        recipient.set(first.clone());
    }
    let name_for_notice = name.clone();
    let revoke = move |_| {
        if busy.get_untracked() {
            return;
        }
        let body = match scope.get_untracked() {
            UnshareScope::Everything => UnshareRequest {
                staff: String::new(),
                recipient: None,
                document_id: None,
            },
            UnshareScope::Recipient => UnshareRequest {
                staff: String::new(),
                recipient: RecipientKey::from_value(&recipient.get_untracked())
                    .and_then(|k| k.to_ref()),
                document_id: None,
            },
            UnshareScope::Document => UnshareRequest {
                staff: String::new(),
                recipient: None,
                document_id: DocumentId::try_from(document_choice.get_untracked()).ok(),
            },
        };
        if scope.get_untracked() != UnshareScope::Everything
            && body.recipient.is_none()
            && body.document_id.is_none()
        {
            error.set(Some("Choose who or what to revoke.".to_owned()));
            return;
        }
        busy.set(true);
        let notice = match scope.get_untracked() {
            UnshareScope::Everything => format!(
                "Access revoked: every link and session of {name_for_notice} stopped working. Sharing again restores access to everything shared before."
            ),
            UnshareScope::Recipient => "Access revoked for the chosen recipient.".to_owned(),
            UnshareScope::Document => "The document was withdrawn from every share.".to_owned(),
        };
        let id = state.id();
        spawn_local(async move {
            let result = api::unshare(&id, &body).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    error.set(None);
                    close_dialog("unshare-dialog");
                    state.notice.set(Some(notice));
                    state.reload_activity();
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };

    let docs_options = move || {
        state
            .docs_list()
            .into_iter()
            .map(|d| view! { <option value=d.id.to_string()>{d.title.clone()}</option> })
            .collect_view()
    };

    view! {
        <dialog class="dialog" id="unshare-dialog" aria-labelledby="unshare-title" aria-describedby="unshare-explanation">
            <h2 class="heading-m" id="unshare-title">{format!("Unshare {name}'s documents")}</h2>
            <p class="body" id="unshare-explanation">
                "Revoking access stops the links and sessions at once. Sharing again later restores access to everything shared before."
            </p>
            {move || error.get().map(|e| view! { <p class="error-message" role="alert">{e}</p> })}
            <fieldset class="fieldset form-group">
                <legend class="label label--bold">"What to revoke"</legend>
                <div class="radio">
                    <input class="radio__input" type="radio" name="unshare-scope" id="unshare-all"
                        prop:checked=move || scope.get() == UnshareScope::Everything
                        on:change=move |_| scope.set(UnshareScope::Everything) />
                    <label class="radio__label" for="unshare-all">"Everything shared with everyone"</label>
                </div>
                <div class="radio">
                    <input class="radio__input" type="radio" name="unshare-scope" id="unshare-recipient"
                        prop:checked=move || scope.get() == UnshareScope::Recipient
                        on:change=move |_| scope.set(UnshareScope::Recipient) />
                    <label class="radio__label" for="unshare-recipient">"One recipient"</label>
                </div>
                {move || (scope.get() == UnshareScope::Recipient).then(|| {
                    let options = people
                        .iter()
                        .map(|(value, label)| view! { <option value=value.clone()>{label.clone()}</option> })
                        .collect_view();
                    view! {
                        <div class="conditional">
                            <label class="label" for="unshare-who">"Recipient"</label>
                            <select class="select" id="unshare-who"
                                on:change=move |ev| recipient.set(event_target_value(&ev))>
                                {options}
                            </select>
                        </div>
                    }
                })}
                <div class="radio">
                    <input class="radio__input" type="radio" name="unshare-scope" id="unshare-document"
                        prop:checked=move || scope.get() == UnshareScope::Document
                        on:change=move |_| {
                            scope.set(UnshareScope::Document);
                            if document_choice.get_untracked().is_empty() {
                                if let Some(d) = state.docs_list().first() {
                                    document_choice.set(d.id.to_string());
                                }
                            }
                        } />
                    <label class="radio__label" for="unshare-document">"One document"</label>
                </div>
                {move || (scope.get() == UnshareScope::Document).then(|| view! {
                    <div class="conditional">
                        <label class="label" for="unshare-what">"Document"</label>
                        <select class="select" id="unshare-what"
                            on:change=move |ev| document_choice.set(event_target_value(&ev))>
                            {docs_options()}
                        </select>
                    </div>
                })}
            </fieldset>
            <div class="button-group">
                <button type="button" class="button button--warning"
                    aria-disabled=move || busy.get().then_some("true")
                    on:click=revoke>
                    "Revoke access"
                </button>
                <button type="button" class="button button--secondary"
                    on:click=move |_| close_dialog("unshare-dialog")>
                    "Cancel"
                </button>
            </div>
        </dialog>
    }
}
