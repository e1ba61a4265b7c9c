// Charts (ui/src/charts.tsx, Chart.js on canvas): the respite year against the cap (parent and
// office), sessions per municipality (office month tab), vital signs against the age's usual
// ranges (nurse face sheet). The canvas is a picture, so the tests read each chart's numbers from
// its table and aria-label, and check that something was drawn. Expected values are worked out by
// hand from tests/fake/charts.ts (the `charts` scenario) and tests/fake/parent.ts + shared.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const NURSE = { id: "u-nurse", username: "mihon-kango", role: "nurse", org_id: "ST-MIHON", name: "見本 看護師", profession: "nurse" };
const PARENT = { id: "u-parent", username: "mihon-hogosha", role: "parent", org_id: "ST-MIHON", name: "見本 保護者", profession: null };
const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const HANA = "11111111-1111-4111-8111-111111111111";
const SAKURA = "33333333-3333-4333-8333-333333333333";
/** Late in 令和8年度, with the charts' fixtures. */
const MARCH = { today: { date: "2027-03-20", now: "2027-03-20T10:00", fiscal_year: 2026, fiscal_year_ja: "令和8年度", fiscal_year_en: "FY2026" }, data: { charts: true } };

/** A chart's table rows: `{key: {cell: text}}`, keyed by the row's `attr`. */
async function table(chart, attr) {
  await chart.locator("[data-testid=chart-row]").first().waitFor({ state: "attached" });
  return chart.locator("[data-testid=chart-row]").evaluateAll(
    (rows, a) => Object.fromEntries(rows.map((r) => [r.dataset[a], Object.fromEntries([...r.querySelectorAll("[data-k]")].map((c) => [c.dataset.k, c.textContent.trim()]))])),
    attr,
  );
}

/** Waits until Chart.js has drawn into every canvas of `chart`, and checks the canvases are not blank. */
async function drawn(chart) {
  const boxes = chart.locator(".chart-box");
  await chart.locator(".chart-box[data-drawn=true]").first().waitFor();
  const n = await boxes.count();
  for (let i = 0; i < n; i++) {
    await chart.locator(".chart-box").nth(i).and(chart.locator("[data-drawn=true]")).waitFor();
    const inked = await boxes.nth(i).locator("canvas").evaluate((c) => {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let k = 0;
      for (let j = 3; j < d.length; j += 4) if (d[j] > 0) k++;
      return k;
    });
    assert.ok(inked > 500, `canvas ${i} has ink (${inked} pixels)`);
  }
}

const noSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

// はな's year in the charts scenario: 12, 12, 16, 12, 16, 12, 12, 16, 12, 12 h from April to
// January (132 h), then February 16 h (4 h past the 144 h cap) and March 8 h (all past it).
const HANA_YEAR_JA = {
  "2026-04": { hours: "12時間", cumulative: "12時間", over: "—" },
  "2026-05": { hours: "12時間", cumulative: "24時間", over: "—" },
  "2026-06": { hours: "16時間", cumulative: "40時間", over: "—" },
  "2026-07": { hours: "12時間", cumulative: "52時間", over: "—" },
  "2026-08": { hours: "16時間", cumulative: "68時間", over: "—" },
  "2026-09": { hours: "12時間", cumulative: "80時間", over: "—" },
  "2026-10": { hours: "12時間", cumulative: "92時間", over: "—" },
  "2026-11": { hours: "16時間", cumulative: "108時間", over: "—" },
  "2026-12": { hours: "12時間", cumulative: "120時間", over: "—" },
  "2027-01": { hours: "12時間", cumulative: "132時間", over: "—" },
  "2027-02": { hours: "16時間", cumulative: "148時間", over: "▲ 上限超過 4時間" },
  "2027-03": { hours: "8時間", cumulative: "156時間", over: "▲ 上限超過 8時間" },
};

