//! The use cases behind the tablet app's screens, composed from the store and the domain so that
//! the Tauri shell stays a list of one-line commands. Each view carries what one screen shows
//! (the face sheet, the review table, a respite preview, the parent's gauge); none holds a rule of
//! its own: rules come from `carebook_domain`, numbers from the index.

use crate::store::IndexedVisit;
use crate::ChildRow;
use std::collections::{HashMap, HashSet};

use carebook_domain::{
    respite_ledger, Child, ChildId, Date, DateTime, ErrorBody, FiscalYear, GuardianConfirmation, InstructionState, MunicipalityRules,
    Outcome, Problem, RespiteLedger, RespiteUse, Score, StaffMember, StaffRole, Station, UserInfo, Visit, VisitId, VisitKind, VisitStatus,
    VisitSummary, YearMonth,
};
use serde::{Deserialize, Serialize};

use crate::store::{RejectedDoc, VisitFilter};
use crate::{clock, Carebook, CoreError, RespiteReport};

/// A child on the nurse's list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildCard {
    /// Id.
    pub id: ChildId,
    /// Name.
    pub name: String,
    /// Kana.
    pub kana: String,
    /// Municipality code.
    pub municipality: String,
    /// Medical-care score.
    pub score_total: u32,
    /// The doctor's instruction today.
    pub instruction_state: InstructionState,
    /// Respite minutes left this fiscal year (negative past the cap).
    pub remaining_minutes: i64,
    /// This fiscal year's cap, minutes.
    pub cap_minutes: u32,
}

/// A child's face sheet with what is derived from it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildSheet {
    /// The face sheet.
    pub child: Child,
    /// The medical-care score.
    pub score: Score,
    /// The doctor's instruction today (warns when expired or expiring).
    pub instruction_state: InstructionState,
    /// Respite hours this fiscal year.
    pub respite: RespiteReport,
    /// Age in whole years today.
    pub age_years: u32,
}

/// Marks the review table filters on.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VisitFlags {
    /// A respite session that took the child past the cap (or came after it).
    pub over_cap: bool,
    /// The server refused the last push of this record.
    pub rejected: bool,
    /// No guardian confirmation (or one recorded as not confirmed).
    pub unconfirmed: bool,
    /// The doctor's instruction was not valid on the visit's day.
    pub instruction_expired: bool,
    /// A respite session outside the municipality's 2–4 h per use: recorded with its real times,
    /// counted as nothing (under 2 h) or as 4 h (over 4 h).
    pub respite_length: bool,
    /// A daytime-care day under the 8 continuous hours the handout asks for in principle.
    pub short_day: bool,
    /// Changed on this device and not yet accepted by the server.
    pub pending_sync: bool,
}

/// One row of a visit list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitRow {
    /// The index row.
    pub summary: VisitSummary,
    /// The child's name.
    pub child_name: String,
    /// Why the office sent it back to the nurse, while it is a draft again (差し戻し).
    pub returned: Option<carebook_domain::Returned>,
    /// Whether the child was handed over to another station: this device keeps only the visits
    /// its station wrote, read-only, and names the child as on the day of the transfer.
    pub handed_over: bool,
    /// Staff names, lead first.
    pub staff: Vec<String>,
    /// Flags.
    pub flags: VisitFlags,
    /// The server's reason when it refused the record.
    pub rejected_reason: Option<String>,
}

/// The office's review filters; every field narrows the list, `false` flags do not.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewFilter {
    /// Month.
    pub month: Option<YearMonth>,
    /// Child.
    pub child: Option<ChildId>,
    /// Station code.
    pub station: Option<String>,
    /// Kind.
    pub kind: Option<VisitKind>,
    /// Status.
    pub status: Option<VisitStatus>,
    /// Only visits on or after this day (the nurse's today and upcoming).
    pub from: Option<Date>,
    /// Only sessions past the cap.
    pub over_cap: bool,
    /// Only records the server refused.
    pub rejected: bool,
    /// Only records without a guardian confirmation.
    pub unconfirmed: bool,
    /// Only visits on a day the doctor's instruction was not valid.
    pub expired_instruction: bool,
    /// Only respite sessions outside 2–4 h.
    pub respite_length: bool,
    /// Only daytime-care days under 8 hours.
    pub short_day: bool,
    /// At most this many rows, the first in time order (a screen pages through a long month).
    pub limit: Option<u32>,
}

impl ReviewFilter {
    /// Whether rows are dropped after they are made (the station, or a flag), so a limit cannot
    /// go to the query.
    fn narrows_rows(&self) -> bool {
        self.station.is_some()
            || self.over_cap
            || self.rejected
            || self.unconfirmed
            || self.expired_instruction
            || self.respite_length
            || self.short_day
    }
}

