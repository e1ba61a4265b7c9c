// Nurse home: records the office sent back (差し戻し), today's and upcoming visits, and the
// children with their remaining respite hours.
import type { ChildCard, VisitRow } from "../../bindings";
import { call, pickLang } from "../../api";
import { useApp } from "../../context";
import { fmtDate, fmtMinutes, fmtTime, label, t } from "../../i18n";
import { ErrorBox, useLoad } from "../../ui";
import { ALL } from "./util";
import { useState } from "preact/hooks";
import { WeekView } from "./plan";
import { SearchBox } from "../search";

export function InstructionWarning({ state }: { state: string }) {
  const { labels } = useApp();
  if (state === "valid") return null;
  return (
    <div class={state === "expired" || state === "missing" ? "error" : "warning"} data-testid="n-instruction-warning" data-state={state}>
      ⚠ {t("n_instruction")}: {label(labels.instruction_state, state)}
    </div>
  );
}

/** Whether the record has left this tablet: 未送信 while a change waits to be sent (whatever its
 * status says), 送信できません with the server's reason where the server refused it. */
export function SendState({ row, full }: { row: VisitRow | null; full?: boolean }) {
  if (!row) return null;
  const reason = row.rejected_reason ? pickLang(row.rejected_reason) : "";
  if (row.flags.pending_sync)
    return (
      <>
        <span class="badge warn n-unsent" data-testid="n-unsent" title={t("n_unsent_hint")}>
          {t("n_unsent")}
        </span>
        {full && (
          <span class="hint" data-testid="n-unsent-hint">
            {row.flags.rejected ? t("n_unsent_after_refusal", { reason }) : t("n_unsent_hint")}
          </span>
        )}
      </>
    );
  if (row.flags.rejected)
    return (
      <>
        <span class="badge warn n-refused" data-testid="n-refused">
          ⚠ {t("n_refused_by_server")}
        </span>
        <span class={full ? "error n-refused-reason" : "hint n-refused-reason"} data-testid="n-refused-reason">
          {t("n_refused_reason", { reason })}
        </span>
      </>
    );
  return null;
}

function VisitList({ rows, onVisit, testid }: { rows: VisitRow[]; onVisit: (id: string) => void; testid: string }) {
  const { labels } = useApp();
  if (!rows.length) return <p class="muted" data-testid={testid}>{t("n_no_visits")}</p>;
  return (
    <ul class="n-visits" data-testid={testid}>
      {rows.map((r) => (
        <li key={r.summary.id}>
          <button class="n-visit" onClick={() => onVisit(r.summary.id)} data-testid="n-visit-row" data-id={r.summary.id}>
            <span class="n-when">
              {fmtDate(r.summary.date)} {fmtTime(r.summary.start)}
            </span>
            <strong>{r.child_name}</strong>
            <span>{label(labels.visit_kind, r.summary.kind)}</span>
            <span class="badge">{label(labels.status, r.summary.status)}</span>
            <SendState row={r} />
            {r.returned && (
              <span class="badge warn n-returned" data-testid="n-returned">
                ⚠ {t("n_returned_tag")}
              </span>
            )}
            {r.flags.over_cap && <span class="badge warn">{t("n_over_cap")}</span>}
            {r.flags.instruction_expired && <span class="badge warn">{t("n_instruction_expired")}</span>}
            {r.flags.respite_length && <span class="badge warn">{t("n_respite_length")}</span>}
            {r.flags.short_day && <span class="badge warn">{t("n_short_day")}</span>}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function ChildCardView({ c, onChild, onRecord }: { c: ChildCard; onChild: (id: string) => void; onRecord: (id: string) => void }) {
  return (
    <div class="card n-child" data-testid="n-child-card" data-id={c.id}>
      <button class="n-child-open" onClick={() => onChild(c.id)} data-testid="n-child-open">
        <span class="n-name">{c.name}</span>
        <span class="muted">{c.kana}</span>
      </button>
      <div class="row">
        <span>
          {t("n_score")}: <strong>{c.score_total}</strong>
        </span>
        <span data-testid="n-remaining" class={c.remaining_minutes < 0 ? "n-neg" : ""}>
          {t("n_respite_left")}: <strong>{fmtMinutes(c.remaining_minutes)}</strong>
          <span class="muted"> / {fmtMinutes(c.cap_minutes)}</span>
        </span>
      </div>
      <InstructionWarning state={c.instruction_state} />
      <button class="primary" onClick={() => onRecord(c.id)} data-testid="n-record">
        {t("n_record_visit")}
      </button>
    </div>
  );
}

export function Home({
  onChild,
  onVisit,
  onRecord,
  query,
  setQuery,
}: {
  onChild: (id: string) => void;
  onVisit: (id: string) => void;
  onRecord: (id: string) => void;
  query: string;
  setQuery: (q: string) => void;
}) {
  const { status, dataStamp } = useApp();
  const today = status.today.date;
  const children = useLoad(() => call("children", {}), [dataStamp]);
  // Today and later only: the index narrows it, however many past visits the tablet holds.
  const visits = useLoad(() => call("visits", { filter: { ...ALL, from: today } }), [dataStamp, today]);
  const rows = [...(visits.data ?? [])].sort((a, b) => (a.summary.start ?? "").localeCompare(b.summary.start ?? ""));
  // Records the office sent back (差し戻し) are drafts again, whatever their day: listed first
  // until they are submitted again (the today-and-later lists would miss the older ones).
  const drafts = useLoad(() => call("visits", { filter: { ...ALL, status: "draft" } }), [dataStamp]);
  const returned = (drafts.data ?? []).filter((r) => r.returned).sort((a, b) => (a.summary.start ?? "").localeCompare(b.summary.start ?? ""));
  const todays = rows.filter((r) => r.summary.date === today);
  const upcoming = rows.filter((r) => (r.summary.date ?? "") > today);
  const [week, setWeek] = useState(false);
  return (
    <div class="n-home" data-testid="n-home-screen">
      <SearchBox query={query} setQuery={setQuery} onVisit={onVisit} onChild={onChild} />
      <div class="row n-home-switch" role="group" style={query.trim() ? { display: "none" } : undefined}>
        <button class={week ? "" : "on"} aria-pressed={!week} onClick={() => setWeek(false)} data-testid="n-list-open">
          {t("n_list")}
        </button>
        <button class={week ? "on" : ""} aria-pressed={week} onClick={() => setWeek(true)} data-testid="n-week-open">
          {t("n_week")}
        </button>
      </div>
      {week && !query.trim() && <WeekView onVisit={onVisit} />}
      <div class="n-cols" hidden={week || !!query.trim()}>
        <section>
          {returned.length > 0 && (
            <>
              <h2>{t("n_returned_list")}</h2>
              <p class="muted">{t("n_returned_hint")}</p>
              <VisitList rows={returned} onVisit={onVisit} testid="n-returned-list" />
            </>
          )}
          <h2>
            {t("n_today")} <span class="muted">{fmtDate(today)}</span>
          </h2>
          <ErrorBox error={visits.error} />
          {visits.data && <VisitList rows={todays} onVisit={onVisit} testid="n-today" />}
          <h2>{t("n_upcoming")}</h2>
          {visits.data && <VisitList rows={upcoming} onVisit={onVisit} testid="n-upcoming" />}
        </section>
        <section>
          <h2>{t("n_children")}</h2>
          <ErrorBox error={children.error} />
          {!children.data && !children.error && <p class="muted">{t("loading")}</p>}
          {children.data?.map((c) => <ChildCardView key={c.id} c={c} onChild={onChild} onRecord={onRecord} />)}
        </section>
      </div>
    </div>
  );
}
