//! Backups of an encrypted database, taken while it is in use, and restoring one.
//!
//! A backup is a consistent snapshot (`VACUUM INTO`, one read transaction) encrypted with the
//! same data key, with a copy of the key file beside it (`<backup>.keys`): it opens with the
//! passphrase or the recovery key of the day it was taken, and nothing else. Restoring checks
//! the backup before anything is replaced, keeps the current database as a backup first, and
//! erases again everyone erased since, so an old backup never brings back a person who asked
//! to be forgotten.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use super::keys::{Envelope, envelope_path};
use super::{DataKey, Unlock, converting, take_alone};
use crate::backups::PREFIX;
pub use crate::backups::{BackupFile, BackupSettings, last_backup, list, set_settings, settings};
use crate::db::Db;
use crate::error::{Error, Result};

fn key(db: &Db) -> Result<&DataKey> {
    db.key().ok_or_else(|| {
        Error::Conflict(
            "this database is not encrypted, and a backup is never written in the clear; encrypt it first (appeal db encrypt, or Security → Encrypt)".into(),
        )
    })
}

/// Writes a backup of `db` to `dest` (which must not exist yet) and its key file beside it.
/// The file is complete when its name appears: it is written under another name, checked,
/// synced and then renamed.
pub async fn backup(db: &Db, dest: &Path) -> Result<BackupFile> {
    let key = key(db)?.clone();
    crate::db::refuse_own_files(dest)?;
    if dest.exists() {
        return Err(Error::Conflict(format!(
            "{} exists already; choose a new file name",
            dest.display()
        )));
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Error::InvalidInput(format!(
            "the folder {} does not exist",
            dir.display()
        )));
    }
    let partial = super::sibling(dest, ".partial");
    let _ = std::fs::remove_file(&partial);
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .map_err(|e| Error::io("create", &partial, e))?;
    }
    let snapshot = sqlx::query("VACUUM INTO ?")
        .bind(partial.display().to_string())
        .execute(db.pool())
        .await;
    if let Err(e) = snapshot {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    let (src, out, part) = (db.path().to_path_buf(), dest.to_path_buf(), partial.clone());
    let checked = tokio::task::spawn_blocking(move || -> Result<u64> {
        check_encrypted(&part)?;
        let conn = crate::db::raw_connection(&part, Some(&key))?;
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if ok != "ok" {
            return Err(Error::Conflict(format!(
                "the backup did not pass its check ({ok})"
            )));
        }
        drop(conn);
        let f = std::fs::File::open(&part).map_err(|e| Error::io("open", &part, e))?;
        f.sync_all().map_err(|e| Error::io("sync", &part, e))?;
        let bytes = f.metadata().map_err(|e| Error::io("read", &part, e))?.len();
        let env = Envelope::read(&src)?
            .ok_or_else(|| Error::Conflict("the database's key file is missing".into()))?;
        env.write(&out)?;
        std::fs::rename(&part, &out).map_err(|e| Error::io("name", &out, e))?;
        super::keys::sync_dir(&out)?;
        Ok(bytes)
    })
    .await
    .expect("checking a backup does not panic");
    let bytes = match checked {
        Ok(b) => b,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    let now = db.now();
    crate::backups::record_taken(db, &now).await?;
    Ok(BackupFile {
        path: dest.display().to_string(),
        taken_at: now,
        bytes,
    })
}

/// Refuses a file that starts as plaintext SQLite does.
fn check_encrypted(path: &Path) -> Result<()> {
    if super::starts_plaintext(path)? == Some(true) {
        return Err(Error::Conflict(format!(
            "{} came out unencrypted; it was removed",
            path.display()
        )));
    }
    Ok(())
}

fn file_stamp(now: &str) -> String {
    now.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// A backup into `folder` under the automatic backups' name (`appeal-desk-<UTC time>.db`).
pub async fn backup_into(db: &Db, folder: &Path) -> Result<BackupFile> {
    backup(
        db,
        &folder.join(format!("{PREFIX}{}.db", file_stamp(&db.now()))),
    )
    .await
}

/// "Back up now" without a file chosen: into the backup folder.
pub async fn backup_now(db: &Db) -> Result<BackupFile> {
    let folder = settings(db).await?.folder.ok_or_else(|| {
        Error::InvalidInput(
            "no backup folder is set; choose one under Automatic backups, or choose a file".into(),
        )
    })?;
    backup_into(db, Path::new(&folder)).await
}

/// Takes a backup if one is due (a folder is set and the last is older than the interval),
/// then removes automatic backups beyond the number to keep. `None` when none was due.
pub async fn run_due(db: &Db) -> Result<Option<BackupFile>> {
    let settings = settings(db).await?;
    let Some(folder) = settings.folder.as_deref().map(PathBuf::from) else {
        return Ok(None);
    };
    if db.key().is_none() {
        return Ok(None);
    }
    let now = db.clock().now();
    if let Some(last) = last_backup(db).await?
        && let Ok(last) =
            time::OffsetDateTime::parse(&last, &time::format_description::well_known::Rfc3339)
        && now - last < time::Duration::hours(i64::from(settings.every_hours))
    {
        return Ok(None);
    }
    let made = backup_into(db, &folder).await?;
    prune(&folder, settings.keep as usize)?;
    Ok(Some(made))
}

/// Removes the oldest automatic backups (and their key files) beyond `keep`.
fn prune(folder: &Path, keep: usize) -> Result<()> {
    for old in list(folder)?
        .into_iter()
        .filter(|b| !b.path.contains("before-restore-"))
        .skip(keep)
    {
        let p = PathBuf::from(&old.path);
        std::fs::remove_file(&p).map_err(|e| Error::io("remove the old backup", &p, e))?;
        let _ = std::fs::remove_file(envelope_path(&p));
    }
    Ok(())
}

/// What a restore did.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RestoreReport {
    pub restored_from: String,
    /// The database as it was before, kept as a backup.
    pub previous_kept_as: String,
    /// People erased since the backup was taken, erased again.
    pub erased_again: i64,
    /// Suppression entries (erasures, unsubscribes, bounces) carried over from the database
    /// as it was.
    pub suppressions_carried: i64,
    pub signatories: i64,
}

/// Where the database as it was goes before a restore: the backup folder if set, else
/// `backups/` beside the database.
async fn safety_folder(db: &Db) -> Result<PathBuf> {
    if let Some(folder) = settings(db).await?.folder {
        return Ok(PathBuf::from(folder));
    }
    let dir = db
        .path()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("backups");
    crate::db::private_dir(&dir)?;
    Ok(dir)
}

type Suppression = (String, Option<String>, String, String);

/// Replaces the database `current` with the backup `file`. The backup opens with the current
/// key if it is the same, else with `secret` (the passphrase or recovery key of the day it
/// was taken). `current` is closed; open the database again afterwards.
pub async fn restore(current: Db, file: &Path, secret: Option<Unlock>) -> Result<RestoreReport> {
    let key = key(&current)?.clone();
    let path = current.path().to_path_buf();
    crate::db::refuse_own_files(file)?;
    let (f, k) = (file.to_path_buf(), key.clone());
    let backup_key = tokio::task::spawn_blocking(move || -> Result<DataKey> {
        if !f.is_file() {
            return Err(Error::NotFound(format!("there is no backup at {}", f.display())));
        }
        let env = Envelope::read(&f)?.ok_or_else(|| {
            Error::InvalidInput(format!(
                "{} has no key file beside it ({}); a backup is restored with its key file",
                f.display(),
                envelope_path(&f).display()
            ))
        })?;
        if env.knows(&k) {
            return Ok(k);
        }
        let secret = secret.ok_or_else(|| {
            Error::KeyNeeded(
                "this backup was taken with an earlier key; give the passphrase or recovery key of the day it was taken".into(),
            )
        })?;
        Ok(super::keys_for(&f, &secret)?.remove(0))
    })
    .await
    .expect("unsealing does not panic")?;
    // Check the backup before anything is replaced.
    let salt = crate::suppression::salt(&current).await?;
    let (f, bk, s) = (file.to_path_buf(), backup_key.clone(), salt.clone());
    tokio::task::spawn_blocking(move || verify(&f, &bk, &s))
        .await
        .expect("checking does not panic")?;
    let kept = safety_folder(&current).await?.join(format!(
        "{PREFIX}before-restore-{}.db",
        file_stamp(&current.now())
    ));
    backup(&current, &kept).await?;
    let suppressions: Vec<Suppression> =
        sqlx::query_as("SELECT email_hash, email, reason, created_at FROM suppressions")
            .fetch_all(current.pool())
            .await?;
    let clock = *current.clock();
    current.close().await;
    // The backup, copied under the current key beside the database, brought up to date.
    let new = converting(&path);
    let (f, bk, k, n) = (file.to_path_buf(), backup_key, key.clone(), new.clone());
    tokio::task::spawn_blocking(move || -> Result<()> {
        let conn = crate::db::raw_connection(&f, Some(&bk))?;
        super::export_to(&conn, &n, &k)
    })
    .await
    .expect("copying does not panic")?;
    let staged = Db::open_encrypted(&new, key.clone())
        .await?
        .with_clock(clock);
    crate::suppression::adopt_salt(&staged, &salt).await?;
    let (erased_again, carried) = reapply(&staged, &suppressions).await?;
    let signatories: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatories")
        .fetch_one(staged.pool())
        .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(staged.pool())
        .await?;
    staged.close().await;
    let (p, n) = (path.clone(), new);
    tokio::task::spawn_blocking(move || -> Result<()> {
        let conn = crate::db::raw_connection(&p, Some(&key))?;
        take_alone(&conn, &p)?;
        std::fs::File::open(&n)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io("sync", &n, e))?;
        std::fs::rename(&n, &p).map_err(|e| Error::io("replace", &p, e))?;
        super::keys::sync_dir(&p)?;
        drop(conn);
        super::tidy(&p)
    })
    .await
    .expect("replacing does not panic")?;
    Ok(RestoreReport {
        restored_from: file.display().to_string(),
        previous_kept_as: kept.display().to_string(),
        erased_again,
        suppressions_carried: carried,
        signatories,
    })
}

