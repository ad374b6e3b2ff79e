//! Idempotency keys of the clinic API: per caller, the request's fingerprint and, once it
//! finished, its answer (see `sealpost_shared::idempotency` for the decision and
//! `routes::idempotency` for the flow). Times are Unix seconds.

use serde::Deserialize;

use super::{i, s, Db};
use crate::http::AppError;

/// What is kept for one (caller, key).
#[derive(Debug, Clone, Deserialize)]
pub struct IdempotencyRow {
    pub fingerprint: String,
    pub created_at: i64,
    /// `None` while the first request runs.
    pub status: Option<i64>,
    pub content_type: Option<String>,
    pub body: Option<String>,
}

impl Db {
    pub fn idempotency_record(
        &self,
        caller: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRow>, AppError> {
        self.first(
            "SELECT fingerprint, created_at, status, content_type, body FROM idempotency
             WHERE caller = ? AND key = ?",
            &[s(caller), s(key)],
        )
    }

    /// Reserves the key for a request now starting (replacing an expired or abandoned record).
    pub fn reserve_idempotency(
        &self,
        caller: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO idempotency (caller, key, fingerprint, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (caller, key) DO UPDATE SET fingerprint = excluded.fingerprint,
                 created_at = excluded.created_at, status = NULL, content_type = NULL,
                 body = NULL",
            &[s(caller), s(key), s(fingerprint), i(now)],
        )
    }

    /// Keeps the answer of the request that reserved the key, for its retries.
    pub fn answer_idempotency(
        &self,
        caller: &str,
        key: &str,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> Result<(), AppError> {
        self.run(
            "UPDATE idempotency SET status = ?, content_type = ?, body = ?
             WHERE caller = ? AND key = ?",
            &[
                i(i64::from(status)),
                s(content_type),
                s(body),
                s(caller),
                s(key),
            ],
        )
    }

    /// Forgets a reservation whose request was refused before doing anything (a 4xx).
    pub fn release_idempotency(&self, caller: &str, key: &str) -> Result<(), AppError> {
        self.run(
            "DELETE FROM idempotency WHERE caller = ? AND key = ?",
            &[s(caller), s(key)],
        )
    }

    /// Deletes every record created before `before` (past its 24 hours).
    pub fn prune_idempotency(&self, before: i64) -> Result<(), AppError> {
        self.run("DELETE FROM idempotency WHERE created_at < ?", &[i(before)])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn reserve_answer_replace_release_and_prune() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        assert!(db.idempotency_record("key:k1", "a").unwrap().is_none());
        db.reserve_idempotency("key:k1", "a", "f1", 100).unwrap();
        let r = db.idempotency_record("key:k1", "a").unwrap().unwrap();
        assert_eq!(
            (r.fingerprint.as_str(), r.created_at, r.status),
            ("f1", 100, None)
        );
        // Another caller's same key is another record.
        assert!(db.idempotency_record("key:k2", "a").unwrap().is_none());

        db.answer_idempotency("key:k1", "a", 201, "application/json", "{\"x\":1}")
            .unwrap();
        let r = db.idempotency_record("key:k1", "a").unwrap().unwrap();
        assert_eq!(
            (r.status, r.content_type.as_deref(), r.body.as_deref()),
            (Some(201), Some("application/json"), Some("{\"x\":1}"))
        );

        // Reserving again (the key expired) starts over.
        db.reserve_idempotency("key:k1", "a", "f2", 200).unwrap();
        let r = db.idempotency_record("key:k1", "a").unwrap().unwrap();
        assert_eq!(
            (r.fingerprint.as_str(), r.created_at, r.status, r.body),
            ("f2", 200, None, None)
        );

        db.release_idempotency("key:k1", "a").unwrap();
        assert!(db.idempotency_record("key:k1", "a").unwrap().is_none());

        db.reserve_idempotency("staff:a@example.org", "old", "f", 10)
            .unwrap();
        db.reserve_idempotency("staff:a@example.org", "new", "f", 20)
            .unwrap();
        db.prune_idempotency(20).unwrap();
        assert!(db
            .idempotency_record("staff:a@example.org", "old")
            .unwrap()
            .is_none());
        assert!(db
            .idempotency_record("staff:a@example.org", "new")
            .unwrap()
            .is_some());
    }
}
