//! Where the server keeps everything: one [`Storage`] over `sqlx::Any`, so the SQL is written once
//! (`$1` placeholders, BIGINT integers, BLOB/BYTEA bytes, unix-second BIGINT times, no booleans)
//! and runs on SQLite or PostgreSQL, chosen by the URL's scheme. Each backend has its own
//! migrations folder, embedded at build time.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use carebook_domain::wire::{AuditEntry, QuarantineDevice, QuarantineEntry};
use carebook_domain::{
    check_password, CatchUpCursor, CatchUpRequest, CatchUpResponse, ChangedDoc, ChangesResponse, ChildId, PasswordStrength, RecordKind,
    Role, UserInfo,
};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use crate::access::{Caller, ChildFacts};
use crate::auth;
use crate::error::{Error, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/server-sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/server-postgres");

/// Which database a [`Storage`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A SQLite file (the default; WAL mode).
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

impl Backend {
    /// The backend a database URL names by its scheme.
    pub fn from_url(url: &str) -> Result<Backend> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(Error::UnsupportedUrl(redact(url))),
        }
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

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
            _ => Err(Error::Invalid { what: "organisation kind", value: s.to_string(), reason: "expected station or municipality" }),
        }
    }
}

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

/// The central server's database.
#[derive(Debug, Clone)]
pub struct Storage {
    pool: AnyPool,
    backend: Backend,
    /// On SQLite, one writing transaction at a time within this process: a second writer would
    /// otherwise wait in SQLite's busy handler, which sleeps (1 ms and more) instead of waking
    /// when the lock is free. (Other processes on the same file still meet the busy timeout.)
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// The SQLite file (its folder's free space is part of [`Storage::health`]).
    sqlite_file: Option<std::path::PathBuf>,
    /// How long a request waits for a connection (and `/health` for the database).
    timeout: Duration,
    /// How much the quarantine may keep (the server sets it from its configuration).
    quota: QuarantineQuota,
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

impl Default for QuarantineQuota {
    fn default() -> Self {
        let c = crate::Config::default();
        QuarantineQuota { per_device: c.quarantine_device_bytes, total: c.quarantine_total_bytes }
    }
}

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

/// What [`Storage::health`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// `ok`, or `unavailable` when no answer to `SELECT 1` came within the timeout.
    pub database: &'static str,
    /// `ok`, `full` (less than 1 MiB free where the SQLite file lives), or
    /// `not_checked` (PostgreSQL keeps its own disk).
    pub disk: &'static str,
}

impl Health {
    /// Whether every part is well.
    pub fn ok(&self) -> bool {
        self.database == "ok" && self.disk != "full"
    }
}

/// Below this much free space where the SQLite file lives, `/health` says the disk is full.
pub(crate) const DISK_FREE_MIN: u64 = 1024 * 1024;

/// How long a request waits for a database connection unless told otherwise.
pub(crate) const DEFAULT_DATABASE_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens (creating a SQLite file if missing) and migrates the database at `url`.
pub async fn open_storage(url: &str) -> Result<Storage> {
    Storage::open(url).await
}

/// An account as login needs it.
#[derive(Debug, Clone)]
pub(crate) struct LoginUser {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub org_id: String,
}

