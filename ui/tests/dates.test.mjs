// Dates the Japanese way (issue 14, item 5): the date and month fields show 2026年12月2日 /
// 2026年12月 whatever the platform's locale (2 Dec 2026 / Dec 2026 in English) and give the
// callers ISO dates on every change; the month filter takes a month without the field losing
// focus; the 和暦 setting shows records' dates as 令和8年12月2日. Today in the fake: 2026-11-24
// (a Tuesday).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, pickDate, dateValue, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const CHILD_A = "11111111-1111-4111-8111-111111111111";
const V = (n) => `a0000000-0000-4000-8000-00000000000${n}`;

/** What a date field shows: the chosen entry of each of its selects, in order. */
const shown = (field, sep) => field.locator("select").evaluateAll((ss, sep) => ss.map((s) => s.selectedOptions[0]?.text ?? "").join(sep), sep);

async function newVisit(page) {
  await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"]`).getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
  await page.getByTestId("n-record").click();
  await page.getByTestId("n-visit-form").waitFor();
}

test("the visit's day shows 2026年12月2日 in Japanese and 2 Dec 2026 in English, and the record keeps 2026-12-02", async () => {
  const page = await openApp();
  await newVisit(page);
  const day = page.getByTestId("n-day");
  assert.equal(await dateValue(day), "2026-11-24", "today by default");
  assert.equal(await shown(day, ""), "2026年11月24日");
  await pickDate(day, "2026-12-02");
  assert.equal(await shown(day, ""), "2026年12月2日");
  // Year, month and day each a 44 px target.
  for (const b of await day.locator("select").evaluateAll((ss) => ss.map((s) => s.getBoundingClientRect().height))) assert.ok(b >= 44, `select ${b} px tall`);
  // No native date input is left anywhere on the form.
  assert.equal(await page.locator("input[type=date], input[type=month]").count(), 0);
  await page.getByTestId("n-start-time").fill("09:00");
  await page.getByTestId("n-end-time").fill("10:30");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  const v = (await calls(page, "save_visit")).at(-1).args.visit;
  assert.equal(v.actual_start, "2026-12-02T09:00");
  assert.equal(v.actual_end, "2026-12-02T10:30");

  await page.getByTestId("lang-en").click();
  assert.equal(await shown(day, " "), "2 Dec 2026");
  // 31 days in December, 30 in November: picking November keeps the 2nd.
  assert.equal(await day.locator("select[data-part=day] option").count(), 31);
  await day.locator("select[data-part=month]").selectOption("11");
  assert.equal(await dateValue(day), "2026-11-02");
  assert.equal(await day.locator("select[data-part=day] option").count(), 30);
  assert.deepEqual(page.pageErrors, []);
});

test("a 31st becomes the last day of a shorter month; 29 February only in a leap year", async () => {
  const page = await openApp({ user: OFFICE });
  await page.getByTestId("o-tab-municipality").click();
  const from = page.getByTestId("o-muni-form").locator("[data-name=from]");
  await pickDate(from, "2027-01-31");
  await from.locator("select[data-part=month]").selectOption("02");
  assert.equal(await dateValue(from), "2027-02-28", "2027 is not a leap year");
  await pickDate(from, "2028-02-29");
  assert.equal(await dateValue(from), "2028-02-29");
  assert.equal(await shown(from, ""), "2028年2月29日");
  await from.locator("select[data-part=year]").selectOption("2027");
  assert.equal(await dateValue(from), "2027-02-28");
  assert.deepEqual(page.pageErrors, []);
});

test("the office's month filter takes a month at once, while the field still has the focus; すべて shows every month", async () => {
  const page = await openApp({ user: OFFICE });
  await page.getByTestId("o-row").first().waitFor();
  const month = page.locator("[data-name=month]");
  assert.equal(await shown(month, ""), "2026年11月");
  const before = (await calls(page, "visits")).length;
  await month.locator("select[data-part=month]").focus();
  await month.locator("select[data-part=month]").selectOption("10");
  await page.getByTestId("o-empty").waitFor();
  const sent = await calls(page, "visits");
  assert.equal(sent.length, before + 1, "one call for the one change");
  assert.equal(sent.at(-1).args.filter.month, "2026-10");
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "month-month", "the field never lost the focus");
  await month.locator("select[data-part=year]").selectOption("");
  await page.getByTestId("o-row").first().waitFor();
  assert.equal((await calls(page, "visits")).at(-1).args.filter.month, null);
  assert.deepEqual(page.pageErrors, []);
});

