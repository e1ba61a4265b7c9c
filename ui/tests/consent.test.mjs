// The face sheet's consent to share with the municipality (Child.sharing): recording one (the
// saved face sheet carries exactly the consent entered), the fiscal-year limit refused by the
// field, withdrawal after a confirmation, the state in words (in force, withdrawn, expired, none),
// English and portrait.
// Expected values are worked out by hand: the fake's today is Tue 24 Nov 2026, in fiscal 2026
// (1 Apr 2026 – 31 Mar 2027), so a consent given today defaults to until Wed 31 Mar 2027 and may
// run at most to the end of fiscal 2027, Fri 31 Mar 2028. Child A (見本 はな)'s guardian is 見本 花子.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, PORTRAIT, pickDate } from "./harness.mjs";

before(start);
after(stop);

const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";
const SCOPE = "respite_records";

const consent = (given_on, until, withdrawn_on = null, by = "見本 花子") => ({ by, given_on, scope: SCOPE, until, withdrawn_on });
const withSharing = (sharing) => ({ data: { consent: { sharing } } });

async function openSheet(page, id = A) {
  await page.locator(`[data-testid=n-child-card][data-id="${id}"] [data-testid=n-child-open]`).click();
  await page.getByTestId("n-consent").waitFor();
}

const stateText = (page) => page.getByTestId("n-consent-state").innerText();
const saves = async (page) => (await calls(page, "save_child")).map((c) => c.args.child);

/** Every control of the consent section tall enough to touch, and nothing wider than the screen. */
async function fitsTablet(page) {
  const small = await page.getByTestId("n-consent").locator("button, select, input").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height < 44).map((e) => e.outerHTML));
  assert.deepEqual(small, []);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, "no sideways scrolling");
}

test("consent: recording one with the defaults saves the face sheet with exactly that consent and says it is in force", async () => {
  const page = await openApp();
  await openSheet(page);
  const card = page.getByTestId("n-consent");
  assert.match(await card.locator("h2").innerText(), /区市町村との共有の同意/);
  assert.equal(await stateText(page), "同意なし");
  assert.equal(await card.getAttribute("data-state"), "none");
  assert.equal(await page.getByTestId("n-consent-withdraw").count(), 0, "nothing to withdraw");
  await page.getByTestId("n-consent-record").click();
  const form = page.getByTestId("n-consent-form");
  // The defaults: the sheet's guardian, today, the only scope, the end of this fiscal year.
  assert.equal(await form.locator("input[name=by]").inputValue(), "見本 花子");
  assert.equal(await form.locator("[data-name=given_on]").getAttribute("data-value"), "2026-11-24");
  assert.equal(await form.locator("[data-name=until]").getAttribute("data-value"), "2027-03-31");
  assert.equal(await form.locator("select[name=scope]").inputValue(), SCOPE);
  assert.deepEqual(await form.locator("select[name=scope] option").allInnerTexts(), ["在宅レスパイト事業の記録（フェイスシート・訪問記録）"]);
  // Each field has its label.
  for (const [name, text] of [["by", "同意した保護者"], ["given_on", "同意日（この日から有効）"], ["until", "期限（最終日）"], ["scope", "共有する範囲"]]) {
    assert.match(await form.locator(`label.field:has([name=${name}], [data-name=${name}]) .label`).innerText(), new RegExp(text.replace(/[（）]/g, ".")));
  }
  await fitsTablet(page);
  assert.equal((await saves(page)).length, 0, "nothing saved before Save");

  await form.locator("input[name=by]").fill("見本 太郎");
  await pickDate(form.locator("[data-name=given_on]"), "2026-11-20");
  await page.getByTestId("n-consent-save").click();
  await page.getByTestId("n-consent-notice").waitFor();
  assert.equal(await page.getByTestId("n-consent-notice").innerText(), "同意を記録しました");
  const sent = await saves(page);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].sharing, { by: "見本 太郎", given_on: "2026-11-20", scope: "respite_records", until: "2027-03-31", withdrawn_on: null });
  // The rest of the face sheet goes back as it was.
  assert.equal(sent[0].id, A);
  assert.equal(sent[0].name, "見本 はな");
  assert.deepEqual(sent[0].guardians, [{ name: "見本 花子", relation: "母", phone: "090-0000-0001" }]);
  assert.equal(await stateText(page), "同意あり（2026年11月20日(金)〜2027年3月31日(水)）");
  assert.equal(await card.getAttribute("data-state"), "in_force");
  assert.equal(await page.getByTestId("n-consent-by").innerText(), "見本 太郎");
  assert.equal(await page.getByTestId("n-consent-scope").innerText(), "在宅レスパイト事業の記録（フェイスシート・訪問記録）");
  assert.equal(await page.getByTestId("n-consent-form").count(), 0);
  assert.equal(await page.getByTestId("n-consent-withdraw").count(), 1, "an in-force consent can be withdrawn");
  assert.deepEqual(page.pageErrors, []);
});

