// The station-readiness results report (実績報告) of one station and fiscal year: the accompanied
// handover visits (date, child, both stations, the people present), each child's first-visit
// equipment checklist (問題あり standing out), the equipment purchases with their total, a form to
// record a purchase (checked by the domain: each wrong field named at the field, the typed values
// kept), the amount granted for the year (交付決定額) against the purchases with what is left (残額,
// over-spending standing out) and a form to record or change it, and the export as CSV, Shift_JIS CSV, Excel or PDF into the downloads folder, as the
// claim's. Every figure comes from the core (`results_report`); the screen only lays them out.
// Office and admin only (the server keeps the purchases and refuses everyone else); an office
// sees its own station, an administrator picks any.
import { useState } from "preact/hooks";
import type { ChildChecklist, Grant, HandoverLine, Problem, Purchase, ResultsReport } from "../../bindings";
import { ApiError, call } from "../../api";
import { fmtDate, fmtUnix, label, lang, t } from "../../i18n";
import { useApp } from "../../context";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { ExportBar, useExport, yen } from "./claim";
import { FieldProblems } from "./people";

/** 2026 → `令和8年度` / `FY2026`. */
export function fyName(fy: number): string {
  return lang.value === "ja" ? (fy >= 2019 ? `令和${fy - 2018 === 1 ? "元" : fy - 2018}年度` : `平成${fy - 1988}年度`) : `FY${fy}`;
}

/** The fiscal years to pick from: this one and the four before it. */
const YEARS_BACK = 4;

/** Full-width digits to ASCII; commas, spaces, 円 and ¥ dropped: `２４，８００円` → `24800`. */
export function plainYen(typed: string): string {
  return typed
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[,，\s円¥￥]/g, "");
}

/** An error carrying problems made here (the cost typed is not a number), shaped as the core's. */
export function localProblems(problems: Problem[]): ApiError {
  return ApiError.from({ code: "invalid", message: "入力内容に問題があります / the input is invalid", ja: "入力内容に問題があります", en: "the input is invalid", problems });
}

/** Yen typed into `field` as a whole number for the wire (u32), else an error naming the field;
 *  the range is the domain's to check. */
function typedYen(typed: string, field: string): number | ApiError {
  const plain = plainYen(typed);
  if (/^\d{1,10}$/.test(plain) && Number(plain) <= 4_294_967_295) return Number(plain);
  return localProblems([{ field, code: "not_a_number", ja: "金額は円の整数を数字で入力してください（例：24800）", en: `${field}: expected whole yen in digits (e.g. 24800)` }]);
}

/** Problems of the fields a form shows go at their field; the box shows the error when any
 *  problem is elsewhere or it has none. */
function formErrors(error: unknown, shown: string[]) {
  const problems = error ? ApiError.from(error).problems() : [];
  return {
    invalid: (field: string) => problems.some((p) => p.field === field),
    atFields: problems.length ? error : null,
    elsewhere: !!error && (!problems.length || problems.some((p) => !shown.includes(p.field))),
  };
}

export function Results() {
  const { status, dataStamp } = useApp();
  const user = status.user;
  const dir = useLoad(() => call("directory", {}), [dataStamp]);
  const allStations = (dir.data?.orgs ?? []).filter((o) => o.kind === "station");
  // An office reads and records its own station's only (the server refuses the others).
  const own = allStations.filter((o) => o.id === user?.org_id);
  const stations = user?.role === "office" && own.length ? own : allStations;
  const [picked, setPicked] = useState<string | null>(null);
  const station = picked ?? (stations.find((o) => o.id === user?.org_id) ?? stations[0])?.id ?? user?.org_id ?? null;
  const thisYear = status.today.fiscal_year;
  const [fy, setFy] = useState(thisYear);
  const report = useLoad(() => (station ? call("results_report", { station, fy }) : Promise.resolve(null)), [station, fy, dataStamp]);
  const exp = useExport((format) => (station ? call("export_results_report", { station, fy, format }) : null));
  const reset = exp.reset;
  const years = Array.from({ length: YEARS_BACK + 1 }, (_, i) => thisYear - i);
  const r = report.data;
  return (
    <section class="o-claim o-res" data-testid="o-results">
      <div class="card">
        <div class="row o-claim-pick">
          <label class="row">
            {t("o_res_station")}
            <select name="results-station" value={station ?? ""} onChange={(e) => (setPicked((e.target as HTMLSelectElement).value), reset())} data-testid="o-res-station">
              {stations.map((o) => (
                <option value={o.id}>{o.name || o.id}</option>
              ))}
            </select>
          </label>
          <label class="row">
            {t("o_res_fy")}
            <select name="results-fy" value={String(fy)} onChange={(e) => (setFy(Number((e.target as HTMLSelectElement).value)), reset())} data-testid="o-res-fy">
              {years.map((y) => (
                <option value={String(y)}>{fyName(y)}</option>
              ))}
            </select>
          </label>
        </div>
        <ExportBar ready={!!r} exp={exp} />
      </div>
      <ErrorBox error={dir.error || report.error} />
      {!station && dir.data && (
        <p class="muted card" data-testid="o-res-no-station">
          {t("o_res_no_station")}
        </p>
      )}
      {!r && !report.error && (station || !dir.data) && <p class="muted">{t("loading")}</p>}
      {r && (
        <>
          <h2 class="o-month-title o-claim-title" data-testid="o-res-title">
            {t("o_res_title", { station: r.station.name, fy: fyName(r.fiscal_year) })}
          </h2>
          <Handovers r={r} />
          <Checklists r={r} />
          <Purchases r={r} station={r.station.id} today={status.today.date} onAdded={() => (reset(), report.reload())} />
          <GrantCard r={r} today={status.today.date} onSet={() => (reset(), report.reload())} />
        </>
      )}
    </section>
  );
}

