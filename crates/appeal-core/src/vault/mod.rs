//! Safe keeping of the database file: encryption at rest (SQLCipher), its keys, unlocking,
//! converting a plaintext database, rotating the data key, backups and restore.
//!
//! A database is a SQLCipher file opened with a random data key; the key lives only sealed in
//! the envelope beside it ([`keys`]), by the passphrase and by the recovery key, and in the OS
//! keychain when the user asks to be remembered. Every conversion writes a complete new file
//! beside the old one, syncs and verifies it, and renames it over the old one, so a crash at
//! any moment leaves one complete database; [`tidy`] clears what an interrupted one left.

pub mod backup;
pub mod keys;

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;
use zeroize::Zeroizing;

pub use keys::{DataKey, KdfCost, RecoveryKey, envelope_path};
use keys::{Entry, Envelope, Secret};

use crate::db::Db;
use crate::error::{Error, Result};

/// What is at a database path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FileState {
    /// Nothing yet: a first start.
    Missing,
    /// An SQLite file in the clear, as every database was before encryption.
    Plaintext,
    /// A SQLCipher file with its key envelope.
    Encrypted,
}

/// The first bytes of every plaintext SQLite file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Looks at the file at `path` (after clearing what an interrupted conversion left).
pub fn file_state(path: &Path) -> Result<FileState> {
    tidy(path)?;
    // Opening (and closing) the file here while this process has it open would drop every
    // lock SQLite holds on it (see `db::OPEN_FILES`): what is open is told by its key file.
    if crate::db::is_open(path) {
        return Ok(if envelope_path(path).exists() {
            FileState::Encrypted
        } else {
            FileState::Plaintext
        });
    }
    let mut head = [0u8; 16];
    let read = match std::fs::File::open(path) {
        Ok(mut f) => {
            use std::io::Read;
            f.read(&mut head).map_err(|e| Error::io("read", path, e))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if envelope_path(path).exists() {
                return Err(Error::NotFound(format!(
                    "the database {} is missing, but its key file {} is there; restore the database from a backup (appeal db restore), or move the key file away to start anew",
                    path.display(),
                    envelope_path(path).display()
                )));
            }
            return Ok(FileState::Missing);
        }
        Err(e) => return Err(Error::io("open", path, e)),
    };
    if read == 0 && !envelope_path(path).exists() {
        return Ok(FileState::Missing);
    }
    if read == 16 && &head == SQLITE_HEADER {
        // A key file beside a plaintext database is what an encryption interrupted before
        // its rename left: its key encrypts nothing.
        let stale = envelope_path(path);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(|e| Error::io("remove", &stale, e))?;
            tracing::warn!(path = %stale.display(), "removed the key file an interrupted encryption left");
        }
        return Ok(FileState::Plaintext);
    }
    if Envelope::read(path)?.is_some() {
        return Ok(FileState::Encrypted);
    }
    Err(Error::InvalidInput(format!(
        "{} is not an Appeal Desk database, or it is an encrypted one whose key file ({}) is missing; put the key file back beside it",
        path.display(),
        envelope_path(path).display()
    )))
}

/// A sibling of the database: `<db><suffix>`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The new file a conversion writes before it replaces the database.
fn converting(path: &Path) -> PathBuf {
    sibling(path, ".converting")
}

/// The old plaintext file kept by a second name while the encrypted one replaces it, until it
/// is overwritten and removed.
fn old_plaintext(path: &Path) -> PathBuf {
    sibling(path, ".plaintext-old")
}

/// Clears what an interrupted conversion left beside `path`. The database itself is always
/// complete (the new file replaces it by one rename); what remains is the half-written new
/// file, or the old plaintext under its second name, which is overwritten before removal.
pub fn tidy(path: &Path) -> Result<()> {
    let new = converting(path);
    for leftover in [
        new.clone(),
        sibling(&new, "-journal"),
        sibling(&new, "-wal"),
        sibling(&new, "-shm"),
        sibling(&envelope_path(path), ".new"),
    ] {
        if leftover.exists() {
            std::fs::remove_file(&leftover).map_err(|e| Error::io("remove", &leftover, e))?;
            tracing::warn!(path = %leftover.display(), "removed what an interrupted conversion left");
        }
    }
    let old = old_plaintext(path);
    if let Ok(meta) = std::fs::metadata(&old) {
        use std::os::unix::fs::MetadataExt;
        let same_file =
            std::fs::metadata(path).is_ok_and(|m| m.ino() == meta.ino() && m.dev() == meta.dev());
        if !same_file {
            overwrite(&old)?;
        }
        std::fs::remove_file(&old).map_err(|e| Error::io("remove", &old, e))?;
    }
    Ok(())
}

