//! The records: stored bytes, the next sequence number and audit row of each accepted change,
//! what the server knows of a child, and the change feed and catch-up, filtered by the caller's
//! readable set (the SQL side of `access::may_access`).

use carebook_domain::{
    own_records_bucket, CatchUpCursor, CatchUpRequest, CatchUpResponse, ChangedDoc, ChangesResponse, Date, Message, RecordKind, Role,
};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{kind_of, Storage};
use crate::model::{Caller, ChildFacts, Error, Result};

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
    /// The first and last day its sharing consent is in force (`SharingConsent::in_force_days`).
    pub shared: Option<(Date, Date)>,
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

/// The SQL condition (over `children c`) "owned on `$day` by `$org`": the receiving station
/// of the last transfer in force that day, else the organisation that claimed the child. Binds
/// the day at `$first`, the organisation at `$first + 1`.
fn owner_is(first: usize) -> String {
    format!(
        "COALESCE((SELECT t.to_org FROM transfers t WHERE t.child_id = c.child_id AND t.first_day <= ${first} \
         ORDER BY t.first_day DESC LIMIT 1), c.org_id) = ${}",
        first + 1
    )
}

/// The SQL condition (over `documents d`) for "the caller may read this record", and the values
/// it binds, numbered from `$first`.
fn readable(caller: &Caller, first: usize) -> (String, Vec<String>) {
    let today = caller.today.to_string();
    let org = caller.org_id.clone();
    // Binds the day, then the organisation.
    let owned = |n: usize| format!("EXISTS (SELECT 1 FROM children c WHERE c.child_id = d.child_id AND {})", owner_is(n));
    let assigned = |n: usize| format!("EXISTS (SELECT 1 FROM assignments a WHERE a.child_id = d.child_id AND a.user_id = ${n})");
    // A visit the organisation's staff wrote of a child it handed over (binds the organisation
    // twice, then the day).
    let own_visits = |n: usize| {
        format!(
            "(d.kind = 'visit' AND d.org_id = ${n} AND EXISTS (SELECT 1 FROM transfers t WHERE t.child_id = d.child_id \
             AND t.from_org = ${} AND t.first_day <= ${}))",
            n + 1,
            n + 2
        )
    };
    match caller.role {
        Role::Admin => ("1 = 1".into(), vec![]),
        Role::Office => {
            (format!("({} OR {})", owned(first), own_visits(first + 2)), vec![today.clone(), org.clone(), org.clone(), org, today])
        }
        Role::Parent => (assigned(first), vec![caller.user_id.clone()]),
        // The face sheets of the children the organisation owns today, no visit.
        Role::Coordinator => (format!("(d.kind = 'child' AND {})", owned(first)), vec![today.clone(), org.clone()]),
        Role::Nurse => (format!("({} OR {})", owned(first), assigned(first + 2)), vec![today, org, caller.user_id.clone()]),
        Role::Municipality => match &caller.municipality {
            // The child's municipality is the caller's, and the consent is in force today
            // (dates as YYYY-MM-DD text, which sorts as the dates do).
            Some(code) => (
                format!(
                    "EXISTS (SELECT 1 FROM children c WHERE c.child_id = d.child_id AND c.municipality = ${first} \
                     AND c.shared_from <= ${} AND c.shared_until >= ${})",
                    first + 1,
                    first + 2
                ),
                vec![code.clone(), today.clone(), today],
            ),
            None => ("1 = 0".into(), vec![]),
        },
    }
}

/// The SQL (binding the organisation, then the day, three times: `$1` … `$6`) of the children
/// an organisation owns on a day: those it claimed that no transfer in force has moved, and
/// those the last transfer in force moved to it. (Said apart from [`owner_is`], which the feed
/// filters by, so the property test holds the two formulations and the Rust rule together.)
const OWNED_CHILDREN: &str = "SELECT c.child_id FROM children c WHERE c.org_id = $1 \
     AND NOT EXISTS (SELECT 1 FROM transfers t WHERE t.child_id = c.child_id AND t.first_day <= $2) \
     UNION SELECT t.child_id FROM transfers t WHERE t.to_org = $3 AND t.first_day <= $4 \
     AND NOT EXISTS (SELECT 1 FROM transfers l WHERE l.child_id = t.child_id AND l.first_day > t.first_day AND l.first_day <= $5)";

/// A stored consent day (`YYYY-MM-DD`).
fn stored_day(text: String) -> Result<Date> {
    text.parse().map_err(|_| Error::Stored { what: Message::new("同意の日付", "consent day"), value: text })
}

impl Storage {
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

