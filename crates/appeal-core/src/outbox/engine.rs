//! Sending a mailing: a durable state machine over the outbox.
//!
//! One task hands messages out, a pool of workers each keeps one SMTP connection, and one
//! writer records results. Before a message is handed to a worker its state is committed as
//! "sending" (the database runs with `synchronous = FULL`, so the mark survives power loss);
//! only then does its SMTP transaction start. Just before a letter's final dot is written,
//! that is recorded too, on disk, in the mailing's send journal ([`super::dots`], one sync
//! for every connection waiting). If the process dies, the next run finds the letter
//! "sending": without a mark it cannot have been accepted (a server takes a letter only at
//! its final dot) and goes back to the queue; with one, it may have arrived and becomes
//! "uncertain". Nothing is dropped or re-sent silently, and a crash leaves at most one
//! uncertain letter per connection. Results are written in batches (group commit), which is
//! what lets one SQLite file keep up with thousands of messages a second.
//!
//! Within a transaction: a negative reply to MAIL, RCPT or DATA is definite (4xx → deferred
//! and retried with exponential backoff, 5xx → failed with the server's words), and RSET
//! clears the connection for the next message. A connection lost or timed out before the
//! letter was handed over is retried; lost after (while waiting for the reply to the final
//! dot) the letter may have arrived, so it becomes uncertain. A 421 or "too many … slow down"
//! halves the connections in use and pauses the account briefly.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use serde::Serialize;
use tokio::sync::{Notify, mpsc, watch};
use ts_rs::TS;

use super::build::{Builder, Built};
use super::dots::Journal;
use super::limits::{Limiter, Throttle, is_slow_down};
use super::{SendLock, StateCounts, counts, now_ms, parse_stamp, recover, stamp};
use crate::db::Db;
use crate::email::normalise_email;
use crate::error::{Error, Result};
use crate::mailings::AudienceKind;
use crate::mailings::messages::Stored;
use crate::progress::Progress;
use crate::smtp::Profile;
use crate::smtp::connect::{Conn, Connector};
use crate::suppression::Hasher;
use crate::time_util::Clock;

/// Messages marked "sending" per usable connection at most: enough to claim in batches
/// (each claim is one committed transaction), few enough that a crash leaves few uncertain.
const AHEAD: usize = 3;

#[derive(Debug, Clone, Copy)]
pub struct SendOptions {
    /// Keep running until deferred messages have had their retries; otherwise stop when only
    /// deferred (and uncertain) messages are left.
    pub wait_for_retries: bool,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            wait_for_retries: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Go,
    Pause,
    /// Finish what is in flight and return; the rest stays queued.
    Stop,
    Cancel,
}

/// Pause, resume or cancel a running send from anywhere (a button, Ctrl-C).
#[derive(Clone)]
pub struct SendControl {
    tx: Arc<watch::Sender<Run>>,
}

impl Default for SendControl {
    fn default() -> Self {
        Self::new()
    }
}

