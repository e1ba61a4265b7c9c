//! A push, one document at a time, each in its own transaction:
//!
//! 1. the bytes must stay within the configured bounds, checked by `bounds::scan` before
//!    automerge expands anything (`too_large`), and be whole automerge chunks (`corrupt_record`),
//!    the same answer whether or not the record exists; an existing record's stored child must be the caller's to touch,
//!    and the kind must match (`forbidden`, `schema_mismatch`);
//! 2. the bytes are merged into the stored copy and the result hydrated (`schema_mismatch`;
//!    changes whose ancestors the server lacks: `corrupt_record`); a merge that adds nothing is
//!    accepted as it is (idempotent replay);
//! 3. the merged record's child must be the stored one (a record never moves to another child:
//!    `invalid`) and the caller's, and the role's limits hold:
//!    parents change only the guardian confirmation of an existing visit, nurses do not approve,
//!    approved records are locked for nurses and parents, a visit's status never goes back
//!    (except a submitted one the office sends back to its nurse with a new reason, 差し戻し)
//!    (`forbidden`, `locked`, `invalid`);
//! 4. the merged record must validate (`invalid`, every problem in the reason); a daytime visit
//!    against the child's medical-care score read from its stored face sheet (none: unknown,
//!    refused);
//! 5. bytes, sequence number and audit row are written — every document of the request that
//!    passed, in one transaction — and a document another push changed in between is merged
//!    and written again on its own.
//!
//! A rejection stores nothing of the record: the pushed bytes go to quarantine, within its quota
//! per device and in total; past it they are not kept either, and the answer is
//! `quarantine_full` (the device keeps its copy). A read-only account's push (a municipality's)
//! is refused `forbidden` document by document before anything is looked up, and not kept.
//!
//! The automerge work (load, merge, hydrate, checks, save) runs on blocking threads behind a
//! semaphore ([`Heavy`]); the storage calls between them stay async.

use std::sync::Arc;

use automerge::{ActorId, AutoCommit};
use carebook_domain::bounds::{Limits, Refusal};
use carebook_domain::schema::{KIND_KEY, VERSION_KEY};
use carebook_domain::{
    Child, Date, DocError, DocPayload, Message, Problems, PushOutcome, PushResult, Record, RecordDoc, RecordKind, RuleBook, Visit,
    VisitContext, VisitKind, VisitStatus,
};

use crate::access;
use crate::model::{today_jst, unix_now, Caller, ChildFacts, Config, Error, Result};
use crate::storage::{FaceSheet, Kept, NewQuarantine, QuotaHit, Storage, StoredDoc, Version};
use tokio::sync::Semaphore;

/// The municipality whose rules apply when the server has no face sheet for the child.
pub(crate) const DEFAULT_MUNICIPALITY: &str = "13101";

/// How often a document is merged again after losing a race with a concurrent push.
const ATTEMPTS: usize = 8;

/// Why one document was refused.
#[derive(Debug)]
struct Reject {
    code: &'static str,
    reason: String,
    /// The child the document concerns, when it could be told.
    child: Option<String>,
}

impl Reject {
    fn forbidden(child: Option<String>) -> Reject {
        Reject {
            code: "forbidden",
            reason: "この記録を読み書きする権限がありません / you may not read or change this record".into(),
            child,
        }
    }

    fn from_doc(e: DocError, child: Option<String>) -> Reject {
        let m = e.message();
        match e {
            DocError::Corrupt { .. } => Reject { code: "corrupt_record", reason: m.to_string(), child },
            DocError::Schema { .. } | DocError::IdMismatch { .. } | DocError::Stale { .. } => {
                Reject { code: "schema_mismatch", reason: m.to_string(), child }
            }
            // Written by a newer app than this server knows: not corrupt; the server is updated.
            DocError::TooNew { .. } => {
                let reason = Message::new(
                    format!("この記録はサーバーより新しい版のアプリで作られています：{}", m.ja),
                    format!("the record was made by a newer app than the server knows: {}", m.en),
                );
                Reject { code: "schema_too_new", reason: reason.to_string(), child }
            }
        }
    }
}

enum Step {
    /// Checked: to be written (with others of the same request, in one transaction).
    Ready(Version),
    /// The server already has every change (a replayed push): accepted at the stored seq.
    Unchanged(i64),
    Rejected(Reject),
}

/// The child facts a request has looked up, by child (a request's visits are mostly of a few
/// children). Cleared once the request's face sheets are written, since they can claim a child.
type FactsCache = std::collections::HashMap<String, ChildFacts>;

