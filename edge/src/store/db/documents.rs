//! Documents: what is stored for a patient, and what each recipient was granted.

use sealpost_shared::chrono::NaiveDate;
use sealpost_shared::ids::DocumentId;
use sealpost_shared::wire::{DocumentKind, SectionHeading};
use serde::Deserialize;

use super::{i, opt, s, Db};
use crate::http::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct DocumentRow {
    pub id: String,
    pub patient_id: String,
    pub kind: String,
    pub title: String,
    pub date: String,
    pub size: i64,
    pub content_type: String,
    pub storage_key: String,
    /// A structured note's sections (JSON, see [`DocumentRow::note_sections`]), if it is one.
    pub sections: Option<String>,
    /// The sections a grant limits the recipient to (JSON); `None` = the whole document.
    pub granted_sections: Option<String>,
}

impl DocumentRow {
    /// The typed id, kind and date, as the wire types need them. Stored values were checked
    /// on the way in, so a failure here means a damaged row: an internal error.
    pub fn typed(&self) -> Result<(DocumentId, DocumentKind, NaiveDate), AppError> {
        let id = DocumentId::try_from(self.id.clone())
            .map_err(|_| AppError::internal("stored document id invalid"))?;
        let kind = serde_json::from_value(serde_json::Value::String(self.kind.clone()))
            .map_err(|_| AppError::internal("stored document kind invalid"))?;
        let date = self
            .date
            .parse()
            .map_err(|_| AppError::internal("stored document date invalid"))?;
        Ok((id, kind, date))
    }

    pub fn size_bytes(&self) -> u64 {
        u64::try_from(self.size).unwrap_or(0)
    }

    /// A structured note's sections in note order: each id, and its title where kept. `None`
    /// for a file (or a damaged list). Rows written since titles are kept hold
    /// `[{"id":"plan","title":"Plan"}]`; older rows hold the ids alone, `["plan"]`.
    pub fn note_sections(&self) -> Option<Vec<(String, Option<String>)>> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Kept {
            Heading(SectionHeading),
            Id(String),
        }
        let kept: Vec<Kept> = serde_json::from_str(self.sections.as_deref()?).ok()?;
        Some(
            kept.into_iter()
                .map(|k| match k {
                    Kept::Heading(h) => (h.id, Some(h.title)),
                    Kept::Id(id) => (id, None),
                })
                .collect(),
        )
    }

    /// A structured note's section ids in note order; `None` for a file.
    pub fn section_ids(&self) -> Option<Vec<String>> {
        self.note_sections()
            .map(|sections| sections.into_iter().map(|(id, _)| id).collect())
    }
}

/// A document as staff list it: the row, its page key and when staff last previewed it.
#[derive(Debug, Clone)]
pub struct StaffDocumentRow {
    pub doc: DocumentRow,
    pub created_at: i64,
    pub last_viewed_at: Option<i64>,
}

impl Db {
    #[allow(clippy::too_many_arguments)]
    pub fn upsert_document(
        &self,
        id: &str,
        patient_id: &str,
        kind: &str,
        title: &str,
        date: &str,
        size: i64,
        content_type: &str,
        storage_key: &str,
        sections: Option<&str>,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO documents (id, patient_id, kind, title, date, size, content_type,
                 storage_key, sections, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
                 date = excluded.date, size = excluded.size,
                 content_type = excluded.content_type, storage_key = excluded.storage_key,
                 sections = excluded.sections, deleted = 0
             -- Belt and braces for `claim_document_id`: an id never moves to another patient.
             WHERE documents.patient_id = excluded.patient_id",
            &[
                s(id),
                s(patient_id),
                s(kind),
                s(title),
                s(date),
                i(size),
                s(content_type),
                s(storage_key),
                opt(sections),
                i(now),
            ],
        )
    }

    /// The patient an id belongs to, whether its document is live or deleted.
    pub fn document_owner(&self, id: &str) -> Result<Option<String>, AppError> {
        #[derive(Deserialize)]
        struct Owner {
            patient_id: String,
        }
        Ok(self
            .first::<Owner>("SELECT patient_id FROM documents WHERE id = ?", &[s(id)])?
            .map(|o| o.patient_id))
    }

