//! A visit record (訪問看護記録書II): one automerge document per visit.
//!
//! Lists whose items two nurses may add at the same time (staff, vitals, care given, handover
//! topics) are keyed by an id, checklist entries by their template item, and the SOAP note is
//! automerge text, so concurrent edits on two tablets all survive a merge. Everything that could
//! be created concurrently (checklist, note, handover section) exists from the first change.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};

use crate::calendar::{Date, DateTime, FiscalYear};
use crate::checklist::{Checklist, ChecklistTemplate};
use crate::daytime::ProviderKind;
use crate::ids::{ChildId, VisitId};
use crate::rules::{check_daytime_care, daytime_short_day, daytime_warnings, MunicipalityRules};
use crate::schema::described;
use crate::score::CareItem;
use crate::validation::{excerpt, is_blank, labelled_enum, Problems};

/// The most characters of a code: a station or staff code, a list entry's merge key.
pub const CODE_MAX: usize = 64;
/// The most characters of a name (staff, station, guardian, sign-off) or of the place.
pub const NAME_MAX: usize = crate::child::NAME_MAX;
/// The most characters of each SOAP section (line breaks allowed).
pub const SOAP_MAX: usize = 10_000;
/// The most characters of a care entry's note or a handover topic's details (line breaks allowed).
pub const NOTE_MAX: usize = 4_000;
/// The most characters of a handover topic's title.
pub const TOPIC_MAX: usize = 200;
/// The most characters of the reason there is no guardian confirmation (line breaks allowed).
pub const REASON_MAX: usize = 1_000;
/// The most characters of a drawn signature's SVG path data (about 10,000 points).
pub const SIGNATURE_MAX: usize = 100_000;

labelled_enum! {
    /// What kind of visit.
    pub enum VisitKind {
        /// 訪問看護.
        Nursing = ("nursing", "訪問看護", "nursing visit"),
        /// 在宅レスパイト.
        Respite = ("respite", "在宅レスパイト", "respite"),
        /// 同行訪問（引継ぎ）.
        Handover = ("handover", "同行訪問（引継ぎ）", "accompanied handover visit"),
        /// 日中預かり.
        Daytime = ("daytime", "日中預かり", "daytime care"),
    }
}

labelled_enum! {
    /// How the visit ended.
    pub enum Outcome {
        /// 実施.
        Done = ("done", "実施", "done"),
        /// 不在.
        Absent = ("absent", "不在", "client absent"),
        /// キャンセル.
        Cancelled = ("cancelled", "キャンセル", "cancelled"),
    }
}

labelled_enum! {
    /// Where the record is in its life.
    pub enum VisitStatus {
        /// 下書き.
        Draft = ("draft", "下書き", "draft"),
        /// 提出済み.
        Submitted = ("submitted", "提出済み", "submitted"),
        /// 承認済み.
        Approved = ("approved", "承認済み", "approved"),
    }
}

labelled_enum! {
    /// A staff member's role on this visit.
    pub enum StaffRole {
        /// 担当（主）.
        Lead = ("lead", "担当", "lead"),
        /// 同行.
        Accompanying = ("accompanying", "同行", "accompanying"),
    }
}

labelled_enum! {
    /// Profession (職種).
    pub enum Profession {
        /// 看護師.
        Nurse = ("nurse", "看護師", "nurse"),
        /// 准看護師.
        AssociateNurse = ("associate_nurse", "准看護師", "associate nurse"),
        /// 保健師.
        PublicHealthNurse = ("public_health_nurse", "保健師", "public health nurse"),
        /// 理学療法士.
        Physiotherapist = ("physiotherapist", "理学療法士", "physiotherapist"),
        /// 作業療法士.
        OccupationalTherapist = ("occupational_therapist", "作業療法士", "occupational therapist"),
        /// 言語聴覚士.
        SpeechTherapist = ("speech_therapist", "言語聴覚士", "speech therapist"),
        /// 介護福祉士.
        CareWorker = ("care_worker", "介護福祉士", "care worker"),
        /// その他.
        Other = ("other", "その他", "other"),
    }
}

/// A visiting-nurse station (訪問看護ステーション).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct Station {
    /// Station code.
    pub id: String,
    /// Name.
    pub name: String,
}

/// Someone present on the visit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct StaffMember {
    /// Staff code (the merge key).
    #[key]
    pub id: String,
    /// Name.
    pub name: String,
    /// Profession.
    pub profession: Profession,
    /// Role on this visit.
    pub role: StaffRole,
    /// The station they belong to.
    pub station_id: String,
}

/// One set of vital signs; for children measured respiration → pulse → temperature → BP, SpO₂.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct VitalReading {
    /// Merge key.
    #[key]
    pub id: String,
    /// When measured.
    pub at: Option<DateTime>,
    /// Breaths per minute.
    pub respiration: Option<u32>,
    /// Beats per minute.
    pub pulse: Option<u32>,
    /// °C.
    pub temperature_c: Option<f64>,
    /// SpO₂ %.
    pub spo2: Option<u32>,
    /// Systolic mmHg.
    pub bp_systolic: Option<u32>,
    /// Diastolic mmHg.
    pub bp_diastolic: Option<u32>,
}

/// Care actually given, from the score items.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct CareGiven {
    /// Merge key.
    #[key]
    pub id: String,
    /// The item.
    pub item: CareItem,
    /// How many times (suction count …).
    pub count: Option<u32>,
    /// Volume, mL (feeding).
    pub amount_ml: Option<u32>,
    /// Pump rate, mL/h.
    pub rate_ml_per_h: Option<u32>,
    /// Oxygen, L/min.
    pub oxygen_l_per_min: Option<f64>,
    /// Free text: secretions, ventilator settings and alarms …
    pub note: String,
}

/// The SOAP note; each part is automerge text so two people typing both keep their words.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "SoapPlain"))]
pub struct SoapNote {
    /// S: what the family or child said.
    pub subjective: Text,
    /// O: what was observed.
    pub objective: Text,
    /// A: assessment.
    pub assessment: Text,
    /// P: plan.
    pub plan: Text,
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SoapNote"))]
struct SoapPlain {
    subjective: String,
    objective: String,
    assessment: String,
    plan: String,
}

impl Serialize for SoapNote {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SoapPlain {
            subjective: self.subjective.as_str().to_string(),
            objective: self.objective.as_str().to_string(),
            assessment: self.assessment.as_str().to_string(),
            plan: self.plan.as_str().to_string(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SoapNote {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = SoapPlain::deserialize(d)?;
        Ok(SoapNote {
            subjective: p.subjective.into(),
            objective: p.objective.into(),
            assessment: p.assessment.into(),
            plan: p.plan.into(),
        })
    }
}

/// A topic handed over on an accompanied visit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct HandoverTopic {
    /// Merge key.
    #[key]
    pub id: String,
    /// What: 吸引の手順, 抱っこの仕方, 緊急時対応 …
    pub topic: String,
    /// Details.
    pub detail: String,
}

/// A nurse's sign-off.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct SignOff {
    /// Staff code.
    pub staff_id: String,
    /// Name.
    pub name: String,
    /// When.
    pub at: DateTime,
}

/// The handover section of an accompanied visit (同行訪問): both stations, what was handed over,
/// and both nurses' sign-off.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct Handover {
    /// The experienced station handing the child over.
    pub from_station: Station,
    /// The station taking the child over.
    pub to_station: Station,
    /// Topics handed over.
    pub topics: Vec<HandoverTopic>,
    /// Sign-off by the nurse of the station handing over.
    pub from_sign_off: Option<SignOff>,
    /// Sign-off by the nurse of the station taking over.
    pub to_sign_off: Option<SignOff>,
}

/// The family's confirmation (保護者確認), or why there is none.
///
/// One shape everywhere: in the document, in JSON and in the TypeScript bindings it is a map
/// whose `kind` names the variant (`confirmed`, `not_confirmed`) beside the variant's fields.
/// Documents of schema version 1 stored it as autosurgeon's derive does (`{"Confirmed": {…}}`):
/// those still load, and the next change rewrites it in the one shape.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GuardianConfirmation {
    /// Confirmed by a guardian.
    Confirmed {
        /// Guardian's name.
        name: String,
        /// When.
        at: DateTime,
        /// The drawn signature as SVG path data (may be empty).
        signature: String,
    },
    /// No confirmation.
    NotConfirmed {
        /// Why.
        reason: String,
    },
}

const CONFIRMED: &str = "confirmed";
const NOT_CONFIRMED: &str = "not_confirmed";

impl Reconcile for GuardianConfirmation {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: autosurgeon::Reconciler>(&self, mut r: R) -> Result<(), R::Error> {
        use autosurgeon::reconcile::MapReconciler;
        let mut m = r.map()?;
        match self {
            GuardianConfirmation::Confirmed { name, at, signature } => {
                // Also drops a schema-version-1 `Confirmed`/`NotConfirmed` key.
                m.retain(|k, _| matches!(k, "kind" | "name" | "at" | "signature"))?;
                m.put("kind", CONFIRMED)?;
                m.put("name", name)?;
                m.put("at", at)?;
                m.put("signature", signature)?;
            }
            GuardianConfirmation::NotConfirmed { reason } => {
                m.retain(|k, _| matches!(k, "kind" | "reason"))?;
                m.put("kind", NOT_CONFIRMED)?;
                m.put("reason", reason)?;
            }
        }
        Ok(())
    }
}

/// The fields of `Confirmed` as schema version 1 stored them (under a `Confirmed` key).
#[derive(Hydrate)]
struct LegacyConfirmed {
    name: String,
    at: DateTime,
    signature: String,
}

/// The fields of `NotConfirmed` as schema version 1 stored them (under a `NotConfirmed` key).
#[derive(Hydrate)]
struct LegacyNotConfirmed {
    reason: String,
}

