// 差し戻し: the office sends a submitted record back to its nurse with what to fix — the reason is
// required (named under its field), the call carries exactly the id and the reason, the detail then
// shows a draft being sent back with the reason; nothing to send back for approved, draft or
// handed-over records, nor for a municipality; the nurse sees the tag in her home list and the
// reason at the top of the record until she submits it again; English and portrait. Expected
// values by hand from tests/fake/{shared,office}.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, PORTRAIT, pickDate } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const MUNI = { id: "u-minato", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "見本 港区福祉課", profession: null };
const V = (n) => `a0000000-0000-4000-8000-00000000000${n}`;
/** The record the fake's office sent back this morning (見本 はな, 2026-09-28). */
const RETURNED = V(6);
const row = (page, id) => page.locator(`[data-testid=o-row][data-id="${id}"]`);
/** The detail's main fields, label → value. */
const fields = (page) => page.locator(".o-detail .o-fields").first().locator("div").evaluateAll((ds) => Object.fromEntries(ds.map((d) => [d.querySelector("dt").innerText, d.querySelector("dd").innerText])));

async function openDetail(page, id) {
  await row(page, id).getByTestId("o-open").click();
  await page.getByTestId("o-history").waitFor();
}

test("send back: the reason is required and named under its field; sent with exactly the id and the reason; the detail shows the draft sent back", async () => {
  const page = await openApp({ user: OFFICE });
  await openDetail(page, V(1));
  assert.equal((await fields(page))["状態"], "提出済み");
  const open = page.getByTestId("o-send-back");
  assert.equal(await open.innerText(), "差し戻す");
  assert.equal(await page.getByTestId("o-send-back-form").count(), 0, "the form opens on request");

  // やめる closes it without sending anything.
  await open.click();
  await page.getByTestId("o-send-back-reason").fill("あとで");
  await page.getByTestId("o-send-back-no").click();
  assert.equal(await page.getByTestId("o-send-back-form").count(), 0);
  await open.click();
  assert.equal(await page.getByTestId("o-send-back-reason").inputValue(), "", "cancelling forgets what was typed");
  // The box takes the focus once the form is drawn (an effect after render): wait for it, then check.
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "o-send-back-reason", null, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "o-send-back-reason", "the reason's box has the focus");

  const form = page.getByTestId("o-send-back-form");
  assert.equal(await form.locator("h3").innerText(), "看護師に差し戻す");
  assert.deepEqual(await form.locator("button").allInnerTexts(), ["差し戻す", "やめる"]);
  // Empty, then blanks only: refused under the field, naming it; nothing sent.
  for (const blank of ["", " \u3000 "]) {
    await page.getByTestId("o-send-back-reason").fill(blank);
    await page.getByTestId("o-send-back-yes").click();
    const field = form.locator("label.field", { has: page.getByTestId("o-send-back-reason") });
    assert.equal(await field.locator(".label").innerText(), "差し戻す理由");
    assert.equal(await field.getByTestId("o-send-back-missing").innerText(), "差し戻す理由を入力してください");
    assert.equal(await page.getByTestId("o-send-back-reason").getAttribute("aria-invalid"), "true");
  }
  assert.equal((await calls(page, "send_back_visit")).length, 0);

  await page.getByTestId("o-send-back-reason").fill("終了時刻を確認してください");
  await page.getByTestId("o-send-back-yes").click();
  await page.getByTestId("o-returned").waitFor();
  assert.deepEqual((await calls(page, "send_back_visit")).map((c) => c.args), [{ id: V(1), reason: "終了時刻を確認してください" }]);
  assert.equal(await page.getByTestId("o-returned").innerText(), "差し戻し中：終了時刻を確認してください（見本 事務、2026年11月24日(火) 10:00）");
  assert.equal((await fields(page))["状態"], "下書き（差し戻し中）");
  assert.equal(await page.getByTestId("o-send-back").count(), 0, "a draft cannot be sent back again");
  assert.equal(await page.getByTestId("o-send-back-form").count(), 0);
  // The list shows it as a draft.
  await page.getByTestId("o-back").click();
  await row(page, V(1)).waitFor();
  assert.equal(await row(page, V(1)).getByTestId("o-status").innerText(), "下書き");
  assert.deepEqual(page.pageErrors, []);
});

