//! The append-only audit.

use serde::{Deserialize, Serialize};

use super::{i, s, Db};
use crate::http::AppError;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuditRow {
    pub at: i64,
    pub actor: String,
    pub event: String,
    pub detail: String,
}

impl Db {
    /// Appends to the audit. The schema refuses updates and deletes on this table.
    pub fn audit(
        &self,
        now: i64,
        patient_id: &str,
        actor: &str,
        event: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO audit (at, patient_id, actor, event, detail) VALUES (?, ?, ?, ?, ?)",
            &[i(now), s(patient_id), s(actor), s(event), s(detail)],
        )
    }

    /// The practice's own events (settings changes), oldest first. They are stored with the
    /// empty patient id.
    pub fn practice_audit(&self) -> Result<Vec<AuditRow>, AppError> {
        self.audit_for("")
    }

    pub fn audit_for(&self, patient_id: &str) -> Result<Vec<AuditRow>, AppError> {
        self.rows(
            "SELECT at, actor, event, detail FROM audit WHERE patient_id = ? ORDER BY id",
            &[s(patient_id)],
        )
    }
}
