//! Reminders: each share's recipients of a secure link, waiting until the practice's alarm
//! decides (`sealpost_shared::reminders`) whether they get their one reminder.

use serde::Deserialize;

use super::{i, s, Db};
use crate::http::AppError;

/// A waiting recipient of a share with what the decision needs, read in one statement.
#[derive(Debug, Clone, Deserialize)]
pub struct WaitingRow {
    pub share_id: String,
    pub recipient_id: String,
    /// When the share's first link was sent to them.
    pub sent_at: i64,
    /// When the share was made.
    pub shared_at: i64,
    pub patient_id: String,
    /// 1: the recipient opened a link of this share.
    pub opened: i64,
    /// 1: the recipient's access to this share was taken back (unshared, a link of this share
    /// revoked, every document withdrawn, the patient erased).
    pub withdrawn: i64,
}

/// The share's first email to a recipient: its sender and label, reused by the reminder.
#[derive(Debug, Clone, Deserialize)]
pub struct FirstMailRow {
    pub from_email: String,
    pub recipient_label: Option<String>,
}

impl Db {
    /// Remembers that a share's first link went to a recipient (nothing if it was remembered
    /// before: a recipient is reminded of a share at most once).
    pub fn remember_for_reminder(
        &self,
        share_id: &str,
        recipient_id: &str,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO reminders (share_id, recipient_id, sent_at) VALUES (?, ?, ?)
             ON CONFLICT (share_id, recipient_id) DO NOTHING",
            &[s(share_id), s(recipient_id), i(now)],
        )
    }

    /// The oldest waiting recipients first sent at or before `sent_by`, at most `limit`, with
    /// what the decision needs. Every waiting row is returned, even one whose share, recipient
    /// or patient row is gone (then withdrawn): each one the alarm looks at is settled, so the
    /// next due time always moves on.
    pub fn waiting_reminders(&self, sent_by: i64, limit: i64) -> Result<Vec<WaitingRow>, AppError> {
        self.rows(
            "SELECT w.share_id, w.recipient_id, w.sent_at,
                    coalesce(sh.created_at, w.sent_at) AS shared_at,
                    coalesce(r.patient_id, '') AS patient_id,
                    EXISTS (SELECT 1 FROM receipts x
                            WHERE x.share_id = w.share_id AND x.recipient_id = w.recipient_id
                              AND x.document_id = '' AND x.event = 'opened') AS opened,
                    (r.id IS NULL OR p.id IS NULL OR sh.id IS NULL
                     OR r.revoked != 0 OR p.revoked != 0 OR p.erased_at IS NOT NULL
                     OR NOT EXISTS (SELECT 1 FROM grants g
                                    WHERE g.recipient_id = w.recipient_id
                                      AND g.share_id = w.share_id)
                     OR EXISTS (SELECT 1 FROM links l
                                WHERE l.recipient_id = w.recipient_id
                                  AND l.share_id = w.share_id
                                  AND l.revoked_at IS NOT NULL)) AS withdrawn
             FROM reminders w
             LEFT JOIN shares sh ON sh.id = w.share_id
             LEFT JOIN recipients r ON r.id = w.recipient_id
             LEFT JOIN patients p ON p.id = r.patient_id
             WHERE w.state = 'waiting' AND w.sent_at <= ?
             ORDER BY w.sent_at LIMIT ?",
            &[i(sent_by), i(limit)],
        )
    }

    /// When the oldest waiting recipient's first link was sent.
    pub fn oldest_waiting_reminder(&self) -> Result<Option<i64>, AppError> {
        #[derive(Deserialize)]
        struct Oldest {
            sent_at: Option<i64>,
        }
        Ok(self
            .first::<Oldest>(
                "SELECT min(sent_at) AS sent_at FROM reminders WHERE state = 'waiting'",
                &[],
            )?
            .and_then(|o| o.sent_at))
    }

    /// The decision for a waiting recipient, final: `sent` or `dropped`. `false` if it was
    /// decided before.
    pub fn decide_reminder(
        &self,
        share_id: &str,
        recipient_id: &str,
        sent: bool,
        now: i64,
    ) -> Result<bool, AppError> {
        Ok(!self
            .rows::<serde_json::Value>(
                "UPDATE reminders SET state = ?, decided_at = ?
                 WHERE share_id = ? AND recipient_id = ? AND state = 'waiting'
                 RETURNING share_id",
                &[
                    s(if sent { "sent" } else { "dropped" }),
                    i(now),
                    s(share_id),
                    s(recipient_id),
                ],
            )?
            .is_empty())
    }

    /// The share's first email to the recipient.
    pub fn first_mail_of(
        &self,
        share_id: &str,
        recipient_id: &str,
    ) -> Result<Option<FirstMailRow>, AppError> {
        self.first(
            "SELECT from_email, recipient_label FROM mail_jobs
             WHERE share_id = ? AND recipient_id = ? ORDER BY rowid LIMIT 1",
            &[s(share_id), s(recipient_id)],
        )
    }

    /// Marks an email as a share's reminder (the share's deliveries say so).
    pub fn mark_reminder_mail(&self, job_id: &str) -> Result<(), AppError> {
        self.run(
            "UPDATE mail_jobs SET reminder = 1 WHERE id = ?",
            &[s(job_id)],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use crate::store::sqlite::SqliteSql;

    /// A waiting row whose share and recipient are unknown is still read (withdrawn), so the
    /// alarm settles it instead of waking for it for ever.
    #[test]
    fn a_waiting_row_without_its_share_is_read_as_withdrawn_and_settled_once() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.remember_for_reminder("gone", "nobody", 10).unwrap();
        db.remember_for_reminder("gone", "nobody", 20).unwrap();
        assert_eq!(db.oldest_waiting_reminder().unwrap(), Some(10));
        assert!(db.waiting_reminders(9, 50).unwrap().is_empty());
        let rows = db.waiting_reminders(10, 50).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].withdrawn, 1);
        assert_eq!(rows[0].sent_at, 10, "the first time is kept");
        assert!(db.decide_reminder("gone", "nobody", false, 30).unwrap());
        assert!(
            !db.decide_reminder("gone", "nobody", true, 31).unwrap(),
            "decided once"
        );
        assert_eq!(db.oldest_waiting_reminder().unwrap(), None);
        assert!(db.waiting_reminders(i64::MAX, 50).unwrap().is_empty());
    }
}
