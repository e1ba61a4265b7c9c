//! Where the server keeps everything: one [`Storage`] over `sqlx::Any`, so the SQL is written once
//! (`$1` placeholders, BIGINT integers, BLOB/BYTEA bytes, unix-second BIGINT times, no booleans)
//! and runs on SQLite or PostgreSQL, chosen by the URL's scheme. Each backend has its own
//! migrations folder, embedded at build time.
//!
//! This file holds the pool, the backends and their migrations, `/health`'s checks and the
//! fault handling (a connection goes back to the pool only outside any transaction); the
//! tables are read and written by area, each in its own file:
//! - `accounts`: organisations, users, assignments, the login back-off's attempts;
//! - `devices`: devices and their token hashes;
//! - `documents`: the records, their sequence numbers, the change feed, catch-up and the
//!   readable set (the SQL side of `access::may_access`);
//! - `people`: organisations' names, people's names and professions, disabling, one-time
//!   passwords, the directory devices see, and the events of their administration;
//! - `quarantine`: refused pushes within their quota;
//! - `rules`: municipality settings and checklist templates as dated versions;
//! - `transfers`: children moved from one station to another;
//! - `audit`: the accepted changes of a record (and its transfers);
//! - `access_log`: who saw what — sign-ins and the records each office, municipality or
//!   administrator device received;
//! - `backup`: backups while the server runs, restoring one, and the server's epoch.

use std::path::Path;
use std::time::Duration;

use carebook_domain::{Message, OrgKind, Profession, RecordKind, Role};
use serde::Serialize;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::AnyPool;

use crate::model::{Error, QuarantineQuota, Result};

mod access_log;
mod accounts;
mod audit;
mod backup;
mod coordination;
mod devices;
mod documents;
mod grants;
mod people;
mod purchases;
mod quarantine;
mod rules;
mod second_factor;
mod transfers;

pub use access_log::AccessEntry;
pub(crate) use access_log::{logs_reads, AccountChange, SignIn};
pub use accounts::UserSummary;
pub use backup::{backups_in, restore};
pub use devices::DeviceSummary;
pub(crate) use documents::{FaceSheet, Page, StoredDoc, Version};
pub use people::{OrgEvent, ONE_TIME_PASSWORD_SECS};
pub(crate) use quarantine::{Kept, NewQuarantine, QuotaHit};

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

pub(super) fn role_of(s: String) -> Result<Role> {
    s.parse().map_err(|_| Error::Stored { what: Message::new("役割", "role"), value: s })
}

pub(super) fn org_kind_of(s: String) -> Result<OrgKind> {
    s.parse().map_err(|_| Error::Stored { what: Message::new("所属の種類", "organisation kind"), value: s })
}

pub(super) fn profession_of(s: Option<String>) -> Result<Option<Profession>> {
    s.map(|p| p.parse().map_err(|_| Error::Stored { what: Message::new("職種", "profession"), value: p })).transpose()
}

pub(super) fn kind_of(s: String) -> Result<RecordKind> {
    s.parse().map_err(|_| Error::Stored { what: Message::new("記録の種類", "record kind"), value: s })
}

/// Ends a transaction by its body's result: committed when it succeeded; when it failed (a
/// refusal found inside the transaction), rolled back now rather than when the connection is
/// next used, so a refused write never leaves SQLite's write lock held while the next writer
/// starts.
pub(super) async fn settle<T>(tx: sqlx::Transaction<'_, sqlx::Any>, result: Result<T>) -> Result<T> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a refused write failed; the pool closes the connection");
            }
            Err(e)
        }
    }
}

pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
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
        let storage = Storage { pool, backend, writer: Default::default(), sqlite_file, timeout, quota: QuarantineQuota::default() };
        storage.ensure_epoch().await?;
        Ok(storage)
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
    pub(super) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
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
        return Err(Error::Invalid {
            what: Message::new("データベースの URL", "database url"),
            value: url.to_string(),
            reason: Message::new(
                "サーバーには SQLite のファイルが必要です（メモリ上のデータベースは使えません）",
                "the server needs a SQLite file, not an in-memory database",
            ),
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(Backend::from_url("sqlite://data/server.sqlite").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("mysql://root:***@h/db") && !err.contains("secret"), "{err}");
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
