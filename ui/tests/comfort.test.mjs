// Reading comfort (issue 14): the text size setting (標準 / 大 / 特大, and Ctrl + / − / 0, since the
// app's window ignores zoom), kept after a reload and usable at 特大 in portrait; the dark theme,
// from the system or chosen, with readable text; a visible focus ring for keyboard users; and an
// accessible name on every control, as Chromium's accessibility tree (what a screen reader reads)
// computes it. In Japanese and in English.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, shot, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const PARENT = { id: "u-parent", username: "mihon-hogosha", role: "parent", org_id: "ST-MIHON", name: "見本 保護者", profession: null };
const CHILD_A = "11111111-1111-4111-8111-111111111111";

/** The four screens: each opens the app as its user and waits for the screen. */
const SCREENS = {
  "nurse home": {
    scenario: {},
    async go(page) {
      await page.getByTestId("n-child-card").first().waitFor();
      await page.getByTestId("n-visit-row").first().waitFor();
    },
  },
  "visit form": {
    scenario: {},
    async go(page) {
      await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"]`).getByTestId("n-child-open").click();
      await page.getByTestId("n-sheet").waitFor();
      await page.getByTestId("n-record").click();
      await page.getByTestId("n-visit-form").waitFor();
    },
  },
  "office review": {
    scenario: { user: OFFICE },
    async go(page) {
      await page.getByTestId("o-row").first().waitFor();
    },
  },
  parent: {
    scenario: { user: PARENT },
    async go(page) {
      await page.getByTestId("p-child").first().waitFor();
      await page.getByTestId("p-gauge").first().waitFor();
    },
  },
};

async function open(name, opts = {}) {
  const s = SCREENS[name];
  const page = await openApp(s.scenario, opts);
  await s.go(page);
  return page;
}

const px = (page, selector) => page.locator(selector).first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));

for (const lang of ["ja", "en"]) {
  test(`text size (${lang}): 大 and 特大 scale the text by 1.18 and 1.35, kept after a reload; Ctrl + / Ctrl − / Ctrl 0, Ctrl + wheel and a two-finger pinch step it`, async () => {
    const page = await open("nurse home", { lang });
    const group = page.getByRole("group", { name: lang === "ja" ? "文字の大きさ" : "Text size" });
    assert.deepEqual(await group.getByRole("button").allInnerTexts(), lang === "ja" ? ["標準", "大", "特大"] : ["Standard", "Large", "Extra large"]);
    // Body text, a child's name (1.25rem) and a hint (0.9rem), at the standard size.
    const sels = ["body", ".n-name", ".n-when"];
    const base = [];
    for (const s of sels) base.push(await px(page, s));
    assert.equal(base[0], 17);
    assert.equal(await page.getByTestId("size-standard").getAttribute("aria-pressed"), "true");
    const expectScale = async (scale, what) => {
      for (const [i, s] of sels.entries()) {
        const now = await px(page, s);
        assert.ok(Math.abs(now / base[i] - scale) < 0.01, `${what}: ${s} ${now}px, ${base[i]}px × ${scale} expected`);
      }
    };
    await page.getByTestId("size-large").click();
    await expectScale(1.18, "大");
    assert.equal(await page.getByTestId("size-large").getAttribute("aria-pressed"), "true");
    await page.getByTestId("size-xlarge").click();
    await expectScale(1.35, "特大");
    assert.equal(await page.evaluate(() => localStorage.getItem("carebook.textSize")), "xlarge");
    // Kept after a reload.
    await page.reload();
    await SCREENS["nurse home"].go(page);
    await expectScale(1.35, "特大 after a reload");
    assert.equal(await page.getByTestId("size-xlarge").getAttribute("aria-pressed"), "true");
    // The keys: Ctrl 0 back to standard, Ctrl + up, one step at a time, no further than 特大.
    await page.keyboard.press("Control+0");
    await expectScale(1, "Ctrl 0");
    await page.keyboard.press("Control+Equal");
    await expectScale(1.18, "Ctrl +");
    await page.keyboard.press("Control+Equal");
    await page.keyboard.press("Control+Equal");
    await expectScale(1.35, "Ctrl + twice more");
    await page.keyboard.press("Control+Minus");
    await expectScale(1.18, "Ctrl −");
    assert.equal(await page.evaluate(() => localStorage.getItem("carebook.textSize")), "large");
    // Ctrl + the wheel (a touchpad's pinch) steps it too.
    await page.mouse.move(400, 400);
    await page.keyboard.down("Control");
    await page.mouse.wheel(0, 100);
    await page.keyboard.up("Control");
    await expectScale(1, "Ctrl + wheel down");
    // Two fingers on the screen: pinching apart steps it up, together down.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 2 });
    const pinch = async (from, to) => {
      const points = (d) => [
        { x: 600 - d / 2, y: 500, id: 1 },
        { x: 600 + d / 2, y: 500, id: 2 },
      ];
      await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: points(from) });
      for (let i = 1; i <= 5; i++) await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: points(from + ((to - from) * i) / 5) });
      await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    };
    await pinch(100, 150);
    await expectScale(1.18, "pinched apart");
    await pinch(200, 140);
    await expectScale(1, "pinched together");
    await cdp.detach();
    assert.deepEqual(page.pageErrors, []);
  });
}

