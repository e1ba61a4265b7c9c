// The coordinator's screen: the year's work per child against 8 hours and the subsidy, the
// meetings, recording work (a wrong field told at the field, what was typed kept; the report
// updated, the piece that crosses 8 hours named), recording a meeting, English and portrait.
// The fake starts with 見本 はな at 4 h (14,000 yen) + 3 h (10,500 yen) and one meeting (150,000).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const COORD = { id: "u-coord", username: "mihon-chosei", role: "coordinator", org_id: "ST-MIHON", name: "見本 調整", profession: null };
const HANA = "11111111-1111-4111-8111-111111111111";

async function openCoordinator(opts) {
  const page = await openApp({ user: COORD }, opts);
  await page.getByTestId("k-children").waitFor();
  return page;
}

const child = (page) => page.locator(`[data-testid=k-child][data-child="${HANA}"]`);

test("coordinator: the year per child and the meetings; work past 8 h named and not subsidised; a wrong field told at the field", async () => {
  const page = await openCoordinator();
  assert.deepEqual((await calls(page, "coordinator_report")).at(-1).args, { station: "ST-MIHON", fy: 2026 });
  assert.equal(await page.getByTestId("k-title").innerText(), "令和8年度 コーディネーター支援");
  // 240 + 180 = 420 min = 7 h; 1 h left; 14,000 + 10,500 = 24,500, Tokyo 3/4 = 18,375.
  assert.equal(await child(page).locator("[data-k=used]").innerText(), "7時間 / 8時間");
  assert.equal(await child(page).locator("[data-k=left]").innerText(), "残り 1時間");
  assert.equal(await child(page).locator("[data-k=amount]").innerText(), "補助 24,500円（都 18,375円）");
  assert.equal(await page.getByTestId("k-meeting").count(), 1);

  // Minutes that are not a number: told at the field, nothing sent, the rest kept.
  const form = page.getByTestId("k-work-form");
  await form.locator("input[name=k-minutes]").fill("九十");
  await form.locator("input[name=k-cost]").fill("5250");
  await form.locator("input[name=k-note]").fill("架空の調整");
  const before = (await calls(page, "add_coordinator_work")).length;
  await page.getByTestId("k-save-work").click();
  await form.locator("[data-testid=o-field-problem][data-field=minutes]").waitFor();
  assert.equal((await calls(page, "add_coordinator_work")).length, before, "nothing sent");
  assert.equal(await form.locator("input[name=k-cost]").inputValue(), "5250");
  assert.equal(await form.locator("input[name=k-note]").inputValue(), "架空の調整");
  // Too many minutes: the core's answer at the field.
  await form.locator("input[name=k-minutes]").fill("1500");
  await page.getByTestId("k-save-work").click();
  await form.locator("[data-testid=o-field-problem][data-field=minutes][data-code=minutes_range]").waitFor();
  assert.equal(await form.locator("input[name=k-note]").inputValue(), "架空の調整", "kept after a refusal");

  // 90 minutes: 420 + 90 = 510 > 480 — this piece crosses 8 h: named, its 5,250 yen not subsidised.
  await form.locator("input[name=k-minutes]").fill("90");
  await page.getByTestId("k-save-work").click();
  await page.getByTestId("k-saved").waitFor();
  assert.equal(await page.getByTestId("k-saved").innerText(), "記録しました：見本 はな 2026年11月24日(火) 1時間30分");
  const sent = (await calls(page, "add_coordinator_work")).at(-1).args.work;
  assert.deepEqual(
    { child: sent.child_id, minutes: sent.minutes, cost: sent.cost_yen, kind: sent.kind, note: sent.note, date: sent.date },
    { child: HANA, minutes: 90, cost: 5250, kind: "consultation", note: "架空の調整", date: "2026-11-24" },
  );
  await child(page).locator("[data-k=over]").waitFor();
  assert.equal(await child(page).locator("[data-k=over]").innerText(), "8時間を30分超過");
  assert.equal(await child(page).locator("[data-k=amount]").innerText(), "補助 24,500円（都 18,375円）", "unchanged: the new piece is past 8 h");
  assert.equal(await child(page).locator("[data-k=past]").innerText(), "8時間を超えた業務 1件・5,250円は補助の対象外");
  assert.equal(await form.locator("input[name=k-minutes]").inputValue(), "", "cleared after saving");

  // A meeting without a title: told at the field; then with one. 150,000 + 200,000 = 350,000, Tokyo all.
  const m = page.getByTestId("k-meeting-form");
  await m.locator("input[name=m-cost]").fill("200000");
  await page.getByTestId("k-save-meeting").click();
  await m.locator("[data-testid=o-field-problem][data-field=title]").waitFor();
  await m.locator("input[name=m-title]").fill("架空 研修会");
  await m.locator("select[name=m-kind]").selectOption("training");
  await page.getByTestId("k-save-meeting").click();
  await page.getByTestId("m-saved").waitFor();
  await page.locator("[data-testid=k-meeting]").nth(1).waitFor();
  assert.equal(await page.getByTestId("k-meetings-subsidy").innerText(), "会議・研修の補助 350,000円（費用 350,000円）");
  // Total: 24,500 + 350,000 = 374,500; Tokyo 18,375 + 350,000 = 368,375; municipality 6,125.
  assert.equal(await page.getByTestId("k-total").innerText(), "補助額の合計 374,500円（都 368,375円、区市町村 6,125円）");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "coordinator");
  await page.context().close();
});

test("coordinator in English, portrait: the same figures in English, no sideways scrolling", async () => {
  const page = await openCoordinator({ lang: "en", viewport: PORTRAIT });
  assert.equal(await page.getByTestId("k-title").innerText(), "FY2026 coordinator support");
  assert.equal(await child(page).locator("[data-k=used]").innerText(), "7 h / 8 h");
  assert.equal(await child(page).locator("[data-k=amount]").innerText(), "subsidy ¥24,500 (Tokyo ¥18,375)");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling: ${overflow}px`);
  await page.context().close();
});
