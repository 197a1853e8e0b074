//! The group's mailbox, read over IMAP with TLS: unsubscribe requests and bounces are found,
//! shown for review, and only then acted on.
//!
//! A run reads the mailbox folder (without marking anything read), classifies each mail
//! ([`classify`]), and matches it to our letters by their stable Message-IDs (replied to,
//! or quoted in a bounce). Applying it, in one transaction: hard bounces and unsubscribe
//! requests put the address on the suppression list, soft bounces are counted, and every
//! mail acted on is recorded (by a hash of its bytes, so a mail counts once however often it
//! is read). Then, and only then, those mails are moved to the processed folder, or flagged
//! where no folder is set. Nothing is ever deleted, and mail for people to read is left as
//! it was. A second run over the same mail changes nothing.

mod classify;
mod secret;

use std::collections::HashMap;
use std::time::Duration;

use async_imap::Client;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use ts_rs::TS;

pub use classify::MailKind;
pub use secret::{delete_password, resolve_password, set_password};

use crate::db::Db;
use crate::email::normalise_email;
use crate::error::{Error, Result};
use crate::suppression::{Hasher, SuppressionReason};

/// The keyword set on processed mail when no processed folder is configured.
const PROCESSED_FLAG: &str = "$AppealDeskProcessed";
/// How long one IMAP step may take.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Mails fetched per command.
const FETCH_CHUNK: usize = 100;

#[derive(strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum MailboxSecurity {
    /// TLS from the first byte (IMAPS, port 993).
    Tls,
    /// STARTTLS on the plain port (143), required before logging in.
    Starttls,
}

impl MailboxSecurity {
    /// The port this kind of connection usually listens on.
    pub fn default_port(self) -> u16 {
        match self {
            MailboxSecurity::Tls => 993,
            MailboxSecurity::Starttls => 143,
        }
    }

    fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MailboxDraft {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub security: MailboxSecurity,
    pub username: String,
    /// The folder replies and bounces arrive in.
    pub folder: String,
    /// Where processed mail is moved; none: it is flagged `$AppealDeskProcessed` instead.
    pub processed_folder: Option<String>,
    /// A CA certificate (PEM) to trust besides the system's, for a group's own server.
    pub ca_file: Option<String>,
}

impl MailboxDraft {
    pub fn new(name: &str, host: &str, username: &str) -> MailboxDraft {
        MailboxDraft {
            name: name.into(),
            host: host.into(),
            port: 993,
            security: MailboxSecurity::Tls,
            username: username.into(),
            folder: "INBOX".into(),
            processed_folder: Some("Processed by Appeal Desk".into()),
            ca_file: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MailboxAccount {
    pub id: i64,
    #[serde(flatten)]
    pub draft: MailboxDraft,
    pub created_at: String,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<MailboxAccount> {
    let security: String = r.try_get("security")?;
    let port: i64 = r.try_get("port")?;
    Ok(MailboxAccount {
        id: r.try_get("id")?,
        draft: MailboxDraft {
            name: r.try_get("name")?,
            host: r.try_get("host")?,
            port: u16::try_from(port)
                .map_err(|_| crate::db::unknown_stored("a mailbox port", &port.to_string()))?,
            security: crate::db::stored("a mailbox security", &security)?,
            username: r.try_get("username")?,
            folder: r.try_get("folder")?,
            processed_folder: r.try_get("processed_folder")?,
            ca_file: r.try_get("ca_file")?,
        },
        created_at: r.try_get("created_at")?,
    })
}

fn check(d: &MailboxDraft) -> Result<()> {
    let one_line = |v: &str| !v.trim().is_empty() && !v.chars().any(char::is_control);
    if !one_line(&d.name) {
        return Err(Error::InvalidInput("a mailbox needs a name".into()));
    }
    if !one_line(&d.host) || d.host.contains(' ') {
        return Err(Error::InvalidInput(format!(
            "'{}' is not a server name (for example imap.example.org)",
            d.host
        )));
    }
    if d.port == 0 {
        return Err(Error::InvalidInput(
            "the port must be 1–65535 (993 for TLS, 143 for STARTTLS)".into(),
        ));
    }
    if !one_line(&d.username) {
        return Err(Error::InvalidInput("the mailbox needs a user name".into()));
    }
    for (what, f) in [
        ("folder", Some(&d.folder)),
        ("processed folder", d.processed_folder.as_ref()),
    ] {
        if let Some(f) = f
            && (!one_line(f) || f.contains('"') || f.contains('\\'))
        {
            return Err(Error::InvalidInput(format!(
                "the {what} name '{f}' must be one line without quotes or backslashes"
            )));
        }
    }
    if d.processed_folder
        .as_deref()
        .is_some_and(|p| p.trim().eq_ignore_ascii_case(d.folder.trim()))
    {
        return Err(Error::InvalidInput(
            "the processed folder must differ from the folder that is read".into(),
        ));
    }
    if let Some(ca) = d.ca_file.as_deref().filter(|c| !c.is_empty()) {
        crate::smtp::connect::load_ca(ca)?;
    }
    Ok(())
}

pub async fn add(db: &Db, d: &MailboxDraft) -> Result<MailboxAccount> {
    check(d)?;
    let id = sqlx::query(
        "INSERT INTO mailboxes (name, host, port, security, username, folder, processed_folder, ca_file, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(d.name.trim())
    .bind(d.host.trim())
    .bind(i64::from(d.port))
    .bind(d.security.as_str())
    .bind(d.username.trim())
    .bind(d.folder.trim())
    .bind(d.processed_folder.as_deref().map(str::trim).filter(|p| !p.is_empty()))
    .bind(d.ca_file.as_deref().filter(|c| !c.is_empty()))
    .bind(db.now())
    .execute(db.pool())
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(ref d) if d.is_unique_violation() => {
            Error::Conflict("there is already a mailbox with that name".into())
        }
        e => e.into(),
    })?
    .last_insert_rowid();
    get(db, id).await
}

pub async fn get(db: &Db, id: i64) -> Result<MailboxAccount> {
    let row = sqlx::query("SELECT * FROM mailboxes WHERE id = ?")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no mailbox with id {id}")))?;
    from_row(&row)
}

/// A mailbox by id or by name.
pub async fn find(db: &Db, key: &str) -> Result<MailboxAccount> {
    if let Ok(id) = key.parse::<i64>() {
        return get(db, id).await;
    }
    let row = sqlx::query("SELECT * FROM mailboxes WHERE name = ?")
        .bind(key.trim())
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| {
            Error::NotFound(format!(
                "there is no mailbox named '{key}'; `appeal mailbox list` shows them"
            ))
        })?;
    from_row(&row)
}

pub async fn list(db: &Db) -> Result<Vec<MailboxAccount>> {
    let rows = sqlx::query("SELECT * FROM mailboxes ORDER BY name")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// Removes the mailbox's settings (and its password from the keychain); what it did stays
/// recorded.
pub async fn delete(db: &Db, id: i64) -> Result<()> {
    let m = get(db, id).await?;
    sqlx::query("DELETE FROM mailboxes WHERE id = ?")
        .bind(id)
        .execute(db.pool())
        .await?;
    // The settings are gone either way; a password the keychain would not give up is said.
    let left = tokio::task::spawn_blocking(move || delete_password(&m))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    if let Err(e) = left {
        tracing::warn!("mailbox {id} removed, but its password is still in the keychain: {e}");
    }
    Ok(())
}

type Stream = Box<dyn AsyncStream>;
trait AsyncStream:
    tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug
{
}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug> AsyncStream
    for T
{
}

type Session = async_imap::Session<Stream>;

async fn step<T, E: std::fmt::Display>(
    what: &str,
    host: &str,
    f: impl std::future::Future<Output = std::result::Result<T, E>>,
) -> Result<T> {
    match tokio::time::timeout(TIMEOUT, f).await {
        Err(_) => Err(Error::Connection(format!(
            "{host} did not answer within {} s ({what})",
            TIMEOUT.as_secs()
        ))),
        Ok(Err(e)) => Err(Error::Connection(format!("{host}: cannot {what}: {e}"))),
        Ok(Ok(v)) => Ok(v),
    }
}

/// Connects, secures the connection and logs in.
async fn connect(m: &MailboxAccount, password: &str) -> Result<Session> {
    let d = &m.draft;
    let host = d.host.as_str();
    let extra = match d.ca_file.as_deref().filter(|c| !c.is_empty()) {
        Some(ca) => crate::smtp::connect::load_ca(ca)?,
        None => Vec::new(),
    };
    let tls = crate::smtp::connect::tls_connector(extra)?;
    let name = ServerName::try_from(host.to_string()).map_err(|_| {
        Error::InvalidInput(format!("'{host}' cannot be checked against a certificate"))
    })?;
    let tcp = step("connect", host, TcpStream::connect((host, d.port))).await?;
    let secured: Stream = match d.security {
        MailboxSecurity::Tls => {
            let s = step("set up TLS", host, tls.connect(name, tcp))
                .await
                .map_err(tls_words)?;
            let mut c = Client::new(Box::new(s) as Stream);
            greeting(&mut c, host).await?;
            c.into_inner()
        }
        MailboxSecurity::Starttls => {
            let mut c = Client::new(tcp);
            greeting(&mut c, host).await?;
            step(
                "start TLS (STARTTLS)",
                host,
                c.run_command_and_check_ok("STARTTLS", None),
            )
            .await?;
            let tcp = c.into_inner();
            let s = step("set up TLS", host, tls.connect(name, tcp))
                .await
                .map_err(tls_words)?;
            Box::new(s)
        }
    };
    let client = Client::new(secured);
    match tokio::time::timeout(TIMEOUT, client.login(&d.username, password)).await {
        Err(_) => Err(Error::Connection(format!(
            "{host} did not answer the login"
        ))),
        Ok(Err((e, _))) => Err(Error::Connection(format!(
            "{host} refused the user name or password of {} ({e})",
            d.username
        ))),
        Ok(Ok(s)) => Ok(s),
    }
}

fn tls_words(e: Error) -> Error {
    match e {
        Error::Connection(m) => Error::Connection(format!(
            "{m}. If the server uses its own certificate, give its CA file in the mailbox settings"
        )),
        e => e,
    }
}

async fn greeting<T>(c: &mut Client<T>, host: &str) -> Result<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + std::fmt::Debug,
{
    match tokio::time::timeout(TIMEOUT, c.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(Error::Connection(format!(
            "{host} closed the connection without a greeting"
        ))),
        Ok(Err(e)) => Err(Error::Connection(format!("{host}: no IMAP greeting: {e}"))),
        Err(_) => Err(Error::Connection(format!(
            "{host} sent no greeting within {} s",
            TIMEOUT.as_secs()
        ))),
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MailboxTest {
    /// Mails in the folder that is read.
    pub messages: u32,
    pub folder: String,
}

/// Logs in and opens the folder (read-only): proves the settings and the password.
pub async fn test(m: &MailboxAccount, password: &str) -> Result<MailboxTest> {
    let mut s = connect(m, password).await?;
    let host = &m.draft.host;
    let folder = step("open the folder", host, s.examine(&m.draft.folder)).await?;
    let _ = tokio::time::timeout(TIMEOUT, s.logout()).await;
    Ok(MailboxTest {
        messages: folder.exists,
        folder: m.draft.folder.clone(),
    })
}

/// One mail of the run, as shown for review.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MailFinding {
    pub uid: u32,
    pub kind: MailKind,
    pub from: String,
    pub subject: String,
    /// The address that goes on the suppression list (hard bounces, unsubscribes), or whose
    /// soft bounce is counted.
    pub address: Option<String>,
    /// Our letter the mail refers to, when found.
    pub letter_id: Option<i64>,
    pub mailing_id: Option<i64>,
    pub status: Option<String>,
    pub reason: String,
    /// Acted on in an earlier run (its mail was not moved then); nothing changes again.
    pub already_processed: bool,
    /// For soft bounces: how many this address has had, this one included.
    pub soft_bounces: Option<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProcessReport {
    pub dry_run: bool,
    pub read: i64,
    pub unsubscribes: i64,
    pub hard_bounces: i64,
    pub soft_bounces: i64,
    pub ignored: i64,
    /// Addresses newly put on the suppression list.
    pub suppressed: i64,
    /// Mails moved to the processed folder or flagged.
    pub moved: i64,
    pub processed_folder: Option<String>,
    pub findings: Vec<MailFinding>,
}

/// Reads the mailbox and, unless `dry_run`, acts on what it found (see the module's text).
pub async fn process(
    db: &Db,
    m: &MailboxAccount,
    password: &str,
    dry_run: bool,
) -> Result<ProcessReport> {
    let mut s = connect(m, password).await?;
    let host = m.draft.host.clone();
    let folder = &m.draft.folder;
    if dry_run {
        step("open the folder", &host, s.examine(folder)).await?;
    } else {
        step("open the folder", &host, s.select(folder)).await?;
    }
    let query = match &m.draft.processed_folder {
        Some(_) => "ALL".to_string(),
        None => format!("UNKEYWORD {PROCESSED_FLAG}"),
    };
    let mut uids: Vec<u32> = step("search the folder", &host, s.uid_search(&query))
        .await?
        .into_iter()
        .collect();
    uids.sort_unstable();

    let hasher = Hasher::load(db).await?;
    let mut findings = Vec::new();
    let mut to_record: Vec<(MailFinding, String)> = Vec::new();
    for chunk in uids.chunks(FETCH_CHUNK) {
        let set = chunk
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<_> = step("read mail", &host, async {
            s.uid_fetch(&set, "(UID BODY.PEEK[])")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        for f in fetched {
            let (Some(uid), Some(body)) = (f.uid, f.body()) else {
                continue;
            };
            let key = hex::encode(Sha256::digest(body));
            let c = classify::classify(body);
            let finding = finding(db, uid, c, &key).await?;
            if finding.kind != MailKind::Ignored {
                to_record.push((finding.clone(), key));
            }
            findings.push(finding);
        }
    }

    let mut report = ProcessReport {
        dry_run,
        read: findings.len() as i64,
        unsubscribes: 0,
        hard_bounces: 0,
        soft_bounces: 0,
        ignored: 0,
        suppressed: 0,
        moved: 0,
        processed_folder: m.draft.processed_folder.clone(),
        findings: Vec::new(),
    };
    for f in &findings {
        match f.kind {
            MailKind::Unsubscribe => report.unsubscribes += 1,
            MailKind::HardBounce => report.hard_bounces += 1,
            MailKind::SoftBounce => report.soft_bounces += 1,
            MailKind::Ignored => report.ignored += 1,
        }
    }

    // Soft bounce counts as they stand (and would stand after this run).
    let mut soft_seen: HashMap<String, i64> = HashMap::new();
    for f in findings.iter_mut() {
        if f.kind == MailKind::SoftBounce
            && let Some(a) = &f.address
        {
            let h = hasher.hash(&normalise_email(a));
            let before: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mailbox_events WHERE kind = 'soft_bounce' AND address_hash = ?",
            )
            .bind(&h)
            .fetch_one(db.pool())
            .await?;
            let n = soft_seen.entry(h).or_insert(before);
            if !f.already_processed {
                *n += 1;
            }
            f.soft_bounces = Some(*n);
        }
    }

    if !dry_run && !to_record.is_empty() {
        report.suppressed = record(db, m.id, &hasher, &to_record).await?;
        let done: Vec<u32> = to_record.iter().map(|(f, _)| f.uid).collect();
        report.moved = put_away(&mut s, m, &done).await?;
        tracing::info!(
            mailbox = %m.draft.name,
            unsubscribes = report.unsubscribes,
            hard_bounces = report.hard_bounces,
            soft_bounces = report.soft_bounces,
            suppressed = report.suppressed,
            moved = report.moved,
            "mailbox processed"
        );
    }
    let _ = tokio::time::timeout(TIMEOUT, s.logout()).await;
    report.findings = findings;
    Ok(report)
}

/// The mail matched to our letters: the address acted on is the letter's recipient for a
/// bounce, the sender for an unsubscribe request.
async fn finding(db: &Db, uid: u32, c: classify::Classified, key: &str) -> Result<MailFinding> {
    let mut letter: Option<(i64, i64, String)> = None;
    for id in &c.our_ids {
        if let Some(r) =
            sqlx::query("SELECT id, mailing_id, to_address FROM messages WHERE message_id = ?")
                .bind(id)
                .fetch_optional(db.pool())
                .await?
        {
            letter = Some((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
            break;
        }
    }
    let mut kind = c.kind;
    let mut reason = c.reason;
    let address = match kind {
        MailKind::Unsubscribe => c.address.or_else(|| letter.as_ref().map(|l| l.2.clone())),
        MailKind::HardBounce | MailKind::SoftBounce => {
            // A bounce acts only on a letter of ours: matched by Message-ID, or by a failed
            // recipient we have written to.
            match (&letter, &c.address) {
                (Some(l), _) => Some(l.2.clone()),
                (None, Some(a)) => {
                    let known: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM messages WHERE to_address = ? COLLATE NOCASE LIMIT 1",
                    )
                    .bind(a.trim())
                    .fetch_optional(db.pool())
                    .await?;
                    if known.is_none() {
                        reason = format!("{reason}; but not about a letter of ours: left alone");
                        kind = MailKind::Ignored;
                    }
                    Some(a.clone())
                }
                (None, None) => {
                    reason = format!("{reason}; but not about a letter of ours: left alone");
                    kind = MailKind::Ignored;
                    None
                }
            }
        }
        MailKind::Ignored => None,
    };
    let already: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM mailbox_events WHERE mail_key = ?)")
            .bind(key)
            .fetch_one(db.pool())
            .await?;
    Ok(MailFinding {
        uid,
        kind,
        from: c.from,
        subject: c.subject,
        address: if kind == MailKind::Ignored {
            None
        } else {
            address
        },
        letter_id: letter.as_ref().map(|l| l.0),
        mailing_id: letter.as_ref().map(|l| l.1),
        status: c.status,
        reason,
        already_processed: already && kind != MailKind::Ignored,
        soft_bounces: None,
    })
}

/// One transaction: suppression entries and the record of every mail acted on. Returns how
/// many addresses were newly suppressed.
async fn record(
    db: &Db,
    mailbox_id: i64,
    hasher: &Hasher,
    found: &[(MailFinding, String)],
) -> Result<i64> {
    let now = db.now();
    let mut tx = db.pool().begin().await?;
    let mut suppressed = 0;
    for (f, key) in found {
        if f.already_processed {
            continue;
        }
        let hash = f
            .address
            .as_deref()
            .map(|a| hasher.hash(&normalise_email(a)));
        let (kind, reason) = match f.kind {
            MailKind::Unsubscribe => ("unsubscribe", Some(SuppressionReason::Unsubscribed)),
            MailKind::HardBounce => ("hard_bounce", Some(SuppressionReason::Bounced)),
            MailKind::SoftBounce => ("soft_bounce", None),
            MailKind::Ignored => continue,
        };
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO mailbox_events (mailbox_id, mail_key, kind, message_id, address_hash, status, at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(mailbox_id)
        .bind(key)
        .bind(kind)
        .bind(f.letter_id)
        .bind(&hash)
        .bind(&f.status)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            continue;
        }
        if let (Some(reason), Some(hash)) = (reason, &hash)
            && crate::suppression::add_hash(&mut tx, hash, None, reason, &now).await?
        {
            suppressed += 1;
        }
    }
    tx.commit().await?;
    Ok(suppressed)
}

/// Moves the processed mails to the processed folder (created if missing), or flags them.
async fn put_away(s: &mut Session, m: &MailboxAccount, uids: &[u32]) -> Result<i64> {
    if uids.is_empty() {
        return Ok(0);
    }
    let host = &m.draft.host;
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    match &m.draft.processed_folder {
        Some(folder) => {
            // CREATE fails when the folder exists; the MOVE below says if it really is missing.
            // (async-imap quotes folder names itself.)
            let _ = tokio::time::timeout(TIMEOUT, s.create(folder)).await;
            step(
                &format!("move processed mail to '{folder}'"),
                host,
                s.uid_mv(&set, folder),
            )
            .await?;
        }
        None => {
            let flagged: Vec<_> = step("flag processed mail", host, async {
                s.uid_store(&set, format!("+FLAGS ({PROCESSED_FLAG})"))
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
            drop(flagged);
        }
    }
    Ok(uids.len() as i64)
}
