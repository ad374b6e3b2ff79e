//! Delivering the clinic's webhook events (queued by `workflows::webhooks::enqueue`): from the
//! practice's Durable Object alarm, each due delivery is claimed, signed at the moment it is
//! sent (Standard Webhooks headers, `sealpost_shared::webhook`), POSTed with a timeout, and
//! recorded: delivered, retried with backoff, or given up after a day. A patient's request
//! never waits for the clinic's receiver: it only queues and wakes the alarm.

use futures_util::future::{select, Either};
use sealpost_shared::webhook::{
    sign, ID_HEADER, SEND_TIMEOUT_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use worker::{Delay, Fetch, Headers, Method, Request, RequestInit};

use crate::http::AppError;
use crate::practice_webhook::{self, Webhook};
use crate::store::db::ClaimedDelivery;
use crate::store::{clock, Ctx};
use crate::workflows::webhooks::{claim_due, record, Outcome};
use crate::workflows::Practice;

/// Attempts every due delivery once. Returns how many were delivered.
pub async fn deliver_due(ctx: &Ctx) -> Result<u32, AppError> {
    let claimed = claim_due(&Practice::from(ctx))?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let hook = practice_webhook::load(&ctx.db, &ctx.cfg, &ctx.practice)?;
    let mut delivered = 0;
    for delivery in &claimed {
        let outcome = match &hook {
            Some(hook) => send(hook, delivery).await,
            None => Outcome::NoWebhook,
        };
        if matches!(outcome, Outcome::Delivered { .. }) {
            delivered += 1;
        }
        // The clock after the attempt: backoff counts from when it failed.
        let at = Practice {
            now: clock(),
            ..Practice::from(ctx)
        };
        record(&at, delivery, &outcome)?;
    }
    Ok(delivered)
}

/// One signed POST. Never returns an error: every failure is an outcome to record.
async fn send(hook: &Webhook, delivery: &ClaimedDelivery) -> Outcome {
    let failed = |error: &str| Outcome::Failed {
        status: None,
        error: error.to_owned(),
    };
    let timestamp = clock().timestamp();
    let Some(signature) = sign(
        hook.secret.expose(),
        &delivery.id,
        timestamp,
        &delivery.payload,
    ) else {
        return failed("secret unusable");
    };
    let headers = Headers::new();
    let set = headers
        .set("content-type", "application/json")
        .and_then(|_| headers.set("user-agent", "Sealpost-Webhooks/1"))
        .and_then(|_| headers.set(ID_HEADER, &delivery.id))
        .and_then(|_| headers.set(TIMESTAMP_HEADER, &timestamp.to_string()))
        .and_then(|_| headers.set(SIGNATURE_HEADER, &signature));
    if set.is_err() {
        return failed("cannot build headers");
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(delivery.payload.clone().into()));
    let Ok(request) = Request::new_with_init(&hook.url, &init) else {
        return failed("bad URL");
    };
    let fetch = Fetch::Request(request);
    let send = Box::pin(fetch.send());
    let timeout = Delay::from(std::time::Duration::from_secs(SEND_TIMEOUT_SECONDS));
    let answer = select(send, Box::pin(timeout)).await;
    let outcome = match answer {
        Either::Left((Ok(response), _)) => {
            let status = response.status_code();
            if (200..300).contains(&status) {
                Outcome::Delivered { status }
            } else {
                Outcome::Failed {
                    status: Some(status),
                    error: format!("answered {status}"),
                }
            }
        }
        Either::Left((Err(_), _)) => failed("unreachable"),
        Either::Right(_) => failed("timed out"),
    };
    outcome
}
