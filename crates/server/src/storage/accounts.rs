//! Organisations, users and assignments (administration and login), and the login back-off's
//! attempts, each counted in one statement.

use carebook_domain::{check_password, ChildId, Message, PasswordStrength, Profession, Role, UserInfo};
use serde::Serialize;
use sqlx::Row;

use super::people::event;
use super::{is_unique_violation, org_kind_of, profession_of, role_of, settle, Storage};
use crate::model::backoff::{backoff_sql, BackoffShape};
use crate::model::{unix_now, Error, OrgKind, Result};
use crate::password;

/// An account, as `user list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    /// Account id.
    pub id: String,
    /// Account name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Organisation.
    pub org_id: String,
    /// What the organisation is.
    pub org_kind: OrgKind,
    /// Children assigned (a nurse's) or their own (a parent's), sorted.
    pub children: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// An assignment, as `user assignments` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// The account.
    pub username: String,
    /// Its role.
    pub role: Role,
    /// The child.
    pub child_id: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// An account to create.
pub(super) struct NewAccount<'a> {
    pub username: &'a str,
    /// The password: the person's own (checked against the rule), or a one-time one.
    pub password: &'a str,
    pub role: Role,
    pub org_id: &'a str,
    pub org_kind: OrgKind,
    /// Name, reading, profession.
    pub profile: Option<(&'a str, &'a str, Option<Profession>)>,
    /// Set for a one-time password: until when it may be used.
    pub one_time_until: Option<i64>,
}

/// An account as login needs it.
#[derive(Debug, Clone)]
pub(crate) struct LoginUser {
    pub info: UserInfo,
    pub password_hash: String,
    /// Unix seconds the account was disabled, if it is.
    pub disabled_at: Option<i64>,
    /// Until when a one-time password may be used, if the password is one.
    pub one_time_until: Option<i64>,
    /// The confirmed second factor's secret (base32), if any.
    pub totp_secret: Option<String>,
    /// The last time step whose code was accepted.
    pub totp_last_step: i64,
}

/// [`UserInfo`] from a row with `id, username, role, org_id, display_name, profession`.
pub(super) fn user_info(r: &sqlx::any::AnyRow) -> Result<UserInfo> {
    Ok(UserInfo {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        role: role_of(r.try_get("role")?)?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("display_name")?,
        profession: profession_of(r.try_get("profession")?)?,
    })
}

/// Whether an account of `role` may belong to an organisation of `kind`: the municipality role
/// only to a municipality's welfare section, and a welfare section has no nurses (nurses belong
/// to stations). Other roles fit anywhere (an office or administrator of a welfare section, an
/// operator's administrator, a parent).
pub(crate) fn role_fits_org(role: Role, kind: OrgKind) -> Result<()> {
    let fits = match role {
        Role::Municipality => kind == OrgKind::Municipality,
        Role::Nurse | Role::Coordinator => kind != OrgKind::Municipality,
        Role::Parent | Role::Office | Role::Admin => true,
    };
    if fits {
        return Ok(());
    }
    Err(Error::Invalid {
        what: Message::new("役割", "role"),
        value: role.name().into(),
        reason: Message::new(
            format!("「{}」は{}の利用者には設定できません", role.label().ja, kind.label().ja),
            format!("a {} organisation has no {} accounts", kind.name(), role.name()),
        ),
    })
}

impl Storage {
    /// Creates an account in `org_id` (creating the organisation if missing), with an Argon2id
    /// hash of `password` under a random salt. The password must pass
    /// [`carebook_domain::check_password`] (at least 13 characters, not the user name, not common).
    /// The account has no name yet ([`Storage::set_profile`]; [`Storage::add_person`] does both).
    pub async fn add_user(&self, username: &str, password: &str, role: Role, org_id: &str, org_kind: OrgKind) -> Result<UserInfo> {
        let user = NewAccount { username, password, role, org_id, org_kind, profile: None, one_time_until: None };
        self.insert_account(user, None).await
    }