/// A visit with its row and, when the server can be asked, its history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitDetail {
    /// The record.
    pub visit: Visit,
    /// Its row (flags).
    pub row: VisitRow,
    /// What the rules warn about, though it was saved (`Carebook::visit_warnings`): why a
    /// `respite_length` or `short_day` flag is on, with the real length and what it counts.
    pub warnings: Vec<Problem>,
    /// Who changed what, when (from the server), oldest first, each entry with the fields it
    /// changed (worked out on the device; `unknown` where the device lacks that version).
    pub history: Vec<crate::office::HistoryEntry>,
    /// Why the history could not be read (offline, not logged in), if so.
    pub history_error: Option<ErrorBody>,
}

/// One vital-sign reading of a visit, for the face sheet's chart.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VitalPoint {
    /// When it was taken (the visit's start when the reading has no time).
    pub at: DateTime,
    /// The visit.
    pub visit_id: VisitId,
    /// Pulse, /min.
    pub pulse: Option<u32>,
    /// Respiration, /min.
    pub respiration: Option<u32>,
    /// SpO2, %.
    pub spo2: Option<u32>,
    /// Temperature, ℃.
    pub temperature_c: Option<f64>,
}

/// The child's visit before another (前回の値, [`Carebook::previous_visit`]): what the nurse looks
/// at while recording. The form copies its care and its plan on a tap; never its vital signs,
/// which are measured anew.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousVisit {
    /// The visit.
    pub id: VisitId,
    /// Its kind.
    pub kind: VisitKind,
    /// When it started.
    pub start: DateTime,
    /// When it ended.
    pub end: Option<DateTime>,
    /// Staff names, lead first.
    pub staff: Vec<String>,
    /// Its vital signs (to read, not to copy).
    pub vitals: Vec<carebook_domain::VitalReading>,
    /// The care given.
    pub care: Vec<carebook_domain::CareGiven>,
    /// Its SOAP note.
    pub note: carebook_domain::SoapNote,
}

/// A child's vital signs over its last visits ([`Carebook::vital_history`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VitalHistory {
    /// How many visits were read.
    pub visits: u32,
    /// Their readings, oldest first.
    pub points: Vec<VitalPoint>,
}

/// What a respite session would do to the child's hours, before it is saved.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RespitePreview {
    /// Remaining minutes before this session.
    pub before_remaining_minutes: i64,
    /// Remaining minutes after it (negative past the cap).
    pub after_remaining_minutes: i64,
    /// The cap, minutes.
    pub cap_minutes: u32,
    /// Minutes this session counts (`MunicipalityRules::respite_count`: whole units, at most
    /// the longest use, nothing under the shortest, × lead nurses) — what the index will count.
    pub billable_minutes: u32,
    /// It takes the child past the cap: a warning, not a block.
    pub passes_cap: bool,
    /// How the 2–4 h / 30-minute rules count this length (`respite_short`, `respite_capped`,
    /// `respite_unit`; empty when it counts as it is). Warnings: nothing here stops a save.
    pub problems: Vec<Problem>,
}

/// One respite session as the parent sees it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RespiteSession {
    /// The visit.
    pub visit_id: VisitId,
    /// Start.
    pub start: DateTime,
    /// Minutes counted.
    pub billable_minutes: u32,
    /// Uses (two nurses = two).
    pub uses: u32,
    /// The nurses (lead first).
    pub nurses: Vec<String>,
    /// Past the cap.
    pub over_cap: bool,
    /// Confirmed by a guardian.
    pub confirmed: bool,
    /// Status.
    pub status: VisitStatus,
}

/// A child's respite year for the parent: the gauge's numbers and every session.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RespiteYear {
    /// The numbers.
    pub report: RespiteReport,
    /// Sessions, newest first.
    pub sessions: Vec<RespiteSession>,
}

/// One child's respite in a month, for the office.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthRespiteRow {
    /// The child.
    pub child_id: ChildId,
    /// Name.
    pub child_name: String,
    /// Municipality name.
    pub municipality_name: String,
    /// Sessions in the month.
    pub sessions: u32,
    /// Uses in the month.
    pub uses: u32,
    /// Minutes counted in the month.
    pub month_minutes: u32,
    /// Minutes used in the fiscal year up to the end of the month.
    pub year_used_minutes: u32,
    /// The fiscal year's cap.
    pub cap_minutes: u32,
    /// Cap minus used up to the end of the month.
    pub remaining_minutes: i64,
    /// Past the cap by the end of the month.
    pub over_cap: bool,
}

/// The outcome of approving one record.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApproveResult {
    /// The record.
    pub id: VisitId,
    /// Why it was not approved, if so.
    pub error: Option<ErrorBody>,
}

