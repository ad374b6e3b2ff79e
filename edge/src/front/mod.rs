//! The stateless Worker in front of every practice.
//!
//! It does everything that needs no state: it bounds bodies, verifies link tokens and Access
//! tokens, reads which practice a key, cookie or link names, and streams documents; then it
//! makes one call to the practice's Durable Object (or to the directory, for the operator) and
//! sets the security headers on the answer. It holds nothing between requests except the
//! deployment's configuration and keys, read once per isolate.

mod access;
mod assets;
mod destination;
mod ed25519;
mod forward;
pub mod stream;
mod upload;

use worker::{Env, Request, Response};

use crate::config::Config;
use crate::http::{self, AppError};
use crate::routes;
use assets::Asset;
use destination::Destination;

/// A console page (not one of its files): `/console`, `/console/patients/…`.
fn is_console_page(path: &str) -> bool {
    let rest = match path.strip_prefix("/console") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => return false,
    };
    !rest.rsplit('/').next().unwrap_or_default().contains('.')
}

/// Answers one request from the Internet.
pub async fn handle(req: Request, env: Env) -> Response {
    let path = req.path();
    let response = if path == "/health" {
        // Liveness, and the benchmark's yardstick: touches no Durable Object and no binding.
        Response::ok("ok").map_err(AppError::from)
    } else if path.starts_with("/api/") || path.starts_with("/dev/") {
        api(req, &env, &path).await
    } else if is_console_page(&path) {
        // The clinic console is its own single-page app: every page path gets its shell.
        assets::serve(&env, Asset::ConsoleShell, req).await
    } else {
        assets::serve(&env, Asset::Request, req).await
    };
    http::secure(response.unwrap_or_else(AppError::into_response))
}

async fn api(req: Request, env: &Env, path: &str) -> Result<Response, AppError> {
    // Bodies are bounded by their declared length before anything is read or forwarded: an
    // oversized body never crosses into a Durable Object.
    http::check_declared_length(&req, routes::body_limit(&req.method(), path))?;
    let cfg = Config::cached(env)?;
    let now = crate::store::clock();
    match destination::of(req, &cfg, env, now).await? {
        Destination::Answer(response) => Ok(response),
        Destination::Directory(forwarded) => {
            let stub = env
                .durable_object(crate::directory::BINDING)?
                .get_by_name(crate::directory::NAME)?;
            Ok(stub.fetch_with_request(forwarded).await?)
        }
        Destination::Upload {
            practice,
            original,
            extra,
        } => {
            let stub = crate::store::practice_stub(env, &cfg, &practice)?;
            strip_internal(upload::carry_out(env, &stub, original, &extra).await?)
        }
        Destination::Practice {
            practice,
            request,
            range,
            head_only,
        } => {
            let stub = crate::store::practice_stub(env, &cfg, &practice)?;
            let response = stub.fetch_with_request(request).await?;
            if response.headers().has(crate::internal::STREAM)? {
                return stream::carry_out(env, response, range.as_deref(), head_only).await;
            }
            strip_internal(response)
        }
    }
}

/// A Durable Object's answer goes out without any internal header.
fn strip_internal(response: Response) -> Result<Response, AppError> {
    let headers = worker::Headers::new();
    for (name, value) in response.headers().entries() {
        if !name.to_ascii_lowercase().starts_with("x-sealpost-") {
            headers.append(&name, &value)?;
        }
    }
    Ok(response.with_headers(headers))
}
