// The coordinator's screen (医療的ケア児等コーディネーター): this fiscal year's work per child of the
// station against the 8 hours (the work past them named, its cost not subsidised), the subsidy
// per child, the regional meetings and trainings (the first three a year subsidised up to
// 420,000 yen), the totals; forms to record work and a meeting, each wrong field told at the
// field with what was typed kept. The records live on the server (the coordinator's tablet holds
// only the station's face sheets); every number comes from the core (`coordinator_report`).
import { useState } from "preact/hooks";
import type { CoordinatorChild, CoordinatorReport, MeetingKind, WorkKind } from "../../bindings";
import { ApiError, call } from "../../api";
import { fmtDate, fmtMinutes, label, t } from "../../i18n";
import { useApp } from "../../context";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { FieldProblems } from "../office/people";
import { yen } from "../office/claim";
import { fyName, localProblems } from "../office/results";

export function CoordinatorApp() {
  const { status, dataStamp } = useApp();
  const station = status.user?.org_id ?? "";
  const fy = status.today.fiscal_year;
  const report = useLoad(() => call("coordinator_report", { station, fy }), [station, fy, dataStamp]);
  const children = useLoad(() => call("children", {}), [dataStamp]);
  return (
    <div class="office coordinator" data-testid="k-app">
      <h2 data-testid="k-title">{t("k_title", { fy: fyName(fy) })}</h2>
      <p class="muted">{t("k_offline")}</p>
      <ErrorBox error={report.error || children.error} />
      {report.data && <Report r={report.data} />}
      <WorkForm station={station} kids={(children.data ?? []).map((c) => ({ id: c.id, name: c.name }))} onSaved={report.reload} />
      <MeetingForm station={station} onSaved={report.reload} />
    </div>
  );
}

function Report({ r }: { r: CoordinatorReport }) {
  const m = r.meetings;
  const past = new Set(m.past_limit.map((x) => `${x.date}/${x.kind}/${x.cost_yen}`));
  return (
    <>
      <section class="card" data-testid="k-children">
        <h3>{t("k_children")}</h3>
        {r.children.length === 0 ? <p class="muted">{t("k_none_yet")}</p> : r.children.map((c) => <ChildLine c={c} />)}
      </section>
      <section class="card" data-testid="k-meetings">
        <h3>{t("k_meetings")}</h3>
        {r.meeting_records.length === 0 ? (
          <p class="muted">{t("k_no_meetings")}</p>
        ) : (
          <ul>
            {r.meeting_records.map((x) => {
              const over = past.has(`${x.date}/${x.kind}/${x.cost_yen}`);
              return (
                <li data-testid="k-meeting" data-past-limit={over ? "true" : "false"}>
                  {fmtDate(x.date)} · {x.title} · {yen(x.cost_yen)}
                  {over && <span class="badge warn"> {t("k_past_limit")}</span>}
                </li>
              );
            })}
          </ul>
        )}
        <p data-testid="k-meetings-subsidy">{t("k_meetings_subsidy", { total: yen(m.fee.total_yen), cost: yen(m.cost_yen) })}</p>
      </section>
      <p class="card" data-testid="k-total">
        <strong>{t("k_total", { total: yen(r.total.total_yen), tokyo: yen(r.total.tokyo_yen), muni: yen(r.total.municipality_yen) })}</strong>
      </p>
    </>
  );
}

function ChildLine({ c }: { c: CoordinatorChild }) {
  const l = c.ledger;
  const over = l.remaining_minutes < 0;
  return (
    <div class="k-child" data-testid="k-child" data-child={c.child_id}>
      <strong>{c.name}</strong>{" "}
      <span data-k="used">{t("k_used", { used: fmtMinutes(l.used_minutes) })}</span>{" "}
      {over ? (
        <span class="badge warn" data-k="over">
          {t("k_over", { time: fmtMinutes(-l.remaining_minutes) })}
        </span>
      ) : (
        <span data-k="left">{t("k_left", { time: fmtMinutes(l.remaining_minutes) })}</span>
      )}{" "}
      <span data-k="amount">{t("k_amount", { total: yen(c.amount.fee.total_yen), tokyo: yen(c.amount.fee.tokyo_yen) })}</span>
      {l.over_cap.length > 0 && (
        <p class="warning" data-k="past">
          {t("k_past_cost", { n: l.over_cap.length, cost: yen(c.past_hours_cost_yen) })}
        </p>
      )}
    </div>
  );
}

/** A whole number typed into a field, or NaN. */
const whole = (s: string) => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : Number.NaN);

/** The fields among `values` that hold no whole number, as an error naming each (nothing is sent). */
function notWhole(values: Record<string, number>): ApiError | null {
  const problems = Object.entries(values)
    .filter(([, v]) => Number.isNaN(v))
    .map(([field]) => ({ field, code: "not_a_number", ja: "半角の整数で入力してください", en: `${field}: expected a whole number` }));
  return problems.length ? localProblems(problems) : null;
}