test("the month summary takes its month from the month field at once, in English Oct 2026", async () => {
  const page = await openApp({ user: OFFICE }, { lang: "en", viewport: PORTRAIT });
  await page.getByTestId("o-tab-month").click();
  const month = page.locator("[data-name=summary-month]");
  assert.equal(await shown(month, " "), "Nov 2026");
  await month.locator("select[data-part=month]").selectOption("10");
  await page.waitForFunction(() => window.__CALLS__.filter((c) => c.cmd === "respite_month").at(-1)?.args.month === "2026-10");
  assert.equal(await shown(month, " "), "Oct 2026");
  assert.match(await page.locator(".o-month-title").innerText(), /Oct 2026/);
  assert.deepEqual(page.pageErrors, []);
});

test("the era: the same day as 令和8年12月2日; 令和元年 from 2019-05-01, 平成31年 the day before; English keeps the Gregorian year", async () => {
  const page = await openApp({ user: OFFICE });
  await page.getByTestId("o-row").first().waitFor();
  const f = (d, l, e) => page.evaluate(([d, l, e]) => window.__I18N__.fmtDate(d, l, e), [d, l, e]);
  assert.equal(await f("2026-12-02", "ja", "western"), "2026年12月2日(水)");
  assert.equal(await f("2026-12-02", "ja", "japanese"), "令和8年12月2日(水)");
  assert.equal(await f("2019-05-01", "ja", "japanese"), "令和元年5月1日(水)");
  assert.equal(await f("2019-12-31", "ja", "japanese"), "令和元年12月31日(火)");
  assert.equal(await f("2020-01-01", "ja", "japanese"), "令和2年1月1日(水)");
  assert.equal(await f("2019-04-30", "ja", "japanese"), "平成31年4月30日(火)");
  assert.equal(await f("1989-01-08", "ja", "japanese"), "平成元年1月8日(日)");
  assert.equal(await f("1989-01-07", "ja", "japanese"), "昭和64年1月7日(土)");
  assert.equal(await f("2026-12-02", "en", "japanese"), "Wed 2 Dec 2026");
  assert.equal(await page.evaluate(() => window.__I18N__.fmtMonth("2019-05", "ja", "japanese")), "令和元年5月");
  assert.equal(await page.evaluate(() => window.__I18N__.fmtMonth("2019-04", "ja", "japanese")), "平成31年4月");

  // 西暦 by default; 和暦 from the header, for the visit list, the record and its history.
  assert.equal(await page.getByTestId("era-western").getAttribute("aria-pressed"), "true");
  const row1 = page.locator(`[data-testid=o-row][data-id="${V(1)}"]`);
  assert.equal(await row1.locator("td[data-k=date]").innerText(), "2026年11月10日(火) 13:00");
  await page.getByTestId("era-japanese").click();
  assert.equal(await page.getByTestId("era-japanese").getAttribute("aria-pressed"), "true");
  assert.equal(await row1.locator("td[data-k=date]").innerText(), "令和8年11月10日(火) 13:00");
  await row1.getByTestId("o-open").click();
  await page.getByTestId("o-history-entry").first().waitFor();
  assert.match(await page.getByTestId("o-detail").innerText(), /令和8年11月10日\(火\) 13:00 – 16:00/);
  assert.match((await page.getByTestId("o-history-entry").allInnerTexts())[0], /^令和8年11月10日\(火\) 16:10/);
  assert.doesNotMatch(await page.getByTestId("o-detail").innerText(), /2026年/);
  // The month field itself still names the Gregorian year (the year select is the same either way).
  await page.getByTestId("o-back").click();
  assert.equal(await shown(page.locator("[data-name=month]"), ""), "2026年11月");

  // Kept on the device, like the language: the next start shows 和暦 again.
  await page.reload();
  await page.locator(`[data-testid=o-row][data-id="${V(1)}"]`).waitFor();
  assert.equal(await row1.locator("td[data-k=date]").innerText(), "令和8年11月10日(火) 13:00");
  // English: no era switch, Gregorian dates.
  await page.getByTestId("lang-en").click();
  assert.equal(await page.getByTestId("era-japanese").count(), 0);
  assert.equal(await row1.locator("td[data-k=date]").innerText(), "Tue 10 Nov 2026 13:00");
  assert.deepEqual(page.pageErrors, []);
});

test("the nurse's home list shows 令和 with the setting", async () => {
  const page = await openApp();
  await page.getByTestId("era-japanese").click();
  await page.getByTestId("n-today").getByTestId("n-visit-row").first().waitFor();
  assert.match(await page.getByTestId("n-today").getByTestId("n-visit-row").first().innerText(), /令和8年11月24日\(火\)/);
  assert.doesNotMatch(await page.getByTestId("n-home-screen").innerText(), /2026年/);
  await shot(page, "nurse-home-era");
  assert.deepEqual(page.pageErrors, []);
});
