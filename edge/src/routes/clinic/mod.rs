//! The clinic API, one module per resource: patients, documents, shares (and unshare and the
//! history), contacts, and the practice itself (settings, who is signed in, the audit). Callers
//! are identified by `crate::staff` (one of the practice's API keys, or staff through Access).
//! This module holds what the resources share: the error helpers, id parsing, recipients.

mod contacts;
mod documents;
mod patients;
mod practice;
mod shares;

pub use contacts::*;
pub use documents::*;
pub use patients::*;
pub use practice::*;
pub use shares::*;

use sealpost_shared::error::ErrorCode;
use sealpost_shared::ids::{DocumentId, PatientId};
use sealpost_shared::recipients::is_valid_email;
use sealpost_shared::wire::{ApiError, DocumentKind, FieldProblem};

use crate::http::AppError;
use crate::store::Ctx;

/// `invalid_fields` naming every refused field; `Ok` when there are none.
pub(super) fn refuse_fields(problems: Vec<FieldProblem>) -> Result<(), AppError> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(fields_error(problems))
}

/// The `invalid_fields` error for these problems, their messages joined as its message.
fn fields_error(problems: Vec<FieldProblem>) -> AppError {
    let message = problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::new(ErrorCode::InvalidFields)
        .with_message(message)
        .with_problems(problems)
        .into()
}

/// The longest person's name, relation and document title accepted.
const MAX_NAME: usize = 120;

const MAX_TITLE: usize = 200;

pub(super) fn patient_id(raw: &str) -> Result<PatientId, AppError> {
    PatientId::try_from(raw.to_owned()).map_err(|e| invalid(format!("patient id: {e}")))
}

/// The patient id of a path, refused with 404 unless that patient is on file (not erased).
pub(super) fn document_id(raw: &str) -> Result<DocumentId, AppError> {
    DocumentId::try_from(raw.to_owned()).map_err(|e| invalid(format!("document id: {e}")))
}

pub(super) fn known_patient(ctx: &Ctx, raw: &str) -> Result<PatientId, AppError> {
    let id = patient_id(raw)?;
    if ctx.db.patient(id.as_str())?.is_none() {
        return Err(not_found("No patient with this id."));
    }
    Ok(id)
}

fn kind_name(kind: DocumentKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".to_owned())
}

/// An optional email as sent: blank means none; anything else must be a valid address.
fn optional_email(raw: Option<&str>) -> (Option<&str>, Result<(), FieldProblem>) {
    let email = raw.map(str::trim).filter(|e| !e.is_empty());
    let check = match email {
        Some(e) if !is_valid_email(e) => Err(FieldProblem {
            field: "email".to_owned(),
            message: "email is not a valid address".to_owned(),
        }),
        _ => Ok(()),
    };
    (email, check)
}

fn refuse_one(problem: FieldProblem) -> AppError {
    fields_error(vec![problem])
}

/// After an `await`, the request's `now` may be stale; writes that follow use a fresh reading.
fn clock_secs() -> i64 {
    crate::store::clock().timestamp()
}

pub(super) use crate::workflows::recipients::RELATIONSHIP;

pub(super) use crate::workflows::links::PRACTICE;

pub(super) use crate::workflows::{invalid, not_found};
