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
use crate::email::normalise_email;
use crate::error::Result;

const SALT_KEY: &str = "suppression_salt";

/// Why an address is suppressed.
#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum SuppressionReason {
    /// Only erasure puts it there.
    #[cfg_attr(feature = "clap", value(skip))]
    Erased,
    Unsubscribed,
    Bounced,
    Manual,
}

impl SuppressionReason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Hashes addresses with this database's salt.
#[derive(Clone)]
pub struct Hasher {
    salt: Vec<u8>,
}

impl Hasher {
    /// This database's salt, made on first use.
    pub async fn load(db: &Db) -> Result<Hasher> {
        let salt = salt(db).await?;
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

/// This database's salt as stored (hex), made on first use: read first, so that only the very
/// first use writes.
pub(crate) async fn salt(db: &Db) -> Result<String> {
    if let Some(salt) = crate::db::setting(db, SALT_KEY).await? {
        return Ok(salt);
    }
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    adopt_salt(db, &hex::encode(fresh)).await?;
    Ok(crate::db::setting(db, SALT_KEY).await?.unwrap_or_default())
}

/// Gives a database without a salt yet this one (a restored backup of the same database).
pub(crate) async fn adopt_salt(db: &Db, hex: &str) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)")
        .bind(SALT_KEY)
        .bind(hex)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The string whose hash goes on the suppression list for a person: the address if any,
/// else the name key of a typed-up paper row.
pub(crate) fn subject(fields: &crate::signatories::SignatoryFields) -> Option<String> {
    match &fields.email {
        Some(e) => Some(normalise_email(e)),
        None => crate::signatories::dedupe_key(fields),
    }
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
    let mut conn = db.pool().acquire().await?;
    add_hash(
        &mut conn,
        &hasher.hash(&key),
        keep_address.then_some(key.as_str()),
        reason,
        &db.now(),
    )
    .await
}

/// Puts a hashed address on the list within the caller's transaction (or connection);
/// true if it was not there yet.
pub(crate) async fn add_hash(
    conn: &mut sqlx::SqliteConnection,
    hash: &str,
    readable: Option<&str>,
    reason: SuppressionReason,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT OR IGNORE INTO suppressions (email_hash, email, reason, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(hash)
    .bind(readable)
    .bind(reason.as_str())
    .bind(now)
    .execute(conn)
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

/// What importing an unsubscribe or bounce list did.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ListImport {
    pub added: u64,
    pub already_listed: u64,
    /// Rows with no email address in any column: (line, row as read), the first 50.
    pub without_address: Vec<(u64, String)>,
    pub without_address_count: u64,
}

/// Adds every address in a list (CSV/TSV in any common encoding, XLSX, ODS; with or
/// without a header row) to the suppression list, in one transaction. From each row the
/// first cell that is an email address is taken, so exports of most mail tools work as is.
pub async fn import_list(
    db: &Db,
    path: &std::path::Path,
    reason: SuppressionReason,
) -> Result<ListImport> {
    if reason == SuppressionReason::Erased {
        return Err(crate::error::Error::InvalidInput(
            "erasure is done person by person, not from a list".into(),
        ));
    }
    let path_owned = path.to_path_buf();
    let table = tokio::task::spawn_blocking(move || crate::table::read_table(&path_owned))
        .await
        .map_err(|e| crate::error::Error::Conflict(format!("reading the list failed: {e}")))??;
    let hasher = Hasher::load(db).await?;
    let mut report = ListImport {
        added: 0,
        already_listed: 0,
        without_address: Vec::new(),
        without_address_count: 0,
    };
    let header_row = (1u64, table.headers.clone());
    let rows = std::iter::once(&header_row).chain(table.rows.iter());
    let at = db.now();
    let mut tx = db.pool().begin().await?;
    for (i, (line, cells)) in rows.enumerate() {
        let found = cells
            .iter()
            .map(|c| c.trim().trim_start_matches("mailto:"))
            .find(|c| crate::email::is_valid_email(c));
        let Some(email) = found else {
            // A header row is expected to have no address.
            if i > 0 {
                report.without_address_count += 1;
                if report.without_address.len() < 50 {
                    report.without_address.push((*line, cells.join(", ")));
                }
            }
            continue;
        };
        let key = normalise_email(email);
        let done = sqlx::query(
            "INSERT OR IGNORE INTO suppressions (email_hash, email, reason, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(hasher.hash(&key))
        .bind(&key)
        .bind(reason.as_str())
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            report.added += 1;
        } else {
            report.already_listed += 1;
        }
    }
    tx.commit().await?;
    Ok(report)
}
