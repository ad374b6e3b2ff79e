//! A practice's life: begun by the operator (fresh, or adopting a single-practice deployment's
//! state in place), suspended and resumed. Its identity lives in its own `meta`.

use sealpost_shared::checks::CheckSettings;
use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::operator::PracticeSummary;
use sealpost_shared::recipients::EmailAddress;
use sealpost_shared::sender::SenderAddresses;
use sealpost_shared::staff::{ApiKeyEntry, StaffMember};
use sealpost_shared::tenancy::{api_key_hash, api_key_hint, new_api_key, PracticeId};
use sealpost_shared::wire::{ApiError, PracticeSettings};

use super::db::Db;
use super::{Begun, Ctx};
use crate::http::AppError;
use crate::internal::{InitPractice, PracticeBegun};
use crate::{random, settings};

/// `meta` keys of the practice's identity.
pub const PRACTICE_ID: &str = "practice_id";
const CREATED_AT: &str = "practice_created_at";
const SUSPENDED_AT: &str = "practice_suspended_at";
/// Who the audit names for what the operator does.
const OPERATOR: &str = "operator";

fn seconds(db: &Db, key: &str) -> Result<Option<i64>, AppError> {
    Ok(db.setting(key)?.and_then(|v| v.parse().ok()))
}

/// Who this database belongs to; `None` before the practice has begun here.
pub fn identity(db: &Db) -> Result<Option<Begun>, AppError> {
    let Some(id) = db.setting(PRACTICE_ID)? else {
        return Ok(None);
    };
    let practice =
        PracticeId::try_from(id).map_err(|_| AppError::internal("stored practice id invalid"))?;
    Ok(Some(Begun {
        practice,
        suspended_at: seconds(db, SUSPENDED_AT)?,
    }))
}

/// Creates and stores a clinic API key; the key itself is returned once and never stored.
pub fn create_api_key(
    ctx: &Ctx,
    name: &str,
    created_by: &str,
) -> Result<(ApiKeyEntry, String), AppError> {
    let key = new_api_key(&ctx.practice, random::bytes()?);
    let entry = ApiKeyEntry {
        id: random::id()?,
        name: name.to_owned(),
        hint: api_key_hint(key.expose()),
        created_at: ctx.now_secs(),
        created_by: created_by.to_owned(),
        revoked_at: None,
    };
    ctx.db.insert_api_key(&entry, &api_key_hash(key.expose()))?;
    Ok((entry, key.expose().to_owned()))
}

