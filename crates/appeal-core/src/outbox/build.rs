//! A stored letter as it goes over the wire: the frozen text and HTML, its stable
//! Message-ID, a fresh Date, and for letters to supporters a List-Unsubscribe header and
//! unsubscribe wording in the letter's language. Optionally DKIM-signed.

use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;

use crate::error::{Error, Result};
use crate::mailings::handover::{AttachmentFiles, Extras, message};
use crate::mailings::messages::Stored;
use crate::mailings::unsubscribe::Unsubscribe;
use crate::smtp::{DkimSettings, Profile};
use crate::time_util::Clock;

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

pub(crate) struct Builder {
    envelope_from: lettre::Address,
    to_supporters: bool,
    /// The group's https unsubscribe page, for a one-click List-Unsubscribe.
    unsubscribe_page: Option<url::Url>,
    dkim: Option<DkimConfig>,
    /// Checked once for the whole run, shared by every connection.
    files: AttachmentFiles,
    /// Dates each letter as it is built.
    clock: Clock,
}

/// One letter ready for the wire.
pub(crate) struct Built {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

impl Builder {
    /// `unsubscribe_page`: the mailing's, for letters to supporters.
    pub fn new(
        profile: &Profile,
        to_supporters: bool,
        unsubscribe_page: Option<String>,
        clock: Clock,
    ) -> Result<Builder> {
        let envelope_from = profile.draft.from_address.trim().parse().map_err(|_| {
            Error::InvalidInput(format!(
                "the account's sender address '{}' is not an email address",
                profile.draft.from_address
            ))
        })?;
        let dkim = profile.draft.dkim.as_ref().map(load_dkim).transpose()?;
        Ok(Builder {
            envelope_from,
            to_supporters,
            unsubscribe_page: crate::mailings::unsubscribe::stored_page(
                unsubscribe_page.as_deref(),
            )?,
            dkim,
            files: AttachmentFiles::default(),
            clock,
        })
    }

    /// The letter as stored, to its own recipient; or, for a test send, to `test_to`.
    pub fn build(&self, m: &Stored, test_to: Option<&Mailbox>) -> Result<Built> {
        let mut x = Extras::default();
        if self.to_supporters {
            let address = Unsubscribe::address_for(m.reply_to.as_deref(), &m.from_header)
                .unwrap_or_else(|| self.envelope_from.to_string());
            let way_out = Unsubscribe::to(&address).with_page(self.unsubscribe_page.as_ref());
            x.list_unsubscribe = Some(way_out.header(&m.to_address));
            x.list_unsubscribe_post = way_out.post();
            x.footer = Some(way_out.footer(&m.language));
        }
        if let Some(to) = test_to {
            x.to = Some(to.clone());
            x.subject_prefix = "[TEST] ";
            x.test = true;
            // A test copy must not share the real letter's Message-ID, or the real one could
            // later be taken for a duplicate of it.
            let stable = m.message_id.trim_matches(['<', '>']);
            x.message_id = Some(format!("<test.{:08x}.{stable}>", rand::random::<u32>()));
        }
        let mut message = message(m, &x, &self.files, self.clock.system_time())?;
        if let Some(k) = &self.dkim {
            message.sign(k);
        }
        let to = match test_to {
            Some(t) => t.email.clone(),
            None => m.to_address.trim().parse().map_err(|_| {
                Error::Conflict(format!(
                    "message {}: the recipient '{}' is not an email address",
                    m.id, m.to_address
                ))
            })?,
        };
        let envelope = Envelope::new(Some(self.envelope_from.clone()), vec![to])
            .map_err(|e| Error::Conflict(format!("message {}: {e}", m.id)))?;
        Ok(Built {
            envelope,
            bytes: message.formatted(),
        })
    }
}
