// Office: municipality settings — today's settings in words, the versions (built-in first) with
// what each changed, publishing a version from a date (asks first; a past date is refused by the
// field); English and portrait; the nurse does not see the tab. A municipality's welfare section
// (role `municipality`) gets the office screens read-only: the line saying so, no approving, no
// people, no publishing.
// Expected values are worked out by hand from tests/fake/rules.ts (港区: built-in cap 120 h,
// published from 2026-10-01 with 144 h and a doctor's fee of 3,300 yen; the fake's today is
// 2026-11-24).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT, pickDate } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const MUNI = { id: "u-minato", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "見本 港区福祉課", profession: null };
const NURSE = { id: "u-nurse", username: "mihon-kango", role: "nurse", org_id: "ST-MIHON", name: "見本 看護師", profession: "nurse" };

async function openMuni(page) {
  await page.getByTestId("o-tab-municipality").click();
  await page.getByTestId("o-version").nth(1).waitFor();
}

const version = (page, from) => page.locator(`[data-testid=o-version][data-from="${from}"]`);
const changesOf = (loc) => loc.getByTestId("o-change").allInnerTexts();
const todayRows = (page) => page.locator("[data-testid=o-muni-today] [data-k]").evaluateAll((rs) => Object.fromEntries(rs.map((r) => [r.dataset.k, r.querySelector("dd").innerText])));

/** Every control tall enough to touch, and nothing wider than the screen. */
async function fitsTablet(page) {
  const small = await page.getByTestId("o-muni").locator("button, select, input").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height < 44).map((e) => e.outerHTML));
  assert.deepEqual(small, []);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, "no sideways scrolling");
}

test("municipality settings: today's settings in words; the versions show the built-in first and each change old → new", async () => {
  const page = await openApp({ user: OFFICE });
  await openMuni(page);
  assert.deepEqual(await page.locator("select[name=municipality] option").allInnerTexts(), ["港区（13103）", "文京区（13105）"]);
  assert.deepEqual(await todayRows(page), {
    cap: "144時間",
    use: "2時間〜4時間（30分単位）",
    pro: "残りの月数で按分",
    fees: "生活保護世帯 1,500円、区市町村民税非課税世帯 1,500円、課税世帯 1,200円",
    doctor: "3,300円",
    tokyo: "50%",
  });
  assert.match(await page.getByTestId("o-muni-today").innerText(), /今日（2026年11月24日\(火\)）の設定/);
  // The built-in settings are those on the day before the first version.
  assert.ok((await calls(page, "municipality_rules")).some((c) => c.args.code === "13103" && c.args.on === "2026-09-30"));
  const titles = await page.getByTestId("o-version-title").allInnerTexts();
  assert.deepEqual(titles, ["組み込み設定", "2026年10月1日(木) から"]);
  const v1 = version(page, "2026-10-01");
  assert.equal(await v1.getByTestId("o-version-by").innerText(), "見本 事務（2026年9月15日(火) 10:00に公開）");
  assert.match(await v1.innerText(), /適用中/);
  assert.deepEqual(await changesOf(v1), ["年間の上限: 120時間 → 144時間", "医師の指示書料: 3,000円 → 3,300円"]);
  assert.equal(await version(page, "builtin").getByTestId("o-change").count(), 0);
  // The form starts from today's settings and today's date.
  const form = page.getByTestId("o-muni-form");
  assert.equal(await form.locator("input[name=cap]").inputValue(), "144");
  assert.equal(await form.locator("input[name=min]").inputValue(), "2");
  assert.equal(await form.locator("[data-name=from]").getAttribute("data-value"), "2026-11-24");
  const earlier = await form.locator("[data-name=from] select[data-part=day] option[disabled]").evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(earlier, Array.from({ length: 23 }, (_, i) => String(i + 1).padStart(2, "0")), "the picker offers no day before today");
  assert.equal(await page.getByTestId("o-muni-keep").innerText(), "この日より前の訪問は、それぞれの日の設定のまま計算されます。");

  // 文京区 has no published version: its built-in settings only.
  await page.locator("select[name=municipality]").selectOption("13105");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-version]").length === 1);
  assert.deepEqual(await page.getByTestId("o-version-title").allInnerTexts(), ["組み込み設定"]);
  assert.equal((await todayRows(page)).cap, "288時間");
  assert.equal((await todayRows(page)).fees, "設定なし");
  await fitsTablet(page);
  await page.locator("select[name=municipality]").selectOption("13103");
  await page.getByTestId("o-version").nth(1).waitFor();
  await page.getByTestId("o-muni-history").evaluate((el) => el.scrollIntoView({ block: "end" }));
  await shot(page, "office-municipality");
  assert.deepEqual(page.pageErrors, []);
});

