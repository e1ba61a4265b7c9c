// An in-memory stand-in for the Rust side, for UI tests only. It answers each command with data
// shaped by the generated bindings; the numbers it returns are the scenario's, worked out by hand
// in tests/fake/scenario.ts, not by the app's rules. Each area adds its commands in its own file.
import type { ErrorBody } from "../../src/bindings";
import type { AllCommands as Commands } from "../../src/api";
import labels from "../fixtures/labels.json";
import templates from "../fixtures/templates.json";
import { baseScenario, type Scenario } from "./scenario";
import { nurseCommands } from "./nurse";
import { parentCommands } from "./parent";
import { officeCommands } from "./office";
import { sharedCommands } from "./shared";
import { peopleCommands } from "./people";
import { rulesCommands } from "./rules";
import { consentCommands } from "./consent";
import { seedTransfer, transferCommands } from "./transfer";
import { claimCommands } from "./claim";
import { daytimeCommands } from "./daytime";
import { coordinatorCommands } from "./coordinator";
import { chartsCommands } from "./charts";
import { resultsCommands } from "./results";
import { secondFactorCommands } from "./second_factor";

export type { Scenario };
type Cmd = keyof Commands;
export type Handlers = { [K in Cmd]?: (b: FakeBackend, args: Commands[K]["args"]) => Commands[K]["result"] | Promise<Commands[K]["result"]> };

/** The wire's error shape, as the Rust side makes it: `ja`, `en`, and `message` for older readers. */
export function errorBody(code: string, ja: string, en: string, problems: ErrorBody["problems"] = []): ErrorBody {
  return { code, message: `${ja} / ${en}`, ja, en, problems };
}

/** Throws the wire's error shape, as a failing Rust command does. */
export function fail(code: string, ja: string, en: string, problems: ErrorBody["problems"] = []): never {
  throw errorBody(code, ja, en, problems);
}

const commonCommands: Handlers = {
  app_status: (b) => b.status(),
  login: (b, a) => {
    const account = b.s.accounts.find((x) => x.user.username === a.username && x.password === a.password);
    if (!a.serverUrl.startsWith("http")) fail("invalid", `サーバーのアドレス ${a.serverUrl} が正しくありません`, `invalid server address ${a.serverUrl}`);
    if (!account) fail("bad_credentials", "ユーザー名またはパスワードが違います", "wrong username or password");
    if (account.otp) {
      if (!a.otp) fail("second_factor_required", "認証アプリの 6 桁のコード（または回復コード）を入力してください", "enter the 6-digit code of your authenticator app (or a recovery code)");
      // Like the server: spaces in a code are ignored.
      const typed = a.otp.replace(/\s/g, "");
      const recovery = (account.recovery ?? []).indexOf(a.otp);
      if (typed !== account.otp && recovery < 0) fail("second_factor_wrong", "確認コードが違うか、すでに使われています。次のコードを入力してください", "the code is wrong or was already used; enter the next one");
      if (recovery >= 0) account.recovery!.splice(recovery, 1);
    }
    if (account.disabled) fail("account_disabled", "このアカウントは停止されています", "this account is disabled");
    if (account.oneTime) {
      if (account.expired) fail("one_time_password_expired", "仮パスワードの有効期限が切れています", "the one-time password has expired");
      if (a.newPassword === null) fail("password_change_required", "仮パスワードです。新しいパスワードを決めてください", "this is a one-time password; choose a new one");
      // Like the server's rule, roughly: long enough and not the one-time password again.
      const np = a.newPassword;
      if (np.length < 12) fail("invalid", "入力内容に問題があります", "the input is invalid", [{ field: "new_password", code: "too_short", ja: `パスワードは12文字以上にしてください（${np.length}文字）`, en: `a password needs at least 12 characters (${np.length})` }]);
      if (np === account.password) fail("invalid", "入力内容に問題があります", "the input is invalid", [{ field: "new_password", code: "same_as_old", ja: "仮パスワードとは別のものにしてください", en: "the new password must differ from the one-time one" }]);
      account.password = np;
      account.oneTime = false;
    }
    b.s.user = account.user;
    b.s.serverUrl = a.serverUrl;
    b.s.enrolRequired = !!account.enrol;
    b.s.sync.expired = false;
    return b.status();
  },
  set_pin: (b, a) => {
    if (!/^\d{4,8}$/.test(a.pin) && a.pin.length < 8)
      fail("invalid", "入力内容に問題があります", "the input is invalid", [
        { field: "pin", code: "pin_length", ja: "PIN は 4〜8 桁の数字です", en: "a PIN has 4–8 digits" },
      ]);
    b.s.pin = a.pin;
    b.s.unlocked = true;
    return b.status();
  },
  // The notices as the scenario says (the core works them out: Carebook::notices).
  notices: (b) => b.s.notices,
  change_pin: (b, a) => {
    if (!/^\d{4,8}$/.test(a.pin) && a.pin.length < 8)
      fail("invalid", "入力内容に問題があります", "the input is invalid", [
        { field: "pin", code: "pin_length", ja: "PIN は 4〜8 桁の数字です", en: "a PIN has 4–8 digits" },
      ]);
    if (a.current !== b.s.pin) {
      b.s.pinFailures += 1;
      const left = b.s.wipeAfter - b.s.pinFailures;
      fail("invalid", "入力内容に問題があります", "the input is invalid", [
        { field: "pin", code: "wrong_pin", ja: `PIN が違います。あと ${left} 回間違えると、この端末の記録を消去します`, en: `wrong PIN. ${left} more wrong tries erase this device's records` },
      ]);
    }
    b.s.pinFailures = 0;
    b.s.pin = a.pin;
    return b.status();
  },
  unlock: (b, a) => {
    if (b.s.pin !== null && a.pin !== b.s.pin) {
      // As carebook_core::vault: each wrong PIN warns of the wipe; the last one wipes.
      b.s.pinFailures += 1;
      const left = b.s.wipeAfter - b.s.pinFailures;
      const unsent = b.s.sync.pending;
      if (left <= 0) {
        Object.assign(b.s, { pin: null, unlocked: true, user: null, serverUrl: null, pinFailures: 0 });
        b.s.sync.pending = 0;
        fail(
          "device_wiped",
          `PIN の誤りが続いたため、この端末の記録を消去しました（未送信だった記録 ${unsent} 件）。送信済みの記録は、ログインし直すとサーバーから戻ります`,
          `too many wrong PINs: this device's records were erased (${unsent} not yet sent). Records already sent come back from the server after signing in again`,
        );
      }
      fail("invalid", "入力内容に問題があります", "the input is invalid", [
        {
          field: "pin",
          code: "wrong_pin",
          ja: `PIN が違います。あと ${left} 回間違えると、この端末の記録を消去します（未送信の記録 ${unsent} 件も失われます）`,
          en: `wrong PIN. ${left} more wrong tries erase this device's records (${unsent} records not yet sent will be lost)`,
        },
      ]);
    }
    b.s.pinFailures = 0;
    b.s.unlocked = true;
    return b.status();
  },
  lock: (b) => {
    b.s.unlocked = false;
    return b.status();
  },
  sync_view: (b) => b.syncView(),
  sync_now: (b) => {
    b.s.sync.pending = 0;
    b.s.sync.lastSyncAt = b.s.today.now;
    return b.syncView();
  },
  directory: (b) => b.s.directory,
  // Tests may replace some lists with `__SCENARIO__.data.labels` (to tell the core's words from a copy).
  labels: (b) => ({ ...(labels as Commands["labels"]["result"]), ...((b.s.data as { labels?: Partial<Commands["labels"]["result"]> }).labels ?? {}) }),
  templates: () => templates as Commands["templates"]["result"],
};