async fn facts_of(storage: &Storage, caller: &Caller, child: &str, cache: &mut FactsCache) -> Result<ChildFacts> {
    if let Some(f) = cache.get(child) {
        return Ok(f.clone());
    }
    let f = storage.child_facts(child, &caller.user_id).await?;
    cache.insert(child.to_string(), f.clone());
    Ok(f)
}

/// The children's known medical-care scores a request has read from their stored face sheets
/// (`None`: not known). Cleared with the facts, once the request's face sheets are written.
type ScoreCache = std::collections::HashMap<String, Option<u32>>;

/// The child's medical-care score from its stored face sheet (`Child::known_score`): `None` when
/// there is no face sheet, it lists no score item, or it cannot be read. Face sheets are written
/// before visits, so a face sheet pushed in the same request is the one read here.
async fn stored_score(storage: &Storage, heavy: &Heavy, child: &str, cache: &mut ScoreCache) -> Result<Option<u32>> {
    if let Some(score) = cache.get(child) {
        return Ok(*score);
    }
    let score = match storage.document(child).await? {
        Some(doc) if doc.kind == RecordKind::Child => {
            let id = child.to_string();
            heavy
                .run(move || match RecordDoc::<Child>::load(&id, &doc.bytes, ActorId::random()) {
                    Ok(d) => d.value().known_score(),
                    Err(_) => {
                        tracing::error!(record = %id, "the stored face sheet of a child is unreadable; its score is unknown");
                        None
                    }
                })
                .await?
        }
        _ => None,
    };
    cache.insert(child.to_string(), score);
    Ok(score)
}

/// What the documents of one push share: who pushes, the blocking pool and its bounds, the child
/// facts and scores looked up so far, and the bytes read and inflated so far (against the push's
/// budget).
struct Request<'a> {
    storage: &'a Storage,
    heavy: &'a Heavy,
    caller: &'a Caller,
    cache: FactsCache,
    scores: ScoreCache,
    spent: u64,
    /// The published settings and templates, read once per push when a visit needs them.
    book: Option<Arc<RuleBook>>,
}

/// What a record is validated against on the server.
struct Checks<'a> {
    /// The child's municipality (its respite rules).
    municipality: &'a str,
    /// The published settings and templates (the version in force on the visit's date applies).
    book: &'a RuleBook,
    /// Today in Japan.
    today: Date,
    /// The child's known score, read from the stored face sheet where the record needs it.
    child_score: Option<u32>,
}

