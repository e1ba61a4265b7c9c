//! Dates, times of day and the Japanese fiscal year (年度, 1 April – 31 March).
//!
//! Japan has no daylight-saving time, so a local date plus minutes since midnight is an exact
//! point in time for everything Carebook records. The types serialise as ISO strings
//! (`2026-04-01`, `09:30`, `2026-04-01T09:30`) both in JSON and in automerge documents.

use std::fmt;
use std::str::FromStr;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};

/// A calendar date in Japan (no time zone needed: JST has no daylight saving).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Why a date, time or month could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum CalendarError {
    /// Not of the form `YYYY-MM-DD`, or no such day.
    Date(String),
    /// Not of the form `HH:MM` within 00:00–23:59.
    Time(String),
    /// Not of the form `YYYY-MM`.
    Month(String),
    /// Not of the form `YYYY-MM-DDTHH:MM`.
    DateTime(String),
}

impl CalendarError {
    /// What was wrong, in Japanese and in English, naming the value and the form expected.
    pub fn message(&self) -> crate::wire::Message {
        use crate::wire::Message;
        match self {
            CalendarError::Date(v) => Message::new(
                format!("日付 {v:?} が正しくありません。YYYY-MM-DD の形で、実在する日を指定してください"),
                format!("invalid date {v:?}: expected YYYY-MM-DD, a real day"),
            ),
            CalendarError::Time(v) => Message::new(
                format!("時刻 {v:?} が正しくありません。00:00 から 23:59 までを HH:MM の形で指定してください"),
                format!("invalid time {v:?}: expected HH:MM between 00:00 and 23:59"),
            ),
            CalendarError::Month(v) => Message::new(
                format!("年月 {v:?} が正しくありません。YYYY-MM の形で指定してください"),
                format!("invalid month {v:?}: expected YYYY-MM"),
            ),
            CalendarError::DateTime(v) => Message::new(
                format!("日時 {v:?} が正しくありません。YYYY-MM-DDTHH:MM の形で指定してください"),
                format!("invalid date and time {v:?}: expected YYYY-MM-DDTHH:MM"),
            ),
        }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in a month of a year.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A date, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=9999).contains(&year) && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }
    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }
    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }
    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (Hinnant's `civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The next day.
    pub fn succ(self) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + 1)
    }

    /// The fiscal year (年度) this date falls in.
    pub fn fiscal_year(self) -> FiscalYear {
        FiscalYear(if self.month >= 4 { self.year } else { self.year - 1 })
    }

    /// The `YYYY-MM` month this date falls in.
    pub fn year_month(self) -> YearMonth {
        YearMonth { year: self.year, month: self.month }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn parse_fixed_digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for Date {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CalendarError::Date(s.to_string());
        let mut parts = s.split('-');
        let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(err());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(err());
        }
        let (y, m, d) =
            (parse_fixed_digits(y).ok_or_else(err)?, parse_fixed_digits(m).ok_or_else(err)?, parse_fixed_digits(d).ok_or_else(err)?);
        Date::new(y as i32, m as u8, d as u8).ok_or_else(err)
    }
}

/// A time of day, minutes since midnight (0–1439).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// `hour:minute`, if both are in range.
    pub fn new(hour: u8, minute: u8) -> Option<TimeOfDay> {
        (hour < 24 && minute < 60).then(|| TimeOfDay(u16::from(hour) * 60 + u16::from(minute)))
    }
    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl FromStr for TimeOfDay {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CalendarError::Time(s.to_string());
        let (h, m) = s.split_once(':').ok_or_else(err)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(err());
        }
        let (h, m) = (parse_fixed_digits(h).ok_or_else(err)?, parse_fixed_digits(m).ok_or_else(err)?);
        TimeOfDay::new(h as u8, m as u8).ok_or_else(err)
    }
}

/// A local date and time of day (JST).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// The day.
    pub date: Date,
    /// The time on that day.
    pub time: TimeOfDay,
}

impl DateTime {
    /// A date and time.
    pub fn new(date: Date, time: TimeOfDay) -> DateTime {
        DateTime { date, time }
    }
    /// Minutes since 1970-01-01T00:00 JST.
    pub fn minutes_since_epoch(self) -> i64 {
        self.date.days_since_epoch() * 1440 + i64::from(self.time.minutes())
    }
    /// Whole minutes from `self` to `later` (negative if `later` is earlier).
    pub fn minutes_until(self, later: DateTime) -> i64 {
        later.minutes_since_epoch() - self.minutes_since_epoch()
    }
    /// For people, in Japanese: `12月2日 14:09` (as messages and screens show a time, never the
    /// wire's `2026-12-02T14:09`).
    pub fn ja(self) -> String {
        format!("{}月{}日 {}", self.date.month, self.date.day, self.time)
    }