    /// Creates an account with everything it may start with, in one transaction.
    pub(super) async fn insert_account(&self, a: NewAccount<'_>, actor: Option<&str>) -> Result<UserInfo> {
        let username = a.username.trim();
        if username.is_empty() || username.len() > 64 || username.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Invalid {
                what: Message::new("ユーザー名", "username"),
                value: username.into(),
                reason: Message::new("空白を含まない 1〜64 文字にしてください", "1–64 characters without spaces"),
            });
        }
        if a.one_time_until.is_none() {
            check_password(a.password, username, PasswordStrength::PasswordOnly).map_err(Error::Password)?;
        }
        let org_id = a.org_id.trim();
        if org_id.is_empty() || org_id.len() > 64 {
            return Err(Error::Invalid { what: org_id_text(), value: org_id.into(), reason: one_to_64() });
        }
        let hash = password::hash_password(a.password.to_string()).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = unix_now();
        let (name, kana, profession) = a.profile.unwrap_or(("", "", None));

        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result: Result<UserInfo> = async {
            // A write first, so a SQLite transaction takes the write lock before it reads.
            sqlx::query("INSERT INTO orgs (id, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(org_id)
                .bind(a.org_kind.name())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let existing: String = sqlx::query_scalar("SELECT kind FROM orgs WHERE id = $1").bind(org_id).fetch_one(&mut *tx).await?;
            let existing: OrgKind =
                org_kind_of(existing)?;
            if existing != a.org_kind {
                return Err(Error::OrgKindMismatch { org: org_id.into(), existing, requested: a.org_kind });
            }
            role_fits_org(a.role, existing)?;
            let inserted = sqlx::query(
                "INSERT INTO users (id, username, password_hash, role, org_id, created_at, display_name, display_kana, profession, one_time_until) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (username) DO NOTHING",
            )
            .bind(&id)
            .bind(username)
            .bind(&hash)
            .bind(a.role.name())
            .bind(org_id)
            .bind(now)
            .bind(name)
            .bind(kana)
            .bind(profession.map(|p| p.name()))
            .bind(a.one_time_until)
            .execute(&mut *tx)
            .await
            .map_err(|e| if is_unique_violation(&e) { Error::UsernameTaken(username.into()) } else { e.into() })?;
            if inserted.rows_affected() != 1 {
                return Err(Error::UsernameTaken(username.into()));
            }
            event(&mut tx, actor, "user_added", username, &format!("{} in {org_id}", a.role.name())).await?;
            Ok(UserInfo { id, username: username.into(), role: a.role, org_id: org_id.into(), name: name.into(), profession })
        }
        .await;
        settle(tx, result).await
    }

    /// Assigns `child_id` to `username`: a nurse's assigned child, or a parent's own child.
    /// Assigning twice is harmless.
    pub async fn assign(&self, username: &str, child_id: ChildId) -> Result<()> {
        let user_id = self.user_id(username).await?;
        sqlx::query(
            "INSERT INTO assignments (user_id, child_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, child_id) DO NOTHING",
        )
        .bind(&user_id)
        .bind(child_id.to_string())
        .bind(unix_now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends `username`'s assignment to `child_id`. Whether there was one; an unknown user is an error.
    /// The user's devices drop the child's records at their next sync (unless the user may still
    /// read the child another way, e.g. a nurse of the owning station).
    pub async fn unassign(&self, username: &str, child_id: ChildId) -> Result<bool> {
        let user_id = self.user_id(username).await?;
        let done = sqlx::query("DELETE FROM assignments WHERE user_id = $1 AND child_id = $2")
            .bind(&user_id)
            .bind(child_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Assignments, by user name then child: all, one user's, or one child's.
    pub async fn assignments(&self, user: Option<&str>, child: Option<ChildId>) -> Result<Vec<Assignment>> {
        let user_id = match user {
            Some(u) => Some(self.user_id(u).await?),
            None => None,
        };
        let rows = sqlx::query(
            "SELECT u.username, u.role, a.child_id, a.created_at FROM assignments a JOIN users u ON u.id = a.user_id \
             WHERE ($1 = '' OR a.user_id = $1) AND ($2 = '' OR a.child_id = $2) ORDER BY u.username, a.child_id",
        )
        .bind(user_id.unwrap_or_default())
        .bind(child.map(|c| c.to_string()).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Assignment {
                    username: r.try_get("username")?,
                    role: role_of(r.try_get("role")?)?,
                    child_id: r.try_get("child_id")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Changes an account's role and/or organisation (creating the organisation if missing).
    /// Its devices read what the new role allows from their next sync on.
    pub async fn change_user(&self, username: &str, role: Option<Role>, org: Option<(&str, OrgKind)>) -> Result<UserInfo> {
        self.change_user_by(username, role, org, None).await
    }

    /// [`Storage::change_user`] by `actor` (an account; `None` for the operator's command line),
    /// written to the organisation's events.
    pub(crate) async fn change_user_by(
        &self,
        username: &str,
        role: Option<Role>,
        org: Option<(&str, OrgKind)>,
        actor: Option<&str>,
    ) -> Result<UserInfo> {
        let user_id = self.user_id(username).await?;
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let result: Result<UserInfo> = async {
            if let Some((org_id, kind)) = org {
                let org_id = org_id.trim();
                if org_id.is_empty() || org_id.len() > 64 {
                    return Err(Error::Invalid { what: org_id_text(), value: org_id.into(), reason: one_to_64() });
                }
                sqlx::query("INSERT INTO orgs (id, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                    .bind(org_id)
                    .bind(kind.name())
                    .bind(unix_now())
                    .execute(&mut *tx)
                    .await?;
                let existing: String = sqlx::query_scalar("SELECT kind FROM orgs WHERE id = $1").bind(org_id).fetch_one(&mut *tx).await?;
                let existing: OrgKind = org_kind_of(existing)?;
                if existing != kind {
                    return Err(Error::OrgKindMismatch { org: org_id.into(), existing, requested: kind });
                }
                sqlx::query("UPDATE users SET org_id = $1 WHERE id = $2").bind(org_id).bind(&user_id).execute(&mut *tx).await?;
            }
            if let Some(role) = role {
                sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.name()).bind(&user_id).execute(&mut *tx).await?;
            }
            let r = sqlx::query("SELECT u.role, o.kind FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1")
                .bind(&user_id)
                .fetch_one(&mut *tx)
                .await?;
            let kind: String = r.try_get("kind")?;
            let kind: OrgKind = org_kind_of(kind)?;
            role_fits_org(role_of(r.try_get("role")?)?, kind)?;
            let r = sqlx::query("SELECT id, username, role, org_id, display_name, profession FROM users WHERE id = $1")
                .bind(&user_id)
                .fetch_one(&mut *tx)
                .await?;
            let info = user_info(&r)?;
            let detail = format!("role {}, organisation {}", info.role.name(), info.org_id);
            event(&mut tx, actor, "user_changed", &info.username, &detail).await?;
            Ok(info)
        }
        .await;
        settle(tx, result).await
    }

    /// Sets a new password for `username` (the same rule as [`Storage::add_user`], 8 characters
    /// instead of 13 when the account has a second factor) and ends the
    /// account's sessions: every device of the account that is not revoked has its token expire
    /// now, so it must log in again with the new password. Its records stay on it (an expired
    /// token, unlike a revoked device, removes nothing), and edits waiting there are pushed after
    /// that login. Returns how many devices were logged out.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<u64> {
        let username = username.trim();
        let user_id = self.user_id(username).await?;
        let strength =
            if self.has_second_factor(username).await? { PasswordStrength::WithSecondFactor } else { PasswordStrength::PasswordOnly };
        check_password(password, username, strength).map_err(Error::Password)?;
        let hash = password::hash_password(password.to_string()).await?;
        let now = unix_now();
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(&hash).bind(&user_id).execute(&mut *tx).await?;
        let ended = sqlx::query("UPDATE devices SET expires_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1")
            .bind(now)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.log_account_change(super::AccountChange::PasswordChanged, username, None, None, "operator").await?;
        Ok(ended.rows_affected())
    }

    pub(super) async fn user_id(&self, username: &str) -> Result<String> {
        let id: Option<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username.trim()).fetch_optional(&self.pool).await?;
        id.ok_or_else(|| Error::UnknownUser(username.into()))
    }

    /// Every account with its organisation and children, by name.
    pub async fn list_users(&self) -> Result<Vec<UserSummary>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.role, u.org_id, o.kind, u.created_at FROM users u JOIN orgs o ON o.id = u.org_id ORDER BY u.username",
        )
        .fetch_all(&self.pool)
        .await?;
        let assignments = sqlx::query("SELECT user_id, child_id FROM assignments ORDER BY user_id, child_id").fetch_all(&self.pool).await?;
        let mut users = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id")?;
            let kind: String = r.try_get("kind")?;
            let children = assignments
                .iter()
                .filter(|a| a.try_get::<String, _>("user_id").is_ok_and(|u| u == id))
                .map(|a| a.try_get::<String, _>("child_id"))
                .collect::<Result<Vec<_>, _>>()?;
            users.push(UserSummary {
                username: r.try_get("username")?,
                role: role_of(r.try_get("role")?)?,
                org_id: r.try_get("org_id")?,
                org_kind: org_kind_of(kind)?,
                created_at: r.try_get("created_at")?,
                children,
                id,
            });
        }
        Ok(users)
    }

    pub(crate) async fn user_for_login(&self, username: &str) -> Result<Option<LoginUser>> {
        let row = sqlx::query(
            "SELECT id, username, password_hash, role, org_id, display_name, profession, disabled_at, one_time_until, totp_secret, \
             totp_last_step FROM users WHERE username = $1",
        )
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LoginUser {
                info: user_info(&r)?,
                password_hash: r.try_get("password_hash")?,
                disabled_at: r.try_get("disabled_at")?,
                one_time_until: r.try_get("one_time_until")?,
                totp_secret: r.try_get("totp_secret")?,
                totp_last_step: r.try_get("totp_last_step")?,
            })
        })
        .transpose()
    }

    /// How long the most locked of `keys` must still wait, if any is locked: a read, so that a
    /// flood of refused attempts costs no writes (on SQLite, writers take turns with pushes).
    /// [`Storage::reserve_login_attempt`] decides again, atomically, for attempts that pass.
    pub(crate) async fn login_wait(&self, keys: [(&str, i64); 2], now_ms: i64, window_start_ms: i64) -> Result<Option<i64>> {
        let rows = sqlx::query("SELECT key, failures, last_at, locked_until FROM login_attempts WHERE key = $1 OR key = $2")
            .bind(keys[0].0)
            .bind(keys[1].0)
            .fetch_all(&self.pool)
            .await?;
        let mut wait = None;
        for r in rows {
            let key: String = r.try_get("key")?;
            let free = keys.iter().find(|(k, _)| *k == key).map_or(i64::MAX, |(_, free)| *free);
            let (failures, last_at, until): (i64, i64, i64) = (r.try_get("failures")?, r.try_get("last_at")?, r.try_get("locked_until")?);
            if failures >= free && last_at >= window_start_ms && until > now_ms {
                wait = wait.max(Some(until - now_ms));
            }
        }
        Ok(wait)
    }

    /// Counts one login attempt under `key` before its password is checked, in one statement,
    /// so that concurrent attempts cannot all pass: `Ok(None)` when the attempt may go on (it is
    /// now counted), `Ok(Some(ms))` when the key must wait that long first (nothing counted).
    /// Failures count within a window from the first; once past `free`, the count keeps growing
    /// until the key has been quiet a window (`window_start_ms` is now less a window). Below `free` nothing is
    /// locked whatever the times say (a concurrent request may have taken its `now` a moment
    /// before another that was written first).
    pub(crate) async fn reserve_login_attempt(
        &self,
        key: &str,
        now_ms: i64,
        window_start_ms: i64,
        BackoffShape { free, first_ms }: BackoffShape,
    ) -> Result<Option<i64>> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            // Start again from one when the key has been quiet a window, or when it is not past
            // its free failures and they began more than a window ago (a failure now and then
            // never adds up to a lock-out).
            let reset = "(login_attempts.last_at < $3 OR (login_attempts.failures < $4 AND login_attempts.first_at < $3))";
            let n = format!("CASE WHEN {reset} THEN 1 ELSE login_attempts.failures + 1 END");
            format!(
                "INSERT INTO login_attempts (key, failures, first_at, last_at, locked_until) VALUES ($1, 1, $2, $2, $2 + {first}) \
                 ON CONFLICT (key) DO UPDATE SET failures = {n}, first_at = CASE WHEN {reset} THEN $2 ELSE login_attempts.first_at END, \
                 last_at = $2, locked_until = $2 + {next} \
                 WHERE login_attempts.last_at < $3 OR login_attempts.failures < $4 OR login_attempts.locked_until <= $2 \
                 RETURNING failures",
                first = backoff_sql("1", "$4", "$5"),
                next = backoff_sql(&n, "$4", "$5"),
            )
        });
        let counted: Option<i64> = {
            let _turn = self.write_turn().await;
            sqlx::query_scalar(SQL.as_str())
                .bind(key)
                .bind(now_ms)
                .bind(window_start_ms)
                .bind(free)
                .bind(first_ms)
                .fetch_optional(&self.pool)
                .await?
        };
        if counted.is_some() {
            return Ok(None);
        }
        let until: Option<i64> =
            sqlx::query_scalar("SELECT locked_until FROM login_attempts WHERE key = $1").bind(key).fetch_optional(&self.pool).await?;
        Ok(Some(until.map_or(1, |u| (u - now_ms).max(1))))
    }

    /// Takes back one attempt counted under `key` (its password was never checked, or it was
    /// right and the key is an address shared by every user name).
    pub(crate) async fn refund_login_attempt(&self, key: &str, BackoffShape { free, first_ms }: BackoffShape) -> Result<()> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "UPDATE login_attempts SET failures = failures - 1, locked_until = last_at + {} WHERE key = $1 AND failures > 0",
                backoff_sql("(failures - 1)", "$2", "$3")
            )
        });
        let _turn = self.write_turn().await;
        sqlx::query(SQL.as_str()).bind(key).bind(free).bind(first_ms).execute(&self.pool).await?;
        Ok(())
    }

    /// A counted attempt under `key` failed at `now_ms`: its back-off runs from now (not only
    /// from when it was counted, which was before the password check took its time).
    pub(crate) async fn restart_login_backoff(&self, key: &str, now_ms: i64, BackoffShape { free, first_ms }: BackoffShape) -> Result<()> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let until = format!("$2 + {}", backoff_sql("failures", "$3", "$4"));
            format!(
                "UPDATE login_attempts SET last_at = $2, locked_until = CASE WHEN locked_until < {until} THEN {until} ELSE locked_until END \
                 WHERE key = $1"
            )
        });
        let _turn = self.write_turn().await;
        sqlx::query(SQL.as_str()).bind(key).bind(now_ms).bind(free).bind(first_ms).execute(&self.pool).await?;
        Ok(())
    }

    /// Forgets the attempts under `key` (a right password for that user name from that address).
    pub(crate) async fn clear_login_attempts(&self, key: &str) -> Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// Forgets keys quiet since `before_ms` (the table holds at most one window's worth).
    pub(crate) async fn prune_login_attempts(&self, before_ms: i64) -> Result<()> {
        let _turn = self.write_turn().await;
        sqlx::query("DELETE FROM login_attempts WHERE last_at < $1").bind(before_ms).execute(&self.pool).await?;
        Ok(())
    }
}