for (const lang of ["ja", "en"]) {
  test(`特大 in portrait 820 px (${lang}): no sideways scrolling on the nurse home, the visit form, the office review and the parent screen`, async () => {
    for (const name of Object.keys(SCREENS)) {
      const s = SCREENS[name];
      const page = await openApp(s.scenario, { lang, viewport: PORTRAIT });
      await page.getByTestId("size-xlarge").click();
      await s.go(page);
      if (lang === "ja" && name === "office review") await shot(page, "xlarge-office-review-portrait");
      assert.ok(Math.abs((await px(page, "body")) - 17 * 1.35) < 0.01, "特大");
      const wide = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        win: window.innerWidth,
        // Elements past the right edge (what would make the page scroll sideways).
        past: [...document.querySelectorAll("main *, header *")]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".o-table-wrap, .chart-table-wrap"))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
      }));
      assert.ok(wide.doc <= wide.win, `${name}: page ${wide.doc} px wide in a ${wide.win} px screen; past the edge: ${wide.past.join(", ")}`);
      assert.deepEqual(wide.past, [], name);
      if (name === "visit form") {
        // The fixed save bar grows with the text: its message line and every button whole, inside it.
        const bar = await page.getByTestId("n-savebar").evaluate((bar) => {
          const b = bar.getBoundingClientRect();
          const inside = (e) => {
            const r = e.getBoundingClientRect();
            return r.top >= b.top - 0.5 && r.bottom <= b.bottom + 0.5 && r.left >= b.left - 0.5 && r.right <= b.right + 0.5 && r.right <= window.innerWidth;
          };
          return { out: [...bar.querySelectorAll("button, [data-testid=n-message]")].filter((e) => !inside(e)).map((e) => e.dataset.testid), buttons: bar.querySelectorAll("button").length };
        });
        assert.ok(bar.buttons >= 4, "the bar's buttons");
        assert.deepEqual(bar.out, [], "nothing of the save bar cut off");
      }
      if (name === "office review") {
        const t = await page.evaluate(() => {
          const w = document.querySelector(".o-table-wrap");
          return { scroll: w.scrollWidth, client: w.clientWidth };
        });
        assert.ok(t.scroll <= t.client, `the review table fits: ${t.scroll} px in ${t.client} px`);
      }
      assert.deepEqual(page.pageErrors, [], name);
      await page.context().close();
    }
  });
}

