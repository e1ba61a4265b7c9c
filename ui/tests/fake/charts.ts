// The fake backend's data for the charts (tests/charts.test.mjs), switched on by a scenario with
// `data: { charts: true }` (and `today` late in the fiscal year, e.g. 2027-03-20); without it every
// command answers as before. Fictional (見本); every number is worked out by hand below.
import { ALL } from "../../src/shared";
import type { MonthRespiteRow, RespiteSession, RespiteYear, Visit, VisitDetail, VisitRow, VitalHistory, VitalReading } from "../../src/bindings";
import type { FakeBackend, Handlers } from "./backend";
import { parentCommands } from "./parent";
import { officeCommands } from "./office";
import { nurseCommands } from "./nurse";
import { CHILD_A, CHILD_B, shared, sharedCommands } from "./shared";
import { transferCommands } from "./transfer";

const on = (b: FakeBackend) => (b.s.data as { charts?: boolean }).charts === true;
const N1 = "見本 看護師";
const N2 = "架空 看護師";

function s(n: number, day: string, minutes: number, nurses: number, over_cap = false): RespiteSession {
  return { visit_id: `d1000000-0000-4000-8000-${String(n).padStart(12, "0")}`, start: `${day}T13:00`, billable_minutes: minutes * nurses, uses: nurses, nurses: nurses === 2 ? [N1, N2] : [N1], over_cap, confirmed: true, status: "approved" };
}

/**
 * 見本 はな's whole 令和8年度 (FY2026, April 2026 – March 2027), cap 144 h = 8640 min.
 *   3 × 240 (one nurse) = 720 min (12 h) in Apr, May, Jul, Sep, Oct, Dec, Jan;
 *   2 × 240 × 2 nurses = 960 min (16 h) in Jun, Aug, Nov.
 *   Cumulative to Jan: 7 × 720 + 3 × 960 = 5040 + 2880 = 7920 (132 h); 720 (12 h) left.
 *   Feb: 02-05 480 → 8400 (within); 02-19 480 → 8880 crosses the cap (over_cap):
 *        Feb 960 (16 h) = 720 within + 240 (4 h) past the cap; cumulative 148 h.
 *   Mar: 03-05 240, 03-12 240 (both over_cap) = 480 (8 h), all past the cap; cumulative 9360 (156 h).
 *   Used 9360 (156 h); remaining 8640 − 9360 = −720 (12 h past the cap).
 */
export function chartYear(): RespiteYear {
  const sessions: RespiteSession[] = [];
  let n = 1;
  const twelve = (ym: string) => ["06", "13", "20"].forEach((d) => sessions.push(s(n++, `${ym}-${d}`, 240, 1)));
  const sixteen = (ym: string) => ["08", "22"].forEach((d) => sessions.push(s(n++, `${ym}-${d}`, 240, 2)));
  twelve("2026-04");
  twelve("2026-05");
  sixteen("2026-06");
  twelve("2026-07");
  sixteen("2026-08");
  twelve("2026-09");
  twelve("2026-10");
  sixteen("2026-11");
  twelve("2026-12");
  twelve("2027-01");
  sessions.push(s(n++, "2027-02-05", 240, 2), s(n++, "2027-02-19", 240, 2, true), s(n++, "2027-03-05", 240, 1, true), s(n++, "2027-03-12", 240, 1, true));
  const used = sessions.reduce((a, x) => a + x.billable_minutes, 0); // 9360
  return {
    report: {
      child_id: CHILD_A,
      child_name: "見本 はな",
      municipality: "13103",
      municipality_name: "港区",
      fiscal_year_label: "令和8年度",
      ledger: {
        fiscal_year: 2026,
        cap_minutes: 8640,
        used_minutes: used,
        remaining_minutes: 8640 - used,
        sessions: sessions.map((x) => ({ visit_id: x.visit_id, start: x.start, billable_minutes: x.billable_minutes, uses: x.uses })),
        over_cap: sessions.filter((x) => x.over_cap).map((x) => x.visit_id),
      },
    },
    sessions: [...sessions].reverse(),
  };
}

