//! Every statement [`Db`] runs is planned with an index on the tables that grow with use.
//!
//! The test calls every public `Db` method on seeded data through the recording SQLite
//! ([`SqliteSql`]), then asks SQLite for each distinct statement's plan (`EXPLAIN QUERY PLAN`,
//! with the arguments it ran with). A plan line `SCAN <table>` without `USING INDEX` /
//! `USING COVERING INDEX` is a full table scan: the statement's cost grows with the table, so
//! the test fails and names the statement. A `SEARCH … USING …` is a lookup. Two disguised
//! full scans fail too (see [`full_scan`]): a `min()` read from the whole table, and an index
//! walked in order to filter rows (only a walk that returns what it visits, up to a `LIMIT`,
//! passes).
//!
//! A second check keeps the first honest: it reads the `impl Db` blocks of every file in
//! `store/db/` and fails if a public method is not called here, so a new query cannot skip
//! the plan check.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeSet, HashMap};

use sealpost_shared::history::{AuditEvent, DeliveryStatus, ProviderOutcome};
use sealpost_shared::lockout::AttemptState;
use sealpost_shared::staff::{ApiKeyEntry, Role, StaffMember};
use sealpost_shared::time::from_unix_seconds;
use sealpost_shared::wire::ShareMethod;

use super::{Db, NewMail, Receipt};
use crate::store::sqlite::SqliteSql;

/// The tables that grow with use: a full scan of any of them fails the test.
const GROWING: &[&str] = &[
    "audit",
    "shares",
    "share_documents",
    "grants",
    "links",
    "mail_jobs",
    "webhook_deliveries",
    "renewals",
    "sms_sends",
    "sms_codes",
    "sessions",
    "recipients",
    "documents",
    "attempts",
    "contacts",
    "patients",
    "idempotency",
    "mail_events",
    "receipts",
    "reminders",
];

/// Full scans accepted on purpose: (table, a fragment that identifies the statement, why).
const ALLOWED_SCANS: &[(&str, &str, &str)] = &[
    (
        "documents",
        "FROM documents WHERE storage_key NOT LIKE 'http:%'",
        // Erasing a practice lists every object it stored: the whole table is the answer.
        "every stored object, once, when a practice is erased",
    ),
    (
        "patients",
        "name LIKE ? ESCAPE '!' OR id LIKE ?",
        // The console's search matches a fragment anywhere in the name or id ("contains", as the
        // clinic asked), so the pattern starts with '%' and no B-tree index can seek it; only a
        // trigram full-text index could, at the cost of a second copy of every name kept in step.
        // One practice's patients are thousands of short rows, scanned in well under a
        // millisecond, by staff typing a search, never on a patient's or a mail path.
        "substring search by name or id",
    ),
];

/// Words that can follow a table name in our SQL without being its alias.
const NOT_ALIASES: &[&str] = &[
    "where", "join", "on", "set", "order", "group", "limit", "left", "inner", "cross", "values",
    "select", "default", "using", "and", "or", "union", "as", "having", "do", "natural", "indexed",
    "not", "from",
];

/// The table each alias in `statement` stands for (`documents d`, `links AS l`).
fn aliases(statement: &str) -> HashMap<String, String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in statement.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    let is_name = |t: &str| {
        t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && !NOT_ALIASES.contains(&t.to_ascii_lowercase().as_str())
    };
    let mut out = HashMap::new();
    for window in tokens.windows(3) {
        let (table, next, after) = (&window[0], &window[1], &window[2]);
        if !GROWING.contains(&table.as_str()) {
            continue;
        }
        if next.eq_ignore_ascii_case("as") && is_name(after) {
            out.insert(after.clone(), table.clone());
        } else if is_name(next) {
            out.insert(next.clone(), table.clone());
        }
    }
    out
}

