// The frame: first run (server, login, PIN), the lock, then the screens of the account's role
// under a header with the sync line and the switches: language, era, text size and colours.
import { useEffect, useState } from "preact/hooks";
import type { AppStatus, Labels } from "./bindings";
import { call } from "./api";
import { dateEra, lang, onLangChange, setEra, setLang, t, label } from "./i18n";
import { ErrorBox } from "./ui";
import { LoginScreen, PinScreen, SecondFactorScreen, SecondFactorSettings, UnlockScreen } from "./screens/setup";
import { SyncBar } from "./screens/sync";
import { NoticesButton } from "./screens/notices";
import { NurseApp } from "./screens/nurse";
import { ParentApp } from "./screens/parent";
import { CoordinatorApp } from "./screens/coordinator";
import { OfficeApp } from "./screens/office";
import { AppContext } from "./context";
import { onComfortChange, setTextSize, setTheme, textSize, theme, TEXT_SIZES, THEMES } from "./comfort";

export function App() {
  const [, setTick] = useState(0);
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [labels, setLabels] = useState<Labels | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dataStamp, setDataStamp] = useState<string | null>(null);
  const [changingPin, setChangingPin] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const [secondFactor, setSecondFactor] = useState(false);

  useEffect(() => onLangChange(() => setTick((n) => n + 1)), []);
  useEffect(() => onComfortChange(() => setTick((n) => n + 1)), []);
  useEffect(() => {
    document.documentElement.lang = lang.value;
    call("app_status", {}).then(setStatus, setError);
  }, []);
  const ready = !!status?.user && status.pin_set && status.unlocked && !status.second_factor_enrolment_required;
  useIdleLock(ready ? (status?.idle_lock_secs ?? 0) : 0, () => call("lock", {}).then(setStatus, setError));
  useEffect(() => {
    if (ready && !labels) call("labels", {}).then(setLabels, setError);
  }, [ready]);

  let body;
  if (error) body = <ErrorBox error={error} />;
  else if (!status) body = <p class="muted">{t("loading")}</p>;
  // A PIN locks everything, the sign-in too: after a restart the encrypted store opens only
  // with it, so who is signed in is not known before.
  else if (status.pin_set && !status.unlocked) body = <UnlockScreen onDone={setStatus} />;
  else if (!status.user) body = <LoginScreen status={status} onDone={setStatus} />;
  else if (!status.pin_set) body = <PinScreen onDone={setStatus} />;
  else if (status.second_factor_enrolment_required) body = <SecondFactorScreen required onDone={() => call("app_status", {}).then(setStatus, setError)} />;
  else if (signingIn)
    body = (
      <LoginScreen
        status={status}
        onDone={(s) => {
          setStatus(s);
          setSigningIn(false);
        }}
        onCancel={() => setSigningIn(false)}
      />
    );
  else if (changingPin)
    body = (
      <PinScreen
        onDone={(s) => {
          setStatus(s);
          setChangingPin(false);
        }}
        onCancel={() => setChangingPin(false)}
      />
    );
  else if (!labels) body = <p class="muted">{t("loading")}</p>;
  else if (secondFactor) body = <SecondFactorSettings onClose={() => setSecondFactor(false)} />;
  else {
    const role = status.user.role;
    body = (
      <AppContext.Provider value={{ status, labels, dataStamp }}>
        {role === "nurse" ? <NurseApp /> : role === "parent" ? <ParentApp /> : role === "coordinator" ? <CoordinatorApp /> : <OfficeApp />}
      </AppContext.Provider>
    );
  }

  return (
    <div class="frame">
      <header class="top">
        <span class="brand">{t("app_name")}</span>
        {status && <span class="fy" data-testid="fy-label">{lang.value === "ja" ? status.today.fiscal_year_ja : status.today.fiscal_year_en}</span>}
        {status?.user && labels && (
          <span class="who" data-testid="who">
            {t("logged_in_as", { name: status.user.name || status.user.username, role: label(labels.role, status.user.role) })}
          </span>
        )}
        <span class="spacer" />
        <div class="lang" role="group" aria-label={t("language")}>
          <button class={lang.value === "ja" ? "on" : ""} aria-pressed={lang.value === "ja"} lang="ja" onClick={() => setLang("ja")} data-testid="lang-ja">
            {t("lang_ja")}
          </button>
          <button class={lang.value === "en" ? "on" : ""} aria-pressed={lang.value === "en"} lang="en" onClick={() => setLang("en")} data-testid="lang-en">
            {t("lang_en")}
          </button>
        </div>
        {lang.value === "ja" && (
          <div class="era" role="group" aria-label={t("era")}>
            <button class={dateEra.value === "western" ? "on" : ""} aria-pressed={dateEra.value === "western"} onClick={() => setEra("western")} data-testid="era-western">
              {t("era_western")}
            </button>
            <button class={dateEra.value === "japanese" ? "on" : ""} aria-pressed={dateEra.value === "japanese"} onClick={() => setEra("japanese")} data-testid="era-japanese">
              {t("era_japanese")}
            </button>
          </div>
        )}
        <div class="switch text-size" role="group" aria-label={t("text_size")} title={t("text_size_hint")}>
          {TEXT_SIZES.map((sz) => (
            <button class={textSize.value === sz ? "on" : ""} aria-pressed={textSize.value === sz} onClick={() => setTextSize(sz)} data-testid={`size-${sz}`}>
              {t(`text_size_${sz}`)}
            </button>
          ))}
        </div>
        <div class="switch theme" role="group" aria-label={t("theme")}>
          {THEMES.map((th) => (
            <button
              class={theme.value === th ? "on" : ""}
              aria-pressed={theme.value === th}
              onClick={() => setTheme(th)}
              title={th === "system" ? t("theme_system_hint") : undefined}
              data-testid={`theme-${th}`}
            >
              {t(`theme_${th}`)}
            </button>
          ))}
        </div>
        {ready && status.user && <NoticesButton role={status.user.role} stamp={dataStamp} />}
        {ready && (
          <button class={secondFactor ? "on" : ""} aria-pressed={secondFactor} onClick={() => setSecondFactor(!secondFactor)} data-testid="sf-open">
            {t("sf_open")}
          </button>
        )}
        {ready && status.pin_set && (
          <button onClick={() => setChangingPin(true)} data-testid="change-pin">
            {t("pin_change")}
          </button>
        )}
        {ready && status.pin_set && (
          <button onClick={() => call("lock", {}).then(setStatus, setError)} data-testid="lock">
            {t("lock")}
          </button>
        )}
      </header>
      {ready && <SyncBar onData={setDataStamp} onSignIn={() => setSigningIn(true)} />}
      <main>{body}</main>
    </div>
  );
}

/** Locks the app after `secs` seconds without a touch, a click, a key or the wheel (0: never). */
function useIdleLock(secs: number, lockNow: () => void) {
  useEffect(() => {
    if (secs <= 0) return;
    let last = Date.now();
    const seen = () => {
      last = Date.now();
    };
    const events = ["pointerdown", "keydown", "wheel", "touchstart"] as const;
    events.forEach((e) => window.addEventListener(e, seen, { passive: true, capture: true }));
    const timer = window.setInterval(() => {
      if (Date.now() - last >= secs * 1000) {
        last = Date.now();
        lockNow();
      }
    }, Math.min(1000, secs * 250));
    return () => {
      window.clearInterval(timer);
      events.forEach((e) => window.removeEventListener(e, seen, { capture: true }));
    };
  }, [secs]);
}
