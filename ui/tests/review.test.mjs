// Reviewing with the record itself: the office's detail shows what it approves (times, staff,
// vitals, care, SOAP, the checklist with the item with a problem first and marked in words, the
// handover with its sign-offs, the guardian's confirmation and the drawn signature as an <svg>);
// approving several records of which any is flagged asks first (cancel approves nothing, confirm
// approves exactly those); English and portrait; nothing to approve for a municipality.
// Expected values are worked out by hand from tests/fake/{shared,office,transfer}.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const WARD = { id: "u-minato", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "見本 港区福祉課", profession: null };
const V = (n) => `a0000000-0000-4000-8000-00000000000${n}`;
const SIGNED_HANDOVER = "b0000000-0000-4000-8000-000000000001";
const row = (page, id) => page.locator(`[data-testid=o-row][data-id="${id}"]`);
const cells = (locator) => locator.locator("[data-k]").evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.dataset.k, c.innerText.trim()])));

async function openDetail(page, id) {
  await row(page, id).getByTestId("o-open").click();
  await page.getByTestId("o-detail").waitFor();
  await page.getByTestId("o-r-guardian").waitFor();
}

test("review detail: vitals, care, SOAP, the checklist with its problem first and in words, the guardian and the signature", async () => {
  const page = await openApp({ user: OFFICE });
  await openDetail(page, V(1));
  const detail = page.getByTestId("o-detail");
  assert.match(await detail.innerText(), /2026年11月10日\(火\) 13:00 – 16:00/);
  assert.match(await detail.innerText(), /見本 看護師（/);

  const vitals = page.getByTestId("o-r-vital");
  assert.equal(await vitals.count(), 2);
  assert.deepEqual(await cells(vitals.nth(0)), { at: "13:10", resp: "24", pulse: "112", temp: "36.8", spo2: "97", bp: "98/60" });
  assert.deepEqual(await cells(vitals.nth(1)), { at: "15:40", resp: "26", pulse: "118", temp: "37.2", spo2: "95", bp: "—" });

  const care = await page.getByTestId("o-r-care-item").allInnerTexts();
  assert.equal(care.length, 3);
  assert.match(care[0], /^吸引 4回\s+白色の痰、やや多め$/);
  assert.match(care[1], /^経管栄養 200 mL、100 mL\/時$/);
  assert.match(care[2], /^人工呼吸器管理 酸素 1 L\/分\s+設定変更なし、アラームなし$/);

  const soap = await cells(page.getByTestId("o-r-soap"));
  assert.match(soap.s, /母より：昨夜はよく眠れたとのこと/);
  assert.match(soap.o, /SpO₂ 95〜97%、痰やや多め/);
  assert.match(soap.a, /呼吸状態は安定/);
  assert.match(soap.p, /次回も吸引の回数を記録する/);

  // The checklist: the problem summarised at the top and listed first, with an icon and words.
  const checklist = page.getByTestId("o-r-checklist");
  assert.match(await checklist.locator("h3").innerText(), /初回訪問時までの準備物品/);
  assert.equal(await page.getByTestId("o-r-problem-summary").innerText(), "⚠ 問題ありの項目が 1 件あります");
  // … and named at the top of the record, before the fields.
  assert.equal(await page.getByTestId("o-r-problem-top").innerText(), "⚠ 物品チェックリストに問題ありの項目が 1 件あります");
  assert.ok((await page.getByTestId("o-r-problem-top").boundingBox()).y < (await page.locator(".o-fields").boundingBox()).y);
  const items = page.getByTestId("o-r-check");
  assert.deepEqual(await items.evaluateAll((xs) => xs.map((x) => [x.dataset.item, x.dataset.status])), [
    ["pulse_oximeter", "problem"],
    ["autoclave", "ok"],
    ["thermometer", "ok"],
    ["bp_monitor", "absent"],
  ]);
  const problem = items.nth(0);
  assert.match(await problem.innerText(), /^⚠\s+パルスオキシメーター\s+問題あり\s+アラームが鳴らない。交換を依頼$/);
  assert.equal(await problem.locator(".o-r-check-mark").innerText(), "⚠");
  assert.equal(await problem.locator("[data-k=status]").innerText(), "問題あり");
  assert.match(await items.nth(1).innerText(), /^✓\s+高圧滅菌機\s+問題なし$/);
  assert.match(await items.nth(3).innerText(), /^–\s+血圧計\s+該当なし$/, "absent reads 該当なし, not a bare なし (none)");
  // The template's 32 items less the 4 answered, in the template's order.
  assert.match(await page.getByTestId("o-r-unanswered").innerText(), /^未確認の項目 28 件：洗濯機、乾燥機、カルテ記載用パソコン、/);
  // Not colour alone, but also colour: the problem's row differs from an ok row.
  const [bgProblem, bgOk] = await items.evaluateAll((xs) => [getComputedStyle(xs[0]).backgroundColor, getComputedStyle(xs[1]).backgroundColor]);
  assert.notEqual(bgProblem, bgOk);

  assert.equal(await page.getByTestId("o-r-guardian").locator("[data-k=state]").innerText(), "見本 花子（2026年11月10日(火) 16:00）");
  const svg = page.locator("[data-testid=o-r-signature]");
  assert.equal(await svg.evaluate((e) => e.tagName.toLowerCase()), "svg");
  assert.equal(await svg.locator("path").getAttribute("d"), "M 40 150 L 90 60 L 140 150 M 180 80 L 260 80 L 220 160");
  assert.ok((await svg.boundingBox()).height > 40, "the signature is drawn at a readable size");
  // The history and the warnings stay.
  assert.equal(await page.getByTestId("o-history-entry").count(), 2);
  assert.equal(await page.getByTestId("o-r-handover").count(), 0, "no handover section on a respite visit");
  await shot(page, "office-detail-record");
  assert.deepEqual(page.pageErrors, []);
});

