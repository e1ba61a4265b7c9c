// The office's charts on the month tab: the month's respite sessions per municipality, and one
// child's respite year (hours per month against the cap), the child picked from the month's rows.
import { useState } from "preact/hooks";
import type { MonthRespiteRow } from "../../bindings";
import { call } from "../../api";
import { useApp } from "../../context";
import { fmtMonth, t } from "../../i18n";
import { ErrorBox, useLoad } from "../../ui";
import { MunicipalityMonthChart, RespiteYearChart } from "../../charts";

export function MonthCharts({ month, rows }: { month: string; rows: MonthRespiteRow[] }) {
  if (!rows.length) return null;
  return (
    <div class="o-charts" data-testid="o-charts">
      <MunicipalityMonthChart rows={rows} monthLabel={fmtMonth(month)} />
      <ChildYear rows={rows} />
    </div>
  );
}

function ChildYear({ rows }: { rows: MonthRespiteRow[] }) {
  const { status, dataStamp } = useApp();
  // The first child past the cap, else the first row.
  const [picked, setPicked] = useState<string | null>(null);
  const id = picked && rows.some((r) => r.child_id === picked) ? picked : (rows.find((r) => r.over_cap) ?? rows[0]).child_id;
  const year = useLoad(() => call("respite_year", { childId: id }), [id, dataStamp]);
  return (
    <section class="o-child-year" data-testid="o-child-year">
      <div class="row">
        <h3>{t("ch_year_title")}</h3>
        <span class="spacer" />
        <label class="row">
          {t("ch_year_child")}
          <select name="chart-child" value={id} onChange={(e) => setPicked((e.target as HTMLSelectElement).value)} class="o-chart-child">
            {rows.map((r) => (
              <option key={r.child_id} value={r.child_id}>
                {r.child_name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBox error={year.error} />
      {!year.error && (!year.data || year.data.report.child_id !== id) && (
        <p class="muted" data-testid="chart-loading">
          {t("loading")}
        </p>
      )}
      {year.data && year.data.report.child_id === id && <RespiteYearChart year={year.data} today={status.today.date} testid="o-chart-year" />}
    </section>
  );
}
