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
  await page.locator("input[name=username]").fill("mihon-kango");
  await page.locator("input[name=password]").fill("wrong");
  await page.getByTestId("login-submit").click();
  await page.getByText("ユーザー名またはパスワードが違います").waitFor();
  assert.equal(await page.getByTestId("login-form").count(), 1);

  await page.locator("input[name=password]").fill("mihon-nurse");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("pin-form").waitFor();
  const [login] = (await calls(page, "login")).slice(-1);
  assert.deepEqual(login.args, { serverUrl: "http://127.0.0.1:8080", username: "mihon-kango", password: "mihon-nurse", newPassword: null, otp: null });

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
  assert.equal(await page.getByTestId("who").innerText(), "見本 看護師（看護師）", "the display name, not the account name mihon-kango");
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

test("after a restart the PIN comes before anything, the sign-in too (the store opens only with it)", async () => {
  // As the shell after a restart: locked, and who is signed in is not known yet.
  const page = await openApp({ unlocked: false, user: null, serverUrl: null });
  await page.getByTestId("unlock-form").waitFor();
  assert.equal(await page.getByTestId("login-form").count(), 0);
  await page.locator("input[name=pin]").fill("1234");
  await page.getByTestId("unlock-submit").click();
  await page.getByTestId("login-form").waitFor();
});

for (const lang of ["ja", "en"]) {
  test(`wrong PINs warn with the tries left and the unsent records, then the device is wiped and asks for a sign-in (${lang})`, async () => {
    const page = await openApp({ unlocked: false, wipeAfter: 3, sync: { online: false, pending: 2, rejected: [], lastSyncAt: null, progress: null } }, { lang });
    await page.getByTestId("unlock-form").waitFor();
    for (const left of [2, 1]) {
      await page.locator("input[name=pin]").fill("0000");
      await page.getByTestId("unlock-submit").click();
      const warning = page.locator("li[data-code=wrong_pin]");
      await warning.waitFor();
      const text = await warning.innerText();
      if (lang === "ja") assert.match(text, new RegExp(`あと ${left} 回間違えると.*未送信の記録 2 件`));
      else assert.match(text, new RegExp(`${left} more wrong tries erase this device's records \\(2 records not yet sent`));
    }
    await page.locator("input[name=pin]").fill("0000");
    await page.getByTestId("unlock-submit").click();
    await page.getByTestId("wiped").waitFor();
    assert.match(await page.getByTestId("wiped").innerText(), lang === "ja" ? /記録を消去しました[\s\S]*2 件/ : /records were erased[\s\S]*2 not yet sent/);
    await page.getByTestId("wiped-continue").click();
    await page.getByTestId("login-form").waitFor();
    assert.deepEqual(page.pageErrors, []);
  });
}

test("the app locks itself after the idle time, and a touch before it keeps it open", async () => {
  const page = await openApp({ idleLockSecs: 2 });
  await page.getByTestId("who").waitFor();
  // Touches every half second for three seconds: past the idle time, but never idle that long.
  for (let i = 0; i < 6; i++) {
    await page.waitForTimeout(500);
    await page.mouse.click(5, 300);
  }
  assert.equal(await page.getByTestId("unlock-form").count(), 0, "still open while in use");
  await page.getByTestId("unlock-form").waitFor({ timeout: 5000 });
  assert.equal((await calls(page, "lock")).length, 1);
});