test("charts, parent: hours per month against the 144 h cap, February marked as crossing it", async () => {
  const page = await openApp({ user: PARENT, ...MARCH });
  const hana = page.locator(`[data-testid=p-child][data-child="${HANA}"]`);
  const chart = hana.getByTestId("p-chart");
  await chart.waitFor();
  assert.deepEqual(await table(chart, "month"), HANA_YEAR_JA);
  assert.equal(await chart.getAttribute("data-cap-minutes"), "8640");
  assert.equal(await chart.getByTestId("chart-cap").innerText(), "上限 144時間");
  assert.equal(await chart.getByTestId("chart-crossed").innerText(), "▲ 2月に上限を超えました");
  // Months as 4月 … 3月; the over-cap months carry a class as well as the words.
  assert.deepEqual(await chart.locator("[data-testid=chart-row] th").allTextContents(), ["4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月"]);
  assert.deepEqual(await chart.locator("tr.chart-over").evaluateAll((rs) => rs.map((r) => r.dataset.month)), ["2027-02", "2027-03"]);
  assert.equal(await chart.locator("canvas").getAttribute("aria-label"), "令和8年度の月ごとの利用時間のグラフ。上限 144時間。累計 156時間。2月に上限を超えました");
  await drawn(chart);
  await chart.scrollIntoViewIfNeeded();
  await shot(page, "charts-parent");
  // The table opens for reading.
  await chart.locator("summary").click();
  assert.ok(await chart.locator("table").isVisible());
  assert.deepEqual(page.pageErrors, []);
});

test("charts, parent: the usual data — the year so far, months to come left blank, within the cap", async () => {
  const page = await openApp({ user: PARENT });
  const chart = page.locator(`[data-testid=p-child][data-child="${HANA}"]`).getByTestId("p-chart");
  await chart.waitFor();
  const rows = await table(chart, "month");
  // tests/fake/parent.ts: Nov 240 + 180 + 480 = 900 (15 h); year 6030 (100 h 30 min) by November.
  assert.deepEqual(rows["2026-11"], { hours: "15時間", cumulative: "100時間30分", over: "—" });
  // Sep 180 min, Oct 150 min (one session each).
  assert.deepEqual(rows["2026-10"], { hours: "2時間30分", cumulative: "85時間30分", over: "—" });
  assert.deepEqual(rows["2026-12"], { hours: "0分", cumulative: "—", over: "—" });
  assert.equal(await chart.getByTestId("chart-crossed").count(), 0);
  assert.match(await chart.locator("canvas").getAttribute("aria-label"), /上限の範囲内です$/);
  await drawn(chart);
  assert.deepEqual(page.pageErrors, []);
});

test("charts, parent in English, portrait: labels, months, cap, no sideways scroll", async () => {
  const page = await openApp({ user: PARENT, ...MARCH }, { lang: "en", viewport: PORTRAIT });
  const chart = page.locator(`[data-testid=p-child][data-child="${HANA}"]`).getByTestId("p-chart");
  await chart.waitFor();
  assert.match(await chart.locator("figcaption").innerText(), /Respite hours per month\s+FY2026/);
  assert.equal(await chart.getByTestId("chart-cap").innerText(), "Cap 144 h");
  assert.equal(await chart.getByTestId("chart-crossed").innerText(), "▲ Passed the cap in Feb");
  const rows = await table(chart, "month");
  assert.deepEqual(rows["2027-02"], { hours: "16 h", cumulative: "148 h", over: "▲ Over the cap 4 h" });
  assert.deepEqual(await chart.locator("[data-testid=chart-row] th").allTextContents(), ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]);
  assert.equal(await chart.locator("summary").innerText(), "Show the numbers as a table");
  await drawn(chart);
  assert.ok(await noSideways(page));
  assert.deepEqual(page.pageErrors, []);
});

