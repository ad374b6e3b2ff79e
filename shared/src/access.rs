//! Cloudflare Access: verifying the `Cf-Access-Jwt-Assertion` token that Access puts on every
//! request to the console and clinic API in production.
//!
//! RS256 is pinned; `kid` selects a key from the team's JWKS; `aud` must contain the
//! application's audience tag and `iss` must be the team domain; `exp`/`nbf` are checked with
//! the same leeway as our own tokens; input is bounded before parsing. Only the `email` claim
//! is used, to look up the staff member's role.

use jwt_compact::{
    alg::{Rsa, RsaPublicKey},
    jwk::JsonWebKey,
    AlgorithmExt, TimeOptions, UntrustedToken,
};
use serde::Deserialize;

use crate::time::Now;
use crate::token::LEEWAY;

/// Access tokens are about 1 KB; anything much larger is refused unparsed.
pub const MAX_ACCESS_TOKEN_LEN: usize = 8192;

/// The keys of the team's JWKS (`https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`).
pub struct AccessKeys {
    keys: Vec<(String, RsaPublicKey)>,
}

impl AccessKeys {
    /// Reads a JWKS document; keys that are not RSA signing keys are skipped.
    pub fn from_jwks(json: &str) -> Option<Self> {
        #[derive(Deserialize)]
        struct Jwks {
            keys: Vec<serde_json::Value>,
        }
        let jwks: Jwks = serde_json::from_str(json).ok()?;
        let keys = jwks
            .keys
            .into_iter()
            .filter_map(|value| {
                let kid = value.get("kid")?.as_str()?.to_owned();
                let n = value.get("n")?.as_str()?;
                let e = value.get("e")?.as_str()?;
                let jwk: JsonWebKey<'_> = serde_json::from_value(serde_json::json!({
                    "kty": "RSA", "n": n, "e": e
                }))
                .ok()?;
                let key = RsaPublicKey::try_from(&jwk).ok()?;
                Some((kid, key))
            })
            .collect::<Vec<_>>();
        (!keys.is_empty()).then_some(Self { keys })
    }
}

/// The application's expectations.
pub struct AccessPolicy<'a> {
    /// The team domain as it appears in `iss`, e.g. `https://clinic.cloudflareaccess.com`.
    pub issuer: &'a str,
    /// The application's audience tag.
    pub audience: &'a str,
}

#[derive(Deserialize)]
struct AccessClaims {
    #[serde(default)]
    aud: Audience,
    #[serde(default)]
    iss: String,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

/// Why an Access token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessError {
    TooLong,
    Malformed,
    WrongAlgorithm,
    UnknownKey,
    Forged,
    WrongAudience,
    WrongIssuer,
    Expired,
    NotYetValid,
    NoEmail,
}

