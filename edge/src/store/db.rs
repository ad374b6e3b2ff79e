//! Typed queries over the practice database. Times are stored as Unix seconds.
//!
//! Every method is synchronous: inside a Durable Object, a run of SQL calls with no `await`
//! between them is atomic, which is what makes read-decide-write sequences safe here.

use super::sql::{Row, Sql, SqlValue};
use crate::http::AppError;
use sealpost_shared::chrono::NaiveDate;
use sealpost_shared::ids::DocumentId;
use sealpost_shared::lockout::AttemptState;
use sealpost_shared::time::{from_unix_seconds, Now};
use sealpost_shared::wire::DocumentKind;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub struct Db {
    sql: Box<dyn Sql>,
}

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

#[derive(Debug, Clone, Deserialize)]
pub struct RecipientRow {
    pub id: String,
    pub patient_id: String,
    pub kind: String,
    pub contact_scope: Option<String>,
    pub contact_id: Option<String>,
    pub revoked: i64,
}

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

const RECIPIENT_COLUMNS: &str = "id, patient_id, kind, contact_scope, contact_id, revoked";
const CONTACT_COLUMNS: &str = "id, scope, patient_id, name, email, mobile, relation, emergency";

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
    /// A structured note's section ids (JSON), if it is one.
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
}

#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub recipient_id: String,
    pub patient_id: String,
    pub access_epoch: i64,
    pub created_at: i64,
    pub last_seen: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailJobRow {
    pub id: String,
    pub patient_id: String,
    pub to_email: String,
    pub from_email: String,
    pub from_name: String,
    pub subject: String,
    pub body: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub created_at: i64,
    /// JSON list of [`Attachment`]s to read from the bucket when sending.
    pub attachments: Option<String>,
    /// Who it is for, in ids ("patient", "relationship ann", "renewal"): what the audit names.
    pub recipient_label: Option<String>,
}

