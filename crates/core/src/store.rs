//! The device's SQLite store: each record's automerge bytes plus an index of plain columns,
//! written in one transaction. The index is derived and can be rebuilt from the documents.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use automerge::ActorId;
use carebook_domain::{
    load_visit_index, ChangedDoc, ChecklistTemplate, Child, ChildId, Date, DateTime, DocError, FiscalYear, MunicipalityRules, Record,
    RecordDoc, RecordKind, RespiteUse, Visit, VisitId, VisitIndexView, VisitKind, VisitStatus, VisitSummary, YearMonth,
};
use serde::Serialize;
use sqlx::query_builder::Separated;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqlitePool, Transaction};

use crate::clock;
use crate::error::CoreError;

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

/// A record that has index columns.
pub trait Indexed: Record {
    /// Writes the index row for this value (replacing any earlier one).
    fn write_index<'t>(
        &'t self,
        tx: &'t mut Transaction<'static, Sqlite>,
    ) -> impl std::future::Future<Output = Result<(), CoreError>> + Send + 't;
}

/// The result of rebuilding the index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RebuildReport {
    /// Records indexed.
    pub indexed: usize,
    /// Records whose documents could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
}

/// One row of the children index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildRow {
    /// Id.
    pub id: ChildId,
    /// Name.
    pub name: String,
    /// Kana.
    pub kana: String,
    /// Birth date.
    pub birth_date: String,
    /// Municipality code.
    pub municipality: String,
    /// Income tier name.
    pub income_tier: String,
    /// Respite enrolment day if mid-year.
    pub respite_enrolled_on: Option<String>,
    /// Medical-care score.
    pub score_total: u32,
    /// Last valid day of the doctor's instruction.
    pub instruction_until: Option<String>,
}

/// Filters for the visit list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    /// Only this child.
    pub child: Option<ChildId>,
    /// Only this month.
    pub month: Option<YearMonth>,
    /// Only this kind.
    pub kind: Option<VisitKind>,
    /// Only this status.
    pub status: Option<VisitStatus>,
    /// Only visits on or after this day.
    pub from: Option<Date>,
}

