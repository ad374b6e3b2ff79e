//! The practice's webhook, set by its administrators (`GET`/`PUT`/`DELETE
//! /api/v1/clinic/settings/webhook`; the secret is write-only: shown once when Sealpost makes
//! it), and the log of its deliveries (`GET /api/v1/clinic/webhooks/deliveries`).

use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::secret::SecretString;
use sealpost_shared::webhook::secret_from_random;
use sealpost_shared::webhook_settings::{
    webhook_problems, DeliveryEntry, DeliveryLog, WebhookSaved, WebhookUpdate,
};
use sealpost_shared::wire::ApiError;
use worker::{Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::staff::Caller;
use crate::store::Ctx;
use crate::{practice_webhook, random};

/// What the audit names for these changes.
const SETTING: &str = "webhook";

pub fn get(ctx: &Ctx) -> Result<Response, AppError> {
    match practice_webhook::view(&ctx.db)? {
        Some(view) => json_ok(&view),
        None => Err(ApiError::new(ErrorCode::NotFound)
            .with_message("No webhook is set for this practice.")
            .into()),
    }
}

pub async fn put(ctx: &Ctx, req: &mut Request, caller: &Caller) -> Result<Response, AppError> {
    let update: WebhookUpdate = read_json(req).await?;
    let problems = webhook_problems(&update, ctx.cfg.dev_mode);
    if !problems.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidFields)
            .with_problems(problems)
            .into());
    }
    let actor = caller.actor(&update.staff)?;
    // The secret: the clinic's own, the current one kept, or a new one shown only now.
    let (secret, shown) = match (&update.secret, update.keep_secret) {
        (Some(secret), _) => (SecretString::new(secret.trim()), None),
        (None, true) => {
            let current =
                practice_webhook::load(&ctx.db, &ctx.cfg, &ctx.practice)?.ok_or_else(|| {
                    AppError::from(
                        ApiError::new(ErrorCode::InvalidFields)
                            .with_message("There is no current secret to keep."),
                    )
                })?;
            (current.secret, None)
        }
        (None, false) => {
            let made = secret_from_random(random::bytes()?);
            (SecretString::new(made.clone()), Some(made))
        }
    };
    practice_webhook::save(&ctx.db, &ctx.cfg, &ctx.practice, &update.url, &secret)?;
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &actor,
        AuditEvent::SettingsChanged,
        SETTING,
    )?;
    json_ok(&WebhookSaved {
        url: update.url.trim().to_owned(),
        secret_set: true,
        secret: shown,
    })
}

/// Removes the webhook: no more events are queued, and those pending are given up at their
/// next attempt (the log says so).
pub fn delete(ctx: &Ctx, caller: &Caller) -> Result<Response, AppError> {
    practice_webhook::remove(&ctx.db)?;
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &caller.actor("clinic system")?,
        AuditEvent::SettingsChanged,
        SETTING,
    )?;
    json_ok(&serde_json::json!({ "removed": true }))
}

/// The newest 100 deliveries: ids, types and outcomes only (never the payload).
pub fn deliveries(ctx: &Ctx) -> Result<Response, AppError> {
    let deliveries = ctx
        .db
        .webhook_log()?
        .into_iter()
        .map(|row| DeliveryEntry {
            id: row.id,
            event_type: row.event_type,
            created_at: row.created_at,
            state: row.state,
            attempts: row.attempts,
            last_status: row.last_status.and_then(|s| u16::try_from(s).ok()),
            last_error: row.last_error,
            next_attempt_at: row.next_attempt_at,
            delivered_at: row.delivered_at,
        })
        .collect();
    json_ok(&DeliveryLog { deliveries })
}
