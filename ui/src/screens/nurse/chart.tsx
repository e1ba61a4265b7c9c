// The face sheet's vital signs over time: the child's last visits (`visits` for the child, then
// `visit_detail` of the ten newest) → every reading, charted against the age's usual ranges
// (ui/src/charts.tsx). Loads on its own, after the sheet: the sheet never waits for it.
import type { ReviewFilter } from "../../bindings";
import { call } from "../../api";
import { useApp } from "../../context";
import { t } from "../../i18n";
import { ErrorBox, useLoad } from "../../ui";
import { VitalsChart, type VitalPoint } from "../../charts";

/** How many of the newest visits the chart reads. */
export const VITAL_VISITS = 10;

const FILTER: ReviewFilter = { month: null, child: null, station: null, kind: null, status: null, from: null, over_cap: false, rejected: false, unconfirmed: false, expired_instruction: false, respite_length: false, short_day: false };

async function loadVitals(childId: string): Promise<{ points: VitalPoint[]; visits: number }> {
  const rows = await call("visits", { filter: { ...FILTER, child: childId } });
  const recent = rows
    .filter((r) => r.summary.start && r.summary.outcome === "done")
    .sort((a, b) => (a.summary.start! < b.summary.start! ? 1 : -1))
    .slice(0, VITAL_VISITS);
  // A record that cannot be read (removed from the device meanwhile) is left out, not the chart.
  const settled = await Promise.allSettled(recent.map((r) => call("visit_detail", { id: r.summary.id })));
  const details = settled.flatMap((x) => (x.status === "fulfilled" ? [x.value] : []));
  const failed = settled.find((x): x is PromiseRejectedResult => x.status === "rejected");
  if (failed && !details.length) throw failed.reason;
  const points: VitalPoint[] = details.flatMap((d) =>
    d.visit.vitals.map((v) => ({
      at: v.at ?? d.visit.actual_start ?? d.row.summary.start ?? "",
      visitId: d.visit.id,
      pulse: v.pulse,
      respiration: v.respiration,
      spo2: v.spo2,
      temperature_c: v.temperature_c,
    })),
  );
  points.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { points: points.filter((p) => p.at), visits: recent.length };
}

export function VitalsCard({ childId, age }: { childId: string; age: number }) {
  const { dataStamp } = useApp();
  const data = useLoad(() => loadVitals(childId), [childId, dataStamp]);
  return (
    <div class="card n-vitals-chart" data-testid="n-sheet-vitals">
      <h2>{t("ch_vitals_title")}</h2>
      <ErrorBox error={data.error} />
      {!data.data && !data.error && (
        <p class="muted" data-testid="chart-loading">
          {t("loading")}
        </p>
      )}
      {data.data && <VitalsChart points={data.data.points} age={age} visits={data.data.visits} />}
    </div>
  );
}