/// Today on the device, for the screens' headers.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Today {
    /// Date (JST).
    pub date: Date,
    /// Now (JST).
    pub now: DateTime,
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// `令和8年度`.
    pub fiscal_year_ja: String,
    /// `FY2026`.
    pub fiscal_year_en: String,
}

impl Today {
    /// Now.
    pub fn now() -> Today {
        let now = clock::now_jst();
        let fy = now.date.fiscal_year();
        Today { date: now.date, now, fiscal_year: fy, fiscal_year_ja: fy.japanese_label(), fiscal_year_en: fy.english_label() }
    }
}

fn age_on(birth: Date, today: Date) -> u32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

impl Carebook {
    /// The children on this device with this year's remaining respite hours.
    pub async fn child_cards(&self) -> Result<Vec<ChildCard>, CoreError> {
        let today = clock::today_jst();
        let mut out = Vec::new();
        for row in self.children().await? {
            let child = self.child(row.id).await?;
            let report = self.respite_remaining(row.id, None).await?;
            out.push(ChildCard {
                id: row.id,
                name: row.name,
                kana: row.kana,
                municipality: row.municipality,
                score_total: row.score_total,
                instruction_state: child.instruction_state(today),
                remaining_minutes: report.ledger.remaining_minutes,
                cap_minutes: report.ledger.cap_minutes,
            });
        }
        Ok(out)
    }

    /// A child's face sheet, score, instruction state and respite hours.
    pub async fn child_sheet(&self, id: ChildId) -> Result<ChildSheet, CoreError> {
        let today = clock::today_jst();
        let child = self.child(id).await?;
        self.note_opened(&id.to_string(), id, "face_sheet").await?;
        Ok(ChildSheet {
            score: child.score(),
            instruction_state: child.instruction_state(today),
            respite: self.respite_remaining(id, None).await?,
            age_years: age_on(child.birth_date, today),
            child,
        })
    }

    /// A new draft visit for `child` by the logged-in account's station, with the account as lead.
    pub async fn new_visit(&self, child: ChildId, kind: VisitKind) -> Result<Visit, CoreError> {
        let user = self.session().await?.map(|s| s.user);
        let station = match &user {
            Some(u) => Station { id: u.org_id.clone(), name: self.station_name(&u.org_id).await? },
            None => Station::default(),
        };
        let mut visit = Visit::new(child, kind, station);
        if let Some(mut u) = user {
            // The name as the directory last synced it (it may have changed since the login).
            if let Some(me) = self.directory().await?.person(&u.id) {
                (u.name, u.profession) = (me.name.clone(), me.profession);
            }
            visit.staff.push(lead_of(&u));
        }
        Ok(visit)
    }

    /// The station's name from the organisation's directory; else the name it was last
    /// recorded under on this device; else its code.
    async fn station_name(&self, id: &str) -> Result<String, CoreError> {
        if let Some(org) = self.directory().await?.org(id).filter(|o| !o.name.is_empty()) {
            return Ok(org.name.clone());
        }
        let filter = VisitFilter::default();
        let last = self.visits(&filter).await?.into_iter().rev().find(|s| s.station_id == id);
        match last {
            Some(s) => Ok(self.visit(s.id).await?.station.name),
            None => Ok(id.to_string()),
        }
    }

    /// Saves a visit from the app: a new one is recorded, a known one replaced (locked when
    /// approved). Invalid input is refused with every problem and nothing is written.
    /// The status is not the form's to change: a new visit starts as a draft and a saved one
    /// keeps its stored status (submit and approve move it).
    pub async fn save_visit(&self, mut visit: Visit) -> Result<VisitRow, CoreError> {
        let id = visit.id;
        match self.store().visit_summary(id).await {
            Ok(_) => {
                self.update_visit(id, |v| {
                    visit.status = v.status;
                    *v = visit;
                })
                .await?;
            }
            Err(CoreError::NotFound { .. }) => {
                visit.status = VisitStatus::Draft;
                self.record_visit(visit).await?;
            }
            Err(e) => return Err(e),
        }
        self.visit_row(id).await
    }

    /// Records the guardian's confirmation (or why there is none) on a visit.
    pub async fn confirm_visit(&self, id: VisitId, confirmation: GuardianConfirmation) -> Result<VisitRow, CoreError> {
        self.update_visit(id, |v| v.guardian = Some(confirmation)).await?;
        self.visit_row(id).await
    }

