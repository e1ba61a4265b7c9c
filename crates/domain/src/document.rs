//! Records as automerge documents: create, load, change, merge, save, with errors that name the
//! record. A document that cannot be read or does not fit its schema is an error, never a panic;
//! a schema error names the field path and the type expected ([`crate::schema`]).
//!
//! Every document says what it is at its root: [`crate::schema::KIND_KEY`] (`"child"`
//! or `"visit"`) and [`crate::schema::VERSION_KEY`] (the schema version, a uint;
//! absent in documents stored before it was kept, which are version 1). Creating and changing a
//! record writes both; a document of a newer version than this code knows is
//! [`DocError::TooNew`], not corrupt.
//!
//! Each change carries the time it was made (automerge's change timestamp, unix seconds) and a
//! short message (`create visit`, `edit visit`; never the record's contents). The domain reads
//! no clock: [`RecordDoc::create_at`] and [`RecordDoc::at`] take the time from the caller;
//! [`RecordDoc::create`] leaves it 0 (unknown), for tests.

use automerge::{ActorId, AutoCommit, ChangeHash, ReadDoc};
use autosurgeon::{hydrate, reconcile, Hydrate, HydrateError, Reconcile};

use crate::child::Child;
use crate::ids::ChildId;
use crate::schema::{Described, Mismatch, KIND_KEY, SCHEMA_VERSION, VERSION_KEY};
use crate::search::VisitTextView;
use crate::validation::labelled_enum;
use crate::visit::{Visit, VisitIndexView};
use crate::wire::Message;

labelled_enum! {
    /// Which schema a document follows.
    pub enum RecordKind {
        /// A child's face sheet.
        Child = ("child", "フェイスシート", "face sheet"),
        /// A visit.
        Visit = ("visit", "訪問記録", "visit record"),
    }
}

/// A Rust type stored as one automerge document per record.
pub trait Record: Reconcile + Hydrate + Described + Clone {
    /// The schema.
    const KIND: RecordKind;
    /// The record's id as text (the document's name in stores and on the wire).
    fn record_id(&self) -> String;
    /// The child the record concerns: access, sync buckets and removal all follow it.
    fn child_id(&self) -> ChildId;
}

impl Record for Child {
    const KIND: RecordKind = RecordKind::Child;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn child_id(&self) -> ChildId {
        self.id
    }
}

impl Record for Visit {
    const KIND: RecordKind = RecordKind::Visit;
    fn record_id(&self) -> String {
        self.id.to_string()
    }
    fn child_id(&self) -> ChildId {
        self.child_id
    }
}

/// Why a document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum DocError {
    /// The bytes are not an automerge document (corrupt or truncated).
    Corrupt {
        /// Which schema was expected.
        kind: RecordKind,
        /// The record.
        id: String,
        /// What automerge said.
        reason: String,
    },
    /// The document does not fit the schema.
    Schema {
        /// Which schema.
        kind: RecordKind,
        /// The record.
        id: String,
        /// What did not fit: the field path, the type expected and what was found
        /// (`vitals[2].pulse: expected uint, found int`).
        reason: String,
    },
    /// The document is of a newer schema version than this code reads: written by a newer app.
    /// Not corrupt; updating the app reads it.
    TooNew {
        /// Which schema.
        kind: RecordKind,
        /// The record.
        id: String,
        /// The document's version.
        version: u64,
        /// The newest version this code reads.
        known: u64,
    },
    /// The document holds a different record than its name says.
    IdMismatch {
        /// Which schema.
        kind: RecordKind,
        /// The name it was stored under.
        id: String,
        /// The id inside.
        found: String,
    },
    /// A value to store was read before the document last changed (its text fields point at an
    /// older version); read the record again and re-apply the edit.
    Stale {
        /// Which schema.
        kind: RecordKind,
        /// The record.
        id: String,
        /// What autosurgeon said.
        reason: String,
    },
}

