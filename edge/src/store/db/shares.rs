//! Shares: who shared what, when and how; the grants they made; their history.

use sealpost_shared::history::{
    Delivery, DeliveryStatus, DocumentReceipt, ProviderOutcome, ReadReceipt, ShareEntry,
};
use sealpost_shared::wire::ShareMethod;
use serde::Deserialize;

use super::{i, opt, s, Db};
use crate::http::AppError;

/// A row of `shares`; the history adds its documents and deliveries ([`ShareEntry`]).
#[derive(Debug, Clone, Deserialize)]
pub struct ShareRow {
    pub id: String,
    pub staff: String,
    pub method: ShareMethod,
    pub created_at: i64,
}

/// A share in the history with its page key (its time and the order it was recorded in).
#[derive(Debug, Clone)]
pub struct SharePageRow {
    pub row: i64,
    pub entry: ShareEntry,
}

/// One email of a share with what is known of its recipient, before the read receipt is built.
#[derive(Deserialize)]
struct DeliveryRow {
    recipient_label: Option<String>,
    to_email: String,
    status: DeliveryStatus,
    attempts: i64,
    last_error: Option<String>,
    recipient_id: Option<String>,
    sent_at: Option<i64>,
    outcome: Option<ProviderOutcome>,
    outcome_at: Option<i64>,
    outcome_reason: Option<String>,
    bounced_email: Option<String>,
    /// 1: the share's reminder to this recipient.
    #[serde(default)]
    reminder: i64,
}

impl DeliveryRow {
    /// The delivery with its recipient's read receipt: `documents` are the share's,
    /// `receipts` what its recipients did with it.
    fn into_delivery(self, documents: &[String], receipts: &[super::ReceiptRow]) -> Delivery {
        let mine = |document: &str, event: &str| {
            receipts
                .iter()
                .filter(|r| {
                    Some(r.recipient_id.as_str()) == self.recipient_id.as_deref()
                        && r.document_id == document
                        && r.event == event
                })
                .map(|r| r.first_at)
                .min()
        };
        let docs = documents
            .iter()
            .map(|d| DocumentReceipt {
                document_id: d.clone(),
                viewed_at: mine(d, "viewed"),
                downloaded_at: mine(d, "downloaded"),
            })
            .filter(|d| d.viewed_at.is_some() || d.downloaded_at.is_some())
            .collect();
        let receipt = ReadReceipt {
            emailed_at: self.sent_at,
            outcome: self.outcome,
            outcome_at: self.outcome_at,
            outcome_reason: self.outcome_reason.clone(),
            address_bounced: self.bounced_email.as_deref() == Some(self.to_email.as_str()),
            opened_at: mine("", "opened"),
            verified_at: mine("", "verified"),
            documents: docs,
        };
        Delivery {
            recipient_label: self.recipient_label,
            to_email: self.to_email,
            status: self.status,
            attempts: self.attempts,
            last_error: self.last_error,
            receipt,
            reminder: self.reminder != 0,
        }
    }
}