    /// What a respite session from `start` to `end` with `lead_nurses` would do to the child's
    /// hours. A session that passes the cap is allowed (a warning); a length the rules count
    /// otherwise is named (a warning too) and counted as the index will count it.
    pub async fn respite_preview(
        &self,
        child: ChildId,
        visit_id: Option<VisitId>,
        start: DateTime,
        end: DateTime,
        lead_nurses: u32,
    ) -> Result<RespitePreview, CoreError> {
        let row = self.store().child_row(child).await?;
        let rules = self.store().rules_on(&row.municipality, start.date).await?;
        let fy = start.date.fiscal_year();
        let enrolled = row.respite_enrolled_on;
        let cap = rules.cap_minutes(fy, enrolled);
        let mut uses: Vec<RespiteUse> = self.store().respite_uses(child, fy).await?;
        if let Some(id) = visit_id {
            uses.retain(|u| u.visit_id != id);
        }
        let before = respite_ledger(fy, cap, uses.clone());
        let minutes = start.minutes_until(end);
        let problems = rules.respite_warnings(minutes, "actual_end");
        let billable = rules.respite_count(minutes, lead_nurses).billable_minutes;
        let after = before.remaining_minutes - i64::from(billable);
        Ok(RespitePreview {
            before_remaining_minutes: before.remaining_minutes,
            after_remaining_minutes: after,
            cap_minutes: cap,
            billable_minutes: billable,
            passes_cap: billable > 0 && after < 0,
            problems: problems.0,
        })
    }

    /// A child's respite year for the parent's gauge: numbers and every session with its nurses.
    pub async fn respite_year(&self, child: ChildId, fy: Option<FiscalYear>) -> Result<RespiteYear, CoreError> {
        let report = self.respite_remaining(child, fy).await?;
        let over: HashSet<VisitId> = report.ledger.over_cap.iter().copied().collect();
        let mut sessions = Vec::with_capacity(report.ledger.sessions.len());
        for u in report.ledger.sessions.iter().rev() {
            let v = self.store().indexed_visit(u.visit_id).await?;
            sessions.push(RespiteSession {
                visit_id: u.visit_id,
                start: u.start,
                billable_minutes: u.billable_minutes,
                uses: u.uses,
                nurses: v.review.staff_names,
                over_cap: over.contains(&u.visit_id),
                confirmed: v.review.confirmed,
                status: v.summary.status,
            });
        }
        Ok(RespiteYear { report, sessions })
    }

    /// Visits for the lists and the office's review table, with their flags.
    pub async fn review(&self, filter: &ReviewFilter) -> Result<Vec<VisitRow>, CoreError> {
        let visits = self
            .store()
            .indexed_visits(&VisitFilter {
                child: filter.child,
                month: filter.month,
                kind: filter.kind,
                status: filter.status,
                from: filter.from,
                fiscal_year: None,
                // When rows are dropped after they are made (a station or a flag), the limit
                // counts those kept, below; otherwise the query itself stops there.
                limit: filter.limit.filter(|_| !filter.narrows_rows()),
            })
            .await?;
        let mut ctx = RowContext::new(self, visits.iter().map(|v| v.summary.id)).await?;
        let mut out = Vec::new();
        for s in visits {
            if filter.station.as_deref().is_some_and(|st| st != s.summary.station_id) {
                continue;
            }
            let row = ctx.row(self, s).await?;
            let f = row.flags;
            if (filter.over_cap && !f.over_cap)
                || (filter.rejected && !f.rejected)
                || (filter.unconfirmed && !f.unconfirmed)
                || (filter.expired_instruction && !f.instruction_expired)
                || (filter.respite_length && !f.respite_length)
                || (filter.short_day && !f.short_day)
            {
                continue;
            }
            out.push(row);
            if filter.limit.is_some_and(|n| out.len() >= n as usize) {
                break;
            }
        }
        Ok(out)
    }

    /// One visit's row with its flags.
    pub async fn visit_row(&self, id: VisitId) -> Result<VisitRow, CoreError> {
        let visit = self.store().indexed_visit(id).await?;
        RowContext::new(self, [id]).await?.row(self, visit).await
    }

    /// The vital signs of `child`'s `limit` newest visits that took place, oldest reading first,
    /// read from the records on this device (no server call: the face sheet's chart opens
    /// offline and at once).
    pub async fn vital_history(&self, child: ChildId, limit: usize) -> Result<VitalHistory, CoreError> {
        let filter = VisitFilter { child: Some(child), ..Default::default() };
        let mut rows: Vec<VisitSummary> = self
            .store()
            .visits(&filter)
            .await?
            .into_iter()
            .filter(|v| v.start.is_some() && v.outcome == carebook_domain::Outcome::Done)
            .collect();
        rows.sort_by(|a, b| b.start.cmp(&a.start).then(b.id.cmp(&a.id)));
        rows.truncate(limit);
        let mut points = Vec::new();
        for r in &rows {
            let v = self.visit(r.id).await?;
            for reading in &v.vitals {
                let Some(at) = reading.at.or(v.actual_start).or(r.start) else { continue };
                points.push(VitalPoint {
                    at,
                    visit_id: v.id,
                    pulse: reading.pulse,
                    respiration: reading.respiration,
                    spo2: reading.spo2,
                    temperature_c: reading.temperature_c,
                });
            }
        }
        points.sort_by(|a, b| a.at.cmp(&b.at).then(a.visit_id.cmp(&b.visit_id)));
        Ok(VitalHistory { visits: rows.len() as u32, points })
    }

