// 前回の値: the child's last visit on the face sheet and in the visit form, its care and plan
// copied on a tap, never its vital signs. In Japanese and English, landscape and portrait.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const CHILD_A = "11111111-1111-4111-8111-111111111111";
// Child A's visits in the fake (tests/fake/charts.ts): eight, the newest on 2027-03-18 with
// pulse 106, suction 8 times and the plan "架空の計画 2027-03-18".
const MARCH = { today: { date: "2027-03-20", now: "2027-03-20T10:00", fiscal_year: 2026, fiscal_year_ja: "令和8年度", fiscal_year_en: "FY2026" }, data: { charts: true } };

for (const [lang, viewport] of [["ja", undefined], ["en", PORTRAIT]]) {
  test(`the last visit is on the face sheet and in the form; its care and plan copy, its vital signs do not (${lang})`, async () => {
    const page = await openApp(MARCH, { lang, viewport });
    await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"] [data-testid=n-child-open]`).click();
    const sheet = page.getByTestId("n-previous");
    await sheet.waitFor();
    assert.match(await sheet.getByTestId("n-previous-when").innerText(), lang === "ja" ? /3月18日/ : /18/);
    assert.match(await sheet.getByTestId("n-previous-vitals").innerText(), /106/);
    assert.match(await sheet.getByTestId("n-previous-care").innerText(), lang === "ja" ? /吸引.*8/ : /[Ss]uction.*8/);
    assert.match(await sheet.getByTestId("n-previous-plan").innerText(), /架空の計画 2027-03-18/);
    await sheet.scrollIntoViewIfNeeded();
    await shot(page, `previous-sheet-${lang}`);

    await page.getByTestId("n-record").click();
    await page.getByTestId("n-visit-form").waitFor();
    const form = page.getByTestId("n-previous");
    await form.locator("summary").click();
    await form.getByTestId("n-previous-copy-care").click();
    await form.getByTestId("n-previous-copy-plan").click();
    // Twice: the same care item is not added again.
    await form.getByTestId("n-previous-copy-care").click();
    await page.getByTestId("n-care-row").first().waitFor();
    assert.equal(await page.getByTestId("n-care-row").count(), 1);
    assert.equal(await page.getByTestId("n-care-count").inputValue(), "8");
    assert.equal(await page.getByTestId("n-soap-plan").inputValue(), "架空の計画 2027-03-18");
    assert.equal(await page.getByTestId("n-soap-objective").inputValue(), "", "what was observed last time is not copied");
    await shot(page, `previous-form-${lang}`);

    await page.getByTestId("n-save").click();
    await page.getByTestId("n-saved").waitFor();
    const saved = (await calls(page, "save_visit")).at(-1).args.visit;
    assert.equal(saved.vitals.length, 0, "no vital sign is copied");
    assert.equal(saved.care.length, 1);
    assert.equal(saved.care[0].count, 8);
    assert.notEqual(saved.care[0].id, "cc7", "a copy is a new entry, not the old visit's");
    const asked = (await calls(page, "previous_visit")).at(-1).args;
    assert.equal(asked.childId, CHILD_A);
    assert.ok(asked.visitId, "the form asks for the visit before the one being recorded");
    assert.deepEqual(page.pageErrors, []);
  });
}
