// The nurse screens against the fake backend: home, face sheet, recording visits (respite with
// the hours left, the cap warning, a rule problem), checklist, handover sign-offs, signature.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const CHILD_A = "11111111-1111-4111-8111-111111111111";
const card = (page, id) => page.locator(`[data-testid=n-child-card][data-id="${id}"]`);

/** From home, opens a new visit of `kind` for child A (through its face sheet). */
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

async function lastSave(page) {
  const saves = await calls(page, "save_visit");
  assert.ok(saves.length > 0, "save_visit was called");
  return saves.at(-1).args.visit;
}

test("home lists today's and upcoming visits and the children; the face sheet shows the child", async () => {
  const page = await openApp();
  await page.getByTestId("n-home-screen").waitFor();
  // Rows dated 2026-11-24 (today) → a…04 only; after today → a…05 (2026-11-26).
  await page.getByTestId("n-today").getByTestId("n-visit-row").first().waitFor();
  assert.deepEqual(await page.getByTestId("n-today").getByTestId("n-visit-row").evaluateAll((els) => els.map((e) => e.dataset.id)), ["a0000000-0000-4000-8000-000000000004"]);
  assert.deepEqual(await page.getByTestId("n-upcoming").getByTestId("n-visit-row").evaluateAll((els) => els.map((e) => e.dataset.id)), ["a0000000-0000-4000-8000-000000000005"]);
  // 2610 min = 43 h 30 min left for はな; たろう's instruction is expired.
  assert.match(await card(page, CHILD_A).getByTestId("n-remaining").innerText(), /43時間30分/);
  assert.equal(await card(page, CHILD_A).getByTestId("n-instruction-warning").count(), 0);
  const taro = page.locator("[data-testid=n-child-card]").filter({ hasText: "架空 たろう" });
  assert.match(await taro.getByTestId("n-instruction-warning").innerText(), /期限切れ/);
  // The home asks the index for today onwards only.
  assert.equal((await calls(page, "visits"))[0].args.filter.from, "2026-11-24");
  await shot(page, "nurse-home");

  await taro.getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
  assert.match(await page.getByTestId("n-sheet-instruction").innerText(), /期限切れ/);
  await page.getByTestId("n-home").click();
  await card(page, CHILD_A).getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
  const sheet = await page.getByTestId("n-sheet").innerText();
  assert.match(sheet, /見本 はな/);
  assert.match(sheet, /5歳/);
  assert.match(sheet, /人工呼吸器管理/, "care items use the labels from Rust");
  assert.match(sheet, /見守り高/);
  // Score 22 + 10 = 32.
  assert.match(await page.getByTestId("n-sheet-score").innerText(), /32/);
  assert.equal(await page.getByTestId("n-tel").first().getAttribute("href"), "tel:09000000001");
  assert.match(await page.getByTestId("n-sheet-remaining").innerText(), /43時間30分/);
  await shot(page, "face-sheet");
  assert.deepEqual(page.pageErrors, []);
});

test("a respite session 13:00–16:00 shows 43 h 30 min before and 40 h 30 min after, saves, and the home card falls", async () => {
  const page = await openApp();
  await newVisit(page, "respite");
  assert.equal(await page.getByTestId("n-kind").inputValue(), "respite");
  await times(page, "13:00", "16:00");
  // 180 min × 1 lead nurse = 180 billable; 2610 − 180 = 2430 = 40 h 30 min.
  await page.getByTestId("n-after").filter({ hasText: "40時間30分" }).waitFor();
  assert.equal(await page.getByTestId("n-before").innerText(), "43時間30分");
  assert.equal(await page.getByTestId("n-billable").innerText(), "3時間");
  assert.equal(await page.getByTestId("n-cap-warning").count(), 0);
  const preview = (await calls(page, "respite_preview")).at(-1).args;
  assert.equal(preview.start, "2026-11-24T13:00");
  assert.equal(preview.end, "2026-11-24T16:00");
  assert.equal(preview.leadNurses, 1);
  await page.getByTestId("n-vital-add").click();
  await page.getByTestId("n-vital-spo2").fill("97");
  await page.getByTestId("n-vital-temperature_c").fill("36.8");
  await page.getByTestId("n-care-add-suction").click();
  await page.getByTestId("n-care-count").fill("3");
  await page.getByTestId("n-soap-subjective").fill("母より：夜間よく眠れた");
  await shot(page, "visit-form");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();

  const v = await lastSave(page);
  assert.equal(v.kind, "respite");
  assert.equal(v.actual_start, "2026-11-24T13:00");
  assert.equal(v.actual_end, "2026-11-24T16:00");
  assert.deepEqual(v.staff.map((s) => [s.name, s.role]), [["見本 看護師", "lead"]]);
  assert.equal(v.vitals[0].spo2, 97);
  assert.equal(v.vitals[0].temperature_c, 36.8);
  assert.equal(v.care[0].item, "suction");
  assert.equal(v.care[0].count, 3);
  assert.equal(v.note.subjective, "母より：夜間よく眠れた");

  // A submitted visit needs the guardian's confirmation (or the reason there is none).
  await page.getByTestId("n-guardian-not").click();
  await page.getByTestId("n-guardian-reason").fill("保護者が外出中");
  await page.getByTestId("n-submit").click();
  await page.getByTestId("n-visit-status").filter({ hasText: "提出済み" }).waitFor();
  assert.deepEqual((await calls(page, "submit_visit")).at(-1).args, { id: v.id });

  await page.getByTestId("n-home").click();
  await card(page, CHILD_A).getByTestId("n-remaining").filter({ hasText: "40時間30分" }).waitFor();
  assert.deepEqual(page.pageErrors, []);
});

