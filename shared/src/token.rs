//! Signed tokens (RFC 8725 best practice), with one algorithm pinned: EdDSA over Ed25519.
//!
//! Every token kind has its own `typ` header and `aud` claim, so a token minted for one purpose
//! can never be replayed for another. `kid` only selects among our own configured keys: a new
//! key signs while older keys still verify (rotation). Claims hold opaque ids only, never
//! personal data. Input longer than [`MAX_TOKEN_LEN`] is refused before it is parsed.
//!
//! [`verify_signed`] checks everything but expiry, because an expired yet genuine link is
//! still meaningful (it earns a fresh link by email, see `link_policy`). [`verify_link`] adds
//! expiry.

use chrono::Duration;
use ed25519_compact::{KeyPair, PublicKey, SecretKey, Seed};
use jwt_compact::{alg::Ed25519, AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

use crate::ids::{LinkId, RecipientId};
use crate::tenancy::PracticeId;
use crate::time::Now;

/// Tokens longer than this are refused unparsed. Ours are about 400 bytes.
pub const MAX_TOKEN_LEN: usize = 2048;

/// Clock skew tolerated on `exp` and `nbf`. Small, because all our clocks are Cloudflare's.
pub const LEEWAY: Duration = Duration::seconds(30);

/// An emailed link lives this long; afterwards a genuine link only earns a fresh one.
pub const LINK_LIFETIME: Duration = Duration::hours(24);

/// The token kinds Sealpost issues. Each has a distinct `typ` and `aud`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The link in an email: identifies one recipient and one link.
    Link,
}

impl TokenKind {
    /// The `typ` header value (RFC 8725 §3.11 explicit typing).
    pub fn typ(self) -> &'static str {
        match self {
            Self::Link => "sealpost-link+jwt",
        }
    }

    /// The `aud` claim value.
    pub fn audience(self) -> &'static str {
        match self {
            Self::Link => "sealpost:portal:link",
        }
    }

    pub fn lifetime(self) -> Duration {
        match self {
            Self::Link => LINK_LIFETIME,
        }
    }
}

/// What a link grants: which recipient it was sent to and which link it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaims {
    pub recipient: RecipientId,
    pub link: LinkId,
    /// When the access this link belongs to began: the share that first sent a link to this
    /// recipient. Renewals carry it over unchanged, so a practice's access duration runs from
    /// the share, not from the latest renewal. `None` when issuing means "from now".
    pub access_from: Option<Now>,
    /// The practice that issued the link: the Worker routes the link to that practice's state
    /// by this signed claim, without a lookup. `None` only in links from before practices
    /// existed, which belong to the upgraded first practice (`tenancy::Route::Legacy`).
    pub practice: Option<PracticeId>,
}

/// The claims on the wire. Only opaque ids; `sub` is the recipient, `jti` the link.
#[derive(Debug, Serialize, Deserialize)]
struct WireClaims {
    iss: String,
    aud: String,
    sub: RecipientId,
    jti: LinkId,
    /// Unix seconds when access began (see [`LinkClaims::access_from`]). Absent in links issued
    /// before it existed: those count from their own issue time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    acc: Option<i64>,
    /// The issuing practice (see [`LinkClaims::practice`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prc: Option<PracticeId>,
}

/// Why a token was refused. Each variant is one distinct failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Longer than [`MAX_TOKEN_LEN`]; not parsed at all.
    TooLong,
    /// Not three base64url parts with JSON header and claims of the expected shape.
    Malformed,
    /// `alg` is anything but EdDSA (e.g. `none` or HS256).
    WrongAlgorithm,
    /// `typ` is missing or belongs to another token kind.
    WrongType,
    /// `kid` is missing or names no key of ours.
    UnknownKey,
    /// The signature does not verify: the token was forged or altered.
    Forged,
    /// `aud` is not this token kind's audience.
    WrongAudience,
    /// `iss` is not this deployment.
    WrongIssuer,
    /// `exp` is missing (we always set it) or passed (beyond the leeway).
    Expired,
    /// `nbf` lies in the future (beyond the leeway).
    NotYetValid,
    /// The token could not be created (a serialisation failure; never expected).
    CannotIssue,
}

