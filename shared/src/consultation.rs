//! Selective consultation notes: a note may be shared with chosen sections only, and then only
//! with the patient. A contact never receives a partial note, so nobody can be shown a
//! selection of clinical detail about someone else.
//!
//! Section names are compared exactly (they are identifiers from the clinic system, not text
//! typed by people).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::recipients::RecipientKind;

/// Why a selection of sections cannot be shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SectionsRefused {
    /// Selected sections are shared only with the patient, never with a contact.
    NotForContacts,
    /// A selection must name at least one section.
    Empty,
    /// The same section is named twice.
    Duplicate { section: String },
}

/// Whether a note's `sections` may be shared with a recipient of `kind`.
pub fn may_share_sections(kind: RecipientKind, sections: &[String]) -> Result<(), SectionsRefused> {
    if kind != RecipientKind::Patient {
        return Err(SectionsRefused::NotForContacts);
    }
    if sections.is_empty() {
        return Err(SectionsRefused::Empty);
    }
    let mut seen = BTreeSet::new();
    for section in sections {
        if !seen.insert(section.as_str()) {
            return Err(SectionsRefused::Duplicate {
                section: section.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn patient_may_receive_distinct_sections() {
        assert_eq!(
            may_share_sections(RecipientKind::Patient, &s(&["plan"])),
            Ok(())
        );
        assert_eq!(
            may_share_sections(RecipientKind::Patient, &s(&["history", "plan", "Plan"])),
            Ok(())
        );
    }

    #[test]
    fn contacts_never_receive_sections() {
        assert_eq!(
            may_share_sections(RecipientKind::Contact, &s(&["plan"])),
            Err(SectionsRefused::NotForContacts)
        );
        assert_eq!(
            may_share_sections(RecipientKind::Contact, &[]),
            Err(SectionsRefused::NotForContacts)
        );
    }

    #[test]
    fn empty_and_duplicate_selections_are_refused() {
        assert_eq!(
            may_share_sections(RecipientKind::Patient, &[]),
            Err(SectionsRefused::Empty)
        );
        assert_eq!(
            may_share_sections(RecipientKind::Patient, &s(&["plan", "history", "plan"])),
            Err(SectionsRefused::Duplicate {
                section: "plan".into()
            })
        );
    }

    #[test]
    fn refusal_json() {
        let json = serde_json::to_value(SectionsRefused::Duplicate {
            section: "plan".into(),
        });
        assert_eq!(
            json.ok(),
            Some(serde_json::json!({"reason": "duplicate", "section": "plan"}))
        );
    }

    proptest! {
        #[test]
        fn accepted_selections_are_distinct_and_for_the_patient(
            contact in any::<bool>(),
            sections in proptest::collection::vec("[a-c]{1,2}", 0..6),
        ) {
            let kind = if contact { RecipientKind::Contact } else { RecipientKind::Patient };
            if may_share_sections(kind, &sections).is_ok() {
                prop_assert_eq!(kind, RecipientKind::Patient);
                prop_assert!(!sections.is_empty());
                let distinct: BTreeSet<&String> = sections.iter().collect();
                prop_assert_eq!(distinct.len(), sections.len());
            }
        }
    }
}
