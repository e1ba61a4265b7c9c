// The fake backend's monthly daytime-care claim: a test double, not the app's rules. One
// hand-worked fictional claim, 港区 (13103) for November 2026, worked out below from the
// built-in daytime settings (8 h to under 9 h: 30,000 yen; taxed households pay a tenth; Tokyo
// pays all) — the fake does not compute, it returns what the core would.
import type { DaytimeClaim } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { DOWNLOADS } from "./claim";
import { CHILD_A } from "./shared";

const D = (n: number) => `d0000000-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;
const fee = (total_yen: number, tokyo_yen: number, municipality_yen: number) => ({ total_yen, tokyo_yen, municipality_yen });
const BAND = { from_minutes: 480, to_minutes: 540, yen: 30000 };

/**
 * 港区, 2026-11 — 見本 はな (score 12), household taxed.
 *   paid 11-04 8:30–17:00 (510 min), 診療所: 30,000 − 3,000 (a tenth) = 27,000, all Tokyo's.
 *   paid 11-18 8:00–16:00 (480 min), 病院: 30,000 − 3,000 = 27,000, all Tokyo's.
 *   not paid 11-11 9:00–15:00 (360 min), 診療所: no band (under 8 h).
 *   not paid 11-25 8:00–16:30 (510 min), no kind of institution recorded, not approved.
 *   child: base 60,000, charge 6,000, subsidy 54,000 = Tokyo 54,000 + 港区 0.
 */
export function daytimeClaims(): Record<string, DaytimeClaim> {
  return {
    "13103/2026-11": {
      municipality: "13103",
      municipality_name: "港区",
      municipality_name_en: "Minato",
      month: "2026-11",
      children: [
        {
          child_id: CHILD_A,
          name: "見本 はな",
          kana: "みほん はな",
          score: 12,
          lines: [
            { visit_id: D(1), start: "2026-11-04T08:30", end: "2026-11-04T17:00", minutes: 510, lead: "見本 看護師", provider: "clinic", tier: "taxed", band: BAND, fee_yen: 30000, user_charge_yen: 3000, subsidy: fee(27000, 27000, 0) },
            { visit_id: D(2), start: "2026-11-18T08:00", end: "2026-11-18T16:00", minutes: 480, lead: "見本 看護師", provider: "hospital", tier: "taxed", band: BAND, fee_yen: 30000, user_charge_yen: 3000, subsidy: fee(27000, 27000, 0) },
          ],
          unclaimed: [
            { visit_id: D(3), start: "2026-11-11T09:00", end: "2026-11-11T15:00", minutes: 360, lead: "見本 看護師", provider: "clinic", reasons: ["no_band"] },
            { visit_id: D(4), start: "2026-11-25T08:00", end: "2026-11-25T16:30", minutes: 510, lead: "見本 看護師", provider: null, reasons: ["no_provider", "not_approved"] },
          ],
          fee_yen: 60000,
          user_charge_yen: 6000,
          subsidy: fee(54000, 54000, 0),
        },
      ],
      fee_yen: 60000,
      user_charge_yen: 6000,
      subsidy: fee(54000, 54000, 0),
    },
  };
}

function daytimeClaim(b: FakeBackend, municipality: string, month: string): DaytimeClaim {
  if (b.s.user?.role !== "office" && b.s.user?.role !== "admin") fail("forbidden", "請求を作れるのは事務と管理者です", "only the office and administrators make claims");
  const c = daytimeClaims()[`${municipality}/${month}`];
  if (c) return c;
  const known = { "13103": "港区", "13105": "文京区" } as Record<string, string>;
  const known_en = { "13103": "Minato", "13105": "Bunkyo" } as Record<string, string>;
  if (!known[municipality]) fail("not_found", `区市町村 ${municipality} の設定がありません`, `no settings for municipality ${municipality}`);
  return { municipality, municipality_name: known[municipality], municipality_name_en: known_en[municipality], month, children: [], fee_yen: 0, user_charge_yen: 0, subsidy: fee(0, 0, 0) };
}

export const daytimeCommands: Handlers = {
  daytime_claim: (b, a) => daytimeClaim(b, a.municipality, a.month),
  export_daytime_claim: (b, a) => {
    daytimeClaim(b, a.municipality, a.month);
    const ext = a.format === "xlsx" ? "xlsx" : a.format === "pdf" ? "pdf" : "csv";
    const file_name = `daytime-claim-${a.municipality}-${a.month}.${ext}`;
    return { path: `${DOWNLOADS}/${file_name}`, file_name, bytes: 2048 };
  },
};
