//! Evidence of delivery: what the mail provider reported about each email (recorded once per
//! provider event id), the address a bounce flags on the recipient's record, and what each
//! recipient did with each share (opened, verified, viewed, downloaded), for read receipts.

use sealpost_shared::history::ProviderOutcome;
use serde::Deserialize;

use super::{i, opt, s, Db};
use crate::http::AppError;

/// Something a recipient did, as a read receipt records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    Opened,
    Verified,
    Viewed,
    Downloaded,
}

impl Receipt {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Verified => "verified",
            Self::Viewed => "viewed",
            Self::Downloaded => "downloaded",
        }
    }
}

/// What a provider event needs of its job.
#[derive(Debug, Clone, Deserialize)]
pub struct MailOutcomeRow {
    pub id: String,
    pub patient_id: String,
    pub to_email: String,
    pub recipient_id: Option<String>,
    pub recipient_label: Option<String>,
    /// The share the email carried; none for a renewed link.
    pub share_id: Option<String>,
    pub outcome: Option<ProviderOutcome>,
    pub outcome_at: Option<i64>,
}

impl MailOutcomeRow {
    /// What the job shows now, and since when.
    pub fn current(&self) -> Option<(ProviderOutcome, i64)> {
        self.outcome.map(|o| (o, self.outcome_at.unwrap_or(0)))
    }
}

/// One row of `receipts`: the first time a recipient did something with a share.
#[derive(Debug, Clone, Deserialize)]
pub struct ReceiptRow {
    pub recipient_id: String,
    /// `''` for what concerns the link (opened, verified).
    pub document_id: String,
    pub event: String,
    pub first_at: i64,
}

impl Db {
    /// The job a provider event is about, if it is this practice's.
    pub fn mail_outcome(&self, job_id: &str) -> Result<Option<MailOutcomeRow>, AppError> {
        self.first(
            "SELECT id, patient_id, to_email, recipient_id, recipient_label, share_id, outcome,
                    outcome_at
             FROM mail_jobs WHERE id = ?",
            &[s(job_id)],
        )
    }

    /// Records a provider event id; `false` if it was recorded before (SendGrid may post an
    /// event more than once).
    pub fn record_mail_event(
        &self,
        event_id: &str,
        job_id: &str,
        outcome: ProviderOutcome,
        at: i64,
    ) -> Result<bool, AppError> {
        Ok(!self
            .rows::<serde_json::Value>(
                "INSERT INTO mail_events (event_id, job_id, event, at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
                &[s(event_id), s(job_id), s(outcome.as_str()), i(at)],
            )?
            .is_empty())
    }

    pub fn set_mail_outcome(
        &self,
        job_id: &str,
        outcome: ProviderOutcome,
        at: i64,
        reason: Option<&str>,
    ) -> Result<(), AppError> {
        self.run(
            "UPDATE mail_jobs SET outcome = ?, outcome_at = ?, outcome_reason = ? WHERE id = ?",
            &[s(outcome.as_str()), i(at), opt(reason), s(job_id)],
        )
    }

    /// Flags `email` on the recipient's record: mail to it bounced or was dropped.
    pub fn flag_bounced(&self, recipient_id: &str, email: &str, at: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE recipients SET bounced_email = ?, bounced_at = ? WHERE id = ?",
            &[s(email), i(at), s(recipient_id)],
        )
    }

    /// Clears the flag when mail to the same address was delivered since.
    pub fn clear_bounced(&self, recipient_id: &str, email: &str, at: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE recipients SET bounced_email = NULL, bounced_at = NULL
             WHERE id = ? AND bounced_email = ? AND bounced_at <= ?",
            &[s(recipient_id), s(email), i(at)],
        )
    }

    /// The address a bounce or drop was reported for on the patient's own recipient record.
    pub fn patient_bounced_email(&self, patient_id: &str) -> Result<Option<String>, AppError> {
        #[derive(Deserialize)]
        struct Bounced {
            bounced_email: Option<String>,
        }
        Ok(self
            .first::<Bounced>(
                "SELECT bounced_email FROM recipients WHERE patient_id = ? AND kind = 'patient'",
                &[s(patient_id)],
            )?
            .and_then(|b| b.bounced_email))
    }

    /// The addresses bounces or drops were reported for on a contact's recipient records (a
    /// practice contact has one per patient it was shared for; `owner`: the relationship's
    /// patient, `''` for a practice contact).
    pub fn contact_bounced_emails(
        &self,
        scope: &str,
        owner: &str,
        contact_id: &str,
    ) -> Result<Vec<String>, AppError> {
        #[derive(Deserialize)]
        struct Bounced {
            bounced_email: String,
        }
        Ok(self
            .rows::<Bounced>(
                "SELECT bounced_email FROM recipients
                 WHERE contact_scope = ? AND contact_id = ? AND bounced_email IS NOT NULL
                   AND (? = '' OR patient_id = ?)",
                &[s(scope), s(contact_id), s(owner), s(owner)],
            )?
            .into_iter()
            .map(|b| b.bounced_email)
            .collect())
    }

    /// The share a recipient's access comes from most recently (for what a recipient does
    /// through a link that names no share, such as a renewed one).
    pub fn latest_share_of(&self, recipient_id: &str) -> Result<Option<String>, AppError> {
        #[derive(Deserialize)]
        struct Share {
            share_id: String,
        }
        Ok(self
            .first::<Share>(
                "SELECT share_id FROM grants WHERE recipient_id = ?
                 ORDER BY granted_at DESC LIMIT 1",
                &[s(recipient_id)],
            )?
            .map(|r| r.share_id))
    }

    /// The share that granted a document to a recipient.
    pub fn grant_share(
        &self,
        recipient_id: &str,
        document_id: &str,
    ) -> Result<Option<String>, AppError> {
        #[derive(Deserialize)]
        struct Share {
            share_id: String,
        }
        Ok(self
            .first::<Share>(
                "SELECT share_id FROM grants WHERE recipient_id = ? AND document_id = ?",
                &[s(recipient_id), s(document_id)],
            )?
            .map(|r| r.share_id))
    }

    /// Records that a recipient did `what` with a share (and a document): the first time is
    /// kept, the last time and the count move on.
    pub fn record_receipt(
        &self,
        share_id: &str,
        recipient_id: &str,
        document_id: Option<&str>,
        what: Receipt,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO receipts (share_id, recipient_id, document_id, event, first_at, last_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (share_id, recipient_id, document_id, event)
             DO UPDATE SET last_at = excluded.last_at, times = times + 1",
            &[
                s(share_id),
                s(recipient_id),
                s(document_id.unwrap_or_default()),
                s(what.as_str()),
                i(now),
                i(now),
            ],
        )
    }

    /// Everything recorded for one share.
    pub fn receipts_of_share(&self, share_id: &str) -> Result<Vec<ReceiptRow>, AppError> {
        self.rows(
            "SELECT recipient_id, document_id, event, first_at FROM receipts WHERE share_id = ?",
            &[s(share_id)],
        )
    }
}
