//! Verification state: failed attempts per factor (the lockout's input), SMS codes and the
//! SMS sends that rate limits count.

use sealpost_shared::lockout::AttemptState;
use sealpost_shared::time::{from_unix_seconds, Now};
use serde::Deserialize;

use super::{i, s, u32_of, At, Db, SqlValue};
use crate::http::AppError;

#[derive(Deserialize)]
struct AttemptRow {
    failures: i64,
    lockouts: i64,
    locked_until: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmsCodeRow {
    pub link_id: String,
    pub code_hash: String,
    pub issued_at: i64,
    pub used: i64,
}

impl Db {
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use sealpost_shared::lockout::AttemptState;
    use sealpost_shared::time::from_unix_seconds;

    use crate::store::sqlite::SqliteSql;

    #[test]
    fn attempts_per_recipient_and_factor() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        assert_eq!(
            db.attempts("r1", "birthday").unwrap(),
            AttemptState::default()
        );
        let locked = AttemptState {
            failures: 0,
            lockouts: 2,
            locked_until: Some(from_unix_seconds(500)),
        };
        db.set_attempts("r1", "birthday", &locked).unwrap();
        db.set_attempts(
            "r1",
            "sms_code",
            &AttemptState {
                failures: 1,
                ..AttemptState::default()
            },
        )
        .unwrap();
        assert_eq!(db.attempts("r1", "birthday").unwrap(), locked);
        assert_eq!(db.attempts("r1", "sms_code").unwrap().failures, 1);
        assert_eq!(
            db.attempts("r2", "birthday").unwrap(),
            AttemptState::default()
        );
        db.set_attempts("r1", "birthday", &AttemptState::default())
            .unwrap();
        assert_eq!(
            db.attempts("r1", "birthday").unwrap(),
            AttemptState::default()
        );
    }

    #[test]
    fn a_new_sms_code_replaces_the_recipients_earlier_ones() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        assert!(db.sms_code("r1").unwrap().is_none());
        db.set_sms_code("l1", "r1", "hash1", 10).unwrap();
        db.set_sms_code("l2", "r1", "hash2", 20).unwrap();
        db.set_sms_code("l3", "r2", "hash3", 30).unwrap();
        let code = db.sms_code("r1").unwrap().unwrap();
        assert_eq!(
            (
                code.link_id.as_str(),
                code.code_hash.as_str(),
                code.issued_at,
                code.used
            ),
            ("l2", "hash2", 20, 0)
        );
        db.use_sms_code("r1").unwrap();
        assert_eq!(db.sms_code("r1").unwrap().unwrap().used, 1);
        assert_eq!(db.sms_code("r2").unwrap().unwrap().used, 0);
    }

    #[test]
    fn sms_sends_keep_a_day_and_one_can_be_taken_back() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        let t = from_unix_seconds;
        db.add_sms_send("r1", 1_000).unwrap();
        db.add_sms_send("r1", 2_000).unwrap();
        db.add_sms_send("r1", 2_000).unwrap();
        db.add_sms_send("r2", 1_000).unwrap();
        assert_eq!(db.sms_sends("r1").unwrap(), [t(1_000), t(2_000), t(2_000)]);
        // One of two identical sends is taken back, not both.
        db.remove_sms_send("r1", 2_000).unwrap();
        assert_eq!(db.sms_sends("r1").unwrap(), [t(1_000), t(2_000)]);
        // A day later the sends older than a day are dropped as the next one is added.
        db.add_sms_send("r1", 1_500 + 86_400).unwrap();
        assert_eq!(db.sms_sends("r1").unwrap(), [t(2_000), t(1_500 + 86_400)]);
        assert_eq!(db.sms_sends("r2").unwrap(), [t(1_000)]);
    }
}
