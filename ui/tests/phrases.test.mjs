// Canned phrases (定型文): in the visit form a 定型文 button beside each SOAP field and care note
// lists the station's phrases for that field; a tap inserts one at the cursor, keeping what was
// typed, or at the end on a new line when the field was never touched; disabled on a submitted
// record. The office edits the list and publishes it from a date; the list's problems are shown
// at their fields. Japanese and English, landscape and portrait.
// Expected values are worked out by hand from tests/fake/rules.ts: ST-MIHON's list from
// 2026-04-01 holds 本人の機嫌良好。 (S, O), 吸引時、白色痰少量あり。 (O, care),
// 胃ろう周囲の発赤なし。 (O, care) and 次回も同様に観察を続ける。 (P).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const CHILD_A = "11111111-1111-4111-8111-111111111111";
// The charts scenario: child A's last visit (2027-03-18) has the plan "架空の計画 2027-03-18".
const MARCH = { today: { date: "2027-03-20", now: "2027-03-20T10:00", fiscal_year: 2026, fiscal_year_ja: "令和8年度", fiscal_year_en: "FY2026" }, data: { charts: true } };
const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };

async function newVisit(page) {
  await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"] [data-testid=n-child-open]`).click();
  await page.getByTestId("n-record").click();
  await page.getByTestId("n-visit-form").waitFor();
}

/** The phrases the open list of field `id` offers. */
const offered = (page, id) => page.getByTestId(`${id}-phrase-list`).getByTestId("n-phrase").allInnerTexts();

/** Controls lower than a finger's 44 px within `loc`. */
const tooSmall = (loc) => loc.evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height < 44).map((e) => e.outerHTML));

for (const [lang, viewport] of [["ja", undefined], ["en", PORTRAIT]]) {
  test(`a phrase goes in at the cursor and keeps what was typed; each field lists its own phrases (${lang})`, async () => {
    const page = await openApp(MARCH, { lang, viewport });
    await newVisit(page);
    const s = page.getByTestId("n-soap-subjective");
    await s.fill("夜よく眠れた。咳なし。");
    // The cursor after 夜よく眠れた。 (7 characters), put there with the keys.
    await s.press("Home");
    for (let i = 0; i < 7; i++) await s.press("ArrowRight");
    await page.getByTestId("n-soap-subjective-phrases").click();
    assert.deepEqual(await offered(page, "n-soap-subjective"), ["本人の機嫌良好。"], "S offers only the phrases for S");
    assert.deepEqual(await tooSmall(page.getByTestId("n-soap").locator("button")), [], "every button is big enough to tap");
    await page.getByTestId("n-soap-subjective-phrase-list").getByTestId("n-phrase").first().click();
    assert.equal(await s.inputValue(), "夜よく眠れた。本人の機嫌良好。咳なし。");
    assert.equal(await page.getByTestId("n-soap-subjective-phrase-list").count(), 0, "the list closes");

    // O: empty and untouched; two phrases one after the other, the second after the first.
    await page.getByTestId("n-soap-objective-phrases").click();
    assert.deepEqual(await offered(page, "n-soap-objective"), ["本人の機嫌良好。", "吸引時、白色痰少量あり。", "胃ろう周囲の発赤なし。"]);
    await page.getByTestId("n-soap-objective-phrase-list").getByText("胃ろう周囲の発赤なし。").click();
    await page.getByTestId("n-soap-objective-phrases").click();
    await page.getByTestId("n-soap-objective-phrase-list").getByText("吸引時、白色痰少量あり。").click();
    assert.equal(await page.getByTestId("n-soap-objective").inputValue(), "胃ろう周囲の発赤なし。吸引時、白色痰少量あり。");

    // A: no phrase for it; the list says so.
    await page.getByTestId("n-soap-assessment-phrases").click();
    assert.deepEqual(await offered(page, "n-soap-assessment"), []);
    assert.match(await page.getByTestId("n-soap-assessment-phrase-list").innerText(), lang === "ja" ? /この欄の定型文はありません/ : /No canned phrases for this field/);
    await page.getByTestId("n-soap-assessment-phrase-close").click();

    // P copied from the last visit, never touched: the phrase goes at the end, on its own line.
    const previous = page.getByTestId("n-previous");
    await previous.locator("summary").click();
    await previous.getByTestId("n-previous-copy-plan").click();
    await page.getByTestId("n-soap-plan-phrases").click();
    if (lang === "ja") {
      await page.getByTestId("n-soap-plan-phrase-list").scrollIntoViewIfNeeded();
      await shot(page, "phrases-picker-ja");
    }
    await page.getByTestId("n-soap-plan-phrase-list").getByTestId("n-phrase").first().click();
    assert.equal(await page.getByTestId("n-soap-plan").inputValue(), "架空の計画 2027-03-18\n次回も同様に観察を続ける。");

    // A care entry's note lists the care phrases.
    await page.locator("[data-testid^=n-care-add-]").first().click();
    await page.getByTestId("n-care-note-phrases").click();
    assert.deepEqual(await offered(page, "n-care-note"), ["吸引時、白色痰少量あり。", "胃ろう周囲の発赤なし。"]);
    await page.getByTestId("n-care-note-phrase-list").getByTestId("n-phrase").first().click();
    assert.equal(await page.getByTestId("n-care-note").inputValue(), "吸引時、白色痰少量あり。");
    assert.equal(await page.getByTestId("n-soap-phrases").count(), 0);
    assert.equal(await page.getByTestId("n-soap-objective-phrases").innerText(), lang === "ja" ? "定型文 （3）" : "Phrases (3)");
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, "no sideways scrolling");

    await page.getByTestId("n-save").click();
    await page.getByTestId("n-saved").waitFor();
    const saved = (await calls(page, "save_visit")).at(-1).args.visit;
    assert.equal(saved.note.subjective, "夜よく眠れた。本人の機嫌良好。咳なし。");
    assert.equal(saved.care[0].note, "吸引時、白色痰少量あり。");
    const asked = (await calls(page, "visit_phrases")).at(-1).args.visit;
    assert.equal(asked.station.id, "ST-MIHON", "the visit's own station");
    assert.deepEqual(page.pageErrors, []);
  });
}

