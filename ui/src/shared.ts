// Small helpers more than one area uses (no rules: the backend owns those).
import type { ReviewFilter } from "./bindings";

/** Now in JST as `YYYY-MM-DDTHH:MM`. */
export function nowJst(): string {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 16);
}

/** A visit filter that matches everything; narrow it with a spread. */
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
  respite_length: false,
  short_day: false,
  from: null,
  limit: null,
};
