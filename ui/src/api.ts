// The one door to the Rust side. Command names, arguments and results are the generated
// `Commands` map (bindings.ts, from the Rust types), so a renamed field fails `tsc`.
import { invoke } from "@tauri-apps/api/core";
import type { Commands, ErrorBody, Problem } from "./bindings";
import { lang } from "./i18n";

export type AllCommands = Commands;
export type Cmd = keyof AllCommands;

/** Calls a command; failures throw an `ApiError` carrying the wire's `{code, ja, en, problems}`. */
export async function call<K extends Cmd>(cmd: K, args: AllCommands[K]["args"]): Promise<AllCommands[K]["result"]> {
  try {
    return (await invoke(cmd, args as Record<string, unknown>)) as AllCommands[K]["result"];
  } catch (e) {
    throw ApiError.from(e);
  }
}

export class ApiError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
  static from(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    if (e && typeof e === "object" && "code" in e && "message" in e) {
      const b = e as ErrorBody;
      return new ApiError({ code: b.code, message: b.message, ja: b.ja ?? "", en: b.en ?? "", problems: b.problems ?? [] });
    }
    const text = String(e);
    return new ApiError({ code: "internal", message: text, ja: text, en: text, problems: [] });
  }
  get code(): string {
    return this.body.code;
  }
  /** The message in the current language. */
  text(): string {
    return errorText(this.body);
  }
  problems(): Problem[] {
    return this.body.problems ?? [];
  }
}

/** An error body's message in the current language: its `ja` or `en`. A body from a server
 * older than those fields has only `message` (`日本語 / English`), split here. */
export function errorText(body: Pick<ErrorBody, "message" | "ja" | "en">): string {
  if (body.ja || body.en) return lang.value === "ja" ? body.ja || body.en : body.en || body.ja;
  return pickLang(body.message);
}

/** `日本語 / English` → the half for the current language (the whole text when there is no
 * split). For texts that still carry both languages in one string: an older server's error
 * message, a push's rejection reason. */
export function pickLang(message: string): string {
  const i = message.indexOf(" / ");
  if (i < 0) return message;
  return lang.value === "ja" ? message.slice(0, i) : message.slice(i + 3);
}

/** A problem's message in the current language. */
export function problemText(p: Problem): string {
  return lang.value === "ja" ? p.ja : p.en;
}