test("past the cap: 60 min left and 3 h recorded shows a warning, and saving still works", async () => {
  const page = await openApp();
  await card(page, CHILD_A).waitFor();
  await page.evaluate(() => (window.__FAKE__.s.data.shared.children[0].remaining_minutes = 60));
  await newVisit(page, "respite");
  await times(page, "10:00", "13:00");
  // 60 − 180 = −120 → "−2時間".
  await page.getByTestId("n-cap-warning").waitFor();
  assert.equal(await page.getByTestId("n-before").innerText(), "1時間");
  assert.equal(await page.getByTestId("n-after").innerText(), "−2時間");
  assert.match(await page.getByTestId("n-cap-warning").innerText(), /上限を 2時間 超えます/);
  await page.getByTestId("n-cap-warning").evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot(page, "respite-warning");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  assert.equal((await lastSave(page)).actual_end, "2026-11-24T13:00");
  assert.deepEqual(page.pageErrors, []);
});

test("a 1.5 h respite session shows the backend's warning and counts nothing, and saves with its real times", async () => {
  const page = await openApp();
  await newVisit(page, "respite");
  await times(page, "13:00", "14:30");
  await page.getByTestId("n-respite-problems").waitFor();
  assert.match(await page.getByTestId("n-respite-problems").innerText(), /1回の利用は2時間以上です（90分）/);
  assert.equal(await page.getByTestId("n-billable").innerText(), "0分");
  // 2 h 10 min: counted in whole 30-minute units.
  await page.getByTestId("n-end-time").fill("15:10");
  await page.locator("[data-testid=n-respite-problems] li[data-code=respite_unit]").waitFor();
  await page.getByTestId("n-end-time").fill("15:00");
  await page.getByTestId("n-respite-problems").waitFor({ state: "detached" });
  // Back to 1.5 h: the real times are saved.
  await page.getByTestId("n-end-time").fill("14:30");
  await page.locator("[data-testid=n-respite-problems] li[data-code=respite_short]").waitFor();
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  assert.equal((await lastSave(page)).actual_end, "2026-11-24T14:30");
  assert.deepEqual(page.pageErrors, []);
});

test("the equipment checklist: taps cycle ok → problem → absent and are saved with notes", async () => {
  const page = await openApp();
  await newVisit(page, "nursing");
  await times(page, "09:00", "10:00");
  await page.getByTestId("n-template").selectOption("first_visit_equipment");
  await page.getByTestId("n-check-autoclave").click(); // ok
  await page.getByTestId("n-check-washing_machine").click(); // ok
  await page.getByTestId("n-check-washing_machine").click(); // problem
  await page.getByTestId("n-check-note-washing_machine").fill("排水が遅い");
  for (let i = 0; i < 3; i++) await page.getByTestId("n-check-dryer").click(); // ok → problem → absent
  for (let i = 0; i < 4; i++) await page.getByTestId("n-check-phone").click(); // … absent → ok again
  assert.equal(await page.locator("[data-testid=n-check-item][data-id=washing_machine]").getAttribute("data-status"), "problem");
  assert.match(await page.locator("[data-testid=n-check-item][data-id=dryer]").innerText(), /該当なし/);
  await page.getByTestId("n-checklist").evaluate((el) => el.scrollIntoView({ block: "start" }));
  await shot(page, "checklist");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  const v = await lastSave(page);
  assert.deepEqual(v.checklist, {
    template_id: "first_visit_equipment",
    items: {
      autoclave: { status: "ok", note: "" },
      washing_machine: { status: "problem", note: "排水が遅い" },
      dryer: { status: "absent", note: "" },
      phone: { status: "ok", note: "" },
    },
  });
  assert.deepEqual(page.pageErrors, []);
});