/// One document to attach: where it is and what to call it (never its title).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Attachment {
    pub storage_key: String,
    pub filename: String,
    pub content_type: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuditRow {
    pub at: i64,
    pub actor: String,
    pub event: String,
    pub detail: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmsCodeRow {
    pub link_id: String,
    pub code_hash: String,
    pub issued_at: i64,
    pub used: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ShareRow {
    pub id: String,
    pub staff: String,
    pub method: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DeliveryRow {
    pub recipient_label: Option<String>,
    pub to_email: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// One share with what it carried and how each email fared.
#[derive(Debug, Clone, Serialize)]
pub struct ShareHistoryRow {
    #[serde(flatten)]
    pub share: ShareRow,
    pub documents: Vec<String>,
    pub deliveries: Vec<DeliveryRow>,
}

#[derive(Deserialize)]
struct AttemptRow {
    failures: i64,
    lockouts: i64,
    locked_until: Option<i64>,
}

#[derive(Deserialize)]
struct At {
    sent_at: i64,
}

/// A new mail job: what to send, to whom, from whom.
pub struct NewMail<'a> {
    pub id: &'a str,
    /// The share this email delivers (none for renewals and SMS).
    pub share_id: Option<&'a str>,
    /// Who it is for, as the history shows it ("patient", "relationship ann").
    pub recipient_label: &'a str,
    /// JSON list of attachments, for the attachment method.
    pub attachments: Option<&'a str>,
    pub patient_id: &'a str,
    pub to: &'a str,
    pub from_email: &'a str,
    pub from_name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

fn s(v: &str) -> SqlValue {
    SqlValue::Text(v.to_owned())
}

fn i(v: i64) -> SqlValue {
    SqlValue::Integer(v)
}

fn opt(v: Option<&str>) -> SqlValue {
    v.map_or(SqlValue::Null, s)
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Db {
    pub fn new(sql: impl Sql + 'static) -> Self {
        Self { sql: Box::new(sql) }
    }

    fn rows<T: DeserializeOwned>(&self, q: &str, args: &[SqlValue]) -> Result<Vec<T>, AppError> {
        self.sql
            .query(q, args)?
            .into_iter()
            .map(|row: Row| {
                serde_json::from_value(serde_json::Value::Object(row))
                    .map_err(|err| AppError::internal(format!("row shape: {err}")))
            })
            .collect()
    }

    fn first<T: DeserializeOwned>(
        &self,
        q: &str,
        args: &[SqlValue],
    ) -> Result<Option<T>, AppError> {
        Ok(self.rows(q, args)?.into_iter().next())
    }

    fn run(&self, q: &str, args: &[SqlValue]) -> Result<(), AppError> {
        self.sql.execute(q, args)
    }

    // ------------------------------------------------------------ patients

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

    // ------------------------------------------------------------ recipients

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

    /// Every outstanding link of a recipient stops working (an unshare, a new address).
    pub fn revoke_links_of(&self, recipient_id: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE links SET revoked_at = ? WHERE recipient_id = ? AND revoked_at IS NULL",
            &[i(now), s(recipient_id)],
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

    // ------------------------------------------------------------ contacts

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

    /// Removes a contact from the directory (its recipient entries are revoked by the caller).
    pub fn delete_contact(&self, scope: &str, patient_id: &str, id: &str) -> Result<(), AppError> {
        self.run(
            "DELETE FROM contacts WHERE scope = ? AND patient_id = ? AND id = ?",
            &[s(scope), s(patient_id), s(id)],
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

    // ------------------------------------------------------------ settings

    pub fn setting(&self, key: &str) -> Result<Option<String>, AppError> {
        #[derive(Deserialize)]
        struct V {
            value: String,
        }
        Ok(self
            .first::<V>("SELECT value FROM meta WHERE key = ?", &[s(key)])?
            .map(|v| v.value))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.run(
            "INSERT INTO meta (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[s(key), s(value)],
        )
    }

    // ------------------------------------------------------------ documents

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

    /// A patient's live documents with when staff last previewed each: recently previewed
    /// first, then by date.
    pub fn staff_documents(
        &self,
        patient_id: &str,
    ) -> Result<Vec<(DocumentRow, Option<i64>)>, AppError> {
        #[derive(Deserialize)]
        struct Viewed {
            id: String,
            last_viewed_at: Option<i64>,
        }
        let docs: Vec<DocumentRow> = self.rows(
            "SELECT d.id, d.patient_id, d.kind, d.title, d.date, d.size, d.content_type,
                    d.storage_key, d.sections, NULL AS granted_sections
             FROM documents d WHERE d.patient_id = ? AND d.deleted = 0
             ORDER BY (SELECT max(a.at) FROM audit a WHERE a.patient_id = d.patient_id
                         AND a.event = 'staff_viewed' AND a.detail = d.id) IS NULL,
                      (SELECT max(a.at) FROM audit a WHERE a.patient_id = d.patient_id
                         AND a.event = 'staff_viewed' AND a.detail = d.id) DESC,
                      d.date DESC",
            &[s(patient_id)],
        )?;
        let viewed: Vec<Viewed> = self.rows(
            "SELECT detail AS id, max(at) AS last_viewed_at FROM audit
             WHERE patient_id = ? AND event = 'staff_viewed' GROUP BY detail",
            &[s(patient_id)],
        )?;
        Ok(docs
            .into_iter()
            .map(|d| {
                let at = viewed
                    .iter()
                    .find(|v| v.id == d.id)
                    .and_then(|v| v.last_viewed_at);
                (d, at)
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

    // ------------------------------------------------------------ shares and links

    pub fn insert_share(
        &self,
        id: &str,
        patient_id: &str,
        staff: &str,
        method: &str,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO shares (id, patient_id, staff, method, created_at) VALUES (?, ?, ?, ?, ?)",
            &[s(id), s(patient_id), s(staff), s(method), i(now)],
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

    /// Deletes a document: it disappears from every share at once.
    pub fn delete_document(&self, document_id: &str) -> Result<(), AppError> {
        self.run(
            "UPDATE documents SET deleted = 1 WHERE id = ?",
            &[s(document_id)],
        )?;
        self.withdraw_document(document_id)
    }

    pub fn add_share_document(&self, share_id: &str, document_id: &str) -> Result<(), AppError> {
        self.run(
            "INSERT OR IGNORE INTO share_documents (share_id, document_id) VALUES (?, ?)",
            &[s(share_id), s(document_id)],
        )
    }

    /// The patient's shares, newest first, each with its documents and email deliveries.
    pub fn share_history(&self, patient_id: &str) -> Result<Vec<ShareHistoryRow>, AppError> {
        let shares: Vec<ShareRow> = self.rows(
            "SELECT id, staff, method, created_at FROM shares WHERE patient_id = ?
             ORDER BY created_at DESC, rowid DESC",
            &[s(patient_id)],
        )?;
        let mut out = Vec::with_capacity(shares.len());
        for share in shares {
            #[derive(Deserialize)]
            struct Doc {
                document_id: String,
            }
            let documents = self
                .rows::<Doc>(
                    "SELECT document_id FROM share_documents WHERE share_id = ? ORDER BY document_id",
                    &[s(&share.id)],
                )?
                .into_iter()
                .map(|d| d.document_id)
                .collect();
            let deliveries = self.rows(
                "SELECT recipient_label, to_email, status, attempts, last_error FROM mail_jobs
                 WHERE share_id = ? ORDER BY rowid",
                &[s(&share.id)],
            )?;
            out.push(ShareHistoryRow {
                share,
                documents,
                deliveries,
            });
        }
        Ok(out)
    }

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

    // ------------------------------------------------------------ attempts

    pub fn attempts(&self, recipient_id: &str, factor: &str) -> Result<AttemptState, AppError> {
        Ok(self
            .first::<AttemptRow>(
                "SELECT failures, lockouts, locked_until FROM attempts
                 WHERE recipient_id = ? AND factor = ?",
                &[s(recipient_id), s(factor)],
            )?
            .map(|r| AttemptState {
                failures: u32_of(r.failures),
                lockouts: u32_of(r.lockouts),
                locked_until: r.locked_until.map(from_unix_seconds),
            })
            .unwrap_or_default())
    }

    pub fn set_attempts(
        &self,
        recipient_id: &str,
        factor: &str,
        state: &AttemptState,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO attempts (recipient_id, factor, failures, lockouts, locked_until)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (recipient_id, factor) DO UPDATE SET failures = excluded.failures,
                 lockouts = excluded.lockouts, locked_until = excluded.locked_until",
            &[
                s(recipient_id),
                s(factor),
                i(i64::from(state.failures)),
                i(i64::from(state.lockouts)),
                state
                    .locked_until
                    .map_or(SqlValue::Null, |t| i(t.timestamp())),
            ],
        )
    }

    // ------------------------------------------------------------ SMS codes

    /// The newest code asked for by this recipient (on any of their links).
    pub fn sms_code(&self, recipient_id: &str) -> Result<Option<SmsCodeRow>, AppError> {
        self.first(
            "SELECT link_id, code_hash, issued_at, used FROM sms_codes
             WHERE recipient_id = ? ORDER BY issued_at DESC, rowid DESC LIMIT 1",
            &[s(recipient_id)],
        )
    }

    /// Stores a new code's keyed hash. Earlier codes of the recipient stop counting.
    pub fn set_sms_code(
        &self,
        link_id: &str,
        recipient_id: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "DELETE FROM sms_codes WHERE recipient_id = ?",
            &[s(recipient_id)],
        )?;
        self.run(
            "INSERT INTO sms_codes (link_id, recipient_id, code_hash, issued_at) VALUES (?, ?, ?, ?)",
            &[s(link_id), s(recipient_id), s(code_hash), i(now)],
        )
    }

    pub fn use_sms_code(&self, recipient_id: &str) -> Result<(), AppError> {
        self.run(
            "UPDATE sms_codes SET used = 1 WHERE recipient_id = ?",
            &[s(recipient_id)],
        )
    }

    pub fn sms_sends(&self, recipient_id: &str) -> Result<Vec<Now>, AppError> {
        Ok(self
            .rows::<At>(
                "SELECT sent_at FROM sms_sends WHERE recipient_id = ? ORDER BY sent_at",
                &[s(recipient_id)],
            )?
            .into_iter()
            .map(|r| from_unix_seconds(r.sent_at))
            .collect())
    }

    /// Takes back a send that the provider did not accept, so the person may try again at once.
    pub fn remove_sms_send(&self, recipient_id: &str, at: i64) -> Result<(), AppError> {
        self.run(
            "DELETE FROM sms_sends WHERE rowid = (SELECT rowid FROM sms_sends
               WHERE recipient_id = ? AND sent_at = ? LIMIT 1)",
            &[s(recipient_id), i(at)],
        )
    }

    pub fn add_sms_send(&self, recipient_id: &str, now: i64) -> Result<(), AppError> {
        // Only the last day matters to any limit; older rows are dropped as we go.
        self.run(
            "DELETE FROM sms_sends WHERE recipient_id = ? AND sent_at < ?",
            &[s(recipient_id), i(now - 86_400)],
        )?;
        self.run(
            "INSERT INTO sms_sends (recipient_id, sent_at) VALUES (?, ?)",
            &[s(recipient_id), i(now)],
        )
    }

    // ------------------------------------------------------------ sessions

    pub fn insert_session(
        &self,
        key: &str,
        recipient_id: &str,
        patient_id: &str,
        access_epoch: i64,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO sessions (key, recipient_id, patient_id, access_epoch, created_at, last_seen)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                s(key),
                s(recipient_id),
                s(patient_id),
                i(access_epoch),
                i(now),
                i(now),
            ],
        )
    }

    pub fn session(&self, key: &str) -> Result<Option<SessionRow>, AppError> {
        self.first(
            "SELECT recipient_id, patient_id, access_epoch, created_at, last_seen
             FROM sessions WHERE key = ?",
            &[s(key)],
        )
    }

    pub fn touch_session(&self, key: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE sessions SET last_seen = ? WHERE key = ?",
            &[i(now), s(key)],
        )
    }

    pub fn delete_session(&self, key: &str) -> Result<(), AppError> {
        self.run("DELETE FROM sessions WHERE key = ?", &[s(key)])
    }

    // ------------------------------------------------------------ mail

    pub fn insert_mail(&self, mail: &NewMail<'_>, now: i64) -> Result<(), AppError> {
        self.run(
            "INSERT INTO mail_jobs (id, patient_id, to_email, from_email, from_name, subject, body,
                 status, next_attempt_at, created_at, share_id, recipient_label, attachments)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
            &[
                s(mail.id),
                s(mail.patient_id),
                s(mail.to),
                s(mail.from_email),
                s(mail.from_name),
                s(mail.subject),
                s(mail.body),
                i(now),
                i(now),
                opt(mail.share_id),
                s(mail.recipient_label),
                opt(mail.attachments),
            ],
        )
    }

    pub fn due_mail(&self, now: i64) -> Result<Vec<MailJobRow>, AppError> {
        self.rows(
            "SELECT id, patient_id, to_email, from_email, from_name, subject, body, status,
                    attempts, created_at, attachments, recipient_label
             FROM mail_jobs WHERE status = 'pending' AND next_attempt_at <= ?
             ORDER BY created_at LIMIT 50",
            &[i(now)],
        )
    }

    pub fn next_mail_due(&self) -> Result<Option<i64>, AppError> {
        #[derive(Deserialize)]
        struct Due {
            due: Option<i64>,
        }
        Ok(self
            .first::<Due>(
                "SELECT min(next_attempt_at) AS due FROM mail_jobs WHERE status = 'pending'",
                &[],
            )?
            .and_then(|d| d.due))
    }

    /// Marks a job delivered. `keep_body` only in local development (the outbox page);
    /// in production the body, which holds a live link, is dropped once sent.
    pub fn mail_delivered(&self, id: &str, status: &str, keep_body: bool) -> Result<(), AppError> {
        let q = if keep_body {
            "UPDATE mail_jobs SET status = ?, last_error = NULL WHERE id = ?"
        } else {
            "UPDATE mail_jobs SET status = ?, last_error = NULL, body = NULL WHERE id = ?"
        };
        self.run(q, &[s(status), s(id)])
    }

    pub fn mail_failed(&self, id: &str, error: &str, next_attempt_at: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE mail_jobs SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
             WHERE id = ?",
            &[s(error), i(next_attempt_at), s(id)],
        )
    }

    /// The dev outbox: newest first.
    pub fn outbox(&self) -> Result<Vec<MailJobRow>, AppError> {
        self.rows(
            "SELECT id, patient_id, to_email, from_email, from_name, subject, body, status,
                    attempts, created_at, attachments, recipient_label
             FROM mail_jobs ORDER BY created_at DESC, rowid DESC LIMIT 100",
            &[],
        )
    }

    // ------------------------------------------------------------ audit

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
