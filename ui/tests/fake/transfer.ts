// The fake backend's transfer of a child to another station (`transfer_child`) and the scenario
// around it, switched on by `window.__SCENARIO__.data.transfer = {}` (the other tests keep their
// five November records). A test double: its checks follow crates/domain/src/transfer.rs
// (`handover_problems`, `first_day_problems`) and crates/server/src/transfer.rs (who may, the
// receiving station, a pending transfer, the signers' stations) with the same fields, codes and
// messages, so the screens have the real problems to show; it is not where the rule lives.
//
// Fictional data (見本, 架空), the fake's today being Tue 24 Nov 2026, the office's station ST-MIHON:
//   見本 そら   — accompanied handover visit Wed 18 Nov 2026 10:00–11:30 from ST-MIHON to ST-KAKUU,
//                 submitted, signed by 見本 看護師 (ST-MIHON) and 架空 次郎 (ST-KAKUU); and a
//                 nursing visit on Wed 11 Nov 2026.
//   架空 ゆき   — accompanied handover visit Mon 23 Nov 2026 14:00–15:00, submitted, signed only by
//                 the giving station's nurse.
//   架空 みのり — transferred earlier to ST-KAKUU from Mon 16 Nov 2026 (by 見本 事務) after the
//                 handover visit of Fri 13 Nov 2026: this device keeps its two visit rows
//                 (handed over, read-only) and not its face sheet.
import type { ChildCard, Problem, StaffMember, Transfer, Visit, VisitDetail, VisitRow } from "../../src/bindings";
import labels from "../fixtures/labels.json";
import { fail, type Handlers, type FakeBackend } from "./backend";
import { officeCommands } from "./office";
import { shared } from "./shared";

export const SORA = "33333333-3333-4333-8333-333333333333";
export const YUKI = "44444444-4444-4444-8444-444444444444";
export const MINORI = "55555555-5555-4555-8555-555555555555";
const VID = (n: number) => `b0000000-0000-4000-8000-00000000000${n}`;
/** The signed handover visit of 見本 そら. */
export const SIGNED = VID(1);
/** The handover visit of 架空 ゆき the receiving station's nurse has not signed. */
export const UNSIGNED = VID(2);
/** A nursing visit of 見本 そら. */
export const NURSING = VID(3);
/** 架空 みのり's visits kept after the transfer: a nursing visit and the handover visit. */
export const KEPT_NURSING = VID(4);
export const KEPT_HANDOVER = VID(5);

const MIHON = { id: "ST-MIHON", name: "見本訪問看護ステーション" };
const KAKUU = { id: "ST-KAKUU", name: "架空訪問看護ステーション" };
const MIHON_NURSE: StaffMember = { id: "u-nurse", name: "見本 看護師", profession: "nurse", role: "lead", station_id: "ST-MIHON" };
const KAKUU_NURSE: StaffMember = { id: "u-kakuu-jiro", name: "架空 次郎", profession: "nurse", role: "accompanying", station_id: "ST-KAKUU" };

/** Unix seconds of a JST `YYYY-MM-DDTHH:MM`. */
const unix = (jst: string) => Date.parse(`${jst}:00+09:00`) / 1000;

type TransferData = { visits: Record<string, Visit> };

function visit(id: string, child: string, kind: Visit["kind"], start: string, end: string, status: Visit["status"], handover: Visit["handover"]): Visit {
  return {
    id,
    child_id: child,
    station: { ...MIHON },
    kind,
    place: "自宅",
    scheduled_start: start,
    scheduled_end: end,
    actual_start: start,
    actual_end: end,
    outcome: "done",
    staff: kind === "handover" ? [{ ...MIHON_NURSE }, { ...KAKUU_NURSE }] : [{ ...MIHON_NURSE }],
    vitals: [],
    care: [],
    note: { subjective: "", objective: "", assessment: "", plan: "" },
    checklist: { template_id: "", items: {} },
    handover,
    guardian: null,
    status,
    returned: null,
    provider: null,
  };
}

const handover = (from: string | null, to: string | null): Visit["handover"] => ({
  from_station: { ...MIHON },
  to_station: { ...KAKUU },
  topics: [{ id: "t1", topic: "吸引の手順", detail: "見本の手順書を共有" }],
  from_sign_off: from ? { staff_id: MIHON_NURSE.id, name: MIHON_NURSE.name, at: from } : null,
  to_sign_off: to ? { staff_id: KAKUU_NURSE.id, name: KAKUU_NURSE.name, at: to } : null,
});

function row(v: Visit, child_name: string, handed_over: boolean): VisitRow {
  const minutes = (Date.parse(`${v.actual_end}:00Z`) - Date.parse(`${v.actual_start}:00Z`)) / 60000;
  return {
    summary: {
      id: v.id,
      child_id: v.child_id,
      kind: v.kind,
      station_id: v.station.id,
      date: v.actual_start!.slice(0, 10),
      start: v.actual_start,
      fiscal_year: 2026,
      duration_minutes: minutes,
      billable_minutes: 0,
      uses: 0,
      outcome: v.outcome,
      status: v.status,
    },
    child_name,
    handed_over,
    staff: v.staff.map((m) => m.name),
    flags: { over_cap: false, rejected: false, unconfirmed: true, instruction_expired: false, respite_length: false, short_day: false, pending_sync: false },
    rejected_reason: null,
    returned: null,
  };
}

