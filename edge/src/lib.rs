//! Sealpost's edge: a Cloudflare Worker that only wires.
//!
//! - `/api/*` and `/dev/*` go to the practice's Durable Object ([`store::PracticeStore`]),
//!   which holds every piece of security-relevant state with strong consistency;
//! - `/console/…` pages get the clinic console's shell (`/console/index.html`);
//! - everything else is the portal's static assets (the SPA fallback serves `index.html`);
//! - every response leaves through `http::secure`, which sets the security headers.

mod config;
mod http;
mod mail;
mod origin;
mod random;
mod routes;
mod settings;
mod sms;
mod staff;
mod store;
mod webhook;

use worker::{event, Context, Env, Request, Response, Result};

pub use store::PracticeStore;

/// The Durable Object binding and the one instance name: one deployment serves one practice.
const STORE_BINDING: &str = "PRACTICE";
const STORE_NAME: &str = "practice";

/// A console page (not one of its files): `/console`, `/console/patients/…`.
fn is_console_page(path: &str) -> bool {
    let rest = match path.strip_prefix("/console") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => return false,
    };
    !rest.rsplit('/').next().unwrap_or_default().contains('.')
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let response = if path == "/health" {
        // Liveness, and the benchmark's yardstick: touches no Durable Object and no binding.
        Response::ok("ok")?
    } else if path.starts_with("/api/") || path.starts_with("/dev/") {
        // Bodies are bounded by their declared length before anything is read or forwarded:
        // an oversized body never crosses into the Durable Object.
        let limit = routes::body_limit(&req.method(), &path);
        if let Err(refused) = http::check_declared_length(&req, limit) {
            return Ok(http::secure(refused.into_response()));
        }
        match env
            .durable_object(STORE_BINDING)
            .and_then(|ns| ns.get_by_name(STORE_NAME))
        {
            Ok(stub) => match stub.fetch_with_request(req).await {
                Ok(response) => response,
                Err(err) => http::internal_error("store unavailable", &err),
            },
            Err(err) => http::internal_error("store binding missing", &err),
        }
    } else if is_console_page(&path) {
        // The clinic console is its own single-page app: every page path gets its shell.
        match env.assets("ASSETS") {
            Ok(assets) => match assets
                .fetch("https://assets.invalid/console/index.html", None)
                .await
            {
                Ok(response) => response,
                Err(err) => http::internal_error("assets unavailable", &err),
            },
            Err(err) => http::internal_error("assets binding missing", &err),
        }
    } else {
        match env.assets("ASSETS") {
            Ok(assets) => match assets.fetch_request(req).await {
                Ok(response) => response,
                Err(err) => http::internal_error("assets unavailable", &err),
            },
            Err(err) => http::internal_error("assets binding missing", &err),
        }
    };
    Ok(http::secure(response))
}