test("municipality settings: publishing from a future date asks first, then adds a version (scheduled)", async () => {
  const page = await openApp({ user: OFFICE });
  await openMuni(page);
  const form = page.getByTestId("o-muni-form");
  await form.locator("input[name=cap]").fill("150");
  await pickDate(form.locator("[data-name=from]"), "2026-12-01");
  await page.getByTestId("o-muni-publish").click();
  const confirm = page.getByTestId("o-muni-confirm");
  assert.match(await confirm.innerText(), /港区の設定を2026年12月1日\(火\)から変えますか？\s+年間の上限: 144時間 → 150時間/);
  await page.getByTestId("o-muni-no").click();
  assert.equal((await calls(page, "publish_rule_version")).length, 0, "nothing is sent before the confirmation");
  assert.equal(await page.getByTestId("o-muni-confirm").count(), 0);

  await page.getByTestId("o-muni-publish").click();
  await page.getByTestId("o-muni-yes").click();
  await page.getByTestId("o-muni-notice").waitFor();
  assert.equal(await page.getByTestId("o-muni-notice").innerText(), "港区の設定を公開しました（2026年12月1日(火) から）");
  const sent = (await calls(page, "publish_rule_version")).map((c) => c.args.version);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].key, "13103");
  assert.equal(sent[0].effective_from, "2026-12-01");
  assert.equal(sent[0].template, null);
  assert.deepEqual(
    [sent[0].rules.annual_cap_minutes, sent[0].rules.unit_minutes, sent[0].rules.min_use_minutes, sent[0].rules.max_use_minutes, sent[0].rules.doctor_instruction_fee_yen],
    [9000, 30, 120, 240, 3300],
  );
  const v2 = version(page, "2026-12-01");
  await v2.waitFor();
  assert.deepEqual(await page.getByTestId("o-version-title").allInnerTexts(), ["組み込み設定", "2026年10月1日(木) から", "2026年12月1日(火) から"]);
  assert.deepEqual(await changesOf(v2), ["年間の上限: 144時間 → 150時間"]);
  assert.match(await v2.innerText(), /予定/);
  assert.equal(await v2.getByTestId("o-version-by").innerText(), "見本 事務（2026年11月24日(火) 10:00に公開）");
  // Today's settings stay those of the version in force.
  assert.equal((await todayRows(page)).cap, "144時間");
  assert.match(await version(page, "2026-10-01").innerText(), /適用中/);
  // A later version is compared with the scheduled one it follows, not with today's.
  await form.locator("input[name=cap]").fill("160");
  await pickDate(form.locator("[data-name=from]"), "2027-01-04");
  await page.getByTestId("o-muni-publish").click();
  assert.match(await page.getByTestId("o-muni-confirm").innerText(), /年間の上限: 150時間 → 160時間/);
  await page.getByTestId("o-muni-no").click();
  assert.deepEqual(page.pageErrors, []);
});

test("municipality settings: a version from today is in force at once and cannot be replaced", async () => {
  const page = await openApp({ user: OFFICE });
  await openMuni(page);
  const form = page.getByTestId("o-muni-form");
  await form.locator("input[name=max]").fill("3.5");
  await page.getByTestId("o-muni-publish").click();
  await page.getByTestId("o-muni-yes").click();
  await version(page, "2026-11-24").waitFor();
  assert.deepEqual(await changesOf(version(page, "2026-11-24")), ["1回の最長: 4時間 → 3時間30分"]);
  assert.match(await version(page, "2026-11-24").innerText(), /適用中/);
  assert.equal((await todayRows(page)).use, "2時間〜3時間30分（30分単位）");
  await form.locator("input[name=max]").fill("3");
  await page.getByTestId("o-muni-publish").click();
  await page.getByTestId("o-muni-yes").click();
  const problem = form.locator("[data-testid=o-field-problem][data-field=effective_from]");
  await problem.waitFor();
  assert.equal(await problem.getAttribute("data-code"), "in_force");
  assert.match(await problem.innerText(), /2026-11-24 からの版はすでに適用中です/);
  assert.deepEqual(page.pageErrors, []);
});

// The picker offers no day before today; the server still refuses a day that became past while
// the form was open (midnight passed: the fake's today moves on, the form keeps its day).
const midnightPassed = (page) =>
  page.evaluate(() => {
    window.__FAKE__.s.today = { ...window.__FAKE__.s.today, date: "2026-11-25" };
  });

