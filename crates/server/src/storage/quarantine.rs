//! Refused pushes, kept for the office within the quarantine's quota (per device and in
//! total), and the devices' use of it.

use carebook_domain::wire::{QuarantineDevice, QuarantineEntry};
use carebook_domain::RecordKind;
use sqlx::{AssertSqlSafe, Row};

use super::Storage;
use crate::model::{Caller, Result};

/// What one kept entry is counted as: its bytes, reason and record id, and 1 KiB for the row
/// (so that a flood of empty refusals is bounded too).
pub(crate) fn quarantine_charge(bytes: usize, reason: &str, record_id: &str) -> i64 {
    (bytes + reason.len() + record_id.len() + 1024) as i64
}

/// What became of a refused push offered to the quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kept {
    /// Kept.
    Stored,
    /// Kept before: the same bytes from the same device, refused the same way.
    Before,
    /// Not kept: the device's quota, or the total, has no room for it. Counted on the device.
    Full(QuotaHit),
}

/// Which quota was full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuotaHit {
    /// The device's own.
    Device(i64),
    /// The server's total.
    Total(i64),
}

/// A rejected push.
#[derive(Debug, Clone)]
pub(crate) struct NewQuarantine<'a> {
    pub record_id: &'a str,
    pub kind: RecordKind,
    pub child_id: Option<&'a str>,
    pub caller: &'a Caller,
    pub code: &'a str,
    pub reason: &'a str,
    pub bytes: &'a [u8],
    pub now: i64,
}

impl Storage {
    /// Keeps a rejected push, within the quota: the device's kept entries and all kept entries
    /// together stay within [`QuarantineQuota`] (reserved by conditional updates of the
    /// device's usage row and of the `quarantine_bytes` counter, in one transaction, so
    /// concurrent pushes cannot pass it together). Past it nothing is kept and the refusal is
    /// counted on the device's row. The same bytes from the same device are stored once: refused
    /// the same way again, nothing is added; under another record id or code, the entry is
    /// added without its bytes (found by `bytes_sha256` in the earlier entry).
    pub(crate) async fn quarantine(&self, q: &NewQuarantine<'_>) -> Result<Kept> {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(q.bytes).to_vec();
        let device = &q.caller.device_id;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        // Refused the same way before: nothing new to keep. The same bytes under another id or
        // code: a new entry, its bytes not stored again (`size` and `bytes_sha256` name them).
        let same: Vec<(String, String)> =
            sqlx::query_as("SELECT record_id, code FROM quarantine WHERE device_id = $1 AND bytes_sha256 = $2 ORDER BY id LIMIT 1000")
                .bind(device)
                .bind(&digest)
                .fetch_all(&mut *tx)
                .await?;
        if same.iter().any(|(id, code)| id == q.record_id && code == q.code) {
            tx.rollback().await?;
            return Ok(Kept::Before);
        }
        let bytes: &[u8] = if same.is_empty() { q.bytes } else { &[] };
        let charge = quarantine_charge(bytes.len(), q.reason, q.record_id);
        sqlx::query(
            "INSERT INTO quarantine_usage (device_id, user_id, bytes, entries, refused) VALUES ($1, $2, 0, 0, 0) \
             ON CONFLICT (device_id) DO NOTHING",
        )
        .bind(device)
        .bind(&q.caller.user_id)
        .execute(&mut *tx)
        .await?;
        let device_room =
            sqlx::query("UPDATE quarantine_usage SET bytes = bytes + $1, entries = entries + 1 WHERE device_id = $2 AND bytes + $1 <= $3")
                .bind(charge)
                .bind(device)
                .bind(self.quota.per_device)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        let hit = if !device_room {
            Some(QuotaHit::Device(self.quota.per_device))
        } else {
            let total_room = sqlx::query("UPDATE counters SET value = value + $1 WHERE name = 'quarantine_bytes' AND value + $1 <= $2")
                .bind(charge)
                .bind(self.quota.total)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            (!total_room).then_some(QuotaHit::Total(self.quota.total))
        };
        if let Some(hit) = hit {
            // Undo the device's reservation (if made) and count the refusal instead.
            let undo = if matches!(hit, QuotaHit::Total(_)) { charge } else { 0 };
            sqlx::query(
                "UPDATE quarantine_usage SET bytes = bytes - $1, entries = entries - $2, refused = refused + 1, \
                 refused_since = COALESCE(refused_since, $3), refused_last = $3, refused_code = $4 WHERE device_id = $5",
            )
            .bind(undo)
            .bind(i64::from(undo > 0))
            .bind(q.now)
            .bind(q.code)
            .bind(device)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(Kept::Full(hit));
        }
        sqlx::query(
            "INSERT INTO quarantine (record_id, kind, child_id, org_id, user_id, device_id, at, code, reason, bytes, size, bytes_sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(q.record_id)
        .bind(q.kind.name())
        .bind(q.child_id)
        .bind(&q.caller.org_id)
        .bind(&q.caller.user_id)
        .bind(device)
        .bind(q.now)
        .bind(q.code)
        .bind(q.reason)
        .bind(bytes)
        .bind(q.bytes.len() as i64)
        .bind(&digest)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Kept::Stored)
    }

