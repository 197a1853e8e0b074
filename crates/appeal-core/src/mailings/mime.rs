//! A stored letter as a MIME message (RFC 5322, multipart/alternative text + HTML, UTF-8
//! headers encoded per RFC 2047, attachments): what both the .eml hand-over and SMTP sending
//! write.

use std::path::Path;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};

use super::messages::Stored;
use super::unsubscribe::Unsubscribe;
use crate::error::{Error, Result};
use crate::time_util::Clock;

/// What sending adds to a stored letter; the hand-over exports add nothing.
#[derive(Default)]
pub(crate) struct Extras {
    /// Another recipient (a test send) instead of the letter's own.
    pub to: Option<lettre::message::Mailbox>,
    pub subject_prefix: &'static str,
    pub message_id: Option<String>,
    /// `List-Unsubscribe` value, for letters to supporters.
    pub list_unsubscribe: Option<String>,
    /// `List-Unsubscribe-Post` value, with an https unsubscribe page (RFC 8058).
    pub list_unsubscribe_post: Option<&'static str>,
    /// Unsubscribe wording appended to the text and HTML parts.
    pub footer: Option<(String, String)>,
    pub test: bool,
}

/// The message as an RFC 5322 document, multipart/alternative text + HTML.
pub(crate) fn eml(
    m: &Stored,
    files: &AttachmentFiles,
    clock: &Clock,
    way_out: Option<&Unsubscribe>,
) -> Result<Vec<u8>> {
    let x = Extras {
        list_unsubscribe: way_out.map(|u| u.header(&m.to_address)),
        list_unsubscribe_post: way_out.and_then(Unsubscribe::post),
        footer: way_out.map(|u| u.footer(&m.language)),
        ..Extras::default()
    };
    Ok(message(m, &x, files, clock.system_time())?.formatted())
}

/// Attachment files read and checked against their merge-time hash once per run (a send or
/// an export) instead of once per letter: a 2 MB PDF on 5,000 letters was read and hashed
/// 5,000 times. Every letter of the run gets the bytes that were checked. Up to 64 MiB of
/// files are kept; past that it starts over, so letters that each carry their own file
/// (a templated path) do not all stay in memory.
#[derive(Default)]
pub(crate) struct AttachmentFiles {
    checked: std::sync::Mutex<Checked>,
}

#[derive(Default)]
struct Checked {
    bytes: usize,
    files: std::collections::HashMap<(String, String), std::sync::Arc<Vec<u8>>>,
}

impl AttachmentFiles {
    const KEEP: usize = 64 << 20;

    /// The file as it was at merge time, or an error saying it changed.
    pub(super) fn get(
        &self,
        message: i64,
        a: &super::audience::AttachmentRef,
    ) -> Result<std::sync::Arc<Vec<u8>>> {
        use sha2::{Digest, Sha256};
        let key = (a.path.clone(), a.sha256.clone());
        if let Some(bytes) = self.lock().files.get(&key) {
            return Ok(bytes.clone());
        }
        // Read and hashed outside the lock: other letters need not wait for a big file.
        let path = Path::new(&a.path);
        crate::db::refuse_own_files(path)?;
        let bytes = std::fs::read(path).map_err(|e| Error::io("read the attachment", path, e))?;
        if hex::encode(Sha256::digest(&bytes)) != a.sha256 {
            return Err(Error::Conflict(format!(
                "message {message}: the attachment {} changed after the merge; merge the mailing again",
                a.path
            )));
        }
        let bytes = std::sync::Arc::new(bytes);
        if bytes.len() <= Self::KEEP {
            let mut c = self.lock();
            if c.bytes + bytes.len() > Self::KEEP {
                *c = Checked::default();
            }
            c.bytes += bytes.len();
            c.files.insert(key, bytes.clone());
        }
        Ok(bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Checked> {
        self.checked.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Merged text cannot add header lines: a line break in a subject becomes a space.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The letter as lettre's message: headers encoded per RFC 2047, parts per MIME.
/// `date` is the `Date:` header: the database's clock, read by the caller.
pub(crate) fn message(
    m: &Stored,
    x: &Extras,
    files: &AttachmentFiles,
    date: std::time::SystemTime,
) -> Result<lettre::Message> {
    use lettre::message::header::{HeaderName, HeaderValue};
    let bad = |what: &str, v: &str| {
        Error::Conflict(format!(
            "message {}: the stored {what} '{v}' is not a valid address",
            m.id
        ))
    };
    let from: Mailbox = m
        .from_header
        .parse()
        .map_err(|_| bad("sender", &m.from_header))?;
    let to: Mailbox = match &x.to {
        Some(to) => to.clone(),
        None => m
            .to_header
            .parse()
            .map_err(|_| bad("recipient", &m.to_header))?,
    };
    let (from_header, to_header) = (
        super::names::header("From", &from),
        super::names::header("To", &to),
    );
    let mut builder = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(format!("{}{}", x.subject_prefix, one_line(&m.subject)))
        .message_id(Some(
            x.message_id.clone().unwrap_or_else(|| m.message_id.clone()),
        ))
        .date(date);
    // Display names encoded on word boundaries, in place of lettre's encoding.
    builder = builder.raw_header(from_header).raw_header(to_header);
    if let Some(r) = &m.reply_to {
        let reply_to: Mailbox = r.parse().map_err(|_| bad("reply-to", r))?;
        builder = builder.raw_header(super::names::header("Reply-To", &reply_to));
    }
    let raw = |name: &'static str, value: String| {
        HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
    };
    if let Some(u) = &x.list_unsubscribe {
        builder = builder.raw_header(raw("List-Unsubscribe", one_line(u)));
    }
    if let Some(p) = x.list_unsubscribe_post {
        builder = builder.raw_header(raw("List-Unsubscribe-Post", p.into()));
    }
    if x.test {
        builder = builder.raw_header(raw("X-Appeal-Desk-Test", "yes".into()));
    }
    let (text, html) = match &x.footer {
        Some((t, h)) => (format!("{}{t}", m.text), m.html_document(h)),
        None => (m.text.clone(), m.html_document("")),
    };
    let mut body = MultiPart::alternative_plain_html(text, html);
    let attachments: Vec<super::audience::AttachmentRef> = serde_json::from_str(&m.attachments)
        .map_err(|_| {
            Error::Conflict(format!(
                "message {}: its list of attachments is damaged; merge the mailing again",
                m.id
            ))
        })?;
    if !attachments.is_empty() {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in &attachments {
            mixed = mixed.singlepart(attached(a, files.get(m.id, a)?.to_vec()));
        }
        body = mixed;
    }
    builder.multipart(body).map_err(|e| {
        Error::Conflict(format!(
            "message {} cannot be written as an email: {e}",
            m.id
        ))
    })
}

/// The checked file's bytes as a MIME part named after the file.
fn attached(a: &super::audience::AttachmentRef, bytes: Vec<u8>) -> lettre::message::SinglePart {
    let path = Path::new(&a.path);
    // The type by the file's extension (mime_guess); text is sent as UTF-8.
    let guessed = mime_guess::from_path(path).first_or_octet_stream();
    let kind = if guessed.type_() == mime_guess::mime::TEXT {
        format!("{guessed}; charset=utf-8")
    } else {
        guessed.to_string()
    };
    let name = path
        .file_name()
        .map_or("attachment".into(), |n| n.to_string_lossy().into_owned());
    Attachment::new(name).body(
        bytes,
        ContentType::parse(&kind).expect("a valid content type"),
    )
}
