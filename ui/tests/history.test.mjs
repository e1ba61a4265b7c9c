// The office record detail's history: each entry's who, when and what, and under it each change
// field by field (old → new, — for none; a choice's value in the current language; a long value
// shortened with the whole on demand); an entry this device cannot work out yet, one that changed
// nothing shown, a transfer with its note; English and portrait. Expected values by hand from the
// fixtures in tests/fake/office.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const V = (n) => `a0000000-0000-4000-8000-00000000000${n}`;
const row = (page, n) => page.locator(`[data-testid=o-row][data-id="${V(n)}"]`);

async function openHistory(page, n) {
  await row(page, n).getByTestId("o-open").click();
  await page.getByTestId("o-history-entry").first().waitFor();
  return page.getByTestId("o-history-entry");
}

/** Each change line's text as shown (a long one: its shortened line). */
const changeLines = (entry) =>
  entry.getByTestId("o-history-change").evaluateAll((els) => els.map((e) => (e.querySelector("[data-k=line]") ?? e).innerText.trim()));

test("history: who, when and what each entry did, each change old → new in Japanese; a long value shortened, shown whole on demand", async () => {
  const page = await openApp({ user: OFFICE });
  const entries = await openHistory(page, 1);
  assert.equal(await entries.count(), 2);
  const [created, changed] = [entries.nth(0), entries.nth(1)];
  assert.equal(await created.locator("[data-k=when]").innerText(), "2026年11月10日(火) 16:10");
  // The entry has no name: the person's name from the people list, not the account name.
  assert.equal(await created.getByTestId("o-history-who").innerText(), "見本 看護師");
  assert.equal(await created.locator("[data-k=action]").innerText(), "作成");
  assert.deepEqual(await changeLines(created), ["開始時刻：— → 13:00", "終了時刻：— → 15:30", "結果：— → 実施", "P（計画）：— → 次回も吸引の回数を記録する", "状態：— → 下書き"]);
  assert.deepEqual(await created.getByTestId("o-history-change").evaluateAll((els) => els.map((e) => e.dataset.field)), ["actual_start", "actual_end", "outcome", "note.plan", "status"]);

  assert.equal(await changed.locator("[data-k=when]").innerText(), "2026年11月10日(火) 16:30");
  assert.equal(await changed.locator("[data-k=action]").innerText(), "変更");
  assert.deepEqual(await changeLines(changed), [
    "終了時刻：15:30 → 16:00",
    "P（計画）：次回も吸引の回数を記録する → 次回も吸引の回数と痰の性状を記録する。夜間のSpO₂低下…",
    // Written text keeps its own " / ": only a choice's value is cut to one language.
    "ケア 吸引 メモ：白色の痰 / 少なめ → 白色の痰、やや多め",
    "状態：下書き → 提出済み",
  ]);
  assert.equal(await changed.getByTestId("o-history-unknown").count(), 0);
  assert.equal(await changed.getByTestId("o-history-nothing").count(), 0);

  // The long plan: the whole of both values one tap away, hidden until then.
  const long = changed.locator("[data-testid=o-history-change][data-long=true]");
  assert.equal(await long.count(), 1);
  const full = long.getByTestId("o-history-full");
  assert.equal(await full.isVisible(), false);
  await long.locator("summary").click();
  await full.waitFor({ state: "visible" });
  assert.equal(await full.locator("[data-k=old]").innerText(), "次回も吸引の回数を記録する");
  assert.equal(await full.locator("[data-k=new]").innerText(), "次回も吸引の回数と痰の性状を記録する。夜間のSpO₂低下が続くようなら主治医に相談し、酸素流量の見直しを依頼する");
  assert.match(await full.innerText(), /変更前\s+次回も吸引の回数を記録する\s+変更後\s+次回も吸引の回数と痰の性状を/);
  assert.ok((await long.locator("summary").boundingBox()).height >= 44, "the way to see it whole is touch-sized");
  assert.deepEqual(page.pageErrors, []);
});

