//! The share panel: the selection, the recipients (only people on file, never a typed
//! address), the method, consultation-note sections, the sender the edge will use, and the
//! outcome of a share.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use sealpost_shared::wire::{PatientFile, ShareMethod};

use super::recipients::RecipientOption;
use super::sections::NoteSections;
use super::selection::SelectionList;
use super::state::PanelState;
use crate::api::{self, ApiFailure};
use crate::components::{focus_by_id, ErrorSummary};
use crate::logic::receipts::with_bounce_note;
use crate::logic::{
    build_share, contact_label, ineligible_reason, reason_text, sender_for, RecipientKey,
    ShareChoice,
};

#[component]
pub(super) fn SharePanel(state: PanelState, file: PatientFile) -> impl IntoView {
    let patient_email = file.patient.email.clone();
    let patient_reason = file.ineligible_reason.map(reason_text);
    let patient_bounced = file.email_bounced;
    let relationships = file
        .relationships
        .iter()
        .map(|c| {
            view! {
                <RecipientOption
                    state=state
                    key=RecipientKey::Relationship(c.id.to_string())
                    label=with_bounce_note(contact_label(c), c.email_bounced)
                    email=c.email.clone()
                    reason=ineligible_reason(c)
                />
            }
        })
        .collect_view();
    let practice = file
        .practice_contacts
        .iter()
        .map(|c| {
            view! {
                <RecipientOption
                    state=state
                    key=RecipientKey::PracticeContact(c.id.to_string())
                    label=with_bounce_note(contact_label(c), c.email_bounced)
                    email=c.email.clone()
                    reason=ineligible_reason(c)
                />
            }
        })
        .collect_view();
    let has_relationships = !file.relationships.is_empty();
    let has_practice = !file.practice_contacts.is_empty();

    let sender = move || {
        state.settings_now().map(|settings| {
            let docs = state.docs_list();
            sender_for(&docs, &state.ticked.get(), &settings)
        })
    };
    let sharing_off = move || matches!(state.settings_now(), Some(s) if !s.sharing_enabled);

    let patient_name = file.patient.name.clone();
    let share = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.sharing.get_untracked() {
            return;
        }
        let docs = state.docs_list();
        let ticked = state.ticked.get_untracked();
        let recipients = state.recipients.get_untracked();
        let sections = state.sections.get_untracked();
        let Ok(patient_id) = sealpost_shared::ids::PatientId::try_from(state.id()) else {
            return;
        };
        let built = build_share(&ShareChoice {
            patient_id: &patient_id,
            docs: &docs,
            ticked: &ticked,
            recipients: &recipients,
            method: state.method.get_untracked(),
            sections: &sections,
        });
        match built {
            Err(problems) => {
                state.outcome.set(None);
                state.problems.set(problems);
            }
            Ok(request) => {
                state.problems.set(Vec::new());
                state.sharing.set(true);
                spawn_local(async move {
                    let result = api::share(&request).await;
                    state.sharing.set(false);
                    if result.is_ok() {
                        state.ticked.set(BTreeSet::new());
                        state.sections.set(BTreeMap::new());
                        state.reload_activity();
                    }
                    state.outcome.set(Some(result));
                    focus_by_id("share-outcome");
                });
            }
        }
    };

    view! {
        <section class="share-panel" aria-labelledby="share-heading">
            <h2 class="heading-m" id="share-heading" tabindex="-1">"Share documents"</h2>
            {move || sharing_off().then(|| view! {
                <p class="inset">"Sharing is switched off for the practice. An administrator can switch it on in Settings."</p>
            })}
            {move || {
                let problems = state.problems.get();
                (!problems.is_empty()).then(|| view! { <ErrorSummary items=problems /> })
            }}
            <form on:submit=share novalidate>
                <h3 class="heading-s" id="selection-heading">"Selected documents"</h3>
                <SelectionList state=state />
                <fieldset class="fieldset form-group" id="recipients" tabindex="-1">
                    <legend class="heading-s">"Recipients"</legend>
                    <p class="hint">"Only people on file can be chosen. Addresses cannot be typed."</p>
                    <RecipientOption
                        state=state
                        key=RecipientKey::Patient
                        label=with_bounce_note(format!("{patient_name} (patient)"), patient_bounced)
                        email=patient_email.clone()
                        reason=patient_reason
                    />
                    {has_relationships.then(|| view! {
                        <h4 class="label label--bold recipients__group">"Relationships and emergency contacts"</h4>
                    })}
                    {relationships}
                    {has_practice.then(|| view! {
                        <h4 class="label label--bold recipients__group">"Practice contacts"</h4>
                    })}
                    {practice}
                </fieldset>
                <fieldset class="fieldset form-group">
                    <legend class="heading-s">"How to send"</legend>
                    <div class="radio">
                        <input
                            class="radio__input"
                            type="radio"
                            name="method"
                            id="method-link"
                            prop:checked=move || state.method.get() == ShareMethod::SecureLink
                            on:change=move |_| state.method.set(ShareMethod::SecureLink)
                        />
                        <label class="radio__label" for="method-link">"Secure link"</label>
                        <p class="checkbox__hint">"An email with a link; the recipient proves who they are in the portal."</p>
                    </div>
                    <div class="radio">
                        <input
                            class="radio__input"
                            type="radio"
                            name="method"
                            id="method-attachment"
                            prop:checked=move || state.method.get() == ShareMethod::Attachment
                            on:change=move |_| state.method.set(ShareMethod::Attachment)
                        />
                        <label class="radio__label" for="method-attachment">"Email attachment"</label>
                        <p class="checkbox__hint">"The files are attached to a plain email."</p>
                    </div>
                </fieldset>
                <NoteSections state=state patient_email=patient_email.clone() />
                <p class="sender" id="sender">
                    "Sent from: "
                    <strong>
                        {move || sender().unwrap_or_else(|| "the practice's address for these documents".to_owned())}
                    </strong>
                </p>
                <button
                    type="submit"
                    class="button"
                    aria-disabled=move || state.sharing.get().then_some("true")
                >
                    "Share"
                </button>
            </form>
            <div id="share-outcome" tabindex="-1">
                {move || state.outcome.get().map(|outcome| match outcome {
                    Ok(done) => view! {
                        <div class="notification notification--success" role="status">
                            <h3 class="heading-s">"Shared"</h3>
                            <p class="notification__text">
                                {format!(
                                    "{} email{} queued, {} sent, from {}.",
                                    done.emails_queued,
                                    if done.emails_queued == 1 { "" } else { "s" },
                                    done.emails_sent,
                                    done.sender,
                                )}
                            </p>
                        </div>
                    }
                    .into_any(),
                    Err(failure) => view! {
                        <div class="notification notification--error" role="alert">
                            <h3 class="heading-s">"Not shared"</h3>
                            <p class="notification__text">{failure.message()}</p>
                            {match failure {
                                ApiFailure::Api(e) => e
                                    .fields
                                    .into_iter()
                                    .map(|f| view! { <p class="notification__text">{f.message}</p> })
                                    .collect_view()
                                    .into_any(),
                                ApiFailure::Network => ().into_any(),
                            }}
                        </div>
                    }
                    .into_any(),
                })}
            </div>
        </section>
    }
}
