//! Staff roles and what each may do in the clinic console and API.
//!
//! | role    | view patients, documents, history | share | unshare, delete | settings |
//! |---------|-----------------------------------|-------|-----------------|----------|
//! | viewer  | yes                               |       |                 |          |
//! | sharer  | yes                               | yes   | yes             |          |
//! | admin   | yes                               | yes   | yes             | yes      |
//!
//! Staff with no role configured may do nothing. The clinic system's API key acts as admin.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Sharer,
    Admin,
}

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Share,
    Unshare,
    ChangeSettings,
}

/// Whether `role` may perform `action`.
pub fn permits(role: Role, action: Action) -> bool {
    match action {
        Action::View => true,
        Action::Share | Action::Unshare => role >= Role::Sharer,
        Action::ChangeSettings => role == Role::Admin,
    }
}

/// The role of a staff member from the configured map (`STAFF_ROLES`: email → role), matched
/// case-insensitively; `None` when they have none.
pub fn role_of(roles: &BTreeMap<String, Role>, email: &str) -> Option<Role> {
    let wanted = email.trim().to_ascii_lowercase();
    roles
        .iter()
        .find(|(k, _)| k.trim().to_ascii_lowercase() == wanted)
        .map(|(_, r)| *r)
}

/// Who is calling the clinic API, as the console shows it.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffIdentity {
    pub email: String,
    pub role: Role,
    /// The local development identity: never available in production configuration.
    pub dev_identity: bool,
    pub practice_name: String,
}

/// A staff member of a practice, as admins manage them (`/api/v1/clinic/staff`).
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    /// Lower-cased: what Cloudflare Access signs in.
    pub email: String,
    pub role: Role,
    /// Unix seconds.
    pub added_at: i64,
    pub added_by: String,
}

/// `PUT /api/v1/clinic/staff/{email}`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffUpsert {
    pub role: Role,
    /// For the clinic system's key: the staff member making the change (the audit's actor).
    #[serde(default)]
    pub staff: String,
}

/// `GET /api/v1/clinic/staff`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffList {
    pub staff: Vec<StaffMember>,
}

/// A clinic API key as admins see it: never the key itself after it was created.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyEntry {
    pub id: String,
    pub name: String,
    /// The practice prefix and the last four characters (`sp_riverside_…x9Qa`).
    pub hint: String,
    pub created_at: i64,
    pub created_by: String,
    pub revoked_at: Option<i64>,
}

/// `POST /api/v1/clinic/api-keys`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the key is for, e.g. "Practice management system".
    pub name: String,
    #[serde(default)]
    pub staff: String,
}

/// `201` for a new key: shown this once; only its hash is kept.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub entry: ApiKeyEntry,
    pub key: String,
}

/// `GET /api/v1/clinic/api-keys`.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub keys: Vec<ApiKeyEntry>,
}

/// A practice a signed-in staff member belongs to (`GET /api/v1/staff/practices`), for the
/// console's practice picker.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPractice {
    pub id: crate::tenancy::PracticeId,
    pub name: String,
}

#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPractices {
    pub practices: Vec<StaffPractice>,
}

/// The header the console sends to say which of the staff member's practices it is working in.
pub const PRACTICE_HEADER: &str = "sealpost-practice";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_holds() {
        use Action::*;
        use Role::*;
        let table = [
            (Viewer, [true, false, false, false]),
            (Sharer, [true, true, true, false]),
            (Admin, [true, true, true, true]),
        ];
        for (role, allowed) in table {
            for (action, expected) in [View, Share, Unshare, ChangeSettings]
                .into_iter()
                .zip(allowed)
            {
                assert_eq!(permits(role, action), expected, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn roles_match_emails_case_insensitively_and_unknown_staff_have_none() {
        let roles = BTreeMap::from([("Alice@Clinic.example".to_owned(), Role::Admin)]);
        assert_eq!(role_of(&roles, "alice@clinic.example"), Some(Role::Admin));
        assert_eq!(role_of(&roles, "mallory@clinic.example"), None);
    }
}
