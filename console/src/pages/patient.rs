//! `/console/patients/{id}`: the patient's file and the share panel: documents (most recently
//! viewed first), recipients, method, sender, consultation-note sections, sharing history,
//! unsharing and the activity from the audit.

use std::collections::{BTreeMap, BTreeSet};

use leptos::ev::DragEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use sealpost_shared::ids::DocumentId;
use sealpost_shared::staff::Action;
use sealpost_shared::wire::{
    ContactEntry, PatientFile, PracticeSettings, ShareMethod, ShareResponse, StaffDocument,
    UnshareRequest,
};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiFailure, AuditEntry, ShareEntry};
use crate::app::use_staff;
use crate::components::{
    close_dialog, focus_by_id, show_dialog, ErrorSummary, Loading, PageHeading, ReadReceiptList,
};
use crate::logic::receipts::with_bounce_note;
use crate::logic::{
    build_share, content_path, delivery_label, event_label, format_date, format_size, format_time,
    ineligible_reason, iso_date, kind_from_value, kind_value, method_label, preview_kind,
    preview_path, reason_text, recipient_from_label, sections_offered, sender_for,
    visible_documents, DocumentFilter, PreviewKind, Problem, RecipientKey, ShareChoice, KINDS,
};

/// The channel the pop-out preview uses to add a document to the main window's selection.
pub const SELECTION_CHANNEL: &str = "sealpost-console-selection";
/// The drag-and-drop payload prefix: `sealpost-doc:{patient}/{doc}`.
pub const DRAG_PREFIX: &str = "sealpost-doc:";

pub fn drag_payload(patient: &str, doc: &str) -> String {
    format!("{DRAG_PREFIX}{patient}/{doc}")
}

/// The document a drop or a message names, if it is one of this patient's.
fn dropped_doc(payload: &str, patient: &str) -> Option<String> {
    let (p, d) = payload.strip_prefix(DRAG_PREFIX)?.split_once('/')?;
    (p == patient).then(|| d.to_owned())
}

/// Everything the page holds, as `Copy` signals so closures can share them.
#[derive(Clone, Copy)]
struct PanelState {
    patient_id: Memo<String>,
    file: RwSignal<Option<Result<PatientFile, ApiFailure>>>,
    docs: RwSignal<Option<Result<Vec<StaffDocument>, ApiFailure>>>,
    settings: RwSignal<Option<PracticeSettings>>,
    shares: RwSignal<Option<Result<Vec<ShareEntry>, ApiFailure>>>,
    history: RwSignal<Option<Result<Vec<AuditEntry>, ApiFailure>>>,
    ticked: RwSignal<BTreeSet<DocumentId>>,
    recipients: RwSignal<BTreeSet<RecipientKey>>,
    method: RwSignal<ShareMethod>,
    sections: RwSignal<BTreeMap<DocumentId, BTreeSet<String>>>,
    filter: RwSignal<DocumentFilter>,
    show_all: RwSignal<bool>,
    problems: RwSignal<Vec<Problem>>,
    outcome: RwSignal<Option<Result<ShareResponse, ApiFailure>>>,
    sharing: RwSignal<bool>,
    preview: RwSignal<Option<StaffDocument>>,
    notice: RwSignal<Option<String>>,
}

impl PanelState {
    fn docs_list(&self) -> Vec<StaffDocument> {
        match self.docs.get() {
            Some(Ok(docs)) => docs,
            _ => Vec::new(),
        }
    }

    fn tick(&self, id: &str) {
        if let Ok(id) = DocumentId::try_from(id.to_owned()) {
            if self.docs_list().iter().any(|d| d.id == id) {
                self.ticked.update(|t| {
                    t.insert(id);
                });
                self.outcome.set(None);
            }
        }
    }

    fn set_ticked(&self, id: DocumentId, on: bool) {
        self.ticked.update(|t| {
            if on {
                t.insert(id);
            } else {
                t.remove(&id);
            }
        });
        self.outcome.set(None);
    }

    fn reload_activity(&self) {
        let state = *self;
        let id = self.patient_id.get_untracked();
        spawn_local(async move {
            let shares = api::shares(&id).await;
            let history = api::history(&id).await;
            let file = api::patient_file(&id).await;
            state.shares.set(Some(shares));
            state.history.set(Some(history));
            if file.is_ok() {
                state.file.set(Some(file));
            }
        });
    }

