//! What one patient's file holds while it is on screen, as `Copy` handles so every part of the
//! page (documents, share panel, preview, unshare, history) can share them.
//!
//! A `PanelState` is made for one patient's file and dropped with it: going to another patient
//! makes a new one, so a selection, a recipient or an outcome never carries over from one
//! patient to the next, and nothing loaded for one can land in another's.

use std::collections::{BTreeMap, BTreeSet};

use leptos::ev::DragEvent;
use leptos::prelude::*;
use sealpost_shared::ids::DocumentId;
use sealpost_shared::wire::{PracticeSettings, ShareMethod, ShareResponse, StaffDocument};

use crate::api::{self, ApiFailure, AuditEntry, ShareEntry};
use crate::logic::{DocumentFilter, Problem, RecipientKey};

/// The channel the pop-out preview uses to add a document to the main window's selection.
pub const SELECTION_CHANNEL: &str = "sealpost-console-selection";
/// The drag-and-drop payload prefix: `sealpost-doc:{patient}/{doc}`.
pub const DRAG_PREFIX: &str = "sealpost-doc:";

pub fn drag_payload(patient: &str, doc: &str) -> String {
    format!("{DRAG_PREFIX}{patient}/{doc}")
}

/// The document a drop or a message names, if it is one of this patient's.
pub(super) fn dropped_doc(payload: &str, patient: &str) -> Option<String> {
    let (p, d) = payload.strip_prefix(DRAG_PREFIX)?.split_once('/')?;
    (p == patient).then(|| d.to_owned())
}

/// What has happened to the patient's documents, read again after every share and unshare.
#[derive(Debug, Clone)]
pub(super) struct Activity {
    /// The sharing history, newest first.
    pub shares: Result<Vec<ShareEntry>, ApiFailure>,
    /// The audit, oldest first.
    pub history: Result<Vec<AuditEntry>, ApiFailure>,
    /// Whether the patient's access is revoked now; `None` when the file could not be read again.
    pub revoked: Option<bool>,
}

/// Loads the patient's [`Activity`].
pub(super) async fn load_activity(id: String) -> Activity {
    let shares = api::shares(&id).await;
    let history = api::history(&id).await;
    let revoked = api::patient_file(&id).await.ok().map(|f| f.revoked);
    Activity {
        shares,
        history,
        revoked,
    }
}

#[derive(Clone, Copy)]
pub(super) struct PanelState {
    pub patient_id: StoredValue<String>,
    /// The patient's documents, as loaded with the file (most recently viewed first).
    pub docs: StoredValue<Vec<StaffDocument>>,
    pub settings: LocalResource<Result<PracticeSettings, ApiFailure>>,
    pub activity: LocalResource<Activity>,
    pub ticked: RwSignal<BTreeSet<DocumentId>>,
    pub recipients: RwSignal<BTreeSet<RecipientKey>>,
    pub method: RwSignal<ShareMethod>,
    pub sections: RwSignal<BTreeMap<DocumentId, BTreeSet<String>>>,
    pub filter: RwSignal<DocumentFilter>,
    pub show_all: RwSignal<bool>,
    pub problems: RwSignal<Vec<Problem>>,
    pub outcome: RwSignal<Option<Result<ShareResponse, ApiFailure>>>,
    pub sharing: RwSignal<bool>,
    pub preview: RwSignal<Option<StaffDocument>>,
    pub notice: RwSignal<Option<String>>,
}

impl PanelState {
    pub fn new(
        patient_id: String,
        docs: Vec<StaffDocument>,
        settings: LocalResource<Result<PracticeSettings, ApiFailure>>,
    ) -> Self {
        let id = patient_id.clone();
        Self {
            activity: LocalResource::new(move || load_activity(id.clone())),
            patient_id: StoredValue::new(patient_id),
            docs: StoredValue::new(docs),
            settings,
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
        }
    }

    pub fn id(&self) -> String {
        self.patient_id.get_value()
    }

    pub fn docs_list(&self) -> Vec<StaffDocument> {
        self.docs.get_value()
    }

    /// The practice settings, once loaded (the sender shown and "sharing is off" need them;
    /// the edge decides both again when sharing).
    pub fn settings_now(&self) -> Option<PracticeSettings> {
        self.settings.get().and_then(Result::ok)
    }

    pub fn tick(&self, id: &str) {
        if let Ok(id) = DocumentId::try_from(id.to_owned()) {
            if self.docs.with_value(|docs| docs.iter().any(|d| d.id == id)) {
                self.ticked.update(|t| {
                    t.insert(id);
                });
                self.outcome.set(None);
            }
        }
    }

    pub fn set_ticked(&self, id: DocumentId, on: bool) {
        self.ticked.update(|t| {
            if on {
                t.insert(id);
            } else {
                t.remove(&id);
            }
        });
        self.outcome.set(None);
    }

    /// Reads the sharing history, the audit and the revocation again (after a share or an
    /// unshare); what is on screen stays until the new answer arrives.
    pub fn reload_activity(&self) {
        self.activity.refetch();
    }

    pub fn drop_handler(&self) -> impl Fn(DragEvent) + Copy + 'static {
        let state = *self;
        move |ev: DragEvent| {
            ev.prevent_default();
            let payload = ev
                .data_transfer()
                .and_then(|dt| dt.get_data("text/plain").ok())
                .unwrap_or_default();
            if let Some(doc) = dropped_doc(&payload, &state.id()) {
                state.tick(&doc);
            }
        }
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
