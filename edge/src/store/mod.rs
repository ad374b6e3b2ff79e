//! The practice's Durable Object: the one strongly consistent home of shares, links, attempt
//! counters, sessions, mail jobs and the audit. All `/api/*` and `/dev/*` requests run here,
//! one at a time per practice, so every read-decide-write is atomic.

pub mod db;
mod durable_sql;
mod schema;
pub mod sql;
#[cfg(test)]
mod sqlite;

use sealpost_shared::time::{from_unix_millis, Now};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use crate::config::Config;
use crate::http::AppError;
use crate::{mail, routes};
use db::Db;

#[durable_object]
pub struct PracticeStore {
    state: State,
    env: Env,
}

/// What a handler needs: the database, the configuration, the bindings and the time.
pub struct Ctx {
    pub db: Db,
    pub cfg: Config,
    pub env: Env,
    pub storage: worker::Storage,
    pub now: Now,
}

impl Ctx {
    pub fn now_secs(&self) -> i64 {
        self.now.timestamp()
    }
}

/// The one place the edge reads the clock.
pub fn clock() -> Now {
    let millis = worker::Date::now().as_millis();
    from_unix_millis(i64::try_from(millis).unwrap_or(i64::MAX))
}

impl PracticeStore {
    fn ctx(&self) -> std::result::Result<Ctx, AppError> {
        let storage = self.state.storage();
        let sql = storage.sql();
        schema::migrate(&sql)?;
        Ok(Ctx {
            db: Db::new(sql),
            cfg: Config::from_env(&self.env)?,
            env: self.env.clone(),
            storage,
            now: clock(),
        })
    }
}

impl DurableObject for PracticeStore {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let result = match self.ctx() {
            Ok(ctx) => routes::handle(&ctx, req).await,
            Err(err) => Err(err),
        };
        Ok(result.unwrap_or_else(AppError::into_response))
    }

    /// Retries mail that could not be delivered earlier.
    async fn alarm(&self) -> Result<Response> {
        if let Ok(ctx) = self.ctx() {
            if let Err(err) = mail::deliver_due(&ctx).await {
                let _ = err.into_response();
            }
        }
        Response::ok("ok")
    }
}
