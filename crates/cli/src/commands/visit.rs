//! `carebook visit record|show|list`.

use std::collections::{BTreeMap, HashMap};

use carebook_core::{CoreError, RespiteReport, VisitFilter};
use carebook_domain::{
    CareGiven, CheckEntry, Checklist, ChildId, Date, DateTime, GuardianConfirmation, HandoverTopic, Outcome, Problems, SignOff,
    StaffMember, TimeOfDay, Visit, VisitId, VisitKind, VisitStatus, VisitSummary, VitalReading, YearMonth,
};
use clap::{Args, Subcommand};

use crate::args::{CareArg, CheckArg, StaffArg, StationArg, TopicArg, VitalArg, VitalTime};
use crate::output::{hours, over_cap_warning, print_json, respite_json, shown, shown_lines, unix_jst};
use crate::Env;

#[derive(Debug, Subcommand)]
pub enum VisitCmd {
    /// 訪問を記録 / record a visit; prints a summary and the new id.
    Record(Box<RecordArgs>),
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

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// 児童ID / child id.
    #[arg(long)]
    child: ChildId,
    /// 種類 / kind: respite | nursing | handover | daytime.
    #[arg(long)]
    kind: VisitKind,
    /// 訪問するステーション / the station providing the visit "id:name".
    #[arg(long, value_name = "ID:NAME")]
    station: StationArg,
    /// 訪問日 / day of the visit.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Date,
    /// 開始時刻 / actual start.
    #[arg(long, value_name = "HH:MM")]
    start: TimeOfDay,
    /// 終了時刻 / actual end.
    #[arg(long, value_name = "HH:MM")]
    end: TimeOfDay,
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
    /// 結果 / outcome: done | absent | cancelled.
    #[arg(long, default_value = "done")]
    outcome: Outcome,
    /// 訪問者 / staff "id:name:role:profession[:station_id]" (repeatable; role lead|accompanying).
    #[arg(long, required = true, value_name = "ID:NAME:ROLE:PROFESSION[:STATION]")]
    staff: Vec<StaffArg>,
    /// バイタル / vital signs "HH:MM,rr=30,pulse=120,temp=36.8,spo2=98,bp=100/60" (repeatable).
    #[arg(long, value_name = "HH:MM,KEY=VALUE…")]
    vital: Vec<VitalArg>,
    /// 実施したケア / care given "item:count=6" | "tube_feeding:ml=200,rate=100" | "oxygen:lpm=1.5" (repeatable; note=… last).
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
    /// チェックリストのテンプレートID / checklist template id.
    #[arg(long, value_name = "TEMPLATE_ID")]
    checklist: Option<String>,
    /// チェック項目 / checked item "item_id=ok|problem|absent[:note]" (repeatable).
    #[arg(long, requires = "checklist", value_name = "ITEM=STATUS[:NOTE]")]
    check: Vec<CheckArg>,
    /// 引継ぎ元ステーション / station handing over "id:name".
    #[arg(long, value_name = "ID:NAME")]
    from_station: Option<StationArg>,
    /// 引継ぎ先ステーション / station taking over "id:name".
    #[arg(long, value_name = "ID:NAME")]
    to_station: Option<StationArg>,
    /// 引継ぎ内容 / handover topic "topic[:detail]" (repeatable).
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
    /// 記録後に提出 / submit the record (draft → submitted).
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
        VisitCmd::Show { id } => show(env, id).await,
        VisitCmd::List(a) => list(env, a).await,
        VisitCmd::History { id } => history(env, id).await,
        VisitCmd::Quarantine { devices } => quarantine(env, devices).await,
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Builds the domain visit from the arguments. Problems the core cannot see (a sign-off by
/// someone not on the staff list, an item checked twice) are returned as problems.
fn build_visit(a: RecordArgs) -> Result<(Visit, bool), Problems> {
    let mut p = Problems::new();
    let start = DateTime::new(a.date, a.start);
    let end = DateTime::new(a.end_date.unwrap_or(a.date), a.end);
    if a.end_date.is_none() && a.end <= a.start {
        p.push(
            "actual_end",
            "time_order",
            format!("終了 {} が開始 {} 以前です。日をまたぐ夜間の訪問は --end-date を指定してください", a.end, a.start),
            format!("end {} is not after start {}; for a night visit crossing midnight pass --end-date", a.end, a.start),
        );
    }
    let mut v = Visit::new(a.child, a.kind, a.station.0.clone());
    if let Some(place) = a.place {
        v.place = place;
    }
    v.actual_start = Some(start);
    v.actual_end = Some(end);
    v.scheduled_start = a.scheduled_start;
    v.scheduled_end = a.scheduled_end;
    v.outcome = a.outcome;
    v.staff = a
        .staff
        .into_iter()
        .map(|s| StaffMember {
            id: s.id,
            name: s.name,
            profession: s.profession,
            role: s.role,
            station_id: s.station_id.unwrap_or_else(|| a.station.0.id.clone()),
        })
        .collect();
    v.vitals = a
        .vital
        .into_iter()
        .map(|r| VitalReading {
            id: new_id(),
            at: r.at.map(|t| match t {
                VitalTime::At(at) => at,
                // A time before the start on a night visit is on the end day.
                VitalTime::Time(t) => match a.end_date {
                    Some(d) if t < a.start => DateTime::new(d, t),
                    _ => DateTime::new(a.date, t),
                },
            }),
            respiration: r.respiration,
            pulse: r.pulse,
            temperature_c: r.temperature_c,
            spo2: r.spo2,
            bp_systolic: r.bp.map(|b| b.0),
            bp_diastolic: r.bp.map(|b| b.1),
        })
        .collect();
    v.care = a.care.into_iter().map(|c| CareGiven { id: new_id(), ..c.0 }).collect();
    if let Some(s) = a.subjective {
        v.note.subjective = s.into();
    }
    if let Some(s) = a.objective {
        v.note.objective = s.into();
    }
    if let Some(s) = a.assessment {
        v.note.assessment = s.into();
    }
    if let Some(s) = a.plan {
        v.note.plan = s.into();
    }
    if let Some(template_id) = a.checklist {
        let mut items = BTreeMap::new();
        for c in a.check {
            if items.contains_key(&c.item) {
                p.push(
                    format!("checklist.items.{}", c.item),
                    "duplicate",
                    format!("チェック項目「{}」が2回入力されています", c.item),
                    format!("checklist item {:?} is given twice", c.item),
                );
            }
            items.insert(c.item, CheckEntry { status: c.status, note: c.note });
        }
        v.checklist = Checklist { template_id, items };
    }
    let handover_given =
        a.from_station.is_some() || a.to_station.is_some() || !a.topic.is_empty() || a.sign_from.is_some() || a.sign_to.is_some();
    if a.kind == VisitKind::Handover || handover_given {
        let mut h = v.handover.take().unwrap_or_default();
        if let Some(s) = a.from_station {
            h.from_station = s.0;
        }
        if let Some(s) = a.to_station {
            h.to_station = s.0;
        }
        h.topics = a.topic.into_iter().map(|t| HandoverTopic { id: new_id(), topic: t.topic, detail: t.detail }).collect();
        let mut sign = |field: &str, staff_id: Option<String>| {
            let staff_id = staff_id?;
            match v.staff.iter().find(|s| s.id == staff_id) {
                Some(s) => Some(SignOff { staff_id, name: s.name.clone(), at: end }),
                None => {
                    p.push(
                        field,
                        "sign_off_staff",
                        format!("サインした「{staff_id}」は訪問者（--staff）にいません"),
                        format!("sign-off by {staff_id:?} who is not in the --staff list"),
                    );
                    None
                }
            }
        };
        h.from_sign_off = sign("handover.from_sign_off", a.sign_from);
        h.to_sign_off = sign("handover.to_sign_off", a.sign_to);
        v.handover = Some(h);
    }
    v.guardian = match (a.guardian_name, a.no_guardian_reason) {
        (Some(name), _) => Some(GuardianConfirmation::Confirmed { name, at: end, signature: String::new() }),
        (None, Some(reason)) => Some(GuardianConfirmation::NotConfirmed { reason }),
        (None, None) => None,
    };
    p.into_result().map(|()| (v, a.submit))
}

async fn record(env: &Env, a: RecordArgs) -> anyhow::Result<()> {
    let (mut visit, submit) = build_visit(a).map_err(CoreError::Invalid)?;
    let when = span(&visit);
    let app = env.open().await?;
    if submit {
        // Recorded as submitted in one step: validation then requires what submitting requires.
        visit.status = VisitStatus::Submitted;
    }
    let summary = app.record_visit(visit).await?;
    let report = match (summary.kind, summary.fiscal_year) {
        (VisitKind::Respite, Some(fy)) => Some(app.respite_remaining(summary.child_id, Some(fy)).await?),
        _ => None,
    };
    if env.json {
        let respite = report.as_ref().map(respite_json).transpose()?;
        return print_json(&serde_json::json!({ "id": summary.id, "summary": summary, "respite": respite }));
    }
    print_record_summary(&summary, &when, report.as_ref());
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

fn print_record_summary(s: &VisitSummary, when: &str, report: Option<&RespiteReport>) {
    out!("訪問を記録しました / visit recorded: {} {when}", s.kind.label());
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
    if let (Some(a), Some(b)) = (v.scheduled_start, v.scheduled_end) {
        out!("  予定 scheduled: {} {}–{} {}", a.date, a.time, b.date, b.time);
    }
    let dur = v.duration_minutes().map(|m| format!("（{m}分 min）")).unwrap_or_default();
    out!("  実績 actual: {}{dur}", span(&v));
    out!("  結果 outcome: {}  状態 status: {}", v.outcome.label(), v.status.label());
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
    let filter = VisitFilter { child: a.child, month: a.month, kind: a.kind, status: a.status, from: None };
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
    let entries = env.open().await?.record_history(&id.to_string()).await?;
    if env.json {
        return print_json(&entries);
    }
    out!("変更履歴 history: {id}");
    for e in entries {
        out!(
            "  {}  {}  {}  端末 device {}  {}",
            unix_jst(e.at),
            shown(&e.action),
            shown(&e.username),
            shown(&e.device_id),
            shown(&e.change_hash)
        );
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