impl DocError {
    /// The stable code: `corrupt_record`, `schema_mismatch` (also a document holding another
    /// record), `stale`, `schema_too_new`.
    pub fn code(&self) -> &'static str {
        match self {
            DocError::Corrupt { .. } => "corrupt_record",
            DocError::Schema { .. } | DocError::IdMismatch { .. } => "schema_mismatch",
            DocError::Stale { .. } => "stale",
            DocError::TooNew { .. } => "schema_too_new",
        }
    }

    /// What went wrong, in Japanese and in English; both name the record and the detail
    /// (what automerge or the schema check said, which never quotes more than an excerpt).
    pub fn message(&self) -> Message {
        match self {
            DocError::Corrupt { kind, id, reason } => Message::new(
                format!("{} {id} のデータが壊れているか、途中で切れています（{reason}）", kind.label().ja),
                format!("{kind} record {id}: the stored document is corrupt or truncated ({reason})"),
            ),
            DocError::Schema { kind, id, reason } => Message::new(
                format!("{} {id} の内容が{}の形式に合いません（{reason}）", kind.label().ja, kind.label().ja),
                format!("{kind} record {id}: the document does not fit the {kind} schema ({reason})"),
            ),
            DocError::TooNew { kind, id, version, known } => Message::new(
                format!(
                    "{} {id} は新しい版のアプリで作られた記録です（形式の版 {version}、このアプリが読めるのは {known} まで）。アプリを更新してください",
                    kind.label().ja
                ),
                format!("{kind} record {id}: the document is of schema version {version}, newer than this app reads (up to {known}); update the app"),
            ),
            DocError::IdMismatch { kind, id, found } => Message::new(
                format!("{} {id} のデータに別の記録 {found} が入っています", kind.label().ja),
                format!("{kind} record {id}: the document holds record {found} (id: expected {id}, found {found})"),
            ),
            DocError::Stale { kind, id, reason } => Message::new(
                format!("{} {id} の編集は古い内容に対して行われました。記録を読み直してからもう一度編集してください（{reason}）", kind.label().ja),
                format!("{kind} record {id}: the edit was made on an older copy of the record ({reason})"),
            ),
        }
    }

    /// The record the error names.
    pub fn id(&self) -> &str {
        match self {
            DocError::Corrupt { id, .. }
            | DocError::Schema { id, .. }
            | DocError::IdMismatch { id, .. }
            | DocError::Stale { id, .. }
            | DocError::TooNew { id, .. } => id,
        }
    }
}

/// The schema version a document says it follows, checked before it is hydrated: its
/// [`KIND_KEY`] (if any) is `kind`, its [`VERSION_KEY`] (if any; else 1) a uint no newer than
/// [`SCHEMA_VERSION`].
pub fn schema_version<D: ReadDoc>(doc: &D, kind: RecordKind, id: &str) -> Result<u64, DocError> {
    use automerge::{ScalarValue, Value};
    let schema = |m: Mismatch| DocError::Schema { kind, id: id.to_string(), reason: m.to_string() };
    let found = |v: &Value<'_>| match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => format!("{:?}", crate::validation::excerpt(s)),
            ScalarValue::Uint(u) => u.to_string(),
            other => crate::schema::Shape::scalar_type_name(other).to_string(),
        },
        Value::Object(t) => crate::schema::Shape::object_type_name(*t).to_string(),
    };
    match doc.get(automerge::ROOT, KIND_KEY) {
        Ok(None) => {}
        Ok(Some((Value::Scalar(s), _))) if matches!(s.as_ref(), ScalarValue::Str(k) if k.as_str() == kind.name()) => {}
        Ok(Some((v, _))) => {
            return Err(schema(Mismatch { path: KIND_KEY.into(), expected: format!("{:?}", kind.name()), found: found(&v) }));
        }
        Err(e) => return Err(DocError::Corrupt { kind, id: id.to_string(), reason: e.to_string() }),
    }
    let uint = |v: &Value<'_>| match v {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Uint(n) => Some(*n),
            _ => None,
        },
        Value::Object(_) => None,
    };
    let version = match doc.get(automerge::ROOT, VERSION_KEY) {
        Ok(None) => 1,
        Ok(Some((v, _))) => {
            uint(&v).ok_or_else(|| schema(Mismatch { path: VERSION_KEY.into(), expected: "uint".into(), found: found(&v) }))?
        }
        Err(e) => return Err(DocError::Corrupt { kind, id: id.to_string(), reason: e.to_string() }),
    };
    if version > SCHEMA_VERSION {
        return Err(DocError::TooNew { kind, id: id.to_string(), version, known: SCHEMA_VERSION });
    }
    Ok(version)
}