    /// The newest visit of `child` that took place (outcome done) before `before` — the visit
    /// being recorded, when it has a start: the visits that started earlier; otherwise the
    /// newest of all but it. `None` for a child's first visit. Reads the index for the child's
    /// visits and one document.
    pub async fn previous_visit(&self, child: ChildId, before: Option<VisitId>) -> Result<Option<PreviousVisit>, CoreError> {
        let Some((start, v)) = self.previous_visit_record(child, before).await? else { return Ok(None) };
        let mut staff = v.staff.clone();
        staff.sort_by_key(|s| s.role != StaffRole::Lead);
        Ok(Some(PreviousVisit {
            id: v.id,
            kind: v.kind,
            start,
            end: v.actual_end,
            staff: staff.into_iter().map(|s| s.name).collect(),
            vitals: v.vitals,
            care: v.care,
            note: v.note,
        }))
    }

    /// The record behind [`Carebook::previous_visit`], with its start: the notices read its
    /// checklist from the same one document.
    pub(crate) async fn previous_visit_record(
        &self,
        child: ChildId,
        before: Option<VisitId>,
    ) -> Result<Option<(DateTime, Visit)>, CoreError> {
        let filter = VisitFilter { child: Some(child), ..Default::default() };
        let rows = self.store().visits(&filter).await?;
        let until = before.and_then(|id| rows.iter().find(|r| r.id == id)).and_then(|r| r.start);
        let Some(row) = rows
            .iter()
            .filter(|r| Some(r.id) != before && r.outcome == Outcome::Done)
            .filter_map(|r| r.start.map(|start| (start, r)))
            .filter(|(start, _)| until.is_none_or(|u| *start < u))
            .max_by(|(a, x), (b, y)| a.cmp(b).then(x.id.cmp(&y.id)))
            .map(|(_, r)| r)
        else {
            return Ok(None);
        };
        let v = self.visit(row.id).await?;
        Ok(v.actual_start.or(row.start).map(|start| (start, v)))
    }

    /// Sends a submitted visit back to its nurse (差し戻し, office) with what to fix: a draft
    /// again, which the nurse sees with the reason once both devices have synced.
    pub async fn send_back_visit(&self, id: VisitId, reason: &str) -> Result<VisitRow, CoreError> {
        let by = match self.session().await? {
            Some(s) if !s.user.name.trim().is_empty() => s.user.name,
            Some(s) => s.user.username,
            None => String::new(),
        };
        let mut doc = self.store().load::<Visit>(&id.to_string()).await?;
        self.writable_child_row(doc.value().child_id).await?;
        let mut next = doc.value().clone();
        next.send_back(reason, &by, clock::now_jst())?;
        doc.replace(next)?;
        self.store().save(&mut doc).await?;
        self.visit_row(id).await
    }

    /// A visit, its flags and its history on the server (the history is left empty with the
    /// reason when the server cannot be asked).
    pub async fn visit_detail(&self, id: VisitId) -> Result<VisitDetail, CoreError> {
        let visit = self.visit(id).await?;
        self.note_opened(&id.to_string(), visit.child_id, "visit").await?;
        let row = self.visit_row(id).await?;
        let warnings = self.visit_warnings(id).await?;
        let (history, history_error) = match self.visit_history(id).await {
            Ok(h) => (h, None),
            Err(e) => (Vec::new(), Some(e.to_body())),
        };
        Ok(VisitDetail { visit, row, warnings, history, history_error })
    }

