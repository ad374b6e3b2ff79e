//! Portal sessions: keyed by `session_key` (derived from the cookie's secret) and tied to the
//! patient's access epoch.

use serde::Deserialize;

use super::{i, s, Db};
use crate::http::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub recipient_id: String,
    pub patient_id: String,
    pub access_epoch: i64,
    pub created_at: i64,
    pub last_seen: i64,
}

impl Db {
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
}
