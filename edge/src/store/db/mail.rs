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
    /// The recipient it is for (provider events and read receipts are recorded against it).
    pub recipient_id: Option<&'a str>,
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

/// The columns a job is read with.
const JOB: &str = "id, patient_id, to_email, from_email, from_name, subject, body, status,
    attempts, created_at, attachments, recipient_label";

impl Db {
    pub fn insert_mail(&self, mail: &NewMail<'_>, now: i64) -> Result<(), AppError> {
        self.run(
            "INSERT INTO mail_jobs (id, patient_id, to_email, from_email, from_name, subject, body,
                 status, next_attempt_at, created_at, share_id, recipient_label, attachments,
                 recipient_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
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
                opt(mail.recipient_id),
            ],
        )
    }

    /// Records a message kept in the dev outbox instead of sent (development only: SMS with no
    /// provider configured); never queued, so no delivery picks it up.
    pub fn insert_outbox(&self, mail: &NewMail<'_>, now: i64) -> Result<(), AppError> {
        self.insert_mail(mail, now)?;
        self.run(
            "UPDATE mail_jobs SET status = 'outbox', sent_at = ? WHERE id = ?",
            &[i(now), s(mail.id)],
        )
    }

    /// Claims up to `limit` jobs due at `now` for one delivery: each gets `claim_id` and is not
    /// due again until `lease_until`, so another delivery running meanwhile (a share, an
    /// opening, the alarm) skips it, and a delivery that crashed frees it when the lease ends.
    /// The read and the claim are one synchronous run (atomic in the Durable Object): call it
    /// before any `await`. Returns the claimed jobs, oldest first.
    pub fn claim_due_mail(
        &self,
        now: i64,
        claim_id: &str,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<MailJobRow>, AppError> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let due: Vec<Id> = self.rows(
            "SELECT id FROM mail_jobs WHERE status = 'pending' AND next_attempt_at <= ?
             ORDER BY next_attempt_at LIMIT ?",
            &[i(now), i(limit)],
        )?;
        let mut claimed = Vec::with_capacity(due.len());
        for job in due {
            let row: Option<MailJobRow> = self.first(
                &format!(
                    "UPDATE mail_jobs SET claim_id = ?, next_attempt_at = ?
                     WHERE id = ? AND status = 'pending' RETURNING {JOB}"
                ),
                &[s(claim_id), i(lease_until), s(&job.id)],
            )?;
            claimed.extend(row);
        }
        claimed.sort_by_key(|j| j.created_at);
        Ok(claimed)
    }

    /// The jobs due at `now` (what the next delivery would claim), oldest first: for tests
    /// (deliveries claim with [`Db::claim_due_mail`]).
    #[cfg(test)]
    pub fn due_mail(&self, now: i64) -> Result<Vec<MailJobRow>, AppError> {
        self.rows(
            &format!(
                "SELECT {JOB} FROM mail_jobs WHERE status = 'pending' AND next_attempt_at <= ?
                 ORDER BY next_attempt_at LIMIT 50"
            ),
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

    /// Marks a job handed over (`Sent`, or `Outbox` in development), if `claim_id` still holds
    /// it. `keep_body` only in local development (the outbox page); in production the body,
    /// which holds a live link, is dropped once sent. Returns whether the claim held.
    pub fn mail_delivered(
        &self,
        id: &str,
        claim_id: &str,
        status: DeliveryStatus,
        keep_body: bool,
        now: i64,
    ) -> Result<bool, AppError> {
        let q = if keep_body {
            "UPDATE mail_jobs SET status = ?, last_error = NULL, claim_id = NULL, sent_at = ?
             WHERE id = ? AND claim_id = ? RETURNING id"
        } else {
            "UPDATE mail_jobs SET status = ?, last_error = NULL, claim_id = NULL, sent_at = ?,
                 body = NULL
             WHERE id = ? AND claim_id = ? RETURNING id"
        };
        Ok(!self
            .rows::<serde_json::Value>(q, &[s(status.as_str()), i(now), s(id), s(claim_id)])?
            .is_empty())
    }

    /// A transient failure: the claim is released and the job is due again at
    /// `next_attempt_at`. Returns whether the claim held.
    pub fn mail_retry(
        &self,
        id: &str,
        claim_id: &str,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<bool, AppError> {
        Ok(!self
            .rows::<serde_json::Value>(
                "UPDATE mail_jobs SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
                     claim_id = NULL
                 WHERE id = ? AND claim_id = ? RETURNING id",
                &[s(error), i(next_attempt_at), s(id), s(claim_id)],
            )?
            .is_empty())
    }

    /// A permanent failure: the job is never sent again and `error` says why. The body (a live
    /// link) is dropped. Returns whether the claim held.
    pub fn mail_failed(&self, id: &str, claim_id: &str, error: &str) -> Result<bool, AppError> {
        Ok(!self
            .rows::<serde_json::Value>(
                "UPDATE mail_jobs SET status = 'failed', attempts = attempts + 1, last_error = ?,
                     claim_id = NULL, body = NULL
                 WHERE id = ? AND claim_id = ? RETURNING id",
                &[s(error), s(id), s(claim_id)],
            )?
            .is_empty())
    }

    /// The dev outbox: newest first.
    pub fn outbox(&self) -> Result<Vec<MailJobRow>, AppError> {
        self.rows(
            &format!("SELECT {JOB} FROM mail_jobs ORDER BY created_at DESC, rowid DESC LIMIT 100"),
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
                recipient_id: None,
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

    fn claim(db: &Db, now: i64, claim: &str) -> Vec<String> {
        db.claim_due_mail(now, claim, now + 300, 50)
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

        // A transient failure moves the job back; a delivery takes it out of the queue.
        assert_eq!(claim(&db, 30, "k1"), ["b", "a", "c"]);
        assert!(db.mail_retry("b", "k1", "timeout", 100).unwrap());
        assert!(db
            .mail_delivered("a", "k1", DeliveryStatus::Sent, false, 31)
            .unwrap());
        assert_eq!(db.next_mail_due().unwrap(), Some(100));
        assert!(db
            .mail_delivered("c", "k1", DeliveryStatus::Outbox, true, 31)
            .unwrap());
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

    /// Issue 14: a share, an opening and the alarm delivering at once each read the queue
    /// while another awaited the provider, and sent the same job again. A claimed job is not
    /// due to anyone else until its lease ends.
    #[test]
    fn a_claimed_job_is_sent_by_one_delivery_only() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        queue(&db, "a", 10);
        assert_eq!(claim(&db, 10, "share"), ["a"]);
        // The opening and the alarm, while the share's delivery awaits the provider.
        assert!(claim(&db, 11, "open").is_empty());
        assert!(claim(&db, 12, "alarm").is_empty());
        assert!(due(&db, 12).is_empty());
        // The next due time is the lease's end, so the alarm comes back if the sender dies.
        assert_eq!(db.next_mail_due().unwrap(), Some(310));
        assert!(db
            .mail_delivered("a", "share", DeliveryStatus::Sent, false, 13)
            .unwrap());
        assert!(claim(&db, 400, "alarm").is_empty());
        assert_eq!(db.next_mail_due().unwrap(), None);
    }

    #[test]
    fn a_crashed_claim_frees_the_job_after_its_lease_and_the_stale_sender_changes_nothing() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        queue(&db, "a", 10);
        assert_eq!(claim(&db, 10, "crashed"), ["a"]);
        assert!(claim(&db, 309, "alarm").is_empty(), "the lease still holds");
        assert_eq!(claim(&db, 310, "alarm"), ["a"], "the lease has ended");
        // The first sender's late answer no longer holds the job.
        assert!(!db
            .mail_delivered("a", "crashed", DeliveryStatus::Sent, false, 311)
            .unwrap());
        assert!(!db.mail_retry("a", "crashed", "timeout", 999).unwrap());
        assert!(!db.mail_failed("a", "crashed", "refused").unwrap());
        assert_eq!(db.outbox().unwrap()[0].status, DeliveryStatus::Pending);
        assert!(db
            .mail_failed("a", "alarm", "refused by the provider (400): bad")
            .unwrap());
    }

    #[test]
    fn a_permanent_failure_is_never_due_again_and_says_why() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        queue(&db, "a", 10);
        claim(&db, 10, "k");
        assert!(db
            .mail_failed("a", "k", "refused by the provider (400): bad")
            .unwrap());
        assert!(claim(&db, 1_000_000, "later").is_empty());
        assert_eq!(db.next_mail_due().unwrap(), None);
        let job = &db.outbox().unwrap()[0];
        assert_eq!(job.status, DeliveryStatus::Failed);
        assert_eq!(job.attempts, 1);
        assert_eq!(job.body, None, "the link is dropped");
    }

    #[test]
    fn the_dev_outbox_keeps_what_is_never_sent() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.insert_outbox(
            &NewMail {
                id: "sms1",
                share_id: None,
                recipient_id: None,
                recipient_label: "sms",
                attachments: None,
                patient_id: "p1",
                to: "+447700900123",
                from_email: "sms",
                from_name: "SMS",
                subject: "Text message",
                body: "123456",
            },
            5,
        )
        .unwrap();
        assert!(claim(&db, 10, "k").is_empty());
        assert_eq!(db.outbox().unwrap()[0].status, DeliveryStatus::Outbox);
    }
}
