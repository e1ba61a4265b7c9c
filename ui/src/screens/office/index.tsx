// The office screens: review synced records (filters, flags, approve one or many with a result
// per record), a record's detail with its history, the month's respite summary per child, and
// the people of the station (people.tsx), the municipalities' settings (municipality.tsx), and
// the monthly claim with its export (claim.tsx; office and admin only). Approving several records
// of which any is flagged asks first, naming how many and which flags.
// A municipality's welfare section (role `municipality`) gets the same screens read-only: no
// approving, no people, no publishing of settings — the server refuses its writes anyway, and it
// sees only the children whose guardians' consent to share is in force.
import { useState } from "preact/hooks";
import type { ApproveResult, ReviewFilter, VisitDetail, VisitRow } from "../../bindings";
import { call, errorText, pickLang, problemText } from "../../api";
import { fmtDate, fmtDateTime, fmtMinutes, fmtMonth, fmtTime, fmtUnix, label, lang, t } from "../../i18n";
import { useApp } from "../../context";
import { ALL } from "../../shared";
import { ErrorBox, Field, useLoad } from "../../ui";
import { People } from "./people";
import { Municipalities } from "./municipality";
import { TransferSection } from "./transfer";
import { Claim } from "./claim";
import { RecordSections } from "./record";
import "./office.css";
import { MonthCharts } from "./chart";

type Tab = "review" | "month" | "claim" | "people" | "municipality";

export function OfficeApp() {
  const { status } = useApp();
  const readOnly = status.user?.role === "municipality";
  const month = status.today.date.slice(0, 7);
  const [tab, setTab] = useState<Tab>("review");
  const [detail, setDetail] = useState<string | null>(null);
  // The filter lives here so it survives opening a record and coming back.
  const [filter, setFilter] = useState<ReviewFilter>({ ...ALL, month });
  const [summaryMonth, setSummaryMonth] = useState(month);
  return (
    <div class="office">
      {readOnly && (
        <p class="o-readonly" data-testid="o-readonly">
          {t("o_readonly")}
        </p>
      )}
      <div class="tabs" role="tablist">
        <button role="tab" class={tab === "review" ? "on" : ""} aria-selected={tab === "review"} onClick={() => (setTab("review"), setDetail(null))} data-testid="o-tab-review">
          {t(readOnly ? "o_tab_review_ro" : "o_tab_review")}
        </button>
        <button role="tab" class={tab === "month" ? "on" : ""} aria-selected={tab === "month"} onClick={() => (setTab("month"), setDetail(null))} data-testid="o-tab-month">
          {t("o_tab_month")}
        </button>
        {!readOnly && (
          <button role="tab" class={tab === "claim" ? "on" : ""} aria-selected={tab === "claim"} onClick={() => (setTab("claim"), setDetail(null))} data-testid="o-tab-claim">
            {t("o_tab_claim")}
          </button>
        )}
        {!readOnly && (
          <button role="tab" class={tab === "people" ? "on" : ""} aria-selected={tab === "people"} onClick={() => (setTab("people"), setDetail(null))} data-testid="o-tab-people">
            {t("o_tab_people")}
          </button>
        )}
        <button role="tab" class={tab === "municipality" ? "on" : ""} aria-selected={tab === "municipality"} onClick={() => (setTab("municipality"), setDetail(null))} data-testid="o-tab-municipality">
          {t("o_tab_muni")}
        </button>
      </div>
      {tab === "people" && !readOnly ? (
        <People />
      ) : tab === "municipality" ? (
        <Municipalities readOnly={readOnly} />
      ) : tab === "claim" && !readOnly ? (
        <Claim />
      ) : tab === "month" ? (
        <MonthSummary month={summaryMonth} setMonth={setSummaryMonth} />
      ) : detail ? (
        <Detail id={detail} onBack={() => setDetail(null)} />
      ) : (
        <Review filter={filter} setFilter={setFilter} onOpen={setDetail} readOnly={readOnly} />
      )}
    </div>
  );
}

const FLAGS = [
  ["over_cap", "o_flag_over_cap"],
  ["rejected", "o_flag_rejected"],
  ["unconfirmed", "o_flag_unconfirmed"],
  ["expired_instruction", "o_flag_expired"],
  ["respite_length", "o_flag_respite_length"],
  ["short_day", "o_flag_short_day"],
] as const;