test("municipality settings: a past date is refused and named by the date field; a unit problem by the unit field", async () => {
  const page = await openApp({ user: OFFICE });
  await openMuni(page);
  const form = page.getByTestId("o-muni-form");
  await midnightPassed(page);
  await page.getByTestId("o-muni-publish").click();
  await page.getByTestId("o-muni-yes").click();
  const problem = form.locator("[data-testid=o-field-problem][data-field=effective_from]");
  await problem.waitFor();
  assert.equal(await problem.innerText(), "適用開始日は今日（2026-11-25）以降にしてください。記録済みの訪問の設定は変わりません");
  assert.equal(await problem.getAttribute("data-code"), "in_the_past");
  // Next to the date field, not in a box of its own.
  assert.equal(await form.locator("[data-name=from] >> xpath=ancestor::div[1]").locator("[data-field=effective_from]").count(), 1);
  assert.equal(await page.getByTestId("error").count(), 0);
  assert.equal(await page.getByTestId("o-version").count(), 2, "no version added");

  await pickDate(form.locator("[data-name=from]"), "2027-04-01");
  await form.locator("input[name=min]").fill("1.75");
  await page.getByTestId("o-muni-publish").click();
  await page.getByTestId("o-muni-yes").click();
  await form.locator("[data-testid=o-field-problem][data-field='rules.unit_minutes']").waitFor();
  assert.equal(await form.locator("[data-field=effective_from]").count(), 0);
  assert.match(await form.locator("[data-field='rules.unit_minutes']").innerText(), /利用時間の上下限が単位の倍数ではありません/);
  // Not a number: said by the field before anything is sent.
  await form.locator("input[name=cap]").fill("");
  await page.getByTestId("o-muni-publish").click();
  await form.locator("[data-testid=o-field-problem][data-field='rules.annual_cap_minutes']").waitFor();
  assert.equal(await page.getByTestId("o-muni-confirm").count(), 0);
  assert.equal((await calls(page, "publish_rule_version")).length, 2);
  assert.deepEqual(page.pageErrors, []);
});

