// Warnings and the sending state at the bedside (issue 14, items 9 and 7): a vital sign timed
// outside the visit (a night visit across midnight too), a respite session overlapping another
// visit of the child, a handover sign-off typed by the signer and never by the same person on
// both sides; 未送信 / 送信できません per record on the home list and in the form's header.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const CHILD_A = "11111111-1111-4111-8111-111111111111";
const card = (page, id) => page.locator(`[data-testid=n-child-card][data-id="${id}"]`);

async function newVisit(page, kind) {
  await card(page, CHILD_A).getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
  await page.getByTestId(kind === "respite" ? "n-record-respite" : kind === "handover" ? "n-record-handover" : "n-record").click();
  await page.getByTestId("n-visit-form").waitFor();
}

async function times(page, from, to) {
  await page.getByTestId("n-start-time").fill(from);
  await page.getByTestId("n-end-time").fill(to);
}

async function save(page) {
  const n = (await calls(page, "check_visit")).length;
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  // The warnings of what was saved come with the check that follows the save.
  await page.waitForFunction((n) => window.__CALLS__.filter((c) => c.cmd === "check_visit").length > n, n);
  await page.waitForTimeout(100);
}

const warningsIn = (page, part) =>
  page
    .getByTestId(part)
    .getByTestId("n-field-warnings")
    .locator("li")
    .evaluateAll((els) => els.map((e) => [e.dataset.field, e.dataset.code, e.textContent]));

/** Back home through a face sheet: the home screen reads its lists again. */
async function reloadHome(page) {
  if (await page.getByTestId("n-home").count()) await page.getByTestId("n-home").click();
  await card(page, CHILD_A).getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
  await page.getByTestId("n-home").click();
  await page.getByTestId("n-home-screen").waitFor();
}

/** What the sync would do to a record's row: sent (accepted) or refused with a reason. */
const markRow = (page, id, flags, reason = null) =>
  page.evaluate(
    ([id, flags, reason]) => {
      const r = window.__FAKE__.s.data.shared.visits.find((x) => x.summary.id === id);
      Object.assign(r.flags, flags);
      r.rejected_reason = reason;
    },
    [id, flags, reason],
  );

test("a vital sign timed before the start or after the end is a warning on its reading; the start and end themselves are inside; the record still saves", async () => {
  const page = await openApp();
  await newVisit(page);
  await times(page, "10:00", "11:00");
  await page.getByTestId("n-guardian-not").click();
  await page.getByTestId("n-guardian-reason").fill("保護者が外出中");
  await page.getByTestId("n-vital-add").click();
  await page.getByTestId("n-vital-add").click();
  const at = page.getByTestId("n-vital-at");
  await at.nth(0).fill("10:15");
  await at.nth(1).fill("09:59");
  await save(page);
  assert.deepEqual(await warningsIn(page, "n-vitals"), [["vitals[1].at", "vital_time", "バイタル2件目の測定時刻（11月24日 09:59）が訪問の開始（11月24日 10:00）より前です"]]);
  assert.equal((await calls(page, "save_visit")).at(-1).args.visit.vitals[1].at, "2026-11-24T09:59", "saved as typed");
  // An edit clears the old warning; the start itself is inside.
  await at.nth(1).fill("10:00");
  assert.equal(await page.getByTestId("n-field-warnings").count(), 0, "an edit clears the warning");
  await save(page);
  assert.equal(await page.getByTestId("n-field-warnings").count(), 0, "10:00 is the start: inside");
  await at.nth(1).fill("11:00");
  await save(page);
  assert.equal(await page.getByTestId("n-field-warnings").count(), 0, "11:00 is the end: inside");
  await at.nth(1).fill("11:01");
  await page.getByTestId("n-check").click();
  await page.getByTestId("n-message").filter({ hasText: "確認してほしい点が1件" }).waitFor();
  assert.deepEqual(await warningsIn(page, "n-vitals"), [["vitals[1].at", "vital_time", "バイタル2件目の測定時刻（11月24日 11:01）が訪問の終了（11月24日 11:00）より後です"]]);
  assert.equal(await page.getByTestId("n-field-problems").count(), 0, "a warning is not a problem");
  assert.deepEqual(page.pageErrors, []);
});

