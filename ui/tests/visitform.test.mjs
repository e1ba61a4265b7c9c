// The visit form at the bedside (issue 14, items 1, 2, 4, 6): an end time typed while the timer
// runs stays; a submitted record cannot be changed; 入力を確認 checks what 提出 would submit and
// 提出 submits what is on screen; the save bar keeps its size and place and covers no field.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const CHILD_A = "11111111-1111-4111-8111-111111111111";

async function newVisit(page) {
  await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"]`).getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
  await page.getByTestId("n-record").click();
  await page.getByTestId("n-visit-form").waitFor();
}

const box = async (loc) => {
  const b = await loc.boundingBox();
  return { top: Math.round(b.y), height: Math.round(b.height), bottom: Math.round(b.y + b.height) };
};

test("an end time typed digit by digit while the timer runs stays; typing it stops the timer", async () => {
  const page = await openApp();
  await newVisit(page);
  // A start time set by hand starts the timer.
  await page.getByTestId("n-start-time").fill("09:00");
  await page.getByTestId("n-elapsed").and(page.locator(".running")).waitFor();
  const end = page.getByTestId("n-end-time");
  await end.click();
  for (const d of ["1", "0", "3", "0"]) {
    await page.keyboard.type(d);
    await page.waitForTimeout(1300);
  }
  assert.equal(await end.inputValue(), "10:30");
  await page.waitForTimeout(1300);
  assert.equal(await end.inputValue(), "10:30", "the tick does not wipe it");
  assert.equal(await page.getByTestId("n-start-time").inputValue(), "09:00");
  assert.equal(await page.locator("[data-testid=n-elapsed].running").count(), 0, "the timer stopped");
  assert.equal(await page.getByTestId("n-elapsed").innerText(), "1:30:00");
  // Corrected by hand, slowly, with the separator typed: kept too.
  await end.fill("");
  for (const d of ["9", ":", "4", "5"]) {
    await page.keyboard.type(d);
    await page.waitForTimeout(1100);
  }
  await page.getByTestId("n-place").click();
  assert.equal(await end.inputValue(), "09:45");
  assert.equal(await page.getByTestId("n-elapsed").innerText(), "0:45:00");
  // Something that is not a time is kept as typed, with a hint, and not taken.
  await end.fill("25:00");
  await page.getByTestId("n-place").click();
  assert.equal(await end.inputValue(), "25:00");
  assert.match(await page.getByTestId("n-times").innerText(), /10:30 や 1030 のように入力してください/);
  await end.fill("10:30");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  const v = (await calls(page, "save_visit")).at(-1).args.visit;
  assert.equal(v.actual_start, "2026-11-24T09:00");
  assert.equal(v.actual_end, "2026-11-24T10:30");
  assert.deepEqual(page.pageErrors, []);
});

/** Signs on the pad (centred, so the save bar does not cover it). */
async function sign(page) {
  const pad = page.getByTestId("n-signature");
  await pad.evaluate((el) => el.scrollIntoView({ block: "center" }));
  const b = await pad.boundingBox();
  await page.mouse.move(b.x + 20, b.y + 30);
  await page.mouse.down();
  await page.mouse.move(b.x + 120, b.y + 60, { steps: 5 });
  await page.mouse.up();
}

