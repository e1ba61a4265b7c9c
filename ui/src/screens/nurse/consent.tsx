// The face sheet's consent to share the child's records with the welfare section of the child's
// municipality (Child.sharing): its state in words, a form to record one (given today, until the
// end of this fiscal year, by the first guardian) and its withdrawal (asks first). Saved with
// `save_child`; the limits (at most to the end of the next fiscal year, no future day) are the
// backend's, shown by the field they concern.
import { useState } from "preact/hooks";
import type { Child, ChildSheet, ErrorBody, Problem, SharingConsent } from "../../bindings";
import { ApiError, call, problemText } from "../../api";
import { useApp } from "../../context";
import { fmtDate, label, t } from "../../i18n";
import { ErrorBox, Field } from "../../ui";
import { DateField } from "../../dates";

type State = "none" | "in_force" | "not_yet" | "withdrawn" | "expired";

/** Which words describe the consent on `today` (`SharingConsent::in_force_days` in Rust decides
 * access; this only picks the sentence). */
export function consentState(s: SharingConsent | null, today: string): State {
  if (!s) return "none";
  if (s.withdrawn_on && s.withdrawn_on <= today) return "withdrawn";
  if (s.until < today) return "expired";
  if (s.given_on > today) return "not_yet";
  return "in_force";
}

/** The state in words: 同意あり（…〜…）, 同意なし, 撤回済み（…に撤回）, 期限切れ（…まで）. */
export function consentWords(s: SharingConsent | null, today: string): string {
  const st = consentState(s, today);
  if (!s || st === "none") return t("n_sh_none");
  if (st === "withdrawn") return t("n_sh_withdrawn", { date: fmtDate(s.withdrawn_on) });
  if (st === "expired") return t("n_sh_expired", { until: fmtDate(s.until) });
  if (st === "not_yet") return t("n_sh_not_yet", { from: fmtDate(s.given_on), until: fmtDate(s.until) });
  return t("n_sh_in_force", { from: fmtDate(s.given_on), until: fmtDate(s.until) });
}

const FIELDS = ["sharing.by", "sharing.given_on", "sharing.scope", "sharing.until", "sharing.withdrawn_on"];

const invalid = (problems: Problem[]): ErrorBody => ({ code: "invalid", message: "入力内容に問題があります / the input is invalid", ja: "入力内容に問題があります", en: "the input is invalid", problems });
const pickDate = (field: string): Problem => ({ field, code: "date", ja: "日付を選んでください", en: "pick a date" });

/** The problems of `field` in `error`, next to its input. */
function FieldProblems({ error, field }: { error: ApiError | null; field: string }) {
  if (!error) return null;
  return (
    <>
      {error
        .problems()
        .filter((p) => p.field === field)
        .map((p) => (
          <p class="field-problem" role="alert" data-testid="n-field-problem" data-field={field} data-code={p.code}>
            {problemText(p)}
          </p>
        ))}
    </>
  );
}

/** Splits an error into the problems shown by the fields and the rest, shown in a box. */
function split(error: unknown): { fields: ApiError | null; other: ApiError | null } {
  if (!error) return { fields: null, other: null };
  const e = ApiError.from(error);
  const ps = e.problems();
  if (!ps.length) return { fields: null, other: e };
  const rest = ps.filter((p) => !FIELDS.includes(p.field));
  return { fields: rest.length < ps.length ? e : null, other: rest.length ? new ApiError({ ...e.body, problems: rest }) : null };
}

export function ConsentCard({ sheet, onSaved }: { sheet: ChildSheet; onSaved: (s: ChildSheet) => void }) {
  const { status, labels } = useApp();
  const today = status.today.date;
  const c = sheet.child;
  const s = c.sharing;
  const st = consentState(s, today);
  const canEdit = ["nurse", "office", "admin"].includes(status.user?.role ?? "");
  const [mode, setMode] = useState<"view" | "record" | "withdraw">("view");
  const [notice, setNotice] = useState<string | null>(null);

  const save = async (child: Child, done: string) => {
    const next = await call("save_child", { child });
    setMode("view");
    setNotice(done);
    onSaved(next);
  };

  return (
    <section class="card n-consent" data-testid="n-consent" data-state={st} aria-labelledby="n-consent-title">
      <h2 id="n-consent-title">{t("n_sh_title")}</h2>
      <p class={st === "in_force" || st === "not_yet" ? "n-consent-state on" : "n-consent-state"} data-testid="n-consent-state">
        {consentWords(s, today)}
      </p>
      {s && (
        <dl class="n-consent-facts">
          <div>
            <dt>{t("n_sh_by")}</dt>
            <dd data-testid="n-consent-by">{s.by}</dd>
          </div>
          <div>
            <dt>{t("n_sh_scope")}</dt>
            <dd data-testid="n-consent-scope">{label(labels.sharing_scope, s.scope)}</dd>
          </div>
        </dl>
      )}
      <p class="muted">{t("n_sh_what")}</p>
      {notice && mode === "view" && (
        <div class="ok" role="status" data-testid="n-consent-notice">
          {notice}
        </div>
      )}
      {canEdit && mode === "view" && (
        <div class="row">
          {st === "in_force" || st === "not_yet" ? (
            <button onClick={() => (setNotice(null), setMode("withdraw"))} data-testid="n-consent-withdraw">
              {t("n_sh_withdraw")}
            </button>
          ) : (
            <button class="primary" onClick={() => (setNotice(null), setMode("record"))} data-testid="n-consent-record">
              {s ? t("n_sh_record_again") : t("n_sh_record")}
            </button>
          )}
        </div>
      )}
      {mode === "record" && <RecordForm child={c} onCancel={() => setMode("view")} onSave={(child) => save(child, t("n_sh_saved"))} />}
      {mode === "withdraw" && s && <WithdrawForm child={c} sharing={s} onCancel={() => setMode("view")} onSave={(child) => save(child, t("n_sh_withdrawn_done"))} />}
    </section>
  );
}

