//! Randomness from the platform CSPRNG (`crypto.getRandomValues` in workerd).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use crate::http::AppError;

/// Fills `N` bytes from the CSPRNG.
pub fn bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| AppError::internal(format!("getrandom: {e}")))?;
    Ok(buf)
}

/// A fresh opaque id: 128 random bits, base64url (22 characters).
pub fn id() -> Result<String, AppError> {
    Ok(URL_SAFE_NO_PAD.encode(bytes::<16>()?))
}
