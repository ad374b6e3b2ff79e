//! The workflows run natively against SQLite (the same SQL the Durable Object runs): open,
//! renew, verify and revocation, from rows written the way sharing writes them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use sealpost_shared::chrono::{Duration, TimeZone, Utc};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::secret::SecretString;
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::time::Now;
use sealpost_shared::token::{verify_signed, KeyRing, NamedKey, SignedLink};
use sealpost_shared::wire::{BirthdayVerifyRequest, Challenge, OpenLinkResponse, ShareMethod};

use super::links::{send_link, LinkMail};
use super::{open::open, verify, Practice};
use crate::config::{Config, LegacySettings, MailConfig, SmsConfig};
use crate::http::AppError;
use crate::store::db::Db;
use crate::store::sqlite::SqliteSql;

const PORTAL: &str = "https://documents.example";

fn t0() -> Now {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn config() -> Config {
    Config {
        portal_origin: PORTAL.to_owned(),
        keys: KeyRing::new(PORTAL, NamedKey::from_seed("k1", &[9; 32]).unwrap()),
        operator_key: None,
        legacy_practice: None,
        legacy: LegacySettings {
            clinic_api_key: None,
            practice_name: Some("North Road Clinic".to_owned()),
            staff_roles: BTreeMap::new(),
            http_origin: None,
            webhook: None,
        },
        mail: MailConfig {
            api_base: String::new(),
            api_key: SecretString::new(""),
            from: "no-reply@north.example".to_owned(),
            events_key: None,
        },
        sms: SmsConfig {
            api_base: String::new(),
            account_sid: String::new(),
            auth_token: SecretString::new(""),
            from: "North".to_owned(),
        },
        access: None,
        settings_key: None,
        sms_code_key: [3; 32],
        dev_mode: false,
    }
}

/// One practice's database with a patient (born 7 March 1984) and a letter shared with them.
struct World {
    db: Db,
    sql: SqliteSql,
    cfg: Config,
    practice: PracticeId,
}

impl World {
    fn new() -> Self {
        let (db, sql) = SqliteSql::migrated_db().unwrap();
        let world = Self {
            db,
            sql,
            cfg: config(),
            practice: PracticeId::try_from("north").unwrap(),
        };
        let at = t0().timestamp();
        let db = &world.db;
        db.upsert_patient(
            "p1",
            "Ann Example",
            "1984-03-07",
            Some("ann@patients.example"),
            Some("+447700900123"),
            "r-p1",
            at,
        )
        .unwrap();
        db.upsert_document(
            "d1",
            "p1",
            "letter",
            "Letter",
            "2026-11-30",
            1024,
            "application/pdf",
            "practices/north/patients/p1/documents/d1",
            None,
            at,
        )
        .unwrap();
        db.insert_share("s1", "p1", "Dr Test", ShareMethod::SecureLink, at)
            .unwrap();
        db.grant("r-p1", "d1", "s1", None, at).unwrap();
        world
    }

    fn at(&self, now: Now) -> Practice<'_> {
        Practice {
            practice: &self.practice,
            db: &self.db,
            cfg: &self.cfg,
            now,
        }
    }

    /// Sends the patient a link at `now`, as sharing does, and returns it as the Worker would
    /// hand it on (verified, expiry not yet judged).
    fn send_link(&self, now: Now) -> SignedLink {
        send_link(
            &self.at(now),
            &LinkMail {
                practice_name: "North Road Clinic",
                patient_id: "p1",
                recipient_id: "r-p1",
                to: "ann@patients.example",
                from: "no-reply@north.example",
                share_id: Some("s1"),
                label: "patient",
                access_from: None,
                reminder: false,
            },
        )
        .unwrap();
        self.newest_link(now)
    }

    fn mails(&self) -> Vec<crate::store::db::MailJobRow> {
        self.db.due_mail(i64::MAX / 2).unwrap()
    }

    fn newest_link(&self, now: Now) -> SignedLink {
        let mail = self.mails().pop().expect("a link email is queued");
        let body = mail.body.expect("a link email has a body");
        let token = body
            .split(&format!("{PORTAL}/open#"))
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the email holds a portal link");
        verify_signed(&self.cfg.keys, token, now).expect("the link verifies")
    }

    /// The same world with a webhook set for the practice (its secret sealed as in production).
    fn with_webhook(mut self) -> Self {
        self.cfg.settings_key = Some([5; 32]);
        crate::practice_webhook::save(
            &self.db,
            &self.cfg,
            &self.practice,
            "https://hooks.north.example/sealpost",
            &SecretString::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        )
        .unwrap();
        self
    }

    /// Every queued event's body, in queue order, claiming them (as one alarm would).
    fn claimed_payloads(&self, now: Now) -> Vec<sealpost_shared::webhook::Payload> {
        super::webhooks::claim_due(&self.at(now))
            .unwrap()
            .into_iter()
            .map(|d| serde_json::from_str(&d.payload).unwrap())
            .collect()
    }

    fn events(&self) -> Vec<AuditEvent> {
        self.db
            .audit_for("p1")
            .unwrap()
            .into_iter()
            .map(|a| a.event)
            .collect()
    }
}

