//! The deployment's configuration, read from `Env` into typed values once per isolate
//! ([`Config::cached`]): the Ed25519 key pair is derived once, not on every request.
//!
//! Only what is deployment-wide lives here: the signing keys, the portal origin, the operator
//! secret, the mail and SMS provider accounts, Cloudflare Access. Everything of a practice (its
//! name, staff, keys, settings) lives in that practice's Durable Object. `CLINIC_API_KEY`,
//! `STAFF_ROLES` and `PRACTICE_NAME` are read only when a single-practice deployment is upgraded
//! in place (`LEGACY_PRACTICE`).
//!
//! Secrets (`LINK_SIGNING_KEY`, `OPERATOR_API_KEY`, `MAIL_API_KEY`, …) are Worker secrets in
//! production and `.dev.vars` locally; they are held as [`SecretString`] and never logged.

use std::cell::RefCell;
use std::rc::Rc;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sealpost_shared::secret::SecretString;
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::token::{KeyRing, NamedKey};
use sha2::{Digest, Sha256};
use worker::Env;

use sealpost_shared::error::ErrorCode;
use sealpost_shared::wire::ApiError;

use crate::http::AppError;

pub struct Config {
    /// The portal's public origin, e.g. `https://docs.example-clinic.co.uk`. Links are built from
    /// this, never from the `Host` header.
    pub portal_origin: String,
    pub keys: KeyRing,
    /// The operator API's bearer secret (`OPERATOR_API_KEY`); without it the API answers 503.
    pub operator_key: Option<SecretString>,
    /// The single-practice state from before practices existed belongs to this practice
    /// (`LEGACY_PRACTICE`): its Durable Object keeps the old name, and links, cookies and keys
    /// that name no practice go to it.
    pub legacy_practice: Option<PracticeId>,
    /// What a legacy practice brings along when it is adopted (read only then).
    pub legacy: LegacySettings,
    pub mail: MailConfig,
    pub sms: SmsConfig,
    /// Cloudflare Access for the console, if configured.
    pub access: Option<AccessConfig>,
    /// The key that seals each practice's secrets at rest (`SETTINGS_KEY`, base64url 32 bytes;
    /// see `sealed`). Without it a practice cannot store its document origin's token.
    pub settings_key: Option<[u8; 32]>,
    /// Key for the keyed hashes of SMS codes, derived from the link-signing seed.
    pub sms_code_key: [u8; 32],
    /// Local development only: the outbox page and the dev identity. Off unless `DEV_MODE` is
    /// "true" and the portal origin is loopback; each request must also be addressed to a
    /// loopback host (`http::is_loopback_request`).
    pub dev_mode: bool,
}

/// The single-practice deployment's own settings, imported once by the upgrade.
pub struct LegacySettings {
    pub clinic_api_key: Option<SecretString>,
    pub practice_name: Option<String>,
    /// `STAFF_ROLES`: email → role.
    pub staff_roles: std::collections::BTreeMap<String, sealpost_shared::staff::Role>,
    /// `ORIGIN_BASE_URL`, `ORIGIN_BEARER_TOKEN`, `ORIGIN_TIMEOUT_SECONDS`: the clinic's document
    /// origin, which becomes the adopted practice's setting.
    pub http_origin: Option<HttpOrigin>,
    /// `WEBHOOK_URL`, `WEBHOOK_SECRET`: the clinic's webhook, which becomes the adopted
    /// practice's setting.
    pub webhook: Option<Webhook>,
}

pub struct MailConfig {
    /// SendGrid-compatible API base URL, e.g. `https://api.sendgrid.com`. Empty only in
    /// development (outbox); elsewhere an empty value is a configuration error.
    pub api_base: String,
    pub api_key: SecretString,
    /// The general sender address.
    pub from: String,
    /// SendGrid's Event Webhook verification key (`SENDGRID_WEBHOOK_PUBLIC_KEY`: the ECDSA
    /// P-256 public key SendGrid shows, base64 DER). Without it the events route answers 503.
    pub events_key: Option<p256::ecdsa::VerifyingKey>,
}

/// Cloudflare Access: the team domain (`ACCESS_TEAM_DOMAIN`, the tokens' `iss`), the
/// application's audience tag (`ACCESS_AUD`), and optionally the JWKS itself (`ACCESS_JWKS`,
/// for tests; otherwise fetched from the team domain). Roles are each practice's own.
pub struct AccessConfig {
    pub issuer: String,
    pub audience: String,
    pub jwks_inline: Option<String>,
}