/// What a record type needs beyond [`Record`] for the server's checks.
trait Guarded: Record {
    /// A visit's status.
    fn status(&self) -> Option<VisitStatus> {
        None
    }
    /// Whether a parent may go from `before` to `after`.
    fn parent_may_change(_before: &Self, _after: &Self) -> bool {
        false
    }
    /// Whether `after` is `before` sent back to its nurse (差し戻し): a new reason is recorded.
    fn newly_sent_back(_before: &Self, _after: &Self) -> bool {
        false
    }
    /// Whether the checks need the child's score (daytime care).
    fn needs_child_score(&self) -> bool {
        false
    }
    /// Every problem with the record.
    fn problems(&self, checks: &Checks<'_>) -> Problems;
    /// The municipality a face sheet sets for its child.
    fn face_sheet_municipality(&self) -> Option<&str> {
        None
    }
    /// The days a face sheet's sharing consent is in force.
    fn sharing_days(&self) -> Option<(Date, Date)> {
        None
    }
    /// A visit's index fields, as the feed sends them beside the document.
    fn index_json(&self) -> Option<String> {
        None
    }
}

impl Guarded for Child {
    fn problems(&self, checks: &Checks<'_>) -> Problems {
        self.validate(checks.today)
    }
    fn face_sheet_municipality(&self) -> Option<&str> {
        Some(&self.municipality)
    }
    fn sharing_days(&self) -> Option<(Date, Date)> {
        self.sharing.as_ref().and_then(|s| s.in_force_days())
    }
}

impl Guarded for Visit {
    fn status(&self) -> Option<VisitStatus> {
        Some(self.status)
    }
    fn parent_may_change(before: &Self, after: &Self) -> bool {
        access::only_guardian_changed(before, after)
    }
    fn newly_sent_back(before: &Self, after: &Self) -> bool {
        after.returned.is_some() && after.returned != before.returned
    }
    fn index_json(&self) -> Option<String> {
        serde_json::to_string(&self.index_view()).ok()
    }
    fn needs_child_score(&self) -> bool {
        self.kind == VisitKind::Daytime
    }
    fn problems(&self, checks: &Checks<'_>) -> Problems {
        let date = self.rule_date(checks.today);
        let rules = checks.book.rules_on(checks.municipality, date);
        let templates = checks.book.templates_on(date);
        self.validate(VisitContext { rules: &rules, templates: &templates, child_score: checks.child_score })
    }
}

/// The most operations a parent's confirmation may add to a visit: a name, a time, a reason and
/// a drawn signature (one string) are a few dozen.
const PARENT_MAX_OPS: usize = 256;

/// Whether the changes from `before` to `after` touch nothing but the visit's `guardian` key
/// and what lies under it, and stay small. Checked on the document, not on hydrated values,
/// which would not see keys the schema does not know (or conflicting values that lose).
/// The root's record kind and schema version may be written too: a parent's app upgrades a
/// document of an older schema version with its change (the merged document is then checked,
/// so another kind or a version newer than the server's is refused).
fn only_guardian_ops(doc: &mut AutoCommit, before: &[automerge::ChangeHash], after: &[automerge::ChangeHash]) -> bool {
    let ops: usize = doc.get_changes(before).iter().map(|c| c.len()).sum();
    if ops > PARENT_MAX_OPS {
        return false;
    }
    doc.diff(before, after).iter().all(|p| match p.path.first() {
        Some((_, automerge::Prop::Map(key))) => key == "guardian",
        Some(_) => false,
        None => {
            matches!(&p.action, automerge::PatchAction::PutMap { key, .. } if key == "guardian" || key == KIND_KEY || key == VERSION_KEY)
                || matches!(&p.action, automerge::PatchAction::DeleteMap { key } if key == "guardian")
        }
    })
}

/// Merges, checks and stores each document; one result per document, in request order.
///
/// Face sheets are handled before visits, so a new child and its first visits can arrive in one
/// request in any order (the visits need the child's owner, which the face sheet sets). Each
/// group is checked document by document, then what passed is written in one transaction; a
/// document another push changed in between is merged and written again on its own.
pub(crate) async fn push(storage: &Storage, heavy: &Heavy, caller: &Caller, documents: Vec<DocPayload>) -> Result<Vec<PushResult>> {
    if !access::may_write(caller) {
        return Ok(refuse_read_only(caller, documents));
    }
    // Shared with the blocking threads that load and merge them, without copying the bytes.
    let documents: Vec<Arc<DocPayload>> = documents.into_iter().map(Arc::new).collect();
    let mut results: Vec<Option<PushResult>> = vec![None; documents.len()];
    let mut req = Request { storage, heavy, caller, cache: FactsCache::new(), scores: ScoreCache::new(), spent: 0, book: None };
    for kind in [RecordKind::Child, RecordKind::Visit] {
        let mut ready: Vec<(usize, Version)> = Vec::new();
        let mut again: Vec<usize> = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for (i, p) in documents.iter().enumerate().filter(|(_, p)| p.kind == kind) {
            if !is_record_id(&p.id) {
                results[i] = Some(refuse_id(storage, caller, p).await?);
                continue;
            }
            // The same record twice in one request: the second merges after the first is written.
            if !ids.insert(p.id.as_str()) {
                again.push(i);
                continue;
            }

            match attempt(&mut req, p).await? {
                Step::Ready(v) => ready.push((i, v)),
                Step::Unchanged(seq) => results[i] = Some(accepted(p, seq)),
                Step::Rejected(r) => results[i] = Some(reject(storage, caller, p, r).await?),
            }
        }
        let versions: Vec<Version> = ready.iter().map(|(_, v)| v.clone()).collect();
        let seqs = storage.write_versions(&versions, caller, unix_now()).await?;
        for ((i, _), seq) in ready.into_iter().zip(seqs) {
            match seq {
                Some(seq) => results[i] = Some(accepted(&documents[i], seq)),
                None => again.push(i),
            }
        }
        again.sort_unstable();
        for i in again {
            results[i] = Some(push_one(&mut req, &documents[i]).await?);
        }
        req.cache.clear();
        req.scores.clear();
    }
    Ok(results.into_iter().flatten().collect())
}

/// A push from a revoked device (or a disabled account's): its last records are not merged —
/// the person may no longer write — but kept in quarantine for the office (`device_revoked`),
/// within the device's quota, so that nothing it held unsent is lost. The device removes its
/// records afterwards, except any the quarantine had no room for (`quarantine_full`).
pub(crate) async fn hand_over(storage: &Storage, caller: &Caller, documents: Vec<DocPayload>) -> Result<Vec<PushResult>> {
    if !access::may_write(caller) {
        return Ok(refuse_read_only(caller, documents));
    }
    let mut results = Vec::with_capacity(documents.len());
    for p in &documents {
        if !is_record_id(&p.id) {
            results.push(refuse_id(storage, caller, p).await?);
            continue;
        }
        let child = storage.document_child(&p.id).await?;
        let reason = "この端末は無効にされたため、記録は統合されず事務所の保留箱に保管されました / this device was revoked: the record \
                      was not merged but kept in the office's quarantine"
            .to_string();
        results.push(reject(storage, caller, p, Reject { code: "device_revoked", reason, child }).await?);
    }
    Ok(results)
}

/// A read-only account's push (a municipality's): every document is refused `forbidden` before
/// anything is looked up, and nothing of it is kept — not even in the quarantine: an account
/// that may not write has nothing for an office to rescue.
fn refuse_read_only(caller: &Caller, documents: Vec<DocPayload>) -> Vec<PushResult> {
    tracing::info!(user = %caller.username, device = %caller.device_id, documents = documents.len(), "push refused: a read-only account");
    let reason = Reject::forbidden(None).reason;
    documents
        .into_iter()
        .map(|p| PushResult {
            id: p.id,
            outcome: PushOutcome::Rejected,
            code: Some("forbidden".into()),
            reason: Some(reason.clone()),
            seq: None,
        })
        .collect()
}

/// Whether `id` can name a record: 1–64 ASCII letters, digits, `-` or `_` (records are named by
/// UUIDs). Anything else is refused before it is looked up, logged or kept.
fn is_record_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Refuses a document whose id cannot name a record; the quarantine keeps its bytes under a
/// description of the id, never the id itself (it could be anything: a newline, megabytes).
async fn refuse_id(storage: &Storage, caller: &Caller, p: &DocPayload) -> Result<PushResult> {
    let (chars, bytes) = (p.id.chars().count(), p.id.len());
    tracing::info!(id_bytes = bytes, kind = %p.kind, user = %caller.username, device = %caller.device_id, "push refused: not a record id");
    let reason = format!(
        "id: 記録IDは英数字・ハイフン・下線の1〜64文字です（{chars}文字） / id: expected 1–64 letters, digits, '-' or '_' (a record id), got {chars} characters"
    );
    let placeholder = format!("(invalid id: {bytes} bytes)");
    let q = NewQuarantine {
        record_id: &placeholder,
        kind: p.kind,
        child_id: None,
        caller,
        code: "invalid",
        reason: &reason,
        bytes: &p.bytes,
        now: unix_now(),
    };
    let (code, reason) = keep(storage, &q).await?;
    Ok(PushResult { id: p.id.clone(), outcome: PushOutcome::Rejected, code: Some(code), reason: Some(reason), seq: None })
}

/// The most bytes of a refusal's reason (every problem of a visit with thousands of entries
/// would be megabytes): longer ones are cut, saying how much was left out.
const REASON_MAX_BYTES: usize = 16 * 1024;

fn bounded_reason(mut reason: String) -> String {
    if reason.len() > REASON_MAX_BYTES {
        let mut cut = REASON_MAX_BYTES;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        let left_out = reason.len() - cut;
        reason.truncate(cut);
        reason.push_str(&format!(" …（以下 {left_out} バイト省略） / … ({left_out} more bytes left out)"));
    }
    reason
}

/// Offers a refused document to the quarantine; the code and reason the device gets. When the
/// quarantine has no room for it (the device's quota or the total), nothing is kept and the
/// answer is `quarantine_full`, naming the quota and the original code.
async fn keep(storage: &Storage, q: &NewQuarantine<'_>) -> Result<(String, String)> {
    let hit = match storage.quarantine(q).await? {
        Kept::Stored | Kept::Before => return Ok((q.code.to_string(), q.reason.to_string())),
        Kept::Full(hit) => hit,
    };
    tracing::warn!(kind = %q.kind, code = q.code, user = %q.caller.username, device = %q.caller.device_id, quota = ?hit, "quarantine full: push refused and not kept");
    let mib = |b: i64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let (ja, en) = match hit {
        QuotaHit::Device(b) => (format!("この端末の保留箱の上限（{}）", mib(b)), format!("this device's quarantine quota ({})", mib(b))),
        QuotaHit::Total(b) => {
            (format!("サーバーの保留箱全体の上限（{}）", mib(b)), format!("the server's total quarantine quota ({})", mib(b)))
        }
    };
    let reason = format!(
        "{ja}に達したため、受け付けられず保留箱にも保存されていません。記録は端末に残ります（拒否の理由: {code}）。事務所に連絡してください / \
         refused and not kept: {en} is full; the record stays on this device (refused as {code}); tell the office",
        code = q.code
    );
    Ok((carebook_domain::QUARANTINE_FULL.to_string(), reason))
}

fn accepted(p: &DocPayload, seq: i64) -> PushResult {
    tracing::debug!(record = %p.id, kind = %p.kind, seq, "record stored");
    PushResult { id: p.id.clone(), outcome: PushOutcome::Accepted, code: None, reason: None, seq: Some(seq) }
}

/// Keeps a refused document in quarantine and says why.
async fn reject(storage: &Storage, caller: &Caller, p: &DocPayload, r: Reject) -> Result<PushResult> {
    // Codes only: reasons can quote record contents.
    tracing::info!(record = %p.id, kind = %p.kind, code = r.code, user = %caller.username, device = %caller.device_id, "push rejected");
    let reason = bounded_reason(r.reason);
    let q = NewQuarantine {
        record_id: &p.id,
        kind: p.kind,
        child_id: r.child.as_deref(),
        caller,
        code: r.code,
        reason: &reason,
        bytes: &p.bytes,
        now: unix_now(),
    };
    let (code, reason) = keep(storage, &q).await?;
    Ok(PushResult { id: p.id.clone(), outcome: PushOutcome::Rejected, code: Some(code), reason: Some(reason), seq: None })
}

/// One document on its own, merged again while other pushes keep changing it.
async fn push_one(req: &mut Request<'_>, p: &Arc<DocPayload>) -> Result<PushResult> {
    let Request { storage, caller, .. } = *req;
    for _ in 0..ATTEMPTS {
        match attempt(req, p).await? {
            Step::Ready(v) => match storage.write_versions(std::slice::from_ref(&v), caller, unix_now()).await?.pop().flatten() {
                Some(seq) => return Ok(accepted(p, seq)),
                None => tracing::debug!(record = %p.id, "record changed during the push; merging again"),
            },
            Step::Unchanged(seq) => return Ok(accepted(p, seq)),
            Step::Rejected(r) => return reject(storage, caller, p, r).await,
        }
    }
    Err(Error::Contended(p.id.clone()))
}

/// The automerge work of pushes, off the async workers: each piece runs on a blocking thread
/// holding one of `document_workers` permits, so `/health` and other requests keep answering
/// while heavy documents merge. Also the bounds every pushed document is scanned against.
#[derive(Debug, Clone)]
pub(crate) struct Heavy {
    limits: Limits,
    /// The most bytes all documents of one push may read and inflate together.
    push_budget: u64,
    permits: Arc<Semaphore>,
}

impl Heavy {
    pub(crate) fn new(config: &Config) -> Heavy {
        Heavy {
            limits: config.document_limits(),
            push_budget: config.max_push_inflated_bytes,
            permits: Arc::new(Semaphore::new(config.document_workers)),
        }
    }