impl Hydrate for GuardianConfirmation {
    fn hydrate_map<D: autosurgeon::ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, autosurgeon::HydrateError> {
        use autosurgeon::{hydrate_prop, HydrateError};
        let has = |key: &str| matches!(doc.get(obj, key), Ok(Some(_)));
        if has("kind") {
            let kind: String = hydrate_prop(doc, obj, "kind")?;
            return match kind.as_str() {
                CONFIRMED => Ok(GuardianConfirmation::Confirmed {
                    name: hydrate_prop(doc, obj, "name")?,
                    at: hydrate_prop(doc, obj, "at")?,
                    signature: hydrate_prop(doc, obj, "signature")?,
                }),
                NOT_CONFIRMED => Ok(GuardianConfirmation::NotConfirmed { reason: hydrate_prop(doc, obj, "reason")? }),
                other => Err(HydrateError::unexpected("confirmed or not_confirmed", excerpt(other))),
            };
        }
        // Schema version 1.
        if has("Confirmed") {
            let LegacyConfirmed { name, at, signature } = hydrate_prop(doc, obj, "Confirmed")?;
            return Ok(GuardianConfirmation::Confirmed { name, at, signature });
        }
        if has("NotConfirmed") {
            let LegacyNotConfirmed { reason } = hydrate_prop(doc, obj, "NotConfirmed")?;
            return Ok(GuardianConfirmation::NotConfirmed { reason });
        }
        Err(HydrateError::unexpected("a guardian confirmation with a kind", "a map without one".into()))
    }
}

impl crate::schema::Described for GuardianConfirmation {
    fn shape() -> crate::schema::Shape {
        use crate::schema::{field, Shape, Tagged, Variant};
        fn every_variant_is_listed(g: &GuardianConfirmation) {
            match g {
                GuardianConfirmation::Confirmed { name: _, at: _, signature: _ } | GuardianConfirmation::NotConfirmed { reason: _ } => {}
            }
        }
        let _ = every_variant_is_listed;
        Shape::Tagged(Tagged {
            tag: "kind",
            variants: vec![
                Variant {
                    name: CONFIRMED,
                    legacy: "Confirmed",
                    fields: vec![
                        field("name", |v: &LegacyConfirmed| &v.name),
                        field("at", |v: &LegacyConfirmed| &v.at),
                        field("signature", |v: &LegacyConfirmed| &v.signature),
                    ],
                },
                Variant { name: NOT_CONFIRMED, legacy: "NotConfirmed", fields: vec![field("reason", |v: &LegacyNotConfirmed| &v.reason)] },
            ],
        })
    }
}

/// A visit record.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct Visit {
    /// Id.
    pub id: VisitId,
    /// The child.
    pub child_id: ChildId,
    /// The station providing the visit.
    pub station: Station,
    /// Kind.
    pub kind: VisitKind,
    /// Place: 自宅, 学校 …
    pub place: String,
    /// Planned start.
    pub scheduled_start: Option<DateTime>,
    /// Planned end.
    pub scheduled_end: Option<DateTime>,
    /// Actual start.
    pub actual_start: Option<DateTime>,
    /// Actual end.
    pub actual_end: Option<DateTime>,
    /// How it ended.
    pub outcome: Outcome,
    /// Who was there.
    pub staff: Vec<StaffMember>,
    /// Vital signs.
    pub vitals: Vec<VitalReading>,
    /// Care given.
    pub care: Vec<CareGiven>,
    /// SOAP note.
    pub note: SoapNote,
    /// Equipment checklist (template id empty when none was used).
    pub checklist: Checklist,
    /// Handover section (accompanied visits only).
    pub handover: Option<Handover>,
    /// Guardian confirmation.
    pub guardian: Option<GuardianConfirmation>,
    /// Draft → submitted → approved.
    pub status: VisitStatus,
    /// Why the office sent it back to the nurse (差し戻し), while it waits to be submitted again
    /// (schema version 4: absent in older documents, read as none).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub returned: Option<Returned>,
    /// The kind of medical institution that gave a daytime-care day (病院, 診療所,
    /// 介護老人保健施設, 介護医療院); none for other kinds. Schema version 5: absent in older
    /// documents, read as none (the daytime claim lists such a day apart, `no_provider`).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub provider: Option<ProviderKind>,
}

/// The office sending a submitted record back to the nurse (差し戻し), and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Reconcile, Hydrate)]
pub struct Returned {
    /// What to fix.
    pub reason: String,
    /// Who sent it back (their name).
    pub by: String,
    /// When.
    pub at: DateTime,
}

/// The fields of a visit its index row is derived from, and nothing else. Hydrating this from a
/// document (autosurgeon reads only these keys) costs a fraction of hydrating the whole visit:
/// a device storing a visit it received uses it to write the index row without reading the
/// notes, vitals, care and checklist it does not need for that. The server sends it beside
/// each visit it sends, so a device storing a visit new to it need not load the document.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Serialize, Deserialize)]
pub struct VisitIndexView {
    /// Id.
    pub id: VisitId,
    /// The child.
    pub child_id: ChildId,
    /// The station (its code only).
    pub station: StationRef,
    /// Kind.
    pub kind: VisitKind,
    /// Planned start.
    pub scheduled_start: Option<DateTime>,
    /// Actual start.
    pub actual_start: Option<DateTime>,
    /// Actual end.
    pub actual_end: Option<DateTime>,
    /// How it ended.
    pub outcome: Outcome,
    /// Who was there (role and name).
    pub staff: Vec<StaffRoleRef>,
    /// Whether a guardian confirmed it (the confirmation's kind only, never the signature).
    /// Required on the wire (`Option::deserialize`), so an index view stored by an older server
    /// without it fails to parse and the device reads the document instead of trusting a gap.
    #[serde(deserialize_with = "Option::deserialize")]
    pub guardian: Option<GuardianFlag>,
    /// The office's 差し戻し, while it stands (required on the wire like `guardian`).
    #[serde(deserialize_with = "Option::deserialize")]
    pub returned: Option<Returned>,
    /// Status.
    pub status: VisitStatus,
}

/// Whether a guardian confirmation says confirmed, read from its `kind` alone (or the schema
/// version 1 key) without the name, time or drawn signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianFlag {
    /// Confirmed (`confirmed`), not `not_confirmed`.
    pub confirmed: bool,
}

impl Hydrate for GuardianFlag {
    fn hydrate_map<D: autosurgeon::ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, autosurgeon::HydrateError> {
        let has = |key: &str| matches!(doc.get(obj, key), Ok(Some(_)));
        if has("kind") {
            let kind: String = autosurgeon::hydrate_prop(doc, obj, "kind")?;
            return Ok(GuardianFlag { confirmed: kind == CONFIRMED });
        }
        Ok(GuardianFlag { confirmed: has("Confirmed") })
    }
}

impl crate::schema::Described for GuardianFlag {
    fn shape() -> crate::schema::Shape {
        GuardianConfirmation::shape()
    }
}

/// What the office's review row shows of a visit besides its summary, derived with it from the
/// same [`VisitIndexView`] so a list never loads the documents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewFacts {
    /// Staff names, lead first.
    pub staff_names: Vec<String>,
    /// The first lead's name (empty when the record names no lead).
    pub lead: String,
    /// A guardian confirmed it.
    pub confirmed: bool,
    /// The office's 差し戻し, while it stands.
    pub returned: Option<Returned>,
    /// A respite session outside the municipality's shortest and longest use.
    pub respite_length: bool,
    /// A daytime-care day under 8 continuous hours.
    pub short_day: bool,
}

/// A station's code, as [`VisitIndexView`] reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Serialize, Deserialize)]
pub struct StationRef {
    /// Station code.
    pub id: String,
}

/// A staff member's role and name, as [`VisitIndexView`] reads them.
#[derive(Debug, Clone, PartialEq, Eq, Hydrate, Serialize, Deserialize)]
pub struct StaffRoleRef {
    /// Role on the visit.
    pub role: StaffRole,
    /// Name as written on the record.
    pub name: String,
}

/// Uses a visit counts as: a respite visit one per lead nurse sent (at least one), others one.
fn uses_of(kind: VisitKind, roles: impl Iterator<Item = StaffRole>) -> u32 {
    match kind {
        VisitKind::Respite => (roles.filter(|r| *r == StaffRole::Lead).count() as u32).max(1),
        _ => 1,
    }
}

impl VisitIndexView {
    /// The index row ([`Visit::summary`] is this of the whole visit).
    pub fn summary(&self, rules: &MunicipalityRules) -> VisitSummary {
        let start = self.actual_start.or(self.scheduled_start);
        let date = start.map(|s| s.date);
        let done = self.outcome == Outcome::Done;
        let duration = match (done, self.actual_start, self.actual_end) {
            (true, Some(a), Some(b)) => a.minutes_until(b).clamp(0, 24 * 60) as u32,
            _ => 0,
        };
        let uses = uses_of(self.kind, self.staff.iter().map(|s| s.role));
        let billable =
            if self.kind == VisitKind::Respite && done { rules.respite_count(duration.into(), uses).billable_minutes } else { 0 };
        VisitSummary {
            id: self.id,
            child_id: self.child_id,
            kind: self.kind,
            station_id: self.station.id.clone(),
            date,
            start,
            fiscal_year: date.map(Date::fiscal_year),
            duration_minutes: duration,
            billable_minutes: billable,
            uses,
            outcome: self.outcome,
            status: self.status,
        }
    }

    /// The review row's facts, by `rules` (the same rules as [`VisitIndexView::summary`]).
    pub fn review(&self, rules: &MunicipalityRules) -> ReviewFacts {
        let mut staff: Vec<&StaffRoleRef> = self.staff.iter().collect();
        staff.sort_by_key(|m| m.role != StaffRole::Lead);
        let done = done_minutes(self.outcome, self.actual_start, self.actual_end);
        ReviewFacts {
            lead: self.staff.iter().find(|m| m.role == StaffRole::Lead).map(|m| m.name.clone()).unwrap_or_default(),
            staff_names: staff.into_iter().map(|m| m.name.clone()).collect(),
            confirmed: self.guardian.is_some_and(|g| g.confirmed),
            returned: self.returned.clone(),
            respite_length: respite_length(self.kind, done, rules),
            short_day: short_day(self.kind, done),
        }
    }
}