/// A device found by its token hash.
#[derive(Debug, Clone)]
pub(crate) struct DeviceAuth {
    pub device_id: String,
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub org_id: String,
    pub expires_at: i64,
    pub last_seen: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A stored record.
#[derive(Debug, Clone)]
pub(crate) struct StoredDoc {
    pub kind: RecordKind,
    pub child_id: String,
    pub seq: i64,
    pub bytes: Vec<u8>,
}

/// A face sheet being stored: claims the child for `org_id` if nobody owns it yet.
#[derive(Debug, Clone)]
pub(crate) struct FaceSheet {
    pub org_id: String,
    pub municipality: String,
}

/// A new version of a record, checked and ready to write with its sequence number and audit row.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub id: String,
    pub kind: RecordKind,
    pub child_id: String,
    pub bytes: Vec<u8>,
    /// The `seq` the stored row had when it was read (`None`: the record is new).
    pub expected_seq: Option<i64>,
    pub face_sheet: Option<FaceSheet>,
    /// The document's heads, hex, comma-separated.
    pub heads: String,
    /// A visit's index fields as JSON (`VisitIndexView`).
    pub index_json: Option<String>,
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

fn role_of(s: String) -> Result<Role> {
    s.parse().map_err(|_| Error::Stored { what: "role", value: s })
}

fn kind_of(s: String) -> Result<RecordKind> {
    s.parse().map_err(|_| Error::Stored { what: "record kind", value: s })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The SQL condition (over `documents d`) for "the caller may read this record", and the values
/// it binds, numbered from `$first`.
fn readable(caller: &Caller, first: usize) -> (String, Vec<String>) {
    let owned = |n: usize| format!("EXISTS (SELECT 1 FROM children c WHERE c.child_id = d.child_id AND c.org_id = ${n})");
    let assigned = |n: usize| format!("EXISTS (SELECT 1 FROM assignments a WHERE a.child_id = d.child_id AND a.user_id = ${n})");
    match caller.role {
        Role::Admin => ("1 = 1".into(), vec![]),
        Role::Office => (owned(first), vec![caller.org_id.clone()]),
        Role::Parent => (assigned(first), vec![caller.user_id.clone()]),
        Role::Nurse => (format!("({} OR {})", owned(first), assigned(first + 1)), vec![caller.org_id.clone(), caller.user_id.clone()]),
    }
}

impl Storage {
    /// Opens (creating a SQLite file and its directory if missing) and migrates the database at
    /// `url`: `sqlite://path/to/file.sqlite` or `postgres://user@host/db`.
    pub async fn open(url: &str) -> Result<Storage> {
        Self::open_with(url, DEFAULT_DATABASE_TIMEOUT).await
    }

    /// [`Storage::open`], with requests waiting at most `timeout` for a connection (then the
    /// error is [`sqlx::Error::PoolTimedOut`], answered 503).
    pub async fn open_with(url: &str, timeout: Duration) -> Result<Storage> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut sqlite_file = None;
        let pool = match backend {
            Backend::Sqlite => {
                let url = prepare_sqlite_url(url)?;
                sqlite_file = Some(sqlite_path(&url).into());
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(timeout)
                    .after_release(|conn, _| Box::pin(left_clean(conn)))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::query("PRAGMA busy_timeout = 15000").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
                pool
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(timeout)
                    .after_release(|conn, _| Box::pin(left_clean(conn)))
                    .connect(url)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Storage { pool, backend, writer: Default::default(), sqlite_file, timeout, quota: QuarantineQuota::default() })
    }

    /// Whether the database answers within the timeout, and (SQLite) whether its disk has room.
    pub async fn health(&self) -> Health {
        let query = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&self.pool);
        let database = match tokio::time::timeout(self.timeout, query).await {
            Ok(Ok(1)) => "ok",
            Ok(Ok(_)) => "unavailable",
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health: the database did not answer");
                "unavailable"
            }
            Err(_) => {
                tracing::warn!(timeout_secs = self.timeout.as_secs(), "health: the database did not answer in time");
                "unavailable"
            }
        };
        let disk = match self.sqlite_file.as_deref().and_then(Path::parent) {
            None => "not_checked",
            Some(dir) => {
                let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
                match rustix::fs::statvfs(dir) {
                    Ok(fs) if fs.f_bavail.saturating_mul(fs.f_frsize) < DISK_FREE_MIN => "full",
                    Ok(_) => "ok",
                    Err(e) => {
                        tracing::warn!(error = %e, "health: cannot read the free space of the data folder");
                        "not_checked"
                    }
                }
            }
        };
        Health { database, disk }
    }

