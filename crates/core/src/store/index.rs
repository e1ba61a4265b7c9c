//! The index: plain columns derived from the documents, its queries and its rebuild. Rows are
//! read by column name into typed fields (`sqlx::FromRow`; the domain's values decode from
//! their text, `carebook_domain::sql`): a stored value that does not parse is an error naming
//! the column.

use std::collections::HashMap;

use automerge::ActorId;
use carebook_domain::{
    Child, ChildId, Date, DateTime, FiscalYear, IncomeTier, Message, MunicipalityRules, Outcome, Record, RecordDoc, RecordKind, RespiteUse,
    ReviewFacts, Visit, VisitId, VisitIndexView, VisitKind, VisitStatus, VisitSummary, YearMonth,
};
use serde::Serialize;
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::settings::{book_in, rules_in};
use super::Store;
use crate::error::CoreError;

/// A record that has index columns.
pub trait Indexed: Record {
    /// Writes the index row for this value (replacing any earlier one).
    fn write_index<'t>(
        &'t self,
        tx: &'t mut Transaction<'static, Sqlite>,
    ) -> impl std::future::Future<Output = Result<(), CoreError>> + Send + 't;

    /// Writes what search finds of this value (a visit's text; nothing for a face sheet, whose
    /// name search reads from its index row). Not part of [`Store::rebuild_index`]: the text
    /// depends on no setting.
    fn write_search<'t>(
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChildRow {
    /// Id.
    pub id: ChildId,
    /// Name.
    pub name: String,
    /// Kana.
    pub kana: String,
    /// Birth date.
    pub birth_date: Date,
    /// Municipality code.
    pub municipality: String,
    /// Income tier.
    pub income_tier: IncomeTier,
    /// Respite enrolment day if mid-year.
    pub respite_enrolled_on: Option<Date>,
    /// Medical-care score.
    pub score_total: u32,
    /// Last valid day of the doctor's instruction.
    pub instruction_until: Option<Date>,
    /// First valid day of the doctor's instruction.
    pub instruction_from: Option<Date>,
}

impl ChildRow {
    /// Whether the doctor's instruction was missing or not in force on `day` (as
    /// `Child::instruction_state` says Missing, NotYetValid or Expired).
    pub fn instruction_lapsed_on(&self, day: Date) -> bool {
        match (self.instruction_from, self.instruction_until) {
            (Some(from), Some(until)) => day < from || day > until,
            _ => true,
        }
    }
}

/// One row of the visits index, as stored.
#[derive(sqlx::FromRow)]
pub(super) struct VisitRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    staff_names: String,
    lead: String,
    confirmed: bool,
    returned: Option<String>,
    respite_length: bool,
    short_day: bool,
}

/// The summary's columns of a visits index row.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: VisitId,
    child_id: ChildId,
    kind: VisitKind,
    station_id: String,
    date: Option<Date>,
    start: Option<DateTime>,
    fiscal_year: Option<i32>,
    duration_minutes: u32,
    billable_minutes: u32,
    uses: u32,
    outcome: Outcome,
    status: VisitStatus,
}

impl From<SummaryRow> for VisitSummary {
    fn from(r: SummaryRow) -> VisitSummary {
        VisitSummary {
            id: r.id,
            child_id: r.child_id,
            kind: r.kind,
            station_id: r.station_id,
            date: r.date,
            start: r.start,
            fiscal_year: r.fiscal_year.map(FiscalYear),
            duration_minutes: r.duration_minutes,
            billable_minutes: r.billable_minutes,
            uses: r.uses,
            outcome: r.outcome,
            status: r.status,
        }
    }
}

/// A counted respite use, as the index holds it.
#[derive(sqlx::FromRow)]
struct RespiteRow {
    id: VisitId,
    start: DateTime,
    billable_minutes: u32,
    uses: u32,
}

impl TryFrom<VisitRow> for IndexedVisit {
    type Error = CoreError;
    fn try_from(r: VisitRow) -> Result<IndexedVisit, CoreError> {
        let column = |name: &str, e: serde_json::Error| {
            CoreError::step(Message::new(format!("索引の列 visits.{name}"), format!("index column visits.{name}")), e)
        };
        Ok(IndexedVisit {
            review: ReviewFacts {
                staff_names: serde_json::from_str(&r.staff_names).map_err(|e| column("staff_names", e))?,
                lead: r.lead,
                confirmed: r.confirmed,
                returned: r.returned.as_deref().map(serde_json::from_str).transpose().map_err(|e| column("returned", e))?,
                respite_length: r.respite_length,
                short_day: r.short_day,
            },
            summary: r.summary.into(),
        })
    }
}

/// A visit's index row: its summary and what the office's review row shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedVisit {
    /// The summary.
    pub summary: VisitSummary,
    /// Staff names, confirmation, 差し戻し and length flags.
    pub review: ReviewFacts,
}

