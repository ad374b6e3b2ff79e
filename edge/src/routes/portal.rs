//! The portal API: open a link, prove who you are, list and fetch documents, sign out.
//!
//! The Worker verified the link token (`internal::LINK`); the link routes load it, call one
//! workflow (`crate::workflows`), and carry out what it returns: the answer, the cookie, mail
//! delivery. GET and HEAD change nothing except a session's last-seen time (at
//! most once a minute) and the view audit.

use sealpost_shared::checks::ChallengeKind;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::session::{
    check_session, clear_session_cookie, session_from_cookie_header, session_key, SessionCheck,
    SessionRecord,
};
use sealpost_shared::sms::{code_from_random, issue_code, may_send_code, SEND_MIN_INTERVAL};
use sealpost_shared::token::SignedLink;
use sealpost_shared::wire::{
    mask_mobile, ApiError, BirthdayVerifyRequest, Challenge, DocumentList, OpenLinkRequest,
    PortalDocument, SmsSent, SmsVerifyRequest,
};
use worker::{Method, Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::internal::{self, VerifiedLink};
use crate::origin::{Disposition, NoteOrder, StreamOrder};
use crate::random;
use crate::settings;
use crate::sms;
use crate::store::db::Receipt;
use crate::store::db::SessionRow;
use crate::store::Ctx;
use crate::workflows::link_access::{challenge, live_link, wrong_challenge, Session};
use crate::workflows::links::on_file;
use crate::workflows::{delivery, open as opening, verify, webhooks, Practice};

/// How stale a session's last-seen time may get before a request writes it again.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// The link the Worker verified for this request (signature, type, audience, issuer, `nbf`;
/// expiry is judged by the workflow): a forged or malformed token never reaches a practice.
fn verified_link(req: &Request) -> Result<SignedLink, AppError> {
    let header = req.headers().get(internal::LINK)?.ok_or_else(|| {
        AppError::internal("a link route reached the practice without a verified link")
    })?;
    let link: VerifiedLink = serde_json::from_str(&header)
        .map_err(|_| AppError::internal("the verified link is unreadable"))?;
    Ok(link.into_signed())
}

/// `POST /api/v1/portal/open` with `{token}`: the challenge, or a fresh link by email.
pub async fn open(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    // The body is `{token}`: the Worker verified that very token.
    let _: OpenLinkRequest = read_json(req).await?;
    let opened = opening::open(&Practice::from(ctx), verified_link(req)?)?;
    if opened.deliver_mail {
        crate::mail::deliver_due(ctx).await?;
    }
    json_ok(&opened.answer)
}

fn session_started(session: Session) -> Result<Response, AppError> {
    let mut response = json_ok(&session.answer)?;
    response.headers_mut().set("set-cookie", &session.cookie)?;
    Ok(response)
}

/// `POST /api/v1/portal/verify/birthday` with the link token and the three fields.
pub async fn verify_birthday(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: BirthdayVerifyRequest = read_json(req).await?;
    session_started(verify::birthday(
        &Practice::from(ctx),
        verified_link(req)?,
        &body,
    )?)
}

/// `POST /api/v1/portal/verify/sms` with `{token, code}`.
pub async fn verify_code(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: SmsVerifyRequest = read_json(req).await?;
    session_started(verify::sms_code(
        &Practice::from(ctx),
        verified_link(req)?,
        &body,
    )?)
}

/// `POST /api/v1/portal/verify/magic-link` with `{token}`: a person pressed the button on the
/// confirmation page (contacts, when the practice chose the magic link alone).
pub async fn confirm_magic_link(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let _: OpenLinkRequest = read_json(req).await?;
    session_started(verify::magic_link(
        &Practice::from(ctx),
        verified_link(req)?,
    )?)
}

/// `POST /api/v1/portal/sms/send` with `{token}`: a person pressed "Text me a code".
pub async fn send_code(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    // The body is `{token}`; the Worker verified that token (`verified_link`).
    let _: OpenLinkRequest = read_json(req).await?;
    let core = Practice::from(ctx);
    let link = live_link(&core, verified_link(req)?)?;
    if link.challenge_kind() != ChallengeKind::SmsCode {
        return Err(wrong_challenge());
    }
    // Locked recipients get no more codes either.
    let challenge = challenge(&core, &link)?;
    let h = &link.holder;
    let mobile = on_file(&core, &h.recipient)?
        .mobile
        .ok_or_else(|| AppError::code(ErrorCode::NoMobileOnFile))?;
    if let Err(wait) = may_send_code(&ctx.db.sms_sends(&h.recipient.id)?, ctx.now) {
        return Err(ApiError::new(ErrorCode::RateLimited)
            .with_message(format!(
                "A code was sent recently. You can ask for another in {} seconds.",
                wait.retry_after_seconds
            ))
            .with_retry_after(wait.retry_after_seconds)
            .into());
    }
    let code = code_from_random(random::bytes::<8>()?);
    let issued = issue_code(&ctx.cfg.sms_code_key, &link.claims.link, &code, ctx.now)
        .ok_or_else(|| AppError::internal("SMS code key too short"))?;
    let now = ctx.now_secs();
    // Record before sending, so two presses racing during the provider call cannot both pass
    // the limit; a send the provider refuses is taken back below.
    ctx.db.set_sms_code(
        issued.link.as_str(),
        &h.recipient.id,
        &issued.code_hash,
        now,
    )?;
    ctx.db.add_sms_send(&h.recipient.id, now)?;
    let text = sms::code_text(&link.settings.practice_name, code.expose());
    match sms::send(ctx, &h.patient.id, &mobile, &text).await? {
        Ok(()) => {
            ctx.db.audit(
                now,
                &h.patient.id,
                "system",
                AuditEvent::SmsSent,
                &h.recipient.id,
            )?;
        }
        Err(failure) => {
            let reason = match failure {
                sms::SmsFailure::NotConfigured => "no SMS provider configured".to_owned(),
                sms::SmsFailure::Provider(reason) => reason,
            };
            ctx.db.remove_sms_send(&h.recipient.id, now)?;
            ctx.db
                .audit(now, &h.patient.id, "system", AuditEvent::SmsFailed, &reason)?;
            return Err(AppError::code(ErrorCode::SmsUnavailable));
        }
    }
    let masked_mobile = match challenge {
        Challenge::SmsCode { masked_mobile, .. } => masked_mobile,
        _ => mask_mobile(&mobile),
    };
    json_ok(&SmsSent {
        masked_mobile,
        retry_after_seconds: u64::try_from(SEND_MIN_INTERVAL.num_seconds()).unwrap_or(60),
    })
}

/// The live session of this request, or the reason there is none.
fn session(ctx: &Ctx, req: &Request) -> Result<(String, SessionRow), AppError> {
    let header = req.headers().get("cookie")?.unwrap_or_default();
    let cookie = session_from_cookie_header(&header)
        .ok_or_else(|| AppError::code(ErrorCode::SessionRequired))?;
    let key = session_key(&cookie.secret);
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
    // Revocation is per recipient: the session's own recipient decides, not the patient.
    let recipient = match &row {
        Some(r) if patient.is_some() => ctx.db.recipient(&r.recipient_id)?,
        _ => None,
    };
    let revoked = recipient.is_none_or(|r| r.revoked != 0);
    match (check_session(record.as_ref(), epoch, ctx.now), row) {
        (SessionCheck::Valid, Some(row)) if !revoked => {
            // A busy session is written at most once a minute: the idle limit is 30 minutes,
            // so a minute's slack costs nothing and spares the hot routes a write each.
            if ctx.now_secs() - row.last_seen >= TOUCH_EVERY_SECONDS {
                ctx.db.touch_session(&key, ctx.now_secs())?;
            }
            Ok((key, row))
        }
        (SessionCheck::Revoked, _) | (SessionCheck::Valid, Some(_)) => {
            Err(ApiError::new(ErrorCode::AccessRevoked)
                .with_practice_name(settings::load(&ctx.db, &ctx.cfg)?.practice_name)
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
        let (id, kind, date) = d.typed()?;
        documents.push(PortalDocument {
            id,
            kind,
            title: d.title.clone(),
            date,
            size: d.size_bytes(),
            content_type: d.content_type.clone(),
            note: d.sections.is_some(),
        });
    }
    json_ok(&DocumentList {
        practice_name: settings::load(&ctx.db, &ctx.cfg)?.practice_name,
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
    if doc.sections.is_some() {
        // A structured note is read through its sections, which honour a partial grant; the
        // stored note itself is never sent.
        return Err(ApiError::new(ErrorCode::NotFound)
            .with_message("This note is read on its own page.")
            .into());
    }
    let query: ContentQuery = req.query().unwrap_or(ContentQuery { disposition: None });
    let disposition = match query.disposition.as_deref() {
        Some("attachment") => Disposition::Attachment,
        _ => Disposition::Inline,
    };
    let head_only = req.method() == Method::Head || req.headers().has(internal::HEAD)?;
    if !head_only {
        let event = match disposition {
            Disposition::Attachment => AuditEvent::Downloaded,
            Disposition::Inline => AuditEvent::Viewed,
        };
        let downloaded = event == AuditEvent::Downloaded;
        ctx.db
            .audit(ctx.now_secs(), &row.patient_id, "recipient", event, &doc.id)?;
        webhooks::document_event(
            &Practice::from(ctx),
            &row.patient_id,
            &row.recipient_id,
            &doc.id,
            downloaded,
        )?;
        let what = match disposition {
            Disposition::Attachment => Receipt::Downloaded,
            Disposition::Inline => Receipt::Viewed,
        };
        delivery::record_receipt(
            &Practice::from(ctx),
            &row.recipient_id,
            None,
            Some(&doc.id),
            what,
        )?;
    }
    // The Worker streams the bytes (range and HEAD included): they never pass through here.
    let origin = crate::practice_origin::load(&ctx.db, &ctx.cfg, &ctx.practice)?;
    StreamOrder::new(&doc, disposition, origin.as_ref()).into_response()
}

/// `GET /api/v1/portal/documents/{id}/sections`: the sections of a consultation note that were
/// shared with this recipient (all of them when the whole note was shared).
pub async fn sections(ctx: &Ctx, req: &Request, id: &str) -> Result<Response, AppError> {
    let (_, row) = session(ctx, req)?;
    let doc = ctx
        .db
        .granted_document(&row.recipient_id, id)?
        .filter(|d| d.sections.is_some())
        .ok_or_else(|| AppError::code(ErrorCode::NotFound))?;
    let chosen: Option<Vec<String>> = match doc.granted_sections.as_deref() {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|_| AppError::internal("stored granted sections unreadable"))?,
        ),
        None => None,
    };
    ctx.db.audit(
        ctx.now_secs(),
        &row.patient_id,
        "recipient",
        AuditEvent::Viewed,
        &doc.id,
    )?;
    webhooks::document_event(
        &Practice::from(ctx),
        &row.patient_id,
        &row.recipient_id,
        &doc.id,
        false,
    )?;
    delivery::record_receipt(
        &Practice::from(ctx),
        &row.recipient_id,
        None,
        Some(&doc.id),
        Receipt::Viewed,
    )?;
    // The Worker reads the note and keeps only the granted sections.
    NoteOrder {
        storage_key: doc.storage_key.clone(),
        practice_name: settings::load(&ctx.db, &ctx.cfg)?.practice_name,
        title: doc.title.clone(),
        date: doc
            .date
            .parse()
            .map_err(|_| AppError::internal("stored document date invalid"))?,
        chosen,
    }
    .into_response()
}

/// `POST /api/v1/portal/sign-out`: ends the session and clears the cookie.
pub fn sign_out(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    let header = req.headers().get("cookie")?.unwrap_or_default();
    if let Some(cookie) = session_from_cookie_header(&header) {
        ctx.db.delete_session(&session_key(&cookie.secret))?;
    }
    let mut response = json_ok(&serde_json::json!({ "signed_out": true }))?;
    response
        .headers_mut()
        .set("set-cookie", &clear_session_cookie())?;
    Ok(response)
}