/// "organisation id", for [`Error::Invalid`].
fn org_id_text() -> Message {
    Message::new("組織 ID", "organisation id")
}

/// The rule for an organisation id, for [`Error::Invalid`].
fn one_to_64() -> Message {
    Message::new("1〜64 文字にしてください", "1–64 characters")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::backoff;

    #[tokio::test]
    async fn login_attempts_count_within_a_window_from_the_first_and_lock_past_the_free_ones() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::open(&format!("sqlite://{}", dir.path().join("s.sqlite").display())).await.unwrap();
        const MIN: i64 = 60 * 1000;
        const SHAPE: BackoffShape = BackoffShape { free: 5, first_ms: backoff::FIRST_BACKOFF_MS };
        let window = backoff::FAILURE_WINDOW_MS;
        let reserve = |key: &'static str, t: i64| {
            let s = s.clone();
            async move { s.reserve_login_attempt(key, t, t - window, SHAPE).await.unwrap() }
        };
        // A failure every 4 minutes never locks: the count starts again once its first failure
        // is a window old.
        for i in 0..12 {
            assert_eq!(reserve("spread", i * 4 * MIN).await, None, "attempt {i}");
        }
        // Five quick ones are free; the sixth waits 1 s from the fifth, and is not counted.
        for t in 0..5 {
            assert_eq!(reserve("quick", t).await, None);
        }
        assert_eq!(reserve("quick", 10).await, Some(994));
        assert_eq!(reserve("quick", 1004).await, None, "counted: the sixth");
        assert_eq!(reserve("quick", 1005).await, Some(1999), "now 2 s from the sixth");
        // Past the free ones, the count keeps growing even after a window from the first…
        let t9 = 1004 + 30 * MIN;
        assert_eq!(reserve("quick", 1004 + 10 * MIN).await, None, "the seventh");
        assert_eq!(reserve("quick", 1004 + 20 * MIN).await, None, "the eighth");
        assert_eq!(reserve("quick", t9).await, None, "the ninth");
        assert_eq!(reserve("quick", t9 + 1).await, Some(15_999), "16 s after the ninth");
        // …until the key has been quiet a whole window.
        let later = t9 + window + 1;
        for t in 0..5 {
            assert_eq!(reserve("quick", later + t).await, None, "forgiven: {t}");
        }
        // A refund gives back the count and the lock that came with it.
        assert_eq!(reserve("quick", later + 10).await, Some(994));
        s.refund_login_attempt("quick", SHAPE).await.unwrap();
        assert_eq!(reserve("quick", later + 11).await, None);
        s.close().await;
    }
}
