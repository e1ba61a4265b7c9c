// Search (検索) on the nurse's home and the office's review tab: results as the tablet finds them
// (the fake stands in for Carebook::search over its rows and notes; the matching itself is the
// core's, tested in crates/core/tests/search.rs), the words marked in each excerpt, a result
// opened and the same results found again on coming back, children opened, dates read, nothing
// found, and the records whose text is not searchable yet. Japanese and English, landscape and
// portrait.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, shot, calls, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const A = "11111111-1111-4111-8111-111111111111";
const V1 = "a0000000-0000-4000-8000-000000000001"; // はな 2026-11-10: 吸引3回, カテーテル交換
const V3 = "a0000000-0000-4000-8000-000000000003"; // たろう 2026-11-20: 吸引1回
const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };

const ids = (page) => page.getByTestId("search-visit").evaluateAll((els) => els.map((e) => e.dataset.id));

async function ask(page, query) {
  await page.getByTestId("search-input").fill(query);
  await page.locator(`[data-testid=search-results][data-query="${query}"]`).waitFor();
}

for (const [lang, viewport] of [
  ["ja", undefined],
  ["en", PORTRAIT],
]) {
  test(`a nurse finds records by a word of their notes, opens one and comes back to the same results (${lang})`, async () => {
    const page = await openApp({}, { lang, viewport });
    await page.getByTestId("n-today").waitFor();
    await ask(page, "吸引");
    // Newest first: たろう's 11/20, then はな's 11/10.
    assert.deepEqual(await ids(page), [V3, V1]);
    const heading = await page.getByTestId("search-visits-heading").innerText();
    assert.equal(heading, lang === "ja" ? "記録 2件" : "2 records");
    // The line of the notes where the word is, the word marked.
    const excerpts = page.getByTestId("search-excerpt");
    assert.deepEqual(await excerpts.allInnerTexts(), ["吸引1回", "夜間に痰が多く吸引3回"]);
    assert.deepEqual(await page.locator("[data-testid=search-excerpt] mark").allInnerTexts(), ["吸引", "吸引"]);
    // The home's lists and its list/week switch step aside while a search is shown.
    assert.equal(await page.getByTestId("n-today").isVisible(), false);
    assert.equal(await page.getByTestId("n-week-open").isVisible(), false);
    await shot(page, `search-${lang}`);

    await page.locator(`[data-testid=search-visit][data-id="${V1}"]`).click();
    await page.getByTestId("n-visit-form").waitFor();
    await page.getByTestId("n-home").click();
    // Back home: the same query and results, nothing typed again.
    await page.locator('[data-testid=search-results][data-query="吸引"]').waitFor();
    assert.equal(await page.getByTestId("search-input").inputValue(), "吸引");
    assert.deepEqual(await ids(page), [V3, V1]);

    // Clearing brings the home back.
    await page.getByTestId("search-clear").click();
    await page.getByTestId("n-today").waitFor({ state: "visible" });
    assert.equal(await page.getByTestId("search-results").count(), 0);
    assert.deepEqual(page.pageErrors, []);
  });
}

test("a child found by kana opens her face sheet; a name and a word narrow together", async () => {
  const page = await openApp({});
  await page.getByTestId("n-today").waitFor();
  await ask(page, "ハナ");
  assert.deepEqual(await page.getByTestId("search-child").evaluateAll((els) => els.map((e) => e.dataset.id)), [A]);
  // Every visit of はな, and the kana marked in her name's line.
  assert.equal((await ids(page)).length, 4);
  assert.deepEqual(await page.locator("[data-testid=search-child] mark").allInnerTexts(), ["はな", "はな"]);
  await ask(page, "はな 吸引");
  assert.deepEqual(await ids(page), [V1]);
  await page.getByTestId("search-child").waitFor({ state: "detached" });
  await ask(page, "ハナ");
  await page.getByTestId("search-child").click();
  await page.getByTestId("n-sheet").waitFor();
});

test("a date is read as a date and said so; nothing found says what was asked; unsearchable text is counted", async () => {
  const page = await openApp({});
  await page.getByTestId("n-today").waitFor();
  await ask(page, "11/20");
  assert.equal(await page.getByTestId("search-dates").innerText(), "日付として検索：11月20日（各年）");
  assert.deepEqual(await ids(page), [V3]);
  await ask(page, "嘔吐");
  assert.equal(await page.getByTestId("search-none").innerText(), "「嘔吐」に一致する児童・記録はこの端末にありません");
  assert.equal(await page.getByTestId("search-pending").count(), 0);
  // Two records received at the last sync wait to have their text indexed.
  await page.evaluate(() => (window.__FAKE__.s.data.shared.searchPending = 2));
  await ask(page, "発熱");
  assert.match(await page.getByTestId("search-pending").innerText(), /同期で受け取った2件の記録は、本文の検索の準備中です/);
  // The query goes to the tablet once typing pauses, not per key.
  const asked = (await calls(page, "search")).map((c) => c.args.query);
  assert.ok(!asked.includes("発"), `asked: ${asked.join(", ")}`);
});

for (const [lang, viewport] of [
  ["ja", PORTRAIT],
  ["en", undefined],
]) {
  test(`the office searches from the review tab, opens a record and comes back; a child narrows the review (${lang})`, async () => {
    const page = await openApp({ user: OFFICE }, { lang, viewport });
    await page.getByTestId("o-row").first().waitFor();
    await ask(page, "カテーテル");
    assert.deepEqual(await ids(page), [V1]);
    assert.equal(await page.getByTestId("o-row").count(), 0, "the review table steps aside");
    await page.getByTestId("search-visit").click();
    await page.getByTestId("o-detail").waitFor();
    await page.getByTestId("o-back").click();
    await page.locator('[data-testid=search-results][data-query="カテーテル"]').waitFor();
    assert.deepEqual(await ids(page), [V1]);
    await shot(page, `search-office-${lang}`);
    // A child found narrows the review to her records, every month.
    await ask(page, "たろう");
    await page.getByTestId("search-child").click();
    await page.getByTestId("o-row").first().waitFor();
    const rows = await page.getByTestId("o-row").evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.deepEqual(rows.sort(), [V3, "a0000000-0000-4000-8000-000000000005"].sort());
    assert.equal(await page.getByTestId("search-input").inputValue(), "");
    assert.deepEqual(page.pageErrors, []);
  });
}