test("a submitted record, opened again: 開始, 取り消す, 書き直す and the fields are disabled, with a line saying why; taps change nothing", async () => {
  const page = await openApp();
  await newVisit(page);
  await page.getByTestId("n-kind").selectOption("handover");
  await page.getByTestId("n-start-time").fill("10:00");
  await page.getByTestId("n-end-time").fill("11:00");
  await page.getByTestId("n-from_sign_off-name").fill("見本 看護師");
  await page.getByTestId("n-from_sign_off-sign").click();
  await page.getByTestId("n-from_sign_off-done").waitFor();
  await page.getByTestId("n-guardian-confirmed").click();
  await page.getByTestId("n-guardian-name").fill("見本 花子");
  await sign(page);
  assert.equal(await page.getByTestId("n-readonly-note").count(), 0, "a draft has no such line");
  await page.getByTestId("n-submit").click();
  await page.getByTestId("n-visit-status").filter({ hasText: "提出済み" }).waitFor();
  const id = (await calls(page, "submit_visit")).at(-1).args.id;
  await page.getByTestId("n-home").click();
  await page.locator(`[data-testid=n-visit-row][data-id="${id}"]`).click();
  await page.getByTestId("n-visit-form").waitFor();
  await page.evaluate(() => (window.__CALLS__.length = 0));

  assert.equal(await page.getByTestId("n-visit-status").innerText(), "提出済み");
  assert.equal(await page.getByTestId("n-readonly-note").innerText(), "提出済みの記録は変更できません。差し戻されると編集できます");
  const values = async () => ({
    start: await page.getByTestId("n-start-time").inputValue(),
    end: await page.getByTestId("n-end-time").inputValue(),
    guardian: await page.getByTestId("n-guardian-name").inputValue(),
    signed: await page.getByTestId("n-from_sign_off-done").count(),
  });
  const before = await values();
  assert.deepEqual(before, { start: "10:00", end: "11:00", guardian: "見本 花子", signed: 1 });
  // The controls that change the record carry `disabled` themselves …
  for (const t of ["n-start", "n-stop", "n-from_sign_off-undo", "n-signature-clear", "n-start-time", "n-end-time", "n-kind", "n-save", "n-submit", "n-check"]) {
    const el = page.getByTestId(t);
    assert.equal(await el.isDisabled(), true, `${t} is disabled`);
    assert.notEqual(await el.getAttribute("disabled"), null, `${t} has the disabled attribute`);
  }
  // … and every other one is disabled by the record's disabled fieldset.
  for (const t of ["n-guardian-confirmed", "n-guardian-not", "n-guardian-name", "n-vital-add", "n-place", "n-template", "n-soap-subjective", "n-topic-add"]) {
    assert.equal(await page.getByTestId(t).isDisabled(), true, `${t} is disabled`);
  }
  assert.equal(await page.getByTestId("n-done").isDisabled(), false, "closing still works");
  for (const t of ["n-start", "n-from_sign_off-undo", "n-signature-clear", "n-guardian-not"]) await page.getByTestId(t).click({ force: true });
  await page.waitForTimeout(1200);
  assert.deepEqual(await values(), before);
  assert.equal(await page.locator("[data-testid=n-elapsed].running").count(), 0, "no timer");
  assert.equal(await page.getByTestId("n-elapsed").innerText(), "1:00:00");
  assert.deepEqual((await calls(page)).filter((c) => ["save_visit", "submit_visit", "check_visit"].includes(c.cmd)), []);
  assert.deepEqual(page.pageErrors, []);
});

test("入力を確認 checks the form as it would be submitted: no guardian confirmation is a problem, shown by the guardian's part", async () => {
  const page = await openApp();
  await newVisit(page);
  await page.getByTestId("n-start-time").fill("10:00");
  await page.getByTestId("n-end-time").fill("11:00");
  await page.getByTestId("n-check").click();
  const problem = page.getByTestId("n-guardian").locator("[data-field=guardian][data-code=required]");
  await problem.waitFor();
  assert.equal(await problem.innerText(), "保護者確認（サインまたは確認できない理由）が必要です");
  const check = (await calls(page, "check_visit")).at(-1).args.visit;
  assert.equal(check.status, "submitted", "checked as a submission");
  assert.equal(await page.getByTestId("n-visit-status").innerText(), "下書き", "the record itself is still a draft");
  assert.match(await page.getByTestId("n-message").innerText(), /1件/);
  assert.equal(await page.getByText("問題は見つかりませんでした").count(), 0);
  // Without times, both are reported next to the times.
  await page.getByTestId("n-end-time").fill("");
  await page.getByTestId("n-check").click();
  await page.getByTestId("n-times").locator("[data-field=actual_end][data-code=required]").waitFor();
  assert.deepEqual(page.pageErrors, []);
});

test("提出 saves what is on screen, then submits it: a reason typed but not saved is submitted", async () => {
  const page = await openApp();
  await newVisit(page);
  await page.getByTestId("n-start-time").fill("10:00");
  await page.getByTestId("n-end-time").fill("11:00");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  // The saved version has no confirmation: submitting it alone would fail.
  await page.getByTestId("n-guardian-not").click();
  await page.getByTestId("n-guardian-reason").fill("保護者が外出中");
  await page.getByTestId("n-submit").click();
  await page.getByTestId("n-visit-status").filter({ hasText: "提出済み" }).waitFor();
  const all = (await calls(page)).filter((c) => ["save_visit", "submit_visit"].includes(c.cmd));
  assert.deepEqual(all.map((c) => c.cmd), ["save_visit", "save_visit", "submit_visit"]);
  assert.deepEqual(all[1].args.visit.guardian, { kind: "not_confirmed", reason: "保護者が外出中" });
  assert.equal(all[2].args.id, all[1].args.visit.id);
  assert.match(await page.getByTestId("n-message").innerText(), /提出しました/);
  assert.deepEqual(page.pageErrors, []);
});

