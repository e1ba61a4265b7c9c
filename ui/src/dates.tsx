// The date and month fields: a select each for the year, the month and the day (44 px targets,
// whatever the platform's locale), shown the Japanese way (2026年 12月 2日) or the English way
// (2 Dec 2026). The caller gets ISO `YYYY-MM-DD` / `YYYY-MM` on every change — no waiting for
// the field to lose focus. `min`/`max` limit the choices: days outside them cannot be picked,
// and a month or year that would land outside them takes the nearest allowed day.
import { useEffect, useState } from "preact/hooks";
import { lang, MONTHS_EN, t } from "./i18n";
import { nowJst } from "./shared";

const pad = (n: number) => String(n).padStart(2, "0");
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const range = (lo: number, hi: number) => Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);

type Parts = { y: string; m: string; d: string };
const split = (iso: string): Parts => {
  const [y = "", m = "", d = ""] = iso ? iso.split("-") : [];
  return { y, m, d };
};

/** The years offered: from `min`'s (else ten years back) to `max`'s (else three ahead), and the
 * value's own year in any case. */
function years(value: string, min?: string, max?: string): number[] {
  const now = Number(nowJst().slice(0, 4));
  const own = value ? Number(value.slice(0, 4)) : null;
  let lo = min ? Number(min.slice(0, 4)) : now - 10;
  let hi = max ? Number(max.slice(0, 4)) : now + 3;
  if (own !== null) (lo = Math.min(lo, own)), (hi = Math.max(hi, own));
  return range(lo, hi);
}

type Props = {
  /** The field's name: the group carries it as `data-name`, its selects `<name>-year` … */
  name: string;
  value: string;
  onChange: (iso: string) => void;
  min?: string;
  max?: string;
  disabled?: boolean;
  testid?: string;
  /** Marks each select `aria-invalid` (a problem is named under the field). */
  invalid?: boolean;
  /** The label of a blank choice (e.g. すべて): the field may then be emptied (""). */
  emptyLabel?: string;
};

/** Keeps the picked parts (a blank part stays blank until picked) and gives the caller the
 * whole value, within min/max, or "" while a part is blank. */
function useParts(value: string, onChange: (iso: string) => void, min: string | undefined, max: string | undefined, month: boolean) {
  const [parts, setParts] = useState(split(value));
  const join = (p: Parts) => (p.y && p.m && (month || p.d) ? (month ? `${p.y}-${p.m}` : `${p.y}-${p.m}-${p.d}`) : "");
  useEffect(() => {
    if (value !== join(parts)) setParts(split(value));
  }, [value]);
  const pick = (patch: Partial<Parts>) => {
    let p = { ...parts, ...patch };
    if (!month && p.y && p.m && p.d) p.d = pad(Math.min(Number(p.d), daysIn(Number(p.y), Number(p.m))));
    let iso = join(p);
    if (iso && min && iso < min) iso = min;
    if (iso && max && iso > max) iso = max;
    if (iso) p = split(iso);
    setParts(p);
    if (iso !== value) onChange(iso);
  };
  return { parts, pick };
}

function YearSelect({ name, parts, pick, years: ys, disabled, blank, invalid }: { name: string; parts: Parts; pick: (p: Partial<Parts>) => void; years: number[]; disabled?: boolean; blank?: string; invalid?: boolean }) {
  return (
    <select name={`${name}-year`} data-part="year" aria-label={t("date_year")} aria-invalid={invalid || undefined} value={parts.y} disabled={disabled} onChange={(e) => pick({ y: e.currentTarget.value })}>
      {(blank !== undefined || !parts.y) && <option value="">{blank ?? t("date_unset")}</option>}
      {ys.map((y) => (
        <option value={String(y)}>{lang.value === "ja" ? `${y}年` : String(y)}</option>
      ))}
    </select>
  );
}

function MonthSelect({ name, parts, pick, min, max, disabled, blank, invalid }: { name: string; parts: Parts; pick: (p: Partial<Parts>) => void; min?: string; max?: string; disabled?: boolean; blank?: string; invalid?: boolean }) {
  const out = (m: number) => !!parts.y && ((!!min && `${parts.y}-${pad(m)}` < min.slice(0, 7)) || (!!max && `${parts.y}-${pad(m)}` > max.slice(0, 7)));
  return (
    <select name={`${name}-month`} data-part="month" aria-label={t("date_month")} aria-invalid={invalid || undefined} value={parts.m} disabled={disabled} onChange={(e) => pick({ m: e.currentTarget.value })}>
      {(blank !== undefined || !parts.m) && <option value="">{blank ?? t("date_unset")}</option>}
      {range(1, 12).map((m) => (
        <option value={pad(m)} disabled={out(m)}>
          {lang.value === "ja" ? `${m}月` : MONTHS_EN[m - 1]}
        </option>
      ))}
    </select>
  );
}

/** A day: year, month and day selects (Japanese order 年 月 日; English day month year). */
export function DateField({ name, value, onChange, min, max, disabled, testid, emptyLabel, invalid }: Props) {
  const { parts, pick } = useParts(value, onChange, min, max, false);
  const last = parts.y && parts.m ? daysIn(Number(parts.y), Number(parts.m)) : 31;
  const out = (d: number) => {
    if (!parts.y || !parts.m) return false;
    const iso = `${parts.y}-${parts.m}-${pad(d)}`;
    return (!!min && iso < min) || (!!max && iso > max);
  };
  const year = <YearSelect name={name} parts={parts} pick={pick} years={years(value, min, max)} disabled={disabled} blank={emptyLabel} invalid={invalid} />;
  const month = <MonthSelect name={name} parts={parts} pick={pick} min={min} max={max} disabled={disabled} blank={emptyLabel} invalid={invalid} />;
  const day = (
    <select name={`${name}-day`} data-part="day" aria-label={t("date_day")} aria-invalid={invalid || undefined} value={parts.d} disabled={disabled} onChange={(e) => pick({ d: e.currentTarget.value })}>
      {(emptyLabel !== undefined || !parts.d) && <option value="">{emptyLabel ?? t("date_unset")}</option>}
      {range(1, last).map((d) => (
        <option value={pad(d)} disabled={out(d)}>
          {lang.value === "ja" ? `${d}日` : String(d)}
        </option>
      ))}
    </select>
  );
  return (
    <span class="date-field" role="group" data-name={name} data-value={value} data-testid={testid}>
      {lang.value === "ja" ? [year, month, day] : [day, month, year]}
    </span>
  );
}

/** A month: year and month selects (2026年 12月 / Dec 2026). */
export function MonthField({ name, value, onChange, min, max, disabled, testid, emptyLabel, invalid }: Props) {
  const { parts, pick } = useParts(value, onChange, min, max, true);
  const year = <YearSelect name={name} parts={parts} pick={pick} years={years(value, min, max)} disabled={disabled} blank={emptyLabel} invalid={invalid} />;
  const month = <MonthSelect name={name} parts={parts} pick={pick} min={min} max={max} disabled={disabled} blank={emptyLabel} invalid={invalid} />;
  return (
    <span class="date-field" role="group" data-name={name} data-value={value} data-testid={testid}>
      {lang.value === "ja" ? [year, month] : [month, year]}
    </span>
  );
}
