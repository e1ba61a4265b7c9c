// The parent screens: for each child, respite hours left this fiscal year (a ring with the
// numbers), the sessions used, and confirming sessions not yet confirmed. Read-only otherwise.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChildCard, RespiteSession, RespiteYear } from "../../bindings";
import { call } from "../../api";
import { fmtDate, fmtDateTime, fmtMinutes, fmtTime, fyLabel, label, t } from "../../i18n";
import { useApp } from "../../context";
import { ALL, nowJst } from "../../shared";
import { ErrorBox, Field, useLoad } from "../../ui";
import { ParentYearChart } from "./chart";
import "./parent.css";


export function ParentApp() {
  const { dataStamp } = useApp();
  const kids = useLoad(() => call("children", {}), [dataStamp]);
  return (
    <div class="parent">
      <h1>{t("p_title")}</h1>
      <p class="muted">{t("p_lead")}</p>
      <ErrorBox error={kids.error} />
      {!kids.data && !kids.error && <p class="muted">{t("loading")}</p>}
      {kids.data && kids.data.length === 0 && <p class="muted">{t("p_no_children")}</p>}
      <div class="p-children">{kids.data?.map((c) => <ChildRespite key={c.id} child={c} />)}</div>
    </div>
  );
}

function ChildRespite({ child }: { child: ChildCard }) {
  const { dataStamp } = useApp();
  const year = useLoad(() => call("respite_year", { childId: child.id }), [child.id, dataStamp]);
  return (
    <section class="card p-child" data-testid="p-child" data-child={child.id}>
      <h2>{child.name}</h2>
      <ErrorBox error={year.error} />
      {!year.data && !year.error && <p class="muted">{t("loading")}</p>}
      {year.data && <YearView year={year.data} reload={year.reload} />}
      <Upcoming childId={child.id} />
    </section>
  );
}

