// The office and the parent on a tablet (issue 14, item 8): in portrait (820×1180) the review
// table keeps every column, 担当 too, within the screen, and no word breaks inside (承認済/み,
// 詳/細, a child's name one character a line); checkboxes and selects are 44 px targets; the
// parent's confirm form comes into view with the cursor in it; English text has no full-width
// brackets.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, LANDSCAPE, PORTRAIT } from "./harness.mjs";

before(start);
after(stop);

const OFFICE = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
const PARENT = { id: "u-parent", username: "見本 保護者", role: "parent", org_id: "ST-MIHON" };
const NURSE_CHILD = "11111111-1111-4111-8111-111111111111";
const HANA = "11111111-1111-4111-8111-111111111111";
const V = (n) => `a0000000-0000-4000-8000-00000000000${n}`;

/** Words (runs without spaces) of `selector`'s text that the layout split over two lines, and
 * the `.o-nw` pieces (a name, a date, a status) not on one line. */
const brokenWords = (page, selector) =>
  page.evaluate((selector) => {
    const lines = (r) => new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size;
    const bad = [];
    for (const el of document.querySelectorAll(selector)) {
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        for (const m of n.textContent.matchAll(/\S+/g)) {
          const r = document.createRange();
          r.setStart(n, m.index);
          r.setEnd(n, m.index + m[0].length);
          if (lines(r) > 1) bad.push(m[0]);
        }
      }
      for (const nw of el.querySelectorAll(".o-nw")) {
        const r = document.createRange();
        r.selectNodeContents(nw);
        if (lines(r) > 1) bad.push(nw.textContent);
      }
    }
    return bad;
  }, selector);

/** The review table's columns: header text, shown or not, right edge within the screen. */
const columns = (page) =>
  page.locator(".o-table thead th").evaluateAll((ths) =>
    ths.map((th) => ({ text: th.innerText, shown: getComputedStyle(th).display !== "none" && th.getBoundingClientRect().width > 0, inside: th.getBoundingClientRect().right <= window.innerWidth })),
  );

for (const [lang, staff, era] of [
  ["ja", "担当", false],
  ["ja", "担当", true],
  ["en", "Staff", false],
]) {
  test(`office review in portrait (${lang}${era ? ", 和暦" : ""}): every column, 担当 too, within the screen; no word broken over two lines`, async () => {
    const page = await openApp({ user: OFFICE }, { lang, viewport: PORTRAIT });
    if (era) await page.getByTestId("era-japanese").click();
    await page.getByTestId("o-row").first().waitFor();
    // Approve …1 so a row says 承認済み (the word the narrow table broke).
    await page.locator(`[data-testid=o-row][data-id="${V(1)}"]`).getByTestId("o-select").check();
    await page.getByTestId("o-approve").click();
    await page.locator(`[data-testid=o-row][data-id="${V(1)}"] [data-status=approved]`).waitFor();
    const cols = await columns(page);
    const s = cols.find((c) => c.text === staff);
    assert.ok(s, `a ${staff} column`);
    assert.deepEqual(cols.filter((c) => !c.shown || !c.inside), [], "every column shown, none past the right edge");
    assert.equal(await page.locator(`[data-testid=o-row][data-id="${V(1)}"] td[data-k=staff]`).innerText(), "見本 看護師");
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, "no sideways scrolling");
    assert.equal(await page.evaluate(() => document.querySelector(".o-table-wrap").scrollWidth > document.querySelector(".o-table-wrap").clientWidth), false, "the table itself fits");
    assert.deepEqual(await brokenWords(page, ".o-table th, .o-table td"), []);
    // The status and the open button each on one line: one line-height tall.
    for (const sel of [`[data-id="${V(1)}"] [data-testid=o-status]`, `[data-id="${V(1)}"] [data-testid=o-open]`]) {
      const one = await page.locator(sel).evaluate((el) => {
        const r = document.createRange();
        r.selectNodeContents(el);
        return new Set([...r.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top))).size;
      });
      assert.equal(one, 1, `${sel} on one line`);
    }
    assert.deepEqual(page.pageErrors, []);
  });
}

for (const [name, viewport] of [
  ["landscape", LANDSCAPE],
  ["portrait", PORTRAIT],
]) {
  test(`office in ${name}: every checkbox has a 44 px target that toggles it, every select is 44 px tall`, async () => {
    const page = await openApp({ user: OFFICE }, { viewport });
    await page.getByTestId("o-row").first().waitFor();
    const targets = await page.locator("input[type=checkbox]").evaluateAll((cs) =>
      cs.map((c) => {
        const b = (c.closest("label") ?? c).getBoundingClientRect();
        return { what: c.name || c.dataset.testid, w: Math.round(b.width), h: Math.round(b.height) };
      }),
    );
    assert.ok(targets.length >= 6 + 1 + 4, "the six flags, select all and the rows");
    assert.deepEqual(targets.filter((t) => t.w < 44 || t.h < 44), []);
    const selects = await page.locator("select").evaluateAll((ss) => ss.map((s) => ({ name: s.name, h: Math.round(s.getBoundingClientRect().height) })));
    assert.ok(selects.length >= 6, "the filters, the month's year and month");
    assert.deepEqual(selects.filter((s) => s.h < 44), []);

    // A tap near the corner of a row's target, off the 24 px box itself, selects the row.
    const first = page.getByTestId("o-select").first();
    const target = first.locator("xpath=ancestor::label[1]");
    assert.equal(await target.getAttribute("class"), "o-hit");
    const b = await target.boundingBox();
    await page.mouse.click(b.x + 3, b.y + 3);
    assert.equal(await first.isChecked(), true);
    assert.match(await page.getByTestId("o-approve").innerText(), /1件/);

    // The other tabs' pickers too.
    for (const tab of ["o-tab-month", "o-tab-claim", "o-tab-results"]) {
      await page.getByTestId(tab).click();
      await page.locator("select").first().waitFor();
      const small = await page.locator("select, input:not([type=checkbox]):not([type=radio])").evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().height > 0 && e.getBoundingClientRect().height < 44).map((e) => e.name));
      assert.deepEqual(small, [], tab);
    }
    assert.deepEqual(page.pageErrors, []);
  });
}