test("consent: past the end of the next fiscal year is refused and named by the until field; the last day of it is taken", async () => {
  const page = await openApp();
  await openSheet(page);
  await page.getByTestId("n-consent-record").click();
  const form = page.getByTestId("n-consent-form");
  // Given in fiscal 2026: at most to 31 Mar 2028; 1 Apr 2028 is one day too long.
  await pickDate(form.locator("[data-name=given_on]"), "2026-04-01");
  await pickDate(form.locator("[data-name=until]"), "2028-04-01");
  await page.getByTestId("n-consent-save").click();
  const problem = form.locator("[data-testid=n-field-problem][data-field='sharing.until']");
  await problem.waitFor();
  assert.equal(await problem.getAttribute("data-code"), "too_long");
  assert.equal(await problem.innerText(), "同意の期限は翌年度末（2028-03-31）までです（2028-04-01 が入力されています）");
  // Next to the until field, and no other field is blamed.
  assert.equal(await form.locator("[data-name=until] >> xpath=ancestor::div[1]").locator("[data-field='sharing.until']").count(), 1);
  assert.equal(await form.locator("[data-testid=n-field-problem]").count(), 1);
  assert.equal(await stateText(page), "同意なし", "nothing recorded");

  // A blank name is named by the name field.
  await form.locator("input[name=by]").fill("  ");
  await pickDate(form.locator("[data-name=until]"), "2028-03-31");
  await page.getByTestId("n-consent-save").click();
  await form.locator("[data-field='sharing.by']").waitFor();
  assert.equal(await form.locator("[data-field='sharing.by']").innerText(), "同意した保護者の氏名を入力してください");
  assert.equal(await form.locator("[data-field='sharing.until']").count(), 0);

  await form.locator("input[name=by]").fill("見本 花子");
  await page.getByTestId("n-consent-save").click();
  await page.getByTestId("n-consent-notice").waitFor();
  const sent = await saves(page);
  assert.equal(sent.length, 3, "each try is sent; the backend refuses");
  assert.deepEqual(sent[2].sharing, { by: "見本 花子", given_on: "2026-04-01", scope: "respite_records", until: "2028-03-31", withdrawn_on: null });
  assert.equal(await stateText(page), "同意あり（2026年4月1日(水)〜2028年3月31日(金)）");
  assert.deepEqual(page.pageErrors, []);
});

test("consent: the dates start filled and cannot be emptied; the day given offers no future day", async () => {
  const page = await openApp();
  await openSheet(page);
  await page.getByTestId("n-consent-record").click();
  const form = page.getByTestId("n-consent-form");
  // No blank choice in any part of either date.
  assert.equal(await form.locator("[data-name=given_on] option[value=''], [data-name=until] option[value='']").count(), 0);
  // Today is 2026-11-24: the 25th to the 30th of November cannot be the day given.
  const given = form.locator("[data-name=given_on]");
  assert.deepEqual(await given.locator("select[data-part=day] option[disabled]").evaluateAll((os) => os.map((o) => o.value)), ["25", "26", "27", "28", "29", "30"]);
  assert.equal(await given.locator("select[data-part=month] option[value='12']").isDisabled(), true);
  assert.equal((await saves(page)).length, 0);
  assert.deepEqual(page.pageErrors, []);
});

test("consent: withdrawing asks first, then saves the day it was withdrawn; the picker offers no day after today nor before the consent", async () => {
  const page = await openApp(withSharing({ [A]: consent("2026-04-01", "2027-03-31") }));
  await openSheet(page);
  assert.equal(await stateText(page), "同意あり（2026年4月1日(水)〜2027年3月31日(水)）");
  assert.equal(await page.getByTestId("n-consent-record").count(), 0, "no second consent over one in force");
  await page.getByTestId("n-consent-withdraw").click();
  const confirm = page.getByTestId("n-consent-confirm");
  assert.match(await confirm.innerText(), /見本 はなさんの記録の区市町村との共有の同意を撤回しますか？/);
  assert.equal(await confirm.locator("[data-name=withdrawn_on]").getAttribute("data-value"), "2026-11-24", "today by default");
  await fitsTablet(page);
  await page.getByTestId("n-consent-withdraw-no").click();
  assert.equal(await page.getByTestId("n-consent-confirm").count(), 0);
  assert.equal((await saves(page)).length, 0, "nothing is sent before the confirmation");
  assert.equal(await stateText(page), "同意あり（2026年4月1日(水)〜2027年3月31日(水)）");

  await page.getByTestId("n-consent-withdraw").click();
  // Not after today, not before the day given (2026-04-01): the picker offers neither.
  const on = confirm.locator("[data-name=withdrawn_on]");
  assert.deepEqual(await on.locator("select[data-part=day] option[disabled]").evaluateAll((os) => os.map((o) => o.value)), ["25", "26", "27", "28", "29", "30"]);
  await pickDate(on, "2026-04-01");
  assert.deepEqual(await on.locator("select[data-part=month] option[disabled]").evaluateAll((os) => os.map((o) => o.value)), ["01", "02", "03", "12"]);

  await pickDate(confirm.locator("[data-name=withdrawn_on]"), "2026-11-20");
  await page.getByTestId("n-consent-withdraw-yes").click();
  await page.getByTestId("n-consent-notice").waitFor();
  assert.equal(await page.getByTestId("n-consent-notice").innerText(), "撤回を記録しました");
  const sent = await saves(page);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].sharing, { by: "見本 花子", given_on: "2026-04-01", scope: "respite_records", until: "2027-03-31", withdrawn_on: "2026-11-20" });
  assert.equal(await stateText(page), "撤回済み（2026年11月20日(金)に撤回）");
  assert.equal(await page.getByTestId("n-consent").getAttribute("data-state"), "withdrawn");
  assert.equal(await page.getByTestId("n-consent-withdraw").count(), 0);
  assert.equal(await page.getByTestId("n-consent-record").innerText(), "新しい同意を記録する");
  assert.deepEqual(page.pageErrors, []);
});

