//! Search: each visit's free text and its full-text terms (`visit_text`, `visit_terms`), kept
//! beside the index; the backlog of received visits not yet indexed for search
//! (`search_pending`); and the query. How text becomes terms and a query becomes a match is
//! the domain's ([`carebook_domain::search`]).

use carebook_domain::search::{index_terms, match_expression, name_matches};
use carebook_domain::{load_visit_text, ChildId, DateFilter, Message, SearchQuery, VisitId, VisitText};
use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::index::{visit_fields, ChildRow, IndexedVisit, VisitRow};
use super::Store;
use crate::error::CoreError;

/// The index columns and text of the visits whose ids are `?1` (a JSON array), newest first.
const SEARCH_ROWS: &str = concat!(
    "SELECT ",
    visit_fields!(),
    ", (SELECT t.text FROM visit_text t WHERE t.id = visits.id) AS text FROM visits \
     WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY start DESC, id DESC"
);

#[derive(sqlx::FromRow)]
struct SearchRow {
    #[sqlx(flatten)]
    visit: VisitRow,
    text: Option<String>,
}

/// A visit found, with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundVisit {
    /// Its index row.
    pub visit: IndexedVisit,
    /// Its searchable text (empty when it has none, or is not indexed for search yet).
    pub text: VisitText,
}

/// What a search found on the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// Children whose name or kana holds every word (no dates asked), by kana.
    pub children: Vec<ChildRow>,
    /// Visits matching every word and date, newest first, at most the limit.
    pub visits: Vec<FoundVisit>,
    /// Whether more visits match than the limit.
    pub more: bool,
    /// Visits received from the server that are not indexed for search yet: their text cannot
    /// be found until they are (their child's name and their date can).
    pub pending: u32,
}

