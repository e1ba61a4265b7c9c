// お知らせ: the header's count and list — instructions, records waiting for the guardian,
// checklist problems, records sent back — in Japanese and English; a parent sees only what waits
// for them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const A = "11111111-1111-4111-8111-111111111111";
const V1 = "0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10";
const V2 = "0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e11";
const NOTICES = [
  { kind: "instruction_expired", child_id: A, child_name: "見本 はな", visit_id: null, on: "2026-11-20", detail: null },
  { kind: "sent_back", child_id: A, child_name: "見本 はな", visit_id: V1, on: "2026-11-18", detail: { ja: "開始時刻を確認してください", en: "開始時刻を確認してください" } },
  { kind: "checklist_problem", child_id: A, child_name: "見本 はな", visit_id: V2, on: "2026-11-17", detail: { ja: "人工呼吸器（回路に水滴）", en: "ventilator (回路に水滴)" } },
  { kind: "awaiting_confirmation", child_id: A, child_name: "見本 はな", visit_id: V2, on: "2026-11-17", detail: null },
];

for (const [lang, viewport] of [["ja", undefined], ["en", PORTRAIT]]) {
  test(`the nurse's notices: a count in the header, each named with its child and day (${lang})`, async () => {
    const page = await openApp({ notices: NOTICES }, { lang, viewport });
    assert.equal(await page.getByTestId("notices-count").innerText(), "4");
    await page.getByTestId("notices-open").click();
    const items = page.getByTestId("notices").getByTestId("notice");
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.kind)), NOTICES.map((n) => n.kind));
    const text = await page.getByTestId("notices").innerText();
    if (lang === "ja") {
      assert.match(text, /指示書の期限切れ\s*見本 はなさんの指示書は 2026年11月20日\(金\) で期限が切れています/);
      assert.match(text, /差し戻し[\s\S]*開始時刻を確認してください/);
      assert.match(text, /機器チェックに問題あり[\s\S]*人工呼吸器（回路に水滴）/);
    } else {
      assert.match(text, /Instruction expired/);
      assert.match(text, /ventilator \(回路に水滴\)/);
      assert.match(text, /waiting for the guardian's confirmation/);
    }
    await shot(page, `notices-${lang}`);
    assert.deepEqual(page.pageErrors, []);
  });
}

test("a parent sees only the records waiting for them; with none, the list says so", async () => {
  const page = await openApp({ user: { id: "u-parent", username: "mihon-hogosha", role: "parent", org_id: "ST-MIHON", name: "見本 保護者", profession: null }, notices: NOTICES });
  assert.equal(await page.getByTestId("notices-count").innerText(), "1");
  await page.getByTestId("notices-open").click();
  assert.deepEqual(await page.getByTestId("notice").evaluateAll((els) => els.map((e) => e.dataset.kind)), ["awaiting_confirmation"]);
  const none = await openApp({ notices: [] });
  await none.getByTestId("notices-open").click();
  await none.getByText("お知らせはありません").waitFor();
  // Loaded, and nothing to count.
  assert.equal(await none.getByTestId("notices-count").count(), 0);
});
