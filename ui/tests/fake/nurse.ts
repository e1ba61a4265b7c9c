// The fake backend's nurse commands: a test double, not the app's rules. It answers with data
// shaped by the bindings; its few checks (respite 2–4 h in 30-minute units, times and the
// guardian's confirmation on a submitted record, one person signing both sides of a handover)
// and warnings (a vital sign outside the visit, a respite session overlapping another visit of
// the child) only exist so the screens have problems to show.
import type { ChildSheet, Problem, Visit, VisitRow } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { CHILD_A, CHILD_B, shared } from "./shared";
import { savedChild, sharingOf } from "./consent";

type NurseData = { visits: Record<string, Visit>; billed: Record<string, number> };

function data(b: FakeBackend): NurseData {
  const d = b.s.data as { nurse?: NurseData };
  if (!d.nurse) d.nurse = { visits: {}, billed: {} };
  return d.nurse;
}

const STATION = { id: "ST-MIHON", name: "見本訪問看護ステーション" };

export function sheet(b: FakeBackend, id: string): ChildSheet {
  const card = shared(b).children.find((c) => c.id === id);
  if (!card) fail("not_found", `お子さん ${id} が見つかりません`, `no child ${id}`);
  const a = id === CHILD_A;
  const saved = savedChild(b, id);
  return {
    child: saved ?? {
      id,
      name: card.name,
      kana: card.kana,
      birth_date: a ? "2021-06-15" : "2019-02-03",
      municipality: card.municipality,
      income_tier: "taxed",
      respite_enrolled_on: null,
      diagnosis: a ? "見本診断（架空）" : "架空診断",
      guardians: [{ name: a ? "見本 花子" : "架空 一郎", relation: a ? "母" : "父", phone: "090-0000-0001" }],
      devices: a ? ["人工呼吸器", "吸引器", "パルスオキシメーター"] : ["吸引器"],
      score: a
        ? [
            { item: "ventilator", watch: "high" },
            { item: "suction", watch: "medium" },
            { item: "tube_feeding", watch: "none" },
          ]
        : [{ item: "suction", watch: "medium" }],
      doctor_instruction: a
        ? { doctor: "見本 医師", institution: "見本こども病院", valid_from: "2026-06-01", valid_until: "2026-12-31" }
        : { doctor: "架空 医師", institution: "架空クリニック", valid_from: "2026-04-01", valid_until: "2026-09-30" },
      emergency_contacts: [
        { name: a ? "見本こども病院" : "架空クリニック", relation: "主治医", phone: "03-0000-0000" },
        { name: a ? "見本 太郎" : "架空 花子", relation: a ? "父" : "母", phone: "080-0000-0002" },
      ],
      sharing: sharingOf(b, id),
      income_tier_changes: [],
      past_instructions: [],
    },
    score: a ? { base: 22, watch: 10 } : { base: 16, watch: 2 },
    instruction_state: card.instruction_state,
    respite: {
      child_id: id,
      child_name: card.name,
      municipality: card.municipality,
      municipality_name: a ? "港区" : "文京区",
      fiscal_year_label: "令和8年度",
      ledger: {
        fiscal_year: 2026,
        cap_minutes: card.cap_minutes,
        used_minutes: card.cap_minutes - card.remaining_minutes,
        remaining_minutes: card.remaining_minutes,
        sessions: [],
        over_cap: [],
      },
    },
    age_years: a ? 5 : 7,
  };
}

const minutes = (s: string, e: string) => (Date.parse(`${e}:00+09:00`) - Date.parse(`${s}:00+09:00`)) / 60000;

// Like the backend's one rule: whole 30-minute units, at most 4 h, nothing under 2 h; the real
// times are always saved and a length counted otherwise is a warning.
function respiteWarnings(m: number): Problem[] {
  const p: Problem[] = [];
  if (m <= 0) return p;
  if (m < 120) p.push({ field: "actual_end", code: "respite_short", ja: `1回の利用は2時間以上です（${m}分）。時間数に数えません`, en: `a respite use lasts at least 2 h (${m} min); it counts nothing` });
  else if (m > 240) p.push({ field: "actual_end", code: "respite_capped", ja: `1回の利用は4時間までです（${m}分）。4時間として数えます`, en: `a respite use counts at most 4 h (${m} min)` });
  else if (m % 30 !== 0) p.push({ field: "actual_end", code: "respite_unit", ja: `30分単位で数えます（${m}分）`, en: `respite is counted in 30-minute units (${m} min)` });
  return p;
}

