// The fake backend's data: fictional people (見本), a fixed "today" (2026-11-24, 令和8年度).
// Tests override parts of it through `window.__SCENARIO__` before the app loads.
import type { AccessRemoval, Directory, Notice, RejectedDoc, SyncProgress, Today, UserInfo } from "../../src/bindings";

/** An account the fake's login knows. `oneTime`: the password is a one-time one (the server asks
 * for a new one); `expired`: that one-time password has run out; `disabled`: the account is off;
 * `otp`: the one code its (fictional) authenticator app shows, and `recovery` its unused recovery
 * codes — the server asks for one of them; `enrol`: it must enrol a second factor after login. */
export type Account = {
  user: UserInfo;
  password: string;
  oneTime?: boolean;
  expired?: boolean;
  disabled?: boolean;
  otp?: string;
  recovery?: string[];
  enrol?: boolean;
};

export type Scenario = {
  today: Today;
  accounts: Account[];
  user: UserInfo | null;
  serverUrl: string | null;
  pin: string | null;
  unlocked: boolean;
  /** Wrong PINs in a row, and how many wipe the device (carebook_core::vault::WipePolicy). */
  pinFailures: number;
  /** What `notices` answers. */
  notices: Notice[];
  wipeAfter: number;
  /** `AppStatus.idle_lock_secs`. */
  idleLockSecs: number;
  /** The logged-in account must enrol a second factor before anything else. */
  enrolRequired?: boolean;
  /** `expired`: the server answered `token_expired` (the token's age, or `idle_days` without a sync). */
  sync: { online: boolean; pending: number; rejected: RejectedDoc[]; removed: AccessRemoval[]; lastSyncAt: string | null; progress: SyncProgress | null; expired?: boolean };
  /** The organisation as last synced (`directory`); empty before the first sync. */
  directory: Directory;
  /** Area data (children, visits …), owned by the area's fake file. */
  data: Record<string, unknown>;
};

// Account names differ from display names on purpose: the screens must show the names.
export const NURSE: UserInfo = { id: "u-nurse", username: "mihon-kango", role: "nurse", org_id: "ST-MIHON", name: "見本 看護師", profession: "nurse" };
export const PARENT: UserInfo = { id: "u-parent", username: "mihon-hogosha", role: "parent", org_id: "ST-MIHON", name: "見本 保護者", profession: null };
export const OFFICE: UserInfo = { id: "u-office", username: "mihon-jimu", role: "office", org_id: "ST-MIHON", name: "見本 事務", profession: null };
/** A new nurse whose first password is a one-time one. */
export const NEWCOMER: UserInfo = { id: "u-newcomer", username: "kakuu-shinjin", role: "nurse", org_id: "ST-MIHON", name: "架空 新人", profession: "nurse" };

/** Two stations and a ward office, with their nurses and office staff (fictional). */
export function baseDirectory(): Directory {
  return {
    orgs: [
      { id: "ST-KAKUU", kind: "station", name: "架空訪問看護ステーション", municipality: null },
      { id: "ST-MIHON", kind: "station", name: "見本訪問看護ステーション", municipality: null },
      { id: "MU-13103", kind: "municipality", name: "港区（見本）", municipality: "13103" },
    ],
    people: [
      { id: "u-kakuu-jiro", name: "架空 次郎", kana: "かくう じろう", profession: "nurse", role: "nurse", org_id: "ST-KAKUU" },
      { id: "u-kakuu-pt", name: "架空 理子", kana: "かくう りこ", profession: "physiotherapist", role: "nurse", org_id: "ST-KAKUU" },
      { id: "u-nurse", name: "見本 看護師", kana: "みほん かんごし", profession: "nurse", role: "nurse", org_id: "ST-MIHON" },
      { id: "u-mihon-natsu", name: "見本 夏子", kana: "みほん なつこ", profession: "associate_nurse", role: "nurse", org_id: "ST-MIHON" },
      { id: "u-office", name: "見本 事務", kana: "みほん じむ", profession: null, role: "office", org_id: "ST-MIHON" },
    ],
    transfers: [],
  };
}

export function baseScenario(): Scenario {
  return {
    today: { date: "2026-11-24", now: "2026-11-24T10:00", fiscal_year: 2026, fiscal_year_ja: "令和8年度", fiscal_year_en: "FY2026" },
    accounts: [
      { user: NURSE, password: "mihon-nurse" },
      { user: PARENT, password: "mihon-parent" },
      { user: OFFICE, password: "mihon-office" },
      { user: NEWCOMER, password: "KARI-2468-MIHON", oneTime: true },
    ],
    user: NURSE,
    serverUrl: "http://127.0.0.1:8080",
    pin: "1234",
    unlocked: true,
    pinFailures: 0,
    notices: [],
    wipeAfter: 10,
    idleLockSecs: 300,
    sync: { online: true, pending: 0, rejected: [], removed: [], lastSyncAt: "2026-11-24T09:55", progress: null },
    directory: baseDirectory(),
    data: {},
  };
}