    fn drop_handler(&self) -> impl Fn(DragEvent) + Copy + 'static {
        let state = *self;
        move |ev: DragEvent| {
            ev.prevent_default();
            let payload = ev
                .data_transfer()
                .and_then(|dt| dt.get_data("text/plain").ok())
                .unwrap_or_default();
            if let Some(doc) = dropped_doc(&payload, &state.patient_id.get_untracked()) {
                state.tick(&doc);
            }
        }
    }
}

#[component]
pub fn PatientPage() -> impl IntoView {
    let params = use_params_map();
    let patient_id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let state = PanelState {
        patient_id,
        file: RwSignal::new(None),
        docs: RwSignal::new(None),
        settings: RwSignal::new(None),
        shares: RwSignal::new(None),
        history: RwSignal::new(None),
        ticked: RwSignal::new(BTreeSet::new()),
        recipients: RwSignal::new(BTreeSet::new()),
        method: RwSignal::new(ShareMethod::SecureLink),
        sections: RwSignal::new(BTreeMap::new()),
        filter: RwSignal::new(DocumentFilter::default()),
        show_all: RwSignal::new(false),
        problems: RwSignal::new(Vec::new()),
        outcome: RwSignal::new(None),
        sharing: RwSignal::new(false),
        preview: RwSignal::new(None),
        notice: RwSignal::new(None),
    };

    Effect::new(move || {
        let id = patient_id.get();
        state.file.set(None);
        state.docs.set(None);
        state.ticked.set(BTreeSet::new());
        state.recipients.set(BTreeSet::new());
        spawn_local(async move {
            let (file, docs) = (api::patient_file(&id).await, api::documents(&id).await);
            state.docs.set(Some(docs));
            state.file.set(Some(file));
            if let Ok(settings) = api::settings().await {
                state.settings.set(Some(settings));
            }
        });
        state.reload_activity();
    });

    // The pop-out preview adds documents through a same-origin broadcast channel.
    if let Ok(channel) = web_sys::BroadcastChannel::new(SELECTION_CHANNEL) {
        let on_message =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(payload) = ev.data().as_string() {
                    if let Some(doc) = dropped_doc(&payload, &patient_id.get_untracked()) {
                        state.tick(&doc);
                    }
                }
            });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The channel is closed when the page goes; the small handler lives as long as the app.
        on_message.forget();
        let channel = StoredValue::new_local(channel);
        on_cleanup(move || channel.with_value(|c| c.close()));
    }

    move || match (state.file.get(), state.docs.get()) {
        (Some(Err(failure)), _) | (_, Some(Err(failure))) => view! {
            <PageHeading text="We could not open this patient's file" />
            <p class="body">{failure.message()}</p>
            <a href="/console">"Find a patient"</a>
        }
        .into_any(),
        (Some(Ok(file)), Some(Ok(_))) => {
            view! { <PatientFileView state=state file=file /> }.into_any()
        }
        _ => view! { <Loading text="Loading the patient's file" /> }.into_any(),
    }
}

