//! The one typed client of the clinic API, over `sealpost_shared::wire`.
//!
//! Same origin: in production Cloudflare Access adds its assertion header to every request, so
//! the console sends no credential itself. Answers are never cached.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use web_sys::RequestCache;

use sealpost_shared::staff::StaffIdentity;
use sealpost_shared::wire::{
    ApiError, PatientFile, PatientSummary, PracticeSettings, ShareRequest, ShareResponse,
    StaffDocument, UnshareRequest,
};

use crate::logic::encode_segment;

/// Why a call did not give the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiFailure {
    /// Sealpost's API refused, with its typed error.
    Api(ApiError),
    /// No usable answer: the connection failed or something in between answered.
    Network,
}

impl ApiFailure {
    /// A sentence for staff.
    pub fn message(&self) -> String {
        match self {
            Self::Api(error) => error.message.clone(),
            Self::Network => {
                "Sealpost did not answer. Check your connection, then try again.".to_owned()
            }
        }
    }
}

/// One email of a share, as the sharing history reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    #[serde(default)]
    pub recipient_label: Option<String>,
    pub to_email: String,
    pub status: String,
    #[serde(default)]
    pub attempts: i64,
    #[serde(default)]
    pub last_error: Option<String>,
}

/// One share in `GET /patients/{id}/shares`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareEntry {
    pub id: String,
    pub staff: String,
    pub method: String,
    pub created_at: i64,
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub deliveries: Vec<Delivery>,
}

/// One audit record in `GET /patients/{id}/history`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub event: String,
    #[serde(default)]
    pub detail: String,
}

const CLINIC: &str = "/api/v1/clinic";

fn request(builder: RequestBuilder) -> RequestBuilder {
    builder
        .header("Accept", "application/json")
        .cache(RequestCache::NoStore)
}

async fn answer(sent: Result<Response, gloo_net::Error>) -> Result<Response, ApiFailure> {
    let response = sent.map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        return Ok(response);
    }
    Err(match response.json::<ApiError>().await {
        Ok(error) => ApiFailure::Api(error),
        Err(_) => ApiFailure::Network,
    })
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    let response = answer(request(Request::get(path)).send().await).await?;
    response.json().await.map_err(|_| ApiFailure::Network)
}

async fn send_json<B: Serialize>(
    builder: RequestBuilder,
    body: &B,
) -> Result<Response, ApiFailure> {
    let request = request(builder)
        .json(body)
        .map_err(|_| ApiFailure::Network)?;
    answer(request.send().await).await
}

fn patient(id: &str) -> String {
    format!("{CLINIC}/patients/{}", encode_segment(id))
}

pub async fn me() -> Result<StaffIdentity, ApiFailure> {
    get(&format!("{CLINIC}/me")).await
}

pub async fn find_patients(query: &str) -> Result<Vec<PatientSummary>, ApiFailure> {
    let q = String::from(js_sys::encode_uri_component(query.trim()));
    get(&format!("{CLINIC}/patients?q={q}")).await
}

pub async fn patient_file(id: &str) -> Result<PatientFile, ApiFailure> {
    get(&patient(id)).await
}

pub async fn documents(id: &str) -> Result<Vec<StaffDocument>, ApiFailure> {
    get(&format!("{}/documents", patient(id))).await
}

pub async fn shares(id: &str) -> Result<Vec<ShareEntry>, ApiFailure> {
    get(&format!("{}/shares", patient(id))).await
}

pub async fn history(id: &str) -> Result<Vec<AuditEntry>, ApiFailure> {
    get(&format!("{}/history", patient(id))).await
}

pub async fn settings() -> Result<PracticeSettings, ApiFailure> {
    get(&format!("{CLINIC}/settings")).await
}

pub async fn save_settings(settings: &PracticeSettings) -> Result<PracticeSettings, ApiFailure> {
    let response = send_json(Request::put(&format!("{CLINIC}/settings")), settings).await?;
    response.json().await.map_err(|_| ApiFailure::Network)
}

pub async fn share(body: &ShareRequest) -> Result<ShareResponse, ApiFailure> {
    let response = send_json(Request::post(&format!("{CLINIC}/shares")), body).await?;
    response.json().await.map_err(|_| ApiFailure::Network)
}

pub async fn unshare(id: &str, body: &UnshareRequest) -> Result<(), ApiFailure> {
    send_json(Request::post(&format!("{}/unshare", patient(id))), body).await?;
    Ok(())
}
