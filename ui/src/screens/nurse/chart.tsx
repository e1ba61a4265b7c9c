// The face sheet's vital signs over time: the readings of the child's ten newest visits that
// took place (`vital_history`, read from the records on the device — no server call, so it opens
// offline and at once) charted against the age's usual ranges (ui/src/charts.tsx). Loads on its
// own, after the sheet: the sheet never waits for it.
import { call } from "../../api";
import { useApp } from "../../context";
import { t } from "../../i18n";
import { ErrorBox, useLoad } from "../../ui";
import { VitalsChart, type VitalPoint } from "../../charts";

/** How many of the newest visits the chart reads (the core's `vital_history` reads ten). */
export const VITAL_VISITS = 10;

async function loadVitals(childId: string): Promise<{ points: VitalPoint[]; visits: number }> {
  const h = await call("vital_history", { childId });
  const points: VitalPoint[] = h.points.map((p) => ({
    at: p.at,
    visitId: p.visit_id,
    pulse: p.pulse,
    respiration: p.respiration,
    spo2: p.spo2,
    temperature_c: p.temperature_c,
  }));
  return { points, visits: h.visits };
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