impl Db {
    pub fn insert_share(
        &self,
        id: &str,
        patient_id: &str,
        staff: &str,
        method: ShareMethod,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO shares (id, patient_id, staff, method, created_at) VALUES (?, ?, ?, ?, ?)",
            &[s(id), s(patient_id), s(staff), s(method.as_str()), i(now)],
        )
    }

    /// Grants a document to a recipient; `sections` (JSON) limits a consultation note to the
    /// sections named, `None` grants the whole document.
    pub fn grant(
        &self,
        recipient_id: &str,
        document_id: &str,
        share_id: &str,
        sections: Option<&str>,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO grants (recipient_id, document_id, share_id, granted_at, sections)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (recipient_id, document_id) DO UPDATE SET share_id = excluded.share_id,
                 granted_at = excluded.granted_at, sections = excluded.sections",
            &[
                s(recipient_id),
                s(document_id),
                s(share_id),
                i(now),
                opt(sections),
            ],
        )
    }

    /// Withdraws a document from every share (sharing it again grants it anew).
    pub fn withdraw_document(&self, document_id: &str) -> Result<(), AppError> {
        self.run(
            "DELETE FROM grants WHERE document_id = ?",
            &[s(document_id)],
        )
    }

    pub fn add_share_document(&self, share_id: &str, document_id: &str) -> Result<(), AppError> {
        self.run(
            "INSERT OR IGNORE INTO share_documents (share_id, document_id) VALUES (?, ?)",
            &[s(share_id), s(document_id)],
        )
    }

    /// The patient's shares, newest first, each with its documents and email deliveries (the
    /// API pages them: [`Db::share_history_page`]).
    #[cfg(test)]
    pub fn share_history(&self, patient_id: &str) -> Result<Vec<ShareEntry>, AppError> {
        Ok(self
            .share_history_page(patient_id, None, i64::MAX)?
            .into_iter()
            .map(|r| r.entry)
            .collect())
    }

    /// A page of the patient's shares, newest first (by time, then the order recorded), after
    /// the share whose (created_at, row) is `after` (`None` for the first page), at most
    /// `fetch`; each with its documents and email deliveries.
    pub fn share_history_page(
        &self,
        patient_id: &str,
        after: Option<(i64, i64)>,
        fetch: i64,
    ) -> Result<Vec<SharePageRow>, AppError> {
        #[derive(Deserialize)]
        struct Row {
            row: i64,
            #[serde(flatten)]
            share: ShareRow,
        }
        let (at, row) = after.unwrap_or((i64::MAX, i64::MAX));
        let shares: Vec<Row> = self.rows(
            "SELECT rowid AS row, id, staff, method, created_at FROM shares
             WHERE patient_id = ? AND (created_at, rowid) < (?, ?)
             ORDER BY created_at DESC, rowid DESC LIMIT ?",
            &[s(patient_id), i(at), i(row), i(fetch)],
        )?;
        let mut out = Vec::with_capacity(shares.len());
        for Row { row, share } in shares {
            #[derive(Deserialize)]
            struct Doc {
                document_id: String,
            }
            let documents: Vec<String> = self
                .rows::<Doc>(
                    "SELECT document_id FROM share_documents WHERE share_id = ? ORDER BY document_id",
                    &[s(&share.id)],
                )?
                .into_iter()
                .map(|d| d.document_id)
                .collect();
            let jobs: Vec<DeliveryRow> = self.rows(
                "SELECT m.recipient_label, m.to_email, m.status, m.attempts, m.last_error,
                        m.recipient_id, m.sent_at, m.outcome, m.outcome_at, m.outcome_reason,
                        r.bounced_email, m.reminder
                 FROM mail_jobs m LEFT JOIN recipients r ON r.id = m.recipient_id
                 WHERE m.share_id = ? ORDER BY m.rowid",
                &[s(&share.id)],
            )?;
            let receipts = self.receipts_of_share(&share.id)?;
            let deliveries = jobs
                .into_iter()
                .map(|job| job.into_delivery(&documents, &receipts))
                .collect();
            out.push(SharePageRow {
                row,
                entry: ShareEntry {
                    id: share.id,
                    staff: share.staff,
                    method: share.method,
                    created_at: share.created_at,
                    documents,
                    deliveries,
                },
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use sealpost_shared::wire::ShareMethod;

    use crate::store::db::NewMail;
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn share_history_newest_first_with_documents_and_deliveries() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient("p1", "Ann", "1980-01-01", None, None, "r1", 1)
            .unwrap();
        db.insert_share("s1", "p1", "staff:a", ShareMethod::SecureLink, 10)
            .unwrap();
        db.insert_share("s2", "p1", "staff:b", ShareMethod::Attachment, 20)
            .unwrap();
        // Same second: the later insert is newer.
        db.insert_share("s3", "p1", "staff:b", ShareMethod::SecureLink, 20)
            .unwrap();
        db.insert_share("other", "p2", "staff:b", ShareMethod::SecureLink, 30)
            .unwrap();
        db.add_share_document("s1", "d2").unwrap();
        db.add_share_document("s1", "d1").unwrap();
        db.add_share_document("s1", "d1").unwrap();
        db.add_share_document("s2", "d3").unwrap();
        for (id, share, label, to) in [
            ("m1", "s1", "patient", "ann@example.org"),
            ("m2", "s1", "relationship bo", "bo@example.org"),
            ("m3", "s2", "patient", "ann@example.org"),
        ] {
            db.insert_mail(
                &NewMail {
                    id,
                    share_id: Some(share),
                    recipient_id: None,
                    recipient_label: label,
                    attachments: None,
                    patient_id: "p1",
                    to,
                    from_email: "clinic@example.org",
                    from_name: "Clinic",
                    subject: "Documents",
                    body: "body",
                },
                10,
            )
            .unwrap();
        }
        db.claim_due_mail(10, "k", 310, 50).unwrap();
        db.mail_retry("m2", "k", "mailbox full", 99).unwrap();

        let history = db.share_history("p1").unwrap();
        let ids: Vec<&str> = history.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["s3", "s2", "s1"]);
        let s1 = &history[2];
        assert_eq!(
            (s1.staff.as_str(), s1.method),
            ("staff:a", ShareMethod::SecureLink)
        );
        assert_eq!(s1.documents, ["d1", "d2"]);
        let deliveries: Vec<(Option<&str>, i64, Option<&str>)> = s1
            .deliveries
            .iter()
            .map(|d| {
                (
                    d.recipient_label.as_deref(),
                    d.attempts,
                    d.last_error.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            deliveries,
            [
                (Some("patient"), 0, None),
                (Some("relationship bo"), 1, Some("mailbox full"))
            ]
        );
        assert_eq!(history[1].documents, ["d3"]);
        assert!(history[0].documents.is_empty() && history[0].deliveries.is_empty());

        // Paged: two at a time, continuing after the last one's (created_at, row).
        let first = db.share_history_page("p1", None, 2).unwrap();
        let ids: Vec<&str> = first.iter().map(|r| r.entry.id.as_str()).collect();
        assert_eq!(ids, ["s3", "s2"]);
        let last = &first[1];
        let rest = db
            .share_history_page("p1", Some((last.entry.created_at, last.row)), 2)
            .unwrap();
        let ids: Vec<&str> = rest.iter().map(|r| r.entry.id.as_str()).collect();
        assert_eq!(ids, ["s1"]);
    }
}

/// The JSON of `GET /patients/{id}/shares` and `GET /patients/{id}/history`, byte for byte as
/// the console and the end-to-end tests read it. A change here is a change of the clinic API.
#[cfg(test)]
mod wire_tests {
    #![allow(clippy::unwrap_used)]
    use sealpost_shared::history::{AuditEvent, DeliveryStatus};
    use sealpost_shared::wire::ShareMethod;

    use crate::store::db::NewMail;
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn history_json_is_pinned() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient("p1", "Ann", "1980-01-01", None, None, "r1", 1)
            .unwrap();
        db.insert_share("s1", "p1", "staff:a", ShareMethod::SecureLink, 10)
            .unwrap();
        db.insert_share("s2", "p1", "staff:b", ShareMethod::Attachment, 20)
            .unwrap();
        db.add_share_document("s1", "d1").unwrap();
        for (id, share) in [("m1", "s1"), ("m2", "s1"), ("m3", "s1"), ("m4", "s2")] {
            db.insert_mail(
                &NewMail {
                    id,
                    share_id: Some(share),
                    recipient_id: None,
                    recipient_label: "patient",
                    attachments: None,
                    patient_id: "p1",
                    to: "ann@example.org",
                    from_email: "clinic@example.org",
                    from_name: "Clinic",
                    subject: "Documents",
                    body: "body",
                },
                10,
            )
            .unwrap();
        }
        db.claim_due_mail(10, "k", 310, 50).unwrap();
        db.mail_delivered("m1", "k", DeliveryStatus::Sent, false, 11)
            .unwrap();
        db.mail_delivered("m2", "k", DeliveryStatus::Outbox, true, 11)
            .unwrap();
        db.mail_retry("m3", "k", "mailbox full", 99).unwrap();
        db.mark_reminder_mail("m3").unwrap();
        let shares = serde_json::to_string(&db.share_history("p1").unwrap()).unwrap();
        assert_eq!(
            shares,
            r#"[{"id":"s2","staff":"staff:b","method":"attachment","created_at":20,"documents":[],"deliveries":[{"recipient_label":"patient","to_email":"ann@example.org","status":"pending","attempts":0,"last_error":null,"receipt":{"emailed_at":null,"outcome":null,"outcome_at":null,"outcome_reason":null,"address_bounced":false,"opened_at":null,"verified_at":null,"documents":[]},"reminder":false}]},{"id":"s1","staff":"staff:a","method":"secure_link","created_at":10,"documents":["d1"],"deliveries":[{"recipient_label":"patient","to_email":"ann@example.org","status":"sent","attempts":0,"last_error":null,"receipt":{"emailed_at":11,"outcome":null,"outcome_at":null,"outcome_reason":null,"address_bounced":false,"opened_at":null,"verified_at":null,"documents":[]},"reminder":false},{"recipient_label":"patient","to_email":"ann@example.org","status":"outbox","attempts":0,"last_error":null,"receipt":{"emailed_at":11,"outcome":null,"outcome_at":null,"outcome_reason":null,"address_bounced":false,"opened_at":null,"verified_at":null,"documents":[]},"reminder":false},{"recipient_label":"patient","to_email":"ann@example.org","status":"pending","attempts":1,"last_error":"mailbox full","receipt":{"emailed_at":null,"outcome":null,"outcome_at":null,"outcome_reason":null,"address_bounced":false,"opened_at":null,"verified_at":null,"documents":[]},"reminder":true}]}]"#
        );

        let events = [
            ("recipient", "link_opened", "r1"),
            ("recipient", "verified", "birthday"),
            ("recipient", "verification_failed", "sms_code"),
            ("system", "locked_out", "birthday"),
            ("recipient", "viewed", "d1"),
            ("recipient", "downloaded", "d1"),
            ("staff:a", "staff_viewed", "d1"),
            ("system", "link_renewed", "r1"),
            ("system", "email_sent", "patient"),
            ("system", "email_failed", "patient: mailbox full"),
            ("system", "sms_sent", "r1"),
            ("system", "sms_failed", "no SMS provider configured"),
            ("staff:a", "shared", "secure_link to patient: d1"),
            ("staff:a", "unshared", "all access revoked"),
            ("staff:a", "access_restored", "patient"),
            ("staff:a", "link_revoked", "l1"),
            ("staff:a", "document_replaced", "d1"),
            ("staff:a", "document_deleted", "d1"),
            ("staff:a", "address_changed", "patient"),
            ("staff:a", "contact_deleted", "relationship c1"),
            ("staff:a", "patient_erased", "p1"),
            // Written by an older or newer Worker: still readable.
            ("system", "some_future_event", "x"),
        ];
        // From the wire names, so this test does not depend on the enum's spelling.
        let event = |name: &str| serde_json::from_value::<AuditEvent>(name.into()).unwrap();
        for (n, (actor, name, detail)) in (1..).zip(events) {
            db.audit(n, "p1", actor, event(name), detail).unwrap();
        }
        let history = serde_json::to_string(&db.audit_for("p1").unwrap()).unwrap();
        assert_eq!(
            history,
            r#"[{"at":1,"actor":"recipient","event":"link_opened","detail":"r1"},{"at":2,"actor":"recipient","event":"verified","detail":"birthday"},{"at":3,"actor":"recipient","event":"verification_failed","detail":"sms_code"},{"at":4,"actor":"system","event":"locked_out","detail":"birthday"},{"at":5,"actor":"recipient","event":"viewed","detail":"d1"},{"at":6,"actor":"recipient","event":"downloaded","detail":"d1"},{"at":7,"actor":"staff:a","event":"staff_viewed","detail":"d1"},{"at":8,"actor":"system","event":"link_renewed","detail":"r1"},{"at":9,"actor":"system","event":"email_sent","detail":"patient"},{"at":10,"actor":"system","event":"email_failed","detail":"patient: mailbox full"},{"at":11,"actor":"system","event":"sms_sent","detail":"r1"},{"at":12,"actor":"system","event":"sms_failed","detail":"no SMS provider configured"},{"at":13,"actor":"staff:a","event":"shared","detail":"secure_link to patient: d1"},{"at":14,"actor":"staff:a","event":"unshared","detail":"all access revoked"},{"at":15,"actor":"staff:a","event":"access_restored","detail":"patient"},{"at":16,"actor":"staff:a","event":"link_revoked","detail":"l1"},{"at":17,"actor":"staff:a","event":"document_replaced","detail":"d1"},{"at":18,"actor":"staff:a","event":"document_deleted","detail":"d1"},{"at":19,"actor":"staff:a","event":"address_changed","detail":"patient"},{"at":20,"actor":"staff:a","event":"contact_deleted","detail":"relationship c1"},{"at":21,"actor":"staff:a","event":"patient_erased","detail":"p1"},{"at":22,"actor":"system","event":"some_future_event","detail":"x"}]"#
        );

        for (n, name) in (1..).zip([
            "settings_changed",
            "staff_role_set",
            "staff_removed",
            "api_key_created",
            "api_key_revoked",
            "practice_created",
            "practice_adopted",
            "practice_suspended",
            "practice_resumed",
        ]) {
            db.audit(n, "", "operator", event(name), "").unwrap();
        }
        let practice = serde_json::to_string(&db.practice_audit().unwrap()).unwrap();
        assert_eq!(
            practice,
            r#"[{"at":1,"actor":"operator","event":"settings_changed","detail":""},{"at":2,"actor":"operator","event":"staff_role_set","detail":""},{"at":3,"actor":"operator","event":"staff_removed","detail":""},{"at":4,"actor":"operator","event":"api_key_created","detail":""},{"at":5,"actor":"operator","event":"api_key_revoked","detail":""},{"at":6,"actor":"operator","event":"practice_created","detail":""},{"at":7,"actor":"operator","event":"practice_adopted","detail":""},{"at":8,"actor":"operator","event":"practice_suspended","detail":""},{"at":9,"actor":"operator","event":"practice_resumed","detail":""}]"#
        );
    }
}