/// A respite session of `done` minutes outside the municipality's shortest and longest use.
fn respite_length(kind: VisitKind, done: Option<i64>, rules: &MunicipalityRules) -> bool {
    kind == VisitKind::Respite && done.is_some_and(|m| rules.respite_outside_limits(m))
}

/// A daytime-care day of `done` minutes under 8 continuous hours.
fn short_day(kind: VisitKind, done: Option<i64>) -> bool {
    kind == VisitKind::Daytime && done.is_some_and(daytime_short_day)
}

/// The actual length of a visit that took place, when both ends are recorded.
fn done_minutes(outcome: Outcome, start: Option<DateTime>, end: Option<DateTime>) -> Option<i64> {
    if outcome != Outcome::Done {
        return None;
    }
    Some(start?.minutes_until(end?))
}

/// What a visit is checked against.
#[derive(Debug, Clone, Copy)]
pub struct VisitContext<'a> {
    /// The child's municipality's rules.
    pub rules: &'a MunicipalityRules,
    /// The checklist templates known to the device.
    pub templates: &'a [ChecklistTemplate],
    /// The child's medical-care score ([`crate::Child::known_score`]); `None` when it is not
    /// known (no face sheet, or no score items on it), which refuses a daytime visit.
    pub child_score: Option<u32>,
}

/// Another visit of the same child as the device knows it (from its index): when it took place.
/// [`Visit::warnings`] names it when a respite session overlaps it; the domain reads no store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherVisit {
    /// Its id (the visit itself, if passed, is left out).
    pub id: VisitId,
    /// Its kind.
    pub kind: VisitKind,
    /// Actual start.
    pub start: DateTime,
    /// Actual end.
    pub end: DateTime,
}

/// A span for people: `12月2日 10:00〜12:00` (`12月2日 22:00〜12月3日 02:00` across midnight).
fn span_ja(s: DateTime, e: DateTime) -> String {
    if s.date == e.date {
        format!("{}〜{}", s.ja(), e.time)
    } else {
        format!("{}〜{}", s.ja(), e.ja())
    }
}

/// A span for people, in English: `2 Dec 10:00–12:00`.
fn span_en(s: DateTime, e: DateTime) -> String {
    if s.date == e.date {
        format!("{}–{}", s.en(), e.time)
    } else {
        format!("{} – {}", s.en(), e.en())
    }
}

/// The plain columns the store indexes for lists and sums; always derived from the document.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitSummary {
    /// Id.
    pub id: VisitId,
    /// The child.
    pub child_id: ChildId,
    /// Kind.
    pub kind: VisitKind,
    /// Station code.
    pub station_id: String,
    /// The day it took place (actual start, else scheduled start).
    pub date: Option<Date>,
    /// Start (actual, else scheduled), for ordering.
    pub start: Option<DateTime>,
    /// The fiscal year of `date`.
    pub fiscal_year: Option<FiscalYear>,
    /// Actual length, minutes (0 when not done).
    pub duration_minutes: u32,
    /// Minutes counted against the respite cap (respite, done): `MunicipalityRules::respite_count`
    /// of the actual length — whole units, at most the longest use, none under the shortest — ×
    /// nurses sent.
    pub billable_minutes: u32,
    /// Uses it counts as (respite: the number of lead nurses sent).
    pub uses: u32,
    /// Outcome.
    pub outcome: Outcome,
    /// Status.
    pub status: VisitStatus,
}

fn vital_range(p: &mut Problems, field: String, value: Option<f64>, lo: f64, hi: f64, ja: &str) {
    if let Some(v) = value {
        if !(lo..=hi).contains(&v) || v.is_nan() {
            p.push(
                field.clone(),
                "vital_range",
                format!("{ja} {v} は範囲外です（{lo}〜{hi}）"),
                format!("{} {v} is outside {lo}–{hi}", field.rsplit('.').next().unwrap_or(&field)),
            );
        }
    }
}

/// A drawn signature is SVG path data: at most [`SIGNATURE_MAX`] characters of path commands,
/// numbers, spaces and commas (what the signature pad writes: `M 12 30 L 14 31 …`).
fn check_signature(p: &mut Problems, path: &str) {
    let n = path.chars().count();
    if n > SIGNATURE_MAX {
        p.push(
            "guardian.signature",
            "too_long",
            format!("サインのデータが大きすぎます（{SIGNATURE_MAX}文字以内、{n}文字）"),
            format!("the drawn signature's path data must be at most {SIGNATURE_MAX} characters, got {n}"),
        );
    } else if let Some(c) = path.chars().find(|c| !(c.is_ascii_digit() || " ,.+-eE".contains(*c) || "MmLlHhVvCcSsQqTtAaZz".contains(*c))) {
        p.push(
            "guardian.signature",
            "signature_path",
            format!("サインのデータは SVG のパス（M・L などの命令と数字）のみです（U+{:04X} は使えません）", c as u32),
            format!("the drawn signature must be SVG path data (commands such as M and L, numbers), not U+{:04X}", c as u32),
        );
    }
}

impl Visit {
    /// The day whose settings apply to the visit (the version of its municipality's settings
    /// and of the templates in force then): the day it started, else the day it was planned
    /// for, else `today` (a draft with no time yet).
    pub fn rule_date(&self, today: Date) -> Date {
        self.actual_start.or(self.scheduled_start).map_or(today, |t| t.date)
    }

    /// A new draft with the sections that must exist from the first change.
    pub fn new(child_id: ChildId, kind: VisitKind, station: Station) -> Visit {
        Visit {
            id: VisitId::random(),
            child_id,
            station,
            kind,
            place: "自宅".into(),
            scheduled_start: None,
            scheduled_end: None,
            actual_start: None,
            actual_end: None,
            outcome: Outcome::Done,
            staff: vec![],
            vitals: vec![],
            care: vec![],
            note: SoapNote::default(),
            checklist: Checklist::default(),
            handover: (kind == VisitKind::Handover).then(Handover::default),
            guardian: None,
            status: VisitStatus::Draft,
            returned: None,
            provider: None,
        }
    }

    /// Actual length in minutes, when both ends are recorded.
    pub fn duration_minutes(&self) -> Option<i64> {
        Some(self.actual_start?.minutes_until(self.actual_end?))
    }

    /// The number of uses a respite visit counts as: each lead nurse sent is one use.
    pub fn uses(&self) -> u32 {
        uses_of(self.kind, self.staff.iter().map(|s| s.role))
    }

    /// The index row.
    pub fn summary(&self, rules: &MunicipalityRules) -> VisitSummary {
        self.index_view().summary(rules)
    }

    /// What the index is derived from (see [`VisitIndexView`]).
    pub fn index_view(&self) -> VisitIndexView {
        VisitIndexView {
            id: self.id,
            child_id: self.child_id,
            station: StationRef { id: self.station.id.clone() },
            kind: self.kind,
            scheduled_start: self.scheduled_start,
            actual_start: self.actual_start,
            actual_end: self.actual_end,
            outcome: self.outcome,
            staff: self.staff.iter().map(|s| StaffRoleRef { role: s.role, name: s.name.clone() }).collect(),
            guardian: self.guardian.as_ref().map(|g| GuardianFlag { confirmed: matches!(g, GuardianConfirmation::Confirmed { .. }) }),
            returned: self.returned.clone(),
            status: self.status,
        }
    }

    /// Every problem with the record. Drafts may be incomplete; a submitted or approved record
    /// must also carry the sign-offs and the guardian confirmation.
    pub fn validate(&self, ctx: VisitContext<'_>) -> Problems {
        let mut p = Problems::new();
        self.check_text(&mut p);
        self.check_times(&mut p);
        self.check_staff(&mut p);
        self.check_vitals(&mut p);
        for (i, c) in self.care.iter().enumerate() {
            if let Some(o2) = c.oxygen_l_per_min {
                vital_range(&mut p, format!("care[{i}].oxygen_l_per_min"), Some(o2), 0.0, 15.0, "酸素流量");
            }
            if c.id.is_empty() {
                p.push(format!("care[{i}].id"), "required", "ケア項目のIDがありません", "a care entry has no id");
            }
        }
        if !self.checklist.template_id.is_empty() || !self.checklist.items.is_empty() {
            p.extend_prefixed("checklist", self.checklist.validate_against(ctx.templates));
        }
        self.check_handover(&mut p);
        self.check_guardian(&mut p);
        self.check_provider(&mut p);
        if self.kind == VisitKind::Daytime {
            p.0.extend(check_daytime_care(ctx.child_score).0);
        }
        p
    }

    /// A daytime-care record names the kind of institution once it is submitted; no other kind
    /// of visit names one.
    fn check_provider(&self, p: &mut Problems) {
        match (self.kind, self.provider) {
            (VisitKind::Daytime, None) if self.status != VisitStatus::Draft => {
                let expected = ProviderKind::ALL.iter().map(|k| k.label().ja).collect::<Vec<_>>().join("・");
                let expected_en = ProviderKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ");
                p.push(
                    "provider",
                    "required",
                    format!("日中預かりの実施機関の種別を選んでください（{expected}）"),
                    format!("a daytime-care record needs the kind of institution: one of {expected_en}"),
                );
            }
            (kind, Some(_)) if kind != VisitKind::Daytime => {
                p.push(
                    "provider",
                    "only_daytime",
                    "実施機関の種別は日中預かりの記録にだけ記入します",
                    "the kind of institution belongs to daytime-care records only",
                );
            }
            _ => {}
        }
    }

