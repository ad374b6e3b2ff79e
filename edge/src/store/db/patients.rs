//! Patients: who documents are shared for; unsharing and erasure.

use serde::Deserialize;

use super::{i, opt, s, Db};
use crate::http::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct PatientRow {
    pub id: String,
    pub name: String,
    pub date_of_birth: String,
    pub email: String,
    pub mobile: Option<String>,
    pub access_epoch: i64,
    pub revoked: i64,
}

impl PatientRow {
    /// The email on file; `None` for a patient without email (stored as '').
    pub fn email_on_file(&self) -> Option<&str> {
        Some(self.email.as_str()).filter(|e| !e.is_empty())
    }
}

impl Db {
    /// Creates or updates a patient, and the patient's own recipient entry.
    #[allow(clippy::too_many_arguments)]
    pub fn upsert_patient(
        &self,
        id: &str,
        name: &str,
        date_of_birth: &str,
        email: Option<&str>,
        mobile: Option<&str>,
        recipient_id: &str,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO patients (id, name, date_of_birth, email, mobile, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                 date_of_birth = excluded.date_of_birth, email = excluded.email,
                 mobile = excluded.mobile, updated_at = excluded.updated_at, erased_at = NULL",
            &[
                s(id),
                s(name),
                s(date_of_birth),
                s(email.unwrap_or_default()),
                opt(mobile),
                i(now),
                i(now),
            ],
        )?;
        self.run(
            "INSERT INTO recipients (id, patient_id, kind, created_at)
             SELECT ?, ?, 'patient', ?
             WHERE NOT EXISTS (SELECT 1 FROM recipients WHERE patient_id = ? AND kind = 'patient')",
            &[s(recipient_id), s(id), i(now), s(id)],
        )
    }

    /// Patients whose name or id contains `q` (case-insensitive), by name, at most 50.
    pub fn find_patients(&self, q: &str) -> Result<Vec<PatientRow>, AppError> {
        // `!` escapes LIKE's wildcards so a search for "50%" means what it says.
        let escaped = q.replace('!', "!!").replace('%', "!%").replace('_', "!_");
        let pattern = format!("%{escaped}%");
        self.rows(
            "SELECT id, name, date_of_birth, email, mobile, access_epoch, revoked FROM patients
             WHERE (name LIKE ? ESCAPE '!' OR id LIKE ? ESCAPE '!') AND erased_at IS NULL
             ORDER BY name LIMIT 50",
            &[s(&pattern), s(&pattern)],
        )
    }

    pub fn patient(&self, id: &str) -> Result<Option<PatientRow>, AppError> {
        self.first(
            "SELECT id, name, date_of_birth, email, mobile, access_epoch, revoked
             FROM patients WHERE id = ? AND erased_at IS NULL",
            &[s(id)],
        )
    }

    /// Sharing with the patient again clears the patient's revoked mark (the console's
    /// "unshared" badge). The epoch stays bumped, so sessions from before the unshare remain
    /// dead. Contacts' access is restored one by one, by [`Db::restore_recipient`].
    pub fn restore_access(&self, patient_id: &str) -> Result<(), AppError> {
        self.run(
            "UPDATE patients SET revoked = 0 WHERE id = ?",
            &[s(patient_id)],
        )
    }

    /// Unshare: every link and session of the patient stops working on the next request. The
    /// epoch bump makes any session that escaped the delete useless too.
    ///
    /// Revocation is per recipient: every recipient of the patient is revoked here, and a
    /// later share restores only the recipients it is addressed to.
    pub fn revoke_patient(&self, patient_id: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE patients SET revoked = 1, access_epoch = access_epoch + 1 WHERE id = ?",
            &[s(patient_id)],
        )?;
        self.run(
            "UPDATE recipients SET revoked = 1 WHERE patient_id = ?",
            &[s(patient_id)],
        )?;
        self.run(
            "UPDATE links SET revoked_at = ? WHERE revoked_at IS NULL
               AND recipient_id IN (SELECT id FROM recipients WHERE patient_id = ?)",
            &[i(now), s(patient_id)],
        )?;
        self.run(
            "DELETE FROM sessions WHERE patient_id = ?",
            &[s(patient_id)],
        )
    }

    /// Erasure: the patient's personal data is emptied and the row marked erased (ids in the
    /// audit keep meaning "this patient"); relationships, sessions and queued mail go; every
    /// link and recipient is revoked; documents are marked deleted with their titles emptied
    /// but keep their ids, so no id is ever re-pointed to another patient.
    pub fn erase_patient(&self, patient_id: &str, now: i64) -> Result<(), AppError> {
        self.revoke_patient(patient_id, now)?;
        self.run(
            "UPDATE patients SET name = '', date_of_birth = '', email = '', mobile = NULL,
                 erased_at = ?, updated_at = ? WHERE id = ?",
            &[i(now), i(now), s(patient_id)],
        )?;
        self.run(
            "DELETE FROM contacts WHERE scope = 'relationship' AND patient_id = ?",
            &[s(patient_id)],
        )?;
        self.run(
            "UPDATE documents SET deleted = 1, title = '' WHERE patient_id = ?",
            &[s(patient_id)],
        )?;
        self.run(
            "DELETE FROM grants WHERE recipient_id IN
                 (SELECT id FROM recipients WHERE patient_id = ?)",
            &[s(patient_id)],
        )?;
        self.run(
            "DELETE FROM mail_jobs WHERE patient_id = ?",
            &[s(patient_id)],
        )
    }
}
