//! A practice's Durable Object: the one strongly consistent home of everything of one practice:
//! its settings, staff and API keys, patients, documents, shares, links, attempt counters,
//! sessions, mail jobs and the audit. Each practice has its own (named after its id), so
//! practices never share a thread, a row or a storage key. Requests for the practice run here
//! one at a time, so every read-decide-write is atomic; the Worker in front has already done
//! the stateless work (tokens, cookies, key prefixes, streaming).
//!
//! An instance runs its migrations once, on its first request. A Durable Object that was never
//! begun (a key or link naming a practice that does not exist) answers 404 and writes nothing.

pub mod db;
mod durable_sql;
pub(crate) mod lifecycle;
pub(crate) mod schema;
pub mod sql;
#[cfg(test)]
pub(crate) mod sqlite;

use std::cell::RefCell;
use std::rc::Rc;

use sealpost_shared::error::ErrorCode;
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::time::{from_unix_millis, Now};
use sealpost_shared::wire::ApiError;
use serde::{de::DeserializeOwned, Serialize};
use worker::{
    durable_object, DurableObject, Env, Headers, Method, Request, RequestInit, Response, Result,
    State, Stub,
};

use crate::config::Config;
use crate::http::AppError;
use crate::internal;
use crate::{mail, routes, webhook};
use db::Db;

/// The Durable Object binding of practices.
const BINDING: &str = "PRACTICE";
/// The name of the single practice's Durable Object from before practices existed: the
/// practice named by `LEGACY_PRACTICE` keeps it, so its state stays where it is.
const LEGACY_NAME: &str = "practice";

/// The Durable Object of `practice`.
pub fn practice_stub(env: &Env, cfg: &Config, practice: &PracticeId) -> Result<Stub> {
    let namespace = env.durable_object(BINDING)?;
    if cfg.legacy_practice.as_ref() == Some(practice) {
        namespace.get_by_name(LEGACY_NAME)
    } else {
        namespace.get_by_name(&format!("practice:{practice}"))
    }
}

/// An internal call to a practice's Durable Object (from the directory): JSON in, JSON out;
/// a refusal comes back as the practice's own error.
pub async fn call_practice<T: DeserializeOwned, B: Serialize>(
    env: &Env,
    cfg: &Config,
    practice: &PracticeId,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> std::result::Result<T, AppError> {
    let headers = Headers::new();
    headers.set(internal::PRACTICE, practice.as_str())?;
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        let json = serde_json::to_string(body)
            .map_err(|_| AppError::internal("internal call body not serialisable"))?;
        init.with_body(Some(json.into()));
    }
    let request = Request::new_with_init(&format!("https://practice.internal{path}"), &init)?;
    let mut response = practice_stub(env, cfg, practice)?
        .fetch_with_request(request)
        .await?;
    if response.status_code() >= 300 {
        let error: ApiError = response
            .json()
            .await
            .map_err(|_| AppError::internal("a practice's refusal was unreadable"))?;
        return Err(error.into());
    }
    Ok(response.json().await?)
}

/// `POST /internal/mail-events` from the Worker (`provider_events`): the provider's events
/// about this practice's mail. No client reaches an `/internal/` path: the Worker forwards only
/// `/api/` and `/dev/` ones.
async fn record_mail_events(
    ctx: &Ctx,
    mut req: Request,
) -> std::result::Result<Response, AppError> {
    use sealpost_shared::mail_events::{MailEvent, MAX_EVENTS_BODY};
    // At most what the Worker accepted from the provider (each event is smaller here).
    let body = crate::http::read_bounded(&mut req, MAX_EVENTS_BODY).await?;
    let events: Vec<MailEvent> = serde_json::from_slice(&body)
        .map_err(|_| AppError::internal("mail events from the Worker unreadable"))?;
    let recorded =
        crate::workflows::delivery::record_events(&crate::workflows::Practice::from(ctx), &events)?;
    crate::http::json_ok(&serde_json::json!({ "recorded": recorded }))
}

