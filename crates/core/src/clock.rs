//! The device's clock in Japan time (JST, UTC+9, no daylight saving).

use std::time::{SystemTime, UNIX_EPOCH};

use carebook_domain::{Date, DateTime, TimeOfDay};

/// Now, in unix seconds (what a record's changes are stamped with).
pub fn unix_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Now, in JST, to the minute.
pub fn now_jst() -> DateTime {
    let secs = unix_secs();
    let minutes = secs / 60 + 9 * 60;
    let date = Date::from_days_since_epoch(minutes.div_euclid(1440));
    let m = minutes.rem_euclid(1440);
    DateTime::new(date, TimeOfDay::new((m / 60) as u8, (m % 60) as u8).expect("minute of day is in range"))
}

/// Today, in JST.
pub fn today_jst() -> Date {
    now_jst().date
}