    /// What the nurse and the office should look at, though nothing stops the record being
    /// saved: a vital-sign reading timed before the actual start or after the actual end (ends
    /// included; a visit across midnight compares the full date and time); and, for a visit that
    /// took place with both actual times, a respite session whose length the rules count
    /// otherwise (outside 2–4 h, or not whole units — [`MunicipalityRules::respite_warnings`]), a
    /// respite session overlapping another visit of the same child (`others`: what the device
    /// knows of them; touching ends do not overlap), and a daytime-care day under 8 hours
    /// ([`crate::rules::daytime_warnings`]).
    pub fn warnings(&self, rules: &MunicipalityRules, others: &[OtherVisit]) -> Problems {
        let mut p = Problems::new();
        self.warn_vital_times(&mut p);
        let Some(minutes) = self.done_minutes() else { return p };
        match self.kind {
            VisitKind::Respite => {
                p.0.extend(rules.respite_warnings(minutes, "actual_end").0);
                self.warn_overlaps(&mut p, others);
            }
            VisitKind::Daytime => p.0.extend(daytime_warnings(minutes, "actual_end").0),
            _ => {}
        }
        p
    }

    /// A reading timed outside the visit's actual times (`vitals[i].at`).
    fn warn_vital_times(&self, p: &mut Problems) {
        for (i, v) in self.vitals.iter().enumerate() {
            let Some(at) = v.at else { continue };
            if let Some(s) = self.actual_start.filter(|s| at < *s) {
                p.push(
                    format!("vitals[{i}].at"),
                    "vital_time",
                    format!("バイタル{}件目の測定時刻（{}）が訪問の開始（{}）より前です", i + 1, at.ja(), s.ja()),
                    format!("vital reading {} was taken at {}, before the visit started ({})", i + 1, at.en(), s.en()),
                );
            } else if let Some(e) = self.actual_end.filter(|e| at > *e) {
                p.push(
                    format!("vitals[{i}].at"),
                    "vital_time",
                    format!("バイタル{}件目の測定時刻（{}）が訪問の終了（{}）より後です", i + 1, at.ja(), e.ja()),
                    format!("vital reading {} was taken at {}, after the visit ended ({})", i + 1, at.en(), e.en()),
                );
            }
        }
    }

    /// Another visit of the same child overlapping this one's actual times.
    fn warn_overlaps(&self, p: &mut Problems, others: &[OtherVisit]) {
        let (Some(s), Some(e)) = (self.actual_start, self.actual_end) else { return };
        for o in others.iter().filter(|o| o.id != self.id && o.start < e && s < o.end) {
            let kind = o.kind.label();
            p.push(
                "actual_start",
                "respite_overlap",
                format!("同じお子さんの別の記録（{} {}）と時間が重なっています", span_ja(o.start, o.end), kind.ja),
                format!("this respite session overlaps another visit of the same child ({}, {})", span_en(o.start, o.end), kind.en),
            );
        }
    }

    /// A respite session whose length is outside the municipality's shortest and longest use
    /// (counted as nothing, or as the longest): the office's `respite_length` flag.
    pub fn respite_length_flag(&self, rules: &MunicipalityRules) -> bool {
        respite_length(self.kind, self.done_minutes(), rules)
    }

    /// A daytime-care day shorter than 8 continuous hours: the office's `short_day` flag.
    pub fn short_day_flag(&self) -> bool {
        short_day(self.kind, self.done_minutes())
    }

    /// The actual length of a visit that took place, when both ends are recorded.
    fn done_minutes(&self) -> Option<i64> {
        done_minutes(self.outcome, self.actual_start, self.actual_end)
    }

    /// Every free-text field: bounded, no control characters (line breaks only in notes), no
    /// bidirectional overrides. The checklist's own text is checked with the checklist.
    fn check_text(&self, p: &mut Problems) {
        p.text("station.id", &self.station.id, CODE_MAX, false);
        p.text("station.name", &self.station.name, NAME_MAX, false);
        p.text("place", &self.place, NAME_MAX, false);
        for (i, s) in self.staff.iter().enumerate() {
            p.text(&format!("staff[{i}].id"), &s.id, CODE_MAX, false);
            p.text(&format!("staff[{i}].name"), &s.name, NAME_MAX, false);
            p.text(&format!("staff[{i}].station_id"), &s.station_id, CODE_MAX, false);
        }
        for (i, v) in self.vitals.iter().enumerate() {
            p.text(&format!("vitals[{i}].id"), &v.id, CODE_MAX, false);
        }
        for (i, c) in self.care.iter().enumerate() {
            p.text(&format!("care[{i}].id"), &c.id, CODE_MAX, false);
            p.text(&format!("care[{i}].note"), &c.note, NOTE_MAX, true);
        }
        for (section, text) in [
            ("subjective", &self.note.subjective),
            ("objective", &self.note.objective),
            ("assessment", &self.note.assessment),
            ("plan", &self.note.plan),
        ] {
            p.text(&format!("note.{section}"), text.as_str(), SOAP_MAX, true);
        }
        if let Some(h) = &self.handover {
            for (field, st) in [("handover.from_station", &h.from_station), ("handover.to_station", &h.to_station)] {
                p.text(&format!("{field}.id"), &st.id, CODE_MAX, false);
                p.text(&format!("{field}.name"), &st.name, NAME_MAX, false);
            }
            for (i, t) in h.topics.iter().enumerate() {
                p.text(&format!("handover.topics[{i}].id"), &t.id, CODE_MAX, false);
                p.text(&format!("handover.topics[{i}].topic"), &t.topic, TOPIC_MAX, false);
                p.text(&format!("handover.topics[{i}].detail"), &t.detail, NOTE_MAX, true);
            }
            for (field, sign) in [("handover.from_sign_off", &h.from_sign_off), ("handover.to_sign_off", &h.to_sign_off)] {
                if let Some(s) = sign {
                    p.text(&format!("{field}.staff_id"), &s.staff_id, CODE_MAX, false);
                    p.text(&format!("{field}.name"), &s.name, NAME_MAX, false);
                }
            }
        }
        match &self.guardian {
            Some(GuardianConfirmation::Confirmed { name, signature, .. }) => {
                p.text("guardian.name", name, NAME_MAX, false);
                check_signature(p, signature);
            }
            Some(GuardianConfirmation::NotConfirmed { reason }) => p.text("guardian.reason", reason, REASON_MAX, true),
            None => {}
        }
    }

    fn check_times(&self, p: &mut Problems) {
        if let (Some(s), Some(e)) = (self.scheduled_start, self.scheduled_end) {
            if e <= s {
                p.push(
                    "scheduled_end",
                    "time_order",
                    format!("予定の終了（{}）を予定の開始（{}）より後にしてください", e.ja(), s.ja()),
                    format!("the scheduled end ({}) must be after the scheduled start ({})", e.en(), s.en()),
                );
            }
        }
        if self.actual_start.is_none() && self.scheduled_start.is_none() {
            p.push(
                "actual_start",
                "required",
                "訪問日時（予定または実績）を入力してください",
                "the visit has neither an actual nor a scheduled start",
            );
        }
        if self.outcome != Outcome::Done {
            return;
        }
        let (Some(s), Some(e)) = (self.actual_start, self.actual_end) else {
            let field = if self.actual_start.is_none() { "actual_start" } else { "actual_end" };
            if self.status != VisitStatus::Draft {
                p.push(field, "required", "実施した訪問には開始・終了時刻が必要です", format!("a visit that took place needs its {field}"));
            }
            return;
        };
        let minutes = s.minutes_until(e);
        if minutes <= 0 {
            p.push(
                "actual_end",
                "time_order",
                format!("終了時刻（{}）を開始時刻（{}）より後にしてください。同じ分に終わった訪問は、終了を1分後にしてください", e.ja(), s.ja()),
                format!(
                    "the end time ({}) must be after the start time ({}); for a visit that ended within the minute, set the end a minute later",
                    e.en(),
                    s.en()
                ),
            );
            return;
        }
        if minutes > 24 * 60 {
            p.push(
                "actual_end",
                "too_long",
                format!("訪問が24時間を超えています（{}〜{}）", s.ja(), e.ja()),
                format!("a visit from {} to {} is longer than 24 hours", s.en(), e.en()),
            );
        }
        // A respite session outside 2–4 h and a daytime day under 8 h are recorded as they
        // happened: warnings (`Visit::warnings`), not problems.
    }

    fn check_staff(&self, p: &mut Problems) {
        if self.staff.is_empty() {
            p.push("staff", "required", "訪問者を1人以上入力してください", "no staff member is recorded");
        } else if !self.staff.iter().any(|s| s.role == StaffRole::Lead) {
            p.push("staff", "lead_required", "担当の看護師がいません", "no staff member has the lead role");
        }
        for (i, s) in self.staff.iter().enumerate() {
            if is_blank(&s.id) || is_blank(&s.name) {
                p.push(
                    format!("staff[{i}]"),
                    "required",
                    "訪問者のIDと氏名を入力してください",
                    format!("staff member {i} lacks an id or a name"),
                );
            }
            if self.staff[..i].iter().any(|o| o.id == s.id) {
                p.push(
                    format!("staff[{i}].id"),
                    "duplicate",
                    format!("訪問者「{}」が2回入力されています", excerpt(&s.id)),
                    format!("staff member \"{}\" is listed twice", excerpt(&s.id)),
                );
            }
        }
    }

    fn check_vitals(&self, p: &mut Problems) {
        for (i, v) in self.vitals.iter().enumerate() {
            let f = |n: &str| format!("vitals[{i}].{n}");
            vital_range(p, f("respiration"), v.respiration.map(f64::from), 5.0, 120.0, "呼吸数");
            vital_range(p, f("pulse"), v.pulse.map(f64::from), 30.0, 250.0, "脈拍");
            vital_range(p, f("temperature_c"), v.temperature_c, 30.0, 43.0, "体温");
            vital_range(p, f("spo2"), v.spo2.map(f64::from), 50.0, 100.0, "SpO2");
            vital_range(p, f("bp_systolic"), v.bp_systolic.map(f64::from), 40.0, 250.0, "収縮期血圧");
            vital_range(p, f("bp_diastolic"), v.bp_diastolic.map(f64::from), 20.0, 180.0, "拡張期血圧");
            if let (Some(s), Some(d)) = (v.bp_systolic, v.bp_diastolic) {
                if d >= s {
                    p.push(
                        f("bp_diastolic"),
                        "bp_order",
                        format!("拡張期血圧 {d} が収縮期血圧 {s} 以上です"),
                        format!("diastolic {d} is not below systolic {s}"),
                    );
                }
            }
        }
    }