/// `SELECT columns FROM visits` with a `WHERE` of only the filters given, so SQLite can use the
/// index that fits them (`visits_month_kind_status` for the office's month list) instead of
/// scanning the table; in time order.
fn visit_query(columns: &str, filter: &VisitFilter) -> QueryBuilder<Sqlite> {
    let mut qb = QueryBuilder::<Sqlite>::new(columns);
    qb.push(" WHERE 1 = 1");
    if let Some(child) = filter.child {
        qb.push(" AND child_id = ").push_bind(child);
    }
    if let Some(month) = filter.month {
        qb.push(" AND month = ").push_bind(month);
    }
    if let Some(kind) = filter.kind {
        qb.push(" AND kind = ").push_bind(kind);
    }
    if let Some(status) = filter.status {
        qb.push(" AND status = ").push_bind(status);
    }
    if let Some(from) = filter.from {
        qb.push(" AND date >= ").push_bind(from);
    }
    if let Some(fy) = filter.fiscal_year {
        qb.push(" AND fiscal_year = ").push_bind(fy.0);
    }
    qb.push(" ORDER BY start, id");
    if let Some(n) = filter.limit {
        qb.push(" LIMIT ").push_bind(i64::from(n));
    }
    qb
}

/// The summary columns of a visits index row, for `SELECT`.
const SUMMARY_COLUMNS: &str =
    "SELECT id, child_id, kind, station_id, date, start, fiscal_year, duration_minutes, billable_minutes, uses, outcome, status FROM visits";

/// The columns of a visits index row ([`VisitRow`]).
macro_rules! visit_fields {
    () => {
        "id, child_id, kind, station_id, date, start, fiscal_year, duration_minutes, billable_minutes, uses, outcome, status, \
         staff_names, lead, confirmed, returned, respite_length, short_day"
    };
}
pub(super) use visit_fields;

/// The columns of a visits index row, for `SELECT`.
const VISIT_COLUMNS: &str = concat!("SELECT ", visit_fields!(), " FROM visits");

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
    /// Only visits of this fiscal year.
    pub fiscal_year: Option<FiscalYear>,
    /// At most this many, the first in time order.
    pub limit: Option<u32>,
}

impl Store {
    /// Drops the whole index and derives it again from the documents. Unreadable documents are
    /// reported and left out; everything else is indexed.
    pub async fn rebuild_index(&self) -> Result<RebuildReport, CoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM visits").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM children").execute(&mut *tx).await?;
        let mut report = RebuildReport::default();
        // Children first: a visit's billable minutes depend on its child's municipality.
        for kind in [RecordKind::Child, RecordKind::Visit] {
            let rows: Vec<(String, Vec<u8>)> =
                sqlx::query_as("SELECT id, bytes FROM documents WHERE kind = ?1 ORDER BY id").bind(kind).fetch_all(&mut *tx).await?;
            for (id, bytes) in rows {
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
        tx.commit().await?;
        Ok(report)
    }

    /// The children index.
    pub async fn children(&self) -> Result<Vec<ChildRow>, CoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, kana, birth_date, municipality, income_tier, respite_enrolled_on, score_total, instruction_until, instruction_from
             FROM children ORDER BY kana, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// One child's index row.
    pub async fn child_row(&self, id: ChildId) -> Result<ChildRow, CoreError> {
        sqlx::query_as(
            "SELECT id, name, kana, birth_date, municipality, income_tier, respite_enrolled_on, score_total, instruction_until, instruction_from
             FROM children WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| CoreError::NotFound { kind: RecordKind::Child, id: id.to_string() })
    }

    /// Visits from the index, in time order: the summary columns only (no review facts to read
    /// and parse).
    pub async fn visits(&self, filter: &VisitFilter) -> Result<Vec<VisitSummary>, CoreError> {
        let rows: Vec<SummaryRow> = visit_query(SUMMARY_COLUMNS, filter).build_query_as().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(VisitSummary::from).collect())
    }

    /// Visits from the index with their review facts, in time order.
    pub async fn indexed_visits(&self, filter: &VisitFilter) -> Result<Vec<IndexedVisit>, CoreError> {
        let rows: Vec<VisitRow> = visit_query(VISIT_COLUMNS, filter).build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter().map(IndexedVisit::try_from).collect()
    }

    /// One visit's index row.
    pub async fn visit_summary(&self, id: VisitId) -> Result<VisitSummary, CoreError> {
        Ok(self.indexed_visit(id).await?.summary)
    }

    /// One visit's index row with its review facts.
    pub async fn indexed_visit(&self, id: VisitId) -> Result<IndexedVisit, CoreError> {
        let mut qb = QueryBuilder::<Sqlite>::new(VISIT_COLUMNS);
        qb.push(" WHERE id = ").push_bind(id);
        let row: VisitRow = qb
            .build_query_as()
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| CoreError::NotFound { kind: RecordKind::Visit, id: id.to_string() })?;
        row.try_into()
    }

    /// A child's counted respite uses in a fiscal year, from the index only.
    pub async fn respite_uses(&self, child: ChildId, fy: FiscalYear) -> Result<Vec<RespiteUse>, CoreError> {
        let rows: Vec<RespiteRow> = sqlx::query_as(
            "SELECT id, start, billable_minutes, uses FROM visits
             WHERE child_id = ?1 AND fiscal_year = ?2 AND kind = 'respite' AND billable_minutes > 0",
        )
        .bind(child)
        .bind(fy.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| RespiteUse { visit_id: r.id, start: r.start, billable_minutes: r.billable_minutes, uses: r.uses })
            .collect())
    }
}