    /// Runs `f` on a blocking thread once a permit is free; a panic comes back as the error.
    async fn run<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> Result<R, tokio::task::JoinError> {
        let permit = self.permits.clone().acquire_owned().await.expect("the permits are never closed");
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await
    }
}

/// Why a document past the push's budget is refused.
fn push_too_large(budget: u64) -> Reject {
    let reason = format!(
        "1回の送信の記録は合わせて展開後 {budget} バイトまでです。分けて送ってください / the documents of one push may inflate to at most {budget} bytes together; push them in smaller batches"
    );
    Reject { code: "too_large", reason, child: None }
}

/// The pushed bytes, checked: within the bounds, whole chunks, naming no other record. `work`
/// gets the bytes read and inflated; `budget` is the push's whole budget when what is left of
/// it, not the document limit, is `limits.inflated_bytes`.
fn check_pushed(p: &DocPayload, limits: &Limits, budget: Option<u64>, work: &mut u64) -> std::result::Result<Option<AutoCommit>, Reject> {
    // Bounded before automerge expands anything: a refusal here costs at most the limit.
    if let Err(refusal) = carebook_domain::bounds::scan_metered(&p.bytes, limits, work) {
        return Err(match (refusal, budget) {
            (Refusal::TooLarge { measure: carebook_domain::bounds::Measure::InflatedBytes, .. }, Some(budget)) => push_too_large(budget),
            (refusal @ Refusal::TooLarge { .. }, _) => Reject { code: "too_large", reason: refusal.to_string(), child: None },
            (Refusal::Malformed(reason), _) => Reject::from_doc(DocError::Corrupt { kind: p.kind, id: p.id.clone(), reason }, None),
        });
    }
    // Whole chunks naming no other record, refused before the name is looked up, so the answer
    // is the same whether or not that name exists.
    carebook_domain::check_pushed(p.kind, &p.id, &p.bytes).map_err(|e| Reject::from_doc(e, None))
}

async fn attempt(req: &mut Request<'_>, p: &Arc<DocPayload>) -> Result<Step> {
    let Request { storage, heavy, caller, .. } = *req;
    if !access::may_write(caller) {
        // Refused by `push` already; kept here so no path merges a read-only account's bytes.
        return Ok(Step::Rejected(Reject::forbidden(None)));
    }
    // Unreadable or oversized bytes are refused before anything is looked up, so the answer
    // cannot tell whether the record exists. What loads is kept: merging it costs no second load.
    // The documents of one push share a budget of bytes read and inflated, refused or not.
    let left = heavy.push_budget.saturating_sub(req.spent);
    if left == 0 {
        return Ok(Step::Rejected(push_too_large(heavy.push_budget)));
    }
    let mut limits = heavy.limits;
    let budget = (left < limits.inflated_bytes).then_some(heavy.push_budget);
    limits.inflated_bytes = limits.inflated_bytes.min(left);
    let checked = {
        let p = p.clone();
        heavy
            .run(move || {
                let mut work = 0;
                let checked = check_pushed(&p, &limits, budget, &mut work);
                (checked, work)
            })
            .await
    };
    let checked = checked.map(|(checked, work)| {
        req.spent = req.spent.saturating_add(work);
        checked
    });
    let loaded = match checked {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(reject)) => return Ok(Step::Rejected(reject)),
        Err(e) if e.is_panic() => {
            // Automerge panicked on these bytes: they are refused like any unreadable bytes.
            tracing::warn!(kind = %p.kind, "loading pushed bytes panicked");
            let e = DocError::Corrupt { kind: p.kind, id: p.id.clone(), reason: "automerge could not read the bytes".into() };
            return Ok(Step::Rejected(Reject::from_doc(e, None)));
        }
        Err(e) => return Err(e.into()),
    };
    let stored = storage.document(&p.id).await?;
    let stored_facts = match &stored {
        Some(s) => {
            let facts = facts_of(storage, caller, &s.child_id, &mut req.cache).await?;
            if !access::may_access(caller, &facts) {
                return Ok(Step::Rejected(Reject::forbidden(Some(s.child_id.clone()))));
            }
            if s.kind != p.kind {
                let reason = format!(
                    "記録 {} は{}です / record {} is a {} record, not a {} record ({KIND_KEY}: expected {:?}, found {:?})",
                    p.id,
                    s.kind.label().ja,
                    p.id,
                    s.kind,
                    p.kind,
                    p.kind.name(),
                    s.kind.name()
                );
                return Ok(Step::Rejected(Reject { code: "schema_mismatch", reason, child: Some(s.child_id.clone()) }));
            }
            Some(facts)
        }
        None => None,
    };
    match p.kind {
        RecordKind::Child => attempt_as::<Child>(req, p, loaded, stored, stored_facts).await,
        RecordKind::Visit => attempt_as::<Visit>(req, p, loaded, stored, stored_facts).await,
    }
}