/// The deployment-wide webhook from before practices (`WEBHOOK_URL`, `WEBHOOK_SECRET`).
pub struct Webhook {
    pub url: String,
    pub secret: SecretString,
}

/// A clinic's HTTP document origin: requests carry its bearer token (`ORIGIN_BEARER_TOKEN`).
pub struct HttpOrigin {
    pub base: String,
    pub token: SecretString,
    /// How long the origin may take to start answering (`ORIGIN_TIMEOUT_SECONDS`, default 15).
    pub timeout_seconds: u64,
}

pub struct SmsConfig {
    /// Twilio-compatible API base URL, e.g. `https://api.twilio.com`. Empty: outbox (dev only).
    pub api_base: String,
    pub account_sid: String,
    pub auth_token: SecretString,
    /// The sending number or sender id.
    pub from: String,
}

/// A separate key for SMS code hashes, derived from the signing seed with a fixed label, so one
/// configured secret serves both without the two uses sharing a key.
fn derive_sms_key(seed: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"sealpost sms-code key v1\0");
    hasher.update(seed);
    hasher.finalize().into()
}

fn text(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}

fn required(env: &Env, name: &str) -> Result<String, AppError> {
    text(env, name).ok_or_else(|| AppError::internal(format!("configuration {name} is missing")))
}

