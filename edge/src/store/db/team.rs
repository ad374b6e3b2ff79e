//! The practice's staff (email → role) and its clinic API keys (stored as hashes).

use sealpost_shared::staff::{ApiKeyEntry, Role, StaffMember};
use serde::Deserialize;

use super::{i, s, Db};
use crate::http::AppError;

#[derive(Deserialize)]
struct RoleRow {
    role: Role,
}

impl Db {
    pub fn staff_role(&self, email: &str) -> Result<Option<Role>, AppError> {
        Ok(self
            .first::<RoleRow>("SELECT role FROM staff WHERE email = ?", &[s(email)])?
            .map(|r| r.role))
    }

    pub fn staff(&self) -> Result<Vec<StaffMember>, AppError> {
        self.rows(
            "SELECT email, role, added_at, added_by FROM staff ORDER BY email",
            &[],
        )
    }

    pub fn put_staff(&self, member: &StaffMember) -> Result<(), AppError> {
        let role = serde_json::to_value(member.role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| AppError::internal("role not serialisable"))?;
        self.run(
            "INSERT INTO staff (email, role, added_at, added_by) VALUES (?, ?, ?, ?)
             ON CONFLICT (email) DO UPDATE SET role = excluded.role",
            &[
                s(&member.email),
                s(&role),
                i(member.added_at),
                s(&member.added_by),
            ],
        )
    }

    pub fn delete_staff(&self, email: &str) -> Result<(), AppError> {
        self.run("DELETE FROM staff WHERE email = ?", &[s(email)])
    }

    /// The live key with this hash, if any.
    pub fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKeyEntry>, AppError> {
        self.first(
            "SELECT id, name, hint, created_at, created_by, revoked_at FROM api_keys
             WHERE key_hash = ? AND revoked_at IS NULL",
            &[s(hash)],
        )
    }

    pub fn api_keys(&self) -> Result<Vec<ApiKeyEntry>, AppError> {
        self.rows(
            "SELECT id, name, hint, created_at, created_by, revoked_at FROM api_keys
             ORDER BY created_at, id",
            &[],
        )
    }

    pub fn insert_api_key(&self, entry: &ApiKeyEntry, hash: &str) -> Result<(), AppError> {
        self.run(
            "INSERT INTO api_keys (id, name, key_hash, hint, created_at, created_by)
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                s(&entry.id),
                s(&entry.name),
                s(hash),
                s(&entry.hint),
                i(entry.created_at),
                s(&entry.created_by),
            ],
        )
    }

    /// Revokes a key; `false` when there is no such live key.
    pub fn revoke_api_key(&self, id: &str, now: i64) -> Result<bool, AppError> {
        let live = self
            .api_keys()?
            .into_iter()
            .any(|k| k.id == id && k.revoked_at.is_none());
        if live {
            self.run(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                &[i(now), s(id)],
            )?;
        }
        Ok(live)
    }
}