/** Colour helpers, run in the page: the contrast of every visible text against what is behind it. */
const lowContrast = (page) =>
  page.evaluate(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return [r, g, b, a];
    };
    const over = (top, under) => top.slice(0, 3).map((v, i) => v * top[3] + under[i] * (1 - top[3])).concat(1);
    /** The opaque colour behind `el`: its backgrounds up the tree, blended. */
    const behind = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c[3] > 0) {
          layers.push(c);
          if (c[3] >= 1) break;
        }
      }
      let col = [255, 255, 255, 1];
      for (const l of layers.reverse()) col = over(l, col);
      return col;
    };
    const lum = ([r, g, b]) => [r, g, b].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const ratio = (a, b) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const bad = [];
    let checked = 0;
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || el.closest("svg, canvas, option, [disabled], .chart-box")) continue;
      const r = el.getBoundingClientRect();
      const st = getComputedStyle(el);
      if (r.width === 0 || st.visibility === "hidden") continue;
      checked++;
      const fg = over(parse(st.color), behind(el));
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      const need = large ? 3 : 4.5;
      const got = ratio(fg, behind(el));
      if (got < need) bad.push(`${n.textContent.trim().slice(0, 20)} (${el.className || el.tagName}): ${got.toFixed(2)} < ${need}`);
    }
    const bg = behind(document.body);
    return { bad, checked, bodyLum: lum(bg) };
  });

for (const lang of ["ja", "en"]) {
  test(`dark mode from the system (${lang}): a dark background and every text at least 4.5:1 (3:1 large) on the nurse home, the visit form, the office list and the parent screen`, async () => {
    for (const name of Object.keys(SCREENS)) {
      const page = await open(name, { lang, colorScheme: "dark" });
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark", name);
      const c = await lowContrast(page);
      assert.ok(c.bodyLum < 0.05, `${name}: a dark background (luminance ${c.bodyLum.toFixed(3)})`);
      assert.ok(c.checked > 10, `${name}: ${c.checked} texts checked`);
      assert.deepEqual(c.bad, [], name);
      assert.deepEqual(page.pageErrors, [], name);
      if (lang === "ja" && (name === "nurse home" || name === "office review")) await shot(page, `dark-${name.replace(" ", "-")}`);
      await page.context().close();
    }
  });
}

test("the light theme too: every text at least 4.5:1 (3:1 large) on the four screens", async () => {
  for (const name of Object.keys(SCREENS)) {
    const page = await open(name);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
    const c = await lowContrast(page);
    assert.ok(c.bodyLum > 0.8, `${name}: a light background`);
    assert.deepEqual(c.bad, [], name);
    await page.context().close();
  }
});

test("the colours switch overrides the system, is kept after a reload, and 自動 follows the system again", async () => {
  const page = await open("nurse home", { colorScheme: "dark" });
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await bg();
  const group = page.getByRole("group", { name: "画面の色" });
  assert.deepEqual(await group.getByRole("button").allInnerTexts(), ["自動", "明るい", "暗い"]);
  assert.equal(await page.getByTestId("theme-system").getAttribute("aria-pressed"), "true");
  await page.getByTestId("theme-light").click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
  assert.notEqual(await bg(), dark);
  await page.reload();
  await SCREENS["nurse home"].go(page);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light", "kept after a reload, whatever the system says");
  assert.equal(await page.getByTestId("theme-light").getAttribute("aria-pressed"), "true");
  await page.getByTestId("theme-system").click();
  assert.equal(await bg(), dark);
  // The system changing while the app is open is followed under 自動 …
  await page.emulateMedia({ colorScheme: "light" });
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
  // … and not under 暗い.
  await page.getByTestId("theme-dark").click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.equal(await page.evaluate(() => localStorage.getItem("carebook.theme")), "dark");
  assert.deepEqual(page.pageErrors, []);
});

/** Tabs up to `n` times (until the focus leaves the page); for each focused element: what it is, whether it is in <main>, its outline and
 * the contrast of the outline's colour against what is behind the element. */
const tabThrough = async (page, n) => {
  const seen = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press("Tab");
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        const st = getComputedStyle(el);
        const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
        const bg = (e) => {
          for (; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] >= 1)) return c.slice(0, 3);
            if (c.length === 4 && c[3] > 0 && e !== el) return c.slice(0, 3); // a translucent layer: close enough
          }
          return [255, 255, 255];
        };
        const lum = ([r, g, b]) => [r, g, b].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
        const [x, y] = [lum(rgb(st.outlineColor)), lum(bg(el.parentElement))].sort((p, q) => q - p);
        return {
          what: `${el.tagName.toLowerCase()} ${el.dataset.testid ?? el.getAttribute("name") ?? ""}`.trim(),
          inMain: !!el.closest("main"),
          width: parseFloat(st.outlineWidth),
          style: st.outlineStyle,
          contrast: (x + 0.05) / (y + 0.05),
        };
      }),
    );
    // Past the last control the focus leaves the page: the round ends.
    if (seen.at(-1).what === "body") {
      seen.pop();
      break;
    }
  }
  return seen;
};