test("send back: not offered for approved or draft records, a child handed over, nor to a municipality; the fake refuses as the core does", async () => {
  const page = await openApp({ user: OFFICE });
  await openDetail(page, V(3));
  assert.equal(await page.getByTestId("o-send-back").count(), 1, "a submitted record: offered");
  for (const id of [V(2), V(4)]) {
    await page.getByTestId("o-back").click();
    await openDetail(page, id);
    assert.equal(await page.getByTestId("o-send-back").count(), 0, `${id}: not submitted`);
  }
  // The record already sent back, found by its month: a draft with its reason, nothing to send.
  await page.getByTestId("o-back").click();
  await pickDate(page.locator("[data-name=month]"), "2026-09");
  await openDetail(page, RETURNED);
  assert.equal((await fields(page))["状態"], "下書き（差し戻し中）");
  assert.equal(await page.getByTestId("o-returned").innerText(), "差し戻し中：終了時刻を確認してください（見本 事務、2026年11月24日(火) 9:30）");
  assert.equal(await page.getByTestId("o-send-back").count(), 0);

  // The core's rules, in the fake: a reason is required, under `returned.reason`; only submitted.
  const refused = await page.evaluate(async (ids) => {
    const out = [];
    for (const [id, reason] of ids) {
      try {
        await window.__FAKE__.handle("send_back_visit", { id, reason });
        out.push(null);
      } catch (e) {
        out.push(e.problems.map((p) => [p.field, p.code, p.ja]));
      }
    }
    return out;
  }, [[V(3), "  "], [V(2), "確認"]]);
  assert.deepEqual(refused, [[["returned.reason", "required", "差し戻す理由を入力してください"]], [["status", "transition", "差し戻せるのは提出済みの記録だけです（今は「承認済み」）"]]]);

  // A child handed over to another station: its submitted record is read-only.
  const kept = await openApp({ user: OFFICE, data: { transfer: {} } });
  await openDetail(kept, "b0000000-0000-4000-8000-000000000004");
  assert.equal((await fields(kept))["状態"], "提出済み");
  assert.equal(await kept.getByTestId("o-send-back").count(), 0);

  // A municipality reads the submitted record: no way to send it back.
  const ward = await openApp({ user: MUNI, accounts: [{ user: MUNI, password: "x" }] });
  await ward.getByTestId("o-row").first().waitFor();
  const submitted = ward.locator("[data-testid=o-row]:has([data-status=submitted])").first();
  await submitted.getByTestId("o-open").click();
  await ward.getByTestId("o-history").waitFor();
  assert.equal((await fields(ward))["状態"], "提出済み");
  assert.equal(await ward.getByTestId("o-send-back").count(), 0);
  assert.equal(await ward.getByText("差し戻す").count(), 0);
  assert.deepEqual([...page.pageErrors, ...kept.pageErrors, ...ward.pageErrors], []);
});

