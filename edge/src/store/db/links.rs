//! Links: each one sent, checked against its record and revocable; renewals sent.

use sealpost_shared::time::{from_unix_seconds, Now};
use serde::Deserialize;

use super::{i, opt, s, At, Db};
use crate::http::AppError;

/// An issued link's record.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkRow {
    pub id: String,
    pub recipient_id: String,
    pub revoked_at: Option<i64>,
    /// The share it was sent for (none for a renewed link).
    #[serde(default)]
    pub share_id: Option<String>,
}

/// A link with the recipient it was sent to, for the clinic's list.
#[derive(Debug, Clone, Deserialize)]
pub struct PatientLinkRow {
    /// The order recorded (the page key, with `issued_at`).
    pub row: i64,
    pub id: String,
    pub kind: String,
    pub contact_scope: Option<String>,
    pub contact_id: Option<String>,
    pub share_id: Option<String>,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Db {
    pub fn insert_link(
        &self,
        id: &str,
        recipient_id: &str,
        share_id: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> Result<(), AppError> {
        self.run(
            "INSERT INTO links (id, recipient_id, share_id, issued_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
            &[s(id), s(recipient_id), opt(share_id), i(now), i(expires_at)],
        )
    }

    pub fn link(&self, id: &str) -> Result<Option<LinkRow>, AppError> {
        self.first(
            "SELECT id, recipient_id, revoked_at, share_id FROM links WHERE id = ?",
            &[s(id)],
        )
    }

    /// A page of the links sent to anyone for this patient, newest first (by issue time,
    /// then the order recorded), after the link whose (issued_at, row) is `after` (`None` for
    /// the first page), at most `fetch`.
    pub fn links_of_patient(
        &self,
        patient_id: &str,
        after: Option<(i64, i64)>,
        fetch: i64,
    ) -> Result<Vec<PatientLinkRow>, AppError> {
        let (at, row) = after.unwrap_or((i64::MAX, i64::MAX));
        self.rows(
            "SELECT l.rowid AS row, l.id, r.kind, r.contact_scope, r.contact_id, l.share_id,
                    l.issued_at, l.expires_at, l.revoked_at
             FROM recipients r JOIN links l ON l.recipient_id = r.id
             WHERE r.patient_id = ? AND (l.issued_at, l.rowid) < (?, ?)
             ORDER BY l.issued_at DESC, l.rowid DESC LIMIT ?",
            &[s(patient_id), i(at), i(row), i(fetch)],
        )
    }

    pub fn revoke_link(&self, id: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            &[i(now), s(id)],
        )
    }

    /// Every outstanding link of a recipient stops working (an unshare, a new address).
    pub fn revoke_links_of(&self, recipient_id: &str, now: i64) -> Result<(), AppError> {
        self.run(
            "UPDATE links SET revoked_at = ? WHERE recipient_id = ? AND revoked_at IS NULL",
            &[i(now), s(recipient_id)],
        )
    }

    pub fn renewals(&self, recipient_id: &str) -> Result<Vec<Now>, AppError> {
        Ok(self
            .rows::<At>(
                "SELECT sent_at FROM renewals WHERE recipient_id = ? ORDER BY sent_at",
                &[s(recipient_id)],
            )?
            .into_iter()
            .map(|r| from_unix_seconds(r.sent_at))
            .collect())
    }

    /// Replaces the recipient's renewal log with `sent` (already pruned by the core).
    pub fn set_renewals(&self, recipient_id: &str, sent: &[Now]) -> Result<(), AppError> {
        self.run(
            "DELETE FROM renewals WHERE recipient_id = ?",
            &[s(recipient_id)],
        )?;
        for at in sent {
            self.run(
                "INSERT INTO renewals (recipient_id, sent_at) VALUES (?, ?)",
                &[s(recipient_id), i(at.timestamp())],
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use sealpost_shared::time::from_unix_seconds;

    use crate::store::sqlite::SqliteSql;

    #[test]
    fn links_of_a_patient_newest_first_and_revoked_one_by_one() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        db.upsert_patient("p1", "Ann", "1980-01-01", None, None, "r1", 1)
            .unwrap();
        db.upsert_patient("p2", "Bob", "1980-01-01", None, None, "r2", 1)
            .unwrap();
        db.contact_recipient("p1", "relationship", "mum", "rc", 1)
            .unwrap();
        db.insert_link("a", "r1", Some("s1"), 10, 100).unwrap();
        db.insert_link("b", "rc", Some("s1"), 10, 100).unwrap();
        db.insert_link("c", "r1", None, 20, 200).unwrap();
        db.insert_link("z", "r2", None, 30, 300).unwrap();
        db.revoke_link("a", 15).unwrap();
        db.revoke_link("a", 16).unwrap();

        let links = db.links_of_patient("p1", None, 100).unwrap();
        let got: Vec<(&str, &str, Option<&str>, Option<i64>)> = links
            .iter()
            .map(|l| {
                (
                    l.id.as_str(),
                    l.kind.as_str(),
                    l.contact_id.as_deref(),
                    l.revoked_at,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("c", "patient", None, None),
                ("b", "contact", Some("mum"), None),
                ("a", "patient", None, Some(15)),
            ]
        );
        let a = db.link("a").unwrap().unwrap();
        assert_eq!(a.recipient_id, "r1");
        assert!(db.link("nope").unwrap().is_none());

        db.revoke_links_of("r1", 40).unwrap();
        assert_eq!(db.link("c").unwrap().unwrap().revoked_at, Some(40));
        assert_eq!(db.link("a").unwrap().unwrap().revoked_at, Some(15));
        assert_eq!(db.link("b").unwrap().unwrap().revoked_at, None);
    }

    #[test]
    fn renewals_are_replaced_as_a_whole_per_recipient() {
        let (db, _) = SqliteSql::migrated_db().unwrap();
        let t = from_unix_seconds;
        db.set_renewals("r1", &[t(30), t(10)]).unwrap();
        db.set_renewals("r2", &[t(5)]).unwrap();
        assert_eq!(db.renewals("r1").unwrap(), [t(10), t(30)]);
        db.set_renewals("r1", &[t(30), t(40)]).unwrap();
        assert_eq!(db.renewals("r1").unwrap(), [t(30), t(40)]);
        db.set_renewals("r1", &[]).unwrap();
        assert!(db.renewals("r1").unwrap().is_empty());
        assert_eq!(db.renewals("r2").unwrap(), [t(5)]);
    }
}