/// The backup is intact, of a schema this version knows, and of this database (the same
/// suppression salt, without which erased people could not be recognised, or none yet).
fn verify(file: &Path, key: &DataKey, salt: &str) -> Result<()> {
    let conn = crate::db::raw_connection(file, Some(key))?;
    conn.execute_batch("PRAGMA query_only = ON")?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Error::Conflict(format!(
            "the backup {} is damaged ({ok}); nothing was replaced",
            file.display()
        )));
    }
    let version: Option<i64> = conn
        .query_row(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success",
            [],
            |r| r.get(0),
        )
        .map_err(|_| {
            Error::InvalidInput(format!("{} is not an Appeal Desk backup", file.display()))
        })?;
    let supported = crate::db::supported_schema();
    if version.unwrap_or(0) > supported {
        return Err(Error::NewerDatabase {
            found: version.unwrap_or(0),
            supported,
        });
    }
    let theirs: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'suppression_salt'",
            [],
            |r| r.get(0),
        )
        .ok();
    // A backup taken before anything was ever suppressed has no salt yet: it takes this one.
    if theirs.as_deref().is_some_and(|t| t != salt) {
        return Err(Error::Conflict(format!(
            "{} is a backup of another database; restoring it here could bring back people erased from this one, so nothing was replaced",
            file.display()
        )));
    }
    Ok(())
}

