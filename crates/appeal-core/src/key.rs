//! The key an encrypted database opens with (SQLCipher, raw key). How it is kept, sealed by
//! the passphrase and the recovery key, is [`crate::vault`]'s business.

use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The key SQLCipher opens the database with. Zeroized when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    pub fn random() -> DataKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(&mut key[..]);
        DataKey(key)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<DataKey> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(Error::Damaged("a data key that is not 256 bits".into()));
        }
        key.copy_from_slice(bytes);
        Ok(DataKey(key))
    }

    pub(crate) fn from_hex(text: &str) -> Result<DataKey> {
        let bytes = Zeroizing::new(
            hex::decode(text.trim())
                .map_err(|_| Error::Damaged("a remembered key that is not hexadecimal".into()))?,
        );
        DataKey::from_bytes(&bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0[..]
    }

    pub(crate) fn hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    /// The value of `PRAGMA key`: SQLCipher's raw-key form, no key derivation of its own.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", hex::encode(&self.0[..])))
    }

    /// A public fingerprint that tells which envelope entry a key belongs to.
    /// A public fingerprint that tells which envelope entry a key belongs to.
    pub(crate) fn check(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"appeal-desk data key check v1");
        h.update(&self.0[..]);
        hex::encode(&h.finalize()[..8])
    }
}