    fn check_handover(&self, p: &mut Problems) {
        let Some(h) = &self.handover else {
            if self.kind == VisitKind::Handover {
                p.push("handover", "required", "同行訪問には引継ぎ欄が必要です", "an accompanied visit needs a handover section");
            }
            return;
        };
        if self.kind != VisitKind::Handover {
            p.push(
                "handover",
                "not_handover",
                "引継ぎ欄は同行訪問にのみ使えます",
                format!("a {} visit cannot have a handover section", self.kind),
            );
            return;
        }
        for (field, st) in [("handover.from_station", &h.from_station), ("handover.to_station", &h.to_station)] {
            if is_blank(&st.id) {
                p.push(field, "required", "ステーションを入力してください", format!("{field} is empty"));
            }
        }
        if !h.from_station.id.is_empty() && h.from_station.id == h.to_station.id {
            p.push(
                "handover.to_station",
                "same_station",
                "引継ぎ元と引継ぎ先が同じステーションです",
                format!("handover from and to the same station \"{}\"", excerpt(&h.to_station.id)),
            );
        }
        for (field, st) in [("handover.from_station", &h.from_station), ("handover.to_station", &h.to_station)] {
            if !st.id.is_empty() && !self.staff.iter().any(|s| s.station_id == st.id) {
                p.push(
                    field,
                    "station_staff",
                    format!("ステーション「{}」の訪問者がいません", excerpt(&st.name)),
                    format!("no staff member from station \"{}\" is present", excerpt(&st.id)),
                );
            }
        }
        if let (Some(a), Some(b)) = (&h.from_sign_off, &h.to_sign_off) {
            if a.staff_id == b.staff_id {
                p.push(
                    "handover.to_sign_off",
                    "same_signer",
                    format!("引継ぎ元と引継ぎ先の確認を同じ人（{}）がしています。それぞれの看護師が確認してください", excerpt(&b.name)),
                    format!(
                        "the same person (\"{}\") signed off for both stations; each station's nurse signs their own",
                        excerpt(&b.staff_id)
                    ),
                );
            }
        }
        if h.topics.iter().all(|t| is_blank(&t.topic)) {
            p.push("handover.topics", "required", "引継ぎ内容を1つ以上入力してください", "no handover topic is recorded");
        }
        if self.status != VisitStatus::Draft {
            for (field, sign, st) in
                [("handover.from_sign_off", &h.from_sign_off, &h.from_station), ("handover.to_sign_off", &h.to_sign_off, &h.to_station)]
            {
                match sign {
                    None => p.push(
                        field,
                        "sign_off",
                        format!("「{}」の看護師の確認（サイン）がありません", excerpt(&st.name)),
                        format!("{field} is missing"),
                    ),
                    Some(s) if !self.staff.iter().any(|m| m.id == s.staff_id && m.station_id == st.id) => p.push(
                        field,
                        "sign_off_staff",
                        format!("サインした「{}」はこのステーションの訪問者ではありません", excerpt(&s.name)),
                        format!("{field} by \"{}\" who is not present from station \"{}\"", excerpt(&s.staff_id), excerpt(&st.id)),
                    ),
                    Some(_) => {}
                }
            }
        }
    }

    fn check_guardian(&self, p: &mut Problems) {
        match &self.guardian {
            Some(GuardianConfirmation::Confirmed { name, .. }) if is_blank(name) => {
                p.push("guardian.name", "required", "確認した保護者の氏名を入力してください", "the confirming guardian's name is empty");
            }
            Some(GuardianConfirmation::NotConfirmed { reason }) if is_blank(reason) => {
                p.push(
                    "guardian.reason",
                    "required",
                    "保護者確認がない理由を入力してください",
                    "the reason for no guardian confirmation is empty",
                );
            }
            None if self.status != VisitStatus::Draft && self.outcome == Outcome::Done => {
                p.push(
                    "guardian",
                    "required",
                    "保護者確認（サインまたは確認できない理由）が必要です",
                    "a visit that took place needs the guardian's confirmation or the reason there is none",
                );
            }
            _ => {}
        }
    }

    /// Moves the record on: draft → submitted → approved. Going back is not allowed.
    pub fn transition(&mut self, to: VisitStatus, ctx: VisitContext<'_>) -> Result<(), Problems> {
        let allowed =
            matches!((self.status, to), (VisitStatus::Draft, VisitStatus::Submitted) | (VisitStatus::Submitted, VisitStatus::Approved));
        if !allowed {
            let mut p = Problems::new();
            p.push(
                "status",
                "transition",
                format!("「{}」から「{}」には変更できません", self.status.label().ja, to.label().ja),
                format!("cannot move a record from {} to {}", self.status, to),
            );
            return Err(p);
        }
        let mut next = self.clone();
        next.status = to;
        if to == VisitStatus::Submitted {
            // Submitted again after being sent back: the office's note has been answered.
            next.returned = None;
        }
        next.validate(ctx).into_result()?;
        *self = next;
        Ok(())
    }

    /// Sends a submitted record back to its nurse (差し戻し, office): a draft again, with why.
    pub fn send_back(&mut self, reason: &str, by: &str, at: DateTime) -> Result<(), Problems> {
        let mut p = Problems::new();
        if self.status != VisitStatus::Submitted {
            p.push(
                "status",
                "transition",
                format!("差し戻せるのは提出済みの記録だけです（今は「{}」）", self.status.label().ja),
                format!("only a submitted record can be sent back (it is {})", self.status),
            );
        }
        p.text("returned.reason", reason, SOAP_MAX, true);
        if is_blank(reason) {
            p.push("returned.reason", "required", "差し戻す理由を入力してください", "the reason for sending it back is empty");
        }
        p.into_result()?;
        self.status = VisitStatus::Draft;
        self.returned = Some(Returned { reason: reason.trim().to_string(), by: by.to_string(), at });
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checklist::builtin_templates;

    pub(crate) fn staff(id: &str, role: StaffRole, station: &str) -> StaffMember {
        StaffMember { id: id.into(), name: format!("看護師{id}"), profession: Profession::Nurse, role, station_id: station.into() }
    }

    pub(crate) fn respite(start: &str, end: &str) -> Visit {
        let mut v = Visit::new(ChildId::random(), VisitKind::Respite, Station { id: "st1".into(), name: "架空ステーション".into() });
        v.actual_start = Some(start.parse().unwrap());
        v.actual_end = Some(end.parse().unwrap());
        v.staff.push(staff("n1", StaffRole::Lead, "st1"));
        v
    }

    #[test]
    fn a_visit_ended_in_the_minute_it_started_is_told_in_words_not_wire_times() {
        // A quick 不在 recorded with the same start and end minute.
        let v = respite("2026-12-02T14:09", "2026-12-02T14:09");
        let p = check(&v);
        let order = p.0.iter().find(|x| x.code == "time_order").expect("the order is a problem");
        assert_eq!(order.field, "actual_end");
        assert!(order.ja.contains("終了時刻（12月2日 14:09）") && order.ja.contains("開始時刻（12月2日 14:09）"), "{}", order.ja);
        assert!(order.en.contains("2 Dec 14:09"), "{}", order.en);
        assert!(!order.ja.contains("2026-12-02T") && !order.en.contains("2026-12-02T"), "no wire times: {order}");
    }

    #[test]
    fn a_submitted_record_is_sent_back_with_a_reason_and_submitting_again_clears_it() {
        let mut v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let at: DateTime = "2026-05-02T10:00".parse().unwrap();
        let codes = |p: Problems| p.0.into_iter().map(|x| (x.field, x.code)).collect::<Vec<_>>();
        assert_eq!(
            codes(v.clone().send_back("時間を確認", "見本 事務", at).unwrap_err()),
            [("status".to_string(), "transition".to_string())],
            "a draft"
        );
        v.status = VisitStatus::Submitted;
        assert_eq!(
            codes(v.clone().send_back(" \u{3000}", "見本 事務", at).unwrap_err()),
            [("returned.reason".to_string(), "required".to_string())]
        );
        v.send_back(" 終了時刻を確認してください ", "見本 事務", at).unwrap();
        assert_eq!(v.status, VisitStatus::Draft);
        assert_eq!(v.returned, Some(Returned { reason: "終了時刻を確認してください".into(), by: "見本 事務".into(), at }));
        let rules = MunicipalityRules::builtin("13105");
        let templates = builtin_templates();
        v.guardian = Some(GuardianConfirmation::Confirmed { name: "見本 母".into(), at, signature: String::new() });
        v.transition(VisitStatus::Submitted, VisitContext { rules: &rules, templates: &templates, child_score: None }).unwrap();
        assert_eq!((v.status, &v.returned), (VisitStatus::Submitted, &None));
    }

    #[test]
    fn the_index_view_read_from_the_document_carries_the_review_row_and_an_older_one_is_not_trusted() {
        let mut v = respite("2026-05-01T09:00", "2026-05-01T10:30");
        v.staff.insert(0, staff("a2", StaffRole::Accompanying, "st1"));
        v.guardian = Some(GuardianConfirmation::Confirmed {
            name: "見本 母".into(),
            at: "2026-05-01T10:30".parse().unwrap(),
            signature: "M0 0 L9 9".into(),
        });
        let mut doc = crate::RecordDoc::create(v.clone(), automerge::ActorId::random());
        let view = crate::load_visit_index(&v.id.to_string(), &doc.save()).unwrap();
        assert_eq!(view, v.index_view());
        let rules = MunicipalityRules::builtin("13105");
        let facts = view.review(&rules);
        assert_eq!(facts.staff_names, ["看護師n1", "看護師a2"], "lead first");
        assert!(facts.confirmed && facts.respite_length && !facts.short_day, "{facts:?}");
        v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "就寝中".into() });
        assert!(!v.index_view().review(&rules).confirmed);

