//! The bottom layer: the types every other layer speaks in (organisations, the caller, what
//! the server knows about a child, the quarantine's bounds), the one [`Error`], the
//! configuration, the clock, and the login back-off's arithmetic. It imports nothing of the
//! crate above it.
//!
//! The layers, each importing only those before it (a test in `lib.rs` holds them to it):
//! `model` → `password` → `storage` → `access` → `auth`, `push` → `http` → `serve`.

use std::fmt;
use std::str::FromStr;

use carebook_domain::{Message, Role};
use serde::{Deserialize, Serialize};

pub(crate) mod backoff;
mod config;
mod error;

pub use config::{Config, ConfigError};
pub(crate) use error::Unavailable;
pub use error::{Error, Result};

/// What an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrgKind {
    /// 訪問看護ステーション.
    Station,
    /// 区市町村 (a municipality office).
    Municipality,
}

impl OrgKind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            OrgKind::Station => "station",
            OrgKind::Municipality => "municipality",
        }
    }

    /// Its name in Japanese, for messages.
    pub fn ja(self) -> &'static str {
        match self {
            OrgKind::Station => "訪問看護ステーション",
            OrgKind::Municipality => "区市町村",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OrgKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "station" => Ok(OrgKind::Station),
            "municipality" => Ok(OrgKind::Municipality),
            _ => Err(Error::Invalid {
                what: Message::new("組織の種類", "organisation kind"),
                value: s.to_string(),
                reason: Message::new("station か municipality を指定してください", "expected station or municipality"),
            }),
        }
    }
}

/// An authenticated request's account and device.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub org_id: String,
    pub device_id: String,
}

/// What the server knows about a child, as seen by one caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChildFacts {
    /// The owning organisation, once a face sheet is stored.
    pub owner: Option<String>,
    /// The child's municipality code, from the stored face sheet.
    pub municipality: Option<String>,
    /// Whether the child is assigned to the caller.
    pub assigned: bool,
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

/// Now, in unix milliseconds.
pub(crate) fn unix_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