/// A configured Ed25519 key with its id.
pub struct NamedKey {
    pub kid: String,
    secret: SecretKey,
}

impl NamedKey {
    /// Builds a key from its 32-byte seed. The seed is the secret that deployments configure.
    pub fn from_seed(kid: impl Into<String>, seed: &[u8]) -> Option<Self> {
        let seed = Seed::from_slice(seed).ok()?;
        let pair = KeyPair::from_seed(seed);
        Some(Self {
            kid: kid.into(),
            secret: pair.sk,
        })
    }

    pub fn public_key(&self) -> PublicKey {
        self.secret.public_key()
    }
}

impl std::fmt::Debug for NamedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NamedKey {{ kid: {:?}, secret: <redacted> }}", self.kid)
    }
}

/// The keys of one deployment: one signs, all verify (the signing key's public half included).
#[derive(Debug)]
pub struct KeyRing {
    issuer: String,
    signing: NamedKey,
    retired: Vec<(String, PublicKey)>,
}

impl KeyRing {
    pub fn new(issuer: impl Into<String>, signing: NamedKey) -> Self {
        Self {
            issuer: issuer.into(),
            signing,
            retired: Vec::new(),
        }
    }

    /// Adds a retired key that still verifies tokens it signed, but signs nothing new.
    pub fn with_retired(mut self, kid: impl Into<String>, public_key: &[u8]) -> Option<Self> {
        let key = PublicKey::from_slice(public_key).ok()?;
        self.retired.push((kid.into(), key));
        Some(self)
    }

    fn verifying_key(&self, kid: &str) -> Option<PublicKey> {
        if kid == self.signing.kid {
            return Some(self.signing.public_key());
        }
        self.retired
            .iter()
            .find(|(id, _)| id == kid)
            .map(|(_, key)| *key)
    }
}

/// A token whose signature, type, audience, issuer and `nbf` checked out. Expiry is not yet judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLink {
    pub claims: LinkClaims,
    pub expires_at: Now,
}

impl SignedLink {
    /// Expired when `now` is past `exp` by more than [`LEEWAY`].
    pub fn is_expired(&self, now: Now) -> bool {
        now > self.expires_at + LEEWAY
    }
}

/// Issues a link token valid from `now` for [`LINK_LIFETIME`].
pub fn issue_link(ring: &KeyRing, claims: &LinkClaims, now: Now) -> Result<String, TokenError> {
    let kind = TokenKind::Link;
    let header = Header::empty()
        .with_key_id(ring.signing.kid.clone())
        .with_token_type(kind.typ());
    let mut jwt_claims = Claims::new(WireClaims {
        iss: ring.issuer.clone(),
        aud: kind.audience().to_owned(),
        sub: claims.recipient.clone(),
        jti: claims.link.clone(),
        acc: Some(claims.access_from.unwrap_or(now).timestamp()),
        prc: claims.practice.clone(),
    });
    jwt_claims.issued_at = Some(now);
    jwt_claims.not_before = Some(now);
    jwt_claims.expiration = Some(now + kind.lifetime());
    Ed25519
        .token(&header, &jwt_claims, &ring.signing.secret)
        .map_err(|_| TokenError::CannotIssue)
}

/// A link token checked up to its signature: well formed, EdDSA, our `typ`, a `kid` naming one
/// of our keys. The signature itself is checked by whoever holds the fastest Ed25519 (the
/// Worker asks the runtime's WebCrypto; [`verify_signed`] uses `ed25519-compact`), then
/// [`accept_link`] judges the claims.
pub struct UnsignedLink {
    token: UntrustedToken<'static>,
    /// What the signature covers: `header.claims` as sent.
    pub message: String,
    pub signature: Vec<u8>,
    /// The key that must have signed it (32 bytes).
    pub public_key: [u8; 32],
}