const counted = (m: number) => (m < 120 ? 0 : Math.min(Math.floor(m / 30) * 30, 240));

// Like the core's `check_times` and `check_guardian` (crates/domain/src/visit.rs): a visit that
// took place needs, once it is not a draft, both actual times and the guardian's confirmation
// (or the reason there is none); a name or reason chosen but left empty is a problem at once.
function check(v: Visit): Problem[] {
  const p: Problem[] = [];
  const draft = v.status === "draft";
  const done = v.outcome === "done";
  if (done && !draft && (!v.actual_start || !v.actual_end)) {
    const field = !v.actual_start ? "actual_start" : "actual_end";
    p.push({ field, code: "required", ja: "実施した訪問には開始・終了時刻が必要です", en: `a visit that took place needs its ${field}` });
  }
  const g = v.guardian;
  if (g?.kind === "confirmed" && !g.name.trim()) p.push({ field: "guardian.name", code: "required", ja: "確認した保護者の氏名を入力してください", en: "the confirming guardian's name is empty" });
  if (g?.kind === "not_confirmed" && !g.reason.trim()) p.push({ field: "guardian.reason", code: "required", ja: "保護者確認がない理由を入力してください", en: "the reason for no guardian confirmation is empty" });
  if (!g && done && !draft)
    p.push({ field: "guardian", code: "required", ja: "保護者確認（サインまたは確認できない理由）が必要です", en: "a visit that took place needs the guardian's confirmation or the reason there is none" });
  v.vitals.forEach((r, i) => {
    if (r.spo2 !== null && (r.spo2 < 50 || r.spo2 > 100)) p.push({ field: `vitals[${i}].spo2`, code: "vital_range", ja: `SpO₂ ${r.spo2} は範囲外です`, en: `SpO₂ ${r.spo2} is out of range` });
  });
  const h = v.handover;
  if (h?.from_sign_off && h.to_sign_off && h.from_sign_off.staff_id === h.to_sign_off.staff_id)
    p.push({ field: "handover.to_sign_off", code: "same_signer", ja: `引継ぎ元と引継ぎ先の確認を同じ人（${h.to_sign_off.name}）がしています。それぞれの看護師が確認してください`, en: `the same person ("${h.to_sign_off.staff_id}") signed off for both stations; each station's nurse signs their own` });
  return p;
}

const wire = (dt: string) => `${Number(dt.slice(5, 7))}月${Number(dt.slice(8, 10))}日 ${dt.slice(11, 16)}`;
const plus = (dt: string, m: number) => new Date(Date.parse(`${dt}:00+09:00`) + m * 60000 + 9 * 3600000).toISOString().slice(0, 16);

