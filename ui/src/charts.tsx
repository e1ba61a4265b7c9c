// Charts, drawn with Chart.js (canvas) from data the existing commands already return. Chart.js is
// loaded on first use (its own bundled chunk, no network), so a screen never waits for it: the
// chart's card shows 読み込み中 until its data and the library are there. A canvas is a picture
// only, so every chart also carries its numbers as text: an `aria-label` summary and a table
// (「数値を表で見る」) that screen readers and the tests read. Colour is never the only cue: the
// cap line is labelled, over-cap bars are hatched and the table names them; out-of-range vitals
// are triangles and named in words.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import type { Chart as ChartT, ChartConfiguration, ChartDataset, Plugin } from "chart.js";
import type { MonthRespiteRow, RespiteYear } from "./bindings";
import { fmtMinutes, fyLabel, lang, paren, t, type Key } from "./i18n";
import { onComfortChange, textSize, TEXT_SCALE } from "./comfort";

const COLORS = { accent: "#2e8b57", accentSoft: "rgba(46, 139, 87, 0.85)", danger: "#b91c1c", line: "#1e3a8a", fg: "#1d2b27", band: "rgba(46, 139, 87, 0.12)", grid: "#e3e9e6" };

// ---------------------------------------------------------------------------------------------
// The library, loaded once.

type Lib = { Chart: typeof ChartT; hatch: CanvasPattern | string };
let libPromise: Promise<Lib> | null = null;

function loadLib(): Promise<Lib> {
  if (!libPromise)
    libPromise = import("chart.js").then(({ Chart, BarController, LineController, BarElement, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip }) => {
      Chart.register(BarController, LineController, BarElement, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);
      Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
      Chart.defaults.font.size = chartFontSize();
      Chart.defaults.color = COLORS.fg;
      Chart.defaults.animation = false;
      return { Chart, hatch: makeHatch() };
    });
  return libPromise;
}

/** Red diagonal stripes on pale red: the over-cap part of a bar. */
function makeHatch(): CanvasPattern | string {
  const c = document.createElement("canvas");
  c.width = c.height = 8;
  const g = c.getContext("2d");
  if (!g) return COLORS.danger;
  g.fillStyle = "#fde2e2";
  g.fillRect(0, 0, 8, 8);
  g.strokeStyle = COLORS.danger;
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(0, 8);
  g.lineTo(8, 0);
  g.moveTo(-2, 2);
  g.lineTo(2, -2);
  g.moveTo(6, 10);
  g.lineTo(10, 6);
  g.stroke();
  return g.createPattern(c, "repeat") ?? COLORS.danger;
}

/** A canvas with a chart built from `config` (rebuilt when `config` changes). */
function ChartCanvas({ config, label, height, testid }: { config: (lib: Lib) => ChartConfiguration; label: string; height: number; testid?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);
  // Drawn again at another text size: its text and its height follow the setting.
  const [size, setSize] = useState(textSize.value);
  useEffect(() => onComfortChange(() => setSize(textSize.value)), []);
  useEffect(() => {
    let live = true;
    let chart: ChartT | null = null;
    loadLib().then(
      (lib) => {
        if (!live || !ref.current) return;
        lib.Chart.defaults.font.size = chartFontSize();
        chart = new lib.Chart(ref.current, config(lib));
        setDrawn(true);
      },
      // Without the library the table below still carries every number.
      () => live && setDrawn(false),
    );
    return () => {
      live = false;
      chart?.destroy();
    };
  }, [config, size]);
  return (
    <div class="chart-box" style={{ height: `${Math.round(height * TEXT_SCALE[size])}px` }} data-drawn={drawn ? "true" : "false"}>
      <canvas ref={ref} role="img" aria-label={label} data-testid={testid} />
    </div>
  );
}

/** The numbers behind a chart, folded away (open to read them instead of looking). */
function DataTable({ children }: { children: ComponentChildren }) {
  return (
    <details class="chart-data">
      <summary>{t("ch_table")}</summary>
      <div class="chart-table-wrap">{children}</div>
    </details>
  );
}

