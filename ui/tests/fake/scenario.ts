// The fake backend's data: fictional people (見本), a fixed "today" (2026-11-24, 令和8年度).
// Tests override parts of it through `window.__SCENARIO__` before the app loads.
import type { AccessRemoval, RejectedDoc, SyncProgress, Today, UserInfo } from "../../src/bindings";

export type Account = { user: UserInfo; password: string };

export type Scenario = {
  today: Today;
  accounts: Account[];
  user: UserInfo | null;
  serverUrl: string | null;
  pin: string | null;
  unlocked: boolean;
  sync: { online: boolean; pending: number; rejected: RejectedDoc[]; removed: AccessRemoval[]; lastSyncAt: string | null; progress: SyncProgress | null };
  /** Area data (children, visits …), owned by the area's fake file. */
  data: Record<string, unknown>;
};

export const NURSE: UserInfo = { id: "u-nurse", username: "見本 看護師", role: "nurse", org_id: "ST-MIHON", name: "見本 看護師", profession: "nurse" };
export const PARENT: UserInfo = { id: "u-parent", username: "見本 保護者", role: "parent", org_id: "ST-MIHON", name: "見本 保護者", profession: null };
export const OFFICE: UserInfo = { id: "u-office", username: "見本 事務", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };

export function baseScenario(): Scenario {
  return {
    today: { date: "2026-11-24", now: "2026-11-24T10:00", fiscal_year: 2026, fiscal_year_ja: "令和8年度", fiscal_year_en: "FY2026" },
    accounts: [
      { user: NURSE, password: "mihon-nurse" },
      { user: PARENT, password: "mihon-parent" },
      { user: OFFICE, password: "mihon-office" },
    ],
    user: NURSE,
    serverUrl: "http://127.0.0.1:8080",
    pin: "1234",
    unlocked: true,
    sync: { online: true, pending: 0, rejected: [], removed: [], lastSyncAt: "2026-11-24T09:55", progress: null },
    data: {},
  };
}
