// The office plans a visit for one of its nurses (訪問の予定): a child, a nurse of the station
// from the directory, a kind, a day and a time; the plan is a draft led by that nurse, shown in
// the week with who leads it, and opens in the record's detail. Japanese and English, landscape
// and portrait.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, shot, calls, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const A = "11111111-1111-4111-8111-111111111111";

for (const [lang, viewport] of [
  ["ja", undefined],
  ["en", PORTRAIT],
]) {
  test(`the office plans a respite session for a nurse of its station and sees it in the week with her name (${lang})`, async () => {
    const page = await openApp({ user: OFFICE }, { lang, viewport });
    await page.getByTestId("o-tab-plan").click();
    const form = page.getByTestId("o-plan-form");
    await form.waitFor();
    // Only this station's nurses: not another station's, not the office itself.
    await page.locator("[data-testid=o-plan-nurse] option[value=u-mihon-natsu]").waitFor({ state: "attached" });
    const nurses = await page.locator("[data-testid=o-plan-nurse] option").evaluateAll((os) => os.map((o) => o.value).filter((v) => v));
    assert.deepEqual(nurses.sort(), ["u-mihon-natsu", "u-nurse"]);
    // Nothing to save before a child and a nurse are chosen.
    assert.equal(await page.getByTestId("o-plan-submit").isDisabled(), true);
    await page.getByTestId("o-plan-child").selectOption(A);
    assert.equal(await page.getByTestId("o-plan-submit").isDisabled(), true);
    await page.getByTestId("o-plan-nurse").selectOption("u-mihon-natsu");
    await page.getByTestId("o-plan-kind").selectOption("respite");
    await page.getByTestId("o-plan-time").fill("13:30");
    await page.getByTestId("o-plan-submit").click();
    const saved = await page.getByTestId("o-plan-saved").innerText();
    const today = await page.getByTestId("o-plan-day").getAttribute("data-value");
    const [, m, d] = today.split("-").map(Number);
    assert.match(saved, lang === "ja" ? new RegExp(`見本 夏子さんの予定を保存しました（見本 はなさん・\\d+年${m}月${d}日.* 13:30）`) : /Planned for 見本 夏子: 見本 はな, .* 13:30/);
    const [call] = await calls(page, "plan_visit");
    assert.deepEqual(call.args, { childId: A, kind: "respite", start: `${today}T13:30`, nurseId: "u-mihon-natsu" });
    // Today's column of the week has it, planned, with its lead.
    const day = page.locator(`[data-testid=n-week-day][data-date="${today}"]`);
    const visit = day.getByTestId("n-week-visit").filter({ hasText: "13:30" });
    await visit.waitFor();
    assert.equal(await visit.getByTestId("n-week-lead").innerText(), "見本 夏子");
    assert.equal(await visit.getByTestId("n-week-planned").count(), 1);
    await shot(page, `office-plan-${lang}`);
    // It opens as a record in the review's detail.
    await visit.click();
    await page.getByTestId("o-detail").waitFor();
    assert.deepEqual(page.pageErrors, []);
  });
}

test("a municipality reads only: no planning tab", async () => {
  const page = await openApp({ user: { ...OFFICE, id: "u-muni", role: "municipality", org_id: "MU-13103", name: "港区 担当" } });
  await page.getByTestId("o-readonly").waitFor();
  assert.equal(await page.getByTestId("o-tab-plan").count(), 0);
});
