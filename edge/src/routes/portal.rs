//! The portal API: open a link, prove who you are, list and fetch documents, sign out.
//!
//! Every decision is made by `sealpost_shared`; this module reads state, calls the decision,
//! writes what it returns and answers. GET and HEAD change nothing except a session's
//! last-seen time and the view audit.

use sealpost_shared::birthday::{birthday_matches, parse_birthday};
use sealpost_shared::checks::{challenge_for, ChallengeKind};
use sealpost_shared::error::ErrorCode;
use sealpost_shared::ids::LinkId;
use sealpost_shared::link_policy::{
    open_link, recipient_access, record_renewal, LinkDecision, LinkRecord, RecipientAccess,
    RecipientFacts, RejectReason, RenewalLog,
};
use sealpost_shared::lockout::{AttemptStatus, BIRTHDAY_POLICY};
use sealpost_shared::practice::access_duration;
use sealpost_shared::recipients::RecipientKind;
use sealpost_shared::sender::choose_sender;
use sealpost_shared::session::{
    check_session, clear_session_cookie, session_cookie, session_from_cookie_header, session_key,
    session_secret_from_random, SessionCheck, SessionRecord, SESSION_ABSOLUTE,
};
use sealpost_shared::sms::{
    attempts_after, check_code, code_from_random, issue_code, may_send_code, SmsChallenge,
    SmsCheck, SEND_MIN_INTERVAL, SMS_POLICY,
};
use sealpost_shared::token::{LinkClaims, SignedLink, TokenError};
use sealpost_shared::wire::{
    mask_email, mask_mobile, ApiError, BirthdayVerifyRequest, Challenge, DocumentKind,
    DocumentList, OpenLinkRequest, OpenLinkResponse, PortalDocument, PracticeSettings, SmsSent,
    SmsVerifyRequest, VerifiedResponse,
};
use worker::{Method, Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::internal::{self, VerifiedLink};
use crate::origin::{Disposition, NoteOrder, StreamOrder};
use crate::random;
use crate::routes::clinic::{on_file, send_link, LinkMail};
use crate::settings;
use crate::sms;
use crate::store::db::{PatientRow, RecipientRow, SessionRow};
use crate::store::Ctx;
use crate::webhook;

const BIRTHDAY_FACTOR: &str = "birthday";
const SMS_FACTOR: &str = "sms";
/// How stale a session's last-seen time may get before a request writes it again.
const TOUCH_EVERY_SECONDS: i64 = 60;

/// A recipient whose link verified, with their patient.
struct Holder {
    recipient: RecipientRow,
    patient: PatientRow,
}

impl Holder {
    fn kind(&self) -> RecipientKind {
        if self.recipient.kind == "patient" {
            RecipientKind::Patient
        } else {
            RecipientKind::Contact
        }
    }
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

/// Loads what [`recipient_access`] needs for a genuine link (its record, its recipient's
/// state and documents) and returns the decision. A forged link gets `Unknown` unread.
fn access_of(
    ctx: &Ctx,
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

fn locked_out(practice_name: &str) -> AppError {
    ApiError::new(ErrorCode::LockedOut)
        .with_message(format!(
            "Too many attempts. Please contact {practice_name} to see your documents."
        ))
        .with_practice_name(practice_name.to_owned())
        .into()
}

fn reject(practice_name: &str, reason: &RejectReason) -> AppError {
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
struct LiveLink {
    holder: Holder,
    claims: LinkClaims,
    settings: PracticeSettings,
}

impl LiveLink {
    fn challenge_kind(&self) -> ChallengeKind {
        challenge_for(self.holder.kind(), &self.settings.checks)
    }
}

/// The link the Worker verified for this request (signature, type, audience, issuer, `nbf`;
/// expiry is judged here): a forged or malformed token never reaches a practice.
fn verified_link(req: &Request) -> Result<Result<SignedLink, TokenError>, AppError> {
    let header = req.headers().get(internal::LINK)?.ok_or_else(|| {
        AppError::internal("a link route reached the practice without a verified link")
    })?;
    let link: VerifiedLink = serde_json::from_str(&header)
        .map_err(|_| AppError::internal("the verified link is unreadable"))?;
    Ok(Ok(link.into_signed()))
}

fn live_link(ctx: &Ctx, req: &Request) -> Result<LiveLink, AppError> {
    let settings = settings::load(&ctx.db, &ctx.cfg)?;
    let verified = verified_link(req)?;
    let holder = match &verified {
        Ok(signed) => holder(ctx, &signed.claims)?,
        Err(_) => None,
    };
    let claims = verified.as_ref().ok().map(|s| &s.claims);
    let access = access_of(ctx, claims, holder.as_ref(), &settings)?;
    match (
        open_link(verified, access, &RenewalLog::default(), ctx.now),
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
fn challenge(ctx: &Ctx, link: &LiveLink) -> Result<Challenge, AppError> {
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

/// `POST /api/v1/portal/open` with `{token}`: the challenge, or a fresh link by email.
pub async fn open(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: OpenLinkRequest = read_json(req).await?;
    let settings = settings::load(&ctx.db, &ctx.cfg)?;
    let _ = body.token; // the Worker verified this very token (`verified_link`)
    let verified = verified_link(req)?;
    let holder = match &verified {
        Ok(signed) => holder(ctx, &signed.claims)?,
        Err(_) => None,
    };
    let claims = verified.as_ref().ok().map(|s| &s.claims);
    let access = access_of(ctx, claims, holder.as_ref(), &settings)?;
    let renewals = match &holder {
        Some(h) => RenewalLog {
            sent: ctx.db.renewals(&h.recipient.id)?,
        },
        None => RenewalLog::default(),
    };
    let decision = open_link(verified, access, &renewals, ctx.now);
    let (holder, decision) = match (holder, decision) {
        (_, LinkDecision::Reject(reason)) => return Err(reject(&settings.practice_name, &reason)),
        (Some(h), decision) => (h, decision),
        (None, _) => return Err(AppError::code(ErrorCode::LinkInvalid)),
    };
    let now = ctx.now_secs();
    match decision {
        LinkDecision::Challenge { claims } => {
            ctx.db.audit(
                now,
                &holder.patient.id,
                "recipient",
                "link_opened",
                &holder.recipient.id,
            )?;
            webhook::notify(ctx, "link_opened", &holder.patient.id, None);
            let link = LiveLink {
                holder,
                claims,
                settings,
            };
            let challenge = challenge(ctx, &link)?;
            json_ok(&OpenLinkResponse::Challenge {
                practice_name: link.settings.practice_name.clone(),
                challenge,
            })
        }
        LinkDecision::Renew { send_email, claims } => {
            // The new link goes to the address on file, never to whoever clicked.
            let to = on_file(ctx, &holder.recipient)?
                .email
                .ok_or_else(|| AppError::code(ErrorCode::LinkInvalid))?;
            if send_email {
                let log = record_renewal(&renewals, ctx.now);
                ctx.db.set_renewals(&holder.recipient.id, &log.sent)?;
                let kinds = granted_kinds(ctx, &holder.recipient.id)?;
                let from = choose_sender(&kinds, &settings.senders);
                send_link(
                    ctx,
                    &LinkMail {
                        practice_name: &settings.practice_name,
                        patient_id: &holder.patient.id,
                        recipient_id: &holder.recipient.id,
                        to: &to,
                        from: from.as_str(),
                        share_id: None,
                        label: "renewal",
                        // The access duration keeps running from the original share.
                        access_from: claims.access_from,
                    },
                )?;
                ctx.db.audit(
                    now,
                    &holder.patient.id,
                    "system",
                    "link_renewed",
                    &holder.recipient.id,
                )?;
                crate::mail::deliver_due(ctx).await?;
            }
            json_ok(&OpenLinkResponse::Renewed {
                practice_name: settings.practice_name.clone(),
                masked_email: mask_email(&to),
            })
        }
        LinkDecision::Reject(reason) => Err(reject(&settings.practice_name, &reason)),
    }
}

fn granted_kinds(ctx: &Ctx, recipient_id: &str) -> Result<Vec<DocumentKind>, AppError> {
    ctx.db
        .documents_for(recipient_id)?
        .iter()
        .map(|d| d.typed().map(|(_, kind, _)| kind))
        .collect()
}

/// Starts a new session for a verified recipient: a fresh secret on every verification.
fn start_session(ctx: &Ctx, link: &LiveLink, factor: &str) -> Result<Response, AppError> {
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
    ctx.db
        .audit(now, &h.patient.id, "recipient", "verified", factor)?;
    let max_age = u64::try_from(SESSION_ABSOLUTE.num_seconds()).unwrap_or(0);
    let mut response = json_ok(&VerifiedResponse {
        practice_name: link.settings.practice_name.clone(),
    })?;
    response.headers_mut().set(
        "set-cookie",
        &session_cookie(&ctx.practice, &secret, max_age),
    )?;
    Ok(response)
}

fn wrong_challenge() -> AppError {
    ApiError::new(ErrorCode::BadRequest)
        .with_message("This link asks for a different check.")
        .into()
}

/// `POST /api/v1/portal/verify/birthday` with the link token and the three fields.
pub async fn verify_birthday(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: BirthdayVerifyRequest = read_json(req).await?;
    let link = live_link(ctx, req)?;
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
            "verification_failed",
            "birthday",
        )?;
        return match BIRTHDAY_POLICY.status(&next, ctx.now) {
            AttemptStatus::Locked { .. } => {
                ctx.db
                    .audit(now, &h.patient.id, "system", "locked_out", "birthday")?;
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

/// `POST /api/v1/portal/sms/send` with `{token}`: a person pressed "Text me a code".
pub async fn send_code(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    // The body is `{token}`; the Worker verified that token (`verified_link`).
    let _: OpenLinkRequest = read_json(req).await?;
    let link = live_link(ctx, req)?;
    if link.challenge_kind() != ChallengeKind::SmsCode {
        return Err(wrong_challenge());
    }
    // Locked recipients get no more codes either.
    let challenge = challenge(ctx, &link)?;
    let h = &link.holder;
    let mobile = on_file(ctx, &h.recipient)?
        .mobile
        .ok_or_else(|| AppError::code(ErrorCode::NoMobileOnFile))?;
    if let Err(wait) = may_send_code(&ctx.db.sms_sends(&h.recipient.id)?, ctx.now) {
        return Err(ApiError::new(ErrorCode::RateLimited)
            .with_message(format!(
                "A code was sent recently. You can ask for another in {} seconds.",
                wait.retry_after_seconds
            ))
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
            ctx.db
                .audit(now, &h.patient.id, "system", "sms_sent", &h.recipient.id)?;
        }
        Err(failure) => {
            let reason = match failure {
                sms::SmsFailure::NotConfigured => "no SMS provider configured".to_owned(),
                sms::SmsFailure::Provider(reason) => reason,
            };
            ctx.db.remove_sms_send(&h.recipient.id, now)?;
            ctx.db
                .audit(now, &h.patient.id, "system", "sms_failed", &reason)?;
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

/// `POST /api/v1/portal/verify/sms` with `{token, code}`.
pub async fn verify_code(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    let body: SmsVerifyRequest = read_json(req).await?;
    let link = live_link(ctx, req)?;
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
                "verification_failed",
                "sms_code",
            )?;
            if attempts_left == 0 {
                ctx.db
                    .audit(now, &h.patient.id, "system", "locked_out", "sms_code")?;
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
pub async fn confirm_magic_link(ctx: &Ctx, req: &mut Request) -> Result<Response, AppError> {
    // The body is `{token}`; the Worker verified that token (`verified_link`).
    let _: OpenLinkRequest = read_json(req).await?;
    let link = live_link(ctx, req)?;
    if link.challenge_kind() != ChallengeKind::ConfirmMagicLink {
        return Err(wrong_challenge());
    }
    start_session(ctx, &link, "magic_link")
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
    let head_only = req.method() == Method::Head;
    if !head_only {
        let event = match disposition {
            Disposition::Attachment => "downloaded",
            Disposition::Inline => "viewed",
        };
        ctx.db
            .audit(ctx.now_secs(), &row.patient_id, "recipient", event, &doc.id)?;
        webhook::notify(ctx, event, &row.patient_id, Some(&doc.id));
    }
    // The Worker streams the bytes (range and HEAD included): they never pass through here.
    StreamOrder::new(&doc, disposition, ctx.cfg.http_origin.as_ref()).into_response()
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
        "viewed",
        &doc.id,
    )?;
    webhook::notify(ctx, "viewed", &row.patient_id, Some(&doc.id));
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
