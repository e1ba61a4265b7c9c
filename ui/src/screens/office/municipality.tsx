// The office's municipality settings: pick one of the children's municipalities, read the
// settings in force today in plain words, the versions (built-in first) with what each changed,
// and publish a new version from a date (today or later; asks first). The rule book and the
// settings on a date are the device's (as last synced); publishing needs the server.
import { useState } from "preact/hooks";
import type { ErrorBody, IncomeTier, MunicipalityRules, Problem, RuleVersion } from "../../bindings";
import { ApiError, call } from "../../api";
import { fmtDate, fmtMinutes, fmtUnix, label, lang, paren, t } from "../../i18n";
import { useApp } from "../../context";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { FieldProblems } from "./people";

const TIERS: IncomeTier[] = ["public_assistance", "tax_exempt", "taxed"];

/** The day before `date` (`YYYY-MM-DD`). */
function dayBefore(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}

const muniName = (r: MunicipalityRules) => (lang.value === "ja" ? r.name_ja || r.name_en : r.name_en || r.name_ja);
const yen = (n: number) => t("o_mu_yen", { n: n.toLocaleString("en-US") });

function proRating(r: MunicipalityRules): string {
  const p = r.pro_rating;
  return p.kind === "none" ? t("o_mu_pro_none") : p.kind === "proportional_months" ? t("o_mu_pro_months") : t("o_mu_pro_per_month", { time: fmtMinutes(p.minutes_per_month) });
}

/** Each field of the settings as [key, label, value in words], in the order shown. */
function fields(r: MunicipalityRules, tierLabel: (t: IncomeTier) => string): [string, string, string][] {
  const out: [string, string, string][] = [
    ["annual_cap_minutes", t("o_mu_cap"), fmtMinutes(r.annual_cap_minutes)],
    ["unit_minutes", t("o_mu_unit"), fmtMinutes(r.unit_minutes)],
    ["min_use_minutes", t("o_mu_min"), fmtMinutes(r.min_use_minutes)],
    ["max_use_minutes", t("o_mu_max"), fmtMinutes(r.max_use_minutes)],
    ["pro_rating", t("o_mu_pro"), proRating(r)],
  ];
  for (const tier of TIERS) {
    const v = r.rate_per_unit_yen[tier];
    out.push([`rate_per_unit_yen.${tier}`, `${t("o_mu_fees")}: ${tierLabel(tier)}`, v === undefined ? t("o_mu_fees_none") : yen(v)]);
  }
  out.push(["doctor_instruction_fee_yen", t("o_mu_fee_doctor"), yen(r.doctor_instruction_fee_yen)]);
  out.push(["tokyo_share_percent", t("o_mu_tokyo"), t("o_mu_percent", { n: r.tokyo_share_percent })]);
  return out;
}

/** What changed from `before` to `after`: [key, label, old, new]. */
function changes(before: MunicipalityRules, after: MunicipalityRules, tierLabel: (t: IncomeTier) => string): [string, string, string, string][] {
  const a = fields(before, tierLabel);
  const b = fields(after, tierLabel);
  return b.flatMap(([k, l, v], i) => (a[i][2] !== v ? [[k, l, a[i][2], v] as [string, string, string, string]] : []));
}

type Muni = { code: string; today: MunicipalityRules };