/** Draws `text` just above the horizontal line at `value` on axis `axis` (the cap's label). */
function lineLabel(id: string, axis: string, value: number, text: string, color: string): Plugin {
  return {
    id,
    afterDatasetsDraw(chart) {
      const scale = chart.scales[axis];
      if (!scale) return;
      const y = scale.getPixelForValue(value);
      const g = chart.ctx;
      g.save();
      g.font = `bold ${chartFontSize()}px ${Chart_font()}`;
      g.fillStyle = color;
      g.textAlign = "left";
      g.textBaseline = "bottom";
      const x = chart.chartArea.left + 6;
      const w = g.measureText(text).width;
      g.fillStyle = "rgba(255,255,255,0.85)";
      g.fillRect(x - 2, y - 18, w + 4, 16);
      g.fillStyle = color;
      g.fillText(text, x, y - 3);
      g.restore();
    },
  };
}

const Chart_font = () => getComputedStyle(document.documentElement).fontFamily;
/** 13 px at the standard text size (17 px), scaled with the text size setting. */
const chartFontSize = () => Math.round((13 * (parseFloat(getComputedStyle(document.documentElement).fontSize) || 17)) / 17);

const MONTH_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** `2027-02` → `2月` / `Feb`. */
export function monthShort(ym: string): string {
  const m = Number(ym.slice(5, 7));
  return lang.value === "ja" ? `${m}月` : MONTH_EN[m - 1];
}

/** 960 → `16`; 870 → `14.5` (hours for an axis). */
const hours = (minutes: number) => Math.round((minutes / 60) * 100) / 100;

// ---------------------------------------------------------------------------------------------
// A child's respite year: hours per month (April–March) against the cap.

export type RespiteMonth = {
  /** `YYYY-MM`. */
  ym: string;
  minutes: number;
  /** The part of the month's minutes still within the cap, and the part past it. */
  within: number;
  over: number;
  /** Minutes used from April to the end of this month; null for months still to come. */
  cumulative: number | null;
};

/** The fiscal year's twelve months from the ledger's sessions; `today` (`YYYY-MM-DD`) ends the cumulative line. */
export function respiteMonths(year: RespiteYear, today: string): RespiteMonth[] {
  const led = year.report.ledger;
  const fy = led.fiscal_year;
  const yms = Array.from({ length: 12 }, (_, i) => `${fy + (i >= 9 ? 1 : 0)}-${String(((3 + i) % 12) + 1).padStart(2, "0")}`);
  const per = new Map<string, number>();
  for (const s of led.sessions) per.set(s.start.slice(0, 7), (per.get(s.start.slice(0, 7)) ?? 0) + s.billable_minutes);
  const now = today.slice(0, 7);
  let last = yms.findIndex((m) => m === now);
  if (last < 0) last = now > yms[11] ? 11 : -1;
  yms.forEach((m, i) => (per.get(m) ?? 0) > 0 && (last = Math.max(last, i)));
  let cum = 0;
  return yms.map((ym, i) => {
    const minutes = per.get(ym) ?? 0;
    const within = Math.max(0, Math.min(minutes, led.cap_minutes - cum));
    cum += minutes;
    return { ym, minutes, within, over: minutes - within, cumulative: i <= last ? cum : null };
  });
}

