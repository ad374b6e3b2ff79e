//! The practice's settings, kept in `meta`.

use serde::Deserialize;

use super::{s, Db};
use crate::http::AppError;

impl Db {
    pub fn setting(&self, key: &str) -> Result<Option<String>, AppError> {
        #[derive(Deserialize)]
        struct V {
            value: String,
        }
        Ok(self
            .first::<V>("SELECT value FROM meta WHERE key = ?", &[s(key)])?
            .map(|v| v.value))
    }

    pub fn delete_setting(&self, key: &str) -> Result<(), AppError> {
        self.run("DELETE FROM meta WHERE key = ?", &[s(key)])
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.run(
            "INSERT INTO meta (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[s(key), s(value)],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::store::sqlite::SqliteSql;

    #[test]
    fn settings_read_back_and_overwrite() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        assert_eq!(db.setting("practice_name").unwrap(), None);
        db.set_setting("practice_name", "Elm Surgery").unwrap();
        db.set_setting("practice_name", "Oak Surgery").unwrap();
        assert_eq!(
            db.setting("practice_name").unwrap().as_deref(),
            Some("Oak Surgery")
        );
    }
}