test("on a submitted record the 定型文 buttons are disabled", async () => {
  const page = await openApp({}, { lang: "en", viewport: PORTRAIT });
  await newVisit(page);
  await page.getByTestId("n-start-time").fill("10:00");
  await page.getByTestId("n-end-time").fill("11:00");
  await page.getByTestId("n-guardian-not").click();
  await page.getByTestId("n-guardian-reason").fill("Out");
  assert.equal(await page.getByTestId("n-soap-subjective-phrases").isEnabled(), true, "a draft's are enabled");
  await page.getByTestId("n-submit").click();
  await page.getByTestId("n-readonly-note").waitFor();
  for (const k of ["subjective", "objective", "assessment", "plan"]) assert.equal(await page.getByTestId(`n-soap-${k}-phrases`).isDisabled(), true, k);
  assert.deepEqual(page.pageErrors, []);
});

for (const [lang, viewport] of [["ja", undefined], ["en", PORTRAIT]]) {
  test(`the office edits its station's phrases, publishes them from a date, and sees a problem at its field (${lang})`, async () => {
    const page = await openApp({ user: OFFICE }, { lang, viewport });
    await page.getByTestId("o-tab-phrases").click();
    const rows = page.getByTestId("o-phrase-row");
    await rows.nth(3).waitFor();
    assert.equal(await rows.count(), 4);
    assert.equal(await rows.nth(1).getByTestId("o-phrase-text").inputValue(), "吸引時、白色痰少量あり。");
    assert.equal(await rows.nth(1).getByTestId("o-phrase-place-care").isChecked(), true);
    assert.equal(await rows.nth(1).getByTestId("o-phrase-place-s").isChecked(), false);
    assert.deepEqual(await tooSmall(page.getByTestId("o-phrases").locator("button, input:not([type=checkbox]), select")), []);

    // The same text twice: refused, the problem shown at the second one's field.
    await page.getByTestId("o-phrase-add").click();
    await rows.nth(4).getByTestId("o-phrase-text").fill("本人の機嫌良好。");
    await page.getByTestId("o-phrase-publish").click();
    const problem = page.locator('[data-testid=o-field-problem][data-field="phrases.items[4].text"]');
    await problem.waitFor();
    assert.match(await problem.innerText(), lang === "ja" ? /重複しています/ : /appears twice/);
    // A phrase with no field: shown at its places.
    await rows.nth(4).getByTestId("o-phrase-text").fill("発熱なし。");
    for (const pl of ["s", "o", "a", "p"]) await rows.nth(4).getByTestId(`o-phrase-place-${pl}`).uncheck();
    await page.getByTestId("o-phrase-publish").click();
    await page.locator('[data-testid=o-field-problem][data-field="phrases.items[4].places"]').waitFor();
    assert.equal(await page.locator('[data-testid=o-field-problem][data-field="phrases.items[4].text"]').count(), 0, "the text is fine now");

    // Fixed: O and care; the last phrase deleted; published from today.
    await rows.nth(4).getByTestId("o-phrase-place-o").check();
    await rows.nth(4).getByTestId("o-phrase-place-care").check();
    await rows.nth(4).getByTestId("o-phrase-category").fill("体温");
    await rows.nth(3).getByTestId("o-phrase-remove").click();
    await page.getByTestId("o-phrase-publish").click();
    await page.getByTestId("o-phrase-done").waitFor();
    assert.match(await page.getByTestId("o-phrase-done").innerText(), lang === "ja" ? /定型文4件を公開しました（2026年11月24日/ : /4 phrases published/);
    const v = (await calls(page, "publish_rule_version")).at(-1).args.version;
    assert.equal(v.key, "ST-MIHON");
    assert.equal(v.effective_from, "2026-11-24");
    assert.deepEqual(
      v.phrases.items.map((p) => [p.text, p.places.join(",")]),
      [
        ["本人の機嫌良好。", "s,o"],
        ["吸引時、白色痰少量あり。", "o,care"],
        ["胃ろう周囲の発赤なし。", "o,care"],
        ["発熱なし。", "o,care"],
      ],
    );
    assert.equal(v.phrases.items[3].category, "体温");
    // The list in force today is the new one.
    await page.waitForFunction(() => window.__CALLS__.filter((c) => c.cmd === "station_phrases").length >= 2);
    assert.equal(await rows.count(), 4);
    assert.equal(await rows.nth(3).getByTestId("o-phrase-text").inputValue(), "発熱なし。");
    assert.deepEqual(page.pageErrors, []);
  });
}

test("a nurse and a municipality's welfare section have no phrases tab", async () => {
  const page = await openApp();
  await page.getByTestId("n-child-card").first().waitFor();
  assert.equal(await page.getByTestId("o-tab-phrases").count(), 0);
  const muni = await openApp({ user: { id: "u-minato", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "見本 港区福祉課", profession: null } });
  await muni.getByTestId("o-tab-municipality").waitFor();
  assert.equal(await muni.getByTestId("o-tab-phrases").count(), 0);
});