export function RespiteYearChart({ year, today, testid = "chart-respite" }: { year: RespiteYear; today: string; testid?: string }) {
  const led = year.report.ledger;
  const months = useMemo(() => respiteMonths(year, today), [year, today]);
  const fy = fyLabel(year.report);
  const capText = t("ch_cap_line", { time: fmtMinutes(led.cap_minutes) });
  const crossed = months.find((m) => m.over > 0);
  const used = months.reduce((a, m) => a + m.minutes, 0);
  const summary = t("ch_respite_summary", {
    fy,
    cap: capText,
    used: fmtMinutes(used),
    over: crossed ? t("ch_respite_crossed", { month: monthShort(crossed.ym) }) : t("ch_respite_within_cap"),
  });
  const config = useMemo(
    () =>
      (lib: Lib): ChartConfiguration => {
        const cap = hours(led.cap_minutes);
        const maxCum = Math.max(cap, ...months.map((m) => hours(m.cumulative ?? 0)));
        const datasets: ChartDataset[] = [
          { type: "bar", label: t("ch_respite_within"), data: months.map((m) => hours(m.within)), backgroundColor: COLORS.accentSoft, stack: "m", yAxisID: "y", order: 2 },
          { type: "bar", label: t("ch_respite_over"), data: months.map((m) => hours(m.over)), backgroundColor: lib.hatch, borderColor: COLORS.danger, borderWidth: 1, stack: "m", yAxisID: "y", order: 2 },
          { type: "line", label: t("ch_respite_cumulative"), data: months.map((m) => (m.cumulative === null ? null : hours(m.cumulative))), borderColor: COLORS.line, backgroundColor: COLORS.line, pointRadius: 3, borderWidth: 2, yAxisID: "y2", order: 1 },
          { type: "line", label: capText, data: months.map(() => cap), borderColor: COLORS.danger, borderDash: [6, 4], borderWidth: 2, pointRadius: 0, yAxisID: "y2", order: 0 },
        ];
        return {
          type: "bar",
          data: { labels: months.map((m) => monthShort(m.ym)), datasets },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            interaction: { mode: "index", intersect: false },
            scales: {
              x: { stacked: true, grid: { display: false } },
              y: { stacked: true, beginAtZero: true, grace: "10%", title: { display: true, text: t("ch_axis_month_hours") }, grid: { color: COLORS.grid } },
              y2: { position: "right", min: 0, suggestedMax: Math.ceil((maxCum * 1.08) / 10) * 10, title: { display: true, text: t("ch_axis_cumulative") }, grid: { drawOnChartArea: false } },
            },
            plugins: {
              legend: { position: "bottom", labels: { boxWidth: 14 } },
              tooltip: {
                callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y === null ? "—" : fmtMinutes(Math.round(c.parsed.y * 60))}` },
              },
            },
          },
          plugins: [lineLabel("capLabel", "y2", cap, capText, COLORS.danger)],
        };
      },
    [months, led.cap_minutes, lang.value],
  );
  return (
    <figure class="chart" data-testid={testid} data-cap-minutes={led.cap_minutes}>
      <figcaption>
        <h3>
          {t("ch_respite_title")} <span class="muted">{fy}</span>
        </h3>
        <span class="chart-cap" data-testid="chart-cap">
          {capText}
        </span>
        {crossed && (
          <span class="badge warn" data-testid="chart-crossed">
            ▲ {t("ch_respite_crossed", { month: monthShort(crossed.ym) })}
          </span>
        )}
      </figcaption>
      <ChartCanvas config={config} label={summary} height={280} testid="chart-canvas" />
      <DataTable>
        <table class="chart-table">
          <thead>
            <tr>
              <th>{t("ch_col_month")}</th>
              <th class="num">{t("ch_col_hours")}</th>
              <th class="num">{t("ch_col_cumulative")}</th>
              <th class="num">{t("ch_col_over")}</th>
            </tr>
          </thead>
          <tbody>
            {months.map((m) => (
              <tr key={m.ym} data-testid="chart-row" data-month={m.ym} class={m.over > 0 ? "chart-over" : ""}>
                <th scope="row">{monthShort(m.ym)}</th>
                <td class="num" data-k="hours">
                  {fmtMinutes(m.minutes)}
                </td>
                <td class="num" data-k="cumulative">
                  {m.cumulative === null ? "—" : fmtMinutes(m.cumulative)}
                </td>
                <td class="num" data-k="over">
                  {m.over > 0 ? `▲ ${t("ch_over_mark")} ${fmtMinutes(m.over)}` : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </DataTable>
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------
// The office's month: sessions per municipality.

export type MuniMonth = { name: string; sessions: number; minutes: number; children: number };

/** The month's rows summed per municipality, most sessions first (then by name). */
export function perMunicipality(rows: MonthRespiteRow[]): MuniMonth[] {
  const by = new Map<string, MuniMonth>();
  for (const r of rows) {
    const name = r.municipality_name || "—";
    const m = by.get(name) ?? { name, sessions: 0, minutes: 0, children: 0 };
    m.sessions += r.sessions;
    m.minutes += r.month_minutes;
    m.children += 1;
    by.set(name, m);
  }
  return [...by.values()].sort((a, b) => b.sessions - a.sessions || a.name.localeCompare(b.name, "ja"));
}

export function MunicipalityMonthChart({ rows, monthLabel }: { rows: MonthRespiteRow[]; monthLabel: string }) {
  const munis = useMemo(() => perMunicipality(rows), [rows]);
  const summary = t("ch_month_summary", { month: monthLabel, list: munis.map((m) => t("ch_muni_item", { name: m.name, n: m.sessions, time: fmtMinutes(m.minutes) })).join("、") });
  const config = useMemo(
    () =>
      (): ChartConfiguration => ({
        type: "bar",
        data: {
          labels: munis.map((m) => m.name),
          datasets: [{ label: t("ch_month_sessions"), data: munis.map((m) => m.sessions), backgroundColor: COLORS.accentSoft, maxBarThickness: 36 }],
        },
        options: {
          indexAxis: "y",
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t("ch_axis_sessions") }, grid: { color: COLORS.grid } },
            y: { grid: { display: false } },
          },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: (c) => t("ch_muni_item", { name: munis[c.dataIndex].name, n: munis[c.dataIndex].sessions, time: fmtMinutes(munis[c.dataIndex].minutes) }) } },
          },
        },
      }),
    [munis, lang.value],
  );
  if (!munis.length) return null;
  return (
    <figure class="chart" data-testid="chart-munis">
      <figcaption>
        <h3>{t("ch_month_title", { month: monthLabel })}</h3>
      </figcaption>
      <ChartCanvas config={config} label={summary} height={70 + 48 * munis.length} testid="chart-canvas" />
      <DataTable>
        <table class="chart-table">
          <thead>
            <tr>
              <th>{t("ch_col_muni")}</th>
              <th class="num">{t("ch_col_sessions")}</th>
              <th class="num">{t("ch_col_hours")}</th>
              <th class="num">{t("ch_col_children")}</th>
            </tr>
          </thead>
          <tbody>
            {munis.map((m) => (
              <tr key={m.name} data-testid="chart-row" data-muni={m.name}>
                <th scope="row">{m.name}</th>
                <td class="num" data-k="sessions">
                  {m.sessions}
                </td>
                <td class="num" data-k="hours">
                  {fmtMinutes(m.minutes)}
                </td>
                <td class="num" data-k="children">
                  {m.children}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </DataTable>
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------
// Vital signs over time, against age-appropriate ranges.

export type VitalKey = "pulse" | "respiration" | "spo2" | "temperature_c";
export const VITALS: VitalKey[] = ["pulse", "respiration", "spo2", "temperature_c"];
export type Range = [number, number];

/**
 * Normal ranges for a child of `age` whole years, inclusive; a screen's guide, not a diagnosis
 * (the doctor's instruction may set the child's own targets).
 *   Pulse (awake) and respiration: the American Heart Association's PALS provider manual (2020),
 *   "Normal heart rates" / "Normal respiratory rates" by age: infant (< 1 y) 100–180 / 30–53,
 *   toddler (1–2 y) 98–140 / 22–37, preschool (3–5 y) 80–120 / 20–28, school age (6–11 y)
 *   75–118 / 18–25, adolescent (12–15 y, and older here) 60–100 / 12–20.
 *   SpO₂: 95–100 % at any age (WHO, "Oxygen therapy for children", 2016: below 95 % calls for
 *   a closer look; below 90 % for oxygen).
 *   Temperature: 36.0–37.4 °C (axillary); from 37.5 °C counts as fever in Japan (感染症法の届出基準).
 */
export function vitalRanges(age: number): Record<VitalKey, Range> {
  const band: [Range, Range] =
    age < 1 ? [[100, 180], [30, 53]] : age < 3 ? [[98, 140], [22, 37]] : age < 6 ? [[80, 120], [20, 28]] : age < 12 ? [[75, 118], [18, 25]] : [[60, 100], [12, 20]];
  return { pulse: band[0], respiration: band[1], spo2: [95, 100], temperature_c: [36.0, 37.4] };
}

export type VitalPoint = { at: string; visitId: string } & Record<VitalKey, number | null>;

const outOf = (v: number | null, r: Range) => v !== null && (v < r[0] || v > r[1]);

/** `2027-02-04T10:15` → `2/4 10:15`. */
const shortWhen = (at: string) => `${Number(at.slice(5, 7))}/${Number(at.slice(8, 10))} ${Number(at.slice(11, 13))}:${at.slice(14, 16)}`;

const fmtVital = (k: VitalKey, v: number | null) => (v === null ? "—" : k === "temperature_c" ? v.toFixed(1) : String(v));

function VitalChart({ k, points, range }: { k: VitalKey; points: VitalPoint[]; range: Range }) {
  const name = t(`ch_v_${k}` as Key);
  const unit = t(`ch_u_${k}` as Key);
  const shown = points.filter((p) => p[k] !== null);
  const outs = shown.filter((p) => outOf(p[k], range));
  const label = t("ch_vital_summary", {
    name,
    range: `${range[0]}–${range[1]} ${unit}`,
    values: shown.map((p) => `${shortWhen(p.at)} ${fmtVital(k, p[k])}${outOf(p[k], range) ? ` (${t("ch_out")})` : ""}`).join("、") || "—",
  });
  const config = useMemo(
    () =>
      (): ChartConfiguration => {
        const values = shown.map((p) => p[k] as number);
        const lo = Math.min(range[0], ...values);
        const hi = Math.max(range[1], ...values);
        const pad = (hi - lo) * 0.15 || 1;
        const band: Plugin = {
          id: "band",
          beforeDatasetsDraw(chart) {
            const { left, right } = chart.chartArea;
            const y = chart.scales.y;
            const g = chart.ctx;
            g.save();
            g.fillStyle = COLORS.band;
            g.fillRect(left, y.getPixelForValue(range[1]), right - left, y.getPixelForValue(range[0]) - y.getPixelForValue(range[1]));
            g.restore();
          },
        };
        const out = shown.map((p) => outOf(p[k], range));
        return {
          type: "line",
          data: {
            labels: shown.map((p) => shortWhen(p.at)),
            datasets: [
              {
                label: name,
                data: values,
                borderColor: COLORS.line,
                borderWidth: 2,
                pointStyle: out.map((o) => (o ? "triangle" : "circle")),
                pointRadius: out.map((o) => (o ? 8 : 4)),
                pointBackgroundColor: out.map((o) => (o ? COLORS.danger : COLORS.line)),
                pointBorderColor: out.map((o) => (o ? COLORS.danger : COLORS.line)),
              },
            ],
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            scales: {
              x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
              // SpO₂ cannot pass 100 %.
              y: { suggestedMin: lo - pad, suggestedMax: hi + pad, ...(k === "spo2" ? { max: 100 } : {}), title: { display: true, text: unit }, grid: { color: COLORS.grid } },
            },
            plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${name} ${fmtVital(k, c.parsed.y)} ${unit}${out[c.dataIndex] ? ` (${t("ch_out")})` : ""}` } } },
          },
          plugins: [band],
        };
      },
    [points, k, range[0], range[1], lang.value],
  );
  return (
    <div class="chart-vital" data-testid="chart-vital" data-k={k} data-range={`${range[0]}-${range[1]}`}>
      <h4>
        {name} <span class="muted">{t("ch_range", { lo: range[0], hi: range[1], unit })}</span>
        {outs.length > 0 && <span class="badge warn">▲ {t("ch_out_n", { n: outs.length })}</span>}
      </h4>
      <ChartCanvas config={config} label={label} height={180} />
    </div>
  );
}

