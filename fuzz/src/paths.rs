//! The paths hostile bytes take through the domain, as the server and the device run them, for
//! the fuzz targets (`fuzz/fuzz_targets/`) and for the replay of their seeds and regression
//! fixtures under a plain `cargo test` (`crates/domain/tests/fuzz_regressions.rs` includes this
//! file). Only the domain, automerge and serde_json: no runtime, database or HTTP crate.
//!
//! Each function returns what became of the input; a panic anywhere is the bug the fuzzer finds.

use automerge::{ActorId, ChangeHash};
use carebook_domain::{
    builtin_templates, check_pushed, load_visit_index, ChangesResponse, Child, Date, DocError, MunicipalityRules, Problems, PushRequest,
    Record, RecordDoc, RecordKind, Visit, VisitContext,
};

/// The record the stored documents below hold: a fictional visit of the fictional child.
pub const VISIT_ID: &str = "f0220000-0000-4000-8000-000000000002";
/// The fictional child of the stored face sheet.
pub const CHILD_ID: &str = "f0220000-0000-4000-8000-000000000001";

/// The server's stored copy of the visit (`fuzz/stored/visit.automerge`, valid, submitted).
pub const STORED_VISIT: &[u8] = include_bytes!("../stored/visit.automerge");
/// The server's stored copy of the face sheet (`fuzz/stored/child.automerge`, valid).
pub const STORED_CHILD: &[u8] = include_bytes!("../stored/child.automerge");

/// The most operations a parent's confirmation may add (the server's `PARENT_MAX_OPS`).
const PARENT_MAX_OPS: usize = 256;

/// What became of one pushed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with this error code (`corrupt_record`, `schema_mismatch`, `invalid`, `forbidden`).
    Rejected(&'static str),
    /// The server already had every change.
    Unchanged,
    /// Merged, checked and valid: these bytes would be written.
    Accepted,
}

/// What the server checks of a record beyond [`Record`] (crates/server/src/push.rs `Guarded`).
pub trait Checked: Record {
    /// Every problem with the record, as the server validates it.
    fn problems(&self) -> Problems;
    /// The visit's index fields as the feed sends them beside the document.
    fn index_json(&self) -> Option<String>;
    /// The stored copy the fuzz inputs merge into.
    const STORED: &'static [u8];
    /// Its id.
    const ID: &'static str;
}

impl Checked for Visit {
    fn problems(&self) -> Problems {
        let rules = MunicipalityRules::builtin("13101");
        let templates = builtin_templates();
        self.validate(VisitContext { rules: &rules, templates: &templates, child_score: None })
    }
    fn index_json(&self) -> Option<String> {
        serde_json::to_string(&self.index_view()).ok()
    }
    const STORED: &'static [u8] = STORED_VISIT;
    const ID: &'static str = VISIT_ID;
}

impl Checked for Child {
    fn problems(&self) -> Problems {
        self.validate(Date::from_days_since_epoch(20_574)) // 2026-05-01
    }
    fn index_json(&self) -> Option<String> {
        None
    }
    const STORED: &'static [u8] = STORED_CHILD;
    const ID: &'static str = CHILD_ID;
}

fn code(e: &DocError) -> &'static str {
    match e {
        DocError::Corrupt { .. } => "corrupt_record",
        DocError::Schema { .. } | DocError::IdMismatch { .. } | DocError::Stale { .. } => "schema_mismatch",
        DocError::TooNew { .. } => "schema_too_new",
    }
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

/// One pushed document of type `T` named `id`, as the server's push runs it without its
/// storage: the untrusted bytes checked ([`check_pushed`]), merged into the stored copy if
/// there is one (or loaded as a new record), hydrated, the child unchanged, a parent's change
/// only under `guardian` and small (checked on the document), validated, saved.
pub fn push_document<T: Checked>(id: &str, bytes: &[u8], stored: Option<&[u8]>, parent: bool) -> Outcome {
    let loaded = match check_pushed(T::KIND, id, bytes) {
        Ok(loaded) => loaded,
        Err(e) => return Outcome::Rejected(code(&e)),
    };
    let actor = ActorId::random();
    let (mut doc, before) = match stored {
        Some(stored) => {
            let mut doc = RecordDoc::<T>::load(id, stored, actor).expect("the stored copy loads");
            let heads = sorted(doc.heads());
            let value = doc.value().clone();
            let merged = match loaded {
                Some(mut theirs) => doc.merge_loaded(&mut theirs),
                None => doc.merge_bytes(bytes),
            };
            if let Err(e) = merged {
                return Outcome::Rejected(code(&e));
            }
            (doc, Some((value, heads)))
        }
        None => {
            let doc = match loaded {
                Some(d) => RecordDoc::<T>::from_loaded(id, d, actor),
                None => RecordDoc::<T>::load(id, bytes, actor),
            };
            match doc {
                Ok(d) => (d, None),
                Err(e) => return Outcome::Rejected(code(&e)),
            }
        }
    };
    if !doc.automerge().get_missing_deps(&[]).is_empty() {
        return Outcome::Rejected("corrupt_record");
    }
    let heads = sorted(doc.heads());
    if let Some((old, old_heads)) = &before {
        if &heads == old_heads {
            return Outcome::Unchanged;
        }
        if old.child_id() != doc.value().child_id() {
            return Outcome::Rejected("invalid");
        }
        if parent && !only_guardian_ops(&mut doc, old_heads, &heads) {
            return Outcome::Rejected("forbidden");
        }
    } else if parent {
        return Outcome::Rejected("forbidden");
    }
    let problems = doc.value().problems();
    if !problems.is_empty() {
        // The reason the server sends back: every problem, each naming its field.
        let _ = problems.to_string();
        return Outcome::Rejected("invalid");
    }
    let _ = doc.value().index_json();
    let saved = doc.save();
    // What the server stores must load back as the same record.
    let back = RecordDoc::<T>::load(id, &saved, ActorId::random()).expect("a saved merge loads back");
    assert_eq!(back.value().record_id(), id);
    Outcome::Accepted
}