    pub fn document(&self, id: &str) -> Result<Option<DocumentRow>, AppError> {
        self.first(
            "SELECT id, patient_id, kind, title, date, size, content_type, storage_key, sections,
                    NULL AS granted_sections
             FROM documents WHERE id = ? AND deleted = 0",
            &[s(id)],
        )
    }

    /// A page of a patient's live documents, newest first (by when first stored, then id),
    /// after the document whose (created_at, id) is `after` (`None` for the first page), at
    /// most `fetch`; each with when staff last previewed it.
    pub fn staff_documents(
        &self,
        patient_id: &str,
        after: Option<(i64, &str)>,
        fetch: i64,
    ) -> Result<Vec<StaffDocumentRow>, AppError> {
        #[derive(Deserialize)]
        struct Row {
            #[serde(flatten)]
            doc: DocumentRow,
            created_at: i64,
        }
        #[derive(Deserialize)]
        struct Viewed {
            id: String,
            last_viewed_at: Option<i64>,
        }
        // Before every real key: the first page.
        let (at, id) = after.unwrap_or((i64::MAX, ""));
        let docs: Vec<Row> = self.rows(
            "SELECT id, patient_id, kind, title, date, size, content_type, storage_key, sections,
                    NULL AS granted_sections, created_at
             FROM documents WHERE patient_id = ? AND deleted = 0
               AND (created_at, id) < (?, ?)
             ORDER BY created_at DESC, id DESC LIMIT ?",
            &[s(patient_id), i(at), s(id), i(fetch)],
        )?;
        let viewed: Vec<Viewed> = self.rows(
            "SELECT detail AS id, max(at) AS last_viewed_at FROM audit
             WHERE patient_id = ? AND event = 'staff_viewed' GROUP BY detail",
            &[s(patient_id)],
        )?;
        Ok(docs
            .into_iter()
            .map(|r| {
                let last_viewed_at = viewed
                    .iter()
                    .find(|v| v.id == r.doc.id)
                    .and_then(|v| v.last_viewed_at);
                StaffDocumentRow {
                    doc: r.doc,
                    created_at: r.created_at,
                    last_viewed_at,
                }
            })
            .collect())
    }

    /// The documents a recipient may see: granted, not deleted; newest first.
    pub fn documents_for(&self, recipient_id: &str) -> Result<Vec<DocumentRow>, AppError> {
        self.rows(
            "SELECT d.id, d.patient_id, d.kind, d.title, d.date, d.size, d.content_type,
                    d.storage_key, d.sections, g.sections AS granted_sections
             FROM grants g JOIN documents d ON d.id = g.document_id
             WHERE g.recipient_id = ? AND d.deleted = 0
             ORDER BY d.date DESC, d.created_at DESC",
            &[s(recipient_id)],
        )
    }

    /// One granted, live document of a recipient.
    pub fn granted_document(
        &self,
        recipient_id: &str,
        document_id: &str,
    ) -> Result<Option<DocumentRow>, AppError> {
        self.first(
            "SELECT d.id, d.patient_id, d.kind, d.title, d.date, d.size, d.content_type,
                    d.storage_key, d.sections, g.sections AS granted_sections
             FROM grants g JOIN documents d ON d.id = g.document_id
             WHERE g.recipient_id = ? AND g.document_id = ? AND d.deleted = 0",
            &[s(recipient_id), s(document_id)],
        )
    }

    /// Deletes a document: it disappears from every share at once.
    pub fn delete_document(&self, document_id: &str) -> Result<(), AppError> {
        self.run(
            "UPDATE documents SET deleted = 1 WHERE id = ?",
            &[s(document_id)],
        )?;
        self.withdraw_document(document_id)
    }

