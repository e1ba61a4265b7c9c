// The fake backend's parent commands: a test double, not the app's rules. The respite years are
// hand-written fictional fixtures (見本); every number is worked out in the comments below.
import type { RespiteSession, RespiteYear, VisitRow } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { CHILD_A, CHILD_B, shared } from "./shared";

const N1 = "見本 看護師";
const N2 = "架空 看護師";

/** A session: `minutes` long per nurse, `nurses` lead nurses sent (billable = minutes × nurses). */
function s(visit_id: string, start: string, minutes: number, nurses: number, confirmed = true, over_cap = false): RespiteSession {
  return { visit_id, start, billable_minutes: minutes * nurses, uses: nurses, nurses: nurses === 2 ? [N1, N2] : [N1], over_cap, confirmed, status: confirmed ? "approved" : "submitted" };
}

/** `n` sessions of 4 h with two nurses (480 billable minutes, 2 uses each), every `step` days from `from`. */
function weekly(prefix: string, from: string, n: number, step: number): RespiteSession[] {
  const out: RespiteSession[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.parse(`${from}T00:00:00Z`) + i * step * 86400000).toISOString().slice(0, 10);
    out.push(s(`${prefix}${String(i + 1).padStart(12, "0")}`, `${d}T13:00`, 240, 2));
  }
  return out;
}

export function parentData() {
  // 見本 はな (港区, 144 h = 8640 min cap).
  //   Apr–Oct: 10 × 480 = 4800, + 180 + 150 = 5130
  //   Nov: 11-03 240 (1 nurse) + 11-10 180 (1 nurse, the shared visit …001) + 11-21 480 (2 nurses, not yet confirmed) = 900
  //   used 5130 + 900 = 6030 (100 h 30 min); remaining 8640 − 6030 = 2610 (43 h 30 min), as the shared card says.
  const hana: RespiteSession[] = [
    ...weekly("b1000000-0000-4000-8000-", "2026-04-14", 10, 14), // 04-14 … 08-18
    s("b1000000-0000-4000-8000-000000000011", "2026-09-08T13:00", 180, 1),
    s("b1000000-0000-4000-8000-000000000012", "2026-10-06T13:00", 150, 1),
    s("b1000000-0000-4000-8000-000000000013", "2026-11-03T13:00", 240, 1),
    s("a0000000-0000-4000-8000-000000000001", "2026-11-10T13:00", 180, 1),
    s("b1000000-0000-4000-8000-000000000014", "2026-11-21T13:00", 240, 2, false),
  ];
  // 架空 たろう (文京区, 288 h = 17280 min cap), past the cap after offline records.
  //   Apr–Oct: 35 × 480 = 16800 (remaining 480)
  //   Nov: 11-05 240 → 17040 (remaining 240); 11-12 180 → 17220 (remaining 60);
  //        11-19 150 → 17370: crosses the cap, so it is the over-cap session.
  //   used 17370 (289 h 30 min); remaining 17280 − 17370 = −90 (1 h 30 min past the cap).
  const taro: RespiteSession[] = [
    ...weekly("b2000000-0000-4000-8000-", "2026-04-02", 35, 6), // 04-02 … 10-23
    s("b2000000-0000-4000-8000-000000000036", "2026-11-05T10:00", 240, 1),
    s("b2000000-0000-4000-8000-000000000037", "2026-11-12T10:00", 180, 1),
    s("b2000000-0000-4000-8000-000000000038", "2026-11-19T10:00", 150, 1, false, true),
  ];
  const year = (child_id: string, child_name: string, municipality: string, municipality_name: string, cap: number, sessions: RespiteSession[]): RespiteYear => {
    const used = sessions.reduce((a, x) => a + x.billable_minutes, 0);
    return {
      report: {
        child_id,
        child_name,
        municipality,
        municipality_name,
        fiscal_year_label: "令和8年度",
        ledger: {
          fiscal_year: 2026,
          cap_minutes: cap,
          used_minutes: used,
          remaining_minutes: cap - used,
          sessions: sessions.map((x) => ({ visit_id: x.visit_id, start: x.start, billable_minutes: x.billable_minutes, uses: x.uses })),
          over_cap: sessions.filter((x) => x.over_cap).map((x) => x.visit_id),
        },
      },
      sessions: [...sessions].reverse(), // newest first
    };
  };
  return {
    years: {
      [CHILD_A]: year(CHILD_A, "見本 はな", "13103", "港区", 8640, hana),
      [CHILD_B]: year(CHILD_B, "架空 たろう", "13105", "文京区", 17280, taro),
    } as Record<string, RespiteYear>,
  };
}

function data(b: FakeBackend) {
  const d = b.s.data as { parent?: ReturnType<typeof parentData> };
  if (!d.parent) d.parent = parentData();
  return d.parent;
}

export const parentCommands: Handlers = {
  respite_year: (b, a) => {
    const y = data(b).years[a.childId];
    if (!y) fail("not_found", `お子さん ${a.childId} が見つかりません`, `no child ${a.childId}`);
    return y;
  },
  confirm_visit: (b, a) => {
    const y = Object.values(data(b).years).find((x) => x.sessions.some((z) => z.visit_id === a.id));
    const session = y?.sessions.find((z) => z.visit_id === a.id);
    if (!y || !session) fail("not_found", `記録 ${a.id} が見つかりません`, `no visit ${a.id}`);
    session.confirmed = a.confirmation.kind === "confirmed";
    const r = shared(b).visits.find((x) => x.summary.id === a.id);
    if (r) r.flags.unconfirmed = !session.confirmed;
    const row: VisitRow = r ?? {
      summary: {
        id: a.id,
        child_id: y.report.child_id,
        kind: "respite",
        station_id: "ST-MIHON",
        date: session.start.slice(0, 10),
        start: session.start,
        fiscal_year: 2026,
        duration_minutes: session.billable_minutes / session.uses,
        billable_minutes: session.billable_minutes,
        uses: session.uses,
        outcome: "done",
        status: session.status,
      },
      child_name: y.report.child_name,
      handed_over: false,
      staff: session.nurses,
      flags: { over_cap: session.over_cap, rejected: false, unconfirmed: !session.confirmed, instruction_expired: false, respite_length: false, short_day: false, pending_sync: true },
      rejected_reason: null,
      returned: null,
    };
    return row;
  },
};