impl SendControl {
    pub fn new() -> Self {
        SendControl {
            tx: Arc::new(watch::channel(Run::Go).0),
        }
    }
    pub fn pause(&self) {
        self.tx.send_if_modified(|r| {
            let change = *r == Run::Go;
            if change {
                *r = Run::Pause;
            }
            change
        });
    }
    pub fn resume(&self) {
        self.tx.send_if_modified(|r| {
            let change = *r == Run::Pause;
            if change {
                *r = Run::Go;
            }
            change
        });
    }
    /// Stops handing out messages; those in the middle of their transaction finish, then
    /// everything not yet sent is cancelled.
    pub fn cancel(&self) {
        self.tx.send_replace(Run::Cancel);
    }
    /// Stops handing out messages; those in flight finish; the rest stays queued.
    pub fn stop(&self) {
        self.tx.send_if_modified(|r| {
            let change = *r != Run::Cancel;
            *r = Run::Stop;
            change
        });
    }
    pub fn is_paused(&self) -> bool {
        *self.tx.borrow() == Run::Pause
    }
    fn state(&self) -> Run {
        *self.tx.borrow()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SendPhase {
    Connecting,
    Running,
    Paused,
    /// The server asked us to slow down; fewer connections for a while.
    SlowedDown,
    /// Only deferred messages are left; waiting for their retry time.
    WaitingForRetry,
    Cancelling,
    /// Every message is in a final state.
    Finished,
    /// Stopped with messages still open (deferred not waited for, uncertain to decide, or
    /// cancelled).
    Stopped,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SendProgress {
    pub mailing_id: i64,
    pub phase: SendPhase,
    pub counts: StateCounts,
    pub total: i64,
    pub connections: i64,
    /// Messages sent per second over the last ten seconds.
    pub rate_per_second: f64,
    pub eta_seconds: Option<i64>,
    pub next_retry_at: Option<String>,
    /// The latest connection problem, in words, while it lasts.
    pub note: Option<String>,
    pub elapsed_seconds: f64,
}

enum Outcome {
    Sent {
        code: u16,
        reply: String,
        queue_id: Option<String>,
    },
    Deferred {
        code: Option<u16>,
        reply: String,
    },
    Failed {
        code: Option<u16>,
        reply: String,
    },
    Uncertain {
        reply: String,
    },
}

struct Done {
    id: i64,
    attempts_before: i64,
    outcome: Outcome,
}

/// How long to wait for the reply to the final dot: RFC 5321 4.5.3.2.6 suggests 10 minutes,
/// since the server may scan the letter before answering. Other replies keep the account's
/// (short) timeout.
const FINAL_DOT_TIMEOUT: Duration = Duration::from_secs(600);

/// The one connection that records claims and results: SQLite keeps its page cache only
/// while no other connection writes, so alternating connections would re-read every page.
type Store = Arc<tokio::sync::Mutex<sqlx::pool::PoolConnection<sqlx::Sqlite>>>;

struct Shared {
    /// The database's clock: every time this send stores or waits for.
    clock: Clock,
    counts: Mutex<StateCounts>,
    in_flight: AtomicUsize,
    connections: AtomicUsize,
    throttle: Mutex<Throttle>,
    written: Notify,
    phase: Mutex<SendPhase>,
    next_retry_at: Mutex<Option<String>>,
    note: Mutex<Option<String>>,
    fatal: Mutex<Option<Error>>,
}

impl Shared {
    fn set_phase(&self, p: SendPhase) {
        *self.phase.lock().expect("not poisoned") = p;
    }
    fn note(&self, n: Option<String>) {
        *self.note.lock().expect("not poisoned") = n;
    }
}

/// Sends every due message of a mailing through one account, until the mailing is finished,
/// paused-then-cancelled, or (without `wait_for_retries`) only deferred messages are left.
pub async fn send(
    db: &Db,
    mailing_id: i64,
    profile: &Profile,
    password: Option<String>,
    control: SendControl,
    progress: Arc<dyn Progress<SendProgress>>,
    options: SendOptions,
) -> Result<SendProgress> {
    let mailing = crate::mailings::get(db, mailing_id).await?;
    let lock = SendLock::try_acquire(db, mailing_id)?.ok_or_else(super::busy)?;
    recover(db, mailing_id, &lock).await?;
    let start_counts = counts(db, mailing_id).await?;
    if start_counts.total() == 0 {
        return Err(Error::InvalidInput(format!(
            "mailing {mailing_id} has no merged messages; merge it first"
        )));
    }
    let builder = Arc::new(Builder::new(
        profile,
        mailing.audience == AudienceKind::Signatories,
        mailing.unsubscribe_url.clone(),
        *db.clock(),
    )?);
    let connector = Arc::new(Connector::new(profile, password.as_deref())?);
    let started = Instant::now();
    let shared = Arc::new(Shared {
        clock: *db.clock(),
        counts: Mutex::new(start_counts),
        in_flight: AtomicUsize::new(0),
        connections: AtomicUsize::new(0),
        throttle: Mutex::new(Throttle::new(
            profile.draft.concurrency as usize,
            Duration::from_secs(profile.draft.retry_base_seconds.min(60).into()),
        )),
        written: Notify::new(),
        phase: Mutex::new(SendPhase::Connecting),
        next_retry_at: Mutex::new(None),
        note: Mutex::new(None),
        fatal: Mutex::new(None),
    });
    let reporter = spawn_reporter(mailing_id, shared.clone(), progress.clone(), started);

    // The first connection proves the account works before any message changes state.
    let first = if start_counts.queued + start_counts.deferred > 0 {
        match connector.connect().await {
            Ok(c) => Some(c),
            Err(e) => {
                reporter.abort();
                return Err(e.into());
            }
        }
    } else {
        None
    };
    shared.set_phase(SendPhase::Running);

    let concurrency = profile.draft.concurrency as usize;
    let (job_tx, job_rx) = mpsc::channel::<Stored>(concurrency * 2);
    let job_rx = Arc::new(tokio::sync::Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<Done>(4096);
    let store: Store = Arc::new(tokio::sync::Mutex::new(db.pool().acquire().await?));
    let writer = tokio::spawn(writer(
        store.clone(),
        profile.clone(),
        done_rx,
        shared.clone(),
    ));
    // Recovery above emptied the journal; this run's marks start from nothing.
    let journal = Arc::new(Journal::start(lock.journal_file()?)?);
    let mut first = first;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        workers.push(tokio::spawn(worker(
            connector.clone(),
            builder.clone(),
            job_rx.clone(),
            done_tx.clone(),
            journal.clone(),
            shared.clone(),
            first.take(),
        )));
    }
    drop(done_tx);

    let produced = produce(
        db, &store, mailing_id, profile, &control, &shared, job_tx, options,
    )
    .await;
    for w in workers {
        let _ = w.await;
    }
    let _ = writer.await;
    drop(journal);
    if let Some(e) = shared.fatal.lock().expect("not poisoned").take() {
        // Results may be missing: the marks stay for the next recovery.
        reporter.abort();
        return Err(e);
    }
    // Every result is recorded: no letter is left "sending", and the marks are spent.
    super::dots::clear(lock.file())?;
    produced?;
    if control.state() == Run::Cancel {
        super::cancel(db, mailing_id).await?;
    }
    reporter.abort();
    let final_counts = counts(db, mailing_id).await?;
    *shared.counts.lock().expect("not poisoned") = final_counts;
    shared.set_phase(if final_counts.open() == 0 {
        SendPhase::Finished
    } else {
        SendPhase::Stopped
    });
    *shared.next_retry_at.lock().expect("not poisoned") =
        super::next_retry_at(db, mailing_id).await?;
    let last = snapshot(mailing_id, &shared, started, 0.0);
    let rate = last.counts.sent.saturating_sub(start_counts.sent) as f64
        / started.elapsed().as_secs_f64().max(1e-3);
    let last = SendProgress {
        rate_per_second: rate,
        ..last
    };
    progress.report(last.clone());
    drop(lock);
    Ok(last)
}

fn snapshot(mailing_id: i64, s: &Shared, started: Instant, rate: f64) -> SendProgress {
    let counts = *s.counts.lock().expect("not poisoned");
    let left = counts.queued + counts.sending + counts.deferred;
    SendProgress {
        mailing_id,
        phase: *s.phase.lock().expect("not poisoned"),
        counts,
        total: counts.total(),
        connections: s.connections.load(Ordering::Relaxed) as i64,
        rate_per_second: rate,
        eta_seconds: (rate > 0.5 && left > 0).then(|| (left as f64 / rate).ceil() as i64),
        next_retry_at: s.next_retry_at.lock().expect("not poisoned").clone(),
        note: s.note.lock().expect("not poisoned").clone(),
        elapsed_seconds: started.elapsed().as_secs_f64(),
    }
}

fn spawn_reporter(
    mailing_id: i64,
    shared: Arc<Shared>,
    progress: Arc<dyn Progress<SendProgress>>,
    started: Instant,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut samples: VecDeque<(Instant, i64)> = VecDeque::new();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            let now = Instant::now();
            let sent = shared.counts.lock().expect("not poisoned").sent;
            samples.push_back((now, sent));
            while samples
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) > Duration::from_secs(10))
            {
                samples.pop_front();
            }
            let (t0, s0) = *samples.front().expect("just pushed");
            let dt = now.duration_since(t0).as_secs_f64();
            let rate = if dt > 0.2 {
                (sent - s0) as f64 / dt
            } else {
                0.0
            };
            progress.report(snapshot(mailing_id, &shared, started, rate));
        }
    })
}

