// Search across the children and records on this tablet (Carebook::search): names, kana, dates
// and the words of the notes, offline. The query lives with the screen that shows the box, so
// opening a result and coming back finds the same results without typing again.
import { useEffect, useState } from "preact/hooks";
import type { DateFilter, SearchResults } from "../bindings";
import { call } from "../api";
import { useApp } from "../context";
import { fmtDate, fmtMonth, fmtTime, label, lang, t } from "../i18n";
import { ErrorBox } from "../ui";
import { SendState } from "./nurse/home";

/** How long typing pauses before the search runs (Enter runs it at once). */
const PAUSE_MS = 250;

/** Folds text as the tablet's search does: NFKC, lower case, katakana as hiragana. */
function fold(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

/** `text` with every occurrence of the query's words marked, matching as the search does. */
export function Marked({ text, words }: { text: string; words: string[] }) {
  const chars = Array.from(text);
  const folded = chars.map((c) => fold(c));
  const hit = new Array<boolean>(chars.length).fill(false);
  for (const w of words.map(fold).filter((w) => w.length > 0)) {
    for (let i = 0; i < chars.length; i++) {
      let j = i;
      let acc = "";
      while (j < chars.length && acc.length < w.length) acc += folded[j++];
      if (acc === w) for (let k = i; k < j; k++) hit[k] = true;
    }
  }
  const parts: { s: string; on: boolean }[] = [];
  chars.forEach((c, i) => {
    const last = parts[parts.length - 1];
    if (last && last.on === hit[i]) last.s += c;
    else parts.push({ s: c, on: hit[i] });
  });
  return <>{parts.map((p, i) => (p.on ? <mark key={i}>{p.s}</mark> : p.s))}</>;
}

function dateText(d: DateFilter): string {
  if (d.kind === "day") return fmtDate(d.date);
  if (d.kind === "month") return fmtMonth(d.month);
  return t("search_any_year", { md: lang.value === "ja" ? `${d.month}月${d.day}日` : `${d.month}/${d.day}` });
}

/** The search box and, once something is asked, what it found. */
export function SearchBox({
  query,
  setQuery,
  onVisit,
  onChild,
}: {
  query: string;
  setQuery: (q: string) => void;
  onVisit: (id: string) => void;
  onChild: (id: string) => void;
}) {
  const { labels, dataStamp } = useApp();
  const [typed, setTyped] = useState(query);
  const [results, setResults] = useState<{ q: string; r: SearchResults } | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Cleared or set from outside (a child opened from the results): the box shows it.
  useEffect(() => {
    if (query !== typed) setTyped(query);
  }, [query]);
  // Typing pauses, then the query is asked; Enter asks at once.
  useEffect(() => {
    if (typed === query) return;
    const timer = setTimeout(() => setQuery(typed), PAUSE_MS);
    return () => clearTimeout(timer);
  }, [typed]);
  useEffect(() => {
    let live = true;
    if (!query.trim()) {
      setResults(null);
      return;
    }
    call("search", { query }).then(
      (r) => {
        if (live) {
          setError(null);
          setResults({ q: query, r });
        }
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [query, dataStamp]);
  const words = query.split(/\s+/).filter((w) => w.length > 0);
  const r = results?.r;
  return (
    <section class="search" aria-label={t("search")}>
      <form
        class="search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(typed);
        }}
      >
        <label class="search-field">
          <input
            type="search"
            value={typed}
            placeholder={t("search_placeholder")}
            title={t("search_label")}
            aria-label={t("search_label")}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
            data-testid="search-input"
          />
        </label>
        {query && (
          <button
            type="button"
            onClick={() => {
              setTyped("");
              setQuery("");
            }}
            data-testid="search-clear"
          >
            {t("search_clear")}
          </button>
        )}
      </form>
      <ErrorBox error={error} />
      {query.trim() && r && (
        <div class="card search-results" role="region" aria-live="polite" aria-label={t("search")} data-testid="search-results" data-query={results?.q}>
          {r.dates.length > 0 && (
            <p class="muted" data-testid="search-dates">
              {t("search_dates", { dates: r.dates.map(dateText).join("、") })}
            </p>
          )}
          {r.pending > 0 && (
            <p class="hint" data-testid="search-pending">
              {t("search_pending", { n: r.pending })}
            </p>
          )}
          {r.children.length === 0 && r.visits.length === 0 && (
            <p class="muted" data-testid="search-none">
              {t("search_none", { q: query })}
            </p>
          )}
          {r.children.length > 0 && (
            <>
              <h3>{t("search_children")}</h3>
              <ul class="search-children">
                {r.children.map((c) => (
                  <li key={c.id}>
                    <button onClick={() => onChild(c.id)} data-testid="search-child" data-id={c.id}>
                      <strong>
                        <Marked text={c.name} words={words} />
                      </strong>
                      <span class="muted">
                        <Marked text={c.kana} words={words} />
                      </span>
                      <span class="muted">{t("search_born", { date: fmtDate(c.birth_date) })}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          {r.visits.length > 0 && (
            <>
              <h3 data-testid="search-visits-heading">{t(r.more ? "search_visits_more" : "search_visits", { n: r.visits.length })}</h3>
              <ul class="search-visits">
                {r.visits.map(({ row, excerpt }) => (
                  <li key={row.summary.id}>
                    <button onClick={() => onVisit(row.summary.id)} data-testid="search-visit" data-id={row.summary.id}>
                      <span class="search-line">
                        <span class="n-when">
                          {fmtDate(row.summary.date)} {fmtTime(row.summary.start)}
                        </span>
                        <strong>
                          <Marked text={row.child_name} words={words} />
                        </strong>
                        <span>{label(labels.visit_kind, row.summary.kind)}</span>
                        <span class="badge">{label(labels.status, row.summary.status)}</span>
                        <SendState row={row} />
                      </span>
                      {excerpt && (
                        <span class="search-excerpt" data-testid="search-excerpt">
                          <Marked text={excerpt} words={words} />
                        </span>
                      )}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
