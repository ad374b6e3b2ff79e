//! The dev outbox: a page listing the emails Sealpost "sent", so a person running it locally
//! can click through. Exists only when `DEV_MODE=true`, the portal origin is loopback and the
//! request itself is addressed to a loopback host; production configuration cannot turn it on.

use sealpost_shared::error::ErrorCode;
use worker::{Request, Response};

use crate::http::{is_loopback_request, AppError};
use crate::store::Ctx;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Turns the portal link in a body into an anchor; everything else stays escaped text.
fn linkify(body: &str, origin: &str) -> String {
    body.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with(&format!("{origin}/open#")) {
                format!(
                    "<a href=\"{0}\">{0}</a>{1}",
                    escape(trimmed),
                    escape(word.get(trimmed.len()..).unwrap_or_default())
                )
            } else {
                escape(word)
            }
        })
        .collect()
}

/// `GET /dev/outbox`
pub fn outbox(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    if !ctx.cfg.dev_mode || !is_loopback_request(req) {
        return Err(AppError::code(ErrorCode::DevOnly));
    }
    let mut items = String::new();
    for job in ctx.db.outbox()? {
        let when = sealpost_shared::time::from_unix_seconds(job.created_at)
            .format("%Y-%m-%d %H:%M:%S UTC");
        items.push_str(&format!(
            "<li class=\"mail\"><p><strong>To:</strong> {}<br><strong>From:</strong> {} &lt;{}&gt;\
             <br><strong>Subject:</strong> {}<br><strong>Status:</strong> {} · {when}</p>\
             <pre>{}</pre></li>",
            escape(&job.to_email),
            escape(&job.from_name),
            escape(&job.from_email),
            escape(&job.subject),
            escape(job.status.as_str()),
            linkify(
                job.body
                    .as_deref()
                    .unwrap_or("(body dropped after delivery)"),
                &ctx.cfg.portal_origin
            ),
        ));
    }
    if items.is_empty() {
        items.push_str("<li>No emails yet. Share a document through the clinic API.</li>");
    }
    let html = format!(
        "<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Dev outbox · Sealpost</title><link rel=\"stylesheet\" href=\"/portal.css\"></head>\
         <body><main class=\"page\"><p class=\"dev-banner\">Local development only</p>\
         <h1>Dev outbox</h1><p>Emails Sealpost has sent, newest first.</p>\
         <ul class=\"outbox\">{items}</ul></main></body></html>"
    );
    Ok(Response::from_html(html)?)
}
