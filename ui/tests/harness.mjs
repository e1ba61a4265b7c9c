// Playwright (playwright-core) in Debian's Chromium against the UI built with the fake backend
// (dist-mock/, `npm run build:mock`), served from a small static server on a free port.
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { extname, join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "dist-mock");
/** Screenshots of the main screens: the README's (docs/screenshots) only when asked with
 * CAREBOOK_SCREENSHOTS=1, so a test run never dirties the tree; otherwise still taken (the page
 * must render) into ui/test-results/screenshots, which git ignores. */
export const SHOTS =
  process.env.CAREBOOK_SCREENSHOTS === "1" ? join(here, "..", "..", "docs", "screenshots") : join(here, "..", "test-results", "screenshots");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".png": "image/png" };

/** Tablet sizes: landscape 1180×820 (the default), portrait 820×1180. */
export const LANDSCAPE = { width: 1180, height: 820 };
export const PORTRAIT = { width: 820, height: 1180 };

let server, browser, base;

export async function start() {
  server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = join(root, path === "/" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export async function stop() {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
}

/**
 * Opens the app with `scenario` overriding the fake backend's data (see tests/fake/scenario.ts),
 * in `lang` ("ja" default, or "en"), at a tablet `viewport`, with the system's `colorScheme`
 * ("light" default, or "dark").
 */
export async function openApp(scenario = {}, { lang = "ja", viewport = LANDSCAPE, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, locale: lang === "ja" ? "ja-JP" : "en-GB", timezoneId: "Asia/Tokyo" });
  await context.addInitScript(
    ([s, l]) => {
      window.__SCENARIO__ = s;
      localStorage.setItem("carebook.lang", l);
    },
    [scenario, lang],
  );
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.on("console", (m) => m.type() === "error" && errors.push(new Error(m.text())));
  page.pageErrors = errors;
  await page.goto(base);
  return page;
}

/** The commands the page called, with their arguments. */
export async function calls(page, cmd) {
  const all = await page.evaluate(() => window.__CALLS__);
  return cmd ? all.filter((c) => c.cmd === cmd) : all;
}

/** Saves a screenshot as <SHOTS>/<name>.png. */
export async function shot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** Picks `iso` (`YYYY-MM-DD`, or `YYYY-MM` in a month field) in a date field of src/dates.tsx
 * (`field`: its group, `[data-name=…]`): the year, the month, then the day, as a person would. */
export async function pickDate(field, iso) {
  const [y, m, d] = iso.split("-");
  await field.locator("select[data-part=year]").selectOption(y);
  await field.locator("select[data-part=month]").selectOption(m);
  if (d) await field.locator("select[data-part=day]").selectOption(d);
}

/** The ISO value a date or month field holds ("" when empty). */
export const dateValue = (field) => field.getAttribute("data-value");
