//! Typed queries over the practice database, one module per resource, each an `impl Db`
//! block. Times are stored as Unix seconds.
//!
//! Every method is synchronous: inside a Durable Object, a run of SQL calls with no `await`
//! between them is atomic, which is what makes read-decide-write sequences safe here (see
//! [`super::sql`]).

mod attempts;
mod audit;
mod contacts;
mod documents;
mod idempotency;
mod links;
mod mail;
mod patients;
#[cfg(test)]
mod query_plans;
mod receipts;
mod recipients;
mod reminders;
mod sessions;
mod settings;
mod shares;
mod team;
mod webhooks;

// Every row type keeps its path `crate::store::db::*`, whether code outside `db` names it
// today or only receives it from a method.
#[allow(unused_imports)]
pub use self::{
    attempts::SmsCodeRow,
    contacts::ContactRow,
    documents::{DocumentRow, StaffDocumentRow},
    idempotency::IdempotencyRow,
    links::{LinkRow, PatientLinkRow},
    mail::{Attachment, MailJobRow, NewMail},
    patients::PatientRow,
    receipts::{MailOutcomeRow, Receipt, ReceiptRow},
    recipients::RecipientRow,
    reminders::{FirstMailRow, WaitingRow},
    sessions::SessionRow,
    shares::{SharePageRow, ShareRow},
    webhooks::{ClaimedDelivery, DeliveryRow},
};

use serde::{de::DeserializeOwned, Deserialize};

use super::sql::{Sql, SqlValue};
use crate::http::AppError;

pub struct Db {
    sql: Box<dyn Sql>,
    /// A webhook event was queued since the last [`Db::take_webhook_queued`]: the request's
    /// end wakes the alarm that delivers it.
    webhook_queued: std::cell::Cell<bool>,
}

#[derive(Deserialize)]
struct At {
    sent_at: i64,
}

fn s(v: &str) -> SqlValue {
    SqlValue::Text(v.to_owned())
}

fn i(v: i64) -> SqlValue {
    SqlValue::Integer(v)
}

fn opt(v: Option<&str>) -> SqlValue {
    v.map_or(SqlValue::Null, s)
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl Db {
    pub fn new(sql: impl Sql + 'static) -> Self {
        Self {
            sql: Box::new(sql),
            webhook_queued: std::cell::Cell::new(false),
        }
    }

    pub(crate) fn mark_webhook_queued(&self) {
        self.webhook_queued.set(true);
    }

    /// Whether a webhook event was queued since the last call (and forgets it).
    pub(crate) fn take_webhook_queued(&self) -> bool {
        self.webhook_queued.replace(false)
    }

    fn rows<T: DeserializeOwned>(&self, q: &str, args: &[SqlValue]) -> Result<Vec<T>, AppError> {
        super::sql::rows(self.sql.as_ref(), q, args)
    }

    fn first<T: DeserializeOwned>(
        &self,
        q: &str,
        args: &[SqlValue],
    ) -> Result<Option<T>, AppError> {
        Ok(self.rows(q, args)?.into_iter().next())
    }

    fn run(&self, q: &str, args: &[SqlValue]) -> Result<(), AppError> {
        self.sql.execute(q, args)
    }
}
