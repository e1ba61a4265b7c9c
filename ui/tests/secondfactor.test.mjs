// Two-factor sign-in: the login asks for the code only once the password was right, a wrong code
// is named and asked again, a recovery code works in the same field; an office that must enrol
// sees the QR code, the secret as text, then its recovery codes once. In Japanese and English.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls, shot } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
// The fake's fictional authenticator shows "135790" (tests/fake/second_factor.ts).
const ACCOUNTS = [{ user: OFFICE, password: "mihon-office", otp: "135790", recovery: ["mihn-abcd-efgh-jk23"] }];

async function login(page, username, password) {
  await page.locator("input[name=username]").fill(username);
  await page.locator("input[name=password]").fill(password);
  await page.getByTestId("login-submit").click();
}

test("the code is asked after the right password only; a wrong code is named and the field asked again; the right one logs in", async () => {
  const page = await openApp({ user: null, serverUrl: null, pin: null, accounts: ACCOUNTS });
  await page.getByTestId("login-form").waitFor();
  await login(page, "mihon-jimu", "wrong");
  await page.getByText("ユーザー名またはパスワードが違います").waitFor();
  assert.equal(await page.getByTestId("login-otp").count(), 0, "a wrong password is told nothing of a second factor");

  await login(page, "mihon-jimu", "mihon-office");
  await page.getByTestId("login-otp").waitFor();
  assert.match(await page.getByTestId("login-otp").innerText(), /認証アプリに表示されている 6 桁のコード/);
  assert.equal(await page.getByTestId("login-submit").innerText(), "コードを確かめてログイン");
  await shot(page, "login-otp");
  await page.locator("input[name=otp]").fill("000000");
  await page.getByTestId("login-submit").click();
  await page.locator("[data-testid=error][data-code=second_factor_wrong]").waitFor();
  assert.match(await page.getByTestId("error").innerText(), /確認コードが違うか、すでに使われています/);
  assert.equal(await page.locator("input[name=otp]").inputValue(), "", "the wrong code is cleared for the next one");

  await page.locator("input[name=otp]").fill("135 790");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("pin-form").waitFor();
  const otps = (await calls(page, "login")).map((c) => c.args.otp);
  assert.deepEqual(otps, [null, null, "000000", "135 790"]);
  assert.deepEqual(page.pageErrors, []);
});

test("a recovery code signs in through the same field, once; in English", async () => {
  const page = await openApp({ user: null, serverUrl: null, pin: null, accounts: ACCOUNTS }, { lang: "en" });
  await page.getByTestId("login-form").waitFor();
  await login(page, "mihon-jimu", "mihon-office");
  await page.getByTestId("login-otp").waitFor();
  assert.match(await page.getByTestId("login-otp").innerText(), /a recovery code works too/);
  await page.locator("input[name=otp]").fill("mihn-abcd-efgh-jk23");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("pin-form").waitFor();
  assert.deepEqual((await calls(page, "login")).map((c) => c.args.otp), [null, "mihn-abcd-efgh-jk23"]);
  assert.deepEqual(page.pageErrors, []);
});

test("an office that must enrol: the QR code and the secret, a wrong code refused, then the recovery codes once, then the office's screens", async () => {
  const page = await openApp({ user: OFFICE, enrolRequired: true });
  await page.getByTestId("sf-form").waitFor();
  assert.match(await page.getByTestId("sf-required").innerText(), /登録が終わるまで、記録の同期はできません/);
  assert.equal(await page.getByTestId("sync-bar").count(), 0, "no sync line before the enrolment");
  await page.getByTestId("sf-start").click();
  await page.getByTestId("sf-qr").waitFor();
  const src = await page.getByTestId("sf-qr").getAttribute("src");
  assert.ok(src.startsWith("data:image/svg+xml;charset=utf-8,%3C%3Fxml"), "the SVG as an image, not as markup");
  assert.equal(await page.getByTestId("sf-secret").innerText(), "MIHO NMIH ONMI HONM IHON MIHO NMIH ON22");
  await shot(page, "second-factor-enrol");

  await page.locator("input[name=sf-code]").fill("123456");
  await page.getByTestId("sf-confirm").click();
  await page.locator("[data-testid=error] li[data-code=second_factor_wrong]").waitFor();
  await page.locator("input[name=sf-code]").fill("135790");
  await page.getByTestId("sf-confirm").click();
  await page.getByTestId("sf-codes").waitFor();
  assert.match(await page.getByTestId("sf-codes").innerText(), /二度と表示されません/);
  const codes = await page.getByTestId("sf-code-list").locator("li").allInnerTexts();
  assert.deepEqual(codes, ["mihn-abcd-efgh-jk23", "mihn-mnpq-rstu-vw45", "mihn-xyza-bcde-fg67"]);
  await page.getByTestId("sf-done").click();
  await page.getByTestId("who").waitFor();
  assert.equal(await page.getByTestId("sf-codes").count(), 0, "the codes are gone once written down");
  assert.deepEqual(
    (await calls(page, "confirm_second_factor")).map((c) => c.args.code),
    ["123456", "135790"],
  );
  assert.deepEqual(page.pageErrors, []);
});

