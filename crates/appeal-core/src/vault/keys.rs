//! The keys of an encrypted database, and the envelope file that keeps the data key wrapped.
//!
//! A random 256-bit data key opens the database (SQLCipher, raw key). It is never stored in
//! the clear: the envelope beside the database (`<db>.keys`, mode 0600) holds it sealed with
//! XChaCha20-Poly1305 under a key derived from the passphrase with Argon2id, and sealed again
//! under the recovery key. The OS keychain holds it only when the user asks to be remembered
//! on this computer; losing the keychain never locks anyone out, since the passphrase and the
//! recovery key open the envelope on their own.

use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
pub use crate::key::DataKey;

/// How hard the passphrase's key is to derive. Stored with each sealed copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfCost {
    /// Memory in KiB.
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl KdfCost {
    /// Tuned on the reference machine (2 cores) so that unlocking takes about half a second:
    /// 128 MiB, seven passes (measured in the README). OWASP's floor for Argon2id is 19 MiB
    /// with two passes.
    pub const DEFAULT: KdfCost = KdfCost {
        m_kib: 128 * 1024,
        t: 7,
        p: 1,
    };
    pub const OWASP_MINIMUM: KdfCost = KdfCost {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    /// The cost for a new envelope. Test builds may ask for a trivial one with
    /// `APPEAL_TEST_KDF=fast`, so that hundreds of test processes do not each spend half a
    /// second; release builds ignore it.
    pub fn for_new() -> KdfCost {
        if cfg!(debug_assertions) && std::env::var("APPEAL_TEST_KDF").as_deref() == Ok("fast") {
            return KdfCost {
                m_kib: 64,
                t: 1,
                p: 1,
            };
        }
        KdfCost::DEFAULT
    }

    fn derive(&self, secret: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        if !cfg!(debug_assertions)
            && (self.m_kib < KdfCost::OWASP_MINIMUM.m_kib || self.t < KdfCost::OWASP_MINIMUM.t)
        {
            return Err(Error::Damaged(
                "a key envelope with a passphrase cost below the minimum".into(),
            ));
        }
        let params = Params::new(self.m_kib, self.t, self.p, Some(32)).map_err(|e| {
            Error::Damaged(format!("a key envelope with bad Argon2 settings ({e})"))
        })?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(secret, salt, &mut out[..])
            .map_err(|e| Error::InvalidInput(format!("cannot derive the key: {e}")))?;
        Ok(out)
    }
}

/// The recovery key: 160 random bits written as eight groups of four letters and digits
/// (base32), to copy onto paper. It opens the database when the passphrase is forgotten.
pub struct RecoveryKey(Zeroizing<[u8; 20]>);

impl RecoveryKey {
    pub fn random() -> RecoveryKey {
        let mut key = Zeroizing::new([0u8; 20]);
        rand::rng().fill_bytes(&mut key[..]);
        RecoveryKey(key)
    }

    /// `ABCD-EFGH-…`: 39 characters.
    pub fn display(&self) -> Zeroizing<String> {
        let plain = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(&self.0[..]));
        let groups: Vec<&str> = plain
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("base32 is ASCII"))
            .collect();
        Zeroizing::new(groups.join("-"))
    }

    /// Reads a recovery key as typed: case, spaces and dashes do not matter, and the digits
    /// 0, 1 and 8 are read as the letters O, I and B they are mistaken for.
    pub fn parse(text: &str) -> Result<RecoveryKey> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| match c.to_ascii_uppercase() {
                    '0' => 'O',
                    '1' => 'I',
                    '8' => 'B',
                    other => other,
                })
                .collect(),
        );
        let wrong = || {
            Error::InvalidInput(
                "that is not a recovery key: it has 32 letters and digits in groups of four, like ABCD-EFGH-…"
                    .into(),
            )
        };
        if cleaned.len() != 32 {
            return Err(wrong());
        }
        let bytes = Zeroizing::new(
            data_encoding::BASE32_NOPAD
                .decode(cleaned.as_bytes())
                .map_err(|_| wrong())?,
        );
        let mut key = Zeroizing::new([0u8; 20]);
        key.copy_from_slice(&bytes);
        Ok(RecoveryKey(key))
    }

    fn wrapping_key(&self, salt: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut h = Sha256::new();
        h.update(b"appeal-desk recovery key v1");
        h.update(salt);
        h.update(&self.0[..]);
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&h.finalize());
        out
    }
}