/// Whether a URL host is this machine: what development conveniences require, both of the
/// configured origin and of each request.
pub fn is_loopback_host(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// Whether the configured origin is plain HTTP on this machine.
fn is_loopback(origin: &str) -> bool {
    worker::Url::parse(origin).is_ok_and(|url| {
        url.scheme() == "http" && is_loopback_host(url.host_str().unwrap_or_default())
    })
}

thread_local! {
    /// The configuration of this isolate's deployment. An isolate serves one deployment version,
    /// whose `Env` never changes, so it is read once.
    static CACHED: RefCell<Option<Rc<Config>>> = const { RefCell::new(None) };
}

impl Config {
    /// The configuration, read from `env` on the isolate's first request only.
    pub fn cached(env: &Env) -> Result<Rc<Self>, AppError> {
        if let Some(cfg) = CACHED.with(|c| c.borrow().clone()) {
            return Ok(cfg);
        }
        let cfg = Rc::new(Self::from_env(env)?);
        CACHED.with(|c| *c.borrow_mut() = Some(cfg.clone()));
        Ok(cfg)
    }

    fn from_env(env: &Env) -> Result<Self, AppError> {
        let portal_origin = required(env, "PORTAL_ORIGIN")?
            .trim_end_matches('/')
            .to_owned();
        let seed = URL_SAFE_NO_PAD
            .decode(required(env, "LINK_SIGNING_KEY")?.trim())
            .map_err(|_| AppError::internal("LINK_SIGNING_KEY is not base64url"))?;
        let sms_code_key = derive_sms_key(&seed);
        let kid = text(env, "LINK_SIGNING_KID").unwrap_or_else(|| "k1".to_owned());
        let signing = NamedKey::from_seed(kid, &seed)
            .ok_or_else(|| AppError::internal("LINK_SIGNING_KEY is not a 32-byte seed"))?;
        let mut keys = KeyRing::new(portal_origin.clone(), signing);
        // Retired keys: `kid:base64url-public-key` pairs separated by commas.
        for entry in text(env, "LINK_RETIRED_KEYS")
            .unwrap_or_default()
            .split(',')
        {
            let Some((kid, public)) = entry.trim().split_once(':') else {
                continue;
            };
            let public = URL_SAFE_NO_PAD
                .decode(public)
                .map_err(|_| AppError::internal("LINK_RETIRED_KEYS has bad base64url"))?;
            keys = keys
                .with_retired(kid, &public)
                .ok_or_else(|| AppError::internal("LINK_RETIRED_KEYS has a bad key"))?;
        }
        let dev_requested = text(env, "DEV_MODE").as_deref() == Some("true");
        let dev_mode = dev_requested && is_loopback(&portal_origin);
        let mail_api_base = text(env, "MAIL_API_BASE")
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        // Outside development an empty mail base would silently "deliver" every email to the
        // dev outbox and mark it sent: refuse to run instead, saying what is missing.
        if mail_api_base.is_empty() && !dev_mode {
            let message = "MAIL_API_BASE is not set: set it to https://api.sendgrid.com \
                           (or your provider's SendGrid-compatible base URL).";
            worker::console_error!("configuration error: {message}");
            return Err(ApiError::new(ErrorCode::NotConfigured)
                .with_message(message)
                .into());
        }
        let settings_key = match text(env, "SETTINGS_KEY") {
            Some(b64) => Some(
                URL_SAFE_NO_PAD
                    .decode(b64.trim())
                    .ok()
                    .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                    .ok_or_else(|| {
                        AppError::internal("SETTINGS_KEY is not 32 bytes of base64url")
                    })?,
            ),
            None => None,
        };
        let legacy_practice = match text(env, "LEGACY_PRACTICE") {
            Some(id) => Some(
                PracticeId::try_from(id)
                    .map_err(|e| AppError::internal(format!("LEGACY_PRACTICE: {e}")))?,
            ),
            None => None,
        };
        Ok(Self {
            dev_mode,
            operator_key: text(env, "OPERATOR_API_KEY").map(SecretString::new),
            settings_key,
            legacy_practice,
            legacy: LegacySettings {
                clinic_api_key: text(env, "CLINIC_API_KEY").map(SecretString::new),
                practice_name: text(env, "PRACTICE_NAME"),
                staff_roles: match text(env, "STAFF_ROLES") {
                    Some(json) => serde_json::from_str(&json)
                        .map_err(|_| AppError::internal("STAFF_ROLES is not valid JSON"))?,
                    None => Default::default(),
                },
                http_origin: text(env, "ORIGIN_BASE_URL").map(|base| HttpOrigin {
                    base: base.trim_end_matches('/').to_owned(),
                    token: SecretString::new(text(env, "ORIGIN_BEARER_TOKEN").unwrap_or_default()),
                    timeout_seconds: text(env, "ORIGIN_TIMEOUT_SECONDS")
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(15),
                }),
                webhook: match (text(env, "WEBHOOK_URL"), text(env, "WEBHOOK_SECRET")) {
                    (Some(url), Some(secret)) => Some(Webhook {
                        url,
                        secret: SecretString::new(secret),
                    }),
                    (Some(_), None) => {
                        return Err(AppError::internal("WEBHOOK_URL needs WEBHOOK_SECRET"))
                    }
                    _ => None,
                },
            },
            mail: MailConfig {
                api_base: mail_api_base,
                api_key: SecretString::new(text(env, "MAIL_API_KEY").unwrap_or_default()),
                from: required(env, "MAIL_FROM")?,
                events_key: match text(env, "SENDGRID_WEBHOOK_PUBLIC_KEY") {
                    Some(key) => {
                        Some(crate::provider_events::public_key(&key).ok_or_else(|| {
                            AppError::internal(
                                "SENDGRID_WEBHOOK_PUBLIC_KEY is not a base64 DER P-256 public key",
                            )
                        })?)
                    }
                    None => None,
                },
            },
            sms: SmsConfig {
                api_base: text(env, "SMS_API_BASE")
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_owned(),
                account_sid: text(env, "SMS_ACCOUNT_SID").unwrap_or_default(),
                auth_token: SecretString::new(text(env, "SMS_AUTH_TOKEN").unwrap_or_default()),
                from: text(env, "SMS_FROM").unwrap_or_else(|| "Sealpost".to_owned()),
            },
            sms_code_key,
            access: match (text(env, "ACCESS_TEAM_DOMAIN"), text(env, "ACCESS_AUD")) {
                (Some(issuer), Some(audience)) => Some(AccessConfig {
                    issuer: issuer.trim_end_matches('/').to_owned(),
                    audience,
                    jwks_inline: text(env, "ACCESS_JWKS"),
                }),
                _ => None,
            },

            portal_origin,
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_on_this_machine_is_a_development_origin() {
        assert!(is_loopback("http://127.0.0.1:8787"));
        assert!(is_loopback("http://localhost"));
        assert!(!is_loopback("https://documents.your-practice.example"));
        assert!(!is_loopback("https://127.0.0.1:8787"));
        // The host is what counts: a prefix test took the first of these for loopback.
        assert!(!is_loopback("http://127.0.0.1:8787@evil.example"));
        assert!(!is_loopback("http://localhost.evil.example"));
    }
}
