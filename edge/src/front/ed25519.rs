//! Ed25519 signature checks through the runtime's WebCrypto (`crypto.subtle`, native code in
//! workerd) instead of WebAssembly: measured here, the link check was the largest part of a
//! link open's CPU. Public keys are imported once per isolate and kept.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::http::AppError;

thread_local! {
    /// Imported `CryptoKey`s by raw public key: our few signing keys, imported once.
    static KEYS: RefCell<HashMap<[u8; 32], JsValue>> = RefCell::new(HashMap::new());
}

fn js_error(what: &str) -> impl Fn(JsValue) -> AppError + '_ {
    move |err| AppError::internal(format!("WebCrypto {what}: {err:?}"))
}

fn subtle() -> Result<JsValue, AppError> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(js_error("crypto"))?;
    Reflect::get(&crypto, &"subtle".into()).map_err(js_error("subtle"))
}

fn algorithm() -> Result<JsValue, AppError> {
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"Ed25519".into()).map_err(js_error("algorithm"))?;
    Ok(algorithm.into())
}

async fn call(subtle: &JsValue, method: &str, args: &Array) -> Result<JsValue, AppError> {
    let function: js_sys::Function = Reflect::get(subtle, &method.into())
        .map_err(js_error(method))?
        .dyn_into()
        .map_err(js_error(method))?;
    let promise: js_sys::Promise = Reflect::apply(&function, subtle, args)
        .map_err(js_error(method))?
        .dyn_into()
        .map_err(js_error(method))?;
    JsFuture::from(promise).await.map_err(js_error(method))
}

async fn key(subtle: &JsValue, public_key: &[u8; 32]) -> Result<JsValue, AppError> {
    if let Some(key) = KEYS.with(|k| k.borrow().get(public_key).cloned()) {
        return Ok(key);
    }
    let usages = Array::of1(&"verify".into());
    let args = Array::of5(
        &"raw".into(),
        &Uint8Array::from(public_key.as_slice()),
        &algorithm()?,
        &JsValue::FALSE,
        &usages,
    );
    let key = call(subtle, "importKey", &args).await?;
    KEYS.with(|k| k.borrow_mut().insert(*public_key, key.clone()));
    Ok(key)
}

/// Whether `signature` is `public_key`'s Ed25519 signature of `message`.
pub async fn verify(
    public_key: &[u8; 32],
    message: &[u8],
    signature: &[u8],
) -> Result<bool, AppError> {
    let subtle = subtle()?;
    let key = key(&subtle, public_key).await?;
    let args = Array::of4(
        &algorithm()?,
        &key,
        &Uint8Array::from(signature),
        &Uint8Array::from(message),
    );
    Ok(call(&subtle, "verify", &args).await?.as_bool() == Some(true))
}
