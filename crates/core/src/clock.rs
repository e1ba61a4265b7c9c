//! The device's clock: Unix seconds, and Japan time (JST, UTC+9, no daylight saving).

use std::time::{SystemTime, UNIX_EPOCH};

use carebook_domain::{Date, DateTime, TimeOfDay};

/// Seconds since the Unix epoch (0 if the clock is before it): the device's one reading of the
/// system clock (a record's changes are stamped with it).
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Now, in JST, to the minute.
pub fn now_jst() -> DateTime {
    let minutes = unix_now() / 60 + 9 * 60;
    let date = Date::from_days_since_epoch(minutes.div_euclid(1440));
    let m = minutes.rem_euclid(1440);
    DateTime::new(date, TimeOfDay::new((m / 60) as u8, (m % 60) as u8).expect("minute of day is in range"))
}

/// Today, in JST.
pub fn today_jst() -> Date {
    now_jst().date
}
