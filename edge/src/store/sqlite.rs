//! A test-only [`Sql`] over an in-memory SQLite database (rusqlite, bundled), so the real
//! migrations and every [`Db`] query run natively in `cargo test`. The Durable Object's storage
//! is SQLite too, so the SQL is the same text.
//!
//! It also records every distinct statement it runs (with the arguments of its first run), so
//! a test can ask SQLite how it plans each one (`EXPLAIN QUERY PLAN`).

use std::cell::RefCell;
use std::rc::Rc;

use rusqlite::types::{Value as SqliteValue, ValueRef};
use rusqlite::{params_from_iter, Connection};
use serde_json::Value;

use super::db::Db;
use super::schema;
use super::sql::{Row, Sql, SqlValue};
use crate::http::AppError;

/// A statement as run: its text and the arguments it was first run with.
#[derive(Debug, Clone)]
pub struct Statement {
    pub sql: String,
    pub args: Vec<SqlValue>,
}

/// A handle on one in-memory database; clones share it (one goes into the [`Db`], the test
/// keeps another to look at what ran).
#[derive(Clone)]
pub struct SqliteSql {
    inner: Rc<Inner>,
}

struct Inner {
    conn: Connection,
    statements: RefCell<Vec<Statement>>,
    /// Every statement run, in order, repeats included (what one request costs).
    runs: RefCell<Vec<String>>,
}

fn sqlite_error(err: rusqlite::Error) -> AppError {
    AppError::internal(format!("sqlite: {err}"))
}

fn params(args: &[SqlValue]) -> impl Iterator<Item = SqliteValue> + '_ {
    args.iter().map(|v| match v {
        SqlValue::Null => SqliteValue::Null,
        SqlValue::Integer(n) => SqliteValue::Integer(*n),
        SqlValue::Text(s) => SqliteValue::Text(s.clone()),
    })
}

fn json_of(value: ValueRef<'_>) -> Result<Value, AppError> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(bytes) => Value::String(
            std::str::from_utf8(bytes)
                .map_err(|_| AppError::internal("sqlite: text is not UTF-8"))?
                .to_owned(),
        ),
        ValueRef::Blob(_) => return Err(AppError::internal("sqlite: blobs are not used")),
    })
}

impl SqliteSql {
    /// A fresh, empty in-memory database. Foreign keys are enforced, as in Durable Objects.
    pub fn open() -> Result<Self, AppError> {
        let conn = Connection::open_in_memory().map_err(sqlite_error)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(sqlite_error)?;
        Ok(Self {
            inner: Rc::new(Inner {
                conn,
                statements: RefCell::new(Vec::new()),
                runs: RefCell::new(Vec::new()),
            }),
        })
    }

    /// A fresh database with every migration run, the [`Db`] over it, and this handle.
    pub fn migrated_db() -> Result<(Db, Self), AppError> {
        let sql = Self::open()?;
        schema::migrate(&sql)?;
        Ok((Db::new(sql.clone()), sql))
    }

    /// Every distinct statement run through [`Sql::query`] and [`Sql::execute`], in the
    /// order first run.
    pub fn statements(&self) -> Vec<Statement> {
        self.inner.statements.borrow().clone()
    }

    /// The detail column of `EXPLAIN QUERY PLAN` for a statement, one entry per plan line.
    pub fn query_plan(&self, q: &str, args: &[SqlValue]) -> Result<Vec<String>, AppError> {
        let mut stmt = self
            .inner
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {q}"))
            .map_err(sqlite_error)?;
        let lines = stmt
            .query_map(params_from_iter(params(args)), |row| {
                row.get::<_, String>(3)
            })
            .map_err(sqlite_error)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sqlite_error)?;
        Ok(lines)
    }

    /// Every statement run since the last call, in order, and forgets them.
    pub fn take_runs(&self) -> Vec<String> {
        std::mem::take(&mut *self.inner.runs.borrow_mut())
    }

    fn record(&self, q: &str, args: &[SqlValue]) {
        self.inner.runs.borrow_mut().push(q.to_owned());
        let mut statements = self.inner.statements.borrow_mut();
        if !statements.iter().any(|s| s.sql == q) {
            statements.push(Statement {
                sql: q.to_owned(),
                args: args.to_vec(),
            });
        }
    }
}

impl Sql for SqliteSql {
    fn query(&self, q: &str, args: &[SqlValue]) -> Result<Vec<Row>, AppError> {
        self.record(q, args);
        let mut stmt = self.inner.conn.prepare(q).map_err(sqlite_error)?;
        let names: Vec<String> = stmt.column_names().map(String::from).collect();
        let mut rows = stmt
            .query(params_from_iter(params(args)))
            .map_err(sqlite_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(sqlite_error)? {
            let mut map = Row::new();
            for (index, name) in names.iter().enumerate() {
                let value = row.get_ref(index).map_err(sqlite_error)?;
                map.insert(name.clone(), json_of(value)?);
            }
            out.push(map);
        }
        Ok(out)
    }

    fn execute(&self, q: &str, args: &[SqlValue]) -> Result<(), AppError> {
        self.record(q, args);
        self.inner
            .conn
            .execute(q, params_from_iter(params(args)))
            .map_err(sqlite_error)?;
        Ok(())
    }

    fn execute_batch(&self, script: &str) -> Result<(), AppError> {
        self.inner.conn.execute_batch(script).map_err(sqlite_error)
    }
}