/// Overwrites a file with zeros, synced, before it is removed. On SSDs and copy-on-write file
/// systems the old blocks may survive elsewhere; the README says so.
fn overwrite(path: &Path) -> Result<()> {
    use std::io::{Seek, Write};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io("open", path, e))?;
    let len = f.metadata().map_err(|e| Error::io("read", path, e))?.len();
    let zeros = vec![0u8; 1 << 20];
    f.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| Error::io("overwrite", path, e))?;
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n])
            .map_err(|e| Error::io("overwrite", path, e))?;
        left -= n as u64;
    }
    f.sync_all().map_err(|e| Error::io("overwrite", path, e))
}

/// How the user opens an encrypted database.
pub enum Unlock {
    Passphrase(Zeroizing<String>),
    RecoveryKey(Zeroizing<String>),
    /// The key remembered in the OS keychain on this computer.
    Remembered,
}

/// The keychain entry that remembers a database's key on this computer.
fn keychain_entry(path: &Path) -> Result<crate::keychain::Secret> {
    let account = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    crate::keychain::Secret::new(
        "Appeal Desk database key",
        &account.display().to_string(),
        "the database key",
        "APPEAL_PASSPHRASE",
    )
}

fn envelope(path: &Path) -> Result<Envelope> {
    Envelope::read(path)?.ok_or_else(|| {
        Error::InvalidInput(format!(
            "{} is not encrypted (it has no key file beside it)",
            path.display()
        ))
    })
}

fn wrong(what: &str) -> Error {
    Error::WrongKey(format!(
        "that {what} does not open this database; nothing was changed. Check it and try again, or use the recovery key"
    ))
}

/// The data keys `unlock` yields for the database at `path`, newest first. Blocking: the
/// passphrase costs Argon2id's half second, the keychain a D-Bus round trip.
pub fn keys_for(path: &Path, unlock: &Unlock) -> Result<Vec<DataKey>> {
    let env = envelope(path)?;
    match unlock {
        Unlock::Passphrase(p) => {
            if p.is_empty() {
                return Err(Error::Locked(
                    "the database is encrypted: give its passphrase".into(),
                ));
            }
            let found = env.unseal(&Secret::Passphrase(p))?;
            if found.is_empty() {
                return Err(wrong("passphrase"));
            }
            Ok(found)
        }
        Unlock::RecoveryKey(text) => {
            let key = RecoveryKey::parse(text)?;
            let found = env.unseal(&Secret::Recovery(&key))?;
            if found.is_empty() {
                return Err(wrong("recovery key"));
            }
            Ok(found)
        }
        Unlock::Remembered => {
            let not_remembered = || {
                Error::Locked(
                    "this computer does not remember the database's key; give the passphrase or the recovery key".into(),
                )
            };
            if !env.remembered {
                return Err(not_remembered());
            }
            let hex = keychain_entry(path)?
                .get()?
                .map(Zeroizing::new)
                .ok_or_else(not_remembered)?;
            let key = DataKey::from_hex(&hex)?;
            if !env.knows(&key) {
                return Err(Error::WrongKey(
                    "the key this computer remembered no longer opens the database (it was changed elsewhere); give the passphrase or the recovery key".into(),
                ));
            }
            Ok(vec![key])
        }
    }
}

/// Opens the encrypted database at `path`. With two keys (a rotation was interrupted after
/// its new file replaced the old), the one that opens the file is kept and the other dropped.
pub async fn unlock(path: &Path, unlock: Unlock) -> Result<Db> {
    let p = path.to_path_buf();
    let keys = tokio::task::spawn_blocking(move || {
        tidy(&p)?;
        keys_for(&p, &unlock)
    })
    .await
    .expect("unlocking does not panic")?;
    let mut last = None;
    for key in keys {
        match Db::open_encrypted(path, key.clone()).await {
            Ok(db) => {
                let mut env = envelope(path)?;
                if env.keys.len() > 1 {
                    env.keys.retain(|e| e.holds(&key));
                    env.write(path)?;
                }
                return Ok(db);
            }
            Err(e @ Error::WrongKey(_)) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| wrong("key")))
}