    /// A stored record's child, kind and writer's organisation, if the record exists.
    pub(crate) async fn document_origin(&self, id: &str) -> Result<Option<(String, RecordKind, Option<String>)>> {
        let row = sqlx::query("SELECT child_id, kind, org_id FROM documents WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| Ok((r.try_get("child_id")?, kind_of(r.try_get("kind")?)?, r.try_get("org_id")?))).transpose()
    }

    /// Who owns `child_id`, its municipality, and whether it is assigned to `user_id`.
    pub(crate) async fn child_facts(&self, child_id: &str, user_id: &str) -> Result<ChildFacts> {
        let owner = sqlx::query("SELECT org_id, municipality, shared_from, shared_until FROM children WHERE child_id = $1")
            .bind(child_id)
            .fetch_optional(&self.pool)
            .await?;
        let assigned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assignments WHERE child_id = $1 AND user_id = $2")
            .bind(child_id)
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        let (owner, municipality, shared) = match owner {
            Some(r) => {
                let from: Option<String> = r.try_get("shared_from")?;
                let until: Option<String> = r.try_get("shared_until")?;
                let shared = match (from, until) {
                    (Some(from), Some(until)) => Some((stored_day(from)?, stored_day(until)?)),
                    _ => None,
                };
                (Some(r.try_get("org_id")?), Some(r.try_get("municipality")?), shared)
            }
            None => (None, None, None),
        };
        let transfers = if owner.is_some() { self.handed(child_id).await? } else { vec![] };
        Ok(ChildFacts { owner, transfers, municipality, shared, assigned: assigned > 0 })
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
                None => {
                    sqlx::query(
                        "INSERT INTO documents (id, kind, child_id, seq, bytes, updated_at, index_json, org_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(&v.id)
                    .bind(v.kind.name())
                    .bind(&v.child_id)
                    .bind(seq)
                    .bind(&v.bytes)
                    .bind(now)
                    .bind(&v.index_json)
                    .bind(&caller.org_id)
                    .execute(&mut *tx)
                    .await?
                }
            };
            if written.rows_affected() != 1 {
                seqs.push(None);
                continue;
            }
            if let Some(f) = &v.face_sheet {
                let (from, until) = f.shared.map(|(a, b)| (a.to_string(), b.to_string())).unzip();
                sqlx::query(
                    "INSERT INTO children (child_id, org_id, municipality, created_at, shared_from, shared_until) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (child_id) DO UPDATE SET municipality = excluded.municipality, \
                     shared_from = excluded.shared_from, shared_until = excluded.shared_until",
                )
                .bind(&v.child_id)
                .bind(&f.org_id)
                .bind(&f.municipality)
                .bind(now)
                .bind(from)
                .bind(until)
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

    /// The buckets `caller`'s devices should hold, sorted: every child it may read whole, and
    /// for a station's office, [`own_records_bucket`] of each child it handed over to another
    /// station (and does not own again). The same rule as [`readable`] and `access::reach`.
    pub(crate) async fn readable_children(&self, caller: &Caller) -> Result<Vec<String>> {
        let today = caller.today.to_string();
        let org = caller.org_id.clone();
        let owned = |sql: String| {
            sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(org.clone())
                .bind(today.clone())
                .bind(org.clone())
                .bind(today.clone())
                .bind(today.clone())
        };
        let q = match caller.role {
            // Everything: face sheets, assignments, and records of children with no face sheet.
            Role::Admin => sqlx::query_scalar(
                "SELECT child_id FROM children UNION SELECT child_id FROM assignments UNION SELECT DISTINCT child_id FROM documents",
            ),
            Role::Office | Role::Coordinator => owned(OWNED_CHILDREN.to_string()),
            Role::Parent => sqlx::query_scalar("SELECT child_id FROM assignments WHERE user_id = $1").bind(caller.user_id.clone()),
            Role::Nurse => {
                owned(format!("{OWNED_CHILDREN} UNION SELECT child_id FROM assignments WHERE user_id = $6")).bind(caller.user_id.clone())
            }
            Role::Municipality => match &caller.municipality {
                Some(code) => {
                    sqlx::query_scalar("SELECT child_id FROM children WHERE municipality = $1 AND shared_from <= $2 AND shared_until >= $3")
                        .bind(code.clone())
                        .bind(today.clone())
                        .bind(today.clone())
                }
                None => return Ok(vec![]),
            },
        };
        let mut ids: Vec<String> = q.fetch_all(&self.pool).await?;
        if caller.role == Role::Office {
            let handed: Vec<String> = sqlx::query_scalar("SELECT DISTINCT child_id FROM transfers WHERE from_org = $1 AND first_day <= $2")
                .bind(org.clone())
                .bind(today.clone())
                .fetch_all(&self.pool)
                .await?;
            let whole: std::collections::HashSet<String> = ids.iter().cloned().collect();
            ids.extend(handed.iter().filter(|c| !whole.contains(*c)).map(|c| own_records_bucket(c)));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_takes_at_least_one_document_then_stays_within_its_bytes() {
        let page = Page { limit: 10, max_bytes: 100 };
        assert_eq!(page.fit([]), 0);
        assert_eq!(page.fit([500, 1]), 1, "a document larger than the page travels alone");
        assert_eq!(page.fit([40, 60, 1]), 2, "exactly the limit fits; one byte more does not");
        assert_eq!(page.fit([40, 61]), 1);
        assert_eq!(page.fit([10; 5]), 5);
    }
}
