//! Search across the children and visits on this device (offline): names, kana, dates and the
//! text of the notes. How text is matched is the domain's ([`carebook_domain::search`]); the
//! index is the store's ([`crate::Store::search`]).

use carebook_domain::{ChildId, Date, DateFilter, SearchQuery};
use serde::Serialize;

use crate::app::{RowContext, VisitRow};
use crate::{Carebook, CoreError};

/// At most this many visits are listed; the rest are counted as more.
pub const SEARCH_LIMIT: u32 = 50;

/// Visits of the backlog a search indexes before it looks (so a store that has one, after an
/// update or a sync the app did not follow with [`Carebook::index_search_backlog`], catches up
/// search by search without one search taking long).
const BACKLOG_PER_SEARCH: u32 = 200;

/// Visits of the backlog indexed in one transaction by [`Carebook::index_search_backlog`].
const BACKLOG_BATCH: u32 = 500;

/// The longest query taken, in characters, and the most words in it: each word is a clause of
/// the query, so a pasted page would make one search do a great deal of work.
pub const QUERY_MAX_CHARS: usize = 200;
/// See [`QUERY_MAX_CHARS`].
pub const QUERY_MAX_WORDS: usize = 10;

/// The characters of a visit's text a result shows around the first word found.
const EXCERPT_CHARS: usize = 60;

/// A child found by name or kana.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildFound {
    /// Id.
    pub id: ChildId,
    /// Name.
    pub name: String,
    /// Kana.
    pub kana: String,
    /// Birth date.
    pub birth_date: Date,
}

/// A visit found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitFound {
    /// Its row, as the lists show it.
    pub row: VisitRow,
    /// The line of its notes where the words were found, cut around them (none when only the
    /// child's name or the date matched).
    pub excerpt: Option<String>,
}

/// What a search found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchResults {
    /// Children whose name or kana holds every word (only when no date was asked).
    pub children: Vec<ChildFound>,
    /// Visits matching every word (in the child's name or kana or the visit's notes) and every
    /// date, newest first, at most [`SEARCH_LIMIT`].
    pub visits: Vec<VisitFound>,
    /// More visits match than are listed.
    pub more: bool,
    /// The words of the query searched as dates.
    pub dates: Vec<DateFilter>,
    /// Visits received from the server whose notes are not searchable yet.
    pub pending: u32,
}

impl Carebook {
    /// Searches this device's children and visits for `query`: words separated by spaces, each
    /// found in a child's name or kana or in a visit's notes, or a date (`12/2`, `2026年12月2日`,
    /// `令和8年12月2日` …) the visit must fall on. Japanese is matched on any run of characters,
    /// katakana and hiragana alike.
    pub async fn search(&self, query: &str) -> Result<SearchResults, CoreError> {
        let q = SearchQuery::parse(query);
        let chars = query.chars().count();
        let words = q.words.len() + q.dates.len();
        let mut problems = carebook_domain::Problems::new();
        if chars > QUERY_MAX_CHARS {
            problems.push(
                "query",
                "too_long",
                format!("検索する言葉は{QUERY_MAX_CHARS}文字までにしてください（{chars}文字）"),
                format!("a search takes at most {QUERY_MAX_CHARS} characters ({chars} given)"),
            );
        } else if words > QUERY_MAX_WORDS {
            problems.push(
                "query",
                "too_many_words",
                format!("検索する言葉は{QUERY_MAX_WORDS}個までにしてください（{words}個）"),
                format!("a search takes at most {QUERY_MAX_WORDS} words and dates ({words} given)"),
            );
        }
        problems.into_result()?;
        self.store().index_search_backlog(BACKLOG_PER_SEARCH).await?;
        let found = self.store().search(&q, SEARCH_LIMIT).await?;
        let mut visits = Vec::with_capacity(found.visits.len());
        if !found.visits.is_empty() {
            let mut ctx = RowContext::new(self, found.visits.iter().map(|v| v.visit.summary.id)).await?;
            for v in found.visits {
                let excerpt = v.text.excerpt(&q.words, EXCERPT_CHARS);
                visits.push(VisitFound { row: ctx.row(self, v.visit).await?, excerpt });
            }
        }
        Ok(SearchResults {
            children: found
                .children
                .into_iter()
                .map(|c| ChildFound { id: c.id, name: c.name, kana: c.kana, birth_date: c.birth_date })
                .collect(),
            visits,
            more: found.more,
            dates: q.dates,
            pending: found.pending,
        })
    }

    /// Makes every visit received from the server searchable by its notes (reading each one's
    /// text from its document), in batches; returns how many were indexed. The app runs it after
    /// each sync.
    pub async fn index_search_backlog(&self) -> Result<u32, CoreError> {
        let before = self.store().search_backlog().await?;
        let mut left = before;
        while left > 0 {
            let now = self.store().index_search_backlog(BACKLOG_BATCH).await?;
            if now >= left {
                // Nothing went (every row of the batch was unreadable and is gone, or a sync
                // added as many): stop rather than spin; the next run goes on.
                break;
            }
            left = now;
        }
        Ok(before.saturating_sub(left))
    }
}
