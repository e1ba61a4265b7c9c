// The fake backend's office commands: a test double, not the app's rules. Details, histories and
// the month summary are hand-written fictional fixtures (見本); numbers are worked out below.
import type { HistoryEntry, MonthRespiteRow, Problem, Visit, VisitDetail } from "../../src/bindings";
import { errorBody, fail, type Handlers, type FakeBackend } from "./backend";
import { nurseCommands } from "./nurse";
import { CHILD_A, CHILD_B, shared } from "./shared";

const STATION = { id: "ST-MIHON", name: "見本訪問看護ステーション" };
const NURSE = { id: "u-nurse", name: "見本 看護師", profession: "nurse", role: "lead", station_id: "ST-MIHON" } as const;
const ID = (n: number) => `a0000000-0000-4000-8000-00000000000${n}`;

/** The one approval the fake refuses, to show a per-record failure. */
export const REFUSED = ID(3);
const REFUSED_MESSAGE = errorBody("invalid", "指示書の有効期間外の訪問は承認できません", "cannot approve a visit outside the doctor's instruction period");

/** Unix seconds of a JST `YYYY-MM-DDTHH:MM`. */
const unix = (jst: string) => Date.parse(`${jst}:00+09:00`) / 1000;

type Change = HistoryEntry["changes"][number];
const ch = (field: string, ja: string, en: string, old: string | null, nw: string | null): Change => ({ field, label: { ja, en }, old, new: nw });
const entry = (id: string, username: string, name: string, device_id: string, at: string, action: string, change_hash: string, changes: Change[], more: Partial<HistoryEntry> = {}): HistoryEntry => ({
  record_id: id,
  username,
  name,
  device_id,
  at: unix(at),
  action,
  change_hash,
  note: null,
  changes,
  unknown: false,
  ...more,
});

/** The plan as first written and as rewritten (long: the screen shortens it, with a way to see it whole). */
export const PLAN_BEFORE = "次回も吸引の回数を記録する";
export const PLAN_AFTER = "次回も吸引の回数と痰の性状を記録する。夜間のSpO₂低下が続くようなら主治医に相談し、酸素流量の見直しを依頼する";

/**
 * Who changed what, when (oldest first), each entry with what it changed as the core works it out
 * (labels ja/en; a choice's value as `日本語 / English`). Visit …3 has none: its history needs the
 * server.
 *   …1: created by 見本 看護師 (16:10: the times, the outcome, the plan, the status), then changed
 *       (16:30: end time 15:30 → 16:00, the plan rewritten, a care note, draft → submitted).
 *   …2: created on a device whose version this one lacks (unknown); approved by the office
 *       (submitted → approved); saved again with nothing shown changed; its child's face sheet
 *       moved to 架空訪問看護ステーション (transferred, with a note).
 */
const HISTORY: Record<string, HistoryEntry[]> = {
  // The audit log keeps account names; the screen shows people's names (the entry's, else the
  // people list's, else the account name).
  [ID(1)]: [
    entry(ID(1), "mihon-kango", "", "tab-01", "2026-11-10T16:10", "created", "9f1c", [
      ch("actual_start", "開始時刻", "start time", null, "13:00"),
      ch("actual_end", "終了時刻", "end time", null, "15:30"),
      ch("outcome", "結果", "outcome", null, "実施 / done"),
      ch("note.plan", "P（計画）", "P (plan)", null, PLAN_BEFORE),
      ch("status", "状態", "status", null, "下書き / draft"),
    ]),
    entry(ID(1), "mihon-kango", "", "tab-01", "2026-11-10T16:30", "changed", "a27d", [
      ch("actual_end", "終了時刻", "end time", "15:30", "16:00"),
      ch("note.plan", "P（計画）", "P (plan)", PLAN_BEFORE, PLAN_AFTER),
      // A note with a " / " of its own: written text, never split as a choice's two languages.
      ch("care[c1].note", "ケア 吸引 メモ", "care suction note", "白色の痰 / 少なめ", "白色の痰、やや多め"),
      ch("status", "状態", "status", "下書き / draft", "提出済み / submitted"),
    ]),
  ],
  [ID(2)]: [
    entry(ID(2), "mihon-kango", "", "tab-01", "2026-11-17T11:05", "created", "3b80", [], { unknown: true }),
    entry(ID(2), "mihon-jimu", "見本 事務", "office-01", "2026-11-18T09:00", "changed", "c4e2", [ch("status", "状態", "status", "提出済み / submitted", "承認済み / approved")]),
    entry(ID(2), "kakuu-haken", "", "tab-07", "2026-11-18T12:00", "changed", "d5f3", []),
    entry(ID(2), "mihon-jimu", "見本 事務", "office-01", "2026-11-19T09:30", "transferred", "e6a4", [], {
      note: { ja: "見本訪問看護ステーションから架空訪問看護ステーションへ（2026年11月20日から）", en: "from 見本訪問看護ステーション to 架空訪問看護ステーション (from 20 Nov 2026)" },
    }),
  ],
};
// As an older app's core would have sent it: only `message`, both languages in one string.
const HISTORY_OFFLINE = { code: "offline", message: "サーバーに接続できないため履歴を読めません / cannot reach the server to read the history", ja: "", en: "", problems: [] };