test("a night visit across midnight: a reading typed as 01:30 is the next morning, inside; 02:30 is after the end (English)", async () => {
  const page = await openApp({}, { lang: "en" });
  await page.getByTestId("n-home-screen").waitFor();
  // A night respite session saved on this tablet: today 22:00 → tomorrow 02:00 (4 h).
  const id = await page.evaluate(async (child) => {
    const b = window.__FAKE__;
    const v = await b.handle("new_visit", { childId: child, kind: "respite" });
    v.actual_start = "2026-11-24T22:00";
    v.actual_end = "2026-11-25T02:00";
    v.vitals = [{ id: "r1", at: "2026-11-24T22:30", respiration: null, pulse: 110, temperature_c: null, spo2: null, bp_systolic: null, bp_diastolic: null }];
    await b.handle("save_visit", { visit: v });
    return v.id;
  }, CHILD_A);
  await reloadHome(page);
  await page.locator(`[data-testid=n-visit-row][data-id="${id}"]`).click();
  await page.getByTestId("n-visit-form").waitFor();
  const at = page.getByTestId("n-vital-at");
  await at.fill("01:30");
  await save(page);
  assert.equal((await calls(page, "save_visit")).at(-1).args.visit.vitals[0].at, "2026-11-25T01:30", "after midnight: the end's day");
  assert.equal(await page.getByTestId("n-field-warnings").count(), 0);
  await at.fill("23:30");
  await save(page);
  assert.equal((await calls(page, "save_visit")).at(-1).args.visit.vitals[0].at, "2026-11-24T23:30", "before midnight: the start's day");
  await at.fill("02:30");
  await save(page);
  assert.equal((await calls(page, "save_visit")).at(-1).args.visit.vitals[0].at, "2026-11-25T02:30");
  assert.deepEqual(await warningsIn(page, "n-vitals"), [["vitals[0].at", "vital_time", "vital reading 1 was taken at 02:30, after the visit ended (02:00)"]]);
  assert.match(await page.getByTestId("n-vitals").innerText(), /Please look at this \(it can still be saved and submitted\)/);
  assert.deepEqual(page.pageErrors, []);
});

test("a night session typed 22:00 to 02:00 ends the next morning (（翌日）), and a vital typed 01:00 in it is inside", async () => {
  const page = await openApp();
  await newVisit(page, "respite");
  await times(page, "22:00", "02:00");
  await page.getByTestId("n-end-next-day").waitFor();
  assert.equal(await page.getByTestId("n-end-next-day").innerText(), "（翌日）");
  // 4 h: 4 h counted, nothing to say about the length.
  assert.equal(await page.getByTestId("n-billable").innerText(), "4時間");
  await page.getByTestId("n-vital-add").click();
  await page.getByTestId("n-vital-at").fill("01:00");
  await save(page);
  const v = (await calls(page, "save_visit")).at(-1).args.visit;
  assert.deepEqual([v.actual_start, v.actual_end, v.vitals[0].at], ["2026-11-24T22:00", "2026-11-25T02:00", "2026-11-25T01:00"]);
  assert.equal(await page.getByTestId("n-field-warnings").count(), 0);
  // An end after the start the same evening is the same day again.
  await page.getByTestId("n-end-time").fill("23:30");
  await page.getByTestId("n-place").click();
  assert.equal(await page.getByTestId("n-end-next-day").count(), 0);
  await save(page);
  assert.equal((await calls(page, "save_visit")).at(-1).args.visit.actual_end, "2026-11-24T23:30");
  assert.deepEqual(page.pageErrors, []);
});

test("a respite session overlapping another visit of the child is a warning naming that visit; one starting as the other ends is not", async () => {
  const page = await openApp();
  // A nursing visit 14:00–15:00 today, saved.
  await newVisit(page);
  await times(page, "14:00", "15:00");
  await save(page);
  await page.getByTestId("n-home").click();
  // A respite session 13:00–16:00 the same day.
  await newVisit(page, "respite");
  await times(page, "13:00", "16:00");
  await page.getByTestId("n-guardian-not").click();
  await page.getByTestId("n-guardian-reason").fill("保護者が外出中");
  await page.getByTestId("n-check").click();
  await page.getByTestId("n-message").filter({ hasText: "提出できます。確認してほしい点が1件" }).waitFor();
  assert.deepEqual(await warningsIn(page, "n-times"), [["actual_start", "respite_overlap", "同じお子さんの別の記録（11月24日 14:00〜15:00 訪問看護）と時間が重なっています"]]);
  // Saved: still there (the saved record's own row is not "another visit").
  await save(page);
  assert.equal((await warningsIn(page, "n-times")).length, 1);
  // 15:00–18:00 starts when the nursing visit ends: no overlap.
  await times(page, "15:00", "18:00");
  await save(page);
  assert.deepEqual(await warningsIn(page, "n-times"), []);
  assert.deepEqual(page.pageErrors, []);
});