/// Hands due messages to the workers, within the account's limits, until none are left.
#[allow(clippy::too_many_arguments)]
async fn produce(
    db: &Db,
    store: &Store,
    mailing_id: i64,
    profile: &Profile,
    control: &SendControl,
    shared: &Arc<Shared>,
    jobs: mpsc::Sender<Stored>,
    options: SendOptions,
) -> Result<()> {
    let mut limiter = Limiter::new(&profile.draft.limits, earlier_sends(db, profile.id).await?);
    let hasher = Hasher::load(db).await?;
    let mut suppressed = crate::suppression::all_hashes(db).await?;
    let mut suppressed_at = Instant::now();
    let mut run = control.tx.subscribe();
    let concurrency = profile.draft.concurrency as usize;
    loop {
        if shared.fatal.lock().expect("not poisoned").is_some() {
            return Ok(());
        }
        let state = *run.borrow_and_update();
        match state {
            Run::Cancel => {
                shared.set_phase(SendPhase::Cancelling);
                return Ok(());
            }
            Run::Stop => return Ok(()),
            Run::Pause => {
                shared.set_phase(SendPhase::Paused);
                let _ = run.changed().await;
                continue;
            }
            Run::Go => {}
        }
        let now = Instant::now();
        let (allowed, hold) = {
            let t = shared.throttle.lock().expect("not poisoned");
            (t.allowed(), t.hold(now))
        };
        if let Some(hold) = hold {
            shared.set_phase(SendPhase::SlowedDown);
            wait(&mut run, hold).await;
            continue;
        }
        shared.set_phase(if allowed < concurrency {
            SendPhase::SlowedDown
        } else {
            SendPhase::Running
        });
        // Keep at most AHEAD messages per usable connection marked "sending".
        let in_flight = shared.in_flight.load(Ordering::Acquire);
        let room = (allowed * AHEAD).saturating_sub(in_flight);
        if room < allowed {
            tokio::select! {
                _ = shared.written.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                _ = run.changed() => {}
            }
            continue;
        }
        let n = match limiter.grant(room, now) {
            Ok(n) => n,
            Err(pause) => {
                wait(&mut run, pause.min(Duration::from_secs(5))).await;
                continue;
            }
        };
        if suppressed_at.elapsed() > Duration::from_secs(5) {
            suppressed = crate::suppression::all_hashes(db).await?;
            suppressed_at = Instant::now();
        }
        let claimed = claim(
            store,
            mailing_id,
            profile.id,
            n,
            &hasher,
            &suppressed,
            shared,
        )
        .await?;
        if claimed.is_empty() {
            if shared.in_flight.load(Ordering::Acquire) > 0 {
                tokio::select! {
                    _ = shared.written.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
                continue;
            }
            let next = super::next_retry_at(db, mailing_id).await?;
            *shared.next_retry_at.lock().expect("not poisoned") = next.clone();
            match next.as_deref().and_then(parse_stamp) {
                Some(at) if options.wait_for_retries => {
                    shared.set_phase(SendPhase::WaitingForRetry);
                    let left = at - shared.clock.now();
                    let left = Duration::try_from(left).unwrap_or(Duration::ZERO);
                    wait(
                        &mut run,
                        left.min(Duration::from_secs(5)) + Duration::from_millis(5),
                    )
                    .await;
                    continue;
                }
                _ => return Ok(()),
            }
        }
        limiter.record(claimed.len(), now);
        shared.in_flight.fetch_add(claimed.len(), Ordering::AcqRel);
        for m in claimed {
            if jobs.send(m).await.is_err() {
                return Ok(());
            }
        }
    }
}

/// Sleeps, waking early if the user pauses, resumes or cancels.
async fn wait(run: &mut watch::Receiver<Run>, d: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = run.changed() => {}
    }
}