    /// Every stored object of the practice (documents on the clinic's HTTP origin are not
    /// ours to delete and are left out).
    pub fn all_storage_keys(&self) -> Result<Vec<String>, AppError> {
        #[derive(Deserialize)]
        struct Key {
            storage_key: String,
        }
        Ok(self
            .rows::<Key>(
                "SELECT storage_key FROM documents WHERE storage_key NOT LIKE 'http:%'",
                &[],
            )?
            .into_iter()
            .map(|k| k.storage_key)
            .collect())
    }

    /// Where every document of a patient is stored, deleted or not (for erasure).
    pub fn storage_keys_of(&self, patient_id: &str) -> Result<Vec<String>, AppError> {
        #[derive(Deserialize)]
        struct Key {
            storage_key: String,
        }
        Ok(self
            .rows::<Key>(
                "SELECT storage_key FROM documents WHERE patient_id = ?",
                &[s(patient_id)],
            )?
            .into_iter()
            .map(|k| k.storage_key)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use sealpost_shared::history::AuditEvent;

    use crate::store::db::{Db, DocumentRow};
    use crate::store::sqlite::SqliteSql;

    fn doc(db: &Db, id: &str, patient: &str, title: &str, date: &str, now: i64) {
        db.upsert_document(
            id,
            patient,
            "letter",
            title,
            date,
            10,
            "application/pdf",
            &format!("k/{id}"),
            None,
            now,
        )
        .unwrap();
    }

    fn two_patients() -> Db {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient("p1", "Ann", "1980-01-01", None, None, "r1", 1)
            .unwrap();
        db.upsert_patient("p2", "Bob", "1980-01-01", None, None, "r2", 1)
            .unwrap();
        db
    }

    #[test]
    fn a_document_id_never_moves_to_another_patient() {
        let db = two_patients();
        doc(&db, "d1", "p1", "Ann's letter", "2024-01-01", 1);
        // The same id uploaded for another patient: the upsert leaves the row alone.
        doc(&db, "d1", "p2", "Bob's letter", "2024-02-02", 2);
        let d = db.document("d1").unwrap().unwrap();
        assert_eq!(
            (d.patient_id.as_str(), d.title.as_str()),
            ("p1", "Ann's letter")
        );
        assert_eq!(db.document_owner("d1").unwrap().as_deref(), Some("p1"));
        assert!(db.staff_documents("p2", None, 10).unwrap().is_empty());
        // The owner may replace it, which also brings a deleted document back.
        db.delete_document("d1").unwrap();
        assert!(db.document("d1").unwrap().is_none());
        assert_eq!(db.document_owner("d1").unwrap().as_deref(), Some("p1"));
        doc(&db, "d1", "p1", "Ann's letter v2", "2024-01-01", 3);
        assert_eq!(db.document("d1").unwrap().unwrap().title, "Ann's letter v2");
    }

    #[test]
    fn typed_reads_back_what_was_stored() {
        let db = two_patients();
        doc(&db, "d1", "p1", "Letter", "2024-03-04", 1);
        let d = db.document("d1").unwrap().unwrap();
        let (id, _kind, date) = d.typed().unwrap();
        assert_eq!(id.as_str(), "d1");
        assert_eq!(date.to_string(), "2024-03-04");
        assert_eq!(d.size_bytes(), 10);
    }

    #[test]
    fn note_sections_read_with_titles_and_from_rows_before_titles() {
        let row = |sections: Option<&str>| DocumentRow {
            sections: sections.map(str::to_owned),
            ..two_patients_doc()
        };
        let now = row(Some(
            r#"[{"id":"history","title":"History"},{"id":"plan","title":"Plan"}]"#,
        ));
        assert_eq!(
            now.note_sections().unwrap(),
            [
                ("history".to_owned(), Some("History".to_owned())),
                ("plan".to_owned(), Some("Plan".to_owned()))
            ]
        );
        assert_eq!(now.section_ids().unwrap(), ["history", "plan"]);
        // Written before titles were kept: the ids alone.
        let before = row(Some(r#"["history","plan"]"#));
        assert_eq!(
            before.note_sections().unwrap(),
            [("history".to_owned(), None), ("plan".to_owned(), None)]
        );
        assert_eq!(before.section_ids().unwrap(), ["history", "plan"]);
        assert_eq!(row(None).note_sections(), None, "a file");
        assert_eq!(row(Some("{oops")).section_ids(), None, "damaged");
    }

    fn two_patients_doc() -> DocumentRow {
        let db = two_patients();
        doc(&db, "d1", "p1", "Letter", "2024-03-04", 1);
        db.document("d1").unwrap().unwrap()
    }

    #[test]
    fn recipients_see_granted_live_documents_newest_first() {
        let db = two_patients();
        doc(&db, "old", "p1", "Old", "2023-01-01", 1);
        doc(&db, "new", "p1", "New", "2024-01-01", 2);
        doc(&db, "notes", "p1", "Notes", "2024-01-01", 1);
        doc(&db, "ungranted", "p1", "Ungranted", "2025-01-01", 1);
        db.grant("r1", "old", "s1", None, 5).unwrap();
        db.grant("r1", "new", "s1", None, 5).unwrap();
        db.grant("r1", "notes", "s1", Some("[\"plan\"]"), 5)
            .unwrap();
        let ids = |db: &Db| -> Vec<String> {
            db.documents_for("r1")
                .unwrap()
                .into_iter()
                .map(|d| d.id)
                .collect()
        };
        // By date, then the newer upload first.
        assert_eq!(ids(&db), ["new", "notes", "old"]);
        let notes = db.granted_document("r1", "notes").unwrap().unwrap();
        assert_eq!(notes.granted_sections.as_deref(), Some("[\"plan\"]"));
        assert!(db.granted_document("r1", "ungranted").unwrap().is_none());
        assert!(db.granted_document("r2", "new").unwrap().is_none());

        db.withdraw_document("new").unwrap();
        assert_eq!(ids(&db), ["notes", "old"]);
        db.delete_document("old").unwrap();
        assert_eq!(ids(&db), ["notes"]);
        // Sharing a deleted document again does not bring it back to the recipient.
        db.grant("r1", "old", "s2", None, 6).unwrap();
        assert_eq!(ids(&db), ["notes"]);
    }

    #[test]
    fn staff_documents_page_newest_first_with_when_staff_last_previewed_each() {
        let db = two_patients();
        doc(&db, "a", "p1", "A", "2024-01-01", 1);
        doc(&db, "b", "p1", "B", "2024-02-01", 2);
        doc(&db, "c", "p1", "C", "2024-03-01", 2);
        doc(&db, "d", "p1", "D", "2024-03-01", 3);
        doc(&db, "gone", "p1", "Gone", "2024-03-01", 3);
        db.delete_document("gone").unwrap();
        db.audit(10, "p1", "staff:x", AuditEvent::StaffViewed, "a")
            .unwrap();
        db.audit(20, "p1", "staff:x", AuditEvent::StaffViewed, "b")
            .unwrap();
        db.audit(30, "p1", "staff:x", AuditEvent::StaffViewed, "a")
            .unwrap();
        // Another patient's views do not count.
        db.audit(40, "p2", "staff:x", AuditEvent::StaffViewed, "c")
            .unwrap();
        // Nor do other events naming the document.
        db.audit(50, "p1", "staff:x", AuditEvent::Shared, "c")
            .unwrap();
        let page = |after: Option<(i64, &str)>| -> Vec<(String, i64, Option<i64>)> {
            db.staff_documents("p1", after, 2)
                .unwrap()
                .into_iter()
                .map(|r| (r.doc.id, r.created_at, r.last_viewed_at))
                .collect()
        };
        // Newest first; the same second is ordered by id, descending.
        assert_eq!(
            page(None),
            [("d".to_owned(), 3, None), ("c".to_owned(), 2, None)]
        );
        assert_eq!(
            page(Some((2, "c"))),
            [("b".to_owned(), 2, Some(20)), ("a".to_owned(), 1, Some(30))]
        );
        assert!(page(Some((1, "a"))).is_empty());
        // Adding a document while paging does not shift the pages after the cursor.
        doc(&db, "e", "p1", "E", "2024-04-01", 9);
        assert_eq!(page(Some((2, "c"))).len(), 2);
    }
}
