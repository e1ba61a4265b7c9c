// Transferring a child to another station after an accompanied handover visit (引継ぎによる移管):
// the offer in the record's detail only after a submitted handover visit both stations signed,
// the confirmation in plain words, exactly the request sent, the transfer line afterwards, a
// refusal named by the first-day field, rows of a child handed over earlier (read only),
// English and portrait, and nothing of it for a municipality.
// Expected values are worked out by hand from tests/fake/transfer.ts: the office (見本 事務) is
// at ST-MIHON; 見本 そら's handover visit to ST-KAKUU (架空訪問看護ステーション) was on Wed 18 Nov
// 2026, so the first day defaults to Thu 19 Nov 2026 and may not be before 18 Nov; 架空 ゆき's
// handover visit (Mon 23 Nov) lacks the receiving nurse's signature; 架空 みのり went to
// ST-KAKUU from Mon 16 Nov 2026, recorded by 見本 事務.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, PORTRAIT, pickDate, dateValue } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const MUNI = { id: "u-minato", username: "minato-fukushi", role: "municipality", org_id: "MU-13103", name: "見本 港区福祉課", profession: null };
const SCENARIO = { user: OFFICE, data: { transfer: {} } };

const SORA = "33333333-3333-4333-8333-333333333333";
const V = (n) => `b0000000-0000-4000-8000-00000000000${n}`;
const SIGNED = V(1);
const UNSIGNED = V(2);
const NURSING = V(3);
const KEPT_NURSING = V(4);
const KEPT_HANDOVER = V(5);
const row = (page, id) => page.locator(`[data-testid=o-row][data-id="${id}"]`);

async function openDetail(page, id) {
  await row(page, id).getByTestId("o-open").click();
  await page.getByTestId("o-history").waitFor();
}

async function backAndOpen(page, id) {
  await page.getByTestId("o-back").click();
  await openDetail(page, id);
}

test("transfer: offered after the signed handover visit only; the unsigned one says why; a nursing visit shows nothing", async () => {
  const page = await openApp(SCENARIO);
  await openDetail(page, SIGNED);
  const offer = page.getByTestId("o-transfer");
  await offer.waitFor();
  assert.equal(await offer.locator("h3").innerText(), "架空訪問看護ステーションへ移管する");
  const day = offer.locator("[data-name=first_day]");
  assert.equal(await dateValue(day), "2026-11-19", "the day after the visit");
  // Not before the visit: the picker offers no earlier day.
  assert.deepEqual(await day.locator("select[data-part=day] option:not([disabled])").evaluateAll((os) => os.map((o) => o.value)), ["18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30"]);
  assert.equal(await day.locator("select[data-part=month] option[value='10']").isDisabled(), true);
  assert.match(await offer.locator("label.field .label").innerText(), /移管日/);
  assert.equal(await page.getByTestId("o-transfer-why").count(), 0);
  assert.equal(await page.getByTestId("o-transferred").count(), 0);

  await backAndOpen(page, UNSIGNED);
  const why = page.getByTestId("o-transfer-why");
  await why.waitFor();
  assert.equal(await why.innerText(), "この同行訪問からはまだ移管できません\n両方の事業所の署名がそろうと移管できます（署名がまだ：架空訪問看護ステーション）");
  assert.equal(await page.getByTestId("o-transfer").count(), 0);
  assert.equal(await page.locator("[data-name=first_day]").count(), 0);

  await backAndOpen(page, NURSING);
  assert.match(await page.getByTestId("o-detail").innerText(), /見本 そら[\s\S]*訪問看護/);
  assert.equal(await page.getByTestId("o-transfer").count(), 0);
  assert.equal(await page.getByTestId("o-transfer-why").count(), 0);
  assert.equal(await page.getByTestId("o-transferred").count(), 0);
  assert.equal((await calls(page, "transfer_child")).length, 0);
  assert.deepEqual(page.pageErrors, []);
});

