//! SMS through a Twilio Messages API-compatible provider (`POST
//! /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, basic auth). SMS codes are only
//! ever sent because a person pressed "Text me a code", so they are sent at once; a failure is
//! reported to that person (who can press again), never silently queued.
//!
//! With no `SMS_API_BASE` in local development, messages go to the dev outbox instead.

use worker::{Fetch, Headers, Method, Request, RequestInit};

use crate::http::AppError;
use crate::store::db::NewMail;
use crate::store::Ctx;

/// Why a message was not sent.
pub enum SmsFailure {
    /// No provider configured outside local development.
    NotConfigured,
    /// The provider refused or could not be reached (reason for the log).
    Provider(String),
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", k, js_sys::encode_uri_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends `body` to `to`. In local development without a provider, stores it in the outbox.
pub async fn send(
    ctx: &Ctx,
    patient_id: &str,
    to: &str,
    body: &str,
) -> Result<Result<(), SmsFailure>, AppError> {
    let cfg = &ctx.cfg.sms;
    if cfg.api_base.is_empty() {
        if !ctx.cfg.dev_mode {
            return Ok(Err(SmsFailure::NotConfigured));
        }
        let id = crate::random::id()?;
        ctx.db.insert_outbox(
            &NewMail {
                id: &id,
                share_id: None,
                recipient_id: None,
                recipient_label: "sms",
                attachments: None,
                patient_id,
                to,
                from_email: "sms",
                from_name: "SMS",
                subject: "Text message",
                body,
            },
            ctx.now_secs(),
        )?;
        return Ok(Ok(()));
    }
    let headers = Headers::new();
    let basic = base64_basic(&cfg.account_sid, cfg.auth_token.expose());
    headers.set("authorization", &format!("Basic {basic}"))?;
    headers.set("content-type", "application/x-www-form-urlencoded")?;
    let form = form_encode(&[("To", to), ("From", &cfg.from), ("Body", body)]);
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(form.into()));
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        cfg.api_base,
        js_sys::encode_uri_component(&cfg.account_sid)
    );
    let request = Request::new_with_init(&url, &init)?;
    Ok(match Fetch::Request(request).send().await {
        Ok(r) if (200..300).contains(&r.status_code()) => Ok(()),
        Ok(r) => Err(SmsFailure::Provider(format!(
            "provider answered {}",
            r.status_code()
        ))),
        Err(e) => Err(SmsFailure::Provider(format!("provider unreachable: {e}"))),
    })
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::{engine::general_purpose::STANDARD, Engine};
    STANDARD.encode(format!("{user}:{password}"))
}

/// The text of a code message: the code, the practice, the lifetime. Nothing clinical.
pub fn code_text(practice_name: &str, code: &str) -> String {
    format!("{code} is your code to see documents from {practice_name}. It expires in 10 minutes. Never share it.")
}
