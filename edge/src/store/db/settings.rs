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

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), AppError> {
        self.run(
            "INSERT INTO meta (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[s(key), s(value)],
        )
    }
}
