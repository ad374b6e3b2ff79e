//! Practices as tenants: how a request names its practice without any shared state.
//!
//! One deployment serves many practices; each practice's state lives in its own Durable Object,
//! found by the practice's id. The stateless Worker learns which practice a request is for from
//! what the request carries, never from a lookup:
//! - a clinic API key names the practice in its prefix: `sp_<practice>_<secret>`;
//! - a session cookie names it before its secret: `<practice>.<secret>` (see `session`);
//! - a link token carries it as a signed claim, `prc` (see `token`);
//! - staff signed in through Cloudflare Access choose among the practices the directory lists.
//!
//! Credentials from before practices existed (no prefix, no claim) belong to the deployment's
//! first practice, the one upgraded in place ([`Route::Legacy`]).
//!
//! Invariant: the practice a credential names is only where it is taken. The practice's own
//! Durable Object checks the credential against its own records, so a key or cookie that names
//! practice A but was issued by B is refused by A, and B never sees it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secret::SecretString;

/// The longest practice id. Short, because it appears in keys, cookies and storage paths.
pub const MAX_PRACTICE_ID_LEN: usize = 32;

/// What every clinic API key starts with, before the practice id.
pub const API_KEY_PREFIX: &str = "sp_";

/// Random bytes in a clinic API key's secret part (256 bits).
pub const API_KEY_SECRET_BYTES: usize = 32;

/// A practice: 2 to 32 characters of lower-case letters, digits and `-`, starting with a letter
/// or digit. It contains neither `_` nor `.`, so it can be the first part of a key or a cookie
/// without escaping, and it is safe in URLs and storage paths.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PracticeId(String);

/// A practice id was not 2 to 32 characters of `a-z`, `0-9` and `-` starting with `a-z0-9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPracticeId;

impl std::fmt::Display for InvalidPracticeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a practice id is 2 to {MAX_PRACTICE_ID_LEN} characters of a-z, 0-9 and '-', \
             starting with a letter or digit"
        )
    }
}

impl PracticeId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PracticeId {
    type Error = InvalidPracticeId;
    fn try_from(value: String) -> Result<Self, InvalidPracticeId> {
        let bytes = value.as_bytes();
        let first_ok = bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let rest_ok = bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if (2..=MAX_PRACTICE_ID_LEN).contains(&bytes.len()) && first_ok && rest_ok {
            Ok(Self(value))
        } else {
            Err(InvalidPracticeId)
        }
    }
}

impl TryFrom<&str> for PracticeId {
    type Error = InvalidPracticeId;
    fn try_from(value: &str) -> Result<Self, InvalidPracticeId> {
        Self::try_from(value.to_owned())
    }
}

impl From<PracticeId> for String {
    fn from(id: PracticeId) -> String {
        id.0
    }
}

impl std::fmt::Display for PracticeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a credential says its request belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The credential names this practice.
    Practice(PracticeId),
    /// A credential from before practices existed: the deployment's upgraded first practice.
    Legacy,
    /// The credential claims a practice but the name is not a practice id: refuse unread.
    Malformed,
}

/// A new clinic API key for `practice` from 32 CSPRNG bytes drawn by the adapter.
pub fn new_api_key(practice: &PracticeId, random: [u8; API_KEY_SECRET_BYTES]) -> SecretString {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    SecretString::new(format!(
        "{API_KEY_PREFIX}{practice}_{}",
        URL_SAFE_NO_PAD.encode(random)
    ))
}

/// The practice a clinic API key names. Keys without the `sp_` prefix are the single-practice
/// deployment's `CLINIC_API_KEY`, kept working by the upgrade.
pub fn route_of_api_key(key: &str) -> Route {
    let Some(rest) = key.strip_prefix(API_KEY_PREFIX) else {
        return Route::Legacy;
    };
    match rest.split_once('_') {
        Some((practice, secret)) if !secret.is_empty() => PracticeId::try_from(practice)
            .map(Route::Practice)
            .unwrap_or(Route::Malformed),
        _ => Route::Malformed,
    }
}

/// What the practice stores for a key: hex SHA-256 of the whole key. The key holds 256 random
/// bits, so a plain hash is enough (no salt or stretching needed: there is nothing to guess).
pub fn api_key_hash(key: &str) -> String {
    crate::hex::encode(&Sha256::digest(key.as_bytes()))
}

/// What the console shows of a key so staff can tell keys apart: its practice prefix and its
/// last four characters, never enough to use it.
pub fn api_key_hint(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    match route_of_api_key(key) {
        Route::Practice(practice) => format!("{API_KEY_PREFIX}{practice}_…{tail}"),
        _ => format!("…{tail}"),
    }
}

/// The storage key of an uploaded document: everything of a practice under its own prefix, so
/// no two practices ever share a key and a practice's objects can be listed and erased together.
pub fn document_storage_key(practice: &PracticeId, patient: &str, document: &str) -> String {
    format!("practices/{practice}/patients/{patient}/documents/{document}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn practice(id: &str) -> PracticeId {
        PracticeId::try_from(id).unwrap()
    }

    #[test]
    fn practice_ids_are_short_lower_case_and_delimiter_free() {
        assert!(PracticeId::try_from("riverside").is_ok());
        assert!(PracticeId::try_from("p0001").is_ok());
        assert!(PracticeId::try_from("north-road-2").is_ok());
        for bad in [
            "",
            "a",
            "-x",
            "Riverside",
            "river_side",
            "river.side",
            "a/b",
            "é1",
        ] {
            assert_eq!(PracticeId::try_from(bad), Err(InvalidPracticeId), "{bad}");
        }
        assert!(PracticeId::try_from("x".repeat(33)).is_err());
    }

    #[test]
    fn an_api_key_names_its_practice_and_old_keys_go_to_the_upgraded_one() {
        let key = new_api_key(&practice("riverside"), [7; 32]);
        assert!(key.expose().starts_with("sp_riverside_"));
        assert_eq!(
            route_of_api_key(key.expose()),
            Route::Practice(practice("riverside"))
        );
        assert_eq!(route_of_api_key("dev-clinic-key-123"), Route::Legacy);
        assert_eq!(route_of_api_key("sp_Bad!_secret"), Route::Malformed);
        assert_eq!(route_of_api_key("sp_riverside_"), Route::Malformed);
        assert_eq!(route_of_api_key("sp_riverside"), Route::Malformed);
    }

    #[test]
    fn a_key_is_stored_and_shown_without_its_secret() {
        let key = new_api_key(&practice("riverside"), [7; 32]);
        let hash = api_key_hash(key.expose());
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, api_key_hash("sp_riverside_other"));
        let hint = api_key_hint(key.expose());
        assert!(hint.starts_with("sp_riverside_…"));
        assert_eq!(hint.chars().count(), "sp_riverside_…".chars().count() + 4);
    }

    #[test]
    fn storage_keys_put_each_practice_under_its_own_prefix() {
        assert_eq!(
            document_storage_key(&practice("north"), "p1", "d1"),
            "practices/north/patients/p1/documents/d1"
        );
    }

    proptest! {
        /// Whatever the random bytes, a key routes back to the practice it was made for.
        #[test]
        fn keys_round_trip_their_practice(bytes in proptest::array::uniform32(any::<u8>()),
                                          id in "[a-z0-9][a-z0-9-]{1,31}") {
            let practice = practice(&id);
            let key = new_api_key(&practice, bytes);
            prop_assert_eq!(route_of_api_key(key.expose()), Route::Practice(practice));
        }
    }
}
