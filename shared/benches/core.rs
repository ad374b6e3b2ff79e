//! Native micro-benchmarks of the security core (criterion). Run by `scripts/bench.sh`, which
//! copies the medians into docs/BENCHMARKS.md; not part of the test command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sealpost_shared::birthday::parse_birthday;
use sealpost_shared::chrono::{NaiveDate, TimeZone, Utc};
use sealpost_shared::ids::{LinkId, RecipientId};
use sealpost_shared::link_policy::{open_link, RecipientAccess, RenewalLog};
use sealpost_shared::lockout::{AttemptState, BIRTHDAY_POLICY};
use sealpost_shared::recipients::EmailAddress;
use sealpost_shared::sender::{choose_sender, SenderAddresses};
use sealpost_shared::sms::{check_code, code_from_random, issue_code, SMS_POLICY};
use sealpost_shared::time::Now;
use sealpost_shared::token::{
    issue_link, verify_link, verify_signed, KeyRing, LinkClaims, NamedKey,
};
use sealpost_shared::wire::DocumentKind;

fn now() -> Now {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn ring() -> KeyRing {
    KeyRing::new(
        "https://sealpost.bench",
        NamedKey::from_seed("bench-1", &[7u8; 32]).unwrap(),
    )
}

fn claims() -> LinkClaims {
    LinkClaims {
        recipient: RecipientId::try_from("r-0123456789abcdef".to_string()).unwrap(),
        link: LinkId::try_from("l-0123456789abcdef0123456789abcdef".to_string()).unwrap(),
        access_from: None,
        practice: None,
    }
}

fn email(s: &str) -> EmailAddress {
    EmailAddress::try_from(s.to_string()).unwrap()
}

fn benches(c: &mut Criterion) {
    let ring = ring();
    let claims = claims();
    let now = now();
    let token = issue_link(&ring, &claims, now).unwrap();

    c.bench_function("token_issue_and_verify", |b| {
        b.iter(|| {
            let t = issue_link(&ring, black_box(&claims), now).unwrap();
            verify_link(&ring, black_box(&t), now).unwrap()
        })
    });
    c.bench_function("token_verify", |b| {
        b.iter(|| verify_link(&ring, black_box(&token), now).unwrap())
    });
    c.bench_function("open_link_decision", |b| {
        let renewals = RenewalLog {
            sent: vec![now - sealpost_shared::chrono::Duration::hours(3)],
        };
        b.iter(|| {
            let signed = verify_signed(&ring, black_box(&token), now);
            open_link(signed, RecipientAccess::Active, black_box(&renewals), now)
        })
    });
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    c.bench_function("parse_birthday", |b| {
        b.iter(|| parse_birthday(black_box("07"), black_box("3"), black_box("1984"), today))
    });
    c.bench_function("lockout_transition", |b| {
        let state = AttemptState {
            failures: 2,
            lockouts: 1,
            locked_until: None,
        };
        b.iter(|| {
            let next = BIRTHDAY_POLICY.after_failure(black_box(&state), now);
            BIRTHDAY_POLICY.status(&next, now)
        })
    });
    let key = [9u8; 32];
    let code = code_from_random([1, 2, 3, 4, 5, 6, 7, 8]);
    let challenge = issue_code(&key, &claims.link, &code, now).unwrap();
    let attempts = AttemptState::default();
    let _ = SMS_POLICY;
    c.bench_function("check_code_sms", |b| {
        b.iter(|| {
            check_code(
                Some(black_box(&challenge)),
                black_box("123456"),
                &claims.link,
                &key,
                &attempts,
                now,
            )
        })
    });
    let senders = SenderAddresses {
        general: email("hello@clinic.example"),
        invoice: Some(email("accounts@clinic.example")),
        consultation: None,
        prescription: Some(email("rx@clinic.example")),
        letter: Some(email("letters@clinic.example")),
        lab: None,
    };
    let kinds = [
        DocumentKind::Invoice,
        DocumentKind::CreditNote,
        DocumentKind::Invoice,
    ];
    c.bench_function("choose_sender", |b| {
        b.iter(|| choose_sender(black_box(&kinds), &senders).as_str().len())
    });
}

criterion_group!(core, benches);
criterion_main!(core);
