// The fake backend's coordinator support: a test double, not the app's rules. It keeps the
// work records and meetings a test adds and reports them with the handout's limits in the
// simplest form (8 hours a child in day order, the amount of the work within them up to 32,000
// yen with Tokyo 3/4 rounded down; the first three meetings by day up to 420,000 yen, Tokyo all).
// The tests work their expected values out by hand.
import type { CoordinatorReport, CoordinatorWorkRecord, NewCoordinatorWork, NewRegionalMeeting, RegionalMeetingRecord } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { CHILD_A, CHILD_B } from "./shared";

type Data = { work: CoordinatorWorkRecord[]; meetings: RegionalMeetingRecord[] };

/** 見本 はな: 4 h (14,000 yen) on 5-12 and 3 h (10,500 yen) on 6-20; one meeting on 6-01 (150,000 yen). */
function data(b: FakeBackend): Data {
  const d = b.s.data as { coordination?: Data };
  if (!d.coordination) {
    const at = 1_790_000_000;
    const w = (id: number, date: string, minutes: number, cost_yen: number): CoordinatorWorkRecord => ({ id, station: "ST-MIHON", child_id: CHILD_A, date, minutes, cost_yen, kind: "liaison", note: "", by: "見本 調整", at });
    d.coordination = {
      work: [w(1, "2026-05-12", 240, 14000), w(2, "2026-06-20", 180, 10500)],
      meetings: [{ id: 1, station: "ST-MIHON", date: "2026-06-01", kind: "meeting", title: "架空 地域の協議の場", cost_yen: 150000, by: "見本 調整", at }],
    };
  }
  return d.coordination;
}

const split = (total_yen: number, percent: number) => {
  const tokyo_yen = Math.floor((total_yen * percent) / 100);
  return { total_yen, tokyo_yen, municipality_yen: total_yen - tokyo_yen };
};

function report(b: FakeBackend, station: string, fy: number): CoordinatorReport {
  if (b.s.user?.role !== "coordinator" && b.s.user?.role !== "office") fail("forbidden", "コーディネーター支援の記録は読めません", "you may not read coordinator support");
  const d = data(b);
  const names: Record<string, string> = { [CHILD_A]: "見本 はな", [CHILD_B]: "架空 たろう" };
  const ids = [...new Set(d.work.map((w) => w.child_id))];
  const children = ids.map((child_id) => {
    const work = d.work.filter((w) => w.child_id === child_id).sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
    let used = 0;
    const over_cap: number[] = [];
    let within = 0;
    let past = 0;
    for (const w of work) {
      used += w.minutes;
      if (used > 480) (over_cap.push(w.id), (past += w.cost_yen));
      else within += w.cost_yen;
    }
    const subsidised = Math.min(within, 32000);
    return {
      child_id,
      name: names[child_id] ?? "",
      ledger: { cap_minutes: 480, used_minutes: used, remaining_minutes: 480 - used, entries: work.map((w) => ({ id: w.id, date: w.date, minutes: w.minutes })), over_cap },
      work,
      amount: { cost_yen: within, subsidised_yen: subsidised, over_cap_yen: within - subsidised, fee: split(subsidised, 75) },
      past_hours_cost_yen: past,
    };
  });
  const records = [...d.meetings].sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
  const plain = records.map((m) => ({ date: m.date, kind: m.kind, cost_yen: m.cost_yen }));
  const counted = plain.slice(0, 3);
  const cost = counted.reduce((s, m) => s + m.cost_yen, 0);
  const subsidised = Math.min(cost, 420000);
  const meetings = { fiscal_year: fy, counted, past_limit: plain.slice(3), cost_yen: cost, subsidised_yen: subsidised, over_cap_yen: cost - subsidised, fee: split(subsidised, 100) };
  const fees = [meetings.fee, ...children.map((c) => c.amount.fee)];
  const total = { total_yen: 0, tokyo_yen: 0, municipality_yen: 0 };
  for (const f of fees) (total.total_yen += f.total_yen), (total.tokyo_yen += f.tokyo_yen), (total.municipality_yen += f.municipality_yen);
  return { station, fiscal_year: fy, children, meetings, meeting_records: records, total };
}

function checkWork(b: FakeBackend, w: NewCoordinatorWork) {
  const problems = [];
  if (!(w.minutes >= 1 && w.minutes <= 1440)) problems.push({ field: "minutes", code: "minutes_range", ja: `業務時間は1〜1440分で入力してください（${w.minutes}分）`, en: `minutes: expected 1 to 1440, got ${w.minutes}` });
  if (w.date > b.s.today.date) problems.push({ field: "date", code: "in_the_future", ja: `業務の日は今日（${b.s.today.date}）以前にしてください（${w.date}）`, en: `date: expected a day on or before today (${b.s.today.date}), got ${w.date}` });
  if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
}

function checkMeeting(m: NewRegionalMeeting) {
  const problems = [];
  if (!m.title.trim()) problems.push({ field: "title", code: "required", ja: "会議・研修の名称を入力してください", en: "title: expected the meeting's name, found nothing" });
  if (!(m.cost_yen >= 1 && m.cost_yen <= 10000000)) problems.push({ field: "cost_yen", code: "cost_range", ja: `金額は1〜10000000円の整数で入力してください（${m.cost_yen}）`, en: `cost_yen: expected whole yen from 1 to 10000000, got ${m.cost_yen}` });
  if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
}

export const coordinatorCommands: Handlers = {
  coordinator_report: (b, a) => report(b, a.station, a.fy),
  add_coordinator_work: (b, a) => {
    checkWork(b, a.work);
    const d = data(b);
    const rec = { ...a.work, id: d.work.length + 1, by: b.s.user?.name ?? "", at: 1_790_000_100 };
    d.work.push(rec);
    return rec;
  },
  add_regional_meeting: (b, a) => {
    checkMeeting(a.meeting);
    const d = data(b);
    const rec = { ...a.meeting, id: d.meetings.length + 1, by: b.s.user?.name ?? "", at: 1_790_000_100 };
    d.meetings.push(rec);
    return rec;
  },
};
