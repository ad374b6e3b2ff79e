//! The one typed client of the clinic API, over `sealpost_shared::wire`.
//!
//! Same origin: in production Cloudflare Access adds its assertion header to every request, so
//! the console sends no credential itself. Once a practice is chosen ([`set_practice`]), every
//! request names it in the `sealpost-practice` header: staff of several practices are refused
//! (`practice_required`) without it. Answers are never cached.

use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use sealpost_shared::page::{Page, MAX_LIMIT};
use sealpost_shared::staff::{
    ApiKeyEntry, ApiKeyList, CreatedApiKey, NewApiKey, Role, StaffIdentity, StaffList, StaffMember,
    StaffPractice, StaffPractices, StaffUpsert, PRACTICE_HEADER,
};
use sealpost_shared::tenancy::PracticeId;
use sealpost_shared::wire::{
    PatientFile, PatientSummary, PracticeSettings, ShareRequest, ShareResponse, StaffDocument,
    UnshareRequest,
};

use crate::logic::encode_segment;
use crate::logic::team::email_segment;

pub(crate) use sealpost_frontkit::api::answer;
use sealpost_frontkit::api::decode;
pub use sealpost_frontkit::api::ApiFailure;

/// The sharing history (`GET /patients/{id}/shares`, newest first) and the audit
/// (`GET /patients/{id}/history`, oldest first), as the edge writes them.
pub use sealpost_shared::history::{AuditEntry, Delivery, ShareEntry};

pub(crate) const CLINIC: &str = "/api/v1/clinic";

thread_local! {
    /// The practice this tab works in, once chosen; the console runs on one thread.
    static PRACTICE: RefCell<Option<PracticeId>> = const { RefCell::new(None) };
}

/// Names the practice every later request is for (`None`: let the API decide, which it does
/// only for staff of one practice).
pub fn set_practice(practice: Option<PracticeId>) {
    PRACTICE.with(|p| *p.borrow_mut() = practice);
}

/// Every clinic request: the common headers, and the practice it is for once chosen.
pub(crate) fn request(builder: RequestBuilder) -> RequestBuilder {
    let builder = sealpost_frontkit::api::request(builder);
    match PRACTICE.with(|p| p.borrow().clone()) {
        Some(practice) => builder.header(PRACTICE_HEADER, practice.as_str()),
        None => builder,
    }
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    decode(answer(request(Request::get(path)).send().await).await?).await
}

/// Every item of a paged list (`Page`: `{items, next}`), following `next` to the last page,
/// the largest pages at a time, so the console shows whole lists.
async fn get_all<T: DeserializeOwned>(path: &str) -> Result<Vec<T>, ApiFailure> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("{path}{sep}limit={MAX_LIMIT}"),
            Some(next) => format!(
                "{path}{sep}limit={MAX_LIMIT}&cursor={}",
                String::from(js_sys::encode_uri_component(next))
            ),
        };
        let page: Page<T> = get(&url).await?;
        items.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

pub(crate) async fn send_json<B: Serialize>(
    builder: RequestBuilder,
    body: &B,
) -> Result<Response, ApiFailure> {
    sealpost_frontkit::api::send_json(request(builder), body).await
}

fn patient(id: &str) -> String {
    format!("{CLINIC}/patients/{}", encode_segment(id))
}

/// The practices the signed-in staff member belongs to (in local development, all of them).
pub async fn staff_practices() -> Result<Vec<StaffPractice>, ApiFailure> {
    get::<StaffPractices>("/api/v1/staff/practices")
        .await
        .map(|list| list.practices)
}

pub async fn me() -> Result<StaffIdentity, ApiFailure> {
    get(&format!("{CLINIC}/me")).await
}

pub async fn find_patients(query: &str) -> Result<Vec<PatientSummary>, ApiFailure> {
    let q = String::from(js_sys::encode_uri_component(query.trim()));
    get_all(&format!("{CLINIC}/patients?q={q}")).await
}

pub async fn patient_file(id: &str) -> Result<PatientFile, ApiFailure> {
    get(&patient(id)).await
}

/// The patient's documents, the most recently previewed by staff first, then by date (the
/// API lists them newest first, a stable order for paging).
pub async fn documents(id: &str) -> Result<Vec<StaffDocument>, ApiFailure> {
    let mut docs: Vec<StaffDocument> = get_all(&format!("{}/documents", patient(id))).await?;
    docs.sort_by_key(|d| {
        (
            d.last_viewed_at.is_none(),
            std::cmp::Reverse(d.last_viewed_at),
            std::cmp::Reverse(d.date),
        )
    });
    Ok(docs)
}

pub async fn shares(id: &str) -> Result<Vec<ShareEntry>, ApiFailure> {
    get_all(&format!("{}/shares", patient(id))).await
}

pub async fn history(id: &str) -> Result<Vec<AuditEntry>, ApiFailure> {
    get_all(&format!("{}/history", patient(id))).await
}

pub async fn settings() -> Result<PracticeSettings, ApiFailure> {
    get(&format!("{CLINIC}/settings")).await
}

pub async fn save_settings(settings: &PracticeSettings) -> Result<PracticeSettings, ApiFailure> {
    let response = send_json(Request::put(&format!("{CLINIC}/settings")), settings).await?;
    decode(response).await
}

pub async fn share(body: &ShareRequest) -> Result<ShareResponse, ApiFailure> {
    let response = send_json(Request::post(&format!("{CLINIC}/shares")), body).await?;
    decode(response).await
}

pub async fn unshare(id: &str, body: &UnshareRequest) -> Result<(), ApiFailure> {
    send_json(Request::post(&format!("{}/unshare", patient(id))), body).await?;
    Ok(())
}

pub async fn staff() -> Result<Vec<StaffMember>, ApiFailure> {
    get::<StaffList>(&format!("{CLINIC}/staff"))
        .await
        .map(|list| list.staff)
}

/// Adds a staff member, or changes their role. `email` is already checked and lower-cased.
pub async fn set_role(email: &str, role: Role) -> Result<StaffMember, ApiFailure> {
    let path = format!("{CLINIC}/staff/{}", email_segment(email));
    let body = StaffUpsert {
        role,
        staff: String::new(),
    };
    let response = send_json(Request::put(&path), &body).await?;
    decode(response).await
}

pub async fn remove_staff(email: &str) -> Result<(), ApiFailure> {
    let path = format!("{CLINIC}/staff/{}", email_segment(email));
    answer(request(Request::delete(&path)).send().await).await?;
    Ok(())
}

pub async fn api_keys() -> Result<Vec<ApiKeyEntry>, ApiFailure> {
    get::<ApiKeyList>(&format!("{CLINIC}/api-keys"))
        .await
        .map(|list| list.keys)
}

/// A new key: the answer carries the key itself, this once.
pub async fn create_api_key(name: &str) -> Result<CreatedApiKey, ApiFailure> {
    let body = NewApiKey {
        name: name.to_owned(),
        staff: String::new(),
    };
    let response = send_json(Request::post(&format!("{CLINIC}/api-keys")), &body).await?;
    decode(response).await
}

pub async fn revoke_api_key(id: &str) -> Result<(), ApiFailure> {
    let path = format!("{CLINIC}/api-keys/{}", encode_segment(id));
    answer(request(Request::delete(&path)).send().await).await?;
    Ok(())
}