/// Writes the record's kind and this code's schema version at the root, where they differ.
fn stamp_version(doc: &mut AutoCommit, kind: RecordKind) -> Result<(), automerge::AutomergeError> {
    use automerge::transaction::Transactable;
    use automerge::{ScalarValue, Value};
    let same = |doc: &AutoCommit, key: &str, want: &ScalarValue| matches!(doc.get(automerge::ROOT, key), Ok(Some((Value::Scalar(s), _))) if s.as_ref() == want);
    let name = ScalarValue::Str(kind.name().into());
    if !same(doc, KIND_KEY, &name) {
        doc.put(automerge::ROOT, KIND_KEY, name)?;
    }
    let version = ScalarValue::Uint(SCHEMA_VERSION);
    if !same(doc, VERSION_KEY, &version) {
        doc.put(automerge::ROOT, VERSION_KEY, version)?;
    }
    Ok(())
}

/// Why a document did not hydrate as `S`, with the field path when the schema finds it
/// ([`crate::schema::check`]), else autosurgeon's words.
fn explain<S: Described, D: ReadDoc>(doc: &D, e: HydrateError) -> String {
    match guarded(|| crate::schema::check(doc, &S::shape())) {
        Ok(Err(m)) => m.to_string(),
        _ => e.to_string(),
    }
}

/// Runs automerge on bytes from elsewhere. Some malformed chunks make automerge itself panic
/// (automerge 0.12 unwraps a truncated number in a bundle chunk: found by the `document` fuzz
/// target, `fuzz/regressions/document/`), so every read of untrusted bytes goes through here
/// and such bytes are an error like any other corrupt document, never a crash of the server
/// or the device. `f` works on values it creates (or on a fork) that are dropped on a panic.
/// The panic's message is not kept: it comes from automerge's internals, not from us.
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| "automerge failed on the bytes (malformed chunk)".to_string())
}

