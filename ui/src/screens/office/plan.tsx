// The office plans its nurses' visits (訪問の予定): a child, a nurse of the station from the
// synced directory, a kind, a day and a time — a draft led by that nurse with only its planned
// start (Carebook::plan_visit), which reaches her tablet at the next sync. Below, the week of
// the station's visits with who leads each; a visit opens in the review's detail.
import { useState } from "preact/hooks";
import type { VisitKind } from "../../bindings";
import { call } from "../../api";
import { useApp } from "../../context";
import { fmtDate, label, t } from "../../i18n";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { WeekView } from "../nurse/plan";
import { parseHm } from "../nurse/visit";

export function OfficePlan({ onOpen }: { onOpen: (id: string) => void }) {
  const { labels, status, dataStamp } = useApp();
  const kids = useLoad(() => call("children", {}), [dataStamp]);
  const dir = useLoad(() => call("directory", {}), [dataStamp]);
  const nurses = (dir.data?.people ?? []).filter((p) => p.org_id === status.user?.org_id && p.role === "nurse");
  const [childId, setChildId] = useState("");
  const [nurseId, setNurseId] = useState("");
  const [kind, setKind] = useState<VisitKind>("nursing");
  const [date, setDate] = useState(status.today.date);
  const [time, setTime] = useState("10:00");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  // The week is drawn again after a plan is saved.
  const [week, setWeek] = useState(0);
  const hm = parseHm(time);
  const ready = !!childId && !!nurseId && !!date && !!hm;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ready) return;
    setError(null);
    setSaved(null);
    setBusy(true);
    try {
      const row = await call("plan_visit", { childId, kind, start: `${date}T${hm}`, nurseId });
      setSaved(t("o_plan_saved", { nurse: row.staff[0] ?? "", child: row.child_name, when: `${fmtDate(date)} ${hm}` }));
      setWeek(week + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="o-plan" data-testid="o-plan">
      <form class="card" onSubmit={submit} data-testid="o-plan-form">
        <h2>{t("o_plan_title")}</h2>
        <p class="muted">{t("o_plan_hint")}</p>
        <ErrorBox error={kids.error ?? dir.error} />
        <div class="row">
          <Field label={t("o_plan_child")}>
            <select name="plan-child" value={childId} onChange={(e) => setChildId(e.currentTarget.value)} data-testid="o-plan-child">
              <option value="">{t("o_plan_choose")}</option>
              {(kids.data ?? []).map((c) => (
                <option value={c.id} key={c.id}>
                  {c.name}（{c.kana}）
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("o_plan_nurse")}>
            <select name="plan-nurse" value={nurseId} onChange={(e) => setNurseId(e.currentTarget.value)} data-testid="o-plan-nurse">
              <option value="">{t("o_plan_choose")}</option>
              {nurses.map((p) => (
                <option value={p.id} key={p.id}>
                  {p.name}（{p.kana}）{p.profession ? `・${label(labels.profession, p.profession)}` : ""}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("n_plan_kind")}>
            <select name="plan-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as VisitKind)} data-testid="o-plan-kind">
              {(["nursing", "respite"] as const).map((k) => (
                <option value={k} key={k}>
                  {label(labels.visit_kind, k)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div class="row">
          <Field label={t("n_plan_day")}>
            <DateField name="plan-day" value={date} onChange={setDate} min={status.today.date} testid="o-plan-day" />
          </Field>
          <Field label={t("n_plan_time")}>
            <input name="plan-time" inputMode="numeric" value={time} onInput={(e) => setTime(e.currentTarget.value)} aria-invalid={!hm || undefined} data-testid="o-plan-time" />
          </Field>
        </div>
        {!hm && <p class="error">{t("n_time_format")}</p>}
        {dir.data && nurses.length === 0 && (
          <p class="warning" data-testid="o-plan-no-nurses">
            {t("o_plan_no_nurses")}
          </p>
        )}
        <ErrorBox error={error} />
        {saved && (
          <p class="ok" role="status" data-testid="o-plan-saved">
            {saved}
          </p>
        )}
        <button class="primary" type="submit" disabled={busy || !ready} data-testid="o-plan-submit">
          {t("n_plan_submit")}
        </button>
      </form>
      <WeekView key={week} onVisit={onOpen} withStaff />
    </section>
  );
}