test("sent back, the nurse: the tag in her home list, the reason, who and when at the top of the record until she submits again", async () => {
  const page = await openApp();
  const list = page.getByTestId("n-returned-list");
  await list.waitFor();
  assert.deepEqual(await list.getByTestId("n-visit-row").evaluateAll((els) => els.map((e) => e.dataset.id)), [RETURNED]);
  const tagged = list.getByTestId("n-visit-row");
  assert.match(await tagged.innerText(), /2026年9月28日\(月\) 10:00\s+見本 はな\s+訪問看護\s+下書き\s+⚠ 差し戻し/);
  assert.equal(await tagged.getByTestId("n-returned").innerText(), "⚠ 差し戻し");
  // Today's and upcoming lists are as before, and carry no tag.
  assert.deepEqual(await page.getByTestId("n-today").getByTestId("n-visit-row").evaluateAll((els) => els.map((e) => e.dataset.id)), [V(4)]);
  assert.equal(await page.getByTestId("n-today").getByTestId("n-returned").count(), 0);
  assert.equal(await page.getByTestId("n-upcoming").getByTestId("n-returned").count(), 0);

  await tagged.click();
  const note = page.getByTestId("n-returned-note");
  await note.waitFor();
  assert.equal(await note.locator("[data-k=text]").innerText(), "見本 事務さんから差し戻し（11月24日 9:30）：終了時刻を確認してください");
  assert.match(await note.innerText(), /^⚠ 差し戻し/);
  const [noteY, formY] = [(await note.boundingBox()).y, (await page.getByTestId("n-visit-status").boundingBox()).y];
  assert.ok(noteY < formY, "at the top of the record");

  // Saving keeps it; submitting again answers it.
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  assert.equal(await note.count(), 1);
  await page.getByTestId("n-submit").click();
  await page.locator("[data-testid=n-visit-status]", { hasText: "提出済み" }).waitFor();
  assert.equal(await page.getByTestId("n-returned-note").count(), 0);
  assert.deepEqual((await calls(page, "submit_visit")).at(-1).args, { id: RETURNED });
  await page.getByTestId("n-home").click();
  await page.getByTestId("n-today").waitFor();
  assert.equal(await page.getByTestId("n-returned-list").count(), 0, "no longer sent back");
  assert.equal(await page.getByTestId("n-returned").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("send back in English, portrait 820 px: the office's form and state, the nurse's tag and note; 44 px controls, no sideways scroll", async () => {
  const wide = (p) => p.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
  const small = (p, sel) =>
    p.locator(sel).evaluateAll((els) => els.filter((e) => e.offsetParent !== null).map((e) => [e.dataset.testid || e.textContent, e.getBoundingClientRect().height]).filter(([, h]) => h < 44));

  const page = await openApp({ user: OFFICE }, { lang: "en", viewport: PORTRAIT });
  await openDetail(page, V(1));
  assert.equal(await page.getByTestId("o-send-back").innerText(), "Send back");
  assert.deepEqual(await small(page, "[data-testid=o-send-back]"), []);
  await page.getByTestId("o-send-back").click();
  const form = page.getByTestId("o-send-back-form");
  assert.equal(await form.locator("h3").innerText(), "Send back to the nurse");
  assert.deepEqual(await form.locator("button").allInnerTexts(), ["Send back", "Cancel"]);
  await page.getByTestId("o-send-back-yes").click();
  assert.equal(await page.getByTestId("o-send-back-missing").innerText(), "Enter the reason for sending it back");
  assert.equal(await form.locator("label.field .label").innerText(), "Reason for sending it back");
  assert.deepEqual(await small(page, "[data-testid=o-send-back-form] button, [data-testid=o-send-back-form] textarea"), [], "touch-sized");
  assert.equal(await wide(page), false, "no sideways scrolling");
  await page.getByTestId("o-send-back-reason").fill("Please check the end time");
  await page.getByTestId("o-send-back-yes").click();
  await page.getByTestId("o-returned").waitFor();
  assert.deepEqual((await calls(page, "send_back_visit")).at(-1).args, { id: V(1), reason: "Please check the end time" });
  assert.equal(await page.getByTestId("o-returned").innerText(), "Sent back: Please check the end time (見本 事務, Tue 24 Nov 2026 10:00)");
  assert.equal((await fields(page))["Status"], "draft (sent back)");
  assert.equal(await wide(page), false);

  const nurse = await openApp({}, { lang: "en", viewport: PORTRAIT });
  await nurse.getByTestId("n-returned-list").waitFor();
  assert.equal(await nurse.getByTestId("n-returned").innerText(), "⚠ Sent back");
  assert.equal(await wide(nurse), false, "no sideways scrolling on the home list");
  assert.deepEqual(await small(nurse, "[data-testid=n-returned-list] button"), []);
  await nurse.getByTestId("n-returned-list").getByTestId("n-visit-row").click();
  await nurse.getByTestId("n-returned-note").waitFor();
  assert.equal(await nurse.getByTestId("n-returned-note").locator("[data-k=text]").innerText(), "Sent back by 見本 事務 (24 Nov 9:30): 終了時刻を確認してください");
  assert.equal(await wide(nurse), false, "no sideways scrolling on the record");
  assert.deepEqual([...page.pageErrors, ...nurse.pageErrors], []);
});