    /// Approves each visit (office); one that cannot be approved says why and the others go on.
    pub async fn approve_visits(&self, ids: &[VisitId]) -> Result<Vec<ApproveResult>, CoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let error = match self.set_visit_status(id, VisitStatus::Approved).await {
                Ok(_) => None,
                Err(e @ CoreError::Document(_)) => return Err(e),
                Err(e) if e.is_storage() => return Err(e),
                Err(e) => Some(e.to_body()),
            };
            out.push(ApproveResult { id, error });
        }
        Ok(out)
    }

    /// Submits a draft visit (nurse), checked in full first.
    pub async fn submit_visit(&self, id: VisitId) -> Result<VisitRow, CoreError> {
        self.set_visit_status(id, VisitStatus::Submitted).await?;
        self.visit_row(id).await
    }

    /// Each child's respite in a month: sessions, minutes, and the year's numbers up to the
    /// month's end.
    pub async fn respite_month(&self, month: YearMonth) -> Result<Vec<MonthRespiteRow>, CoreError> {
        let fy = month.first_day().fiscal_year();
        let end = month.last_day();
        let mut out = Vec::new();
        for row in self.children().await? {
            let report = self.respite_remaining(row.id, Some(fy)).await?;
            let upto: Vec<RespiteUse> = report.ledger.sessions.iter().filter(|u| u.start.date <= end).copied().collect();
            let in_month: Vec<&RespiteUse> = upto.iter().filter(|u| u.start.date.year_month() == month).collect();
            let ledger: RespiteLedger = respite_ledger(fy, report.ledger.cap_minutes, upto.clone());
            out.push(MonthRespiteRow {
                child_id: row.id,
                child_name: row.name,
                municipality_name: report.municipality_name,
                sessions: in_month.len() as u32,
                uses: in_month.iter().map(|u| u.uses).sum(),
                month_minutes: in_month.iter().map(|u| u.billable_minutes).sum(),
                year_used_minutes: ledger.used_minutes,
                cap_minutes: ledger.cap_minutes,
                remaining_minutes: ledger.remaining_minutes,
                over_cap: ledger.is_over_cap(),
            });
        }
        Ok(out)
    }
}

/// The account as the lead nurse of a visit.
/// The account as a visit's lead: their name and profession (the account name only while the
/// server has no name for them).
fn lead_of(u: &UserInfo) -> StaffMember {
    StaffMember {
        id: u.id.clone(),
        name: if u.name.trim().is_empty() { u.username.clone() } else { u.name.clone() },
        profession: u.profession.unwrap_or(carebook_domain::Profession::Nurse),
        role: StaffRole::Lead,
        station_id: u.org_id.clone(),
    }
}

/// A row's child: its index row, or the name the directory keeps of one handed over to another
/// station (no longer on this device).
enum RowChild {
    Indexed(ChildRow),
    HandedOver { name: String },
}

/// What rows share, read once per list: refused records, records waiting to sync, the children's
/// index rows, each municipality's rules for a year's cap, and each child's over-cap sessions of
/// a year. A row reads no document.
pub(crate) struct RowContext {
    rejected: HashMap<String, RejectedDoc>,
    pending: HashSet<String>,
    children: HashMap<ChildId, RowChild>,
    caps: HashMap<(String, FiscalYear), MunicipalityRules>,
    over_cap: HashMap<(ChildId, FiscalYear), HashSet<VisitId>>,
    directory: Option<carebook_domain::Directory>,
}

impl RowContext {
    /// The context of a list of the visits `ids` (the rows to be made; only their sync state is
    /// read).
    pub(crate) async fn new(app: &Carebook, ids: impl IntoIterator<Item = VisitId>) -> Result<RowContext, CoreError> {
        let ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
        let (pending, rejected) = app.store().sync_marks(&ids).await?;
        let rejected = rejected.into_iter().map(|r| (r.id.clone(), r)).collect();
        let pending = pending.into_iter().collect();
        let children = app.store().children().await?.into_iter().map(|c| (c.id, RowChild::Indexed(c))).collect();
        Ok(RowContext { rejected, pending, children, caps: HashMap::new(), over_cap: HashMap::new(), directory: None })
    }

    /// The child of a row: from the index, else (handed over) the directory's name.
    async fn child(&mut self, app: &Carebook, id: ChildId) -> Result<&RowChild, CoreError> {
        if !self.children.contains_key(&id) {
            let directory = match &self.directory {
                Some(d) => d,
                None => self.directory.insert(app.directory().await?),
            };
            let Some(t) = directory.transfer_of(&id.to_string()) else {
                return Err(CoreError::NotFound { kind: carebook_domain::RecordKind::Child, id: id.to_string() });
            };
            self.children.insert(id, RowChild::HandedOver { name: t.child_name.clone() });
        }
        Ok(&self.children[&id])
    }