#[durable_object]
pub struct PracticeStore {
    state: State,
    env: Env,
    /// This instance's practice, once it has begun and its migrations have run.
    begun: RefCell<Option<Begun>>,
}

/// What an instance remembers between requests: who it is and whether it is suspended. Only
/// this instance writes either, so the copy cannot go stale.
#[derive(Clone)]
pub struct Begun {
    pub practice: PracticeId,
    pub suspended_at: Option<i64>,
}

/// What a handler needs: the practice, its database, the configuration, the bindings and the
/// time.
pub struct Ctx {
    pub practice: PracticeId,
    pub db: Db,
    pub cfg: Rc<Config>,
    pub env: Env,
    pub storage: worker::Storage,
    pub now: Now,
}

impl Ctx {
    pub fn now_secs(&self) -> i64 {
        self.now.timestamp()
    }
}

/// Sets the practice's one alarm for the earliest work due: a mail retry, a webhook
/// delivery (a claimed delivery's lease included, so a crash mid-send is retried) or a
/// reminder.
pub async fn reschedule(ctx: &Ctx) -> std::result::Result<(), AppError> {
    let reminder = crate::workflows::reminders::next_due(&crate::workflows::Practice::from(ctx))?
        .map(|at| at.timestamp());
    let due = [
        ctx.db.next_mail_due()?,
        ctx.db.next_webhook_due()?,
        reminder,
    ]
    .into_iter()
    .flatten()
    .min();
    if let Some(due) = due {
        let at = sealpost_shared::time::from_unix_seconds(due);
        ctx.storage.set_alarm(at).await?;
    }
    Ok(())
}

/// After a request that queued a webhook event: the alarm runs as soon as the request ends,
/// and delivers it without the requester waiting for the clinic's receiver.
pub async fn wake_for_webhooks(ctx: &Ctx) -> std::result::Result<(), AppError> {
    if ctx.db.take_webhook_queued() {
        ctx.storage.set_alarm(ctx.now).await?;
    }
    Ok(())
}

/// The one place the edge reads the clock.
pub fn clock() -> Now {
    let millis = worker::Date::now().as_millis();
    from_unix_millis(i64::try_from(millis).unwrap_or(i64::MAX))
}

fn named_practice(req: &Request) -> std::result::Result<PracticeId, AppError> {
    req.headers()
        .get(internal::PRACTICE)?
        .and_then(|p| PracticeId::try_from(p).ok())
        .ok_or_else(|| AppError::internal("a request reached a practice without its id"))
}

impl PracticeStore {
    fn ctx(&self, practice: PracticeId) -> std::result::Result<Ctx, AppError> {
        let storage = self.state.storage();
        Ok(Ctx {
            practice,
            db: Db::new(storage.sql()),
            cfg: Config::cached(&self.env)?,
            env: self.env.clone(),
            storage,
            now: clock(),
        })
    }

    /// Who this instance is, learning it (and migrating) on its first request. `None`: the
    /// practice has not begun here; nothing was written.
    fn begun(&self, ctx: &Ctx) -> std::result::Result<Option<Begun>, AppError> {
        if let Some(begun) = self.begun.borrow().clone() {
            return Ok(Some(begun));
        }
        let sql = self.state.storage().sql();
        if !schema::exists(&sql)? {
            return Ok(None);
        }
        schema::migrate(&sql)?;
        let begun = lifecycle::identity(&ctx.db)?;
        if let Some(begun) = &begun {
            if begun.practice != ctx.practice {
                return Err(AppError::internal("a practice was asked under another id"));
            }
        }
        self.begun.replace(begun.clone());
        Ok(begun)
    }

