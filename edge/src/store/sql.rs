//! The practice database behind one small trait, so the queries in [`super::db`] run against
//! the Durable Object's SQLite storage in the Worker ([`super::durable_sql`]) and against an
//! in-memory SQLite natively in tests (`super::sqlite`). Both are SQLite, so the SQL is the
//! same text in both places.
//!
//! The trait is synchronous on purpose. Inside a Durable Object, a run of SQL calls with no
//! `await` between them is atomic: no other request's code runs in between, and the writes
//! commit together. [`super::db::Db`]'s read-decide-write sequences rely on that, so an
//! implementation must never make a call yield (no async, no callbacks into the event loop).

use serde_json::{Map, Value};

use crate::http::AppError;

/// One result row: column name to value (SQLite's NULL is `Value::Null`, INTEGER a JSON
/// integer, TEXT a JSON string). Rows are deserialised into the typed row structs with serde.
pub type Row = Map<String, Value>;

/// A value bound to a `?` placeholder. The schema stores only integers and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        Self::Integer(v)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

/// SQL over the practice's SQLite database. Statements use positional `?` placeholders, bound
/// from `args` in order.
pub trait Sql {
    /// Runs one statement and returns its rows.
    fn query(&self, q: &str, args: &[SqlValue]) -> Result<Vec<Row>, AppError>;

    /// Runs one statement that returns no rows (INSERT, UPDATE, DELETE).
    fn execute(&self, q: &str, args: &[SqlValue]) -> Result<(), AppError>;

    /// Runs a script of several `;`-separated statements without arguments (migrations).
    fn execute_batch(&self, script: &str) -> Result<(), AppError>;
}

/// Runs one statement and deserialises its rows into `T` (by column name).
pub fn rows<T: serde::de::DeserializeOwned>(
    sql: &dyn Sql,
    q: &str,
    args: &[SqlValue],
) -> Result<Vec<T>, AppError> {
    sql.query(q, args)?
        .into_iter()
        .map(|row: Row| {
            serde_json::from_value(Value::Object(row))
                .map_err(|err| AppError::internal(format!("row shape: {err}")))
        })
        .collect()
}