/// Carries the suppression list over and erases again everyone on it as erased.
async fn reapply(db: &Db, suppressions: &[Suppression]) -> Result<(i64, i64)> {
    let mut carried = 0;
    let mut tx = db.pool().begin().await?;
    for (hash, email, reason, at) in suppressions {
        carried += sqlx::query(
            "INSERT OR IGNORE INTO suppressions (email_hash, email, reason, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(hash)
        .bind(email)
        .bind(reason)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    }
    tx.commit().await?;
    let erased: std::collections::HashSet<&str> = suppressions
        .iter()
        .filter(|s| s.2 == crate::suppression::SuppressionReason::Erased.as_str())
        .map(|s| s.0.as_str())
        .collect();
    if erased.is_empty() {
        return Ok((0, carried));
    }
    let hasher = crate::suppression::Hasher::load(db).await?;
    let people: Vec<(i64, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, email, dedupe_key FROM signatories")
            .fetch_all(db.pool())
            .await?;
    let mut again = 0;
    for (id, email, dedupe) in people {
        let subject = match email {
            Some(e) => Some(crate::email::normalise_email(&e)),
            None => dedupe,
        };
        if subject.is_some_and(|s| erased.contains(hasher.hash(&s).as_str())) {
            crate::erasure::erase(db, id).await?;
            again += 1;
        }
    }
    Ok((again, carried))
}
