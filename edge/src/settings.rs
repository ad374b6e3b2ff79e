//! The practice's settings: stored in the practice database, defaulting to the deployment's
//! configuration until the clinic changes them.

use sealpost_shared::checks::CheckSettings;
use sealpost_shared::recipients::EmailAddress;
use sealpost_shared::sender::SenderAddresses;
use sealpost_shared::wire::PracticeSettings;

use crate::config::Config;
use crate::http::AppError;
use crate::store::db::Db;

/// The `meta` key of the settings (JSON).
pub const KEY: &str = "settings";

fn defaults(cfg: &Config) -> Result<PracticeSettings, AppError> {
    let general = EmailAddress::try_from(cfg.mail.from.as_str())
        .map_err(|_| AppError::internal("MAIL_FROM is not a valid email address"))?;
    Ok(PracticeSettings {
        practice_name: cfg
            .legacy
            .practice_name
            .clone()
            .unwrap_or_else(|| "Your practice".to_owned()),
        sharing_enabled: true,
        checks: CheckSettings::default(),
        senders: SenderAddresses::general_only(general),
        access_days: None,
        reminder_after_days: None,
    })
}

pub fn load(db: &Db, cfg: &Config) -> Result<PracticeSettings, AppError> {
    match db.setting(KEY)? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| AppError::internal(format!("stored settings unreadable: {e}"))),
        None => defaults(cfg),
    }
}

pub fn save(db: &Db, settings: &PracticeSettings) -> Result<(), AppError> {
    let json = serde_json::to_string(settings)
        .map_err(|e| AppError::internal(format!("settings not serialisable: {e}")))?;
    db.set_setting(KEY, &json)
}