/**
 * March 2027 per child; per municipality:
 *   港区: はな 2 sessions (480) + 見本 さくら 4 (960) → 6 sessions, 1440 min (24 h), 2 children.
 *   文京区: たろう 3 sessions (720) → 3, 12 h, 1 child.
 *   新宿区: 架空 けん 1 session (240) → 1, 4 h, 1 child.
 */
export const CHILD_C = "33333333-3333-4333-8333-333333333333";
export const CHILD_D = "44444444-4444-4444-8444-444444444444";
const MARCH: MonthRespiteRow[] = [
  { child_id: CHILD_A, child_name: "見本 はな", municipality_name: "港区", sessions: 2, uses: 2, month_minutes: 480, year_used_minutes: 9360, cap_minutes: 8640, remaining_minutes: -720, over_cap: true },
  { child_id: CHILD_B, child_name: "架空 たろう", municipality_name: "文京区", sessions: 3, uses: 3, month_minutes: 720, year_used_minutes: 12000, cap_minutes: 17280, remaining_minutes: 5280, over_cap: false },
  { child_id: CHILD_C, child_name: "見本 さくら", municipality_name: "港区", sessions: 4, uses: 4, month_minutes: 960, year_used_minutes: 6000, cap_minutes: 8640, remaining_minutes: 2640, over_cap: false },
  { child_id: CHILD_D, child_name: "架空 けん", municipality_name: "新宿区", sessions: 1, uses: 1, month_minutes: 240, year_used_minutes: 2400, cap_minutes: 8640, remaining_minutes: 6240, over_cap: false },
];

/**
 * はな (5 years old) has eight nursing visits from December to March, one reading each, on top of
 * the shared visits (…1 on 2026-11-10 with two readings, …2 on 11-17 and …4 on 11-24 with none).
 * The ten newest visits with a start are these eight, …4 and …2, so …1's readings are left out.
 * Usual ranges at 5 (preschool): pulse 80–120, respiration 20–28, SpO₂ 95–100, 36.0–37.4 °C.
 * One value is outside: SpO₂ 91 on 2027-02-04.
 */
const VITALS: [string, number, number, number, number][] = [
  // date, pulse, respiration, spo2, temperature
  ["2026-12-03", 104, 24, 97, 36.6],
  ["2026-12-17", 110, 26, 96, 36.9],
  ["2027-01-07", 98, 22, 98, 36.5],
  ["2027-01-21", 116, 27, 96, 37.1],
  ["2027-02-04", 108, 25, 91, 37.0],
  ["2027-02-18", 102, 23, 97, 36.7],
  ["2027-03-04", 100, 22, 98, 36.6],
  ["2027-03-18", 106, 24, 97, 36.8],
];
const vid = (i: number) => `c0000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`;

function seedVisits(b: FakeBackend) {
  const d = b.s.data as { chartsSeeded?: boolean };
  if (d.chartsSeeded) return;
  d.chartsSeeded = true;
  const flags = { over_cap: false, rejected: false, unconfirmed: false, instruction_expired: false, respite_length: false, short_day: false, pending_sync: false };
  VITALS.forEach(([date], i) => {
    const row: VisitRow = {
      summary: { id: vid(i), child_id: CHILD_A, kind: "nursing", station_id: "ST-MIHON", date, start: `${date}T10:00`, fiscal_year: 2026, duration_minutes: 60, billable_minutes: 0, uses: 0, outcome: "done", status: "approved" },
      child_name: "見本 はな",
      handed_over: false,
      staff: [N1],
      flags: { ...flags },
      rejected_reason: null,
      returned: null,
    };
    shared(b).visits.push(row);
  });
}

