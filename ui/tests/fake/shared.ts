// Data and commands the nurse, parent and office screens share: the children on the device and
// the visit rows. Fictional (見本). Tests change them through `window.__SCENARIO__.data` or by
// editing `window.__FAKE__.s.data` before acting.
import type { ChildCard, DateFilter, SearchResults, VisitRow, VisitSummary, ReviewFilter } from "../../src/bindings";
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
  // The notes' text of some visits, for `search` (the core reads it from the documents).
  const notes: Record<string, string> = {
    "a0000000-0000-4000-8000-000000000001": "夜間に痰が多く吸引3回\n白色痰、カテーテル交換",
    "a0000000-0000-4000-8000-000000000003": "発熱なし\n吸引1回",
  };
  return { children, visits, notes, searchPending: 0 };
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

/** Folds as the core does (roughly): NFKC, lower case, katakana as hiragana, no spaces. */
const fold = (x: string) =>
  x
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .replace(/\s/g, "");

/** A stand-in for Carebook::search over the shared rows and notes: every word in the child's
 * name or kana or the visit's notes, `M/D` a day of any year; newest first. The real matching
 * (pairs of characters, dates in every form) is the core's and tested there. */
function search(b: FakeBackendLike, query: string): SearchResults {
  const d = shared(b);
  const dates: DateFilter[] = [];
  const words: string[] = [];
  for (const w of query.split(/\s+/).filter((x) => x)) {
    const md = /^(\d{1,2})\/(\d{1,2})$/.exec(w);
    if (md) dates.push({ kind: "month_day", month: Number(md[1]), day: Number(md[2]) });
    else words.push(w);
  }
  const inName = (c: ChildCard | undefined, w: string) => !!c && (fold(c.name).includes(fold(w)) || fold(c.kana).includes(fold(w)));
  const visits = d.visits
    .filter((r) => {
      const child = d.children.find((c) => c.id === r.summary.child_id);
      const text = fold(d.notes[r.summary.id] ?? "");
      const day = r.summary.date ?? "";
      return (
        words.every((w) => inName(child, w) || text.includes(fold(w))) &&
        dates.every((x) => x.kind === "month_day" && Number(day.slice(5, 7)) === x.month && Number(day.slice(8, 10)) === x.day)
      );
    })
    .sort((x, y) => (y.summary.start ?? "").localeCompare(x.summary.start ?? ""))
    .map((row) => {
      const line = (d.notes[row.summary.id] ?? "").split("\n").find((l) => words.some((w) => fold(l).includes(fold(w))));
      return { row, excerpt: line ?? null };
    });
  const children = words.length && !dates.length ? d.children.filter((c) => words.every((w) => inName(c, w))) : [];
  return {
    children: children.map((c) => ({ id: c.id, name: c.name, kana: c.kana, birth_date: "2019-06-01" })),
    visits,
    more: false,
    dates,
    pending: d.searchPending,
  };
}

type FakeBackendLike = { s: { data: Record<string, unknown> } };

export const sharedCommands: Handlers = {
  search: (b, a) => search(b, a.query),
  children: (b) => shared(b).children,
  visits: (b, a) => shared(b).visits.filter((r) => matches(r, a.filter)).slice(0, a.filter.limit ?? undefined),
};
