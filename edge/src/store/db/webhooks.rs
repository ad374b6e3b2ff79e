//! Webhook deliveries: one row per event, queued in the same turn as the change it reports,
//! claimed (a lease) before each attempt, retried with backoff, and kept as the delivery log.

use sealpost_shared::webhook_settings::DeliveryState;
use serde::Deserialize;

use super::{i, s, Db};
use crate::http::AppError;
use crate::store::sql::SqlValue;

/// A delivery claimed for an attempt: what to send.
#[derive(Debug, Clone, Deserialize)]
pub struct ClaimedDelivery {
    pub id: String,
    pub payload: String,
    pub created_at: i64,
    /// Attempts made, this one included.
    pub attempts: i64,
}

/// A row of the delivery log.
#[derive(Debug, Clone, Deserialize)]
pub struct DeliveryRow {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: i64,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

impl Db {
    /// Queues an event for delivery, due at once.
    pub fn insert_webhook(
        &self,
        id: &str,
        event_type: &str,
        payload: &str,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO webhook_deliveries (id, type, payload, created_at, state, next_attempt_at)
             VALUES (?, ?, ?, ?, 'pending', ?)",
            &[s(id), s(event_type), s(payload), i(now), i(now)],
        )
    }

    /// Claims up to `limit` due deliveries, oldest due first: each attempt is counted and its
    /// next attempt moved to `lease_until`, so no other turn picks it up while it is sent.
    /// Synchronous, so the read and the claims are one atomic run in the Durable Object.
    pub fn claim_due_webhooks(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>, AppError> {
        let due: Vec<ClaimedDelivery> = self.rows(
            "SELECT id, payload, created_at, attempts + 1 AS attempts FROM webhook_deliveries
             WHERE state = 'pending' AND next_attempt_at <= ?
             ORDER BY next_attempt_at LIMIT ?",
            &[i(now), i(limit)],
        )?;
        for d in &due {
            self.run(
                "UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE id = ?",
                &[i(d.attempts), i(lease_until), s(&d.id)],
            )?;
        }
        Ok(due)
    }

    /// The receiver took it.
    pub fn webhook_delivered(&self, id: &str, status: i64, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE webhook_deliveries SET state = 'delivered', last_status = ?, last_error = NULL,
                 next_attempt_at = NULL, delivered_at = ?
             WHERE id = ? AND state = 'pending'",
            &[i(status), i(now), s(id)],
        )
    }

    /// An attempt failed: try again at `next_attempt_at`, or (`None`) give up.
    pub fn webhook_attempt_failed(
        &self,
        id: &str,
        status: Option<i64>,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<(), AppError> {
        let state = match next_attempt_at {
            Some(_) => DeliveryState::Pending,
            None => DeliveryState::Failed,
        };
        self.run(
            "UPDATE webhook_deliveries SET state = ?, last_status = ?, last_error = ?,
                 next_attempt_at = ?
             WHERE id = ? AND state = 'pending'",
            &[
                s(state.as_str()),
                status.map_or(SqlValue::Null, i),
                s(error),
                next_attempt_at.map_or(SqlValue::Null, i),
                s(id),
            ],
        )
    }

    /// When the next pending delivery is due (or its lease ends).
    pub fn next_webhook_due(&self) -> Result<Option<i64>, AppError> {
        #[derive(Deserialize)]
        struct Due {
            due: Option<i64>,
        }
        Ok(self
            .first::<Due>(
                "SELECT min(next_attempt_at) AS due FROM webhook_deliveries WHERE state = 'pending'",
                &[],
            )?
            .and_then(|d| d.due))
    }

    /// The delivery log: the newest 100.
    pub fn webhook_log(&self) -> Result<Vec<DeliveryRow>, AppError> {
        self.rows(
            "SELECT id, type, created_at, state, attempts, last_status, last_error,
                    next_attempt_at, delivered_at
             FROM webhook_deliveries ORDER BY created_at DESC, rowid DESC LIMIT 100",
            &[],
        )
    }
}