test("review detail: a record without a guardian's confirmation says so; nothing recorded says so", async () => {
  const page = await openApp({ user: OFFICE });
  await openDetail(page, V(3));
  assert.equal(await page.getByTestId("o-r-guardian").locator("[data-k=state]").innerText(), "未確認");
  assert.equal(await page.locator("[data-testid=o-r-signature]").count(), 0);
  assert.match(await page.getByTestId("o-r-vitals").innerText(), /記録なし/);
  assert.match(await page.getByTestId("o-r-checklist").innerText(), /チェックリストは使われていません/);
  assert.equal(await page.getByTestId("o-r-problem-summary").count(), 0);
  assert.equal(await page.getByTestId("o-r-problem-top").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("review detail: the handover section with its stations, topics and both sign-offs", async () => {
  const page = await openApp({ user: OFFICE, data: { transfer: {} } });
  await openDetail(page, SIGNED_HANDOVER);
  const h = page.getByTestId("o-r-handover");
  assert.deepEqual(await cells(h), {
    from: "見本訪問看護ステーション",
    to: "架空訪問看護ステーション",
    "sign-from": "見本 看護師（2026年11月18日(水) 11:20）",
    "sign-to": "架空 次郎（2026年11月18日(水) 11:25）",
  });
  assert.match(await h.getByTestId("o-r-topic").innerText(), /^吸引の手順\s+見本の手順書を共有$/);
  assert.deepEqual(page.pageErrors, []);
});

test("approving several with a flagged one asks first: cancel approves nothing, confirm approves exactly those", async () => {
  const page = await openApp({ user: OFFICE });
  await row(page, V(1)).waitFor();
  // …1 has no flag; …3 is unconfirmed and outside the instruction; …5 is unconfirmed.
  for (const n of [1, 3, 5]) await row(page, V(n)).getByTestId("o-select").check();
  await page.getByTestId("o-approve").click();
  const ask = page.getByTestId("o-ask");
  await ask.waitFor();
  assert.equal(await page.getByTestId("o-ask-title").innerText(), "⚠ 3件のうち2件に注意があります：保護者未確認 2件、指示書期間外 1件");
  assert.equal(await page.getByTestId("o-ask-yes").innerText(), "承認する");
  assert.equal(await page.getByTestId("o-ask-no").innerText(), "やめる");
  assert.ok(await page.getByTestId("o-approve").isDisabled(), "no second press while asking");

  await page.getByTestId("o-ask-no").click();
  assert.equal(await ask.count(), 0);
  assert.equal((await calls(page, "approve_visits")).length, 0, "cancel approves nothing");
  assert.equal(await page.getByTestId("o-approve").innerText(), "選択した3件を承認", "the selection stays");

  await page.getByTestId("o-approve").click();
  await page.getByTestId("o-ask-yes").click();
  await page.getByTestId("o-results").waitFor();
  const sent = await calls(page, "approve_visits");
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].args, { ids: [V(1), V(3), V(5)] });
  assert.equal(await ask.count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("approving several without a flag approves directly; over the cap is named", async () => {
  const page = await openApp({ user: OFFICE });
  await row(page, V(1)).waitFor();
  // …5 confirmed after all, and respite only: …1 and …5, neither flagged.
  await page.evaluate(() => (window.__FAKE__.s.data.shared.visits[4].flags.unconfirmed = false));
  await page.locator("select[name=kind]").selectOption("respite");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-row]").length === 2);
  await row(page, V(5)).locator("[data-testid=o-select]").waitFor();
  assert.equal(await row(page, V(5)).locator("[data-flag]").count(), 0);
  await page.getByTestId("o-select-all").check();
  await page.getByTestId("o-approve").click();
  await page.getByTestId("o-results").waitFor();
  assert.equal(await page.getByTestId("o-ask").count(), 0, "nothing to ask");
  assert.deepEqual((await calls(page, "approve_visits")).at(-1).args, { ids: [V(1), V(5)] });

  // Over the cap: …3 and …4 (…4 over the cap, …3 as before).
  await page.evaluate(() => (window.__FAKE__.s.data.shared.visits[3].flags.over_cap = true));
  await page.locator("select[name=kind]").selectOption("nursing");
  await row(page, V(4)).locator("[data-flag=over_cap]").waitFor();
  for (const n of [3, 4]) await row(page, V(n)).getByTestId("o-select").check();
  await page.getByTestId("o-approve").click();
  assert.equal(await page.getByTestId("o-ask-title").innerText(), "⚠ 2件のうち2件に注意があります：上限超過 1件、保護者未確認 2件、指示書期間外 1件");
  assert.deepEqual(page.pageErrors, []);
});

test("review in English, portrait 820 px: the record's words, the problem marked, the question; 44 px controls, no sideways scroll", async () => {
  const page = await openApp({ user: OFFICE }, { lang: "en", viewport: PORTRAIT });
  await row(page, V(1)).waitFor();
  for (const n of [1, 3]) await row(page, V(n)).getByTestId("o-select").check();
  await page.getByTestId("o-approve").click();
  assert.equal(await page.getByTestId("o-ask-title").innerText(), "⚠ 1 of 2 have something to check: Not confirmed by guardian 1, Outside instruction 1");
  assert.equal(await page.getByTestId("o-ask-yes").innerText(), "Approve");
  await page.getByTestId("o-ask-no").click();

  await openDetail(page, V(1));
  assert.equal(await page.getByTestId("o-r-problem-summary").innerText(), "⚠ 1 item(s) with a problem");
  assert.match(await page.getByTestId("o-r-check").first().innerText(), /^⚠\s+pulse oximeter\s+problem\s+/);
  assert.match(await page.getByTestId("o-r-care-item").first().innerText(), /^suction 4 times/);
  assert.match(await page.getByTestId("o-r-soap").innerText(), /S \(subjective\)/);
  assert.equal(await page.getByTestId("o-r-guardian").locator("[data-k=state]").innerText(), "見本 花子 (Tue 10 Nov 2026 16:00)");
  const small = await page.locator(".o-detail button, .tabs button").evaluateAll((els) =>
    els.filter((e) => e.offsetParent !== null).map((e) => [e.dataset.testid || e.textContent, e.getBoundingClientRect().height]).filter(([, h]) => h < 44),
  );
  assert.deepEqual(small, [], "every control at least 44 px high");
  const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll[0] <= scroll[1], `no sideways scroll: ${scroll}`);
  assert.deepEqual(page.pageErrors, []);
});

test("a municipality's welfare section reads the record but has nothing to approve", async () => {
  const page = await openApp({ user: WARD, accounts: [{ user: WARD, password: "x" }] });
  await page.getByTestId("o-readonly").waitFor();
  await page.getByTestId("o-row").first().waitFor();
  assert.equal(await page.getByTestId("o-approve").count(), 0);
  assert.equal(await page.getByTestId("o-select").count(), 0);
  const first = await page.getByTestId("o-row").first().getAttribute("data-id");
  await openDetail(page, first);
  assert.equal(await page.getByTestId("o-ask").count(), 0);
  assert.equal(await page.getByTestId("o-transfer").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});