test("提出 with a problem: the save goes through, the submit is refused, the problem is shown by its field", async () => {
  const page = await openApp();
  await newVisit(page);
  await page.getByTestId("n-start-time").fill("10:00");
  await page.getByTestId("n-end-time").fill("11:00");
  await page.getByTestId("n-submit").click();
  await page.getByTestId("n-guardian").locator("[data-field=guardian][data-code=required]").waitFor();
  assert.equal(await page.getByTestId("n-visit-status").innerText(), "下書き");
  assert.deepEqual((await calls(page)).filter((c) => ["save_visit", "submit_visit"].includes(c.cmd)).map((c) => c.cmd), ["save_visit", "submit_visit"]);
  assert.deepEqual(page.pageErrors, []);
});

for (const [name, viewport] of [["landscape", undefined], ["portrait 820 px", PORTRAIT]]) {
  test(`the save bar keeps its size and place, covers no field, and an edit clears its message (${name})`, async () => {
    const page = await openApp({}, viewport ? { viewport } : {});
    await newVisit(page);
    const bar = page.getByTestId("n-savebar");
    const first = await box(bar);
    // A long list of problems: no times (2) and SpO₂ out of range in several readings.
    for (let i = 0; i < 4; i++) {
      await page.getByTestId("n-vital-add").click();
      await page.getByTestId("n-vital-spo2").nth(i).fill("20");
    }
    await page.getByTestId("n-guardian-not").click();
    await page.getByTestId("n-check").click();
    await page.getByTestId("n-message").filter({ hasText: "件" }).waitFor();
    assert.deepEqual(await box(bar), first, "same height and top with a message");
    await page.getByTestId("n-save").click();
    await page.waitForTimeout(200);
    assert.deepEqual(await box(bar), first, "same height and top after a refused save");
    // Every control of the bar is a 44 px target.
    for (const b of await bar.locator("button").all()) assert.ok((await b.boundingBox()).height >= 44);
    // No sideways scroll.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth), false);

    // The last field, scrolled into view, is not under the bar.
    const reason = page.getByTestId("n-guardian-reason");
    await reason.scrollIntoViewIfNeeded();
    const r = await box(reason);
    const b = await box(bar);
    assert.ok(r.bottom <= b.top || r.top >= b.bottom, `the reason (${r.top}–${r.bottom}) is clear of the bar (${b.top}–${b.bottom})`);
    // Scrolled to the very end too.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const r2 = await box(reason);
    const b2 = await box(bar);
    assert.ok(r2.bottom <= b2.top || r2.top >= b2.bottom, `at the end, the reason (${r2.top}–${r2.bottom}) is clear of the bar (${b2.top}–${b2.bottom})`);

    // An edit clears the old message and the problems shown by the fields.
    assert.notEqual(await page.getByTestId("n-message").innerText(), "");
    await reason.fill("不在");
    assert.equal(await page.getByTestId("n-message").innerText(), "");
    assert.equal(await page.locator("[data-field=actual_end]").count(), 0);
    assert.deepEqual(await box(bar), b2);
    assert.deepEqual(page.pageErrors, []);
  });
}

test("in English: the read-only line and the check's message", async () => {
  const page = await openApp({}, { lang: "en", viewport: PORTRAIT });
  await newVisit(page);
  await page.getByTestId("n-start-time").fill("10:00");
  await page.getByTestId("n-end-time").fill("11:00");
  await page.getByTestId("n-check").click();
  await page.getByTestId("n-guardian").locator("[data-field=guardian]").filter({ hasText: "a visit that took place needs the guardian's confirmation" }).waitFor();
  await page.getByTestId("n-guardian-not").click();
  await page.getByTestId("n-guardian-reason").fill("Out");
  await page.getByTestId("n-submit").click();
  await page.getByTestId("n-readonly-note").filter({ hasText: "A submitted record cannot be changed. It can be edited once it is sent back." }).waitFor();
  assert.deepEqual(page.pageErrors, []);
});
