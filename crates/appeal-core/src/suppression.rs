//! The suppression list: addresses never to be mailed or re-imported.
//!
//! Entries are keyed by a salted SHA-256 of the normalised address, so an erased person leaves
//! no readable trace while a re-import of their address is still recognised. The salt is
//! random per database: the hashes mean nothing outside it.

use std::collections::HashSet;

use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::db::Db;
use crate::error::Result;
use crate::signatories::normalise_email;
use crate::time_util::now;

const SALT_KEY: &str = "suppression_salt";

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SuppressionReason {
    Erased,
    Unsubscribed,
    Bounced,
    Manual,
}

impl SuppressionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionReason::Erased => "erased",
            SuppressionReason::Unsubscribed => "unsubscribed",
            SuppressionReason::Bounced => "bounced",
            SuppressionReason::Manual => "manual",
        }
    }
}

/// Hashes addresses with this database's salt.
#[derive(Clone)]
pub struct Hasher {
    salt: Vec<u8>,
}

impl Hasher {
    pub async fn load(db: &Db) -> Result<Hasher> {
        let salt: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(SALT_KEY)
            .fetch_one(db.pool())
            .await?;
        // A different salt would make every stored hash miss: erased people would come back.
        let salt = hex::decode(&salt).map_err(|_| {
            crate::error::Error::Conflict(
                "the suppression list's salt in this database is damaged; erased people could no longer be recognised, so nothing was done"
                    .into(),
            )
        })?;
        Ok(Hasher { salt })
    }

    /// The hash of an already normalised address.
    pub fn hash(&self, normalised_email: &str) -> String {
        let mut h = Sha256::new();
        h.update(&self.salt);
        h.update(normalised_email.as_bytes());
        hex::encode(h.finalize())
    }
}

pub(crate) async fn ensure_salt(db: &Db) -> Result<()> {
    let mut salt = [0u8; 32];
    rand::rng().fill_bytes(&mut salt);
    sqlx::query("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)")
        .bind(SALT_KEY)
        .bind(hex::encode(salt))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Puts an address on the list. The readable address is kept only when `keep_address` is
/// true (an unsubscribe the group may want to see); erasure never keeps it.
pub async fn add(
    db: &Db,
    email: &str,
    reason: SuppressionReason,
    keep_address: bool,
) -> Result<bool> {
    let key = normalise_email(email);
    let hasher = Hasher::load(db).await?;
    let done = sqlx::query(
        "INSERT OR IGNORE INTO suppressions (email_hash, email, reason, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(hasher.hash(&key))
    .bind(keep_address.then_some(key))
    .bind(reason.as_str())
    .bind(now())
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether an address is on the list.
pub async fn contains(db: &Db, email: &str) -> Result<bool> {
    let hasher = Hasher::load(db).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM suppressions WHERE email_hash = ?")
        .bind(hasher.hash(&normalise_email(email)))
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM suppressions")
        .fetch_one(db.pool())
        .await?)
}

/// Every hash on the list, for checking a whole import at once. The list is small next to
/// the signatories (tens of thousands at most), so a set in memory is the cheap way.
pub(crate) async fn all_hashes(db: &Db) -> Result<HashSet<String>> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT email_hash FROM suppressions")
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().collect())
}