/// Checks a link token up to its signature (see [`UnsignedLink`]).
pub fn parse_link(ring: &KeyRing, token: &str) -> Result<UnsignedLink, TokenError> {
    let kind = TokenKind::Link;
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong);
    }
    let untrusted = UntrustedToken::new(token).map_err(|_| TokenError::Malformed)?;
    if untrusted.algorithm() != "EdDSA" {
        return Err(TokenError::WrongAlgorithm);
    }
    if untrusted.header().token_type.as_deref() != Some(kind.typ()) {
        return Err(TokenError::WrongType);
    }
    let kid = untrusted
        .header()
        .key_id
        .as_deref()
        .ok_or(TokenError::UnknownKey)?;
    let key = ring.verifying_key(kid).ok_or(TokenError::UnknownKey)?;
    let signature = untrusted.signature_bytes().to_vec();
    if signature.len() != ed25519_compact::Signature::BYTES {
        return Err(TokenError::Forged);
    }
    let message = token
        .rsplit_once('.')
        .map(|(message, _)| message.to_owned())
        .ok_or(TokenError::Malformed)?;
    Ok(UnsignedLink {
        token: untrusted.into_owned(),
        message,
        signature,
        public_key: *key,
    })
}

/// Judges a link whose signature was checked (`signature_valid`): audience, issuer, `nbf`,
/// and the claims' shape. Everything but expiry, as [`verify_signed`].
pub fn accept_link(
    ring: &KeyRing,
    unsigned: UnsignedLink,
    signature_valid: bool,
    now: Now,
) -> Result<SignedLink, TokenError> {
    let kind = TokenKind::Link;
    if !signature_valid {
        return Err(TokenError::Forged);
    }
    let claims = unsigned
        .token
        .deserialize_claims_unchecked::<WireClaims>()
        .map_err(|_| TokenError::Malformed)?;
    if claims.custom.aud != kind.audience() {
        return Err(TokenError::WrongAudience);
    }
    if claims.custom.iss != ring.issuer {
        return Err(TokenError::WrongIssuer);
    }
    let options = TimeOptions::new(LEEWAY, move || now);
    claims
        .validate_maturity(&options)
        .map_err(|_| TokenError::NotYetValid)?;
    let expires_at = claims.expiration.ok_or(TokenError::Expired)?;
    let access_from = match claims.custom.acc {
        Some(secs) => crate::time::from_unix_seconds(secs),
        None => expires_at - kind.lifetime(),
    };
    Ok(SignedLink {
        claims: LinkClaims {
            recipient: claims.custom.sub,
            link: claims.custom.jti,
            access_from: Some(access_from),
            practice: claims.custom.prc,
        },
        expires_at,
    })
}

/// Verifies everything about a link token except whether it has expired.
pub fn verify_signed(ring: &KeyRing, token: &str, now: Now) -> Result<SignedLink, TokenError> {
    let unsigned = parse_link(ring, token)?;
    let valid = match (
        PublicKey::from_slice(&unsigned.public_key),
        ed25519_compact::Signature::from_slice(&unsigned.signature),
    ) {
        (Ok(key), Ok(signature)) => key.verify(unsigned.message.as_bytes(), &signature).is_ok(),
        _ => false,
    };
    accept_link(ring, unsigned, valid, now)
}