fn code_of(err: AppError) -> ErrorCode {
    match err {
        AppError::Api(api) => api.code,
        AppError::Internal(detail) => panic!("internal error: {detail}"),
    }
}

fn birthday(day: &str) -> BirthdayVerifyRequest {
    BirthdayVerifyRequest {
        token: String::new(),
        day: day.to_owned(),
        month: "3".to_owned(),
        year: "1984".to_owned(),
    }
}

#[test]
fn a_link_names_its_practice_and_opening_it_shows_the_challenge_and_is_recorded() {
    let world = World::new();
    let link = world.send_link(t0());
    assert_eq!(link.claims.practice, Some(world.practice.clone()));
    let opened = open(&world.at(t0() + Duration::minutes(5)), link).unwrap();
    assert!(matches!(
        opened.answer,
        OpenLinkResponse::Challenge {
            challenge: Challenge::Birthday { attempts_left: 3 },
            ..
        }
    ));
    assert!(!opened.deliver_mail);
    assert!(world.events().contains(&AuditEvent::LinkOpened));
}

#[test]
fn an_expired_link_earns_a_fresh_one_by_email_to_the_address_on_file_within_limits() {
    let world = World::new();
    let link = world.send_link(t0());
    let later = t0() + Duration::hours(25);
    let sent_before = world.mails().len();
    let opened = open(&world.at(later), link.clone()).unwrap();
    assert!(matches!(opened.answer, OpenLinkResponse::Renewed { .. }));
    assert!(opened.deliver_mail);
    let mails = world.mails();
    assert_eq!(mails.len(), sent_before + 1);
    assert_eq!(mails.last().unwrap().to_email, "ann@patients.example");
    // The fresh link keeps the practice and the time access began.
    let fresh = world.newest_link(later);
    assert_eq!(fresh.claims.practice, Some(world.practice.clone()));
    assert_eq!(fresh.claims.access_from, link.claims.access_from);
    assert_ne!(fresh.claims.link, link.claims.link);
    assert!(world.events().contains(&AuditEvent::LinkRenewed));
    // Opening the old one again at once sends nothing more (one renewal per two minutes).
    let again = open(&world.at(later + Duration::seconds(30)), link).unwrap();
    assert!(!again.deliver_mail);
    assert_eq!(world.mails().len(), sent_before + 1);
}

#[test]
fn a_revoked_patient_and_an_unknown_link_are_refused_without_email() {
    let world = World::new();
    let link = world.send_link(t0());
    // A link this practice never issued (another practice's, or forged with our key).
    let mut foreign = link.clone();
    foreign.claims.link = "never-issued".to_owned().try_into().unwrap();
    let err = open(&world.at(t0()), foreign).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::LinkInvalid);
    world.db.revoke_patient("p1", t0().timestamp()).unwrap();
    let sent = world.mails().len();
    let err = open(&world.at(t0() + Duration::minutes(1)), link.clone()).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::AccessRevoked);
    // Expired and revoked: still no new link.
    let err = open(&world.at(t0() + Duration::hours(30)), link).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::AccessRevoked);
    assert_eq!(world.mails().len(), sent);
}

#[test]
fn the_right_birthday_starts_a_session_for_this_practice_and_wrong_ones_lock_out() {
    let world = World::new();
    let link = world.send_link(t0());
    let now = t0() + Duration::minutes(1);
    let err = verify::birthday(&world.at(now), link.clone(), &birthday("8")).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::WrongBirthday);
    // A typing mistake costs no attempt.
    let err = verify::birthday(&world.at(now), link.clone(), &birthday("")).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::InvalidFields);
    let session = verify::birthday(&world.at(now), link.clone(), &birthday("7")).unwrap();
    assert!(session.cookie.starts_with("__Host-sealpost_session=north."));
    assert_eq!(session.answer.practice_name, "North Road Clinic");
    assert!(world.events().contains(&AuditEvent::Verified));
    // Three wrong dates in a row lock the link.
    for _ in 0..2 {
        let err = verify::birthday(&world.at(now), link.clone(), &birthday("9")).unwrap_err();
        assert_eq!(code_of(err), ErrorCode::WrongBirthday);
    }
    let err = verify::birthday(&world.at(now), link.clone(), &birthday("9")).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::LockedOut);
    let err = verify::birthday(&world.at(now), link, &birthday("7")).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::LockedOut);
    assert!(world.events().contains(&AuditEvent::LockedOut));
}