fn storage(e: sqlx::Error) -> CoreError {
    CoreError::Storage(e.to_string())
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`, in WAL mode, and brings its schema up
    /// to date. An existing store is copied to `carebook.sqlite.bak-<version>` before a migration
    /// changes it.
    pub async fn open(data_dir: &Path) -> Result<Store, CoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| CoreError::Storage(format!("cannot create data directory {}: {e}", data_dir.display())))?;
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
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(storage)?;
        backup_before_migration(&pool, &path).await?;
        MIGRATOR.run(&pool).await.map_err(|e| CoreError::Storage(format!("migrating the device store failed: {e}")))?;
        let actor = device_actor(&pool).await?;
        Ok(Store { pool, actor, path })
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

    /// Stores a record's document, changed on this device, and its index row in one
    /// transaction. The record is then waiting to sync.
    pub async fn save<T: Indexed>(&self, doc: &mut RecordDoc<T>) -> Result<(), CoreError> {
        self.save_from(doc, Origin::Local).await
    }

    /// Stores a document and its index row in one transaction. A local change bumps the
    /// record's local version (it waits to sync); a document from the server does not.
    pub async fn save_from<T: Indexed>(&self, doc: &mut RecordDoc<T>, origin: Origin) -> Result<(), CoreError> {
        let bytes = doc.save();
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let sql = match origin {
            Origin::Local => {
                "INSERT INTO documents (id, kind, bytes, updated_at, local_version, synced_version, child_id) VALUES (?1, ?2, ?3, ?4, 1, 0, ?5)
                 ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, updated_at = excluded.updated_at,
                     local_version = documents.local_version + 1, child_id = excluded.child_id"
            }
            Origin::Server => {
                "INSERT INTO documents (id, kind, bytes, updated_at, local_version, synced_version, child_id) VALUES (?1, ?2, ?3, ?4, 1, 1, ?5)
                 ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, updated_at = excluded.updated_at, child_id = excluded.child_id"
            }
        };
        sqlx::query(sql)
            .bind(doc.value().record_id())
            .bind(T::KIND.name())
            .bind(bytes)
            .bind(clock::now_jst().to_string())
            .bind(doc.value().child_id().to_string())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        doc.value().write_index(&mut tx).await?;
        tx.commit().await.map_err(storage)
    }

    /// The raw document bytes of a record, if present.
    pub async fn bytes(&self, kind: RecordKind, id: &str) -> Result<Option<Vec<u8>>, CoreError> {
        sqlx::query_scalar("SELECT bytes FROM documents WHERE id = ?1 AND kind = ?2")
            .bind(id)
            .bind(kind.name())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)
    }

    /// Loads a record's document.
    pub async fn load<T: Record>(&self, id: &str) -> Result<RecordDoc<T>, CoreError> {
        let bytes = self.bytes(T::KIND, id).await?.ok_or_else(|| CoreError::NotFound { kind: T::KIND, id: id.to_string() })?;
        Ok(RecordDoc::load(id, &bytes, self.actor.clone())?)
    }

    /// Merges a document from another device into the local copy (or stores it if new) and
    /// re-indexes it. If the merged result would not fit the schema, nothing is written.
    pub async fn merge<T: Indexed>(&self, id: &str, bytes: &[u8], origin: Origin) -> Result<RecordDoc<T>, CoreError> {
        // Bytes from elsewhere are bounded before automerge expands them.
        within_bounds(T::KIND, id, bytes)?;
        let mut doc = match self.bytes(T::KIND, id).await? {
            Some(local) => {
                let mut doc = RecordDoc::<T>::load(id, &local, self.actor.clone())?;
                doc.merge_bytes(bytes)?;
                doc
            }
            None => RecordDoc::<T>::load(id, bytes, self.actor.clone())?,
        };
        self.save_from(&mut doc, origin).await?;
        Ok(doc)
    }

    /// Stores a page of documents pulled from the server, and `settings` (the sync cursor), in
    /// one transaction. A document the device does not have is stored as the server sent it,
    /// and indexed from only the fields the index needs ([`load_visit_index`]); one it has is
    /// merged into the local copy (and written only if the merge changed it). Decoding runs on
    /// blocking threads, one per core. A document that cannot be used is left out and reported
    /// (the local copy stays as it was). A local save between reading and writing makes that
    /// document go through [`Store::merge`] after the commit, so no local change is overwritten.
    pub async fn merge_server_page(&self, docs: Vec<ChangedDoc>, settings: &[(&str, &str)]) -> Result<PageMerge, CoreError> {
        let page = self.prepare_server_page(docs).await?;
        self.write_server_page(page, settings).await
    }

    /// The first half of [`Store::merge_server_page`]: reads the local copies and decodes (no
    /// writes), so a sync can decode one page while the previous one is being written.
    pub async fn prepare_server_page(&self, docs: Vec<ChangedDoc>) -> Result<PreparedPage, CoreError> {
        let mut report = PageMerge::default();
        let ids = serde_json::to_string(&docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>())
            .map_err(|e| CoreError::Storage(e.to_string()))?;
        let rows = sqlx::query("SELECT id, kind, bytes, local_version FROM documents WHERE id IN (SELECT value FROM json_each(?1))")
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        let mut local: std::collections::HashMap<(String, String), LocalCopy> =
            rows.into_iter().map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3)))).collect();
        let work: Vec<(ChangedDoc, Option<LocalCopy>)> = docs
            .into_iter()
            .map(|d| {
                let mine = local.remove(&(d.id.clone(), d.kind.name().to_string()));
                (d, mine)
            })
            .collect();

        // Decode on every core; keep the page's order.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let per = work.len().div_ceil(threads).max(1);
        let mut parts = Vec::new();
        let mut work = work.into_iter();
        loop {
            let part: Vec<_> = work.by_ref().take(per).collect();
            if part.is_empty() {
                break;
            }
            let actor = self.actor.clone();
            parts.push(tokio::task::spawn_blocking(move || part.into_iter().map(|(d, mine)| prepare(d, mine, &actor)).collect::<Vec<_>>()));
        }
        let mut prepared = Vec::new();
        for part in parts {
            for p in part.await.map_err(|e| CoreError::Storage(format!("decoding a pulled page failed: {e}")))? {
                match p {
                    Prepared::Write(w) => prepared.push(w),
                    Prepared::Unchanged => report.unchanged += 1,
                    Prepared::Refused(id, e) => report.refused.push((id, e)),
                }
            }
        }
        // Face sheets first: a visit's index row needs its child's municipality.
        prepared.sort_by_key(|w| matches!(w.row, IndexRow::Visit(_)));
        Ok(PreparedPage { prepared, report })
    }

    /// The second half of [`Store::merge_server_page`]: one transaction for the page and `settings`.
    pub async fn write_server_page(&self, page: PreparedPage, settings: &[(&str, &str)]) -> Result<PageMerge, CoreError> {
        let PreparedPage { prepared, mut report } = page;
        let now = clock::now_jst().to_string();
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let mut written = vec![false; prepared.len()];
        let new: Vec<usize> = (0..prepared.len()).filter(|&i| prepared[i].local_version.is_none()).collect();
        for chunk in new.chunks(100) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO documents (id, kind, bytes, updated_at, local_version, synced_version, child_id) ",
            );
            qb.push_values(chunk, |mut b, &i| {
                let w = &prepared[i];
                b.push_bind(w.id.clone())
                    .push_bind(w.kind.name())
                    .push_bind(w.bytes.clone())
                    .push_bind(now.clone())
                    .push_bind(1)
                    .push_bind(1)
                    .push_bind(w.row.child_id().to_string());
            });
            qb.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
            let inserted: std::collections::HashSet<String> =
                qb.build_query_scalar::<String>().fetch_all(&mut *tx).await.map_err(storage)?.into_iter().collect();
            for &i in chunk {
                written[i] = inserted.contains(&prepared[i].id);
            }
        }
        for (i, w) in prepared.iter().enumerate() {
            if let Some(version) = w.local_version {
                let done = sqlx::query("UPDATE documents SET bytes = ?1, updated_at = ?2 WHERE id = ?3 AND local_version = ?4")
                    .bind(&w.bytes)
                    .bind(&now)
                    .bind(&w.id)
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
                written[i] = done.rows_affected() == 1;
            }
        }
        let mut visits = Vec::new();
        for (w, _) in prepared.iter().zip(&written).filter(|(_, ok)| **ok) {
            match &w.row {
                IndexRow::Child(c) => c.write_index(&mut tx).await?,
                IndexRow::Visit(v) => visits.push(v),
            }
        }
        write_visit_rows(&mut tx, &visits).await?;
        // A child whose records arrive without the device holding its bucket (access changed
        // while the page was read) is held incomplete: the next sync catches it up or removes it.
        let children: std::collections::BTreeSet<String> =
            prepared.iter().zip(&written).filter(|(_, ok)| **ok).map(|(w, _)| w.row.child_id().to_string()).collect();
        for child in children {
            sqlx::query("INSERT INTO sync_buckets (child_id, complete) VALUES (?1, 0) ON CONFLICT (child_id) DO NOTHING")
                .bind(child)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        for (key, value) in settings {
            sqlx::query("INSERT INTO device (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)?;
        report.written = written.iter().filter(|w| **w).count();

        // Changed here since it was read: merge it the careful way.
        for (w, _) in prepared.into_iter().zip(written).filter(|(_, ok)| !*ok) {
            let merged = match w.kind {
                RecordKind::Child => self.merge::<Child>(&w.id, &w.server_bytes, Origin::Server).await.map(|_| ()),
                RecordKind::Visit => self.merge::<Visit>(&w.id, &w.server_bytes, Origin::Server).await.map(|_| ()),
            };
            match merged {
                Ok(()) => report.written += 1,
                Err(CoreError::Document(e)) => report.refused.push((w.id, e)),
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Drops the whole index and derives it again from the documents. Unreadable documents are
    /// reported and left out; everything else is indexed.
    pub async fn rebuild_index(&self) -> Result<RebuildReport, CoreError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        sqlx::query("DELETE FROM visits").execute(&mut *tx).await.map_err(storage)?;
        sqlx::query("DELETE FROM children").execute(&mut *tx).await.map_err(storage)?;
        let mut report = RebuildReport::default();
        // Children first: a visit's billable minutes depend on its child's municipality.
        for kind in [RecordKind::Child, RecordKind::Visit] {
            let rows = sqlx::query("SELECT id, bytes FROM documents WHERE kind = ?1 ORDER BY id")
                .bind(kind.name())
                .fetch_all(&mut *tx)
                .await
                .map_err(storage)?;
            for row in rows {
                let id: String = row.get(0);
                let bytes: Vec<u8> = row.get(1);
                let indexed = match kind {
                    RecordKind::Child => index_bytes::<Child>(&id, &bytes, &self.actor, &mut tx).await,
                    RecordKind::Visit => index_bytes::<Visit>(&id, &bytes, &self.actor, &mut tx).await,
                };
                match indexed {
                    Ok(()) => report.indexed += 1,
                    Err(CoreError::Document(e)) => report.unreadable.push((id, e.to_string())),
                    Err(e) => return Err(e),
                }
            }
        }
        tx.commit().await.map_err(storage)?;
        Ok(report)
    }

    /// The children index.
    pub async fn children(&self) -> Result<Vec<ChildRow>, CoreError> {
        let rows = sqlx::query(
            "SELECT id, name, kana, birth_date, municipality, income_tier, respite_enrolled_on, score_total, instruction_until
             FROM children ORDER BY kana, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.into_iter().map(child_row).collect()
    }

    /// One child's index row.
    pub async fn child_row(&self, id: ChildId) -> Result<ChildRow, CoreError> {
        let row = sqlx::query(
            "SELECT id, name, kana, birth_date, municipality, income_tier, respite_enrolled_on, score_total, instruction_until
             FROM children WHERE id = ?1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or_else(|| CoreError::NotFound { kind: RecordKind::Child, id: id.to_string() })?;
        child_row(row)
    }

    /// Visits from the index, in time order.
    pub async fn visits(&self, filter: &VisitFilter) -> Result<Vec<VisitSummary>, CoreError> {
        let rows = sqlx::query(
            "SELECT id, child_id, kind, station_id, date, start, fiscal_year, duration_minutes, billable_minutes, uses, outcome, status
             FROM visits
             WHERE (?1 IS NULL OR child_id = ?1) AND (?2 IS NULL OR month = ?2)
               AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR date >= ?5)
             ORDER BY start, id",
        )
        .bind(filter.child.map(|c| c.to_string()))
        .bind(filter.month.map(|m| m.to_string()))
        .bind(filter.kind.map(|k| k.name()))
        .bind(filter.status.map(|s| s.name()))
        .bind(filter.from.map(|d| d.to_string()))
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.into_iter().map(visit_row).collect()
    }

    /// One visit's index row.
    pub async fn visit_summary(&self, id: VisitId) -> Result<VisitSummary, CoreError> {
        let row = sqlx::query(
            "SELECT id, child_id, kind, station_id, date, start, fiscal_year, duration_minutes, billable_minutes, uses, outcome, status
             FROM visits WHERE id = ?1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or_else(|| CoreError::NotFound { kind: RecordKind::Visit, id: id.to_string() })?;
        visit_row(row)
    }

    /// A child's counted respite uses in a fiscal year, from the index only.
    pub async fn respite_uses(&self, child: ChildId, fy: FiscalYear) -> Result<Vec<RespiteUse>, CoreError> {
        let rows = sqlx::query(
            "SELECT id, start, billable_minutes, uses FROM visits
             WHERE child_id = ?1 AND fiscal_year = ?2 AND kind = 'respite' AND billable_minutes > 0",
        )
        .bind(child.to_string())
        .bind(fy.0)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.into_iter()
            .map(|r| {
                Ok(RespiteUse {
                    visit_id: parse_col(&r, 0)?,
                    start: parse_col::<DateTime>(&r, 1)?,
                    billable_minutes: r.get::<i64, _>(2) as u32,
                    uses: r.get::<i64, _>(3) as u32,
                })
            })
            .collect()
    }

    /// A municipality's rules: the office's own row, else the built-in settings.
    pub async fn rules(&self, code: &str) -> Result<MunicipalityRules, CoreError> {
        rules_in(&self.pool, code).await
    }

    /// Saves a municipality's rules and re-derives the index (billable minutes depend on them).
    pub async fn set_rules(&self, rules: &MunicipalityRules) -> Result<(), CoreError> {
        rules.validate().into_result()?;
        let json = serde_json::to_string(rules).map_err(|e| CoreError::Storage(e.to_string()))?;
        sqlx::query("INSERT INTO municipality_rules (code, rules_json) VALUES (?1, ?2) ON CONFLICT (code) DO UPDATE SET rules_json = excluded.rules_json")
            .bind(&rules.code)
            .bind(json)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        self.rebuild_index().await?;
        Ok(())
    }

    /// Checklist templates: built-in ones, then the office's own.
    pub async fn templates(&self) -> Result<Vec<ChecklistTemplate>, CoreError> {
        let mut all = carebook_domain::builtin_templates();
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT template_json FROM checklist_templates ORDER BY id").fetch_all(&self.pool).await.map_err(storage)?;
        for json in rows {
            let t: ChecklistTemplate =
                serde_json::from_str(&json).map_err(|e| CoreError::Storage(format!("stored checklist template: {e}")))?;
            all.retain(|b| b.id != t.id);
            all.push(t);
        }
        Ok(all)
    }

    /// Adds or replaces an office template.
    pub async fn put_template(&self, t: &ChecklistTemplate) -> Result<(), CoreError> {
        carebook_domain::validate_template(t).into_result()?;
        let json = serde_json::to_string(t).map_err(|e| CoreError::Storage(e.to_string()))?;
        sqlx::query("INSERT INTO checklist_templates (id, template_json) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET template_json = excluded.template_json")
            .bind(&t.id)
            .bind(json)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }
}

/// A record waiting to be pushed.
#[derive(Debug, Clone)]
pub struct PendingDoc {
    /// Record id.
    pub id: String,
    /// Schema.
    pub kind: RecordKind,
    /// Current bytes.
    pub bytes: Vec<u8>,
    /// The local version these bytes are.
    pub version: i64,
}

/// A record the server refused, kept on the device with the reason.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedDoc {
    /// Record id.
    pub id: String,
    /// Schema name.
    pub kind: String,
    /// The server's code (`forbidden`, `locked`, `invalid` …).
    pub code: String,
    /// The server's reason.
    pub reason: String,
}

/// What storing a pulled page did.
#[derive(Debug, Default)]
pub struct PageMerge {
    /// Documents written (new here, or changed by the merge).
    pub written: usize,
    /// Documents the device already had as sent.
    pub unchanged: usize,
    /// Documents that could not be used, with the reason; the local copy is as it was.
    pub refused: Vec<(String, DocError)>,
}

/// The children whose records the device holds from the server ([`Store::buckets`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buckets {
    /// Held in full up to the cursor, sorted.
    pub complete: Vec<String>,
    /// Every child held, in full or not, sorted.
    pub held: Vec<String>,
}

/// Records removed from the device because the account may no longer read the child.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRemoval {
    /// The child.
    pub child_id: String,
    /// The child's name as the device had it, if it had the face sheet.
    pub child_name: Option<String>,
    /// Records removed.
    pub records: i64,
    /// Of those, edits the server refused: they are in the server's quarantine, not lost.
    pub quarantined: i64,
    /// When (JST).
    pub at: String,
    /// Why, for people (Japanese / English).
    pub reason: String,
}

impl AccessRemoval {
    fn new(child_id: String, child_name: Option<String>, records: i64, quarantined: i64, at: String) -> AccessRemoval {
        let mut reason = "このアカウントではこの子どもの記録を読めなくなったため（担当の解除・他ステーションへの移管・役割の変更）、端末から削除しました"
            .to_string();
        if quarantined > 0 {
            reason.push_str(&format!("。サーバーが受け付けなかった変更 {quarantined} 件はサーバーの保留箱にあります"));
        }
        reason.push_str(" / removed from this device: this account may no longer read the child's records (unassigned, moved to another station, or role changed)");
        if quarantined > 0 {
            reason.push_str(&format!("; {quarantined} edit(s) the server refused are kept in its quarantine"));
        }
        AccessRemoval { child_id, child_name, records, quarantined, at, reason }
    }
}

/// A pulled page, decoded and ready to write ([`Store::prepare_server_page`]).
#[derive(Debug)]
pub struct PreparedPage {
    prepared: Vec<Write>,
    report: PageMerge,
}

impl PreparedPage {
    /// Documents in the page.
    pub fn len(&self) -> usize {
        self.prepared.len() + self.report.unchanged + self.report.refused.len()
    }

    /// Whether the page was empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The index row a pulled document gets.
#[derive(Debug)]
enum IndexRow {
    Child(Box<Child>),
    Visit(VisitIndexView),
}

impl IndexRow {
    fn child_id(&self) -> ChildId {
        match self {
            IndexRow::Child(c) => c.id,
            IndexRow::Visit(v) => v.child_id,
        }
    }
}

/// The device's copy of a pulled document: its bytes and local version.
type LocalCopy = (Vec<u8>, i64);

/// A pulled document ready to write.
#[derive(Debug)]
struct Write {
    id: String,
    kind: RecordKind,
    /// What to store: the server's bytes for a new document, the merged bytes otherwise.
    bytes: Vec<u8>,
    /// The server's bytes (merged again the careful way if the local copy changed meanwhile).
    server_bytes: Vec<u8>,
    /// The local copy's version when it was read (`None`: the device did not have it).
    local_version: Option<i64>,
    row: IndexRow,
}

enum Prepared {
    Write(Write),
    Unchanged,
    Refused(String, DocError),
}

/// Refuses bytes from another device or the server that pass the bounds a Carebook server
/// keeps by default ([`carebook_domain::bounds::Limits::DEFAULT`]), before automerge expands
/// them: a hostile server or file cannot bomb the tablet.
fn within_bounds(kind: RecordKind, id: &str, bytes: &[u8]) -> Result<(), DocError> {
    match carebook_domain::bounds::scan(bytes, &carebook_domain::bounds::Limits::DEFAULT) {
        Ok(_) => Ok(()),
        Err(refusal) => Err(DocError::Corrupt { kind, id: id.to_string(), reason: refusal.to_string() }),
    }
}

/// Decodes one pulled document (CPU only; runs on a blocking thread).
fn prepare(doc: ChangedDoc, local: Option<LocalCopy>, actor: &ActorId) -> Prepared {
    let ChangedDoc { id, kind, bytes, index, .. } = doc;
    // Stored as it came when new (indexed from the fields the server sent): bounded first, so
    // what the device keeps always loads within the bounds.
    if let Err(e) = within_bounds(kind, &id, &bytes) {
        return Prepared::Refused(id, e);
    }
    let result = match local {
        None => match kind {
            RecordKind::Child => {
                RecordDoc::<Child>::load(&id, &bytes, actor.clone()).map(|d| Some((None, IndexRow::Child(Box::new(d.value().clone())))))
            }
            // The server read the index fields from this very version (it validated the whole
            // visit when it accepted it); without them, or for another record, load the document.
            RecordKind::Visit => match index.filter(|v| v.id.to_string() == id) {
                Some(view) => Ok(Some((None, IndexRow::Visit(view)))),
                None => load_visit_index(&id, &bytes).map(|v| Some((None, IndexRow::Visit(v)))),
            },
        },
        Some((mine, version)) => match kind {
            RecordKind::Child => {
                merged::<Child>(&id, &mine, &bytes, actor).map(|m| m.map(|(b, c)| (Some((b, version)), IndexRow::Child(Box::new(c)))))
            }
            RecordKind::Visit => {
                merged::<Visit>(&id, &mine, &bytes, actor).map(|m| m.map(|(b, v)| (Some((b, version)), IndexRow::Visit(v.index_view()))))
            }
        },
    };
    match result {
        Ok(None) => Prepared::Unchanged,
        Ok(Some((merged, row))) => {
            let (store, local_version) = match merged {
                Some((b, version)) => (b, Some(version)),
                None => (bytes.clone(), None),
            };
            Prepared::Write(Write { id, kind, bytes: store, server_bytes: bytes, local_version, row })
        }
        Err(e) => Prepared::Refused(id, e),
    }
}

/// The local copy merged with the server's bytes, or `None` if that adds nothing.
fn merged<T: Record>(id: &str, mine: &[u8], theirs: &[u8], actor: &ActorId) -> Result<Option<(Vec<u8>, T)>, DocError> {
    let mut doc = RecordDoc::<T>::load(id, mine, actor.clone())?;
    let mut before = doc.heads();
    before.sort();
    doc.merge_bytes(theirs)?;
    let mut after = doc.heads();
    after.sort();
    if after == before {
        return Ok(None);
    }
    let value = doc.value().clone();
    Ok(Some((doc.save(), value)))
}

impl Store {
    /// Records changed here and not yet accepted by the server (rejected ones excluded until
    /// changed again), oldest first.
    pub async fn pending(&self, limit: i64) -> Result<Vec<PendingDoc>, CoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, bytes, local_version FROM documents
             WHERE local_version > synced_version ORDER BY kind = 'visit', updated_at, id LIMIT ?1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.into_iter().map(|r| Ok(PendingDoc { id: r.get(0), kind: parse_col(&r, 1)?, bytes: r.get(2), version: r.get(3) })).collect()
    }

    /// How many records wait to sync.
    pub async fn pending_count(&self) -> Result<i64, CoreError> {
        sqlx::query_scalar("SELECT count(*) FROM documents WHERE local_version > synced_version")
            .fetch_one(&self.pool)
            .await
            .map_err(storage)
    }

    /// Ids of the records waiting to sync.
    pub async fn pending_ids(&self) -> Result<Vec<String>, CoreError> {
        sqlx::query_scalar("SELECT id FROM documents WHERE local_version > synced_version").fetch_all(&self.pool).await.map_err(storage)
    }

    /// The server accepted `version` of a record.
    pub async fn mark_synced(&self, id: &str, version: i64) -> Result<(), CoreError> {
        sqlx::query(
            "UPDATE documents SET synced_version = max(synced_version, ?2), rejected_code = NULL, rejected_reason = NULL WHERE id = ?1",
        )
        .bind(id)
        .bind(version)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    /// The server refused `version` of a record: keep it, marked, and stop pushing it until it
    /// changes again.
    pub async fn mark_rejected(&self, id: &str, version: i64, code: &str, reason: &str) -> Result<(), CoreError> {
        sqlx::query(
            "UPDATE documents SET synced_version = max(synced_version, ?2), rejected_code = ?3, rejected_reason = ?4 WHERE id = ?1",
        )
        .bind(id)
        .bind(version)
        .bind(code)
        .bind(reason)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    /// Records the server refused.
    pub async fn rejected(&self) -> Result<Vec<RejectedDoc>, CoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, rejected_code, COALESCE(rejected_reason, '') FROM documents WHERE rejected_code IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        Ok(rows.into_iter().map(|r| RejectedDoc { id: r.get(0), kind: r.get(1), code: r.get(2), reason: r.get(3) }).collect())
    }

    /// A device setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, CoreError> {
        sqlx::query_scalar("SELECT value FROM device WHERE key = ?1").bind(key).fetch_optional(&self.pool).await.map_err(storage)
    }

    /// Sets a device setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), CoreError> {
        sqlx::query("INSERT INTO device (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Removes device settings.
    pub async fn remove_settings(&self, keys: &[&str]) -> Result<(), CoreError> {
        for key in keys {
            sqlx::query("DELETE FROM device WHERE key = ?1").bind(key).execute(&self.pool).await.map_err(storage)?;
        }
        Ok(())
    }

    /// The sync buckets the device holds: the children held in full, and every child it holds
    /// records of from the server (in full or not), both sorted.
    pub async fn buckets(&self) -> Result<Buckets, CoreError> {
        let rows =
            sqlx::query("SELECT child_id, complete FROM sync_buckets ORDER BY child_id").fetch_all(&self.pool).await.map_err(storage)?;
        let mut b = Buckets::default();
        for r in rows {
            let child: String = r.get(0);
            if r.get::<i64, _>(1) == 1 {
                b.complete.push(child.clone());
            }
            b.held.push(child);
        }
        Ok(b)
    }

    /// Marks children as held in full (their records up to the cursor are on the device).
    pub async fn set_buckets_complete(&self, children: &[String]) -> Result<(), CoreError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        for child in children {
            sqlx::query("INSERT INTO sync_buckets (child_id, complete) VALUES (?1, 1) ON CONFLICT (child_id) DO UPDATE SET complete = 1")
                .bind(child)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        tx.commit().await.map_err(storage)
    }

    /// Records of these children waiting to sync.
    pub async fn pending_of(&self, children: &[String]) -> Result<Vec<PendingDoc>, CoreError> {
        let ids = serde_json::to_string(children).map_err(|e| CoreError::Storage(e.to_string()))?;
        let rows = sqlx::query(
            "SELECT id, kind, bytes, local_version FROM documents
             WHERE local_version > synced_version AND child_id IN (SELECT value FROM json_each(?1)) ORDER BY kind = 'visit', id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.into_iter().map(|r| Ok(PendingDoc { id: r.get(0), kind: parse_col(&r, 1)?, bytes: r.get(2), version: r.get(3) })).collect()
    }

    /// Removes the records of children the account may no longer read, and notes each removal.
    /// A record with an edit still waiting to sync stays (with its bucket), for the next sync to
    /// push first; a record whose edit the server refused goes (the server keeps it in quarantine).
    pub async fn remove_children(&self, children: &[String]) -> Result<Vec<AccessRemoval>, CoreError> {
        let at = clock::now_jst().to_string();
        let mut removals = Vec::new();
        let mut tx = self.pool.begin().await.map_err(storage)?;
        for child in children {
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM children WHERE id = ?1")
                .bind(child)
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage)?;
            let gone = "SELECT id FROM documents WHERE child_id = ?1 AND local_version <= synced_version";
            let quarantined: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM documents WHERE child_id = ?1 AND local_version <= synced_version AND rejected_code IS NOT NULL",
            )
            .bind(child)
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
            for index in ["visits", "children"] {
                sqlx::query(AssertSqlSafe(format!("DELETE FROM {index} WHERE id IN ({gone})")))
                    .bind(child)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
            }
            let records = sqlx::query("DELETE FROM documents WHERE child_id = ?1 AND local_version <= synced_version")
                .bind(child)
                .execute(&mut *tx)
                .await
                .map_err(storage)?
                .rows_affected() as i64;
            let left: i64 = sqlx::query_scalar("SELECT count(*) FROM documents WHERE child_id = ?1")
                .bind(child)
                .fetch_one(&mut *tx)
                .await
                .map_err(storage)?;
            if left == 0 {
                sqlx::query("DELETE FROM sync_buckets WHERE child_id = ?1").bind(child).execute(&mut *tx).await.map_err(storage)?;
            }
            if records > 0 {
                sqlx::query("INSERT INTO access_removals (child_id, child_name, records, quarantined, at) VALUES (?1, ?2, ?3, ?4, ?5)")
                    .bind(child)
                    .bind(&name)
                    .bind(records)
                    .bind(quarantined)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
                removals.push(AccessRemoval::new(child.clone(), name, records, quarantined, at.clone()));
            }
        }
        tx.commit().await.map_err(storage)?;
        Ok(removals)
    }

    /// The latest removals of records the account could no longer read, on or after `since`,
    /// newest first.
    pub async fn access_removals(&self, since: Date, limit: i64) -> Result<Vec<AccessRemoval>, CoreError> {
        let rows = sqlx::query(
            "SELECT child_id, child_name, records, quarantined, at FROM access_removals WHERE at >= ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(since.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        Ok(rows.into_iter().map(|r| AccessRemoval::new(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))).collect())
    }

    /// Deletes every record on the device (a revoked device), index included.
    pub async fn wipe_records(&self) -> Result<u64, CoreError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        sqlx::query("DELETE FROM sync_buckets").execute(&mut *tx).await.map_err(storage)?;
        // The removal notes name children: they go too.
        sqlx::query("DELETE FROM access_removals").execute(&mut *tx).await.map_err(storage)?;
        sqlx::query("DELETE FROM visits").execute(&mut *tx).await.map_err(storage)?;
        sqlx::query("DELETE FROM children").execute(&mut *tx).await.map_err(storage)?;
        let n = sqlx::query("DELETE FROM documents").execute(&mut *tx).await.map_err(storage)?.rows_affected();
        tx.commit().await.map_err(storage)?;
        sqlx::query("VACUUM").execute(&self.pool).await.map_err(storage)?;
        Ok(n)
    }
}

async fn rules_in<'e, E: sqlx::Executor<'e, Database = Sqlite>>(ex: E, code: &str) -> Result<MunicipalityRules, CoreError> {
    let json: Option<String> = sqlx::query_scalar("SELECT rules_json FROM municipality_rules WHERE code = ?1")
        .bind(code)
        .fetch_optional(ex)
        .await
        .map_err(storage)?;
    match json {
        Some(j) => serde_json::from_str(&j).map_err(|e| CoreError::Storage(format!("stored rules for {code}: {e}"))),
        None => Ok(MunicipalityRules::builtin(code)),
    }
}

async fn index_bytes<T: Indexed>(id: &str, bytes: &[u8], actor: &ActorId, tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
    let doc = RecordDoc::<T>::load(id, bytes, actor.clone()).map_err(CoreError::Document)?;
    doc.value().write_index(tx).await
}

impl Indexed for Child {
    async fn write_index(&self, tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
        sqlx::query(
            "INSERT OR REPLACE INTO children (id, name, kana, birth_date, municipality, income_tier, respite_enrolled_on, score_total, instruction_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .bind(self.id.to_string())
        .bind(&self.name)
        .bind(&self.kana)
        .bind(self.birth_date.to_string())
        .bind(&self.municipality)
        .bind(self.income_tier.name())
        .bind(self.respite_enrolled_on.map(|d| d.to_string()))
        .bind(i64::from(self.score().total()))
        .bind(self.doctor_instruction.as_ref().map(|i| i.valid_until.to_string()))
        .execute(&mut **tx)
        .await
        .map_err(storage)?;
        Ok(())
    }
}

impl Indexed for Visit {
    async fn write_index(&self, tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
        write_visit_rows(tx, &[&self.index_view()]).await
    }
}

const VISIT_ROW: &str = "INSERT OR REPLACE INTO visits (id, child_id, kind, station_id, date, start, month, fiscal_year, duration_minutes, billable_minutes, uses, outcome, status) ";

fn push_visit_row(b: &mut Separated<'_, Sqlite, &'static str>, s: VisitSummary) {
    b.push_bind(s.id.to_string())
        .push_bind(s.child_id.to_string())
        .push_bind(s.kind.name())
        .push_bind(s.station_id)
        .push_bind(s.date.map(|d| d.to_string()))
        .push_bind(s.start.map(|d| d.to_string()))
        .push_bind(s.date.map(|d| d.year_month().to_string()))
        .push_bind(s.fiscal_year.map(|f| f.0))
        .push_bind(i64::from(s.duration_minutes))
        .push_bind(i64::from(s.billable_minutes))
        .push_bind(i64::from(s.uses))
        .push_bind(s.outcome.name())
        .push_bind(s.status.name());
}

/// Writes (replacing) the index rows of visits, 100 to a statement, with each child's
/// municipality rules looked up once (the child's row as this transaction sees it).
async fn write_visit_rows(tx: &mut Transaction<'static, Sqlite>, visits: &[&VisitIndexView]) -> Result<(), CoreError> {
    let mut rules: std::collections::HashMap<ChildId, MunicipalityRules> = std::collections::HashMap::new();
    for v in visits {
        if rules.contains_key(&v.child_id) {
            continue;
        }
        let municipality: Option<String> = sqlx::query_scalar("SELECT municipality FROM children WHERE id = ?1")
            .bind(v.child_id.to_string())
            .fetch_optional(&mut **tx)
            .await
            .map_err(storage)?;
        let r = match municipality {
            Some(code) => rules_in(&mut **tx, &code).await?,
            None => MunicipalityRules::tokyo_default("00000", "", ""),
        };
        rules.insert(v.child_id, r);
    }
    for chunk in visits.chunks(100) {
        let mut qb = QueryBuilder::<Sqlite>::new(VISIT_ROW);
        qb.push_values(chunk, |mut b, v| push_visit_row(&mut b, v.summary(&rules[&v.child_id])));
        qb.build().execute(&mut **tx).await.map_err(storage)?;
    }
    Ok(())
}

fn parse_col<T: FromStr>(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<T, CoreError>
where
    T::Err: std::fmt::Display,
{
    let s: String = row.get(i);
    s.parse().map_err(|e: T::Err| CoreError::Storage(format!("index column {i} holds {s:?}: {e}")))
}

fn parse_opt<T: FromStr>(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Option<T>, CoreError>
where
    T::Err: std::fmt::Display,
{
    let s: Option<String> = row.get(i);
    s.map(|s| s.parse().map_err(|e: T::Err| CoreError::Storage(format!("index column {i} holds {s:?}: {e}")))).transpose()
}

fn child_row(r: sqlx::sqlite::SqliteRow) -> Result<ChildRow, CoreError> {
    Ok(ChildRow {
        id: parse_col(&r, 0)?,
        name: r.get(1),
        kana: r.get(2),
        birth_date: r.get(3),
        municipality: r.get(4),
        income_tier: r.get(5),
        respite_enrolled_on: r.get(6),
        score_total: r.get::<i64, _>(7) as u32,
        instruction_until: r.get(8),
    })
}

fn visit_row(r: sqlx::sqlite::SqliteRow) -> Result<VisitSummary, CoreError> {
    Ok(VisitSummary {
        id: parse_col::<VisitId>(&r, 0)?,
        child_id: parse_col(&r, 1)?,
        kind: parse_col(&r, 2)?,
        station_id: r.get(3),
        date: parse_opt(&r, 4)?,
        start: parse_opt(&r, 5)?,
        fiscal_year: r.get::<Option<i64>, _>(6).map(|y| FiscalYear(y as i32)),
        duration_minutes: r.get::<i64, _>(7) as u32,
        billable_minutes: r.get::<i64, _>(8) as u32,
        uses: r.get::<i64, _>(9) as u32,
        outcome: parse_col(&r, 10)?,
        status: parse_col(&r, 11)?,
    })
}

async fn device_actor(pool: &SqlitePool) -> Result<ActorId, CoreError> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT value FROM device WHERE key = 'actor'").fetch_optional(pool).await.map_err(storage)?;
    if let Some(hex) = existing {
        return ActorId::from_str(&hex).map_err(|e| CoreError::Storage(format!("stored device actor {hex:?}: {e}")));
    }
    let actor = ActorId::random();
    sqlx::query("INSERT INTO device (key, value) VALUES ('actor', ?1)").bind(actor.to_hex_string()).execute(pool).await.map_err(storage)?;
    Ok(actor)
}

/// Copies an existing store aside before a pending migration changes it.
async fn backup_before_migration(pool: &SqlitePool, path: &Path) -> Result<(), CoreError> {
    let has_table: Option<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
        .fetch_optional(pool)
        .await
        .map_err(storage)?;
    if has_table.is_none() {
        return Ok(()); // a new store: nothing to keep
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1").fetch_all(pool).await.map_err(storage)?;
    let pending = MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version)).count();
    if pending == 0 {
        return Ok(());
    }
    let last = applied.iter().max().copied().unwrap_or(0);
    let backup = path.with_extension(format!("sqlite.bak-{last}"));
    if !backup.exists() {
        sqlx::query("VACUUM INTO ?1")
            .bind(backup.to_string_lossy().to_string())
            .execute(pool)
            .await
            .map_err(|e| CoreError::Storage(format!("backing up the store before migrating failed: {e}")))?;
    }
    Ok(())
}

impl From<DocError> for CoreError {
    fn from(e: DocError) -> Self {
        CoreError::Document(e)
    }
}
