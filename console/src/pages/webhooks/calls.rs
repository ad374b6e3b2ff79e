//! The clinic API calls of the webhook page.

use gloo_net::http::Request;
use sealpost_shared::webhook_settings::{
    DeliveryEntry, DeliveryLog, WebhookSaved, WebhookSettings, WebhookUpdate,
};

use crate::api::{answer, get, request, send_json, ApiFailure, CLINIC};

fn setting_path() -> String {
    format!("{CLINIC}/settings/webhook")
}

/// The webhook, or `None` when the practice has none (404).
pub async fn webhook() -> Result<Option<WebhookSettings>, ApiFailure> {
    match get::<WebhookSettings>(&setting_path()).await {
        Ok(settings) => Ok(Some(settings)),
        Err(ApiFailure::Api(error))
            if error.code == sealpost_shared::error::ErrorCode::NotFound =>
        {
            Ok(None)
        }
        Err(failure) => Err(failure),
    }
}

/// Saves the URL; with `new_secret`, Sealpost makes a secret and answers it (once).
pub async fn save(url: &str, new_secret: bool) -> Result<WebhookSaved, ApiFailure> {
    let body = WebhookUpdate {
        url: url.trim().to_owned(),
        secret: None,
        keep_secret: !new_secret,
        staff: String::new(),
    };
    let response = send_json(Request::put(&setting_path()), &body).await?;
    response.json().await.map_err(|_| ApiFailure::Network)
}

pub async fn remove() -> Result<(), ApiFailure> {
    answer(request(Request::delete(&setting_path())).send().await).await?;
    Ok(())
}

pub async fn deliveries() -> Result<Vec<DeliveryEntry>, ApiFailure> {
    get::<DeliveryLog>(&format!("{CLINIC}/webhooks/deliveries"))
        .await
        .map(|log| log.deliveries)
}