/// The server's document-level check of a parent's change (push.rs `only_guardian_ops`).
fn only_guardian_ops<T: Record>(doc: &mut RecordDoc<T>, before: &[ChangeHash], after: &[ChangeHash]) -> bool {
    let am = doc.automerge();
    let ops: usize = am.get_changes(before).iter().map(|c| c.len()).sum();
    if ops > PARENT_MAX_OPS {
        return false;
    }
    am.diff(before, after).iter().all(|p| match p.path.first() {
        Some((_, automerge::Prop::Map(key))) => key == "guardian",
        Some(_) => false,
        None => {
            matches!(&p.action, automerge::PatchAction::PutMap { key, .. } if key == "guardian")
                || matches!(&p.action, automerge::PatchAction::DeleteMap { key } if key == "guardian")
        }
    })
}

/// The `document` target: the first byte chooses the schema (bit 0: face sheet), whether the
/// server has a stored copy to merge into (bit 1) and whether a parent pushes (bit 2); the rest
/// is the pushed document.
pub fn document(data: &[u8]) -> Outcome {
    let Some((&flags, bytes)) = data.split_first() else {
        return Outcome::Rejected("corrupt_record");
    };
    let parent = flags & 4 != 0;
    if flags & 1 == 0 {
        push_document::<Visit>(VISIT_ID, bytes, (flags & 2 != 0).then_some(STORED_VISIT), parent)
    } else {
        push_document::<Child>(CHILD_ID, bytes, (flags & 2 != 0).then_some(STORED_CHILD), parent)
    }
}

/// The `push_body` target: a push request's JSON body as the server decodes it, then every
/// document through [`push_document`] (merged into the stored copy when it names it).
/// `None` when the body is not a push request (the server answers 400).
pub fn push_body(data: &[u8]) -> Option<Vec<Outcome>> {
    let req: PushRequest = serde_json::from_slice(data).ok()?;
    Some(
        req.documents
            .iter()
            .map(|p| match p.kind {
                RecordKind::Visit => push_document::<Visit>(&p.id, &p.bytes, (p.id == VISIT_ID).then_some(STORED_VISIT), false),
                RecordKind::Child => push_document::<Child>(&p.id, &p.bytes, (p.id == CHILD_ID).then_some(STORED_CHILD), false),
            })
            .collect(),
    )
}

/// What the device made of one document of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageDoc {
    /// Stored and indexed (new to the device, or merged into its copy).
    Stored,
    /// The device's copy already had every change.
    Unchanged,
    /// Not merged: the local copy stays (the error's code).
    Refused(&'static str),
}

/// The `page` target: a `/changes` answer as the device decodes it (crates/core `send` →
/// serde_json, then `store.rs` `prepare`): each document new to the device (a visit indexed from
/// the server's index fields when they name it, else from [`load_visit_index`]; a face sheet
/// loaded whole), and again merged into the device's copy (the stored documents above) as a
/// record it already holds. `None` when the body is not a page.
pub fn page(data: &[u8]) -> Option<Vec<(PageDoc, PageDoc)>> {
    let page: ChangesResponse = serde_json::from_slice(data).ok()?;
    Some(
        page.documents
            .into_iter()
            .map(|d| {
                let new = match d.kind {
                    RecordKind::Child => RecordDoc::<Child>::load(&d.id, &d.bytes, ActorId::random()).map(|_| ()),
                    RecordKind::Visit => match d.index.filter(|v| v.id.to_string() == d.id) {
                        Some(_) => Ok(()),
                        None => load_visit_index(&d.id, &d.bytes).map(|_| ()),
                    },
                };
                let new = match new {
                    Ok(()) => PageDoc::Stored,
                    Err(e) => PageDoc::Refused(code(&e)),
                };
                let mine = match d.kind {
                    RecordKind::Child => merged::<Child>(&d.bytes),
                    RecordKind::Visit => merged::<Visit>(&d.bytes),
                };
                (new, mine)
            })
            .collect(),
    )
}

/// The device's copy merged with the server's bytes (store.rs `merged`).
fn merged<T: Checked>(theirs: &[u8]) -> PageDoc {
    let mut doc = RecordDoc::<T>::load(T::ID, T::STORED, ActorId::random()).expect("the stored copy loads");
    let before = sorted(doc.heads());
    if let Err(e) = doc.merge_bytes(theirs) {
        return PageDoc::Refused(code(&e));
    }
    if sorted(doc.heads()) == before {
        return PageDoc::Unchanged;
    }
    let _ = doc.value().clone();
    let _ = doc.save();
    PageDoc::Stored
}
