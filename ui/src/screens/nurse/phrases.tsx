// Canned phrases (定型文) in the visit form: a 定型文 button beside a SOAP field or a care note
// opens the station's phrases for that place (as last synced, so offline too); a tap inserts one
// at the cursor, or at the end after a separator when the field was never touched, and never
// replaces what was typed (a selection is kept, the phrase goes after it).
import { createContext } from "preact";
import { useContext, useRef, useState } from "preact/hooks";
import type { Phrase, PhraseList, PhrasePlace } from "../../bindings";
import { t } from "../../i18n";

/** The visit's station's phrases in force on its date (null while loading). */
export const Phrases = createContext<PhraseList | null>(null);

/** Where the cursor was in a field when it last had one; none until the field is touched. */
export type Cursor = { start: number; end: number } | null;

/** `value` with `phrase` inserted: at the end of the cursor's selection, else at the end after
 * `sep` (none when empty or already ending in white space). */
export function insertPhrase(value: string, phrase: string, cursor: Cursor, sep: string): { value: string; at: number } {
  if (cursor) {
    const at = Math.min(Math.max(cursor.end, 0), value.length);
    return { value: value.slice(0, at) + phrase + value.slice(at), at: at + phrase.length };
  }
  const join = value === "" || /\s$/.test(value) ? "" : sep;
  const next = value + join + phrase;
  return { value: next, at: next.length };
}

type El = HTMLInputElement | HTMLTextAreaElement;

/** Tracks a field's cursor: spread `track` on the input or textarea. */
export function useCursor() {
  const ref = useRef<El>(null);
  const cursor = useRef<Cursor>(null);
  const remember = () => {
    const el = ref.current;
    if (el && el.selectionStart !== null && el.selectionEnd !== null) cursor.current = { start: el.selectionStart, end: el.selectionEnd };
  };
  return {
    ref,
    cursor,
    track: { ref, onSelect: remember, onKeyUp: remember, onClick: remember, onFocus: remember, onInputCapture: remember } as Record<string, unknown>,
    /** Puts the cursor at `at` after the value changed (and remembers it). */
    moveTo(at: number) {
      cursor.current = { start: at, end: at };
      requestAnimationFrame(() => {
        const el = ref.current;
        if (!el) return;
        el.focus();
        el.setSelectionRange(at, at);
      });
    },
  };
}

/** The 定型文 button of one field and its list. `onPick` gets the phrase's text. */
export function PhraseButton({ place, disabled, testid, onPick }: { place: PhrasePlace; disabled: boolean; testid: string; onPick: (text: string) => void }) {
  const list = useContext(Phrases);
  const [open, setOpen] = useState(false);
  const items: Phrase[] = (list?.items ?? []).filter((p) => p.places.includes(place));
  const groups = [...new Set(items.map((p) => p.category))];
  return (
    <div class="n-phrases">
      <button type="button" class="n-phrase-open" disabled={disabled} aria-expanded={open} data-testid={`${testid}-phrases`} onClick={() => setOpen(!open)}>
        {t("n_phrases")}
        {items.length > 0 && <span class="muted"> {t("n_phrases_count", { n: items.length })}</span>}
      </button>
      {open && !disabled && (
        <div class="card n-phrase-list" role="dialog" aria-label={t("n_phrases")} data-testid={`${testid}-phrase-list`}>
          {items.length === 0 && <p class="muted">{t("n_phrases_none")}</p>}
          {groups.map((g) => (
            <div key={g} class="n-phrase-group">
              {g && <h3 class="n-phrase-category">{g}</h3>}
              {items
                .filter((p) => p.category === g)
                .map((p) => (
                  <button
                    type="button"
                    key={p.text}
                    class="n-phrase"
                    data-testid="n-phrase"
                    onClick={() => {
                      onPick(p.text);
                      setOpen(false);
                    }}
                  >
                    {p.text}
                  </button>
                ))}
            </div>
          ))}
          <button type="button" class="n-phrase-close" data-testid={`${testid}-phrase-close`} onClick={() => setOpen(false)}>
            {t("n_phrases_close")}
          </button>
        </div>
      )}
    </div>
  );
}
