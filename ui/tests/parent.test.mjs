// Parent screens: respite hours left (ring + numbers), sessions, over-cap notice, confirming.
// Expected values are worked out by hand from tests/fake/parent.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const PARENT = { id: "u-parent", username: "見本 保護者", role: "parent", org_id: "ST-MIHON" };
const HANA = "11111111-1111-4111-8111-111111111111";
const TARO = "22222222-2222-4222-8222-222222222222";
const child = (page, id) => page.locator(`[data-testid=p-child][data-child="${id}"]`);
const text = (loc, id) => loc.getByTestId(id).innerText();

test("parent: the ring and numbers per child, sessions with nurses, the over-cap notice", async () => {
  const page = await openApp({ user: PARENT });
  const hana = child(page, HANA);
  await hana.getByTestId("p-cap").waitFor();
  // 144 h cap, 6030 min used, 8640 − 6030 = 2610 min left.
  assert.equal(await text(hana, "p-fy"), "令和8年度");
  assert.equal(await text(hana, "p-cap"), "144時間");
  assert.equal(await text(hana, "p-used"), "100時間30分");
  assert.equal(await text(hana, "p-remaining"), "43時間30分");
  // The ring's share of the cap left: 2610 / 8640 = 0.302.
  assert.equal(await hana.getByTestId("p-gauge").getAttribute("data-share"), "0.302");
  assert.match(await hana.getByTestId("p-gauge").getAttribute("aria-label"), /令和8年度の残り時間 43時間30分/);
  assert.equal(await hana.getByTestId("p-over").count(), 0, "within the cap: no notice");

  // Newest first: 11-21, 4 h with two nurses = 8 h counted, not yet confirmed.
  const rows = hana.getByTestId("p-session");
  assert.equal(await rows.count(), 5, "the five newest of 15");
  // 利用履歴, not the odd 利用した回 (issue 14 item 10).
  assert.equal(await hana.locator("h3").filter({ hasText: /回）$/ }).innerText(), "利用履歴（15回）");
  const first = await rows.first().innerText();
  assert.match(first, /2026年11月21日\(土\)/);
  assert.match(first, /8時間/);
  assert.match(first, /見本 看護師、架空 看護師/);
  assert.match(await rows.nth(1).innerText(), /2026年11月10日\(火\)\s+3時間\s+見本 看護師/);
  await shot(page, "parent-gauge");
  await hana.getByTestId("p-show-all").click();
  assert.equal(await rows.count(), 15);
  assert.match(await rows.last().innerText(), /2026年4月14日\(火\)/);

  // 架空 たろう: 288 h cap, 17370 used → 90 min past the cap; the 11-19 session crossed it.
  const taro = child(page, TARO);
  assert.equal(await text(taro, "p-cap"), "288時間");
  assert.equal(await text(taro, "p-used"), "289時間30分");
  // 17280 − 17370 = −90 min: the true remaining, negative, not clamped to 0.
  assert.equal(await text(taro, "p-remaining"), "−1時間30分");
  assert.equal(await taro.getByTestId("p-gauge").getAttribute("data-share"), "0.000");
  const over = await text(taro, "p-over");
  assert.match(over, /年間の上限を1時間30分超えています/);
  assert.match(over, /上限を超えた回 1 回/);
  const crossed = taro.locator('[data-testid=p-session][data-id="b2000000-0000-4000-8000-000000000038"]');
  assert.match(await crossed.innerText(), /2026年11月19日\(木\)\s*上限超過分\s+2時間30分/);
  assert.equal(await taro.locator(".p-over-row").count(), 1);
  assert.deepEqual(page.pageErrors, []);
});

test("parent: confirming a session sends the typed name and the row shows confirmed", async () => {
  const page = await openApp({ user: PARENT });
  const hana = child(page, HANA);
  await hana.getByTestId("p-confirm").click();
  const name = page.locator("input[name=confirm-name]");
  assert.equal(await name.inputValue(), "見本 花子", "prefilled with the guardian on the child's face sheet, not the account name");
  await name.fill("");
  await page.getByTestId("p-confirm-submit").click();
  await page.getByText("お名前を入れてください").waitFor();
  assert.equal((await calls(page, "confirm_visit")).length, 0, "an empty name is not sent");

  await name.fill("見本 花子");
  await page.getByTestId("p-confirm-submit").click();
  await hana.getByTestId("p-confirm-done").waitFor();
  const [c] = await calls(page, "confirm_visit");
  assert.equal(c.args.id, "b1000000-0000-4000-8000-000000000014");
  assert.equal(c.args.confirmation.kind, "confirmed");
  assert.equal(c.args.confirmation.name, "見本 花子");
  assert.equal(c.args.confirmation.signature, "");
  assert.match(c.args.confirmation.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
  const row = hana.locator('[data-testid=p-session][data-id="b1000000-0000-4000-8000-000000000014"]');
  await row.getByTestId("p-confirmed").waitFor();
  assert.equal(await row.getByTestId("p-confirmed").innerText(), "確認済み");
  assert.equal(await hana.getByTestId("p-confirm").count(), 0);
  assert.ok((await calls(page, "respite_year")).length >= 3, "the year is read again after confirming");
  assert.deepEqual(page.pageErrors, []);
});

test("parent in English (portrait): numbers, FY label, over-cap notice; switching back to Japanese", async () => {
  const page = await openApp({ user: PARENT }, { lang: "en", viewport: PORTRAIT });
  const hana = child(page, HANA);
  await hana.getByTestId("p-cap").waitFor();
  assert.equal(await text(hana, "p-fy"), "FY2026");
  assert.equal(await text(hana, "p-cap"), "144 h");
  assert.equal(await text(hana, "p-used"), "100 h 30 min");
  assert.equal(await text(hana, "p-remaining"), "43 h 30 min");
  assert.match(await hana.getByTestId("p-session").first().innerText(), /Sat 21 Nov 2026\s+8 h\s+見本 看護師、架空 看護師\s+Confirm/);
  const taro = child(page, TARO);
  assert.match(await text(taro, "p-over"), /1 h 30 min past the yearly cap/);
  assert.match(await text(taro, "p-over"), /Sessions past the cap: 1/);
  await page.getByTestId("lang-ja").click();
  assert.equal(await text(hana, "p-remaining"), "43時間30分");
  assert.deepEqual(page.pageErrors, []);
});
