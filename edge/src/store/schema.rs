//! The practice database schema, as ordered migrations. A migration is never edited once
//! released; changes are new entries. `meta.schema_version` records how many have run.

use super::sql::{Sql, SqlValue};
use crate::http::AppError;

const MIGRATIONS: &[&str] = &[
    // 1: the walking skeleton.
    "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE patients (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        date_of_birth TEXT NOT NULL,
        email TEXT NOT NULL,
        mobile TEXT,
        -- Bumped on unshare: sessions carry the epoch they were issued under.
        access_epoch INTEGER NOT NULL DEFAULT 0,
        revoked INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE recipients (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL REFERENCES patients(id),
        kind TEXT NOT NULL CHECK (kind IN ('patient', 'contact')),
        created_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX recipients_one_patient ON recipients(patient_id) WHERE kind = 'patient';
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL REFERENCES patients(id),
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        date TEXT NOT NULL,
        size INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        storage_key TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE shares (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL,
        staff TEXT NOT NULL,
        method TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE grants (
        recipient_id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        share_id TEXT NOT NULL,
        granted_at INTEGER NOT NULL,
        PRIMARY KEY (recipient_id, document_id)
    );
    CREATE TABLE links (
        id TEXT PRIMARY KEY,
        recipient_id TEXT NOT NULL,
        issued_at INTEGER NOT NULL
    );
    CREATE TABLE attempts (
        recipient_id TEXT NOT NULL,
        factor TEXT NOT NULL,
        failures INTEGER NOT NULL,
        lockouts INTEGER NOT NULL,
        locked_until INTEGER,
        PRIMARY KEY (recipient_id, factor)
    );
    CREATE TABLE renewals (recipient_id TEXT NOT NULL, sent_at INTEGER NOT NULL);
    CREATE TABLE sessions (
        key TEXT PRIMARY KEY,
        recipient_id TEXT NOT NULL,
        patient_id TEXT NOT NULL,
        access_epoch INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    CREATE TABLE mail_jobs (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL,
        to_email TEXT NOT NULL,
        from_email TEXT NOT NULL,
        from_name TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'outbox')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        patient_id TEXT NOT NULL,
        actor TEXT NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    -- The audit is append-only: the database itself refuses changes.
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
    ",
    // 2: contacts, per-recipient revocation, selected consultation sections, SMS codes.
    "
    CREATE TABLE contacts (
        id TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('relationship', 'practice')),
        -- The patient of a relationship; '' for practice contacts.
        patient_id TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL,
        email TEXT,
        mobile TEXT,
        relation TEXT,
        emergency INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (scope, patient_id, id)
    );
    ALTER TABLE recipients ADD COLUMN contact_scope TEXT;
    ALTER TABLE recipients ADD COLUMN contact_id TEXT;
    ALTER TABLE recipients ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
    CREATE UNIQUE INDEX recipients_one_contact
        ON recipients(patient_id, contact_scope, contact_id) WHERE kind = 'contact';
    ALTER TABLE grants ADD COLUMN sections TEXT;
    ALTER TABLE documents ADD COLUMN sections TEXT;
    CREATE TABLE sms_codes (
        link_id TEXT PRIMARY KEY,
        recipient_id TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sms_sends (recipient_id TEXT NOT NULL, sent_at INTEGER NOT NULL);
    ",
    // 3: sharing history: which documents each share carried, and each email's share.
    "
    CREATE TABLE share_documents (
        share_id TEXT NOT NULL,
        document_id TEXT NOT NULL,
        PRIMARY KEY (share_id, document_id)
    );
    ALTER TABLE mail_jobs ADD COLUMN share_id TEXT;
    ALTER TABLE mail_jobs ADD COLUMN recipient_label TEXT;
    ",
    // 4: documents sent as email attachments (JSON list of what to attach at send time).
    "
    ALTER TABLE mail_jobs ADD COLUMN attachments TEXT;
    ",
    // 5: links checked against their record and revocable one by one; patients erased on
    // request (the row stays, emptied, so ids in the append-only audit still mean something).
    // A patient without email is stored with email ''.
    "
    ALTER TABLE links ADD COLUMN share_id TEXT;
    ALTER TABLE links ADD COLUMN expires_at INTEGER;
    ALTER TABLE links ADD COLUMN revoked_at INTEGER;
    CREATE INDEX links_by_recipient ON links(recipient_id);
    CREATE INDEX recipients_by_contact ON recipients(contact_scope, contact_id);
    CREATE INDEX documents_by_patient ON documents(patient_id);
    CREATE INDEX audit_by_patient ON audit(patient_id, id);
    ALTER TABLE patients ADD COLUMN erased_at INTEGER;
    ",
    // 6: practices as tenants. The practice's own staff and roles (managed by its admins, no
    // longer an environment variable) and its clinic API keys (named, several, stored as a
    // SHA-256 of a 256-bit random secret, shown once). The practice's identity and whether it
    // is suspended live in `meta` ('practice_id', 'suspended_at').
    "
    CREATE TABLE staff (
        email TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'sharer', 'admin')),
        added_at INTEGER NOT NULL,
        added_by TEXT NOT NULL
    );
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        hint TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at INTEGER
    );
    ",
    // 7: an index for every lookup on a table that grows with use, so no query's cost grows
    // with the practice's history (found by store/db/query_plans.rs, which fails on a full
    // scan). Lookups by recipient and by patient (unshare, erasure, the links list); the
    // sharing history by patient and by share; the mail queue (pending jobs only, by when
    // due) and the outbox by age; grants by document (withdrawing, deleting a document).
    "
    CREATE INDEX recipients_by_patient ON recipients(patient_id);
    CREATE INDEX sessions_by_recipient ON sessions(recipient_id);
    CREATE INDEX sessions_by_patient ON sessions(patient_id);
    CREATE INDEX grants_by_document ON grants(document_id);
    CREATE INDEX shares_by_patient ON shares(patient_id, created_at);
    CREATE INDEX mail_jobs_by_share ON mail_jobs(share_id);
    CREATE INDEX mail_jobs_by_patient ON mail_jobs(patient_id);
    CREATE INDEX mail_jobs_pending ON mail_jobs(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX mail_jobs_by_created ON mail_jobs(created_at);
    CREATE INDEX renewals_by_recipient ON renewals(recipient_id, sent_at);
    CREATE INDEX sms_codes_by_recipient ON sms_codes(recipient_id, issued_at);
    CREATE INDEX sms_sends_by_recipient ON sms_sends(recipient_id, sent_at);
    ",
    // 8: the clinic API's idempotency keys and its paged lists. A key is remembered per caller
    // (`key:<api key id>` or `staff:<email>`) for 24 hours from its first use: the request's
    // fingerprint (SHA-256 of method, path and body), and once it finished, its answer
    // (`status` NULL while it runs). Pruned by age on each new key (`idempotency_by_created`).
    // The lists page in a stable order with keyset cursors, each read along an index: patients
    // and contacts by (name, id), a patient's documents newest first by (created_at, id).
    "
    CREATE TABLE idempotency (
        caller TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status INTEGER,
        content_type TEXT,
        body TEXT,
        PRIMARY KEY (caller, key)
    );
    CREATE INDEX idempotency_by_created ON idempotency(created_at);
    CREATE INDEX patients_by_name ON patients(name, id);
    CREATE INDEX contacts_by_name ON contacts(scope, patient_id, name, id);
    CREATE INDEX documents_by_patient_created ON documents(patient_id, created_at, id);
    ",
    // 9: the clinic's
    // webhook deliveries, one row per event (`id` is the event id the receiver de-duplicates
    // on), its signed body fixed when the event happened. `next_attempt_at` is also the claim:
    // an attempt moves it a lease ahead before sending, so nothing is sent twice at once.
    // Pending rows by when due (the alarm); the log by age.
    "
    CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        last_status INTEGER,
        last_error TEXT,
        delivered_at INTEGER
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
        WHERE state = 'pending';
    CREATE INDEX webhook_deliveries_by_created ON webhook_deliveries(created_at);
    ",
    // 10: a mail queue that cannot double-send, and evidence of delivery (issue 14, points 5 and 6).
    // `mail_jobs` is rebuilt because SQLite cannot change a CHECK: a job may now end `failed`
    // (refused for good, or retried too long). A job being sent carries its sender's
    // `claim_id`, and `next_attempt_at` is then the end of the claim's lease
    // (`sealpost_shared::mail_queue`). `recipient_id` ties a job to the recipient it is for;
    // `sent_at` is when the provider accepted it; `outcome*` is what the provider's events said
    // last (delivered, deferred, bounce, dropped). `mail_events` keeps each provider event id
    // once, so a redelivered webhook changes nothing. `receipts` is what each recipient did with
    // each share: opened, verified (document ''), viewed and downloaded (per document).
    // `recipients.bounced_*`: the address a bounce or drop was reported for, and when.
    "
    CREATE TABLE mail_jobs_v8 (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL,
        to_email TEXT NOT NULL,
        from_email TEXT NOT NULL,
        from_name TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'outbox', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        share_id TEXT,
        recipient_label TEXT,
        attachments TEXT,
        claim_id TEXT,
        recipient_id TEXT,
        sent_at INTEGER,
        outcome TEXT,
        outcome_at INTEGER,
        outcome_reason TEXT
    );
    INSERT INTO mail_jobs_v8 (id, patient_id, to_email, from_email, from_name, subject, body,
            status, attempts, next_attempt_at, last_error, created_at, share_id, recipient_label,
            attachments)
        SELECT id, patient_id, to_email, from_email, from_name, subject, body, status, attempts,
            next_attempt_at, last_error, created_at, share_id, recipient_label, attachments
        FROM mail_jobs ORDER BY rowid;
    DROP TABLE mail_jobs;
    ALTER TABLE mail_jobs_v8 RENAME TO mail_jobs;
    CREATE INDEX mail_jobs_by_share ON mail_jobs(share_id);
    CREATE INDEX mail_jobs_by_patient ON mail_jobs(patient_id);
    CREATE INDEX mail_jobs_pending ON mail_jobs(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX mail_jobs_by_created ON mail_jobs(created_at);
    CREATE TABLE mail_events (
        event_id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        event TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE receipts (
        share_id TEXT NOT NULL,
        recipient_id TEXT NOT NULL,
        document_id TEXT NOT NULL DEFAULT '',
        event TEXT NOT NULL,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        times INTEGER NOT NULL DEFAULT 1,
        PRIMARY KEY (share_id, recipient_id, document_id, event)
    );
    ALTER TABLE recipients ADD COLUMN bounced_email TEXT;
    ALTER TABLE recipients ADD COLUMN bounced_at INTEGER;
    ",
    // 11: reminders (issue 14, point 7). One row per share and recipient of a secure link,
    // written when the share's first link is sent to them: `waiting` until the practice's
    // alarm decides (`sealpost_shared::reminders`), then `sent` (the reminder was queued) or
    // `dropped` (opened, withdrawn, no address, too late), never to change again, so a
    // recipient is reminded of a share at most once. Waiting rows by first-sent time (the
    // alarm's batch and the next due time). `mail_jobs.reminder` marks the reminder's email in
    // the share's deliveries.
    "
    CREATE TABLE reminders (
        share_id TEXT NOT NULL,
        recipient_id TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'sent', 'dropped')),
        decided_at INTEGER,
        PRIMARY KEY (share_id, recipient_id)
    );
    CREATE INDEX reminders_waiting ON reminders(sent_at) WHERE state = 'waiting';
    ALTER TABLE mail_jobs ADD COLUMN reminder INTEGER NOT NULL DEFAULT 0;
    ",
];

/// Whether this database has ever been set up (a read only: a Durable Object that was never
/// begun stays empty when asked).
pub fn exists(sql: &dyn Sql) -> Result<bool, AppError> {
    table_exists(sql, "meta")
}

fn table_exists(sql: &dyn Sql, table: &str) -> Result<bool, AppError> {
    Ok(sql
        .query(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
            &[SqlValue::Text(table.to_owned())],
        )?
        .first()
        .and_then(|row| row.get("n"))
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0)
        > 0)
}

