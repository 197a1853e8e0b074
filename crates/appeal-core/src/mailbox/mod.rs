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

mod account;
mod classify;
mod imap;
mod secret;

use std::collections::HashMap;
use std::time::Duration;

use futures_util::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use ts_rs::TS;

pub use account::{MailboxAccount, MailboxDraft, MailboxSecurity, add, delete, find, get, list};
pub use classify::MailKind;
pub use imap::{MailboxTest, test};
use imap::{connect, put_away, step};

pub use secret::{delete_password, resolve_password, set_password};

use crate::db::Db;
use crate::email::normalise_email;
use crate::error::Result;
use crate::suppression::{Hasher, SuppressionReason};

/// The keyword set on processed mail when no processed folder is configured.
const PROCESSED_FLAG: &str = "$AppealDeskProcessed";
/// How long one IMAP step may take.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Mails fetched per command.
const FETCH_CHUNK: usize = 100;

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