/// How strong a passphrase is (zxcvbn): a score of 0–4, and what to do about a weak one.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Strength {
    pub score: u8,
    /// Whether the passphrase may be used (a score of 3 or more).
    pub acceptable: bool,
    pub warning: Option<String>,
    pub suggestions: Vec<String>,
    /// "centuries", "3 hours": how long guessing it would take at 10⁴ guesses a second.
    pub crack_time: String,
}

pub fn strength(passphrase: &str) -> Strength {
    let est = zxcvbn::zxcvbn(passphrase, &[]);
    let score = u8::from(est.score());
    let feedback = est.feedback();
    Strength {
        score,
        acceptable: score >= 3 && passphrase.chars().count() >= 10,
        warning: feedback.and_then(|f| f.warning()).map(|w| w.to_string()),
        suggestions: feedback
            .map(|f| f.suggestions().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        crack_time: est
            .crack_times()
            .offline_slow_hashing_1e4_per_second()
            .to_string(),
    }
}

fn check_new_passphrase(passphrase: &str) -> Result<()> {
    let s = strength(passphrase);
    if !s.acceptable {
        let why = s
            .warning
            .clone()
            .or_else(|| s.suggestions.first().cloned())
            .unwrap_or_else(|| "it could be guessed".into());
        return Err(Error::InvalidInput(format!(
            "that passphrase is too weak to protect the list ({why}). Use at least 10 characters, best four or more unrelated words"
        )));
    }
    Ok(())
}

/// What creating or converting gives the user once: the recovery key to write down.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct NewKeys {
    pub recovery_key: String,
}

fn new_envelope(key: &DataKey, passphrase: &str, now: String) -> Result<(Envelope, RecoveryKey)> {
    let recovery = RecoveryKey::random();
    let entry = Entry::new(key, passphrase, &recovery, KdfCost::for_new(), now)?;
    Ok((Envelope::new(entry), recovery))
}

fn remember_key(path: &Path, key: &DataKey, env: &mut Envelope) -> Result<()> {
    keychain_entry(path)?.set(&key.hex())?;
    env.remembered = true;
    Ok(())
}

/// Creates a new encrypted database at `path` (nothing may be there yet), sealed by
/// `passphrase` and a new recovery key. With `remember`, the key also goes to the keychain.
pub async fn create(path: &Path, passphrase: &str, remember: bool) -> Result<(Db, NewKeys)> {
    create_with(path, passphrase, remember, KdfCost::for_new()).await
}

/// [`create`] with the passphrase's key derivation at `cost` (tests use a trivial one, which
/// only test builds accept).
pub async fn create_with(
    path: &Path,
    passphrase: &str,
    remember: bool,
    cost: KdfCost,
) -> Result<(Db, NewKeys)> {
    match file_state(path)? {
        FileState::Missing => {}
        _ => {
            return Err(Error::Conflict(format!(
                "there is already a database at {}; open it, or choose another file",
                path.display()
            )));
        }
    }
    check_new_passphrase(passphrase)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::db::private_dir(dir)?;
    }
    let key = DataKey::random();
    let (p, pass, k) = (
        path.to_path_buf(),
        Zeroizing::new(passphrase.to_string()),
        key.clone(),
    );
    let recovery = tokio::task::spawn_blocking(move || -> Result<Zeroizing<String>> {
        let recovery = RecoveryKey::random();
        let entry = Entry::new(&k, &pass, &recovery, cost, crate::Clock::system().stamp())?;
        let mut env = Envelope::new(entry);
        if remember {
            remember_key(&p, &k, &mut env)?;
        }
        env.write(&p)?;
        Ok(recovery.display())
    })
    .await
    .expect("sealing does not panic")?;
    let db = Db::open_encrypted(path, key).await?;
    Ok((
        db,
        NewKeys {
            recovery_key: recovery.to_string(),
        },
    ))
}

/// Changes the passphrase: the data key is sealed again, in a moment; the file is untouched.
/// The old passphrase stops working.
pub async fn change_passphrase(path: &Path, current: Unlock, new: &str) -> Result<()> {
    check_new_passphrase(new)?;
    let (p, new) = (path.to_path_buf(), Zeroizing::new(new.to_string()));
    tokio::task::spawn_blocking(move || {
        let keys = keys_for(&p, &current)?;
        let mut env = envelope(&p)?;
        for key in &keys {
            if let Some(entry) = env.entry_mut(key) {
                entry.reseal_passphrase(key, &new)?;
            }
        }
        env.write(&p)
    })
    .await
    .expect("sealing does not panic")
}