test("transfer: cancelling the confirmation sends nothing; confirming sends exactly the child, station, day and visit; the line replaces the offer", async () => {
  const page = await openApp(SCENARIO);
  await openDetail(page, SIGNED);
  await page.getByTestId("o-transfer-ask").click();
  const confirm = page.getByTestId("o-transfer-confirm");
  await confirm.waitFor();
  assert.equal(await confirm.locator("strong").innerText(), "見本 そらさんを2026年11月19日(木)から架空訪問看護ステーションへ移管しますか？");
  assert.equal(
    await confirm.locator("p").innerText(),
    "移管日から、架空訪問看護ステーションがこのお子さんの記録をすべて閲覧・記録します。当事業所では、当事業所の職員が書いた訪問記録だけを閲覧できます（変更はできません）。フェイスシートなどその他の記録は、この端末から削除されます。",
  );
  assert.deepEqual(await confirm.locator("button").allInnerTexts(), ["移管する", "やめる"]);
  await page.getByTestId("o-transfer-no").click();
  assert.equal(await page.getByTestId("o-transfer-confirm").count(), 0);
  assert.equal(await page.getByTestId("o-transfer-ask").count(), 1, "the offer stays");
  assert.equal((await calls(page, "transfer_child")).length, 0, "nothing is sent on cancel");

  await page.getByTestId("o-transfer-ask").click();
  await page.getByTestId("o-transfer-yes").click();
  const line = page.getByTestId("o-transferred");
  await line.waitFor();
  const sent = await calls(page, "transfer_child");
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].args, { childId: SORA, request: { to_org: "ST-KAKUU", first_day: "2026-11-19", handover_visit: SIGNED } });
  assert.equal(await line.innerText(), "移管済み：2026年11月19日(木)から 架空訪問看護ステーション（登録：見本 事務）");
  assert.equal(await page.getByTestId("o-transfer").count(), 0, "the offer is gone");

  // The directory now lists it: another record of the child shows the same line.
  await backAndOpen(page, NURSING);
  await page.getByTestId("o-transferred").waitFor();
  assert.equal(await page.getByTestId("o-transferred").innerText(), "移管済み：2026年11月19日(木)から 架空訪問看護ステーション（登録：見本 事務）");
  await backAndOpen(page, SIGNED);
  await page.getByTestId("o-transferred").waitFor();
  assert.equal(await page.getByTestId("o-transfer").count(), 0, "no second offer");
  assert.deepEqual(page.pageErrors, []);
});

// The picker offers no day before the visit (first test); the backend's own refusal is met when
// the visit's day changed after the offer opened (the nurse's correction, synced meanwhile).
const visitMovedTo20th = (page) =>
  page.evaluate((id) => {
    window.__FAKE__.s.data.transfer.visits[id].actual_start = "2026-11-20T10:00";
  }, SIGNED);

test("transfer: a first day before the visit is refused under the date field; the chosen date stays; a later day goes through", async () => {
  const page = await openApp(SCENARIO);
  await openDetail(page, SIGNED);
  const offer = page.getByTestId("o-transfer");
  const day = offer.locator("[data-name=first_day]");
  await visitMovedTo20th(page);
  await pickDate(day, "2026-11-19");
  await page.getByTestId("o-transfer-ask").click();
  assert.match(await page.getByTestId("o-transfer-confirm").innerText(), /2026年11月19日\(木\)から/);
  await page.getByTestId("o-transfer-yes").click();
  const problem = offer.locator("[data-testid=o-field-problem][data-field=first_day]");
  await problem.waitFor();
  assert.equal(await problem.getAttribute("data-code"), "before_handover");
  assert.equal(await problem.innerText(), "移管日 2026-11-19 が同行訪問の日 2026-11-20 より前です");
  // Right under the date input, and nothing else blamed.
  assert.equal(await offer.locator(".o-transfer-day [data-field=first_day]").count(), 1);
  assert.equal(await offer.locator("[data-testid=error]").count(), 0);
  assert.equal(await dateValue(day), "2026-11-19", "the chosen date stays");
  assert.equal(await page.getByTestId("o-transferred").count(), 0);
  assert.deepEqual((await calls(page, "transfer_child"))[0].args.request.first_day, "2026-11-19");

  await pickDate(day, "2026-11-20");
  await page.getByTestId("o-transfer-ask").click();
  await page.getByTestId("o-transfer-yes").click();
  await page.getByTestId("o-transferred").waitFor();
  assert.equal(await page.getByTestId("o-transferred").innerText(), "移管済み：2026年11月20日(金)から 架空訪問看護ステーション（登録：見本 事務）");
  const sent = await calls(page, "transfer_child");
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1].args, { childId: SORA, request: { to_org: "ST-KAKUU", first_day: "2026-11-20", handover_visit: SIGNED } });
  assert.deepEqual(page.pageErrors, []);
});