    /// The bytes of refused documents the quarantine holds (each stored once per device).
    pub async fn quarantine_stored_bytes(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT CAST(COALESCE(SUM(LENGTH(bytes)), 0) AS BIGINT) FROM quarantine").fetch_one(&self.pool).await?)
    }

    /// What each device's refused pushes take in the quarantine and how many were refused for
    /// the quota, those with refusals first: every device (`org: None`) or those of `org`'s
    /// accounts.
    pub async fn quarantine_devices(&self, org: Option<&str>, limit: i64) -> Result<Vec<QuarantineDevice>> {
        const COLUMNS: &str = "SELECT q.device_id, d.name, u.username, q.entries, q.bytes, q.refused, q.refused_since, q.refused_last \
                               FROM quarantine_usage q JOIN devices d ON d.id = q.device_id JOIN users u ON u.id = q.user_id";
        const ORDER: &str = "ORDER BY q.refused DESC, q.bytes DESC, q.device_id";
        let rows = match org {
            None => sqlx::query(AssertSqlSafe(format!("{COLUMNS} {ORDER} LIMIT $1"))).bind(limit).fetch_all(&self.pool).await?,
            Some(org) => {
                sqlx::query(AssertSqlSafe(format!("{COLUMNS} WHERE u.org_id = $1 {ORDER} LIMIT $2")))
                    .bind(org)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(QuarantineDevice {
                    device_id: r.try_get("device_id")?,
                    device_name: r.try_get("name")?,
                    username: r.try_get("username")?,
                    entries: r.try_get("entries")?,
                    bytes: r.try_get("bytes")?,
                    quota_bytes: self.quota.per_device,
                    refused: r.try_get("refused")?,
                    refused_since: r.try_get("refused_since")?,
                    refused_last: r.try_get("refused_last")?,
                })
            })
            .collect()
    }

    /// Rejected pushes, newest first: all of them (`org: None`), or those whose child belongs to
    /// `org` (or, when the child is unknown, that someone of `org` pushed).
    pub(crate) async fn quarantine_entries(&self, org: Option<&str>, limit: i64) -> Result<Vec<QuarantineEntry>> {
        const COLUMNS: &str = "SELECT q.id, q.record_id, q.kind, u.username, q.device_id, q.at, q.code, q.reason, q.size \
                               FROM quarantine q JOIN users u ON u.id = q.user_id";
        let rows = match org {
            None => sqlx::query(AssertSqlSafe(format!("{COLUMNS} ORDER BY q.id DESC LIMIT $1"))).bind(limit).fetch_all(&self.pool).await?,
            Some(org) => {
                sqlx::query(AssertSqlSafe(format!(
                    "{COLUMNS} LEFT JOIN children c ON c.child_id = q.child_id \
                     WHERE c.org_id = $1 OR (c.org_id IS NULL AND q.org_id = $1) ORDER BY q.id DESC LIMIT $2"
                )))
                .bind(org)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(QuarantineEntry {
                    id: r.try_get("id")?,
                    record_id: r.try_get("record_id")?,
                    kind: r.try_get("kind")?,
                    username: r.try_get("username")?,
                    device_id: r.try_get("device_id")?,
                    at: r.try_get("at")?,
                    code: r.try_get("code")?,
                    reason: r.try_get("reason")?,
                    size: r.try_get("size")?,
                })
            })
            .collect()
    }
}
