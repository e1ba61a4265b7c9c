//! The bottom layer: the types every other layer speaks in (organisations, the caller, what
//! the server knows about a child, the quarantine's bounds), the one [`Error`], the
//! configuration, the clock, and the login back-off's arithmetic. It imports nothing of the
//! crate above it.
//!
//! The layers, each importing only those before it (a test in `lib.rs` holds them to it):
//! `model` → `password` → `storage` → `access` → `auth`, `people`, `push`, `rulebook` → `http` → `serve`.

use carebook_domain::{Date, Role};

pub(crate) mod backoff;
mod config;
mod error;
pub mod second_factor;

pub use config::{Config, ConfigError};
pub(crate) use error::Unavailable;
pub use error::{Error, Result};

pub use carebook_domain::OrgKind;

/// An authenticated request's account and device.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub org_id: String,
    /// The municipality code of the caller's organisation (a welfare section's; `None` for the
    /// others).
    pub municipality: Option<String>,
    pub device_id: String,
    /// The day of the request in Japan, read once from the server's clock when the caller is
    /// authenticated: the day a sharing consent must be in force on, for the Rust rule
    /// (`access::may_access`) and the SQL one alike.
    pub today: Date,
}

/// One transfer of a child, as the access rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Handed {
    /// The giving station.
    pub from: String,
    /// The receiving station.
    pub to: String,
    /// The first day the receiving station owns the child.
    pub first_day: Date,
}

/// What the server knows about a child, as seen by one caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChildFacts {
    /// The organisation that claimed the child (stored its first face sheet); its owner until a
    /// transfer is in force.
    pub owner: Option<String>,
    /// Its transfers, by first day.
    pub transfers: Vec<Handed>,
    /// The child's municipality code, from the stored face sheet.
    pub municipality: Option<String>,
    /// The first and last day the guardian's consent to share with the municipality is in
    /// force, from the stored face sheet (`SharingConsent::in_force_days`; `None`: no consent).
    pub shared: Option<(Date, Date)>,
    /// Whether the child is assigned to the caller.
    pub assigned: bool,
}

impl ChildFacts {
    /// The organisation owning the child on `day`: the receiving station of the last transfer
    /// in force that day, else the one that claimed it.
    pub fn owner_on(&self, day: Date) -> Option<&str> {
        match self.transfers.iter().filter(|t| t.first_day <= day).max_by_key(|t| t.first_day) {
            Some(t) => Some(&t.to),
            None => self.owner.as_deref(),
        }
    }

    /// Whether `org` handed the child over to another station by `day` (it may own it again).
    pub fn handed_over_by(&self, org: &str, day: Date) -> bool {
        self.transfers.iter().any(|t| t.from == org && t.first_day <= day)
    }
}

/// How much the quarantine keeps: per device and in total, in bytes, each entry counted as its
/// bytes, reason and record id and 1 KiB for the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarantineQuota {
    /// The most one device's kept entries take.
    pub per_device: i64,
    /// The most all kept entries take.
    pub total: i64,
}

impl QuarantineQuota {
    /// 24 MiB per device, 1 GiB in total (the configuration's defaults).
    pub(crate) const DEFAULT: QuarantineQuota = QuarantineQuota { per_device: 24 * 1024 * 1024, total: 1024 * 1024 * 1024 };
}

impl Default for QuarantineQuota {
    fn default() -> Self {
        QuarantineQuota::DEFAULT
    }
}

/// Now, in unix seconds.
pub(crate) fn unix_now() -> i64 {
    unix_now_ms().div_euclid(1000)
}

/// Today in Japan (UTC+9, no daylight saving) at `unix_secs`.
pub(crate) fn today_jst(unix_secs: i64) -> Date {
    Date::from_days_since_epoch((unix_secs + 9 * 3600).div_euclid(86_400))
}

/// Now, in unix milliseconds.
pub(crate) fn unix_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
