//! The pull pipeline: a page of documents from the server, decoded on every core, then written
//! in one transaction with the sync cursor.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::ActorId;
use carebook_domain::{
    load_visit_index, ChangedDoc, Child, ChildId, DocError, Message, Record, RecordDoc, RecordKind, Visit, VisitIndexView, VisitText,
};
use sqlx::{QueryBuilder, Sqlite};

use super::documents::within_bounds;
use super::index::{write_visit_rows, Indexed};
use super::search::{queue_visit_texts, write_visit_text};
use super::{Origin, Store};
use crate::clock;
use crate::error::CoreError;

impl Store {
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
        let ids = serde_json::to_string(&docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>())?;
        let rows: Vec<(String, String, Vec<u8>, i64)> =
            sqlx::query_as("SELECT id, kind, bytes, local_version FROM documents WHERE id IN (SELECT value FROM json_each(?1))")
                .bind(ids)
                .fetch_all(&self.pool)
                .await?;
        let mut local: HashMap<(String, String), LocalCopy> =
            rows.into_iter().map(|(id, kind, bytes, version)| ((id, kind), (bytes, version))).collect();
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
            for p in part
                .await
                .map_err(|e| CoreError::step(Message::new("受信したデータを読み込めませんでした", "decoding a pulled page failed"), e))?
            {
                match p {
                    Prepared::Write(w) => prepared.push(*w),
                    Prepared::Unchanged => report.unchanged += 1,
                    Prepared::Refused(id, e) => report.refused.push((id, e)),
                }
            }
        }
        // Face sheets first: a visit's index row needs its child's municipality.
        prepared.sort_by_key(|w| matches!(w.row, IndexRow::Visit(..)));
        Ok(PreparedPage { prepared, report })
    }

    /// The second half of [`Store::merge_server_page`]: one transaction for the page and `settings`.
    pub async fn write_server_page(&self, page: PreparedPage, settings: &[(&str, &str)]) -> Result<PageMerge, CoreError> {
        let PreparedPage { prepared, mut report } = page;
        let now = clock::now_jst().to_string();
        let mut tx = self.pool.begin().await?;
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
            let inserted: HashSet<String> = qb.build_query_scalar::<String>().fetch_all(&mut *tx).await?.into_iter().collect();
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
                    .await?;
                written[i] = done.rows_affected() == 1;
            }
        }
        let mut visits = Vec::new();
        let mut unread = Vec::new();
        for (w, _) in prepared.iter().zip(&written).filter(|(_, ok)| **ok) {
            match &w.row {
                IndexRow::Child(c) => c.write_index(&mut tx).await?,
                IndexRow::Visit(v, text) => {
                    visits.push(v);
                    match text {
                        Some(text) => write_visit_text(&mut tx, v.id, text).await?,
                        None => unread.push(v.id),
                    }
                }
            }
        }
        write_visit_rows(&mut tx, &visits).await?;
        queue_visit_texts(&mut tx, &unread).await?;
        // A child whose records arrive without the device holding its bucket (access changed
        // while the page was read) is held incomplete: the next sync catches it up or removes it.
        let children: BTreeSet<String> =
            prepared.iter().zip(&written).filter(|(_, ok)| **ok).map(|(w, _)| w.row.child_id().to_string()).collect();
        // (Not when the device holds the child's own-records bucket: a visit its station wrote
        // of a child it handed over belongs there.)
        for child in children {
            sqlx::query(
                "INSERT INTO sync_buckets (child_id, complete) SELECT ?1, 0 \
                 WHERE NOT EXISTS (SELECT 1 FROM sync_buckets WHERE child_id = ?2) ON CONFLICT (child_id) DO NOTHING",
            )
            .bind(&child)
            .bind(carebook_domain::own_records_bucket(&child))
            .execute(&mut *tx)
            .await?;
        }
        for (key, value) in settings {
            sqlx::query("INSERT INTO device (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
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
    /// A visit's index fields, and its searchable text when the whole visit was read (a merge);
    /// without it the visit waits on the search backlog.
    Visit(VisitIndexView, Option<Box<VisitText>>),
}

impl IndexRow {
    fn child_id(&self) -> ChildId {
        match self {
            IndexRow::Child(c) => c.id,
            IndexRow::Visit(v, _) => v.child_id,
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
    Write(Box<Write>),
    Unchanged,
    Refused(String, DocError),
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
                Some(view) => Ok(Some((None, IndexRow::Visit(view, None)))),
                None => load_visit_index(&id, &bytes).map(|v| Some((None, IndexRow::Visit(v, None)))),
            },
        },
        Some((mine, version)) => match kind {
            RecordKind::Child => {
                merged::<Child>(&id, &mine, &bytes, actor).map(|m| m.map(|(b, c)| (Some((b, version)), IndexRow::Child(Box::new(c)))))
            }
            RecordKind::Visit => merged::<Visit>(&id, &mine, &bytes, actor)
                .map(|m| m.map(|(b, v)| (Some((b, version)), IndexRow::Visit(v.index_view(), Some(Box::new(v.search_text())))))),
        },
    };
    match result {
        Ok(None) => Prepared::Unchanged,
        Ok(Some((merged, row))) => {
            let (store, local_version) = match merged {
                Some((b, version)) => (b, Some(version)),
                None => (bytes.clone(), None),
            };
            Prepared::Write(Box::new(Write { id, kind, bytes: store, server_bytes: bytes, local_version, row }))
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
