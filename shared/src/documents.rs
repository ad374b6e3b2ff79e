//! Document identity: a document id belongs to one patient for ever.
//!
//! The clinic chooses document ids (its own record numbers). Storing a document under an id
//! that already names another patient's document would re-point that id: the first patient's
//! links and sessions would then serve the second patient's bytes. So an id, once used, is
//! bound to its patient even after the document is deleted, and only that patient's document
//! may be replaced under it.

/// What storing a document under an id means, given who owns the id today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentClaim {
    /// The id is new: store it.
    New,
    /// The id is this patient's: replace the document (audited as a replacement).
    Replace,
    /// The id belongs to another patient: refuse, change nothing.
    Taken,
}

/// Decides whether `patient` may store a document under an id owned by `owner` (`None`: no
/// document, live or deleted, has ever had the id).
pub fn claim_document_id(owner: Option<&str>, patient: &str) -> DocumentClaim {
    match owner {
        None => DocumentClaim::New,
        Some(owner) if owner == patient => DocumentClaim::Replace,
        Some(_) => DocumentClaim::Taken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_id_stays_with_its_patient() {
        assert_eq!(claim_document_id(None, "a"), DocumentClaim::New);
        assert_eq!(claim_document_id(Some("a"), "a"), DocumentClaim::Replace);
        assert_eq!(claim_document_id(Some("a"), "b"), DocumentClaim::Taken);
        // Ids compare exactly: no case folding that could merge two patients.
        assert_eq!(claim_document_id(Some("A"), "a"), DocumentClaim::Taken);
    }

    proptest! {
        #[test]
        fn never_replaced_for_another_patient(owner in "[a-z0-9]{1,4}", patient in "[a-z0-9]{1,4}") {
            let claim = claim_document_id(Some(&owner), &patient);
            prop_assert_eq!(claim == DocumentClaim::Replace, owner == patient);
            prop_assert_eq!(claim == DocumentClaim::Taken, owner != patient);
        }
    }
}
