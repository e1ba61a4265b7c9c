// The fake backend's monthly claim: a test double, not the app's rules. Hand-worked fictional
// claims for November 2026 of the children's two municipalities, with the settings of
// tests/fake/rules.ts (港区 from 2026-10-01: taxed 1,200 yen per 30-minute unit, the doctor's
// instruction fee 3,300 yen, Tokyo 50 %; 文京区: no rate for any tier) and the hours of the month
// summary in tests/fake/office.ts. Exports are "written" to a fixed downloads folder.
import type { ExportFormat, MonthlyClaim } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { CHILD_A, CHILD_B } from "./shared";

const C = (n: number) => `c0000000-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;
/** The submitted, not yet approved respite visit of the shared rows (見本 はな 11-10 13:00, 180 min). */
const V1 = "a0000000-0000-4000-8000-000000000001";
const fee = (total_yen: number, tokyo_yen: number, municipality_yen: number) => ({ total_yen, tokyo_yen, municipality_yen });

/** Where the fake writes exports (the downloads folder). */
export const DOWNLOADS = "/home/mihon/ダウンロード";

/**
 * 港区 (13103), 2026-11 — 見本 はな, household tier taxed: 1,200 yen per 30-minute unit.
 *   claimed 11-03 21:00 → 11-04 1:00 (past midnight; the month of its start): 240 min, one nurse
 *     → 8 units × 1,200 = 9,600; Tokyo 9,600 / 2 = 4,800, 港区 the rest 4,800.
 *   claimed 11-21 9:00 → 13:00 with two lead nurses: 240 × 2 = 480 min, 2 uses
 *     → 16 units × 1,200 = 19,200; Tokyo 9,600, 港区 9,600.
 *   instruction renewed 2026-11-01 (見本 医師, 見本こども病院): 3,300; Tokyo 1,650, 港区 1,650.
 *   not claimed 11-10 13:00 → 16:00, 180 min: submitted, not approved (the shared row …01).
 *   month claimed 240 + 480 = 720 min (12 h); year used to the month's end 6,030 min (100 h 30 min,
 *   every recorded session, as the month summary); cap 8,640 (144 h) → 2,610 left (43 h 30 min).
 *   child total 9,600 + 19,200 + 3,300 = 32,100; Tokyo 4,800 + 9,600 + 1,650 = 16,050;
 *   港区 16,050. The claim's total is the one child's: 32,100 = 16,050 + 16,050.
 *
 * 文京区 (13105), 2026-11 — 架空 たろう: 文京区's settings have no rate for any tier, so nothing is
 * claimed and every session says so.
 *   11-05 9:00 → 13:00, 240 min: no rate.
 *   11-12 22:00 → 11-13 1:00 (past midnight), 180 min: no rate.
 *   11-19 14:00 → 16:30, 150 min: not confirmed by the guardian, over the cap (16,800 before the
 *     month + 240 + 180 = 17,220 ≤ 17,280; + 150 = 17,370 > 17,280: this one crosses it), no rate.
 *   month claimed 0; year used 17,370 (289 h 30 min); cap 17,280 (288 h) → −90 (1 h 30 min over).
 *   totals 0. Its third session's lead nurse has 𠮷 (U+20BB7) in the name, which Shift_JIS cannot
 *   write: the Shift_JIS export is refused naming its row (3: the rows are the three sessions,
 *   the child's subtotal, the total) and column.
 */
export function claims(): Record<string, MonthlyClaim> {
  return {
    "13103/2026-11": {
      municipality: "13103",
      municipality_name: "港区",
      municipality_name_en: "Minato",
      month: "2026-11",
      fiscal_year: 2026,
      children: [
        {
          child_id: CHILD_A,
          name: "見本 はな",
          kana: "みほん はな",
          lines: [
            { visit_id: C(1), start: "2026-11-03T21:00", end: "2026-11-04T01:00", billable_minutes: 240, uses: 1, lead: "見本 看護師", tier: "taxed", units: 8, unit_yen: 1200, fee: fee(9600, 4800, 4800) },
            { visit_id: C(2), start: "2026-11-21T09:00", end: "2026-11-21T13:00", billable_minutes: 480, uses: 2, lead: "見本 看護師", tier: "taxed", units: 16, unit_yen: 1200, fee: fee(19200, 9600, 9600) },
          ],
          unclaimed: [{ visit_id: V1, start: "2026-11-10T13:00", end: "2026-11-10T16:00", billable_minutes: 180, lead: "見本 看護師", reasons: ["not_approved"] }],
          month_minutes: 720,
          year_used_minutes: 6030,
          cap_minutes: 8640,
          remaining_minutes: 2610,
          instructions: [{ doctor: "見本 医師", institution: "見本こども病院", issued: "2026-11-01", fee: fee(3300, 1650, 1650) }],
          total: fee(32100, 16050, 16050),
        },
      ],
      total: fee(32100, 16050, 16050),
    },
    "13105/2026-11": {
      municipality: "13105",
      municipality_name: "文京区",
      // Unlike its settings' "Bunkyo": the screen shows the claim's own English name.
      municipality_name_en: "Bunkyo City",
      month: "2026-11",
      fiscal_year: 2026,
      children: [
        {
          child_id: CHILD_B,
          name: "架空 たろう",
          kana: "かくう たろう",
          lines: [],
          unclaimed: [
            { visit_id: C(11), start: "2026-11-05T09:00", end: "2026-11-05T13:00", billable_minutes: 240, lead: "見本 看護師", reasons: ["no_rate"] },
            { visit_id: C(12), start: "2026-11-12T22:00", end: "2026-11-13T01:00", billable_minutes: 180, lead: "見本 看護師", reasons: ["no_rate"] },
            { visit_id: C(13), start: "2026-11-19T14:00", end: "2026-11-19T16:30", billable_minutes: 150, lead: "𠮷田 看護師", reasons: ["unconfirmed", "over_cap", "no_rate"] },
          ],
          month_minutes: 0,
          year_used_minutes: 17370,
          cap_minutes: 17280,
          remaining_minutes: -90,
          instructions: [],
          total: fee(0, 0, 0),
        },
      ],
      total: fee(0, 0, 0),
    },
  };
}

type ClaimData = { failNext?: { ja: string; en: string } | null };

/** Tests may set `window.__FAKE__.s.data.claim = { failNext: { ja, en } }` to make the next export fail. */
function data(b: FakeBackend): ClaimData {
  const d = b.s.data as { claim?: ClaimData };
  if (!d.claim) d.claim = {};
  return d.claim;
}

function claim(b: FakeBackend, municipality: string, month: string): MonthlyClaim {
  if (b.s.user?.role !== "office" && b.s.user?.role !== "admin") fail("forbidden", "請求を作れるのは事務と管理者です", "only the office and administrators make claims");
  const c = claims()[`${municipality}/${month}`];
  if (c) return c;
  // Any other month: nothing recorded.
  const known = { "13103": "港区", "13105": "文京区" } as Record<string, string>;
  const known_en = { "13103": "Minato", "13105": "Bunkyo" } as Record<string, string>;
  if (!known[municipality]) fail("not_found", `区市町村 ${municipality} の設定がありません`, `no settings for municipality ${municipality}`);
  const [y, m] = month.split("-").map(Number);
  return { municipality, municipality_name: known[municipality], municipality_name_en: known_en[municipality], month, fiscal_year: m < 4 ? y - 1 : y, children: [], total: fee(0, 0, 0) };
}

export const claimCommands: Handlers = {
  monthly_claim: (b, a) => claim(b, a.municipality, a.month),
  export_claim: async (b, a) => {
    const c = claim(b, a.municipality, a.month);
    // Long enough for the screen to show that it is writing.
    await new Promise((r) => setTimeout(r, 300));
    const d = data(b);
    if (d.failNext) {
      const e = d.failNext;
      d.failNext = null;
      fail("io", e.ja, e.en);
    }
    if (a.format === ("csv_shift_jis" satisfies ExportFormat) && JSON.stringify(c).includes("𠮷"))
      fail("invalid", "入力内容に問題があります", "the input is invalid", [
        {
          field: "encoding",
          code: "shift_jis",
          ja: "3行目「担当看護師」の文字「𠮷」は Shift_JIS で書けません。UTF-8 で書き出してください",
          en: "row 3, column 担当看護師: the character '𠮷' (U+20BB7) has no Shift_JIS code: export as UTF-8",
        },
      ]);
    const ext = a.format === "xlsx" ? "xlsx" : a.format === "pdf" ? "pdf" : "csv";
    const file_name = `claim-${a.municipality}-${a.month}.${ext}`;
    return { path: `${DOWNLOADS}/${file_name}`, file_name, bytes: a.format === "xlsx" ? 6144 : a.format === "pdf" ? 24576 : 1024 };
  },
};