function WorkForm({ station, kids, onSaved }: { station: string; kids: { id: string; name: string }[]; onSaved: () => void }) {
  const { status, labels } = useApp();
  const [child, setChild] = useState("");
  const [date, setDate] = useState(status.today.date);
  const [minutes, setMinutes] = useState("");
  const [cost, setCost] = useState("");
  const [kind, setKind] = useState<WorkKind>("consultation");
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const childId = child || kids[0]?.id || "";
  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const work = { station, child_id: childId, date, minutes: whole(minutes), cost_yen: whole(cost), kind, note };
    const local = notWhole({ minutes: work.minutes, cost_yen: work.cost_yen });
    if (local) return setError(local);
    call("add_coordinator_work", { work }).then(
      (w) => {
        setSaved(t("k_saved_work", { name: kids.find((k) => k.id === w.child_id)?.name ?? "", date: fmtDate(w.date), time: fmtMinutes(w.minutes) }));
        setMinutes("");
        setCost("");
        setNote("");
        onSaved();
      },
      setError,
    );
  };
  return (
    <form class="card" onSubmit={submit} data-testid="k-work-form">
      <h3>{t("k_add_work")}</h3>
      {kids.length === 0 && <p class="muted">{t("k_no_children")}</p>}
      <Field label={t("k_child")}>
        <select name="k-child" value={childId} onChange={(e) => setChild((e.target as HTMLSelectElement).value)}>
          {kids.map((k) => (
            <option value={k.id}>{k.name}</option>
          ))}
        </select>
      </Field>
      <FieldProblems error={error} field="child_id" />
      <Field label={t("k_date")}>
        <DateField name="k-date" value={date} onChange={setDate} />
      </Field>
      <FieldProblems error={error} field="date" />
      <Field label={t("k_minutes")}>
        <input inputMode="numeric" name="k-minutes" value={minutes} onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} />
      </Field>
      <FieldProblems error={error} field="minutes" />
      <Field label={t("k_cost")}>
        <input inputMode="numeric" name="k-cost" value={cost} onInput={(e) => setCost((e.target as HTMLInputElement).value)} />
      </Field>
      <FieldProblems error={error} field="cost_yen" />
      <Field label={t("k_kind")}>
        <select name="k-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as WorkKind)}>
          {labels.work_kind.map((l) => (
            <option value={l.name}>{label(labels.work_kind, l.name)}</option>
          ))}
        </select>
      </Field>
      <Field label={t("k_note")}>
        <input name="k-note" value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
      </Field>
      <FieldProblems error={error} field="note" />
      <button class="primary" type="submit" disabled={!childId} data-testid="k-save-work">
        {t("k_save_work")}
      </button>
      {saved && (
        <p class="ok" role="status" data-testid="k-saved">
          {saved}
        </p>
      )}
      {error != null && !hasFieldProblems(error) && <ErrorBox error={error} />}
    </form>
  );
}

function MeetingForm({ station, onSaved }: { station: string; onSaved: () => void }) {
  const { status, labels } = useApp();
  const [date, setDate] = useState(status.today.date);
  const [kind, setKind] = useState<MeetingKind>("meeting");
  const [title, setTitle] = useState("");
  const [cost, setCost] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const local = notWhole({ cost_yen: whole(cost) });
    if (local) return setError(local);
    call("add_regional_meeting", { meeting: { station, date, kind, title, cost_yen: whole(cost) } }).then(
      (m) => (setSaved(t("k_saved_meeting", { title: m.title })), setTitle(""), setCost(""), onSaved()),
      setError,
    );
  };
  return (
    <form class="card" onSubmit={submit} data-testid="k-meeting-form">
      <h3>{t("k_add_meeting")}</h3>
      <Field label={t("k_date")}>
        <DateField name="m-date" value={date} onChange={setDate} />
      </Field>
      <FieldProblems error={error} field="date" />
      <Field label={t("k_meeting_kind")}>
        <select name="m-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as MeetingKind)}>
          {labels.meeting_kind.map((l) => (
            <option value={l.name}>{label(labels.meeting_kind, l.name)}</option>
          ))}
        </select>
      </Field>
      <Field label={t("k_meeting_title")}>
        <input name="m-title" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      </Field>
      <FieldProblems error={error} field="title" />
      <Field label={t("k_cost")}>
        <input inputMode="numeric" name="m-cost" value={cost} onInput={(e) => setCost((e.target as HTMLInputElement).value)} />
      </Field>
      <FieldProblems error={error} field="cost_yen" />
      <button class="primary" type="submit" data-testid="k-save-meeting">
        {t("k_save_meeting")}
      </button>
      {saved && (
        <p class="ok" role="status" data-testid="m-saved">
          {saved}
        </p>
      )}
      {error != null && !hasFieldProblems(error) && <ErrorBox error={error} />}
    </form>
  );
}

/** Whether the error names fields (shown at them) rather than being a message of its own. */
const hasFieldProblems = (error: unknown) => ApiError.from(error).problems().length > 0;
