//! Proving who you are on a live link: date of birth, SMS code, or (contacts, when the
//! practice chose it) confirming the magic link. Each success starts a new session; failures
//! count towards the lockout (`sealpost_shared::lockout`, `sms`).

use sealpost_shared::birthday::{birthday_matches, parse_birthday};
use sealpost_shared::checks::ChallengeKind;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::ids::LinkId;
use sealpost_shared::lockout::{AttemptStatus, BIRTHDAY_POLICY};
use sealpost_shared::sms::{attempts_after, check_code, SmsChallenge, SmsCheck};
use sealpost_shared::token::SignedLink;
use sealpost_shared::wire::{ApiError, BirthdayVerifyRequest, SmsVerifyRequest};

use super::link_access::{
    live_link, locked_out, start_session, wrong_challenge, Session, BIRTHDAY_FACTOR, SMS_FACTOR,
};
use super::Practice;
use crate::http::AppError;

/// `POST /api/v1/portal/verify/birthday` with the link token and the three fields.
pub fn birthday(
    ctx: &Practice<'_>,
    signed: SignedLink,
    body: &BirthdayVerifyRequest,
) -> Result<Session, AppError> {
    let link = live_link(ctx, signed)?;
    if link.challenge_kind() != ChallengeKind::Birthday {
        return Err(wrong_challenge());
    }
    let h = &link.holder;
    let name = &link.settings.practice_name;
    let attempts = ctx.db.attempts(&h.recipient.id, BIRTHDAY_FACTOR)?;
    if let AttemptStatus::Locked { .. } = BIRTHDAY_POLICY.status(&attempts, ctx.now) {
        return Err(locked_out(name));
    }
    // Typing mistakes (missing or impossible fields) are not guesses and cost no attempt.
    let entered = parse_birthday(&body.day, &body.month, &body.year, ctx.now.date_naive())
        .map_err(|fields| {
            AppError::from(ApiError::new(ErrorCode::InvalidFields).with_fields(fields))
        })?;
    let on_file = h
        .patient
        .date_of_birth
        .parse()
        .map_err(|_| AppError::internal("stored date of birth unreadable"))?;
    let now = ctx.now_secs();
    if !birthday_matches(entered, on_file) {
        let next = BIRTHDAY_POLICY.after_failure(&attempts, ctx.now);
        ctx.db
            .set_attempts(&h.recipient.id, BIRTHDAY_FACTOR, &next)?;
        ctx.db.audit(
            now,
            &h.patient.id,
            "recipient",
            AuditEvent::VerificationFailed,
            "birthday",
        )?;
        return match BIRTHDAY_POLICY.status(&next, ctx.now) {
            AttemptStatus::Locked { .. } => {
                ctx.db.audit(
                    now,
                    &h.patient.id,
                    "system",
                    AuditEvent::LockedOut,
                    "birthday",
                )?;
                Err(locked_out(name))
            }
            AttemptStatus::Open { attempts_left } => Err(ApiError::new(ErrorCode::WrongBirthday)
                .with_attempts_left(attempts_left)
                .into()),
        };
    }
    ctx.db.set_attempts(
        &h.recipient.id,
        BIRTHDAY_FACTOR,
        &BIRTHDAY_POLICY.after_success(),
    )?;
    start_session(ctx, &link, "birthday")
}

/// `POST /api/v1/portal/verify/sms` with `{token, code}`.
pub fn sms_code(
    ctx: &Practice<'_>,
    signed: SignedLink,
    body: &SmsVerifyRequest,
) -> Result<Session, AppError> {
    let link = live_link(ctx, signed)?;
    if link.challenge_kind() != ChallengeKind::SmsCode {
        return Err(wrong_challenge());
    }
    let h = &link.holder;
    let attempts = ctx.db.attempts(&h.recipient.id, SMS_FACTOR)?;
    let stored = ctx.db.sms_code(&h.recipient.id)?;
    let challenge = stored.as_ref().and_then(|row| {
        Some(SmsChallenge {
            code_hash: row.code_hash.clone(),
            link: LinkId::try_from(row.link_id.clone()).ok()?,
            issued_at: sealpost_shared::time::from_unix_seconds(row.issued_at),
            used: row.used != 0,
        })
    });
    let check = check_code(
        challenge.as_ref(),
        &body.code,
        &link.claims.link,
        &ctx.cfg.sms_code_key,
        &attempts,
        ctx.now,
    );
    let next = attempts_after(&check, &attempts, ctx.now);
    ctx.db.set_attempts(&h.recipient.id, SMS_FACTOR, &next)?;
    let now = ctx.now_secs();
    let name = &link.settings.practice_name;
    match check {
        SmsCheck::Accepted => {
            ctx.db.use_sms_code(&h.recipient.id)?;
            start_session(ctx, &link, "sms_code")
        }
        SmsCheck::Wrong { attempts_left } => {
            ctx.db.audit(
                now,
                &h.patient.id,
                "recipient",
                AuditEvent::VerificationFailed,
                "sms_code",
            )?;
            if attempts_left == 0 {
                ctx.db.audit(
                    now,
                    &h.patient.id,
                    "system",
                    AuditEvent::LockedOut,
                    "sms_code",
                )?;
                return Err(locked_out(name));
            }
            Err(ApiError::new(ErrorCode::WrongCode)
                .with_attempts_left(attempts_left)
                .into())
        }
        SmsCheck::Locked { .. } => Err(locked_out(name)),
        SmsCheck::Expired | SmsCheck::AlreadyUsed => Err(AppError::code(ErrorCode::CodeExpired)),
        SmsCheck::NoCode | SmsCheck::WrongLink => Err(AppError::code(ErrorCode::NoCodeRequested)),
        SmsCheck::Malformed => Err(ApiError::new(ErrorCode::InvalidFields)
            .with_message("Enter the 6 digits from the text message.")
            .into()),
        SmsCheck::BadKey => Err(AppError::internal("SMS code key too short")),
    }
}

/// `POST /api/v1/portal/verify/magic-link` with `{token}`: a person pressed the button on the
/// confirmation page (contacts, when the practice chose the magic link alone).
pub fn magic_link(ctx: &Practice<'_>, signed: SignedLink) -> Result<Session, AppError> {
    let link = live_link(ctx, signed)?;
    if link.challenge_kind() != ChallengeKind::ConfirmMagicLink {
        return Err(wrong_challenge());
    }
    start_session(ctx, &link, "magic_link")
}
