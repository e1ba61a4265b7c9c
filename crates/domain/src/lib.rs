//! Carebook's domain: the children, visits and rules of home care for children who need medical
//! care (医療的ケア児) in Tokyo, and the automerge document schemas that carry them.
//!
//! This crate does no IO: no runtime, database or HTTP crate is a dependency, so every rule here
//! is a pure function that tests can call directly.
//!
//! # The model
//! - A [`Child`] (face sheet) and each [`Visit`] are one automerge document apiece
//!   ([`RecordDoc`]); concurrent edits on two tablets merge.
//! - [`MunicipalityRules`] hold each municipality's respite settings (cap 144 h by default,
//!   288 h in Bunkyo; 2–4 h per use in 30-minute units; fees by income tier).
//! - [`respite_ledger`] turns a child's counted uses into remaining hours, which may go negative
//!   when offline devices together passed the cap, naming the sessions past it.
//! - Validation returns every [`Problem`] with its field and a message in Japanese and English.
//! - [`schema`] describes each record's document (every field's path and automerge type), so a
//!   document that does not fit is refused naming the field (`vitals[2].pulse: expected null or
//!   uint, found int`), and the schema is published in `docs/schema/`.
//!
//! # Example
//! ```
//! use carebook_domain::*;
//!
//! let rules = MunicipalityRules::builtin("13105"); // Bunkyo: 288 h a year
//! let child = ChildId::random();
//! let mut visit = Visit::new(child, VisitKind::Respite, Station { id: "st1".into(), name: "架空訪問看護ステーション".into() });
//! visit.actual_start = Some("2026-05-01T09:00".parse().unwrap());
//! visit.actual_end = Some("2026-05-01T12:00".parse().unwrap());
//! visit.staff.push(StaffMember { id: "n1".into(), name: "架空 看護師".into(), profession: Profession::Nurse, role: StaffRole::Lead, station_id: "st1".into() });
//!
//! let ctx = VisitContext { rules: &rules, templates: &builtin_templates(), child_score: None };
//! assert!(visit.validate(ctx).is_empty());
//!
//! let summary = visit.summary(&rules);
//! let use_ = RespiteUse { visit_id: visit.id, start: summary.start.unwrap(), billable_minutes: summary.billable_minutes, uses: summary.uses };
//! let fy = FiscalYear(2026);
//! let ledger = respite_ledger(fy, rules.cap_minutes(fy, None), vec![use_]);
//! assert_eq!(ledger.remaining_minutes, 285 * 60);
//! assert_eq!(fy.japanese_label(), "令和8年度");
//!
//! // The record is an automerge document: fork it, edit on two devices, merge.
//! let mut a = RecordDoc::create(visit, automerge::ActorId::random());
//! let mut b = RecordDoc::<Visit>::load(&a.value().id.to_string(), &a.save(), automerge::ActorId::random()).unwrap();
//! a.change(|v| v.note.subjective.update("よく眠れていた"));
//! b.change(|v| v.place = "学校".into());
//! a.merge(&mut b).unwrap();
//! assert_eq!(a.value().place, "学校");
//! assert_eq!(a.value().note.subjective.as_str(), "よく眠れていた");
//! ```
#![deny(rustdoc::broken_intra_doc_links)]
#![warn(missing_docs)]

pub mod attachment;
pub mod backoff;
pub mod bounds;
pub mod calendar;
pub mod checklist;
pub mod child;
pub mod claim;
pub mod coordinator;
pub mod daytime;
pub mod document;
pub mod hashing;
pub mod history;
pub mod ids;
pub mod password;
pub mod people;
pub mod phrases;
pub mod results;
pub mod rulebook;
pub mod rules;
pub mod schema;
pub mod score;
pub mod search;
#[cfg(feature = "sqlx")]
pub mod sql;
pub mod transfer;
pub mod validation;
pub mod visit;
pub mod wire;

pub use calendar::{CalendarError, Date, DateTime, FiscalYear, TimeOfDay, YearMonth};
pub use checklist::{builtin_templates, validate_template, CheckEntry, CheckStatus, Checklist, ChecklistTemplate, TemplateItem};
pub use child::{Child, Contact, DoctorInstruction, InstructionState, SharingConsent, SharingScope, TierChange};
pub use claim::{
    monthly_claim, ChildClaim, ClaimChild, ClaimLine, ClaimSession, InstructionFee, MonthlyClaim, Unclaimed, UnclaimedSession,
};
pub use coordinator::{
    coordinator_report, meetings_year, person_amount, CoordinatorChild, CoordinatorReport, CoordinatorWorkRecord, MeetingKind,
    MeetingsYear, NewCoordinatorWork, NewRegionalMeeting, PersonAmount, RegionalMeeting, RegionalMeetingRecord, WorkKind,
};
pub use daytime::{
    daytime_claim, DaytimeChild, DaytimeChildClaim, DaytimeClaim, DaytimeDay, DaytimeLine, DaytimeUnclaimed, DaytimeUnclaimedDay,
    ProviderKind,
};
pub use document::{check_pushed, load_visit_index, DocError, Record, RecordDoc, RecordKind};
pub use history::{visit_changes, FieldChange};
pub use ids::{ChildId, IdError, VisitId};
pub use password::{check_password, Strength as PasswordStrength};
pub use people::{
    validate_name, DeviceBrief, Directory, NewPerson, OneTimePassword, Org, OrgKind, Person, PersonAdded, PersonChange, PersonDetail,
    PersonDisabled,
};
pub use phrases::{validate_phrases, Phrase, PhraseList, PhrasePlace};
pub use results::{
    results_report, CheckedItem, ChildChecklist, Grant, HandoverLine, NewGrant, NewPurchase, PersonPresent, Purchase, ReportChild,
    ReportStation, ResultsReport,
};
pub use rulebook::{RuleBook, RuleKind, RuleVersion};
pub use rules::{
    check_daytime_care, coordinator_ledger, daytime_short_day, daytime_warnings, default_daytime_bands, default_daytime_user_charge,
    hours_minutes_ja, respite_ledger, CoordinatorLedger, CoordinatorWork, DaytimeBand, DaytimeFee, DaytimeFeeGap, Fee, IncomeTier,
    MunicipalityRules, ProRating, RespiteCount, RespiteLedger, RespiteUse, UserCharge,
};
pub use score::{medical_care_score, validate_score, CareItem, Score, ScoreEntry, Watch};
pub use search::{load_visit_text, DateFilter, SearchQuery, VisitText};
pub use transfer::{bucket_child, own_records_bucket, Transfer, TransferRequest};
pub use validation::{Label, Problem, Problems, UnknownName};
pub use visit::{
    CareGiven, GuardianConfirmation, GuardianFlag, Handover, HandoverTopic, OtherVisit, Outcome, Profession, Returned, ReviewFacts,
    SignOff, SoapNote, StaffMember, StaffRole, StaffRoleRef, Station, StationRef, Visit, VisitContext, VisitIndexView, VisitKind,
    VisitStatus, VisitSummary, VitalReading,
};
pub use wire::{
    buckets_digest, AuditEntry, CatchUpCursor, CatchUpRequest, CatchUpResponse, ChangedDoc, ChangesResponse, DocPayload, ErrorBody,
    LoginRequest, LoginResponse, Message, PushOutcome, PushRequest, PushResponse, PushResult, QuarantineDevice, QuarantineEntry,
    RecoveryCodes, Role, SecondFactorConfirm, SecondFactorEnrolment, SecondFactorRemove, SecondFactorStart, SecondFactorStatus, UserInfo,
    QUARANTINE_FULL,
};