/// Begins the practice: its settings and first API key; when adopting, the single-practice
/// deployment's `CLINIC_API_KEY` (kept working, stored as a hash), `STAFF_ROLES`, its document
/// origin and its webhook (`WEBHOOK_URL`, `WEBHOOK_SECRET`).
pub fn begin(ctx: &Ctx, init: &InitPractice) -> Result<PracticeBegun, AppError> {
    if init.id != ctx.practice {
        return Err(AppError::internal("init for another practice"));
    }
    if identity(&ctx.db)?.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict)
            .with_message("This practice has already begun.")
            .into());
    }
    let now = ctx.now_secs();
    let mut staff = Vec::new();
    if init.adopt_existing {
        let legacy = &ctx.cfg.legacy;
        if let Some(key) = &legacy.clinic_api_key {
            let entry = ApiKeyEntry {
                id: random::id()?,
                name: "CLINIC_API_KEY from before the upgrade".to_owned(),
                hint: api_key_hint(key.expose()),
                created_at: now,
                created_by: OPERATOR.to_owned(),
                revoked_at: None,
            };
            ctx.db.insert_api_key(&entry, &api_key_hash(key.expose()))?;
        }
        if let Some(origin) = &legacy.http_origin {
            crate::practice_origin::save(
                &ctx.db,
                &ctx.cfg,
                &ctx.practice,
                &origin.base,
                &origin.token,
                Some(origin.timeout_seconds),
            )?;
        }
        if let Some(hook) = &legacy.webhook {
            // Imported as it was (a secret outside `whsec_` form signs as its bytes).
            crate::practice_webhook::save(
                &ctx.db,
                &ctx.cfg,
                &ctx.practice,
                &hook.url,
                &hook.secret,
            )?;
        }
        for (email, role) in &legacy.staff_roles {
            let email = email.trim().to_ascii_lowercase();
            ctx.db.put_staff(&StaffMember {
                email: email.clone(),
                role: *role,
                added_at: now,
                added_by: OPERATOR.to_owned(),
            })?;
            staff.push(email);
        }
    }
    // An adopted practice keeps the settings its clinic chose; otherwise they begin here.
    if ctx.db.setting(settings::KEY)?.is_none() {
        let from = init.mail_from.as_deref().unwrap_or(&ctx.cfg.mail.from);
        let general = EmailAddress::try_from(from).map_err(|_| {
            AppError::from(
                ApiError::new(ErrorCode::InvalidFields)
                    .with_message("mail_from is not a valid email address."),
            )
        })?;
        settings::save(
            &ctx.db,
            &PracticeSettings {
                practice_name: init.name.clone(),
                sharing_enabled: true,
                checks: CheckSettings::default(),
                senders: SenderAddresses::general_only(general),
                access_days: None,
                reminder_after_days: None,
            },
        )?;
    }
    let (_, api_key) = create_api_key(ctx, "First key", OPERATOR)?;
    ctx.db.set_setting(CREATED_AT, &now.to_string())?;
    // Last: until this is written the practice has not begun, and a retry starts over.
    ctx.db.set_setting(PRACTICE_ID, ctx.practice.as_str())?;
    ctx.db.audit(
        now,
        "",
        OPERATOR,
        if init.adopt_existing {
            AuditEvent::PracticeAdopted
        } else {
            AuditEvent::PracticeCreated
        },
        ctx.practice.as_str(),
    )?;
    Ok(PracticeBegun {
        api_key,
        created_at: now,
        staff,
    })
}

/// Suspends or resumes the practice; what the operator's list shows afterwards.
pub fn set_suspended(ctx: &Ctx, suspend: bool) -> Result<PracticeSummary, AppError> {
    let now = ctx.now_secs();
    let suspended_at = if suspend {
        Some(seconds(&ctx.db, SUSPENDED_AT)?.unwrap_or(now))
    } else {
        None
    };
    match suspended_at {
        Some(at) => ctx.db.set_setting(SUSPENDED_AT, &at.to_string())?,
        None => ctx.db.delete_setting(SUSPENDED_AT)?,
    }
    ctx.db.audit(
        now,
        "",
        OPERATOR,
        if suspend {
            AuditEvent::PracticeSuspended
        } else {
            AuditEvent::PracticeResumed
        },
        ctx.practice.as_str(),
    )?;
    let name = settings::load(&ctx.db, &ctx.cfg)?.practice_name;
    Ok(PracticeSummary {
        id: ctx.practice.clone(),
        name,
        created_at: seconds(&ctx.db, CREATED_AT)?.unwrap_or(now),
        suspended_at,
    })
}

/// What erasing a practice removed.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Erased {
    pub documents: usize,
}

/// Erases the practice: every document it stored in R2, then all of its Durable Object's
/// storage (patients, links, sessions, audit, keys, staff). Only a suspended practice can be
/// erased, so nothing new arrives while it goes. Documents kept on the clinic's own HTTP
/// origin are the clinic's, and stay there.
pub async fn erase(ctx: &Ctx) -> Result<Erased, AppError> {
    let keys = ctx.db.all_storage_keys()?;
    let bucket = crate::origin::bucket(&ctx.env)?;
    for key in &keys {
        bucket.delete(key).await?;
    }
    ctx.storage.delete_alarm().await?;
    ctx.storage.delete_all().await?;
    Ok(Erased {
        documents: keys.len(),
    })
}
