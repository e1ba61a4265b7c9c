// End-to-end: the real Tauri app (target/debug/carebook-app) in a real window (run under Xvfb),
// driven through tauri-driver and WebKitWebDriver, against a real Carebook server on port 0.
// A nurse logs in, sets a PIN, records a visit for a child the server sent, syncs, and the
// visit is then read back from the server by the office's device (the CLI).
//
// Needs: cargo build -p carebook-cli -p carebook-app; tauri-driver; WebKitWebDriver; a display.
// Run: xvfb-run -a node ui/tests/e2e/app.e2e.mjs
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
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
const procs = [];

after(() => {
  for (const p of procs.reverse()) p.kill("SIGTERM");
  if (!process.env.KEEP_E2E) rmSync(tmp, { recursive: true, force: true });
});

/** The CLI, with `stdin` as its input (passwords). */
function cli(dataDir, args, stdin) {
  return execFileSync(CLI, ["--data-dir", dataDir, ...args], { input: stdin ?? "", encoding: "utf8" });
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
  const p = spawn(CLI, ["--data-dir", join(tmp, "server"), "server", "start", "--listen", "127.0.0.1:0", "--database", db], { stdio: ["ignore", "pipe", "inherit"] });
  procs.push(p);
  return new Promise((res, rej) => {
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) res(`http://127.0.0.1:${m[1]}`);
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
  async click(css) {
    await this.req("POST", `${this.s}/element/${await this.wait(css)}/click`, {});
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
  async screenshot(path) {
    writeFileSync(path, Buffer.from(await this.req("GET", `${this.s}/screenshot`), "base64"));
  }
  async quit() {
    if (this.s) await this.req("DELETE", this.s).catch(() => {});
  }
}

test("a nurse logs in to the real app, records a visit, syncs, and the server has it", { timeout: 240000 }, async () => {
  // The server, its accounts, and a child on it (stored by the nurse's station from the CLI).
  const db = `sqlite://${join(tmp, "server", "server.sqlite")}`;
  mkdirSync(join(tmp, "server"), { recursive: true });
  cli(join(tmp, "server"), ["server", "user", "add", "--username", "e2e-nurse", "--role", "nurse", "--org", "st-e2e", "--database", db], "kakuu-nurse-pw\n");
  cli(join(tmp, "server"), ["server", "user", "add", "--username", "e2e-office", "--role", "office", "--org", "st-e2e", "--database", db], "kakuu-office-pw\n");
  const url = await startServer(db);
  const seed = join(tmp, "seed");
  const childId = cli(seed, ["child", "add", "--name", "架空 そら", "--kana", "かくう そら", "--birth", "2020-04-02", "--municipality", "13121", "--tier", "tax_exempt"]).trim().split("\n").at(-1).trim();
  cli(seed, ["login", "--server", url, "--user", "e2e-nurse"], "kakuu-nurse-pw\n");
  cli(seed, ["sync"]);

  // The app, through tauri-driver (which starts WebKitWebDriver, which starts the app).
  const [port, nativePort] = [await freePort(), await freePort()];
  const driverProc = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CAREBOOK_DATA_DIR: join(tmp, "app"), CAREBOOK_SERVER_URL: url },
  });
  procs.push(driverProc);
  const wd = new Driver(`http://127.0.0.1:${port}`);
  await waitFor("tauri-driver", () => fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok));
  await wd.start({ alwaysMatch: { "tauri:options": { application: APP } } });
  try {
    // First run: the server address is offered, the role comes from the account.
    await wd.wait("[data-testid=login-form]", 60000);
    await wd.type("input[name=username]", "e2e-nurse");
    await wd.type("input[name=password]", "wrong-password");
    await wd.click("[data-testid=login-submit]");
    await wd.wait("[data-testid=error]");
    await wd.type("input[name=password]", "kakuu-nurse-pw");
    await wd.click("[data-testid=login-submit]");
    await wd.type("input[name=pin]", "2468");
    await wd.type("input[name=pin-again]", "2468");
    await wd.click("[data-testid=pin-submit]");
    assert.match(await wd.text("[data-testid=who]"), /e2e-nurse（看護師）/);

    // The background sync brings the child; record a visit for today.
    const card = `[data-testid=n-child-card][data-id="${childId}"]`;
    await wd.wait(card, 30000);
    await wd.click(`${card} [data-testid=n-record]`);
    await wd.wait("[data-testid=n-visit-form]");
    await wd.pick("[data-testid=n-start-time]", "09:00");
    await wd.pick("[data-testid=n-end-time]", "10:00");
    await wd.type("[data-testid=n-soap-subjective]", "E2E 見本: 吸引 3 回、機嫌良好");
    await wd.click("[data-testid=n-save]");
    await wd.wait("[data-testid=n-saved]");
    mkdirSync(join(repo, "docs", "screenshots"), { recursive: true });
    await wd.screenshot(join(repo, "docs", "screenshots", "app-window.png"));

    // Sync now: the waiting record goes; the line says so.
    await wd.click("[data-testid=sync-now]");
    await waitFor("the record to leave the device", async () => (await wd.findAll("[data-testid=sync-pending]")).length === 0, 30000);
    assert.match(await wd.text("[data-testid=sync-online]"), /オンライン/);
  } finally {
    await wd.quit();
  }

  // The office's device syncs and finds the visit the app recorded, with its note.
  const office = join(tmp, "office");
  cli(office, ["login", "--server", url, "--user", "e2e-office"], "kakuu-office-pw\n");
  cli(office, ["sync"]);
  const visits = JSON.parse(cli(office, ["visit", "list", "--child", childId, "--json"]));
  assert.equal(visits.length, 1, "exactly the one visit recorded in the app");
  assert.equal(visits[0].kind, "nursing");
  assert.equal(visits[0].duration_minutes, 60);
  const shown = cli(office, ["visit", "show", visits[0].id, "--json"]);
  assert.match(shown, /E2E 見本: 吸引 3 回/);
});