/// Verifies an Access token and returns the staff member's email.
pub fn verify_access(
    token: &str,
    keys: &AccessKeys,
    policy: &AccessPolicy<'_>,
    now: Now,
) -> Result<String, AccessError> {
    if token.len() > MAX_ACCESS_TOKEN_LEN {
        return Err(AccessError::TooLong);
    }
    let untrusted = UntrustedToken::new(token).map_err(|_| AccessError::Malformed)?;
    if untrusted.algorithm() != "RS256" {
        return Err(AccessError::WrongAlgorithm);
    }
    let kid = untrusted
        .header()
        .key_id
        .as_deref()
        .ok_or(AccessError::UnknownKey)?;
    let key = keys
        .keys
        .iter()
        .find(|(id, _)| id == kid)
        .map(|(_, k)| k)
        .ok_or(AccessError::UnknownKey)?;
    let token = Rsa::rs256()
        .validator::<AccessClaims>(key)
        .validate(&untrusted)
        .map_err(|e| match e {
            jwt_compact::ValidationError::InvalidSignature
            | jwt_compact::ValidationError::InvalidSignatureLen { .. }
            | jwt_compact::ValidationError::MalformedSignature(_) => AccessError::Forged,
            jwt_compact::ValidationError::AlgorithmMismatch { .. } => AccessError::WrongAlgorithm,
            _ => AccessError::Malformed,
        })?;
    let claims = token.claims();
    let options = TimeOptions::new(LEEWAY, move || now);
    if claims.expiration.is_none() {
        return Err(AccessError::Expired);
    }
    claims
        .validate_expiration(&options)
        .map_err(|_| AccessError::Expired)?;
    claims
        .validate_maturity(&options)
        .map_err(|_| AccessError::NotYetValid)?;
    let audience_ok = match &claims.custom.aud {
        Audience::One(a) => a == policy.audience,
        Audience::Many(list) => list.iter().any(|a| a == policy.audience),
        Audience::None => false,
    };
    if !audience_ok {
        return Err(AccessError::WrongAudience);
    }
    if claims.custom.iss.trim_end_matches('/') != policy.issuer.trim_end_matches('/') {
        return Err(AccessError::WrongIssuer);
    }
    claims
        .custom
        .email
        .clone()
        .filter(|e| !e.is_empty())
        .ok_or(AccessError::NoEmail)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::time::from_unix_seconds;

    const JWKS: &str = include_str!("testdata/access_jwks.json");
    const VECTORS: &str = include_str!("testdata/access_vectors.json");
    const POLICY: AccessPolicy<'static> = AccessPolicy {
        issuer: "https://sealpost-test.cloudflareaccess.com",
        audience: "aud-tag-123",
    };

    fn vectors() -> serde_json::Value {
        serde_json::from_str(VECTORS).unwrap()
    }

    /// Tokens signed by Python's `cryptography` (RSA-2048, PKCS#1 v1.5, SHA-256).
    #[test]
    fn access_tokens_from_an_independent_signer() {
        let keys = AccessKeys::from_jwks(JWKS).unwrap();
        let v = vectors();
        let now = from_unix_seconds(v["now"].as_i64().unwrap());
        let check = |name: &str| verify_access(v[name].as_str().unwrap(), &keys, &POLICY, now);
        assert_eq!(check("valid"), Ok("alice@clinic.example".to_owned()));
        assert_eq!(check("wrong_aud"), Err(AccessError::WrongAudience));
        assert_eq!(check("wrong_iss"), Err(AccessError::WrongIssuer));
        // "expired" ran out 30 s before `now`: inside the leeway it still passes, then not.
        assert!(check("expired").is_ok());
        let after = from_unix_seconds(v["now"].as_i64().unwrap() + 1);
        assert_eq!(
            verify_access(v["expired"].as_str().unwrap(), &keys, &POLICY, after),
            Err(AccessError::Expired)
        );
        assert_eq!(check("unknown_kid"), Err(AccessError::UnknownKey));
        let late = from_unix_seconds(v["now"].as_i64().unwrap() + 7200);
        assert_eq!(
            verify_access(v["valid"].as_str().unwrap(), &keys, &POLICY, late),
            Err(AccessError::Expired)
        );
    }

    #[test]
    fn tampering_and_other_algorithms_are_refused() {
        let keys = AccessKeys::from_jwks(JWKS).unwrap();
        let v = vectors();
        let now = from_unix_seconds(v["now"].as_i64().unwrap());
        let valid = v["valid"].as_str().unwrap();
        let parts: Vec<&str> = valid.split('.').collect();
        let other: Vec<&str> = v["wrong_aud"].as_str().unwrap().split('.').collect();
        let spliced = format!("{}.{}.{}", parts[0], other[1], parts[2]);
        assert_eq!(
            verify_access(&spliced, &keys, &POLICY, now),
            Err(AccessError::Forged)
        );
        let none = format!(
            "{}.{}.",
            "eyJhbGciOiJub25lIiwia2lkIjoidGVzdC1raWQtMSJ9", parts[1]
        );
        assert!(matches!(
            verify_access(&none, &keys, &POLICY, now),
            Err(AccessError::WrongAlgorithm | AccessError::Malformed)
        ));
        assert_eq!(
            verify_access(&"a".repeat(MAX_ACCESS_TOKEN_LEN + 1), &keys, &POLICY, now),
            Err(AccessError::TooLong)
        );
        assert_eq!(
            verify_access("x.y.z", &keys, &POLICY, now),
            Err(AccessError::Malformed)
        );
    }
}