/// One sealed copy of a data key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Sealed {
    salt: String,
    nonce: String,
    sealed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kdf: Option<KdfCost>,
}

/// A data key as the envelope holds it: its fingerprint and its sealed copies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    check: String,
    created_at: String,
    passphrase: Sealed,
    recovery: Sealed,
}

/// The file beside the database. It holds one entry, or two while the data key is being
/// rotated (the database then opens with either).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Envelope {
    format: u32,
    pub(crate) keys: Vec<Entry>,
    /// The data key is also in the OS keychain ("remember on this computer").
    #[serde(default)]
    pub(crate) remembered: bool,
}

const AAD_PASSPHRASE: &[u8] = b"appeal-desk data key, sealed by passphrase";
const AAD_RECOVERY: &[u8] = b"appeal-desk data key, sealed by recovery key";

fn seal(
    wrapping: &[u8; 32],
    key: &DataKey,
    aad: &[u8],
    salt: Vec<u8>,
    kdf: Option<KdfCost>,
) -> Sealed {
    let cipher = XChaCha20Poly1305::new(wrapping.into());
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: key.bytes(),
                aad,
            },
        )
        .expect("sealing 32 bytes cannot fail");
    Sealed {
        salt: B64.encode(salt),
        nonce: B64.encode(nonce),
        sealed: B64.encode(sealed),
        kdf,
    }
}

/// `None` when the wrapping key is not the one that sealed it.
fn open_sealed(wrapping: &[u8; 32], sealed: &Sealed, aad: &[u8]) -> Result<Option<DataKey>> {
    let damaged = || Error::Damaged("a key envelope that is not readable".into());
    let nonce = B64.decode(&sealed.nonce).map_err(|_| damaged())?;
    let body = B64.decode(&sealed.sealed).map_err(|_| damaged())?;
    let nonce: [u8; 24] = nonce.try_into().map_err(|_| damaged())?;
    let cipher = XChaCha20Poly1305::new(wrapping.into());
    match cipher.decrypt(&XNonce::from(nonce), Payload { msg: &body, aad }) {
        Ok(mut plain) => {
            let key = DataKey::from_bytes(&plain);
            plain.zeroize();
            key.map(Some)
        }
        Err(_) => Ok(None),
    }
}

fn salt() -> Vec<u8> {
    let mut s = vec![0u8; 16];
    rand::rng().fill_bytes(&mut s);
    s
}

impl Entry {
    pub(crate) fn new(
        key: &DataKey,
        passphrase: &str,
        recovery: &RecoveryKey,
        cost: KdfCost,
        now: String,
    ) -> Result<Entry> {
        Ok(Entry {
            check: key.check(),
            created_at: now,
            passphrase: seal_passphrase(key, passphrase, cost)?,
            recovery: seal_recovery(key, recovery),
        })
    }

    pub(crate) fn holds(&self, key: &DataKey) -> bool {
        self.check == key.check()
    }

    fn by_passphrase(&self, passphrase: &str) -> Result<Option<DataKey>> {
        let kdf = self.passphrase.kdf.unwrap_or(KdfCost::DEFAULT);
        let salt = B64
            .decode(&self.passphrase.salt)
            .map_err(|_| Error::Damaged("a key envelope that is not readable".into()))?;
        let wrapping = kdf.derive(passphrase.as_bytes(), &salt)?;
        open_sealed(&wrapping, &self.passphrase, AAD_PASSPHRASE)
    }

    fn by_recovery(&self, recovery: &RecoveryKey) -> Result<Option<DataKey>> {
        let salt = B64
            .decode(&self.recovery.salt)
            .map_err(|_| Error::Damaged("a key envelope that is not readable".into()))?;
        open_sealed(&recovery.wrapping_key(&salt), &self.recovery, AAD_RECOVERY)
    }

    pub(crate) fn reseal_passphrase(&mut self, key: &DataKey, passphrase: &str) -> Result<()> {
        self.passphrase = seal_passphrase(key, passphrase, KdfCost::for_new())?;
        Ok(())
    }

    pub(crate) fn reseal_recovery(&mut self, key: &DataKey, recovery: &RecoveryKey) {
        self.recovery = seal_recovery(key, recovery);
    }
}

fn seal_passphrase(key: &DataKey, passphrase: &str, cost: KdfCost) -> Result<Sealed> {
    let s = salt();
    let wrapping = cost.derive(passphrase.as_bytes(), &s)?;
    Ok(seal(&wrapping, key, AAD_PASSPHRASE, s, Some(cost)))
}

