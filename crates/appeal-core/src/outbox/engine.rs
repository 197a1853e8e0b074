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

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Notify, mpsc, watch};
use ts_rs::TS;

use super::build::Builder;
use super::control::{
    Run, SendControl, SendOptions, SendPhase, SendProgress, Shared, snapshot, spawn_reporter,
};
use super::dots::Journal;
use super::limits::{Limiter, Throttle, is_slow_down};
use super::protocol::{Outcome, transaction};
use super::store::{Done, Store, claim, earlier_sends, record_test, stored_message, writer};
use super::{SendLock, counts, parse_stamp, recover};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mailings::AudienceKind;
use crate::mailings::messages::Stored;
use crate::progress::Progress;
use crate::smtp::Profile;
use crate::smtp::connect::{Conn, Connector};
use crate::suppression::Hasher;

/// Messages marked "sending" per usable connection at most: enough to claim in batches
/// (each claim is one committed transaction), few enough that a crash leaves few uncertain.
const AHEAD: usize = 3;

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
    let m = stored_message(db, message_id).await?;
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
    let said = format!("test copy to {}: {reply}", to_box.email);
    record_test(db, message_id, profile.id, code, &said, queue.as_deref()).await?;
    Ok(TestSendReport {
        to: to_box.email.to_string(),
        reply,
        queue_id: queue,
    })
}
