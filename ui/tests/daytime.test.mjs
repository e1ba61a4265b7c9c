// The daytime-care claim (日中預かりの請求) in the office: each paid day with its institution, hours
// band, base amount, the household's user charge and the subsidy; the days not paid with every
// reason (the kind of institution missing among them); the totals; the export with its saved
// path; English and portrait; no tab for a municipality's welfare section. Expected values are
// worked out by hand in tests/fake/daytime.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT, pickDate } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const WARD = { id: "u-ward", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "港区 福祉課", profession: null };
const HANA = "11111111-1111-4111-8111-111111111111";
const D = (n) => `d0000000-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;

const cells = (locator) => locator.locator("[data-k]").evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.dataset.k, c.innerText.trim()])));

async function openDaytime(opts) {
  const page = await openApp({ user: OFFICE }, opts);
  await page.getByTestId("o-tab-daytime").click();
  await page.getByTestId("o-daytime-title").waitFor();
  await pickDate(page.locator("[data-testid=o-daytime] [data-name=claim-month]"), "2026-11");
  await page.locator(`[data-testid=o-daytime-child][data-child="${HANA}"]`).waitFor();
  return page;
}

test("daytime claim: the paid days with institution, band, charge and subsidy; the days not paid with every reason; totals; export", async () => {
  const page = await openDaytime();
  assert.deepEqual((await calls(page, "daytime_claim")).at(-1).args, { municipality: "13103", month: "2026-11" });
  assert.equal(await page.getByTestId("o-daytime-title").innerText(), "港区 2026年11月分の日中預かり");
  const child = page.locator(`[data-testid=o-daytime-child][data-child="${HANA}"]`);
  assert.match(await child.locator("h3").innerText(), /医療的ケア判定スコア 12点/);
  const lines = child.getByTestId("o-daytime-line");
  assert.equal(await lines.count(), 2);
  // 11-04 8:30–17:00: 8 h 30 min at a clinic, band 8–9 h 30,000 − a tenth 3,000 = 27,000, all Tokyo's.
  assert.deepEqual(await cells(lines.nth(0)), {
    date: "2026年11月4日(水)",
    time: "8:30〜17:00",
    hours: "8時間30分",
    provider: "診療所",
    tier: "課税世帯",
    band: "8時間以上9時間未満",
    fee: "30,000円",
    charge: "3,000円",
    subsidy: "27,000円",
    tokyo: "27,000円",
    muni: "0円",
  });
  assert.equal(await lines.nth(1).locator("[data-k=provider]").innerText(), "病院");
  const apart = child.getByTestId("o-daytime-unclaimed-row");
  assert.equal(await apart.count(), 2);
  assert.equal(await apart.nth(0).locator("[data-k=reasons]").innerText(), "預かり時間が補助基準額の区分にない");
  assert.equal(await apart.nth(1).getAttribute("data-visit"), D(4));
  assert.equal(await apart.nth(1).locator("[data-k=reasons]").innerText(), "実施機関の種別が記録されていない、未承認");
  assert.equal(await apart.nth(1).locator("[data-k=provider]").count(), 0, "no institution to show");
  // The child's and the grand total: 27,000 + 27,000 = 54,000, Tokyo all of it.
  assert.deepEqual(await cells(child.getByTestId("o-daytime-child-total")), { total: "54,000円", tokyo: "54,000円", muni: "0円" });
  const total = page.getByTestId("o-daytime-total");
  assert.deepEqual(await cells(total.getByTestId("o-daytime-grand")), { total: "54,000円", tokyo: "54,000円", muni: "0円" });
  assert.equal(await total.locator("[data-k=fees]").innerText(), "基準額 60,000円 − 利用者負担 6,000円");
  await shot(page, "office-daytime");

  await page.locator("[data-testid=o-daytime] [data-testid=o-export-pdf]").click();
  await page.getByTestId("o-export-saved").waitFor();
  assert.match(await page.getByTestId("o-export-saved").innerText(), /daytime-claim-13103-2026-11\.pdf/);
  assert.deepEqual((await calls(page, "export_daytime_claim")).at(-1).args, { municipality: "13103", month: "2026-11", format: "pdf" });
  await page.context().close();
});

test("daytime claim in English, portrait: the same numbers and reasons in English", async () => {
  const page = await openDaytime({ lang: "en", viewport: PORTRAIT });
  assert.equal(await page.getByTestId("o-tab-daytime").innerText(), "Daytime care claim");
  const child = page.locator(`[data-testid=o-daytime-child][data-child="${HANA}"]`);
  assert.equal(await child.getByTestId("o-daytime-line").nth(0).locator("[data-k=subsidy]").innerText(), "¥27,000");
  assert.equal(
    await child.getByTestId("o-daytime-unclaimed-row").nth(1).locator("[data-k=reasons]").innerText(),
    "the kind of institution is not recorded, not approved",
  );
  // Nothing is wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling: ${overflow}px`);
  await shot(page, "office-daytime-portrait-en");
  await page.context().close();
});

test("daytime claim: a municipality's welfare section gets no claim tab", async () => {
  const page = await openApp({ user: WARD });
  await page.getByTestId("o-tab-review").waitFor();
  assert.equal(await page.getByTestId("o-tab-daytime").count(), 0);
  await page.context().close();
});
