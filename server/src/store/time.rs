//! The one timestamp representation in every table: whole milliseconds since the Unix epoch,
//! UTC, in a 64-bit integer (`INTEGER` in SQLite, `BIGINT` in PostgreSQL). Both engines compare
//! and sort it natively, and it reads the same in either.

use time::OffsetDateTime;

/// `t` as stored.
pub fn to_db(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A stored timestamp back as a time; out-of-range values (never written by [`to_db`]) clamp to
/// the epoch rather than fail a whole page.
pub fn from_db(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trips_to_the_millisecond() {
        let t = datetime!(2026-03-01 08:15:30.123 UTC);
        assert_eq!(to_db(t), 1_772_352_930_123);
        assert_eq!(from_db(to_db(t)), t);
        let finer = datetime!(2026-03-01 08:15:30.123456 UTC);
        assert_eq!(from_db(to_db(finer)), t);
    }

    #[test]
    fn times_before_the_epoch_keep_their_order() {
        let before = datetime!(1969-12-31 23:59:59.999 UTC);
        assert_eq!(to_db(before), -1);
        assert!(to_db(before) < to_db(OffsetDateTime::UNIX_EPOCH));
    }
}