test("a handover sign-off is typed by the signer (a bare tap does nothing) and the one who signed one side is not offered for the other", async () => {
  const page = await openApp({}, { viewport: PORTRAIT });
  await newVisit(page, "handover");
  await times(page, "14:00", "15:30");
  // The station taking over is chosen, none of its nurses added yet: only 見本 看護師 is present.
  await page.getByTestId("n-to_station-pick").selectOption({ label: "架空訪問看護ステーション" });
  const sign = page.getByTestId("n-from_sign_off-sign");
  assert.equal(await sign.isDisabled(), true, "no bare tap: the signer types their name first");
  await page.getByTestId("n-from_sign_off-name").fill("見本 夏子");
  assert.equal(await sign.isDisabled(), true);
  await page.getByTestId("n-from_sign_off-mismatch").waitFor();
  await page.getByTestId("n-from_sign_off-name").fill("見本看護師");
  assert.equal(await sign.isDisabled(), false, "the same name without the space");
  await sign.click();
  await page.getByTestId("n-from_sign_off-done").waitFor();
  // The other side offers no one: the same person may not sign both.
  assert.equal(await page.getByTestId("n-to_sign_off-who").locator("option").count(), 0);
  assert.equal(await page.getByTestId("n-to_sign_off-sign").isDisabled(), true);
  assert.equal(await page.getByTestId("n-to_sign_off-other-side").innerText(), "見本 看護師さんは引継ぎのもう一方で署名済みです");
  // Once the other station's nurse is on the visit, she signs, in her own name.
  await page.getByTestId("n-staff-pick").selectOption({ label: "架空 次郎（かくう じろう） 看護師" });
  assert.deepEqual(await page.getByTestId("n-to_sign_off-who").locator("option").allInnerTexts(), ["架空 次郎（架空訪問看護ステーション）"]);
  await page.getByTestId("n-to_sign_off-name").fill("架空 次郎");
  await page.getByTestId("n-to_sign_off-sign").click();
  await page.getByTestId("n-topic-add").click();
  await page.getByTestId("n-topic").fill("吸引の手順");
  await save(page);
  const h = (await calls(page, "save_visit")).at(-1).args.visit.handover;
  assert.deepEqual([h.from_sign_off.staff_id, h.to_sign_off.staff_id], ["u-nurse", "u-kakuu-jiro"]);
  assert.deepEqual(page.pageErrors, []);
});

test("a submitted record still on the tablet says 未送信 on the home list and in its header; sent, it does not; refused, it says 送信できません with the reason", async () => {
  const page = await openApp();
  await newVisit(page);
  await times(page, "10:00", "11:00");
  await page.getByTestId("n-guardian-not").click();
  await page.getByTestId("n-guardian-reason").fill("保護者が外出中");
  assert.equal(await page.getByTestId("n-unsent").count(), 0, "a new record not yet saved has no sending state");
  await page.getByTestId("n-submit").click();
  await page.getByTestId("n-visit-status").filter({ hasText: "提出済み" }).waitFor();
  const id = (await calls(page, "submit_visit")).at(-1).args.id;
  await page.getByTestId("n-visit-form").getByTestId("n-unsent").waitFor();
  assert.match(await page.getByTestId("n-unsent-hint").innerText(), /この端末にだけあります/);
  await page.getByTestId("n-home").click();
  const row = page.locator(`[data-testid=n-visit-row][data-id="${id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /提出済み/);
  assert.equal(await row.getByTestId("n-unsent").innerText(), "未送信");
  // The sync sent it: no mark.
  await markRow(page, id, { pending_sync: false });
  await reloadHome(page);
  await row.waitFor();
  assert.equal(await row.getByTestId("n-unsent").count(), 0);
  assert.equal(await row.getByTestId("n-refused").count(), 0);
  // The server refused it: 送信できません with its reason, in the list and in the header.
  await markRow(page, id, { pending_sync: false, rejected: true }, "訪問日に有効な指示書がありません / no valid doctor's instruction on the visit's day");
  await reloadHome(page);
  await row.waitFor();
  assert.equal(await row.getByTestId("n-refused").innerText(), "⚠ 送信できません");
  assert.equal(await row.getByTestId("n-refused-reason").innerText(), "サーバーが受け付けませんでした：訪問日に有効な指示書がありません");
  await row.click();
  await page.getByTestId("n-visit-form").waitFor();
  assert.equal(await page.getByTestId("n-visit-form").getByTestId("n-refused").innerText(), "⚠ 送信できません");
  assert.match(await page.getByTestId("n-visit-form").getByTestId("n-refused-reason").innerText(), /訪問日に有効な指示書がありません/);
  assert.deepEqual(page.pageErrors, []);
});

test("in English: Not sent yet and Cannot be sent, with the server's reason in English", async () => {
  const page = await openApp({}, { lang: "en" });
  const today = "a0000000-0000-4000-8000-000000000004";
  const row = page.locator(`[data-testid=n-visit-row][data-id="${today}"]`);
  await row.waitFor();
  assert.equal(await row.getByTestId("n-unsent").innerText(), "Not sent yet");
  await markRow(page, today, { pending_sync: false, rejected: true }, "訪問日に有効な指示書がありません / no valid doctor's instruction on the visit's day");
  await reloadHome(page);
  assert.equal(await row.getByTestId("n-refused").innerText(), "⚠ Cannot be sent");
  assert.equal(await row.getByTestId("n-refused-reason").innerText(), "The server refused it: no valid doctor's instruction on the visit's day");
  // Changed again after the refusal: waiting to be sent, with what was refused last time.
  await markRow(page, today, { pending_sync: true, rejected: true }, "訪問日に有効な指示書がありません / no valid doctor's instruction on the visit's day");
  await reloadHome(page);
  assert.equal(await row.getByTestId("n-unsent").innerText(), "Not sent yet");
  await row.click();
  await page.getByTestId("n-visit-form").waitFor();
  assert.equal(await page.getByTestId("n-unsent-hint").innerText(), "The corrected record is sent at the next sync (last time: no valid doctor's instruction on the visit's day)");
  assert.deepEqual(page.pageErrors, []);
});