export class FakeBackend {
  s: Scenario;
  private handlers: Handlers;
  constructor(overrides: Partial<Scenario>) {
    this.s = { ...baseScenario(), ...overrides };
    this.handlers = { ...commonCommands, ...sharedCommands, ...nurseCommands, ...parentCommands, ...officeCommands, ...peopleCommands, ...rulesCommands, ...consentCommands, ...transferCommands, ...claimCommands, ...daytimeCommands, ...coordinatorCommands, ...chartsCommands, ...resultsCommands, ...secondFactorCommands };
    seedTransfer(this);
  }

  async handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    const h = this.handlers[cmd as Cmd] as ((b: FakeBackend, a: unknown) => unknown) | undefined;
    if (!h) fail("not_implemented", `偽のバックエンドに ${cmd} の処理がありません`, `fake backend: no handler for ${cmd}`);
    return h(this, args);
  }

  status(): Commands["app_status"]["result"] {
    return {
      user: this.s.user,
      server_url: this.s.serverUrl,
      default_server_url: "http://127.0.0.1:8080",
      pin_set: this.s.pin !== null,
      unlocked: this.s.pin === null || this.s.unlocked,
      idle_lock_secs: this.s.idleLockSecs,
      today: this.s.today,
      demo_hint: null,
      second_factor_enrolment_required: !!this.s.enrolRequired,
    };
  }

  syncView(): Commands["sync_view"]["result"] {
    const sy = this.s.sync;
    return {
      online: sy.online,
      status: { user: this.s.user, server_url: this.s.serverUrl, pending: sy.pending, rejected: sy.rejected, last_sync_at: sy.lastSyncAt, cursor: 0, removed: sy.removed ?? [] },
      run: {
        syncing: sy.progress !== null,
        progress: sy.progress,
        last_success_at: sy.lastSyncAt,
        last_report: null,
        last_error: sy.expired
          ? errorBody("token_expired", "ログインの有効期限が切れました。もう一度ログインしてください", "the token has expired; log in again")
          : sy.online
            ? null
            : errorBody("offline", "サーバーに接続できません。記録は端末に保存されています", "cannot reach the server; records are kept on this device"),
        failures: sy.online ? 0 : 1,
      },
    };
  }
}