test("charts, office month tab: sessions per municipality, and a child's year against the cap", async () => {
  const page = await openApp({ user: OFFICE, ...MARCH });
  await page.getByTestId("o-tab-month").click();
  const munis = page.getByTestId("chart-munis");
  await munis.waitFor();
  assert.deepEqual((await calls(page, "respite_month")).at(-1).args, { month: "2027-03" });
  assert.match(await munis.locator("figcaption").innerText(), /2027年3月の市区町村ごとの利用回数/);
  // 港区: はな 2 + さくら 4 = 6 sessions, 480 + 960 = 1440 min; 文京区 3, 720; 新宿区 1, 240. Most first.
  assert.deepEqual(await table(munis, "muni"), {
    港区: { sessions: "6", hours: "24時間", children: "2" },
    文京区: { sessions: "3", hours: "12時間", children: "1" },
    新宿区: { sessions: "1", hours: "4時間", children: "1" },
  });
  assert.deepEqual(await munis.locator("[data-testid=chart-row]").evaluateAll((rs) => rs.map((r) => r.dataset.muni)), ["港区", "文京区", "新宿区"]);
  assert.equal(await munis.locator("canvas").getAttribute("aria-label"), "2027年3月の市区町村ごとの利用回数のグラフ。港区 6回（24時間）、文京区 3回（12時間）、新宿区 1回（4時間）");
  await drawn(munis);

  // The child past the cap first: はな.
  const year = page.getByTestId("o-chart-year");
  await year.waitFor();
  assert.equal(await page.locator("select[name=chart-child]").inputValue(), HANA);
  assert.deepEqual(await table(year, "month"), HANA_YEAR_JA);
  assert.equal(await year.getByTestId("chart-cap").innerText(), "上限 144時間");
  await drawn(year);
  await munis.scrollIntoViewIfNeeded();
  await shot(page, "charts-office-month");
  // Another child: her (empty) year replaces はな's.
  await page.locator("select[name=chart-child]").selectOption(SAKURA);
  await page.waitForFunction(() => !document.querySelector("[data-testid=o-chart-year] [data-testid=chart-crossed]"));
  // Her year arrives after the select changes: wait until the chart shows it (or give up after 5 s
  // and let the assertions say what is on screen).
  const feb = async () => (await table(page.getByTestId("o-chart-year"), "month").catch(() => ({})))["2027-02"];
  for (let i = 0; i < 50 && JSON.stringify(await feb()) !== JSON.stringify({ hours: "0分", cumulative: "0分", over: "—" }); i++) await page.waitForTimeout(100);
  assert.deepEqual((await calls(page, "respite_year")).at(-1).args, { childId: SAKURA });
  assert.deepEqual(await feb(), { hours: "0分", cumulative: "0分", over: "—" });
  assert.deepEqual(page.pageErrors, []);
});

test("charts, office in English, portrait: the municipality chart fits without sideways scroll", async () => {
  const page = await openApp({ user: OFFICE, ...MARCH }, { lang: "en", viewport: PORTRAIT });
  await page.getByTestId("o-tab-month").click();
  const munis = page.getByTestId("chart-munis");
  await munis.waitFor();
  assert.match(await munis.locator("figcaption").innerText(), /Respite sessions per municipality, Mar 2027/);
  assert.match(await munis.locator("canvas").getAttribute("aria-label"), /港区 6 sessions \(24 h\)/);
  await drawn(munis);
  await drawn(page.getByTestId("o-chart-year"));
  assert.ok(await noSideways(page));
  assert.deepEqual(page.pageErrors, []);
});

const openSheet = async (page) => {
  await page.locator(`[data-testid=n-child-card][data-id="${HANA}"]`).getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
};

