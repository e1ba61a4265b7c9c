//! Carebook's device side: the local store and the use cases that the CLI (and later the app)
//! call. Every write validates first; invalid input writes nothing.
//!
//! ```no_run
//! # async fn demo() -> Result<(), carebook_core::CoreError> {
//! let dir = std::path::Path::new("/tmp/carebook-demo");
//! let key = carebook_core::vault::unlock(dir, "見本のパスフレーズ", Default::default()).await?;
//! let app = carebook_core::Carebook::open_with_key(dir, &key).await?;
//! for child in app.children().await? {
//!     let report = app.respite_remaining(child.id, None).await?;
//!     println!("{} {} h", child.name, report.ledger.remaining_minutes as f64 / 60.0);
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod app;
pub mod claim;
pub mod clock;
pub mod coordination;
pub mod daytime;
pub mod error;
pub mod export;
pub mod lock;
pub mod notices;
pub mod office;
pub mod results;
pub mod search;
pub mod seen;
pub mod store;
pub mod sync;
pub mod vault;

use std::path::Path;

use carebook_domain::{
    respite_ledger, ChecklistTemplate, Child, ChildId, Date, FiscalYear, PhraseList, Problems, RecordDoc, RecordKind, RespiteLedger, Visit,
    VisitContext, VisitId, VisitKind, VisitStatus, VisitSummary,
};
use serde::Serialize;

pub use error::CoreError;
pub use store::{ChildRow, Origin, RebuildReport, RejectedDoc, Store, VisitFilter};
pub use sync::{LoopStatus, Session, SyncLoop, SyncPhase, SyncProgress, SyncReport, SyncStatus};

/// The device's use cases over its store.
#[derive(Debug, Clone)]
pub struct Carebook {
    store: Store,
}

/// A child's remaining respite hours in a fiscal year.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RespiteReport {
    /// The child.
    pub child_id: ChildId,
    /// Name.
    pub child_name: String,
    /// Municipality code.
    pub municipality: String,
    /// Municipality name (Japanese), empty if unknown.
    pub municipality_name: String,
    /// `令和8年度`.
    pub fiscal_year_label: String,
    /// The numbers and sessions.
    pub ledger: RespiteLedger,
}

impl Carebook {
    /// Opens the store in `data_dir`, encrypted with `key` (see [`vault`] for where the key
    /// comes from: the app's PIN, the CLI's passphrase).
    pub async fn open_with_key(data_dir: &Path, key: &vault::DataKey) -> Result<Carebook, CoreError> {
        Ok(Carebook { store: Store::open_with_key(data_dir, key).await? })
    }

    /// Opens the store in `data_dir`, encrypted all the same, with a key that no PIN wraps
    /// ([`vault::unwrapped_key`]: made on first use, kept beside the store, protected by the
    /// folder's permissions only). A store whose key a PIN wraps is refused: unlock it
    /// ([`vault::unlock`]) and use [`Carebook::open_with_key`].
    pub async fn open(data_dir: &Path) -> Result<Carebook, CoreError> {
        Ok(Carebook { store: Store::open(data_dir).await? })
    }