/// Makes a new recovery key and returns it; the old one stops working.
pub async fn new_recovery_key(path: &Path, current: Unlock) -> Result<NewKeys> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let keys = keys_for(&p, &current)?;
        let mut env = envelope(&p)?;
        let recovery = RecoveryKey::random();
        for key in &keys {
            if let Some(entry) = env.entry_mut(key) {
                entry.reseal_recovery(key, &recovery);
            }
        }
        env.write(&p)?;
        Ok(NewKeys {
            recovery_key: recovery.display().to_string(),
        })
    })
    .await
    .expect("sealing does not panic")
}

/// Remembers the key in the OS keychain ("remember on this computer").
pub async fn remember(path: &Path, current: Unlock) -> Result<()> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let keys = keys_for(&p, &current)?;
        let mut env = envelope(&p)?;
        remember_key(&p, &keys[0], &mut env)?;
        env.write(&p)
    })
    .await
    .expect("the keychain call does not panic")
}

/// Forgets a remembered key: the keychain entry goes, and the database needs the passphrase
/// or the recovery key again.
pub async fn forget(path: &Path) -> Result<bool> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let Some(mut env) = Envelope::read(&p)? else {
            return Ok(false);
        };
        let was = env.remembered;
        if was {
            keychain_entry(&p)?.delete()?;
            env.remembered = false;
            env.write(&p)?;
        }
        Ok(was)
    })
    .await
    .expect("the keychain call does not panic")
}

/// What `appeal db status` and the Security screen show.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct VaultStatus {
    pub path: String,
    pub state: FileState,
    /// Whether this computer remembers the key.
    pub remembered: bool,
}

pub fn status(path: &Path) -> Result<VaultStatus> {
    let state = file_state(path)?;
    let remembered = match state {
        FileState::Encrypted => envelope(path)?.remembered,
        _ => false,
    };
    Ok(VaultStatus {
        path: path.display().to_string(),
        state,
        remembered,
    })
}

/// Takes the database at `path` for this connection alone, or says who has it: leaving WAL
/// mode needs every other connection closed, and the exclusive lock keeps them out until this
/// connection closes.
fn take_alone(conn: &rusqlite::Connection, path: &Path) -> Result<()> {
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
fn counts(conn: &rusqlite::Connection, schema: &str) -> Result<Vec<(String, i64)>> {
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
        let conn = rusqlite::Connection::open(&p)?;
        take_alone(&conn, &p)?;
        let new = converting(&p);
        export_to(&conn, &new, &key)?;
        let (mut env, recovery) = new_envelope(&key, &pass, crate::Clock::system().stamp())?;
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

/// What the unlock, first-run and Security screens show. Backup and retention figures are
/// `None` while locked.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SecurityState {
    pub path: String,
    pub state: FileState,
    pub unlocked: bool,
    pub remembered: bool,
    pub last_backup: Option<String>,
    pub backup: Option<backup::BackupSettings>,
    pub auto_lock_minutes: u32,
    pub retention_due: Option<i64>,
}

/// What locking did: sends running were paused first (stopped, the rest left queued).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LockReport {
    pub paused_sends: u32,
}

const AUTO_LOCK_KEY: &str = "auto_lock_minutes";

/// Minutes without activity before the app locks itself (0: never; 15 unless set).
pub async fn auto_lock(db: &Db) -> Result<u32> {
    Ok(crate::db::setting(db, AUTO_LOCK_KEY)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(15))
}

pub async fn set_auto_lock(db: &Db, minutes: u32) -> Result<()> {
    if minutes > 24 * 60 {
        return Err(Error::InvalidInput(
            "auto-lock is at most 24 hours (1440 minutes); 0 turns it off".into(),
        ));
    }
    crate::db::set_setting(db, AUTO_LOCK_KEY, &minutes.to_string()).await
}

pub async fn security_state(path: &Path, db: Option<&Db>) -> Result<SecurityState> {
    let status = status(path)?;
    let (last_backup, backup, auto_lock_minutes, retention_due) = match db {
        Some(db) => (
            backup::last_backup(db).await?,
            Some(backup::settings(db).await?),
            auto_lock(db).await?,
            Some(crate::retention::due(db).await?.len() as i64),
        ),
        None => (None, None, 15, None),
    };
    Ok(SecurityState {
        path: status.path,
        state: status.state,
        unlocked: db.is_some(),
        remembered: status.remembered,
        last_backup,
        backup,
        auto_lock_minutes,
        retention_due,
    })
}