    /// For people, in English: `2 Dec 14:09`.
    pub fn en(self) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        format!("{} {} {}", self.date.day, MONTHS[usize::from(self.date.month.clamp(1, 12)) - 1], self.time)
    }

    /// The time `minutes` later (earlier when negative), across days.
    pub fn plus_minutes(self, minutes: i64) -> DateTime {
        let total = self.minutes_since_epoch() + minutes;
        let in_day = total.rem_euclid(1440);
        let time = TimeOfDay::new((in_day / 60) as u8, (in_day % 60) as u8).expect("a minute of the day is a time");
        DateTime { date: Date::from_days_since_epoch(total.div_euclid(1440)), time }
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{}", self.date, self.time)
    }
}

impl FromStr for DateTime {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CalendarError::DateTime(s.to_string());
        let (d, t) = s.split_once(['T', ' ']).ok_or_else(err)?;
        Ok(DateTime { date: d.parse().map_err(|_| err())?, time: t.parse().map_err(|_| err())? })
    }
}

/// A calendar month, `YYYY-MM`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u8,
}

impl YearMonth {
    /// First day of the month.
    pub fn first_day(self) -> Date {
        Date { year: self.year, month: self.month, day: 1 }
    }
    /// Last day of the month.
    pub fn last_day(self) -> Date {
        Date { year: self.year, month: self.month, day: days_in_month(self.year, self.month) }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CalendarError::Month(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let (y, m) = (parse_fixed_digits(y).ok_or_else(err)?, parse_fixed_digits(m).ok_or_else(err)?);
        if !(1..=12).contains(&m) || y == 0 {
            return Err(err());
        }
        Ok(YearMonth { year: y as i32, month: m as u8 })
    }
}

/// A Japanese fiscal year (年度), named by the calendar year it starts in:
/// `FiscalYear(2026)` is 令和8年度, 2026-04-01 … 2027-03-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
pub struct FiscalYear(pub i32);

impl FiscalYear {
    /// 1 April of the starting year.
    pub fn first_day(self) -> Date {
        Date { year: self.0, month: 4, day: 1 }
    }
    /// 31 March of the following year.
    pub fn last_day(self) -> Date {
        Date { year: self.0 + 1, month: 3, day: 31 }
    }
    /// Whether `date` falls in this fiscal year.
    pub fn contains(self, date: Date) -> bool {
        date.fiscal_year() == self
    }
    /// The Reiwa era label: `令和8年度` for 2026, `令和元年度` for 2019. Years before
    /// the Reiwa era (which began in fiscal 2019) use Heisei (平成).
    pub fn japanese_label(self) -> String {
        match self.0 {
            y if y >= 2019 => era_label("令和", y - 2018),
            y if y >= 1989 => era_label("平成", y - 1988),
            y => format!("{y}年度"),
        }
    }
    /// `FY2026`.
    pub fn english_label(self) -> String {
        format!("FY{}", self.0)
    }
    /// Months from the month of `date` to March inclusive (12 for 1 April, 1 for any day in March).
    /// Dates outside the year give 12 before it and 0 after it.
    pub fn months_remaining_from(self, date: Date) -> u32 {
        if date < self.first_day() {
            return 12;
        }
        if date > self.last_day() {
            return 0;
        }
        let months_since_april = (date.year - self.0) * 12 + i32::from(date.month) - 4;
        (12 - months_since_april) as u32
    }
}

fn era_label(era: &str, n: i32) -> String {
    if n == 1 {
        format!("{era}元年度")
    } else {
        format!("{era}{n}年度")
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.japanese_label(), self.english_label())
    }
}

/// Implements serde and autosurgeon for a type with `Display` + `FromStr`, stored as a string.
macro_rules! string_repr {
    ($ty:ty, $expecting:literal, $format:literal, $pattern:literal) => {
        impl $crate::schema::Described for $ty {
            fn shape() -> $crate::schema::Shape {
                $crate::schema::Shape::Str(Some($crate::schema::Format {
                    name: $format,
                    pattern: $pattern,
                    valid: |s| s.parse::<$ty>().is_ok(),
                }))
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
        impl Reconcile for $ty {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.to_string())
            }
        }
        impl Hydrate for $ty {
            fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
                s.parse().map_err(|e: CalendarError| HydrateError::unexpected($expecting, e.to_string()))
            }
        }
    };
}