for (const [name, viewport] of [
  ["portrait", PORTRAIT],
  ["landscape", LANDSCAPE],
]) {
  test(`parent in ${name}: the confirm form opens in view, with the cursor in the name`, async () => {
    const page = await openApp({ user: PARENT }, { viewport });
    const hana = page.locator(`[data-testid=p-child][data-child="${HANA}"]`);
    await hana.getByTestId("p-confirm").first().waitFor();
    await hana.getByTestId("p-confirm").first().click();
    const form = page.getByTestId("p-confirm-form");
    await form.waitFor();
    await page.waitForFunction(() => {
      const b = document.querySelector("[data-testid=p-confirm-form]").getBoundingClientRect();
      return b.top >= 0 && b.bottom <= window.innerHeight;
    });
    const b = await form.boundingBox();
    assert.ok(b.y >= 0 && b.y + b.height <= viewport.height, `form at ${Math.round(b.y)}–${Math.round(b.y + b.height)} in a ${viewport.height} px screen`);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "confirm-name");
    assert.deepEqual(page.pageErrors, []);
  });
}

test("English text has no full-width brackets: the dictionaries, and the screens that put a note in brackets", async () => {
  const page = await openApp({}, { lang: "en" });
  const fullWidth = /[（）]/;
  const en = await page.evaluate(() => window.__I18N__.dicts.en);
  assert.deepEqual(
    Object.entries(en).filter(([, v]) => fullWidth.test(v)),
    [],
  );
  /** The screen's text with every option and option group label (what a select would show). */
  const screenText = () =>
    page.evaluate(() => [document.body.innerText, ...[...document.querySelectorAll("option, optgroup")].map((o) => o.label || o.textContent)].join("\n"));
  // What people wrote is shown as written (the fake face sheet's diagnosis is 見本診断（架空）).
  const WRITTEN = ["見本診断（架空）"];
  const bracketed = async (where) => {
    const lines = (await screenText()).split("\n").filter((l) => fullWidth.test(l) && !WRITTEN.includes(l.trim()));
    assert.deepEqual(lines, [], where);
  };
  // The nurse: the face sheet (doctor and institution, contacts), the form's staff picker and a
  // handover's signers.
  await page.locator(`[data-testid=n-child-card][data-id="${NURSE_CHILD}"]`).getByTestId("n-child-open").click();
  await page.getByTestId("n-sheet").waitFor();
  await bracketed("face sheet");
  await page.getByTestId("n-record").click();
  await page.getByTestId("n-visit-form").waitFor();
  assert.ok((await page.locator("[data-testid=n-staff-pick] optgroup").count()) > 0);
  await page.getByTestId("n-kind").selectOption("handover");
  await page.getByTestId("n-from_sign_off-name").fill("見本 看護師");
  await page.getByTestId("n-from_sign_off-sign").click();
  await page.getByTestId("n-from_sign_off-done").waitFor();
  assert.match(await page.getByTestId("n-from_sign_off-done").innerText(), /見本 看護師 \(\d+:\d\d\)/);
  await bracketed("visit form");

  // The office: a record's staff with their roles, the claim's municipality picker, the settings.
  const office = await openApp({ user: OFFICE }, { lang: "en" });
  await office.locator(`[data-testid=o-row][data-id="${V(1)}"]`).getByTestId("o-open").click();
  await office.getByTestId("o-history-entry").first().waitFor();
  assert.match(await office.getByTestId("o-detail").innerText(), /見本 看護師 \(/);
  const officeText = async (where) => {
    const t = await office.evaluate(() => [document.body.innerText, ...[...document.querySelectorAll("option, optgroup")].map((o) => o.label || o.textContent)].join("\n"));
    assert.deepEqual(t.split("\n").filter((l) => fullWidth.test(l)), [], where);
  };
  await officeText("record");
  await office.getByTestId("o-tab-claim").click();
  await office.getByTestId("o-claim-muni").waitFor();
  await officeText("claim");
  await office.getByTestId("o-tab-municipality").click();
  await office.getByTestId("o-muni-form").waitFor();
  await officeText("municipality settings");
  assert.deepEqual(page.pageErrors, []);
  assert.deepEqual(office.pageErrors, []);
});
