//! A practice's webhook: its URL and signing secret, the secret sealed under the deployment's
//! `SETTINGS_KEY` (see `sealed`) in the practice's `meta`, like its document origin's token.

use sealpost_shared::error::ErrorCode;
use sealpost_shared::secret::SecretString;
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::webhook_settings::WebhookSettings;
use sealpost_shared::wire::ApiError;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::http::AppError;
use crate::store::db::Db;
use crate::{random, sealed};

/// The `meta` key of the webhook (JSON of [`Stored`]).
const KEY: &str = "webhook";

#[derive(Serialize, Deserialize)]
struct Stored {
    url: String,
    /// `sealed::seal` of the signing secret.
    secret: String,
}

/// Where to send, with the secret opened.
pub struct Webhook {
    pub url: String,
    pub secret: SecretString,
}

fn settings_key(cfg: &Config) -> Result<&[u8; 32], AppError> {
    cfg.settings_key.as_ref().ok_or_else(|| {
        ApiError::new(ErrorCode::NotConfigured)
            .with_message("SETTINGS_KEY is not set: a practice's webhook secret cannot be stored.")
            .into()
    })
}

fn stored(db: &Db) -> Result<Option<Stored>, AppError> {
    db.setting(KEY)?
        .map(|json| {
            serde_json::from_str(&json).map_err(|_| AppError::internal("stored webhook unreadable"))
        })
        .transpose()
}

/// Whether events are to be queued at all (one indexed read of `meta`).
pub fn configured(db: &Db) -> Result<bool, AppError> {
    Ok(db.setting(KEY)?.is_some())
}

/// What the clinic sees: never the secret.
pub fn view(db: &Db) -> Result<Option<WebhookSettings>, AppError> {
    Ok(stored(db)?.map(|s| WebhookSettings {
        url: s.url,
        secret_set: true,
    }))
}

/// The webhook to deliver to, its secret opened.
pub fn load(db: &Db, cfg: &Config, practice: &PracticeId) -> Result<Option<Webhook>, AppError> {
    let Some(s) = stored(db)? else {
        return Ok(None);
    };
    Ok(Some(Webhook {
        url: s.url,
        secret: sealed::open(settings_key(cfg)?, practice, &s.secret)?,
    }))
}

pub fn save(
    db: &Db,
    cfg: &Config,
    practice: &PracticeId,
    url: &str,
    secret: &SecretString,
) -> Result<(), AppError> {
    let sealed = sealed::seal(
        settings_key(cfg)?,
        practice,
        random::bytes()?,
        secret.expose(),
    )?;
    let json = serde_json::to_string(&Stored {
        url: url.trim().to_owned(),
        secret: sealed,
    })
    .map_err(|_| AppError::internal("webhook not serialisable"))?;
    db.set_setting(KEY, &json)
}

pub fn remove(db: &Db) -> Result<(), AppError> {
    db.delete_setting(KEY)
}
