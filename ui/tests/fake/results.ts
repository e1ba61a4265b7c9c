// The fake backend's results report (実績報告): a test double, not the app's rules. Fictional data
// for 見本訪問看護ステーション (ST-MIHON) in 令和8年度 (FY2026); every other station and year is empty.
// Purchases are kept in `data.results.purchases` so that `add_purchase` adds to the list the
// next report shows; the fake checks a purchase roughly as the domain does (same codes and words).
import type { CheckStatus, ChildChecklist, ExportFormat, Grant, HandoverLine, NewGrant, NewPurchase, Purchase, ResultsReport } from "../../src/bindings";
import templates from "../fixtures/templates.json";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { DOWNLOADS } from "./claim";
import { CHILD_A, CHILD_B } from "./shared";

const H = (n: number) => `b0000000-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;
const MIHON = { id: "ST-MIHON", name: "見本訪問看護ステーション" };
const KAKUU = { id: "ST-KAKUU", name: "架空訪問看護ステーション" };
/** 2026-11-24 10:00 JST, the fake's now, in Unix seconds. */
const NOW = Date.UTC(2026, 10, 24, 1, 0) / 1000;

/**
 * FY2026 at ST-MIHON:
 *   handovers — 2026-06-15 架空 たろう, 架空 → 見本, 架空 次郎 (nurse, lead, 架空) and 見本 看護師
 *     (nurse, accompanying, 見本), approved; 2026-10-02 見本 はな, 見本 → 架空, 見本 看護師 (lead)
 *     and 架空 理子 (physiotherapist, accompanying), a draft.
 *   checklists — 架空 たろう (visit of 2026-06-20): autoclave and laryngoscope absent, the other 30 ok,
 *     no problem; 見本 はな (2026-10-05): pulse_oximeter and pediatric_finger_probe 問題あり with
 *     notes, suction_unit absent, dryer and other not checked, the other 27 ok.
 *   purchases — 2026-05-12 小児用パルスオキシメーター（見本） 24,800 yen; 2026-07-01 ポータブル吸引器（見本）
 *     58,300 yen. Their total is worked out in the test as the sum of the two.
 */
function handovers(): HandoverLine[] {
  return [
    {
      visit_id: H(1),
      date: "2026-06-15",
      child_id: CHILD_B,
      child_name: "架空 たろう",
      from_station: KAKUU,
      to_station: MIHON,
      people: [
        { name: "架空 次郎", profession: "nurse", role: "lead", station: KAKUU },
        { name: "見本 看護師", profession: "nurse", role: "accompanying", station: MIHON },
      ],
      from_signed_by: "架空 次郎",
      to_signed_by: "見本 看護師",
      topics: ["吸引の手順（見本）"],
      status: "approved",
    },
    {
      visit_id: H(2),
      date: "2026-10-02",
      child_id: CHILD_A,
      child_name: "見本 はな",
      from_station: MIHON,
      to_station: KAKUU,
      people: [
        { name: "見本 看護師", profession: "nurse", role: "lead", station: MIHON },
        { name: "架空 理子", profession: "physiotherapist", role: "accompanying", station: KAKUU },
      ],
      from_signed_by: "見本 看護師",
      to_signed_by: null,
      topics: ["排痰の介助（見本）"],
      status: "draft",
    },
  ];
}

function checklist(child_id: string, child_name: string, visit: string, date: string, marks: Record<string, [CheckStatus | null, string]>): ChildChecklist {
  const tpl = templates.find((t) => t.id === "first_visit_equipment")!;
  const items = tpl.items.map((i) => {
    const [status, note] = marks[i.id] ?? ["ok", ""];
    return { id: i.id, ja: i.ja, en: i.en, status, note };
  });
  const count = (s: CheckStatus | null) => items.filter((i) => i.status === s).length;
  return { child_id, child_name, visit_id: visit, date, items, ok: count("ok"), problem: count("problem"), absent: count("absent"), unchecked: count(null) };
}

function checklists(): ChildChecklist[] {
  return [
    checklist(CHILD_B, "架空 たろう", H(11), "2026-06-20", { autoclave: ["absent", ""], laryngoscope: ["absent", ""] }),
    checklist(CHILD_A, "見本 はな", H(12), "2026-10-05", {
      pulse_oximeter: ["problem", "表示が不安定（見本）"],
      pediatric_finger_probe: ["problem", "サイズが合わない（見本）"],
      suction_unit: ["absent", ""],
      dryer: [null, ""],
      other: [null, ""],
    }),
  ];
}

function startPurchases(): Purchase[] {
  return [
    { id: 1, station: "ST-MIHON", item: "小児用パルスオキシメーター（見本）", date: "2026-05-12", cost_yen: 24800, note: "見本医療機器店", by: "見本 事務", at: Date.UTC(2026, 4, 12, 3, 0) / 1000 },
    { id: 2, station: "ST-MIHON", item: "ポータブル吸引器（見本）", date: "2026-07-01", cost_yen: 58300, note: "", by: "見本 事務", at: Date.UTC(2026, 6, 1, 3, 0) / 1000 },
  ];
}

type ResultsData = { purchases?: Purchase[]; grants?: Grant[]; failNext?: { ja: string; en: string } | null };

/** Tests may set `window.__FAKE__.s.data.results.failNext = { ja, en }` to make the next export fail. */
function data(b: FakeBackend): Required<ResultsData> {
  const d = b.s.data as { results?: ResultsData };
  if (!d.results) d.results = {};
  if (!d.results.purchases) d.results.purchases = startPurchases();
  // No grant recorded at the start: the tests record one.
  if (!d.results.grants) d.results.grants = [];
  if (d.results.failNext === undefined) d.results.failNext = null;
  return d.results as Required<ResultsData>;
}

const fyOf = (date: string) => {
  const [y, m] = date.split("-").map(Number);
  return m < 4 ? y - 1 : y;
};

function may(b: FakeBackend, station: string) {
  const u = b.s.user;
  if (u?.role === "admin" || (u?.role === "office" && u.org_id === station)) return;
  fail("forbidden", "物品の購入は、その事業所の事務担当と管理者だけが記録・閲覧できます", "only the station's office staff and administrators record and read its equipment purchases");
}

function report(b: FakeBackend, station: string, fy: number): ResultsReport {
  may(b, station);
  const org = b.s.directory.orgs.find((o) => o.id === station);
  const mine = station === "ST-MIHON" && fy === 2026;
  const purchases = data(b)
    .purchases.filter((p) => p.station === station && fyOf(p.date) === fy)
    .sort((a, c) => (a.date < c.date ? -1 : a.date > c.date ? 1 : a.id - c.id));
  const total = purchases.reduce((s, p) => s + p.cost_yen, 0);
  const grant = data(b).grants.find((g) => g.station === station && g.fiscal_year === fy) ?? null;
  return {
    station: { id: station, name: org?.name || station },
    fiscal_year: fy,
    handovers: mine ? handovers() : [],
    checklists: mine ? checklists() : [],
    purchases,
    purchases_total_yen: total,
    grant,
    remaining_yen: grant ? grant.granted_yen - total : null,
  };
}

/** As `NewGrant::validate` (crates/domain/src/results.rs): the same fields, codes and words. */
function validateGrant(g: NewGrant, today: string) {
  const problems = [];
  const fy = g.fiscal_year;
  if (!(g.granted_yen >= 1 && g.granted_yen <= 100_000_000))
    problems.push({ field: "granted_yen", code: "cost_range", ja: `交付決定額は1〜100000000円の整数で入力してください（${g.granted_yen}）`, en: `granted_yen: expected whole yen from 1 to 100000000, got ${g.granted_yen}` });
  if (g.decided_on > today)
    problems.push({ field: "decided_on", code: "in_the_future", ja: `交付決定日は今日（${today}）以前にしてください（${g.decided_on}）`, en: `decided_on: expected a day on or before today (${today}), got ${g.decided_on}` });
  else if (fyOf(g.decided_on) !== fy)
    problems.push({ field: "decided_on", code: "outside_year", ja: `交付決定日は令和${fy - 2018}年度（${fy}-04-01〜${fy + 1}-03-31）の日にしてください（${g.decided_on}）`, en: `decided_on: expected a day of FY${fy} (${fy}-04-01 to ${fy + 1}-03-31), got ${g.decided_on}` });
  if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
}

/** As `NewPurchase::validate` (crates/domain/src/results.rs): the same fields, codes and words. */
function validate(p: NewPurchase, today: string) {
  const problems = [];
  if (!p.item.trim()) problems.push({ field: "item", code: "required", ja: "購入した物品を入力してください", en: "item: expected what was bought, found nothing" });
  else if ([...p.item].length > 200) problems.push({ field: "item", code: "too_long", ja: `200文字以内にしてください（${[...p.item].length}文字）`, en: `item: expected at most 200 characters, got ${[...p.item].length}` });
  if (p.date > today) problems.push({ field: "date", code: "in_the_future", ja: `購入日は今日（${today}）以前にしてください（${p.date}）`, en: `date: expected a day on or before today (${today}), got ${p.date}` });
  if (!(p.cost_yen >= 1 && p.cost_yen <= 10_000_000))
    problems.push({ field: "cost_yen", code: "cost_range", ja: `金額は1〜10000000円の整数で入力してください（${p.cost_yen}）`, en: `cost_yen: expected whole yen from 1 to 10000000, got ${p.cost_yen}` });
  if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
}

export const resultsCommands: Handlers = {
  results_report: (b, a) => report(b, a.station, a.fy),
  add_purchase: async (b, a) => {
    validate(a.purchase, b.s.today.date);
    may(b, a.purchase.station);
    await new Promise((r) => setTimeout(r, 100));
    const list = data(b).purchases;
    const p: Purchase = { ...a.purchase, note: a.purchase.note ?? "", id: Math.max(0, ...list.map((x) => x.id)) + 1, by: b.s.user?.name ?? "", at: NOW };
    list.push(p);
    return p;
  },
  set_grant: async (b, a) => {
    const g: NewGrant = a.grant;
    validateGrant(g, b.s.today.date);
    may(b, g.station);
    await new Promise((r) => setTimeout(r, 100));
    const list = data(b).grants;
    const kept: Grant = { ...g, note: g.note ?? "", by: b.s.user?.name ?? "", at: NOW + list.length + 1 };
    data(b).grants = [...list.filter((x) => !(x.station === g.station && x.fiscal_year === g.fiscal_year)), kept];
    return kept;
  },
  export_results_report: async (b, a) => {
    report(b, a.station, a.fy);
    // Long enough for the screen to show that it is writing.
    await new Promise((r) => setTimeout(r, 300));
    const d = data(b);
    if (d.failNext) {
      const e = d.failNext;
      d.failNext = null;
      fail("io", e.ja, e.en);
    }
    const f: ExportFormat = a.format;
    const ext = f === "xlsx" ? "xlsx" : f === "pdf" ? "pdf" : "csv";
    const file_name = `results-${a.station}-FY${a.fy}.${ext}`;
    return { path: `${DOWNLOADS}/${file_name}`, file_name, bytes: f === "xlsx" ? 6144 : f === "pdf" ? 24576 : 1024 };
  },
};