#[component]
fn PatientFileView(state: PanelState, file: PatientFile) -> impl IntoView {
    let staff = use_staff();
    let can_share = staff.may(Action::Share);
    let can_unshare = staff.may(Action::Unshare);
    let patient = file.patient.clone();
    let name = patient.name.clone();
    let menu_open = RwSignal::new(false);
    let revoked = move || matches!(state.file.get(), Some(Ok(f)) if f.revoked);

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
            <DocumentsSection state=state can_share=can_share />
            {if can_share {
                view! { <SharePanel state=state file=file.clone() /> }.into_any()
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
        <HistorySection state=state file=file.clone() can_share=can_share />
        <PreviewDialog state=state can_share=can_share />
        {can_unshare.then(|| view! { <UnshareDialog state=state file=file.clone() /> })}
    }
}

#[component]
fn DocumentsSection(state: PanelState, can_share: bool) -> impl IntoView {
    let patient_id = state.patient_id;
    let on_kind = move |ev| {
        let value = event_target_value(&ev);
        state.filter.update(|f| f.kind = kind_from_value(&value));
    };
    let on_name = move |ev| {
        let value = event_target_value(&ev);
        state.filter.update(|f| f.name = value);
    };
    let on_from = move |ev| {
        let value = event_target_value(&ev);
        state.filter.update(|f| f.from = value.parse().ok());
    };
    let list = move || {
        let docs = state.docs_list();
        let filter = state.filter.get();
        let ticked = state.ticked.get();
        let (shown, hidden) = visible_documents(&docs, &filter, state.show_all.get(), &ticked);
        let total = docs.len();
        let count = shown.len();
        let items = shown
            .into_iter()
            .cloned()
            .map(|doc| view! { <DocumentRow state=state doc=doc can_share=can_share /> })
            .collect_view();
        let summary = if docs.is_empty() {
            "No documents for this patient yet.".to_owned()
        } else if filter.is_active() {
            format!("{count} of {total} documents match the filter.")
        } else {
            format!("{total} documents, most recently viewed first.")
        };
        view! {
            <p class="hint" role="status">{summary}</p>
            <ul class="doc-list">{items}</ul>
            {(hidden > 0).then(|| view! {
                <button
                    type="button"
                    class="button button--secondary"
                    on:click=move |_| state.show_all.set(true)
                >
                    {format!("More documents ({hidden})")}
                </button>
            })}
        }
    };
    let fieldset = move |inner: AnyView| {
        if can_share {
            view! {
                <fieldset class="fieldset" id="documents" tabindex="-1">
                    <legend class="visually-hidden">"Documents to share"</legend>
                    {inner}
                </fieldset>
            }
            .into_any()
        } else {
            inner
        }
    };
    let _ = patient_id;
    view! {
        <section class="documents-section" aria-labelledby="documents-heading">
            <h2 class="heading-m" id="documents-heading">"Documents"</h2>
            <div class="filter" role="group" aria-label="Filter documents">
                <div class="filter__item">
                    <label class="label" for="filter-kind">"Type"</label>
                    <select class="select" id="filter-kind" on:change=on_kind>
                        <option value="">"All types"</option>
                        {KINDS
                            .into_iter()
                            .map(|k| view! { <option value=kind_value(k)>{k.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="filter__item">
                    <label class="label" for="filter-name">"Name contains"</label>
                    <input class="input" id="filter-name" type="search" on:input=on_name />
                </div>
                <div class="filter__item">
                    <label class="label" for="filter-from">"Dated from"</label>
                    <input class="input" id="filter-from" type="date" on:input=on_from on:change=on_from />
                </div>
            </div>
            {move || fieldset(list().into_any())}
        </section>
    }
}

#[component]
fn DocumentRow(state: PanelState, doc: StaffDocument, can_share: bool) -> impl IntoView {
    let id = doc.id.clone();
    let input_id = format!("doc-{}", doc.id);
    let checked = {
        let id = id.clone();
        move || state.ticked.get().contains(&id)
    };
    let toggle = {
        let id = id.clone();
        move |ev: leptos::ev::Event| state.set_ticked(id.clone(), event_target_checked(&ev))
    };
    let meta = format!(
        "{} · {} · {}{}",
        doc.kind.label(),
        format_date(doc.date),
        format_size(doc.size),
        if doc.sections.is_empty() {
            String::new()
        } else {
            format!(" · {} sections", doc.sections.len())
        }
    );
    let viewed = doc
        .last_viewed_at
        .map(|at| format!("Last previewed {}", format_time(at)));
    let title = doc.title.clone();
    let payload = drag_payload(&state.patient_id.get_untracked(), doc.id.as_str());
    let pop_out = preview_path(&state.patient_id.get_untracked(), doc.id.as_str());
    let preview_doc = doc.clone();
    let heading = if can_share {
        view! {
            <div class="checkbox">
                <input
                    class="checkbox__input"
                    type="checkbox"
                    id=input_id.clone()
                    prop:checked=checked
                    on:change=toggle
                />
                <label class="checkbox__label doc__title" for=input_id.clone()>
                    {title.clone()}
                </label>
            </div>
        }
        .into_any()
    } else {
        view! { <p class="doc__title">{title.clone()}</p> }.into_any()
    };
    view! {
        <li
            class="doc"
            draggable=if can_share { "true" } else { "false" }
            on:dragstart=move |ev: DragEvent| {
                if let Some(dt) = ev.data_transfer() {
                    let _ = dt.set_data("text/plain", &payload);
                    dt.set_effect_allowed("copy");
                }
            }
        >
            {heading}
            <p class="doc__meta">
                <time datetime=iso_date(doc.date)>{meta}</time>
                {viewed.map(|v| view! { <span class="doc__viewed">{v}</span> })}
            </p>
            <p class="doc__actions">
                <button
                    type="button"
                    class="link-button"
                    on:click=move |_| {
                        state.preview.set(Some(preview_doc.clone()));
                        show_dialog("preview-dialog");
                    }
                >
                    "Preview"
                    <span class="visually-hidden">{format!(" {title}")}</span>
                </button>
                <a class="doc__link" href=pop_out.clone() target="_blank" rel="opener">
                    "Pop out"
                    <span class="visually-hidden">{format!(" {} (opens in a new window)", doc.title)}</span>
                </a>
            </p>
        </li>
    }
}

fn contact_label(c: &ContactEntry) -> String {
    let mut label = c.name.clone();
    if let Some(relation) = c.relation.as_deref().filter(|r| !r.is_empty()) {
        label.push_str(&format!(" ({relation})"));
    }
    if c.emergency {
        label.push_str(" · emergency contact");
    }
    label
}

#[component]
fn RecipientOption(
    state: PanelState,
    key: RecipientKey,
    label: String,
    email: Option<String>,
    reason: Option<&'static str>,
) -> impl IntoView {
    let input_id = format!("to-{}", key.value());
    let hint_id = format!("{input_id}-hint");
    let disabled = reason.is_some();
    let checked = {
        let key = key.clone();
        move || state.recipients.get().contains(&key)
    };
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let key = key.clone();
        state.recipients.update(|r| {
            if on {
                r.insert(key);
            } else {
                r.remove(&key);
            }
        });
        state.outcome.set(None);
    };
    let hint = match (reason, email) {
        (Some(reason), _) => reason.to_owned(),
        (None, Some(email)) => email,
        (None, None) => String::new(),
    };
    view! {
        <div class="checkbox" class:checkbox--disabled=disabled>
            <input
                class="checkbox__input"
                type="checkbox"
                id=input_id.clone()
                disabled=disabled
                aria-describedby=hint_id.clone()
                prop:checked=checked
                on:change=toggle
            />
            <label class="checkbox__label" for=input_id>
                {label}
            </label>
            <p class="checkbox__hint" class:checkbox__hint--warning=disabled id=hint_id>
                {hint}
            </p>
        </div>
    }
}

#[component]
fn SelectionList(state: PanelState) -> impl IntoView {
    let on_drop = state.drop_handler();
    view! {
        <div
            class="dropzone"
            on:dragover=move |ev: DragEvent| {
                ev.prevent_default();
                if let Some(dt) = ev.data_transfer() {
                    dt.set_drop_effect("copy");
                }
            }
            on:drop=on_drop
        >
            {move || {
                let docs = state.docs_list();
                let ticked = state.ticked.get();
                let chosen: Vec<StaffDocument> = docs
                    .into_iter()
                    .filter(|d| ticked.contains(&d.id))
                    .collect();
                if chosen.is_empty() {
                    view! {
                        <p class="dropzone__empty">
                            "No documents selected. Tick documents, or drag them here."
                        </p>
                    }
                    .into_any()
                } else {
                    view! {
                        <ul class="selection">
                            {chosen
                                .into_iter()
                                .map(|d| {
                                    let id = d.id.clone();
                                    view! {
                                        <li class="selection__item">
                                            <span>{d.title.clone()}</span>
                                            <button
                                                type="button"
                                                class="link-button"
                                                on:click=move |_| state.set_ticked(id.clone(), false)
                                            >
                                                "Remove"
                                                <span class="visually-hidden">{format!(" {}", d.title)}</span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}

#[component]
fn SharePanel(state: PanelState, file: PatientFile) -> impl IntoView {
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
        state.settings.get().map(|settings| {
            let docs = state.docs_list();
            sender_for(&docs, &state.ticked.get(), &settings)
        })
    };
    let sharing_off = move || matches!(state.settings.get(), Some(s) if !s.sharing_enabled);

    let email_for_sections = patient_email.clone();
    let sections_view = move || {
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
        let email = email_for_sections.clone();
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
                                                    {section.clone()}
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
    };

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
        let Ok(patient_id) =
            sealpost_shared::ids::PatientId::try_from(state.patient_id.get_untracked())
        else {
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
                {sections_view}
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

#[component]
fn PreviewDialog(state: PanelState, can_share: bool) -> impl IntoView {
    let on_drop = state.drop_handler();
    let body = move || {
        let doc = state.preview.get()?;
        let patient = state.patient_id.get_untracked();
        let src = content_path(
            &patient,
            doc.id.as_str(),
            crate::tab::remembered_practice().as_deref(),
        );
        let payload = drag_payload(&patient, doc.id.as_str());
        let shown = match preview_kind(&doc.content_type) {
            PreviewKind::Image => view! {
                <img class="preview__image" src=src alt=format!("Preview of {}", doc.title) />
            }
            .into_any(),
            PreviewKind::Pdf => view! {
                <p class="body">
                    <a href=src target="_blank" rel="noopener">
                        "Open the PDF"
                        <span class="visually-hidden">{format!(" {} (opens in a new tab)", doc.title)}</span>
                    </a>
                </p>
            }
            .into_any(),
            PreviewKind::Other => view! {
                <p class="body">
                    <a href=src target="_blank" rel="noopener">
                        "Open the document"
                        <span class="visually-hidden">{format!(" {} (opens in a new tab)", doc.title)}</span>
                    </a>
                </p>
            }
            .into_any(),
        };
        let id = doc.id.clone();
        let added = {
            let id = id.clone();
            move || state.ticked.get().contains(&id)
        };
        Some(view! {
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
                        <p class="doc__meta">{format!("{} · {}", doc.kind.label(), format_date(doc.date))}</p>
                        {can_share.then(|| view! { <p class="hint">"Drag this document to the selection."</p> })}
                        {shown}
                    </div>
                </div>
                {can_share.then(|| view! {
                    <div class="preview__selection">
                        <h3 class="heading-s">"Selection"</h3>
                        <div
                            class="preview__drop"
                            on:dragover=move |ev: DragEvent| ev.prevent_default()
                            on:drop=on_drop
                        >
                            <SelectionList state=state />
                        </div>
                        {move || if added() {
                            view! { <p class="body" role="status">"This document is in the selection."</p> }.into_any()
                        } else {
                            let id = id.clone();
                            view! {
                                <button
                                    type="button"
                                    class="button"
                                    on:click=move |_| state.set_ticked(id.clone(), true)
                                >
                                    "Add to selection"
                                </button>
                            }
                            .into_any()
                        }}
                    </div>
                })}
            </div>
        })
    };
    view! {
        <dialog class="dialog dialog--wide" id="preview-dialog" aria-labelledby="preview-title">
            <h2 class="heading-m" id="preview-title">
                {move || state.preview.get().map(|d| d.title).unwrap_or_default()}
            </h2>
            {body}
            <button
                type="button"
                class="button button--secondary"
                on:click=move |_| close_dialog("preview-dialog")
            >
                "Close"
            </button>
        </dialog>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum UnshareScope {
    Everything,
    Recipient,
    Document,
}

#[component]
fn UnshareDialog(state: PanelState, file: PatientFile) -> impl IntoView {
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
        let id = state.patient_id.get_untracked();
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

#[component]
fn HistorySection(state: PanelState, file: PatientFile, can_share: bool) -> impl IntoView {
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
    let shares = move || {
        let list = match state.shares.get() {
            None => return view! { <Loading text="Loading the sharing history" /> }.into_any(),
            Some(Err(f)) => return view! { <p class="error-message">{f.message()}</p> }.into_any(),
            Some(Ok(list)) => list,
        };
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
    let audit = move || match state.history.get() {
        Some(Ok(entries)) if !entries.is_empty() => {
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
        Some(Ok(_)) => view! { <p class="body">"No activity yet."</p> }.into_any(),
        Some(Err(f)) => view! { <p class="error-message">{f.message()}</p> }.into_any(),
        None => ().into_any(),
    };
    view! {
        <section class="history" aria-labelledby="history-heading">
            <h2 class="heading-m" id="history-heading">"Sharing history"</h2>
            {shares}
            <h2 class="heading-m" id="activity-heading">"Activity"</h2>
            {audit}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_and_messages_name_this_patients_documents_only() {
        let payload = drag_payload("p1", "doc-1");
        assert_eq!(dropped_doc(&payload, "p1"), Some("doc-1".to_owned()));
        assert_eq!(dropped_doc(&payload, "p2"), None);
        assert_eq!(dropped_doc("https://evil.example/x", "p1"), None);
    }
}
