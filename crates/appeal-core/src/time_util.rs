//! Time as the core reads it: one [`Clock`] per database handle, so the date a letter prints
//! and the times it stores come from an input the caller gives, not from the machine. Stored
//! times are UTC, RFC 3339, so they sort as text.

use std::time::Instant;

use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// Where "now" comes from. The default is the machine's clock. [`Clock::starting_at`] reads
/// a chosen instant at creation and then runs on at the machine's pace, so durations (retry
/// times, rate limits, timeouts) behave as they would, while the dates and times printed and
/// stored are the ones a test (or an organiser dating letters ahead) asked for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    start: Option<(OffsetDateTime, Instant)>,
}

impl Clock {
    /// The machine's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn starting_at(at: OffsetDateTime) -> Clock {
        Clock {
            start: Some((at, Instant::now())),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        match self.start {
            None => OffsetDateTime::now_utc(),
            Some((at, since)) => at + since.elapsed(),
        }
    }

    /// Today's date in UTC: the date letters carry.
    pub fn today(&self) -> Date {
        self.now().to_offset(time::UtcOffset::UTC).date()
    }

    /// Now as stored: UTC to the second.
    pub(crate) fn stamp(&self) -> String {
        self.now()
            .to_offset(time::UtcOffset::UTC)
            .format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .expect("a UTC timestamp always formats")
    }

    /// The same as a `SystemTime`, for the `Date:` header of a message.
    pub(crate) fn system_time(&self) -> std::time::SystemTime {
        self.now().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_started_at_an_instant_reads_it_and_runs_on() {
        let at = time::macros::datetime!(2026-12-31 23:59:30 UTC);
        let clock = Clock::starting_at(at);
        let now = clock.now();
        assert!(now >= at && now - at < time::Duration::seconds(5));
        assert_eq!(clock.today(), time::macros::date!(2026 - 12 - 31));
        assert!(clock.stamp().starts_with("2026-12-31T23:59:3"));
    }
}
