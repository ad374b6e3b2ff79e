//! The directory's tables: the practices of this deployment and which staff belong to which.
//!
//! The directory is never the authority on access: a practice's own Durable Object decides
//! every request. The directory lists practices for the operator and tells the console which
//! practices a staff member may pick.

use sealpost_shared::operator::PracticeSummary;
use sealpost_shared::staff::StaffPractice;
use sealpost_shared::tenancy::PracticeId;
use serde::de::DeserializeOwned;

use crate::http::AppError;
use crate::store::sql::{rows, Sql, SqlValue};

const MIGRATIONS: &[&str] = &[
    // 1: practices and staff memberships.
    "
    CREATE TABLE directory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE practices (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        suspended_at INTEGER
    );
    CREATE TABLE memberships (
        email TEXT NOT NULL,
        practice_id TEXT NOT NULL,
        PRIMARY KEY (email, practice_id)
    );
    CREATE INDEX memberships_by_practice ON memberships(practice_id);
    ",
];

pub struct Directory {
    sql: Box<dyn Sql>,
}

fn text(v: &str) -> SqlValue {
    SqlValue::Text(v.to_owned())
}

impl Directory {
    pub fn new(sql: impl Sql + 'static) -> Self {
        Self { sql: Box::new(sql) }
    }

    pub fn migrate(&self) -> Result<(), AppError> {
        crate::store::schema::run_migrations(self.sql.as_ref(), "directory_meta", MIGRATIONS)
    }

    fn rows<T: DeserializeOwned>(&self, q: &str, args: &[SqlValue]) -> Result<Vec<T>, AppError> {
        rows(self.sql.as_ref(), q, args)
    }

    pub fn insert(&self, practice: &PracticeSummary) -> Result<(), AppError> {
        self.sql.execute(
            "INSERT INTO practices (id, name, created_at, suspended_at) VALUES (?, ?, ?, NULL)",
            &[
                text(practice.id.as_str()),
                text(&practice.name),
                SqlValue::Integer(practice.created_at),
            ],
        )
    }

    pub fn practice(&self, id: &PracticeId) -> Result<Option<PracticeSummary>, AppError> {
        Ok(self
            .rows(
                "SELECT id, name, created_at, suspended_at FROM practices WHERE id = ?",
                &[text(id.as_str())],
            )?
            .into_iter()
            .next())
    }

    /// Practices by id after `after`, at most `limit`.
    pub fn page(
        &self,
        after: Option<&PracticeId>,
        limit: usize,
    ) -> Result<Vec<PracticeSummary>, AppError> {
        self.rows(
            "SELECT id, name, created_at, suspended_at FROM practices
             WHERE id > ? ORDER BY id LIMIT ?",
            &[
                text(after.map(PracticeId::as_str).unwrap_or_default()),
                SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)),
            ],
        )
    }

    pub fn set_suspended(&self, id: &PracticeId, at: Option<i64>) -> Result<(), AppError> {
        self.sql.execute(
            "UPDATE practices SET suspended_at = ? WHERE id = ?",
            &[at.into(), text(id.as_str())],
        )
    }

    pub fn remove(&self, id: &PracticeId) -> Result<(), AppError> {
        self.sql.execute(
            "DELETE FROM memberships WHERE practice_id = ?",
            &[text(id.as_str())],
        )?;
        self.sql
            .execute("DELETE FROM practices WHERE id = ?", &[text(id.as_str())])
    }

    pub fn add_member(&self, email: &str, practice: &PracticeId) -> Result<(), AppError> {
        self.sql.execute(
            "INSERT INTO memberships (email, practice_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            &[text(email), text(practice.as_str())],
        )
    }

    pub fn remove_member(&self, email: &str, practice: &PracticeId) -> Result<(), AppError> {
        self.sql.execute(
            "DELETE FROM memberships WHERE email = ? AND practice_id = ?",
            &[text(email), text(practice.as_str())],
        )
    }

    /// The practices a staff member belongs to, by name (suspended ones left out).
    pub fn practices_of(&self, email: &str) -> Result<Vec<StaffPractice>, AppError> {
        self.rows(
            "SELECT p.id AS id, p.name AS name FROM memberships m
             JOIN practices p ON p.id = m.practice_id
             WHERE m.email = ? AND p.suspended_at IS NULL ORDER BY p.name",
            &[text(email)],
        )
    }

    /// Every practice that is not suspended (the local development identity's picker).
    pub fn all_active(&self, limit: usize) -> Result<Vec<StaffPractice>, AppError> {
        self.rows(
            "SELECT id, name FROM practices WHERE suspended_at IS NULL ORDER BY id LIMIT ?",
            &[SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX))],
        )
    }
}
