// End-to-end: the real Tauri app (target/debug/carebook-app) in a real window (run under Xvfb),
// driven through tauri-driver and WebKitWebDriver, against a real Carebook server on port 0, over
// HTTPS with a test CA the devices are told to trust.
// Three tablets: a nurse logs in, sets a PIN, records a respite session for a child the server
// sent (the hours before/after come from the real rules), submits and syncs; the office approves
// it on its tablet and syncs; the parent's tablet shows the hours left; the office's CLI device
// then reads the approved record back from the server.
//
// Needs: cargo build -p carebook-cli -p carebook-app; tauri-driver; WebKitWebDriver; a display.
// Run: xvfb-run -a node ui/tests/e2e/app.e2e.mjs
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { test, after } from "node:test";
import assert from "node:assert/strict";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const target = process.env.CARGO_TARGET_DIR ?? join(repo, "target");
const CLI = join(target, "debug", "carebook");
const APP = join(target, "debug", "carebook-app");
const tmp = mkdtempSync(join(tmpdir(), "carebook-e2e-"));
// Over real TLS: the server serves the test certificate (crates/testkit/tls, a fictional
// organisation's CA), and every device — the app and the CLI — trusts that CA.
const TLS = join(repo, "crates", "testkit", "tls");
const SERVER_TLS = { CAREBOOK_TLS_CERT: join(TLS, "server.pem"), CAREBOOK_TLS_KEY: join(TLS, "server.key") };
const DEVICE_TLS = { CAREBOOK_CA_CERT: join(TLS, "ca.pem") };
const procs = [];
const groups = [];

function killGroup(pid) {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    /* already gone */
  }
}

after(() => {
  groups.forEach(killGroup);
  for (const p of procs.reverse()) p.kill("SIGTERM");
  if (!process.env.KEEP_E2E) rmSync(tmp, { recursive: true, force: true });
});

/** The CLI, with `stdin` as its input (passwords). */
function cli(dataDir, args, stdin) {
  // The CLI's device stores are encrypted under a passphrase (fictional).
  const env = { ...process.env, ...DEVICE_TLS, CAREBOOK_PASSPHRASE: "架空のパスフレーズ-e2e" };
  return execFileSync(CLI, ["--data-dir", dataDir, ...args], { input: stdin ?? "", encoding: "utf8", env });
}

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Starts the server on port 0 and reads the real address from its first line. */
function startServer(db) {
  const p = spawn(CLI, ["--data-dir", join(tmp, "server"), "server", "start", "--listen", "127.0.0.1:0", "--database", db], {
    stdio: ["ignore", "pipe", "inherit"],
    // The office signs in with a password alone here; the second factor has tests of its own.
    env: { ...process.env, ...SERVER_TLS, CAREBOOK_REQUIRE_SECOND_FACTOR: "false" },
  });
  procs.push(p);
  return new Promise((res, rej) => {
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/https:\/\/127\.0\.0\.1:(\d+)/);
      if (m) res(`https://127.0.0.1:${m[1]}`);
    });
    p.on("exit", (c) => rej(new Error(`server exited ${c}`)));
  });
}

