//! The operator API's wire types: the people who host Sealpost create, list, suspend, resume
//! and erase practices. The operator never sees a practice's patients.

use serde::{Deserialize, Serialize};

use crate::tenancy::PracticeId;

/// `POST /api/v1/operator/practices`: a new practice.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPractice {
    pub id: PracticeId,
    /// The practice's name as patients see it in emails and on the portal.
    pub name: String,
    /// The general sender address (`From:`); the deployment's `MAIL_FROM` when absent.
    #[serde(default)]
    pub mail_from: Option<String>,
    /// Upgrade in place: this practice takes over the deployment's single-practice state
    /// (its links, sessions and `CLINIC_API_KEY` stay valid). Only the practice named by the
    /// deployment's `LEGACY_PRACTICE` may, once.
    #[serde(default)]
    pub adopt_existing: bool,
}

/// A practice as the operator sees it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PracticeSummary {
    pub id: PracticeId,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; a suspended practice answers every clinic and portal request with 403
    /// `practice_suspended` and sends nothing, but keeps all its data.
    pub suspended_at: Option<i64>,
}

/// `201` for a new practice: the practice and its first clinic API key, shown this once.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedPractice {
    pub practice: PracticeSummary,
    /// `sp_<practice>_<secret>`: hand it to the practice over a secure channel.
    pub api_key: String,
}

/// `GET /api/v1/operator/practices?after=<id>&limit=<n>`: practices by id.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PracticeList {
    pub practices: Vec<PracticeSummary>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<PracticeId>,
}

/// The most practices one page lists, and the default.
pub const MAX_PAGE: usize = 200;
pub const DEFAULT_PAGE: usize = 100;

/// The page size asked for, within bounds.
pub fn page_size(asked: Option<usize>) -> usize {
    asked.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None), DEFAULT_PAGE);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(10_000)), MAX_PAGE);
        assert_eq!(page_size(Some(7)), 7);
    }

    #[test]
    fn a_new_practice_refuses_unknown_fields_and_bad_ids() {
        let ok: Result<NewPractice, _> =
            serde_json::from_str(r#"{"id":"north","name":"North Clinic"}"#);
        assert!(ok.is_ok_and(|p| !p.adopt_existing && p.mail_from.is_none()));
        let bad: Result<NewPractice, _> = serde_json::from_str(r#"{"id":"North","name":"x"}"#);
        assert!(bad.is_err());
        let extra: Result<NewPractice, _> =
            serde_json::from_str(r#"{"id":"north","name":"x","api_key":"y"}"#);
        assert!(extra.is_err());
    }
}
