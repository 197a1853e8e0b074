//! How fast one account may send: sliding-window rate limits (per second, minute, hour, day)
//! and a throttle that halves the connections in use when the server says "slow down" (421,
//! "too many …") and wins them back one at a time as messages go through.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::smtp::RateLimits;

/// Sliding windows over the times messages were handed to the server.
pub(crate) struct Limiter {
    windows: Vec<(Duration, usize)>,
    sent: VecDeque<Instant>,
}

impl Limiter {
    /// `earlier`: how long ago each message of the last day went out through this account,
    /// so that a restart does not forget the day's count.
    pub fn new(limits: &RateLimits, earlier: impl IntoIterator<Item = Duration>) -> Limiter {
        let mut windows = Vec::new();
        for (limit, secs) in [
            (limits.per_second, 1),
            (limits.per_minute, 60),
            (limits.per_hour, 3600),
            (limits.per_day, 86_400),
        ] {
            if let Some(n) = limit {
                windows.push((Duration::from_secs(secs), n as usize));
            }
        }
        let now = Instant::now();
        let mut sent: Vec<Instant> = if windows.is_empty() {
            Vec::new()
        } else {
            earlier
                .into_iter()
                .filter_map(|ago| now.checked_sub(ago))
                .collect()
        };
        sent.sort();
        Limiter {
            windows,
            sent: sent.into(),
        }
    }

    /// How many of `wanted` may go now, or how long to wait before one may.
    pub fn grant(&mut self, wanted: usize, now: Instant) -> Result<usize, Duration> {
        if self.windows.is_empty() {
            return Ok(wanted);
        }
        let longest = self.windows.iter().map(|w| w.0).max().expect("not empty");
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= longest)
        {
            self.sent.pop_front();
        }
        let mut allowed = wanted;
        let mut wait = Duration::ZERO;
        for &(window, limit) in &self.windows {
            // Entries still inside this window are the newest ones: a suffix of the queue.
            let start = self
                .sent
                .partition_point(|t| now.duration_since(*t) >= window);
            let used = self.sent.len() - start;
            if used >= limit {
                // The oldest message in the window has to leave it first.
                let oldest = self.sent[start + (used - limit)];
                wait = wait.max(window.saturating_sub(now.duration_since(oldest)));
                allowed = 0;
            } else {
                allowed = allowed.min(limit - used);
            }
        }
        if allowed == 0 {
            Err(wait.max(Duration::from_millis(1)))
        } else {
            Ok(allowed)
        }
    }

    pub fn record(&mut self, n: usize, now: Instant) {
        if !self.windows.is_empty() {
            self.sent.extend(std::iter::repeat_n(now, n));
        }
    }
}

/// Additive increase, multiplicative decrease of the connections in use, with a pause after
/// each "slow down".
pub(crate) struct Throttle {
    max: usize,
    allowed: usize,
    good_since_change: usize,
    cooldown_until: Option<Instant>,
    cooldown: Duration,
}

impl Throttle {
    pub fn new(max: usize, cooldown: Duration) -> Throttle {
        Throttle {
            max,
            allowed: max,
            good_since_change: 0,
            cooldown_until: None,
            cooldown,
        }
    }

    pub fn allowed(&self) -> usize {
        self.allowed
    }

    /// The server asked us to slow down.
    pub fn slow_down(&mut self, now: Instant) {
        self.allowed = (self.allowed / 2).max(1);
        self.good_since_change = 0;
        self.cooldown_until = Some(now + self.cooldown);
    }

    pub fn went_through(&mut self) {
        self.good_since_change += 1;
        if self.allowed < self.max && self.good_since_change >= 20 {
            self.allowed += 1;
            self.good_since_change = 0;
        }
    }

    /// How long to hold off before handing out more messages.
    pub fn hold(&self, now: Instant) -> Option<Duration> {
        self.cooldown_until
            .filter(|t| *t > now)
            .map(|t| t.duration_since(now))
    }
}

/// Whether a reply asks us to send more slowly. "452 4.5.3 Too many recipients" is about the
/// one letter's envelope, not the pace: it defers that letter and leaves the account's speed.
pub(crate) fn is_slow_down(code: Option<u16>, text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    if t.contains("4.5.3") || t.contains("too many recipients") {
        return false;
    }
    code == Some(421)
        || ["too many", "slow down", "rate limit", "throttl"]
            .iter()
            .any(|w| t.contains(w))
            && code.is_some_and(|c| (400..500).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_second_window_slides() {
        let limits = RateLimits {
            per_second: Some(3),
            ..Default::default()
        };
        let mut l = Limiter::new(&limits, []);
        let t0 = Instant::now();
        assert_eq!(l.grant(10, t0), Ok(3));
        l.record(3, t0);
        let wait = l.grant(1, t0 + Duration::from_millis(400)).unwrap_err();
        assert_eq!(wait, Duration::from_millis(600));
        assert_eq!(l.grant(10, t0 + Duration::from_millis(1000)), Ok(3));
    }

    #[test]
    fn the_tightest_window_wins_and_earlier_sends_count() {
        let limits = RateLimits {
            per_second: Some(100),
            per_day: Some(5),
            ..Default::default()
        };
        let earlier = [Duration::from_secs(3600), Duration::from_secs(7200)];
        let mut l = Limiter::new(&limits, earlier);
        let now = Instant::now();
        assert_eq!(l.grant(10, now), Ok(3));
        l.record(3, now);
        // The one sent two hours ago leaves the day's window first.
        let wait = l.grant(1, now).unwrap_err();
        assert!(
            wait.abs_diff(Duration::from_secs(86_400 - 7200)) < Duration::from_secs(1),
            "{wait:?}"
        );
    }

    #[test]
    fn throttle_halves_and_recovers() {
        let mut t = Throttle::new(8, Duration::from_secs(2));
        let now = Instant::now();
        t.slow_down(now);
        assert_eq!(t.allowed(), 4);
        assert!(t.hold(now).is_some());
        assert!(t.hold(now + Duration::from_secs(3)).is_none());
        for _ in 0..20 {
            t.went_through();
        }
        assert_eq!(t.allowed(), 5);
    }

    #[test]
    fn slow_down_replies() {
        assert!(is_slow_down(Some(421), "4.7.0 Try later"));
        assert!(is_slow_down(
            Some(450),
            "4.7.1 Too many messages, slow down"
        ));
        assert!(!is_slow_down(Some(451), "4.3.0 Local error"));
        assert!(!is_slow_down(Some(550), "too many recipients"));
        assert!(!is_slow_down(Some(452), "4.5.3 Too many recipients"));
    }
}
