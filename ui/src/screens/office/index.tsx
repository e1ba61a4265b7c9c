// The office screens: review synced records (filters, flags, approve one or many with a result
// per record), a record's detail with its history, the month's respite summary per child, and
// the people of the station (people.tsx), the municipalities' settings (municipality.tsx), and
// the monthly claim with its export (claim.tsx; office and admin only), the station's results
// report (実績報告: handover visits, checklists, purchases; results.tsx; office and admin only). Approving several records
// of which any is flagged asks first, naming how many and which flags.
// A municipality's welfare section (role `municipality`) gets the same screens read-only: no
// approving, no people, no publishing of settings — the server refuses its writes anyway, and it
// sees only the children whose guardians' consent to share is in force.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ApproveResult, FieldChange, HistoryEntry, ReviewFilter, VisitDetail, VisitRow } from "../../bindings";
import { ApiError, call, errorText, pickLang, problemText } from "../../api";
import { fmtDate, fmtDateTime, fmtMinutes, fmtMonth, fmtTime, fmtUnix, label, lang, paren, pickHalf, t } from "../../i18n";
import { useApp } from "../../context";
import { ALL } from "../../shared";
import { ErrorBox, Field, useLoad } from "../../ui";
import { MonthField } from "../../dates";
import { People } from "./people";
import { Municipalities } from "./municipality";
import { PhrasesEditor } from "./phrases";
import { DaytimeClaimTab } from "./daytime";
import { TransferSection } from "./transfer";
import { Claim } from "./claim";
import { Results } from "./results";
import { RecordSections } from "./record";
import "./office.css";
import { MonthCharts } from "./chart";
import { SearchBox } from "../search";
import { OfficePlan } from "./plan";

type Tab = "review" | "plan" | "month" | "claim" | "daytime" | "results" | "people" | "municipality" | "phrases";

