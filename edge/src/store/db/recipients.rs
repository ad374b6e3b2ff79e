//! Recipients: the patient and each contact a patient's documents are shared with; each is
//! revoked and restored on its own.

use serde::Deserialize;

use super::{i, s, Db};
use crate::http::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct RecipientRow {
    pub id: String,
    pub patient_id: String,
    pub kind: String,
    pub contact_scope: Option<String>,
    pub contact_id: Option<String>,
    pub revoked: i64,
}

const RECIPIENT_COLUMNS: &str = "id, patient_id, kind, contact_scope, contact_id, revoked";

impl Db {
    pub fn patient_recipient(&self, patient_id: &str) -> Result<Option<RecipientRow>, AppError> {
        self.first(
            &format!(
                "SELECT {RECIPIENT_COLUMNS} FROM recipients WHERE patient_id = ? AND kind = 'patient'"
            ),
            &[s(patient_id)],
        )
    }

    pub fn recipient(&self, id: &str) -> Result<Option<RecipientRow>, AppError> {
        self.first(
            &format!("SELECT {RECIPIENT_COLUMNS} FROM recipients WHERE id = ?"),
            &[s(id)],
        )
    }

    /// The recipient entry of a contact for a patient, created on first use.
    pub fn contact_recipient(
        &self,
        patient_id: &str,
        scope: &str,
        contact_id: &str,
        new_id: &str,
        now: i64,
    ) -> Result<Option<RecipientRow>, AppError> {
        self.run(
            "INSERT INTO recipients (id, patient_id, kind, contact_scope, contact_id, created_at)
             SELECT ?, ?, 'contact', ?, ?, ?
             WHERE NOT EXISTS (SELECT 1 FROM recipients WHERE patient_id = ? AND kind = 'contact'
                               AND contact_scope = ? AND contact_id = ?)",
            &[
                s(new_id),
                s(patient_id),
                s(scope),
                s(contact_id),
                i(now),
                s(patient_id),
                s(scope),
                s(contact_id),
            ],
        )?;
        self.first(
            &format!(
                "SELECT {RECIPIENT_COLUMNS} FROM recipients WHERE patient_id = ? AND kind = 'contact'
                 AND contact_scope = ? AND contact_id = ?"
            ),
            &[s(patient_id), s(scope), s(contact_id)],
        )
    }

    /// Revokes one recipient: their links stop working for good (a later share sends new
    /// ones) and their sessions end now.
    pub fn revoke_recipient(&self, recipient_id: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE recipients SET revoked = 1 WHERE id = ?",
            &[s(recipient_id)],
        )?;
        self.revoke_links_of(recipient_id, now)?;
        self.run(
            "DELETE FROM sessions WHERE recipient_id = ?",
            &[s(recipient_id)],
        )
    }

    /// The recipient entries of one contact: a relationship has one (its patient's), a
    /// practice contact one per patient it was shared for.
    pub fn recipients_of_contact(
        &self,
        scope: &str,
        patient_id: &str,
        contact_id: &str,
    ) -> Result<Vec<RecipientRow>, AppError> {
        self.rows(
            &format!(
                "SELECT {RECIPIENT_COLUMNS} FROM recipients
                 WHERE contact_scope = ? AND contact_id = ? AND kind = 'contact'
                   AND (contact_scope = 'practice' OR patient_id = ?)"
            ),
            &[s(scope), s(contact_id), s(patient_id)],
        )
    }

    pub fn restore_recipient(&self, recipient_id: &str) -> Result<(), AppError> {
        self.run(
            "UPDATE recipients SET revoked = 0 WHERE id = ?",
            &[s(recipient_id)],
        )
    }
}