    /// The sessions of `child`'s year `fy` past its cap (as `respite_remaining` counts them:
    /// the cap as the settings in force today say, or on the year's last day for a past year).
    async fn over_cap(&mut self, app: &Carebook, child: &ChildRow, fy: FiscalYear) -> Result<&HashSet<VisitId>, CoreError> {
        if !self.over_cap.contains_key(&(child.id, fy)) {
            let key = (child.municipality.clone(), fy);
            if !self.caps.contains_key(&key) {
                let day = clock::today_jst().min(fy.last_day());
                self.caps.insert(key.clone(), app.store().rules_on(&child.municipality, day).await?);
            }
            let cap = self.caps[&key].cap_minutes(fy, child.respite_enrolled_on);
            let uses = app.store().respite_uses(child.id, fy).await?;
            self.over_cap.insert((child.id, fy), respite_ledger(fy, cap, uses).over_cap.into_iter().collect());
        }
        Ok(&self.over_cap[&(child.id, fy)])
    }

    /// The row of an indexed visit: everything from the index and the device's sync state;
    /// never a document.
    pub(crate) async fn row(&mut self, app: &Carebook, IndexedVisit { summary, review }: IndexedVisit) -> Result<VisitRow, CoreError> {
        let indexed = match self.child(app, summary.child_id).await? {
            RowChild::Indexed(c) => Some(c.clone()),
            RowChild::HandedOver { .. } => None,
        };
        let over_cap = match (summary.fiscal_year, &indexed) {
            // The ledger needs the child's whole year: not held for a child handed over.
            (Some(fy), Some(child)) if summary.kind == VisitKind::Respite => self.over_cap(app, child, fy).await?.contains(&summary.id),
            _ => false,
        };
        let instruction_expired = match (&indexed, summary.date) {
            (Some(child), Some(d)) => child.instruction_lapsed_on(d),
            _ => false,
        };
        let child_name = match &self.children[&summary.child_id] {
            RowChild::Indexed(c) => c.name.clone(),
            RowChild::HandedOver { name } => name.clone(),
        };
        let key = summary.id.to_string();
        let rejected = self.rejected.get(&key);
        Ok(VisitRow {
            child_name,
            handed_over: indexed.is_none(),
            staff: review.staff_names,
            flags: VisitFlags {
                over_cap,
                rejected: rejected.is_some(),
                unconfirmed: !review.confirmed,
                instruction_expired,
                respite_length: review.respite_length,
                short_day: review.short_day,
                pending_sync: self.pending.contains(&key),
            },
            rejected_reason: rejected.map(|r| r.reason.clone()),
            returned: review.returned,
            summary,
        })
    }
}

/// What 入力を確認 finds in a visit as it is on screen: what would refuse it, and what to look at
/// though nothing stops it being saved.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitCheck {
    /// Every problem (empty when it can be saved as given): the check saving runs.
    pub problems: Vec<Problem>,
    /// What `Carebook::visit_warnings` would say of it.
    pub warnings: Vec<Problem>,
}

impl Carebook {
    /// What the nurse and the office should know about a saved visit, though nothing stopped it
    /// being saved (`Visit::warnings`: a vital-sign reading timed outside the visit, a respite
    /// length the rules count otherwise, a respite session overlapping another visit of the
    /// child on this device, a daytime day under 8 hours), by the child's municipality's rules.
    pub async fn visit_warnings(&self, id: VisitId) -> Result<Vec<Problem>, CoreError> {
        let visit = self.visit(id).await?;
        self.warnings_of(&visit).await
    }

    /// The other visits of the child that took place, from the index, that a respite session
    /// from the day before `visit` to its end could overlap (a night session across midnight
    /// included). Only a respite session that took place asks.
    async fn overlapping_candidates(&self, visit: &Visit) -> Result<Vec<carebook_domain::OtherVisit>, CoreError> {
        let (VisitKind::Respite, Outcome::Done, Some(start), Some(_)) = (visit.kind, visit.outcome, visit.actual_start, visit.actual_end)
        else {
            return Ok(Vec::new());
        };
        let from = Date::from_days_since_epoch(start.date.days_since_epoch() - 1);
        let filter = VisitFilter { child: Some(visit.child_id), from: Some(from), ..Default::default() };
        Ok(self
            .store()
            .visits(&filter)
            .await?
            .into_iter()
            .filter(|s| s.id != visit.id && s.outcome == Outcome::Done && s.duration_minutes > 0)
            .filter_map(|s| {
                let start = s.start?;
                Some(carebook_domain::OtherVisit { id: s.id, kind: s.kind, start, end: start.plus_minutes(s.duration_minutes.into()) })
            })
            .collect())
    }

    /// [`Carebook::visit_warnings`] of a visit as given (saved or not).
    pub async fn warnings_of(&self, visit: &Visit) -> Result<Vec<Problem>, CoreError> {
        let municipality = match self.store().child_row(visit.child_id).await {
            Ok(row) => row.municipality,
            // A child handed over: the municipality its transfer recorded.
            Err(not_found @ CoreError::NotFound { .. }) => match self.directory().await?.transfer_of(&visit.child_id.to_string()) {
                Some(t) => t.municipality.clone(),
                None => return Err(not_found),
            },
            Err(e) => return Err(e),
        };
        let rules = self.store().rules_on(&municipality, visit.rule_date(crate::clock::today_jst())).await?;
        let others = self.overlapping_candidates(visit).await?;
        Ok(visit.warnings(&rules, &others).0)
    }