/// A record merged with what the server has: the merged document, the stored value, heads and
/// seq (when there was a stored copy), and the merged heads.
struct Merged<T: Record> {
    doc: RecordDoc<T>,
    before: Option<(T, Vec<automerge::ChangeHash>, i64)>,
    heads: Vec<automerge::ChangeHash>,
}

/// Loads the stored copy, merges the pushed document (or bytes) into it and hydrates the result.
fn merge<T: Guarded + Send + 'static>(
    p: &DocPayload,
    loaded: Option<AutoCommit>,
    stored: Option<&StoredDoc>,
) -> std::result::Result<Merged<T>, Reject> {
    // The server never authors a change, so any actor will do.
    let actor = ActorId::random();
    let stored_child = stored.map(|s| s.child_id.clone());
    let (mut doc, before) = match stored {
        Some(s) => {
            let mut doc = match RecordDoc::<T>::load(&p.id, &s.bytes, actor) {
                Ok(d) => d,
                Err(e) => {
                    // Automerge's reason is structural; a schema error could quote contents.
                    match &e {
                        DocError::Corrupt { reason, .. } => {
                            tracing::error!(record = %p.id, reason, "the stored copy of a record is corrupt")
                        }
                        _ => tracing::error!(record = %p.id, "the stored copy of a record does not fit its schema"),
                    }
                    let reason = format!("サーバーの記録が読めません / the server's copy of record {} is unreadable", p.id);
                    return Err(Reject { code: "corrupt_record", reason, child: stored_child });
                }
            };
            let mut heads = doc.heads();
            heads.sort();
            let value = doc.value().clone();
            let merged = match loaded {
                Some(mut theirs) => doc.merge_loaded(&mut theirs),
                None => doc.merge_bytes(&p.bytes),
            };
            if let Err(e) = merged {
                return Err(Reject::from_doc(e, stored_child));
            }
            (doc, Some((value, heads, s.seq)))
        }
        None => {
            let doc = match loaded {
                Some(d) => RecordDoc::<T>::from_loaded(&p.id, d, actor),
                // Changes without the document they build on.
                None => RecordDoc::<T>::load(&p.id, &p.bytes, actor),
            };
            match doc {
                Ok(d) => (d, None),
                Err(e) => return Err(Reject::from_doc(e, None)),
            }
        }
    };
    if !doc.automerge().get_missing_deps(&[]).is_empty() {
        let reason = format!(
            "記録 {} の変更の前提となる変更がサーバーにありません / the changes to record {} build on changes the server does not have; push the whole document",
            p.id, p.id
        );
        return Err(Reject { code: "corrupt_record", reason, child: stored_child });
    }
    let mut heads = doc.heads();
    heads.sort();
    Ok(Merged { doc, before, heads })
}