/// Verifies a link token completely, expiry included.
pub fn verify_link(ring: &KeyRing, token: &str, now: Now) -> Result<LinkClaims, TokenError> {
    let signed = verify_signed(ring, token, now)?;
    if signed.is_expired(now) {
        return Err(TokenError::Expired);
    }
    Ok(signed.claims)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use chrono::{TimeZone, Utc};

    fn now() -> Now {
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
    }

    fn ring(kid: &str, seed: u8) -> KeyRing {
        KeyRing::new(
            "https://sealpost.test",
            NamedKey::from_seed(kid, &[seed; 32]).unwrap(),
        )
    }

    fn claims() -> LinkClaims {
        LinkClaims {
            recipient: RecipientId::try_from("r1".to_string()).unwrap(),
            link: LinkId::try_from("l1".to_string()).unwrap(),
            access_from: Some(now()),
            practice: Some(PracticeId::try_from("riverside").unwrap()),
        }
    }

    /// RFC 8037 Appendix A.1–A.4: the Ed25519 key, and the JWS it signs, byte for byte.
    #[test]
    fn rfc8037_appendix_a_vector_signs_and_verifies() {
        let d = URL_SAFE_NO_PAD
            .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
            .unwrap();
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let key = NamedKey::from_seed("rfc", &d).unwrap();
        assert_eq!(key.public_key().as_ref(), x.as_slice());
        let signing_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let expected = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
        let signature = key.secret.sign(signing_input, None);
        assert_eq!(URL_SAFE_NO_PAD.encode(signature.as_ref()), expected);
        let sig =
            ed25519_compact::Signature::from_slice(&URL_SAFE_NO_PAD.decode(expected).unwrap())
                .unwrap();
        assert!(key.public_key().verify(signing_input, &sig).is_ok());
    }

    #[test]
    fn issued_link_round_trips() {
        let ring = ring("k1", 7);
        let token = issue_link(&ring, &claims(), now()).unwrap();
        assert_eq!(verify_link(&ring, &token, now()), Ok(claims()));
    }

    #[test]
    fn link_expires_after_24_hours_plus_leeway() {
        let ring = ring("k1", 7);
        let token = issue_link(&ring, &claims(), now()).unwrap();
        let later = now() + LINK_LIFETIME + LEEWAY;
        assert!(verify_link(&ring, &token, later).is_ok());
        let too_late = later + Duration::seconds(1);
        assert_eq!(
            verify_link(&ring, &token, too_late),
            Err(TokenError::Expired)
        );
        let signed = verify_signed(&ring, &token, too_late).unwrap();
        assert!(signed.is_expired(too_late));
        assert_eq!(signed.claims, claims());
    }

    #[test]
    fn link_is_not_valid_before_it_was_issued() {
        let ring = ring("k1", 7);
        let token = issue_link(&ring, &claims(), now()).unwrap();
        let early = now() - LEEWAY - Duration::seconds(1);
        assert_eq!(
            verify_link(&ring, &token, early),
            Err(TokenError::NotYetValid)
        );
    }

    #[test]
    fn rotated_key_still_verifies_old_links_and_signs_new_ones() {
        let old = ring("k1", 7);
        let old_token = issue_link(&old, &claims(), now()).unwrap();
        let old_public = old.signing.public_key();
        let new = ring("k2", 9)
            .with_retired("k1", old_public.as_ref())
            .unwrap();
        assert_eq!(verify_link(&new, &old_token, now()), Ok(claims()));
        let new_token = issue_link(&new, &claims(), now()).unwrap();
        assert_eq!(
            verify_link(&old, &new_token, now()),
            Err(TokenError::UnknownKey)
        );
    }

    #[test]
    fn key_of_another_deployment_is_forged() {
        let ours = ring("k1", 7);
        let theirs = ring("k1", 8);
        let token = issue_link(&theirs, &claims(), now()).unwrap();
        assert_eq!(verify_link(&ours, &token, now()), Err(TokenError::Forged));
    }

    #[test]
    fn other_issuer_is_refused() {
        let ours = ring("k1", 7);
        let theirs = KeyRing::new(
            "https://evil.test",
            NamedKey::from_seed("k1", &[7; 32]).unwrap(),
        );
        let token = issue_link(&theirs, &claims(), now()).unwrap();
        assert_eq!(
            verify_link(&ours, &token, now()),
            Err(TokenError::WrongIssuer)
        );
    }

    #[test]
    fn too_long_and_garbage_are_refused_before_parsing() {
        let ring = ring("k1", 7);
        assert_eq!(
            verify_link(&ring, &"a".repeat(MAX_TOKEN_LEN + 1), now()),
            Err(TokenError::TooLong)
        );
        assert_eq!(
            verify_link(&ring, "not-a-token", now()),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            verify_link(&ring, "a.b.c", now()),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let ring = ring("k1", 7);
        let header =
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"sealpost-link+jwt","kid":"k1"}"#);
        let body = URL_SAFE_NO_PAD.encode(r#"{"iss":"https://sealpost.test","aud":"sealpost:portal:link","sub":"r1","jti":"l1","exp":9999999999}"#);
        let token = format!("{header}.{body}.");
        let result = verify_link(&ring, &token, now());
        assert!(matches!(
            result,
            Err(TokenError::WrongAlgorithm) | Err(TokenError::Malformed)
        ));
    }

    #[test]
    fn swapped_signature_is_forged() {
        let ring = ring("k1", 7);
        let a = issue_link(&ring, &claims(), now()).unwrap();
        let other = LinkClaims {
            recipient: RecipientId::try_from("r2".to_string()).unwrap(),
            link: LinkId::try_from("l2".to_string()).unwrap(),
            access_from: None,
            practice: None,
        };
        let b = issue_link(&ring, &other, now()).unwrap();
        let a_parts: Vec<&str> = a.split('.').collect();
        let b_parts: Vec<&str> = b.split('.').collect();
        let spliced = format!("{}.{}.{}", a_parts[0], b_parts[1], a_parts[2]);
        assert_eq!(verify_link(&ring, &spliced, now()), Err(TokenError::Forged));
    }

    #[test]
    fn claims_hold_no_personal_data() {
        let ring = ring("k1", 7);
        let token = issue_link(&ring, &claims(), now()).unwrap();
        let body = token.split('.').nth(1).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        let mut keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["acc", "aud", "exp", "iat", "iss", "jti", "nbf", "prc", "sub"]
        );
    }

    #[test]
    fn the_split_check_agrees_with_the_whole_one_and_a_failed_signature_is_forged() {
        let ring = ring("k1", 7);
        let token = issue_link(&ring, &claims(), now()).unwrap();
        let unsigned = parse_link(&ring, &token).unwrap();
        assert_eq!(
            unsigned.message,
            token.rsplit_once('.').unwrap().0,
            "the signature covers header.claims as sent"
        );
        let key = PublicKey::from_slice(&unsigned.public_key).unwrap();
        let ok = key
            .verify(
                unsigned.message.as_bytes(),
                &ed25519_compact::Signature::from_slice(&unsigned.signature).unwrap(),
            )
            .is_ok();
        assert!(ok);
        assert_eq!(
            accept_link(&ring, unsigned, ok, now()),
            verify_signed(&ring, &token, now())
        );
        let unsigned = parse_link(&ring, &token).unwrap();
        assert_eq!(
            accept_link(&ring, unsigned, false, now()),
            Err(TokenError::Forged)
        );
        // A token of another deployment's key never gets as far as a signature check.
        let other = issue_link(&self::ring("k9", 8), &claims(), now()).unwrap();
        assert_eq!(
            parse_link(&ring, &other).err(),
            Some(TokenError::UnknownKey)
        );
    }

    #[test]
    fn the_practice_is_signed_and_links_without_it_verify_as_before() {
        let ring = ring("k1", 7);
        let token = issue_link(&ring, &claims(), now()).unwrap();
        let signed = verify_signed(&ring, &token, now()).unwrap();
        assert_eq!(signed.claims.practice, claims().practice);
        let legacy = LinkClaims {
            practice: None,
            ..claims()
        };
        let token = issue_link(&ring, &legacy, now()).unwrap();
        let signed = verify_signed(&ring, &token, now()).unwrap();
        assert_eq!(signed.claims.practice, None);
    }

    #[test]
    fn access_start_is_signed_and_carried_over_by_renewals() {
        let ring = ring("k1", 7);
        let first = issue_link(
            &ring,
            &LinkClaims {
                access_from: None,
                ..claims()
            },
            now(),
        )
        .unwrap();
        let signed = verify_signed(&ring, &first, now()).unwrap();
        assert_eq!(signed.claims.access_from, Some(now()));
        // A renewal a week later keeps the original start.
        let later = now() + Duration::days(7);
        let renewed = issue_link(&ring, &signed.claims, later).unwrap();
        let again = verify_signed(&ring, &renewed, later).unwrap();
        assert_eq!(again.claims.access_from, Some(now()));
    }

    #[test]
    fn links_from_before_the_access_claim_count_from_their_issue_time() {
        let ring = ring("k1", 7);
        let header =
            URL_SAFE_NO_PAD.encode(r#"{"alg":"EdDSA","typ":"sealpost-link+jwt","kid":"k1"}"#);
        let iat = now().timestamp();
        let body = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"iss":"https://sealpost.test","aud":"sealpost:portal:link","sub":"r1","jti":"l1","iat":{iat},"nbf":{iat},"exp":{}}}"#,
            iat + LINK_LIFETIME.num_seconds()
        ));
        let input = format!("{header}.{body}");
        let key = &ring.signing.secret;
        let signature = key.sign(input.as_bytes(), None);
        let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
        let signed = verify_signed(&ring, &token, now()).unwrap();
        assert_eq!(signed.claims.access_from, Some(now()));
    }
}
