//! The edge's workflows: what a request does to a practice's state, with no Worker type in
//! sight, so each is tested natively against SQLite (`store::sqlite`). A route loads what
//! arrived (the verified link, the body), calls one workflow, and carries out what it returns
//! (mail delivery, the HTTP answer; webhook events are queued inside, by `webhooks::enqueue`). Each workflow reads, asks a pure decision in
//! `sealpost_shared`, and writes, with no `await` in between: in a Durable Object that run is
//! atomic.

pub mod delivery;
pub mod link_access;
pub mod links;
pub mod open;
pub mod recipients;
pub mod reminders;
pub mod share;
pub mod unshare;
pub mod verify;
pub mod webhooks;

use sealpost_shared::error::ErrorCode;
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::time::Now;
use sealpost_shared::wire::ApiError;

use crate::config::Config;
use crate::http::AppError;
use crate::store::db::Db;

/// One practice's state and configuration at one moment: everything a workflow needs.
pub struct Practice<'a> {
    pub practice: &'a PracticeId,
    pub db: &'a Db,
    pub cfg: &'a Config,
    pub now: Now,
}

impl<'a> From<&'a crate::store::Ctx> for Practice<'a> {
    fn from(ctx: &'a crate::store::Ctx) -> Self {
        Self {
            practice: &ctx.practice,
            db: &ctx.db,
            cfg: &ctx.cfg,
            now: ctx.now,
        }
    }
}

impl Practice<'_> {
    pub fn now_secs(&self) -> i64 {
        self.now.timestamp()
    }
}

/// A request that names something wrongly: 400 `invalid_fields` with `message`.
pub fn invalid(message: impl Into<String>) -> AppError {
    ApiError::new(ErrorCode::InvalidFields)
        .with_message(message)
        .into()
}

/// What a request names is not there (or is another patient's): 404 with `message`.
pub fn not_found(message: impl Into<String>) -> AppError {
    ApiError::new(ErrorCode::NotFound)
        .with_message(message)
        .into()
}

#[cfg(test)]
mod tests;