        // What a server stored before the index carried names and the confirmation.
        let mut old = serde_json::to_value(v.index_view()).unwrap();
        let m = old.as_object_mut().unwrap();
        m.remove("guardian");
        m.remove("returned");
        assert!(serde_json::from_value::<VisitIndexView>(old).is_err(), "a missing confirmation is not read as none");
    }

    fn check(v: &Visit) -> Problems {
        let rules = MunicipalityRules::builtin("13105");
        let templates = builtin_templates();
        v.validate(VisitContext { rules: &rules, templates: &templates, child_score: Some(10) })
    }

    #[test]
    fn a_three_hour_respite_is_valid_and_bills_six_units() {
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        assert!(check(&v).is_empty(), "{}", check(&v));
        let s = v.summary(&MunicipalityRules::builtin("13105"));
        assert_eq!((s.billable_minutes, s.uses, s.fiscal_year), (180, 1, Some(FiscalYear(2026))));
    }

    #[test]
    fn a_respite_of_any_real_length_is_recorded_counted_by_the_rules_and_warned_about() {
        let rules = MunicipalityRules::builtin("13105");
        // (end, counted, warning, office flag): a 09:00 start, one lead nurse.
        for (end, counted, warning, flag) in [
            ("2026-05-01T10:59", 0, Some("respite_short"), true),
            ("2026-05-01T11:00", 120, None, false),
            ("2026-05-01T11:10", 120, Some("respite_unit"), false),
            ("2026-05-01T13:00", 240, None, false),
            ("2026-05-01T13:01", 240, Some("respite_capped"), true),
            ("2026-05-01T13:30", 240, Some("respite_capped"), true),
        ] {
            let v = respite("2026-05-01T09:00", end);
            assert!(check(&v).is_empty(), "{end}: the real times are never refused: {}", check(&v));
            let s = v.summary(&rules);
            assert_eq!((s.billable_minutes, s.duration_minutes), (counted, v.duration_minutes().unwrap() as u32), "{end}");
            let w = v.warnings(&rules, &[]);
            assert_eq!(w.0.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), warning.into_iter().collect::<Vec<_>>(), "{end}");
            assert_eq!(v.respite_length_flag(&rules), flag, "{end}");
        }
        // Absent: nothing counted, nothing to warn about.
        let mut v = respite("2026-05-01T09:00", "2026-05-01T13:30");
        v.outcome = Outcome::Absent;
        assert!(v.warnings(&rules, &[]).is_empty() && !v.respite_length_flag(&rules));
    }

    #[test]
    fn a_night_respite_across_midnight_counts_its_real_length() {
        let rules = MunicipalityRules::builtin("13105");
        let v = respite("2026-05-01T22:00", "2026-05-02T02:00");
        assert!(check(&v).is_empty());
        assert_eq!(v.duration_minutes(), Some(240));
        assert_eq!(v.summary(&rules).billable_minutes, 240);
        // 22:30 → 03:00 is 4 h 30: recorded, counted 4 h, flagged.
        let v = respite("2026-05-01T22:30", "2026-05-02T03:00");
        assert!(check(&v).is_empty());
        assert_eq!((v.summary(&rules).billable_minutes, v.respite_length_flag(&rules)), (240, true));
    }

    #[test]
    fn two_nurses_sent_at_once_count_as_two_uses() {
        let mut v = respite("2026-05-01T09:00", "2026-05-01T11:00");
        v.staff.push(staff("n2", StaffRole::Lead, "st1"));
        v.staff.push(staff("t1", StaffRole::Accompanying, "st1"));
        let s = v.summary(&MunicipalityRules::builtin("13105"));
        assert_eq!((s.uses, s.billable_minutes), (2, 240));
    }

    #[test]
    fn absent_and_cancelled_visits_bill_nothing() {
        let mut v = respite("2026-05-01T09:00", "2026-05-01T11:00");
        v.outcome = Outcome::Absent;
        assert_eq!(v.summary(&MunicipalityRules::builtin("13105")).billable_minutes, 0);
    }

    #[test]
    fn impossible_vitals_are_reported_per_reading() {
        let mut v = respite("2026-05-01T09:00", "2026-05-01T11:00");
        v.vitals.push(VitalReading {
            id: "a".into(),
            spo2: Some(140),
            bp_systolic: Some(80),
            bp_diastolic: Some(90),
            temperature_c: Some(36.8),
            ..Default::default()
        });
        let p = check(&v);
        assert!(p.has_field("vitals[0].spo2") && p.has_field("vitals[0].bp_diastolic"), "{p}");
        assert!(!p.has_field("vitals[0].temperature_c"));
        assert!(p.0.iter().any(|x| x.en.contains("140")));
    }

    #[test]
    fn a_handover_needs_both_stations_topics_and_both_sign_offs_to_submit() {
        let mut v = Visit::new(ChildId::random(), VisitKind::Handover, Station { id: "stA".into(), name: "A".into() });
        v.actual_start = Some("2026-10-01T10:00".parse().unwrap());
        v.actual_end = Some("2026-10-01T11:30".parse().unwrap());
        v.staff = vec![staff("a1", StaffRole::Lead, "stA")];
        v.status = VisitStatus::Submitted;
        let p = check(&v);
        for f in [
            "handover.from_station",
            "handover.to_station",
            "handover.topics",
            "handover.from_sign_off",
            "handover.to_sign_off",
            "guardian",
        ] {
            assert!(p.has_field(f), "{f} not in {p}");
        }
        let h = v.handover.as_mut().unwrap();
        h.from_station = Station { id: "stA".into(), name: "A".into() };
        h.to_station = Station { id: "stB".into(), name: "B".into() };
        h.topics.push(HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: String::new() });
        h.from_sign_off = Some(SignOff { staff_id: "a1".into(), name: "A1".into(), at: "2026-10-01T11:30".parse().unwrap() });
        h.to_sign_off = Some(SignOff { staff_id: "b1".into(), name: "B1".into(), at: "2026-10-01T11:30".parse().unwrap() });
        v.guardian = Some(GuardianConfirmation::Confirmed {
            name: "保護者".into(),
            at: "2026-10-01T11:30".parse().unwrap(),
            signature: String::new(),
        });
        // b1 signed but is not on the visit.
        let p = check(&v);
        assert!(p.has_code("station_staff") && p.has_code("sign_off_staff"), "{p}");
        v.staff.push(staff("b1", StaffRole::Accompanying, "stB"));
        assert!(check(&v).is_empty(), "{}", check(&v));
    }

    #[test]
    fn the_same_person_cannot_sign_off_for_both_stations_even_on_a_draft() {
        let mut v = Visit::new(ChildId::random(), VisitKind::Handover, Station { id: "stA".into(), name: "A".into() });
        v.actual_start = Some("2026-10-01T10:00".parse().unwrap());
        v.actual_end = Some("2026-10-01T11:30".parse().unwrap());
        v.staff = vec![staff("a1", StaffRole::Lead, "stA"), staff("b1", StaffRole::Accompanying, "stB")];
        let h = v.handover.as_mut().unwrap();
        h.from_station = Station { id: "stA".into(), name: "A".into() };
        h.to_station = Station { id: "stB".into(), name: "B".into() };
        h.topics.push(HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: String::new() });
        let at: DateTime = "2026-10-01T11:30".parse().unwrap();
        h.from_sign_off = Some(SignOff { staff_id: "a1".into(), name: "看護師a1".into(), at });
        h.to_sign_off = Some(SignOff { staff_id: "a1".into(), name: "看護師a1".into(), at });
        let p = check(&v);
        assert_eq!(fields_and_codes_of(&p), one("handover.to_sign_off", "same_signer"), "a draft is refused too: {p}");
        assert!(p.0[0].ja.contains("看護師a1") && p.0[0].en.contains("a1"), "{p}");
        // Each station's own nurse: nothing to say.
        v.handover.as_mut().unwrap().to_sign_off = Some(SignOff { staff_id: "b1".into(), name: "看護師b1".into(), at });
        assert!(check(&v).is_empty(), "{}", check(&v));
    }

    fn fields_and_codes_of(p: &Problems) -> Vec<(String, String)> {
        p.0.iter().map(|x| (x.field.clone(), x.code.clone())).collect()
    }

    fn reading(id: &str, at: &str) -> VitalReading {
        VitalReading { id: id.into(), at: Some(at.parse().unwrap()), pulse: Some(110), ..Default::default() }
    }

    #[test]
    fn a_vital_reading_outside_the_visit_is_a_warning_on_its_time_and_the_ends_are_inside() {
        let rules = MunicipalityRules::builtin("13105");
        // A nursing visit 09:00–10:00: 08:59 is a minute early, 10:01 a minute late; the
        // start and the end themselves are inside.
        let mut v = respite("2026-05-01T09:00", "2026-05-01T10:00");
        v.kind = VisitKind::Nursing;
        for (at, expected) in [
            ("2026-05-01T08:59", Some("開始")),
            ("2026-05-01T09:00", None),
            ("2026-05-01T09:30", None),
            ("2026-05-01T10:00", None),
            ("2026-05-01T10:01", Some("終了")),
            // The day before at the same time of day is still before.
            ("2026-04-30T09:30", Some("開始")),
        ] {
            v.vitals = vec![reading("r0", "2026-05-01T09:10"), reading("r1", at)];
            let w = v.warnings(&rules, &[]);
            match expected {
                None => assert!(w.is_empty(), "{at}: {w}"),
                Some(end) => {
                    assert_eq!(fields_and_codes_of(&w), one("vitals[1].at", "vital_time"), "{at}");
                    assert!(w.0[0].ja.contains(end) && w.0[0].ja.contains("バイタル2件目"), "{at}: {}", w.0[0].ja);
                    assert!(!w.0[0].ja.contains("2026-") && !w.0[0].en.contains("2026-"), "no wire times: {}", w.0[0]);
                }
            }
            assert!(check(&v).is_empty(), "{at}: a warning, never a refusal: {}", check(&v));
        }
        // Running (no end yet): only the start bounds it.
        v.actual_end = None;
        v.vitals = vec![reading("r0", "2026-05-01T23:00")];
        assert!(v.warnings(&rules, &[]).is_empty());
        // A reading without a time says nothing.
        v.vitals = vec![VitalReading { id: "r0".into(), ..Default::default() }];
        assert!(v.warnings(&rules, &[]).is_empty());
    }

    #[test]
    fn a_vital_reading_after_midnight_in_a_night_visit_is_inside_it() {
        let rules = MunicipalityRules::builtin("13105");
        // 22:00 on 1 May to 02:00 on 2 May (4 h, whole units: no length warning).
        let mut v = respite("2026-05-01T22:00", "2026-05-02T02:00");
        for (at, warned) in [
            ("2026-05-02T01:00", false),
            ("2026-05-02T02:00", false),
            ("2026-05-01T23:59", false),
            ("2026-05-01T21:59", true),
            // 01:00 on the start's day (what a time typed without the day would give) is before.
            ("2026-05-01T01:00", true),
            ("2026-05-02T02:01", true),
        ] {
            v.vitals = vec![reading("r0", at)];
            let w = v.warnings(&rules, &[]);
            let expected = if warned { one("vitals[0].at", "vital_time") } else { vec![] };
            assert_eq!(fields_and_codes_of(&w), expected, "{at}");
        }
    }

    #[test]
    fn a_respite_overlapping_another_visit_of_the_child_names_it_and_touching_ends_do_not_overlap() {
        let rules = MunicipalityRules::builtin("13105");
        let v = respite("2026-05-01T09:00", "2026-05-01T12:00");
        let other = |kind, s: &str, e: &str| OtherVisit { id: VisitId::random(), kind, start: s.parse().unwrap(), end: e.parse().unwrap() };
        for (o, overlaps) in [
            (other(VisitKind::Nursing, "2026-05-01T08:00", "2026-05-01T09:00"), false),
            (other(VisitKind::Nursing, "2026-05-01T12:00", "2026-05-01T13:00"), false),
            (other(VisitKind::Nursing, "2026-05-01T08:00", "2026-05-01T09:01"), true),
            (other(VisitKind::Nursing, "2026-05-01T11:59", "2026-05-01T13:00"), true),
            (other(VisitKind::Nursing, "2026-05-01T10:00", "2026-05-01T11:00"), true),
            (other(VisitKind::Respite, "2026-05-01T07:00", "2026-05-01T13:00"), true),
            // Across midnight into the morning of the 1st: ends at 08:00, before 09:00.
            (other(VisitKind::Respite, "2026-04-30T22:00", "2026-05-01T08:00"), false),
            (other(VisitKind::Respite, "2026-04-30T22:00", "2026-05-01T09:30"), true),
        ] {
            let w = v.warnings(&rules, &[o]);
            let expected = if overlaps { one("actual_start", "respite_overlap") } else { vec![] };
            assert_eq!(fields_and_codes_of(&w), expected, "{o:?}");
        }
        let w = v.warnings(&rules, &[other(VisitKind::Nursing, "2026-05-01T10:00", "2026-05-01T11:00")]);
        assert!(w.0[0].ja.contains("5月1日 10:00〜11:00 訪問看護"), "{}", w.0[0].ja);
        assert!(w.0[0].en.contains("1 May 10:00–11:00, nursing visit"), "{}", w.0[0].en);
        let w = v.warnings(&rules, &[other(VisitKind::Respite, "2026-04-30T22:00", "2026-05-01T09:30")]);
        assert!(w.0[0].ja.contains("4月30日 22:00〜5月1日 09:30 在宅レスパイト"), "{}", w.0[0].ja);
        // The visit itself (its own index row) is not another visit.
        let me = OtherVisit { id: v.id, kind: VisitKind::Respite, start: v.actual_start.unwrap(), end: v.actual_end.unwrap() };
        assert!(v.warnings(&rules, &[me]).is_empty());
        // A nursing visit is not warned about (only respite sessions), nor an absent session.
        let o = other(VisitKind::Respite, "2026-05-01T10:00", "2026-05-01T11:00");
        let mut n = v.clone();
        n.kind = VisitKind::Nursing;
        assert!(n.warnings(&rules, &[o]).is_empty());
        let mut a = v.clone();
        a.outcome = Outcome::Absent;
        assert!(a.warnings(&rules, &[o]).is_empty());
    }

    #[test]
    fn status_only_moves_forward_and_only_when_complete() {
        let rules = MunicipalityRules::builtin("13105");
        let templates = builtin_templates();
        let ctx = VisitContext { rules: &rules, templates: &templates, child_score: None };
        let mut v = respite("2026-05-01T09:00", "2026-05-01T11:00");
        let err = v.transition(VisitStatus::Submitted, ctx).unwrap_err();
        assert!(err.has_field("guardian"));
        assert_eq!(v.status, VisitStatus::Draft, "a failed transition changes nothing");
        v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "保護者不在のため後日確認".into() });
        v.transition(VisitStatus::Submitted, ctx).unwrap();
        assert!(v.transition(VisitStatus::Draft, ctx).unwrap_err().has_code("transition"));
        v.transition(VisitStatus::Approved, ctx).unwrap();
        assert_eq!(v.status, VisitStatus::Approved);
    }

    /// A handover visit with every free-text field filled in, valid as it is.
    fn full_text_visit() -> Visit {
        let mut v = Visit::new(ChildId::random(), VisitKind::Handover, Station { id: "stA".into(), name: "架空ステーションA".into() });
        v.actual_start = Some("2026-10-01T10:00".parse().unwrap());
        v.actual_end = Some("2026-10-01T11:30".parse().unwrap());
        v.staff = vec![staff("a1", StaffRole::Lead, "stA"), staff("b1", StaffRole::Accompanying, "stB")];
        v.vitals.push(VitalReading { id: "vt1".into(), spo2: Some(98), ..Default::default() });
        v.care.push(CareGiven {
            id: "c1".into(),
            item: CareItem::Suction,
            count: Some(3),
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "白色痰（架空）\n少量".into(),
        });
        v.note.subjective = "（見本）よく眠れた\nとのこと".into();
        v.note.plan = "経過観察".into();
        let h = v.handover.as_mut().unwrap();
        h.from_station = Station { id: "stA".into(), name: "A".into() };
        h.to_station = Station { id: "stB".into(), name: "B".into() };
        h.topics.push(HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: "1. 手洗い\n2. 吸引".into() });
        h.from_sign_off = Some(SignOff { staff_id: "a1".into(), name: "看護師a1".into(), at: "2026-10-01T11:30".parse().unwrap() });
        h.to_sign_off = Some(SignOff { staff_id: "b1".into(), name: "看護師b1".into(), at: "2026-10-01T11:30".parse().unwrap() });
        v.guardian = Some(GuardianConfirmation::Confirmed {
            name: "見本 花子".into(),
            at: "2026-10-01T11:30".parse().unwrap(),
            signature: "M 10 20 L 11 22 L 13 25".into(),
        });
        v.checklist.template_id = "home_devices".into();
        v.checklist.items.insert(
            "ventilator".into(),
            crate::checklist::CheckEntry { status: crate::checklist::CheckStatus::Problem, note: "回路に水滴\n交換済み".into() },
        );
        v
    }

    fn fields_and_codes(v: &Visit) -> Vec<(String, String)> {
        check(v).0.into_iter().map(|p| (p.field, p.code)).collect()
    }

    fn one(field: &str, code: &str) -> Vec<(String, String)> {
        vec![(field.to_string(), code.to_string())]
    }

    /// Sets one text field of `full_text_visit()` by its problem path.
    fn set(v: &mut Visit, field: &str, value: &str) {
        let value = value.to_string();
        match field {
            "station.name" => v.station.name = value,
            "place" => v.place = value,
            "staff[0].name" => v.staff[0].name = value,
            "staff[1].id" => v.staff[1].id = value,
            "vitals[0].id" => v.vitals[0].id = value,
            "care[0].note" => v.care[0].note = value,
            "note.subjective" => v.note.subjective = value.into(),
            "note.assessment" => v.note.assessment = value.into(),
            "handover.to_station.name" => v.handover.as_mut().unwrap().to_station.name = value,
            "handover.topics[0].topic" => v.handover.as_mut().unwrap().topics[0].topic = value,
            "handover.topics[0].detail" => v.handover.as_mut().unwrap().topics[0].detail = value,
            "handover.from_sign_off.name" => v.handover.as_mut().unwrap().from_sign_off.as_mut().unwrap().name = value,
            "guardian.name" => {
                if let Some(GuardianConfirmation::Confirmed { name, .. }) = &mut v.guardian {
                    *name = value
                }
            }
            "guardian.reason" => v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: value }),
            "checklist.items.ventilator.note" => v.checklist.items.get_mut("ventilator").unwrap().note = value,
            other => panic!("no setter for {other}"),
        }
    }

    #[test]
    fn a_visit_with_every_text_field_filled_plainly_is_valid() {
        let v = full_text_visit();
        assert!(check(&v).is_empty(), "{}", check(&v));
    }

    #[test]
    fn every_visit_text_field_has_its_limit_named_in_both_languages_and_the_value_is_never_quoted() {
        for (field, max, multiline) in [
            ("station.name", NAME_MAX, false),
            ("place", NAME_MAX, false),
            ("staff[0].name", NAME_MAX, false),
            ("staff[1].id", CODE_MAX, false),
            ("vitals[0].id", CODE_MAX, false),
            ("care[0].note", NOTE_MAX, true),
            ("note.subjective", SOAP_MAX, true),
            ("note.assessment", SOAP_MAX, true),
            ("handover.to_station.name", NAME_MAX, false),
            ("handover.topics[0].topic", TOPIC_MAX, false),
            ("handover.topics[0].detail", NOTE_MAX, true),
            ("handover.from_sign_off.name", NAME_MAX, false),
            ("guardian.name", NAME_MAX, false),
            ("guardian.reason", REASON_MAX, true),
            ("checklist.items.ventilator.note", crate::checklist::NOTE_MAX, true),
        ] {
            // At the limit: fine. One past it: too long, with the limit and the length.
            let mut v = full_text_visit();
            set(&mut v, field, &"あ".repeat(max));
            let p = check(&v);
            assert!(!p.has_field(field), "{field} at {max}: {p}");
            let mut v = full_text_visit();
            set(&mut v, field, &"秘".repeat(max + 1));
            let p = check(&v);
            let problem = p.0.iter().find(|x| x.field == field).unwrap_or_else(|| panic!("{field}: {p}"));
            assert_eq!(problem.code, "too_long", "{field}");
            assert!(problem.en.contains(&format!("at most {max} characters, got {}", max + 1)), "{field}: {}", problem.en);
            assert!(problem.ja.contains(&format!("{max}文字以内")), "{field}: {}", problem.ja);
            assert!(p.0.iter().all(|x| !x.ja.contains("秘秘") && !x.en.contains("秘秘")), "{field}: the value is quoted in {p}");
            // ESC, NUL and a right-to-left override are refused everywhere, and not quoted.
            for (bad, code) in [("見本\u{1b}[31m", "control_char"), ("見本\u{0}", "control_char"), ("見本\u{202E}本見", "bidi_control")]
            {
                let mut v = full_text_visit();
                set(&mut v, field, bad);
                let p = check(&v);
                assert!(p.0.iter().any(|x| x.field == field && x.code == code), "{field} {bad:?}: {p}");
                assert!(p.0.iter().all(|x| !x.en.contains('\u{1b}') && !x.en.contains('\u{202E}')), "{field}: {p}");
            }
            // Line breaks only where text is multi-line.
            let mut v = full_text_visit();
            set(&mut v, field, "一行目\n二行目");
            assert_eq!(check(&v).has_field(field), !multiline, "{field}: {}", check(&v));
            let mut v = full_text_visit();
            set(&mut v, field, "一行目\u{2028}二行目");
            assert_eq!(check(&v).has_field(field), !multiline, "{field} with U+2028: {}", check(&v));
        }
    }

    #[test]
    fn names_of_only_invisible_characters_are_empty() {
        for (field, what) in [("guardian.name", "guardian.name"), ("guardian.reason", "guardian.reason"), ("staff[0].name", "staff[0]")] {
            for blank in ["\u{200B}\u{200B}", " \u{3000}\u{FEFF}", "\u{2060}\u{00AD}\u{3164}", "\u{E0020}\u{FE0F}"] {
                let mut v = full_text_visit();
                set(&mut v, field, blank);
                assert_eq!(fields_and_codes(&v), one(what, "required"), "{field} = {blank:?}");
            }
        }
        let mut v = full_text_visit();
        set(&mut v, "handover.topics[0].topic", "\u{200B}");
        assert_eq!(fields_and_codes(&v), one("handover.topics", "required"));
        let mut v = full_text_visit();
        set(&mut v, "checklist.items.ventilator.note", "\u{200D} ");
        assert_eq!(fields_and_codes(&v), one("checklist.items.ventilator.note", "problem_note"));
    }

    #[test]
    fn a_drawn_signature_is_bounded_svg_path_data() {
        let with_signature = |sig: String| {
            let mut v = full_text_visit();
            if let Some(GuardianConfirmation::Confirmed { signature, .. }) = &mut v.guardian {
                *signature = sig;
            }
            v
        };
        // What the pad writes: "M x y L x y …", up to the limit.
        let mut path = String::from("M 1 2");
        while path.len() + 8 <= SIGNATURE_MAX {
            path.push_str(" L 599 9");
        }
        assert!(check(&with_signature(path.clone())).is_empty());
        assert!(check(&with_signature("m1.5,2e1 c-1,2 3,4 5,6 z".into())).is_empty(), "relative commands, decimals and exponents");
        path.push_str(&" L 1 1".repeat(2));
        let p = check(&with_signature(path));
        assert_eq!(p.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect::<Vec<_>>(), vec![("guardian.signature", "too_long")]);
        assert!(p.0[0].en.contains(&SIGNATURE_MAX.to_string()));
        for bad in ["M 1 2 <script>", "M 1 2\u{1b}[2J", "M 1 2\nL 3 4", "M １ ２"] {
            let p = check(&with_signature(bad.into()));
            assert_eq!(p.0.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), vec!["signature_path"], "{bad:?}");
            assert!(!p.0[0].en.contains("script") && !p.0[0].en.contains('\u{1b}'));
        }
    }

    #[test]
    fn codes_and_keys_are_bounded_and_a_hostile_one_is_never_quoted_raw_in_another_problem() {
        let mut v = full_text_visit();
        let hostile = format!("\u{1b}[2J{}", "x".repeat(200));
        v.staff[1].id = hostile.clone();
        v.staff.push(StaffMember { id: hostile.clone(), ..v.staff[1].clone() });
        let p = check(&v);
        assert!(p.0.iter().any(|x| x.field == "staff[1].id" && x.code == "too_long"), "{p}");
        assert!(p.has_code("duplicate"), "{p}");
        for x in &p.0 {
            assert!(!x.ja.contains('\u{1b}') && !x.en.contains('\u{1b}') && x.en.len() < 300, "{x}");
        }
        // A checklist key that is not an id is named by its position, not quoted.
        let mut v = full_text_visit();
        v.checklist.items.insert(
            format!("\u{202E}{}", "k".repeat(10_000)),
            crate::checklist::CheckEntry { status: crate::checklist::CheckStatus::Ok, note: String::new() },
        );
        let p = check(&v);
        assert_eq!(
            p.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect::<Vec<_>>(),
            vec![("checklist.items[1]", "unknown_item")]
        );
        assert!(p.0[0].en.len() < 200);
        let mut v = full_text_visit();
        v.checklist.template_id = "\u{1b}".repeat(100);
        let p = check(&v);
        assert!(p.has_code("unknown_template") && !p.0.iter().any(|x| x.en.contains('\u{1b}')), "{p}");
    }

    #[test]
    fn daytime_care_refuses_a_score_of_16_or_an_unknown_one_and_flags_a_short_day() {
        let rules = MunicipalityRules::builtin("13105");
        let mut v = respite("2026-05-01T09:00", "2026-05-01T15:00");
        v.kind = VisitKind::Daytime;
        let codes = |v: &Visit, score| {
            let p = v.validate(VisitContext { rules: &rules, templates: &[], child_score: score });
            p.0.into_iter().map(|x| (x.field, x.code)).collect::<Vec<_>>()
        };
        assert_eq!(codes(&v, Some(15)), vec![], "a 6 h day under 16 points is recorded");
        assert_eq!(codes(&v, Some(16)), vec![("child.score".to_string(), "daytime_score".to_string())]);
        assert_eq!(codes(&v, None), vec![("child.score".to_string(), "daytime_score_unknown".to_string())]);
        assert!(v.short_day_flag() && v.warnings(&rules, &[]).has_code("daytime_short"));
        v.actual_end = Some("2026-05-01T17:00".parse().unwrap());
        assert!(!v.short_day_flag() && v.warnings(&rules, &[]).is_empty(), "8 h is not short");
        // The score is the child's: a planned day without times is refused for it too.
        v.actual_start = None;
        v.actual_end = None;
        v.scheduled_start = Some("2026-05-02T09:00".parse().unwrap());
        assert_eq!(codes(&v, Some(20)), vec![("child.score".to_string(), "daytime_score".to_string())]);
        assert!(!v.short_day_flag());
    }

    #[test]
    fn a_submitted_daytime_day_names_its_kind_of_institution_and_no_other_visit_names_one() {
        let rules = MunicipalityRules::builtin("13105");
        let ctx = VisitContext { rules: &rules, templates: &[], child_score: Some(12) };
        let problems = |v: &Visit| v.validate(ctx).0.into_iter().map(|x| (x.field, x.code, x.ja)).collect::<Vec<_>>();
        let mut v = respite("2026-05-01T09:00", "2026-05-01T17:00");
        v.kind = VisitKind::Daytime;
        v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "施設でのお預かり".into() });
        v.status = VisitStatus::Draft;
        assert_eq!(problems(&v), vec![], "a draft may leave it for later");
        v.status = VisitStatus::Submitted;
        let p = problems(&v);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].0.as_str(), p[0].1.as_str()), ("provider", "required"));
        for kind in ["病院", "診療所", "介護老人保健施設", "介護医療院"] {
            assert!(p[0].2.contains(kind), "the message names {kind}: {}", p[0].2);
        }
        v.provider = Some(ProviderKind::GeriatricHealthFacility);
        assert_eq!(problems(&v), vec![]);
        v.kind = VisitKind::Respite;
        v.actual_end = Some("2026-05-01T13:00".parse().unwrap());
        let p = problems(&v);
        assert_eq!(p.iter().map(|x| (x.0.as_str(), x.1.as_str())).collect::<Vec<_>>(), [("provider", "only_daytime")]);
    }
}

// The visit's document schema (crate::schema): every field listed, types from the structs.
described!(Station { id, name });
described!(StaffMember keyed id { id, name, profession, role, station_id });
described!(VitalReading keyed id { id, at, respiration, pulse, temperature_c, spo2, bp_systolic, bp_diastolic });
described!(CareGiven keyed id { id, item, count, amount_ml, rate_ml_per_h, oxygen_l_per_min, note });
described!(SoapNote { subjective, objective, assessment, plan });
described!(HandoverTopic keyed id { id, topic, detail });
described!(SignOff { staff_id, name, at });
described!(Handover { from_station, to_station, topics, from_sign_off, to_sign_off });
described!(Visit {
    id,
    child_id,
    station,
    kind,
    place,
    scheduled_start,
    scheduled_end,
    actual_start,
    actual_end,
    outcome,
    staff,
    vitals,
    care,
    note,
    checklist,
    handover,
    guardian,
    status,
    returned since 4,
    provider since 5,
});
described!(Returned { reason, by, at });
described!(VisitIndexView { id, child_id, station, kind, scheduled_start, actual_start, actual_end, outcome, staff, guardian, returned since 4, status });
described!(StationRef { id });
described!(StaffRoleRef { role, name });