/** Adds the scenario's children, visits and earlier transfer when the test asked for them. */
export function seedTransfer(b: FakeBackend) {
  const d = b.s.data as { transfer?: Partial<TransferData> };
  if (!d.transfer || d.transfer.visits) return;
  const visits = [
    visit(SIGNED, SORA, "handover", "2026-11-18T10:00", "2026-11-18T11:30", "submitted", handover("2026-11-18T11:20", "2026-11-18T11:25")),
    visit(UNSIGNED, YUKI, "handover", "2026-11-23T14:00", "2026-11-23T15:00", "submitted", handover("2026-11-23T14:55", null)),
    visit(NURSING, SORA, "nursing", "2026-11-11T10:00", "2026-11-11T11:00", "submitted", null),
    visit(KEPT_NURSING, MINORI, "nursing", "2026-11-09T10:00", "2026-11-09T11:00", "submitted", null),
    visit(KEPT_HANDOVER, MINORI, "handover", "2026-11-13T10:00", "2026-11-13T11:00", "approved", handover("2026-11-13T10:50", "2026-11-13T10:55")),
  ];
  d.transfer = { visits: Object.fromEntries(visits.map((v) => [v.id, v])) };
  const sh = shared(b);
  const card = (id: string, name: string, kana: string): ChildCard => ({ id, name, kana, municipality: "13103", score_total: 10, instruction_state: "valid", remaining_minutes: 8640, cap_minutes: 8640 });
  sh.children.push(card(SORA, "見本 そら", "みほん そら"), card(YUKI, "架空 ゆき", "かくう ゆき"));
  sh.visits.push(row(visits[0], "見本 そら", false), row(visits[1], "架空 ゆき", false), row(visits[2], "見本 そら", false), row(visits[3], "架空 みのり", true), row(visits[4], "架空 みのり", true));
  b.s.directory = {
    ...b.s.directory,
    transfers: [
      ...b.s.directory.transfers,
      { child_id: MINORI, child_name: "架空 みのり", municipality: "13103", from_org: "ST-MIHON", to_org: "ST-KAKUU", first_day: "2026-11-16", handover_visit: KEPT_HANDOVER, by: "見本 事務", at: unix("2026-11-13T17:00") },
    ],
  };
}

function data(b: FakeBackend): TransferData {
  return ((b.s.data as { transfer?: TransferData }).transfer ?? { visits: {} }) as TransferData;
}

const kindLabel = (k: string) => labels.visit_kind.find((x) => x.name === k)!;
const outcomeLabel = (k: string) => labels.outcome.find((x) => x.name === k)!;

/** As crates/domain/src/transfer.rs `handover_problems`. */
function handoverProblems(v: Visit, child: string, giving: string, receiving: string): Problem[] {
  const p: Problem[] = [];
  const push = (field: string, code: string, ja: string, en: string) => p.push({ field, code, ja, en });
  if (v.child_id !== child) push("handover_visit", "handover_child", "この同行訪問は別の子どもの記録です", `the handover visit is of child ${v.child_id}, not ${child}`);
  if (v.kind !== "handover") push("handover_visit", "handover_kind", `同行訪問（引継ぎ）の記録ではありません（${kindLabel(v.kind).ja}）`, `expected an accompanied handover visit, found a ${kindLabel(v.kind).en}`);
  if (v.outcome !== "done") push("outcome", "handover_not_done", `同行訪問が実施されていません（${outcomeLabel(v.outcome).ja}）`, `the handover visit did not take place (outcome ${v.outcome})`);
  if (v.status === "draft") push("status", "handover_draft", "同行訪問の記録がまだ提出されていません", "expected a submitted or approved handover visit, found a draft");
  const h = v.handover;
  if (!h) {
    push("handover", "handover_missing", "引継ぎの欄がありません", "the visit has no handover section");
    return p;
  }
  if (h.from_station.id !== giving) push("handover.from_station", "handover_station", `引継ぐ側の事業所が ${giving} ではありません（${h.from_station.id}）`, `expected the giving station ${giving}, found "${h.from_station.id}"`);
  if (h.to_station.id !== receiving) push("handover.to_station", "handover_station", `引継ぎを受ける事業所が ${receiving} ではありません（${h.to_station.id}）`, `expected the receiving station ${receiving}, found "${h.to_station.id}"`);
  const a = h.from_sign_off;
  const z = h.to_sign_off;
  if (a && z && a.staff_id === z.staff_id) push("handover.to_sign_off", "handover_same_signer", "両方の事業所の署名が同じ人です", `both sign-offs are by ${a.staff_id}: expected one nurse of each station`);
  else {
    if (!a) push("handover.from_sign_off", "handover_unsigned", "引継ぐ側の看護師の署名がありません", "the giving station's nurse has not signed");
    if (!z) push("handover.to_sign_off", "handover_unsigned", "引継ぎを受ける側の看護師の署名がありません", "the receiving station's nurse has not signed");
  }
  return p;
}

