// Data and commands the nurse, parent and office screens share: the children on the device and
// the visit rows. Fictional (見本). Tests change them through `window.__SCENARIO__.data` or by
// editing `window.__FAKE__.s.data` before acting.
import type { ChildCard, VisitRow, VisitSummary, ReviewFilter } from "../../src/bindings";
import type { Handlers } from "./backend";

export const CHILD_A = "11111111-1111-4111-8111-111111111111";
export const CHILD_B = "22222222-2222-4222-8222-222222222222";
/** A record the office sent back to its nurse, and why (shown to her until she submits again). */
export const RETURNED = "a0000000-0000-4000-8000-000000000006";
export const RETURNED_BY = { reason: "終了時刻を確認してください", by: "見本 事務", at: "2026-11-24T09:30" };

export function sharedData() {
  const children: ChildCard[] = [
    // 144 h cap, 100 h 30 min used → 43 h 30 min (2610 min) left.
    { id: CHILD_A, name: "見本 はな", kana: "みほん はな", municipality: "13103", score_total: 32, instruction_state: "valid", remaining_minutes: 2610, cap_minutes: 8640 },
    // Bunkyo 288 h cap, instruction expired.
    { id: CHILD_B, name: "架空 たろう", kana: "かくう たろう", municipality: "13105", score_total: 18, instruction_state: "expired", remaining_minutes: 17280, cap_minutes: 17280 },
  ];
  const summary = (id: string, child: string, kind: VisitSummary["kind"], start: string, minutes: number, status: VisitSummary["status"]): VisitSummary => ({
    id,
    child_id: child,
    kind,
    station_id: "ST-MIHON",
    date: start.slice(0, 10),
    start,
    fiscal_year: 2026,
    duration_minutes: minutes,
    billable_minutes: kind === "respite" ? minutes : 0,
    uses: 1,
    outcome: "done",
    status,
  });
  const flags = { over_cap: false, rejected: false, unconfirmed: false, instruction_expired: false, respite_length: false, short_day: false, pending_sync: false };
  const visits: VisitRow[] = [
    { summary: summary("a0000000-0000-4000-8000-000000000001", CHILD_A, "respite", "2026-11-10T13:00", 180, "submitted"), child_name: "見本 はな", handed_over: false, staff: ["見本 看護師"], flags: { ...flags }, rejected_reason: null, returned: null },
    { summary: summary("a0000000-0000-4000-8000-000000000002", CHILD_A, "nursing", "2026-11-17T10:00", 60, "approved"), child_name: "見本 はな", handed_over: false, staff: ["見本 看護師"], flags: { ...flags }, rejected_reason: null, returned: null },
    { summary: summary("a0000000-0000-4000-8000-000000000003", CHILD_B, "nursing", "2026-11-20T14:00", 60, "submitted"), child_name: "架空 たろう", handed_over: false, staff: ["見本 看護師"], flags: { ...flags, unconfirmed: true, instruction_expired: true }, rejected_reason: null, returned: null },
    { summary: { ...summary("a0000000-0000-4000-8000-000000000004", CHILD_A, "nursing", "2026-11-24T15:00", 0, "draft"), outcome: "done" }, child_name: "見本 はな", handed_over: false, staff: ["見本 看護師"], flags: { ...flags, unconfirmed: true, pending_sync: true }, rejected_reason: null, returned: null },
    { summary: summary("a0000000-0000-4000-8000-000000000005", CHILD_B, "respite", "2026-11-26T09:00", 0, "draft"), child_name: "架空 たろう", handed_over: false, staff: ["見本 看護師"], flags: { ...flags, unconfirmed: true }, rejected_reason: null, returned: null },
    // Sent back by the office this morning (差し戻し): a draft again, outside November (the office's
    // month filter) and before today (the nurse's today-and-later lists).
    { summary: summary(RETURNED, CHILD_A, "nursing", "2026-09-28T10:00", 60, "draft"), child_name: "見本 はな", handed_over: false, staff: ["見本 看護師"], flags: { ...flags }, rejected_reason: null, returned: { ...RETURNED_BY } },
  ];
  return { children, visits };
}

type Shared = ReturnType<typeof sharedData>;

/** The shared data in the scenario (created on first use). */
export function shared(b: { s: { data: Record<string, unknown> } }): Shared {
  const d = b.s.data as { shared?: Shared };
  if (!d.shared) d.shared = sharedData();
  return d.shared;
}

function matches(r: VisitRow, f: ReviewFilter): boolean {
  const s = r.summary;
  return (
    (!f.month || (s.date ?? "").startsWith(f.month)) &&
    (!f.child || s.child_id === f.child) &&
    (!f.station || s.station_id === f.station) &&
    (!f.kind || s.kind === f.kind) &&
    (!f.status || s.status === f.status) &&
    (!f.over_cap || r.flags.over_cap) &&
    (!f.rejected || r.flags.rejected) &&
    (!f.unconfirmed || r.flags.unconfirmed) &&
    (!f.expired_instruction || r.flags.instruction_expired) &&
    (!f.respite_length || r.flags.respite_length) &&
    (!f.short_day || r.flags.short_day) &&
    (!f.from || (s.date ?? "") >= f.from)
  );
}

export const sharedCommands: Handlers = {
  children: (b) => shared(b).children,
  visits: (b, a) => shared(b).visits.filter((r) => matches(r, a.filter)).slice(0, a.filter.limit ?? undefined),
};