function Review({ filter, setFilter, onOpen, readOnly }: { filter: ReviewFilter; setFilter: (f: ReviewFilter) => void; onOpen: (id: string) => void; readOnly: boolean }) {
  const { labels, dataStamp } = useApp();
  const kids = useLoad(() => call("children", {}), [dataStamp]);
  const dir = useLoad(() => call("directory", {}), [dataStamp]);
  const stations = (dir.data?.orgs ?? []).filter((o) => o.kind === "station");
  const rows = useLoad(() => call("visits", { filter }), [JSON.stringify(filter), dataStamp]);
  const [selected, setSelected] = useState<string[]>([]);
  const [results, setResults] = useState<{ r: ApproveResult; row?: VisitRow }[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const set = (patch: Partial<ReviewFilter>) => {
    setSelected([]);
    setFilter({ ...filter, ...patch });
  };
  const list = rows.data ?? [];
  // Nothing to select for those who may not approve, nor records of a child handed over to
  // another station (kept read-only: the server refuses any change to them).
  const selectable = readOnly ? [] : list.filter((r) => r.summary.status !== "approved" && !r.handed_over).map((r) => r.summary.id);
  const chosen = selected.filter((id) => selectable.includes(id));
  const allOn = selectable.length > 0 && chosen.length === selectable.length;
  const toggle = (id: string) => setSelected(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);

  // Approving several records asks first when any of them is flagged.
  const [asking, setAsking] = useState<{ ids: string[]; flagged: number; counts: [string, number][] } | null>(null);
  const pressApprove = () => {
    const byId = new Map(list.map((r) => [r.summary.id, r]));
    const rowsChosen = chosen.map((id) => byId.get(id)).filter((r): r is VisitRow => !!r);
    const counts = FLAGS.map(([, word]) => [word, 0] as [typeof word, number]);
    let flagged = 0;
    for (const r of rowsChosen) {
      const on = flagsOf(r);
      if (on.length) flagged++;
      for (const w of on) counts.find((c) => c[0] === w)![1]++;
    }
    if (chosen.length > 1 && flagged > 0) setAsking({ ids: [...chosen], flagged, counts: counts.filter(([, n]) => n > 0).map(([w, n]) => [t(w), n]) });
    else approve(chosen);
  };

  const approve = (ids: string[]) => {
    setAsking(null);
    const byId = new Map(list.map((r) => [r.summary.id, r]));
    setBusy(true);
    setError(null);
    call("approve_visits", { ids }).then(
      (res) => {
        setBusy(false);
        setResults(res.map((r) => ({ r, row: byId.get(r.id) })));
        setSelected([]);
        rows.reload();
      },
      (e) => {
        setBusy(false);
        setError(e);
      },
    );
  };

  return (
    <>
      <section class="card o-filters" aria-label={t("o_filters")}>
        <div class="o-filter-grid">
          <Field label={t("o_month")}>
            <input type="month" name="month" value={filter.month ?? ""} onChange={(e) => set({ month: (e.target as HTMLInputElement).value || null })} />
          </Field>
          <Field label={t("o_child")}>
            <select name="child" value={filter.child ?? ""} onChange={(e) => set({ child: (e.target as HTMLSelectElement).value || null })}>
              <option value="">{t("o_all")}</option>
              {kids.data?.map((c) => (
                <option value={c.id}>{c.name}</option>
              ))}
            </select>
          </Field>
          <Field label={t("o_station")}>
            {stations.length ? (
              <select name="station" value={filter.station ?? ""} onChange={(e) => set({ station: (e.target as HTMLSelectElement).value || null })}>
                <option value="">{t("o_all")}</option>
                {stations.map((o) => (
                  <option value={o.id}>{o.name || o.id}</option>
                ))}
              </select>
            ) : (
              <input name="station" value={filter.station ?? ""} placeholder={t("o_station_hint")} onChange={(e) => set({ station: (e.target as HTMLInputElement).value.trim() || null })} />
            )}
          </Field>
          <Field label={t("o_kind")}>
            <select name="kind" value={filter.kind ?? ""} onChange={(e) => set({ kind: ((e.target as HTMLSelectElement).value || null) as ReviewFilter["kind"] })}>
              <option value="">{t("o_all")}</option>
              {labels.visit_kind.map((k) => (
                <option value={k.name}>{label(labels.visit_kind, k.name)}</option>
              ))}
            </select>
          </Field>
          <Field label={t("o_status")}>
            <select name="status" value={filter.status ?? ""} onChange={(e) => set({ status: ((e.target as HTMLSelectElement).value || null) as ReviewFilter["status"] })}>
              <option value="">{t("o_all")}</option>
              {labels.status.map((k) => (
                <option value={k.name}>{label(labels.status, k.name)}</option>
              ))}
            </select>
          </Field>
        </div>
        <div class="row o-flags">
          {FLAGS.map(([key, word]) => (
            <label class="o-check">
              <input type="checkbox" name={key} checked={filter[key]} onChange={(e) => set({ [key]: (e.target as HTMLInputElement).checked })} />
              {t(word)}
            </label>
          ))}
        </div>
      </section>

      <ErrorBox error={rows.error || error} />
      {results && (
        <section class="card o-results" data-testid="o-results" aria-live="polite">
          <div class="row">
            <h3>{t("o_results")}</h3>
            <span class="spacer" />
            <button onClick={() => setResults(null)}>{t("close")}</button>
          </div>
          <ul>
            {results.map(({ r, row }) => (
              <li data-testid="o-result" data-id={r.id} data-ok={r.error ? "false" : "true"} class={r.error ? "o-fail" : "o-okay"}>
                <strong>{row ? `${row.child_name} ${fmtDate(row.summary.date)}` : r.id}</strong>{" "}
                {r.error ? t("o_result_failed", { reason: errorText(r.error) }) : t("o_result_ok")}
              </li>
            ))}
          </ul>
        </section>
      )}

      <div class="row o-actions">
        <span class="muted" data-testid="o-count">
          {t("o_count", { n: list.length })}
        </span>
        <span class="spacer" />
        {!readOnly && (
          <button class="primary" disabled={!chosen.length || busy || !!asking} onClick={pressApprove} data-testid="o-approve">
            {busy ? t("o_approving") : t("o_approve", { n: chosen.length })}
          </button>
        )}
      </div>
      {asking && (
        <section class="card warning o-ask" role="alertdialog" aria-labelledby="o-ask-title" data-testid="o-ask">
          <h3 id="o-ask-title" data-testid="o-ask-title">
            <span aria-hidden="true">⚠ </span>
            {t("o_ask_title", {
              n: asking.ids.length,
              k: asking.flagged,
              flags: asking.counts.map(([w, n]) => t("o_ask_flag", { flag: w, n })).join(lang.value === "ja" ? "、" : ", "),
            })}
          </h3>
          <p>{t("o_ask_body")}</p>
          <div class="row">
            <button class="primary" onClick={() => approve(asking.ids)} data-testid="o-ask-yes">
              {t("o_ask_yes")}
            </button>
            <button onClick={() => setAsking(null)} data-testid="o-ask-no">
              {t("o_ask_no")}
            </button>
          </div>
        </section>
      )}

      {rows.data && list.length === 0 ? (
        <p class="muted" data-testid="o-empty">
          {t("o_no_rows")}
        </p>
      ) : (
        <div class="o-table-wrap">
          <table class="o-table">
            <thead>
              <tr>
                {!readOnly && (
                  <th class="o-sel">
                    <input type="checkbox" aria-label={t("o_select_all")} title={t("o_select_all")} checked={allOn} disabled={!selectable.length} onChange={() => setSelected(allOn ? [] : selectable)} data-testid="o-select-all" />
                  </th>
                )}
                <th>{t("o_col_date")}</th>
                <th>{t("o_col_child")}</th>
                <th>{t("o_col_kind")}</th>
                <th class="o-wide">{t("o_col_staff")}</th>
                <th>{t("o_col_length")}</th>
                <th>{t("o_col_status")}</th>
                <th>{t("o_col_flags")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((r) => {
                const s = r.summary;
                const can = !readOnly && s.status !== "approved" && !r.handed_over;
                return (
                  <tr key={s.id} data-testid="o-row" data-id={s.id} class={chosen.includes(s.id) ? "o-chosen" : ""}>
                    {!readOnly && (
                      <td class="o-sel">
                        {can && <input type="checkbox" checked={chosen.includes(s.id)} onChange={() => toggle(s.id)} aria-label={t("o_select_row", { name: r.child_name, date: fmtDate(s.date) })} data-testid="o-select" />}
                      </td>
                    )}
                    <td>
                      {fmtDate(s.date)} {fmtTime(s.start)}
                    </td>
                    <td>
                      {r.child_name}
                      {r.handed_over && (
                        <>
                          {" "}
                          <span class="badge o-handed-over" data-testid="o-handed-over">
                            {t("o_handed_over")}
                          </span>
                        </>
                      )}
                    </td>
                    <td>{label(labels.visit_kind, s.kind)}</td>
                    <td class="o-wide">{r.staff.join("、")}</td>
                    <td>{s.duration_minutes ? fmtMinutes(s.duration_minutes) : "—"}</td>
                    <td data-testid="o-status" data-status={s.status}>
                      {label(labels.status, s.status)}
                    </td>
                    <td>
                      <Flags row={r} />
                    </td>
                    <td>
                      <button onClick={() => onOpen(s.id)} data-testid="o-open">
                        {t("o_open")}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The review flags a row carries, as the words of FLAGS (not `pending_sync`: not a warning). */
function flagsOf(r: VisitRow): (typeof FLAGS)[number][1][] {
  const f = r.flags;
  const on: (typeof FLAGS)[number][1][] = [];
  if (f.over_cap) on.push("o_flag_over_cap");
  if (f.rejected) on.push("o_flag_rejected");
  if (f.unconfirmed) on.push("o_flag_unconfirmed");
  if (f.instruction_expired) on.push("o_flag_expired");
  if (f.respite_length) on.push("o_flag_respite_length");
  if (f.short_day) on.push("o_flag_short_day");
  return on;
}

function Flags({ row }: { row: VisitRow }) {
  const f = row.flags;
  const on: [string, string][] = [];
  if (f.over_cap) on.push(["over_cap", t("o_flag_over_cap")]);
  if (f.rejected) on.push(["rejected", t("o_flag_rejected")]);
  if (f.unconfirmed) on.push(["unconfirmed", t("o_flag_unconfirmed")]);
  if (f.instruction_expired) on.push(["instruction_expired", t("o_flag_expired")]);
  if (f.respite_length) on.push(["respite_length", t("o_flag_respite_length")]);
  if (f.short_day) on.push(["short_day", t("o_flag_short_day")]);
  if (f.pending_sync) on.push(["pending_sync", t("o_flag_pending")]);
  return (
    <span class="o-badges">
      {on.map(([k, text]) => (
        <span class={k === "pending_sync" ? "badge" : "badge warn"} data-flag={k}>
          {text}
        </span>
      ))}
    </span>
  );
}

function Detail({ id, onBack }: { id: string; onBack: () => void }) {
  const d = useLoad(() => call("visit_detail", { id }), [id]);
  return (
    <section class="o-detail" data-testid="o-detail">
      <div class="row">
        <button onClick={onBack} data-testid="o-back">
          {t("o_back")}
        </button>
        <h2>{t("o_detail_title")}</h2>
      </div>
      <ErrorBox error={d.error} />
      {!d.data && !d.error && <p class="muted">{t("loading")}</p>}
      {d.data && <DetailBody d={d.data} />}
    </section>
  );
}

function DetailBody({ d }: { d: VisitDetail }) {
  const { labels, status } = useApp();
  const role = status.user?.role;
  // The history keeps account names: show people's names, known from the server's list of
  // people (offline, or for someone not in it, the account name stays).
  const people = useLoad(() => call("people", {}).catch(() => []), []);
  const who = (username: string) => people.data?.find((p) => p.username === username)?.name || username;
  const v = d.visit;
  const s = d.row.summary;
  const g = v.guardian;
  // Checklist items with a problem are named at the top too (the checklist lists them first).
  const checkProblems = Object.values(v.checklist.items).filter((e) => e.status === "problem").length;
  const span = (a: string | null, b: string | null) => (a ? `${fmtDateTime(a)} – ${fmtTime(b)}` : "—");
  const fields: [string, string][] = [
    [t("o_col_child"), d.row.child_name],
    [t("o_col_kind"), label(labels.visit_kind, v.kind)],
    [t("o_col_status"), label(labels.status, v.status)],
    [t("o_station_name"), v.station.name || v.station.id],
    [t("o_place"), v.place || "—"],
    [t("o_scheduled"), span(v.scheduled_start, v.scheduled_end)],
    [t("o_actual"), span(v.actual_start, v.actual_end)],
    [t("o_outcome"), label(labels.outcome, v.outcome)],
    [t("o_staff"), v.staff.map((m) => `${m.name}（${label(labels.staff_role, m.role)}）`).join("、") || "—"],
    [
      t("o_guardian"),
      !g ? t("o_guardian_no") : g.kind === "confirmed" ? t("o_guardian_yes", { name: g.name, at: fmtDateTime(g.at) }) : t("o_guardian_not", { reason: g.reason }),
    ],
  ];
  if (v.kind === "respite") {
    fields.push([t("o_billable"), fmtMinutes(s.billable_minutes)]);
    fields.push([t("o_uses"), String(s.uses)]);
  }
  return (
    <>
      <div class="card">
        <Flags row={d.row} />
        {d.row.rejected_reason && (
          <p class="warning">
            {t("o_rejected_reason")}: {pickLang(d.row.rejected_reason)}
          </p>
        )}
        {checkProblems > 0 && (
          <p class="o-r-problem-summary" role="note" data-testid="o-r-problem-top">
            <a href="#o-r-checklist">
              <span aria-hidden="true">⚠ </span>
              {t("o_r_problems_top", { n: checkProblems })}
            </a>
          </p>
        )}
        {d.warnings.length > 0 && (
          <ul class="warning" data-testid="o-warnings">
            {d.warnings.map((w) => (
              <li key={w.code} data-code={w.code}>
                {problemText(w)}
              </li>
            ))}
          </ul>
        )}
        <dl class="o-fields">
          {fields.map(([k, val]) => (
            <div>
              <dt>{k}</dt>
              <dd>{val}</dd>
            </div>
          ))}
        </dl>
      </div>
      <RecordSections v={v} />
      {(role === "office" || role === "admin") && <TransferSection d={d} />}
      <div class="card" data-testid="o-history">
        <h3>{t("o_history")}</h3>
        {d.history_error ? (
          <p class="warning" data-testid="o-history-offline">
            {t("o_history_offline")}: {errorText(d.history_error)}
          </p>
        ) : d.history.length === 0 ? (
          <p class="muted">{t("o_history_none")}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t("o_h_when")}</th>
                <th>{t("o_h_who")}</th>
                <th>{t("o_h_action")}</th>
                <th>{t("o_h_device")}</th>
              </tr>
            </thead>
            <tbody>
              {d.history.map((h) => (
                <tr data-testid="o-history-entry">
                  <td>{fmtUnix(h.at)}</td>
                  <td data-testid="o-history-who">{who(h.username)}</td>
                  <td>{h.action === "created" ? t("o_action_created") : h.action === "changed" ? t("o_action_changed") : h.action}</td>
                  <td class="muted">{h.device_id}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}

function MonthSummary({ month, setMonth }: { month: string; setMonth: (m: string) => void }) {
  const { dataStamp } = useApp();
  const rows = useLoad(() => call("respite_month", { month }), [month, dataStamp]);
  return (
    <section class="card" data-testid="o-month">
      <div class="row">
        <h2 class="o-month-title">{t("o_month_title", { month: fmtMonth(month) })}</h2>
        <span class="spacer" />
        <label class="row">
          {t("o_month")}
          <input type="month" name="summary-month" value={month} onChange={(e) => (e.target as HTMLInputElement).value && setMonth((e.target as HTMLInputElement).value)} class="o-month-input" />
        </label>
      </div>
      <ErrorBox error={rows.error} />
      {rows.data && rows.data.length === 0 && <p class="muted">{t("o_m_none")}</p>}
      {rows.data && rows.data.length > 0 && (
        <div class="o-table-wrap">
          <table class="o-table">
            <thead>
              <tr>
                <th>{t("o_m_child")}</th>
                <th class="o-wide">{t("o_m_muni")}</th>
                <th class="num">{t("o_m_sessions")}</th>
                <th class="num">{t("o_m_uses")}</th>
                <th class="num">{t("o_m_month")}</th>
                <th class="num">{t("o_m_year")}</th>
                <th class="num">{t("o_m_remaining")}</th>
                <th class="num">{t("o_m_cap")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map((r) => (
                <tr data-testid="o-month-row" data-child={r.child_id} class={r.over_cap ? "o-over" : ""}>
                  <td>{r.child_name}</td>
                  <td class="o-wide">{r.municipality_name || "—"}</td>
                  <td class="num" data-k="sessions">{r.sessions}</td>
                  <td class="num" data-k="uses">{r.uses}</td>
                  <td class="num" data-k="month">{fmtMinutes(r.month_minutes)}</td>
                  <td class="num" data-k="year">{fmtMinutes(r.year_used_minutes)}</td>
                  <td class="num" data-k="remaining">
                    {r.remaining_minutes < 0 ? <span class="badge warn">{t("o_m_over", { time: fmtMinutes(-r.remaining_minutes) })}</span> : fmtMinutes(r.remaining_minutes)}
                  </td>
                  <td class="num" data-k="cap">{fmtMinutes(r.cap_minutes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.data && <MonthCharts month={month} rows={rows.data} />}
    </section>
  );
}
