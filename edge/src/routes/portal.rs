//! The portal API: open a link, prove who you are, list and fetch documents, sign out.
//!
//! Every decision is made by `sealpost_shared`; this module reads state, calls the decision,
//! writes what it returns and answers. GET and HEAD change nothing except a session's
//! last-seen time and the view audit.

use sealpost_shared::birthday::{birthday_matches, parse_birthday};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::link_policy::{
    open_link, record_renewal, LinkDecision, RecipientAccess, RejectReason, RenewalLog,
};
use sealpost_shared::lockout::{AttemptStatus, BIRTHDAY_POLICY};
use sealpost_shared::session::{
    check_session, clear_session_cookie, session_cookie, session_from_cookie_header,
    session_key, session_secret_from_random, SessionCheck, SessionRecord, SESSION_ABSOLUTE,
};
use sealpost_shared::token::{verify_signed, LinkClaims};
use sealpost_shared::wire::{
    mask_email, ApiError, BirthdayVerifyRequest, Challenge, DocumentList, OpenLinkRequest,
    OpenLinkResponse, PortalDocument, VerifiedResponse,
};
use worker::{Method, Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::origin::{self, Disposition};
use crate::random;
use crate::routes::clinic::send_link;
use crate::store::db::{PatientRow, RecipientRow, SessionRow};
use crate::store::Ctx;

const BIRTHDAY_FACTOR: &str = "birthday";

/// A recipient whose link verified, with their patient.
struct Holder {
    recipient: RecipientRow,
    patient: PatientRow,
}

fn holder(ctx: &Ctx, claims: &LinkClaims) -> Result<Option<Holder>, AppError> {
    let Some(recipient) = ctx.db.recipient(claims.recipient.as_str())? else {
        return Ok(None);
    };
    let Some(patient) = ctx.db.patient(&recipient.patient_id)? else {
        return Ok(None);
    };
    Ok(Some(Holder { recipient, patient }))
}

fn access_of(ctx: &Ctx, holder: Option<&Holder>) -> Result<RecipientAccess, AppError> {
    Ok(match holder {
        None => RecipientAccess::Unknown,
        Some(h) if h.patient.revoked != 0 => RecipientAccess::Revoked,
        Some(h) if ctx.db.documents_for(&h.recipient.id)?.is_empty() => RecipientAccess::Unknown,
        Some(_) => RecipientAccess::Active,
    })
}

fn locked_out(ctx: &Ctx) -> AppError {
    ApiError::new(ErrorCode::LockedOut)
        .with_message(format!(
            "Too many attempts. Please contact {} to see your documents.",
            ctx.cfg.practice_name
        ))
        .with_practice_name(ctx.cfg.practice_name.clone())
        .into()
}

fn reject(ctx: &Ctx, reason: &RejectReason) -> AppError {
    let code = match reason {
        RejectReason::Revoked => ErrorCode::AccessRevoked,
        RejectReason::Invalid(_) | RejectReason::Unknown => ErrorCode::LinkInvalid,
    };
    ApiError::new(code)
        .with_practice_name(ctx.cfg.practice_name.clone())
        .into()
}

/// `POST /api/v1/portal/open` with `{token}`.
pub async fn open(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: OpenLinkRequest = read_json(req).await?;
    let verified = verify_signed(&ctx.cfg.keys, &body.token, ctx.now);
    let holder = match &verified {
        Ok(signed) => holder(ctx, &signed.claims)?,
        Err(_) => None,
    };
    let access = access_of(ctx, holder.as_ref())?;
    let renewals = match &holder {
        Some(h) => RenewalLog {
            sent: ctx.db.renewals(&h.recipient.id)?,
        },
        None => RenewalLog::default(),
    };
    let decision = open_link(verified, access, &renewals, ctx.now);
    let (h, decision) = match (holder, decision) {
        (_, LinkDecision::Reject(reason)) => return Err(reject(ctx, &reason)),
        (Some(h), decision) => (h, decision),
        (None, _) => return Err(AppError::code(ErrorCode::LinkInvalid)),
    };
    let now = ctx.now_secs();
    match decision {
        LinkDecision::Challenge { .. } => {
            ctx.db
                .audit(now, &h.patient.id, "recipient", "link_opened", &h.recipient.id)?;
            let attempts = ctx.db.attempts(&h.recipient.id, BIRTHDAY_FACTOR)?;
            match BIRTHDAY_POLICY.status(&attempts, ctx.now) {
                AttemptStatus::Locked { .. } => Err(locked_out(ctx)),
                AttemptStatus::Open { attempts_left } => json_ok(&OpenLinkResponse::Challenge {
                    practice_name: ctx.cfg.practice_name.clone(),
                    challenge: Challenge::Birthday { attempts_left },
                }),
            }
        }
        LinkDecision::Renew { send_email, .. } => {
            if send_email {
                let log = record_renewal(&renewals, ctx.now);
                ctx.db.set_renewals(&h.recipient.id, &log.sent)?;
                send_link(ctx, &h.patient, &h.recipient.id, &random::id()?)?;
                ctx.db
                    .audit(now, &h.patient.id, "system", "link_renewed", &h.recipient.id)?;
                crate::mail::deliver_due(ctx).await?;
            }
            json_ok(&OpenLinkResponse::Renewed {
                practice_name: ctx.cfg.practice_name.clone(),
                masked_email: mask_email(&h.patient.email),
            })
        }
        LinkDecision::Reject(reason) => Err(reject(ctx, &reason)),
    }
}

/// `POST /api/v1/portal/verify/birthday` with the link token and the three fields.
pub async fn verify_birthday(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: BirthdayVerifyRequest = read_json(req).await?;
    let verified = verify_signed(&ctx.cfg.keys, &body.token, ctx.now);
    let holder = match &verified {
        Ok(signed) => holder(ctx, &signed.claims)?,
        Err(_) => None,
    };
    let access = access_of(ctx, holder.as_ref())?;
    // Verification needs a link that would show the challenge right now: no renewals here.
    let decision = open_link(verified, access, &RenewalLog::default(), ctx.now);
    let h = match (decision, holder) {
        (LinkDecision::Challenge { .. }, Some(h)) => h,
        (LinkDecision::Reject(reason), _) => return Err(reject(ctx, &reason)),
        _ => return Err(AppError::code(ErrorCode::LinkInvalid)),
    };
    if h.recipient.kind != "patient" {
        return Err(AppError::code(ErrorCode::LinkInvalid));
    }
    let attempts = ctx.db.attempts(&h.recipient.id, BIRTHDAY_FACTOR)?;
    if let AttemptStatus::Locked { .. } = BIRTHDAY_POLICY.status(&attempts, ctx.now) {
        return Err(locked_out(ctx));
    }
    // Typing mistakes (missing or impossible fields) are not guesses and cost no attempt.
    let entered = parse_birthday(&body.day, &body.month, &body.year, ctx.now.date_naive())
        .map_err(|fields| AppError::from(ApiError::new(ErrorCode::InvalidFields).with_fields(fields)))?;
    let on_file = h
        .patient
        .date_of_birth
        .parse()
        .map_err(|_| AppError::internal("stored date of birth unreadable"))?;
    let now = ctx.now_secs();
    if !birthday_matches(entered, on_file) {
        let next = BIRTHDAY_POLICY.after_failure(&attempts, ctx.now);
        ctx.db.set_attempts(&h.recipient.id, BIRTHDAY_FACTOR, &next)?;
        ctx.db
            .audit(now, &h.patient.id, "recipient", "verification_failed", "birthday")?;
        return match BIRTHDAY_POLICY.status(&next, ctx.now) {
            AttemptStatus::Locked { .. } => {
                ctx.db
                    .audit(now, &h.patient.id, "system", "locked_out", "birthday")?;
                Err(locked_out(ctx))
            }
            AttemptStatus::Open { attempts_left } => Err(ApiError::new(ErrorCode::WrongBirthday)
                .with_attempts_left(attempts_left)
                .into()),
        };
    }
    ctx.db
        .set_attempts(&h.recipient.id, BIRTHDAY_FACTOR, &BIRTHDAY_POLICY.after_success())?;
    // A new session on every verification; the old cookie, if any, is simply replaced.
    let secret = session_secret_from_random(random::bytes::<32>()?);
    ctx.db.insert_session(
        &session_key(&secret),
        &h.recipient.id,
        &h.patient.id,
        h.patient.access_epoch,
        now,
    )?;
    ctx.db
        .audit(now, &h.patient.id, "recipient", "verified", "birthday")?;
    let max_age = u64::try_from(SESSION_ABSOLUTE.num_seconds()).unwrap_or(0);
    let mut response = json_ok(&VerifiedResponse {
        practice_name: ctx.cfg.practice_name.clone(),
    })?;
    response
        .headers_mut()
        .set("set-cookie", &session_cookie(&secret, max_age))?;
    Ok(response)
}

/// The live session of this request, or the reason there is none.
fn session(ctx: &Ctx, req: &Request) -> Result<(String, SessionRow), AppError> {
    let header = req.headers().get("cookie")?.unwrap_or_default();
    let secret = session_from_cookie_header(&header)
        .ok_or_else(|| AppError::code(ErrorCode::SessionRequired))?;
    let key = session_key(&secret);
    let row = ctx.db.session(&key)?;
    let patient = match &row {
        Some(r) => ctx.db.patient(&r.patient_id)?,
        None => None,
    };
    let record = row.as_ref().and_then(|r| {
        Some(SessionRecord {
            recipient: r.recipient_id.clone().try_into().ok()?,
            patient: r.patient_id.clone().try_into().ok()?,
            access_epoch: u64::try_from(r.access_epoch).ok()?,
            created_at: sealpost_shared::time::from_unix_seconds(r.created_at),
            last_seen: sealpost_shared::time::from_unix_seconds(r.last_seen),
        })
    });
    let epoch = patient
        .as_ref()
        .map(|p| u64::try_from(p.access_epoch).unwrap_or(u64::MAX))
        .unwrap_or(u64::MAX);
    let revoked = patient.as_ref().is_none_or(|p| p.revoked != 0);
    match (check_session(record.as_ref(), epoch, ctx.now), row) {
        (SessionCheck::Valid, Some(row)) if !revoked => {
            ctx.db.touch_session(&key, ctx.now_secs())?;
            Ok((key, row))
        }
        (SessionCheck::Revoked, _) | (SessionCheck::Valid, Some(_)) => {
            Err(ApiError::new(ErrorCode::AccessRevoked)
                .with_practice_name(ctx.cfg.practice_name.clone())
                .into())
        }
        _ => Err(AppError::code(ErrorCode::SessionRequired)),
    }
}

/// `GET /api/v1/portal/documents`: the recipient's documents, newest first.
pub fn list(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let (_, row) = session(ctx, req)?;
    let mut documents = Vec::new();
    for d in ctx.db.documents_for(&row.recipient_id)? {
        documents.push(PortalDocument {
            id: d
                .id
                .clone()
                .try_into()
                .map_err(|_| AppError::internal("stored document id invalid"))?,
            kind: serde_json::from_value(serde_json::Value::String(d.kind.clone()))
                .map_err(|_| AppError::internal("stored document kind invalid"))?,
            title: d.title.clone(),
            date: d
                .date
                .parse()
                .map_err(|_| AppError::internal("stored document date invalid"))?,
            size: u64::try_from(d.size).unwrap_or(0),
            content_type: d.content_type.clone(),
        });
    }
    json_ok(&DocumentList {
        practice_name: ctx.cfg.practice_name.clone(),
        documents,
    })
}

#[derive(serde::Deserialize)]
struct ContentQuery {
    disposition: Option<String>,
}

/// `GET|HEAD /api/v1/portal/documents/{id}/content[?disposition=attachment]`
pub async fn content(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let (_, row) = session(ctx, req)?;
    let doc = ctx
        .db
        .granted_document(&row.recipient_id, id)?
        .ok_or_else(|| AppError::code(ErrorCode::NotFound))?;
    let query: ContentQuery = req.query().unwrap_or(ContentQuery { disposition: None });
    let disposition = match query.disposition.as_deref() {
        Some("attachment") => Disposition::Attachment,
        _ => Disposition::Inline,
    };
    let head_only = req.method() == Method::Head;
    if !head_only {
        let event = match disposition {
            Disposition::Attachment => "downloaded",
            Disposition::Inline => "viewed",
        };
        ctx.db
            .audit(ctx.now_secs(), &row.patient_id, "recipient", event, &doc.id)?;
    }
    origin::stream_document(&ctx.env, &doc, disposition, head_only).await
}

/// `POST /api/v1/portal/sign-out`: ends the session and clears the cookie.
pub fn sign_out(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let header = req.headers().get("cookie")?.unwrap_or_default();
    if let Some(secret) = session_from_cookie_header(&header) {
        ctx.db.delete_session(&session_key(&secret))?;
    }
    let mut response = json_ok(&serde_json::json!({ "signed_out": true }))?;
    response
        .headers_mut()
        .set("set-cookie", &clear_session_cookie())?;
    Ok(response)
}