test("charts, nurse face sheet: the last ten visits' vitals against the ranges for age 5, SpO₂ 91 flagged", async () => {
  const page = await openApp({ user: NURSE, ...MARCH });
  await openSheet(page);
  const chart = page.getByTestId("chart-vitals");
  await chart.waitFor();
  assert.equal(await chart.locator("p.muted").first().innerText(), "直近10回の訪問の記録です。網掛けは5歳の目安の範囲です。");
  // Eight readings: the chart visits; …1 (11-10, two readings) is the eleventh newest and left out.
  const rows = await table(chart, "at");
  assert.deepEqual(Object.keys(rows), ["2026-12-03T10:15", "2026-12-17T10:15", "2027-01-07T10:15", "2027-01-21T10:15", "2027-02-04T10:15", "2027-02-18T10:15", "2027-03-04T10:15", "2027-03-18T10:15"]);
  assert.deepEqual(rows["2027-02-04T10:15"], { pulse: "108", respiration: "25", spo2: "91 ▲範囲外", temperature_c: "37.0" });
  assert.deepEqual(rows["2027-01-21T10:15"], { pulse: "116", respiration: "27", spo2: "96", temperature_c: "37.1" });
  assert.equal(await chart.locator("[data-out=true]").count(), 1);
  assert.equal(await chart.getByTestId("chart-vitals-out").innerText(), "目安の範囲外の値 1件\n▲ 2/4 10:15 SpO₂ 91 %（目安 95–100 %）");
  // The usual ranges at 5 (PALS preschool; SpO₂ and temperature at any age).
  const ranges = await chart.getByTestId("chart-vital").evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.dataset.k, c.dataset.range])));
  assert.deepEqual(ranges, { pulse: "80-120", respiration: "20-28", spo2: "95-100", temperature_c: "36-37.4" });
  const spo2 = chart.locator("[data-testid=chart-vital][data-k=spo2]");
  assert.match(await spo2.innerText(), /SpO₂\s+目安 95–100 %\s+▲ 範囲外 1件/);
  assert.match(await spo2.locator("canvas").getAttribute("aria-label"), /2\/4 10:15 91 \(範囲外\)/);
  assert.equal(await chart.locator("[data-testid=chart-vital][data-k=pulse] .badge").count(), 0);
  await drawn(chart);
  await chart.scrollIntoViewIfNeeded();
  await shot(page, "charts-nurse-vitals");
  // One call for the whole chart (no visit details, no server history), for this child; the
  // eleventh, oldest visit's reading is not on it.
  assert.deepEqual((await calls(page, "vital_history")).map((c) => c.args.childId), [HANA]);
  assert.equal((await calls(page, "visit_detail")).length, 0);
  assert.deepEqual(page.pageErrors, []);
});

test("charts, nurse face sheet with the usual data: visit …1's two readings, all within range", async () => {
  const page = await openApp({ user: NURSE });
  await openSheet(page);
  const chart = page.getByTestId("chart-vitals");
  await chart.waitFor();
  // tests/fake/office.ts V1_RECORD: 13:10 and 15:40 on 2026-11-10.
  assert.deepEqual(await table(chart, "at"), {
    "2026-11-10T13:10": { pulse: "112", respiration: "24", spo2: "97", temperature_c: "36.8" },
    "2026-11-10T15:40": { pulse: "118", respiration: "26", spo2: "95", temperature_c: "37.2" },
  });
  assert.equal(await chart.getByTestId("chart-vitals-ok").innerText(), "すべて目安の範囲内です");
  assert.equal(await chart.getByTestId("chart-vitals-out").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("charts, nurse in English, portrait: vital labels and ranges, no sideways scroll", async () => {
  const page = await openApp({ user: NURSE, ...MARCH }, { lang: "en", viewport: PORTRAIT });
  await openSheet(page);
  const chart = page.getByTestId("chart-vitals");
  await chart.waitFor();
  assert.equal(await page.getByTestId("n-sheet-vitals").locator("h2").innerText(), "Vital signs over time");
  assert.match(await chart.locator("[data-testid=chart-vital][data-k=pulse] h4").innerText(), /Pulse\s+usual 80–120 \/min/);
  assert.match(await chart.locator("[data-testid=chart-vital][data-k=temperature_c] h4").innerText(), /Temperature\s+usual 36–37\.4 °C/);
  assert.equal(await chart.getByTestId("chart-vitals-out").innerText(), "1 value(s) outside the usual range\n▲ 2/4 10:15 SpO₂ 91 % (usual 95–100 %)");
  await drawn(chart);
  assert.ok(await noSideways(page));
  assert.deepEqual(page.pageErrors, []);
});