/// How long ago each message of the last day went out through this account.
async fn earlier_sends(db: &Db, profile_id: i64) -> Result<Vec<Duration>> {
    let now = db.clock().now();
    let since = stamp(now - time::Duration::days(1));
    let ats: Vec<String> = sqlx::query_scalar(
        "SELECT at FROM attempts WHERE profile_id = ? AND outcome = 'sent' AND at > ?",
    )
    .bind(profile_id)
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    Ok(ats
        .iter()
        .filter_map(|a| parse_stamp(a))
        .filter_map(|t| Duration::try_from(now - t).ok())
        .collect())
}

/// Marks up to `n` due messages "sending" in one committed transaction and returns them;
/// messages whose address was suppressed meanwhile end as "suppressed" instead.
async fn claim(
    store: &Store,
    mailing_id: i64,
    profile_id: i64,
    n: usize,
    hasher: &Hasher,
    suppressed: &HashSet<String>,
    shared: &Shared,
) -> Result<Vec<Stored>> {
    let now = now_ms(&shared.clock);
    let mut conn = store.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?;
    let mut rows = sqlx::query_as::<_, Stored>(
        "SELECT * FROM messages WHERE mailing_id = ? AND state = 'deferred' AND next_attempt_at <= ?
         ORDER BY next_attempt_at LIMIT ?",
    )
    .bind(mailing_id)
    .bind(&now)
    .bind(n as i64)
    .fetch_all(&mut *tx)
    .await?;
    let from_deferred = rows.len();
    if rows.len() < n {
        rows.extend(
            sqlx::query_as::<_, Stored>(
                "SELECT * FROM messages WHERE mailing_id = ? AND state = 'queued' ORDER BY id LIMIT ?",
            )
            .bind(mailing_id)
            .bind((n - rows.len()) as i64)
            .fetch_all(&mut *tx)
            .await?,
        );
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut moved = StateCounts::default();
    for (i, m) in rows.into_iter().enumerate() {
        *moved.slot(if i < from_deferred {
            "deferred"
        } else {
            "queued"
        }) += 1;
        if !suppressed.is_empty()
            && suppressed.contains(&hasher.hash(&normalise_email(&m.to_address)))
        {
            sqlx::query("UPDATE messages SET state = 'suppressed', last_reply = 'the address is on the suppression list' WHERE id = ?")
                .bind(m.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO attempts (message_id, profile_id, at, outcome, reply) VALUES (?, ?, ?, 'suppressed', 'not sent: the address is on the suppression list')")
                .bind(m.id)
                .bind(profile_id)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            moved.suppressed += 1;
            continue;
        }
        out.push(m);
    }
    if !out.is_empty() {
        let ids = out
            .iter()
            .map(|m| m.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE messages SET state = 'sending' WHERE id IN ({ids})"
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let mut c = shared.counts.lock().expect("not poisoned");
    c.queued -= moved.queued;
    c.deferred -= moved.deferred;
    c.suppressed += moved.suppressed;
    c.sending += out.len() as i64;
    Ok(out)
}

/// One connection's loop: take a message, run its SMTP transaction, report the outcome.
async fn worker(
    connector: Arc<Connector>,
    builder: Arc<Builder>,
    jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Stored>>>,
    done: mpsc::Sender<Done>,
    journal: Arc<Journal>,
    shared: Arc<Shared>,
    mut conn: Option<Conn>,
) {
    if conn.is_some() {
        shared.connections.fetch_add(1, Ordering::Relaxed);
    }
    loop {
        let job = { jobs.lock().await.recv().await };
        let Some(m) = job else { break };
        let outcome = match builder.build(&m, None) {
            Err(e) => Outcome::Failed {
                code: None,
                reply: e.to_string(),
            },
            Ok(built) => {
                if conn.is_none() {
                    match connector.connect().await {
                        Ok(c) => {
                            conn = Some(c);
                            shared.connections.fetch_add(1, Ordering::Relaxed);
                            shared.note(None);
                        }
                        Err(e) => {
                            shared.note(Some(e.message.clone()));
                            shared
                                .throttle
                                .lock()
                                .expect("not poisoned")
                                .slow_down(Instant::now());
                            let _ = done
                                .send(Done {
                                    id: m.id,
                                    attempts_before: m.attempts,
                                    outcome: Outcome::Deferred {
                                        code: e.code,
                                        reply: format!("could not connect: {}", e.message),
                                    },
                                })
                                .await;
                            continue;
                        }
                    }
                }
                let c = conn.as_mut().expect("connected above");
                let (outcome, keep) = transaction(
                    c,
                    &built,
                    connector.timeout(),
                    Some((&journal, (m.id, m.attempts))),
                )
                .await;
                if !keep {
                    if let Some(mut c) = conn.take() {
                        c.smtp.abort().await;
                    }
                    shared.connections.fetch_sub(1, Ordering::Relaxed);
                }
                let (code, text) = match &outcome {
                    Outcome::Deferred { code, reply } => (*code, reply.as_str()),
                    _ => (None, ""),
                };
                let mut t = shared.throttle.lock().expect("not poisoned");
                if is_slow_down(code, text) {
                    t.slow_down(Instant::now());
                } else if matches!(outcome, Outcome::Sent { .. }) {
                    t.went_through();
                }
                drop(t);
                outcome
            }
        };
        if done
            .send(Done {
                id: m.id,
                attempts_before: m.attempts,
                outcome,
            })
            .await
            .is_err()
        {
            break;
        }
    }
    if let Some(mut c) = conn {
        let _ = tokio::time::timeout(Duration::from_secs(5), c.smtp.quit()).await;
        shared.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

fn words(e: &lettre::transport::smtp::Error) -> (Option<u16>, String) {
    let code = e.status().map(u16::from);
    let text = std::error::Error::source(e).map_or_else(|| e.to_string(), |s| s.to_string());
    match code {
        Some(c) => (Some(c), format!("{c} {text}")),
        None => (None, e.to_string()),
    }
}

/// The queue id in the common forms of the reply to the final dot: "queued as 4B7C1A"
/// (Postfix), "Queued As X", "queued as: X", "queued as <X>", "InternalId=X" (Exchange),
/// "OK id=1qX…" (Exim).
fn queue_id(reply: &str) -> Option<String> {
    let lower = reply.to_ascii_lowercase();
    let after = ["queued as", "internalid=", "id="]
        .iter()
        .find_map(|marker| {
            lower
                .find(marker)
                .map(|i| reply[i + marker.len()..].trim_start_matches([' ', ':', '<']))
        })?;
    let id: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-._@".contains(*c))
        .collect();
    (!id.is_empty()).then_some(id)
}

/// How one step of the transaction went.
enum Step {
    Ok,
    /// The server refused, with a code: the connection is still in step.
    Refused(lettre::transport::smtp::Error),
    /// No usable reply: connection lost, timed out, or garbled.
    Lost(String),
}

async fn step<F>(limit: Duration, f: F) -> Step
where
    F: std::future::Future<
            Output = std::result::Result<
                lettre::transport::smtp::response::Response,
                lettre::transport::smtp::Error,
            >,
        >,
{
    match tokio::time::timeout(limit, f).await {
        Err(_) => Step::Lost(format!("no reply within {} s", limit.as_secs())),
        Ok(Ok(_)) => Step::Ok,
        Ok(Err(e)) if e.status().is_some() => Step::Refused(e),
        Ok(Err(e)) => Step::Lost(e.to_string()),
    }
}

/// The letter as DATA content: dot-stuffed (RFC 5321 4.5.2) and ended, for one write.
fn data_block(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut out = String::with_capacity(text.len() + 64);
    if text.starts_with('.') {
        out.push('.');
    }
    out.push_str(&text.replace("\r\n.", "\r\n.."));
    out.push_str("\r\n.\r\n");
    Some(out)
}

/// One message's SMTP transaction; returns the outcome and whether the connection is fit
/// for the next message. With PIPELINING, MAIL, RCPT and DATA go in one write and the
/// letter with its final dot in another: two round trips instead of four. With `mark`, the
/// final dot goes out only once it is recorded that it is about to (see [`recover`]).
async fn transaction(
    conn: &mut Conn,
    m: &Built,
    limit: Duration,
    mark: Option<(&Journal, super::dots::Mark)>,
) -> (Outcome, bool) {
    let mut params = Vec::new();
    let smtp = &mut conn.smtp;
    if !m.bytes.is_ascii() && smtp.server_info().supports_feature(Extension::EightBitMime) {
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = Mail::new(m.envelope.from().cloned(), params).to_string();
    let rcpt = Rcpt::new(m.envelope.to()[0].clone(), vec![]).to_string();
    let data = Data.to_string();
    let mut steps: Vec<(&str, Step)> = Vec::with_capacity(3);
    if conn.pipelining {
        let first = step(
            limit,
            smtp.command(RawCommand(format!("{mail}{rcpt}{data}"))),
        )
        .await;
        let lost = matches!(first, Step::Lost(_));
        steps.push(("MAIL", first));
        if !lost {
            for stage in ["RCPT", "DATA"] {
                let s = step(limit, smtp.read_response()).await;
                let lost = matches!(s, Step::Lost(_));
                steps.push((stage, s));
                if lost {
                    break;
                }
            }
        }
    } else {
        for (stage, command) in [("MAIL", mail), ("RCPT", rcpt), ("DATA", data)] {
            let s = step(limit, smtp.command(RawCommand(command))).await;
            let stop = !matches!(s, Step::Ok);
            steps.push((stage, s));
            if stop {
                break;
            }
        }
    }
    // The first step that did not go well decides; every reply has been read by now.
    let in_data = steps.len() == 3 && matches!(steps[2].1, Step::Ok);
    if let Some((stage, s)) = steps.iter().find(|(_, s)| !matches!(s, Step::Ok)) {
        return match s {
            Step::Lost(why) => (
                Outcome::Deferred {
                    code: None,
                    reply: format!(
                        "connection lost at {stage}, before the letter was handed over: {why}"
                    ),
                },
                false,
            ),
            // A server that said 354 although a recipient was refused is waiting for data
            // we will not send: drop the connection rather than send an empty letter.
            Step::Refused(e) => refused(smtp, e, stage, !in_data, limit).await,
            Step::Ok => unreachable!("found a step that is not Ok"),
        };
    }
    if let Some((journal, mark)) = mark
        && !journal.record(mark).await
    {
        // The server waits for data we will not send: drop the connection, so it discards
        // what it has; the letter was never handed over.
        return (
            Outcome::Deferred {
                code: None,
                reply: "not sent: the send could not be recorded in the database".into(),
            },
            false,
        );
    }
    let limit = FINAL_DOT_TIMEOUT.max(limit);
    let sent = match data_block(&m.bytes) {
        Some(block) => tokio::time::timeout(limit, smtp.command(RawCommand(block))).await,
        None => tokio::time::timeout(limit, smtp.message(&m.bytes)).await,
    };
    match sent {
        Err(_) => (
            Outcome::Uncertain {
                reply: format!(
                    "no reply within {} minutes after the letter was handed over; it may have arrived",
                    limit.as_secs() / 60
                ),
            },
            false,
        ),
        Ok(Ok(r)) => {
            let text = r.message().collect::<Vec<_>>().join(" ");
            let code = u16::from(r.code());
            (
                Outcome::Sent {
                    code,
                    queue_id: queue_id(&text),
                    reply: format!("{code} {text}"),
                },
                true,
            )
        }
        Ok(Err(e)) => {
            let (code, reply) = words(&e);
            match code {
                Some(_) => refused(smtp, &e, "end of data", true, limit).await,
                None => (
                    Outcome::Uncertain {
                        reply: format!(
                            "the connection was lost after the letter was handed over; it may have arrived ({reply})"
                        ),
                    },
                    false,
                ),
            }
        }
    }
}

/// A definite refusal: 5xx fails, 4xx is deferred; RSET readies the connection for the
/// next letter unless the server is closing it (421) or `may_keep` is false.
async fn refused(
    smtp: &mut AsyncSmtpConnection,
    e: &lettre::transport::smtp::Error,
    stage: &str,
    may_keep: bool,
    limit: Duration,
) -> (Outcome, bool) {
    let (code, reply) = words(e);
    let keep = may_keep && code != Some(421) && reset(smtp, limit).await;
    let reply = format!("{stage}: {reply}");
    let outcome = if e.is_permanent() {
        Outcome::Failed { code, reply }
    } else {
        Outcome::Deferred { code, reply }
    };
    (outcome, keep)
}

/// RSET after a refused transaction; false when the connection should be dropped.
async fn reset(conn: &mut AsyncSmtpConnection, limit: Duration) -> bool {
    matches!(
        tokio::time::timeout(limit, conn.command(Rset)).await,
        Ok(Ok(_))
    )
}

/// A command already rendered to its line.
struct RawCommand(String);

impl std::fmt::Display for RawCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Records outcomes in batches: one transaction for everything that finished meanwhile.
/// Records outcomes in batches: one transaction for everything that finished meanwhile.
async fn writer(store: Store, profile: Profile, mut rx: mpsc::Receiver<Done>, shared: Arc<Shared>) {
    let mut batch = Vec::with_capacity(512);
    while rx.recv_many(&mut batch, 512).await > 0 {
        if shared.fatal.lock().expect("not poisoned").is_none()
            && let Err(e) = record(&store, &profile, &batch, &shared).await
        {
            tracing::error!("cannot record send results: {e}");
            *shared.fatal.lock().expect("not poisoned") = Some(e);
        }
        shared.in_flight.fetch_sub(batch.len(), Ordering::AcqRel);
        shared.written.notify_waiters();
        batch.clear();
    }
}

/// One row of results as written.
struct Row {
    id: i64,
    state: &'static str,
    attempts: i64,
    code: Option<i64>,
    reply: String,
    queue: Option<String>,
    next: Option<String>,
}

async fn record(store: &Store, profile: &Profile, batch: &[Done], shared: &Shared) -> Result<()> {
    let now = shared.clock.now();
    let at = stamp(now);
    let max = i64::from(profile.draft.max_attempts);
    let base = i64::from(profile.draft.retry_base_seconds);
    let mut moved = StateCounts::default();
    let rows: Vec<Row> = batch
        .iter()
        .map(|d| {
            let attempts = d.attempts_before + 1;
            let (state, code, reply, queue, next) = match &d.outcome {
                Outcome::Sent {
                    code,
                    reply,
                    queue_id,
                } => ("sent", Some(*code), reply.clone(), queue_id.clone(), None),
                Outcome::Deferred { code, reply } if attempts < max => {
                    let wait = (base << (attempts - 1).min(20)).min(86_400);
                    let next = stamp(now + time::Duration::seconds(wait));
                    let reply = format!("{reply} (attempt {attempts} of {max}; next at {next})");
                    ("deferred", *code, reply, None, Some(next))
                }
                Outcome::Deferred { code, reply } => (
                    "failed",
                    *code,
                    format!("gave up after {attempts} attempts: {reply}"),
                    None,
                    None,
                ),
                Outcome::Failed { code, reply } => ("failed", *code, reply.clone(), None, None),
                Outcome::Uncertain { reply } => ("uncertain", None, reply.clone(), None, None),
            };
            *moved.slot(state) += 1;
            Row {
                id: d.id,
                state,
                attempts,
                code: code.map(i64::from),
                reply,
                queue,
                next,
            }
        })
        .collect();
    // Two multi-row statements per chunk instead of two statements per message: each
    // statement is a round trip to SQLite's thread.
    let mut conn = store.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?;
    for chunk in rows.chunks(500) {
        let sql = format!(
            "UPDATE messages SET state = v.column2, attempts = v.column3, last_reply = v.column4,
               next_attempt_at = v.column5,
               sent_at = CASE WHEN v.column2 = 'sent' THEN v.column6 ELSE messages.sent_at END
             FROM (VALUES {}) AS v WHERE messages.id = v.column1 AND messages.state = 'sending'",
            crate::db::value_rows(chunk.len(), 6)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.id)
                .bind(r.state)
                .bind(r.attempts)
                .bind(&r.reply)
                .bind(&r.next)
                .bind(&at);
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO attempts (message_id, profile_id, at, outcome, code, reply, queue_id) VALUES {}",
            crate::db::value_rows(chunk.len(), 7)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.id)
                .bind(profile.id)
                .bind(&at)
                .bind(r.state)
                .bind(r.code)
                .bind(&r.reply)
                .bind(&r.queue);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let mut c = shared.counts.lock().expect("not poisoned");
    c.sending -= batch.len() as i64;
    c.sent += moved.sent;
    c.deferred += moved.deferred;
    c.failed += moved.failed;
    c.uncertain += moved.uncertain;
    Ok(())
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TestSendReport {
    pub to: String,
    pub reply: String,
    pub queue_id: Option<String>,
}

/// Sends one rendered message to an address of the user's choice, marked as a test: subject
/// prefixed "[TEST]", an `X-Appeal-Desk-Test` header and its own Message-ID. The message's
/// state does not change; the log records the test.
pub async fn send_test(
    db: &Db,
    message_id: i64,
    profile: &Profile,
    password: Option<String>,
    to: &str,
) -> Result<TestSendReport> {
    let m = sqlx::query_as::<_, Stored>("SELECT * FROM messages WHERE id = ?")
        .bind(message_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("there is no message with id {message_id}")))?;
    let mailing = crate::mailings::get(db, m.mailing_id).await?;
    let to_box: lettre::message::Mailbox = to
        .trim()
        .parse()
        .map_err(|_| Error::InvalidInput(format!("'{to}' is not an email address for the test")))?;
    let builder = Builder::new(
        profile,
        mailing.audience == AudienceKind::Signatories,
        mailing.unsubscribe_url.clone(),
        *db.clock(),
    )?;
    let built = builder.build(&m, Some(&to_box))?;
    let connector = Connector::new(profile, password.as_deref())?;
    let mut conn = connector.connect().await?;
    let (outcome, _) = transaction(&mut conn, &built, connector.timeout(), None).await;
    let _ = conn.smtp.quit().await;
    let (reply, queue, code) = match outcome {
        Outcome::Sent {
            code,
            reply,
            queue_id,
        } => (reply, queue_id, Some(code)),
        Outcome::Deferred { reply, .. }
        | Outcome::Failed { reply, .. }
        | Outcome::Uncertain { reply } => {
            return Err(Error::Connection(format!(
                "the test letter to {to} was not accepted: {reply}"
            )));
        }
    };
    sqlx::query(
        "INSERT INTO attempts (message_id, profile_id, at, outcome, code, reply, queue_id) VALUES (?, ?, ?, 'test', ?, ?, ?)",
    )
    .bind(message_id)
    .bind(profile.id)
    .bind(now_ms(db.clock()))
    .bind(code.map(i64::from))
    .bind(format!("test copy to {}: {reply}", to_box.email))
    .bind(&queue)
    .execute(db.pool())
    .await?;
    Ok(TestSendReport {
        to: to_box.email.to_string(),
        reply,
        queue_id: queue,
    })
}

#[cfg(test)]
mod tests {
    use super::queue_id;

    #[test]
    fn data_is_dot_stuffed_and_ended() {
        assert_eq!(
            super::data_block(b".a\r\nb\r\n.\r\n..c").unwrap(),
            "..a\r\nb\r\n..\r\n...c\r\n.\r\n"
        );
    }

    #[test]
    fn queue_ids_are_read_from_replies() {
        assert_eq!(
            queue_id("2.0.0 Ok: queued as 4B7C1A2F").as_deref(),
            Some("4B7C1A2F")
        );
        assert_eq!(
            queue_id("OK id=1qX9-0003Ab-2c").as_deref(),
            Some("1qX9-0003Ab-2c")
        );
        for reply in [
            "2.0.0 Ok: Queued As 4B7C1A2F",
            "2.0.0 queued as: 4B7C1A2F",
            "2.0.0 Ok: queued as <4B7C1A2F>",
            "2.6.0 <m@x> [InternalId=4B7C1A2F, Hostname=EX01] Queued mail for delivery",
        ] {
            assert_eq!(queue_id(reply).as_deref(), Some("4B7C1A2F"), "{reply}");
        }
        assert_eq!(queue_id("2.0.0 Ok"), None);
    }
}
