//! A send's controls and progress: pause, resume, stop and cancel, the state every task of
//! a send shares, and the progress reported from it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Notify, watch};
use ts_rs::TS;

use super::StateCounts;
use super::limits::Throttle;
use crate::error::Error;
use crate::progress::Progress;
use crate::time_util::Clock;

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
pub(super) enum Run {
    Go,
    Pause,
    /// Finish what is in flight and return; the rest stays queued.
    Stop,
    Cancel,
}

/// Pause, resume or cancel a running send from anywhere (a button, Ctrl-C).
#[derive(Clone)]
pub struct SendControl {
    pub(super) tx: Arc<watch::Sender<Run>>,
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
    pub(super) fn state(&self) -> Run {
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

pub(super) struct Shared {
    /// The database's clock: every time this send stores or waits for.
    pub(super) clock: Clock,
    pub(super) counts: Mutex<StateCounts>,
    pub(super) in_flight: AtomicUsize,
    pub(super) connections: AtomicUsize,
    pub(super) throttle: Mutex<Throttle>,
    pub(super) written: Notify,
    pub(super) phase: Mutex<SendPhase>,
    pub(super) next_retry_at: Mutex<Option<String>>,
    pub(super) note: Mutex<Option<String>>,
    pub(super) fatal: Mutex<Option<Error>>,
}

impl Shared {
    pub(super) fn set_phase(&self, p: SendPhase) {
        *self.phase.lock().expect("not poisoned") = p;
    }
    pub(super) fn note(&self, n: Option<String>) {
        *self.note.lock().expect("not poisoned") = n;
    }
}

pub(super) fn snapshot(mailing_id: i64, s: &Shared, started: Instant, rate: f64) -> SendProgress {
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

pub(super) fn spawn_reporter(
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