/// The checks on the merged document itself, then its bytes for storage: the role's status
/// limits, a parent's change only in the guardian confirmation, validation, and the merged
/// document within the bounds.
fn finish<T: Guarded>(
    p: &DocPayload,
    caller: &Caller,
    m: &mut Merged<T>,
    child: &str,
    checks: &Checks<'_>,
    limits: &Limits,
) -> std::result::Result<Vec<u8>, Reject> {
    let child = || Some(child.to_string());
    let stored_status = m.before.as_ref().and_then(|(v, _, _)| v.status());
    let merged_status = m.doc.value().status();
    if stored_status == Some(VisitStatus::Approved) && access::locked_for(caller) {
        let reason = "承認済みの記録は変更できません / the record is approved and locked".into();
        return Err(Reject { code: "locked", reason, child: child() });
    }
    if merged_status == Some(VisitStatus::Approved) && stored_status != Some(VisitStatus::Approved) && !access::may_approve(caller) {
        let reason = "記録を承認できるのは事務・管理者だけです / only office staff or an administrator may approve a record".into();
        return Err(Reject { code: "forbidden", reason, child: child() });
    }
    if caller.role == carebook_domain::Role::Parent {
        // The hydrated values ignore keys the schema does not know; the document's own changes
        // must stay inside the guardian confirmation too.
        let may = m.before.as_ref().is_some_and(|(old, old_heads, _)| {
            T::parent_may_change(old, m.doc.value()) && only_guardian_ops(m.doc.automerge(), old_heads, &m.heads)
        });
        if !may {
            let reason = "保護者が変更できるのは訪問記録の保護者確認だけです / a parent may only confirm an existing visit".into();
            return Err(Reject { code: "forbidden", reason, child: child() });
        }
    }
    if let (Some(from), Some(to)) = (stored_status, merged_status) {
        // The one way back: the office sends a submitted record back to its nurse, with why.
        let sent_back = from == VisitStatus::Submitted
            && to == VisitStatus::Draft
            && access::may_approve(caller)
            && m.before.as_ref().is_some_and(|(old, _, _)| T::newly_sent_back(old, m.doc.value()));
        if access::status_rank(to) < access::status_rank(from) && !sent_back {
            let reason = format!(
                "status: 「{}」から「{}」には戻せません / cannot move a record back from {} to {}",
                from.label().ja,
                to.label().ja,
                from,
                to
            );
            return Err(Reject { code: "invalid", reason, child: child() });
        }
    }
    let problems = m.doc.value().problems(checks);
    if !problems.is_empty() {
        return Err(Reject { code: "invalid", reason: problems.to_string(), child: child() });
    }
    // A new record is stored as it came (its bytes passed the bounds and the strict check); a
    // merged one is saved anew, and must stay within the bounds too: pushes that each pass
    // cannot together grow a record past them.
    if m.before.is_none() {
        return Ok(p.bytes.clone());
    }
    let bytes = m.doc.save();
    if let Err(refusal @ Refusal::TooLarge { .. }) = carebook_domain::bounds::scan(&bytes, limits) {
        let m = refusal.message();
        let reason = Message::new(format!("統合後の記録：{}", m.ja), format!("once merged with the server's copy: {}", m.en)).to_string();
        return Err(Reject { code: "too_large", reason, child: child() });
    }
    Ok(bytes)
}