#[test]
fn a_magic_link_is_not_a_way_in_for_a_patient() {
    let world = World::new();
    let link = world.send_link(t0());
    let err = verify::magic_link(&world.at(t0()), link).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::BadRequest);
}

/// The statements each workflow runs for one request, for the record (`cargo test -p
/// sealpost-edge statements_per_request -- --ignored --nocapture`). Every one is also checked
/// for full scans by `store::db::query_plans`.
#[test]
#[ignore]
fn statements_per_request() {
    let world = World::new();
    let link = world.send_link(t0());
    let show = |what: &str, runs: Vec<String>| {
        println!("{what}: {} statements", runs.len());
        for q in runs {
            let first = q.split_whitespace().take(8).collect::<Vec<_>>().join(" ");
            println!("  {first}");
        }
    };
    world.sql.take_runs();
    open(&world.at(t0()), link.clone()).unwrap();
    show("open (challenge)", world.sql.take_runs());
    open(&world.at(t0() + Duration::hours(25)), link.clone()).unwrap();
    show("open (renewal)", world.sql.take_runs());
    verify::birthday(&world.at(t0()), link, &birthday("7")).unwrap();
    show("verify birthday (right)", world.sql.take_runs());
}

fn unshare_body(json: &str) -> sealpost_shared::wire::UnshareRequest {
    serde_json::from_str(json).unwrap()
}