for (const lang of ["ja", "en"]) {
  test(`changing the PIN asks for the current one; a wrong one is counted, then the new PIN locks the app (${lang})`, async () => {
    const page = await openApp({}, { lang, viewport: lang === "en" ? PORTRAIT : undefined });
    await page.getByTestId("change-pin").click();
    await page.getByTestId("pin-form").waitFor();
    await page.locator("input[name=pin-current]").fill("0000");
    await page.locator("input[name=pin]").fill("97531");
    await page.locator("input[name=pin-again]").fill("97531");
    await page.getByTestId("pin-submit").click();
    const warning = page.locator("li[data-code=wrong_pin]");
    await warning.waitFor();
    assert.match(await warning.innerText(), lang === "ja" ? /あと 9 回/ : /9 more wrong tries/);
    await page.locator("input[name=pin-current]").fill("1234");
    await page.getByTestId("pin-submit").click();
    await page.getByTestId("who").waitFor();
    assert.deepEqual((await calls(page, "change_pin")).at(-1).args, { current: "1234", pin: "97531" });
    await page.getByTestId("lock").click();
    await page.locator("input[name=pin]").fill("1234");
    await page.getByTestId("unlock-submit").click();
    await page.locator("li[data-code=wrong_pin]").waitFor();
    await page.locator("input[name=pin]").fill("97531");
    await page.getByTestId("unlock-submit").click();
    await page.getByTestId("who").waitFor();
    assert.deepEqual(page.pageErrors, []);
  });
}

for (const lang of ["ja", "en"]) {
  test(`a token the server no longer takes asks for a sign-in again, with the server and the account filled in and the records kept (${lang})`, async () => {
    const page = await openApp({ sync: { online: true, pending: 2, rejected: [], removed: [], lastSyncAt: "2026-11-10T09:00", progress: null, expired: true } }, { lang });
    const expired = page.getByTestId("sync-expired");
    await expired.waitFor();
    assert.match(await expired.innerText(), lang === "ja" ? /ログインの有効期限が切れました/ : /the token has expired/);
    await page.getByTestId("sync-signin").click();
    await page.getByTestId("login-form").waitFor();
    assert.equal(await page.locator("input[name=username]").inputValue(), "mihon-kango");
    await page.locator("input[name=password]").fill("mihon-nurse");
    await page.getByTestId("login-submit").click();
    await page.getByTestId("who").waitFor();
    const [login] = (await calls(page, "login")).slice(-1);
    assert.equal(login.args.username, "mihon-kango");
    await page.getByTestId("sync-pending").waitFor();
    // The sync line hears the new token at its next look (every 3 s).
    await page.getByTestId("sync-expired").waitFor({ state: "detached", timeout: 8000 });
    assert.deepEqual(page.pageErrors, []);
  });
}

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

const NEWCOMER = { id: "u-newcomer", username: "kakuu-shinjin", role: "nurse", org_id: "ST-MIHON", name: "架空 新人", profession: "nurse" };

async function login(page, username, password) {
  await page.locator("input[name=username]").fill(username);
  await page.locator("input[name=password]").fill(password);
  await page.getByTestId("login-submit").click();
}

test("a one-time password: a new one is asked for twice; a mismatch is caught before sending, the server's problem is shown by the field; then the PIN", async () => {
  const page = await openApp({ user: null, serverUrl: null, pin: null });
  await login(page, "kakuu-shinjin", "KARI-2468-MIHON");
  await page.getByTestId("login-one-time").waitFor();
  const box = await page.getByTestId("login-one-time").innerText();
  assert.match(box, /新しいパスワードを決めてください/);
  assert.match(box, /仮パスワード/);
  assert.equal(await page.getByTestId("error").count(), 0, "the request for a new password is not shown as an error");
  assert.equal(await page.getByTestId("login-submit").innerText(), "パスワードを決めてログイン");
  assert.deepEqual((await calls(page, "login")).map((c) => c.args.newPassword), [null]);
  await page.getByTestId("login-one-time").evaluate((el) => el.scrollIntoView({ block: "center" }));
  await shot(page, "login-one-time");

  await page.locator("input[name=new-password]").fill("mihon-atarashii-1");
  await page.locator("input[name=new-password-again]").fill("mihon-atarashii-2");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("new-password-mismatch").waitFor();
  assert.equal((await calls(page, "login")).length, 1, "a mismatch is caught before calling the backend");

  await page.locator("input[name=new-password]").fill("mijikai");
  await page.locator("input[name=new-password-again]").fill("mijikai");
  await page.getByTestId("login-submit").click();
  const problem = page.getByTestId("new-password-problem");
  await problem.waitFor();
  assert.equal(await problem.getAttribute("data-code"), "too_short");
  assert.match(await problem.innerText(), /12文字以上/);
  assert.equal(await page.getByTestId("new-password-mismatch").count(), 0);
  // The problem sits right under the new password field.
  const below = await page.locator("input[name=new-password]").evaluate((el) => el.closest("label").nextElementSibling?.dataset.testid);
  assert.equal(below, "new-password-problem");

  await page.locator("input[name=new-password]").fill("mihon-atarashii-pw");
  await page.locator("input[name=new-password-again]").fill("mihon-atarashii-pw");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("pin-form").waitFor();
  const last = (await calls(page, "login")).at(-1).args;
  assert.deepEqual(last, { serverUrl: "http://127.0.0.1:8080", username: "kakuu-shinjin", password: "KARI-2468-MIHON", newPassword: "mihon-atarashii-pw", otp: null });
  await page.locator("input[name=pin]").fill("2468");
  await page.locator("input[name=pin-again]").fill("2468");
  await page.getByTestId("pin-submit").click();
  assert.equal(await page.getByTestId("who").innerText(), "架空 新人（看護師）");
  assert.deepEqual(page.pageErrors, []);
});

