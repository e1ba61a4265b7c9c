//! The second factor of accounts (`users.totp_secret`, `totp_pending`, `totp_last_step`) and
//! their recovery codes (`recovery_codes`, SHA-256 only). The codes' arithmetic is in
//! `model::second_factor`; the decisions (who must have one, who may remove it) in `account`.

use sqlx::Row;

use super::Storage;
use crate::model::{unix_now, Error, Result};

/// An account's second factor as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecondFactorState {
    /// The confirmed secret (base32), if any.
    pub secret: Option<String>,
    /// The secret of an enrolment waiting for its first code.
    pub pending: Option<String>,
    /// The last time step whose code was accepted.
    pub last_step: i64,
    /// Recovery codes not yet used.
    pub recovery_left: i64,
}

impl Storage {
    /// The second factor of the account `user_id`.
    pub(crate) async fn second_factor(&self, user_id: &str) -> Result<SecondFactorState> {
        let r = sqlx::query("SELECT totp_secret, totp_pending, totp_last_step FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::UnknownUser(user_id.into()))?;
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(SecondFactorState {
            secret: r.try_get("totp_secret")?,
            pending: r.try_get("totp_pending")?,
            last_step: r.try_get("totp_last_step")?,
            recovery_left: left,
        })
    }

    /// Whether the account `username` has a confirmed second factor (the password rule then
    /// allows a shorter password).
    pub(crate) async fn has_second_factor(&self, username: &str) -> Result<bool> {
        let secret: Option<Option<String>> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = $1")
            .bind(username.trim())
            .fetch_optional(&self.pool)
            .await?;
        Ok(secret.flatten().is_some())
    }

    /// Keeps `step` as the account's last accepted step, only when it is later than the one kept:
    /// whether it was (two logins with one code: only one gets `true`).
    pub(crate) async fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1 AND totp_secret IS NOT NULL")
            .bind(step)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Spends the recovery code of hash `code_hash` of the account: whether it was there unused.
    pub(crate) async fn spend_recovery_code(&self, user_id: &str, code_hash: &str) -> Result<bool> {
        let _turn = self.write_turn().await;
        let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(unix_now())
            .bind(user_id)
            .bind(code_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() >= 1)
    }

    /// Keeps `secret` as the account's enrolment waiting for its first code (replacing one
    /// waiting before; a confirmed second factor stays in force until the new one is confirmed).
    pub(crate) async fn start_second_factor(&self, user_id: &str, secret: &str) -> Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2").bind(secret).bind(user_id).execute(&self.pool).await?;
        Ok(())
    }

    /// Confirms the enrolment of `pending` (still the one waiting) with a code of time step
    /// `step`: it becomes the account's second factor, `code_hashes` its recovery codes (the old
    /// ones are removed), and the device `device_id` is no longer limited to enrolling. `false`
    /// when another enrolment replaced `pending` meanwhile.
    pub(crate) async fn confirm_second_factor(
        &self,
        user_id: &str,
        pending: &str,
        step: i64,
        code_hashes: &[String],
        device_id: &str,
    ) -> Result<bool> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1 WHERE id = $2 AND totp_pending = $3",
        )
        .bind(step)
        .bind(user_id)
        .bind(pending)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        for hash in code_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE devices SET enrol_only = 0 WHERE id = $1").bind(device_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Removes the account's second factor, any enrolment waiting and its recovery codes.
    pub(crate) async fn remove_second_factor(&self, user_id: &str) -> Result<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET totp_secret = NULL, totp_pending = NULL WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the second factor of `username`, for the operator (a person who lost both the
    /// phone and the recovery codes); logged in `access_log` as `second_factor_removed` from
    /// `operator`. An account that must have one enrols again at its next login.
    pub async fn reset_second_factor(&self, username: &str) -> Result<()> {
        let user_id = self.user_id(username).await?;
        self.remove_second_factor(&user_id).await?;
        self.log_account_change(super::AccountChange::SecondFactorRemoved, username.trim(), None, None, "operator").await
    }
}
