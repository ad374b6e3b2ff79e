//! Sharing: share by link or attachment, unshare, the shares and the sharing history.

use sealpost_shared::page::{page_of, List, Page, PageRequest};
use sealpost_shared::wire::{ShareRequest, ShareResponse, UnshareRequest};
use worker::{Request, Response};

use crate::http::{json_ok, json_response, read_json, AppError};
use crate::mail;
use crate::routes::paging;
use crate::staff::Caller;
use crate::store::Ctx;
use crate::workflows::Practice;

use super::*;

/// `POST /api/v1/clinic/shares`: records the share, grants access to each recipient and
/// emails each a fresh link (or the documents attached) from the sender address chosen by
/// document type (`workflows::share`), then delivers the mail.
pub async fn share(ctx: &Ctx, req: &mut Request, caller: &Caller) -> Result<Response, AppError> {
    let body: ShareRequest = read_json(req).await?;
    let shared = crate::workflows::share::share(&Practice::from(ctx), &body, caller)?;
    let sent = mail::deliver_due(ctx).await?;
    let response = ShareResponse {
        share_id: shared
            .share_id
            .try_into()
            .map_err(|_| AppError::internal("generated share id invalid"))?,
        emails_queued: shared.emails_queued,
        emails_sent: sent,
        sender: shared.sender,
    };
    Ok(json_response(&response, 201))
}

/// `POST /api/v1/clinic/patients/{id}/unshare`: revoke the patient's access (every link and
/// session, effective on the very next request), or one recipient's, or one document.
pub async fn unshare(
    ctx: &Ctx,
    req: &mut Request,
    raw_patient: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let patient = patient_id(raw_patient)?;
    let body: UnshareRequest = read_json(req).await?;
    let actor = caller.actor(&body.staff)?;
    let revoked =
        crate::workflows::unshare::unshare(&Practice::from(ctx), &patient, &body, &actor)?;
    json_ok(&serde_json::json!({ "revoked": revoked }))
}

/// `GET /api/v1/clinic/patients/{id}/shares?limit=&cursor=`: the sharing history, newest
/// first, a page at a time: how, who (staff and each recipient), when, which documents, and
/// each email's delivery status.
pub fn shares(ctx: &Ctx, req: &Request, raw_id: &str) -> Result<Response, AppError> {
    let page: PageRequest<(i64, i64)> = paging::request(req, List::Shares)?;
    let id = known_patient(ctx, raw_id)?;
    let rows = ctx
        .db
        .share_history_page(id.as_str(), page.after, page.fetch())?;
    let page = page_of(List::Shares, rows, page.limit, |r| {
        (r.entry.created_at, r.row)
    });
    json_ok(&Page {
        items: page.items.into_iter().map(|r| r.entry).collect::<Vec<_>>(),
        next: page.next,
    })
}

/// `GET /api/v1/clinic/patients/{id}/history?limit=&cursor=`: the patient's audit, oldest
/// first, a page at a time.
pub fn history(ctx: &Ctx, req: &Request, raw_id: &str) -> Result<Response, AppError> {
    let id = known_patient(ctx, raw_id)?;
    audit_page(ctx, req, List::History, id.as_str())
}