/// The automerge chunks a record may arrive in: a whole document (0), a change (1) or a
/// compressed change (2). Devices and the server save nothing else; a bundle chunk (3) is
/// refused before automerge parses it, since its columns are decoded in full as soon as it is
/// read: an 89-byte bundle claiming a run of billions of values took automerge 0.12 past 8 GiB
/// (found by the `document` fuzz target, `fuzz/regressions/document/`). Walks the chunk
/// headers only (magic, checksum, type, length); a length past the end is left to automerge,
/// which refuses it as truncated.
fn record_chunks_only(bytes: &[u8]) -> Result<(), String> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut at = 0usize;
    while at < bytes.len() {
        let header = &bytes[at..];
        if header.len() < 9 || header[..4] != MAGIC {
            return Ok(()); // not a chunk: automerge names the problem
        }
        let kind = header[8];
        if kind > 2 {
            return Err(format!("chunk at byte {at}: type {kind} is not a document or a change"));
        }
        let (mut len, mut shift, mut i) = (0u64, 0u32, 9usize);
        loop {
            let Some(&b) = header.get(i) else { return Ok(()) };
            i += 1;
            if shift > 63 {
                return Ok(());
            }
            len |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        match usize::try_from(len).ok().and_then(|l| (at + i).checked_add(l)) {
            Some(next) if next <= bytes.len() => at = next,
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// Untrusted bytes read by `f`: record chunks only ([`record_chunks_only`]), and a panic inside
/// automerge is an error ([`guarded`]).
fn read_untrusted<R>(bytes: &[u8], f: impl FnOnce() -> R) -> Result<R, String> {
    record_chunks_only(bytes)?;
    guarded(f)
}

/// Whether `bytes` are whole, well-formed automerge chunks (a document or changes). Changes whose
/// ancestors are elsewhere are fine here; [`RecordDoc::merge_bytes`] checks they arrive.
pub fn check_bytes(bytes: &[u8]) -> Result<(), String> {
    use automerge::{Automerge, AutomergeError, LoadOptions, OnPartialLoad, VerificationMode};
    let strict = LoadOptions::new().on_partial_load(OnPartialLoad::Error).verification_mode(VerificationMode::Check);
    match read_untrusted(bytes, || Automerge::load_with_options(bytes, strict).map(drop))? {
        Ok(()) | Err(AutomergeError::MissingDeps) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// [`check_bytes`] that keeps what it loaded: the document, or `None` when the bytes are
/// changes that build on changes they do not include (whole chunks, but not a whole document).
pub fn load_strict(bytes: &[u8]) -> Result<Option<AutoCommit>, String> {
    use automerge::{AutomergeError, LoadOptions, OnPartialLoad, VerificationMode};
    let strict = LoadOptions::new().on_partial_load(OnPartialLoad::Error).verification_mode(VerificationMode::Check);
    match read_untrusted(bytes, || AutoCommit::load_with_options(bytes, strict))? {
        Ok(doc) => Ok(Some(doc)),
        Err(AutomergeError::MissingDeps) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Untrusted bytes pushed as the record `id` of `kind`, checked before anything is looked up:
/// whole automerge chunks ([`load_strict`]: [`DocError::Corrupt`]) and, for a whole document,
/// the record its root `id` names is `id` ([`DocError::IdMismatch`]). Nothing here depends on
/// whether the record exists, so the answer cannot tell. What loaded is kept for the merge: the
/// document, or `None` for changes that build on changes they do not include.
///
/// Every check of untrusted document bytes that needs no stored state belongs here (the fuzz
/// targets `document` and `push_body` call this one function).
pub fn check_pushed(kind: RecordKind, id: &str, bytes: &[u8]) -> Result<Option<AutoCommit>, DocError> {
    let loaded = load_strict(bytes).map_err(|reason| DocError::Corrupt { kind, id: id.to_string(), reason })?;
    if let Some(found) = loaded.as_ref().and_then(root_id).filter(|found| found != id) {
        return Err(DocError::IdMismatch { kind, id: id.to_string(), found });
    }
    Ok(loaded)
}

/// The record id a document says it holds (its root `id`), if it has one as text.
pub fn root_id(doc: &AutoCommit) -> Option<String> {
    use automerge::ReadDoc;
    match doc.get(automerge::ROOT, "id") {
        Ok(Some((automerge::Value::Scalar(s), _))) => match s.as_ref() {
            automerge::ScalarValue::Str(id) => Some(id.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Reads only what a visit's index row is derived from ([`VisitIndexView`]) from document bytes:
/// a device storing a visit it received needs no more. Unreadable bytes, fields that do not fit
/// and a document holding another record are the same errors as [`RecordDoc::load`] gives.
pub fn load_visit_index(id: &str, bytes: &[u8]) -> Result<VisitIndexView, DocError> {
    load_visit_part(id, bytes, |v: &VisitIndexView| v.id)
}

/// A visit's searchable text ([`crate::VisitText`]) read from its document's bytes, hydrating
/// only the text fields: what a device indexes for search for a visit it received without
/// loading it. Checked like [`load_visit_index`].
pub fn load_visit_text(id: &str, bytes: &[u8]) -> Result<crate::VisitText, DocError> {
    load_visit_part(id, bytes, |v: &VisitTextView| v.id).map(|v| v.text())
}

/// Some fields of a visit, hydrated from untrusted bytes within the bounds; its id must be `id`.
fn load_visit_part<V: Hydrate>(id: &str, bytes: &[u8], id_of: impl Fn(&V) -> crate::VisitId) -> Result<V, DocError> {
    let kind = RecordKind::Visit;
    let corrupt = |reason: String| DocError::Corrupt { kind, id: id.to_string(), reason };
    let doc = read_untrusted(bytes, || automerge::Automerge::load(bytes)).map_err(corrupt)?.map_err(|e| corrupt(e.to_string()))?;
    schema_version(&doc, kind, id)?;
    let view: V = guarded(|| hydrate(&doc)).map_err(corrupt)?.map_err(|e| DocError::Schema {
        kind,
        id: id.to_string(),
        reason: explain::<VisitIndexView, _>(&doc, e),
    })?;
    let found = id_of(&view);
    if found.to_string() != id {
        return Err(DocError::IdMismatch { kind, id: id.to_string(), found: found.to_string() });
    }
    Ok(view)
}

/// A record's document with its hydrated value kept alongside.
#[derive(Debug)]
pub struct RecordDoc<T: Record> {
    doc: AutoCommit,
    value: T,
    /// The time the next changes are stamped with (unix seconds; 0: unknown).
    time: i64,
}

impl<T: Record> RecordDoc<T> {
    /// A new document holding `value`, changed by `actor`, its first change stamped with time 0
    /// (unknown): tests. Use [`create_at`](Self::create_at) where the time is known.
    pub fn create(value: T, actor: ActorId) -> Self {
        Self::create_at(value, actor, 0)
    }

    /// A new document holding `value`, changed by `actor` at `unix_secs` (the time its first
    /// change carries, and the time of later changes until [`at`](Self::at) says otherwise).
    pub fn create_at(value: T, actor: ActorId, unix_secs: i64) -> Self {
        let mut doc = AutoCommit::new().with_actor(actor);
        reconcile(&mut doc, &value).expect("reconciling into a fresh document cannot conflict");
        stamp_version(&mut doc, T::KIND).expect("writing root keys into a fresh document cannot fail");
        let message = format!("create {}", T::KIND.name());
        doc.commit_with(automerge::transaction::CommitOptions::default().with_message(message).with_time(unix_secs));
        RecordDoc { value: hydrate(&doc).expect("a document just reconciled from a value hydrates"), doc, time: unix_secs }
    }

    /// Stamps the changes made from now on with `unix_secs` (the caller's clock).
    pub fn at(&mut self, unix_secs: i64) -> &mut Self {
        self.time = unix_secs;
        self
    }

    fn commit(&mut self, what: &str) {
        let message = format!("{what} {}", T::KIND.name());
        self.doc.commit_with(automerge::transaction::CommitOptions::default().with_message(message).with_time(self.time));
    }

    /// Reads stored bytes of the record named `id`.
    pub fn load(id: &str, bytes: &[u8], actor: ActorId) -> Result<Self, DocError> {
        let corrupt = |reason: String| DocError::Corrupt { kind: T::KIND, id: id.to_string(), reason };
        let doc = read_untrusted(bytes, || AutoCommit::load(bytes)).map_err(corrupt)?.map_err(|e| corrupt(e.to_string()))?;
        Self::from_doc(id, doc.with_actor(actor))
    }

    /// The record named `id` from a document already loaded (by [`load_strict`]).
    pub fn from_loaded(id: &str, doc: AutoCommit, actor: ActorId) -> Result<Self, DocError> {
        Self::from_doc(id, doc.with_actor(actor))
    }

    fn from_doc(id: &str, doc: AutoCommit) -> Result<Self, DocError> {
        schema_version(&doc, T::KIND, id)?;
        let value: T = guarded(|| hydrate(&doc))
            .map_err(|reason| DocError::Corrupt { kind: T::KIND, id: id.to_string(), reason })?
            .map_err(|e| DocError::Schema { kind: T::KIND, id: id.to_string(), reason: explain::<T, _>(&doc, e) })?;
        if value.record_id() != id {
            return Err(DocError::IdMismatch { kind: T::KIND, id: id.to_string(), found: value.record_id() });
        }
        Ok(RecordDoc { doc, value, time: 0 })
    }

    /// The current value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Makes the document hold `value`, as a minimal change (autosurgeon diffs it), written in
    /// this code's schema version (a version-1 document is upgraded by its next change).
    ///
    /// `value` must come from this document's current [`value`](Self::value) (text fields remember
    /// the version they were read at); a value read before a merge is refused as
    /// [`DocError::Stale`] and nothing changes.
    pub fn replace(&mut self, value: T) -> Result<(), DocError> {
        if let Err(e) = reconcile(&mut self.doc, &value) {
            // Drop whatever the failed reconcile had applied: the document stays as it was.
            self.doc.rollback();
            return Err(DocError::Stale { kind: T::KIND, id: value.record_id(), reason: e.to_string() });
        }
        if let Err(e) = stamp_version(&mut self.doc, T::KIND) {
            self.doc.rollback();
            return Err(DocError::Stale { kind: T::KIND, id: value.record_id(), reason: e.to_string() });
        }
        self.commit("edit");
        self.value = hydrate(&self.doc).expect("a document just reconciled from a value hydrates");
        Ok(())
    }

    /// Changes the current value with `f` and records the change.
    pub fn change(&mut self, f: impl FnOnce(&mut T)) {
        let mut v = self.value.clone();
        f(&mut v);
        self.replace(v).expect("a value cloned from the current document is never stale");
    }

    /// Merges another replica's bytes (a whole document or changes). If the merged document does
    /// not fit the schema, nothing changes and the error says why.
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<(), DocError> {
        // automerge's incremental load skips a truncated or garbled tail; refuse it instead.
        check_bytes(bytes).map_err(|reason| DocError::Corrupt { kind: T::KIND, id: self.value.record_id(), reason })?;
        self.merge_into_fork(|candidate| candidate.load_incremental(bytes).map(|_| ()))
    }

    /// Merges a whole document already loaded (by [`load_strict`]). If the merged document does
    /// not fit the schema, nothing changes and the error says why.
    pub fn merge_loaded(&mut self, other: &mut AutoCommit) -> Result<(), DocError> {
        self.merge_into_fork(|candidate| candidate.merge(other).map(|_| ()))
    }

    /// Applies `merge` to a fork; the fork replaces this document only if it is whole and fits
    /// the schema.
    fn merge_into_fork(&mut self, merge: impl FnOnce(&mut AutoCommit) -> Result<(), automerge::AutomergeError>) -> Result<(), DocError> {
        let id = self.value.record_id();
        let corrupt = |reason: String| DocError::Corrupt { kind: T::KIND, id: id.clone(), reason };
        let actor = self.doc.get_actor().clone();
        let time = self.time;
        let mut candidate = self.doc.fork().with_actor(actor);
        let missing = guarded(|| merge(&mut candidate).map(|()| !candidate.get_missing_deps(&[]).is_empty()))
            .map_err(corrupt)?
            .map_err(|e| corrupt(e.to_string()))?;
        if missing {
            return Err(corrupt("the changes build on changes this copy does not have; send the whole document".into()));
        }
        *self = Self::from_doc(&id, candidate)?;
        self.time = time;
        Ok(())
    }

    /// Merges another in-memory replica.
    pub fn merge(&mut self, other: &mut RecordDoc<T>) -> Result<(), DocError> {
        let bytes = other.save();
        self.merge_bytes(&bytes)
    }

    /// The compact document bytes.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The current heads (identify this exact version).
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// The underlying automerge document.
    pub fn automerge(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visit::tests::respite;

    #[test]
    fn a_saved_visit_loads_back_equal() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let mut d = RecordDoc::create(v.clone(), ActorId::random());
        let bytes = d.save();
        let back = RecordDoc::<Visit>::load(&v.id.to_string(), &bytes, ActorId::random()).unwrap();
        assert_eq!(back.value(), &v);
    }

    #[test]
    fn the_index_view_read_from_bytes_gives_the_same_index_row_as_the_whole_visit() {
        let mut v = respite("2026-05-01T09:00", "2026-05-01T13:00");
        v.staff.push(crate::visit::StaffMember { role: crate::visit::StaffRole::Lead, id: "n9".into(), ..v.staff[0].clone() });
        let bytes = RecordDoc::create(v.clone(), ActorId::random()).save();
        let view = load_visit_index(&v.id.to_string(), &bytes).unwrap();
        let rules = crate::rules::MunicipalityRules::builtin("13105");
        assert_eq!(view, v.index_view());
        assert_eq!(view.summary(&rules), v.summary(&rules));
        assert_eq!(view.summary(&rules).uses, 2);
        assert!(matches!(load_visit_index("other", &bytes), Err(DocError::IdMismatch { .. })));
        assert!(matches!(load_visit_index(&v.id.to_string(), &bytes[..bytes.len() / 2]), Err(DocError::Corrupt { .. })));
    }

    #[test]
    fn the_text_read_from_bytes_is_the_whole_visits_text_in_its_order() {
        use crate::checklist::{CheckEntry, CheckStatus};
        let mut v = respite("2026-05-01T09:00", "2026-05-01T13:00");
        v.note.subjective = "S 夜間よく眠れた".into();
        v.note.plan = "P 次回も観察".into();
        v.care.push(crate::visit::CareGiven {
            id: "c1".into(),
            item: crate::score::CareItem::Ventilator,
            count: None,
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "回路の結露を除去".into(),
        });
        v.checklist.items.insert("oxygen".into(), CheckEntry { status: CheckStatus::Problem, note: "予備ボンベなし".into() });
        v.returned =
            Some(crate::visit::Returned { reason: "署名を追加".into(), by: "見本 事務".into(), at: v.actual_start.unwrap() });
        let bytes = RecordDoc::create(v.clone(), ActorId::random()).save();
        let text = load_visit_text(&v.id.to_string(), &bytes).unwrap();
        // S, P (O and A empty), the care note, the checklist note, the reason: one per line.
        assert_eq!(text.0, "S 夜間よく眠れた\nP 次回も観察\n回路の結露を除去\n予備ボンベなし\n署名を追加");
        assert_eq!(text, v.search_text());
        assert!(matches!(load_visit_text("other", &bytes), Err(DocError::IdMismatch { .. })));
        assert!(matches!(load_visit_text(&v.id.to_string(), &bytes[..bytes.len() / 2]), Err(DocError::Corrupt { .. })));
    }

    #[test]
    fn a_strict_load_keeps_the_document_and_merging_it_equals_merging_its_bytes() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let id = v.id.to_string();
        let mut a = RecordDoc::create(v, ActorId::random());
        let mut b = RecordDoc::<Visit>::load(&id, &a.save(), ActorId::random()).unwrap();
        b.change(|v| v.place = "学校".into());
        a.change(|v| v.note.plan.update("架空の計画"));
        let theirs = b.save();

        let mut by_bytes = RecordDoc::<Visit>::load(&id, &a.save(), ActorId::random()).unwrap();
        by_bytes.merge_bytes(&theirs).unwrap();
        let mut loaded = load_strict(&theirs).unwrap().expect("a whole document");
        a.merge_loaded(&mut loaded).unwrap();
        assert_eq!(a.value(), by_bytes.value());
        assert_eq!((a.value().place.as_str(), a.value().note.plan.as_str()), ("学校", "架空の計画"));

        let fresh = RecordDoc::<Visit>::from_loaded(&id, load_strict(&theirs).unwrap().unwrap(), ActorId::random()).unwrap();
        assert_eq!(fresh.value().place, "学校");
        assert!(load_strict(&theirs[..theirs.len() - 3]).is_err(), "a truncated tail is refused");
    }

    #[test]
    fn the_root_id_is_the_records_id() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let bytes = RecordDoc::create(v.clone(), ActorId::random()).save();
        let doc = load_strict(&bytes).unwrap().unwrap();
        assert_eq!(root_id(&doc), Some(v.id.to_string()));
        assert_eq!(root_id(&AutoCommit::new()), None);
    }

    #[test]
    fn a_panic_inside_the_guard_is_an_error_and_what_it_returns_passes_through() {
        assert_eq!(guarded(|| 7), Ok(7));
        let err = guarded(|| -> u8 { panic!("見本") }).unwrap_err();
        assert!(err.contains("automerge failed") && !err.contains("見本"), "{err}");
    }

    #[test]
    fn records_arrive_as_documents_and_changes_only() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let mut d = RecordDoc::create(v, ActorId::random());
        let whole = d.save();
        let before = d.heads();
        d.change(|v| v.place = "学校".into());
        let changes = d.automerge().save_after(&before);
        assert_eq!(record_chunks_only(&whole), Ok(()));
        assert_eq!(record_chunks_only(&[whole.clone(), changes.clone()].concat()), Ok(()));
        // The same chunk relabelled as a bundle (type 3) or an unknown type.
        for kind in [3u8, 9] {
            let mut other = changes.clone();
            other[8] = kind;
            let both = [whole.clone(), other].concat();
            assert_eq!(record_chunks_only(&both), Err(format!("chunk at byte {}: type {kind} is not a document or a change", whole.len())));
            assert!(check_bytes(&both).is_err());
        }
        // Not chunks at all: left to automerge, which refuses them.
        assert_eq!(record_chunks_only(b"not automerge"), Ok(()));
        assert!(load_strict(b"not automerge").is_err());
    }

    #[test]
    fn pushed_bytes_are_checked_whole_and_against_their_name() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let id = v.id.to_string();
        let mut d = RecordDoc::create(v, ActorId::random());
        let whole = d.save();
        let before = d.heads();
        d.change(|v| v.place = "学校".into());
        let tail = d.automerge().save_after(&before);

        let loaded = check_pushed(RecordKind::Visit, &id, &whole).unwrap().expect("a whole document");
        assert_eq!(root_id(&loaded), Some(id.clone()));
        assert!(check_pushed(RecordKind::Visit, &id, &tail).unwrap().is_none(), "changes without their ancestors load as None");
        let other = crate::ids::VisitId::random().to_string();
        assert!(matches!(check_pushed(RecordKind::Visit, &other, &whole), Err(DocError::IdMismatch { found, .. }) if found == id));
        let err = check_pushed(RecordKind::Child, "rec-1", &whole[..whole.len() - 3]).unwrap_err();
        assert!(matches!(&err, DocError::Corrupt { kind: RecordKind::Child, id, .. } if id == "rec-1"), "{err}");
    }

    #[test]
    fn truncated_bytes_name_the_record() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let bytes = RecordDoc::create(v.clone(), ActorId::random()).save();
        let err = RecordDoc::<Visit>::load("rec-1", &bytes[..bytes.len() / 2], ActorId::random()).unwrap_err();
        assert!(matches!(&err, DocError::Corrupt { id, .. } if id == "rec-1"), "{err}");
        assert!(err.to_string().contains("rec-1"));
    }

    #[test]
    fn a_value_read_before_a_merge_is_refused_as_stale_and_changes_nothing() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let mut a = RecordDoc::create(v.clone(), ActorId::random());
        let mut b = RecordDoc::<Visit>::load(&v.id.to_string(), &a.save(), ActorId::random()).unwrap();
        let old = a.value().clone();
        b.change(|v| v.note.subjective.update("朝から機嫌が良い"));
        a.merge(&mut b).unwrap();
        let heads = a.heads();
        let mut edited = old;
        edited.note.subjective.update("別の内容");
        let err = a.replace(edited).unwrap_err();
        assert!(matches!(err, DocError::Stale { .. }), "{err}");
        assert_eq!(a.heads(), heads);
        assert_eq!(a.value().note.subjective.as_str(), "朝から機嫌が良い");
    }

    #[test]
    fn merging_truncated_bytes_is_refused_and_changes_nothing() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let mut a = RecordDoc::create(v.clone(), ActorId::random());
        let mut b = RecordDoc::<Visit>::load(&v.id.to_string(), &a.save(), ActorId::random()).unwrap();
        b.change(|v| v.place = "学校".into());
        b.change(|v| v.note.plan.update("次回も同じ時間"));
        let whole = b.save();
        let before = a.heads();
        let err = a.merge_bytes(&whole[..whole.len() - 7]).unwrap_err();
        assert!(matches!(err, DocError::Corrupt { .. }), "{err}");
        assert_eq!(a.heads(), before);
        assert_eq!(a.value().place, "自宅");
    }

    #[test]
    fn changes_whose_ancestors_are_missing_are_refused() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let mut a = RecordDoc::create(v.clone(), ActorId::random());
        let mut b = RecordDoc::<Visit>::load(&v.id.to_string(), &a.save(), ActorId::random()).unwrap();
        b.change(|v| v.place = "学校".into());
        let middle = b.heads();
        b.change(|v| v.place = "病院".into());
        // Only the last change, without the one it builds on.
        let tail = b.automerge().save_after(&middle);
        let err = a.merge_bytes(&tail).unwrap_err();
        assert!(err.to_string().contains("build on"), "{err}");
        assert_eq!(a.value().place, "自宅");
    }

    #[test]
    fn a_document_of_another_shape_is_a_schema_error() {
        let mut doc = AutoCommit::new();
        use automerge::transaction::Transactable;
        doc.put(automerge::ROOT, "id", "not-a-uuid").unwrap();
        let err = RecordDoc::<Visit>::load("x", &doc.save(), ActorId::random()).unwrap_err();
        assert!(matches!(err, DocError::Schema { .. }), "{err}");
    }

    #[test]
    fn a_document_stored_under_another_name_is_refused() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let bytes = RecordDoc::create(v, ActorId::random()).save();
        let other = crate::ids::VisitId::random().to_string();
        assert!(matches!(RecordDoc::<Visit>::load(&other, &bytes, ActorId::random()), Err(DocError::IdMismatch { .. })));
    }
}