test("consent: the state in words — withdrawn, expired, none", async () => {
  const page = await openApp(withSharing({ [A]: consent("2026-04-01", "2027-03-31", "2026-10-01") }));
  await openSheet(page, A);
  assert.equal(await stateText(page), "撤回済み（2026年10月1日(木)に撤回）");
  assert.equal(await page.getByTestId("n-consent").getAttribute("data-state"), "withdrawn");
  const page2 = await openApp(withSharing({ [B]: consent("2025-04-01", "2026-03-31", null, "架空 一郎") }));
  await openSheet(page2, B);
  assert.equal(await stateText(page2), "期限切れ（2026年3月31日(火)まで）");
  assert.equal(await page2.getByTestId("n-consent").getAttribute("data-state"), "expired");
  assert.equal(await page2.getByTestId("n-consent-by").innerText(), "架空 一郎");
  assert.equal(await page2.getByTestId("n-consent-withdraw").count(), 0, "an expired consent is not withdrawn");
  assert.equal(await page2.getByTestId("n-consent-record").innerText(), "新しい同意を記録する");
  const page3 = await openApp();
  await openSheet(page3, B);
  assert.equal(await stateText(page3), "同意なし");
  assert.equal(await page3.getByTestId("n-consent-by").count(), 0);
  assert.deepEqual([...page.pageErrors, ...page2.pageErrors, ...page3.pageErrors], []);
});

test("consent in English, portrait: the states, the labels, recording and a refusal in English", async () => {
  const page = await openApp(withSharing({ [A]: consent("2026-04-01", "2027-03-31") }), { lang: "en", viewport: PORTRAIT });
  await openSheet(page);
  assert.equal(await page.getByTestId("n-consent").locator("h2").innerText(), "Consent to share with the municipality");
  assert.equal(await stateText(page), "Consent given (Wed 1 Apr 2026 – Wed 31 Mar 2027)");
  assert.equal(await page.getByTestId("n-consent-scope").innerText(), "respite programme records (face sheet and visits)");
  await page.getByTestId("n-consent-withdraw").click();
  assert.match(await page.getByTestId("n-consent-confirm").innerText(), /Withdraw the consent to share 見本 はな's records with the municipality\?/);
  await fitsTablet(page);
  await page.getByTestId("n-consent-withdraw-yes").click();
  await page.getByTestId("n-consent-notice").waitFor();
  assert.equal(await stateText(page), "Withdrawn (on Tue 24 Nov 2026)");
  assert.equal((await saves(page))[0].sharing.withdrawn_on, "2026-11-24");

  await page.getByTestId("n-consent-record").click();
  const form = page.getByTestId("n-consent-form");
  assert.equal(await form.locator("label.field:has([data-name=until]) .label").innerText(), "Until (last day)");
  await pickDate(form.locator("[data-name=until]"), "2028-04-01");
  await page.getByTestId("n-consent-save").click();
  await form.locator("[data-field='sharing.until']").waitFor();
  // Given today (fiscal 2026): the limit is the end of fiscal 2027.
  assert.equal(await form.locator("[data-field='sharing.until']").innerText(), "consent may run at most to the end of the next fiscal year, 2028-03-31; got 2028-04-01");
  await fitsTablet(page);

  const expired = await openApp(withSharing({ [A]: consent("2025-04-01", "2026-03-31") }), { lang: "en" });
  await openSheet(expired);
  assert.equal(await stateText(expired), "Expired (ended Tue 31 Mar 2026)");
  const none = await openApp({}, { lang: "en" });
  await openSheet(none);
  assert.equal(await stateText(none), "No consent");
  assert.equal(await none.getByTestId("n-consent-record").innerText(), "Record a consent");
  assert.deepEqual([...page.pageErrors, ...expired.pageErrors, ...none.pageErrors], []);
});
