// Japanese first, English selectable. Each area keeps its own dictionary (common, nurse, parent,
// office); `t` looks a key up in all of them. Labels of choices (visit kinds, care items …) are
// not here: they come from the Rust domain through the `labels` command.
import type { LabelEntry } from "../bindings";
import { common } from "./common";
import { nurse } from "./nurse";
import { parent } from "./parent";
import { office } from "./office";
import { charts } from "./charts";
import { coordinator } from "./coordinator";

export type Lang = "ja" | "en";

const STORAGE_KEY = "carebook.lang";
const listeners = new Set<() => void>();

function initial(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "ja";
  } catch {
    return "ja";
  }
}

export const lang = { value: initial() as Lang };

export function setLang(l: Lang) {
  lang.value = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    /* private mode: the choice lasts for this run */
  }
  document.documentElement.lang = l;
  listeners.forEach((f) => f());
}

/** How dates are shown in Japanese: 西暦 (2026年12月2日) or 和暦 (令和8年12月2日). A setting of
 * this device's UI, kept like the language; English always shows the Gregorian year. */
export type Era = "western" | "japanese";
const ERA_KEY = "carebook.era";

function initialEra(): Era {
  try {
    return localStorage.getItem(ERA_KEY) === "japanese" ? "japanese" : "western";
  } catch {
    return "western";
  }
}

export const dateEra = { value: initialEra() as Era };

export function setEra(e: Era) {
  dateEra.value = e;
  try {
    localStorage.setItem(ERA_KEY, e);
  } catch {
    /* private mode: the choice lasts for this run */
  }
  listeners.forEach((f) => f());
}

/** Called when the language or the era setting changes. */
export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export const dicts = { ja: { ...common.ja, ...nurse.ja, ...parent.ja, ...office.ja, ...charts.ja, ...coordinator.ja }, en: { ...common.en, ...nurse.en, ...parent.en, ...office.en, ...charts.en, ...coordinator.en } };
export type Key = keyof typeof dicts.ja;

/** The text for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key: Key, vars?: Record<string, string | number>): string {
  let s: string = dicts[lang.value][key] ?? dicts.ja[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

/** A respite report's fiscal year: 令和8年度 in Japanese, FY2026 in English. */
export function fyLabel(report: { fiscal_year_label: string; ledger: { fiscal_year: number } }): string {
  return lang.value === "ja" ? report.fiscal_year_label : `FY${report.ledger.fiscal_year}`;
}

/** The label of a choice in the current language (the name itself when unknown). */
export function label(entries: LabelEntry[] | undefined, name: string): string {
  const e = entries?.find((x) => x.name === name);
  return e ? (lang.value === "ja" ? e.ja : e.en) : name;
}

/** 210 → `3時間30分` / `3 h 30 min`; negative values keep their sign. */
export function fmtMinutes(minutes: number): string {
  const sign = minutes < 0 ? "−" : "";
  const m = Math.abs(Math.trunc(minutes));
  const h = Math.floor(m / 60);
  const r = m % 60;
  if (lang.value === "ja") return sign + (h ? `${h}時間` : "") + (r || !h ? `${r}分` : "");
  return sign + [h ? `${h} h` : "", r || !h ? `${r} min` : ""].filter(Boolean).join(" ");
}

/** Hours with one decimal: 210 → `3.5`. */
export function fmtHours(minutes: number): string {
  return (Math.round((minutes / 60) * 10) / 10).toString();
}

const WEEK_JA = ["日", "月", "火", "水", "木", "金", "土"];
const WEEK_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The Japanese eras since 1926, newest first: the first day of each and its name. */
const ERAS: [string, string][] = [
  ["2019-05-01", "令和"],
  ["1989-01-08", "平成"],
  ["1926-12-25", "昭和"],
];

/** The year of `date` (`YYYY-MM-DD`) in Japanese: `2026年`, or with the era `令和8年` (the first
 * year `元年`: 2019-05-01 is 令和元年, 2019-04-30 平成31年). Before 1926 always the Gregorian year. */
export function yearJa(date: string, era: Era = dateEra.value): string {
  const y = Number(date.slice(0, 4));
  if (era === "japanese")
    for (const [from, name] of ERAS)
      if (date >= from) {
        const n = y - Number(from.slice(0, 4)) + 1;
        return `${name}${n === 1 ? "元" : n}年`;
      }
  return `${y}年`;
}

/** `2026-05-01` → `2026年5月1日(金)` (`令和8年5月1日(金)` with the era) / `Fri 1 May 2026`.
 * The language and the era default to the current settings. */
export function fmtDate(date: string | null | undefined, l: Lang = lang.value, era: Era = dateEra.value): string {
  if (!date) return "—";
  const [y, m, d] = date.slice(0, 10).split("-").map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return l === "ja" ? `${yearJa(date.slice(0, 10), era)}${m}月${d}日(${WEEK_JA[wd]})` : `${WEEK_EN[wd]} ${d} ${MONTH_EN[m - 1]} ${y}`;
}

/** `2026-05-01T09:30` → date and `9:30`. */
export function fmtDateTime(dt: string | null | undefined): string {
  if (!dt) return "—";
  return `${fmtDate(dt)} ${fmtTime(dt)}`;
}

/** `2026-05-01T09:30` → `9:30`. */
export function fmtTime(dt: string | null | undefined): string {
  if (!dt || dt.length < 16) return "—";
  const [h, mi] = dt.slice(11, 16).split(":");
  return `${Number(h)}:${mi}`;
}

/** `2026-05` → `2026年5月` (`令和8年5月` with the era: the era of the month's first day) / `May 2026`. */
export function fmtMonth(ym: string, l: Lang = lang.value, era: Era = dateEra.value): string {
  const [y, m] = ym.split("-").map(Number);
  return l === "ja" ? `${yearJa(`${ym.slice(0, 7)}-01`, era)}${m}月` : `${MONTH_EN[m - 1]} ${y}`;
}

/** The short English month names (`Jan` … `Dec`). */
export const MONTHS_EN = MONTH_EN;

/** A note in brackets after a text: `（…）` in Japanese, ` (…)` in English. */
export function paren(s: string): string {
  return lang.value === "ja" ? `（${s}）` : ` (${s})`;
}

/** Unix seconds → local date and time. */
export function fmtUnix(secs: number): string {
  const d = new Date(secs * 1000 + 9 * 3600 * 1000);
  const iso = d.toISOString();
  return fmtDateTime(`${iso.slice(0, 10)}T${iso.slice(11, 16)}`);
}

/** `2026-11-24T09:30` → `11月24日 9:30` / `24 Nov 9:30` (the year left out, for recent moments). */
export function fmtDayTime(dt: string | null | undefined): string {
  if (!dt || dt.length < 16) return "—";
  const [, m, d] = dt.slice(0, 10).split("-").map(Number);
  return lang.value === "ja" ? `${m}月${d}日 ${fmtTime(dt)}` : `${d} ${MONTH_EN[m - 1]} ${fmtTime(dt)}`;
}

/** A value the core sends as `日本語 / English` (a choice's label): the current language's half.
 * Anything else (free text, times, numbers) as it is. */
export function pickHalf(value: string): string {
  const parts = value.split(" / ");
  return parts.length === 2 ? (lang.value === "ja" ? parts[0] : parts[1]) : value;
}
