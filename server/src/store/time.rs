//! The one timestamp representation in every table: whole seconds since the Unix epoch, UTC,
//! in a 64-bit integer (`INTEGER` in SQLite, `BIGINT` in PostgreSQL). Both engines compare and
//! sort it natively and it reads the same in either. Seconds, not finer: the expiry and rate
//! limit columns were already seconds, and events that share a second keep their order by id.

use time::{Date, OffsetDateTime, UtcOffset};

/// `t` as stored.
pub fn to_db(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// A stored timestamp back as a time; out-of-range values (never written by [`to_db`]) read as
/// the epoch rather than fail a whole page.
pub fn from_db(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A stored timestamp in the fixed-width text the app's pages read
/// ([`crate::clock::timestamp`]).
pub fn to_text(seconds: i64) -> String {
    crate::clock::timestamp(from_db(seconds))
}

/// The text of [`to_text`] back as stored; text that is not a timestamp reads as the epoch.
pub fn from_text(text: &str) -> i64 {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_or(0, to_db)
}

/// A calendar day in China as stored: the Unix seconds of its midnight, +08:00.
pub fn day_to_db(day: Date) -> i64 {
    day.midnight().assume_offset(CHINA).unix_timestamp()
}

/// A stored day back as the calendar day in China.
pub fn day_from_db(seconds: i64) -> Date {
    from_db(seconds).to_offset(CHINA).date()
}

const CHINA: UtcOffset = time::macros::offset!(+8);

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trips_to_the_second() {
        let t = datetime!(2026-03-01 08:15:30 UTC);
        assert_eq!(to_db(t), 1_772_352_930);
        assert_eq!(from_db(to_db(t)), t);
        let finer = datetime!(2026-03-01 08:15:30.999 +08:00);
        assert_eq!(from_db(to_db(finer)), datetime!(2026-03-01 00:15:30 UTC));
        assert_eq!(from_text(&to_text(to_db(t))), to_db(t));
    }

    #[test]
    fn a_day_is_its_midnight_in_china() {
        let day = time::macros::date!(2026 - 12 - 07);
        assert_eq!(day_to_db(day), to_db(datetime!(2026-12-07 00:00 +08:00)));
        assert_eq!(day_from_db(day_to_db(day)), day);
    }

    #[test]
    fn an_impossible_value_reads_as_the_epoch() {
        assert_eq!(from_db(i64::MAX), OffsetDateTime::UNIX_EPOCH);
    }
}