test("the enrolment in English", async () => {
  const page = await openApp({ user: OFFICE, enrolRequired: true }, { lang: "en" });
  await page.getByTestId("sf-form").waitFor();
  assert.match(await page.getByTestId("sf-required").innerText(), /Records cannot sync until this is set up/);
  await page.getByTestId("sf-start").click();
  await page.getByTestId("sf-qr").waitFor();
  assert.equal(await page.getByTestId("sf-qr").getAttribute("alt"), "QR code for the authenticator app");
  await page.locator("input[name=sf-code]").fill("135790");
  await page.getByTestId("sf-confirm").click();
  await page.getByTestId("sf-codes").waitFor();
  assert.match(await page.getByTestId("sf-codes").innerText(), /They are not shown again once you close this screen/);
  assert.deepEqual(page.pageErrors, []);
});

test("a nurse turns two-factor sign-in on from the header, sees it on, and turns it off with the password", async () => {
  const page = await openApp({});
  await page.getByTestId("sf-open").click();
  await page.locator("[data-testid=sf-settings][data-enrolled=false]").waitFor();
  assert.match(await page.getByTestId("sf-state").innerText(), /二要素認証は使っていません/);
  assert.equal(await page.getByTestId("sf-required").count(), 0, "a nurse need not");
  await page.getByTestId("sf-start").click();
  await page.locator("input[name=sf-code]").fill("135790");
  await page.getByTestId("sf-confirm").click();
  await page.getByTestId("sf-codes").waitFor();
  await page.getByTestId("sf-done").click();
  await page.locator("[data-testid=sf-settings][data-enrolled=true]").waitFor();
  assert.equal(await page.getByTestId("sf-state").innerText(), "二要素認証を使っています（回復コードの残り 3）");

  await page.locator("input[name=sf-password]").fill("not-the-password");
  await page.getByTestId("sf-remove").click();
  await page.locator("[data-testid=error] li[data-code=wrong_password]").waitFor();
  await page.locator("input[name=sf-password]").fill("mihon-nurse");
  await page.getByTestId("sf-remove").click();
  await page.locator("[data-testid=sf-settings][data-enrolled=false]").waitFor();
  assert.deepEqual((await calls(page, "remove_second_factor")).map((c) => c.args.password), ["not-the-password", "mihon-nurse"]);
  await page.getByTestId("sf-close").click();
  await page.getByTestId("sf-settings").waitFor({ state: "detached" });
  assert.deepEqual(page.pageErrors, []);
});

test("an office with two-factor sign-in on is told it must keep it; in English", async () => {
  const page = await openApp({ user: OFFICE }, { lang: "en" });
  await page.getByTestId("sf-open").waitFor();
  await page.evaluate(() => (window.__FAKE__.s.data.secondFactor = { started: true, enrolled: true, left: 7 }));
  await page.getByTestId("sf-open").click();
  await page.locator("[data-testid=sf-settings][data-enrolled=true]").waitFor();
  assert.equal(await page.getByTestId("sf-state").innerText(), "Two-factor sign-in is on (7 recovery codes left)");
  assert.match(await page.getByTestId("sf-settings").innerText(), /Accounts of this role must keep two-factor sign-in/);
  assert.equal(await page.getByTestId("sf-remove").count(), 0);
  assert.deepEqual(page.pageErrors, []);
});