function Handovers({ r }: { r: ResultsReport }) {
  const { labels } = useApp();
  const sep = lang.value === "ja" ? "、" : ", ";
  return (
    <div class="card" data-testid="o-res-handovers">
      <h3>{t("o_res_handovers", { n: r.handovers.length })}</h3>
      {r.handovers.length === 0 ? (
        <p class="muted" data-testid="o-res-handovers-none">
          {t("o_res_handovers_none")}
        </p>
      ) : (
        <div class="o-table-wrap">
          <table class="o-table o-res-table">
            <thead>
              <tr>
                <th>{t("o_c_col_date")}</th>
                <th>{t("o_col_child")}</th>
                <th>{t("o_res_col_stations")}</th>
                <th>{t("o_res_col_people")}</th>
                <th>{t("o_col_status")}</th>
              </tr>
            </thead>
            <tbody>
              {r.handovers.map((h: HandoverLine) => (
                <tr data-testid="o-res-handover" data-visit={h.visit_id} data-status={h.status}>
                  <td data-k="date">{fmtDate(h.date)}</td>
                  <td data-k="child">{h.child_name || t("o_res_unknown_child")}</td>
                  <td data-k="stations">{t("o_res_from_to", { from: h.from_station.name, to: h.to_station.name })}</td>
                  <td data-k="people">
                    {h.people
                      .map((p) => t("o_res_person", { name: p.name, profession: label(labels.profession, p.profession), role: label(labels.staff_role, p.role), station: p.station.name }))
                      .join(sep)}
                  </td>
                  <td data-k="status">
                    <span class={h.status === "draft" ? "badge warn" : "badge"}>{label(labels.status, h.status)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Checklists({ r }: { r: ResultsReport }) {
  const { labels } = useApp();
  return (
    <div class="card" data-testid="o-res-checklists">
      <h3>{t("o_res_checklists")}</h3>
      {r.checklists.length === 0 ? (
        <p class="muted" data-testid="o-res-checklists-none">
          {t("o_res_checklists_none")}
        </p>
      ) : (
        <ul class="o-res-children">
          {r.checklists.map((c: ChildChecklist) => {
            const problems = c.items.filter((i) => i.status === "problem");
            return (
              <li class={problems.length ? "o-res-child o-res-child-problem" : "o-res-child"} data-testid="o-res-checklist" data-child={c.child_id} data-problems={problems.length}>
                <div class="row">
                  <strong data-k="child">{c.child_name || t("o_res_unknown_child")}</strong>
                  <span class="muted" data-k="date">
                    {c.date ? t("o_res_checked_on", { date: fmtDate(c.date) }) : t("o_res_not_checked_yet")}
                  </span>
                </div>
                <div class="o-badges">
                  {problems.length > 0 && (
                    <span class="badge o-res-problem-badge" data-testid="o-res-problem-count" data-k="problem">
                      {`⚠ ${t("o_res_count", { what: label(labels.check_status, "problem"), n: c.problem })}`}
                    </span>
                  )}
                  <span class="badge" data-k="ok">
                    {t("o_res_count", { what: label(labels.check_status, "ok"), n: c.ok })}
                  </span>
                  <span class="badge" data-k="absent">
                    {t("o_res_count", { what: label(labels.check_status, "absent"), n: c.absent })}
                  </span>
                  <span class={c.unchecked ? "badge warn" : "badge"} data-k="unchecked">
                    {t("o_res_count", { what: t("o_res_unchecked"), n: c.unchecked })}
                  </span>
                </div>
                {problems.length > 0 && (
                  <ul class="o-r-checks">
                    {problems.map((i) => (
                      <li class="o-r-check-problem" data-testid="o-res-problem" data-item={i.id}>
                        <span class="o-r-check-mark" aria-hidden="true">
                          ⚠
                        </span>
                        <span class="o-r-check-name">{lang.value === "ja" ? i.ja : i.en}</span>
                        <strong class="o-r-check-status">{label(labels.check_status, "problem")}</strong>
                        {i.note && <span class="o-r-check-note">{i.note}</span>}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function Purchases({ r, station, today, onAdded }: { r: ResultsReport; station: string; today: string; onAdded: () => void }) {
  return (
    <div class="card" data-testid="o-res-purchases">
      <h3>{t("o_res_purchases")}</h3>
      {r.purchases.length === 0 ? (
        <p class="muted" data-testid="o-res-purchases-none">
          {t("o_res_purchases_none")}
        </p>
      ) : (
        <div class="o-table-wrap">
          <table class="o-table o-res-table">
            <thead>
              <tr>
                <th>{t("o_c_col_date")}</th>
                <th>{t("o_res_item")}</th>
                <th class="num">{t("o_res_cost")}</th>
                <th>{t("o_res_note")}</th>
                <th class="o-wide">{t("o_res_recorded_by")}</th>
              </tr>
            </thead>
            <tbody>
              {r.purchases.map((p: Purchase) => (
                <tr data-testid="o-res-purchase" data-id={p.id}>
                  <td data-k="date">{fmtDate(p.date)}</td>
                  <td data-k="item">{p.item}</td>
                  <td class="num" data-k="cost">
                    {yen(p.cost_yen)}
                  </td>
                  <td data-k="note">{p.note}</td>
                  <td class="o-wide muted" data-k="by">
                    {t("o_res_by", { name: p.by, at: fmtUnix(p.at) })}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr data-testid="o-res-total">
                <th colSpan={2}>{t("o_res_total", { n: r.purchases.length })}</th>
                <td class="num" data-k="total">
                  <strong>{yen(r.purchases_total_yen)}</strong>
                </td>
                <td />
                <td class="o-wide" />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      <PurchaseForm station={station} today={today} onAdded={onAdded} />
    </div>
  );
}

function PurchaseForm({ station, today, onAdded }: { station: string; today: string; onAdded: () => void }) {
  const [item, setItem] = useState("");
  const [date, setDate] = useState(today);
  const [cost, setCost] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    const cost_yen = typedYen(cost, "cost_yen");
    if (cost_yen instanceof ApiError) return setError(cost_yen);
    setBusy(true);
    try {
      const p = await call("add_purchase", { purchase: { station, item, date, cost_yen, note } });
      setItem("");
      setCost("");
      setNote("");
      setDone(t("o_res_added", { item: p.item, cost: yen(p.cost_yen) }));
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const { invalid, atFields: fieldErrors, elsewhere } = formErrors(error, ["item", "date", "cost_yen", "note"]);
  return (
    <form class="o-res-form" onSubmit={submit} data-testid="o-res-form" noValidate>
      <h4>{t("o_res_add")}</h4>
      <div class="o-filter-grid">
        <div>
          <Field label={t("o_res_item")}>
            <input name="item" value={item} onInput={(e) => setItem(e.currentTarget.value)} aria-invalid={invalid("item")} />
          </Field>
          <FieldProblems error={fieldErrors} field="item" />
        </div>
        <div>
          <Field label={t("o_res_date")}>
            <DateField name="date" value={date} max={today} onChange={setDate} invalid={invalid("date")} />
          </Field>
          <FieldProblems error={fieldErrors} field="date" />
        </div>
        <div>
          <Field label={t("o_res_cost_yen")} hint={t("o_res_cost_hint")}>
            <input name="cost" inputMode="numeric" autoComplete="off" value={cost} onInput={(e) => setCost(e.currentTarget.value)} aria-invalid={invalid("cost_yen")} />
          </Field>
          <FieldProblems error={fieldErrors} field="cost_yen" />
        </div>
        <div>
          <Field label={t("o_res_note_optional")}>
            <input name="note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </Field>
          <FieldProblems error={fieldErrors} field="note" />
        </div>
      </div>
      <FormEnd error={elsewhere ? error : null} done={done} busy={busy} doneId="o-res-added" saveId="o-res-add" />
    </form>
  );
}

/** The amount granted for the year (交付決定額) against the purchases: what is left (残額), or by
 *  how much the purchases exceed it; none recorded said in words; a form to record or change it
 *  with the recorded values filled in. */
function GrantCard({ r, today, onSet }: { r: ResultsReport; today: string; onSet: () => void }) {
  const g = r.grant;
  const left = r.remaining_yen;
  return (
    <div class="card" data-testid="o-res-grant" data-state={!g ? "none" : left !== null && left < 0 ? "over" : "within"}>
      <h3>{t("o_res_grant")}</h3>
      {g && left !== null ? (
        <dl class="o-res-grant-sums">
          <dt>{t("o_res_granted")}</dt>
          <dd data-k="granted">
            {yen(g.granted_yen)} <span class="muted">{t("o_res_decided", { date: fmtDate(g.decided_on) })}</span>
          </dd>
          <dt>{t("o_res_spent")}</dt>
          <dd data-k="spent">{yen(r.purchases_total_yen)}</dd>
          <dt>{t("o_res_left")}</dt>
          <dd data-k="left" class={left < 0 ? "o-res-over" : ""}>
            <strong>{yen(left)}</strong>
            {left < 0 && (
              <span class="badge o-res-problem-badge" data-testid="o-res-over">
                {t("o_res_over", { yen: yen(-left) })}
              </span>
            )}
          </dd>
          {g.note && (
            <>
              <dt>{t("o_res_note")}</dt>
              <dd data-k="grant-note">{g.note}</dd>
            </>
          )}
        </dl>
      ) : (
        <p class="muted" data-testid="o-res-grant-none">
          {t("o_res_grant_none")}
        </p>
      )}
      <GrantForm key={`${r.station.id}-${r.fiscal_year}-${g?.at ?? 0}`} station={r.station.id} fy={r.fiscal_year} grant={g} today={today} onSet={onSet} />
    </div>
  );
}

function GrantForm({ station, fy, grant, today, onSet }: { station: string; fy: number; grant: Grant | null; today: string; onSet: () => void }) {
  // The decision is made within the year and not after today: its last day that is not later.
  const lastDay = `${fy + 1}-03-31` < today ? `${fy + 1}-03-31` : today;
  const [amount, setAmount] = useState(grant ? String(grant.granted_yen) : "");
  const [decided, setDecided] = useState(grant?.decided_on ?? lastDay);
  const [note, setNote] = useState(grant?.note ?? "");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    const granted_yen = typedYen(amount, "granted_yen");
    if (granted_yen instanceof ApiError) return setError(granted_yen);
    setBusy(true);
    try {
      const g = await call("set_grant", { grant: { station, fiscal_year: fy, granted_yen, decided_on: decided, note } });
      setDone(t("o_res_grant_set", { yen: yen(g.granted_yen) }));
      onSet();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const { invalid, atFields, elsewhere } = formErrors(error, ["granted_yen", "decided_on", "note"]);
  return (
    <form class="o-res-form" onSubmit={submit} data-testid="o-res-grant-form" noValidate>
      <h4>{grant ? t("o_res_grant_change") : t("o_res_grant_add")}</h4>
      <div class="o-filter-grid">
        <div>
          <Field label={t("o_res_granted_yen")} hint={t("o_res_cost_hint")}>
            <input name="granted" inputMode="numeric" autoComplete="off" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} aria-invalid={invalid("granted_yen")} />
          </Field>
          <FieldProblems error={atFields} field="granted_yen" />
        </div>
        <div>
          <Field label={t("o_res_decided_on")}>
            <DateField name="decided_on" value={decided} min={`${fy}-04-01`} max={lastDay} onChange={setDecided} invalid={invalid("decided_on")} />
          </Field>
          <FieldProblems error={atFields} field="decided_on" />
        </div>
        <div>
          <Field label={t("o_res_grant_note")}>
            <input name="grant-note" value={note} onInput={(e) => setNote(e.currentTarget.value)} aria-invalid={invalid("note")} />
          </Field>
          <FieldProblems error={atFields} field="note" />
        </div>
      </div>
      <FormEnd error={elsewhere ? error : null} done={done} busy={busy} doneId="o-res-grant-done" saveId="o-res-grant-save" />
    </form>
  );
}

/** The end of a form of this tab: the error that belongs to no field, what was recorded, and
 *  the button that records. */
function FormEnd({ error, done, busy, doneId, saveId }: { error: unknown; done: string | null; busy: boolean; doneId: string; saveId: string }) {
  return (
    <>
      {!!error && <ErrorBox error={error} />}
      {done && (
        <p class="ok" role="status" data-testid={doneId}>
          {done}
        </p>
      )}
      <div class="row">
        <button class="primary" type="submit" disabled={busy} data-testid={saveId}>
          {busy ? t("o_res_adding") : t("o_res_add_button")}
        </button>
      </div>
    </>
  );
}