test("municipality settings in English, portrait: changes, a past date refused, offline said in English", async () => {
  const page = await openApp({ user: OFFICE }, { lang: "en", viewport: PORTRAIT });
  await openMuni(page);
  assert.equal(await page.getByTestId("o-tab-municipality").innerText(), "Municipality settings");
  assert.deepEqual(await page.locator("select[name=municipality] option").allInnerTexts(), ["Minato (13103)", "Bunkyo (13105)"]);
  assert.deepEqual(await todayRows(page), {
    cap: "144 h",
    use: "2 h to 4 h, in units of 30 min",
    pro: "pro-rated by the months left",
    fees: "public assistance household ¥1,500, municipal-tax-exempt household ¥1,500, taxed household ¥1,200",
    doctor: "¥3,300",
    tokyo: "50%",
  });
  assert.deepEqual(await page.getByTestId("o-version-title").allInnerTexts(), ["Built-in settings", "from Thu 1 Oct 2026"]);
  const v1 = version(page, "2026-10-01");
  assert.deepEqual(await changesOf(v1), ["Annual cap: 120 h → 144 h", "Doctor's instruction fee: ¥3,000 → ¥3,300"]);
  assert.equal(await v1.getByTestId("o-version-by").innerText(), "見本 事務 (published Tue 15 Sep 2026 10:00)");
  assert.equal(await page.getByTestId("o-muni-keep").innerText(), "Visits before this date keep the settings of their own date.");

  const form = page.getByTestId("o-muni-form");
  await midnightPassed(page);
  await page.getByTestId("o-muni-publish").click();
  assert.match(await page.getByTestId("o-muni-confirm").innerText(), /Change Minato's settings from Tue 24 Nov 2026\?/);
  await page.getByTestId("o-muni-yes").click();
  const problem = form.locator("[data-testid=o-field-problem][data-field=effective_from]");
  await problem.waitFor();
  assert.equal(await problem.innerText(), "the version must apply from today (2026-11-25) or later: visits already recorded keep their settings");
  await fitsTablet(page);
  await page.getByTestId("o-version").nth(1).evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot(page, "office-municipality-en");

  const off = await openApp({ user: OFFICE, sync: { online: false, pending: 0, rejected: [], removed: [], lastSyncAt: null, progress: null } }, { lang: "en" });
  await openMuni(off);
  await pickDate(off.getByTestId("o-muni-form").locator("[data-name=from]"), "2026-12-01");
  await off.getByTestId("o-muni-publish").click();
  await off.getByTestId("o-muni-yes").click();
  await off.locator("[data-testid=error][data-code=offline]").waitFor();
  assert.match(await off.getByTestId("error").innerText(), /publishing settings needs a connection/);
  assert.deepEqual(page.pageErrors, []);
});

test("municipality settings: the nurse does not see the tab (nor the parent)", async () => {
  const page = await openApp({ user: NURSE });
  await page.locator("[data-testid=n-child-card]").first().waitFor();
  assert.equal(await page.getByTestId("o-tab-municipality").count(), 0);
  assert.equal(await page.getByText("区市町村の設定").count(), 0);
  const parent = await openApp({ user: { id: "u-parent", username: "mihon-hogosha", role: "parent", org_id: "ST-MIHON", name: "見本 保護者", profession: null } });
  await parent.locator("main").waitFor();
  await parent.waitForTimeout(300);
  assert.equal(await parent.getByTestId("o-tab-municipality").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

/** The write commands a municipality user must never send. */
const WRITES = ["approve_visits", "publish_rule_version", "save_child", "save_visit", "submit_visit", "confirm_visit", "add_person", "change_person", "disable_person", "enable_person", "reset_person_password"];

test("municipality role: read only — the line says so; no approving, no selecting, no People tab, settings without publishing, no write in a record's detail", async () => {
  const page = await openApp({ user: MUNI });
  await page.getByTestId("o-row").first().waitFor();
  assert.equal(await page.getByTestId("o-readonly").innerText(), "同意のあるお子さんの記録だけが表示されます（閲覧のみ）");
  assert.match(await page.getByTestId("who").innerText(), /区市町村/);
  // The review list: the five November records, and nothing to approve them with.
  assert.equal(await page.getByTestId("o-row").count(), 5);
  assert.equal(await page.getByTestId("o-approve").count(), 0);
  assert.equal(await page.getByTestId("o-select").count(), 0);
  assert.equal(await page.getByTestId("o-select-all").count(), 0);
  assert.equal(await page.locator(".o-table input").count(), 0, "no checkbox in the table");
  assert.equal(await page.locator("button", { hasText: "承認" }).count(), 0, "no button says approve");
  // Tabs: review, month and settings; not People.
  assert.deepEqual(await page.locator("[role=tab]").allInnerTexts(), ["記録の確認", "月別レスパイト集計", "区市町村の設定"]);
  assert.equal(await page.getByTestId("o-tab-people").count(), 0);
  // A record's detail: only the way back.
  await page.getByTestId("o-open").first().click();
  await page.getByTestId("o-detail").waitFor();
  await page.getByTestId("o-history").waitFor();
  assert.deepEqual(await page.getByTestId("o-detail").locator("button, input, select, textarea").evaluateAll((els) => els.map((e) => e.dataset.testid)), ["o-back"]);
  // The settings can be read, not published.
  await openMuni(page);
  assert.equal((await todayRows(page)).cap, "144時間");
  assert.deepEqual(await page.getByTestId("o-version-title").allInnerTexts(), ["組み込み設定", "2026年10月1日(木) から"]);
  assert.equal(await page.getByTestId("o-muni-form").count(), 0);
  assert.equal(await page.getByTestId("o-muni-publish").count(), 0);
  assert.equal(await page.getByText("新しい版を公開").count(), 0);
  assert.equal(await page.getByTestId("o-readonly").count(), 1, "the line stays on every tab");
  await page.getByTestId("o-tab-month").click();
  await page.getByTestId("o-month").waitFor();
  assert.equal(await page.getByTestId("o-readonly").count(), 1);
  const sent = (await calls(page)).filter((c) => WRITES.includes(c.cmd)).map((c) => c.cmd);
  assert.deepEqual(sent, []);
  assert.deepEqual(page.pageErrors, []);
});

test("municipality role in English, portrait: the read-only line; the office itself still approves, manages people and publishes", async () => {
  const page = await openApp({ user: MUNI }, { lang: "en", viewport: PORTRAIT });
  await page.getByTestId("o-row").first().waitFor();
  assert.equal(await page.getByTestId("o-readonly").innerText(), "Only the records of children whose guardians consented to sharing are shown (read only)");
  assert.equal(await page.getByTestId("o-approve").count(), 0);
  assert.equal(await page.getByTestId("o-tab-people").count(), 0);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, "no sideways scrolling");
  // The same screens for the office: every control the municipality does not get is there.
  const office = await openApp({ user: OFFICE });
  await office.getByTestId("o-row").first().waitFor();
  assert.equal(await office.getByTestId("o-readonly").count(), 0);
  assert.equal(await office.getByTestId("o-approve").count(), 1);
  assert.equal(await office.getByTestId("o-select-all").count(), 1);
  assert.ok((await office.getByTestId("o-select").count()) > 0);
  assert.equal(await office.getByTestId("o-tab-people").count(), 1);
  await openMuni(office);
  assert.equal(await office.getByTestId("o-muni-publish").count(), 1);
  assert.deepEqual([...page.pageErrors, ...office.pageErrors], []);
});
