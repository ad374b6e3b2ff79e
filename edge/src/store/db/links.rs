//! Links: each one sent, checked against its record and revocable; renewals sent.

use sealpost_shared::time::{from_unix_seconds, Now};
use serde::Deserialize;

use super::{i, opt, s, At, Db};
use crate::http::AppError;

/// An issued link's record.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkRow {
    pub id: String,
    pub recipient_id: String,
    pub revoked_at: Option<i64>,
}

/// A link with the recipient it was sent to, for the clinic's list.
#[derive(Debug, Clone, Deserialize)]
pub struct PatientLinkRow {
    pub id: String,
    pub kind: String,
    pub contact_scope: Option<String>,
    pub contact_id: Option<String>,
    pub share_id: Option<String>,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Db {
    pub fn insert_link(
        &self,
        id: &str,
        recipient_id: &str,
        share_id: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO links (id, recipient_id, share_id, issued_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
            &[s(id), s(recipient_id), opt(share_id), i(now), i(expires_at)],
        )
    }

    pub fn link(&self, id: &str) -> Result<Option<LinkRow>, AppError> {
        self.first(
            "SELECT id, recipient_id, revoked_at FROM links WHERE id = ?",
            &[s(id)],
        )
    }

    /// Every link sent to anyone for this patient, newest first.
    pub fn links_of_patient(&self, patient_id: &str) -> Result<Vec<PatientLinkRow>, AppError> {
        self.rows(
            "SELECT l.id, r.kind, r.contact_scope, r.contact_id, l.share_id, l.issued_at,
                    l.expires_at, l.revoked_at
             FROM recipients r JOIN links l ON l.recipient_id = r.id
             WHERE r.patient_id = ? ORDER BY l.issued_at DESC, l.rowid DESC",
            &[s(patient_id)],
        )
    }

    pub fn revoke_link(&self, id: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            &[i(now), s(id)],
        )
    }

    /// Every outstanding link of a recipient stops working (an unshare, a new address).
    pub fn revoke_links_of(&self, recipient_id: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE links SET revoked_at = ? WHERE recipient_id = ? AND revoked_at IS NULL",
            &[i(now), s(recipient_id)],
        )
    }

    pub fn renewals(&self, recipient_id: &str) -> Result<Vec<Now>, AppError> {
        Ok(self
            .rows::<At>(
                "SELECT sent_at FROM renewals WHERE recipient_id = ? ORDER BY sent_at",
                &[s(recipient_id)],
            )?
            .into_iter()
            .map(|r| from_unix_seconds(r.sent_at))
            .collect())
    }

    /// Replaces the recipient's renewal log with `sent` (already pruned by the core).
    pub fn set_renewals(&self, recipient_id: &str, sent: &[Now]) -> Result<(), AppError> {
        self.run(
            "DELETE FROM renewals WHERE recipient_id = ?",
            &[s(recipient_id)],
        )?;
        for at in sent {
            self.run(
                "INSERT INTO renewals (recipient_id, sent_at) VALUES (?, ?)",
                &[s(recipient_id), i(at.timestamp())],
            )?;
        }
        Ok(())
    }
}
