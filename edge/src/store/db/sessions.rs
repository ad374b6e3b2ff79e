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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn sessions_insert_touch_delete() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.insert_session("k1", "r1", "p1", 3, 100).unwrap();
        db.insert_session("k2", "r1", "p1", 3, 100).unwrap();
        // A key is used once.
        assert!(db.insert_session("k1", "r2", "p1", 3, 100).is_err());
        let s = db.session("k1").unwrap().unwrap();
        assert_eq!(
            (
                s.recipient_id.as_str(),
                s.patient_id.as_str(),
                s.access_epoch
            ),
            ("r1", "p1", 3)
        );
        assert_eq!((s.created_at, s.last_seen), (100, 100));
        db.touch_session("k1", 150).unwrap();
        let s = db.session("k1").unwrap().unwrap();
        assert_eq!((s.created_at, s.last_seen), (100, 150));
        db.delete_session("k1").unwrap();
        assert!(db.session("k1").unwrap().is_none());
        assert_eq!(db.session("k2").unwrap().unwrap().last_seen, 100);
    }
}