/**
 * What 見本 はな's respite visit of Tue 10 Nov 2026 13:00–16:00 (…1) recorded, for the office to
 * read before approving: two readings, three kinds of care, a SOAP note, the first-visit equipment
 * checklist with one item with a problem (the pulse oximeter's alarm) and one absent, and the
 * guardian's confirmation with a drawn signature (SVG path data in the pad's 600 × 200 box).
 */
export const V1_RECORD: Pick<Visit, "vitals" | "care" | "note" | "checklist"> & { signature: string; confirmedAt: string } = {
  vitals: [
    { id: "v1", at: "2026-11-10T13:10", respiration: 24, pulse: 112, temperature_c: 36.8, spo2: 97, bp_systolic: 98, bp_diastolic: 60 },
    { id: "v2", at: "2026-11-10T15:40", respiration: 26, pulse: 118, temperature_c: 37.2, spo2: 95, bp_systolic: null, bp_diastolic: null },
  ],
  care: [
    { id: "c1", item: "suction", count: 4, amount_ml: null, rate_ml_per_h: null, oxygen_l_per_min: null, note: "白色の痰、やや多め" },
    { id: "c2", item: "tube_feeding", count: null, amount_ml: 200, rate_ml_per_h: 100, oxygen_l_per_min: null, note: "" },
    { id: "c3", item: "ventilator", count: null, amount_ml: null, rate_ml_per_h: null, oxygen_l_per_min: 1, note: "設定変更なし、アラームなし" },
  ],
  note: {
    subjective: "母より：昨夜はよく眠れたとのこと",
    objective: "SpO₂ 95〜97%、痰やや多め",
    assessment: "呼吸状態は安定",
    plan: "次回も吸引の回数を記録する",
  },
  checklist: {
    template_id: "first_visit_equipment",
    items: {
      autoclave: { status: "ok", note: "" },
      thermometer: { status: "ok", note: "" },
      pulse_oximeter: { status: "problem", note: "アラームが鳴らない。交換を依頼" },
      bp_monitor: { status: "absent", note: "" },
    },
  },
  signature: "M 40 150 L 90 60 L 140 150 M 180 80 L 260 80 L 220 160",
  confirmedAt: "2026-11-10T16:00",
};

/** The main fields of the shared visits the fake knows in full. */
function visitFixture(b: FakeBackend, id: string): Visit | null {
  const r = shared(b).visits.find((x) => x.summary.id === id);
  if (!r) return null;
  const s = r.summary;
  const end = s.start && s.duration_minutes ? new Date(Date.parse(`${s.start}:00+09:00`) + (s.duration_minutes + 9 * 60) * 60000).toISOString().slice(0, 16) : null;
  return {
    id,
    child_id: s.child_id,
    station: { ...STATION },
    kind: s.kind,
    place: "自宅",
    scheduled_start: s.start,
    scheduled_end: end,
    actual_start: s.duration_minutes ? s.start : null,
    actual_end: s.duration_minutes ? end : null,
    outcome: s.outcome,
    staff: [{ ...NURSE }],
    vitals: [],
    care: [],
    note: { subjective: "", objective: "", assessment: "", plan: "" },
    checklist: { template_id: "", items: {} },
    handover: null,
    guardian: r.flags.unconfirmed ? null : { kind: "confirmed", name: s.child_id === CHILD_A ? "見本 花子" : "架空 一郎", at: s.start ?? "", signature: "" },
    status: s.status,
    returned: r.returned ? { ...r.returned } : null,
    provider: s.kind === "daytime" ? "clinic" : null,
    ...(id === ID(1)
      ? {
          vitals: V1_RECORD.vitals,
          care: V1_RECORD.care,
          note: V1_RECORD.note,
          checklist: V1_RECORD.checklist,
          guardian: { kind: "confirmed", name: "見本 花子", at: V1_RECORD.confirmedAt, signature: V1_RECORD.signature },
        }
      : {}),
  };
}

