// The fake backend's face-sheet save (`save_child`) and the children's consents to share with the municipality.
// A test double: its checks of the consent follow crates/domain/src/child.rs
// (SharingConsent::validate) with the same fields, codes and messages, so the screens have the
// real problems to show; it is not where the rule lives.
import type { Child, Problem, SharingConsent } from "../../src/bindings";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { sheet } from "./nurse";

/** Scenario data: `data.consent.sharing[childId]` presets a child's consent; saved sheets are kept
 * in `saved` (and win over the fixture from then on). */
export type ConsentData = { sharing: Record<string, SharingConsent | null>; saved: Record<string, Child> };

function data(b: FakeBackend): ConsentData {
  const d = b.s.data as { consent?: Partial<ConsentData> };
  d.consent = { sharing: d.consent?.sharing ?? {}, saved: d.consent?.saved ?? {} };
  return d.consent as ConsentData;
}

export function sharingOf(b: FakeBackend, id: string): SharingConsent | null {
  return data(b).sharing[id] ?? null;
}

export function savedChild(b: FakeBackend, id: string): Child | null {
  return data(b).saved[id] ?? null;
}

/** The last day of the fiscal year after the one `date` is in (fiscal years start 1 April). */
function latestUntil(date: string): string {
  const [y, m] = date.split("-").map(Number);
  const fy = m >= 4 ? y : y - 1;
  return `${fy + 2}-03-31`;
}

function sharingProblems(s: SharingConsent, today: string): Problem[] {
  const p: Problem[] = [];
  const push = (field: string, code: string, ja: string, en: string) => p.push({ field, code, ja, en });
  if (!s.by.trim()) push("sharing.by", "required", "同意した保護者の氏名を入力してください", "the name of the guardian who consented is empty");
  if (s.given_on > today) push("sharing.given_on", "future", `同意日 ${s.given_on} が未来の日付です`, `consent given on ${s.given_on} is in the future`);
  const latest = latestUntil(s.given_on);
  if (s.until < s.given_on)
    push("sharing.until", "date_order", `同意の期限 ${s.until} が同意日 ${s.given_on} より前です`, `consent until ${s.until} is before the day it was given, ${s.given_on}`);
  else if (s.until > latest)
    push("sharing.until", "too_long", `同意の期限は翌年度末（${latest}）までです（${s.until} が入力されています）`, `consent may run at most to the end of the next fiscal year, ${latest}; got ${s.until}`);
  const w = s.withdrawn_on;
  if (w !== null) {
    if (w < s.given_on) push("sharing.withdrawn_on", "date_order", `撤回日 ${w} が同意日 ${s.given_on} より前です`, `withdrawn on ${w}, before the consent was given on ${s.given_on}`);
    if (w > today) push("sharing.withdrawn_on", "future", `撤回日 ${w} が未来の日付です（撤回を受けた日を入力してください）`, `withdrawn on ${w} is in the future (enter the day the withdrawal was received)`);
  }
  return p;
}

export const consentCommands: Handlers = {
  save_child: (b, a) => {
    const role = b.s.user?.role;
    if (role === "parent" || role === "municipality") fail("forbidden", "この操作の権限がありません", "you may not do this");
    const child = a.child;
    const problems = child.sharing ? sharingProblems(child.sharing, b.s.today.date) : [];
    if (problems.length) fail("invalid", "入力内容に問題があります", "the input is invalid", problems);
    data(b).saved[child.id] = JSON.parse(JSON.stringify(child));
    return sheet(b, child.id);
  },
};
