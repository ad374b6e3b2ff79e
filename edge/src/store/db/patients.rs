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

    /// Patients whose name or id contains `q` (case-insensitive), by name then id: at most
    /// `fetch` of them, after the patient `after` (a page's last id; `""` for the first page).
    /// The cursor is an id, never a name; the name it sorts by is looked up here.
    pub fn find_patients(
        &self,
        q: &str,
        after: &str,
        fetch: i64,
    ) -> Result<Vec<PatientRow>, AppError> {
        // `!` escapes LIKE's wildcards so a search for "50%" means what it says.
        let escaped = q.replace('!', "!!").replace('%', "!%").replace('_', "!_");
        let pattern = format!("%{escaped}%");
        self.rows(
            "SELECT id, name, date_of_birth, email, mobile, access_epoch, revoked FROM patients
             WHERE (name LIKE ? ESCAPE '!' OR id LIKE ? ESCAPE '!') AND erased_at IS NULL
               AND (name, id) > (coalesce((SELECT p.name FROM patients p WHERE p.id = ?), ''), ?)
             ORDER BY name, id LIMIT ?",
            &[s(&pattern), s(&pattern), s(after), s(after), i(fetch)],
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
        // A bounce flag holds the address that bounced: erased with the rest.
        self.run(
            "UPDATE recipients SET bounced_email = NULL, bounced_at = NULL WHERE patient_id = ?",
            &[s(patient_id)],
        )?;
        self.run(
            "DELETE FROM mail_jobs WHERE patient_id = ?",
            &[s(patient_id)],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use crate::store::sql::Sql;
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn upsert_then_read_and_update() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient(
            "p1",
            "Ann Lee",
            "1980-02-03",
            None,
            Some("+447700900001"),
            "r1",
            100,
        )
        .unwrap();
        let p = db.patient("p1").unwrap().unwrap();
        assert_eq!(
            (p.name.as_str(), p.date_of_birth.as_str(), p.email.as_str()),
            ("Ann Lee", "1980-02-03", "")
        );
        assert_eq!(p.email_on_file(), None);
        assert_eq!(p.mobile.as_deref(), Some("+447700900001"));
        assert_eq!((p.access_epoch, p.revoked), (0, 0));
        assert_eq!(db.patient_recipient("p1").unwrap().unwrap().id, "r1");

        // Updating keeps the one patient recipient (a second id is not created).
        db.upsert_patient(
            "p1",
            "Ann Leigh",
            "1980-02-03",
            Some("ann@example.org"),
            None,
            "r2",
            200,
        )
        .unwrap();
        let p = db.patient("p1").unwrap().unwrap();
        assert_eq!(p.name, "Ann Leigh");
        assert_eq!(p.email_on_file(), Some("ann@example.org"));
        assert_eq!(p.mobile, None);
        assert_eq!(db.patient_recipient("p1").unwrap().unwrap().id, "r1");
        assert!(db.recipient("r2").unwrap().is_none());
        assert!(db.patient("nobody").unwrap().is_none());
    }

    #[test]
    fn find_patients_by_name_or_id_with_wildcards_taken_literally() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient("p-500", "Zoe 500", "1990-01-01", None, None, "r1", 1)
            .unwrap();
        db.upsert_patient("p-50x", "amy 50% off", "1990-01-01", None, None, "r2", 1)
            .unwrap();
        db.upsert_patient("p-3", "Bob", "1990-01-01", None, None, "r3", 1)
            .unwrap();
        let names = |q: &str| -> Vec<String> {
            db.find_patients(q, "", 50)
                .unwrap()
                .into_iter()
                .map(|p| p.name)
                .collect()
        };
        // Case-insensitive, ordered by name.
        assert_eq!(names("O"), ["Bob", "Zoe 500", "amy 50% off"]);
        assert_eq!(names("50%"), ["amy 50% off"]);
        assert_eq!(names("p-3"), ["Bob"]);
        assert_eq!(names("_"), Vec::<String>::new());
        db.erase_patient("p-3", 5).unwrap();
        assert_eq!(names("p-3"), Vec::<String>::new());
    }

    #[test]
    fn find_patients_pages_by_name_then_id_without_gaps_or_repeats() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        // 7 patients, several sharing a name: the id breaks the tie.
        for (id, name) in [
            ("p7", "Cy"),
            ("p1", "Ann"),
            ("p3", "Ann"),
            ("p2", "Ann"),
            ("p5", "Bo"),
            ("p4", "Bo"),
            ("p6", "Ann"),
        ] {
            db.upsert_patient(id, name, "1990-01-01", None, None, &format!("r{id}"), 1)
                .unwrap();
        }
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let mut rows = db.find_patients("", &after, 3).unwrap();
            let more = rows.len() == 3;
            rows.truncate(2);
            if rows.is_empty() {
                break;
            }
            after = rows.last().unwrap().id.clone();
            seen.extend(rows.into_iter().map(|r| r.id));
            if !more {
                break;
            }
        }
        assert_eq!(seen, ["p1", "p2", "p3", "p6", "p4", "p5", "p7"]);
    }

    #[test]
    fn revoke_patient_revokes_recipients_links_and_sessions() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient("p1", "Ann", "1980-01-01", None, None, "r1", 1)
            .unwrap();
        db.upsert_patient("p2", "Other", "1980-01-01", None, None, "r9", 1)
            .unwrap();
        db.contact_recipient("p1", "relationship", "c1", "r2", 1)
            .unwrap();
        db.insert_link("l1", "r1", None, 10, 1000).unwrap();
        db.insert_link("l2", "r2", None, 10, 1000).unwrap();
        db.insert_link("l3", "r2", None, 10, 1000).unwrap();
        db.insert_link("l9", "r9", None, 10, 1000).unwrap();
        db.revoke_link("l3", 20).unwrap();
        db.insert_session("k1", "r1", "p1", 0, 10).unwrap();
        db.insert_session("k9", "r9", "p2", 0, 10).unwrap();

        db.revoke_patient("p1", 50).unwrap();

        let p = db.patient("p1").unwrap().unwrap();
        assert_eq!((p.revoked, p.access_epoch), (1, 1));
        assert_eq!(db.recipient("r1").unwrap().unwrap().revoked, 1);
        assert_eq!(db.recipient("r2").unwrap().unwrap().revoked, 1);
        assert_eq!(db.link("l1").unwrap().unwrap().revoked_at, Some(50));
        assert_eq!(db.link("l2").unwrap().unwrap().revoked_at, Some(50));
        // Already revoked: keeps when.
        assert_eq!(db.link("l3").unwrap().unwrap().revoked_at, Some(20));
        assert!(db.session("k1").unwrap().is_none());
        // Another patient is untouched.
        assert_eq!(db.recipient("r9").unwrap().unwrap().revoked, 0);
        assert_eq!(db.link("l9").unwrap().unwrap().revoked_at, None);
        assert!(db.session("k9").unwrap().is_some());

        // Sharing again clears the mark; the epoch stays bumped; contacts stay revoked.
        db.restore_access("p1").unwrap();
        let p = db.patient("p1").unwrap().unwrap();
        assert_eq!((p.revoked, p.access_epoch), (0, 1));
        assert_eq!(db.recipient("r2").unwrap().unwrap().revoked, 1);
    }

    #[test]
    fn erase_patient_empties_the_row_and_drops_what_is_theirs() {
        let (db, sql) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient(
            "p1",
            "Ann",
            "1980-01-01",
            Some("a@example.org"),
            None,
            "r1",
            1,
        )
        .unwrap();
        db.upsert_contact("relationship", "p1", "c1", "Bo", None, None, None, false, 1)
            .unwrap();
        db.upsert_document(
            "d1",
            "p1",
            "letter",
            "Letter",
            "2024-01-01",
            5,
            "application/pdf",
            "k/d1",
            None,
            1,
        )
        .unwrap();
        db.grant("r1", "d1", "s1", None, 2).unwrap();
        db.insert_mail(
            &super::super::NewMail {
                id: "m1",
                share_id: None,
                recipient_id: None,
                recipient_label: "patient",
                attachments: None,
                patient_id: "p1",
                to: "a@example.org",
                from_email: "clinic@example.org",
                from_name: "Clinic",
                subject: "Hi",
                body: "link",
            },
            2,
        )
        .unwrap();
        db.flag_bounced("r1", "a@example.org", 3).unwrap();

        db.erase_patient("p1", 9).unwrap();
        let flags = sql
            .query(
                "SELECT count(*) AS n FROM recipients WHERE bounced_email IS NOT NULL",
                &[],
            )
            .unwrap();
        assert_eq!(flags[0]["n"], 0, "no bounced address survives erasure");

        assert!(db.patient("p1").unwrap().is_none());
        let raw = sql
            .query(
                "SELECT name, email, erased_at FROM patients WHERE id = 'p1'",
                &[],
            )
            .unwrap();
        assert_eq!(raw[0]["name"], "");
        assert_eq!(raw[0]["email"], "");
        assert_eq!(raw[0]["erased_at"], 9);
        assert!(db.contacts("relationship", "p1").unwrap().is_empty());
        assert!(db.document("d1").unwrap().is_none());
        // The id stays the patient's, so it is never re-pointed.
        assert_eq!(db.document_owner("d1").unwrap().as_deref(), Some("p1"));
        assert_eq!(db.storage_keys_of("p1").unwrap(), ["k/d1"]);
        assert!(db.documents_for("r1").unwrap().is_empty());
        assert!(db.outbox().unwrap().is_empty());
        assert_eq!(db.recipient("r1").unwrap().unwrap().revoked, 1);

        // Registering the patient again brings the row back.
        db.upsert_patient("p1", "Ann", "1980-01-01", None, None, "r1", 10)
            .unwrap();
        assert!(db.patient("p1").unwrap().is_some());
    }
}