// Like the core's `Visit::warnings` (crates/domain/src/visit.rs): a reading outside the actual
// times (the ends inside; `YYYY-MM-DDTHH:MM` strings compare as times), a respite session that
// took place overlapping another visit of the child that took place (touching ends do not), and
// a respite length counted otherwise.
function warnings(b: FakeBackend, v: Visit): Problem[] {
  const p: Problem[] = [];
  const [s, e] = [v.actual_start, v.actual_end];
  v.vitals.forEach((r, i) => {
    if (!r.at) return;
    if (s && r.at < s) p.push({ field: `vitals[${i}].at`, code: "vital_time", ja: `バイタル${i + 1}件目の測定時刻（${wire(r.at)}）が訪問の開始（${wire(s)}）より前です`, en: `vital reading ${i + 1} was taken at ${r.at.slice(11)}, before the visit started (${s.slice(11)})` });
    else if (e && r.at > e) p.push({ field: `vitals[${i}].at`, code: "vital_time", ja: `バイタル${i + 1}件目の測定時刻（${wire(r.at)}）が訪問の終了（${wire(e)}）より後です`, en: `vital reading ${i + 1} was taken at ${r.at.slice(11)}, after the visit ended (${e.slice(11)})` });
  });
  if (v.kind !== "respite" || v.outcome !== "done" || !s || !e) return p;
  p.push(...respiteWarnings(minutes(s, e)));
  for (const o of shared(b).visits) {
    const os = o.summary;
    if (os.id === v.id || os.child_id !== v.child_id || os.outcome !== "done" || !os.start || os.duration_minutes <= 0) continue;
    const oe = plus(os.start, os.duration_minutes);
    if (!(os.start < e && s < oe)) continue;
    const kind = { nursing: ["訪問看護", "nursing visit"], respite: ["在宅レスパイト", "respite"], handover: ["同行訪問（引継ぎ）", "accompanied handover visit"], daytime: ["日中預かり", "daytime care"] }[os.kind];
    p.push({ field: "actual_start", code: "respite_overlap", ja: `同じお子さんの別の記録（${wire(os.start)}〜${oe.slice(11)} ${kind[0]}）と時間が重なっています`, en: `this respite session overlaps another visit of the same child (${os.start.slice(11)}–${oe.slice(11)}, ${kind[1]})` });
  }
  return p;
}

const leads = (v: Visit) => v.staff.filter((s) => s.role === "lead").length;
const billable = (v: Visit) =>
  v.kind === "respite" && v.outcome === "done" && v.actual_start && v.actual_end ? counted(minutes(v.actual_start, v.actual_end)) * leads(v) : 0;

function row(b: FakeBackend, v: Visit): VisitRow {
  const start = v.actual_start ?? v.scheduled_start;
  const card = shared(b).children.find((c) => c.id === v.child_id);
  return {
    summary: {
      id: v.id,
      child_id: v.child_id,
      kind: v.kind,
      station_id: v.station.id,
      date: start ? start.slice(0, 10) : null,
      start,
      fiscal_year: 2026,
      duration_minutes: v.actual_start && v.actual_end ? minutes(v.actual_start, v.actual_end) : 0,
      billable_minutes: billable(v),
      uses: v.kind === "respite" ? leads(v) : 0,
      outcome: v.outcome,
      status: v.status,
    },
    child_name: card?.name ?? "",
    handed_over: false,
    staff: v.staff.map((s) => s.name),
    flags: { over_cap: !!card && card.remaining_minutes < 0 && billable(v) > 0, rejected: false, unconfirmed: v.guardian?.kind !== "confirmed", instruction_expired: card?.instruction_state === "expired", respite_length: v.kind === "respite" && v.outcome === "done" && !!v.actual_start && !!v.actual_end && respiteWarnings(minutes(v.actual_start, v.actual_end)).some((w) => w.code !== "respite_unit"), short_day: false, pending_sync: true },
    rejected_reason: null,
    returned: v.returned ? { ...v.returned } : null,
  };
}

function store(b: FakeBackend, v: Visit): VisitRow {
  const d = data(b);
  d.visits[v.id] = v;
  const r = row(b, v);
  const rows = shared(b).visits;
  const i = rows.findIndex((x) => x.summary.id === v.id);
  if (i >= 0) rows[i] = r;
  else rows.push(r);
  return r;
}

