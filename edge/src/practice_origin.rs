//! A practice's document origin (its own HTTP file store): base URL, timeout and the bearer
//! token sealed under the deployment's `SETTINGS_KEY` (see `sealed`), in the practice's `meta`.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::origin_settings::{OriginSettings, DEFAULT_TIMEOUT_SECONDS};
use sealpost_shared::secret::SecretString;
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::wire::ApiError;
use serde::{Deserialize, Serialize};

use crate::config::{Config, HttpOrigin};
use crate::http::AppError;
use crate::store::db::Db;
use crate::{random, sealed};

/// The `meta` key of the origin (JSON of [`Stored`]).
const KEY: &str = "document_origin";

#[derive(Serialize, Deserialize)]
struct Stored {
    base_url: String,
    timeout_seconds: u64,
    /// `sealed::seal` of the bearer token.
    token: String,
}

fn settings_key(cfg: &Config) -> Result<&[u8; 32], AppError> {
    cfg.settings_key.as_ref().ok_or_else(|| {
        ApiError::new(ErrorCode::NotConfigured)
            .with_message("SETTINGS_KEY is not set: a practice's origin token cannot be stored.")
            .into()
    })
}

fn stored(db: &Db) -> Result<Option<Stored>, AppError> {
    db.setting(KEY)?
        .map(|json| {
            serde_json::from_str(&json).map_err(|_| AppError::internal("stored origin unreadable"))
        })
        .transpose()
}

/// What the clinic sees: never the token.
pub fn view(db: &Db) -> Result<Option<OriginSettings>, AppError> {
    Ok(stored(db)?.map(|s| OriginSettings {
        base_url: s.base_url,
        timeout_seconds: s.timeout_seconds,
        token_set: true,
    }))
}

/// The origin to stream from, its token opened.
pub fn load(db: &Db, cfg: &Config, practice: &PracticeId) -> Result<Option<HttpOrigin>, AppError> {
    let Some(s) = stored(db)? else {
        return Ok(None);
    };
    Ok(Some(HttpOrigin {
        base: s.base_url,
        token: sealed::open(settings_key(cfg)?, practice, &s.token)?,
        timeout_seconds: s.timeout_seconds,
    }))
}

pub fn save(
    db: &Db,
    cfg: &Config,
    practice: &PracticeId,
    base_url: &str,
    token: &SecretString,
    timeout_seconds: Option<u64>,
) -> Result<(), AppError> {
    let sealed = sealed::seal(
        settings_key(cfg)?,
        practice,
        random::bytes()?,
        token.expose(),
    )?;
    let json = serde_json::to_string(&Stored {
        base_url: base_url.trim().trim_end_matches('/').to_owned(),
        timeout_seconds: timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
        token: sealed,
    })
    .map_err(|_| AppError::internal("origin not serialisable"))?;
    db.set_setting(KEY, &json)
}

pub fn remove(db: &Db) -> Result<(), AppError> {
    db.delete_setting(KEY)
}
