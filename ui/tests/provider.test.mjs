// The kind of institution on a daytime-care record (日中預かり: 病院, 診療所, 介護老人保健施設,
// 介護医療院): offered only for daytime care, saved with the record, and cleared when the kind
// changes, so a nursing visit never carries one (the domain refuses it there).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, stop, openApp, calls } from "./harness.mjs";

before(start);
after(stop);

const CHILD_A = "11111111-1111-4111-8111-111111111111";

test("daytime care offers the four kinds of institution; the choice is saved and dropped with the kind", async () => {
  const page = await openApp();
  await page.locator(`[data-testid=n-child-card][data-id="${CHILD_A}"]`).getByTestId("n-child-open").click();
  await page.getByTestId("n-record").click();
  await page.getByTestId("n-visit-form").waitFor();
  assert.equal(await page.getByTestId("n-provider").count(), 0, "not for a nursing visit");
  await page.getByTestId("n-kind").selectOption("daytime");
  const options = await page.getByTestId("n-provider").locator("option").allInnerTexts();
  assert.deepEqual(options, ["選んでください", "病院", "診療所", "介護老人保健施設", "介護医療院"]);
  await page.getByTestId("n-provider").selectOption("clinic");
  await page.getByTestId("n-save").click();
  await page.waitForFunction(() => window.__CALLS__.some((c) => c.cmd === "save_visit"));
  assert.equal((await calls(page, "save_visit")).at(-1).args.visit.provider, "clinic");
  // Back to nursing: the choice goes with the kind.
  await page.getByTestId("n-kind").selectOption("nursing");
  assert.equal(await page.getByTestId("n-provider").count(), 0);
  const n = (await calls(page, "save_visit")).length;
  await page.getByTestId("n-save").click();
  await page.waitForFunction((k) => window.__CALLS__.filter((c) => c.cmd === "save_visit").length > k, n);
  const saved = (await calls(page, "save_visit")).at(-1).args.visit;
  assert.deepEqual([saved.kind, saved.provider], ["nursing", null]);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