test("a disabled account and an expired one-time password are told plainly, in Japanese and in English", async () => {
  const accounts = [
    { user: { ...NEWCOMER, username: "kakuu-teishi" }, password: "kakuu-teishi-pw", disabled: true },
    { user: NEWCOMER, password: "KARI-1357-MIHON", oneTime: true, expired: true },
  ];
  const page = await openApp({ user: null, serverUrl: null, pin: null, accounts });
  await login(page, "kakuu-teishi", "kakuu-teishi-pw");
  await page.getByTestId("login-help").waitFor();
  assert.equal(await page.getByTestId("error").getAttribute("data-code"), "account_disabled");
  assert.match(await page.getByTestId("login-help").innerText(), /停止されています。事業所の事務担当に確認してください/);
  await login(page, "kakuu-shinjin", "KARI-1357-MIHON");
  await page.locator("[data-testid=login-help][data-code=one_time_password_expired]").waitFor();
  assert.match(await page.getByTestId("login-help").innerText(), /有効期限が切れています/);
  assert.equal(await page.getByTestId("login-one-time").count(), 0, "no new password is asked for an expired one");

  const en = await openApp({ user: null, serverUrl: null, pin: null, accounts }, { lang: "en", viewport: PORTRAIT });
  await login(en, "kakuu-shinjin", "KARI-1357-MIHON");
  await en.locator("[data-testid=login-help][data-code=one_time_password_expired]").waitFor();
  assert.match(await en.getByTestId("login-help").innerText(), /The one-time password has expired\. Ask your office/);
  assert.match(await en.getByTestId("error").innerText(), /the one-time password has expired/);
  await login(en, "kakuu-teishi", "kakuu-teishi-pw");
  await en.locator("[data-testid=login-help][data-code=account_disabled]").waitFor();
  assert.match(await en.getByTestId("login-help").innerText(), /This account is disabled/);
});

test("a one-time login in English, in portrait: the explanation, and the server's problem in English", async () => {
  const page = await openApp({ user: null, serverUrl: null, pin: null }, { lang: "en", viewport: PORTRAIT });
  await login(page, "kakuu-shinjin", "KARI-2468-MIHON");
  await page.getByTestId("login-one-time").waitFor();
  assert.match(await page.getByTestId("login-one-time").innerText(), /Choose your own password[\s\S]*one-time password from the office/);
  await page.locator("input[name=new-password]").fill("KARI-2468-MIHON");
  await page.locator("input[name=new-password-again]").fill("KARI-2468-MIHON");
  await page.getByTestId("login-submit").click();
  await page.locator("[data-testid=new-password-problem][data-code=same_as_old]").waitFor();
  assert.equal(await page.getByTestId("new-password-problem").innerText(), "the new password must differ from the one-time one");
  assert.equal(await page.getByTestId("login-form").count(), 1);
});
