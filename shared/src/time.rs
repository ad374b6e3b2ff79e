//! Time as a value. Adapters read the clock once per request and pass `Now` down.

use chrono::{DateTime, TimeZone, Utc};

/// The current instant, as read by an adapter. Pure code takes it as an argument.
pub type Now = DateTime<Utc>;

/// Converts Unix milliseconds (what `Date.now()` gives) into [`Now`].
/// Out-of-range values collapse to the Unix epoch, which every check treats as "long ago".
pub fn from_unix_millis(millis: i64) -> Now {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// Converts Unix seconds as stored in the database into an instant (epoch when out of range).
pub fn from_unix_seconds(seconds: i64) -> Now {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}
