//! The DKIM key of an SMTP account: read from its file, checked, and set up for lettre to sign
//! every letter with.

use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;

use super::DkimSettings;
use crate::error::{Error, Result};

/// The headers a signature covers: whoever alters the sender, the recipient, the subject, the
/// date, the identity or the way out of a letter breaks it. A listed header a letter does not
/// have is signed as absent, so it cannot be added on the way either. Not Content-Type: lettre
/// writes a multipart letter's Content-Type with the body, after the headers it signs, so it
/// would sign it as absent and no verifier would accept the letter. The body hash covers the
/// parts and their boundaries all the same.
const SIGNED_HEADERS: [&str; 9] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

pub(crate) fn load_dkim(k: &DkimSettings) -> Result<DkimConfig> {
    crate::db::refuse_own_files(std::path::Path::new(&k.key_file))?;
    let text = std::fs::read_to_string(&k.key_file)
        .map_err(|e| Error::io("read the DKIM key", &k.key_file, e))?;
    let (key, algorithm) =
        signing_key_text(&text).ok_or_else(|| unusable_key(&k.key_file, "no private key in it"))?;
    let key = DkimSigningKey::new(&key, algorithm)
        .map_err(|e| unusable_key(&k.key_file, &e.to_string()))?;
    // relaxed/relaxed: lettre signs its DKIM-Signature header unfolded and sends it folded;
    // under "simple" header canonicalisation that fold alone failed every signature.
    Ok(DkimConfig::new(
        k.selector.trim().to_string(),
        k.domain.trim().to_string(),
        key,
        SIGNED_HEADERS
            .iter()
            .map(|h| HeaderName::new_from_ascii_str(h))
            .collect(),
        DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        },
    ))
}

fn unusable_key(file: &str, why: &str) -> Error {
    Error::InvalidInput(format!(
        "{file} is not a DKIM private key Appeal Desk can use ({why}); give an RSA key in PEM \
         (PKCS#8 'BEGIN PRIVATE KEY', as OpenSSL 3 writes it, or PKCS#1 'BEGIN RSA PRIVATE KEY') \
         or an Ed25519 key (PKCS#8 PEM, or its 32 bytes in base64)"
    ))
}

/// The key as lettre takes it: RSA as PKCS#1 PEM, Ed25519 as its 32-byte seed in base64.
/// PKCS#8 PEM (what `openssl genpkey` writes) is turned into those.
fn signing_key_text(text: &str) -> Option<(String, DkimSigningAlgorithm)> {
    use base64::Engine as _;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    if text.contains("BEGIN RSA PRIVATE KEY") {
        return Some((text.to_string(), DkimSigningAlgorithm::Rsa));
    }
    if text.contains("BEGIN PRIVATE KEY") {
        if let Ok(rsa) = rsa::RsaPrivateKey::from_pkcs8_pem(text) {
            let pkcs1 = rsa.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).ok()?;
            return Some((pkcs1.to_string(), DkimSigningAlgorithm::Rsa));
        }
        let ed = ed25519_dalek::SigningKey::from_pkcs8_pem(text).ok()?;
        let seed = base64::engine::general_purpose::STANDARD.encode(ed.to_bytes());
        return Some((seed, DkimSigningAlgorithm::Ed25519));
    }
    let raw = text.trim();
    (!raw.is_empty()).then(|| (raw.to_string(), DkimSigningAlgorithm::Ed25519))
}
