//! Sealpost's edge: a Cloudflare Worker for many practices, and their Durable Objects.
//!
//! - `front` is the stateless Worker: it bounds bodies, verifies link and Access tokens,
//!   reads which practice a key, cookie or link names, makes one call to that practice's
//!   Durable Object (or to the directory, for the operator), streams documents itself, and
//!   sends every response through `http::secure`, which sets the security headers;
//! - [`store::PracticeStore`] is one practice's Durable Object: all its state, strongly
//!   consistent; `routes` are the handlers that run inside it;
//! - [`directory::Directory`] lists the practices and which staff belong to which.

mod config;
mod directory;
mod front;
mod http;
mod internal;
mod mail;
mod origin;
mod practice_origin;
mod practice_webhook;
mod provider_events;
mod random;
mod routes;
mod sealed;
mod settings;
mod sms;
mod staff;
mod store;
mod webhook;
mod workflows;

use worker::{event, Context, Env, Request, Response, Result};

pub use directory::Directory;
pub use store::PracticeStore;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(front::handle(req, env).await)
}