async fn index_bytes<T: Indexed>(id: &str, bytes: &[u8], actor: &ActorId, tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
    let doc = RecordDoc::<T>::load(id, bytes, actor.clone())?;
    doc.value().write_index(tx).await
}

impl Indexed for Child {
    async fn write_index(&self, tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
        sqlx::query(
            "INSERT OR REPLACE INTO children (id, name, kana, birth_date, municipality, income_tier, respite_enrolled_on, score_total, instruction_until, instruction_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .bind(self.id)
        .bind(&self.name)
        .bind(&self.kana)
        .bind(self.birth_date)
        .bind(&self.municipality)
        .bind(self.income_tier)
        .bind(self.respite_enrolled_on)
        .bind(i64::from(self.score().total()))
        .bind(self.doctor_instruction.as_ref().map(|i| i.valid_until))
        .bind(self.doctor_instruction.as_ref().map(|i| i.valid_from))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn write_search(&self, _tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
        Ok(())
    }
}

impl Indexed for Visit {
    async fn write_index(&self, tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
        write_visit_rows(tx, &[&self.index_view()]).await
    }

    async fn write_search(&self, tx: &mut Transaction<'static, Sqlite>) -> Result<(), CoreError> {
        super::search::write_visit_text(tx, self.id, &self.search_text()).await
    }
}

const VISIT_ROW: &str =
    "INSERT OR REPLACE INTO visits (id, child_id, kind, station_id, date, start, month, fiscal_year, duration_minutes, \
     billable_minutes, uses, outcome, status, staff_names, lead, confirmed, returned, respite_length, short_day) ";

fn push_visit_row(b: &mut Separated<'_, Sqlite, &'static str>, IndexedVisit { summary: s, review: r }: IndexedVisit) {
    b.push_bind(s.id)
        .push_bind(s.child_id)
        .push_bind(s.kind)
        .push_bind(s.station_id)
        .push_bind(s.date)
        .push_bind(s.start)
        .push_bind(s.date.map(|d| d.year_month()))
        .push_bind(s.fiscal_year.map(|f| f.0))
        .push_bind(i64::from(s.duration_minutes))
        .push_bind(i64::from(s.billable_minutes))
        .push_bind(i64::from(s.uses))
        .push_bind(s.outcome)
        .push_bind(s.status)
        .push_bind(serde_json::to_string(&r.staff_names).expect("a list of strings is JSON"))
        .push_bind(r.lead)
        .push_bind(r.confirmed)
        .push_bind(r.returned.map(|x| serde_json::to_string(&x).expect("a 差し戻し is JSON")))
        .push_bind(r.respite_length)
        .push_bind(r.short_day);
}

/// Writes (replacing) the index rows of visits, 100 to a statement, with each child's
/// municipality rules looked up once (the child's row as this transaction sees it).
///
/// Public only for the bench probe (`carebook-bench`'s `probe rebuild`), which times it
/// apart; not an API.
#[doc(hidden)]
pub async fn write_visit_rows(tx: &mut Transaction<'static, Sqlite>, visits: &[&VisitIndexView]) -> Result<(), CoreError> {
    // Each child's municipality and the device's own rules for it, looked up once; the version
    // in force on each visit's date, when one is published, comes first.
    let book = book_in(&mut **tx).await?;
    let today = crate::clock::today_jst();
    let mut local: HashMap<ChildId, (String, MunicipalityRules)> = HashMap::new();
    for v in visits {
        if local.contains_key(&v.child_id) {
            continue;
        }
        let municipality: Option<String> =
            sqlx::query_scalar("SELECT municipality FROM children WHERE id = ?1").bind(v.child_id).fetch_optional(&mut **tx).await?;
        let r = match municipality {
            Some(code) => (code.clone(), rules_in(&mut **tx, &code).await?),
            None => (String::new(), MunicipalityRules::tokyo_default("00000", "", "")),
        };
        local.insert(v.child_id, r);
    }
    let summary = |v: &VisitIndexView| {
        let (code, own) = &local[&v.child_id];
        let date = v.actual_start.or(v.scheduled_start).map_or(today, |t| t.date);
        let row = |rules: &MunicipalityRules| IndexedVisit { summary: v.summary(rules), review: v.review(rules) };
        match book.published_rules_on(code, date) {
            Some(published) => row(&published),
            None => row(own),
        }
    };
    for chunk in visits.chunks(100) {
        let mut qb = QueryBuilder::<Sqlite>::new(VISIT_ROW);
        qb.push_values(chunk, |mut b, v| push_visit_row(&mut b, summary(v)));
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}
