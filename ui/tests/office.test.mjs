// Office screens: review with filters and flags, approving (with a per-record failure), a
// record's detail and history, the month's respite summary; English and portrait.
// Expected values are worked out by hand from tests/fake/{shared,office}.ts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT, pickDate } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const V = (n) => `a0000000-0000-4000-8000-00000000000${n}`;
const HANA = "11111111-1111-4111-8111-111111111111";
const TARO = "22222222-2222-4222-8222-222222222222";
const rowIds = (page) => page.getByTestId("o-row").evaluateAll((rs) => rs.map((r) => r.dataset.id));
const lastFilter = async (page) => (await calls(page, "visits")).at(-1).args.filter;
const row = (page, n) => page.locator(`[data-testid=o-row][data-id="${V(n)}"]`);

test("office review: the month filter by default, flags as badges, filtering by kind and by a flag", async () => {
  const page = await openApp({ user: OFFICE });
  await page.getByTestId("o-row").first().waitFor();
  assert.deepEqual(await lastFilter(page), { month: "2026-11", child: null, station: null, kind: null, status: null, over_cap: false, rejected: false, unconfirmed: false, expired_instruction: false, respite_length: false, short_day: false, from: null, limit: 201 });
  assert.deepEqual(await rowIds(page), [V(1), V(2), V(3), V(4), V(5)]);
  assert.equal(await page.getByTestId("o-count").innerText(), "5件");
  assert.equal(await page.getByTestId("o-more").count(), 0, "nothing more to show");
  const flags3 = await row(page, 3).locator("[data-flag]").evaluateAll((b) => b.map((x) => x.dataset.flag));
  assert.deepEqual(flags3, ["unconfirmed", "instruction_expired"]);
  assert.match(await row(page, 3).innerText(), /架空 たろう\s+訪問看護\s+見本 看護師\s+1時間\s+提出済み\s+保護者未確認\s*指示書期間外/);
  assert.equal(await row(page, 1).locator("[data-flag]").count(), 0);
  // Names, not account names: the header and the 担当 column.
  assert.equal(await page.getByTestId("who").innerText(), "見本 事務（事務）");
  assert.doesNotMatch(await page.locator("header").innerText(), /mihon-jimu/);
  assert.doesNotMatch(await page.locator(".o-table").innerText(), /mihon-kango/);
  // The station filter is picked by name from the directory.
  assert.deepEqual((await page.locator("select[name=station] option").allInnerTexts()).slice(1), ["架空訪問看護ステーション", "見本訪問看護ステーション"]);
  await page.locator("select[name=station]").selectOption({ label: "架空訪問看護ステーション" });
  await page.getByTestId("o-empty").waitFor();
  assert.equal((await lastFilter(page)).station, "ST-KAKUU");
  await page.locator("select[name=station]").selectOption("");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-row]").length === 5);

  await page.locator("select[name=kind]").selectOption("respite");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-row]").length === 2);
  assert.equal((await lastFilter(page)).kind, "respite");
  assert.deepEqual(await rowIds(page), [V(1), V(5)]);

  await page.locator("select[name=kind]").selectOption("");
  await page.locator("input[name=expired_instruction]").check();
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-row]").length === 1);
  const f = await lastFilter(page);
  assert.equal(f.kind, null);
  assert.equal(f.expired_instruction, true);
  assert.deepEqual(await rowIds(page), [V(3)]);

  await page.locator("input[name=expired_instruction]").uncheck();
  await pickDate(page.locator("[data-name=month]"), "2026-10");
  await page.getByTestId("o-empty").waitFor();
  assert.equal((await lastFilter(page)).month, "2026-10");
  assert.deepEqual(page.pageErrors, []);
});