export function OfficeApp() {
  const { status } = useApp();
  const readOnly = status.user?.role === "municipality";
  const month = status.today.date.slice(0, 7);
  const [tab, setTab] = useState<Tab>("review");
  const [detail, setDetail] = useState<string | null>(null);
  // The filter lives here so it survives opening a record and coming back.
  const [filter, setFilter] = useState<ReviewFilter>({ ...ALL, month });
  const [summaryMonth, setSummaryMonth] = useState(month);
  // The search stays as it was when a result is opened and the office comes back.
  const [query, setQuery] = useState("");
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
        {!readOnly && (
          <button role="tab" class={tab === "plan" ? "on" : ""} aria-selected={tab === "plan"} onClick={() => (setTab("plan"), setDetail(null))} data-testid="o-tab-plan">
            {t("o_tab_plan")}
          </button>
        )}
        <button role="tab" class={tab === "month" ? "on" : ""} aria-selected={tab === "month"} onClick={() => (setTab("month"), setDetail(null))} data-testid="o-tab-month">
          {t("o_tab_month")}
        </button>
        {!readOnly && (
          <button role="tab" class={tab === "claim" ? "on" : ""} aria-selected={tab === "claim"} onClick={() => (setTab("claim"), setDetail(null))} data-testid="o-tab-claim">
            {t("o_tab_claim")}
          </button>
        )}
        {!readOnly && (
          <button role="tab" class={tab === "daytime" ? "on" : ""} aria-selected={tab === "daytime"} onClick={() => (setTab("daytime"), setDetail(null))} data-testid="o-tab-daytime">
            {t("o_tab_daytime")}
          </button>
        )}
        {!readOnly && (
          <button role="tab" class={tab === "results" ? "on" : ""} aria-selected={tab === "results"} onClick={() => (setTab("results"), setDetail(null))} data-testid="o-tab-results">
            {t("o_tab_results")}
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
        {!readOnly && (
          <button role="tab" class={tab === "phrases" ? "on" : ""} aria-selected={tab === "phrases"} onClick={() => (setTab("phrases"), setDetail(null))} data-testid="o-tab-phrases">
            {t("o_tab_phrases")}
          </button>
        )}
      </div>
      {tab === "plan" && !readOnly ? (
        <OfficePlan onOpen={(id) => (setTab("review"), setDetail(id))} />
      ) : tab === "people" && !readOnly ? (
        <People />
      ) : tab === "municipality" ? (
        <Municipalities readOnly={readOnly} />
      ) : tab === "phrases" && !readOnly ? (
        <PhrasesEditor />
      ) : tab === "claim" && !readOnly ? (
        <Claim />
      ) : tab === "daytime" && !readOnly ? (
        <DaytimeClaimTab />
      ) : tab === "results" && !readOnly ? (
        <Results />
      ) : tab === "month" ? (
        <MonthSummary month={summaryMonth} setMonth={setSummaryMonth} />
      ) : detail ? (
        <Detail id={detail} onBack={() => setDetail(null)} />
      ) : (
        <>
          <SearchBox
            query={query}
            setQuery={setQuery}
            onVisit={setDetail}
            onChild={(child) => {
              setQuery("");
              setFilter({ ...ALL, child, month: null });
            }}
          />
          {!query.trim() && <Review filter={filter} setFilter={setFilter} onOpen={setDetail} readOnly={readOnly} />}
        </>
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

/** Rows of the review list shown at first, and added by さらに表示. */
const PAGE = 200;

function Review({ filter, setFilter, onOpen, readOnly }: { filter: ReviewFilter; setFilter: (f: ReviewFilter) => void; onOpen: (id: string) => void; readOnly: boolean }) {
  const { labels, dataStamp } = useApp();
  const kids = useLoad(() => call("children", {}), [dataStamp]);
  const dir = useLoad(() => call("directory", {}), [dataStamp]);
  const stations = (dir.data?.orgs ?? []).filter((o) => o.kind === "station");
  // A long month comes a page at a time: one row more than shown says whether there are more.
  const [shown, setShown] = useState(PAGE);
  const rows = useLoad(() => call("visits", { filter: { ...filter, limit: shown + 1 } }), [JSON.stringify(filter), shown, dataStamp]);
  const [selected, setSelected] = useState<string[]>([]);
  const [results, setResults] = useState<{ r: ApproveResult; row?: VisitRow }[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const set = (patch: Partial<ReviewFilter>) => {
    setSelected([]);
    setShown(PAGE);
    setFilter({ ...filter, ...patch });
  };
  const list = (rows.data ?? []).slice(0, shown);
  const more = (rows.data?.length ?? 0) > shown;
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
            <MonthField name="month" value={filter.month ?? ""} emptyLabel={t("o_all")} onChange={(m) => set({ month: m || null })} />
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
          {more ? t("o_count_more", { n: list.length }) : t("o_count", { n: list.length })}
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
          {/* Explicit roles: at a large text size in portrait the rows are laid out as cards
              (office.css), and a table whose display changes may lose its semantics. */}
          <table class="o-table" role="table">
            <thead role="rowgroup">
              <tr role="row">
                {!readOnly && (
                  <th class="o-sel" role="columnheader">
                    <label class="o-hit">
                      <input type="checkbox" aria-label={t("o_select_all")} title={t("o_select_all")} checked={allOn} disabled={!selectable.length} onChange={() => setSelected(allOn ? [] : selectable)} data-testid="o-select-all" />
                    </label>
                  </th>
                )}
                <th role="columnheader">{t("o_col_date")}</th>
                <th role="columnheader">{t("o_col_child")}</th>
                <th role="columnheader">{t("o_col_kind")}</th>
                <th role="columnheader">{t("o_col_staff")}</th>
                <th role="columnheader">{t("o_col_length")}</th>
                <th role="columnheader">{t("o_col_status")}</th>
                <th role="columnheader">{t("o_col_flags")}</th>
                <th role="columnheader" aria-label={t("o_open")} />
              </tr>
            </thead>
            <tbody role="rowgroup">
              {list.map((r) => {
                const s = r.summary;
                const can = !readOnly && s.status !== "approved" && !r.handed_over;
                return (
                  <tr role="row" key={s.id} data-testid="o-row" data-id={s.id} class={chosen.includes(s.id) ? "o-chosen" : ""}>
                    {!readOnly && (
                      <td class="o-sel" role="cell">
                        {can && (
                          <label class="o-hit">
                            <input type="checkbox" checked={chosen.includes(s.id)} onChange={() => toggle(s.id)} aria-label={t("o_select_row", { name: r.child_name, date: fmtDate(s.date) })} data-testid="o-select" />
                          </label>
                        )}
                      </td>
                    )}
                    <td role="cell" data-k="date">
                      <span class="o-nw">{fmtDate(s.date)}</span> <span class="o-nw">{fmtTime(s.start)}</span>
                    </td>
                    <td role="cell" data-k="child">
                      <span class="o-nw">{r.child_name}</span>
                      {r.handed_over && (
                        <>
                          {" "}
                          <span class="badge o-handed-over" data-testid="o-handed-over">
                            {t("o_handed_over")}
                          </span>
                        </>
                      )}
                    </td>
                    <td role="cell" data-k="kind">{label(labels.visit_kind, s.kind)}</td>
                    <td role="cell" data-k="staff">
                      {r.staff.map((n, i) => (
                        <>
                          {i > 0 && "、"}
                          <span class="o-nw">{n}</span>
                        </>
                      ))}
                    </td>
                    <td role="cell" data-k="length" class="o-nw">
                      {s.duration_minutes ? fmtMinutes(s.duration_minutes) : "—"}
                    </td>
                    <td role="cell" data-testid="o-status" data-k="status" class="o-nw" data-status={s.status}>
                      {label(labels.status, s.status)}
                    </td>
                    <td role="cell" data-k="flags">
                      <Flags row={r} />
                    </td>
                    <td role="cell" data-k="open">
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
      {more && (
        <div class="row o-more">
          <button type="button" onClick={() => setShown(shown + PAGE)} data-testid="o-more">
            {t("o_more", { n: PAGE })}
          </button>
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
      {d.data && <DetailBody d={d.data} onChanged={d.reload} />}
    </section>
  );
}

function DetailBody({ d, onChanged }: { d: VisitDetail; onChanged: () => void }) {
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
    [t("o_col_status"), v.returned && v.status === "draft" ? t("o_status_returned", { status: label(labels.status, v.status) }) : label(labels.status, v.status)],
    [t("o_station_name"), v.station.name || v.station.id],
    [t("o_place"), v.place || "—"],
    [t("o_scheduled"), span(v.scheduled_start, v.scheduled_end)],
    [t("o_actual"), span(v.actual_start, v.actual_end)],
    [t("o_outcome"), label(labels.outcome, v.outcome)],
    [t("o_staff"), v.staff.map((m) => `${m.name}${paren(label(labels.staff_role, m.role))}`).join(lang.value === "ja" ? "、" : ", ") || "—"],
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
        {v.returned && v.status === "draft" && (
          <p class="warning o-returned" role="note" data-testid="o-returned">
            {t("o_returned", { reason: v.returned.reason, by: v.returned.by, at: fmtDateTime(v.returned.at) })}
          </p>
        )}
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
      {(role === "office" || role === "admin") && v.status === "submitted" && !d.row.handed_over && <SendBack id={v.id} onDone={onChanged} />}
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
          <ol class="o-h-list" style={{ listStyle: "none", margin: 0, padding: 0 }}>
            {d.history.map((h) => (
              <HistoryItem h={h} who={h.name || who(h.username)} />
            ))}
          </ol>
        )}
      </div>
    </>
  );
}

/** Values longer than this are shortened in the line, with a way to read them whole. */
const LONG = 40;
const shorten = (s: string) => (s.length > LONG ? `${s.slice(0, LONG - 12)}…` : s);

/** One history entry: when, who, what was done (with its note), on which device; then what it
 * changed, field by field (`終了時刻：15:30 → 16:00`, — for none), or why that cannot be shown. */
function HistoryItem({ h, who }: { h: HistoryEntry; who: string }) {
  const action = h.action === "created" ? t("o_action_created") : h.action === "changed" ? t("o_action_changed") : h.action === "transferred" ? t("o_action_transferred") : h.action;
  const note = h.note ? (lang.value === "ja" ? h.note.ja : h.note.en) || h.note.ja : "";
  return (
    <li class="o-h-entry" data-testid="o-history-entry" data-action={h.action} style={{ padding: "8px 0", borderTop: "1px solid var(--line)", overflowWrap: "anywhere" }}>
      <div class="o-h-head">
        <span data-k="when">{fmtUnix(h.at)}</span> <strong data-testid="o-history-who">{who}</strong>{" "}
        <span class="badge" data-k="action">
          {action}
        </span>{" "}
        <span class="muted o-h-device" data-k="device">
          {h.device_id}
        </span>
      </div>
      {note && (
        <p class="o-h-note" data-testid="o-history-note" style={{ margin: "4px 0 0" }}>
          {note}
        </p>
      )}
      {h.unknown ? (
        <p class="muted" data-testid="o-history-unknown" style={{ margin: "4px 0 0" }}>
          {t("o_h_unknown")}
        </p>
      ) : h.changes.length === 0 ? (
        h.action !== "transferred" && (
          <p class="muted" data-testid="o-history-nothing" style={{ margin: "4px 0 0" }}>
            {t("o_h_nothing")}
          </p>
        )
      ) : (
        <ul class="o-h-changes" style={{ margin: "4px 0 0", paddingLeft: "20px" }}>
          {h.changes.map((c) => (
            <ChangeLine c={c} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** Fields people write in: their values are never a choice's `日本語 / English` (a note may well
 * hold " / " of its own), so they are shown as written. */
const FREE_TEXT = /^(note\.|place$)|\.(note|reason|detail|topic|name|by)$/;

function ChangeLine({ c }: { c: FieldChange }) {
  const field = lang.value === "ja" ? c.label.ja : c.label.en || c.label.ja;
  const shown = (x: string | null) => (x === null ? "—" : FREE_TEXT.test(c.field) ? x : pickHalf(x));
  const old = shown(c.old);
  const now = shown(c.new);
  if (old.length <= LONG && now.length <= LONG)
    return (
      <li data-testid="o-history-change" data-field={c.field}>
        {t("o_h_change", { field, old, new: now })}
      </li>
    );
  return (
    <li data-testid="o-history-change" data-field={c.field} data-long="true">
      <details class="o-h-long">
        <summary style={{ minHeight: "44px", cursor: "pointer", display: "list-item", paddingTop: "10px" }}>
          <span data-k="line">{t("o_h_change", { field, old: shorten(old), new: shorten(now) })}</span> <span class="o-h-more" style={{ color: "var(--accent)", textDecoration: "underline" }}>{t("o_h_full")}</span>
        </summary>
        <dl class="o-h-full" data-testid="o-history-full" style={{ margin: "4px 0 0" }}>
          <div>
            <dt>{t("o_h_before")}</dt>
            <dd data-k="old">{old}</dd>
          </div>
          <div>
            <dt>{t("o_h_after")}</dt>
            <dd data-k="new">{now}</dd>
          </div>
        </dl>
      </details>
    </li>
  );
}

/** 差し戻し: the office sends a submitted record back to its nurse with what to fix. */
function SendBack({ id, onDone }: { id: string; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  // The reason's box takes the focus when the form opens.
  useEffect(() => {
    if (open) box.current?.focus();
  }, [open]);
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const cancel = () => (setOpen(false), setReason(""), setMissing(null), setError(null));
  const send = () => {
    setError(null);
    if (!reason.trim()) {
      setMissing(t("o_send_back_required"));
      box.current?.focus();
      return;
    }
    setMissing(null);
    setBusy(true);
    call("send_back_visit", { id, reason }).then(
      () => (setBusy(false), setOpen(false), onDone()),
      (e) => {
        setBusy(false);
        // The reason's own problem goes under the field; anything else above the buttons.
        const p = ApiError.from(e).problems();
        const mine = p.find((x) => x.field === "returned.reason");
        if (mine) setMissing(problemText(mine));
        if (!mine || p.length > 1) setError(e);
      },
    );
  };
  if (!open)
    return (
      <div class="card row o-send-back-bar">
        <button onClick={() => setOpen(true)} data-testid="o-send-back">
          {t("o_send_back")}
        </button>
      </div>
    );
  return (
    <section class="card o-send-back" role="dialog" aria-labelledby="o-send-back-title" data-testid="o-send-back-form">
      <h3 id="o-send-back-title">{t("o_send_back_title")}</h3>
      <p class="muted">{t("o_send_back_hint")}</p>
      <label class="field">
        <span class="label">{t("o_send_back_reason")}</span>
        <textarea
          ref={box}
          name="reason"
          style={{ width: "100%", boxSizing: "border-box" }}
          value={reason}
          aria-invalid={missing ? "true" : undefined}
          aria-describedby={missing ? "o-send-back-missing" : undefined}
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
          data-testid="o-send-back-reason"
        />
        {missing && (
          <span class="o-field-error" id="o-send-back-missing" role="alert" data-testid="o-send-back-missing" style={{ color: "var(--danger)", fontWeight: 700 }}>
            {missing}
          </span>
        )}
      </label>
      <ErrorBox error={error} />
      <div class="row">
        <button class="primary" disabled={busy} onClick={send} data-testid="o-send-back-yes">
          {busy ? t("o_send_back_sending") : t("o_send_back")}
        </button>
        <button onClick={cancel} disabled={busy} data-testid="o-send-back-no">
          {t("o_send_back_cancel")}
        </button>
      </div>
    </section>
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
          <MonthField name="summary-month" value={month} onChange={(m) => m && setMonth(m)} />
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