#[test]
fn unsharing_the_patient_ends_the_link_and_is_audited_and_a_document_can_be_withdrawn_alone() {
    use super::unshare::{unshare, Revoked};
    let world = World::new();
    let link = world.send_link(t0());
    let patient: sealpost_shared::ids::PatientId = "p1".to_owned().try_into().unwrap();
    let now = world.at(t0() + Duration::minutes(1));
    // One document withdrawn: the link still works, the document is gone from the list.
    let revoked = unshare(
        &now,
        &patient,
        &unshare_body(r#"{"document_id":"d1","staff":"Dr Test"}"#),
        "Dr Test",
    )
    .unwrap();
    assert_eq!(revoked, Revoked::Document);
    assert!(world.db.documents_for("r-p1").unwrap().is_empty());
    // Another patient's document, or both a recipient and a document: refused, nothing done.
    let err = unshare(
        &now,
        &patient,
        &unshare_body(r#"{"document_id":"nope","staff":"x"}"#),
        "x",
    )
    .unwrap_err();
    assert_eq!(code_of(err), ErrorCode::NotFound);
    let err = unshare(
        &now,
        &patient,
        &unshare_body(r#"{"document_id":"d1","recipient":{"type":"patient"},"staff":"x"}"#),
        "x",
    )
    .unwrap_err();
    assert_eq!(code_of(err), ErrorCode::InvalidFields);
    // Everything: the patient's link is refused from the next request on.
    let revoked = unshare(&now, &patient, &unshare_body(r#"{"staff":"x"}"#), "Dr Test").unwrap();
    assert_eq!(revoked, Revoked::Patient);
    let err = open(&world.at(t0() + Duration::minutes(2)), link).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::AccessRevoked);
    let unshared = world
        .db
        .audit_for("p1")
        .unwrap()
        .into_iter()
        .filter(|a| a.event == sealpost_shared::history::AuditEvent::Unshared)
        .count();
    assert_eq!(unshared, 2);
    // A patient this practice does not know.
    let stranger: sealpost_shared::ids::PatientId = "p9".to_owned().try_into().unwrap();
    let err = unshare(&now, &stranger, &unshare_body(r#"{"staff":"x"}"#), "x").unwrap_err();
    assert_eq!(code_of(err), ErrorCode::NotFound);
}

fn share_body(json: &str) -> sealpost_shared::wire::ShareRequest {
    serde_json::from_str(json).unwrap()
}

fn clinic_system() -> crate::staff::Caller {
    crate::staff::Caller {
        email: None,
        role: sealpost_shared::staff::Role::Admin,
        dev_identity: false,
        key_id: Some("k1".to_owned()),
    }
}

#[test]
fn a_share_records_grants_and_queues_one_link_per_recipient_and_restores_only_whom_it_names() {
    use super::share::share;
    use super::unshare::unshare;
    let world = World::new();
    let now = world.at(t0());
    let before = world.mails().len();
    let body = share_body(
        r#"{"patient_id":"p1","document_ids":["d1"],"method":"secure_link","staff":"Dr Test"}"#,
    );
    let shared = share(&now, &body, &clinic_system()).unwrap();
    assert_eq!(shared.emails_queued, 1);
    assert_eq!(shared.sender.as_str(), "no-reply@north.example");
    let mails = world.mails();
    assert_eq!(mails.len(), before + 1);
    assert_eq!(mails.last().unwrap().to_email, "ann@patients.example");
    // The queued email is a link to the portal, which opens at this practice.
    let link = world.newest_link(t0());
    assert_eq!(link.claims.practice, Some(world.practice.clone()));
    assert!(matches!(
        open(&world.at(t0()), link).unwrap().answer,
        OpenLinkResponse::Challenge { .. }
    ));
    assert!(world
        .events()
        .contains(&sealpost_shared::history::AuditEvent::Shared));
    // The clinic system must name who acts.
    let anonymous =
        share_body(r#"{"patient_id":"p1","document_ids":["d1"],"method":"secure_link"}"#);
    let err = share(&now, &anonymous, &clinic_system()).unwrap_err();
    assert_eq!(code_of(err), ErrorCode::InvalidFields);
    // Unshare, then share again: the patient is addressed, so the patient regains access.
    let patient: sealpost_shared::ids::PatientId = "p1".to_owned().try_into().unwrap();
    unshare(&now, &patient, &unshare_body(r#"{"staff":"x"}"#), "x").unwrap();
    share(
        &world.at(t0() + Duration::minutes(1)),
        &body,
        &clinic_system(),
    )
    .unwrap();
    let fresh = world.newest_link(t0() + Duration::minutes(1));
    assert!(open(&world.at(t0() + Duration::minutes(2)), fresh).is_ok());
}

#[test]
fn a_share_with_an_ineligible_or_unknown_recipient_or_document_records_and_sends_nothing() {
    use super::share::share;
    let world = World::new();
    let now = world.at(t0());
    // A relationship without an email cannot receive; another patient's document is unknown.
    world
        .db
        .upsert_contact(
            "relationship",
            "p1",
            "c1",
            "Bob",
            None,
            None,
            Some("son"),
            false,
            t0().timestamp(),
        )
        .unwrap();
    let before = world.mails().len();
    let shares_before = world.db.share_history("p1").unwrap().len();
    for (json, code) in [
        (
            r#"{"patient_id":"p1","document_ids":["d1"],"method":"secure_link","staff":"x","recipients":[{"type":"patient"},{"type":"relationship","id":"c1"}]}"#,
            ErrorCode::RecipientNotEligible,
        ),
        (
            r#"{"patient_id":"p1","document_ids":["d1"],"method":"secure_link","staff":"x","recipients":[{"type":"relationship","id":"nobody"}]}"#,
            ErrorCode::RecipientNotEligible,
        ),
        (
            r#"{"patient_id":"p1","document_ids":["d9"],"method":"secure_link","staff":"x"}"#,
            ErrorCode::NotFound,
        ),
        (
            r#"{"patient_id":"p9","document_ids":["d1"],"method":"secure_link","staff":"x"}"#,
            ErrorCode::NotFound,
        ),
        (
            r#"{"patient_id":"p1","document_ids":[],"method":"secure_link","staff":"x"}"#,
            ErrorCode::InvalidFields,
        ),
    ] {
        let err = share(&now, &share_body(json), &clinic_system()).unwrap_err();
        assert_eq!(code_of(err), code, "{json}");
    }
    assert_eq!(world.mails().len(), before);
    assert_eq!(world.db.share_history("p1").unwrap().len(), shares_before);
}

// The clinic's webhook: events queued with the change they report, then claimed, retried and
// given up by the queue (`workflows::webhooks`).

#[test]
fn without_a_webhook_nothing_is_queued() {
    let world = World::new();
    let link = world.send_link(t0());
    open(&world.at(t0()), link).unwrap();
    assert!(world.db.webhook_log().unwrap().is_empty());
    assert_eq!(world.db.next_webhook_due().unwrap(), None);
}

#[test]
fn each_change_queues_its_event_in_order_with_unique_ids_and_ids_only() {
    use super::share::share;
    use super::unshare::unshare;
    use sealpost_shared::recipients::RecipientRef;
    use sealpost_shared::webhook::{Event, RevokedScope, VerificationMethod};
    let world = World::new().with_webhook();
    let body = share_body(
        r#"{"patient_id":"p1","document_ids":["d1"],"method":"secure_link","staff":"Dr Test"}"#,
    );
    let shared = share(&world.at(t0()), &body, &clinic_system()).unwrap();
    let link = world.newest_link(t0());
    open(&world.at(t0()), link.clone()).unwrap();
    verify::birthday(&world.at(t0()), link.clone(), &birthday("7")).unwrap();
    super::webhooks::document_event(&world.at(t0()), "p1", "r-p1", "d1", false).unwrap();
    super::webhooks::document_event(&world.at(t0()), "p1", "r-p1", "d1", true).unwrap();
    let patient: sealpost_shared::ids::PatientId = "p1".to_owned().try_into().unwrap();
    unshare(
        &world.at(t0()),
        &patient,
        &unshare_body(r#"{"staff":"x"}"#),
        "x",
    )
    .unwrap();
    // A refused request changes nothing, so it queues nothing.
    assert!(open(&world.at(t0()), link.clone()).is_err());
    assert!(
        world.db.take_webhook_queued(),
        "the request's end wakes the alarm"
    );

    let payloads = world.claimed_payloads(t0());
    let types: Vec<&str> = payloads
        .iter()
        .map(|p| p.event.event_type().as_str())
        .collect();
    assert_eq!(
        types,
        [
            "share.created",
            "link.opened",
            "recipient.verified",
            "document.viewed",
            "document.downloaded",
            "access.revoked"
        ]
    );
    let ids: std::collections::BTreeSet<&str> = payloads.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), payloads.len(), "unique ids");
    assert!(ids.iter().all(|id| id.starts_with("evt_")));
    for p in &payloads {
        assert_eq!(p.practice, "north");
        assert_eq!(p.created_at, t0().timestamp());
        let json = serde_json::to_string(p).unwrap();
        for personal in ["Ann", "ann@", "1984", "+44", "Letter"] {
            assert!(!json.contains(personal), "{personal} in {json}");
        }
    }
    match &payloads[0].event {
        Event::ShareCreated(s) => {
            assert_eq!(s.share_id, shared.share_id);
            assert_eq!(s.document_ids, ["d1"]);
            assert_eq!(s.recipients, [RecipientRef::Patient]);
        }
        other => panic!("{other:?}"),
    }
    match (&payloads[1].event, &payloads[2].event) {
        (Event::LinkOpened(o), Event::RecipientVerified(v)) => {
            assert_eq!(o.link_id, link.claims.link.as_str());
            assert_eq!(v.link_id, o.link_id);
            assert_eq!(v.method, VerificationMethod::Birthday);
            assert_eq!(v.recipient, RecipientRef::Patient);
        }
        other => panic!("{other:?}"),
    }
    match &payloads[5].event {
        Event::AccessRevoked(r) => assert_eq!(r.scope, RevokedScope::Patient),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refused_share_queues_no_event() {
    use super::share::share;
    let world = World::new().with_webhook();
    let body = share_body(
        r#"{"patient_id":"p1","document_ids":["nope"],"method":"secure_link","staff":"Dr Test"}"#,
    );
    assert!(share(&world.at(t0()), &body, &clinic_system()).is_err());
    assert!(world.db.webhook_log().unwrap().is_empty());
}

fn queued_event(world: &World) -> String {
    super::webhooks::enqueue(
        &world.at(t0()),
        sealpost_shared::webhook::Event::LinkOpened(sealpost_shared::webhook::LinkOpened {
            patient_id: "p1".into(),
            recipient: sealpost_shared::recipients::RecipientRef::Patient,
            link_id: "l1".into(),
        }),
    )
    .unwrap()
    .unwrap()
}

#[test]
fn a_claimed_delivery_is_not_sent_twice_and_a_failure_is_retried_under_the_same_id() {
    use super::webhooks::{claim_due, record, Outcome};
    use sealpost_shared::webhook_settings::DeliveryState;
    let world = World::new().with_webhook();
    let id = queued_event(&world);
    let at = |s: i64| world.at(t0() + Duration::seconds(s));
    let first = claim_due(&at(0)).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].id.as_str(), first[0].attempts), (id.as_str(), 1));
    // Claimed: no other turn picks it up while the attempt is in flight.
    assert!(claim_due(&at(0)).unwrap().is_empty());
    assert!(claim_due(&at(59)).unwrap().is_empty());
    // The receiver answered 500: retried 5 seconds later, not before.
    let failed = Outcome::Failed {
        status: Some(500),
        error: "answered 500".into(),
    };
    record(&at(1), &first[0], &failed).unwrap();
    let log = world.db.webhook_log().unwrap();
    assert_eq!(log[0].state, DeliveryState::Pending);
    assert_eq!(log[0].last_status, Some(500));
    assert_eq!(log[0].next_attempt_at, Some(t0().timestamp() + 6));
    assert_eq!(
        world.db.next_webhook_due().unwrap(),
        Some(t0().timestamp() + 6)
    );
    assert!(claim_due(&at(5)).unwrap().is_empty());
    let second = claim_due(&at(6)).unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, id, "the same event id on the retry");
    assert_eq!(second[0].payload, first[0].payload, "the same body");
    assert_eq!(second[0].attempts, 2);
    record(&at(7), &second[0], &Outcome::Delivered { status: 204 }).unwrap();
    let log = world.db.webhook_log().unwrap();
    assert_eq!(log[0].state, DeliveryState::Delivered);
    assert_eq!(log[0].delivered_at, Some(t0().timestamp() + 7));
    assert_eq!(log[0].attempts, 2);
    assert_eq!(log[0].next_attempt_at, None);
    // Delivered is final: never claimed again, and a late outcome changes nothing.
    assert!(claim_due(&at(3600)).unwrap().is_empty());
    record(&at(8), &second[0], &failed).unwrap();
    assert_eq!(
        world.db.webhook_log().unwrap()[0].state,
        DeliveryState::Delivered
    );
    assert_eq!(world.db.next_webhook_due().unwrap(), None);
}

#[test]
fn an_attempt_cut_short_is_retried_when_its_lease_ends() {
    use super::webhooks::claim_due;
    let world = World::new().with_webhook();
    let id = queued_event(&world);
    let at = |s: i64| world.at(t0() + Duration::seconds(s));
    assert_eq!(claim_due(&at(0)).unwrap().len(), 1);
    // The Durable Object died mid-send: nothing was recorded. The alarm wakes at the lease's
    // end and the delivery goes again, under the same id.
    let lease_end = t0().timestamp() + sealpost_shared::webhook::LEASE_SECONDS;
    assert_eq!(world.db.next_webhook_due().unwrap(), Some(lease_end));
    let again = claim_due(&at(sealpost_shared::webhook::LEASE_SECONDS)).unwrap();
    assert_eq!((again[0].id.as_str(), again[0].attempts), (id.as_str(), 2));
}

#[test]
fn a_receiver_down_all_day_is_given_up_and_recorded_and_a_removed_webhook_at_once() {
    use super::webhooks::{claim_due, record, Outcome};
    use sealpost_shared::webhook_settings::DeliveryState;
    let world = World::new().with_webhook();
    queued_event(&world);
    let mut now = t0();
    let mut attempts = 0;
    while let Some(due) = world.db.next_webhook_due().unwrap() {
        now = sealpost_shared::time::from_unix_seconds(due);
        let claimed = claim_due(&world.at(now)).unwrap();
        assert_eq!(claimed.len(), 1);
        attempts += 1;
        let down = Outcome::Failed {
            status: None,
            error: "timed out".into(),
        };
        record(&world.at(now), &claimed[0], &down).unwrap();
    }
    assert_eq!(attempts, 11);
    assert!(now - t0() <= Duration::hours(24));
    let log = world.db.webhook_log().unwrap();
    assert_eq!(log[0].state, DeliveryState::Failed);
    assert_eq!(log[0].attempts, 11);
    assert_eq!(log[0].last_error.as_deref(), Some("timed out"));
    assert_eq!(log[0].next_attempt_at, None);

    // The webhook removed while an event waits: given up at its attempt, saying why.
    queued_event(&world);
    crate::practice_webhook::remove(&world.db).unwrap();
    let claimed = claim_due(&world.at(t0())).unwrap();
    record(&world.at(t0()), &claimed[0], &Outcome::NoWebhook).unwrap();
    let newest = &world.db.webhook_log().unwrap()[0];
    assert_eq!(newest.state, DeliveryState::Failed);
    assert_eq!(newest.last_error.as_deref(), Some("no webhook configured"));
    // And nothing more is queued.
    let link = world.send_link(t0());
    open(&world.at(t0()), link).unwrap();
    assert_eq!(world.db.webhook_log().unwrap().len(), 2);
}

/// Issue 14: the history inferred openings from the time between two shares, whoever opened
/// what. Each opening, check and view is now recorded against the recipient, the share and
/// the document.
#[test]
fn opening_verifying_and_viewing_are_receipts_of_the_recipient_and_the_document() {
    use super::delivery::record_receipt;
    use crate::store::db::Receipt;
    let world = World::new();
    world.db.add_share_document("s1", "d1").unwrap();
    let link = world.send_link(t0());
    let opened_at = t0() + Duration::minutes(5);
    open(&world.at(opened_at), link.clone()).unwrap();
    let verified_at = t0() + Duration::minutes(6);
    verify::birthday(&world.at(verified_at), link, &birthday("7")).unwrap();
    // What the portal's document route records for a view.
    let viewed_at = t0() + Duration::minutes(7);
    record_receipt(
        &world.at(viewed_at),
        "r-p1",
        None,
        Some("d1"),
        Receipt::Viewed,
    )
    .unwrap();
    record_receipt(
        &world.at(viewed_at + Duration::minutes(1)),
        "r-p1",
        None,
        Some("d1"),
        Receipt::Viewed,
    )
    .unwrap();

    let history = world.db.share_history("p1").unwrap();
    let receipt = &history[0].deliveries[0].receipt;
    assert_eq!(receipt.opened_at, Some(opened_at.timestamp()));
    assert_eq!(receipt.verified_at, Some(verified_at.timestamp()));
    assert_eq!(receipt.documents.len(), 1);
    assert_eq!(receipt.documents[0].document_id, "d1");
    assert_eq!(
        receipt.documents[0].viewed_at,
        Some(viewed_at.timestamp()),
        "the first view"
    );
    assert_eq!(receipt.documents[0].downloaded_at, None);
}

#[test]
fn provider_events_are_recorded_once_and_a_bounce_flags_the_address() {
    use sealpost_shared::history::ProviderOutcome::{Bounced, Deferred, Delivered};
    use sealpost_shared::mail_events::MailEvent;

    use super::delivery::record_events;
    let world = World::new();
    world.send_link(t0());
    let job = world.mails().pop().unwrap().id;
    let event = |id: &str, outcome, at: i64| MailEvent {
        event_id: id.to_owned(),
        job_id: job.clone(),
        outcome,
        at,
        reason: Some("550 [address] unknown".to_owned()),
    };
    let at = t0().timestamp();
    let ctx = world.at(t0());
    assert_eq!(
        record_events(
            &ctx,
            &[event("e1", Deferred, at + 1), event("e2", Bounced, at + 2)]
        )
        .unwrap(),
        2
    );
    // Posted again (SendGrid retries), and a deferral arriving late: nothing changes.
    assert_eq!(
        record_events(
            &ctx,
            &[event("e2", Bounced, at + 2), event("e3", Deferred, at + 3)]
        )
        .unwrap(),
        1
    );
    let receipt = || {
        world.db.share_history("p1").unwrap()[0].deliveries[0]
            .receipt
            .clone()
    };
    let r = receipt();
    assert_eq!(r.outcome, Some(Bounced));
    assert_eq!(r.outcome_at, Some(at + 2));
    assert_eq!(r.outcome_reason.as_deref(), Some("550 [address] unknown"));
    assert!(
        r.address_bounced,
        "the address is flagged on the recipient's record"
    );
    let bounced = world
        .events()
        .iter()
        .filter(|e| **e == AuditEvent::EmailBounced)
        .count();
    assert_eq!(
        bounced, 1,
        "one audit record per event, however often posted"
    );
    // An event about a job the practice does not have is ignored.
    let mut stranger = event("e4", Delivered, at + 4);
    stranger.job_id = "not-ours".to_owned();
    assert_eq!(record_events(&ctx, &[stranger]).unwrap(), 0);
    // Delivered to the same address later: the flag is cleared.
    record_events(&ctx, &[event("e5", Delivered, at + 5)]).unwrap();
    let r = receipt();
    assert_eq!(r.outcome, Some(Delivered));
    assert!(!r.address_bounced);
}

/// The same world with reminders after `days`.
fn with_reminders(world: &World, days: Option<u32>) {
    let mut settings = crate::settings::load(&world.db, &world.cfg).unwrap();
    settings.reminder_after_days = days;
    crate::settings::save(&world.db, &settings).unwrap();
}

fn reminders_at(world: &World, now: Now) -> u32 {
    super::reminders::queue_due(&world.at(now)).unwrap()
}

fn next_reminder(world: &World) -> Option<Now> {
    super::reminders::next_due(&world.at(t0())).unwrap()
}

#[test]
fn an_unopened_link_gets_one_reminder_after_the_days_and_never_a_second() {
    let world = World::new();
    with_reminders(&world, Some(2));
    world.send_link(t0());
    assert_eq!(next_reminder(&world), Some(t0() + Duration::days(2)));
    assert_eq!(
        reminders_at(&world, t0() + Duration::days(2) - Duration::seconds(1)),
        0
    );
    assert_eq!(world.mails().len(), 1, "nothing before it is due");

    let due = t0() + Duration::days(2);
    assert_eq!(reminders_at(&world, due), 1);
    let mails = world.mails();
    assert_eq!(mails.len(), 2);
    let reminder = &mails[1];
    assert!(
        reminder.subject.starts_with("Reminder: "),
        "{}",
        reminder.subject
    );
    assert_eq!(
        reminder.to_email, "ann@patients.example",
        "to the address on file"
    );
    assert_eq!(
        reminder.from_email, "no-reply@north.example",
        "from the share's sender"
    );
    // A new link for the same share, its access counted from the share's first link.
    let link = world.newest_link(due);
    assert_eq!(link.claims.access_from, Some(t0()));
    let row = world.db.link(link.claims.link.as_str()).unwrap().unwrap();
    assert_eq!(row.share_id.as_deref(), Some("s1"));
    // The audit says so, with ids only; the share's deliveries show the reminder.
    let audit = world.db.audit_for("p1").unwrap();
    let sent = audit
        .iter()
        .find(|a| a.event == AuditEvent::ReminderSent)
        .expect("reminder_sent is audited");
    assert_eq!(sent.detail, "s1 r-p1");
    assert_eq!(sent.actor, "system");
    let history = world.db.share_history("p1").unwrap();
    let flags: Vec<bool> = history[0].deliveries.iter().map(|d| d.reminder).collect();
    assert_eq!(flags, [false, true]);
    assert_eq!(
        history[0].deliveries[1].recipient_label.as_deref(),
        Some("patient")
    );

    // Never a second: not later, not when the alarm runs again at once.
    assert_eq!(next_reminder(&world), None);
    for later in [due, due + Duration::days(1), due + Duration::days(6)] {
        assert_eq!(reminders_at(&world, later), 0);
    }
    assert_eq!(world.mails().len(), 2);
    // Nor when the same share's link is sent to them again (the reminder's own included).
    world.send_link(due + Duration::days(1));
    assert_eq!(reminders_at(&world, due + Duration::days(5)), 0);
    assert_eq!(
        world
            .events()
            .iter()
            .filter(|e| **e == AuditEvent::ReminderSent)
            .count(),
        1
    );
}

#[test]
fn an_opened_link_gets_no_reminder() {
    let world = World::new();
    with_reminders(&world, Some(1));
    let link = world.send_link(t0());
    open(&world.at(t0() + Duration::hours(3)), link).unwrap();
    assert_eq!(reminders_at(&world, t0() + Duration::days(1)), 0);
    assert_eq!(world.mails().len(), 1);
    assert_eq!(next_reminder(&world), None, "settled for good");
    assert!(!world.events().contains(&AuditEvent::ReminderSent));
}

#[test]
fn an_unshared_recipient_gets_no_reminder() {
    use super::unshare::unshare;
    let world = World::new();
    with_reminders(&world, Some(1));
    world.send_link(t0());
    unshare(
        &world.at(t0() + Duration::hours(1)),
        &"p1".to_owned().try_into().unwrap(),
        &unshare_body(r#"{"staff":"Dr Test"}"#),
        "Dr Test",
    )
    .unwrap();
    let before = world.mails().len();
    assert_eq!(reminders_at(&world, t0() + Duration::days(1)), 0);
    assert_eq!(world.mails().len(), before);
    assert_eq!(next_reminder(&world), None);
}

#[test]
fn with_reminders_off_nothing_is_sent_and_the_recipient_keeps_waiting() {
    let world = World::new();
    world.send_link(t0());
    assert_eq!(reminders_at(&world, t0() + Duration::days(3)), 0);
    assert_eq!(next_reminder(&world), None, "no alarm while off");
    assert_eq!(world.mails().len(), 1);
    // Turned on within the window, the waiting recipient is reminded once.
    with_reminders(&world, Some(1));
    assert_eq!(next_reminder(&world), Some(t0() + Duration::days(1)));
    assert_eq!(reminders_at(&world, t0() + Duration::days(3)), 1);
    assert_eq!(reminders_at(&world, t0() + Duration::days(4)), 0);
}

#[test]
fn a_reminder_long_past_due_is_dropped() {
    let world = World::new();
    world.send_link(t0());
    with_reminders(&world, Some(1));
    assert_eq!(reminders_at(&world, t0() + Duration::days(30)), 0);
    assert_eq!(world.mails().len(), 1);
    assert_eq!(next_reminder(&world), None);
}
