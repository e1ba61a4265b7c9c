// Small helpers of the nurse screens (no rules: the backend owns those).
import type { ReviewFilter } from "../../bindings";

/** Now in JST as `YYYY-MM-DDTHH:MM`. */
export function nowJst(): string {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 16);
}

/** A `YYYY-MM-DDTHH:MM` (JST) → epoch ms. */
export function jstMs(dt: string): number {
  return Date.parse(`${dt}:00+09:00`);
}

/** A filter that matches everything. */
export const ALL: ReviewFilter = {
  month: null,
  child: null,
  station: null,
  kind: null,
  status: null,
  over_cap: false,
  rejected: false,
  unconfirmed: false,
  expired_instruction: false,
  from: null,
};

/** "" → null, "36.5" → 36.5. */
export function num(s: string): number | null {
  const v = s.trim() === "" ? NaN : Number(s.replace(",", "."));
  return Number.isFinite(v) ? v : null;
}

export const uid = () => crypto.randomUUID();
