//! A practice's webhook (its URL and signing secret, set by its administrators) and the log of
//! its deliveries, as the clinic API and the console see them. The secret is write-only: shown
//! once when Sealpost makes it, never returned afterwards.

use serde::{Deserialize, Serialize};

use crate::origin_settings::base_url_ok;
use crate::webhook::secret_ok;
use crate::wire::FieldProblem;

/// `GET /api/v1/clinic/settings/webhook`: what is configured (never the secret).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub url: String,
    pub secret_set: bool,
}

/// `PUT /api/v1/clinic/settings/webhook`. Without `secret`, Sealpost makes one (answered once,
/// in [`WebhookSaved::secret`]) unless `keep_secret` keeps the current one (changing the URL
/// only).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    pub url: String,
    /// `whsec_` and 24 to 64 bytes of base64 (Standard Webhooks form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default)]
    pub keep_secret: bool,
    /// For the clinic system's key: the staff member making the change.
    #[serde(default)]
    pub staff: String,
}

/// The answer to a `PUT`: the settings, and the secret when Sealpost made it (only now).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSaved {
    pub url: String,
    pub secret_set: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Where a delivery stands.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its next attempt (or being attempted now).
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: a day of retries failed, or the webhook was removed.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// One event's delivery, as the log shows it (ids and outcomes only).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryEntry {
    /// The event id (`webhook-id`).
    pub id: String,
    /// The event type's wire name.
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: i64,
    pub state: DeliveryState,
    pub attempts: i64,
    /// The receiver's last HTTP status, if it answered.
    #[serde(default)]
    pub last_status: Option<u16>,
    /// Why the last attempt failed ("answered 500", "timed out", "unreachable").
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub next_attempt_at: Option<i64>,
    #[serde(default)]
    pub delivered_at: Option<i64>,
}

/// `GET /api/v1/clinic/webhooks/deliveries`: newest first.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLog {
    pub deliveries: Vec<DeliveryEntry>,
}

fn problem(field: &str, message: &str) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Every problem with a webhook a practice wants to save (empty: it may be saved).
/// `loopback_allowed`: local development, where plain `http://` to this machine is accepted.
pub fn webhook_problems(update: &WebhookUpdate, loopback_allowed: bool) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if !base_url_ok(update.url.trim(), loopback_allowed) {
        problems.push(problem(
            "url",
            "url must be an https:// address (no user name, query or fragment)",
        ));
    }
    if let Some(secret) = &update.secret {
        if !secret_ok(secret.trim()) {
            problems.push(problem(
                "secret",
                "secret must be whsec_ followed by 24 to 64 bytes in base64",
            ));
        }
        if update.keep_secret {
            problems.push(problem(
                "keep_secret",
                "give a secret or keep the current one, not both",
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    fn update(url: &str, secret: Option<&str>) -> WebhookUpdate {
        WebhookUpdate {
            url: url.to_owned(),
            secret: secret.map(str::to_owned),
            ..WebhookUpdate::default()
        }
    }

    #[test]
    fn https_only_outside_development_and_secrets_in_standard_form() {
        assert!(
            webhook_problems(&update("https://hooks.clinic.example/in", None), false).is_empty()
        );
        assert_eq!(
            webhook_problems(&update("http://hooks.clinic.example/in", None), false).len(),
            1
        );
        assert_eq!(
            webhook_problems(&update("http://127.0.0.1:9000/in", None), false).len(),
            1
        );
        assert!(webhook_problems(&update("http://127.0.0.1:9000/in", None), true).is_empty());
        let good = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert!(webhook_problems(&update("https://h.example", Some(good)), false).is_empty());
        assert_eq!(
            webhook_problems(&update("https://h.example", Some("hunter2")), false)[0].field,
            "secret"
        );
        let mut both = update("https://h.example", Some(good));
        both.keep_secret = true;
        assert_eq!(webhook_problems(&both, false)[0].field, "keep_secret");
    }

    #[test]
    fn the_log_entry_is_pinned() {
        let entry = DeliveryEntry {
            id: "evt_1".into(),
            event_type: "link.opened".into(),
            created_at: 10,
            state: DeliveryState::Pending,
            attempts: 1,
            last_status: Some(500),
            last_error: Some("answered 500".into()),
            next_attempt_at: Some(15),
            delivered_at: None,
        };
        assert_eq!(
            serde_json::to_string(&entry).unwrap_or_default(),
            r#"{"id":"evt_1","type":"link.opened","created_at":10,"state":"pending","attempts":1,"last_status":500,"last_error":"answered 500","next_attempt_at":15,"delivered_at":null}"#
        );
    }
}
