//! `carebook visit record|show|list`.

use std::collections::{BTreeMap, HashMap};

use carebook_core::{CoreError, RespiteReport, VisitFilter};
use carebook_domain::{
    CareGiven, CheckEntry, Checklist, ChildId, Date, DateTime, GuardianConfirmation, HandoverTopic, Outcome, Problems, ProviderKind,
    SignOff, StaffMember, TimeOfDay, Visit, VisitId, VisitKind, VisitStatus, VisitSummary, VitalReading, YearMonth,
};
use clap::{Args, Subcommand};

use crate::args::{CareArg, CheckArg, StaffArg, StationArg, TopicArg, VitalArg, VitalTime};
use crate::output::{hours, over_cap_warning, print_json, respite_json, shown, shown_lines, unix_jst};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum VisitCmd {
    /// 訪問を記録 / record a visit; prints a summary and the new id.
    Record(Box<RecordArgs>),
    /// 訪問記録を修正 / edit a visit: each option given replaces its field, the others stay as
    /// they are. --staff, --vital, --care, --check and --topic add to their list (a staff id or
    /// checklist item already there is replaced); --clear-staff, --clear-vitals, --clear-care,
    /// --clear-checks and --clear-topics empty a list first, so --clear-vitals --vital … replaces
    /// the readings. Validated as a new record; an approved visit is locked. The record is sent
    /// at the next sync, also when the server refused it before.
    Edit(Box<EditArgs>),
    /// 提出済みの記録を看護師に差し戻す（事務）/ send a submitted record back to its nurse with
    /// what to fix (office); she sees the reason after both devices sync.
    SendBack {
        /// 訪問ID / visit id.
        id: VisitId,
        /// 差し戻す理由 / what to fix.
        #[arg(long)]
        reason: String,
    },
    /// 訪問記録を表示 / show a visit record.
    Show {
        /// 訪問ID / visit id.
        id: VisitId,
    },
    /// 訪問の一覧 / list visits.
    List(ListArgs),
    /// サーバー上の変更履歴（事務） / who changed the record and when, from the server (office).
    History {
        /// 訪問記録ID / visit id.
        id: VisitId,
    },
    /// サーバーが受け付けなかった変更の一覧と端末ごとの保留箱の使用量（事務） / pushes the server
    /// refused, and what each device's take in the quarantine (office).
    Quarantine {
        /// 端末ごとの使用量と上限超過だけを表示 / show only each device's use and quota refusals
        /// (with --json: those instead of the entries).
        #[arg(long)]
        devices: bool,
    },
}

/// `visit record`: the child and kind, then the visit's fields, of which station, date, start,
/// end and at least one staff member are required.
#[derive(Debug, Args)]
#[command(
    mut_arg("station", |a| a.required(true)),
    mut_arg("date", |a| a.required(true)),
    mut_arg("start", |a| a.required(true)),
    mut_arg("end", |a| a.required(true)),
    mut_arg("staff", |a| a.required(true)),
    mut_arg("check", |a| a.requires("checklist"))
)]
pub struct RecordArgs {
    /// 児童ID / child id.
    #[arg(long)]
    child: ChildId,
    /// 種類 / kind: respite | nursing | handover | daytime.
    #[arg(long)]
    kind: VisitKind,
    #[command(flatten)]
    fields: VisitFields,
}

/// `visit edit ID`: every option given replaces its field; the rest stay as they are.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// 訪問記録ID / visit id.
    id: VisitId,
    /// 種類 / kind: respite | nursing | handover | daytime.
    #[arg(long)]
    kind: Option<VisitKind>,
    /// 訪問者を空にしてから --staff を加える / empty the staff list before adding --staff.
    #[arg(long)]
    clear_staff: bool,
    /// バイタルを空にしてから --vital を加える / empty the vital readings before adding --vital.
    #[arg(long)]
    clear_vitals: bool,
    /// 実施したケアを空にしてから --care を加える / empty the care given before adding --care.
    #[arg(long)]
    clear_care: bool,
    /// チェック項目を空にしてから --check を加える / empty the checked items before adding --check.
    #[arg(long)]
    clear_checks: bool,
    /// 引継ぎ内容を空にしてから --topic を加える / empty the handover topics before adding --topic.
    #[arg(long)]
    clear_topics: bool,
    #[command(flatten)]
    fields: VisitFields,
}