async function waitFor(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** A minimal W3C WebDriver client over fetch. */
class Driver {
  constructor(base) {
    this.base = base;
  }
  async req(method, path, body) {
    const r = await fetch(`${this.base}${path}`, { method, headers: { "content-type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
    const j = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j.value)}`);
    return j.value;
  }
  async start(capabilities) {
    const v = await this.req("POST", "/session", { capabilities });
    this.s = `/session/${v.sessionId}`;
  }
  async find(css) {
    const v = await this.req("POST", `${this.s}/element`, { using: "css selector", value: css });
    return Object.values(v)[0];
  }
  async findAll(css) {
    const v = await this.req("POST", `${this.s}/elements`, { using: "css selector", value: css });
    return v.map((e) => Object.values(e)[0]);
  }
  /** Waits until `css` matches a displayed element and returns it. */
  async wait(css, ms) {
    return waitFor(css, async () => {
      const [e] = await this.findAll(css);
      return e && (await this.req("GET", `${this.s}/element/${e}/displayed`)) ? e : null;
    }, ms);
  }
  /** Scrolls the element to the middle (clear of the sticky save bar), then clicks it. */
  async click(css) {
    const e = await this.wait(css);
    await this.req("POST", `${this.s}/execute/sync`, { script: "arguments[0].scrollIntoView({block: 'center'});", args: [{ [ELEMENT]: e }] });
    await this.req("POST", `${this.s}/element/${e}/click`, {});
  }
  async type(css, text) {
    const e = await this.wait(css);
    await this.req("POST", `${this.s}/element/${e}/clear`, {});
    await this.req("POST", `${this.s}/element/${e}/value`, { text });
  }
  async text(css) {
    return this.req("GET", `${this.s}/element/${await this.wait(css)}/text`);
  }
  /** Sets an input's value the way a picker does (value + change event). */
  async pick(css, value) {
    await this.wait(css);
    await this.req("POST", `${this.s}/execute/sync`, {
      script: "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
      args: [css, value],
    });
  }
  /** A screenshot of the window, scrolled to the top. */
  async screenshot(path) {
    await this.req("POST", `${this.s}/execute/sync`, { script: "window.scrollTo(0, 0);", args: [] });
    writeFileSync(path, Buffer.from(await this.req("GET", `${this.s}/screenshot`), "base64"));
  }
  async quit() {
    if (this.s) await this.req("DELETE", this.s).catch(() => {});
  }
}

/** Opens the real app on `dataDir` (a fresh tablet per account), runs `fn`, and closes it. */
async function withApp(dataDir, serverUrl, fn) {
  const [port, nativePort] = [await freePort(), await freePort()];
  // tauri-driver starts WebKitWebDriver, which starts the app with this environment.
  // Its own process group, so that stopping it also stops WebKitWebDriver and the app. Its log
  // (connection-refused noise while WebKitWebDriver starts) goes to a file beside the data.
  const log = openSync(`${dataDir}.driver.log`, "w");
  const driverProc = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", log, log],
    detached: true,
    env: { ...process.env, ...DEVICE_TLS, CAREBOOK_DATA_DIR: dataDir, CAREBOOK_SERVER_URL: serverUrl },
  });
  groups.push(driverProc.pid);
  const wd = new Driver(`http://127.0.0.1:${port}`);
  await waitFor("tauri-driver", () => fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok));
  await wd.start({ alwaysMatch: { "tauri:options": { application: APP } } });
  try {
    await fn(wd);
  } finally {
    await wd.quit();
    killGroup(driverProc.pid);
  }
}

/** First run: the server address is offered; log in (the role comes from the account), set a PIN. */
async function firstRun(wd, username, password) {
  await wd.wait("[data-testid=login-form]", 60000);
  await wd.type("input[name=username]", username);
  await wd.type("input[name=password]", password);
  await wd.click("[data-testid=login-submit]");
  await wd.type("input[name=pin]", "2468");
  await wd.type("input[name=pin-again]", "2468");
  await wd.click("[data-testid=pin-submit]");
}

/** Sync now, and wait until nothing waits to be sent. */
async function syncNow(wd) {
  await wd.click("[data-testid=sync-now]");
  await waitFor("the records to leave the device", async () => (await wd.findAll("[data-testid=sync-pending]")).length === 0, 30000);
}

test("nurse, office and parent on real app windows against a real server: record, sync, approve, see the hours", { timeout: 300000 }, async () => {
  // The server on port 0, its accounts, and a child stored by the nurse's station from the CLI.
  const db = `sqlite://${join(tmp, "server", "server.sqlite")}`;
  const srv = join(tmp, "server");
  mkdirSync(srv, { recursive: true });
  for (const [user, role] of [["e2e-nurse", "nurse"], ["e2e-office", "office"], ["e2e-parent", "parent"]]) {
    cli(srv, ["server", "user", "add", "--username", user, "--role", role, "--org", "st-e2e", "--database", db], `kakuu-${role}-pw\n`);
  }
  const url = await startServer(db);
  const seed = join(tmp, "seed");
  // 13104 (Shinjuku) has the Tokyo default: 144 h a fiscal year.
  const childId = cli(seed, ["child", "add", "--name", "架空 そら", "--kana", "かくう そら", "--birth", "2020-04-02", "--municipality", "13104", "--tier", "tax_exempt"]).trim().split("\n").at(-1).trim();
  cli(seed, ["login", "--server", url, "--user", "e2e-nurse"], "kakuu-nurse-pw\n");
  cli(seed, ["sync"]);
  cli(srv, ["server", "user", "assign", "--user", "e2e-parent", "--child", childId, "--database", db]);
  // The README's screenshots only when asked (CAREBOOK_SCREENSHOTS=1); else ignored by git.
  const shots = process.env.CAREBOOK_SCREENSHOTS === "1" ? join(repo, "docs", "screenshots") : join(repo, "ui", "test-results", "screenshots");
  mkdirSync(shots, { recursive: true });

  // The nurse: a wrong password is named; then a respite session 9:00–12:00 today, submitted, synced.
  const nurseDir = join(tmp, "app-nurse");
  await withApp(nurseDir, url, async (wd) => {
    await wd.wait("[data-testid=login-form]", 60000);
    await wd.type("input[name=username]", "e2e-nurse");
    await wd.type("input[name=password]", "wrong-password");
    await wd.click("[data-testid=login-submit]");
    await wd.wait("[data-testid=error]");
    await firstRun(wd, "e2e-nurse", "kakuu-nurse-pw");
    assert.match(await wd.text("[data-testid=who]"), /e2e-nurse（看護師）/);

    // The background sync brings the child.
    const card = `[data-testid=n-child-card][data-id="${childId}"]`;
    await wd.wait(card, 30000);
    await wd.click(`${card} [data-testid=n-child-open]`);
    await wd.click("[data-testid=n-record-respite]");
    await wd.wait("[data-testid=n-visit-form]");
    await wd.pick("[data-testid=n-start-time]", "09:00");
    await wd.pick("[data-testid=n-end-time]", "12:00");
    // 144 h − 3 h = 141 h, from the real rules.
    await waitFor("the preview", async () => /141時間/.test(await wd.text("[data-testid=n-after]")));
    assert.match(await wd.text("[data-testid=n-before]"), /144時間/);
    await wd.type("[data-testid=n-soap-subjective]", "E2E 見本: 吸引 3 回、機嫌良好");
    await wd.click("[data-testid=n-guardian-not]");
    await wd.type("[data-testid=n-guardian-reason]", "保護者外出中（見本）");
    await wd.click("[data-testid=n-save]");
    await wd.wait("[data-testid=n-saved]");
    await wd.click("[data-testid=n-submit]");
    await waitFor("submitted", async () => /提出済み/.test(await wd.text("[data-testid=n-visit-status]")));
    await wd.screenshot(join(shots, "app-window.png"));
    await syncNow(wd);
    assert.match(await wd.text("[data-testid=sync-online]"), /オンライン/);
  });
  // The tablet's files hold the child's name and the note only encrypted (carebook_core::vault).
  for (const name of readdirSync(nurseDir).filter((n) => statSync(join(nurseDir, n)).isFile())) {
    const bytes = readFileSync(join(nurseDir, name));
    for (const secret of ["架空 そら", "吸引 3 回", "e2e-nurse"]) assert.equal(bytes.includes(Buffer.from(secret)), false, `${name} holds ${secret} in plain text`);
  }
  // Restarted, the app asks for the PIN before anything; the PIN opens the store again.
  await withApp(nurseDir, url, async (wd) => {
    await wd.wait("[data-testid=unlock-form]", 60000);
    assert.equal((await wd.findAll("[data-testid=login-form]")).length, 0);
    await wd.type("input[name=pin]", "1357");
    await wd.click("[data-testid=unlock-submit]");
    await waitFor("the wrong PIN's warning", async () => /あと 9 回間違えると/.test(await wd.text("[data-testid=unlock-form]")));
    await wd.type("input[name=pin]", "2468");
    await wd.click("[data-testid=unlock-submit]");
    await wd.wait(`[data-testid=n-child-card][data-id="${childId}"]`, 30000);
  });

  // The office: the session arrives in the review table; approve it and sync.
  await withApp(join(tmp, "app-office"), url, async (wd) => {
    await firstRun(wd, "e2e-office", "kakuu-office-pw");
    await wd.wait("[data-testid=o-row] [data-testid=o-select]", 30000);
    assert.equal((await wd.findAll("[data-testid=o-row]")).length, 1);
    // The session came with the pull, indexed from the server's fields; its note becomes
    // searchable from its document on this tablet (the backlog), found by a word of it.
    await wd.type("[data-testid=search-input]", "機嫌");
    await waitFor("the note found by search", async () => (await wd.findAll("[data-testid=search-visit]")).length === 1, 30000);
    assert.match(await wd.text("[data-testid=search-excerpt]"), /吸引 3 回、機嫌良好/);
    await wd.click("[data-testid=search-clear]");
    await wd.wait("[data-testid=o-row] [data-testid=o-select]");
    await wd.click("[data-testid=o-row] [data-testid=o-select]");
    await wd.click("[data-testid=o-approve]");
    await wd.wait("[data-testid=o-result][data-ok=true]");
    await syncNow(wd);
  });

  // The parent: the gauge shows the hours left after the session.
  await withApp(join(tmp, "app-parent"), url, async (wd) => {
    await firstRun(wd, "e2e-parent", "kakuu-parent-pw");
    await waitFor("the session on the parent's tablet", async () => (await wd.findAll("[data-testid=p-session]")).length === 1, 30000);
    assert.equal(await wd.text("[data-testid=p-remaining]"), "141時間");
    // Approved before the family confirmed it: locked, so no confirm button.
    assert.equal((await wd.findAll("[data-testid=p-confirm]")).length, 0);
    await wd.wait("[data-testid=p-approved]");
    await wd.screenshot(join(shots, "app-window-parent.png"));
  });

  // The office's CLI device reads the record from the server: approved, 3 h, the note and reason.
  const office = join(tmp, "office-cli");
  cli(office, ["login", "--server", url, "--user", "e2e-office"], "kakuu-office-pw\n");
  cli(office, ["sync"]);
  const visits = JSON.parse(cli(office, ["visit", "list", "--child", childId, "--json"]));
  assert.equal(visits.length, 1, "exactly the one visit recorded in the app");
  assert.equal(visits[0].kind, "respite");
  assert.equal(visits[0].status, "approved");
  assert.equal(visits[0].billable_minutes, 180);
  const shown = cli(office, ["visit", "show", visits[0].id, "--json"]);
  assert.match(shown, /E2E 見本: 吸引 3 回/);
  assert.match(shown, /保護者外出中（見本）/);
});
