//! `GET`/`PUT`/`DELETE /api/v1/clinic/settings/origin`: the practice's own document origin,
//! set by its administrators. The bearer token is write-only.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::history::AuditEvent;
use sealpost_shared::origin_settings::{origin_problems, OriginUpdate};
use sealpost_shared::secret::SecretString;
use sealpost_shared::wire::ApiError;
use worker::{Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::practice_origin;
use crate::staff::Caller;
use crate::store::Ctx;

pub fn get(ctx: &Ctx) -> Result<Response, AppError> {
    match practice_origin::view(&ctx.db)? {
        Some(view) => json_ok(&view),
        None => Err(ApiError::new(ErrorCode::NotFound)
            .with_message("No document origin is set for this practice.")
            .into()),
    }
}

pub async fn put(ctx: &Ctx, req: &mut Request, caller: &Caller) -> Result<Response, AppError> {
    let update: OriginUpdate = read_json(req).await?;
    let problems = origin_problems(&update, ctx.cfg.dev_mode);
    if !problems.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidFields)
            .with_problems(problems)
            .into());
    }
    let actor = caller.actor(&update.staff)?;
    practice_origin::save(
        &ctx.db,
        &ctx.cfg,
        &ctx.practice,
        &update.base_url,
        &SecretString::new(update.bearer_token.trim()),
        update.timeout_seconds,
    )?;
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &actor,
        AuditEvent::SettingsChanged,
        "document_origin",
    )?;
    get(ctx)
}

pub fn delete(ctx: &Ctx, caller: &Caller) -> Result<Response, AppError> {
    practice_origin::remove(&ctx.db)?;
    ctx.db.audit(
        ctx.now_secs(),
        "",
        &caller.actor("clinic system")?,
        AuditEvent::SettingsChanged,
        "document_origin",
    )?;
    json_ok(&serde_json::json!({ "removed": true }))
}
