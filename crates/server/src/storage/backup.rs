//! Backups while the server runs, restoring one, and the server's epoch.
//!
//! A backup is one file in a folder: `carebook-<UTC time>.sqlite` (SQLite's `VACUUM INTO`: a
//! consistent copy taken in one read transaction while the server serves) or
//! `carebook-<UTC time>.pgdump` (`pg_dump --format=custom`, consistent by its own snapshot). It
//! is written under a `.partial` name and renamed when complete, so a failed backup never looks
//! like one; the oldest beyond the generations to keep are then removed.
//!
//! Restoring (the server stopped) puts a backup back — SQLite: the current file is kept beside
//! it as `…before-restore-<time>`, never overwritten; PostgreSQL: `pg_restore --clean` in one
//! transaction — migrates it to this version's schema, and gives the server a new epoch. The
//! epoch is a random id the devices compare at each sync: when it changed, a device pulls again
//! from the start and pushes back every record it holds, so whatever the restored database
//! lost since the backup comes back from the devices that held it.

use std::path::{Path, PathBuf};

use carebook_domain::{Date, Message};

use super::{Backend, Storage};
use crate::model::{unix_now, Error, Result};

/// The first bytes of a SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// The first bytes of a `pg_dump --format=custom` archive.
const PGDUMP_MAGIC: &[u8] = b"PGDMP";

fn failed(ja: impl Into<String>, en: impl Into<String>) -> Error {
    Error::Unusable(Message::new(ja, en))
}

/// `2026-12-03T201530.123Z`: sortable, readable, unique to the millisecond.
fn stamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() as i64;
    let day = Date::from_days_since_epoch(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{day}T{:02}{:02}{:02}.{:03}Z", s / 3600, s % 3600 / 60, s % 60, now.subsec_millis())
}

/// The backups in `dir` (`carebook-*.sqlite` or `carebook-*.pgdump`), oldest first.
pub fn backups_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                name.starts_with("carebook-") && (name.ends_with(".sqlite") || name.ends_with(".pgdump"))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    found.sort();
    Ok(found)
}

impl Storage {
    /// Makes the epoch if this database has none yet (its first opening).
    pub(super) async fn ensure_epoch(&self) -> Result<()> {
        sqlx::query("INSERT INTO server_identity (id, epoch) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
            .bind(uuid::Uuid::new_v4().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The server's epoch: made when the database was first opened, replaced by every restore.
    pub async fn epoch(&self) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT epoch FROM server_identity WHERE id = 1").fetch_one(&self.pool).await?)
    }

    /// Replaces the epoch (after a restore): every device pulls again from the start and pushes
    /// back what it holds at its next sync.
    pub async fn new_epoch(&self) -> Result<String> {
        let epoch = uuid::Uuid::new_v4().to_string();
        sqlx::query("UPDATE server_identity SET epoch = $1 WHERE id = 1").bind(&epoch).execute(&self.pool).await?;
        Ok(epoch)
    }

    /// Writes a consistent copy of the database into `dir` (made if missing) while the server
    /// runs, then removes the oldest backups there beyond `keep` (at least 1). `url` is this
    /// storage's own (`pg_dump` connects with it). Returns the new backup's path.
    pub async fn backup(&self, url: &str, dir: &Path, keep: usize) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).map_err(|source| Error::DataDir { path: dir.into(), source })?;
        let ext = match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "pgdump",
        };
        let path = dir.join(format!("carebook-{}.{ext}", stamp()));
        let partial = path.with_extension(format!("{ext}.partial"));
        let _ = std::fs::remove_file(&partial);
        let written = match self.backend {
            Backend::Sqlite => sqlx::query("VACUUM INTO $1")
                .bind(partial.to_string_lossy().into_owned())
                .execute(&self.pool)
                .await
                .map(|_| ())
                .map_err(Error::from),
            Backend::Postgres => run_tool("pg_dump", &["--format=custom", "--no-owner", "--file", &partial.to_string_lossy(), url]).await,
        };
        if let Err(e) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        sync_file(&partial)?;
        std::fs::rename(&partial, &path)?;
        let all = backups_in(dir)?;
        for old in all.iter().filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext)).rev().skip(keep.max(1)) {
            std::fs::remove_file(old)?;
        }
        tracing::info!(bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0), "backup written");
        Ok(path)
    }
}

/// Restores the backup `file` into the database at `url` (the server must be stopped), migrates
/// it and gives it a new epoch, which it returns. SQLite: the current file, if any, is kept
/// beside it as `<file>.before-restore-<time>`. A file that is not a backup of this backend is
/// refused before anything is touched.
pub async fn restore(url: &str, file: &Path) -> Result<String> {
    let backend = Backend::from_url(url)?;
    let head = {
        use std::io::Read;
        let mut head = [0u8; 16];
        let mut f = std::fs::File::open(file).map_err(|e| {
            failed(format!("バックアップ {} を開けません：{e}", file.display()), format!("cannot open the backup {}: {e}", file.display()))
        })?;
        let n = f.read(&mut head)?;
        head[..n].to_vec()
    };
    let (expected, kind) = match backend {
        Backend::Sqlite => (SQLITE_MAGIC, "SQLite"),
        Backend::Postgres => (PGDUMP_MAGIC, "PostgreSQL (pg_dump --format=custom)"),
    };
    if !head.starts_with(expected) {
        return Err(failed(
            format!("{} は {kind} のバックアップではありません。データベースは変更していません", file.display()),
            format!("{} is not a {kind} backup; the database was not changed", file.display()),
        ));
    }
    match backend {
        Backend::Sqlite => {
            let target = PathBuf::from(super::sqlite_path(&super::prepare_sqlite_url(url)?));
            let incoming = target.with_extension("restoring");
            std::fs::copy(file, &incoming)?;
            sync_file(&incoming)?;
            if target.exists() {
                let kept = PathBuf::from(format!("{}.before-restore-{}", target.display(), stamp()));
                std::fs::rename(&target, &kept)?;
                tracing::info!("the database it replaced was kept beside it");
            }
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
            }
            std::fs::rename(&incoming, &target)?;
        }
        Backend::Postgres => {
            run_tool(
                "pg_restore",
                &["--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", url, &file.to_string_lossy()],
            )
            .await?
        }
    }
    let storage = Storage::open(url).await?;
    let epoch = storage.new_epoch().await;
    storage.close().await;
    let epoch = epoch?;
    tracing::info!(at = unix_now(), "backup restored; new epoch");
    Ok(epoch)
}

/// Runs `tool` with `args`; its failure (or its absence) is an error naming it, with what it
/// said on stderr (which names no record: these tools print object names and connection
/// errors).
async fn run_tool(tool: &str, args: &[&str]) -> Result<()> {
    let (name, owned): (String, Vec<String>) = (tool.to_string(), args.iter().map(|a| a.to_string()).collect());
    let out = tokio::task::spawn_blocking(move || std::process::Command::new(name).args(owned).output()).await?.map_err(|e| {
        failed(
            format!("{tool} を実行できません（PostgreSQL のクライアントを入れてください）：{e}"),
            format!("cannot run {tool} (install the PostgreSQL client tools): {e}"),
        )
    })?;
    if out.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&out.stderr).trim().chars().take(2_000).collect::<String>();
    Err(failed(format!("{tool} が失敗しました（{}）：{said}", out.status), format!("{tool} failed ({}): {said}", out.status)))
}

/// Flushes a written file to the disk before it is renamed into place.
fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)?.sync_all()?;
    Ok(())
}