/// The growing table a plan line reads in full, if it does:
/// - `SCAN t`: a full table scan;
/// - `SEARCH t` with no `USING …`: SQLite's label for a `min()`/`max()` answered by reading the
///   whole table (there is no index to take the end of);
/// - `SCAN t USING [COVERING] INDEX i`: an index walked in order. Cheap only when every row it
///   visits is returned and a `LIMIT` stops it (the outbox's newest 100); with a `WHERE` it
///   may visit every row to find a few, which is a full scan in another order.
fn full_scan(statement: &str, plan_line: &str) -> Option<String> {
    let line = plan_line.trim();
    let (name, full) = if let Some(rest) = line.strip_prefix("SCAN ") {
        let walks_index = rest.contains(" USING INDEX ") || rest.contains(" USING COVERING INDEX ");
        let upper = statement.to_ascii_uppercase();
        let stops_early = !upper.contains("WHERE") && upper.contains("LIMIT");
        (
            rest.split_whitespace().next()?,
            !walks_index || !stops_early,
        )
    } else if let Some(rest) = line.strip_prefix("SEARCH ") {
        (rest.split_whitespace().next()?, !rest.contains(" USING "))
    } else {
        return None;
    };
    if !full {
        return None;
    }
    let table = aliases(statement)
        .get(name)
        .cloned()
        .unwrap_or_else(|| name.to_owned());
    GROWING.contains(&table.as_str()).then_some(table)
}

/// Calls a `Db` method, unwraps its result and notes that it was called.
macro_rules! call {
    ($seen:ident, $db:ident . $method:ident ( $($arg:expr),* $(,)? )) => {{
        $seen.insert(stringify!($method).to_owned());
        $db.$method($($arg),*).unwrap()
    }};
}

fn mail<'a>(id: &'a str, share_id: Option<&'a str>, patient_id: &'a str) -> NewMail<'a> {
    NewMail {
        id,
        share_id,
        recipient_id: None,
        recipient_label: "patient",
        attachments: None,
        patient_id,
        to: "ann@example.org",
        from_email: "clinic@example.org",
        from_name: "Clinic",
        subject: "Documents",
        body: "body",
    }
}

