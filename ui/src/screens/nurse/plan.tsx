// Planned visits and the week (予定): planning a visit or a respite session for a child (a draft
// with only its planned start, which the nurse records when she gets there), and a week's
// calendar of the visits on the tablet, planned and done.
import { useState } from "preact/hooks";
import type { VisitKind, VisitRow } from "../../bindings";
import { call } from "../../api";
import { useApp } from "../../context";
import { fmtDate, fmtTime, label, t } from "../../i18n";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { ALL } from "./util";
import { parseHm } from "./visit";

/** Plans a visit of `childId`: a day, a time and a kind. */
export function PlanForm({ childId, onDone, onCancel }: { childId: string; onDone: () => void; onCancel: () => void }) {
  const { labels, status } = useApp();
  const [date, setDate] = useState(status.today.date);
  const [time, setTime] = useState("10:00");
  const [kind, setKind] = useState<VisitKind>("nursing");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const hm = parseHm(time);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!hm || !date) return;
    setError(null);
    setBusy(true);
    try {
      const visit = await call("new_visit", { childId, kind });
      await call("save_visit", { visit: { ...visit, scheduled_start: `${date}T${hm}` } });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card n-plan" onSubmit={submit} data-testid="n-plan-form">
      <h2>{t("n_plan_title")}</h2>
      <div class="row">
        <Field label={t("n_plan_day")}>
          <DateField name="plan-day" value={date} onChange={setDate} min={status.today.date} testid="n-plan-day" />
        </Field>
        <Field label={t("n_plan_time")}>
          <input name="plan-time" inputMode="numeric" value={time} onInput={(e) => setTime(e.currentTarget.value)} aria-invalid={!hm || undefined} data-testid="n-plan-time" />
        </Field>
        <Field label={t("n_plan_kind")}>
          <select name="plan-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as VisitKind)} data-testid="n-plan-kind">
            {(["nursing", "respite"] as const).map((k) => (
              <option value={k}>{label(labels.visit_kind, k)}</option>
            ))}
          </select>
        </Field>
      </div>
      {!hm && <p class="error">{t("n_time_format")}</p>}
      <ErrorBox error={error} />
      <div class="row">
        <button class="primary" type="submit" disabled={busy || !hm || !date} data-testid="n-plan-submit">
          {t("n_plan_submit")}
        </button>
        <button type="button" onClick={onCancel} data-testid="n-plan-cancel">
          {t("cancel")}
        </button>
      </div>
    </form>
  );
}

/** The Monday of `date`'s week (ISO dates, no time zone involved). */
export function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A week of the visits on the tablet, Monday to Sunday; a planned one says 予定. */
export function WeekView({ onVisit, withStaff }: { onVisit: (id: string) => void; withStaff?: boolean }) {
  const { labels, status, dataStamp } = useApp();
  const [monday, setMonday] = useState(mondayOf(status.today.date));
  const sunday = addDays(monday, 6);
  const visits = useLoad(() => call("visits", { filter: { ...ALL, from: monday, limit: 1000 } }), [monday, dataStamp]);
  const days = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  const on = (day: string): VisitRow[] =>
    (visits.data ?? []).filter((r) => r.summary.date === day).sort((a, b) => (a.summary.start ?? "").localeCompare(b.summary.start ?? ""));
  return (
    <div class="n-week" data-testid="n-week">
      <div class="row">
        <button onClick={() => setMonday(addDays(monday, -7))} data-testid="n-week-prev">
          ← {t("n_week_prev")}
        </button>
        <button onClick={() => setMonday(mondayOf(status.today.date))} data-testid="n-week-this">
          {t("n_week_this")}
        </button>
        <button onClick={() => setMonday(addDays(monday, 7))} data-testid="n-week-next">
          {t("n_week_next")} →
        </button>
        <strong data-testid="n-week-range">
          {fmtDate(monday)} 〜 {fmtDate(sunday)}
        </strong>
      </div>
      <ErrorBox error={visits.error} />
      <div class="n-week-days">
        {days.map((day) => (
          <section class={day === status.today.date ? "card n-week-day today" : "card n-week-day"} data-testid="n-week-day" data-date={day} key={day}>
            <h3>{fmtDate(day)}</h3>
            {on(day).length === 0 && <p class="muted">—</p>}
            {on(day).map((r) => (
              <button class="n-visit" onClick={() => onVisit(r.summary.id)} data-testid="n-week-visit" data-id={r.summary.id} key={r.summary.id}>
                <span class="n-when">{fmtTime(r.summary.start)}</span>
                <strong>{r.child_name}</strong>
                <span>{label(labels.visit_kind, r.summary.kind)}</span>
                {withStaff && r.staff.length > 0 && (
                  <span class="muted" data-testid="n-week-lead">
                    {r.staff[0]}
                  </span>
                )}
                {r.summary.status === "draft" ? (
                  <span class="badge" data-testid="n-week-planned">
                    {t("n_planned")}
                  </span>
                ) : (
                  <span class="badge">{label(labels.status, r.summary.status)}</span>
                )}
              </button>
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}
