//! [`Sql`] over the Durable Object's own SQLite storage (`ctx.storage.sql`). `exec` is
//! synchronous in the runtime, so the atomicity described in [`super::sql`] holds.

use worker::{SqlStorage, SqlStorageValue};

use super::sql::{Row, Sql, SqlValue};
use crate::http::AppError;

fn bindings(args: &[SqlValue]) -> Vec<SqlStorageValue> {
    args.iter()
        .map(|v| match v {
            SqlValue::Null => SqlStorageValue::Null,
            SqlValue::Integer(n) => SqlStorageValue::Integer(*n),
            SqlValue::Text(s) => SqlStorageValue::String(s.clone()),
        })
        .collect()
}

impl Sql for SqlStorage {
    fn query(&self, q: &str, args: &[SqlValue]) -> Result<Vec<Row>, AppError> {
        // Integers within JavaScript's safe range come back as JSON integers, NULL as null.
        Ok(self.exec(q, bindings(args))?.to_array::<Row>()?)
    }

    fn execute(&self, q: &str, args: &[SqlValue]) -> Result<(), AppError> {
        self.exec(q, bindings(args))?;
        Ok(())
    }

    fn execute_batch(&self, script: &str) -> Result<(), AppError> {
        self.exec(script, None)?;
        Ok(())
    }
}
