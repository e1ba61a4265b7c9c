//! Devices: created at login with the SHA-256 of their token, found by it on every request,
//! listed, revoked and expired by operators.

use carebook_domain::Role;
use serde::Serialize;
use sqlx::Row;

use super::{role_of, Storage};
use crate::model::{unix_now, Error, Result};

/// A device, as `device list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSummary {
    /// Device id.
    pub id: String,
    /// Its account.
    pub username: String,
    /// The name given at login.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds after which its token stops working.
    pub expires_at: i64,
    /// Unix seconds of its last authenticated request (to the minute).
    pub last_seen: Option<i64>,
    /// Unix seconds it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A device found by its token hash.
#[derive(Debug, Clone)]
pub(crate) struct DeviceAuth {
    pub device_id: String,
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub org_id: String,
    /// The municipality code of the account's organisation (a welfare section's).
    pub municipality: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen: Option<i64>,
    pub revoked_at: Option<i64>,
    /// When the account was disabled, if it is.
    pub disabled_at: Option<i64>,
    /// Whether the device may only enrol a second factor.
    pub enrol_only: bool,
}

impl Storage {
    /// Every device, newest first.
    pub async fn list_devices(&self) -> Result<Vec<DeviceSummary>> {
        let rows = sqlx::query(
            "SELECT d.id, u.username, d.name, d.created_at, d.expires_at, d.last_seen, d.revoked_at \
             FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.created_at DESC, d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeviceSummary {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    last_seen: r.try_get("last_seen")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Stops a device's token from working (for a lost tablet). Revoking twice keeps the first time.
    pub async fn revoke_device(&self, device_id: &str) -> Result<()> {
        let done = sqlx::query("UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(unix_now())
            .bind(device_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::UnknownDevice(device_id.into()));
        }
        Ok(())
    }

    /// Sets when a device's token stops working (operators shortening a token's life; tests).
    pub async fn set_device_expiry(&self, device_id: &str, expires_at: i64) -> Result<()> {
        let done =
            sqlx::query("UPDATE devices SET expires_at = $1 WHERE id = $2").bind(expires_at).bind(device_id).execute(&self.pool).await?;
        if done.rows_affected() == 0 {
            return Err(Error::UnknownDevice(device_id.into()));
        }
        Ok(())
    }

    /// Stores a new device and its token hash; returns only once the row is committed (a login
    /// answers success only then). `enrol_only`: it may only enrol a second factor until one is confirmed.
    pub(crate) async fn create_device(
        &self,
        user_id: &str,
        name: &str,
        token_hash: &[u8],
        now: i64,
        expires_at: i64,
        enrol_only: bool,
    ) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO devices (id, user_id, name, token_hash, created_at, expires_at, enrol_only) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .bind(i64::from(enrol_only))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<DeviceAuth>> {
        let row = sqlx::query(
            "SELECT d.id, d.user_id, u.username, u.role, u.org_id, o.municipality, d.created_at, d.expires_at, d.last_seen, d.revoked_at, \
             u.disabled_at, d.enrol_only \
             FROM devices d JOIN users u ON u.id = d.user_id LEFT JOIN orgs o ON o.id = u.org_id WHERE d.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(DeviceAuth {
                device_id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                role: role_of(r.try_get("role")?)?,
                org_id: r.try_get("org_id")?,
                municipality: r.try_get("municipality")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                last_seen: r.try_get("last_seen")?,
                revoked_at: r.try_get("revoked_at")?,
                disabled_at: r.try_get("disabled_at")?,
                enrol_only: r.try_get::<i64, _>("enrol_only")? != 0,
            })
        })
        .transpose()
    }

    pub(crate) async fn touch_device(&self, device_id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE devices SET last_seen = $1 WHERE id = $2").bind(now).bind(device_id).execute(&self.pool).await?;
        Ok(())
    }
}