async fn attempt_as<T: Guarded + Send + 'static>(
    req: &mut Request<'_>,
    p: &Arc<DocPayload>,
    loaded: Option<AutoCommit>,
    stored: Option<StoredDoc>,
    stored_facts: Option<ChildFacts>,
) -> Result<Step> {
    let Request { storage, heavy, caller, .. } = *req;
    let stored_child = stored.as_ref().map(|s| s.child_id.clone());
    let merged = {
        let p = p.clone();
        heavy.run(move || merge::<T>(&p, loaded, stored.as_ref())).await?
    };
    let mut merged = match merged {
        Ok(m) => m,
        Err(reject) => return Ok(Step::Rejected(reject)),
    };
    if let Some((_, stored_heads, seq)) = &merged.before {
        if &merged.heads == stored_heads {
            return Ok(Step::Unchanged(*seq));
        }
    }

    let child = merged.doc.value().child_id().to_string();
    if let Some(stored_child) = stored_child.as_deref().filter(|c| *c != child) {
        // A record belongs to one child for good: moving it would take it from one family's
        // office and parent and give it to another's.
        let reason = format!(
            "child_id: 記録の子どもは変更できません（{stored_child} のまま）/ child_id: a record's child never changes (expected {stored_child}, found {child})"
        );
        return Ok(Step::Rejected(Reject { code: "invalid", reason, child: Some(stored_child.to_string()) }));
    }
    let facts = match stored_facts {
        Some(f) if stored_child.as_deref() == Some(child.as_str()) => f,
        _ => facts_of(storage, caller, &child, &mut req.cache).await?,
    };
    let claiming = T::KIND == RecordKind::Child && merged.before.is_none() && facts.owner.is_none();
    let allowed = if claiming {
        access::may_claim(caller, &facts, storage.child_has_documents(&child).await?)
    } else {
        access::may_access(caller, &facts)
    };
    if !allowed {
        return Ok(Step::Rejected(Reject::forbidden(Some(child))));
    }

    let municipality = facts.municipality.clone().unwrap_or_else(|| DEFAULT_MUNICIPALITY.to_string());
    let child_score =
        if merged.doc.value().needs_child_score() { stored_score(storage, heavy, &child, &mut req.scores).await? } else { None };
    let book = match &req.book {
        Some(b) => b.clone(),
        None => req.book.insert(Arc::new(storage.rule_book().await?)).clone(),
    };
    let (p2, caller2, limits, child2) = (p.clone(), caller.clone(), heavy.limits, child.clone());
    let (merged, bytes) = heavy
        .run(move || {
            let checks = Checks { municipality: &municipality, book: &book, today: today_jst(unix_now()), child_score };
            let bytes = finish(&p2, &caller2, &mut merged, &child2, &checks, &limits);
            (merged, bytes)
        })
        .await?;
    let bytes = match bytes {
        Ok(b) => b,
        Err(reject) => return Ok(Step::Rejected(reject)),
    };
    let heads = merged.heads.iter().map(|h| h.to_string()).collect::<Vec<_>>().join(",");
    let value = merged.doc.value();
    Ok(Step::Ready(Version {
        id: p.id.clone(),
        kind: T::KIND,
        child_id: child,
        bytes,
        expected_seq: merged.before.as_ref().map(|(_, _, seq)| *seq),
        face_sheet: value.face_sheet_municipality().map(|m| FaceSheet {
            org_id: caller.org_id.clone(),
            municipality: m.to_string(),
            shared: value.sharing_days(),
        }),
        heads,
        index_json: value.index_json(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusals_reason_is_cut_at_16_kib_on_a_character_boundary_saying_how_much_was_left_out() {
        let short = "invalid: place: 100文字以内 / at most 100 characters".to_string();
        assert_eq!(bounded_reason(short.clone()), short);
        // Every problem of a visit with thousands of bad entries: megabytes of reason.
        let long = "staff[0].name: 制御文字は使えません / control character U+001B is not allowed\n".repeat(40_000);
        let cut = bounded_reason(long.clone());
        assert!(cut.len() <= REASON_MAX_BYTES + 100, "{}", cut.len());
        assert!(long.starts_with(cut.split(" …（以下").next().unwrap()));
        let left_out = long.len() - cut.split(" …（以下").next().unwrap().len();
        assert!(cut.ends_with(&format!("… ({left_out} more bytes left out)")), "{}", &cut[cut.len() - 80..]);
    }

    #[test]
    fn a_record_id_is_a_short_plain_name() {
        assert!(is_record_id("0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10"));
        assert!(is_record_id("r_1"));
        assert!(!is_record_id(""));
        assert!(!is_record_id(&"a".repeat(65)));
        assert!(!is_record_id("a\nINFO forged log line"));
        assert!(!is_record_id("子ども"));
        assert!(!is_record_id("a b"));
    }

    #[test]
    fn today_in_japan_turns_at_three_in_the_afternoon_utc() {
        // 2026-05-01T14:59:59Z is 23:59:59 JST; a second later it is 2 May in Tokyo.
        let t = 1_777_647_599;
        assert_eq!(today_jst(t).to_string(), "2026-05-01");
        assert_eq!(today_jst(t + 1).to_string(), "2026-05-02");
    }
}