/**
 * 2026-11, worked out from the parent fixtures (tests/fake/parent.ts):
 *   見本 はな: 11-03 240 (1 use) + 11-10 180 (1) + 11-21 240 × 2 nurses = 480 (2)
 *     → 3 sessions, 4 uses, 900 min (15 h); year 6030 (100 h 30 min); 8640 − 6030 = 2610.
 *   架空 たろう: 11-05 240 + 11-12 180 + 11-19 150, one nurse each
 *     → 3 sessions, 3 uses, 570 min (9 h 30 min); year 17370 (289 h 30 min); 17280 − 17370 = −90.
 */
const MONTHS: Record<string, MonthRespiteRow[]> = {
  "2026-11": [
    { child_id: CHILD_A, child_name: "見本 はな", municipality_name: "港区", sessions: 3, uses: 4, month_minutes: 900, year_used_minutes: 6030, cap_minutes: 8640, remaining_minutes: 2610, over_cap: false },
    { child_id: CHILD_B, child_name: "架空 たろう", municipality_name: "文京区", sessions: 3, uses: 3, month_minutes: 570, year_used_minutes: 17370, cap_minutes: 17280, remaining_minutes: -90, over_cap: true },
  ],
};

export const officeCommands: Handlers = {
  visit_detail: (b, a): VisitDetail => {
    // Records the nurse screens saved in this run are the nurse fake's: keep its answer.
    const nurseSaved = (b.s.data as { nurse?: { visits?: Record<string, Visit> } }).nurse?.visits?.[a.id];
    const visit = nurseSaved ? null : visitFixture(b, a.id);
    if (!visit) {
      if (nurseCommands.visit_detail) return nurseCommands.visit_detail(b, a) as VisitDetail;
      fail("not_found", `記録 ${a.id} が見つかりません`, `no visit ${a.id}`);
    }
    const row = shared(b).visits.find((x) => x.summary.id === a.id)!;
    const history = HISTORY[a.id] ?? [];
    return { visit, row, warnings: [], history, history_error: a.id === ID(3) ? HISTORY_OFFLINE : null };
  },
  approve_visits: (b, a) =>
    a.ids.map((id) => {
      const r = shared(b).visits.find((x) => x.summary.id === id);
      if (!r) return { id, error: errorBody("not_found", `記録 ${id} が見つかりません`, `no visit ${id}`) };
      if (id === REFUSED) return { id, error: REFUSED_MESSAGE };
      r.summary.status = "approved";
      return { id, error: null };
    }),
  respite_month: (_b, a) => MONTHS[a.month] ?? [],
  // Like the core's `send_back_visit` and the domain's `Visit::send_back`: office and admin only,
  // a submitted record only, a reason required; a draft again with who and when.
  send_back_visit: (b, a) => {
    const role = b.s.user?.role;
    if (role !== "office" && role !== "admin") fail("forbidden", "差し戻せるのは事務と管理者です", "only the office and administrators send records back");
    const r = shared(b).visits.find((x) => x.summary.id === a.id);
    if (!r) fail("not_found", `記録 ${a.id} が見つかりません`, `no visit ${a.id}`);
    if (r.handed_over) fail("forbidden", "移管したお子さんの記録は変更できません", "the records of a child handed over cannot be changed");
    const problems: Problem[] = [];
    const st = r.summary.status;
    if (st !== "submitted") {
      const word = st === "draft" ? ["下書き", "draft"] : ["承認済み", "approved"];
      problems.push({ field: "status", code: "transition", ja: `差し戻せるのは提出済みの記録だけです（今は「${word[0]}」）`, en: `only a submitted record can be sent back (it is ${word[1]})` });
    }
    if (!a.reason.trim()) problems.push({ field: "returned.reason", code: "required", ja: "差し戻す理由を入力してください", en: "the reason for sending it back is empty" });
    if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
    const returned = { reason: a.reason.trim(), by: b.s.user!.name || b.s.user!.username, at: b.s.today.now };
    r.summary.status = "draft";
    r.returned = returned;
    r.flags.pending_sync = true;
    const saved = (b.s.data as { nurse?: { visits?: Record<string, Visit> } }).nurse?.visits?.[a.id];
    if (saved) Object.assign(saved, { status: "draft", returned: { ...returned } });
    return structuredClone(r);
  },
};
