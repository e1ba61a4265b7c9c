// The monthly claim (月次請求) of one municipality: per child the claimed sessions and the
// doctor's instruction fees with Tokyo's and the municipality's halves, the hours against the
// year's cap, the sessions not claimed listed apart with every reason (never hidden), the grand
// total; and the export as CSV (UTF-8 for Excel, or Shift_JIS for older Excel), .xlsx or a PDF for
// printing into the downloads folder. The reasons a session is not claimed are the core's labels.
// Every number comes from the core (`monthly_claim`); the screen only lays them out. Office and admin only: the tab is not shown to a municipality's welfare section.
import { useState } from "preact/hooks";
import type { ChildClaim, ExportFormat, ExportedFile, Fee, MonthlyClaim } from "../../bindings";
import { call } from "../../api";
import { fmtDate, fmtMinutes, fmtMonth, fmtTime, label, lang, paren, t, type Key } from "../../i18n";
import { useApp } from "../../context";
import { ErrorBox, useLoad } from "../../ui";
import { MonthField } from "../../dates";

/** 22500 → `22,500円` / `¥22,500`. */
export const yen = (n: number) => t("o_c_yen", { n: n.toLocaleString("en-US") });

/** The month before `YYYY-MM-DD`'s month, as `YYYY-MM`. */
export function lastMonth(date: string): string {
  const [y, m] = date.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/** `22:00〜翌1:00` when the session ends the next day, else `13:00〜17:00`. */
export function span(start: string, end: string): { text: string; nextDay: boolean } {
  const nextDay = end.slice(0, 10) !== start.slice(0, 10);
  const e = nextDay ? t("o_c_next_day", { time: fmtTime(end) }) : fmtTime(end);
  return { text: t("o_c_span", { start: fmtTime(start), end: e }), nextDay };
}

/** The export buttons, in order (the results report's too). */
const FORMATS: [ExportFormat, Key][] = [
  ["csv", "o_c_export_csv"],
  ["csv_shift_jis", "o_c_export_sjis"],
  ["xlsx", "o_c_export_xlsx"],
  ["pdf", "o_c_export_pdf"],
];

/** An export in progress, the file it saved, or why it failed. `write` gives the file for a
 * format (`null`: nothing to export yet). */
export function useExport(write: (format: ExportFormat) => Promise<ExportedFile> | null) {
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [saved, setSaved] = useState<ExportedFile | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reset = () => (setSaved(null), setError(null));
  const exportAs = (format: ExportFormat) => {
    const pending = write(format);
    if (!pending) return;
    reset();
    setBusy(format);
    pending.then(
      (f) => (setBusy(null), setSaved(f)),
      (e) => (setBusy(null), setError(e)),
    );
  };
  return { busy, saved, error, reset, exportAs };
}

/** The export buttons (CSV, Shift_JIS CSV, Excel, PDF), the saved file's path, or the error. */
export function ExportBar({ ready, exp }: { ready: boolean; exp: ReturnType<typeof useExport> }) {
  return (
    <>
      <div class="row o-claim-export" role="group" aria-label={t("o_c_export")}>
        <strong>{t("o_c_export")}</strong>
        {FORMATS.map(([f, word]) => (
          <button disabled={!ready || exp.busy !== null} onClick={() => exp.exportAs(f)} data-testid={`o-export-${f}`} data-format={f}>
            {exp.busy === f ? t("o_c_exporting") : t(word)}
          </button>
        ))}
      </div>
      {exp.saved && (
        <p class="ok" role="status" data-testid="o-export-saved">
          {t("o_c_saved", { path: exp.saved.path })}
        </p>
      )}
      <ErrorBox error={exp.error} />
    </>
  );
}

export function Claim() {
  return (
    <MonthlyClaimPicker testid="o-claim" load={(municipality, month) => call("monthly_claim", { municipality, month })} exportAs={(municipality, month, format) => call("export_claim", { municipality, month, format })}>
      {(c) => <ClaimBody c={c} />}
    </MonthlyClaimPicker>
  );
}

/** A municipality (of the children this device holds) and a month, the claim of them laid out by
 * `children`, and its export as CSV, Shift_JIS CSV, Excel or PDF into the downloads folder. */
export function MonthlyClaimPicker<T>({
  testid,
  load,
  exportAs: write,
  children,
}: {
  testid: string;
  load: (municipality: string, month: string) => Promise<T>;
  exportAs: (municipality: string, month: string, format: ExportFormat) => Promise<ExportedFile>;
  children: (data: T) => preact.ComponentChildren;
}) {
  const { status, dataStamp } = useApp();
  const today = status.today.date;
  // The children's municipalities, named by their settings in force today (as the settings tab).
  const munis = useLoad(async () => {
    const kids = await call("children", {});
    const codes = [...new Set(kids.map((c) => c.municipality).filter(Boolean))].sort();
    return Promise.all(
      codes.map(async (code) => {
        const r = await call("municipality_rules", { code, on: today }).catch(() => null);
        return { code, name: r ? (lang.value === "ja" ? r.name_ja || r.name_en : r.name_en || r.name_ja) : code };
      }),
    );
  }, [dataStamp]);
  const [picked, setPicked] = useState<string | null>(null);
  const [month, setMonth] = useState(lastMonth(today));
  const list = munis.data ?? [];
  const code = picked ?? list[0]?.code ?? null;
  const claim = useLoad(() => (code ? load(code, month) : Promise.resolve(null)), [code, month, dataStamp]);
  const exp = useExport((format) => (code ? write(code, month, format) : null));
  const reset = exp.reset;

  const c = claim.data;
  return (
    <section class="o-claim" data-testid={testid}>
      <div class="card">
        <div class="row o-claim-pick">
          <label class="row">
            {t("o_c_muni")}
            <select name="claim-municipality" value={code ?? ""} onChange={(e) => (setPicked((e.target as HTMLSelectElement).value), reset())} data-testid="o-claim-muni">
              {list.map((m) => (
                <option value={m.code}>{`${m.name}${paren(m.code)}`}</option>
              ))}
            </select>
          </label>
          <label class="row">
            {t("o_c_month")}
            <MonthField name="claim-month" value={month} onChange={(m) => m && (setMonth(m), reset())} />
          </label>
        </div>
        <ExportBar ready={!!c} exp={exp} />
      </div>
      <ErrorBox error={munis.error || claim.error} />
      {c && children(c)}
    </section>
  );
}

function ClaimBody({ c }: { c: MonthlyClaim }) {
  return (
    <>
      <h2 class="o-month-title o-claim-title" data-testid="o-claim-title">
        {t("o_c_title", { muni: (lang.value === "ja" ? c.municipality_name : c.municipality_name_en) || c.municipality_name, month: fmtMonth(c.month) })}
      </h2>
      {c.children.length === 0 && (
        <p class="muted card" data-testid="o-claim-none">
          {t("o_c_none")}
        </p>
      )}
      {c.children.map((k) => (
        <ChildBlock k={k} />
      ))}
      {c.children.length > 0 && (
        <div class="card o-claim-total" data-testid="o-claim-total">
          <h3>{t("o_c_total_all")}</h3>
          <FeeLine fee={c.total} testid="o-claim-grand" label={t("o_c_total", { n: c.children.length })} />
        </div>
      )}
    </>
  );
}

/** Total, Tokyo's half, the municipality's half, labelled, each with `data-k` (`shares`: other
 * words for the two shares than the respite claim's halves). */
export function FeeLine({ fee, label: l, testid, shares }: { fee: Fee; label: string; testid: string; shares?: [string, string] }) {
  return (
    <dl class="o-fee" data-testid={testid}>
      <div>
        <dt>{l}</dt>
        <dd data-k="total">{yen(fee.total_yen)}</dd>
      </div>
      <div>
        <dt>{shares?.[0] ?? t("o_c_col_tokyo")}</dt>
        <dd data-k="tokyo">{yen(fee.tokyo_yen)}</dd>
      </div>
      <div>
        <dt>{shares?.[1] ?? t("o_c_col_muni")}</dt>
        <dd data-k="muni">{yen(fee.municipality_yen)}</dd>
      </div>
    </dl>
  );
}

function ChildBlock({ k }: { k: ChildClaim }) {
  const { labels } = useApp();
  return (
    <div class="card o-claim-child" data-testid="o-claim-child" data-child={k.child_id}>
      <h3>{k.name}</h3>
      {k.lines.length === 0 && k.instructions.length === 0 ? (
        <p class="muted">{t("o_c_no_lines")}</p>
      ) : (
        <div class="o-table-wrap">
          <table class="o-table o-claim-lines">
            <thead>
              <tr>
                <th>{t("o_c_col_date")}</th>
                <th>{t("o_c_col_time")}</th>
                <th class="num">{t("o_c_col_hours")}</th>
                <th class="o-wide">{t("o_c_col_lead")}</th>
                <th class="o-wide">{t("o_c_col_tier")}</th>
                <th class="num">{t("o_c_col_units")}</th>
                <th class="num">{t("o_c_col_amount")}</th>
                <th class="num">{t("o_c_col_tokyo")}</th>
                <th class="num">{t("o_c_col_muni")}</th>
              </tr>
            </thead>
            <tbody>
              {k.lines.map((l) => {
                const s = span(l.start, l.end);
                return (
                  <tr data-testid="o-claim-line" data-visit={l.visit_id} data-next-day={s.nextDay ? "true" : "false"}>
                    <td data-k="date">{fmtDate(l.start)}</td>
                    <td data-k="time">
                      {s.text}
                      {s.nextDay && (
                        <>
                          {" "}
                          <span class="badge o-next-day" data-testid="o-next-day">
                            {t("o_c_next_day_mark")}
                          </span>
                        </>
                      )}
                    </td>
                    <td class="num" data-k="hours">
                      {fmtMinutes(l.billable_minutes)}
                      {l.uses > 1 && <span class="muted">{t("o_c_uses", { n: l.uses })}</span>}
                    </td>
                    <td class="o-wide" data-k="lead">{l.lead}</td>
                    <td class="o-wide" data-k="tier">{label(labels.income_tier, l.tier)}</td>
                    <td class="num" data-k="units">{t("o_c_units", { units: l.units, unit: yen(l.unit_yen) })}</td>
                    <td class="num" data-k="amount">{yen(l.fee.total_yen)}</td>
                    <td class="num" data-k="tokyo">{yen(l.fee.tokyo_yen)}</td>
                    <td class="num" data-k="muni">{yen(l.fee.municipality_yen)}</td>
                  </tr>
                );
              })}
              {k.instructions.map((i) => (
                <tr data-testid="o-claim-instruction">
                  <td data-k="date">{fmtDate(i.issued)}</td>
                  {/* Over the time and hours (always shown); lead and tier hide in portrait. */}
                  <td colSpan={2} class="o-claim-fee-name" data-k="what">
                    {t("o_c_instruction", { doctor: i.doctor, institution: i.institution, date: fmtDate(i.issued) })}
                  </td>
                  <td class="o-wide" />
                  <td class="o-wide" />
                  <td />
                  <td class="num" data-k="amount">{yen(i.fee.total_yen)}</td>
                  <td class="num" data-k="tokyo">{yen(i.fee.tokyo_yen)}</td>
                  <td class="num" data-k="muni">{yen(i.fee.municipality_yen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <dl class="o-fields o-claim-hours" data-testid="o-claim-hours">
        <div>
          <dt>{t("o_c_month_hours")}</dt>
          <dd data-k="month">{fmtMinutes(k.month_minutes)}</dd>
        </div>
        <div>
          <dt>{t("o_c_year_used")}</dt>
          <dd data-k="year">{fmtMinutes(k.year_used_minutes)}</dd>
        </div>
        <div>
          <dt>{t("o_c_remaining")}</dt>
          <dd data-k="remaining">{k.remaining_minutes < 0 ? <span class="badge warn">{t("o_m_over", { time: fmtMinutes(-k.remaining_minutes) })}</span> : fmtMinutes(k.remaining_minutes)}</dd>
        </div>
        <div>
          <dt>{t("o_c_cap")}</dt>
          <dd data-k="cap">{fmtMinutes(k.cap_minutes)}</dd>
        </div>
      </dl>
      <FeeLine fee={k.total} testid="o-claim-child-total" label={t("o_c_child_total", { name: k.name })} />
      {k.unclaimed.length > 0 && (
        <div class="warning o-unclaimed" data-testid="o-unclaimed">
          <h4>
            <span aria-hidden="true">⚠ </span>
            {t("o_c_unclaimed_title", { n: k.unclaimed.length })}
          </h4>
          <p>{t("o_c_unclaimed_note")}</p>
          <ul>
            {k.unclaimed.map((u) => {
              const s = span(u.start, u.end);
              return (
                <li data-testid="o-unclaimed-row" data-visit={u.visit_id} data-reasons={u.reasons.join(" ")}>
                  <span data-k="when">
                    {fmtDate(u.start)} {s.text}
                  </span>
                  {" · "}
                  <span data-k="hours">{fmtMinutes(u.billable_minutes)}</span>
                  {" · "}
                  <span data-k="lead">{u.lead}</span>
                  {" — "}
                  <strong data-k="reasons">{u.reasons.map((r) => label(labels.unclaimed, r)).join(lang.value === "ja" ? "、" : ", ")}</strong>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
