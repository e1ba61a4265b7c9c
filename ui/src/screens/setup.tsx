// First run: server address and login (the role comes from the account), then a PIN; later runs
// open with the PIN.
import { useEffect, useState } from "preact/hooks";
import type { AppStatus, SecondFactorEnrolment, SecondFactorStatus } from "../bindings";
import { ApiError, call, problemText } from "../api";
import { t } from "../i18n";
import { ErrorBox, Field } from "../ui";

/** The login; signed in already (signing in again after the token expired), the server and the
 * account are filled in, and the records on the tablet stay. */
export function LoginScreen({ status, onDone, onCancel }: { status: AppStatus; onDone: (s: AppStatus) => void; onCancel?: () => void }) {
  const [serverUrl, setServerUrl] = useState(status.server_url ?? status.default_server_url ?? "");
  const [username, setUsername] = useState(status.user?.username ?? "");
  const [password, setPassword] = useState("");
  // Set once the server said the password is a one-time one: then a new one is asked, twice.
  const [oneTime, setOneTime] = useState(false);
  const [newPassword, setNewPassword] = useState("");
  const [newAgain, setNewAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);
  // Set once the server said the password is right and the account has a second factor.
  const [needsCode, setNeedsCode] = useState(false);
  const [otp, setOtp] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (oneTime && newPassword !== newAgain) return setMismatch(true);
    setMismatch(false);
    setBusy(true);
    try {
      onDone(await call("login", { serverUrl, username, password, newPassword: oneTime ? newPassword : null, otp: needsCode && otp.trim() ? otp.trim() : null }));
    } catch (err) {
      const e = ApiError.from(err);
      if (e.code === "second_factor_required") {
        setNeedsCode(true);
        setError(null);
      } else if (e.code === "second_factor_wrong") {
        setOtp("");
        setError(e);
      } else if (e.code === "password_change_required") {
        setOneTime(true);
        setError(null);
      } else {
        if (e.code === "one_time_password_expired" || e.code === "account_disabled") setOneTime(false);
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  };
  const e = error ? ApiError.from(error) : null;
  const newProblems = e?.problems().filter((p) => p.field === "new_password") ?? [];
  const otherError = e && !(newProblems.length && newProblems.length === e.problems().length) ? e : null;
  const help = e?.code === "account_disabled" ? t("login_disabled_help") : e?.code === "one_time_password_expired" ? t("login_expired_help") : null;
  const resetOneTime = () => {
    setNeedsCode(false);
    setOtp("");
    setOneTime(false);
    setNewPassword("");
    setNewAgain("");
    setMismatch(false);
  };
  return (
    <form class="card narrow" onSubmit={submit} data-testid="login-form">
      <h1>{t("setup_title")}</h1>
      <p>{t("setup_lead")}</p>
      <Field label={t("server_url")}>
        <input name="server" type="url" inputMode="url" value={serverUrl} onInput={(e) => setServerUrl(e.currentTarget.value)} required />
      </Field>
      <Field label={t("username")}>
        <input name="username" autoComplete="username" value={username} onInput={(e) => (setUsername(e.currentTarget.value), resetOneTime())} required />
      </Field>
      <Field label={t("password")}>
        <input name="password" type="password" autoComplete="current-password" value={password} onInput={(e) => (setPassword(e.currentTarget.value), resetOneTime())} required />
      </Field>
      {needsCode && (
        <div class="one-time" data-testid="login-otp" role="region" aria-label={t("otp_title")}>
          <h2>{t("otp_title")}</h2>
          <p>{t("otp_lead")}</p>
          <Field label={t("otp")}>
            <input name="otp" autoComplete="one-time-code" autoFocus value={otp} onInput={(e) => setOtp(e.currentTarget.value)} required />
          </Field>
        </div>
      )}
      {oneTime && (
        <div class="one-time" data-testid="login-one-time" role="region" aria-label={t("one_time_title")}>
          <h2>{t("one_time_title")}</h2>
          <p>{t("one_time_lead")}</p>
          <Field label={t("new_password")} hint={t("new_password_hint")}>
            <input name="new-password" type="password" autoComplete="new-password" autoFocus value={newPassword} onInput={(e) => setNewPassword(e.currentTarget.value)} required />
          </Field>
          {newProblems.map((p) => (
            <p class="field-problem" role="alert" data-testid="new-password-problem" data-code={p.code}>
              {problemText(p)}
            </p>
          ))}
          <Field label={t("new_password_again")}>
            <input name="new-password-again" type="password" autoComplete="new-password" value={newAgain} onInput={(e) => setNewAgain(e.currentTarget.value)} required />
          </Field>
          {mismatch && (
            <div class="error" role="alert" data-testid="new-password-mismatch">
              {t("new_password_mismatch")}
            </div>
          )}
        </div>
      )}
      <ErrorBox error={otherError} />
      {help && (
        <p class="warning" data-testid="login-help" data-code={e?.code}>
          {help}
        </p>
      )}
      <button class="primary" type="submit" disabled={busy} data-testid="login-submit">
        {busy ? t("logging_in") : oneTime ? t("set_password_login") : needsCode ? t("otp_login") : t("login")}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel} data-testid="login-cancel">
          {t("cancel")}
        </button>
      )}
      {status.demo_hint && <p class="hint" data-testid="demo-hint">{status.demo_hint}</p>}
    </form>
  );
}

