//! Consultation-note sections in the share panel: offered only when the patient alone receives
//! the share by secure link; otherwise it says why the whole note goes.

use std::collections::BTreeSet;

use leptos::prelude::*;
use sealpost_shared::wire::StaffDocument;

use super::state::PanelState;
use crate::logic::sections_offered;

#[component]
pub(super) fn NoteSections(state: PanelState, patient_email: Option<String>) -> impl IntoView {
    move || {
        let docs = state.docs_list();
        let ticked = state.ticked.get();
        let notes: Vec<StaffDocument> = docs
            .into_iter()
            .filter(|d| ticked.contains(&d.id) && !d.sections.is_empty())
            .collect();
        if notes.is_empty() {
            return ().into_any();
        }
        if !sections_offered(&state.recipients.get(), state.method.get()) {
            return view! {
                <div class="inset" id="sections-unavailable">
                    <h3 class="heading-s">"Consultation note sections"</h3>
                    <p class="body">
                        "Choosing sections is only possible when the patient alone receives the note by secure link. A contact never receives part of a note: with these recipients the whole note is shared."
                    </p>
                </div>
            }
            .into_any();
        }
        let email = patient_email.clone();
        view! {
            <div class="sections">
                <h3 class="heading-s">"Consultation note sections"</h3>
                <p class="inset">
                    "Only the ticked sections will be sent to the patient at "
                    <strong>{email}</strong>
                </p>
                {notes
                    .into_iter()
                    .map(|note| {
                        let note_id = note.id.clone();
                        view! {
                            <fieldset class="fieldset sections__note" id=format!("sections-{}", note.id) tabindex="-1">
                                <legend class="label label--bold">{note.title.clone()}</legend>
                                {note
                                    .sections
                                    .iter()
                                    .map(|section| {
                                        let all: BTreeSet<String> = note.sections.iter().cloned().collect();
                                        let input_id = format!("sec-{}-{}", note.id, section);
                                        let checked = {
                                            let (doc, section) = (note_id.clone(), section.clone());
                                            move || {
                                                state
                                                    .sections
                                                    .get()
                                                    .get(&doc)
                                                    .is_none_or(|s| s.contains(&section))
                                            }
                                        };
                                        let toggle = {
                                            let (doc, section) = (note_id.clone(), section.clone());
                                            move |ev: leptos::ev::Event| {
                                                let on = event_target_checked(&ev);
                                                let (doc, section, all) = (doc.clone(), section.clone(), all.clone());
                                                state.sections.update(|m| {
                                                    let set = m.entry(doc).or_insert(all);
                                                    if on {
                                                        set.insert(section);
                                                    } else {
                                                        set.remove(&section);
                                                    }
                                                });
                                            }
                                        };
                                        view! {
                                            <div class="checkbox checkbox--small">
                                                <input
                                                    class="checkbox__input"
                                                    type="checkbox"
                                                    id=input_id.clone()
                                                    prop:checked=checked
                                                    on:change=toggle
                                                />
                                                <label class="checkbox__label" for=input_id>
                                                    {note.section_title(section).to_owned()}
                                                </label>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </fieldset>
                        }
                    })
                    .collect_view()}
            </div>
        }
        .into_any()
    }
}
