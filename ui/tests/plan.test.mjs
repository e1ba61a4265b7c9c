// Planned visits and the week (予定, issue 14): the nurse plans a respite session from the face
// sheet, sees it in the week among the visits done, and the parent sees what is coming up.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, pickDate, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const CHILD_A = "11111111-1111-4111-8111-111111111111";
const PARENT = { id: "u-parent", username: "mihon-hogosha", role: "parent", org_id: "ST-MIHON", name: "見本 保護者", profession: null };

for (const [lang, viewport] of [["ja", undefined], ["en", PORTRAIT]]) {
  test(`a planned session is a draft with only its planned start, and the week shows it as planned (${lang})`, async () => {
    // Today in the fake is Tuesday 2026-11-24: the week runs Monday 11-23 to Sunday 11-29.
    const page = await openApp({}, { lang, viewport });
    await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"] [data-testid=n-child-open]`).click();
    await page.getByTestId("n-plan").click();
    await pickDate(page.getByTestId("n-plan-day"), "2026-11-27");
    await page.getByTestId("n-plan-time").fill("1430");
    await page.getByTestId("n-plan-kind").selectOption("respite");
    await page.getByTestId("n-plan-submit").click();
    await page.getByTestId("n-plan-saved").waitFor();
    const saved = (await calls(page, "save_visit")).at(-1).args.visit;
    assert.equal(saved.scheduled_start, "2026-11-27T14:30");
    assert.equal(saved.kind, "respite");
    assert.equal(saved.actual_start, null, "nothing took place yet");
    assert.equal(saved.status, "draft");

    await page.getByTestId("n-home").click();
    await page.getByTestId("n-week-open").click();
    assert.equal(await page.getByTestId("n-today").isVisible(), false, "the week takes the lists' place");
    assert.match(await page.getByTestId("n-week-range").innerText(), lang === "ja" ? /11月23日.*〜.*11月29日/ : /23.*29/);
    const friday = page.locator('[data-testid=n-week-day][data-date="2026-11-27"]');
    const planned = friday.getByTestId("n-week-visit");
    // The week loads its visits after it opens: wait for them before counting.
    await planned.first().waitFor();
    assert.equal(await planned.count(), 1);
    assert.match(await planned.innerText(), /14:30/);
    await planned.getByTestId("n-week-planned").waitFor();
    // Today's visit (a draft in the fake) is in its own day.
    const tuesday = page.locator('[data-testid=n-week-day][data-date="2026-11-24"]');
    await tuesday.getByTestId("n-week-visit").first().waitFor();
    assert.equal(await tuesday.getByTestId("n-week-visit").count(), 1);
    await shot(page, `week-${lang}`);
    // The next week has none of these.
    await page.getByTestId("n-week-next").click();
    await page.locator('[data-testid=n-week-day][data-date="2026-12-04"]').waitFor();
    assert.equal(await page.locator('[data-testid=n-week-day][data-date="2026-11-27"]').count(), 0);
    assert.deepEqual(page.pageErrors, []);
  });
}

test("a wrong time is named before anything is saved", async () => {
  const page = await openApp({});
  await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"] [data-testid=n-child-open]`).click();
  await page.getByTestId("n-plan").click();
  await page.getByTestId("n-plan-time").fill("25:99");
  assert.equal(await page.getByTestId("n-plan-submit").isDisabled(), true);
  await page.getByText("10:30 や 1030 のように入力してください").waitFor();
  assert.equal((await calls(page, "save_visit")).length, 0);
});

test("the parent sees what the station has planned for the child", async () => {
  const page = await openApp({ user: PARENT });
  const upcoming = page.locator(`[data-testid=p-child][data-child="${CHILD_A}"] [data-testid=p-upcoming]`);
  await upcoming.waitFor();
  // Child A's draft today at 15:00 (tests/fake/shared.ts), and nothing of child B's.
  const items = upcoming.getByTestId("p-upcoming-visit");
  assert.equal(await items.count(), 1);
  assert.match(await items.innerText(), /15:00/);
});
