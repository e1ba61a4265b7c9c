//! The device's SQLite store: each record's automerge bytes plus an index of plain columns,
//! written in one transaction. The index is derived and can be rebuilt from the documents.
//!
//! By area: opening, migrations and the backup before them (here); documents — save,
//! load, merge, bytes (`documents.rs`); the index — its rows, queries and rebuild (`index.rs`);
//! the pull pipeline (`pull.rs`); sync state — pending, rejected, buckets, removals
//! (`sync_state.rs`); settings, municipality rules and checklist templates (`settings.rs`).

mod documents;
mod index;
mod pull;
mod settings;
mod sync_state;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use automerge::ActorId;
use carebook_domain::Message;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::error::CoreError;

#[doc(hidden)]
pub use index::write_visit_rows;
pub use index::{ChildRow, Indexed, IndexedVisit, RebuildReport, VisitFilter};
pub use pull::{PageMerge, PreparedPage};
pub use sync_state::{AccessRemoval, Buckets, PendingDoc, RejectedDoc, Wiped};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/device");

/// Where a change to a stored document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Made on this device (or imported by hand): it must be pushed.
    Local,
    /// Pulled from the server: nothing to push unless local changes are also in it.
    Server,
}

/// The store's file inside a data directory.
pub const DB_FILE: &str = "carebook.sqlite";

/// The device store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    actor: ActorId,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`, in WAL mode, and brings its schema up
    /// to date. An existing store is copied to `carebook.sqlite.bak-<version>` before a migration
    /// changes it.
    pub async fn open(data_dir: &Path) -> Result<Store, CoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            CoreError::step(
                Message::new(
                    format!("データ保存先 {} を作成できません", data_dir.display()),
                    format!("cannot create data directory {}", data_dir.display()),
                ),
                e,
            )
        })?;
        let path = data_dir.join(DB_FILE);
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 32 MiB of page cache per connection (SQLite's default is 2 MiB): the record and
            // index B-trees of a large store are written at random keys (UUIDs), and a first
            // sync of 100,000 records slowed with the store's size once they no longer fit.
            .pragma("cache_size", "-32768");
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        backup_before_migration(&pool, &path).await?;
        MIGRATOR.run(&pool).await?;
        let actor = device_actor(&pool).await?;
        let store = Store { pool, actor, path };
        store.rebuild_stale_index().await?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This device's automerge actor.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// The connection pool (for tests and maintenance).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

impl Store {
    /// Derives the index again when a migration added columns to it (it leaves the marker
    /// `index_stale`); the marker goes only once the rebuild committed, so an interrupted one is
    /// done again at the next start.
    async fn rebuild_stale_index(&self) -> Result<(), CoreError> {
        let stale: Option<String> =
            sqlx::query_scalar("SELECT value FROM device WHERE key = 'index_stale'").fetch_optional(&self.pool).await?;
        if stale.is_some() {
            self.rebuild_index().await?;
            sqlx::query("DELETE FROM device WHERE key = 'index_stale'").execute(&self.pool).await?;
        }
        Ok(())
    }
}

async fn device_actor(pool: &SqlitePool) -> Result<ActorId, CoreError> {
    let existing: Option<String> = sqlx::query_scalar("SELECT value FROM device WHERE key = 'actor'").fetch_optional(pool).await?;
    if let Some(hex) = existing {
        return ActorId::from_str(&hex)
            .map_err(|e| CoreError::step(Message::new(format!("保存された端末 ID {hex:?}"), format!("stored device actor {hex:?}")), e));
    }
    let actor = ActorId::random();
    sqlx::query("INSERT INTO device (key, value) VALUES ('actor', ?1)").bind(actor.to_hex_string()).execute(pool).await?;
    Ok(actor)
}

/// Copies an existing store aside before a pending migration changes it.
async fn backup_before_migration(pool: &SqlitePool, path: &Path) -> Result<(), CoreError> {
    let has_table: Option<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
        .fetch_optional(pool)
        .await?;
    if has_table.is_none() {
        return Ok(()); // a new store: nothing to keep
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1").fetch_all(pool).await?;
    let pending = MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version)).count();
    if pending == 0 {
        return Ok(());
    }
    let last = applied.iter().max().copied().unwrap_or(0);
    let backup = path.with_extension(format!("sqlite.bak-{last}"));
    if !backup.exists() {
        sqlx::query("VACUUM INTO ?1").bind(backup.to_string_lossy().to_string()).execute(pool).await.map_err(|e| {
            CoreError::step(Message::new("更新前のバックアップに失敗しました", "backing up the store before migrating failed"), e)
        })?;
    }
    Ok(())
}
