//! Safe keeping of the database file: encryption at rest (SQLCipher), its keys, unlocking,
//! converting a plaintext database, rotating the data key, backups and restore.
//!
//! A database is a SQLCipher file opened with a random data key; the key lives only sealed in
//! the envelope beside it ([`keys`]), by the passphrase and by the recovery key, and in the OS
//! keychain when the user asks to be remembered. Every conversion writes a complete new file
//! beside the old one, syncs and verifies it, and renames it over the old one, so a crash at
//! any moment leaves one complete database; [`tidy`] clears what an interrupted one left.

pub mod backup;
mod convert;
mod files;
pub mod keys;
mod state;

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;
use zeroize::Zeroizing;

pub(crate) use convert::export_to;
use convert::take_alone;
pub use convert::{encrypt, rotate_key};
pub use files::{FileState, file_state, tidy};
use files::{converting, old_plaintext, sibling, starts_plaintext};
pub use keys::{DataKey, KdfCost, RecoveryKey, envelope_path};
use keys::{Entry, Envelope, Secret};
pub use state::{LockReport, SecurityState, auto_lock, security_state, set_auto_lock};

use crate::db::Db;
use crate::error::{Error, Result};

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

/// Whether `unlock` opens the key file at `path`, changing nothing (before an operation that
/// would first close the database).
pub async fn check(path: &Path, unlock: Unlock) -> Result<()> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || keys_for(&p, &unlock).map(|_| ()))
        .await
        .map_err(|e| Error::Internal(format!("checking the key failed: {e}")))?
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

/// A key file sealing `key` by `passphrase` (at `cost`) and by a new recovery key.
fn new_envelope(key: &DataKey, passphrase: &str, cost: KdfCost) -> Result<(Envelope, RecoveryKey)> {
    let recovery = RecoveryKey::random();
    let entry = Entry::new(
        key,
        passphrase,
        &recovery,
        cost,
        crate::Clock::system().stamp(),
    )?;
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
        let (mut env, recovery) = new_envelope(&k, &pass, cost)?;
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