/// Calls every public method of `Db` at least once, on data seeded as the routes would.
fn exercise_every_method(db: &Db) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let s = &mut seen;

    // Patients, recipients, contacts.
    call!(
        s,
        db.upsert_patient(
            "p1",
            "Ann Lee",
            "1980-01-01",
            Some("a@example.org"),
            None,
            "r1",
            10
        )
    );
    call!(
        s,
        db.upsert_patient(
            "p2",
            "Bob Hill",
            "1981-01-01",
            None,
            Some("+447700900001"),
            "r2",
            10
        )
    );
    let _ = call!(s, db.find_patients("lee", "", 51));
    let _ = call!(s, db.find_patients("", "p1", 51));
    let _ = call!(s, db.patient("p1"));
    let _ = call!(s, db.patient_recipient("p1"));
    let _ = call!(s, db.recipient("r1"));
    call!(
        s,
        db.upsert_contact(
            "relationship",
            "p1",
            "mum",
            "Mum",
            Some("m@example.org"),
            None,
            Some("mother"),
            true,
            11
        )
    );
    call!(
        s,
        db.upsert_contact(
            "practice",
            "",
            "gp",
            "Dr Grey",
            Some("gp@example.org"),
            None,
            None,
            false,
            11
        )
    );
    let _ = call!(s, db.contacts("practice", ""));
    let _ = call!(s, db.contacts_page("practice", "", "gp", 51));
    let _ = call!(s, db.contact("relationship", "p1", "mum"));
    let _ = call!(
        s,
        db.contact_recipient("p1", "relationship", "mum", "rc1", 12)
    );
    let _ = call!(s, db.contact_recipient("p1", "practice", "gp", "rc2", 12));
    let _ = call!(s, db.recipients_of_contact("practice", "", "gp"));

    // Documents, shares, grants, links, mail.
    for (id, patient) in [("d1", "p1"), ("d2", "p1"), ("d3", "p2")] {
        call!(
            s,
            db.upsert_document(
                id,
                patient,
                "letter",
                "Letter",
                "2024-01-01",
                10,
                "application/pdf",
                "key",
                None,
                13
            )
        );
    }
    let _ = call!(s, db.document_owner("d1"));
    let _ = call!(s, db.document("d1"));
    call!(
        s,
        db.insert_share("s1", "p1", "staff:a", ShareMethod::SecureLink, 14)
    );
    call!(s, db.add_share_document("s1", "d1"));
    call!(s, db.grant("r1", "d1", "s1", None, 14));
    call!(s, db.grant("rc1", "d2", "s1", Some("[\"plan\"]"), 14));
    call!(s, db.insert_link("l1", "r1", Some("s1"), 14, 1_000));
    call!(s, db.insert_link("l2", "rc1", Some("s1"), 14, 1_000));
    call!(s, db.insert_mail(&mail("m1", Some("s1"), "p1"), 14));
    call!(s, db.insert_mail(&mail("m2", None, "p2"), 15));
    call!(
        s,
        db.audit(16, "p1", "staff:a", AuditEvent::StaffViewed, "d1")
    );
    let _ = call!(s, db.staff_documents("p1", Some((13, "d2")), 51));
    let _ = call!(s, db.documents_for("r1"));
    let _ = call!(s, db.granted_document("rc1", "d2"));
    // Reminders: remembered with the first link, looked at by the alarm, settled once.
    call!(s, db.remember_for_reminder("s1", "r1", 14));
    call!(s, db.remember_for_reminder("s1", "rc1", 14));
    let _ = call!(s, db.oldest_waiting_reminder());
    let _ = call!(s, db.waiting_reminders(100, 50));
    let _ = call!(s, db.first_mail_of("s1", "r1"));
    call!(s, db.decide_reminder("s1", "rc1", false, 15));
    call!(s, db.mark_reminder_mail("m1"));
    let _ = call!(s, db.share_history("p1"));
    let _ = call!(s, db.share_history_page("p1", Some((14, 1)), 51));
    let _ = call!(s, db.link("l1"));
    let _ = call!(s, db.links_of_patient("p1", Some((14, 2)), 51));
    let _ = call!(s, db.due_mail(20));
    let _ = call!(s, db.claim_due_mail(20, "k1", 320, 50));
    let _ = call!(s, db.next_mail_due());
    let _ = call!(s, db.mail_retry("m1", "k1", "timeout", 40));
    let _ = call!(
        s,
        db.mail_delivered("m1", "k1", DeliveryStatus::Sent, false, 41)
    );
    let _ = call!(
        s,
        db.mail_delivered("m2", "k1", DeliveryStatus::Outbox, true, 41)
    );
    let _ = call!(s, db.mail_failed("m2", "k1", "refused"));
    call!(s, db.insert_outbox(&mail("m3", None, "p2"), 42));

    // Evidence of delivery: provider events, the bounce flag, read receipts.
    let _ = call!(s, db.mail_outcome("m1"));
    let _ = call!(
        s,
        db.record_mail_event("e1", "m1", ProviderOutcome::Bounced, 43)
    );
    call!(
        s,
        db.set_mail_outcome("m1", ProviderOutcome::Bounced, 43, Some("550"))
    );
    call!(s, db.flag_bounced("r1", "a@example.org", 43));
    call!(s, db.clear_bounced("r1", "a@example.org", 44));
    let _ = call!(s, db.latest_share_of("r1"));
    let _ = call!(s, db.patient_bounced_email("p1"));
    let _ = call!(s, db.contact_bounced_emails("practice", "", "gp"));
    let _ = call!(s, db.contact_bounced_emails("relationship", "p1", "mum"));
    let _ = call!(s, db.grant_share("r1", "d1"));
    call!(
        s,
        db.record_receipt("s1", "r1", Some("d1"), Receipt::Viewed, 45)
    );
    call!(s, db.record_receipt("s1", "r1", None, Receipt::Opened, 45));
    let _ = call!(s, db.receipts_of_share("s1"));
    let _ = call!(s, db.outbox());

    // The webhook queue: queued, claimed, delivered, retried, given up; its log.
    call!(s, db.insert_webhook("evt_1", "link.opened", "{}", 14));
    call!(s, db.insert_webhook("evt_2", "document.viewed", "{}", 15));
    call!(s, db.insert_webhook("evt_3", "access.revoked", "{}", 16));
    let _ = call!(s, db.claim_due_webhooks(20, 80, 20));
    let _ = call!(s, db.next_webhook_due());
    call!(s, db.webhook_delivered("evt_1", 204, 21));
    call!(
        s,
        db.webhook_attempt_failed("evt_2", Some(500), "answered 500", Some(25))
    );
    call!(
        s,
        db.webhook_attempt_failed("evt_3", None, "timed out", None)
    );
    let _ = call!(s, db.webhook_log());

    // Verification: attempts, SMS codes and sends, renewals, sessions.
    let _ = call!(s, db.attempts("r1", "birthday"));
    call!(
        s,
        db.set_attempts(
            "r1",
            "birthday",
            &AttemptState {
                failures: 1,
                ..AttemptState::default()
            }
        )
    );
    call!(s, db.set_sms_code("l1", "r1", "hash", 20));
    let _ = call!(s, db.sms_code("r1"));
    call!(s, db.use_sms_code("r1"));
    call!(s, db.add_sms_send("r1", 20));
    let _ = call!(s, db.sms_sends("r1"));
    call!(s, db.remove_sms_send("r1", 20));
    call!(s, db.set_renewals("r1", &[from_unix_seconds(20)]));
    let _ = call!(s, db.renewals("r1"));
    call!(s, db.insert_session("k1", "r1", "p1", 0, 20));
    let _ = call!(s, db.session("k1"));
    call!(s, db.touch_session("k1", 21));
    call!(s, db.delete_session("k1"));
    call!(s, db.insert_session("k2", "rc1", "p1", 0, 20));

    // The practice's staff and clinic API keys (small tables, checked all the same).
    let member = StaffMember {
        email: "sam@example.org".to_owned(),
        role: Role::Sharer,
        added_at: 20,
        added_by: "admin@example.org".to_owned(),
    };
    call!(s, db.put_staff(&member));
    let _ = call!(s, db.staff_role("sam@example.org"));
    let _ = call!(s, db.staff());
    let key = ApiKeyEntry {
        id: "k1".to_owned(),
        name: "EHR".to_owned(),
        hint: "sp_elm_…x9Qa".to_owned(),
        created_at: 20,
        created_by: "admin@example.org".to_owned(),
        revoked_at: None,
    };
    call!(s, db.insert_api_key(&key, "hash-k1"));
    let _ = call!(s, db.api_key_by_hash("hash-k1"));
    let _ = call!(s, db.api_keys());
    let _ = call!(s, db.revoke_api_key("k1", 21));
    call!(s, db.delete_staff("sam@example.org"));

    // Settings and the audit.
    call!(s, db.set_setting("practice_name", "Elm Surgery"));
    let _ = call!(s, db.setting("practice_name"));
    call!(s, db.delete_setting("practice_name"));
    call!(
        s,
        db.audit(
            22,
            "",
            "staff:admin",
            AuditEvent::SettingsChanged,
            "practice_name"
        )
    );
    let _ = call!(s, db.practice_audit());
    let _ = call!(s, db.audit_for("p1"));
    let _ = call!(s, db.audit_page("p1", 1, 51));

    // Idempotency keys of the clinic API.
    call!(s, db.reserve_idempotency("key:k1", "idem-1", "fp", 30));
    let _ = call!(s, db.idempotency_record("key:k1", "idem-1"));
    call!(
        s,
        db.answer_idempotency("key:k1", "idem-1", 201, "application/json", "{}")
    );
    call!(s, db.release_idempotency("key:k1", "idem-1"));
    call!(s, db.prune_idempotency(10));

    // Taking access away, one piece at a time and then all of it.
    call!(s, db.revoke_link("l1", 23));
    call!(s, db.revoke_links_of("rc1", 23));
    call!(s, db.revoke_recipient("rc1", 23));
    call!(s, db.restore_recipient("rc1"));
    call!(s, db.withdraw_document("d2"));
    call!(s, db.delete_document("d1"));
    call!(s, db.delete_contact("practice", "", "gp"));
    call!(s, db.revoke_patient("p1", 24));
    call!(s, db.restore_access("p1"));
    let _ = call!(s, db.storage_keys_of("p2"));
    let _ = call!(s, db.all_storage_keys());
    call!(s, db.erase_patient("p2", 25));
    seen
}

