// Small shared pieces: errors with their problems, a field, a loader hook.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, problemText } from "./api";
import { t } from "./i18n";

/** Shows an error: the message in the current language and every problem with its field. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = ApiError.from(error);
  const problems = e.problems();
  return (
    <div class="error" role="alert" data-testid="error" data-code={e.code}>
      <strong>{problems.length ? t("fix_problems") : t("error_title")}</strong>
      {problems.length ? (
        <ul>
          {problems.map((p) => (
            <li data-field={p.field} data-code={p.code}>
              {problemText(p)}
            </li>
          ))}
        </ul>
      ) : (
        <p>{e.text()}</p>
      )}
    </div>
  );
}

export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span class="label">{label}</span>
      {children}
      {hint && <span class="hint">{hint}</span>}
    </label>
  );
}

/** Loads with `fn` whenever `deps` change; `reload()` loads again. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    fn().then(
      (d) => live && setData(d),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [...deps, n]);
  return { data, error, reload: () => setN((x) => x + 1), setData };
}
