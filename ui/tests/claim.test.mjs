// The monthly claim (請求): the lines, fees and totals of a municipality's month, the sessions not
// claimed with every reason, the mark of a session past midnight, the three exports with the
// saved path, an export refused (Shift_JIS) and one failing, English, portrait, and no claim for
// a municipality's welfare section. Expected values are worked out by hand in tests/fake/claim.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT, pickDate } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const WARD = { id: "u-ward", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "港区 福祉課", profession: null };
const HANA = "11111111-1111-4111-8111-111111111111";
const TARO = "22222222-2222-4222-8222-222222222222";
const C = (n) => `c0000000-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;
const V1 = "a0000000-0000-4000-8000-000000000001";

/** The `data-k` cells of `locator`, as an object. */
const cells = (locator) => locator.locator("[data-k]").evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.dataset.k, c.innerText.trim()])));

async function openClaim(opts) {
  const page = await openApp({ user: OFFICE }, opts);
  await page.getByTestId("o-tab-claim").click();
  await page.getByTestId("o-claim-title").waitFor();
  return page;
}

test("claim: last month by default; each line, the instruction fee, hours, the child's and the grand total; the session not claimed with its reason", async () => {
  const page = await openClaim();
  // Today is 2026-11-24 in the fake: the claim starts at last month, October (nothing in it).
  assert.deepEqual((await calls(page, "monthly_claim")).at(-1).args, { municipality: "13103", month: "2026-10" });
  await page.getByTestId("o-claim-none").waitFor();
  assert.equal(await page.locator("[data-name=claim-month]").getAttribute("data-value"), "2026-10");
  assert.deepEqual(await page.locator("select[name=claim-municipality] option").allInnerTexts(), ["港区（13103）", "文京区（13105）"]);

  await pickDate(page.locator("[data-name=claim-month]"), "2026-11");
  const child = page.locator(`[data-testid=o-claim-child][data-child="${HANA}"]`);
  await child.waitFor();
  assert.deepEqual((await calls(page, "monthly_claim")).at(-1).args, { municipality: "13103", month: "2026-11" });
  assert.equal(await page.getByTestId("o-claim-title").innerText(), "港区 2026年11月分の請求");

  const lines = child.getByTestId("o-claim-line");
  assert.equal(await lines.count(), 2);
  // 11-03 21:00 → 11-04 1:00: 240 min, 8 units × 1,200 = 9,600 (4,800 + 4,800).
  assert.deepEqual(await cells(lines.nth(0)), {
    date: "2026年11月3日(火)",
    time: "21:00〜翌1:00 日付をまたぐ",
    hours: "4時間",
    lead: "見本 看護師",
    tier: "課税世帯",
    units: "8 × 1,200円",
    amount: "9,600円",
    tokyo: "4,800円",
    muni: "4,800円",
  });
  assert.equal(await lines.nth(0).getAttribute("data-next-day"), "true");
  assert.equal(await lines.nth(0).getByTestId("o-next-day").count(), 1);
  // 11-21 9:00–13:00 with two lead nurses: 480 min, 2 uses, 16 units × 1,200 = 19,200.
  assert.deepEqual(await cells(lines.nth(1)), {
    date: "2026年11月21日(土)",
    time: "9:00〜13:00",
    hours: "8時間（2回）",
    lead: "見本 看護師",
    tier: "課税世帯",
    units: "16 × 1,200円",
    amount: "19,200円",
    tokyo: "9,600円",
    muni: "9,600円",
  });
  assert.equal(await lines.nth(1).getAttribute("data-next-day"), "false");
  assert.equal(await lines.nth(1).getByTestId("o-next-day").count(), 0);
  assert.deepEqual(await cells(child.getByTestId("o-claim-instruction")), {
    date: "2026年11月1日(日)",
    what: "医師指示書料（見本 医師・見本こども病院、2026年11月1日(日)発行）",
    amount: "3,300円",
    tokyo: "1,650円",
    muni: "1,650円",
  });
  assert.deepEqual(await cells(child.getByTestId("o-claim-hours")), { month: "12時間", year: "100時間30分", remaining: "43時間30分", cap: "144時間" });
  // 9,600 + 19,200 + 3,300 = 32,100; halves 16,050.
  assert.deepEqual(await cells(child.getByTestId("o-claim-child-total")), { total: "32,100円", tokyo: "16,050円", muni: "16,050円" });
  assert.match(await child.getByTestId("o-claim-child-total").innerText(), /見本 はなさんの計\s+32,100円\s+都 1\/2\s+16,050円\s+区市町村 1\/2\s+16,050円/);

  const unclaimed = child.getByTestId("o-unclaimed");
  assert.match(await unclaimed.innerText(), /請求しない利用（1件）/);
  const u = unclaimed.getByTestId("o-unclaimed-row");
  assert.equal(await u.count(), 1);
  assert.equal(await u.getAttribute("data-visit"), V1);
  assert.deepEqual(await cells(u), { when: "2026年11月10日(火) 13:00〜16:00", hours: "3時間", lead: "見本 看護師", reasons: "未承認" });
  assert.ok(await unclaimed.isVisible(), "never hidden");

  assert.deepEqual(await cells(page.getByTestId("o-claim-grand")), { total: "32,100円", tokyo: "16,050円", muni: "16,050円" });
  assert.match(await page.getByTestId("o-claim-total").innerText(), /合計（1人）\s+32,100円/);
  await shot(page, "office-claim");
  assert.deepEqual(page.pageErrors, []);
});

test("claim: every reason of each session not claimed, over the cap, past midnight; nothing claimed totals 0円", async () => {
  const page = await openClaim();
  await pickDate(page.locator("[data-name=claim-month]"), "2026-11");
  await page.locator(`[data-testid=o-claim-child][data-child="${HANA}"]`).waitFor();
  await page.locator("select[name=claim-municipality]").selectOption("13105");
  const child = page.locator(`[data-testid=o-claim-child][data-child="${TARO}"]`);
  await child.waitFor();
  assert.deepEqual((await calls(page, "monthly_claim")).at(-1).args, { municipality: "13105", month: "2026-11" });
  assert.equal(await child.getByTestId("o-claim-line").count(), 0);
  const rows = child.getByTestId("o-unclaimed-row");
  assert.equal(await rows.count(), 3);
  assert.deepEqual(await rows.evaluateAll((rs) => rs.map((r) => r.dataset.visit)), [C(11), C(12), C(13)]);
  assert.deepEqual(await cells(rows.nth(1)), { when: "2026年11月12日(木) 22:00〜翌1:00", hours: "3時間", lead: "見本 看護師", reasons: "世帯区分の単価が設定されていない" });
  assert.deepEqual(await cells(rows.nth(2)), { when: "2026年11月19日(木) 14:00〜16:30", hours: "2時間30分", lead: "𠮷田 看護師", reasons: "保護者の確認なし、年間上限の超過、世帯区分の単価が設定されていない" });
  assert.deepEqual(await cells(child.getByTestId("o-claim-hours")), { month: "0分", year: "289時間30分", remaining: "1時間30分超過", cap: "288時間" });
  assert.deepEqual(await cells(page.getByTestId("o-claim-grand")), { total: "0円", tokyo: "0円", muni: "0円" });
  assert.deepEqual(page.pageErrors, []);
});

test("claim export: each button sends its format and shows where the file was saved, disabled while writing", async () => {
  const page = await openClaim();
  await pickDate(page.locator("[data-name=claim-month]"), "2026-11");
  await page.locator(`[data-testid=o-claim-child][data-child="${HANA}"]`).waitFor();
  const expected = [
    ["csv", "o-export-csv", "CSV（Excel）", "claim-13103-2026-11.csv"],
    ["csv_shift_jis", "o-export-csv_shift_jis", "CSV Shift_JIS（古いExcel用）", "claim-13103-2026-11.csv"],
    ["xlsx", "o-export-xlsx", "Excel（.xlsx）", "claim-13103-2026-11.xlsx"],
  ];
  for (const [format, id, word, file] of expected) {
    const button = page.getByTestId(id);
    assert.equal(await button.innerText(), word);
    await button.click();
    // The fake takes 300 ms: every export button is disabled meanwhile and this one says so.
    await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent === "書き出し中…", id);
    for (const [, other] of expected) assert.ok(await page.getByTestId(other).isDisabled(), `${other} disabled while exporting`);
    await page.getByTestId("o-export-saved").waitFor();
    assert.equal(await page.getByTestId("o-export-saved").innerText(), `保存しました：/home/mihon/ダウンロード/${file}`);
    assert.deepEqual((await calls(page, "export_claim")).at(-1).args, { municipality: "13103", month: "2026-11", format });
    assert.equal(await button.innerText(), word);
    assert.ok(await button.isEnabled());
  }
  assert.equal((await calls(page, "export_claim")).length, 3);
  assert.deepEqual(page.pageErrors, []);
});

test("claim export: 印刷用PDF beside the others sends \"pdf\", shows progress and where the PDF was saved", async () => {
  const page = await openClaim();
  await pickDate(page.locator("[data-name=claim-month]"), "2026-11");
  await page.locator(`[data-testid=o-claim-child][data-child="${HANA}"]`).waitFor();
  const group = page.locator(".o-claim-export button");
  assert.deepEqual(await group.evaluateAll((bs) => bs.map((b) => b.dataset.format)), ["csv", "csv_shift_jis", "xlsx", "pdf"]);
  const pdf = page.getByTestId("o-export-pdf");
  assert.equal(await pdf.innerText(), "印刷用PDF");
  await pdf.click();
  await page.waitForFunction(() => document.querySelector("[data-testid=o-export-pdf]")?.textContent === "書き出し中…");
  assert.ok(await page.getByTestId("o-export-csv").isDisabled(), "the others wait meanwhile");
  await page.getByTestId("o-export-saved").waitFor();
  assert.equal(await page.getByTestId("o-export-saved").innerText(), "保存しました：/home/mihon/ダウンロード/claim-13103-2026-11.pdf");
  assert.deepEqual((await calls(page, "export_claim")).map((c) => c.args), [{ municipality: "13103", month: "2026-11", format: "pdf" }]);
  assert.equal(await pdf.innerText(), "印刷用PDF");
  assert.deepEqual(page.pageErrors, []);
});

test("claim: the reasons a session is not claimed are the core's labels (Labels.unclaimed), in either language", async () => {
  // Words unlike any copy the screen could keep: only the labels can have put them there.
  const unclaimed = [
    { name: "not_approved", ja: "承認待ち（ラベル）", en: "awaiting approval (label)" },
    { name: "unconfirmed", ja: "保護者未確認（ラベル）", en: "guardian not confirmed (label)" },
    { name: "over_cap", ja: "上限超え（ラベル）", en: "past the cap (label)" },
    { name: "no_rate", ja: "単価なし（ラベル）", en: "no rate (label)" },
  ];
  for (const [lang, first, third] of [
    ["ja", "承認待ち（ラベル）", "保護者未確認（ラベル）、上限超え（ラベル）、単価なし（ラベル）"],
    ["en", "awaiting approval (label)", "guardian not confirmed (label), past the cap (label), no rate (label)"],
  ]) {
    const page = await openApp({ user: OFFICE, data: { labels: { unclaimed } } }, { lang });
    await page.getByTestId("o-tab-claim").click();
    await pickDate(page.locator("[data-name=claim-month]"), "2026-11");
    const hana = page.locator(`[data-testid=o-claim-child][data-child="${HANA}"]`);
    await hana.waitFor();
    assert.equal((await cells(hana.getByTestId("o-unclaimed-row"))).reasons, first);
    await page.getByTestId("o-claim-muni").selectOption("13105");
    const taro = page.locator(`[data-testid=o-claim-child][data-child="${TARO}"]`);
    await taro.waitFor();
    assert.equal((await cells(taro.getByTestId("o-unclaimed-row").nth(2))).reasons, third);
    // The municipality's name in English is the claim's own (its settings say "Bunkyo").
    assert.equal(await page.getByTestId("o-claim-title").innerText(), lang === "ja" ? "文京区 2026年11月分の請求" : "Claim of Bunkyo City for Nov 2026");
    assert.deepEqual(page.pageErrors, []);
  }
});

test("claim export errors in words: Shift_JIS names the row and column it cannot write; a failed write says why", async () => {
  const page = await openClaim();
  await pickDate(page.locator("[data-name=claim-month]"), "2026-11");
  await page.locator(`[data-testid=o-claim-child][data-child="${HANA}"]`).waitFor();
  await page.locator("select[name=claim-municipality]").selectOption("13105");
  await page.locator(`[data-testid=o-claim-child][data-child="${TARO}"]`).waitFor();
  await page.getByTestId("o-export-csv_shift_jis").click();
  const err = page.locator(".o-claim [data-testid=error]");
  await err.waitFor();
  assert.equal(await page.locator(".o-claim [data-testid=error] li[data-field=encoding]").innerText(), "3行目「担当看護師」の文字「𠮷」は Shift_JIS で書けません。UTF-8 で書き出してください");
  assert.equal(await page.getByTestId("o-export-saved").count(), 0);
  assert.deepEqual((await calls(page, "export_claim")).at(-1).args, { municipality: "13105", month: "2026-11", format: "csv_shift_jis" });

  // UTF-8 writes it; the error goes.
  await page.getByTestId("o-export-csv").click();
  await page.getByTestId("o-export-saved").waitFor();
  assert.equal(await page.getByTestId("o-export-saved").innerText(), "保存しました：/home/mihon/ダウンロード/claim-13105-2026-11.csv");
  assert.equal(await err.count(), 0);

  // A write that fails (the downloads folder not writable) is shown in words.
  await page.evaluate(() => (window.__FAKE__.s.data.claim = { failNext: { ja: "ダウンロードフォルダーに書き込めません", en: "cannot write to the downloads folder" } }));
  await page.getByTestId("o-export-xlsx").click();
  await err.waitFor();
  assert.match(await err.innerText(), /ダウンロードフォルダーに書き込めません/);
  assert.equal(await page.getByTestId("o-export-saved").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("claim in English, portrait 820 px: words, yen, the past-midnight mark, 44 px controls, no sideways scroll", async () => {
  const page = await openClaim({ lang: "en", viewport: PORTRAIT });
  await pickDate(page.locator("[data-name=claim-month]"), "2026-11");
  const child = page.locator(`[data-testid=o-claim-child][data-child="${HANA}"]`);
  await child.waitFor();
  assert.equal(await page.getByTestId("o-claim-title").innerText(), "Claim of Minato for Nov 2026");
  const first = await cells(child.getByTestId("o-claim-line").nth(0));
  assert.equal(first.time.replace(/\s+/g, " "), "21:00–1:00 (next day) past midnight");
  assert.equal(first.units, "8 × ¥1,200");
  assert.equal(first.amount, "¥9,600");
  assert.equal((await cells(child.getByTestId("o-unclaimed-row"))).reasons, "not approved");
  assert.deepEqual(await cells(page.getByTestId("o-claim-grand")), { total: "¥32,100", tokyo: "¥16,050", muni: "¥16,050" });
  assert.match(await page.getByTestId("o-claim-total").innerText(), /Total claimed\s+Total, children: 1\s+¥32,100/);
  assert.equal(await page.getByTestId("o-export-xlsx").innerText(), "Excel (.xlsx)");
  await page.getByTestId("o-export-xlsx").click();
  await page.getByTestId("o-export-saved").waitFor();
  assert.equal(await page.getByTestId("o-export-saved").innerText(), "Saved: /home/mihon/ダウンロード/claim-13103-2026-11.xlsx");

  const small = await page.locator(".o-claim button, .o-claim select, .o-claim input, .tabs button").evaluateAll((els) =>
    els.filter((e) => e.offsetParent !== null).map((e) => [e.dataset.testid || e.name || e.textContent, e.getBoundingClientRect().height]).filter(([, h]) => h < 44),
  );
  assert.deepEqual(small, [], "every control at least 44 px high");
  const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll[0] <= scroll[1], `no sideways scroll: ${scroll}`);
  // Every money column fits: the lines' table does not scroll inside its frame either.
  const table = await page.locator(".o-claim-lines").evaluate((t) => [t.scrollWidth, t.parentElement.clientWidth]);
  assert.ok(table[0] <= table[1], `the claim's table fits: ${table}`);
  await shot(page, "office-claim-portrait-en");
  assert.deepEqual(page.pageErrors, []);
});

test("claim: a municipality's welfare section has no claim tab and no export", async () => {
  const page = await openApp({ user: WARD, accounts: [{ user: WARD, password: "x" }] });
  await page.getByTestId("o-readonly").waitFor();
  await page.getByTestId("o-tab-review").waitFor();
  assert.equal(await page.getByTestId("o-tab-claim").count(), 0);
  assert.equal(await page.locator("[data-testid^=o-export]").count(), 0);
  assert.equal((await calls(page, "monthly_claim")).length, 0);
  assert.deepEqual(page.pageErrors, []);
});
