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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn a_contact_gets_one_recipient_per_patient_and_is_revoked_alone() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient("p1", "Ann", "1980-01-01", None, None, "r1", 1)
            .unwrap();
        db.upsert_patient("p2", "Bob", "1980-01-01", None, None, "r2", 1)
            .unwrap();
        let first = db
            .contact_recipient("p1", "practice", "gp", "rc1", 5)
            .unwrap()
            .unwrap();
        // Asking again returns the same entry; the new id is not used.
        let again = db
            .contact_recipient("p1", "practice", "gp", "unused", 6)
            .unwrap()
            .unwrap();
        assert_eq!((first.id.as_str(), again.id.as_str()), ("rc1", "rc1"));
        assert!(db.recipient("unused").unwrap().is_none());
        db.contact_recipient("p2", "practice", "gp", "rc2", 5)
            .unwrap();
        db.contact_recipient("p1", "relationship", "gp", "rc3", 5)
            .unwrap();
        assert_eq!(first.kind, "contact");
        assert_eq!(first.contact_scope.as_deref(), Some("practice"));

        // A practice contact has an entry per patient; a relationship only its patient's.
        let ids = |scope: &str, patient: &str| -> Vec<String> {
            let mut ids: Vec<String> = db
                .recipients_of_contact(scope, patient, "gp")
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids("practice", ""), ["rc1", "rc2"]);
        assert_eq!(ids("relationship", "p1"), ["rc3"]);
        assert!(ids("relationship", "p2").is_empty());

        db.insert_link("l1", "rc1", None, 10, 100).unwrap();
        db.insert_link("l2", "r1", None, 10, 100).unwrap();
        db.insert_session("k1", "rc1", "p1", 0, 10).unwrap();
        db.insert_session("k2", "r1", "p1", 0, 10).unwrap();
        db.revoke_recipient("rc1", 20).unwrap();
        assert_eq!(db.recipient("rc1").unwrap().unwrap().revoked, 1);
        assert_eq!(db.link("l1").unwrap().unwrap().revoked_at, Some(20));
        assert!(db.session("k1").unwrap().is_none());
        // The patient's own access is untouched.
        assert_eq!(db.recipient("r1").unwrap().unwrap().revoked, 0);
        assert_eq!(db.link("l2").unwrap().unwrap().revoked_at, None);
        assert!(db.session("k2").unwrap().is_some());

        db.restore_recipient("rc1").unwrap();
        assert_eq!(db.recipient("rc1").unwrap().unwrap().revoked, 0);
        // Restoring does not bring old links back: a later share sends new ones.
        assert_eq!(db.link("l1").unwrap().unwrap().revoked_at, Some(20));
    }

    #[test]
    fn a_recipient_needs_a_known_patient() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        assert!(db
            .contact_recipient("nobody", "practice", "gp", "rc1", 5)
            .is_err());
    }
}
