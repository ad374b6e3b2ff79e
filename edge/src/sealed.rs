//! A practice's secrets at rest (its document origin's bearer token): sealed with AES-256-GCM
//! under the deployment's `SETTINGS_KEY`, with the practice id as associated data, so a sealed
//! value copied into another practice's storage does not open there, and a copy of a practice's
//! storage alone reveals nothing. Format: `v1.<base64url(nonce ‖ ciphertext ‖ tag)>`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sealpost_shared::secret::SecretString;
use sealpost_shared::tenancy::PracticeId;

use crate::http::AppError;

const VERSION: &str = "v1.";
const NONCE_BYTES: usize = 12;

/// Seals `secret` for `practice` with a fresh 96-bit random `nonce` (never reused: drawn from
/// the CSPRNG for each sealing).
pub fn seal(
    key: &[u8; 32],
    practice: &PracticeId,
    nonce: [u8; NONCE_BYTES],
    secret: &str,
) -> Result<String, AppError> {
    let cipher = Aes256Gcm::new(key.into());
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: secret.as_bytes(),
                aad: practice.as_str().as_bytes(),
            },
        )
        .map_err(|_| AppError::internal("sealing failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out)))
}

/// Opens what [`seal`] made for the same practice under the same key.
pub fn open(key: &[u8; 32], practice: &PracticeId, sealed: &str) -> Result<SecretString, AppError> {
    let unreadable =
        || AppError::internal("a sealed setting does not open (SETTINGS_KEY changed?)");
    let bytes = sealed
        .strip_prefix(VERSION)
        .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
        .ok_or_else(unreadable)?;
    if bytes.len() <= NONCE_BYTES {
        return Err(unreadable());
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let plain = Aes256Gcm::new(key.into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: practice.as_str().as_bytes(),
            },
        )
        .map_err(|_| unreadable())?;
    String::from_utf8(plain)
        .map(SecretString::new)
        .map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn practice(id: &str) -> PracticeId {
        PracticeId::try_from(id).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_practice_under_its_key() {
        let key = [7; 32];
        let sealed = seal(&key, &practice("north"), [1; 12], "origin-token").unwrap();
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("origin-token"));
        assert_eq!(
            open(&key, &practice("north"), &sealed).unwrap().expose(),
            "origin-token"
        );
        assert!(open(&key, &practice("south"), &sealed).is_err());
        assert!(open(&[8; 32], &practice("north"), &sealed).is_err());
        // One flipped character anywhere is refused (the tag covers all of it).
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(open(
            &key,
            &practice("north"),
            &String::from_utf8(tampered).unwrap()
        )
        .is_err());
        assert!(open(&key, &practice("north"), "v1.").is_err());
        assert!(open(&key, &practice("north"), "plain").is_err());
    }

    #[test]
    fn fresh_nonces_give_different_sealings_of_the_same_secret() {
        let key = [7; 32];
        let a = seal(&key, &practice("north"), [1; 12], "s").unwrap();
        let b = seal(&key, &practice("north"), [2; 12], "s").unwrap();
        assert_ne!(a, b);
    }
}
