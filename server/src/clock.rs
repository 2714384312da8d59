//! The time, injectable so expiry and rate limits are tested without sleeping.

use std::sync::Mutex;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset, macros::offset};

/// China Standard Time: the applicants' calendar day (no daylight saving).
pub const CHINA: UtcOffset = offset!(+8);

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until told otherwise.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Mutex::new(start))
    }

    pub fn set(&self, to: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }

    pub fn advance(&self, by: time::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `2025-03-01T08:15:30.123Z`: UTC, millisecond precision, fixed width, so the text sorts in
/// time order (the same shape as SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ')`).
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let t = t
        .replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t);
    let text = t.format(&Rfc3339).unwrap_or_default();
    // `Rfc3339` drops a zero fraction; keep the width fixed.
    if text.len() == 20 {
        format!("{}.000Z", &text[..19])
    } else {
        text
    }
}

/// The calendar day in China at instant `t`.
pub fn china_date(t: OffsetDateTime) -> Date {
    t.to_offset(CHINA).date()
}

/// The China calendar day containing `t` as application numbers carry it: `YYYYMMDD`.
pub fn number_day(t: OffsetDateTime) -> String {
    let date = china_date(t);
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The instant the China calendar day containing `t` began, as Unix seconds.
pub fn china_day_start(t: OffsetDateTime) -> i64 {
    china_date(t)
        .midnight()
        .assume_offset(CHINA)
        .unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_have_a_fixed_width() {
        assert_eq!(
            timestamp(datetime!(2025-03-01 08:15:30 UTC)),
            "2025-03-01T08:15:30.000Z"
        );
        assert_eq!(
            timestamp(datetime!(2025-03-01 08:15:30.123456 +08:00)),
            "2025-03-01T00:15:30.123Z"
        );
    }

    #[test]
    fn the_china_day_starts_at_16_utc() {
        let t = datetime!(2025-03-01 16:30 UTC);
        assert_eq!(china_date(t), time::macros::date!(2025 - 03 - 02));
        assert_eq!(
            china_day_start(t),
            datetime!(2025-03-01 16:00 UTC).unix_timestamp()
        );
    }
}
