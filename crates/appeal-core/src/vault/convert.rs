//! Converting the file: a plaintext database encrypted in place, the data key rotated. Each
//! writes a complete new file beside the old one, checks it and renames it over.

use std::path::Path;

use zeroize::Zeroizing;

use super::*;
use crate::db::Db;
use crate::error::{Error, Result};

/// Takes the database at `path` for this connection alone, or says who has it: leaving WAL
/// mode needs every other connection closed, and the exclusive lock keeps them out until this
/// connection closes.
pub(super) fn take_alone(conn: &rusqlite::Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(2))?;
    let busy = || {
        Error::Conflict(format!(
            "another program has {} open (the app, or another appeal command); close it and try again. Nothing was changed",
            path.display()
        ))
    };
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy => {
                busy()
            }
            other => other.into(),
        })?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(busy());
    }
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .map_err(|_| busy())?;
    Ok(())
}

/// Every table's row count, to compare a copy with its source.
pub(super) fn counts(conn: &rusqlite::Connection, schema: &str) -> Result<Vec<(String, i64)>> {
    let names: Vec<String> = conn
        .prepare(&format!(
            "SELECT name FROM {schema}.sqlite_schema WHERE type = 'table' AND rootpage > 0 ORDER BY name"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    names
        .into_iter()
        .map(|n| {
            let c: i64 = conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM {schema}.\"{}\"",
                    n.replace('"', "\"\"")
                ),
                [],
                |r| r.get(0),
            )?;
            Ok((n, c))
        })
        .collect()
}

/// Writes `conn`'s main database into `dest`, a new file encrypted with `key`, and checks
/// it: readable with the key, intact, the same rows in every table. Synced.
pub(crate) fn export_to(conn: &rusqlite::Connection, dest: &Path, key: &DataKey) -> Result<()> {
    let _ = std::fs::remove_file(dest);
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(dest)
            .map_err(|e| Error::io("create", dest, e))?;
    }
    let attach = Zeroizing::new(format!(
        "ATTACH DATABASE '{}' AS converted KEY {};",
        dest.display().to_string().replace('\'', "''"),
        key.pragma().as_str()
    ));
    conn.execute_batch(&attach)?;
    let exported = (|| -> Result<Vec<(String, i64)>> {
        conn.query_row("SELECT sqlcipher_export('converted')", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
        conn.execute_batch(&format!("PRAGMA converted.user_version = {version}"))?;
        counts(conn, "main")
    })();
    conn.execute_batch("DETACH DATABASE converted")?;
    let source = exported?;
    let copy = crate::db::raw_connection(dest, Some(key))?;
    let ok: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(Error::Conflict(format!(
            "the new encrypted copy did not pass its check ({ok}); the database was left as it was"
        )));
    }
    if counts(&copy, "main")? != source {
        return Err(Error::Conflict(
            "the new encrypted copy does not hold the same rows; the database was left as it was"
                .into(),
        ));
    }
    copy.execute_batch("PRAGMA journal_mode = WAL")?;
    drop(copy);
    std::fs::File::open(dest)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io("sync", dest, e))?;
    Ok(())
}

/// Encrypts a plaintext database in place: a new encrypted file is written beside it,
/// checked, and renamed over it; the old plaintext is then overwritten and removed. Nobody
/// else may have the database open. Returns the recovery key to write down.
pub async fn encrypt(path: &Path, passphrase: &str, remember: bool) -> Result<NewKeys> {
    match file_state(path)? {
        FileState::Plaintext => {}
        FileState::Encrypted => {
            return Err(Error::Conflict(format!(
                "{} is already encrypted",
                path.display()
            )));
        }
        FileState::Missing => {
            return Err(Error::NotFound(format!(
                "there is no database at {}",
                path.display()
            )));
        }
    }
    check_new_passphrase(passphrase)?;
    // Brought up to this version's schema first, so that the copy is of a current database.
    Db::open(path).await?.close().await;
    let (p, pass) = (path.to_path_buf(), Zeroizing::new(passphrase.to_string()));
    tokio::task::spawn_blocking(move || {
        let key = DataKey::random();
        crate::db::sqlite_ready();
        let conn = rusqlite::Connection::open(&p)?;
        take_alone(&conn, &p)?;
        let new = converting(&p);
        export_to(&conn, &new, &key)?;
        let (mut env, recovery) = new_envelope(&key, &pass, KdfCost::for_new())?;
        if remember {
            remember_key(&p, &key, &mut env)?;
        }
        // The order matters for a crash: the key file first (a plaintext database ignores it),
        // then the plaintext keeps a second name, then one rename puts the encrypted file in
        // its place. `tidy` finishes whatever a crash interrupted.
        env.write(&p)?;
        std::fs::hard_link(&p, old_plaintext(&p)).map_err(|e| Error::io("keep", &p, e))?;
        std::fs::rename(&new, &p).map_err(|e| Error::io("replace", &p, e))?;
        keys::sync_dir(&p)?;
        drop(conn);
        tidy(&p)?;
        Ok(NewKeys {
            recovery_key: recovery.display().to_string(),
        })
    })
    .await
    .expect("encrypting does not panic")
}

/// Re-encrypts the database with a new data key (after a key or a device may have been
/// exposed). Needs the passphrase; issues a new recovery key, since the old one sealed the old
/// data key. While the new file replaces the old, the key file holds both keys, so a crash at
/// any moment leaves a database that opens.
pub async fn rotate_key(path: &Path, passphrase: &str) -> Result<NewKeys> {
    let (p, pass) = (path.to_path_buf(), Zeroizing::new(passphrase.to_string()));
    tokio::task::spawn_blocking(move || {
        tidy(&p)?;
        let old = keys_for(&p, &Unlock::Passphrase(pass.clone()))?.remove(0);
        let conn = crate::db::raw_connection(&p, Some(&old))?;
        take_alone(&conn, &p)?;
        let key = DataKey::random();
        let new = converting(&p);
        export_to(&conn, &new, &key)?;
        let mut env = envelope(&p)?;
        env.keys.retain(|e| e.holds(&old));
        let recovery = RecoveryKey::random();
        env.keys.push(Entry::new(
            &key,
            &pass,
            &recovery,
            KdfCost::for_new(),
            crate::Clock::system().stamp(),
        )?);
        env.write(&p)?;
        std::fs::rename(&new, &p).map_err(|e| Error::io("replace", &p, e))?;
        keys::sync_dir(&p)?;
        drop(conn);
        env.keys.retain(|e| e.holds(&key));
        if env.remembered
            && let Err(e) = keychain_entry(&p).and_then(|k| k.set(&key.hex()))
        {
            tracing::warn!("the new key could not be remembered: {e}");
            env.remembered = false;
        }
        env.write(&p)?;
        Ok(NewKeys {
            recovery_key: recovery.display().to_string(),
        })
    })
    .await
    .expect("rotating does not panic")
}