fn seal_recovery(key: &DataKey, recovery: &RecoveryKey) -> Sealed {
    let s = salt();
    seal(&recovery.wrapping_key(&s), key, AAD_RECOVERY, s, None)
}

/// What the user gives to open the envelope.
pub enum Secret<'a> {
    Passphrase(&'a str),
    Recovery(&'a RecoveryKey),
}

impl Envelope {
    pub(crate) fn new(entry: Entry) -> Envelope {
        Envelope {
            format: 1,
            keys: vec![entry],
            remembered: false,
        }
    }

    /// The data keys this secret unseals, newest first (two only mid-rotation).
    pub(crate) fn unseal(&self, secret: &Secret<'_>) -> Result<Vec<DataKey>> {
        let mut found = Vec::new();
        for entry in self.keys.iter().rev() {
            let key = match secret {
                Secret::Passphrase(p) => entry.by_passphrase(p)?,
                Secret::Recovery(r) => entry.by_recovery(r)?,
            };
            found.extend(key);
        }
        Ok(found)
    }

    pub(crate) fn entry_mut(&mut self, key: &DataKey) -> Option<&mut Entry> {
        self.keys.iter_mut().find(|e| e.holds(key))
    }

    pub(crate) fn knows(&self, key: &DataKey) -> bool {
        self.keys.iter().any(|e| e.holds(key))
    }

    /// Reads the envelope beside `db`, `None` if there is none.
    pub(crate) fn read(db: &Path) -> Result<Option<Envelope>> {
        let path = envelope_path(db);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("read the key file", path, e)),
        };
        let envelope: Envelope = serde_json::from_str(&text).map_err(|e| {
            Error::Damaged(format!(
                "a key file {} that is not readable ({e})",
                path.display()
            ))
        })?;
        if envelope.format != 1 || envelope.keys.is_empty() {
            return Err(Error::Damaged(format!(
                "a key file {} of a format this version does not know",
                path.display()
            )));
        }
        Ok(Some(envelope))
    }

    /// Writes the envelope beside `db` in one step: a new file, synced, renamed over the old
    /// one, the folder synced. A crash leaves the old envelope or the new one.
    pub(crate) fn write(&self, db: &Path) -> Result<()> {
        write_atomically(
            &envelope_path(db),
            &serde_json::to_vec_pretty(self).expect("serialises"),
        )
    }
}

/// `<db>.keys`.
pub fn envelope_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".keys");
    PathBuf::from(name)
}

/// Replaces `path` with `bytes` so that a crash leaves the old or the new content: written to
/// a sibling, synced, renamed, the folder synced. Mode 0600.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io("create", &tmp, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io("write", &tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| Error::io("replace", path, e))?;
    sync_dir(path)
}

/// Syncs the folder holding `path`, so a rename in it survives a power cut.
pub(crate) fn sync_dir(path: &Path) -> Result<()> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("sync the folder", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_keys_read_back_as_typed() {
        let key = RecoveryKey::random();
        let shown = key.display();
        assert_eq!(shown.len(), 39);
        let typed = shown.to_lowercase().replace('-', " ").replace('o', "0");
        assert_eq!(&RecoveryKey::parse(&typed).unwrap().0[..], &key.0[..]);
        assert!(RecoveryKey::parse("ABCD-EFGH").is_err());
    }

    #[test]
    fn the_envelope_opens_only_with_its_secrets() {
        let key = DataKey::random();
        let recovery = RecoveryKey::random();
        let cost = KdfCost {
            m_kib: 64,
            t: 1,
            p: 1,
        };
        let env = Envelope::new(
            Entry::new(&key, "correct horse", &recovery, cost, "now".into()).unwrap(),
        );
        let by_pass = env.unseal(&Secret::Passphrase("correct horse")).unwrap();
        assert_eq!(by_pass.len(), 1);
        assert!(env.knows(&by_pass[0]));
        assert_eq!(by_pass[0].hex(), key.hex());
        assert!(
            env.unseal(&Secret::Passphrase("correct horsE"))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            env.unseal(&Secret::Recovery(&recovery)).unwrap()[0].hex(),
            key.hex()
        );
        assert!(
            env.unseal(&Secret::Recovery(&RecoveryKey::random()))
                .unwrap()
                .is_empty()
        );
    }
}