for (const colorScheme of ["light", "dark"]) {
  test(`keyboard focus (${colorScheme}): Tab moves through the header and the screen's controls, each showing an outline of at least 2 px at 3:1`, async () => {
    for (const name of ["nurse home", "visit form", "office review", "parent"]) {
      const page = await open(name, { colorScheme });
      const seen = await tabThrough(page, 24);
      assert.ok(new Set(seen.map((s) => s.what)).size >= 12, `${name}: focus moves (${seen.map((s) => s.what).join(", ")})`);
      assert.ok(seen.filter((s) => s.inMain).length >= 5, `${name}: into the screen itself (${seen.map((s) => s.what).join(", ")})`);
      assert.deepEqual(
        seen.filter((s) => !(s.width >= 2 && s.style !== "none" && s.contrast >= 3)),
        [],
        `${name}: every focused control shows an outline of at least 2 px, 3:1 against the background`,
      );
      await page.context().close();
    }
  });
}

/** Every visible button, input, select, textarea and summary whose accessible name — as Chromium's
 * accessibility tree computes it for screen readers — is empty; and how many were checked. */
async function unnamed(page) {
  const cdp = await page.context().newCDPSession(page);
  await page.evaluate(() => {
    let i = 0;
    for (const el of document.querySelectorAll("[data-a11y]")) el.removeAttribute("data-a11y");
    for (const el of document.querySelectorAll("button, input, select, textarea, summary, a[href]")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden" && el.type !== "hidden") el.setAttribute("data-a11y", String(i++));
    }
  });
  await cdp.send("DOM.enable");
  await cdp.send("Accessibility.enable");
  const { root } = await cdp.send("DOM.getDocument", { depth: 0 });
  const { nodeIds } = await cdp.send("DOM.querySelectorAll", { nodeId: root.nodeId, selector: "[data-a11y]" });
  const bad = [];
  for (const nodeId of nodeIds) {
    const { node } = await cdp.send("DOM.describeNode", { nodeId });
    const { nodes } = await cdp.send("Accessibility.getPartialAXTree", { nodeId, fetchRelatives: false });
    const ax = nodes.find((x) => x.backendDOMNodeId === node.backendNodeId) ?? nodes[0];
    const name = ax?.name?.value ?? "";
    if (!String(name).trim()) {
      const attrs = Object.fromEntries((node.attributes ?? []).reduce((a, v, i, all) => (i % 2 ? a : [...a, [v, all[i + 1]]]), []));
      bad.push(`${node.localName}${attrs.type ? `[${attrs.type}]` : ""} ${attrs["data-testid"] ?? attrs.name ?? attrs.class ?? ""}`.trim());
    }
  }
  await cdp.detach();
  return { bad, checked: nodeIds.length };
}

for (const lang of ["ja", "en"]) {
  test(`every visible control has a name a screen reader reads (${lang}): nurse home, visit form, office review, parent`, async () => {
    for (const name of Object.keys(SCREENS)) {
      const page = await open(name, { lang });
      if (name === "nurse home") {
        // The check itself finds a control without a name (an empty button, a bare input).
        await page.evaluate(() => document.querySelector("main").insertAdjacentHTML("afterbegin", '<button data-testid="probe-a"></button><input data-testid="probe-b"><button data-testid="probe-c" aria-label="名前">×</button>'));
        assert.deepEqual((await unnamed(page)).bad, ["button probe-a", "input probe-b"]);
        await page.evaluate(() => document.querySelectorAll("[data-testid^=probe-]").forEach((e) => e.remove()));
      }
      const { bad, checked } = await unnamed(page);
      assert.ok(checked >= 8, `${name}: ${checked} controls checked`);
      assert.deepEqual(bad, [], name);
      // The header's switches are named groups.
      const groups = await page.locator("header [role=group]").evaluateAll((gs) => gs.map((g) => g.getAttribute("aria-label")));
      const want = lang === "ja" ? ["言語", "日付の表示", "文字の大きさ", "画面の色"] : ["Language", "Text size", "Colours"];
      assert.deepEqual(groups, want, name);
      assert.deepEqual(page.pageErrors, [], name);
      await page.context().close();
    }
  });
}