string_repr!(Date, "a date YYYY-MM-DD", "date", "YYYY-MM-DD");
string_repr!(TimeOfDay, "a time HH:MM", "time", "HH:MM");
string_repr!(DateTime, "a date and time YYYY-MM-DDTHH:MM", "datetime", "YYYY-MM-DDTHH:MM");
string_repr!(YearMonth, "a month YYYY-MM", "month", "YYYY-MM");

#[cfg(test)]
mod tests {
    #[test]
    fn a_time_for_people_has_no_t_and_no_year() {
        let t = "2026-12-02T14:09".parse::<super::DateTime>().unwrap();
        assert_eq!((t.ja(), t.en()), ("12月2日 14:09".to_string(), "2 Dec 14:09".to_string()));
    }

    #[test]
    fn minutes_added_cross_midnight_month_and_year_ends() {
        let t = |s: &str| s.parse::<super::DateTime>().unwrap();
        assert_eq!(t("2026-11-05T22:00").plus_minutes(180), t("2026-11-06T01:00"));
        assert_eq!(t("2026-11-30T23:30").plus_minutes(45), t("2026-12-01T00:15"));
        assert_eq!(t("2026-12-31T23:59").plus_minutes(1), t("2027-01-01T00:00"));
        assert_eq!(t("2026-03-01T00:10").plus_minutes(-20), t("2026-02-28T23:50"));
    }

    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn fiscal_year_turns_over_between_31_march_and_1_april() {
        assert_eq!(d("2027-03-31").fiscal_year(), FiscalYear(2026));
        assert_eq!(d("2027-04-01").fiscal_year(), FiscalYear(2027));
        assert_eq!(d("2026-04-01").fiscal_year(), FiscalYear(2026));
        assert_eq!(d("2026-03-31").fiscal_year(), FiscalYear(2025));
        assert_eq!(d("2027-01-15").fiscal_year(), FiscalYear(2026));
    }

    #[test]
    fn reiwa_labels_name_the_first_year_gannen() {
        assert_eq!(FiscalYear(2026).japanese_label(), "令和8年度");
        assert_eq!(FiscalYear(2019).japanese_label(), "令和元年度");
        assert_eq!(FiscalYear(2020).japanese_label(), "令和2年度");
        assert_eq!(FiscalYear(2018).japanese_label(), "平成30年度");
        assert_eq!(FiscalYear(2026).english_label(), "FY2026");
    }

    #[test]
    fn impossible_dates_and_times_are_rejected_with_the_value() {
        for bad in ["2026-02-29", "2026-13-01", "2026-04-31", "26-04-01", "2026/04/01", "", "2026-4-1"] {
            let err = bad.parse::<Date>().unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        assert_eq!(d("2028-02-29").day(), 29);
        for bad in ["24:00", "9:00", "12:60", "ab:cd", "1200"] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad}");
        }
        assert_eq!("23:59".parse::<TimeOfDay>().unwrap().minutes(), 1439);
    }

    #[test]
    fn day_counting_matches_known_dates() {
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
        // 2000-03-01 is 11017 days after the epoch (30 years incl. 7 leap days + Jan/Feb 2000).
        assert_eq!(d("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(d("1969-12-31").days_since_epoch(), -1);
        for s in ["2024-02-29", "2026-12-31", "1999-01-01", "2100-03-01"] {
            assert_eq!(Date::from_days_since_epoch(d(s).days_since_epoch()), d(s));
        }
        assert_eq!(d("2027-02-28").succ(), d("2027-03-01"));
    }

    #[test]
    fn minutes_between_times_cross_midnight() {
        let a: DateTime = "2026-05-01T22:00".parse().unwrap();
        let b: DateTime = "2026-05-02T02:00".parse().unwrap();
        assert_eq!(a.minutes_until(b), 240);
        assert_eq!(b.minutes_until(a), -240);
    }

    #[test]
    fn months_remaining_count_the_enrolment_month() {
        let fy = FiscalYear(2026);
        assert_eq!(fy.months_remaining_from(d("2026-04-01")), 12);
        assert_eq!(fy.months_remaining_from(d("2026-10-15")), 6);
        assert_eq!(fy.months_remaining_from(d("2027-03-31")), 1);
        assert_eq!(fy.months_remaining_from(d("2027-04-01")), 0);
        assert_eq!(fy.months_remaining_from(d("2026-03-31")), 12);
    }

    #[test]
    fn serde_uses_iso_strings() {
        let dt: DateTime = "2026-05-01T09:30".parse().unwrap();
        assert_eq!(serde_json::to_string(&dt).unwrap(), "\"2026-05-01T09:30\"");
        let back: DateTime = serde_json::from_str("\"2026-05-01T09:30\"").unwrap();
        assert_eq!(back, dt);
        assert!(serde_json::from_str::<Date>("\"2026-02-30\"").is_err());
    }
}
