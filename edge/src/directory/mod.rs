//! The deployment's directory: one Durable Object that lists the practices (the operator API)
//! and which staff belong to which (the console's practice picker). It is strongly consistent
//! and small; no patient request ever passes through it.
//!
//! Operator routes (the Worker has checked `OPERATOR_API_KEY`):
//! - `POST /api/v1/operator/practices` creates a practice: its Durable Object begins first
//!   (and refuses if it already has), then the directory lists it; the answer carries the
//!   practice's first clinic API key, shown this once.
//! - `GET /api/v1/operator/practices[?after=&limit=]`, `GET …/{id}`.
//! - `POST …/{id}/suspend`, `POST …/{id}/resume`: the practice itself refuses every request
//!   while suspended; the directory records it for the operator's list and the picker.
//! - `DELETE …/{id}`: erases a suspended practice (its documents in R2, all its state).
//!
//! Internal routes (from the Worker and from practices): `GET /internal/directory/staff`,
//! `PUT`/`DELETE /internal/directory/staff`.

mod store;

use sealpost_shared::error::ErrorCode;
use sealpost_shared::operator::{
    page_size, CreatedPractice, NewPractice, PracticeList, PracticeSummary,
};
use sealpost_shared::staff::StaffPractices;
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::text::required_text;
use sealpost_shared::wire::ApiError;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

use crate::config::Config;
use crate::http::{json_ok, json_response, read_json, AppError};
use crate::internal::{InitPractice, PracticeBegun, StaffMembership};
use store::Directory as Tables;

pub const BINDING: &str = "DIRECTORY";
pub const NAME: &str = "directory";

#[durable_object]
pub struct Directory {
    state: State,
    env: Env,
    migrated: std::cell::Cell<bool>,
}

impl DurableObject for Directory {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            migrated: std::cell::Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let tables = Tables::new(self.state.storage().sql());
        if !self.migrated.get() {
            if let Err(err) = tables.migrate() {
                return Ok(err.into_response());
            }
            self.migrated.set(true);
        }
        let result = match Config::cached(&self.env) {
            Ok(cfg) => route(&tables, &self.env, &cfg, &mut req).await,
            Err(err) => Err(err),
        };
        Ok(result.unwrap_or_else(AppError::into_response))
    }
}

/// Tells the directory that `membership` began (`PUT`) or ended (`DELETE`).
pub async fn record_membership(
    env: &Env,
    method: Method,
    membership: &StaffMembership,
) -> std::result::Result<(), AppError> {
    let json = serde_json::to_string(membership)
        .map_err(|_| AppError::internal("membership not serialisable"))?;
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    let mut init = worker::RequestInit::new();
    init.with_method(method)
        .with_headers(headers)
        .with_body(Some(json.into()));
    let request =
        Request::new_with_init("https://directory.internal/internal/directory/staff", &init)?;
    let response = env
        .durable_object(BINDING)?
        .get_by_name(NAME)?
        .fetch_with_request(request)
        .await?;
    if response.status_code() != 200 {
        return Err(AppError::internal("the directory refused a membership"));
    }
    Ok(())
}

fn practice_id(raw: &str) -> std::result::Result<PracticeId, AppError> {
    PracticeId::try_from(raw).map_err(|_| AppError::code(ErrorCode::NotFound))
}

async fn route(
    tables: &Tables,
    env: &Env,
    cfg: &Config,
    req: &mut Request,
) -> std::result::Result<Response, AppError> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method(), segments.as_slice()) {
        (Method::Post, ["api", "v1", "operator", "practices"]) => {
            create(tables, env, cfg, req).await
        }
        (Method::Get, ["api", "v1", "operator", "practices"]) => list(tables, req),
        (Method::Get, ["api", "v1", "operator", "practices", id]) => {
            let practice = tables
                .practice(&practice_id(id)?)?
                .ok_or_else(|| AppError::code(ErrorCode::NotFound))?;
            json_ok(&practice)
        }
        (
            Method::Post,
            ["api", "v1", "operator", "practices", id, action @ ("suspend" | "resume")],
        ) => {
            let id = practice_id(id)?;
            tables
                .practice(&id)?
                .ok_or_else(|| AppError::code(ErrorCode::NotFound))?;
            let answer = crate::store::call_practice(
                env,
                cfg,
                &id,
                Method::Post,
                &format!("/internal/practice/{action}"),
                None::<&()>,
            )
            .await?;
            let summary: PracticeSummary = answer;
            tables.set_suspended(&id, summary.suspended_at)?;
            json_ok(&summary)
        }
        (Method::Delete, ["api", "v1", "operator", "practices", id]) => {
            let id = practice_id(id)?;
            tables
                .practice(&id)?
                .ok_or_else(|| AppError::code(ErrorCode::NotFound))?;
            let erased: crate::store::lifecycle::Erased = crate::store::call_practice(
                env,
                cfg,
                &id,
                Method::Post,
                "/internal/practice/erase",
                None::<&()>,
            )
            .await?;
            tables.remove(&id)?;
            json_ok(&serde_json::json!({ "erased": id, "documents": erased.documents }))
        }
        (Method::Get, ["internal", "directory", "staff"]) => staff_practices(tables, req),
        (Method::Put, ["internal", "directory", "staff"]) => {
            let m: StaffMembership = read_json(req).await?;
            tables.add_member(&m.email, &m.practice)?;
            json_ok(&serde_json::json!({}))
        }
        (Method::Delete, ["internal", "directory", "staff"]) => {
            let m: StaffMembership = read_json(req).await?;
            tables.remove_member(&m.email, &m.practice)?;
            json_ok(&serde_json::json!({}))
        }
        (_, ["api", "v1", "operator", "practices", ..]) => {
            Err(AppError::code(ErrorCode::MethodNotAllowed))
        }
        _ => Err(AppError::code(ErrorCode::NotFound)),
    }
}

