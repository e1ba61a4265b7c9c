// Small helpers of the nurse screens (no rules: the backend owns those).
import type { Directory } from "../../bindings";
export { nowJst, ALL } from "../../shared";

/** A `YYYY-MM-DDTHH:MM` (JST) → epoch ms. */
export function jstMs(dt: string): number {
  return Date.parse(`${dt}:00+09:00`);
}

/** "" → null, "36.5" → 36.5. */
export function num(s: string): number | null {
  const v = s.trim() === "" ? NaN : Number(s.replace(",", "."));
  return Number.isFinite(v) ? v : null;
}

export const uid = () => crypto.randomUUID();

/** An organisation's name from the directory, else its code (names come with the first sync). */
export const orgName = (dir: Directory | null, id: string) => dir?.orgs.find((o) => o.id === id)?.name || id;

/** The date and time of a vital-sign reading typed as a time of day: on the visit's day; in a
 * visit across midnight, a time earlier than the start is after midnight (the end's day). Before
 * the visit has a start, on the reading's own day (else today). */
export function vitalAt(v: { actual_start: string | null; actual_end: string | null }, hm: string, prev: string | null, now: string): string {
  const s = v.actual_start;
  if (!s) return `${(prev ?? now).slice(0, 10)}T${hm}`;
  const e = v.actual_end;
  const day = e && e.slice(0, 10) !== s.slice(0, 10) && hm < s.slice(11, 16) ? e.slice(0, 10) : s.slice(0, 10);
  return `${day}T${hm}`;
}
