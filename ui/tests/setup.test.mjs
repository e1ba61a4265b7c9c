// First run, lock and the sync line, in Japanese and English.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

test("first run: login with the server address, then a PIN; a wrong password is named and nothing moves on", async () => {
  const page = await openApp({ user: null, serverUrl: null, pin: null });
  await page.getByTestId("login-form").waitFor();
  await shot(page, "login");
  await page.locator("input[name=username]").fill("見本 看護師");
  await page.locator("input[name=password]").fill("wrong");
  await page.getByTestId("login-submit").click();
  await page.getByText("ユーザー名またはパスワードが違います").waitFor();
  assert.equal(await page.getByTestId("login-form").count(), 1);

  await page.locator("input[name=password]").fill("mihon-nurse");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("pin-form").waitFor();
  const [login] = (await calls(page, "login")).slice(-1);
  assert.deepEqual(login.args, { serverUrl: "http://127.0.0.1:8080", username: "見本 看護師", password: "mihon-nurse" });

  await page.locator("input[name=pin]").fill("12");
  await page.locator("input[name=pin-again]").fill("12");
  await page.getByTestId("pin-submit").click();
  await page.locator("li[data-code=pin_length]").waitFor();

  await page.locator("input[name=pin]").fill("2468");
  await page.locator("input[name=pin-again]").fill("2469");
  await page.getByTestId("pin-submit").click();
  await page.getByTestId("pin-mismatch").waitFor();
  assert.equal((await calls(page, "set_pin")).length, 1, "a mismatch is caught before calling the backend");

  await page.locator("input[name=pin-again]").fill("2468");
  await page.getByTestId("pin-submit").click();
  await page.getByTestId("who").waitFor();
  assert.match(await page.getByTestId("who").innerText(), /見本 看護師（看護師）/);
  assert.deepEqual(page.pageErrors, []);
});

test("the lock asks for the PIN; a wrong PIN is refused", async () => {
  const page = await openApp({ unlocked: false });
  await page.getByTestId("unlock-form").waitFor();
  await page.locator("input[name=pin]").fill("0000");
  await page.getByTestId("unlock-submit").click();
  await page.locator("li[data-code=wrong_pin]").waitFor();
  await page.locator("input[name=pin]").fill("1234");
  await page.getByTestId("unlock-submit").click();
  await page.getByTestId("lock").click();
  await page.getByTestId("unlock-form").waitFor();
});

test("sync line: offline, waiting records, refused records with the reason, progress; in English too", async () => {
  const scenario = {
    sync: {
      online: false,
      pending: 3,
      rejected: [{ id: "0b7e2c1a-5d34-4f0e-9a51-2f3d8c6b7e10", kind: "visit", code: "locked", reason: "承認済みの記録は変更できません / the visit is approved and locked" }],
      lastSyncAt: "2026-11-24T08:30",
      progress: null,
    },
  };
  const page = await openApp(scenario);
  await page.getByTestId("sync-bar").waitFor();
  assert.equal(await page.getByTestId("sync-online").innerText(), "オフライン");
  assert.equal(await page.getByTestId("sync-pending").innerText(), "送信待ち 3 件");
  assert.match(await page.getByTestId("sync-last").innerText(), /2026年11月24日\(火\) 8:30/);
  await page.getByTestId("sync-rejected").click();
  assert.match(await page.getByTestId("rejected-list").innerText(), /承認済みの記録は変更できません/);

  const en = await openApp({ ...scenario, sync: { ...scenario.sync, online: true, progress: { phase: "pull", done: 120, total: 500 } } }, { lang: "en", viewport: PORTRAIT });
  await en.getByTestId("sync-progress").waitFor();
  assert.match(await en.getByTestId("sync-progress").innerText(), /Syncing 120\/500 receiving/);
  assert.equal(await en.getByTestId("sync-pending").innerText(), "3 waiting to sync");
  assert.equal(await en.getByTestId("fy-label").innerText(), "FY2026");
  await en.getByTestId("sync-rejected").click();
  assert.match(await en.getByTestId("rejected-list").innerText(), /the visit is approved and locked/);
});

const baseSync = { online: true, pending: 0, rejected: [], removed: [], lastSyncAt: "2026-11-24T09:55", progress: null };

test("sync line: the records removed because the account may no longer read a child, with the reason from the core", async () => {
  const removal = {
    child_id: "c0000000-0000-4000-8000-00000000000f",
    child_name: "見本 そら",
    records: 12,
    quarantined: 1,
    at: "2026-11-24T09:55",
    reason: "このアカウントではこの子どもの記録を読めなくなったため、端末から削除しました / removed from this device: this account may no longer read the child's records",
  };
  const page = await openApp({ sync: { ...baseSync, removed: [removal] } });
  assert.equal(await page.getByTestId("sync-removed").innerText(), "担当外になった子ども 1 人の記録を削除");
  await page.getByTestId("sync-removed").click();
  const list = await page.getByTestId("removed-list").innerText();
  assert.match(list, /見本 そら — 12 件/);
  assert.match(list, /端末から削除しました/);
  assert.doesNotMatch(list, /removed from this device/, "only the Japanese half in Japanese");

  const en = await openApp({ sync: { ...baseSync, removed: [removal] } }, { lang: "en" });
  await en.getByTestId("sync-removed").click();
  assert.match(await en.getByTestId("removed-list").innerText(), /見本 そら — 12 records\s+removed from this device: this account may no longer read/);

  const none = await openApp({ sync: baseSync });
  await none.getByTestId("sync-bar").waitFor();
  assert.equal(await none.getByTestId("sync-removed").count(), 0, "no notice without removals");
});
