//! `?limit=` and `?cursor=` of the clinic API's lists (`sealpost_shared::page`).

use sealpost_shared::page::{self, List, PageRequest};
use serde::de::DeserializeOwned;
use worker::Request;

use crate::http::AppError;

/// The page `req` asks for of `list`: 400 `invalid_limit` or `invalid_cursor` when its query
/// is not one this list gives out.
pub fn request<K: DeserializeOwned>(req: &Request, list: List) -> Result<PageRequest<K>, AppError> {
    let url = req.url()?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    page::page_request(list, param("limit").as_deref(), param("cursor").as_deref())
        .map_err(AppError::code)
}
