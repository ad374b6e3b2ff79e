//! The optional webhook to the clinic (`WEBHOOK_URL`, `WEBHOOK_SECRET`): a signed POST when a
//! recipient opens a link, views or downloads. Best effort: it runs after the response is
//! decided, never delays or fails the patient's request, and a failure is only logged.

use futures_util::future::{select, Either};
use sealpost_shared::history::AuditEvent;
use sealpost_shared::webhook::{sign, WebhookEvent, SIGNATURE_HEADER};
use worker::{console_error, Delay, Fetch, Headers, Method, Request, RequestInit};

use crate::store::Ctx;

const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Sends `event` to the clinic's webhook, if one is configured.
pub fn notify(ctx: &Ctx, event: AuditEvent, patient_id: &str, document_id: Option<&str>) {
    let Some(hook) = &ctx.cfg.webhook else {
        return;
    };
    let payload = WebhookEvent {
        event,
        patient_id: patient_id.to_owned(),
        document_id: document_id.map(str::to_owned),
        at: ctx.now_secs(),
    };
    let Ok(body) = serde_json::to_string(&payload) else {
        return;
    };
    let Some(signature) = sign(hook.secret.expose().as_bytes(), payload.at, &body) else {
        console_error!("webhook: secret unusable");
        return;
    };
    let url = hook.url.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let headers = Headers::new();
        if headers.set("content-type", "application/json").is_err()
            || headers.set(SIGNATURE_HEADER, &signature).is_err()
        {
            return;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body.into()));
        let Ok(request) = Request::new_with_init(&url, &init) else {
            console_error!("webhook: bad URL");
            return;
        };
        let fetch = Fetch::Request(request);
        let send = Box::pin(fetch.send());
        let outcome = select(send, Box::pin(Delay::from(TIMEOUT))).await;
        match outcome {
            Either::Left((Ok(r), _)) if (200..300).contains(&r.status_code()) => {}
            Either::Left((Ok(r), _)) => console_error!("webhook: answered {}", r.status_code()),
            Either::Left((Err(e), _)) => console_error!("webhook: {e}"),
            Either::Right(_) => console_error!("webhook: timed out"),
        };
    });
}