test("the office table's 44 px checkbox targets: each row's box is named after its child, select-all too (ja, en)", async () => {
  for (const [lang, all] of [
    ["ja", "すべて選択"],
    ["en", "Select all"],
  ]) {
    const page = await open("office review", { lang });
    const rows = await page.getByTestId("o-row").evaluateAll((rs) =>
      rs.filter((r) => r.querySelector("[data-testid=o-select]")).map((r) => ({ child: r.querySelector("td[data-k=child]")?.textContent.trim() ?? "", name: r.querySelector("[data-testid=o-select]").getAttribute("aria-label") ?? "" })),
    );
    assert.ok(rows.length >= 3, `${lang}: ${rows.length} rows`);
    for (const r of rows) assert.ok(r.child && r.name.includes(r.child), `${lang}: "${r.name}" names ${r.child}`);
    assert.match(await page.getByTestId("o-select-all").getAttribute("aria-label"), new RegExp(all));
    await page.context().close();
  }
});

test("a chart follows the text size: its box 1.35 times as tall at 特大, the canvas filling it", async () => {
  const page = await open("parent");
  const box = page.locator(".chart-box").first();
  await page.locator(".chart-box[data-drawn=true]").first().waitFor();
  const before = (await box.boundingBox()).height;
  await page.getByTestId("size-xlarge").click();
  await page.waitForFunction((h) => Math.abs(document.querySelector(".chart-box").getBoundingClientRect().height - Math.round(h * 1.35)) <= 1, before);
  await page.locator(".chart-box[data-drawn=true]").first().waitFor();
  // The canvas fills the taller box.
  const canvas = await page.locator(".chart-box canvas").first().boundingBox();
  assert.ok(Math.abs(canvas.height - Math.round(before * 1.35)) <= 2, `canvas ${canvas.height} px, box ${before} × 1.35`);
  assert.deepEqual(page.pageErrors, []);
});

for (const colorScheme of ["light", "dark"]) {
  test(`the other screens (${colorScheme}): readable text and named controls (face sheet, the office's tabs and a record, the coordinator)`, async () => {
    const results = {};
    const check = async (page, where) => {
      await page.waitForTimeout(300);
      const c = await lowContrast(page);
      const n = await unnamed(page);
      results[where] = { contrast: c.bad, unnamed: n.bad };
    };
    const nurse = await open("nurse home", { colorScheme });
    await nurse.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"]`).getByTestId("n-child-open").click();
    await nurse.getByTestId("n-sheet").waitFor();
    await check(nurse, "face sheet");
    const office = await open("office review", { colorScheme });
    await office.getByTestId("o-open").first().click();
    await office.getByTestId("o-detail").waitFor();
    await check(office, "record");
    for (const tab of ["month", "claim", "daytime", "results", "people", "municipality"]) {
      await office.getByTestId(`o-tab-${tab}`).click();
      await office.locator(`[data-testid=o-tab-${tab}][aria-selected=true]`).waitFor();
      await office.waitForFunction(() => !document.querySelector("main")?.innerText.includes("読み込み中"));
      await check(office, tab);
    }
    const coord = await openApp({ user: { id: "u-coord", username: "mihon-chosei", role: "coordinator", org_id: "ST-MIHON", name: "見本 調整", profession: null } }, { colorScheme });
    await coord.getByTestId("k-children").waitFor();
    await check(coord, "coordinator");
    const bad = Object.entries(results).filter(([, r]) => r.contrast.length || r.unnamed.length);
    assert.deepEqual(bad, []);
    for (const p of [nurse, office, coord]) assert.deepEqual(p.pageErrors, []);
  });
}