/// The public methods of every `impl Db` block in `store/db/`.
fn db_methods() -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/db");
    let mut methods = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut in_impl = false;
        for line in text.lines() {
            if line == "impl Db {" {
                in_impl = true;
            } else if line == "}" {
                in_impl = false;
            } else if let Some(rest) = line.strip_prefix("    pub fn ").filter(|_| in_impl) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != "new" {
                    methods.insert(name);
                }
            }
        }
    }
    methods
}

#[test]
fn every_db_method_is_in_the_plan_check() {
    let (db, _) = SqliteSql::migrated_db().unwrap();
    let called = exercise_every_method(&db);
    let defined = db_methods();
    assert!(defined.len() > 50, "found only {defined:?}");
    let missing: Vec<_> = defined.difference(&called).collect();
    assert!(
        missing.is_empty(),
        "call these in query_plans::exercise_every_method so their SQL is plan-checked: {missing:?}"
    );
}

#[test]
fn no_statement_scans_a_growing_table() {
    let (db, sql) = SqliteSql::migrated_db().unwrap();
    exercise_every_method(&db);
    let statements = sql.statements();
    assert!(
        statements.len() > 60,
        "only {} statements ran",
        statements.len()
    );
    let mut failures = Vec::new();
    for statement in &statements {
        let plan = sql.query_plan(&statement.sql, &statement.args).unwrap();
        for line in &plan {
            let Some(table) = full_scan(&statement.sql, line) else {
                continue;
            };
            let allowed = ALLOWED_SCANS
                .iter()
                .any(|(t, fragment, _)| *t == table && statement.sql.contains(fragment));
            if !allowed {
                failures.push(format!(
                    "full scan of {table} ({line}) in:\n{}\nplan: {plan:?}",
                    statement.sql
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn full_scans_are_recognised_through_aliases() {
    let q = "SELECT d.id FROM documents d JOIN grants AS g ON g.document_id = d.id
             WHERE d.patient_id = ? ORDER BY d.date";
    assert_eq!(full_scan(q, "SCAN d").as_deref(), Some("documents"));
    assert_eq!(full_scan(q, "SCAN g").as_deref(), Some("grants"));
    assert_eq!(full_scan(q, "SCAN documents").as_deref(), Some("documents"));
    // With a WHERE, a walk along an index filters rows it has read.
    assert_eq!(
        full_scan(q, "SCAN d USING INDEX documents_by_patient").as_deref(),
        Some("documents")
    );
    let newest = "SELECT g.document_id FROM grants AS g ORDER BY g.granted_at LIMIT 5";
    assert_eq!(
        full_scan(newest, "SCAN g USING COVERING INDEX grants_by_time"),
        None
    );
    assert_eq!(
        full_scan(
            q,
            "SEARCH d USING INDEX documents_by_patient (patient_id=?)"
        ),
        None
    );
    assert_eq!(full_scan(q, "USE TEMP B-TREE FOR ORDER BY"), None);
    // An index walked to filter rows reads them all; one walked up to a LIMIT does not.
    let due = "SELECT id FROM mail_jobs WHERE status = 'pending' ORDER BY created_at LIMIT 50";
    let line = "SCAN mail_jobs USING INDEX mail_jobs_by_created";
    assert_eq!(full_scan(due, line).as_deref(), Some("mail_jobs"));
    let outbox = "SELECT id FROM mail_jobs ORDER BY created_at DESC LIMIT 100";
    assert_eq!(full_scan(outbox, line), None);
    // min() with no index to read it from.
    let next = "SELECT min(next_attempt_at) AS due FROM mail_jobs WHERE status = 'pending'";
    assert_eq!(
        full_scan(next, "SEARCH mail_jobs").as_deref(),
        Some("mail_jobs")
    );
    let covered = "SEARCH mail_jobs USING COVERING INDEX mail_jobs_pending";
    assert_eq!(full_scan(next, covered), None);
    // A small table is not the test's business.
    assert_eq!(full_scan("SELECT value FROM meta", "SCAN meta"), None);
    // `links (` is a column list, not an alias.
    assert!(aliases("INSERT INTO links (id) VALUES (?)").is_empty());
}