test("the staff picker adds a person of the own station by name; names, never account names or codes", async () => {
  const page = await openApp();
  await newVisit(page, "nursing");
  await times(page, "10:00", "11:00");
  const staff = page.getByTestId("n-staff");
  const pick = staff.getByTestId("n-staff-pick");
  // A nursing visit offers only the own station's people with a profession (no office staff).
  const offered = await pick.locator("option").allInnerTexts();
  assert.deepEqual(offered.slice(1), ["見本 看護師（みほん かんごし） 看護師", "見本 夏子（みほん なつこ） 准看護師"]);
  assert.equal(await pick.locator("optgroup").getAttribute("label"), "見本訪問看護ステーション（自事業所）");
  assert.equal(await pick.locator('option[value="u-nurse"]').isDisabled(), true, "someone already on the visit cannot be added twice");
  await pick.selectOption({ label: "見本 夏子（みほん なつこ） 准看護師" });
  const row = page.getByTestId("n-staff-row").nth(1);
  assert.equal(await row.getByTestId("n-staff-name").innerText(), "見本 夏子");
  assert.equal(await row.getByTestId("n-staff-kana").innerText(), "みほん なつこ");
  assert.equal(await row.getByTestId("n-staff-profession").innerText(), "准看護師");
  assert.match(await row.getByTestId("n-staff-station").innerText(), /見本訪問看護ステーション/);
  await row.getByTestId("n-staff-role").selectOption("lead");
  const text = await staff.innerText();
  assert.doesNotMatch(text, /u-mihon-natsu|u-nurse|ST-MIHON|mihon-kango/, "no ids, codes or account names on screen");
  assert.equal(await staff.locator("input").count(), 0, "nobody types a name or a code");
  await staff.evaluate((el) => el.scrollIntoView({ block: "start" }));
  await shot(page, "staff-picker");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  const v = await lastSave(page);
  assert.deepEqual(v.staff, [
    { id: "u-nurse", name: "見本 看護師", profession: "nurse", role: "lead", station_id: "ST-MIHON" },
    { id: "u-mihon-natsu", name: "見本 夏子", profession: "associate_nurse", role: "lead", station_id: "ST-MIHON" },
  ]);
  assert.deepEqual(page.pageErrors, []);
});

test("before the first sync the directory is empty: a note, and someone is added by a typed name", async () => {
  const page = await openApp({ directory: { orgs: [], people: [] } });
  await newVisit(page, "nursing");
  await times(page, "10:00", "11:00");
  await page.getByTestId("n-staff-no-directory").waitFor();
  assert.match(await page.getByTestId("n-staff-no-directory").innerText(), /最初の同期のあとで名前から選べる/);
  assert.equal(await page.getByTestId("n-staff-pick").count(), 0);
  assert.equal(await page.getByTestId("n-staff-other-add").isDisabled(), true, "an empty name cannot be added");
  await page.getByTestId("n-staff-other-name").fill("架空 応援");
  await page.getByTestId("n-staff-other-add").click();
  const row = page.getByTestId("n-staff-row").nth(1);
  assert.equal(await row.getByTestId("n-staff-name").innerText(), "架空 応援");
  await row.getByTestId("n-staff-profession").selectOption("physiotherapist");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  const [, other] = (await lastSave(page)).staff;
  assert.equal(other.name, "架空 応援");
  assert.equal(other.profession, "physiotherapist");
  assert.equal(other.station_id, "ST-MIHON");
  assert.ok(other.id.length > 10, "an id of its own");
});

