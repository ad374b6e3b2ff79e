//! Contacts: a patient's relationships and the practice's own contacts.

use serde::{Deserialize, Serialize};

use super::{i, opt, s, Db};
use crate::http::AppError;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ContactRow {
    pub id: String,
    pub scope: String,
    pub patient_id: String,
    pub name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub relation: Option<String>,
    pub emergency: i64,
}

const CONTACT_COLUMNS: &str = "id, scope, patient_id, name, email, mobile, relation, emergency";

impl Db {
    #[allow(clippy::too_many_arguments)]
    pub fn upsert_contact(
        &self,
        scope: &str,
        patient_id: &str,
        id: &str,
        name: &str,
        email: Option<&str>,
        mobile: Option<&str>,
        relation: Option<&str>,
        emergency: bool,
        now: i64,
    ) -> Result<(), AppError> {
        let opt = |v: Option<&str>| opt(v);
        self.run(
            "INSERT INTO contacts (id, scope, patient_id, name, email, mobile, relation, emergency,
                 created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (scope, patient_id, id) DO UPDATE SET name = excluded.name,
                 email = excluded.email, mobile = excluded.mobile, relation = excluded.relation,
                 emergency = excluded.emergency, updated_at = excluded.updated_at",
            &[
                s(id),
                s(scope),
                s(patient_id),
                s(name),
                opt(email),
                opt(mobile),
                opt(relation),
                i(i64::from(emergency)),
                i(now),
                i(now),
            ],
        )
    }

    /// The contacts of one scope: a patient's relationships, or (with `patient_id` = "")
    /// the practice's contacts.
    pub fn contacts(&self, scope: &str, patient_id: &str) -> Result<Vec<ContactRow>, AppError> {
        self.rows(
            &format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts WHERE scope = ? AND patient_id = ? ORDER BY name"
            ),
            &[s(scope), s(patient_id)],
        )
    }

    /// A page of one scope's contacts by name then id: at most `fetch`, after the contact
    /// `after` (the last id of the previous page; `""` for the first).
    pub fn contacts_page(
        &self,
        scope: &str,
        patient_id: &str,
        after: &str,
        fetch: i64,
    ) -> Result<Vec<ContactRow>, AppError> {
        self.rows(
            &format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts WHERE scope = ? AND patient_id = ?
                   AND (name, id) > (coalesce((SELECT c.name FROM contacts c
                       WHERE c.scope = ? AND c.patient_id = ? AND c.id = ?), ''), ?)
                 ORDER BY name, id LIMIT ?"
            ),
            &[
                s(scope),
                s(patient_id),
                s(scope),
                s(patient_id),
                s(after),
                s(after),
                i(fetch),
            ],
        )
    }

    /// Removes a contact from the directory (its recipient entries are revoked by the caller).
    pub fn delete_contact(&self, scope: &str, patient_id: &str, id: &str) -> Result<(), AppError> {
        self.run(
            "DELETE FROM contacts WHERE scope = ? AND patient_id = ? AND id = ?",
            &[s(scope), s(patient_id), s(id)],
        )
    }

    pub fn contact(
        &self,
        scope: &str,
        patient_id: &str,
        id: &str,
    ) -> Result<Option<ContactRow>, AppError> {
        self.first(
            &format!(
                "SELECT {CONTACT_COLUMNS} FROM contacts WHERE scope = ? AND patient_id = ? AND id = ?"
            ),
            &[s(scope), s(patient_id), s(id)],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn contacts_by_scope_sorted_updated_and_deleted() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_contact(
            "practice",
            "",
            "gp",
            "Dr Grey",
            Some("gp@example.org"),
            None,
            None,
            false,
            1,
        )
        .unwrap();
        db.upsert_contact(
            "practice",
            "",
            "ae",
            "A&E",
            None,
            Some("+447700900002"),
            None,
            true,
            1,
        )
        .unwrap();
        db.upsert_contact(
            "relationship",
            "p1",
            "gp",
            "Mum",
            None,
            None,
            Some("mother"),
            true,
            1,
        )
        .unwrap();
        let names = |scope: &str, patient: &str| -> Vec<String> {
            db.contacts(scope, patient)
                .unwrap()
                .into_iter()
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(names("practice", ""), ["A&E", "Dr Grey"]);
        assert_eq!(names("relationship", "p1"), ["Mum"]);
        assert!(names("relationship", "p2").is_empty());

        db.upsert_contact("practice", "", "gp", "Dr Green", None, None, None, true, 2)
            .unwrap();
        let gp = db.contact("practice", "", "gp").unwrap().unwrap();
        assert_eq!(
            (gp.name.as_str(), gp.email.as_deref(), gp.emergency),
            ("Dr Green", None, 1)
        );
        let mum = db.contact("relationship", "p1", "gp").unwrap().unwrap();
        assert_eq!(mum.relation.as_deref(), Some("mother"));

        // Paged: by name, then id; after a contact's id.
        db.upsert_contact("practice", "", "zz", "A&E", None, None, None, false, 3)
            .unwrap();
        let page = |after: &str| -> Vec<String> {
            db.contacts_page("practice", "", after, 2)
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect()
        };
        assert_eq!(page(""), ["ae", "zz"]);
        assert_eq!(page("zz"), ["gp"]);
        assert!(page("gp").is_empty());

        db.delete_contact("practice", "", "gp").unwrap();
        assert!(db.contact("practice", "", "gp").unwrap().is_none());
        assert!(db.contact("relationship", "p1", "gp").unwrap().is_some());
    }
}
