// The parent's chart: the child's respite hours per month against the cap (ui/src/charts.tsx).
import type { RespiteYear } from "../../bindings";
import { useApp } from "../../context";
import { RespiteYearChart } from "../../charts";

export function ParentYearChart({ year }: { year: RespiteYear }) {
  const { status } = useApp();
  return (
    <div class="p-chart">
      <RespiteYearChart year={year} today={status.today.date} testid="p-chart" />
    </div>
  );
}