test("an accompanied handover: the other station picked by name, its nurse from the picker, a topic, both sign-offs", async () => {
  const page = await openApp();
  await newVisit(page, "handover");
  await times(page, "14:00", "15:30");
  assert.equal(await page.getByTestId("n-from_station-name").innerText(), "見本訪問看護ステーション");
  const stations = await page.getByTestId("n-to_station-pick").locator("option").allInnerTexts();
  assert.deepEqual(stations.slice(1), ["架空訪問看護ステーション"], "stations only, by name, not the own one nor the ward office");
  // Before a station is chosen the picker already offers the other stations' people.
  const pick = page.getByTestId("n-staff-pick");
  assert.deepEqual(await pick.locator("optgroup").evaluateAll((gs) => gs.map((g) => g.getAttribute("label"))), ["見本訪問看護ステーション（自事業所）", "架空訪問看護ステーション"]);
  await page.getByTestId("n-to_station-pick").selectOption({ label: "架空訪問看護ステーション" });
  const other = pick.locator('optgroup[data-station="ST-KAKUU"] option');
  assert.deepEqual(await other.allInnerTexts(), ["架空 次郎（かくう じろう） 看護師", "架空 理子（かくう りこ） 理学療法士"]);
  await pick.selectOption({ label: "架空 次郎（かくう じろう） 看護師" });
  assert.match(await page.getByTestId("n-staff-row").nth(1).getByTestId("n-staff-station").innerText(), /架空訪問看護ステーション/);
  await page.getByTestId("n-topic-add").click();
  await page.getByTestId("n-topic").fill("吸引の手順");
  await page.getByTestId("n-topic-detail").fill("10Fr、15秒以内");
  assert.deepEqual(await page.getByTestId("n-to_sign_off-who").locator("option").allInnerTexts(), ["架空 次郎（架空訪問看護ステーション）"]);
  // Each signer confirms by typing their own name (spaces, full-width too, do not matter).
  await page.getByTestId("n-from_sign_off-name").fill("見本 看護師");
  await page.getByTestId("n-from_sign_off-sign").click();
  await page.getByTestId("n-to_sign_off-name").fill("架空　次郎");
  await page.getByTestId("n-to_sign_off-sign").click();
  await page.getByTestId("n-to_sign_off-done").waitFor();
  await page.getByTestId("n-handover").evaluate((el) => el.scrollIntoView({ block: "start" }));
  await shot(page, "handover");
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  const v = await lastSave(page);
  assert.equal(v.kind, "handover");
  assert.deepEqual(v.handover.from_station, { id: "ST-MIHON", name: "見本訪問看護ステーション" });
  assert.deepEqual(v.handover.to_station, { id: "ST-KAKUU", name: "架空訪問看護ステーション" });
  assert.deepEqual(v.handover.topics.map((x) => [x.topic, x.detail]), [["吸引の手順", "10Fr、15秒以内"]]);
  assert.ok(v.handover.topics[0].id.length > 10, "topics carry an id");
  // From: the nurse of ST-MIHON (u-nurse); to: the nurse of ST-KAKUU picked from the directory.
  assert.equal(v.handover.from_sign_off.staff_id, "u-nurse");
  assert.equal(v.handover.from_sign_off.name, "見本 看護師");
  assert.equal(v.handover.to_sign_off.staff_id, "u-kakuu-jiro");
  assert.equal(v.handover.to_sign_off.name, "架空 次郎");
  assert.match(v.handover.to_sign_off.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  assert.deepEqual(v.staff.map((s) => [s.id, s.name, s.profession, s.role, s.station_id]), [["u-nurse", "見本 看護師", "nurse", "lead", "ST-MIHON"], ["u-kakuu-jiro", "架空 次郎", "nurse", "accompanying", "ST-KAKUU"]]);
  assert.deepEqual(page.pageErrors, []);
});

test("guardian confirmation with a drawn signature; the running timer sets the times", async () => {
  const page = await openApp();
  await newVisit(page, "nursing");
  await page.getByTestId("n-start").click();
  assert.match(await page.getByTestId("n-start-time").inputValue(), /^\d{2}:\d{2}$/);
  await page.getByTestId("n-stop").click();
  assert.match(await page.getByTestId("n-end-time").inputValue(), /^\d{2}:\d{2}$/);
  await page.getByTestId("n-guardian-confirmed").click();
  await page.getByTestId("n-guardian-name").fill("見本 花子");
  // Centre the pad so the sticky save bar does not cover it.
  await page.getByTestId("n-signature").evaluate((el) => el.scrollIntoView({ block: "center" }));
  const box = await page.getByTestId("n-signature").boundingBox();
  await page.mouse.move(box.x + 20, box.y + 30);
  await page.mouse.down();
  await page.mouse.move(box.x + 80, box.y + 60, { steps: 5 });
  await page.mouse.move(box.x + 160, box.y + 40, { steps: 5 });
  await page.mouse.up();
  await page.getByTestId("n-save").click();
  await page.getByTestId("n-saved").waitFor();
  const v = await lastSave(page);
  assert.ok(v.actual_start && v.actual_end);
  assert.equal(v.guardian.kind, "confirmed");
  assert.equal(v.guardian.name, "見本 花子");
  assert.match(v.guardian.signature, /^M \d+ \d+( L \d+ \d+){5,}$/);
  assert.deepEqual(page.pageErrors, []);
});

test("in English, in portrait: home, face sheet and a respite session", async () => {
  const page = await openApp({}, { lang: "en", viewport: PORTRAIT });
  await page.getByTestId("n-home-screen").waitFor();
  assert.match(await page.getByTestId("n-home-screen").innerText(), /Today's visits\s+Tue 24 Nov 2026/);
  assert.match(await card(page, CHILD_A).getByTestId("n-remaining").innerText(), /43 h 30 min/);
  const taro = page.locator("[data-testid=n-child-card]").filter({ hasText: "架空 たろう" });
  assert.match(await taro.getByTestId("n-instruction-warning").innerText(), /Doctor's instruction: expired/);
  await card(page, CHILD_A).getByTestId("n-child-open").click();
  // The fiscal year in English words, not 令和8年度 (issue 14 item 8).
  assert.equal(await page.getByTestId("n-sheet-fy").innerText(), "FY2026");
  await page.getByTestId("n-home").click();
  await newVisit(page, "respite");
  assert.match(await page.getByTestId("n-kind").locator("option:checked").innerText(), /^respite$/);
  await times(page, "13:00", "15:30");
  // 150 min: 2610 − 150 = 2460 = 41 h.
  await page.getByTestId("n-after").filter({ hasText: "41 h" }).waitFor();
  assert.equal(await page.getByTestId("n-before").innerText(), "43 h 30 min");
  assert.equal((await page.getByTestId("n-lead-nurses").innerText()).trim(), "(1 lead nurse)", "singular, not nurse(s)");
  await page.getByTestId("n-end-time").fill("14:30");
  await page.locator("[data-testid=n-respite-problems] li[data-code=respite_short]").filter({ hasText: "a respite use lasts at least 2 h (90 min)" }).waitFor();
  // The portrait layout does not scroll sideways.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  assert.deepEqual(page.pageErrors, []);
});

test("the staff picker in English, in portrait: names with kana, the own station marked; the empty directory's note", async () => {
  const page = await openApp({}, { lang: "en", viewport: PORTRAIT });
  await newVisit(page, "nursing");
  const staff = page.getByTestId("n-staff");
  assert.match(await staff.innerText(), /Pick who was there/);
  const pick = staff.getByTestId("n-staff-pick");
  assert.equal(await pick.locator("optgroup").getAttribute("label"), "見本訪問看護ステーション (own station)");
  await pick.selectOption({ label: "見本 夏子 (みほん なつこ) associate nurse" });
  const row = page.getByTestId("n-staff-row").nth(1);
  assert.equal(await row.getByTestId("n-staff-profession").innerText(), "associate nurse");
  assert.match(await row.getByTestId("n-staff-station").innerText(), /^Station: 見本訪問看護ステーション$/);
  // Touch targets in the staff section at 820 px.
  const small = await staff.locator("button, select").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height < 44).length);
  assert.equal(small, 0);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));

  const empty = await openApp({ directory: { orgs: [], people: [] } }, { lang: "en", viewport: PORTRAIT });
  await newVisit(empty, "handover");
  assert.match(await empty.getByTestId("n-staff-no-directory").innerText(), /names can be picked after the first sync/);
  // Without the directory the receiving station is typed (its name and code).
  await empty.getByTestId("n-to_station-name").fill("架空訪問看護ステーション");
  assert.equal(await empty.getByTestId("n-to_station-pick").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});
