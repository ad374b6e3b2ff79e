//! A link's holder and whether the link is live: what opening and every verification step
//! load first, decided by `sealpost_shared::link_policy`.

use sealpost_shared::checks::{challenge_for, ChallengeKind};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::link_policy::{
    open_link, recipient_access, LinkDecision, LinkRecord, RecipientAccess, RecipientFacts,
    RejectReason, RenewalLog,
};
use sealpost_shared::lockout::{AttemptStatus, BIRTHDAY_POLICY};
use sealpost_shared::practice::access_duration;
use sealpost_shared::recipients::RecipientKind;
use sealpost_shared::session::{
    session_cookie, session_key, session_secret_from_random, SESSION_ABSOLUTE,
};
use sealpost_shared::sms::SMS_POLICY;
use sealpost_shared::token::{LinkClaims, SignedLink};
use sealpost_shared::webhook::{Event, RecipientVerified, VerificationMethod};
use sealpost_shared::wire::{mask_mobile, ApiError, Challenge, PracticeSettings, VerifiedResponse};

use super::links::on_file;
use super::webhooks::{enqueue, reference_of};
use super::Practice;
use crate::http::AppError;
use crate::random;
use crate::settings;
use crate::store::db::{PatientRow, RecipientRow};

pub const BIRTHDAY_FACTOR: &str = "birthday";
pub const SMS_FACTOR: &str = "sms";

/// A recipient whose link verified, with their patient.
pub struct Holder {
    pub recipient: RecipientRow,
    pub patient: PatientRow,
}

impl Holder {
    pub fn kind(&self) -> RecipientKind {
        if self.recipient.kind == "patient" {
            RecipientKind::Patient
        } else {
            RecipientKind::Contact
        }
    }
}

pub fn holder(ctx: &Practice<'_>, claims: &LinkClaims) -> Result<Option<Holder>, AppError> {
    let Some(recipient) = ctx.db.recipient(claims.recipient.as_str())? else {
        return Ok(None);
    };
    let Some(patient) = ctx.db.patient(&recipient.patient_id)? else {
        return Ok(None);
    };
    Ok(Some(Holder { recipient, patient }))
}

/// Loads what [`recipient_access`] needs for a genuine link (its record, its recipient's
/// state and documents) and returns the decision. A forged link gets `Unknown` unread.
pub fn access_of(
    ctx: &Practice<'_>,
    verified: Option<&LinkClaims>,
    holder: Option<&Holder>,
    settings: &PracticeSettings,
) -> Result<RecipientAccess, AppError> {
    let Some(claims) = verified else {
        return Ok(RecipientAccess::Unknown);
    };
    let record = ctx.db.link(claims.link.as_str())?.and_then(|row| {
        Some(LinkRecord {
            recipient: row.recipient_id.try_into().ok()?,
            revoked: row.revoked_at.is_some(),
        })
    });
    let facts = match holder {
        Some(h) => Some(RecipientFacts {
            revoked: h.recipient.revoked != 0,
            documents: ctx.db.documents_for(&h.recipient.id)?.len(),
        }),
        None => None,
    };
    Ok(recipient_access(
        claims,
        record.as_ref(),
        facts,
        access_duration(settings),
        ctx.now,
    ))
}

pub fn locked_out(practice_name: &str) -> AppError {
    ApiError::new(ErrorCode::LockedOut)
        .with_message(format!(
            "Too many attempts. Please contact {practice_name} to see your documents."
        ))
        .with_practice_name(practice_name.to_owned())
        .into()
}

pub fn reject(practice_name: &str, reason: &RejectReason) -> AppError {
    let code = match reason {
        RejectReason::Revoked => ErrorCode::AccessRevoked,
        RejectReason::AccessEnded => ErrorCode::AccessEnded,
        RejectReason::Invalid(_) | RejectReason::Unknown => ErrorCode::LinkInvalid,
    };
    ApiError::new(code)
        .with_practice_name(practice_name.to_owned())
        .into()
}

/// A link that would show its challenge right now: genuine, unexpired, not revoked. Every
/// verification step starts here; expiry renewals happen only in [`open`].
pub struct LiveLink {
    pub holder: Holder,
    pub claims: LinkClaims,
    pub settings: PracticeSettings,
}

impl LiveLink {
    pub fn challenge_kind(&self) -> ChallengeKind {
        challenge_for(self.holder.kind(), &self.settings.checks)
    }
}