    /// Every problem with `visit` (empty when it can be saved): the same check saving runs.
    pub async fn check_visit_problems(&self, visit: &Visit) -> Result<Vec<Problem>, CoreError> {
        match self.check_visit(visit).await {
            Ok(()) => Ok(Vec::new()),
            Err(CoreError::Invalid(p)) => Ok(p.0),
            Err(e) => Err(e),
        }
    }

    /// [`Carebook::check_visit_problems`] and [`Carebook::warnings_of`] of a visit as on screen.
    pub async fn check_visit_full(&self, visit: &Visit) -> Result<VisitCheck, CoreError> {
        let problems = self.check_visit_problems(visit).await?;
        // A child this device cannot write for has nothing more to say.
        let warnings = if problems.iter().any(|p| p.code == "unknown_child") { Vec::new() } else { self.warnings_of(visit).await? };
        Ok(VisitCheck { problems, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_counts_whole_years_up_to_the_birthday() {
        let d = |y, m, dd| Date::new(y, m, dd).unwrap();
        assert_eq!(age_on(d(2020, 5, 10), d(2026, 5, 9)), 5);
        assert_eq!(age_on(d(2020, 5, 10), d(2026, 5, 10)), 6);
        assert_eq!(age_on(d(2020, 2, 29), d(2026, 2, 28)), 5);
    }
}

/// One enum value with its labels.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelEntry {
    /// The stable name (what records and commands use).
    pub name: String,
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

/// The bilingual labels of every choice the screens offer, from the domain's one source.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Labels {
    /// Visit kinds.
    pub visit_kind: Vec<LabelEntry>,
    /// Outcomes.
    pub outcome: Vec<LabelEntry>,
    /// Statuses.
    pub status: Vec<LabelEntry>,
    /// Professions.
    pub profession: Vec<LabelEntry>,
    /// Roles on a visit.
    pub staff_role: Vec<LabelEntry>,
    /// The score's care items.
    pub care_item: Vec<LabelEntry>,
    /// Watch levels.
    pub watch: Vec<LabelEntry>,
    /// Doctor's instruction states.
    pub instruction_state: Vec<LabelEntry>,
    /// Checklist answers.
    pub check_status: Vec<LabelEntry>,
    /// Account roles.
    pub role: Vec<LabelEntry>,
    /// Household income tiers.
    pub income_tier: Vec<LabelEntry>,
    /// What a guardian's consent to share with the municipality covers.
    pub sharing_scope: Vec<LabelEntry>,
    /// Why a session of the month is not claimed.
    pub unclaimed: Vec<LabelEntry>,
    /// The kinds of institution giving daytime care.
    pub provider: Vec<LabelEntry>,
    /// Why a daytime-care day of the month is not paid.
    pub daytime_unclaimed: Vec<LabelEntry>,
    /// What a coordinator did for a child.
    pub work_kind: Vec<LabelEntry>,
    /// Regional meeting or training.
    pub meeting_kind: Vec<LabelEntry>,
}

macro_rules! entries {
    ($ty:ty) => {
        <$ty>::ALL
            .iter()
            .map(|v| LabelEntry { name: v.name().to_string(), ja: v.label().ja.to_string(), en: v.label().en.to_string() })
            .collect()
    };
}

impl Labels {
    /// Every label.
    pub fn all() -> Labels {
        use carebook_domain::{CareItem, CheckStatus, IncomeTier, Outcome, Profession, Role, Watch};
        Labels {
            visit_kind: entries!(VisitKind),
            outcome: entries!(Outcome),
            status: entries!(VisitStatus),
            profession: entries!(Profession),
            staff_role: entries!(StaffRole),
            care_item: entries!(CareItem),
            watch: entries!(Watch),
            instruction_state: entries!(InstructionState),
            check_status: entries!(CheckStatus),
            role: entries!(Role),
            income_tier: entries!(IncomeTier),
            sharing_scope: entries!(carebook_domain::SharingScope),
            unclaimed: entries!(carebook_domain::Unclaimed),
            provider: entries!(carebook_domain::ProviderKind),
            daytime_unclaimed: entries!(carebook_domain::DaytimeUnclaimed),
            work_kind: entries!(carebook_domain::WorkKind),
            meeting_kind: entries!(carebook_domain::MeetingKind),
        }
    }
}