test("history: an entry this device does not have yet, one that changed nothing shown, a transfer with its note; the account name when no name is known", async () => {
  const page = await openApp({ user: OFFICE });
  const entries = await openHistory(page, 2);
  assert.equal(await entries.count(), 4);
  assert.deepEqual(await entries.evaluateAll((els) => els.map((e) => e.dataset.action)), ["created", "changed", "changed", "transferred"]);

  const unknown = entries.nth(0);
  assert.equal(await unknown.getByTestId("o-history-unknown").innerText(), "この端末にはまだない変更です（同期後に表示）");
  assert.equal(await unknown.getByTestId("o-history-change").count(), 0);
  assert.equal(await unknown.getByTestId("o-history-nothing").count(), 0);

  const approved = entries.nth(1);
  assert.equal(await approved.getByTestId("o-history-who").innerText(), "見本 事務");
  assert.equal(await approved.locator("[data-k=device]").innerText(), "office-01");
  assert.deepEqual(await changeLines(approved), ["状態：提出済み → 承認済み"]);

  const nothing = entries.nth(2);
  // Not in the people list and no name on the entry: the account name.
  assert.equal(await nothing.getByTestId("o-history-who").innerText(), "kakuu-haken");
  assert.equal(await nothing.getByTestId("o-history-nothing").innerText(), "表示する項目の変更はありません");
  assert.equal(await nothing.getByTestId("o-history-change").count(), 0);

  const moved = entries.nth(3);
  assert.equal(await moved.locator("[data-k=action]").innerText(), "移管");
  assert.equal(await moved.getByTestId("o-history-note").innerText(), "見本訪問看護ステーションから架空訪問看護ステーションへ（2026年11月20日から）");
  assert.equal(await moved.getByTestId("o-history-nothing").count(), 0, "the note says what was done");
  assert.equal(await moved.getByTestId("o-history-unknown").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("history in English, portrait: labels and choices in English, the unknown and transfer entries, touch-sized, no sideways scroll", async () => {
  const page = await openApp({ user: OFFICE }, { lang: "en", viewport: PORTRAIT });
  let entries = await openHistory(page, 1);
  assert.equal(await entries.nth(0).locator("[data-k=action]").innerText(), "created");
  assert.deepEqual(await changeLines(entries.nth(0)), ["start time: — → 13:00", "end time: — → 15:30", "outcome: — → done", "P (plan): — → 次回も吸引の回数を記録する", "status: — → draft"]);
  assert.deepEqual(await changeLines(entries.nth(1)), ["end time: 15:30 → 16:00", "P (plan): 次回も吸引の回数を記録する → 次回も吸引の回数と痰の性状を記録する。夜間のSpO₂低下…", "care suction note: 白色の痰 / 少なめ → 白色の痰、やや多め", "status: draft → submitted"]);
  const summary = entries.nth(1).locator("summary");
  assert.match(await summary.innerText(), /Show in full$/);
  await summary.click();
  assert.match(await entries.nth(1).getByTestId("o-history-full").innerText(), /^Before\s+次回も吸引の回数を記録する\s+After\s+次回も吸引の回数と痰の性状を記録する。/);
  assert.ok((await summary.boundingBox()).height >= 44);
  const wide = () => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
  assert.equal(await wide(), false, "no sideways scrolling");

  await page.getByTestId("o-back").click();
  entries = await openHistory(page, 2);
  assert.equal(await entries.nth(0).getByTestId("o-history-unknown").innerText(), "A change this device does not have yet (shown after syncing)");
  assert.deepEqual(await changeLines(entries.nth(1)), ["status: submitted → approved"]);
  assert.equal(await entries.nth(2).getByTestId("o-history-nothing").innerText(), "No change to anything shown here");
  assert.equal(await entries.nth(3).locator("[data-k=action]").innerText(), "transferred");
  assert.equal(await entries.nth(3).getByTestId("o-history-note").innerText(), "from 見本訪問看護ステーション to 架空訪問看護ステーション (from 20 Nov 2026)");
  assert.equal(await wide(), false, "no sideways scrolling");
  assert.deepEqual(page.pageErrors, []);
});