    async fn serve(&self, req: Request) -> std::result::Result<Response, AppError> {
        let ctx = self.ctx(named_practice(&req)?)?;
        let path = req.path();
        if let Some(action) = path.strip_prefix("/internal/practice/") {
            return self.lifecycle(&ctx, action, req).await;
        }
        match self.begun(&ctx)? {
            None if ctx.cfg.legacy_practice.as_ref() == Some(&ctx.practice)
                && schema::exists(&self.state.storage().sql())? =>
            {
                Err(ApiError::new(ErrorCode::NotConfigured)
                    .with_message(
                        "This deployment was upgraded: adopt the existing practice with the \
                         operator API (docs/OPERATIONS.md, \"Upgrade in place\").",
                    )
                    .into())
            }
            None => Err(AppError::code(ErrorCode::NotFound)),
            Some(Begun {
                suspended_at: Some(_),
                ..
            }) => Err(AppError::code(ErrorCode::PracticeSuspended)),
            Some(_) if path == crate::provider_events::INTERNAL_PATH => {
                let response = record_mail_events(&ctx, req).await;
                // Evidence of delivery may queue email.delivered / email.bounced events.
                if let Err(err) = wake_for_webhooks(&ctx).await {
                    let _ = err.into_response();
                }
                response
            }
            Some(_) => {
                let response = routes::handle(&ctx, req).await;
                // Whatever the answer, an event queued by the request is delivered.
                if let Err(err) = wake_for_webhooks(&ctx).await {
                    let _ = err.into_response();
                }
                response
            }
        }
    }

    /// `/internal/practice/{init,suspend,resume,erase}`, from the directory only.
    async fn lifecycle(
        &self,
        ctx: &Ctx,
        action: &str,
        mut req: Request,
    ) -> std::result::Result<Response, AppError> {
        let sql = self.state.storage().sql();
        match action {
            "init" => {
                let init: internal::InitPractice = crate::http::read_json(&mut req).await?;
                // A legacy practice's tables exist already; a new one's are created here.
                schema::migrate(&sql)?;
                let begun = lifecycle::begin(ctx, &init)?;
                self.begun.replace(None);
                crate::http::json_ok(&begun)
            }
            "erase" => {
                if self.begun(ctx)?.is_none_or(|b| b.suspended_at.is_none()) {
                    return Err(ApiError::new(ErrorCode::Conflict)
                        .with_message("Suspend the practice before erasing it.")
                        .into());
                }
                let erased = lifecycle::erase(ctx).await?;
                self.begun.replace(None);
                crate::http::json_ok(&erased)
            }
            "suspend" | "resume" => {
                if self.begun(ctx)?.is_none() {
                    return Err(AppError::code(ErrorCode::NotFound));
                }
                let summary = lifecycle::set_suspended(ctx, action == "suspend")?;
                self.begun.replace(None);
                if action == "resume" {
                    // What waited while suspended (mail retries, webhook deliveries) goes now.
                    reschedule(ctx).await?;
                }
                crate::http::json_ok(&summary)
            }
            _ => Err(AppError::code(ErrorCode::NotFound)),
        }
    }
}

impl DurableObject for PracticeStore {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            begun: RefCell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        Ok(self
            .serve(req)
            .await
            .unwrap_or_else(AppError::into_response))
    }

    /// Queues the reminders due, retries mail that could not be delivered earlier (and sends
    /// the reminders), and delivers the clinic's webhook events (new ones and retries).
    async fn alarm(&self) -> Result<Response> {
        // A suspended practice sends nothing, retries included (they wait for a resume).
        let begun = match self.begun.borrow().clone() {
            Some(begun) => Some(begun),
            None => lifecycle::identity(&Db::new(self.state.storage().sql()))
                .ok()
                .flatten(),
        };
        let practice = begun
            .filter(|b| b.suspended_at.is_none())
            .map(|b| b.practice);
        if let Some(ctx) = practice.and_then(|p| self.ctx(p).ok()) {
            // Decided and written in this turn, before the first `await`.
            let practice = crate::workflows::Practice::from(&ctx);
            if let Err(err) = crate::workflows::reminders::queue_due(&practice) {
                let _ = err.into_response();
            }
            if let Err(err) = mail::deliver_due(&ctx).await {
                let _ = err.into_response();
            }
            if let Err(err) = webhook::deliver_due(&ctx).await {
                let _ = err.into_response();
            }
            if let Err(err) = reschedule(&ctx).await {
                let _ = err.into_response();
            }
        }
        Response::ok("ok")
    }
}
