//! The portal's and the console's files, served from the `ASSETS` binding (portal/dist).
//!
//! Cache rule (issue 13): `scripts/build-front.sh` names every file but `index.html` after its
//! content (`name.<16 hex>.ext`), so such a file never changes under its name: it is served
//! `public, max-age=31536000, immutable` and a second visit downloads nothing unchanged. Pages
//! (`index.html`, and the single-page fallback for any other path, hashed-looking or not) are
//! `no-cache`: revalidated every time, so a new deployment is picked up at once.

use worker::{Env, Request, Response};

use crate::http::AppError;

/// What a file that never changes under its name may be cached for.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages: always revalidated.
pub const PAGE: &str = "no-cache";

/// Which page or file a request is for.
pub enum Asset {
    /// A console page path: the console's shell, `/console/index.html`.
    ConsoleShell,
    /// Anything else: the file, or the portal's `index.html` for a page path.
    Request,
}

/// Whether the last segment of `path` is a content-hashed file name: `stem.<16 lowercase hex>.ext`
/// with `ext` one of the kinds the build hashes.
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    matches!(ext, "js" | "css" | "wasm")
        && hash.len() == 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !stem.is_empty()
}

/// The `Cache-Control` of an asset response: immutable only for a hashed name answered with
/// that file (a 200, or a 304 revalidating it, that is not the HTML fallback), else revalidated.
pub fn cache_control(path: &str, status: u16, content_type: &str) -> &'static str {
    let the_file = matches!(status, 200 | 304) && !content_type.starts_with("text/html");
    if the_file && is_content_hashed(path) {
        IMMUTABLE
    } else {
        PAGE
    }
}

pub async fn serve(env: &Env, which: Asset, req: Request) -> Result<Response, AppError> {
    let path = req.path();
    let assets = env.assets("ASSETS")?;
    let response = match which {
        Asset::ConsoleShell => {
            assets
                .fetch("https://assets.invalid/console/index.html", None)
                .await?
        }
        Asset::Request => assets.fetch_request(req).await?,
    };
    let headers = response.headers().clone();
    let content_type = headers.get("content-type")?.unwrap_or_default();
    headers.set(
        "cache-control",
        cache_control(&path, response.status_code(), &content_type),
    )?;
    Ok(response.with_headers(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        for path in [
            "/boot.2fabc6bebe8d7a82.js",
            "/portal.9644f45ffefa65a9.css",
            "/pkg/sealpost_portal_bg.9f94c950cf8640a6.wasm",
            "/console/pkg/sealpost_console.dc6fe3cc3657772a.js",
        ] {
            assert!(is_content_hashed(path), "{path}");
        }
        for path in [
            "/",
            "/open",
            "/documents",
            "/boot.js",
            "/portal.css",
            "/pkg/sealpost_portal_bg.wasm",
            "/x.2FABC6BEBE8D7A82.js",
            "/x.2fabc6bebe8d7a8.js",
            "/x.2fabc6bebe8d7a82.html",
            "/.2fabc6bebe8d7a82.js",
            "/2fabc6bebe8d7a82.js",
            "/x.2fabc6bebe8d7a8g.js",
        ] {
            assert!(!is_content_hashed(path), "{path}");
        }
    }

    #[test]
    fn only_a_hashed_file_itself_is_immutable() {
        let js = "/boot.2fabc6bebe8d7a82.js";
        assert_eq!(cache_control(js, 200, "text/javascript"), IMMUTABLE);
        // A hashed-looking path that does not exist gets the page (single-page fallback).
        assert_eq!(cache_control(js, 200, "text/html; charset=utf-8"), PAGE);
        assert_eq!(cache_control(js, 304, "text/javascript"), IMMUTABLE);
        assert_eq!(cache_control(js, 404, "text/plain"), PAGE);
        assert_eq!(cache_control("/open", 200, "text/html"), PAGE);
        assert_eq!(cache_control("/", 200, "text/html"), PAGE);
    }
}
