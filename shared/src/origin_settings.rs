//! A practice's own document origin (the clinic's HTTP file store that documents registered
//! by path are streamed from): its base URL and bearer token are the practice's settings, not
//! the deployment's. The token is write-only: it is never returned.

use serde::{Deserialize, Serialize};

use crate::wire::FieldProblem;

/// How long the origin may take to start answering, by default and at most.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 15;
pub const MAX_TIMEOUT_SECONDS: u64 = 60;
const MAX_BASE_URL: usize = 300;
const MAX_TOKEN: usize = 4096;

/// `GET /api/v1/clinic/settings/origin`: what is configured (never the token).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginSettings {
    pub base_url: String,
    pub timeout_seconds: u64,
    pub token_set: bool,
}

/// `PUT /api/v1/clinic/settings/origin`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginUpdate {
    pub base_url: String,
    pub bearer_token: String,
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// For the clinic system's key: the staff member making the change.
    #[serde(default)]
    pub staff: String,
}

fn problem(field: &str, message: &str) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Whether `base` is an `https://` URL with a host and no credentials, query or fragment; plain
/// `http://` only to this machine, and only when `loopback_allowed` (local development).
pub(crate) fn base_url_ok(base: &str, loopback_allowed: bool) -> bool {
    let rest = match (base.strip_prefix("https://"), base.strip_prefix("http://")) {
        (Some(rest), _) => rest,
        (None, Some(rest)) if loopback_allowed => {
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            if !matches!(host, "127.0.0.1" | "localhost") {
                return false;
            }
            rest
        }
        _ => return false,
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    !host.is_empty()
        && base.len() <= MAX_BASE_URL
        && !rest.contains(['@', '?', '#', '\\'])
        && rest
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '<' && c != '>')
}

/// Every problem with an origin a practice wants to save (empty: it may be saved).
pub fn origin_problems(update: &OriginUpdate, loopback_allowed: bool) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if !base_url_ok(update.base_url.trim(), loopback_allowed) {
        problems.push(problem(
            "base_url",
            "base_url must be an https:// address (no user name, query or fragment)",
        ));
    }
    let token = update.bearer_token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN || !token.chars().all(|c| c.is_ascii_graphic()) {
        problems.push(problem(
            "bearer_token",
            "bearer_token must be 1 to 4096 visible ASCII characters",
        ));
    }
    if update
        .timeout_seconds
        .is_some_and(|t| !(1..=MAX_TIMEOUT_SECONDS).contains(&t))
    {
        problems.push(problem(
            "timeout_seconds",
            "timeout_seconds must be 1 to 60",
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(base: &str, token: &str) -> OriginUpdate {
        OriginUpdate {
            base_url: base.to_owned(),
            bearer_token: token.to_owned(),
            timeout_seconds: None,
            staff: String::new(),
        }
    }

    #[test]
    fn only_https_origins_with_a_token_are_saved() {
        assert!(
            origin_problems(&update("https://files.clinic.example/docs", "t"), false).is_empty()
        );
        for bad in [
            "http://files.clinic.example",
            "https://",
            "https://user:pw@files.example",
            "https://files.example/?x=1",
            "https://files.example/#a",
            "ftp://files.example",
            "https://files example",
        ] {
            assert_eq!(origin_problems(&update(bad, "t"), false).len(), 1, "{bad}");
        }
        assert_eq!(
            origin_problems(&update("https://f.example", ""), false).len(),
            1
        );
        assert_eq!(
            origin_problems(&update("https://f.example", "a b"), false).len(),
            1
        );
    }

    #[test]
    fn plain_http_only_to_this_machine_in_development() {
        assert!(origin_problems(&update("http://127.0.0.1:9000/", "t"), true).is_empty());
        assert!(!origin_problems(&update("http://127.0.0.1:9000/", "t"), false).is_empty());
        assert!(!origin_problems(&update("http://127.0.0.1.evil.example/", "t"), true).is_empty());
    }

    #[test]
    fn timeouts_are_bounded() {
        let mut u = update("https://f.example", "t");
        u.timeout_seconds = Some(0);
        assert_eq!(origin_problems(&u, false).len(), 1);
        u.timeout_seconds = Some(61);
        assert_eq!(origin_problems(&u, false).len(), 1);
        u.timeout_seconds = Some(30);
        assert!(origin_problems(&u, false).is_empty());
    }
}