    /// Opens a store without encryption: the benchmarks' side-by-side figures and tests of a
    /// store from before encryption only ([`Store::open_unencrypted`]).
    pub async fn open_unencrypted(data_dir: &Path) -> Result<Carebook, CoreError> {
        Ok(Carebook { store: Store::open_unencrypted(data_dir).await? })
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Adds a child's face sheet.
    pub async fn add_child(&self, child: Child) -> Result<Child, CoreError> {
        child.validate(clock::today_jst()).into_result()?;
        let mut doc = RecordDoc::create_at(child, self.store.actor().clone(), clock::unix_now());
        self.store.save(&mut doc).await?;
        Ok(doc.value().clone())
    }

    /// The children on this device.
    pub async fn children(&self) -> Result<Vec<ChildRow>, CoreError> {
        self.store.children().await
    }

    /// A child's face sheet.
    pub async fn child(&self, id: ChildId) -> Result<Child, CoreError> {
        Ok(self.store.load::<Child>(&id.to_string()).await?.value().clone())
    }

    /// Changes a child's face sheet. The change is validated as a new face sheet is (nothing is
    /// written on a problem), the id stays, and only what changed is written to the document, so
    /// another device's concurrent edits of other fields merge. The record waits to sync.
    pub async fn update_child(&self, id: ChildId, change: impl FnOnce(&mut Child)) -> Result<Child, CoreError> {
        let mut doc = self.store.load::<Child>(&id.to_string()).await?;
        let mut next = doc.value().clone();
        change(&mut next);
        next.id = id;
        next.validate(clock::today_jst()).into_result()?;
        doc.replace(next)?;
        self.store.save(&mut doc).await?;
        Ok(doc.value().clone())
    }

    /// The face sheet row of the child a record is written for. A child this station handed
    /// over (its face sheet left the device with the transfer) is refused `HandedOver`.
    async fn writable_child_row(&self, child: ChildId) -> Result<store::ChildRow, CoreError> {
        match self.store.child_row(child).await {
            Err(not_found @ CoreError::NotFound { .. }) => {
                let directory = self.directory().await?;
                match directory.transfer_of(&child.to_string()) {
                    Some(t) => Err(CoreError::HandedOver {
                        child_name: t.child_name.clone(),
                        to_org: directory.org(&t.to_org).map_or(t.to_org.as_str(), |o| o.shown_name()).to_string(),
                    }),
                    None => Err(not_found),
                }
            }
            r => r,
        }
    }

    async fn check_visit(&self, visit: &Visit) -> Result<(), CoreError> {
        let child = match self.writable_child_row(visit.child_id).await {
            Ok(c) => c,
            Err(CoreError::NotFound { .. }) => {
                let mut p = Problems::new();
                p.push(
                    "child_id",
                    "unknown_child",
                    format!("児童 {} はこの端末に登録されていません", visit.child_id),
                    format!("child {} is not on this device", visit.child_id),
                );
                return Err(p.into());
            }
            Err(e) => return Err(e),
        };
        // The settings in force on the visit's own date (a later version never changes it).
        let date = visit.rule_date(clock::today_jst());
        let rules = self.store.rules_on(&child.municipality, date).await?;
        let templates = self.store.templates_on(date).await?;
        let child_score = self.child_score(visit).await?;
        visit.validate(VisitContext { rules: &rules, templates: &templates, child_score }).into_result()?;
        Ok(())
    }

    /// The child's known score (`Child::known_score`) where the visit's checks need it (daytime
    /// care); `None` otherwise, where it plays no part.
    async fn child_score(&self, visit: &Visit) -> Result<Option<u32>, CoreError> {
        if visit.kind != VisitKind::Daytime {
            return Ok(None);
        }
        Ok(self.child(visit.child_id).await?.known_score())
    }

    /// Records a new visit. Invalid visits are refused with every problem; nothing is written.
    pub async fn record_visit(&self, visit: Visit) -> Result<VisitSummary, CoreError> {
        self.check_visit(&visit).await?;
        let mut doc = RecordDoc::create_at(visit, self.store.actor().clone(), clock::unix_now());
        self.store.save(&mut doc).await?;
        self.visit_summary(doc.value().id).await
    }

    /// Changes a visit. Approved visits are locked; a change that would make the record invalid
    /// is refused and nothing is written.
    pub async fn update_visit(&self, id: VisitId, change: impl FnOnce(&mut Visit)) -> Result<Visit, CoreError> {
        let mut doc = self.store.load::<Visit>(&id.to_string()).await?;
        if doc.value().status == VisitStatus::Approved {
            return Err(CoreError::Locked { id: id.to_string() });
        }
        let mut next = doc.value().clone();
        change(&mut next);
        next.id = id;
        self.check_visit(&next).await?;
        doc.replace(next)?;
        self.store.save(&mut doc).await?;
        Ok(doc.value().clone())
    }

    /// Moves a visit to the next status (submit, approve).
    pub async fn set_visit_status(&self, id: VisitId, to: VisitStatus) -> Result<Visit, CoreError> {
        let mut doc = self.store.load::<Visit>(&id.to_string()).await?;
        let mut next = doc.value().clone();
        let child = self.writable_child_row(next.child_id).await?;
        let date = next.rule_date(clock::today_jst());
        let rules = self.store.rules_on(&child.municipality, date).await?;
        let templates = self.store.templates_on(date).await?;
        let child_score = self.child_score(&next).await?;
        next.transition(to, VisitContext { rules: &rules, templates: &templates, child_score })?;
        doc.replace(next)?;
        self.store.save(&mut doc).await?;
        Ok(doc.value().clone())
    }

    /// A visit record.
    pub async fn visit(&self, id: VisitId) -> Result<Visit, CoreError> {
        Ok(self.store.load::<Visit>(&id.to_string()).await?.value().clone())
    }

    async fn visit_summary(&self, id: VisitId) -> Result<VisitSummary, CoreError> {
        self.store.visit_summary(id).await
    }

    /// Visits from the index.
    pub async fn visits(&self, filter: &VisitFilter) -> Result<Vec<VisitSummary>, CoreError> {
        self.store.visits(filter).await
    }

    /// A child's respite hours in a fiscal year (this one by default), from the index only.
    pub async fn respite_remaining(&self, child: ChildId, fy: Option<FiscalYear>) -> Result<RespiteReport, CoreError> {
        let row = self.store.child_row(child).await?;
        let today = clock::today_jst();
        let fy = fy.unwrap_or_else(|| today.fiscal_year());
        // The year's cap as the settings in force today say, or on its last day for a past year.
        let rules = self.store.rules_on(&row.municipality, today.min(fy.last_day())).await?;
        let enrolled = row.respite_enrolled_on;
        let uses = self.store.respite_uses(child, fy).await?;
        Ok(RespiteReport {
            child_id: child,
            child_name: row.name,
            municipality: row.municipality,
            municipality_name: rules.name_ja.clone(),
            fiscal_year_label: fy.japanese_label(),
            ledger: respite_ledger(fy, rules.cap_minutes(fy, enrolled), uses),
        })
    }

    /// Checklist templates.
    pub async fn templates(&self) -> Result<Vec<ChecklistTemplate>, CoreError> {
        self.store.templates().await
    }

    /// The canned phrases (定型文) a nurse may insert into `visit`: its station's list in force
    /// on its date (`Visit::rule_date`), from the rule book as last synced, so offline too.
    /// Empty when the station has none.
    pub async fn visit_phrases(&self, visit: &Visit) -> Result<PhraseList, CoreError> {
        let book = self.store.rule_book().await?;
        Ok(book.phrases_on(&visit.station.id, visit.rule_date(clock::today_jst())))
    }

    /// The canned phrases of the logged-in account's station in force on `date` (today when
    /// none), as last synced: what its office edits. Empty, keyed by the station, when it has
    /// none; an error before a login.
    pub async fn station_phrases(&self, date: Option<Date>) -> Result<PhraseList, CoreError> {
        let Some(session) = self.session().await? else {
            return Err(CoreError::NotLoggedIn);
        };
        let book = self.store.rule_book().await?;
        Ok(book.phrases_on(&session.user.org_id, date.unwrap_or_else(clock::today_jst)))
    }

    /// Re-derives the index from the documents.
    pub async fn rebuild_index(&self) -> Result<RebuildReport, CoreError> {
        self.store.rebuild_index().await
    }

    /// A visit's document bytes, to hand to another device.
    pub async fn export_visit(&self, id: VisitId) -> Result<Vec<u8>, CoreError> {
        self.store
            .bytes(RecordKind::Visit, &id.to_string())
            .await?
            .ok_or_else(|| CoreError::NotFound { kind: RecordKind::Visit, id: id.to_string() })
    }

    /// Merges a visit document from another device. Concurrent edits all survive; a merged
    /// result that does not fit the schema is refused and nothing is written.
    pub async fn import_visit(&self, id: VisitId, bytes: &[u8]) -> Result<Visit, CoreError> {
        Ok(self.store.merge::<Visit>(&id.to_string(), bytes, store::Origin::Local).await?.value().clone())
    }

    /// A child's document bytes.
    pub async fn export_child(&self, id: ChildId) -> Result<Vec<u8>, CoreError> {
        self.store
            .bytes(RecordKind::Child, &id.to_string())
            .await?
            .ok_or_else(|| CoreError::NotFound { kind: RecordKind::Child, id: id.to_string() })
    }

    /// Merges a child document from another device.
    pub async fn import_child(&self, id: ChildId, bytes: &[u8]) -> Result<Child, CoreError> {
        Ok(self.store.merge::<Child>(&id.to_string(), bytes, store::Origin::Local).await?.value().clone())
    }
}