/// A genuine link that shows its challenge right now: unexpired, recorded, not revoked, its
/// recipient's access not ended. Every verification step starts here; renewals happen only
/// when a link is opened ([`super::open::open`]).
pub fn live_link(ctx: &Practice<'_>, signed: SignedLink) -> Result<LiveLink, AppError> {
    let settings = settings::load(ctx.db, ctx.cfg)?;
    let holder = holder(ctx, &signed.claims)?;
    let access = access_of(ctx, Some(&signed.claims), holder.as_ref(), &settings)?;
    match (
        open_link(Ok(signed), access, &RenewalLog::default(), ctx.now),
        holder,
    ) {
        (LinkDecision::Challenge { claims }, Some(holder)) => Ok(LiveLink {
            holder,
            claims,
            settings,
        }),
        (LinkDecision::Reject(reason), _) => Err(reject(&settings.practice_name, &reason)),
        _ => Err(ApiError::new(ErrorCode::LinkInvalid)
            .with_message("This link has expired. Open it again from your email to get a new one.")
            .into()),
    }
}

/// The challenge to show for a live link, or the lockout that replaces it.
pub fn challenge(ctx: &Practice<'_>, link: &LiveLink) -> Result<Challenge, AppError> {
    let id = &link.holder.recipient.id;
    let name = &link.settings.practice_name;
    match link.challenge_kind() {
        ChallengeKind::Birthday => {
            match BIRTHDAY_POLICY.status(&ctx.db.attempts(id, BIRTHDAY_FACTOR)?, ctx.now) {
                AttemptStatus::Locked { .. } => Err(locked_out(name)),
                AttemptStatus::Open { attempts_left } => Ok(Challenge::Birthday { attempts_left }),
            }
        }
        ChallengeKind::SmsCode => {
            let mobile = on_file(ctx, &link.holder.recipient)?
                .mobile
                .ok_or_else(|| AppError::code(ErrorCode::NoMobileOnFile))?;
            match SMS_POLICY.status(&ctx.db.attempts(id, SMS_FACTOR)?, ctx.now) {
                AttemptStatus::Locked { .. } => Err(locked_out(name)),
                AttemptStatus::Open { attempts_left } => Ok(Challenge::SmsCode {
                    masked_mobile: mask_mobile(&mobile),
                    attempts_left,
                }),
            }
        }
        ChallengeKind::ConfirmMagicLink => Ok(Challenge::ConfirmMagicLink),
    }
}

/// A new session for a verified recipient (a fresh secret on every verification), and the
/// cookie that carries it.
pub struct Session {
    pub cookie: String,
    pub answer: VerifiedResponse,
}

/// The cookie holds the session's secret: never printed.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("cookie", &"<redacted>")
            .field("answer", &self.answer)
            .finish()
    }
}

/// Starts a new session for a verified recipient: a fresh secret on every verification.
pub fn start_session(
    ctx: &Practice<'_>,
    link: &LiveLink,
    factor: &str,
) -> Result<Session, AppError> {
    let h = &link.holder;
    let secret = session_secret_from_random(random::bytes::<32>()?);
    let now = ctx.now_secs();
    ctx.db.insert_session(
        &session_key(&secret),
        &h.recipient.id,
        &h.patient.id,
        h.patient.access_epoch,
        now,
    )?;
    ctx.db.audit(
        now,
        &h.patient.id,
        "recipient",
        AuditEvent::Verified,
        factor,
    )?;
    let method = match factor {
        "birthday" => VerificationMethod::Birthday,
        "sms_code" => VerificationMethod::SmsCode,
        _ => VerificationMethod::MagicLink,
    };
    if let Some(recipient) = reference_of(&h.recipient) {
        enqueue(
            ctx,
            Event::RecipientVerified(RecipientVerified {
                patient_id: h.patient.id.clone(),
                recipient,
                link_id: link.claims.link.as_str().to_owned(),
                method,
            }),
        )?;
    }
    let share = ctx
        .db
        .link(link.claims.link.as_str())?
        .and_then(|l| l.share_id);
    super::delivery::record_receipt(
        ctx,
        &h.recipient.id,
        share.as_deref(),
        None,
        crate::store::db::Receipt::Verified,
    )?;
    let max_age = u64::try_from(SESSION_ABSOLUTE.num_seconds()).unwrap_or(0);
    Ok(Session {
        cookie: session_cookie(ctx.practice, &secret, max_age),
        answer: VerifiedResponse {
            practice_name: link.settings.practice_name.clone(),
        },
    })
}

pub fn wrong_challenge() -> AppError {
    ApiError::new(ErrorCode::BadRequest)
        .with_message("This link asks for a different check.")
        .into()
}