/// Writes (replacing) a visit's text and terms; it leaves the backlog.
pub(super) async fn write_visit_text(tx: &mut Transaction<'static, Sqlite>, id: VisitId, text: &VisitText) -> Result<(), CoreError> {
    // The trigger deletes the old terms with the old row.
    sqlx::query("DELETE FROM visit_text WHERE id = ?1").bind(id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM search_pending WHERE id = ?1").bind(id).execute(&mut **tx).await?;
    insert_text(tx, id, text).await
}

async fn insert_text(tx: &mut Transaction<'static, Sqlite>, id: VisitId, text: &VisitText) -> Result<(), CoreError> {
    if text.0.is_empty() {
        return Ok(());
    }
    let n: i64 = sqlx::query_scalar("INSERT INTO visit_text (id, text) VALUES (?1, ?2) RETURNING n")
        .bind(id)
        .bind(&text.0)
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO visit_terms (rowid, terms) VALUES (?1, ?2)").bind(n).bind(index_terms(&text.0)).execute(&mut **tx).await?;
    Ok(())
}

/// Puts received visits on the backlog (their text is read from their documents later).
pub(super) async fn queue_visit_texts(tx: &mut Transaction<'static, Sqlite>, ids: &[VisitId]) -> Result<(), CoreError> {
    for chunk in ids.chunks(500) {
        let mut qb = QueryBuilder::<Sqlite>::new("INSERT OR IGNORE INTO search_pending (id) ");
        qb.push_values(chunk, |mut b, id| {
            b.push_bind(*id);
        });
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

impl Store {
    /// Indexes for search up to `batch` visits of the backlog, reading each one's text from
    /// its document (on blocking threads); returns how many are left. A visit saved or merged
    /// here meanwhile was indexed from its newer value and is left as it is; a document that
    /// cannot be read leaves the backlog unindexed (its text is not found; everything else
    /// about it is).
    pub async fn index_search_backlog(&self, batch: u32) -> Result<u32, CoreError> {
        if self.search_backlog().await? == 0 {
            return Ok(0);
        }
        // The backlog drives (a plain join may scan every document to find an empty backlog).
        let rows: Vec<(String, Vec<u8>)> =
            sqlx::query_as("SELECT p.id, d.bytes FROM search_pending p CROSS JOIN documents d ON d.id = p.id ORDER BY p.id LIMIT ?1")
                .bind(i64::from(batch))
                .fetch_all(&self.pool)
                .await?;
        if !rows.is_empty() {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
            let per = rows.len().div_ceil(threads).max(1);
            let mut parts = Vec::new();
            let mut rows = rows.into_iter();
            loop {
                let part: Vec<_> = rows.by_ref().take(per).collect();
                if part.is_empty() {
                    break;
                }
                parts.push(tokio::task::spawn_blocking(move || {
                    part.into_iter().map(|(id, bytes)| (load_visit_text(&id, &bytes), id)).collect::<Vec<_>>()
                }));
            }
            let mut tx = self.pool.begin().await?;
            for part in parts {
                let read = part
                    .await
                    .map_err(|e| CoreError::step(Message::new("検索用の索引を作れませんでした", "indexing visits for search failed"), e))?;
                for (text, id) in read {
                    // Still waiting (no save or merge indexed it meanwhile, in this transaction's view)?
                    let waiting: Option<String> = sqlx::query_scalar("DELETE FROM search_pending WHERE id = ?1 RETURNING id")
                        .bind(&id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let (Some(_), Ok(text), Ok(visit)) = (waiting, text, id.parse::<VisitId>()) {
                        sqlx::query("DELETE FROM visit_text WHERE id = ?1").bind(visit).execute(&mut *tx).await?;
                        insert_text(&mut tx, visit, &text).await?;
                    }
                }
            }
            tx.commit().await?;
        }
        self.search_backlog().await
    }

    /// How many visits wait to be indexed for search.
    pub async fn search_backlog(&self) -> Result<u32, CoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM search_pending").fetch_one(&self.pool).await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Finds children and visits on the device: every word of `query` in the child's name or
    /// kana or in the visit's text, every date the visit's; the newest `limit` visits.
    pub async fn search(&self, query: &SearchQuery, limit: u32) -> Result<Found, CoreError> {
        let mut found = Found { pending: self.search_backlog().await?, ..Found::default() };
        if query.is_empty() {
            return Ok(found);
        }
        let children = self.children().await?;
        let named: Vec<Vec<ChildId>> = query
            .words
            .iter()
            .map(|w| children.iter().filter(|c| name_matches(&c.name, w) || name_matches(&c.kana, w)).map(|c| c.id).collect())
            .collect();
        if query.dates.is_empty() && !query.words.is_empty() {
            found.children = children.iter().filter(|c| named.iter().all(|ids| ids.contains(&c.id))).cloned().collect();
        }
        // First the ids, newest first: sorting every match (all 10k when a word is in every
        // note) costs little while the rows carry only their start and id.
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT id FROM visits WHERE 1 = 1");
        for (word, ids) in query.words.iter().zip(&named) {
            let Some(expression) = match_expression(word) else { continue };
            // `+` keeps SQLite from answering the OR through each side's index and sorting
            // every match: it reads `visits_start` newest first and stops at the page's end.
            qb.push(" AND (+child_id IN (SELECT value FROM json_each(")
                .push_bind(serde_json::to_string(&ids.iter().map(ToString::to_string).collect::<Vec<_>>())?)
                .push(")) OR +id IN (SELECT t.id FROM visit_text t INDEXED BY visit_text_n_id WHERE t.n IN (SELECT rowid FROM visit_terms WHERE visit_terms MATCH ")
                .push_bind(expression)
                .push(")))");
        }
        for date in &query.dates {
            match *date {
                DateFilter::Day { date } => qb.push(" AND date = ").push_bind(date),
                DateFilter::Month { month } => qb.push(" AND month = ").push_bind(month),
                DateFilter::MonthDay { month, day } => qb.push(" AND substr(date, 6) = ").push_bind(format!("{month:02}-{day:02}")),
            };
        }
        qb.push(" ORDER BY start DESC, id DESC LIMIT ").push_bind(i64::from(limit) + 1);
        let mut ids: Vec<String> = qb.build_query_scalar().fetch_all(&self.pool).await?;
        found.more = ids.len() > limit as usize;
        ids.truncate(limit as usize);
        // Then the rows and texts of those listed only.
        let rows: Vec<SearchRow> = sqlx::query_as(SEARCH_ROWS).bind(serde_json::to_string(&ids)?).fetch_all(&self.pool).await?;
        for row in rows {
            found.visits.push(FoundVisit { visit: row.visit.try_into()?, text: VisitText(row.text.unwrap_or_default()) });
        }
        Ok(found)
    }
}
