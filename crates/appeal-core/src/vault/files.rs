//! The files of a database on disk: what kind a path holds, the siblings a conversion
//! writes, and tidying what an interrupted one left.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use super::*;
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

/// Whether the file starts as every plaintext SQLite file does (`None`: there is no file).
pub(super) fn starts_plaintext(path: &Path) -> Result<Option<bool>> {
    use std::io::Read;
    let mut head = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => {
            let read = f.read(&mut head).map_err(|e| Error::io("read", path, e))?;
            Ok(Some(read == 16 && &head == SQLITE_HEADER))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("open", path, e)),
    }
}

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
    let plaintext = match starts_plaintext(path)? {
        Some(p) => p,
        None => {
            if envelope_path(path).exists() {
                return Err(Error::NotFound(format!(
                    "the database {} is missing, but its key file {} is there; restore the database from a backup (appeal db restore), or move the key file away to start anew",
                    path.display(),
                    envelope_path(path).display()
                )));
            }
            return Ok(FileState::Missing);
        }
    };
    let empty = std::fs::metadata(path).is_ok_and(|m| m.len() == 0);
    if empty && !envelope_path(path).exists() {
        return Ok(FileState::Missing);
    }
    if plaintext {
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
pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The new file a conversion writes before it replaces the database.
pub(super) fn converting(path: &Path) -> PathBuf {
    sibling(path, ".converting")
}

/// The old plaintext file kept by a second name while the encrypted one replaces it, until it
/// is overwritten and removed.
pub(super) fn old_plaintext(path: &Path) -> PathBuf {
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
pub(super) fn overwrite(path: &Path) -> Result<()> {
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
