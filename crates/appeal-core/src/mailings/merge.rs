//! Merging: every letter of a mailing rendered and frozen into the outbox, in one
//! transaction. Re-merging replaces the messages not yet sent; sent ones stay as they went.

use rand::RngCore;
use serde::Serialize;
use ts_rs::TS;

use super::Mailing;
use std::collections::HashSet;

use tokio::sync::mpsc;

use super::audience::{Audience, Letter, Pair, Shared, prepare};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::progress::Progress;

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[ts(export)]
pub struct MergeProgress {
    pub done: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct MergeReport {
    /// Messages now in the outbox for this mailing's recipients.
    pub messages: i64,
    /// Recipients left out because of a problem (only with `exclude_problems`).
    pub excluded: i64,
    /// Unsent messages of an earlier merge that these replace.
    pub replaced: i64,
}

/// Message-IDs for one merge: unique and stable for each message's life. The leading time
/// and sequence make ids of one merge sort in insertion order, so the unique index grows at
/// its end instead of splitting pages at random; the random part keeps them unguessable.
struct MessageIds {
    mailing_id: i64,
    domain: String,
    stamp: u64,
}

impl MessageIds {
    fn new(mailing_id: i64, from_address: &str) -> MessageIds {
        MessageIds {
            mailing_id,
            domain: from_address
                .rsplit_once('@')
                .map_or("appeal-desk.invalid", |(_, d)| d)
                .to_string(),
            stamp: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }

    fn get(&self, seq: u64) -> String {
        let mut r = [0u8; 6];
        rand::rng().fill_bytes(&mut r);
        format!(
            "<appeal.{}.{:x}.{seq:08x}.{}@{}>",
            self.mailing_id,
            self.stamp,
            hex::encode(r),
            self.domain
        )
    }
}

/// Merges the mailing. With problems in the audience it refuses, naming the first, unless
/// `exclude_problems` is set: then those recipients are left out and counted.
pub async fn merge(
    db: &Db,
    mailing_id: i64,
    exclude_problems: bool,
    progress: &dyn Progress<MergeProgress>,
) -> Result<MergeReport> {
    let mailing = super::get(db, mailing_id).await?;
    let shared = Shared::load(db, &mailing).await?;
    let known = crate::templates::fields(db, mailing.campaign_id).await?;
    if let Some(p) = crate::templates::check(&shared.template, &known).first() {
        return Err(Error::InvalidInput(format!(
            "the template has a problem ({} {:?}, line {}): {}; fix it before merging",
            p.language,
            p.part,
            p.line.unwrap_or(0),
            p.message
        )));
    }
    let total: i64 = match mailing.audience {
        super::AudienceKind::Targets => {
            crate::targets::list(db, mailing.campaign_id).await?.len() as i64
        }
        _ => 0,
    };
    // The outbox is written through the bulk connection: one transaction, committed at the end.
    let mut outbox = db.bulk_write().await?;
    let (replaced, kept) = outbox
        .run(move |c| {
            let replaced = c.execute(
                "DELETE FROM messages WHERE mailing_id = ? AND state IN ('queued', 'cancelled')",
                [mailing_id],
            )?;
            // Recipients whose message already went (or is on its way) keep it: no second letter.
            let kept = c
                .prepare("SELECT signatory_id, target_id FROM messages WHERE mailing_id = ?")?
                .query_map([mailing_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<HashSet<(Option<i64>, Option<i64>)>>>()?;
            Ok((replaced as i64, kept))
        })
        .await?;
    let mut report = MergeReport {
        replaced,
        ..Default::default()
    };
    let audience = Audience::open(db, &mailing).await?;
    let created = std::sync::Arc::new(db.now());
    // Three stages at once, each a page ahead of the next: reading the audience (a bulk
    // connection of its own), rendering (every core), and writing into the outbox (this
    // transaction's bulk connection).
    // Whichever stage fails first ends them all, and nothing is committed.
    let mut rendered = spawn_rendering(
        crate::db::read_ahead(db.clone(), audience),
        mailing,
        shared,
        kept,
        exclude_problems,
    );
    let mut done = 0i64;
    while let Some(batch) = rendered.recv().await {
        let batch = batch?;
        report.excluded += batch.excluded;
        report.messages += batch.letters.len() as i64;
        let created = created.clone();
        outbox
            .run(move |c| insert(c, mailing_id, &created, batch.letters))
            .await?;
        done += batch.pairs;
        progress.report(MergeProgress {
            done,
            total: total.max(done),
        });
    }
    outbox
        .run(move |c| {
            let updated = c.execute(
                "UPDATE mailings SET state = 'merged' WHERE id = ?",
                [mailing_id],
            )?;
            if updated == 0 {
                return Err(Error::NotFound(format!(
                    "mailing {mailing_id} was deleted while it was being merged; nothing was merged"
                )));
            }
            Ok(())
        })
        .await?;
    outbox.commit().await?;
    Ok(report)
}

/// A letter with what the outbox stores beside it, made on the rendering threads.
struct Ready {
    letter: Letter,
    message_id: String,
    /// The attachments as JSON.
    attachments: String,
}

/// A page's letters, ready to be written.
struct Batch {
    letters: Vec<Ready>,
    excluded: i64,
    /// Recipients of the page, for progress.
    pairs: i64,
}

/// Renders each page as it arrives, on a blocking thread that fans out to every core.
fn spawn_rendering(
    mut pages: mpsc::Receiver<Result<Vec<Pair>>>,
    mailing: Mailing,
    shared: Shared,
    kept: HashSet<(Option<i64>, Option<i64>)>,
    exclude_problems: bool,
) -> mpsc::Receiver<Result<Batch>> {
    let (tx, rx) = mpsc::channel(2);
    let ids = MessageIds::new(mailing.id, &mailing.from_address);
    let mut seq = 0;
    tokio::task::spawn_blocking(move || {
        while let Some(page) = pages.blocking_recv() {
            let page = match page {
                Ok(p) if p.is_empty() => break,
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            // Recipients whose message already went (or is on its way) keep it.
            let todo: Vec<&Pair> = page
                .iter()
                .filter(|p| {
                    let r = p.recipient_ids();
                    !kept.contains(&r)
                })
                .collect();
            let mut batch = Batch {
                letters: Vec::with_capacity(todo.len()),
                excluded: 0,
                pairs: page.len() as i64,
            };
            let prepared = prepare_all(&todo, &mailing, &shared, &ids, seq);
            seq += todo.len() as u64;
            for (pair, prepared) in todo.iter().zip(prepared) {
                match prepared {
                    Ok(l) => batch.letters.push(l),
                    Err(_) if exclude_problems => batch.excluded += 1,
                    Err(why) => {
                        let _ = tx.blocking_send(Err(Error::InvalidInput(format!(
                            "{}: {why}. Nothing was merged; fix it, or merge leaving out the recipients with problems",
                            pair.recipient().label
                        ))));
                        return;
                    }
                }
            }
            if tx.blocking_send(Ok(batch)).is_err() {
                return; // the writer stopped: its error is what the caller sees
            }
        }
    });
    rx
}

/// Writes letters into the outbox, `ROWS` to a statement.
fn insert(
    c: &rusqlite::Connection,
    mailing_id: i64,
    created: &str,
    letters: Vec<Ready>,
) -> Result<()> {
    for chunk in letters.chunks(ROWS) {
        let mut insert = c.prepare_cached(&format!(
            "INSERT INTO messages (mailing_id, signatory_id, target_id, from_header, to_header, to_address, reply_to,
                subject, text, html, language, message_id, created_at, attachments)
             VALUES {}",
            crate::db::value_rows(chunk.len(), 14)
        ))?;
        let mut i = 0;
        let mut bind = |v: &dyn rusqlite::ToSql| {
            i += 1;
            insert.raw_bind_parameter(i, v)
        };
        for Ready {
            letter: l,
            message_id,
            attachments,
        } in chunk
        {
            bind(&mailing_id)?;
            bind(&l.signatory_id)?;
            bind(&l.target_id)?;
            bind(&l.from)?;
            bind(&l.to)?;
            bind(&l.to_address)?;
            bind(&l.reply_to)?;
            bind(&l.rendered.subject)?;
            bind(&l.rendered.text)?;
            bind(&l.rendered.html)?;
            bind(&l.rendered.language)?;
            bind(message_id)?;
            bind(&created)?;
            bind(attachments)?;
        }
        insert.raw_execute()?;
    }
    Ok(())
}

const ROWS: usize = 100;

/// Renders a page of letters on every core: rendering is pure CPU work and dominates a merge.
/// The letter for `pairs[i]` gets sequence number `first_seq + i` in its Message-ID.
fn prepare_all(
    pairs: &[&Pair],
    mailing: &Mailing,
    shared: &Shared,
    ids: &MessageIds,
    first_seq: u64,
) -> Vec<std::result::Result<Ready, String>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let size = pairs.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = pairs
            .chunks(size)
            .enumerate()
            .map(|(n, chunk)| {
                let first = first_seq + (n * size) as u64;
                s.spawn(move || {
                    (first..)
                        .zip(chunk)
                        .map(|(seq, p)| {
                            let letter = prepare(p, mailing, shared)?;
                            let attachments = serde_json::to_string(&letter.attachments)
                                .expect("paths serialise");
                            Ok(Ready {
                                letter,
                                message_id: ids.get(seq + 1),
                                attachments,
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("rendering does not panic"))
            .collect()
    })
}
