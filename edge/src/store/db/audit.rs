//! The append-only audit.

use sealpost_shared::history::{AuditEntry, AuditEvent};

use serde::Deserialize;

use super::{i, s, Db};
use crate::http::AppError;

impl Db {
    /// Appends to the audit. The schema refuses updates and deletes on this table.
    pub fn audit(
        &self,
        now: i64,
        patient_id: &str,
        actor: &str,
        event: AuditEvent,
        detail: &str,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO audit (at, patient_id, actor, event, detail) VALUES (?, ?, ?, ?, ?)",
            &[
                i(now),
                s(patient_id),
                s(actor),
                s(event.as_str()),
                s(detail),
            ],
        )
    }

    /// The practice's own events (settings changes), oldest first. They are stored with the
    /// empty patient id. (The API pages them: [`Db::audit_page`].)
    #[cfg(test)]
    pub fn practice_audit(&self) -> Result<Vec<AuditEntry>, AppError> {
        self.audit_for("")
    }

    /// A page of a patient's audit (or with `""` the practice's own), oldest first: the
    /// events after the record `after` (`0` for the first page), at most `fetch`, each with
    /// its record number (the page key).
    pub fn audit_page(
        &self,
        patient_id: &str,
        after: i64,
        fetch: i64,
    ) -> Result<Vec<(i64, AuditEntry)>, AppError> {
        #[derive(Deserialize)]
        struct Row {
            id: i64,
            #[serde(flatten)]
            entry: AuditEntry,
        }
        Ok(self
            .rows::<Row>(
                "SELECT id, at, actor, event, detail FROM audit WHERE patient_id = ? AND id > ?
                 ORDER BY id LIMIT ?",
                &[s(patient_id), i(after), i(fetch)],
            )?
            .into_iter()
            .map(|r| (r.id, r.entry))
            .collect())
    }

    /// A patient's whole audit, oldest first (the API pages it: [`Db::audit_page`]).
    #[cfg(test)]
    pub fn audit_for(&self, patient_id: &str) -> Result<Vec<AuditEntry>, AppError> {
        self.rows(
            "SELECT at, actor, event, detail FROM audit WHERE patient_id = ? ORDER BY id",
            &[s(patient_id)],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use sealpost_shared::history::AuditEvent;

    use crate::http::AppError;
    use crate::store::sql::Sql;
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn audit_for_a_patient_in_order_and_the_practice_apart() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.audit(30, "p1", "staff:a", AuditEvent::Shared, "s1")
            .unwrap();
        db.audit(10, "p2", "staff:a", AuditEvent::Shared, "s2")
            .unwrap();
        // Order is the order written, even when the clock says otherwise.
        db.audit(20, "p1", "recipient", AuditEvent::Verified, "birthday")
            .unwrap();
        db.audit(
            40,
            "",
            "staff:admin",
            AuditEvent::SettingsChanged,
            "practice_name",
        )
        .unwrap();
        let events: Vec<(i64, AuditEvent)> = db
            .audit_for("p1")
            .unwrap()
            .into_iter()
            .map(|a| (a.at, a.event))
            .collect();
        assert_eq!(
            events,
            [(30, AuditEvent::Shared), (20, AuditEvent::Verified)]
        );
        let practice = db.practice_audit().unwrap();
        assert_eq!(practice.len(), 1);
        assert_eq!(practice[0].actor, "staff:admin");
        assert_eq!(practice[0].detail, "practice_name");

        // Paged by record number: the practice's page holds only its own events.
        let page = db.audit_page("p1", 0, 1).unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].1.event, AuditEvent::Shared);
        let rest = db.audit_page("p1", page[0].0, 5).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].1.event, AuditEvent::Verified);
        assert!(db.audit_page("p1", rest[0].0, 5).unwrap().is_empty());
        assert_eq!(db.audit_page("", 0, 5).unwrap().len(), 1);
    }

    #[test]
    fn the_database_refuses_to_change_or_delete_audit_rows() {
        let (db, sql) = SqliteSql::migrated_db().unwrap();
        db.audit(1, "p1", "staff:a", AuditEvent::Shared, "s1")
            .unwrap();
        for statement in [
            "UPDATE audit SET detail = 'x'",
            "DELETE FROM audit",
            "DELETE FROM audit WHERE patient_id = 'p1'",
        ] {
            match sql.execute(statement, &[]) {
                Err(AppError::Internal(detail)) => {
                    assert!(
                        detail.contains("audit is append-only"),
                        "{statement}: {detail}"
                    )
                }
                other => panic!("{statement} was not refused: {other:?}"),
            }
        }
        assert_eq!(db.audit_for("p1").unwrap()[0].detail, "s1");
    }
}