function chartVisit(b: FakeBackend, i: number): Visit {
  const [date, pulse, respiration, spo2, temperature_c] = VITALS[i];
  const base = nurseCommands.new_visit!(b, { childId: CHILD_A, kind: "nursing" }) as Visit;
  const reading: VitalReading = { id: `cv${i}`, at: `${date}T10:15`, respiration, pulse, temperature_c, spo2, bp_systolic: null, bp_diastolic: null };
  // Each visit suctioned i + 1 times, with a plan of its own (fictional).
  const care = [{ id: `cc${i}`, item: "suction" as const, count: i + 1, amount_ml: null, rate_ml_per_h: null, oxygen_l_per_min: null, note: "白色痰（見本）" }];
  const note = { ...base.note, objective: `架空の観察 ${date}`, plan: `架空の計画 ${date}` };
  return { ...base, id: vid(i), actual_start: `${date}T10:00`, actual_end: `${date}T11:00`, scheduled_start: `${date}T10:00`, vitals: [reading], care, note, status: "approved" };
}


export const chartsCommands: Handlers = {
  // As the core reads it (Carebook::vital_history): the ten newest visits of the child that took
  // place, every reading (the visit's start when it has no time), oldest first.
  vital_history: async (b, a) => {
    const rows = (await b.handle("visits", { filter: { ...ALL, child: a.childId } })) as VisitRow[];
    const recent = rows
      .filter((r) => r.summary.start && r.summary.outcome === "done")
      .sort((x, y) => (x.summary.start! < y.summary.start! ? 1 : -1))
      .slice(0, 10);
    const points: VitalHistory["points"] = [];
    for (const r of recent) {
      const d = (await b.handle("visit_detail", { id: r.summary.id })) as VisitDetail;
      for (const v of d.visit.vitals) {
        const at = v.at ?? d.visit.actual_start ?? r.summary.start;
        if (at) points.push({ at, visit_id: d.visit.id, pulse: v.pulse, respiration: v.respiration, spo2: v.spo2, temperature_c: v.temperature_c });
      }
    }
    points.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
    return { visits: recent.length, points };
  },
  // As the core reads it (Carebook::previous_visit): the newest visit of the child that took
  // place, before the one being recorded when it has a start.
  previous_visit: async (b, a) => {
    const rows = (await b.handle("visits", { filter: { ...ALL, child: a.childId } })) as VisitRow[];
    const until = rows.find((r) => r.summary.id === a.visitId)?.summary.start ?? null;
    const row = rows
      .filter((r) => r.summary.id !== a.visitId && r.summary.start && r.summary.outcome === "done" && (!until || r.summary.start < until))
      .sort((x, y) => (x.summary.start! < y.summary.start! ? 1 : -1))[0];
    if (!row) return null;
    const { visit: v } = (await b.handle("visit_detail", { id: row.summary.id })) as VisitDetail;
    const staff = [...v.staff].sort((x, y) => Number(x.role !== "lead") - Number(y.role !== "lead")).map((s) => s.name);
    return { id: v.id, kind: v.kind, start: v.actual_start ?? row.summary.start!, end: v.actual_end, staff, vitals: v.vitals, care: v.care, note: v.note };
  },
  respite_year: (b, a) => {
    if (!on(b)) return parentCommands.respite_year!(b, a);
    if (a.childId === CHILD_A) return chartYear();
    const row = MARCH.find((r) => r.child_id === a.childId);
    if (row && a.childId !== CHILD_B) {
      const y = chartYear();
      return { report: { ...y.report, child_id: row.child_id, child_name: row.child_name, ledger: { ...y.report.ledger, used_minutes: 0, remaining_minutes: 8640, sessions: [], over_cap: [] } }, sessions: [] };
    }
    return parentCommands.respite_year!(b, a);
  },
  respite_month: (b, a) => (on(b) && a.month === "2027-03" ? MARCH : officeCommands.respite_month!(b, a)),
  visits: (b, a) => {
    if (on(b)) seedVisits(b);
    return sharedCommands.visits!(b, a);
  },
  visit_detail: (b, a) => {
    const i = VITALS.findIndex((_, j) => vid(j) === a.id);
    // Otherwise the handler these replace (transfer → office → nurse).
    if (!on(b) || i < 0) return transferCommands.visit_detail!(b, a);
    const visit = chartVisit(b, i);
    const row = shared(b).visits.find((x) => x.summary.id === a.id)!;
    return { visit, row, warnings: [], history: [], history_error: null };
  },
};