/// Runs the practice database's migrations that have not run yet. Idempotent and cheap when
/// up to date; a Durable Object instance calls it once.
pub fn migrate(sql: &dyn Sql) -> Result<(), AppError> {
    run_migrations(sql, "meta", MIGRATIONS)
}

/// Runs `migrations` in order from the first not yet recorded in `meta_table`'s
/// `schema_version` (a key/value table the first migration creates).
pub fn run_migrations(
    sql: &dyn Sql,
    meta_table: &str,
    migrations: &[&str],
) -> Result<(), AppError> {
    let done: usize = if table_exists(sql, meta_table)? {
        sql.query(
            &format!("SELECT value FROM {meta_table} WHERE key = 'schema_version'"),
            &[],
        )?
        .first()
        .and_then(|row| row.get("value"))
        .and_then(serde_json::Value::as_str)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
    } else {
        0
    };
    for (index, migration) in migrations.iter().enumerate().skip(done) {
        sql.execute_batch(migration)?;
        sql.execute(
            &format!(
                "INSERT INTO {meta_table} (key, value) VALUES ('schema_version', ?)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            ),
            &[SqlValue::Text((index + 1).to_string())],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use sealpost_shared::history::DeliveryStatus;

    use super::*;
    use crate::store::db::Db;
    use crate::store::sqlite::SqliteSql;

    /// The mail queue's migration (10) rebuilds `mail_jobs`: a practice's existing jobs
    /// come through it unchanged, still in their order, and a pending one is still due.
    #[test]
    fn the_mail_queue_migration_keeps_every_job() {
        let sql = SqliteSql::open().unwrap();
        run_migrations(&sql, "meta", &MIGRATIONS[..9]).unwrap();
        for (id, status, at) in [("b", "sent", 20), ("a", "pending", 10), ("c", "outbox", 30)] {
            sql.execute(
                "INSERT INTO mail_jobs (id, patient_id, to_email, from_email, from_name, subject,
                     body, status, attempts, next_attempt_at, last_error, created_at, share_id,
                     recipient_label, attachments)
                 VALUES (?, 'p1', 'ann@example.org', 'c@example.org', 'Clinic', 'Hi', 'link', ?,
                     1, ?, 'timeout', ?, 's1', 'patient', NULL)",
                &[id.into(), status.into(), at.into(), at.into()],
            )
            .unwrap();
        }
        migrate(&sql).unwrap();
        let db = Db::new(sql.clone());
        let jobs = db.outbox().unwrap();
        let seen: Vec<(&str, DeliveryStatus, i64)> = jobs
            .iter()
            .map(|j| (j.id.as_str(), j.status, j.attempts))
            .collect();
        assert_eq!(
            seen,
            [
                ("c", DeliveryStatus::Outbox, 1),
                ("b", DeliveryStatus::Sent, 1),
                ("a", DeliveryStatus::Pending, 1)
            ]
        );
        let claimed = db.claim_due_mail(15, "k", 315, 50).unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, "a");
        // The queue's index is there again (the query-plan test relies on it).
        let indexes = sql
            .query(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index'
                 AND tbl_name = 'mail_jobs' AND name LIKE 'mail_jobs_%'",
                &[],
            )
            .unwrap();
        assert_eq!(indexes[0]["n"], 4);
    }
}
