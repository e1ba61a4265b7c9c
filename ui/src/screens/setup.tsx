// First run: server address and login (the role comes from the account), then a PIN; later runs
// open with the PIN.
import { useState } from "preact/hooks";
import type { AppStatus } from "../bindings";
import { ApiError, call, problemText } from "../api";
import { t } from "../i18n";
import { ErrorBox, Field } from "../ui";

export function LoginScreen({ status, onDone }: { status: AppStatus; onDone: (s: AppStatus) => void }) {
  const [serverUrl, setServerUrl] = useState(status.default_server_url ?? "");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  // Set once the server said the password is a one-time one: then a new one is asked, twice.
  const [oneTime, setOneTime] = useState(false);
  const [newPassword, setNewPassword] = useState("");
  const [newAgain, setNewAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (oneTime && newPassword !== newAgain) return setMismatch(true);
    setMismatch(false);
    setBusy(true);
    try {
      onDone(await call("login", { serverUrl, username, password, newPassword: oneTime ? newPassword : null }));
    } catch (err) {
      const e = ApiError.from(err);
      if (e.code === "password_change_required") {
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
        {busy ? t("logging_in") : oneTime ? t("set_password_login") : t("login")}
      </button>
      {status.demo_hint && <p class="hint" data-testid="demo-hint">{status.demo_hint}</p>}
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