/// A visit's fields on the command line, shared by `visit record` and `visit edit`. Given
/// options set their field; lists (`--staff`, `--vital`, `--care`, `--check`, `--topic`) add to
/// the list, an entry with an id already there (`--staff`, `--check`) replacing that entry.
#[derive(Debug, Args)]
pub struct VisitFields {
    /// 訪問するステーション / the station providing the visit "id:name".
    #[arg(long, value_name = "ID:NAME")]
    station: Option<StationArg>,
    /// 訪問日 / day of the visit.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<Date>,
    /// 開始時刻 / actual start.
    #[arg(long, value_name = "HH:MM")]
    start: Option<TimeOfDay>,
    /// 終了時刻 / actual end.
    #[arg(long, value_name = "HH:MM")]
    end: Option<TimeOfDay>,
    /// 終了日（日をまたぐ夜間の訪問） / end day, for night visits crossing midnight.
    #[arg(long, value_name = "YYYY-MM-DD")]
    end_date: Option<Date>,
    /// 予定開始 / scheduled start.
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM")]
    scheduled_start: Option<DateTime>,
    /// 予定終了 / scheduled end.
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM")]
    scheduled_end: Option<DateTime>,
    /// 場所 / place (default 自宅).
    #[arg(long, value_name = "TEXT")]
    place: Option<String>,
    /// 実施機関の種別 / kind of institution, daytime care only: hospital (病院) | clinic (診療所) |
    /// geriatric_health_facility (介護老人保健施設) | integrated_care_facility (介護医療院).
    #[arg(long)]
    provider: Option<ProviderKind>,
    /// 結果 / outcome: done | absent | cancelled (default done).
    #[arg(long)]
    outcome: Option<Outcome>,
    /// 訪問者 / staff "id:name:role:profession[:station_id]" (repeatable; role lead|accompanying;
    /// an id already on the visit replaces that member).
    #[arg(long, value_name = "ID:NAME:ROLE:PROFESSION[:STATION]")]
    staff: Vec<StaffArg>,
    /// バイタル / vital signs "HH:MM,rr=30,pulse=120,temp=36.8,spo2=98,bp=100/60" (repeatable; adds a reading).
    #[arg(long, value_name = "HH:MM,KEY=VALUE…")]
    vital: Vec<VitalArg>,
    /// 実施したケア / care given "item:count=6" | "tube_feeding:ml=200,rate=100" | "oxygen:lpm=1.5" (repeatable; note=… last; adds an entry).
    #[arg(long, value_name = "ITEM[:KEY=VALUE…]")]
    care: Vec<CareArg>,
    /// S（主観） / subjective.
    #[arg(long, value_name = "TEXT")]
    subjective: Option<String>,
    /// O（客観） / objective.
    #[arg(long, value_name = "TEXT")]
    objective: Option<String>,
    /// A（アセスメント） / assessment.
    #[arg(long, value_name = "TEXT")]
    assessment: Option<String>,
    /// P（計画） / plan.
    #[arg(long, value_name = "TEXT")]
    plan: Option<String>,
    /// チェックリストのテンプレートID / checklist template id (another template starts an empty checklist).
    #[arg(long, value_name = "TEMPLATE_ID")]
    checklist: Option<String>,
    /// チェック項目 / checked item "item_id=ok|problem|absent[:note]" (repeatable; an item already
    /// checked is replaced).
    #[arg(long, value_name = "ITEM=STATUS[:NOTE]")]
    check: Vec<CheckArg>,
    /// 引継ぎ元ステーション / station handing over "id:name".
    #[arg(long, value_name = "ID:NAME")]
    from_station: Option<StationArg>,
    /// 引継ぎ先ステーション / station taking over "id:name".
    #[arg(long, value_name = "ID:NAME")]
    to_station: Option<StationArg>,
    /// 引継ぎ内容 / handover topic "topic[:detail]" (repeatable; adds a topic).
    #[arg(long, value_name = "TOPIC[:DETAIL]")]
    topic: Vec<TopicArg>,
    /// 引継ぎ元の看護師のサイン / sign-off by this staff id of the station handing over.
    #[arg(long, value_name = "STAFF_ID")]
    sign_from: Option<String>,
    /// 引継ぎ先の看護師のサイン / sign-off by this staff id of the station taking over.
    #[arg(long, value_name = "STAFF_ID")]
    sign_to: Option<String>,
    /// 確認した保護者の氏名 / name of the guardian who confirmed the visit.
    #[arg(long, value_name = "NAME", conflicts_with = "no_guardian_reason")]
    guardian_name: Option<String>,
    /// 保護者確認がない理由 / why there is no guardian confirmation.
    #[arg(long, value_name = "TEXT")]
    no_guardian_reason: Option<String>,
    /// 提出 / submit the record (draft → submitted).
    #[arg(long)]
    submit: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// 児童ID / only this child.
    #[arg(long)]
    child: Option<ChildId>,
    /// 月 / only this month.
    #[arg(long, value_name = "YYYY-MM")]
    month: Option<YearMonth>,
    /// 種類 / only this kind: respite | nursing | handover | daytime.
    #[arg(long)]
    kind: Option<VisitKind>,
    /// 状態 / only this status: draft | submitted | approved.
    #[arg(long)]
    status: Option<VisitStatus>,
}

