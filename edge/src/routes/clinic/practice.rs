//! The practice as its staff see it: settings, who is signed in, the practice's audit.

use sealpost_shared::history::AuditEvent;
use sealpost_shared::page::{page_of, List, Page, PageRequest};
use sealpost_shared::practice::{changed_settings, settings_problems};
use sealpost_shared::staff::StaffIdentity;
use sealpost_shared::wire::PracticeSettings;
use worker::{Request, Response};

use crate::http::{json_ok, read_json, AppError};
use crate::routes::paging;
use crate::settings;
use crate::staff::Caller;
use crate::store::Ctx;

use super::*;

/// `GET /api/v1/clinic/settings`
pub fn get_settings(ctx: &Ctx) -> Result<Response, AppError> {
    json_ok(&settings::load(&ctx.db, &ctx.cfg)?)
}

/// `PUT /api/v1/clinic/settings`
pub async fn put_settings(
    ctx: &Ctx,
    req: &mut Request,
    caller: &Caller,
) -> Result<Response, AppError> {
    let mut body: PracticeSettings = read_json(req).await?;
    refuse_fields(settings_problems(&body))?;
    body.practice_name = body.practice_name.trim().to_owned();
    let before = settings::load(&ctx.db, &ctx.cfg)?;
    settings::save(&ctx.db, &body)?;
    let changed = changed_settings(&before, &body);
    if !changed.is_empty() {
        // Practice-wide events are audited under the empty patient id; names, not values.
        ctx.db.audit(
            ctx.now_secs(),
            "",
            &caller.actor("clinic system")?,
            AuditEvent::SettingsChanged,
            &changed.join(", "),
        )?;
    }
    if before.reminder_after_days != body.reminder_after_days {
        // Reminders turned on or changed: the alarm wakes for the next one due.
        crate::store::reschedule(ctx).await?;
    }
    json_ok(&body)
}

/// `GET /api/v1/clinic/me`: who the console is signed in as.
pub fn me(ctx: &Ctx, caller: &Caller) -> Result<Response, AppError> {
    json_ok(&StaffIdentity {
        email: caller
            .email
            .clone()
            .unwrap_or_else(|| "clinic system".to_owned()),
        role: caller.role,
        dev_identity: caller.dev_identity,
        practice_name: settings::load(&ctx.db, &ctx.cfg)?.practice_name,
    })
}

/// `GET /api/v1/clinic/audit?limit=&cursor=`: the practice's own events (settings, staff and
/// key changes), oldest first, a page at a time.
pub fn practice_audit(ctx: &Ctx, req: &Request) -> Result<Response, AppError> {
    audit_page(ctx, req, List::Audit, "")
}

/// A page of the audit of one patient (or with `""` of the practice), oldest first.
pub(super) fn audit_page(
    ctx: &Ctx,
    req: &Request,
    list: List,
    patient: &str,
) -> Result<Response, AppError> {
    let page: PageRequest<i64> = paging::request(req, list)?;
    let rows = ctx
        .db
        .audit_page(patient, page.after.unwrap_or(0), page.fetch())?;
    let page = page_of(list, rows, page.limit, |(id, _)| *id);
    json_ok(&Page {
        items: page
            .items
            .into_iter()
            .map(|(_, entry)| entry)
            .collect::<Vec<_>>(),
        next: page.next,
    })
}