test("transfer: a refusal about the handover itself is shown in the panel, in the current language; the offer stays", async () => {
  const page = await openApp(SCENARIO);
  // The server knows 架空 次郎 (who signed for the receiving station) as a person of ST-MIHON.
  await page.evaluate(() => {
    const p = window.__FAKE__.s.directory.people.find((x) => x.id === "u-kakuu-jiro");
    p.org_id = "ST-MIHON";
  });
  await openDetail(page, SIGNED);
  await page.getByTestId("o-transfer-ask").click();
  await page.getByTestId("o-transfer-yes").click();
  const offer = page.getByTestId("o-transfer");
  const problem = offer.locator("[data-testid=error] [data-field='handover.to_sign_off']");
  await problem.waitFor();
  assert.equal(await problem.getAttribute("data-code"), "signer_station");
  assert.equal(await problem.innerText(), "署名した 架空 次郎 さんは ST-KAKUU の職員ではありません");
  assert.equal(await offer.locator("[data-testid=o-field-problem]").count(), 0, "the date is not blamed");
  assert.equal(await offer.locator("[data-name=first_day]").getAttribute("data-value"), "2026-11-19");
  assert.equal(await page.getByTestId("o-transfer-ask").count(), 1);
  await page.getByTestId("lang-en").click();
  assert.equal(await problem.innerText(), 'the signer "u-kakuu-jiro" is not a person of station ST-KAKUU');
  assert.equal(await page.getByTestId("o-transferred").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("transfer: a child handed over earlier — its rows are tagged read-only with nothing to approve; its records show the transfer", async () => {
  const page = await openApp(SCENARIO);
  await row(page, KEPT_NURSING).waitFor();
  for (const id of [KEPT_NURSING, KEPT_HANDOVER]) {
    assert.equal(await row(page, id).getByTestId("o-handed-over").innerText(), "引継ぎ済み・閲覧のみ");
    assert.equal(await row(page, id).locator("input").count(), 0, "no checkbox");
    assert.match(await row(page, id).innerText(), /架空 みのり/);
  }
  assert.equal(await page.getByTestId("o-handed-over").count(), 2, "only those two rows");
  assert.equal(await row(page, SIGNED).getByTestId("o-select").count(), 1, "others can still be chosen");
  // Select all takes the seven records not approved and not handed over (10 rows: …2 is approved).
  assert.equal(await page.getByTestId("o-row").count(), 10);
  await page.getByTestId("o-select-all").check();
  assert.equal(await page.getByTestId("o-approve").innerText(), "選択した7件を承認");
  await page.getByTestId("o-select-all").uncheck();

  await openDetail(page, KEPT_NURSING);
  await page.getByTestId("o-transferred").waitFor();
  assert.equal(await page.getByTestId("o-transferred").innerText(), "移管済み：2026年11月16日(月)から 架空訪問看護ステーション（登録：見本 事務）");
  await backAndOpen(page, KEPT_HANDOVER);
  await page.getByTestId("o-transferred").waitFor();
  assert.equal(await page.getByTestId("o-transfer").count(), 0, "no offer for a child already transferred");
  assert.equal(await page.getByTestId("o-transfer-why").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});

test("transfer in English, portrait: the offer, the confirmation, a refusal and the line in English; touch-sized, no sideways scroll", async () => {
  const page = await openApp(SCENARIO, { lang: "en", viewport: PORTRAIT });
  await row(page, KEPT_NURSING).waitFor();
  assert.equal(await row(page, KEPT_NURSING).getByTestId("o-handed-over").innerText(), "Handed over · read only");
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, "the list fits");
  await openDetail(page, SIGNED);
  const offer = page.getByTestId("o-transfer");
  assert.equal(await offer.locator("h3").innerText(), "Transfer to 架空訪問看護ステーション");
  const fits = async () => {
    const small = await offer.locator("button, input, select").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height < 44).map((e) => e.outerHTML));
    assert.deepEqual(small, []);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, "no sideways scrolling");
  };
  await fits();
  await visitMovedTo20th(page);
  await pickDate(offer.locator("[data-name=first_day]"), "2026-11-19");
  await page.getByTestId("o-transfer-ask").click();
  const confirm = page.getByTestId("o-transfer-confirm");
  assert.equal(await confirm.locator("strong").innerText(), "Transfer 見本 そら to 架空訪問看護ステーション from Thu 19 Nov 2026?");
  assert.match(await confirm.locator("p").innerText(), /^From the first day, 架空訪問看護ステーション reads and records all of this child's records\. This station can still read the visit records its own staff wrote/);
  assert.deepEqual(await confirm.locator("button").allInnerTexts(), ["Transfer", "Cancel"]);
  await fits();
  await page.getByTestId("o-transfer-yes").click();
  const problem = offer.locator("[data-field=first_day]");
  await problem.waitFor();
  assert.equal(await problem.innerText(), "the first day 2026-11-19 is before the handover visit on 2026-11-20");
  await pickDate(offer.locator("[data-name=first_day]"), "2026-11-20");
  await page.getByTestId("o-transfer-ask").click();
  await page.getByTestId("o-transfer-yes").click();
  await page.getByTestId("o-transferred").waitFor();
  assert.equal(await page.getByTestId("o-transferred").innerText(), "Transferred: from Fri 20 Nov 2026 to 架空訪問看護ステーション (recorded by 見本 事務)");

  await backAndOpen(page, UNSIGNED);
  assert.match(await page.getByTestId("o-transfer-why").innerText(), /A transfer is possible once both stations have signed \(not signed yet: 架空訪問看護ステーション\)/);
  assert.deepEqual(page.pageErrors, []);
});

test("transfer: a municipality sees no offer and no transfer line — the way back is the only control", async () => {
  const page = await openApp({ ...SCENARIO, user: MUNI });
  for (const id of [SIGNED, KEPT_NURSING]) {
    await openDetail(page, id);
    assert.deepEqual(await page.getByTestId("o-detail").locator("button, input, select, textarea").evaluateAll((els) => els.map((e) => e.dataset.testid)), ["o-back"]);
    assert.equal(await page.getByTestId("o-transfer").count(), 0);
    assert.equal(await page.getByTestId("o-transferred").count(), 0);
    await page.getByTestId("o-back").click();
  }
  assert.equal((await calls(page, "transfer_child")).length, 0);
  assert.deepEqual(page.pageErrors, []);
});