function RecordForm({ child, onCancel, onSave }: { child: Child; onCancel: () => void; onSave: (c: Child) => Promise<void> }) {
  const { status, labels } = useApp();
  const today = status.today.date;
  const [by, setBy] = useState(child.guardians[0]?.name ?? "");
  const [given, setGiven] = useState(today);
  const [scope, setScope] = useState<SharingConsent["scope"]>(labels.sharing_scope[0]?.name as SharingConsent["scope"] ?? "respite_records");
  // The end of this fiscal year (April–March): 31 March of the year after the fiscal year's.
  const [until, setUntil] = useState(`${status.today.fiscal_year + 1}-03-31`);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { fields, other } = split(error);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    setError(null);
    const missing = [!given && pickDate("sharing.given_on"), !until && pickDate("sharing.until")].filter((p): p is Problem => !!p);
    if (missing.length) return setError(invalid(missing));
    setBusy(true);
    try {
      await onSave({ ...child, sharing: { by: by.trim(), given_on: given, scope, until, withdrawn_on: null } });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="n-consent-form" onSubmit={submit} noValidate data-testid="n-consent-form">
      <h3>{t("n_sh_record")}</h3>
      <div class="n-consent-grid">
        <div>
          <Field label={t("n_sh_by")}>
            <input name="by" value={by} onInput={(e) => setBy(e.currentTarget.value)} autoComplete="off" />
          </Field>
          <FieldProblems error={fields} field="sharing.by" />
        </div>
        <div>
          <Field label={t("n_sh_scope")}>
            <select name="scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as SharingConsent["scope"])}>
              {labels.sharing_scope.map((x) => (
                <option value={x.name}>{label(labels.sharing_scope, x.name)}</option>
              ))}
            </select>
          </Field>
          <FieldProblems error={fields} field="sharing.scope" />
        </div>
        <div>
          <Field label={t("n_sh_given_on")}>
            <DateField name="given_on" max={today} value={given} onChange={setGiven} />
          </Field>
          <FieldProblems error={fields} field="sharing.given_on" />
        </div>
        <div>
          <Field label={t("n_sh_until")} hint={t("n_sh_until_hint")}>
            <DateField name="until" value={until} onChange={setUntil} />
          </Field>
          <FieldProblems error={fields} field="sharing.until" />
        </div>
      </div>
      {other && <ErrorBox error={other} />}
      <div class="row">
        <button type="submit" class="primary" disabled={busy} data-testid="n-consent-save">
          {t("n_sh_save")}
        </button>
        <button type="button" onClick={onCancel} data-testid="n-consent-cancel">
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}

function WithdrawForm({ child, sharing, onCancel, onSave }: { child: Child; sharing: SharingConsent; onCancel: () => void; onSave: (c: Child) => Promise<void> }) {
  const { status } = useApp();
  const today = status.today.date;
  const [on, setOn] = useState(today);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { fields, other } = split(error);

  const submit = async () => {
    setError(null);
    if (!on) return setError(invalid([pickDate("sharing.withdrawn_on")]));
    setBusy(true);
    try {
      await onSave({ ...child, sharing: { ...sharing, withdrawn_on: on } });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="warning n-consent-confirm" role="alertdialog" aria-labelledby="n-consent-confirm" data-testid="n-consent-confirm">
      <strong id="n-consent-confirm">{t("n_sh_withdraw_confirm", { name: child.name })}</strong>
      <p>{t("n_sh_withdraw_body")}</p>
      <Field label={t("n_sh_withdrawn_on")}>
        <DateField name="withdrawn_on" min={sharing.given_on} max={today} value={on} onChange={setOn} />
      </Field>
      <FieldProblems error={fields} field="sharing.withdrawn_on" />
      {other && <ErrorBox error={other} />}
      <div class="row">
        <button type="button" class="primary" disabled={busy} onClick={submit} data-testid="n-consent-withdraw-yes">
          {t("n_sh_withdraw_yes")}
        </button>
        <button type="button" onClick={onCancel} data-testid="n-consent-withdraw-no">
          {t("cancel")}
        </button>
      </div>
    </div>
  );
}