/** The visits and sessions the station has planned for the child, from today (予定). */
function Upcoming({ childId }: { childId: string }) {
  const { status, dataStamp, labels } = useApp();
  const today = status.today.date;
  const rows = useLoad(() => call("visits", { filter: { ...ALL, child: childId, from: today } }), [childId, today, dataStamp]);
  const planned = (rows.data ?? []).filter((r) => r.summary.status === "draft").sort((a, b) => (a.summary.start ?? "").localeCompare(b.summary.start ?? ""));
  if (!rows.data) return <ErrorBox error={rows.error} />;
  return (
    <div class="p-upcoming" data-testid="p-upcoming">
      <h3>{t("p_upcoming")}</h3>
      {planned.length === 0 && <p class="muted">{t("p_upcoming_none")}</p>}
      <ul>
        {planned.map((r) => (
          <li data-testid="p-upcoming-visit" data-id={r.summary.id} key={r.summary.id}>
            {fmtDate(r.summary.date)} {fmtTime(r.summary.start)} {label(labels.visit_kind, r.summary.kind)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function YearView({ year, reload }: { year: RespiteYear; reload: () => void }) {
  const { report, sessions } = year;
  const l = report.ledger;
  const fy = fyLabel(report);
  const over = l.remaining_minutes < 0;
  const overSessions = sessions.filter((s) => s.over_cap);
  const toConfirm = sessions.filter((s) => !s.confirmed).length;
  return (
    <>
      <div class="p-top">
        <Gauge cap={l.cap_minutes} remaining={l.remaining_minutes} fy={fy} />
        <dl class="p-numbers">
          <div>
            <dt>{t("fy")}</dt>
            <dd data-testid="p-fy">{fy}</dd>
          </div>
          <div>
            <dt>{t("p_cap")}</dt>
            <dd data-testid="p-cap">{fmtMinutes(l.cap_minutes)}</dd>
          </div>
          <div>
            <dt>{t("p_used")}</dt>
            <dd data-testid="p-used">{fmtMinutes(l.used_minutes)}</dd>
          </div>
          <div>
            <dt>{t("p_remaining")}</dt>
            <dd data-testid="p-remaining" class={over ? "p-negative" : ""}>
              {fmtMinutes(l.remaining_minutes)}
            </dd>
          </div>
          {report.municipality_name && <div class="muted p-muni">{report.municipality_name}</div>}
        </dl>
      </div>
      {(over || overSessions.length > 0) && (
        <div class="warning p-over" data-testid="p-over" role="status">
          <strong>{over ? t("p_over_title", { time: fmtMinutes(-l.remaining_minutes) }) : t("p_over_sessions", { n: overSessions.length })}</strong>
          {over && overSessions.length > 0 && <span> · {t("p_over_sessions", { n: overSessions.length })}</span>}
          <p>{t("p_over_body")}</p>
        </div>
      )}
      <ParentYearChart year={year} />
      <Sessions childId={report.child_id} sessions={sessions} toConfirm={toConfirm} reload={reload} />
    </>
  );
}

/** A ring: the share of the cap still left (empty past the cap), the time left in the middle. */
function Gauge({ cap, remaining, fy }: { cap: number; remaining: number; fy: string }) {
  const r = 64;
  const c = 2 * Math.PI * r;
  const share = cap > 0 ? Math.min(1, Math.max(0, remaining / cap)) : 0;
  // The true number, negative past the cap (sessions recorded offline all count).
  const text = fmtMinutes(remaining);
  return (
    <svg class="p-gauge" viewBox="0 0 160 160" role="img" aria-label={t("p_gauge_label", { fy, time: text })} data-testid="p-gauge" data-share={share.toFixed(3)}>
      <circle cx="80" cy="80" r={r} class="track" />
      {share > 0 && <circle cx="80" cy="80" r={r} class="arc" stroke-dasharray={`${c * share} ${c}`} transform="rotate(-90 80 80)" />}
      <text x="80" y="70" class="small">
        {t("p_remaining")}
      </text>
      <text x="80" y="96" class="big">
        {text}
      </text>
    </svg>
  );
}

function Sessions({ childId, sessions, toConfirm, reload }: { childId: string; sessions: RespiteSession[]; toConfirm: number; reload: () => void }) {
  const { status } = useApp();
  // The guardian's name comes from the child's face sheet; the account's name only without one.
  const sheet = useLoad(() => call("child_sheet", { id: childId }), [childId]);
  const guardianName = () => sheet.data?.child.guardians.find((g) => g.name.trim())?.name ?? (status.user ? status.user.name || status.user.username : "");
  const [all, setAll] = useState(false);
  const [confirming, setConfirming] = useState<RespiteSession | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  // The form opens below the table: bring it into view and put the cursor in its name field, so
  // the tap visibly does something.
  const form = useRef<HTMLFormElement>(null);
  const nameBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!confirming) return;
    form.current?.scrollIntoView({ block: "center" });
    nameBox.current?.focus({ preventScroll: true });
  }, [confirming?.visit_id]);
  const LIMIT = 5;
  // Newest first; unconfirmed sessions always stay in view.
  const shown = all ? sessions : sessions.filter((s, i) => i < LIMIT || !s.confirmed);

  const open = (s: RespiteSession) => {
    setError(null);
    setDone(false);
    setName(guardianName());
    setConfirming(s);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (!confirming) return;
    if (!name.trim()) {
      const text = t("p_confirm_need_name"); // already in the current language
      setError({ code: "invalid", message: text, ja: text, en: text, problems: [] });
      return;
    }
    setBusy(true);
    call("confirm_visit", { id: confirming.visit_id, confirmation: { kind: "confirmed", name: name.trim(), at: nowJst(), signature: "" } }).then(
      () => {
        setBusy(false);
        setConfirming(null);
        setDone(true);
        reload();
      },
      (err) => {
        setBusy(false);
        setError(err);
      },
    );
  };

  return (
    <div class="p-sessions">
      <div class="row">
        <h3>{t("p_sessions", { n: sessions.length })}</h3>
        {toConfirm > 0 && <span class="badge warn">{t("p_unconfirmed_count", { n: toConfirm })}</span>}
      </div>
      {done && (
        <p class="ok" data-testid="p-confirm-done">
          {t("p_confirm_done")}
        </p>
      )}
      {sessions.length === 0 ? (
        <p class="muted">{t("p_no_sessions")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t("p_col_date")}</th>
              <th>{t("p_col_time")}</th>
              <th>{t("p_col_nurses")}</th>
              <th>{t("p_col_state")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => (
              <tr key={s.visit_id} data-testid="p-session" data-id={s.visit_id} class={s.over_cap ? "p-over-row" : ""}>
                <td>
                  {fmtDate(s.start)}
                  {s.over_cap && <span class="badge warn p-badge">{t("p_over_badge")}</span>}
                </td>
                <td>{fmtMinutes(s.billable_minutes)}</td>
                <td>{s.nurses.join("、")}</td>
                <td>
                  {s.confirmed ? (
                    <span class="badge" data-testid="p-confirmed">
                      {t("p_confirmed")}
                    </span>
                  ) : s.status === "approved" ? (
                    // Approved records are locked: nothing left to confirm on the tablet.
                    <span class="muted" data-testid="p-approved">
                      {t("p_approved")}
                    </span>
                  ) : (
                    <button class="primary" onClick={() => open(s)} data-testid="p-confirm">
                      {t("p_confirm")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sessions.length > LIMIT && (
        <button class="p-more" onClick={() => setAll(!all)} data-testid="p-show-all">
          {all ? t("p_show_less") : `${t("p_show_all")} (${sessions.length})`}
        </button>
      )}
      {confirming && (
        <form ref={form} class="card p-confirm-form" onSubmit={submit} data-testid="p-confirm-form">
          <h3>{t("p_confirm_title", { date: fmtDateTime(confirming.start) })}</h3>
          <p>
            {fmtMinutes(confirming.billable_minutes)} · {confirming.nurses.join("、")}
          </p>
          <Field label={t("p_confirm_name")}>
            <input ref={nameBox} name="confirm-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} autoComplete="name" />
          </Field>
          <ErrorBox error={error} />
          <div class="row">
            <button type="submit" class="primary" disabled={busy} data-testid="p-confirm-submit">
              {t("p_confirm_submit")}
            </button>
            <button type="button" onClick={() => setConfirming(null)}>
              {t("cancel")}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