export function VitalsChart({ points, age, visits }: { points: VitalPoint[]; age: number; visits: number }) {
  const ranges = vitalRanges(age);
  const outs = points.flatMap((p) => VITALS.filter((k) => outOf(p[k], ranges[k])).map((k) => ({ p, k })));
  if (!points.length) return <p class="muted">{t("ch_vitals_none")}</p>;
  return (
    <div class="chart chart-vitals" data-testid="chart-vitals">
      <p class="muted">{t("ch_vitals_lead", { n: visits, age })}</p>
      {outs.length ? (
        <div class="warning" data-testid="chart-vitals-out" role="status">
          <strong>{t("ch_out_list", { n: outs.length })}</strong>
          <ul>
            {outs.map(({ p, k }) => (
              <li key={p.at + k}>
                ▲ {shortWhen(p.at)} {t(`ch_v_${k}` as Key)} {fmtVital(k, p[k])} {t(`ch_u_${k}` as Key)}
                {paren(t("ch_range", { lo: ranges[k][0], hi: ranges[k][1], unit: t(`ch_u_${k}` as Key) }))}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p class="ok" data-testid="chart-vitals-ok">
          {t("ch_none_out")}
        </p>
      )}
      <div class="chart-vital-grid">
        {VITALS.map((k) => (
          <VitalChart key={k} k={k} points={points} range={ranges[k]} />
        ))}
      </div>
      <DataTable>
        <table class="chart-table">
          <thead>
            <tr>
              <th>{t("ch_col_when")}</th>
              {VITALS.map((k) => (
                <th class="num" key={k}>
                  {t(`ch_v_${k}` as Key)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.at + p.visitId} data-testid="chart-row" data-at={p.at}>
                <th scope="row">{shortWhen(p.at)}</th>
                {VITALS.map((k) => (
                  <td key={k} class={`num${outOf(p[k], ranges[k]) ? " chart-out" : ""}`} data-k={k} data-out={outOf(p[k], ranges[k]) ? "true" : undefined}>
                    {fmtVital(k, p[k])}
                    {outOf(p[k], ranges[k]) && ` ▲${t("ch_out")}`}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </DataTable>
    </div>
  );
}
