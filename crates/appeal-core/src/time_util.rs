//! Timestamps as stored: UTC, RFC 3339 to the second, so they sort as text.

use time::OffsetDateTime;
use time::macros::format_description;

pub(crate) fn now() -> String {
    OffsetDateTime::now_utc()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .expect("a UTC timestamp always formats")
}
