//! The outbox as the volunteer sees it: every merged message's send state, every attempt,
//! and the decisions only a person can make (retry, resend or accept an uncertain message,
//! cancel). Sending itself is in [`engine`].
//!
//! States: queued → sending → sent | deferred (retried at `next_attempt_at`) | failed
//! (permanent, with the server's words) | uncertain (the program stopped, or the connection
//! broke, after the letter was handed over: it may have arrived, so it is neither dropped nor
//! re-sent without the user saying so). suppressed and cancelled are final too. A mailing is
//! finished when every message is sent, failed, suppressed or cancelled.

mod actions;
pub(crate) mod build;
mod control;
pub(crate) mod dots;
pub mod engine;
pub(crate) mod limits;
mod lock;
mod log;
mod protocol;
mod states;
mod store;

use actions::busy;
pub use actions::{Resolution, cancel, resolve_uncertain, retry_deferred_now, retry_failed};
pub use control::{SendControl, SendOptions, SendPhase, SendProgress};
pub use engine::{TestSendReport, send, send_test};
pub(crate) use lock::recover;
pub use lock::{SendLock, recover_all};
pub use log::{
    Attempt, MinuteCount, OutboxPage, OutboxQuery, OutboxRow, attempts, export_log, list,
    per_minute,
};
pub use states::{OutboxStatus, StateCounts, status};
pub(crate) use states::{counts, next_retry_at};

/// UTC with milliseconds; sorts as text, like every other stored time.
pub(crate) fn now_ms(clock: &crate::time_util::Clock) -> String {
    stamp(clock.now())
}

pub(crate) fn stamp(t: time::OffsetDateTime) -> String {
    use time::macros::format_description;
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("a UTC timestamp always formats")
}

pub(crate) fn parse_stamp(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Db;

    #[tokio::test]
    async fn a_send_lock_is_known_to_its_own_process_and_excludes_others() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("a.db")).await.unwrap();
        assert!(!SendLock::held_here(&db, 7));
        let lock = SendLock::try_acquire(&db, 7).unwrap().expect("free");
        assert!(SendLock::held_here(&db, 7));
        assert!(!SendLock::held_here(&db, 8));
        assert!(SendLock::try_acquire(&db, 7).unwrap().is_none(), "held");
        drop(lock);
        assert!(!SendLock::held_here(&db, 7));
        assert!(SendLock::try_acquire(&db, 7).unwrap().is_some());
        db.close().await;
    }
}
