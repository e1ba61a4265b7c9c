//! Who saw what (`access_log`): sign-ins, failed and refused ones, the records of each child an
//! office, municipality or administrator account received on one of its devices, and what such a
//! device reported its user opened or exported. A row names the account, the device, the child,
//! the record, how many records, the address and the time — never a record's contents.

use carebook_domain::{ChangedDoc, Role};
use serde::Serialize;
use sqlx::Row;

use super::Storage;
use crate::model::{unix_now, Caller, Result};

/// One line of the access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    /// When (Unix seconds).
    pub at: i64,
    /// `sign_in`, `sign_in_failed`, `sign_in_refused`, `second_factor_wrong`, `received`,
    /// `opened`, `exported`, or a change to the account's sign-in (`AccountChange`):
    /// `password_changed`, `password_reset`, `second_factor_enrolled`, `second_factor_removed`,
    /// `recovery_code_used`.
    pub action: String,
    /// The account name (as typed, for a failed sign-in).
    pub username: String,
    /// Its role, when the account exists.
    pub role: Option<String>,
    /// The device (a sign-in's new one, or the one that received).
    pub device_id: Option<String>,
    /// The child whose records were received.
    pub child_id: Option<String>,
    /// How many of its records.
    pub records: i64,
    /// The client's address as the server saw it.
    pub client: String,
    /// The record opened, for `opened`.
    pub record_id: Option<String>,
    /// What was opened or exported, in a few words.
    pub what: String,
    /// When it happened by the device's clock, for what a device reported.
    pub happened_at: Option<i64>,
}

/// What a sign-in attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignIn {
    /// Signed in; the device was made.
    Done,
    /// Wrong name or password.
    Failed,
    /// Right password, refused (a disabled account).
    Refused,
    /// Right password, a wrong (or used) second-factor code.
    SecondFactorWrong,
}

/// A change to how an account signs in, for the access log (never the password, the secret or
/// a code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountChange {
    /// The account's own password was set (by the person, or by an operator).
    PasswordChanged,
    /// A one-time password was issued.
    PasswordReset,
    /// A second factor was confirmed (new recovery codes shown).
    SecondFactorEnrolled,
    /// The second factor was removed.
    SecondFactorRemoved,
    /// A recovery code was spent at a sign-in.
    RecoveryCodeUsed,
}

impl AccountChange {
    fn action(self) -> &'static str {
        match self {
            AccountChange::PasswordChanged => "password_changed",
            AccountChange::PasswordReset => "password_reset",
            AccountChange::SecondFactorEnrolled => "second_factor_enrolled",
            AccountChange::SecondFactorRemoved => "second_factor_removed",
            AccountChange::RecoveryCodeUsed => "recovery_code_used",
        }
    }
}

/// Whether the records `caller` receives are logged: the roles that read other people's work
/// (an office, a municipality, an administrator). A nurse's and a parent's own children are
/// not logged each sync.
pub(crate) fn logs_reads(caller: &Caller) -> bool {
    matches!(caller.role, Role::Office | Role::Municipality | Role::Admin)
}

impl Storage {
    /// Logs a sign-in attempt of `username` (the account's id and role when it exists; the new
    /// device's id when it signed in).
    pub(crate) async fn log_sign_in(
        &self,
        outcome: SignIn,
        username: &str,
        user: Option<(&str, Role)>,
        device_id: Option<&str>,
        client: &str,
    ) -> Result<()> {
        let action = match outcome {
            SignIn::Done => "sign_in",
            SignIn::Failed => "sign_in_failed",
            SignIn::Refused => "sign_in_refused",
            SignIn::SecondFactorWrong => "second_factor_wrong",
        };
        self.log_account_row(action, username, user, device_id, client).await
    }

    /// Logs a change to how the account `username` signs in; `client` is the address it came
    /// from, or `operator` for the server's command line.
    pub(crate) async fn log_account_change(
        &self,
        change: AccountChange,
        username: &str,
        user: Option<(&str, Role)>,
        device_id: Option<&str>,
        client: &str,
    ) -> Result<()> {
        self.log_account_row(change.action(), username, user, device_id, client).await
    }

    async fn log_account_row(
        &self,
        action: &str,
        username: &str,
        user: Option<(&str, Role)>,
        device_id: Option<&str>,
        client: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_log (at, action, username, user_id, role, device_id, child_id, records, client) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, 0, $7)",
        )
        .bind(unix_now())
        .bind(action)
        .bind(username.chars().take(64).collect::<String>())
        .bind(user.map(|(id, _)| id.to_string()))
        .bind(user.map(|(_, role)| role.name().to_string()))
        .bind(device_id.map(str::to_string))
        .bind(client)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Logs the records of `docs` that `caller`'s device received, one row per child, when
    /// [`logs_reads`] says so.
    pub(crate) async fn log_received(&self, caller: &Caller, client: &str, docs: &[ChangedDoc]) -> Result<()> {
        if !logs_reads(caller) || docs.is_empty() {
            return Ok(());
        }
        let mut per_child: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for d in docs {
            *per_child.entry(d.child_id.as_str()).or_default() += 1;
        }
        let now = unix_now();
        let mut tx = self.pool.begin().await?;
        for (child, records) in per_child {
            sqlx::query(
                "INSERT INTO access_log (at, action, username, user_id, role, device_id, child_id, records, client) \
                 VALUES ($1, 'received', $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(now)
            .bind(&caller.username)
            .bind(&caller.user_id)
            .bind(caller.role.name())
            .bind(&caller.device_id)
            .bind(child)
            .bind(records)
            .bind(client)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The access log, newest first: everything about the child `child` (who received its
    /// records), or everything the account `username` did, or all of it; at most `limit` lines.
    pub async fn access_log(&self, child: Option<&str>, username: Option<&str>, limit: i64) -> Result<Vec<AccessEntry>> {
        let rows = sqlx::query(
            "SELECT at, action, username, role, device_id, child_id, records, client, record_id, what, happened_at FROM access_log \
             WHERE ($1 = '' OR child_id = $1) AND ($2 = '' OR username = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(child.unwrap_or(""))
        .bind(username.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AccessEntry {
                    at: r.try_get("at")?,
                    action: r.try_get("action")?,
                    username: r.try_get("username")?,
                    role: r.try_get("role")?,
                    device_id: r.try_get("device_id")?,
                    child_id: r.try_get("child_id")?,
                    records: r.try_get("records")?,
                    client: r.try_get("client")?,
                    record_id: r.try_get("record_id")?,
                    what: r.try_get("what")?,
                    happened_at: r.try_get("happened_at")?,
                })
            })
            .collect()
    }
}

impl Storage {
    /// Logs what `caller`'s device reported its user opened or exported (already checked), in
    /// one transaction.
    pub(crate) async fn log_reported(&self, caller: &Caller, client: &str, events: &[carebook_domain::wire::AccessEvent]) -> Result<()> {
        let now = unix_now();
        let mut tx = self.pool.begin().await?;
        for e in events {
            sqlx::query(
                "INSERT INTO access_log (at, action, username, user_id, role, device_id, child_id, records, client, record_id, what, happened_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(now)
            .bind(&e.action)
            .bind(&caller.username)
            .bind(&caller.user_id)
            .bind(caller.role.name())
            .bind(&caller.device_id)
            .bind(e.child_id.clone())
            .bind(i64::from(e.record_id.is_some()))
            .bind(client)
            .bind(e.record_id.clone())
            .bind(&e.what)
            .bind(e.at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
