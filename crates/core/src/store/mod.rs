//! The device's SQLite store: each record's automerge bytes plus an index of plain columns,
//! written in one transaction. The index is derived and can be rebuilt from the documents.
//!
//! By area: opening, migrations and the backup before them (here); documents — save,
//! load, merge, bytes (`documents.rs`); the index — its rows, queries and rebuild (`index.rs`);
//! the pull pipeline (`pull.rs`); search — visits' text, its backlog and the query
//! (`search.rs`); sync state — pending, rejected, buckets, removals
//! (`sync_state.rs`); settings, municipality rules and checklist templates (`settings.rs`).

mod documents;
mod index;
mod pull;
mod search;
mod settings;
mod sync_state;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use automerge::ActorId;
use carebook_domain::Message;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqlitePool};

use crate::error::CoreError;
use crate::vault::DataKey;

#[doc(hidden)]
pub use index::write_visit_rows;
pub use index::{ChildRow, Indexed, IndexedVisit, RebuildReport, VisitFilter};
pub use pull::{PageMerge, PreparedPage};
pub use search::{Found, FoundVisit};
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
    /// Opens (creating if needed) the store in `data_dir`, encrypted with `key` (SQLCipher),
    /// in WAL mode, and brings its schema up to date. A store from before encryption is
    /// encrypted first ([`encrypt_plain_store`]). An existing store is copied to
    /// `carebook.sqlite.bak-<version>` (encrypted the same) before a migration changes it.
    pub async fn open_with_key(data_dir: &Path, key: &DataKey) -> Result<Store, CoreError> {
        Store::open_with(data_dir, Some(key)).await
    }

    /// [`Store::open_with_key`] with the folder's key that no PIN wraps
    /// ([`crate::vault::unwrapped_key`]).
    pub async fn open(data_dir: &Path) -> Result<Store, CoreError> {
        let key = crate::vault::unwrapped_key(data_dir).await?;
        Store::open_with_key(data_dir, &key).await
    }

    /// Opens a store without encryption. Only for what has no key by design: the benchmarks'
    /// side-by-side figures and tests of a store from before encryption. The app and the CLI
    /// always open with a key.
    pub async fn open_unencrypted(data_dir: &Path) -> Result<Store, CoreError> {
        Store::open_with(data_dir, None).await
    }

    async fn open_with(data_dir: &Path, key: Option<&DataKey>) -> Result<Store, CoreError> {
        quiet_sqlcipher().await;
        EXIT_GUARD.with(|_| {});
        crate::vault::secure_dir(data_dir)?;
        let path = data_dir.join(DB_FILE);
        match key {
            Some(key) if is_plain_sqlite(&path)? => encrypt_plain_store(data_dir, key).await?,
            _ if !path.exists() => drop(private_new_file(&path)?),
            _ => {}
        }
        let mut options = SqliteConnectOptions::new()
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
        if let Some(key) = key {
            // The raw key, so SQLCipher runs no key derivation of its own (Argon2id made it).
            options = options.pragma("key", key.sqlcipher_pragma());
        }
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(|e| cannot_open(&path, e))?;
        crate::vault::secure_dir(data_dir)?;
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

/// The store could not be opened: with a key, a wrong key or a damaged file look alike.
fn cannot_open(path: &Path, e: sqlx::Error) -> CoreError {
    CoreError::step(
        Message::new(
            format!("端末の記録 {} を開けません（鍵が違うか、ファイルが壊れています）", path.display()),
            format!("cannot open the device store {} (a wrong key, or a damaged file)", path.display()),
        ),
        e,
    )
}

/// Whether the file is an SQLite database in plain text (its header says so; an encrypted one
/// starts with random bytes).
fn is_plain_sqlite(path: &Path) -> Result<bool, CoreError> {
    use std::io::Read;
    let mut header = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => Ok(f.read(&mut header)? == 16 && &header == b"SQLite format 3\0"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// An empty file only its owner may read: SQLite makes its write-ahead log and shared memory
/// with the same mode.
fn private_new_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Encrypts a store from before encryption under `key`: SQLCipher's `sqlcipher_export` copies
/// it into a new encrypted file, which replaces it in one rename. The plain backups made before
/// migrations are deleted with it. A crash before the rename leaves the plain store, encrypted
/// at the next open.
pub async fn encrypt_plain_store(data_dir: &Path, key: &DataKey) -> Result<(), CoreError> {
    let path = data_dir.join(DB_FILE);
    let tmp = data_dir.join(format!("{DB_FILE}.encrypting"));
    let step = |e: sqlx::Error| CoreError::step(Message::new("端末の記録の暗号化に失敗しました", "encrypting the device store failed"), e);
    let _ = std::fs::remove_file(&tmp);
    drop(private_new_file(&tmp)?);
    let mut conn = SqliteConnectOptions::new().filename(&path).connect().await.map_err(step)?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.map_err(step)?;
    // The key is hex digits only, so it may stand in the statement.
    let attach = format!("ATTACH DATABASE ?1 AS encrypted KEY {}", key.sqlcipher_pragma());
    sqlx::query(sqlx::AssertSqlSafe(attach)).bind(tmp.to_string_lossy().to_string()).execute(&mut conn).await.map_err(step)?;
    sqlx::query("SELECT sqlcipher_export('encrypted')").execute(&mut conn).await.map_err(step)?;
    sqlx::query("DETACH DATABASE encrypted").execute(&mut conn).await.map_err(step)?;
    conn.close().await.map_err(step)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    for leftover in [format!("{DB_FILE}-wal"), format!("{DB_FILE}-shm")] {
        let _ = std::fs::remove_file(data_dir.join(leftover));
    }
    std::fs::rename(&tmp, &path)?;
    for entry in std::fs::read_dir(data_dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&format!("{DB_FILE}.bak-")) {
            std::fs::remove_file(entry.path())?;
        }
    }
    std::fs::File::open(data_dir)?.sync_all()?;
    tracing::info!("the device store was encrypted");
    Ok(())
}

/// Prepares SQLCipher once per process, before its first connection:
/// - OpenSSL (SQLCipher's cipher) is initialised without its exit handler. With it, a process
///   that ends while a pool's connections are still closing on other threads (a test, a
///   killed app) crashed in OpenSSL's clean-up (SIGSEGV) as those threads still decrypted.
/// - SQLCipher writes its own errors (a failed page check under a wrong key) to stderr; the
///   store's error already says what went wrong, in both languages. Its log level is global:
///   set once, on a connection of its own.
async fn quiet_sqlcipher() {
    static QUIET: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    QUIET
        .get_or_init(|| async {
            openssl_sys::init();
            if let Ok(mut conn) = SqliteConnectOptions::new().in_memory(true).connect().await {
                let _ = sqlx::query("PRAGMA cipher_log_level = NONE").execute(&mut conn).await;
                let _ = conn.close().await;
            }
        })
        .await;
}

thread_local! {
    /// Waits, when the thread that opened a store ends (for the main thread: as the process
    /// exits, before the exit handlers), for sqlx's connection threads to finish closing.
    static EXIT_GUARD: ExitGuard = const { ExitGuard };
}

/// SQLCipher frees its memory in an exit handler. A process that ended while a dropped store's
/// connections were still closing on their threads crashed there (SIGSEGV in
/// `sqlcipher_free`): every test whose store is dropped at its end, as sqlx closes connections
/// on their own threads after the pool is gone. The app and the CLI close their stores before
/// they exit; this covers every other way a process ends with a store open.
#[derive(Debug)]
struct ExitGuard;

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while connection_threads_running() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Whether sqlx's SQLite connection threads (named `sqlx-sqlite-worker-N`, cut to 15
/// characters by Linux) still run. Elsewhere than Linux nothing is known: false.
fn connection_threads_running() -> bool {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return false };
    tasks.flatten().any(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.starts_with("sqlx-sqlite-wor")))
}
