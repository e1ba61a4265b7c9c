// The results report (実績報告) of a station and fiscal year: the handover visits, each child's
// first-visit checklist with 問題あり standing out, the purchases with their total, recording a
// purchase (a wrong cost named at its field with the typed values kept; a right one in the list
// and the total), the exports with the saved path, empty years in words, English, portrait, and
// no tab for a municipality's welfare section. The data is the fake's (tests/fake/results.ts);
// expected figures are worked out here by hand.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT, pickDate, dateValue } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const ADMIN = { id: "u-admin", username: "mihon-kanri", role: "admin", org_id: null, name: "見本 管理者", profession: null };
const WARD = { id: "u-ward", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "港区 福祉課", profession: null };
const HANA = "11111111-1111-4111-8111-111111111111";
const TARO = "22222222-2222-4222-8222-222222222222";
const H = (n) => `b0000000-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;
/** The fake's two purchases of FY2026, yen. */
const OXIMETER = 24800;
const SUCTION = 58300;
/** `24800` → `24,800円` (or `¥24,800`). */
const yen = (n, lang = "ja") => (lang === "ja" ? `${n.toLocaleString("en-US")}円` : `¥${n.toLocaleString("en-US")}`);

/** The `data-k` cells of `locator`, as an object. */
const cells = (locator) => locator.locator("[data-k]").evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.dataset.k, c.innerText.trim()])));

async function openResults(opts, user = OFFICE) {
  const page = await openApp({ user }, opts);
  await page.getByTestId("o-tab-results").click();
  await page.getByTestId("o-res-title").waitFor();
  return page;
}

test("results: the user's station and this fiscal year by default; handover visits, checklists with 問題あり standing out, purchases and their total", async () => {
  const page = await openResults();
  assert.deepEqual((await calls(page, "results_report")).at(-1).args, { station: "ST-MIHON", fy: 2026 });
  assert.equal(await page.locator("select[name=results-station]").inputValue(), "ST-MIHON");
  // An office sees its own station only.
  assert.deepEqual(await page.locator("select[name=results-station] option").allInnerTexts(), ["見本訪問看護ステーション"]);
  assert.equal(await page.locator("select[name=results-fy]").inputValue(), "2026");
  assert.deepEqual(await page.locator("select[name=results-fy] option").allInnerTexts(), ["令和8年度", "令和7年度", "令和6年度", "令和5年度", "令和4年度"]);
  assert.equal(await page.getByTestId("o-res-title").innerText(), "見本訪問看護ステーション 令和8年度 実績報告");

  const rows = page.getByTestId("o-res-handover");
  assert.equal(await rows.count(), 2);
  assert.match(await page.getByTestId("o-res-handovers").locator("h3").innerText(), /同行訪問（2件）/);
  assert.deepEqual(await cells(rows.nth(0)), {
    date: "2026年6月15日(月)",
    child: "架空 たろう",
    stations: "架空訪問看護ステーション → 見本訪問看護ステーション",
    people: "架空 次郎（看護師・担当・架空訪問看護ステーション）、見本 看護師（看護師・同行・見本訪問看護ステーション）",
    status: "承認済み",
  });
  assert.deepEqual(await cells(rows.nth(1)), {
    date: "2026年10月2日(金)",
    child: "見本 はな",
    stations: "見本訪問看護ステーション → 架空訪問看護ステーション",
    people: "見本 看護師（看護師・担当・見本訪問看護ステーション）、架空 理子（理学療法士・同行・架空訪問看護ステーション）",
    status: "下書き",
  });
  assert.equal(await rows.nth(1).getAttribute("data-visit"), H(2));

  const kids = page.getByTestId("o-res-checklist");
  assert.deepEqual(await kids.evaluateAll((ks) => ks.map((k) => k.dataset.child)), [TARO, HANA]);
  // 架空 たろう: 32 items, 2 absent, none with a problem, none unchecked → 30 ok.
  const taro = page.locator(`[data-testid=o-res-checklist][data-child="${TARO}"]`);
  assert.equal(await taro.getAttribute("data-problems"), "0");
  assert.equal(await taro.getByTestId("o-res-problem-count").count(), 0);
  assert.deepEqual(await cells(taro), { child: "架空 たろう", date: "2026年6月20日(土)の訪問で確認", ok: `問題なし ${32 - 2}`, absent: "該当なし 2", unchecked: "未確認 0" });
  // 見本 はな: 2 問題あり, 1 absent, 2 not checked → 32 − 2 − 1 − 2 = 27 ok; the problems first and named.
  const hana = page.locator(`[data-testid=o-res-checklist][data-child="${HANA}"]`);
  assert.deepEqual(await cells(hana), {
    child: "見本 はな",
    date: "2026年10月5日(月)の訪問で確認",
    problem: "⚠ 問題あり 2",
    ok: `問題なし ${32 - 2 - 1 - 2}`,
    absent: "該当なし 1",
    unchecked: "未確認 2",
  });
  assert.deepEqual(await hana.getByTestId("o-res-problem").evaluateAll((ps) => ps.map((p) => p.innerText.replace(/\s+/g, " ").trim())), [
    "⚠ パルスオキシメーター 問題あり 表示が不安定（見本）",
    "⚠ 小児用フィンガークリッププローブ 問題あり サイズが合わない（見本）",
  ]);
  // It stands out: a red border beside the child and a red badge.
  const border = await hana.evaluate((el) => getComputedStyle(el).borderLeftStyle);
  assert.equal(border, "solid");
  assert.notEqual(await taro.evaluate((el) => getComputedStyle(el).borderLeftStyle), "solid");

  const purchases = page.getByTestId("o-res-purchase");
  assert.equal(await purchases.count(), 2);
  const first = await cells(purchases.nth(0));
  assert.deepEqual([first.date, first.item, first.cost, first.note], ["2026年5月12日(火)", "小児用パルスオキシメーター（見本）", yen(OXIMETER), "見本医療機器店"]);
  const second = await cells(purchases.nth(1));
  assert.deepEqual([second.date, second.item, second.cost], ["2026年7月1日(水)", "ポータブル吸引器（見本）", yen(SUCTION)]);
  assert.equal((await cells(page.getByTestId("o-res-total"))).total, yen(OXIMETER + SUCTION));
  assert.match(await page.getByTestId("o-res-total").innerText(), /購入合計（2件）/);
  // The report from its title: the handover visits, the checklists with 問題あり, the purchases.
  await page.getByTestId("o-res-title").evaluate((e) => e.scrollIntoView());
  await shot(page, "office-results");
  assert.deepEqual(page.pageErrors, []);
});

test("results: a purchase with a wrong cost is named at the cost field and the typed item stays; a right one joins the list and the total", async () => {
  const page = await openResults();
  const form = page.getByTestId("o-res-form");
  await form.locator("input[name=item]").fill("見本 小児用体温計");
  await form.locator("input[name=note]").fill("見本薬局");
  assert.equal(await form.locator("[data-name=date]").getAttribute("data-value"), "2026-11-24", "today by default");

  // Not a number: refused on the screen, nothing sent.
  await form.locator("input[name=cost]").fill("三千円");
  await page.getByTestId("o-res-add").click();
  const problem = form.locator("[data-testid=o-field-problem][data-field=cost_yen]");
  await problem.waitFor();
  assert.equal(await problem.innerText(), "金額は円の整数を数字で入力してください（例：24800）");
  assert.equal((await calls(page, "add_purchase")).length, 0);

  // 0 yen: the domain's check, at the field.
  await form.locator("input[name=cost]").fill("0");
  await page.getByTestId("o-res-add").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=o-field-problem][data-field=cost_yen]")?.dataset.code === "cost_range");
  assert.equal(await problem.innerText(), "金額は1〜10000000円の整数で入力してください（0）");
  assert.deepEqual((await calls(page, "add_purchase")).at(-1).args, { purchase: { station: "ST-MIHON", item: "見本 小児用体温計", date: "2026-11-24", cost_yen: 0, note: "見本薬局" } });
  // Nothing typed is lost, no other field is blamed, and the list is unchanged.
  assert.equal(await form.locator("input[name=item]").inputValue(), "見本 小児用体温計");
  assert.equal(await form.locator("input[name=cost]").inputValue(), "0");
  assert.equal(await form.locator("input[name=note]").inputValue(), "見本薬局");
  assert.equal(await form.locator("[data-testid=o-field-problem]").count(), 1);
  assert.equal(await form.locator("input[name=cost]").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByTestId("o-res-purchase").count(), 2);

  // A date after today cannot be picked (25–30 November are not offered); a blank item is named at its field.
  assert.deepEqual(await form.locator("[data-name=date] select[data-part=day] option[disabled]").evaluateAll((os) => os.map((o) => o.value)), ["25", "26", "27", "28", "29", "30"]);
  await form.locator("input[name=item]").fill(" ");
  await form.locator("input[name=cost]").fill("3980");
  await page.getByTestId("o-res-add").click();
  await form.locator("[data-testid=o-field-problem][data-field=item]").waitFor();
  assert.equal(await form.locator("[data-testid=o-field-problem][data-field=item]").innerText(), "購入した物品を入力してください");
  assert.equal(await form.locator("[data-testid=o-field-problem][data-field=cost_yen]").count(), 0);

  // Right: full-width digits with a comma are read as 3,980 yen.
  await form.locator("input[name=item]").fill("見本 小児用体温計");
  await pickDate(form.locator("[data-name=date]"), "2026-11-20");
  await form.locator("input[name=cost]").fill("３，９８０");
  await page.getByTestId("o-res-add").click();
  await page.getByTestId("o-res-added").waitFor();
  assert.equal(await page.getByTestId("o-res-added").innerText(), `記録しました：見本 小児用体温計 ${yen(3980)}`);
  assert.deepEqual((await calls(page, "add_purchase")).at(-1).args.purchase, { station: "ST-MIHON", item: "見本 小児用体温計", date: "2026-11-20", cost_yen: 3980, note: "見本薬局" });
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-res-purchase]").length === 3);
  const added = await cells(page.getByTestId("o-res-purchase").nth(2));
  assert.deepEqual([added.date, added.item, added.cost, added.note], ["2026年11月20日(金)", "見本 小児用体温計", yen(3980), "見本薬局"]);
  assert.equal((await cells(page.getByTestId("o-res-total"))).total, yen(OXIMETER + SUCTION + 3980));
  assert.match(await page.getByTestId("o-res-total").innerText(), /購入合計（3件）/);
  assert.equal(await form.locator("[data-testid=o-field-problem]").count(), 0);
  assert.equal(await form.locator("input[name=item]").inputValue(), "", "the form is ready for the next one");
  assert.equal(await form.locator("input[name=cost]").inputValue(), "");
  assert.deepEqual(page.pageErrors, []);
});

test("results: the amount granted is recorded, a wrong amount named at its field; what is left after the purchases, and over-spending standing out after a changed decision", async () => {
  const page = await openResults();
  const card = page.getByTestId("o-res-grant");
  assert.equal(await card.getAttribute("data-state"), "none");
  assert.equal(await page.getByTestId("o-res-grant-none").innerText(), "この年度の交付決定額はまだ記録されていません。交付決定通知が届いたら記録してください");
  const form = page.getByTestId("o-res-grant-form");
  assert.equal(await form.locator("h4").innerText(), "交付決定額を記録する");
  // Today (2026-11-24) by default: within the year and not after today.
  assert.equal(await dateValue(form.locator("[data-name=decided_on]")), "2026-11-24");
  await form.locator("input[name=grant-note]").fill("見本 第12号");

  // Not a number: refused on the screen, nothing sent, the note kept.
  await form.locator("input[name=granted]").fill("十万円");
  await page.getByTestId("o-res-grant-save").click();
  const problem = form.locator("[data-testid=o-field-problem][data-field=granted_yen]");
  await problem.waitFor();
  assert.equal(await problem.innerText(), "金額は円の整数を数字で入力してください（例：24800）");
  assert.equal((await calls(page, "set_grant")).length, 0);
  // 0 yen: the domain's check, at the field; nothing typed is lost.
  await form.locator("input[name=granted]").fill("0");
  await page.getByTestId("o-res-grant-save").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=o-res-grant-form] [data-testid=o-field-problem][data-field=granted_yen]")?.dataset.code === "cost_range");
  assert.equal(await problem.innerText(), "交付決定額は1〜100000000円の整数で入力してください（0）");
  assert.equal(await form.locator("input[name=grant-note]").inputValue(), "見本 第12号");
  assert.equal(await card.getAttribute("data-state"), "none");

  // 100,000 yen: 100,000 − (24,800 + 58,300) = 16,900 left.
  await form.locator("input[name=granted]").fill("100,000円");
  await page.getByTestId("o-res-grant-save").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=o-res-grant]")?.dataset.state === "within");
  assert.deepEqual((await calls(page, "set_grant")).at(-1).args, { grant: { station: "ST-MIHON", fiscal_year: 2026, granted_yen: 100000, decided_on: "2026-11-24", note: "見本 第12号" } });
  const sums = await cells(card);
  assert.equal(sums.granted, `${yen(100000)} （2026年11月24日(火) 決定）`);
  assert.deepEqual([sums.spent, sums.left, sums["grant-note"]], [yen(OXIMETER + SUCTION), yen(100000 - OXIMETER - SUCTION), "見本 第12号"]);
  assert.equal(await page.getByTestId("o-res-over").count(), 0);
  // The form now changes it, with the recorded values filled in.
  assert.equal(await form.locator("h4").innerText(), "交付決定額を変更する（変更交付決定）");
  assert.equal(await form.locator("input[name=granted]").inputValue(), "100000");
  assert.equal(await form.locator("input[name=grant-note]").inputValue(), "見本 第12号");

  // A changed decision of 50,000 yen: the purchases exceed it by 83,100 − 50,000 = 33,100 yen.
  await form.locator("input[name=granted]").fill("50000");
  await page.getByTestId("o-res-grant-save").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=o-res-grant]")?.dataset.state === "over");
  assert.equal((await cells(card)).left, `${yen(50000 - OXIMETER - SUCTION)}交付決定額を ${yen(OXIMETER + SUCTION - 50000)} 超えています`);
  assert.equal(await page.getByTestId("o-res-over").innerText(), `交付決定額を ${yen(33100)} 超えています`);
  await card.scrollIntoViewIfNeeded();
  await shot(page, "office-results-grant");
  const colour = await card.locator("[data-k=left]").evaluate((e) => getComputedStyle(e).color);
  assert.equal(colour, await page.evaluate(() => { const p = document.createElement("p"); p.style.color = "var(--danger)"; document.body.append(p); const c = getComputedStyle(p).color; p.remove(); return c; }));
  assert.deepEqual(page.pageErrors, []);
});

test("results export: each button sends its format and shows where the file was saved; a failed write says why", async () => {
  const page = await openResults();
  const expected = [
    ["csv", "CSV（Excel）", "results-ST-MIHON-FY2026.csv"],
    ["csv_shift_jis", "CSV Shift_JIS（古いExcel用）", "results-ST-MIHON-FY2026.csv"],
    ["xlsx", "Excel（.xlsx）", "results-ST-MIHON-FY2026.xlsx"],
    ["pdf", "印刷用PDF", "results-ST-MIHON-FY2026.pdf"],
  ];
  assert.deepEqual(await page.locator(".o-claim-export button").evaluateAll((bs) => bs.map((b) => b.dataset.format)), expected.map(([f]) => f));
  for (const [format, word, file] of expected) {
    const button = page.getByTestId(`o-export-${format}`);
    assert.equal(await button.innerText(), word);
    await button.click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent === "書き出し中…", `o-export-${format}`);
    for (const [other] of expected) assert.ok(await page.getByTestId(`o-export-${other}`).isDisabled(), `${other} disabled while exporting`);
    await page.getByTestId("o-export-saved").waitFor();
    assert.equal(await page.getByTestId("o-export-saved").innerText(), `保存しました：/home/mihon/ダウンロード/${file}`);
    assert.deepEqual((await calls(page, "export_results_report")).at(-1).args, { station: "ST-MIHON", fy: 2026, format });
  }
  await page.evaluate(() => (window.__FAKE__.s.data.results.failNext = { ja: "ダウンロードフォルダーに書き込めません", en: "cannot write to the downloads folder" }));
  await page.getByTestId("o-export-xlsx").click();
  const err = page.locator(".o-res .card [data-testid=error]");
  await err.waitFor();
  assert.match(await err.innerText(), /ダウンロードフォルダーに書き込めません/);
  assert.equal(await page.getByTestId("o-export-saved").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("results: a year with nothing says so in words for each section; an administrator picks any station", async () => {
  const page = await openResults({}, ADMIN);
  assert.deepEqual(await page.locator("select[name=results-station] option").allInnerTexts(), ["架空訪問看護ステーション", "見本訪問看護ステーション"]);
  await page.locator("select[name=results-station]").selectOption("ST-MIHON");
  await page.getByTestId("o-res-handover").first().waitFor();
  await page.locator("select[name=results-fy]").selectOption("2025");
  await page.getByTestId("o-res-handovers-none").waitFor();
  assert.deepEqual((await calls(page, "results_report")).at(-1).args, { station: "ST-MIHON", fy: 2025 });
  assert.equal(await page.getByTestId("o-res-title").innerText(), "見本訪問看護ステーション 令和7年度 実績報告");
  assert.equal(await page.getByTestId("o-res-handovers-none").innerText(), "この年度の同行訪問はありません");
  assert.equal(await page.getByTestId("o-res-checklists-none").innerText(), "この年度に初回訪問の物品チェックをしたお子さんはいません");
  assert.equal(await page.getByTestId("o-res-purchases-none").innerText(), "この年度の物品購入はありません");
  assert.equal(await page.getByTestId("o-res-total").count(), 0);
  // The form is still there: a purchase of that year can be recorded.
  assert.equal(await page.getByTestId("o-res-form").count(), 1);
  assert.deepEqual(page.pageErrors, []);
});

test("results in English, portrait 820 px: words, yen, the error at the field, 44 px controls, no sideways scroll", async () => {
  const page = await openResults({ lang: "en", viewport: PORTRAIT });
  assert.equal(await page.getByTestId("o-tab-results").innerText(), "Results report");
  assert.equal(await page.getByTestId("o-res-title").innerText(), "Results report of 見本訪問看護ステーション, FY2026");
  assert.deepEqual(await page.locator("select[name=results-fy] option").allInnerTexts(), ["FY2026", "FY2025", "FY2024", "FY2023", "FY2022"]);
  const row = await cells(page.getByTestId("o-res-handover").nth(1));
  assert.equal(row.date, "Fri 2 Oct 2026");
  assert.equal(row.people, "見本 看護師 (nurse, lead, 見本訪問看護ステーション), 架空 理子 (physiotherapist, accompanying, 架空訪問看護ステーション)");
  assert.equal(row.status, "draft");
  const hana = page.locator(`[data-testid=o-res-checklist][data-child="${HANA}"]`);
  const en = await cells(hana);
  assert.deepEqual([en.problem, en.ok, en.absent, en.unchecked], ["⚠ problem 2", `ok ${32 - 2 - 1 - 2}`, "absent 1", "not checked 2"]);
  assert.equal((await cells(page.getByTestId("o-res-total"))).total, yen(OXIMETER + SUCTION, "en"));

  const form = page.getByTestId("o-res-form");
  await form.locator("input[name=item]").fill("見本 item");
  await form.locator("input[name=cost]").fill("10000001");
  await page.getByTestId("o-res-add").click();
  const problem = form.locator("[data-testid=o-field-problem][data-field=cost_yen]");
  await problem.waitFor();
  assert.equal(await problem.innerText(), "cost_yen: expected whole yen from 1 to 10000000, got 10000001");
  assert.equal(await form.locator("input[name=item]").inputValue(), "見本 item");

  await page.getByTestId("o-export-pdf").click();
  await page.getByTestId("o-export-saved").waitFor();
  assert.equal(await page.getByTestId("o-export-saved").innerText(), "Saved: /home/mihon/ダウンロード/results-ST-MIHON-FY2026.pdf");

  // The amount granted, in English.
  assert.equal(await page.getByTestId("o-res-grant").locator("h3").innerText(), "Amount granted and what is left");
  const grant = page.getByTestId("o-res-grant-form");
  await grant.locator("input[name=granted]").fill("80000");
  await page.getByTestId("o-res-grant-save").click();
  await page.getByTestId("o-res-over").waitFor();
  // 24,800 + 58,300 − 80,000 = 3,100 over.
  assert.equal(await page.getByTestId("o-res-over").innerText(), `${yen(3100, "en")} over the amount granted`);

  const small = await page.locator(".o-res button, .o-res select, .o-res input, .tabs button").evaluateAll((els) =>
    els.filter((e) => e.offsetParent !== null).map((e) => [e.dataset.testid || e.name || e.textContent, e.getBoundingClientRect().height]).filter(([, h]) => h < 44),
  );
  assert.deepEqual(small, [], "every control at least 44 px high");
  const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll[0] <= scroll[1], `no sideways scroll: ${scroll}`);
  const tables = await page.locator(".o-res-table").evaluateAll((ts) => ts.map((t) => [t.scrollWidth, t.parentElement.clientWidth]));
  for (const [w, c] of tables) assert.ok(w <= c, `the tables fit: ${tables}`);
  assert.deepEqual(page.pageErrors, []);
});

test("results in Japanese, landscape 1180 px: 44 px controls and no sideways scroll", async () => {
  const page = await openResults();
  const small = await page.locator(".o-res button, .o-res select, .o-res input, .tabs button").evaluateAll((els) =>
    els.filter((e) => e.offsetParent !== null).map((e) => [e.dataset.testid || e.name || e.textContent, e.getBoundingClientRect().height]).filter(([, h]) => h < 44),
  );
  assert.deepEqual(small, [], "every control at least 44 px high");
  const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll[0] <= scroll[1], `no sideways scroll: ${scroll}`);
  assert.deepEqual(page.pageErrors, []);
});

test("results: a municipality's welfare section has no results tab", async () => {
  const page = await openApp({ user: WARD, accounts: [{ user: WARD, password: "x" }] });
  await page.getByTestId("o-readonly").waitFor();
  await page.getByTestId("o-tab-review").waitFor();
  assert.equal(await page.getByTestId("o-tab-results").count(), 0);
  assert.equal((await calls(page, "results_report")).length, 0);
  assert.deepEqual(page.pageErrors, []);
});
