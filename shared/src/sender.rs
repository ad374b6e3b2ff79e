//! Which address a share's email comes from, chosen by the kinds of document shared.
//!
//! Every kind belongs to one sender category: invoices and credit notes → `invoice`;
//! consultation notes → `consultation`; prescriptions → `prescription`; letters → `letter`;
//! lab documents → `lab`; forms and other documents → `general`. When every document of the share
//! falls in one category and the practice configured an address for it, that address is used;
//! in every other case (mixed categories, forms/others, no documents, no address configured) the
//! `general` address is. So an invoice plus a credit note goes from the invoice address: they
//! are one category, not a mix.

use serde::{Deserialize, Serialize};

use crate::recipients::EmailAddress;
use crate::wire::DocumentKind;

/// The practice's sender addresses. `general` is required; the others fall back to it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderAddresses {
    pub general: EmailAddress,
    #[serde(default)]
    pub invoice: Option<EmailAddress>,
    #[serde(default)]
    pub consultation: Option<EmailAddress>,
    #[serde(default)]
    pub prescription: Option<EmailAddress>,
    #[serde(default)]
    pub letter: Option<EmailAddress>,
    #[serde(default)]
    pub lab: Option<EmailAddress>,
}

/// The sender category of a document kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderCategory {
    General,
    Invoice,
    Consultation,
    Prescription,
    Letter,
    Lab,
}

/// The category each kind belongs to.
pub fn category(kind: DocumentKind) -> SenderCategory {
    match kind {
        DocumentKind::Invoice | DocumentKind::CreditNote => SenderCategory::Invoice,
        DocumentKind::ConsultationNote => SenderCategory::Consultation,
        DocumentKind::Prescription => SenderCategory::Prescription,
        DocumentKind::Letter => SenderCategory::Letter,
        DocumentKind::Lab => SenderCategory::Lab,
        DocumentKind::Form | DocumentKind::Other => SenderCategory::General,
    }
}

impl SenderAddresses {
    /// Every share from `general`: a practice that has set no other address.
    pub fn general_only(general: EmailAddress) -> Self {
        Self {
            general,
            invoice: None,
            consultation: None,
            prescription: None,
            letter: None,
            lab: None,
        }
    }

    /// The configured address of a category, if any.
    pub fn for_category(&self, category: SenderCategory) -> Option<&EmailAddress> {
        match category {
            SenderCategory::General => Some(&self.general),
            SenderCategory::Invoice => self.invoice.as_ref(),
            SenderCategory::Consultation => self.consultation.as_ref(),
            SenderCategory::Prescription => self.prescription.as_ref(),
            SenderCategory::Letter => self.letter.as_ref(),
            SenderCategory::Lab => self.lab.as_ref(),
        }
    }
}

/// The address to send a share of documents of `kinds` from.
pub fn choose_sender<'a>(kinds: &[DocumentKind], addrs: &'a SenderAddresses) -> &'a EmailAddress {
    let mut categories = kinds.iter().map(|k| category(*k));
    let single = match categories.next() {
        Some(first) if categories.all(|c| c == first) => Some(first),
        _ => None,
    };
    single
        .and_then(|c| addrs.for_category(c))
        .unwrap_or(&addrs.general)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ALL_KINDS: [DocumentKind; 8] = [
        DocumentKind::Invoice,
        DocumentKind::CreditNote,
        DocumentKind::ConsultationNote,
        DocumentKind::Prescription,
        DocumentKind::Letter,
        DocumentKind::Lab,
        DocumentKind::Form,
        DocumentKind::Other,
    ];

    fn e(text: &str) -> EmailAddress {
        EmailAddress::try_from(text).unwrap()
    }

    fn full() -> SenderAddresses {
        SenderAddresses {
            general: e("practice@riverside.example"),
            invoice: Some(e("accounts@riverside.example")),
            consultation: Some(e("consult@riverside.example")),
            prescription: Some(e("pharmacy@riverside.example")),
            letter: Some(e("letters@riverside.example")),
            lab: Some(e("lab@riverside.example")),
        }
    }

    fn only_general() -> SenderAddresses {
        SenderAddresses::general_only(e("practice@riverside.example"))
    }

    #[test]
    fn every_kind_alone_goes_to_its_address() {
        let table = [
            (DocumentKind::Invoice, "accounts@riverside.example"),
            (DocumentKind::CreditNote, "accounts@riverside.example"),
            (DocumentKind::ConsultationNote, "consult@riverside.example"),
            (DocumentKind::Prescription, "pharmacy@riverside.example"),
            (DocumentKind::Letter, "letters@riverside.example"),
            (DocumentKind::Lab, "lab@riverside.example"),
            (DocumentKind::Form, "practice@riverside.example"),
            (DocumentKind::Other, "practice@riverside.example"),
        ];
        let addrs = full();
        for (kind, expected) in table {
            assert_eq!(
                choose_sender(&[kind], &addrs).as_str(),
                expected,
                "{kind:?}"
            );
            assert_eq!(
                choose_sender(&[kind, kind, kind], &addrs).as_str(),
                expected,
                "{kind:?} x3"
            );
            // Without a configured address, every kind falls back to general.
            assert_eq!(
                choose_sender(&[kind], &only_general()).as_str(),
                "practice@riverside.example"
            );
        }
        assert_eq!(table.len(), ALL_KINDS.len());
    }

    #[test]
    fn invoices_with_credit_notes_stay_on_the_invoice_address() {
        let kinds = [
            DocumentKind::Invoice,
            DocumentKind::CreditNote,
            DocumentKind::Invoice,
        ];
        assert_eq!(
            choose_sender(&kinds, &full()).as_str(),
            "accounts@riverside.example"
        );
    }

    #[test]
    fn every_mixed_pair_goes_to_general() {
        let addrs = full();
        for a in ALL_KINDS {
            for b in ALL_KINDS {
                let got = choose_sender(&[a, b], &addrs);
                if category(a) == category(b) {
                    assert_eq!(got, choose_sender(&[a], &addrs));
                } else {
                    assert_eq!(got.as_str(), "practice@riverside.example", "{a:?}+{b:?}");
                }
            }
        }
        assert_eq!(
            choose_sender(&[], &addrs).as_str(),
            "practice@riverside.example"
        );
    }

    #[test]
    fn sender_addresses_json() {
        insta::assert_json_snapshot!("sender_addresses_full", full());
        insta::assert_json_snapshot!("sender_addresses_general_only", only_general());
        let parsed: SenderAddresses =
            serde_json::from_str(r#"{"general":"practice@riverside.example"}"#).unwrap();
        assert_eq!(parsed, only_general());
        assert!(
            serde_json::from_str::<SenderAddresses>(r#"{"general":"not an address"}"#).is_err()
        );
        assert!(serde_json::from_str::<SenderAddresses>(r#"{"invoice":"a@b.example"}"#).is_err());
        assert!(serde_json::from_str::<SenderAddresses>(
            r#"{"general":"a@b.example","forms":"c@d.example"}"#
        )
        .is_err());
    }
}