/** Enrolling a second factor: the QR code (an image, never markup) and the secret as text, a code
 * of the app, then the recovery codes once. `required`: the account can do nothing else first. */
export function SecondFactorScreen({ required, onDone }: { required: boolean; onDone: () => void }) {
  const [enrolment, setEnrolment] = useState<SecondFactorEnrolment | null>(null);
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const start = async () => {
    setError(null);
    setBusy(true);
    try {
      setEnrolment(await call("start_second_factor", { password: null }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setCodes((await call("confirm_second_factor", { code: code.trim() })).codes);
    } catch (err) {
      setError(err);
      setCode("");
    } finally {
      setBusy(false);
    }
  };
  if (codes)
    return (
      <section class="card narrow" data-testid="sf-codes">
        <h1>{t("sf_codes_title")}</h1>
        <p class="warning">{t("sf_codes_lead")}</p>
        <ol class="recovery-codes" data-testid="sf-code-list">
          {codes.map((c) => (
            <li>
              <code>{c}</code>
            </li>
          ))}
        </ol>
        <button class="primary" onClick={onDone} data-testid="sf-done">
          {t("sf_codes_done")}
        </button>
      </section>
    );
  return (
    <form class="card narrow" onSubmit={confirm} data-testid="sf-form">
      <h1>{t("sf_title")}</h1>
      {required && <p data-testid="sf-required">{t("sf_required_lead")}</p>}
      {!enrolment ? (
        <button class="primary" type="button" onClick={start} disabled={busy} data-testid="sf-start">
          {t("sf_start")}
        </button>
      ) : (
        <>
          <p>{t("sf_step_scan")}</p>
          <img class="qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`} alt={t("sf_qr_alt")} width={200} height={200} data-testid="sf-qr" />
          <p class="hint">{t("sf_secret")}</p>
          <p>
            <code class="secret" data-testid="sf-secret">
              {enrolment.secret.replace(/(.{4})(?=.)/g, "$1 ")}
            </code>
          </p>
          <p>{t("sf_step_code")}</p>
          <Field label={t("sf_code")}>
            <input name="sf-code" inputMode="numeric" autoComplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} required />
          </Field>
          <button class="primary" type="submit" disabled={busy} data-testid="sf-confirm">
            {t("sf_confirm")}
          </button>
        </>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

/** The account's second factor from the header: enrol one, or see it is on and (roles that need
 * not have one) turn it off with the password. */
export function SecondFactorSettings({ onClose }: { onClose: () => void }) {
  const [status, setStatus] = useState<SecondFactorStatus | null>(null);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const load = () => call("second_factor_status", {}).then(setStatus, setError);
  useEffect(() => void load(), []);
  const remove = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setStatus(await call("remove_second_factor", { password }));
      setPassword("");
    } catch (err) {
      setError(err);
    }
  };
  const close = (
    <button type="button" onClick={onClose} data-testid="sf-close">
      {t("sf_close")}
    </button>
  );
  if (!status)
    return (
      <section class="card narrow">
        <ErrorBox error={error} />
        {close}
      </section>
    );
  if (!status.enrolled)
    return (
      <div data-testid="sf-settings" data-enrolled="false">
        <p class="card narrow" data-testid="sf-state">
          {t("sf_off")}
        </p>
        <SecondFactorScreen required={false} onDone={load} />
        <p class="narrow">{close}</p>
      </div>
    );
  return (
    <form class="card narrow" onSubmit={remove} data-testid="sf-settings" data-enrolled="true">
      <h1>{t("sf_open")}</h1>
      <p data-testid="sf-state">{t("sf_on", { n: status.recovery_codes_left })}</p>
      {status.required ? (
        <p class="hint">{t("sf_keep")}</p>
      ) : (
        <>
          <Field label={t("sf_remove_password")}>
            <input name="sf-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
          </Field>
          <button type="submit" data-testid="sf-remove">
            {t("sf_remove")}
          </button>
        </>
      )}
      <ErrorBox error={error} />
      {close}
    </form>
  );
}

/** The first PIN; with `onCancel`, a change of PIN, which asks for the current one first. */
export function PinScreen({ onDone, onCancel }: { onDone: (s: AppStatus) => void; onCancel?: () => void }) {
  const changing = !!onCancel;
  const [current, setCurrent] = useState("");
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [mismatch, setMismatch] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (pin !== again) return setMismatch(true);
    setMismatch(false);
    try {
      onDone(await (changing ? call("change_pin", { current, pin }) : call("set_pin", { pin })));
    } catch (err) {
      setError(err);
      setCurrent("");
    }
  };
  return (
    <form class="card narrow" onSubmit={submit} data-testid="pin-form">
      <h1>{t(changing ? "pin_change_title" : "pin_title")}</h1>
      <p>{t(changing ? "pin_change_lead" : "pin_lead")}</p>
      {changing && (
        <Field label={t("pin_current")}>
          <input name="pin-current" type="password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} autoFocus required />
        </Field>
      )}
      <Field label={t(changing ? "pin_new" : "pin")}>
        <input name="pin" type="password" value={pin} onInput={(e) => setPin(e.currentTarget.value)} required />
      </Field>
      <Field label={t("pin_again")}>
        <input name="pin-again" type="password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} required />
      </Field>
      {mismatch && (
        <div class="error" role="alert" data-testid="pin-mismatch">
          {t("pin_mismatch")}
        </div>
      )}
      <ErrorBox error={error} />
      <div class="row">
        <button class="primary" type="submit" data-testid="pin-submit">
          {t(changing ? "pin_change" : "pin_set")}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} data-testid="pin-cancel">
            {t("cancel")}
          </button>
        )}
      </div>
    </form>
  );
}

export function UnlockScreen({ onDone }: { onDone: (s: AppStatus) => void }) {
  const [pin, setPin] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [wiped, setWiped] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      onDone(await call("unlock", { pin }));
    } catch (err) {
      setError(err);
      setPin("");
      if ((err as { code?: string })?.code === "device_wiped") setWiped(true);
    }
  };
  if (wiped)
    return (
      <div class="card narrow" data-testid="wiped">
        <h1>{t("wiped_title")}</h1>
        <ErrorBox error={error} />
        <button class="primary" type="button" data-testid="wiped-continue" onClick={() => call("app_status", {}).then(onDone, setError)}>
          {t("wiped_continue")}
        </button>
      </div>
    );
  return (
    <form class="card narrow" onSubmit={submit} data-testid="unlock-form">
      <h1>{t("unlock_title")}</h1>
      <Field label={t("unlock_lead")}>
        <input name="pin" type="password" value={pin} onInput={(e) => setPin(e.currentTarget.value)} autoFocus required />
      </Field>
      <ErrorBox error={error} />
      <button class="primary" type="submit" data-testid="unlock-submit">
        {t("unlock")}
      </button>
    </form>
  );
}