    /// This process's turn to write, on SQLite (see [`Storage::writer`]); nothing to wait for on
    /// PostgreSQL, whose row locks wake waiters themselves.
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        }
    }

    /// The same storage with the quarantine bounded by `quota`.
    pub fn with_quarantine_quota(mut self, quota: QuarantineQuota) -> Storage {
        self.quota = quota;
        self
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- administration -------------------------------------------------------------------

    /// Creates an account in `org_id` (creating the organisation if missing), with an Argon2id
    /// hash of `password` under a random salt. The password must pass
    /// [`carebook_domain::check_password`] (at least 13 characters, not the user name, not common).
    pub async fn add_user(&self, username: &str, password: &str, role: Role, org_id: &str, org_kind: OrgKind) -> Result<UserInfo> {
        let username = username.trim();
        if username.is_empty() || username.len() > 64 || username.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::Invalid { what: "username", value: username.into(), reason: "1–64 characters without spaces" });
        }
        check_password(password, username, PasswordStrength::PasswordOnly).map_err(Error::Password)?;
        let org_id = org_id.trim();
        if org_id.is_empty() || org_id.len() > 64 {
            return Err(Error::Invalid { what: "organisation id", value: org_id.into(), reason: "1–64 characters" });
        }
        let hash = auth::hash_password(password.to_string()).await?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = unix_now();

        let mut tx = self.pool.begin().await?;
        // A write first, so a SQLite transaction takes the write lock before it reads.
        sqlx::query("INSERT INTO orgs (id, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(org_id)
            .bind(org_kind.name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let existing: String = sqlx::query_scalar("SELECT kind FROM orgs WHERE id = $1").bind(org_id).fetch_one(&mut *tx).await?;
        let existing: OrgKind = existing.parse().map_err(|_| Error::Stored { what: "organisation kind", value: existing })?;
        if existing != org_kind {
            return Err(Error::OrgKindMismatch { org: org_id.into(), existing, requested: org_kind });
        }
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (username) DO NOTHING",
        )
        .bind(&id)
        .bind(username)
        .bind(&hash)
        .bind(role.name())
        .bind(org_id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { Error::UsernameTaken(username.into()) } else { e.into() })?;
        if inserted.rows_affected() != 1 {
            return Err(Error::UsernameTaken(username.into()));
        }
        tx.commit().await?;
        Ok(UserInfo { id, username: username.into(), role, org_id: org_id.into() })
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
        let user_id = self.user_id(username).await?;
        let mut tx = self.pool.begin().await?;
        if let Some((org_id, kind)) = org {
            let org_id = org_id.trim();
            if org_id.is_empty() || org_id.len() > 64 {
                return Err(Error::Invalid { what: "organisation id", value: org_id.into(), reason: "1–64 characters" });
            }
            sqlx::query("INSERT INTO orgs (id, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
                .bind(org_id)
                .bind(kind.name())
                .bind(unix_now())
                .execute(&mut *tx)
                .await?;
            let existing: String = sqlx::query_scalar("SELECT kind FROM orgs WHERE id = $1").bind(org_id).fetch_one(&mut *tx).await?;
            let existing: OrgKind = existing.parse().map_err(|_| Error::Stored { what: "organisation kind", value: existing })?;
            if existing != kind {
                return Err(Error::OrgKindMismatch { org: org_id.into(), existing, requested: kind });
            }
            sqlx::query("UPDATE users SET org_id = $1 WHERE id = $2").bind(org_id).bind(&user_id).execute(&mut *tx).await?;
        }
        if let Some(role) = role {
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.name()).bind(&user_id).execute(&mut *tx).await?;
        }
        let r = sqlx::query("SELECT id, username, role, org_id FROM users WHERE id = $1").bind(&user_id).fetch_one(&mut *tx).await?;
        let info = UserInfo {
            id: r.try_get("id")?,
            username: r.try_get("username")?,
            role: role_of(r.try_get("role")?)?,
            org_id: r.try_get("org_id")?,
        };
        tx.commit().await?;
        Ok(info)
    }

    /// Sets a new password for `username` (the same rule as [`Storage::add_user`]) and ends the
    /// account's sessions: every device of the account that is not revoked has its token expire
    /// now, so it must log in again with the new password. Its records stay on it (an expired
    /// token, unlike a revoked device, removes nothing), and edits waiting there are pushed after
    /// that login. Returns how many devices were logged out.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<u64> {
        let username = username.trim();
        check_password(password, username, PasswordStrength::PasswordOnly).map_err(Error::Password)?;
        let user_id = self.user_id(username).await?;
        let hash = auth::hash_password(password.to_string()).await?;
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
        Ok(ended.rows_affected())
    }

    async fn user_id(&self, username: &str) -> Result<String> {
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
                org_kind: kind.parse().map_err(|_| Error::Stored { what: "organisation kind", value: kind })?,
                created_at: r.try_get("created_at")?,
                children,
                id,
            });
        }
        Ok(users)
    }

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

    // ---- accounts and devices -------------------------------------------------------------

    pub(crate) async fn user_for_login(&self, username: &str) -> Result<Option<LoginUser>> {
        let row = sqlx::query("SELECT id, username, password_hash, role, org_id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(LoginUser {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                password_hash: r.try_get("password_hash")?,
                role: role_of(r.try_get("role")?)?,
                org_id: r.try_get("org_id")?,
            })
        })
        .transpose()
    }

    /// Stores a new device and its token hash; returns only once the row is committed (a login
    /// answers success only then).
    pub(crate) async fn create_device(&self, user_id: &str, name: &str, token_hash: &[u8], now: i64, expires_at: i64) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO devices (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id)
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<DeviceAuth>> {
        let row = sqlx::query(
            "SELECT d.id, d.user_id, u.username, u.role, u.org_id, d.expires_at, d.last_seen, d.revoked_at \
             FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
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
                expires_at: r.try_get("expires_at")?,
                last_seen: r.try_get("last_seen")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .transpose()
    }

    pub(crate) async fn touch_device(&self, device_id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE devices SET last_seen = $1 WHERE id = $2").bind(now).bind(device_id).execute(&self.pool).await?;
        Ok(())
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
    pub(crate) async fn reserve_login_attempt(&self, key: &str, now_ms: i64, window_start_ms: i64, free: i64) -> Result<Option<i64>> {
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
                first = auth::backoff_sql("1", "$4"),
                next = auth::backoff_sql(&n, "$4"),
            )
        });
        let counted: Option<i64> = {
            let _turn = self.write_turn().await;
            sqlx::query_scalar(SQL.as_str()).bind(key).bind(now_ms).bind(window_start_ms).bind(free).fetch_optional(&self.pool).await?
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
    pub(crate) async fn refund_login_attempt(&self, key: &str, free: i64) -> Result<()> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "UPDATE login_attempts SET failures = failures - 1, locked_until = last_at + {} WHERE key = $1 AND failures > 0",
                auth::backoff_sql("(failures - 1)", "$2")
            )
        });
        let _turn = self.write_turn().await;
        sqlx::query(SQL.as_str()).bind(key).bind(free).execute(&self.pool).await?;
        Ok(())
    }

    /// A counted attempt under `key` failed at `now_ms`: its back-off runs from now (not only
    /// from when it was counted, which was before the password check took its time).
    pub(crate) async fn restart_login_backoff(&self, key: &str, now_ms: i64, free: i64) -> Result<()> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let until = format!("$2 + {}", auth::backoff_sql("failures", "$3"));
            format!(
                "UPDATE login_attempts SET last_at = $2, locked_until = CASE WHEN locked_until < {until} THEN {until} ELSE locked_until END \
                 WHERE key = $1"
            )
        });
        let _turn = self.write_turn().await;
        sqlx::query(SQL.as_str()).bind(key).bind(now_ms).bind(free).execute(&self.pool).await?;
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

    // ---- records --------------------------------------------------------------------------

    pub(crate) async fn document(&self, id: &str) -> Result<Option<StoredDoc>> {
        let row = sqlx::query("SELECT kind, child_id, seq, bytes FROM documents WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| {
            Ok(StoredDoc {
                kind: kind_of(r.try_get("kind")?)?,
                child_id: r.try_get("child_id")?,
                seq: r.try_get("seq")?,
                bytes: r.try_get("bytes")?,
            })
        })
        .transpose()
    }

    /// The child of a stored record, if the record exists.
    pub(crate) async fn document_child(&self, id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT child_id FROM documents WHERE id = $1").bind(id).fetch_optional(&self.pool).await?)
    }

    /// Who owns `child_id`, its municipality, and whether it is assigned to `user_id`.
    pub(crate) async fn child_facts(&self, child_id: &str, user_id: &str) -> Result<ChildFacts> {
        let owner =
            sqlx::query("SELECT org_id, municipality FROM children WHERE child_id = $1").bind(child_id).fetch_optional(&self.pool).await?;
        let assigned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE child_id = $1 AND user_id = $2")
            .bind(child_id)
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        let (owner, municipality) = match owner {
            Some(r) => (Some(r.try_get("org_id")?), Some(r.try_get("municipality")?)),
            None => (None, None),
        };
        Ok(ChildFacts { owner, municipality, assigned: assigned > 0 })
    }

    /// Whether any record of `child_id` is stored.
    pub(crate) async fn child_has_documents(&self, child_id: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 AS one FROM documents WHERE child_id = $1 LIMIT 1) found")
            .bind(child_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Stores new versions, each with the next sequence number and an audit row, in one
    /// transaction. Per version, its seq, or `None` when another push changed the record since it
    /// was read (the caller merges again); that version's number is left unused.
    pub(crate) async fn write_versions(&self, versions: &[Version], caller: &Caller, now: i64) -> Result<Vec<Option<i64>>> {
        if versions.is_empty() {
            return Ok(vec![]);
        }
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        // The counter row's lock orders commits by seq on PostgreSQL, so a reader's cursor never
        // passes a seq that is still to commit; on SQLite this first write takes the write lock.
        let last: i64 = sqlx::query_scalar("UPDATE counters SET value = value + $1 WHERE name = 'seq' RETURNING value")
            .bind(versions.len() as i64)
            .fetch_one(&mut *tx)
            .await?;
        let first = last - versions.len() as i64 + 1;
        let mut seqs = Vec::with_capacity(versions.len());
        for (v, seq) in versions.iter().zip(first..) {
            let written = match v.expected_seq {
                Some(old) => sqlx::query(
                    "UPDATE documents SET bytes = $1, child_id = $2, seq = $3, updated_at = $4, index_json = $5 WHERE id = $6 AND seq = $7",
                )
                .bind(&v.bytes)
                .bind(&v.child_id)
                .bind(seq)
                .bind(now)
                .bind(&v.index_json)
                .bind(&v.id)
                .bind(old)
                .execute(&mut *tx)
                .await?,
                None => sqlx::query(
                    "INSERT INTO documents (id, kind, child_id, seq, bytes, updated_at, index_json) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (id) DO NOTHING",
                )
                .bind(&v.id)
                .bind(v.kind.name())
                .bind(&v.child_id)
                .bind(seq)
                .bind(&v.bytes)
                .bind(now)
                .bind(&v.index_json)
                .execute(&mut *tx)
                .await?,
            };
            if written.rows_affected() != 1 {
                seqs.push(None);
                continue;
            }
            if let Some(f) = &v.face_sheet {
                sqlx::query(
                    "INSERT INTO children (child_id, org_id, municipality, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (child_id) DO UPDATE SET municipality = excluded.municipality",
                )
                .bind(&v.child_id)
                .bind(&f.org_id)
                .bind(&f.municipality)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("INSERT INTO audit (record_id, user_id, device_id, at, change_hash, action) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&v.id)
                .bind(&caller.user_id)
                .bind(&caller.device_id)
                .bind(now)
                .bind(&v.heads)
                .bind(if v.expected_seq.is_some() { "changed" } else { "created" })
                .execute(&mut *tx)
                .await?;
            seqs.push(Some(seq));
        }
        tx.commit().await?;
        Ok(seqs)
    }

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

    /// Every child `caller` may read, sorted: the buckets its devices should hold. The same
    /// rule as [`readable`] and [`crate::access::may_access`].
    pub(crate) async fn readable_children(&self, caller: &Caller) -> Result<Vec<String>> {
        let q = match caller.role {
            // Everything: face sheets, assignments, and records of children with no face sheet.
            Role::Admin => sqlx::query_scalar(
                "SELECT child_id FROM children UNION SELECT child_id FROM assignments UNION SELECT DISTINCT child_id FROM documents",
            ),
            Role::Office => sqlx::query_scalar("SELECT child_id FROM children WHERE org_id = $1").bind(caller.org_id.clone()),
            Role::Parent => sqlx::query_scalar("SELECT child_id FROM assignments WHERE user_id = $1").bind(caller.user_id.clone()),
            Role::Nurse => sqlx::query_scalar(
                "SELECT child_id FROM children WHERE org_id = $1 UNION SELECT child_id FROM assignments WHERE user_id = $2",
            )
            .bind(caller.org_id.clone())
            .bind(caller.user_id.clone()),
        };
        let mut ids: Vec<String> = q.fetch_all(&self.pool).await?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// The records `caller` may read with `seq > since`, oldest first: at most `page.limit`,
    /// and no more than `page.max_bytes` of document bytes (the first document always comes,
    /// however large, so a big record travels alone).
    ///
    /// The readability filter is part of the SQL and the scan walks `documents(seq)` from the
    /// cursor, so the cost follows what changed, not how much is stored. The page is bounded by
    /// the highest seq committed when the request began: every smaller seq is already committed
    /// (commits happen in seq order), so when the page is not full the cursor can move to that
    /// bound and the caller does not rescan records it may not read. The sizes are read first
    /// (without the bytes), so the server holds at most one page of bytes per request.
    pub(crate) async fn changes(&self, caller: &Caller, since: i64, page: Page, want_total: bool) -> Result<ChangesResponse> {
        let high: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM documents").fetch_one(&self.pool).await?;
        if high <= since {
            return Ok(ChangesResponse { documents: vec![], cursor: since, more: false, total: want_total.then_some(0), buckets: None });
        }
        let total = if want_total {
            let (filter, binds) = readable(caller, 3);
            let sql = format!("SELECT COUNT(*) FROM documents d WHERE d.seq > $1 AND d.seq <= $2 AND {filter}");
            let mut query = sqlx::query_scalar(AssertSqlSafe(sql)).bind(since).bind(high);
            for b in binds {
                query = query.bind(b);
            }
            Some(query.fetch_one(&self.pool).await?)
        } else {
            None
        };
        let (filter, binds) = readable(caller, 4);
        let sql = format!(
            "SELECT d.seq, CAST(length(d.bytes) AS BIGINT) AS size FROM documents d WHERE d.seq > $1 AND d.seq <= $2 AND {filter} ORDER BY d.seq LIMIT $3"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(since).bind(high).bind(page.limit);
        for b in &binds {
            query = query.bind(b.clone());
        }
        let sizes = query.fetch_all(&self.pool).await?;
        let sizes: Vec<(i64, i64)> = sizes.iter().map(|r| Ok((r.try_get("seq")?, r.try_get("size")?))).collect::<Result<_>>()?;
        let take = page.fit(sizes.iter().map(|(_, size)| *size));
        let more = take < sizes.len() || sizes.len() as i64 >= page.limit;
        let Some(&(last, _)) = sizes.get(take.wrapping_sub(1)) else {
            return Ok(ChangesResponse { documents: vec![], cursor: high, more: false, total, buckets: None });
        };
        let (filter, binds) = readable(caller, 3);
        let sql = format!(
            "SELECT d.id, d.kind, d.child_id, d.seq, d.bytes, d.index_json FROM documents d WHERE d.seq > $1 AND d.seq <= $2 AND {filter} ORDER BY d.seq"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(since).bind(last);
        for b in binds {
            query = query.bind(b);
        }
        let documents = changed_docs(query.fetch_all(&self.pool).await?)?;
        Ok(ChangesResponse { documents, cursor: if more { last } else { high }, more, total, buckets: None })
    }

    /// A page of [`CatchUpRequest`]: the records of `children` that `caller` may read with
    /// `seq <= upto`, by child then seq, from `after`. Walks `documents(child_id, seq)`, so the
    /// cost follows the children asked for, not the store.
    pub(crate) async fn catch_up(&self, caller: &Caller, req: &CatchUpRequest, page: Page) -> Result<CatchUpResponse> {
        if req.children.is_empty() {
            return Ok(CatchUpResponse { documents: vec![], next: None, total: req.total.then_some(0) });
        }
        let (after_child, after_seq) = match &req.after {
            Some(c) => (c.child_id.clone(), c.seq),
            None => (String::new(), -1),
        };
        // $1 upto, $2 after child, $3 after seq, $4 … the children, then the filter's values.
        let list: Vec<String> = (0..req.children.len()).map(|i| format!("${}", i + 4)).collect();
        let first_filter = 4 + req.children.len();
        let (filter, binds) = readable(caller, first_filter);
        let scope = format!(
            "FROM documents d WHERE d.child_id IN ({}) AND d.seq <= $1 AND (d.child_id > $2 OR (d.child_id = $2 AND d.seq > $3)) AND {filter}",
            list.join(", ")
        );
        let bind_all = |sql: String| {
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(req.upto).bind(after_child.clone()).bind(after_seq);
            for c in &req.children {
                q = q.bind(c.clone());
            }
            for b in &binds {
                q = q.bind(b.clone());
            }
            q
        };
        let total = if req.total {
            let r = bind_all(format!("SELECT COUNT(*) AS n {scope}")).fetch_one(&self.pool).await?;
            Some(r.try_get("n")?)
        } else {
            None
        };
        let sizes = bind_all(format!(
            "SELECT d.child_id, d.seq, CAST(length(d.bytes) AS BIGINT) AS size {scope} ORDER BY d.child_id, d.seq LIMIT {}",
            page.limit
        ))
        .fetch_all(&self.pool)
        .await?;
        let sizes: Vec<(String, i64, i64)> =
            sizes.iter().map(|r| Ok((r.try_get("child_id")?, r.try_get("seq")?, r.try_get("size")?))).collect::<Result<_>>()?;
        let take = page.fit(sizes.iter().map(|(_, _, size)| *size));
        let more = take < sizes.len() || sizes.len() as i64 >= page.limit;
        if take == 0 {
            return Ok(CatchUpResponse { documents: vec![], next: None, total });
        }
        // The chosen rows' bytes, by their (unique) seq, checked against the caller again.
        let seqs: Vec<String> = (0..take).map(|i| format!("${}", i + 1)).collect();
        let (filter, binds) = readable(caller, take + 1);
        let sql = format!(
            "SELECT d.id, d.kind, d.child_id, d.seq, d.bytes, d.index_json FROM documents d WHERE d.seq IN ({}) AND {filter} ORDER BY d.child_id, d.seq",
            seqs.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (_, seq, _) in &sizes[..take] {
            query = query.bind(*seq);
        }
        for b in binds {
            query = query.bind(b);
        }
        let documents = changed_docs(query.fetch_all(&self.pool).await?)?;
        let next = more.then(|| CatchUpCursor { child_id: sizes[take - 1].0.clone(), seq: sizes[take - 1].1 });
        Ok(CatchUpResponse { documents, next, total })
    }

    /// The accepted changes of a record, oldest first.
    pub(crate) async fn history(&self, record_id: &str) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT a.record_id, u.username, a.device_id, a.at, a.change_hash, a.action \
             FROM audit a JOIN users u ON u.id = a.user_id WHERE a.record_id = $1 ORDER BY a.id",
        )
        .bind(record_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    record_id: r.try_get("record_id")?,
                    username: r.try_get("username")?,
                    device_id: r.try_get("device_id")?,
                    at: r.try_get("at")?,
                    change_hash: r.try_get("change_hash")?,
                    action: r.try_get("action")?,
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

/// How large one page of documents may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    /// The most documents.
    pub limit: i64,
    /// The most bytes of documents (the first document comes whatever its size).
    pub max_bytes: i64,
}

impl Page {
    /// How many of the documents with these sizes fit ([`carebook_domain::wire::fit_in_bytes`]).
    fn fit(&self, sizes: impl IntoIterator<Item = i64>) -> usize {
        carebook_domain::wire::fit_in_bytes(sizes.into_iter().map(|s| s.max(0) as usize), self.max_bytes.max(0) as usize)
    }
}

/// The rows as documents, each row dropped once copied (a page's bytes are held about once).
fn changed_docs(rows: Vec<AnyRow>) -> Result<Vec<ChangedDoc>> {
    rows.into_iter()
        .map(|r| {
            Ok(ChangedDoc {
                id: r.try_get("id")?,
                kind: kind_of(r.try_get("kind")?)?,
                child_id: r.try_get("child_id")?,
                seq: r.try_get("seq")?,
                bytes: r.try_get("bytes")?,
                // A view that does not parse is left out: the device then loads the document.
                index: r.try_get::<Option<String>, _>("index_json")?.and_then(|j| serde_json::from_str(&j).ok()),
            })
        })
        .collect()
}

/// Whether a connection going back to the pool is outside any transaction; if not, the pool
/// closes it and opens a fresh one.
///
/// SQLite ends a transaction by itself on some errors (`SQLITE_FULL`, `SQLITE_IOERR`,
/// `SQLITE_BUSY`, `SQLITE_NOMEM`); sqlx's count of open transactions then stays behind (its
/// `ROLLBACK` fails), its next transaction on that connection becomes a savepoint, and when that
/// one fails too, `ROLLBACK TO` leaves a real transaction open holding the write lock: every
/// other writer waits out the busy timeout ("database is locked"), and whatever runs on that
/// connection afterwards is never committed. So a connection is checked on its way back: sqlx
/// must count no transaction (the queued rollback of a dropped one has run by then: the probe
/// below goes through the same queue), and on SQLite, `BEGIN` must succeed (it fails inside a
/// transaction).
async fn left_clean(conn: &mut sqlx::AnyConnection) -> std::result::Result<bool, sqlx::Error> {
    use sqlx::Connection;
    if conn.backend_name() == "SQLite" {
        if sqlx::raw_sql("BEGIN").execute(&mut *conn).await.is_err() {
            tracing::warn!("a database connection was left inside a transaction: closing it");
            return Ok(false);
        }
        sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
    }
    if conn.is_in_transaction() {
        tracing::warn!("a database connection's transaction count is out of step: closing it");
        return Ok(false);
    }
    Ok(true)
}

/// The file of a prepared SQLite URL.
fn sqlite_path(url: &str) -> &str {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    rest.split_once('?').map_or(rest, |(path, _)| path)
}

/// Makes sure a SQLite URL creates its file, and that the file's directory exists.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() || path.contains(":memory:") {
        return Err(Error::UnsupportedUrl(format!("{url} (the server needs a SQLite file, not an in-memory database)")));
    }
    if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::DataDir { path: dir.into(), source })?;
    }
    Ok(match query {
        Some(q) if q.split('&').any(|kv| kv.starts_with("mode=")) => url.to_string(),
        Some(_) => format!("{url}&mode=rwc"),
        None => format!("{url}?mode=rwc"),
    })
}

/// Now, in unix seconds.
pub(crate) fn unix_now() -> i64 {
    unix_now_ms().div_euclid(1000)
}

/// Now, in unix milliseconds.
pub(crate) fn unix_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn login_attempts_count_within_a_window_from_the_first_and_lock_past_the_free_ones() {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::open(&format!("sqlite://{}", dir.path().join("s.sqlite").display())).await.unwrap();
        const MIN: i64 = 60 * 1000;
        let window = auth::FAILURE_WINDOW_MS;
        let reserve = |key: &'static str, t: i64| {
            let s = s.clone();
            async move { s.reserve_login_attempt(key, t, t - window, 5).await.unwrap() }
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
        s.refund_login_attempt("quick", 5).await.unwrap();
        assert_eq!(reserve("quick", later + 11).await, None);
        s.close().await;
    }

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(Backend::from_url("sqlite://data/server.sqlite").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("mysql://root:***@h/db") && !err.contains("secret"), "{err}");
    }

    #[test]
    fn a_page_takes_at_least_one_document_then_stays_within_its_bytes() {
        let page = Page { limit: 10, max_bytes: 100 };
        assert_eq!(page.fit([]), 0);
        assert_eq!(page.fit([500, 1]), 1, "a document larger than the page travels alone");
        assert_eq!(page.fit([40, 60, 1]), 2, "exactly the limit fits; one byte more does not");
        assert_eq!(page.fit([40, 61]), 1);
        assert_eq!(page.fit([10; 5]), 5);
    }

    #[test]
    fn a_sqlite_url_is_made_to_create_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/server.sqlite");
        let url = prepare_sqlite_url(&format!("sqlite://{}", file.display())).unwrap();
        assert!(url.ends_with("server.sqlite?mode=rwc"), "{url}");
        assert!(file.parent().unwrap().is_dir());
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
    }
}
