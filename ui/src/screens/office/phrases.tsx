// The office's canned phrases (定型文): the station's list in force today (as last synced), to
// add, change and delete phrases — each with the fields it applies to (S, O, A, P, care notes)
// and an optional category — and publish as a new version from a date (today or later). The
// server checks the list and the rights (only this station's office); its problems are shown at
// their fields. Nurses' tablets receive the list at their next sync.
import { useEffect, useState } from "preact/hooks";
import type { Phrase, PhrasePlace, RuleVersion } from "../../bindings";
import { ApiError, call } from "../../api";
import { fmtDate, t } from "../../i18n";
import { useApp } from "../../context";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { FieldProblems } from "./people";

const PLACES: [PhrasePlace, Parameters<typeof t>[0]][] = [
  ["s", "o_ph_s"],
  ["o", "o_ph_o"],
  ["a", "o_ph_a"],
  ["p", "o_ph_p"],
  ["care", "o_ph_care"],
];

export function PhrasesEditor() {
  const { status, dataStamp } = useApp();
  const today = status.today.date;
  const [n, setN] = useState(0);
  const current = useLoad(() => call("station_phrases", { on: today }), [dataStamp, n, today]);
  const [items, setItems] = useState<Phrase[] | null>(null);
  const [from, setFrom] = useState(today);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  // Edits not yet published: a sync that brings a new book does not wipe them.
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (current.data && !dirty) setItems(structuredClone(current.data.items));
  }, [current.data]);
  const list = items ?? [];
  const edit = (next: Phrase[]) => {
    setItems(next);
    setDirty(true);
    setDone(null);
  };
  const upd = (i: number, p: Partial<Phrase>) => edit(list.map((x, j) => (j === i ? { ...x, ...p } : x)));

  const publish = async (e: Event) => {
    e.preventDefault();
    if (!current.data) return;
    setBusy(true);
    setError(null);
    setDone(null);
    const version: RuleVersion = {
      key: current.data.station_id,
      effective_from: from,
      rules: null,
      template: null,
      phrases: { station_id: current.data.station_id, items: list },
      author: "",
      recorded_at: 0,
    };
    try {
      const v = await call("publish_rule_version", { version });
      setDone(t("o_ph_published", { n: list.length, date: fmtDate(v.effective_from) }));
      setDirty(false);
      setN((x) => x + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const e = error ? ApiError.from(error) : null;
  const placed = (f: string) => f === "effective_from" || f.startsWith("phrases.items[");
  const rest = e ? e.problems().filter((p) => !placed(p.field)) : [];
  const other = e && (e.problems().length === 0 ? e : rest.length ? new ApiError({ ...e.body, problems: rest }) : null);
  return (
    <section class="card o-phrases" data-testid="o-phrases">
      <h2>{t("o_ph_title")}</h2>
      <p class="muted">{t("o_ph_intro")}</p>
      <ErrorBox error={current.error} />
      <form onSubmit={publish}>
        <ol class="o-phrase-rows">
          {list.map((p, i) => (
            <li class="o-phrase-row" data-testid="o-phrase-row" key={i}>
              <Field label={t("o_ph_text")}>
                <input value={p.text} data-testid="o-phrase-text" onInput={(ev) => upd(i, { text: (ev.target as HTMLInputElement).value })} />
              </Field>
              <FieldProblems error={e} field={`phrases.items[${i}].text`} />
              <div class="row o-phrase-places" role="group" aria-label={t("o_ph_places")}>
                <span class="label">{t("o_ph_places")}</span>
                {PLACES.map(([pl, key]) => (
                  <label class="o-phrase-place" key={pl}>
                    <input
                      type="checkbox"
                      checked={p.places.includes(pl)}
                      data-testid={`o-phrase-place-${pl}`}
                      onChange={(ev) => {
                        const on = (ev.target as HTMLInputElement).checked;
                        upd(i, { places: on ? PLACES.map(([x]) => x).filter((x) => x === pl || p.places.includes(x)) : p.places.filter((x) => x !== pl) });
                      }}
                    />
                    {t(key)}
                  </label>
                ))}
              </div>
              <FieldProblems error={e} field={`phrases.items[${i}].places`} />
              <Field label={t("o_ph_category")}>
                <input value={p.category} data-testid="o-phrase-category" onInput={(ev) => upd(i, { category: (ev.target as HTMLInputElement).value })} />
              </Field>
              <FieldProblems error={e} field={`phrases.items[${i}].category`} />
              <button type="button" class="o-phrase-remove" data-testid="o-phrase-remove" onClick={() => edit(list.filter((_, j) => j !== i))}>
                ✕ {t("o_ph_remove")}
              </button>
            </li>
          ))}
        </ol>
        {list.length === 0 && current.data && <p class="muted" data-testid="o-phrase-empty">{t("o_ph_empty")}</p>}
        <button type="button" data-testid="o-phrase-add" onClick={() => edit([...list, { text: "", places: ["s", "o", "a", "p"], category: "" }])}>
          ＋ {t("o_ph_add")}
        </button>
        <div class="row o-phrase-publish">
          <Field label={t("o_ph_from")}>
            <DateField name="from" min={today} value={from} onChange={setFrom} />
          </Field>
          <button class="primary" type="submit" disabled={busy || !current.data} data-testid="o-phrase-publish">
            {t("o_ph_publish")}
          </button>
        </div>
        <FieldProblems error={e} field="effective_from" />
        {other && <ErrorBox error={other} />}
        {done && (
          <p class="ok" role="status" data-testid="o-phrase-done">
            {done}
          </p>
        )}
      </form>
    </section>
  );
}