pub async fn run(env: &Env, cmd: VisitCmd) -> anyhow::Result<()> {
    match cmd {
        VisitCmd::Record(a) => record(env, *a).await,
        VisitCmd::Edit(a) => edit(env, *a).await,
        VisitCmd::SendBack { id, reason } => {
            let app = env.open().await?;
            let row = app.send_back_visit(id, &reason).await?;
            if env.json {
                return print_json(&row);
            }
            eprintln!("差し戻しました（次の同期で看護師の端末へ）/ sent back (reaches the nurse at the next sync)");
            out!("{id}");
            Ok(())
        }
        VisitCmd::Show { id } => show(env, id).await,
        VisitCmd::List(a) => list(env, a).await,
        VisitCmd::History { id } => history(env, id).await,
        VisitCmd::Quarantine { devices } => quarantine(env, devices).await,
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Builds a new visit from `visit record`'s arguments. Problems the core cannot see (a
/// sign-off by someone not on the staff list, an item checked twice) are returned as problems.
fn build_visit(a: RecordArgs) -> Result<Visit, Problems> {
    // Required by clap (`mut_arg` on RecordArgs).
    let station = a.fields.station.clone().expect("--station is required").0;
    let mut v = Visit::new(a.child, a.kind, station);
    apply(&mut v, a.fields, &Lists::default()).map(|()| v)
}

/// Which lists `visit edit` empties before adding what its options give.
#[derive(Debug, Default)]
struct Lists {
    staff: bool,
    vitals: bool,
    care: bool,
    checks: bool,
    topics: bool,
}

/// Applies the given options to a visit: each option given replaces its field, list options add
/// (after the lists named in `clear` are emptied). Times given alone keep the rest: `--start`
/// keeps the day, `--date` moves the end day with it. Every problem the core cannot see is
/// returned; nothing is applied partly then, as the caller drops the visit.
fn apply(v: &mut Visit, f: VisitFields, clear: &Lists) -> Result<(), Problems> {
    let mut p = Problems::new();
    if let Some(s) = f.station {
        v.station = s.0;
    }
    if f.date.is_some() || f.start.is_some() || f.end.is_some() || f.end_date.is_some() {
        let (old_start, old_end) = (v.actual_start, v.actual_end);
        let date = f.date.or(old_start.map(|s| s.date));
        let start = f.start.or(old_start.map(|s| s.time));
        let end = f.end.or(old_end.map(|e| e.time));
        // Without --end-date the end stays as many days after the start as it was (same day for a new visit).
        let days_after = match (old_start, old_end) {
            (Some(s), Some(e)) => e.date.days_since_epoch() - s.date.days_since_epoch(),
            _ => 0,
        };
        let end_date = f.end_date.or(date.map(|d| Date::from_days_since_epoch(d.days_since_epoch() + days_after)));
        match (date, start, end, end_date) {
            (Some(date), Some(start), Some(end), Some(end_date)) => {
                if f.end_date.is_none() && days_after == 0 && end <= start {
                    p.push(
                        "actual_end",
                        "time_order",
                        format!("終了 {end} が開始 {start} 以前です。日をまたぐ夜間の訪問は --end-date を指定してください"),
                        format!("end {end} is not after start {start}; for a night visit crossing midnight pass --end-date"),
                    );
                }
                v.actual_start = Some(DateTime::new(date, start));
                v.actual_end = Some(DateTime::new(end_date, end));
            }
            (date, start, ..) => {
                let (field, option) = match (date, start) {
                    (None, _) => ("actual_start", "--date"),
                    (_, None) => ("actual_start", "--start"),
                    _ => ("actual_end", "--end"),
                };
                p.push(
                    field,
                    "required",
                    format!("この記録には開始・終了時刻がありません。{option} も指定してください"),
                    format!("the record has no {field} yet: pass {option} too"),
                );
            }
        }
    }
    if f.scheduled_start.is_some() {
        v.scheduled_start = f.scheduled_start;
    }
    if f.scheduled_end.is_some() {
        v.scheduled_end = f.scheduled_end;
    }
    if let Some(place) = f.place {
        v.place = place;
    }
    if f.provider.is_some() {
        v.provider = f.provider;
    }
    if let Some(outcome) = f.outcome {
        v.outcome = outcome;
    }
    if clear.staff {
        v.staff.clear();
    }
    for s in f.staff {
        let member = StaffMember {
            station_id: s.station_id.unwrap_or_else(|| v.station.id.clone()),
            id: s.id,
            name: s.name,
            profession: s.profession,
            role: s.role,
        };
        match v.staff.iter_mut().find(|m| m.id == member.id) {
            Some(m) => *m = member,
            None => v.staff.push(member),
        }
    }
    if clear.vitals {
        v.vitals.clear();
    }
    for r in f.vital {
        let at = match r.at {
            None => None,
            Some(VitalTime::At(at)) => Some(at),
            // A time before the start on a night visit is on the end day.
            Some(VitalTime::Time(t)) => match (v.actual_start, v.actual_end) {
                (Some(s), Some(e)) if e.date != s.date && t < s.time => Some(DateTime::new(e.date, t)),
                (Some(s), _) => Some(DateTime::new(s.date, t)),
                (None, _) => {
                    p.push(
                        format!("vitals[{}].at", v.vitals.len()),
                        "required",
                        format!("記録に訪問日がないため、時刻 {t} は日付つき（YYYY-MM-DDTHH:MM）で指定してください"),
                        format!("the record has no day yet: give the reading's time as YYYY-MM-DDTHH:MM, not {t}"),
                    );
                    None
                }
            },
        };
        v.vitals.push(VitalReading {
            id: new_id(),
            at,
            respiration: r.respiration,
            pulse: r.pulse,
            temperature_c: r.temperature_c,
            spo2: r.spo2,
            bp_systolic: r.bp.map(|b| b.0),
            bp_diastolic: r.bp.map(|b| b.1),
        });
    }
    if clear.care {
        v.care.clear();
    }
    v.care.extend(f.care.into_iter().map(|c| CareGiven { id: new_id(), ..c.0 }));
    for (text, given) in [
        (&mut v.note.subjective, f.subjective),
        (&mut v.note.objective, f.objective),
        (&mut v.note.assessment, f.assessment),
        (&mut v.note.plan, f.plan),
    ] {
        if let Some(given) = given {
            // A diff of the text, so another device's concurrent typing merges.
            text.update(given.as_str());
        }
    }
    if let Some(template_id) = f.checklist {
        if template_id != v.checklist.template_id {
            v.checklist = Checklist { template_id, items: BTreeMap::new() };
        }
    }
    if clear.checks {
        v.checklist.items.clear();
    }
    let mut checked = std::collections::BTreeSet::new();
    for c in f.check {
        if !checked.insert(c.item.clone()) {
            p.push(
                format!("checklist.items.{}", c.item),
                "duplicate",
                format!("チェック項目「{}」が2回入力されています", c.item),
                format!("checklist item {:?} is given twice", c.item),
            );
        }
        v.checklist.items.insert(c.item, CheckEntry { status: c.status, note: c.note });
    }
    let handover_given = f.from_station.is_some()
        || f.to_station.is_some()
        || !f.topic.is_empty()
        || f.sign_from.is_some()
        || f.sign_to.is_some()
        || clear.topics;
    if (v.kind == VisitKind::Handover && v.handover.is_none()) || handover_given {
        let end = v.actual_end;
        let mut h = v.handover.take().unwrap_or_default();
        if let Some(s) = f.from_station {
            h.from_station = s.0;
        }
        if let Some(s) = f.to_station {
            h.to_station = s.0;
        }
        if clear.topics {
            h.topics.clear();
        }
        h.topics.extend(f.topic.into_iter().map(|t| HandoverTopic { id: new_id(), topic: t.topic, detail: t.detail }));
        let mut sign = |field: &str, staff_id: String| match (v.staff.iter().find(|s| s.id == staff_id), end) {
            (Some(s), Some(at)) => Some(SignOff { staff_id, name: s.name.clone(), at }),
            (None, _) => {
                p.push(
                    field,
                    "sign_off_staff",
                    format!("サインした「{staff_id}」は訪問者（--staff）にいません"),
                    format!("sign-off by {staff_id:?} who is not in the --staff list"),
                );
                None
            }
            (Some(_), None) => {
                p.push(
                    field,
                    "required",
                    "サインの時刻になる終了時刻（--end）がありません",
                    "a sign-off needs the visit's end time (--end), when it is signed",
                );
                None
            }
        };
        if let Some(id) = f.sign_from {
            h.from_sign_off = sign("handover.from_sign_off", id);
        }
        if let Some(id) = f.sign_to {
            h.to_sign_off = sign("handover.to_sign_off", id);
        }
        v.handover = Some(h);
    }
    match (f.guardian_name, f.no_guardian_reason) {
        (Some(name), _) => match v.actual_end {
            Some(at) => v.guardian = Some(GuardianConfirmation::Confirmed { name, at, signature: String::new() }),
            None => p.push(
                "guardian",
                "required",
                "確認の時刻になる終了時刻（--end）がありません",
                "a guardian confirmation needs the visit's end time (--end), when it is given",
            ),
        },
        (None, Some(reason)) => v.guardian = Some(GuardianConfirmation::NotConfirmed { reason }),
        (None, None) => {}
    }
    if f.submit && v.status == VisitStatus::Draft {
        // Validation then requires what submitting requires.
        v.status = VisitStatus::Submitted;
    }
    p.into_result()
}

async fn record(env: &Env, a: RecordArgs) -> anyhow::Result<()> {
    let visit = build_visit(a).map_err(CoreError::Invalid)?;
    let when = span(&visit);
    let app = env.open().await?;
    let summary = app.record_visit(visit).await?;
    print_saved(env, &app, &summary, &when, "訪問を記録しました / visit recorded").await
}

/// `visit edit`: the stored visit with the given options applied, validated as a new record is,
/// written only if it passes (an approved visit is locked). The record waits for the next sync;
/// one the server refused is pushed again.
async fn edit(env: &Env, a: EditArgs) -> anyhow::Result<()> {
    let clear = Lists { staff: a.clear_staff, vitals: a.clear_vitals, care: a.clear_care, checks: a.clear_checks, topics: a.clear_topics };
    let app = env.open().await?;
    let mut next = app.visit(a.id).await?;
    let approved = next.status == VisitStatus::Approved;
    if let Some(kind) = a.kind {
        next.kind = kind;
    }
    match apply(&mut next, a.fields, &clear) {
        // An approved visit is refused as locked below, whatever the options.
        Err(p) if !approved => return Err(CoreError::Invalid(p).into()),
        _ => {}
    }
    let visit = app.update_visit(a.id, move |v| *v = next).await?;
    let summary = app.store().visit_summary(visit.id).await?;
    print_saved(env, &app, &summary, &span(&visit), "訪問記録を修正しました / visit changed").await
}

/// Prints a recorded or changed visit: its summary, the child's respite hours for a respite
/// visit, what the rules warn about (a length counted otherwise, a short day), and its id (with
/// `--json`: `{id, summary, respite, warnings}`).
async fn print_saved(env: &Env, app: &carebook_core::Carebook, summary: &VisitSummary, when: &str, what: &str) -> anyhow::Result<()> {
    let report = match (summary.kind, summary.fiscal_year) {
        (VisitKind::Respite, Some(fy)) => Some(app.respite_remaining(summary.child_id, Some(fy)).await?),
        _ => None,
    };
    let warnings = app.visit_warnings(summary.id).await?;
    if env.json {
        let respite = report.as_ref().map(respite_json).transpose()?;
        return print_json(&serde_json::json!({ "id": summary.id, "summary": summary, "respite": respite, "warnings": warnings }));
    }
    print_record_summary(summary, when, report.as_ref(), what);
    for w in &warnings {
        out!("  注意 warning: {w}");
    }
    out!("{}", summary.id);
    Ok(())
}

fn span(v: &Visit) -> String {
    match (v.actual_start, v.actual_end) {
        (Some(a), Some(b)) if a.date == b.date => format!("{} {}–{}", a.date, a.time, b.time),
        (Some(a), Some(b)) => format!("{} {}–{} {}", a.date, a.time, b.date, b.time),
        (Some(a), None) => format!("{} {}–", a.date, a.time),
        _ => String::new(),
    }
}

fn print_record_summary(s: &VisitSummary, when: &str, report: Option<&RespiteReport>, what: &str) {
    out!("{what}: {} {when}", s.kind.label());
    out!("  時間 duration: {}分 min  結果 outcome: {}  状態 status: {}", s.duration_minutes, s.outcome.label(), s.status.label());
    if s.kind == VisitKind::Respite {
        out!("  請求対象 billable: {}分 min ({})  {}回 use(s)", s.billable_minutes, hours(s.billable_minutes.into()), s.uses);
    }
    if let Some(r) = report {
        let l = &r.ledger;
        out!(
            "  {} ({}) 残り時間 remaining: {}（上限 cap {} / 使用 used {}）",
            r.fiscal_year_label,
            l.fiscal_year.english_label(),
            hours(l.remaining_minutes),
            hours(l.cap_minutes.into()),
            hours(l.used_minutes.into())
        );
        if let Some(w) = over_cap_warning(r, Some(s.id)) {
            out!("{w}");
        }
    }
}

async fn show(env: &Env, id: VisitId) -> anyhow::Result<()> {
    let app = env.open().await?;
    let v = app.visit(id).await?;
    app.note_opened(&id.to_string(), v.child_id, "visit").await?;
    if env.json {
        return print_json(&v);
    }
    let child_name = app.store().child_row(v.child_id).await.map(|r| r.name).unwrap_or_else(|_| v.child_id.to_string());
    let templates = app.templates().await?;
    out!("{} — {}", v.kind.label(), shown(&child_name));
    out!("  ID: {}", v.id);
    out!("  児童 child: {} ({})", shown(&child_name), v.child_id);
    out!("  ステーション station: {} ({})", shown(&v.station.name), shown(&v.station.id));
    out!("  場所 place: {}", shown(&v.place));
    match (v.scheduled_start, v.scheduled_end) {
        (Some(a), Some(b)) => out!("  予定 scheduled: {} {}–{} {}", a.date, a.time, b.date, b.time),
        (Some(a), None) => out!("  予定 scheduled: {} {}", a.date, a.time),
        _ => {}
    }
    let dur = v.duration_minutes().map(|m| format!("（{m}分 min）")).unwrap_or_default();
    out!("  実績 actual: {}{dur}", span(&v));
    if v.actual_start.is_none() && v.status == carebook_domain::VisitStatus::Draft {
        // A plan (予定): nothing took place yet, so no outcome to show.
        out!("  結果 outcome: 未実施（予定） / not yet (planned)  状態 status: {}", v.status.label());
    } else {
        out!("  結果 outcome: {}  状態 status: {}", v.outcome.label(), v.status.label());
    }
    if let Some(r) = &v.returned {
        out!("  差し戻し sent back: {} {} — {}", shown(&r.by), r.at.date, shown_lines(&r.reason, "    "));
    }
    out!("  訪問者 staff:");
    for s in &v.staff {
        let (role, prof) = (s.role.label(), s.profession.label());
        out!("    {} {}（{} {}・{} {}） {}", shown(&s.id), shown(&s.name), role.ja, role.en, prof.ja, prof.en, shown(&s.station_id));
    }
    if !v.vitals.is_empty() {
        out!("  バイタル vitals:");
        for r in &v.vitals {
            let mut parts = vec![];
            if let Some(x) = r.respiration {
                parts.push(format!("呼吸 RR {x}"));
            }
            if let Some(x) = r.pulse {
                parts.push(format!("脈拍 pulse {x}"));
            }
            if let Some(x) = r.temperature_c {
                parts.push(format!("体温 temp {x:.1}℃"));
            }
            if let (Some(s), Some(d)) = (r.bp_systolic, r.bp_diastolic) {
                parts.push(format!("血圧 BP {s}/{d}"));
            }
            if let Some(x) = r.spo2 {
                parts.push(format!("SpO2 {x}%"));
            }
            let at = r.at.map(|a| format!("{} ", a.time)).unwrap_or_default();
            out!("    {at}{}", parts.join("  "));
        }
    }
    if !v.care.is_empty() {
        out!("  実施したケア care given:");
        for c in &v.care {
            let mut parts = vec![format!("{} / {}", c.item.label().ja, c.item.label().en)];
            if let Some(x) = c.count {
                parts.push(format!("{x}回 times"));
            }
            if let Some(x) = c.amount_ml {
                parts.push(format!("{x} mL"));
            }
            if let Some(x) = c.rate_ml_per_h {
                parts.push(format!("{x} mL/h"));
            }
            if let Some(x) = c.oxygen_l_per_min {
                parts.push(format!("{x} L/min"));
            }
            if !c.note.is_empty() {
                parts.push(shown(&c.note).to_string());
            }
            out!("    {}", parts.join("  "));
        }
    }
    for (label, text) in [
        ("S 主観 subjective", &v.note.subjective),
        ("O 客観 objective", &v.note.objective),
        ("A 評価 assessment", &v.note.assessment),
        ("P 計画 plan", &v.note.plan),
    ] {
        if !text.as_str().is_empty() {
            out!("  {label}: {}", shown_lines(text.as_str(), "    "));
        }
    }
    if !v.checklist.template_id.is_empty() {
        let t = templates.iter().find(|t| t.id == v.checklist.template_id);
        let title = t
            .map(|t| format!("{} / {}", shown(&t.title_ja), shown(&t.title_en)))
            .unwrap_or_else(|| shown(&v.checklist.template_id).to_string());
        out!("  物品チェックリスト checklist: {title}");
        // In the template's order; items the template does not know last.
        let position = |item: &str| t.and_then(|t| t.items.iter().position(|i| i.id == item)).unwrap_or(usize::MAX);
        let mut entries: Vec<_> = v.checklist.items.iter().collect();
        entries.sort_by_key(|(item, _)| position(item));
        for (item, e) in entries {
            let name = t.and_then(|t| t.items.iter().find(|i| &i.id == item)).map(|i| i.ja.as_str()).unwrap_or(item);
            let note = if e.note.is_empty() { String::new() } else { format!(" — {}", shown(&e.note)) };
            out!("    {} ({}): {}{note}", shown(name), shown(item), e.status.label());
        }
    }
    if let Some(h) = &v.handover {
        out!(
            "  引継ぎ handover: {} ({}) → {} ({})",
            shown(&h.from_station.name),
            shown(&h.from_station.id),
            shown(&h.to_station.name),
            shown(&h.to_station.id)
        );
        for t in &h.topics {
            let detail = if t.detail.is_empty() { String::new() } else { format!(": {}", shown_lines(&t.detail, "      ")) };
            out!("    - {}{detail}", shown(&t.topic));
        }
        for (label, s) in [("引継ぎ元サイン from sign-off", &h.from_sign_off), ("引継ぎ先サイン to sign-off", &h.to_sign_off)]
        {
            match s {
                Some(s) => out!("    {label}: {} ({}) {} {}", shown(&s.name), shown(&s.staff_id), s.at.date, s.at.time),
                None => out!("    {label}: なし none"),
            }
        }
    }
    match &v.guardian {
        Some(GuardianConfirmation::Confirmed { name, at, .. }) => {
            out!("  保護者確認 guardian confirmation: {} {} {}", shown(name), at.date, at.time)
        }
        Some(GuardianConfirmation::NotConfirmed { reason }) => {
            out!("  保護者確認 guardian confirmation: なし none — {}", shown_lines(reason, "    "))
        }
        None => out!("  保護者確認 guardian confirmation: 未入力 not yet given"),
    }
    Ok(())
}

async fn list(env: &Env, a: ListArgs) -> anyhow::Result<()> {
    let app = env.open().await?;
    let filter = VisitFilter { child: a.child, month: a.month, kind: a.kind, status: a.status, ..Default::default() };
    let rows = app.visits(&filter).await?;
    if env.json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        out!("該当する訪問はありません / no visits match");
        return Ok(());
    }
    let names: HashMap<ChildId, String> = app.children().await?.into_iter().map(|c| (c.id, c.name)).collect();
    out!("訪問 visits: {}", rows.len());
    for s in rows {
        let when = s.start.map(|d| format!("{} {}", d.date, d.time)).unwrap_or_else(|| "----------- -----".into());
        let name = shown(names.get(&s.child_id).map(String::as_str).unwrap_or("?"));
        let billable =
            if s.kind == VisitKind::Respite { format!("  請求 billable {}", hours(s.billable_minutes.into())) } else { String::new() };
        out!(
            "  {when}  {} / {}  {name}  {}分 min{billable}  {} / {}  {} / {}  {}",
            s.kind.label().ja,
            s.kind.label().en,
            s.duration_minutes,
            s.outcome.label().ja,
            s.outcome.label().en,
            s.status.label().ja,
            s.status.label().en,
            s.id
        );
    }
    Ok(())
}

async fn history(env: &Env, id: VisitId) -> anyhow::Result<()> {
    let entries = env.open().await?.visit_history(id).await?;
    if env.json {
        return print_json(&entries);
    }
    out!("変更履歴 history: {id}");
    for h in entries {
        let e = &h.entry;
        out!(
            "  {}  {}  {}  端末 device {}  {}",
            unix_jst(e.at),
            shown(&e.action),
            shown(&e.username),
            shown(&e.device_id),
            shown(&e.change_hash)
        );
        if h.unknown {
            out!("    （変更内容はこの端末にまだありません / what changed is not on this device yet: sync）");
        }
        for c in &h.changes {
            let value = |v: &Option<String>| v.as_deref().map_or_else(|| "—".to_string(), |s| shown(s).to_string());
            out!("    {} {}: {} → {}", shown(&c.label.ja), shown(&c.label.en), value(&c.old), value(&c.new));
        }
    }
    Ok(())
}

async fn quarantine(env: &Env, only_devices: bool) -> anyhow::Result<()> {
    let app = env.open().await?;
    if env.json {
        return if only_devices { print_json(&app.quarantine_devices().await?) } else { print_json(&app.quarantine().await?) };
    }
    if !only_devices {
        let entries = app.quarantine().await?;
        out!("差し戻し quarantined pushes: {}", entries.len());
        for e in entries {
            out!(
                "  {}  {} {}  [{}] {}  {}",
                unix_jst(e.at),
                shown(&e.kind),
                shown(&e.record_id),
                shown(&e.code),
                shown(&e.username),
                shown(&e.reason)
            );
        }
    }
    let devices = app.quarantine_devices().await?;
    out!("保留箱の使用量（端末ごと） quarantine use per device: {}", devices.len());
    let mib = |b: i64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    for d in devices {
        let refused = match d.refused_since {
            Some(since) if d.refused > 0 => format!(
                "  ⚠ 上限のため受け付けなかった変更 {} 件（{} から、最新 {}） / {} push(es) refused for the quota since {}",
                d.refused,
                unix_jst(since),
                d.refused_last.map(unix_jst).unwrap_or_default(),
                d.refused,
                unix_jst(since)
            ),
            _ => String::new(),
        };
        out!(
            "  {} {}（{}）  {} 件 entries  {} / {}{refused}",
            shown(&d.username),
            shown(&d.device_name),
            shown(&d.device_id),
            d.entries,
            mib(d.bytes),
            mib(d.quota_bytes)
        );
    }
    Ok(())
}