export const nurseCommands: Handlers = {
  child_sheet: (b, a) => sheet(b, a.id),
  // As Carebook::plan_visit: a draft with only its planned start, led by a person of the
  // account's station in the directory (else the account itself).
  plan_visit: async (b, a) => {
    const v = (await nurseCommands.new_visit!(b, { childId: a.childId, kind: a.kind })) as Visit;
    if (a.nurseId !== null) {
      const p = b.s.directory.people.find((x) => x.id === a.nurseId && x.org_id === v.station.id && x.profession);
      if (!p) fail("invalid", "入力内容に問題があります", "the input is invalid", [{ field: "staff", code: "unknown_person", ja: `担当者 ${a.nurseId} はこのステーションの職員名簿にいません（同期して名簿を更新してください）`, en: `${a.nurseId} is not among this station's staff in the directory (sync to refresh it)` }]);
      v.staff = [{ id: p.id, name: p.name, profession: p.profession!, role: "lead", station_id: p.org_id }];
    }
    v.scheduled_start = a.start;
    return store(b, v);
  },
  new_visit: (b, a) => {
    if (![CHILD_A, CHILD_B].includes(a.childId) && !shared(b).children.some((c) => c.id === a.childId)) fail("not_found", `お子さん ${a.childId} が見つかりません`, `no child ${a.childId}`);
    const u = b.s.user!;
    return {
      id: crypto.randomUUID(),
      child_id: a.childId,
      station: { ...STATION },
      kind: a.kind,
      place: "自宅",
      scheduled_start: null,
      scheduled_end: null,
      actual_start: null,
      actual_end: null,
      outcome: "done",
      staff: [{ id: u.id, name: u.name || u.username, profession: "nurse", role: "lead", station_id: STATION.id }],
      vitals: [],
      care: [],
      note: { subjective: "", objective: "", assessment: "", plan: "" },
      checklist: { template_id: "", items: {} },
      handover: null,
      guardian: null,
      status: "draft",
      returned: null,
      provider: null,
    };
  },
  check_visit: (b, a) => ({ problems: check(a.visit), warnings: warnings(b, a.visit) }),
  save_visit: (b, a) => {
    const problems = check(a.visit);
    if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
    const d = data(b);
    const card = shared(b).children.find((c) => c.id === a.visit.child_id);
    const now = billable(a.visit);
    if (card) card.remaining_minutes -= now - (d.billed[a.visit.id] ?? 0);
    d.billed[a.visit.id] = now;
    return store(b, a.visit);
  },
  submit_visit: (b, a) => {
    const v = data(b).visits[a.id];
    if (!v) fail("not_found", `記録 ${a.id} が見つかりません`, `no visit ${a.id}`);
    // Checked as the record it becomes: the saved version, submitted.
    const problems = check({ ...v, status: "submitted" });
    if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
    v.status = "submitted";
    // Submitted again after being sent back: the office's note has been answered.
    v.returned = null;
    return store(b, v);
  },
  visit_detail: (b, a) => {
    const saved = data(b).visits[a.id];
    const r = shared(b).visits.find((x) => x.summary.id === a.id);
    if (!saved && !r) fail("not_found", `記録 ${a.id} が見つかりません`, `no visit ${a.id}`);
    const v: Visit = saved ?? {
      ...(nurseCommands.new_visit!(b, { childId: r!.summary.child_id, kind: r!.summary.kind }) as Visit),
      id: a.id,
      scheduled_start: r!.summary.start,
      status: r!.summary.status,
      returned: r!.returned ? { ...r!.returned } : null,
    };
    // Whether it has left the tablet as the list says (a test may mark it sent or refused).
    const fresh = row(b, v);
    const sent = r ? { ...fresh, flags: { ...fresh.flags, pending_sync: r.flags.pending_sync, rejected: r.flags.rejected }, rejected_reason: r.rejected_reason } : fresh;
    return { visit: v, row: sent, warnings: warnings(b, v), history: [], history_error: null };
  },
  respite_preview: (b, a) => {
    const card = shared(b).children.find((c) => c.id === a.childId);
    if (!card) fail("not_found", `お子さん ${a.childId} が見つかりません`, `no child ${a.childId}`);
    // The card already counts this visit if it was saved: add it back.
    const before = card.remaining_minutes + (a.visitId ? (data(b).billed[a.visitId] ?? 0) : 0);
    const m = minutes(a.start, a.end);
    const billable_minutes = counted(m) * Math.max(1, a.leadNurses);
    const after = before - billable_minutes;
    return { before_remaining_minutes: before, after_remaining_minutes: after, cap_minutes: card.cap_minutes, billable_minutes, passes_cap: billable_minutes > 0 && after < 0, problems: respiteWarnings(m) };
  },
};