/** `readOnly` (a municipality's welfare section): the settings and their versions, no publishing. */
export function Municipalities({ readOnly = false }: { readOnly?: boolean }) {
  const { status, dataStamp } = useApp();
  const today = status.today.date;
  const [n, setN] = useState(0);
  // The children's municipalities, each with its settings in force today (and so its name).
  const munis = useLoad(async () => {
    const kids = await call("children", {});
    const codes = [...new Set(kids.map((c) => c.municipality).filter(Boolean))].sort();
    return Promise.all(codes.map(async (code): Promise<Muni> => ({ code, today: await call("municipality_rules", { code, on: today }) })));
  }, [dataStamp, n]);
  const [picked, setPicked] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const list = munis.data ?? [];
  const current = list.find((m) => m.code === picked) ?? list[0];
  return (
    <section class="o-muni" data-testid="o-muni">
      <div class="card">
        <div class="row">
          <h2 class="o-month-title">{t("o_mu_title")}</h2>
          <span class="spacer" />
          {list.length > 0 && (
            <label class="row o-muni-pick">
              {t("o_mu_pick")}
              <select name="municipality" value={current?.code} onChange={(e) => (setPicked((e.target as HTMLSelectElement).value), setDone(null))} data-testid="o-muni-pick">
                {list.map((m) => (
                  <option value={m.code}>
                    {`${muniName(m.today)}${paren(m.code)}`}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        <ErrorBox error={munis.error} />
        {!munis.data && !munis.error && <p class="muted">{t("loading")}</p>}
        {munis.data && list.length === 0 && <p class="muted">{t("o_mu_none")}</p>}
        {current && <InForce m={current} today={today} />}
      </div>
      {done && (
        <div class="ok" role="status" data-testid="o-muni-notice">
          {done}
        </div>
      )}
      {current && <MuniVersions key={`${current.code}-${n}`} m={current} today={today} readOnly={readOnly} onPublished={(text) => (setDone(text), setN((x) => x + 1))} />}
    </section>
  );
}

function useTierLabel() {
  const { labels } = useApp();
  return (tier: IncomeTier) => label(labels.income_tier, tier);
}

function InForce({ m, today }: { m: Muni; today: string }) {
  const tierLabel = useTierLabel();
  const r = m.today;
  const fees = TIERS.filter((x) => r.rate_per_unit_yen[x] !== undefined);
  const rows: [string, string, string][] = [
    ["cap", t("o_mu_cap"), fmtMinutes(r.annual_cap_minutes)],
    ["use", t("o_mu_use"), t("o_mu_use_value", { min: fmtMinutes(r.min_use_minutes), max: fmtMinutes(r.max_use_minutes), unit: fmtMinutes(r.unit_minutes) })],
    ["pro", t("o_mu_pro"), proRating(r)],
    ["fees", t("o_mu_fees"), fees.length ? fees.map((x) => `${tierLabel(x)} ${yen(r.rate_per_unit_yen[x]!)}`).join(lang.value === "ja" ? "、" : ", ") : t("o_mu_fees_none")],
    ["doctor", t("o_mu_fee_doctor"), yen(r.doctor_instruction_fee_yen)],
    ["tokyo", t("o_mu_tokyo"), t("o_mu_percent", { n: r.tokyo_share_percent })],
  ];
  return (
    <div data-testid="o-muni-today">
      <h3>{t("o_mu_today", { date: fmtDate(today) })}</h3>
      <dl class="o-fields">
        {rows.map(([k, l, v]) => (
          <div data-k={k}>
            <dt>{l}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

type Entry = { version: RuleVersion | null; rules: MunicipalityRules };

function MuniVersions({ m, today, readOnly, onPublished }: { m: Muni; today: string; readOnly: boolean; onPublished: (notice: string) => void }) {
  const tierLabel = useTierLabel();
  // The published versions of this municipality, oldest first, and the built-in settings under
  // them: the settings on the day before the first version (or today's when none).
  const history = useLoad(async (): Promise<Entry[]> => {
    const book = await call("rule_book", {});
    const mine = book.versions.filter((v) => v.key === m.code && v.rules).sort((a, b) => (a.effective_from < b.effective_from ? -1 : a.effective_from > b.effective_from ? 1 : 0));
    const builtin = mine.length ? await call("municipality_rules", { code: m.code, on: dayBefore(mine[0].effective_from) }) : m.today;
    return [{ version: null, rules: builtin }, ...mine.map((v) => ({ version: v, rules: v.rules! }))];
  }, [m.code]);
  const entries = history.data ?? [];
  // The entry in force today: the last one starting on or before today (the built-in when none).
  let inForce = 0;
  entries.forEach((e, i) => {
    if (e.version && e.version.effective_from <= today) inForce = i;
  });
  return (
    <>
      <div class="card" data-testid="o-muni-history">
        <h3>{t("o_mu_history")}</h3>
        <ErrorBox error={history.error} />
        <ol class="o-versions">
          {entries.map((e, i) => {
            const diff = i > 0 ? changes(entries[i - 1].rules, e.rules, tierLabel) : [];
            const future = e.version !== null && e.version.effective_from > today;
            return (
              <li class="o-version" data-testid="o-version" data-from={e.version?.effective_from ?? "builtin"}>
                <div class="row">
                  <strong data-testid="o-version-title">{e.version ? t("o_mu_from", { date: fmtDate(e.version.effective_from) }) : t("o_mu_builtin")}</strong>
                  {i === inForce && <span class="badge">{t("o_mu_in_force")}</span>}
                  {future && <span class="badge warn">{t("o_mu_future")}</span>}
                  {e.version && (
                    <span class="muted" data-testid="o-version-by">
                      {t("o_mu_by", { who: e.version.author, at: fmtUnix(e.version.recorded_at) })}
                    </span>
                  )}
                </div>
                {i > 0 &&
                  (diff.length ? (
                    <ul class="o-changes">
                      {diff.map(([k, l, a, b]) => (
                        <li data-testid="o-change" data-field={k}>
                          {l}: <span class="o-old">{a}</span> → <strong>{b}</strong>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <p class="muted">{t("o_mu_no_change")}</p>
                  ))}
              </li>
            );
          })}
        </ol>
      </div>
      {!readOnly && <PublishForm m={m} today={today} entries={entries} onPublished={(v) => onPublished(t("o_mu_published", { name: muniName(m.today), date: fmtDate(v.effective_from) }))} />}
    </>
  );
}

/** The form's fields and the problem fields they show. */
const FORM = {
  cap: "rules.annual_cap_minutes",
  unit: "rules.unit_minutes",
  min: "rules.min_use_minutes",
  max: "rules.max_use_minutes",
  from: "effective_from",
} as const;

const invalid = (problems: Problem[]): ErrorBody => ({ code: "invalid", message: "入力内容に問題があります / the input is invalid", ja: "入力内容に問題があります", en: "the input is invalid", problems });

function PublishForm({ m, today, entries, onPublished }: { m: Muni; today: string; entries: Entry[]; onPublished: (v: RuleVersion) => void }) {
  const r = m.today;
  const hours = (min: number) => String(Math.round((min / 60) * 100) / 100);
  const [cap, setCap] = useState(hours(r.annual_cap_minutes));
  const [unit, setUnit] = useState(String(r.unit_minutes));
  const [min, setMin] = useState(hours(r.min_use_minutes));
  const [max, setMax] = useState(hours(r.max_use_minutes));
  const [from, setFrom] = useState(today);
  const [confirming, setConfirming] = useState<RuleVersion | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  /** The version the form describes, or the problems of numbers that are not numbers. */
  const build = (): RuleVersion | ErrorBody => {
    const problems: Problem[] = [];
    const num = (text: string, field: string, scale: number) => {
      const x = Number(text.trim());
      if (!text.trim() || !Number.isFinite(x) || x < 0) {
        problems.push({ field, code: "number", ja: "0以上の数を入れてください", en: "enter a number, 0 or more" });
        return 0;
      }
      return Math.round(x * scale);
    };
    const rules: MunicipalityRules = {
      ...r,
      annual_cap_minutes: num(cap, FORM.cap, 60),
      unit_minutes: num(unit, FORM.unit, 1),
      min_use_minutes: num(min, FORM.min, 60),
      max_use_minutes: num(max, FORM.max, 60),
    };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) problems.push({ field: FORM.from, code: "date", ja: "日付を選んでください", en: "pick a date" });
    if (problems.length) return invalid(problems);
    return { key: m.code, effective_from: from, rules, template: null, author: "", recorded_at: 0 };
  };

  const ask = (e: Event) => {
    e.preventDefault();
    setError(null);
    const v = build();
    if ("code" in v) setError(v);
    else setConfirming(v);
  };
  const publish = async () => {
    if (!confirming) return;
    setBusy(true);
    setError(null);
    try {
      const v = await call("publish_rule_version", { version: confirming });
      setConfirming(null);
      onPublished(v);
    } catch (err) {
      setConfirming(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const e = error ? ApiError.from(error) : null;
  const known: string[] = Object.values(FORM);
  const fieldErrors = e && e.problems().some((p) => known.includes(p.field)) ? e : null;
  const rest = e ? (e.problems().length ? e.problems().filter((p) => !known.includes(p.field)) : null) : null;
  const other = e && (rest === null ? e : rest.length ? new ApiError({ ...e.body, problems: rest }) : null);
  const tierLabel = useTierLabel();
  // What the new version changes against the one it follows (in force the day before it).
  const before = confirming ? (entries.filter((x) => (x.version?.effective_from ?? "") < confirming.effective_from).at(-1)?.rules ?? r) : r;
  const diff = confirming ? changes(before, confirming.rules!, tierLabel) : [];
  const input = (name: keyof typeof FORM, labelText: string, value: string, set: (v: string) => void, step: string) => (
    <div>
      <Field label={labelText}>
        <input name={name} type="number" inputMode="decimal" min="0" step={step} value={value} onInput={(ev) => set(ev.currentTarget.value)} />
      </Field>
      <FieldProblems error={fieldErrors} field={FORM[name]} />
    </div>
  );
  return (
    <form class="card o-muni-form" onSubmit={ask} noValidate data-testid="o-muni-form">
      <h3>{t("o_mu_new")}</h3>
      <div class="o-filter-grid">
        {input("cap", t("o_mu_f_cap"), cap, setCap, "0.5")}
        {input("unit", t("o_mu_f_unit"), unit, setUnit, "1")}
        {input("min", t("o_mu_f_min"), min, setMin, "0.5")}
        {input("max", t("o_mu_f_max"), max, setMax, "0.5")}
        <div>
          <Field label={t("o_mu_f_from")}>
            <DateField name="from" min={today} value={from} onChange={setFrom} />
          </Field>
          <FieldProblems error={fieldErrors} field={FORM.from} />
        </div>
      </div>
      <p class="muted" data-testid="o-muni-keep">
        {t("o_mu_keep")}
      </p>
      {other && <ErrorBox error={other} />}
      {confirming ? (
        <div class="warning o-confirm" role="alertdialog" aria-labelledby="muni-confirm" data-testid="o-muni-confirm">
          <strong id="muni-confirm">{t("o_mu_confirm_title", { name: muniName(r), date: fmtDate(confirming.effective_from) })}</strong>
          {diff.length ? (
            <ul class="o-changes">
              {diff.map(([k, l, a, b]) => (
                <li data-field={k}>
                  {l}: {a} → <strong>{b}</strong>
                </li>
              ))}
            </ul>
          ) : (
            <p>{t("o_mu_confirm_same")}</p>
          )}
          <p>{t("o_mu_confirm_body")}</p>
          <div class="row">
            <button type="button" class="primary" disabled={busy} onClick={publish} data-testid="o-muni-yes">
              {t("o_mu_confirm_yes")}
            </button>
            <button type="button" onClick={() => setConfirming(null)} data-testid="o-muni-no">
              {t("cancel")}
            </button>
          </div>
        </div>
      ) : (
        <div class="row">
          <button class="primary" type="submit" data-testid="o-muni-publish">
            {t("o_mu_publish")}
          </button>
        </div>
      )}
    </form>
  );
}
