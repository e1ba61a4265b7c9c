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
