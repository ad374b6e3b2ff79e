//! Mail jobs: queued, retried and marked delivered; the dev outbox.

use sealpost_shared::history::DeliveryStatus;
use serde::{Deserialize, Serialize};

use super::{i, opt, s, Db};
use crate::http::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct MailJobRow {
    pub id: String,
    pub patient_id: String,
    pub to_email: String,
    pub from_email: String,
    pub from_name: String,
    pub subject: String,
    pub body: Option<String>,
    pub status: DeliveryStatus,
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

impl Db {
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
    pub fn mail_delivered(
        &self,
        id: &str,
        status: DeliveryStatus,
        keep_body: bool,
    ) -> Result<(), AppError> {
        let q = if keep_body {
            "UPDATE mail_jobs SET status = ?, last_error = NULL WHERE id = ?"
        } else {
            "UPDATE mail_jobs SET status = ?, last_error = NULL, body = NULL WHERE id = ?"
        };
        self.run(q, &[s(status.as_str()), s(id)])
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use sealpost_shared::history::DeliveryStatus;

    use super::NewMail;
    use crate::store::db::Db;
    use crate::store::sqlite::SqliteSql;

    fn queue(db: &Db, id: &str, now: i64) {
        db.insert_mail(
            &NewMail {
                id,
                share_id: None,
                recipient_label: "patient",
                attachments: Some("[]"),
                patient_id: "p1",
                to: "ann@example.org",
                from_email: "clinic@example.org",
                from_name: "Clinic",
                subject: "Documents",
                body: "https://example.org/l/abc",
            },
            now,
        )
        .unwrap();
    }

    fn due(db: &Db, now: i64) -> Vec<String> {
        db.due_mail(now)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect()
    }

    #[test]
    fn due_mail_oldest_first_and_the_next_due_time() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        assert_eq!(db.next_mail_due().unwrap(), None);
        // Ids in another order than queued, so the order below is the queue's.
        queue(&db, "a", 20);
        queue(&db, "b", 10);
        queue(&db, "c", 30);
        assert_eq!(due(&db, 25), ["b", "a"]);
        assert_eq!(due(&db, 30), ["b", "a", "c"]);
        assert_eq!(db.next_mail_due().unwrap(), Some(10));

        // A failure moves the job back; a delivery takes it out of the queue.
        db.mail_failed("b", "timeout", 100).unwrap();
        db.mail_delivered("a", DeliveryStatus::Sent, false).unwrap();
        assert_eq!(due(&db, 50), ["c"]);
        assert_eq!(db.next_mail_due().unwrap(), Some(30));
        db.mail_delivered("c", DeliveryStatus::Outbox, true)
            .unwrap();
        assert_eq!(db.next_mail_due().unwrap(), Some(100));
        let b = &db.due_mail(100).unwrap()[0];
        assert_eq!((b.id.as_str(), b.attempts), ("b", 1));

        // The body (a live link) is dropped once sent, except for the dev outbox.
        let outbox = db.outbox().unwrap();
        let by_id = |id: &str| outbox.iter().find(|m| m.id == id).unwrap();
        assert_eq!(by_id("a").body, None);
        assert_eq!(by_id("a").status, DeliveryStatus::Sent);
        assert_eq!(
            by_id("c").body.as_deref(),
            Some("https://example.org/l/abc")
        );
        assert_eq!(by_id("b").attachments.as_deref(), Some("[]"));
        // Newest first.
        let order: Vec<&str> = outbox.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(order, ["c", "a", "b"]);
    }
}