async fn create(
    tables: &Tables,
    env: &Env,
    cfg: &Config,
    req: &mut Request,
) -> std::result::Result<Response, AppError> {
    let new: NewPractice = read_json(req).await?;
    let name = required_text("name", &new.name, 120).map_err(|problem| {
        AppError::from(ApiError::new(ErrorCode::InvalidFields).with_problems(vec![problem]))
    })?;
    let is_legacy = cfg.legacy_practice.as_ref() == Some(&new.id);
    if is_legacy && !new.adopt_existing {
        return Err(ApiError::new(ErrorCode::Conflict)
            .with_message(
                "LEGACY_PRACTICE names this id: it holds the existing state. Create it with \
                 adopt_existing: true (docs/OPERATIONS.md, \"Upgrade in place\").",
            )
            .into());
    }
    if new.adopt_existing && !is_legacy {
        return Err(ApiError::new(ErrorCode::Conflict)
            .with_message(
                "Only the practice named by LEGACY_PRACTICE can adopt the existing state.",
            )
            .into());
    }
    if tables.practice(&new.id)?.is_some() {
        return Err(ApiError::new(ErrorCode::Conflict)
            .with_message("A practice with this id exists.")
            .into());
    }
    let init = InitPractice {
        id: new.id.clone(),
        name: name.clone(),
        mail_from: new.mail_from.clone(),
        adopt_existing: new.adopt_existing,
    };
    let begun: PracticeBegun = crate::store::call_practice(
        env,
        cfg,
        &new.id,
        Method::Post,
        "/internal/practice/init",
        Some(&init),
    )
    .await?;
    let summary = PracticeSummary {
        id: new.id.clone(),
        name,
        created_at: begun.created_at,
        suspended_at: None,
    };
    tables.insert(&summary)?;
    for email in &begun.staff {
        tables.add_member(email, &new.id)?;
    }
    Ok(json_response(
        &CreatedPractice {
            practice: summary,
            api_key: begun.api_key,
        },
        201,
    ))
}

#[derive(serde::Deserialize)]
struct PageQuery {
    after: Option<String>,
    limit: Option<usize>,
}

fn list(tables: &Tables, req: &Request) -> std::result::Result<Response, AppError> {
    let query: PageQuery = req.query().map_err(|_| {
        AppError::from(
            ApiError::new(ErrorCode::BadRequest)
                .with_message("after is a practice id and limit a number."),
        )
    })?;
    let after = query.after.as_deref().map(practice_id).transpose()?;
    let limit = page_size(query.limit);
    // One more than asked tells whether there is a next page.
    let mut practices = tables.page(after.as_ref(), limit + 1)?;
    let next = if practices.len() > limit {
        practices.truncate(limit);
        practices.last().map(|p| p.id.clone())
    } else {
        None
    };
    json_ok(&PracticeList { practices, next })
}

#[derive(serde::Deserialize)]
struct StaffQuery {
    email: Option<String>,
    all: Option<String>,
}

fn staff_practices(tables: &Tables, req: &Request) -> std::result::Result<Response, AppError> {
    let query: StaffQuery = req
        .query()
        .map_err(|_| AppError::code(ErrorCode::BadRequest))?;
    let practices = match (query.email, query.all) {
        (Some(email), _) => tables.practices_of(&email.to_ascii_lowercase())?,
        (None, Some(_)) => tables.all_active(sealpost_shared::operator::MAX_PAGE)?,
        (None, None) => Vec::new(),
    };
    json_ok(&StaffPractices { practices })
}
