// 前回の値: the child's visit before the one being recorded — its vital signs, care and note to
// read, and one tap to copy its care (items and amounts) and its plan into the form. Never its
// vital signs: those are measured anew.
import type { CareGiven, PreviousVisit, Visit } from "../../bindings";
import { call } from "../../api";
import { useApp } from "../../context";
import { fmtDayTime, label, t } from "../../i18n";
import { ErrorBox, useLoad } from "../../ui";
import { uid } from "./util";

type Change = (f: (v: Visit) => Visit) => void;

/** The previous visit's care added to `v` (new ids), leaving out items `v` already has. */
export function withPreviousCare(v: Visit, previous: CareGiven[]): Visit {
  const have = new Set(v.care.map((c) => c.item));
  return { ...v, care: [...v.care, ...previous.filter((c) => !have.has(c.item)).map((c) => ({ ...c, id: uid() }))] };
}

/** The previous plan into `v`'s plan: as it is when the plan is empty, else on a line of its own. */
export function withPreviousPlan(v: Visit, plan: string): Visit {
  const now = v.note.plan.trim();
  return { ...v, note: { ...v.note, plan: now ? `${v.note.plan}\n${plan}` : plan } };
}

/** The previous visit of `childId` before `visitId`; with `set`, the copy buttons. */
export function PreviousCard({ childId, visitId, set }: { childId: string; visitId: string | null; set?: Change }) {
  const { labels } = useApp();
  const { data, error } = useLoad(() => call("previous_visit", { childId, visitId }).then((p) => ({ p })), [childId, visitId]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return null;
  const p: PreviousVisit | null = data.p;
  if (!p)
    return (
      <div class="card n-previous" data-testid="n-previous-none">
        <h2>{t("n_previous")}</h2>
        <p class="muted">{t("n_previous_none")}</p>
      </div>
    );
  const note = (["subjective", "objective", "assessment", "plan"] as const).filter((k) => p.note[k].trim());
  return (
    <details class="card n-previous" data-testid="n-previous" open={!set}>
      <summary>
        <h2>
          {t("n_previous")} <span class="muted" data-testid="n-previous-when">{fmtDayTime(p.start)}</span>
        </h2>
      </summary>
      <p class="muted">
        {label(labels.visit_kind, p.kind)}
        {p.staff.length > 0 && ` · ${p.staff.join("、")}`}
      </p>
      {p.vitals.length > 0 && (
        <table class="n-previous-vitals" data-testid="n-previous-vitals">
          <thead>
            <tr>
              <th>{t("n_time")}</th>
              <th>{t("n_pulse")}</th>
              <th>{t("n_resp")}</th>
              <th>{t("n_spo2")}</th>
              <th>{t("n_temp")}</th>
            </tr>
          </thead>
          <tbody>
            {p.vitals.map((r) => (
              <tr key={r.id}>
                <td>{r.at ? fmtDayTime(r.at) : "—"}</td>
                <td>{r.pulse ?? "—"}</td>
                <td>{r.respiration ?? "—"}</td>
                <td>{r.spo2 ?? "—"}</td>
                <td>{r.temperature_c ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.vitals.length > 0 && set && <p class="hint">{t("n_previous_vitals_hint")}</p>}
      {p.care.length > 0 && (
        <ul data-testid="n-previous-care">
          {p.care.map((c) => (
            <li key={c.id}>
              <strong>{label(labels.care_item, c.item)}</strong>
              {c.count !== null && ` ${t("n_count")} ${c.count}`}
              {c.amount_ml !== null && ` ${t("n_amount")} ${c.amount_ml}`}
              {c.note && ` — ${c.note}`}
            </li>
          ))}
        </ul>
      )}
      {note.map((k) => (
        <p key={k} data-testid={`n-previous-${k}`}>
          <strong>{t(`n_soap_${k[0]}` as "n_soap_s")}</strong> {p.note[k]}
        </p>
      ))}
      {set && (
        <div class="row">
          {p.care.length > 0 && (
            <button type="button" onClick={() => set((v) => withPreviousCare(v, p.care))} data-testid="n-previous-copy-care">
              {t("n_previous_copy_care")}
            </button>
          )}
          {p.note.plan.trim() && (
            <button type="button" onClick={() => set((v) => withPreviousPlan(v, p.note.plan))} data-testid="n-previous-copy-plan">
              {t("n_previous_copy_plan")}
            </button>
          )}
        </div>
      )}
    </details>
  );
}