test("office review: a long month comes 200 rows at a time, and さらに表示 adds the next 200", async () => {
  const page = await openApp({ user: OFFICE });
  await page.getByTestId("o-row").first().waitFor();
  // 445 more respite sessions in November (copies of the first row with their own ids and days):
  // with the fake's two, 447.
  await page.evaluate(() => {
    const s = window.__FAKE__.s.data.shared;
    const base = s.visits[0];
    for (let i = 0; i < 445; i++) {
      const day = `2026-11-${String(1 + (i % 28)).padStart(2, "0")}`;
      const id = `c0000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      s.visits.push({ ...base, summary: { ...base.summary, id, date: day, start: `${day}T08:00` } });
    }
  });
  await page.locator("select[name=kind]").selectOption("respite");
  await page.getByTestId("o-more").waitFor();
  assert.equal(await page.getByTestId("o-row").count(), 200);
  assert.equal(await page.getByTestId("o-count").innerText(), "最初の200件（続きがあります）");
  assert.equal((await lastFilter(page)).limit, 201, "one row more than shown tells whether more follow");
  assert.equal(await page.getByTestId("o-more").innerText(), "さらに表示（次の200件）");
  await page.getByTestId("o-more").click();
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-row]").length === 400);
  assert.equal((await lastFilter(page)).limit, 401);
  await page.getByTestId("o-more").click();
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=o-row]").length === 447);
  assert.equal(await page.getByTestId("o-count").innerText(), "447件");
  assert.equal(await page.getByTestId("o-more").count(), 0);
  // A new filter starts from the first page again.
  await page.locator("select[name=kind]").selectOption("");
  await page.getByTestId("o-more").waitFor();
  assert.equal(await page.getByTestId("o-row").count(), 200);
  assert.deepEqual(page.pageErrors, []);
});

test("office approve: two rows approved together, a refused one shows its reason; select all", async () => {
  const page = await openApp({ user: OFFICE });
  await page.getByTestId("o-row").first().waitFor();
  // Select all takes every row not yet approved: …1, …3, …4, …5 (…2 is approved).
  await page.getByTestId("o-select-all").check();
  assert.equal(await page.getByTestId("o-approve").innerText(), "選択した4件を承認");
  await page.getByTestId("o-select-all").uncheck();
  assert.ok(await page.getByTestId("o-approve").isDisabled());

  await row(page, 1).getByTestId("o-select").check();
  await row(page, 5).getByTestId("o-select").check();
  await page.getByTestId("o-approve").click();
  // …5 is not confirmed by the guardian: approving both asks first (tests/review.test.mjs).
  await page.getByTestId("o-ask-yes").click();
  await page.getByTestId("o-results").waitFor();
  assert.deepEqual((await calls(page, "approve_visits")).at(-1).args, { ids: [V(1), V(5)] });
  assert.equal(await page.getByTestId("o-result").count(), 2);
  assert.match(await page.getByTestId("o-results").innerText(), /見本 はな 2026年11月10日\(火\) 承認しました/);
  await row(page, 5).locator("[data-status=approved]").waitFor();
  assert.equal(await row(page, 1).getByTestId("o-status").innerText(), "承認済み");
  assert.equal(await row(page, 1).getByTestId("o-select").count(), 0, "approved rows cannot be selected again");

  await row(page, 3).getByTestId("o-select").check();
  await page.getByTestId("o-approve").click();
  const failed = page.locator(`[data-testid=o-result][data-id="${V(3)}"]`);
  await failed.waitFor();
  assert.equal(await failed.getAttribute("data-ok"), "false");
  assert.equal(await failed.innerText(), "架空 たろう 2026年11月20日(金) 承認できませんでした: 指示書の有効期間外の訪問は承認できません");
  assert.equal(await row(page, 3).getByTestId("o-status").innerText(), "提出済み");
  await shot(page, "office-review");
  assert.deepEqual(page.pageErrors, []);
});

test("office detail: main fields and history; a history that needs the server says so", async () => {
  const page = await openApp({ user: OFFICE });
  await row(page, 1).getByTestId("o-open").click();
  await page.getByTestId("o-history-entry").first().waitFor();
  assert.deepEqual((await calls(page, "visit_detail")).at(-1).args, { id: V(1) });
  const body = await page.getByTestId("o-detail").innerText();
  assert.match(body, /在宅レスパイト/);
  assert.match(body, /2026年11月10日\(火\) 13:00 – 16:00/); // 13:00 + 180 min
  assert.match(body, /見本 看護師（/);
  assert.match(body, /上限に数える時間\s+3時間/);
  const h = await page.getByTestId("o-history-entry").allInnerTexts();
  assert.equal(h.length, 2);
  assert.match(h[0], /2026年11月10日\(火\) 16:10\s+見本 看護師\s+作成\s+tab-01/);
  assert.match(h[1], /2026年11月10日\(火\) 16:30\s+見本 看護師\s+変更/);
  assert.doesNotMatch(h.join("\n"), /mihon-kango/, "the history shows names, not account names");
  await shot(page, "office-detail");

  await page.getByTestId("o-back").click();
  await row(page, 3).getByTestId("o-open").click();
  await page.getByTestId("o-history-offline").waitFor();
  assert.equal(await page.getByTestId("o-history-offline").innerText(), "履歴を見るにはサーバーへの接続が必要です: サーバーに接続できないため履歴を読めません");
  assert.equal(await page.getByTestId("error").count(), 0, "the detail itself still shows");
  assert.match(await page.getByTestId("o-detail").innerText(), /指示書期間外/);
  assert.deepEqual(page.pageErrors, []);
});

test("office month summary: sessions, uses, hours, year used, remaining (over the cap), cap", async () => {
  const page = await openApp({ user: OFFICE });
  await page.getByTestId("o-tab-month").click();
  await page.getByTestId("o-month-row").first().waitFor();
  assert.deepEqual((await calls(page, "respite_month")).at(-1).args, { month: "2026-11" });
  const cells = (id) => page.locator(`[data-testid=o-month-row][data-child="${id}"] [data-k]`).evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.dataset.k, c.innerText])));
  assert.deepEqual(await cells(HANA), { sessions: "3", uses: "4", month: "15時間", year: "100時間30分", remaining: "43時間30分", cap: "144時間" });
  assert.deepEqual(await cells(TARO), { sessions: "3", uses: "3", month: "9時間30分", year: "289時間30分", remaining: "1時間30分超過", cap: "288時間" });
  assert.match(await page.getByTestId("o-month").innerText(), /2026年11月のレスパイト利用/);
  await shot(page, "office-month");
  await pickDate(page.locator("[data-name=summary-month]"), "2026-10");
  await page.getByText("この月のレスパイト利用はありません").waitFor();
  assert.deepEqual((await calls(page, "respite_month")).at(-1).args, { month: "2026-10" });
  assert.deepEqual(page.pageErrors, []);
});

test("office in English, portrait: labels, a refused approval's reason, history note, month summary", async () => {
  const page = await openApp({ user: OFFICE }, { lang: "en", viewport: PORTRAIT });
  await page.getByTestId("o-row").first().waitFor();
  assert.match(await row(page, 3).innerText(), /Fri 20 Nov 2026 14:00\s+架空 たろう\s+nursing visit\s+見本 看護師\s+1 h\s+submitted\s+Not confirmed by guardian\s*Outside instruction/);
  await row(page, 3).getByTestId("o-select").check();
  assert.equal(await page.getByTestId("o-approve").innerText(), "Approve 1 selected");
  await page.getByTestId("o-approve").click();
  const failed = page.locator(`[data-testid=o-result][data-id="${V(3)}"]`);
  await failed.waitFor();
  assert.match(await failed.innerText(), /Not approved: cannot approve a visit outside the doctor's instruction period$/);
  // The table still fits, the 担当 column too: no sideways scroll of the page in portrait.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));

  await row(page, 3).getByTestId("o-open").click();
  await page.getByTestId("o-history-offline").waitFor();
  assert.equal(await page.getByTestId("o-history-offline").innerText(), "The history needs a connection to the server: cannot reach the server to read the history");

  await page.getByTestId("o-tab-month").click();
  await page.getByTestId("o-month-row").first().waitFor();
  assert.match(await page.getByTestId("o-month").innerText(), /Respite in Nov 2026/);
  assert.equal(await page.locator(`[data-testid=o-month-row][data-child="${TARO}"] [data-k=remaining]`).innerText(), "1 h 30 min over");
  assert.equal(await page.locator(`[data-testid=o-month-row][data-child="${HANA}"] [data-k=month]`).innerText(), "15 h");
  assert.deepEqual(page.pageErrors, []);
});

const person = (page, username) => page.locator(`[data-testid=o-person][data-username="${username}"]`);

async function openPeople(page) {
  await page.getByTestId("o-tab-people").click();
  await page.getByTestId("o-person").first().waitFor();
}

test("people: the list shows names, kana, role, profession, state and devices; one's own account has no actions", async () => {
  const page = await openApp({ user: OFFICE }, { viewport: PORTRAIT });
  await openPeople(page);
  assert.deepEqual(await page.getByTestId("o-person").evaluateAll((ps) => ps.map((p) => [p.dataset.username, p.dataset.state])), [
    ["mihon-kango", "active"],
    ["mihon-natsu", "one_time"],
    ["mihon-hogosha", "active"],
    ["mihon-jimu", "active"],
    ["kakuu-taishoku", "disabled"],
  ]);
  const nurse = await person(page, "mihon-kango").innerText();
  assert.match(nurse, /見本 看護師\s+みほん かんごし\s+看護師\s+職種: 看護師\s+有効/);
  assert.match(nurse, /見本タブレット1 — 最終接続 2026年11月24日\(火\) 9:00/);
  assert.match(await person(page, "mihon-natsu").innerText(), /職種: 准看護師\s+仮パスワード[\s\S]*端末なし/);
  assert.match(await person(page, "kakuu-taishoku").getByTestId("o-person-state").innerText(), /無効/);
  assert.equal(await person(page, "kakuu-taishoku").getByTestId("o-person-enable").count(), 1);
  assert.equal(await person(page, "mihon-jimu").locator("button").count(), 0, "an office does not act on itself");
  // Touch targets at 820 px portrait.
  const small = await page.getByTestId("o-people").locator("button, select, input").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height < 44).length);
  assert.equal(small, 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, "nothing wider than the portrait screen");
  await shot(page, "office-people");
  assert.deepEqual(page.pageErrors, []);
});

test("people: adding a person shows the one-time password once with its expiry; problems sit by their fields; a taken name is refused", async () => {
  const page = await openApp({ user: OFFICE });
  await openPeople(page);
  await page.getByTestId("o-person-add").click();
  const form = page.getByTestId("o-person-form");
  await form.locator("input[name=username]").fill("kakuu-haru");
  await form.locator("input[name=name]").fill("");
  await form.locator("input[name=kana]").fill("kakuu haru");
  await page.getByTestId("o-person-create").click();
  await form.locator("[data-testid=o-field-problem][data-field=name]").waitFor();
  assert.match(await form.locator("[data-field=kana]").innerText(), /ひらがなかカタカナ/);
  assert.equal(await page.getByTestId("o-otp").count(), 0);

  await form.locator("input[name=name]").fill("架空 春子");
  await form.locator("input[name=kana]").fill("かくう はるこ");
  await form.locator("select[name=role]").selectOption("nurse");
  await form.locator("select[name=profession]").selectOption("physiotherapist");
  await form.locator("input[name=username]").fill("mihon-natsu");
  await page.getByTestId("o-person-create").click();
  await page.locator("[data-testid=error][data-code=username_taken]").waitFor();
  assert.match(await page.getByTestId("error").innerText(), /アカウント名 mihon-natsu はすでに使われています/);

  await form.locator("input[name=username]").fill("kakuu-haru");
  await page.getByTestId("o-person-create").click();
  const otp = page.getByTestId("o-otp");
  await otp.waitFor();
  assert.equal(await otp.getByTestId("o-otp-username").innerText(), "kakuu-haru");
  assert.equal(await otp.getByTestId("o-otp-password").innerText(), "KARI-0001-MIHON");
  assert.match(await otp.innerText(), /架空 春子 さんの仮パスワード/);
  assert.match(await otp.getByTestId("o-otp-expires").innerText(), /有効期限 2026年12月1日\(火\) 10:00/);
  assert.match(await otp.innerText(), /本人に直接手渡してください/);
  assert.equal(await page.getByTestId("o-person-form").count(), 0, "the form closes");
  const adds = await calls(page, "add_person");
  assert.equal(adds.length, 3, "the refused tries went to the server too");
  assert.deepEqual(adds.at(-1).args.person, { username: "kakuu-haru", role: "nurse", org_id: null, name: "架空 春子", kana: "かくう はるこ", profession: "physiotherapist" });
  await person(page, "kakuu-haru").waitFor();
  assert.equal(await person(page, "kakuu-haru").getAttribute("data-state"), "one_time");
  await otp.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot(page, "office-people-one-time");
  await page.getByTestId("o-otp-close").click();
  assert.equal(await page.getByTestId("o-otp").count(), 0, "shown once: gone once closed");
  assert.deepEqual(page.pageErrors, []);
});

test("people: disabling asks first (devices stop, unsent records to quarantine), then the state changes; enable, reset, change", async () => {
  const page = await openApp({ user: OFFICE });
  await openPeople(page);
  const nurse = person(page, "mihon-kango");
  await nurse.getByTestId("o-person-disable").click();
  const confirm = nurse.getByTestId("o-disable-confirm");
  const text = await confirm.innerText();
  assert.match(text, /見本 看護師 さんのアカウントを停止しますか/);
  assert.match(text, /端末（2 台）はすべてすぐに使えなくなります/);
  assert.match(text, /隔離/);
  await confirm.getByTestId("o-disable-no").click();
  assert.equal((await calls(page, "disable_person")).length, 0, "cancel sends nothing");
  await nurse.getByTestId("o-person-disable").click();
  await nurse.getByTestId("o-disable-yes").click();
  await page.getByTestId("o-people-notice").waitFor();
  assert.match(await page.getByTestId("o-people-notice").innerText(), /見本 看護師 さんを停止しました（端末 2 台を停止）/);
  await page.locator('[data-testid=o-person][data-username="mihon-kango"][data-state=disabled]').waitFor();
  assert.equal(await nurse.locator("[data-testid=o-device][data-revoked=true]").count(), 2);
  assert.deepEqual((await calls(page, "disable_person")).map((c) => c.args), [{ username: "mihon-kango" }]);

  await nurse.getByTestId("o-person-enable").click();
  await page.locator('[data-testid=o-person][data-username="mihon-kango"][data-state=active]').waitFor();

  await person(page, "mihon-natsu").getByTestId("o-person-reset").click();
  const resetConfirm = person(page, "mihon-natsu").getByTestId("o-reset-confirm");
  assert.match(await resetConfirm.innerText(), /見本 夏子 さんに新しい仮パスワードを発行しますか[\s\S]*端末はすべてもう一度ログインが必要/);
  assert.equal((await calls(page, "reset_person_password")).length, 0, "nothing is sent before the confirmation");
  await resetConfirm.getByTestId("o-reset-yes").click();
  await page.getByTestId("o-otp").waitFor();
  assert.deepEqual((await calls(page, "reset_person_password")).map((c) => c.args), [{ username: "mihon-natsu" }]);
  assert.equal(await person(page, "mihon-natsu").getByTestId("o-reset-confirm").count(), 0, "the confirmation closes");
  assert.match(await page.getByTestId("o-otp").innerText(), /見本 夏子 さんの仮パスワード[\s\S]*KARI-0001-MIHON/);

  const natsu = person(page, "mihon-natsu");
  await natsu.getByTestId("o-person-edit").click();
  const edit = natsu.getByTestId("o-person-edit-form");
  await edit.locator("input[name=kana]").fill("");
  await edit.getByTestId("o-person-save").click();
  await edit.locator("[data-testid=o-field-problem][data-field=kana]").waitFor();
  await edit.locator("input[name=kana]").fill("みほん なつこ");
  await edit.locator("input[name=name]").fill("見本 夏美");
  await edit.locator("select[name=profession]").selectOption("nurse");
  await edit.getByTestId("o-person-save").click();
  await page.getByText("見本 夏美 さんを変更しました").waitFor();
  // The list reloads from the server with the new name.
  await natsu.locator("[data-testid=o-person-name]", { hasText: "見本 夏美" }).waitFor();
  assert.equal(await natsu.getByTestId("o-person-kana").innerText(), "みほん なつこ");
  assert.deepEqual((await calls(page, "change_person")).at(-1).args, { username: "mihon-natsu", change: { name: "見本 夏美", kana: null, role: null, profession: "nurse", org_id: null } });
  assert.deepEqual(page.pageErrors, []);
});

test("people in English: a refusal is shown in English, and offline the list says it needs the server", async () => {
  const page = await openApp({ user: OFFICE }, { lang: "en", viewport: PORTRAIT });
  await openPeople(page);
  assert.equal(await page.getByTestId("o-tab-people").innerText(), "People");
  assert.match(await person(page, "mihon-natsu").innerText(), /nurse\s+Profession: associate nurse\s+One-time password/);
  assert.match(await person(page, "mihon-kango").innerText(), /見本タブレット1 — last seen Tue 24 Nov 2026 9:00/);
  await shot(page, "office-people-en");
  // A refusal from the server (the fake refuses acting on a missing account as not_found).
  await page.evaluate(() => window.__FAKE__.s.data.people.people.splice(1, 1));
  await person(page, "mihon-natsu").getByTestId("o-person-disable").click();
  await person(page, "mihon-natsu").getByTestId("o-disable-yes").click();
  await page.locator("[data-testid=error][data-code=not_found]").waitFor();
  assert.match(await page.getByTestId("error").innerText(), /no account mihon-natsu/);
  assert.equal(await person(page, "mihon-natsu").getByTestId("o-disable-confirm").count(), 1, "the confirmation stays after a failure");

  const off = await openApp({ user: OFFICE, sync: { online: false, pending: 0, rejected: [], removed: [], lastSyncAt: null, progress: null } }, { lang: "en" });
  await off.getByTestId("o-tab-people").click();
  await off.locator("[data-testid=error][data-code=offline]").waitFor();
  assert.match(await off.getByTestId("error").innerText(), /managing people needs a connection/);
});