/** `YYYY-MM-DD` plus `n` days. */
function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + n * 86400000).toISOString().slice(0, 10);
}

export const transferCommands: Handlers = {
  visit_detail: (b, a): VisitDetail => {
    const v = data(b).visits[a.id];
    if (!v) return officeCommands.visit_detail!(b, a) as VisitDetail;
    const r = shared(b).visits.find((x) => x.summary.id === a.id)!;
    return { visit: structuredClone(v), row: structuredClone(r), warnings: [], history: [], history_error: null };
  },
  transfer_child: (b, a) => {
    const user = b.s.user;
    if (!user || (user.role !== "office" && user.role !== "admin")) fail("forbidden", "子どもの移管は事務担当と管理者だけができます", "only office staff and administrators transfer a child");
    const today = b.s.today.date;
    const unknownChild = () => fail("forbidden", "この子どもの移管はできません（記録がないか、あなたの事業所の子どもではありません）", "you may not transfer this child (no such child, or not your station's)");
    const card = shared(b).children.find((c) => c.id === a.childId);
    if (!card) unknownChild();
    const past = b.s.directory.transfers.filter((t) => t.child_id === a.childId);
    const owner = past.filter((t) => t.first_day <= today).at(-1)?.to_org ?? "ST-MIHON";
    if (user.role === "office" && owner !== user.org_id) unknownChild();
    const req = a.request;
    const problems: Problem[] = [];
    const push = (field: string, code: string, ja: string, en: string) => problems.push({ field, code, ja, en });
    const to = b.s.directory.orgs.find((o) => o.id === req.to_org);
    if (to && to.id === owner) push("to_org", "same_station", `移管先が今の事業所（${to.name || to.id}）と同じです`, `the receiving station is the child's station already (${to.id})`);
    else if (!to || to.kind !== "station") push("to_org", "unknown_station", `移管先の事業所 "${req.to_org}" はありません`, `expected the id of another station, found "${req.to_org}"`);
    const pending = past.find((t) => t.first_day > today);
    if (pending) push("first_day", "transfer_pending", `${pending.first_day} から ${pending.to_org} への移管がすでに予定されています`, `a transfer to ${pending.to_org} from ${pending.first_day} is already waiting for its first day`);
    let handoverDay: string | null = null;
    if (req.handover_visit !== null) {
      const v = data(b).visits[req.handover_visit];
      if (v && v.child_id === a.childId) {
        problems.push(...handoverProblems(v, a.childId, owner, req.to_org));
        // Each signer must be a person of their station (the directory knows the nurses).
        const h = v.handover;
        for (const [field, sign, station] of [["handover.from_sign_off", h?.from_sign_off, owner], ["handover.to_sign_off", h?.to_sign_off, req.to_org]] as const) {
          if (sign && b.s.directory.people.find((p) => p.id === sign.staff_id)?.org_id !== station)
            push(field, "signer_station", `署名した ${sign.name} さんは ${station} の職員ではありません`, `the signer "${sign.staff_id}" is not a person of station ${station}`);
        }
        handoverDay = (v.actual_start ?? v.scheduled_start ?? today).slice(0, 10);
      } else push("handover_visit", "unknown_visit", `この子どもの訪問記録 "${req.handover_visit}" はありません`, `no visit "${req.handover_visit}" of this child`);
    } else if (user.role !== "admin") push("handover_visit", "required", "移管の前に、両方の事業所の看護師が署名した同行訪問の記録が必要です", "expected the accompanied handover visit both stations' nurses signed");
    const first = req.first_day;
    if (handoverDay && first < handoverDay) push("first_day", "before_handover", `移管日 ${first} が同行訪問の日 ${handoverDay} より前です`, `the first day ${first} is before the handover visit on ${handoverDay}`);
    const last = past.map((t) => t.first_day).sort().at(-1);
    if (last && first <= last) push("first_day", "before_last_transfer", `移管日 ${first} が前回の移管日 ${last} 以前です`, `the first day ${first} is not after the last transfer's first day ${last}`);
    const latest = addDays(today, 366);
    if (first > latest) push("first_day", "too_far_ahead", `移管日 ${first} が先すぎます（${latest} まで）`, `the first day ${first} is too far ahead (expected at most ${latest})`);
    if (problems.length) fail("invalid", "入力に問題があります。各項目を確認してください", "the input was refused: see the problems", problems);
    const transfer: Transfer = {
      child_id: a.childId,
      child_name: card!.name,
      municipality: card!.municipality,
      from_org: owner,
      to_org: req.to_org,
      first_day: first,
      handover_visit: req.handover_visit,
      by: user.name || user.username,
      at: unix(b.s.today.now),
    };
    b.s.directory = { ...b.s.directory, transfers: [...b.s.directory.transfers, transfer] };
    return transfer;
  },
};
