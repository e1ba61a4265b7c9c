// Record a visit: kind, times with a running timer, staff, vitals, care, SOAP, outcome; respite
// numbers, checklist, handover and guardian confirmation. Check, save and submit show the
// backend's problems by their fields; only a draft can be changed.
import { useEffect, useState } from "preact/hooks";
import type { CareGiven, CareItem, Directory, Org, Person, PhrasePlace, Problem, StaffMember, Visit, VisitRow, VitalReading } from "../../bindings";
import { ApiError, call } from "../../api";
import { useApp } from "../../context";
import { fmtDayTime, fmtMinutes, label, paren, t } from "../../i18n";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { jstMs, nowJst, num, orgName, uid, vitalAt } from "./util";
import { PreviousCard } from "./previous";
import { InstructionWarning, SendState } from "./home";
import { ChecklistPart, FieldProblems, FormState, GuardianPart, HandoverPart, RespitePart, useFormState } from "./parts";
import { insertPhrase, PhraseButton, Phrases, useCursor } from "./phrases";

export type Set = (f: (v: Visit) => Visit) => void;

/** A handover visit carries its handover section (filled with this station first); others none. */
const withHandover = (x: Visit): Visit =>
  x.kind === "handover"
    ? { ...x, handover: x.handover ?? { from_station: { ...x.station }, to_station: { id: "", name: "" }, topics: [], from_sign_off: null, to_sign_off: null } }
    : { ...x, handover: null };

/** The visit as another kind: the handover section for a handover only, the kind of institution
 * for daytime care only. */
const withKind = (x: Visit, kind: Visit["kind"]): Visit => withHandover({ ...x, kind, provider: kind === "daytime" ? x.provider : null });

/** The message of the save bar: one line, so the bar never changes size. */
type Message = { kind: "ok" | "error"; text: string; saved?: boolean } | null;

/** Where the form shows problems by field; any other problem is listed above the save bar. */
const PLACED = ["actual_", "scheduled_", "guardian", "vitals", "handover"];

export function VisitForm({ initial, onDone, row: initialRow = null, warnings: initialWarnings = [] }: { initial: Visit; saved?: boolean; row?: VisitRow | null; warnings?: Problem[]; onDone: () => void }) {
  const { labels, status } = useApp();
  const [v, setV] = useState<Visit>(() => withHandover(initial));
  const [problems, setProblems] = useState<Problem[]>([]);
  // What to look at though it may be saved (a vital sign timed outside the visit, an overlap …):
  // as of the last open, check, save or submit; an edit clears them, as it clears the problems.
  const [warnings, setWarnings] = useState<Problem[]>(initialWarnings);
  // The record's row as last read or saved: whether it has left this tablet.
  const [row, setRow] = useState<VisitRow | null>(initialRow);
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);
  // Only a draft may be changed: a submitted or approved record is shown, not edited.
  const readOnly = v.status !== "draft";
  /** Every change of the form: none once the record is not a draft; an old message goes. */
  const set: Set = (f) => {
    if (readOnly) return;
    setV((x) => (x.status === "draft" ? f(x) : x));
    setMessage(null);
    setProblems([]);
    setWarnings([]);
  };
  const sheet = useLoad(() => call("child_sheet", { id: v.child_id }), [v.child_id]);
  // The organisation as last synced: staff are picked from it by name.
  const dir = useLoad(() => call("directory", {}), []);
  const [day, setDay] = useState((initial.actual_start ?? initial.scheduled_start ?? status.today.date).slice(0, 10));
  // The station's canned phrases in force on the visit's day, as last synced (offline too).
  const phrases = useLoad(() => call("visit_phrases", { visit: v }), [v.station.id, day]);

  /** A refusal: its problems by their fields, a count (or the error's text) in the bar. */
  const refused = (e: unknown, key: "n_check_problems" | "n_refused" | "n_submit_refused") => {
    const err = ApiError.from(e);
    const ps = err.problems();
    setProblems(ps);
    setMessage({ kind: "error", text: ps.length ? t(key, { n: ps.length }) : err.text() });
  };
  const savedText = (r: VisitRow, key: "n_saved" | "n_submitted") =>
    `${t(key)} — ${label(labels.status, r.summary.status)}${r.summary.billable_minutes > 0 ? ` · ${t("n_billable")}: ${fmtMinutes(r.summary.billable_minutes)}` : ""}`;
  const run = async (f: () => Promise<void>) => {
    if (busy || readOnly) return;
    setBusy(true);
    setMessage(null);
    setProblems([]);
    try {
      await f();
    } finally {
      setBusy(false);
    }
  };

  /** The warnings of the record as saved (a refusal to check leaves the last ones). */
  const refreshWarnings = (x: Visit) =>
    call("check_visit", { visit: x }).then(
      (c) => setWarnings(c.warnings),
      () => {},
    );
  const save = () =>
    run(async () => {
      try {
        const r = await call("save_visit", { visit: withHandover(v) });
        setRow(r);
        setMessage({ kind: "ok", text: savedText(r, "n_saved"), saved: true });
        await refreshWarnings(withHandover(v));
      } catch (e) {
        refused(e, "n_refused");
      }
    });
  // Checked as it would be submitted: the core's rules for a submitted record (actual times, the
  // guardian's confirmation), on what is on screen now.
  const check = () =>
    run(async () => {
      try {
        const c = await call("check_visit", { visit: { ...withHandover(v), status: "submitted", returned: null } });
        setWarnings(c.warnings);
        if (c.problems.length) refused(new ApiError({ code: "invalid", message: "", ja: "", en: "", problems: c.problems }), "n_check_problems");
        else setMessage({ kind: "ok", text: c.warnings.length ? t("n_check_ok_warnings", { n: c.warnings.length }) : t("n_check_ok") });
      } catch (e) {
        refused(e, "n_check_problems");
      }
    });
  // What is on screen is saved first, then that saved record is submitted.
  const submit = () =>
    run(async () => {
      try {
        setRow(await call("save_visit", { visit: withHandover(v) }));
      } catch (e) {
        return refused(e, "n_refused");
      }
      try {
        const r = await call("submit_visit", { id: v.id });
        setRow(r);
        await refreshWarnings({ ...withHandover(v), status: "submitted", returned: null });
        // Submitted again: the office's note has been answered (the core clears it too).
        setV((x) => ({ ...x, status: "submitted", returned: null }));
        setMessage({ kind: "ok", text: savedText(r, "n_submitted"), saved: true });
      } catch (e) {
        refused(e, "n_submit_refused");
      }
    });

  const child = sheet.data?.child;
  const others = problems.filter((p) => !PLACED.some((x) => p.field.startsWith(x)));
  return (
    <FormState.Provider value={{ problems, warnings, readOnly }}>
      <Phrases.Provider value={phrases.data}>
      <div class="n-visit-form" data-testid="n-visit-form">
        {v.returned && v.status === "draft" && (
          <div class="warning" role="note" data-testid="n-returned-note">
            <strong>⚠ {t("n_returned_tag")}</strong>
            <p style={{ margin: "4px 0 0" }} data-k="text">
              {t("n_returned_note", { by: v.returned.by, at: fmtDayTime(v.returned.at), reason: v.returned.reason })}
            </p>
          </div>
        )}
        {readOnly && (
          <div class="warning n-readonly" role="note" data-testid="n-readonly-note">
            {t(v.status === "approved" ? "n_readonly_approved" : "n_readonly")}
          </div>
        )}
        {/* A disabled fieldset disables every control of the record at once. */}
        <fieldset class="n-fields" disabled={readOnly}>
          <div class="card">
            <h1>
              {t("n_record_title")} <span class="muted">{child?.name ?? ""}</span>
            </h1>
            <div class="row">
              <span class="badge" data-testid="n-visit-status">
                {label(labels.status, v.status)}
              </span>
              <SendState row={row} full />
              <span class="muted">{v.station.name || orgName(dir.data, v.station.id)}</span>
            </div>
            <div class="n-form-grid">
              <Field label={t("n_kind")}>
                <select value={v.kind} data-testid="n-kind" disabled={readOnly} onChange={(e) => set((x) => withKind(x, (e.target as HTMLSelectElement).value as Visit["kind"]))}>
                  {labels.visit_kind.map((k) => (
                    <option key={k.name} value={k.name}>
                      {label(labels.visit_kind, k.name)}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label={t("n_outcome")}>
                <div class="row" role="group">
                  {labels.outcome.map((o) => (
                    <button key={o.name} class={v.outcome === o.name ? "on" : ""} disabled={readOnly} data-testid={`n-outcome-${o.name}`} onClick={() => set((x) => ({ ...x, outcome: o.name as Visit["outcome"] }))}>
                      {label(labels.outcome, o.name)}
                    </button>
                  ))}
                </div>
              </Field>
              <Field label={t("n_place")}>
                <input value={v.place} data-testid="n-place" disabled={readOnly} onInput={(e) => set((x) => ({ ...x, place: (e.target as HTMLInputElement).value }))} />
              </Field>
              {v.kind === "daytime" && (
                <Field label={t("n_provider")}>
                  <select value={v.provider ?? ""} data-testid="n-provider" disabled={readOnly} onChange={(e) => set((x) => ({ ...x, provider: ((e.target as HTMLSelectElement).value || null) as Visit["provider"] }))}>
                    <option value="">{t("n_provider_pick")}</option>
                    {labels.provider.map((k) => (
                      <option key={k.name} value={k.name}>
                        {label(labels.provider, k.name)}
                      </option>
                    ))}
                  </select>
                </Field>
              )}
            </div>
          </div>

          {sheet.data && <InstructionWarning state={sheet.data.instruction_state} />}
          <Times v={v} set={set} day={day} setDay={setDay} />
          {v.kind === "respite" && <RespitePart v={v} />}
          <StaffPart v={v} set={set} dir={dir.data} />
          <PreviousCard childId={v.child_id} visitId={v.id} set={readOnly ? undefined : set} />
          <VitalsPart v={v} set={set} />
          <CarePart v={v} set={set} items={(child?.score ?? []).map((s) => s.item)} />
          <SoapPart v={v} set={set} />
          <ChecklistPart v={v} set={set} />
          {v.kind === "handover" && v.handover && <HandoverPart v={v} set={set} dir={dir.data} />}
          <GuardianPart v={v} set={set} />
        </fieldset>
        {others.length > 0 && <ErrorBox error={new ApiError({ code: "invalid", message: "", ja: "", en: "", problems: others })} />}

        <div class="card n-savebar" data-testid="n-savebar">
          <div class={`n-message ${message ? `n-message-${message.kind}` : ""}`} role="status" aria-live="polite" title={message?.text ?? ""} data-testid="n-message">
            {message?.saved ? <span data-testid="n-saved">{message.text}</span> : (message?.text ?? "")}
          </div>
          <div class="n-savebar-buttons">
            <button onClick={check} disabled={busy || readOnly} data-testid="n-check">
              {t("n_check")}
            </button>
            <button class="primary" onClick={save} disabled={busy || readOnly} data-testid="n-save">
              {t("save")}
            </button>
            <button onClick={submit} disabled={busy || readOnly} data-testid="n-submit">
              {t("n_submit")}
            </button>
            <span class="spacer" />
            <button onClick={onDone} data-testid="n-done">
              {t("close")}
            </button>
          </div>
        </div>
      </div>
      </Phrases.Provider>
    </FormState.Provider>
  );
}

/** The running timer's display: only it redraws every second, never the fields. */
function Elapsed({ start, end }: { start: string | null; end: string | null }) {
  const [, tick] = useState(0);
  const running = !!start && !end;
  useEffect(() => {
    if (!running) return;
    const h = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(h);
  }, [running]);
  let elapsed = "0:00:00";
  if (start) {
    const secs = Math.max(0, Math.floor(((end ? jstMs(end) : Date.now()) - jstMs(start)) / 1000));
    elapsed = `${Math.floor(secs / 3600)}:${String(Math.floor(secs / 60) % 60).padStart(2, "0")}:${String(secs % 60).padStart(2, "0")}`;
  }
  return (
    <span class={`n-elapsed ${running ? "running" : ""}`} data-testid="n-elapsed">
      {elapsed}
    </span>
  );
}

/** "1030", "930", "10:30", "10：30", "10.30" → "10:30"; "" → ""; anything else → null. */
export function parseHm(text: string): string | null {
  const s = text.trim();
  if (!s) return "";
  const m = /^(\d{1,2})[:：.](\d{2})$/.exec(s) ?? /^(\d{1,2})(\d{2})$/.exec(s);
  if (!m) return null;
  const [h, min] = [Number(m[1]), Number(m[2])];
  return h < 24 && min < 60 ? `${String(h).padStart(2, "0")}:${m[2]}` : null;
}

/** A time typed as text on the number pad (the browser's time picker drops digits typed slowly).
 * The form never writes into it while the nurse is in it: what she types stays, and is taken as
 * soon as it is a whole time. A change from elsewhere (開始, 終了) shows once she has left it. */
function TimeInput({ value, onChange, testid, disabled }: { value: string; onChange: (hm: string) => void; testid: string; disabled: boolean }) {
  // What the nurse typed, while she is in the field (or left something that is not a time);
  // otherwise the field shows the record's value as it is now.
  const [draft, setDraft] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editing) setDraft(null);
  }, [value]);
  const text = draft ?? value;
  const hm = parseHm(text);
  return (
    <>
      <input
        type="text"
        inputMode="numeric"
        autoComplete="off"
        placeholder="10:30"
        maxLength={5}
        class="n-time"
        value={text}
        disabled={disabled}
        aria-invalid={hm === null}
        data-testid={testid}
        onFocus={() => setEditing(true)}
        onBlur={() => {
          setEditing(false);
          if (hm !== null) setDraft(null);
        }}
        onInput={(e) => {
          const raw = (e.target as HTMLInputElement).value;
          const next = parseHm(raw);
          // Four digits are a whole time: shown as 10:30 at once.
          setDraft(next && /^\d{4}$/.test(raw.trim()) ? next : raw);
          if (next !== null && next !== value) onChange(next);
        }}
      />
      {hm === null && !editing && <span class="hint n-time-bad">{t("n_time_format")}</span>}
    </>
  );
}

/** The day after `d` (`YYYY-MM-DD`). */
function dayAfter(d: string): string {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + 1);
  return x.toISOString().slice(0, 10);
}

/** Typed times are times of day: an end earlier in the day than the start is the next morning
 * (a night visit across midnight); otherwise the start's day. The same minute stays the same day
 * (a visit ended within the minute is told as such). */
function acrossMidnight(x: Visit): Visit {
  if (!x.actual_start || !x.actual_end) return x;
  const [s, e] = [x.actual_start.slice(11, 16), x.actual_end.slice(11, 16)];
  const day = x.actual_start.slice(0, 10);
  return { ...x, actual_end: `${e < s ? dayAfter(day) : day}T${e}` };
}

function Times({ v, set, day, setDay }: { v: Visit; set: Set; day: string; setDay: (d: string) => void }) {
  const { readOnly } = useFormState();
  const running = !!v.actual_start && !v.actual_end;
  const time = (dt: string | null) => (dt ? dt.slice(11, 16) : "");
  const setTime = (k: "actual_start" | "actual_end", hm: string) => set((x) => acrossMidnight({ ...x, [k]: hm ? `${day}T${hm}` : null }));
  const changeDay = (d: string) => {
    if (readOnly) return;
    setDay(d);
    set((x) => acrossMidnight({ ...x, actual_start: x.actual_start && `${d}${x.actual_start.slice(10)}`, actual_end: x.actual_end && `${d}${x.actual_end.slice(10)}` }));
  };
  const nextDay = !!v.actual_start && !!v.actual_end && v.actual_end.slice(0, 10) > v.actual_start.slice(0, 10);
  return (
    <div class="card" data-testid="n-times">
      <h2>{t("n_times")}</h2>
      <div class="row n-timer">
        <button
          class="primary"
          data-testid="n-start"
          disabled={running || readOnly}
          onClick={() => {
            if (readOnly) return;
            const now = nowJst();
            setDay(now.slice(0, 10));
            set((x) => ({ ...x, actual_start: now, actual_end: null }));
          }}
        >
          ▶ {t("n_start")}
        </button>
        <button data-testid="n-stop" disabled={!running || readOnly} onClick={() => set((x) => ({ ...x, actual_end: nowJst() }))}>
          ■ {t("n_stop")}
        </button>
        <Elapsed start={v.actual_start} end={v.actual_end} />
      </div>
      <div class="n-form-grid">
        <Field label={t("n_day")}>
          <DateField name="day" value={day} disabled={readOnly} testid="n-day" onChange={changeDay} />
        </Field>
        <Field label={t("n_start_time")}>
          <TimeInput value={time(v.actual_start)} disabled={readOnly} testid="n-start-time" onChange={(hm) => setTime("actual_start", hm)} />
        </Field>
        <Field label={t("n_end_time")}>
          <TimeInput value={time(v.actual_end)} disabled={readOnly} testid="n-end-time" onChange={(hm) => setTime("actual_end", hm)} />
          {nextDay && (
            <span class="hint" data-testid="n-end-next-day">
              {t("n_next_day")}
            </span>
          )}
        </Field>
      </div>
      <FieldProblems prefixes={["actual_", "scheduled_"]} shownElsewhere={v.kind === "respite" ? ["respite_short", "respite_capped", "respite_unit"] : []} />
    </div>
  );
}

/** The people who may be picked as staff: the visit's station first, then (handover only) the
 * station taking over, or every other station while none is chosen. Only people with a
 * profession (nurses, therapists …), sorted as the directory is (by kana). */
function staffGroups(dir: Directory, v: Visit): { org: Org | undefined; id: string; people: Person[] }[] {
  const others = v.kind === "handover" ? (v.handover?.to_station.id ? [v.handover.to_station.id] : dir.orgs.filter((o) => o.kind === "station" && o.id !== v.station.id).map((o) => o.id)) : [];
  return [v.station.id, ...others.filter((id) => id !== v.station.id)].map((id) => ({
    id,
    org: dir.orgs.find((o) => o.id === id),
    people: dir.people.filter((p) => p.org_id === id && p.profession !== null),
  }));
}

function StaffPart({ v, set, dir }: { v: Visit; set: Set; dir: Directory | null }) {
  const { labels } = useApp();
  const [other, setOther] = useState("");
  const upd = (i: number, p: Partial<StaffMember>) => set((x) => ({ ...x, staff: x.staff.map((s, j) => (j === i ? { ...s, ...p } : s)) }));
  const empty = !!dir && dir.people.length === 0;
  const groups = dir && !empty ? staffGroups(dir, v) : [];
  const taken = new Set(v.staff.map((s) => s.id));
  const pick = (id: string) => {
    const p = dir?.people.find((x) => x.id === id);
    if (!p || !p.profession) return;
    const profession = p.profession;
    set((x) => ({ ...x, staff: [...x.staff, { id: p.id, name: p.name, profession, role: "accompanying", station_id: p.org_id }] }));
  };
  const addOther = () => {
    const name = other.trim();
    if (!name) return;
    set((x) => ({ ...x, staff: [...x.staff, { id: uid(), name, profession: "nurse", role: "accompanying", station_id: x.station.id }] }));
    setOther("");
  };
  return (
    <div class="card" data-testid="n-staff">
      <h2>{t("n_staff")}</h2>
      {v.staff.map((s, i) => {
        const known = dir?.people.find((p) => p.id === s.id);
        return (
          <div class="n-staff-row" key={i} data-testid="n-staff-row" data-id={s.id}>
            <div class="n-staff-who">
              <strong data-testid="n-staff-name">{s.name}</strong>
              {known?.kana && (
                <span class="hint" data-testid="n-staff-kana">
                  {known.kana}
                </span>
              )}
              <span class="muted" data-testid="n-staff-station">
                {t("n_staff_station")}: {orgName(dir, s.station_id)}
              </span>
            </div>
            {known ? (
              <div class="n-staff-profession">
                <span class="label">{t("n_profession")}</span>
                <span data-testid="n-staff-profession">{label(labels.profession, s.profession)}</span>
              </div>
            ) : (
              <Field label={t("n_profession")}>
                <select value={s.profession} data-testid="n-staff-profession" onChange={(e) => upd(i, { profession: (e.target as HTMLSelectElement).value as StaffMember["profession"] })}>
                  {labels.profession.map((p) => (
                    <option key={p.name} value={p.name}>
                      {label(labels.profession, p.name)}
                    </option>
                  ))}
                </select>
              </Field>
            )}
            <Field label={t("n_role")}>
              <select value={s.role} data-testid="n-staff-role" onChange={(e) => upd(i, { role: (e.target as HTMLSelectElement).value as StaffMember["role"] })}>
                {labels.staff_role.map((p) => (
                  <option key={p.name} value={p.name}>
                    {label(labels.staff_role, p.name)}
                  </option>
                ))}
              </select>
            </Field>
            <button class="n-remove" aria-label={`${t("n_remove")} ${s.name}`} data-testid="n-staff-remove" onClick={() => set((x) => ({ ...x, staff: x.staff.filter((_, j) => j !== i) }))}>
              ✕ {t("n_remove")}
            </button>
          </div>
        );
      })}
      {groups.length > 0 && (
        <Field label={t("n_staff_pick")}>
          <select value="" data-testid="n-staff-pick" onChange={(e) => pick((e.target as HTMLSelectElement).value)}>
            <option value="">{t("n_staff_pick_none")}</option>
            {groups.map((g) => (
              <optgroup label={`${g.org?.name || g.id}${g.id === v.station.id ? paren(t("n_staff_own")) : ""}`} data-station={g.id}>
                {g.people.map((p) => (
                  <option value={p.id} disabled={taken.has(p.id)}>
                    {p.name}
                    {paren(p.kana)}
                    {p.profession ? ` ${label(labels.profession, p.profession)}` : ""}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </Field>
      )}
      {empty && (
        <>
          <p class="warning" data-testid="n-staff-no-directory">
            {t("n_staff_no_directory")}
          </p>
          <div class="row">
            <Field label={t("n_staff_other_name")}>
              <input value={other} data-testid="n-staff-other-name" onInput={(e) => setOther((e.target as HTMLInputElement).value)} />
            </Field>
            <button disabled={!other.trim()} data-testid="n-staff-other-add" onClick={addOther}>
              ＋ {t("n_staff_other_add")}
            </button>
          </div>
        </>
      )}
    </div>
  );
}

const VITALS: { k: keyof VitalReading; key: Parameters<typeof t>[0]; mode: "numeric" | "decimal" }[] = [
  { k: "respiration", key: "n_resp", mode: "numeric" },
  { k: "pulse", key: "n_pulse", mode: "numeric" },
  { k: "temperature_c", key: "n_temp", mode: "decimal" },
  { k: "spo2", key: "n_spo2", mode: "numeric" },
  { k: "bp_systolic", key: "n_bp_sys", mode: "numeric" },
  { k: "bp_diastolic", key: "n_bp_dia", mode: "numeric" },
];

function VitalsPart({ v, set }: { v: Visit; set: Set }) {
  const upd = (id: string, p: Partial<VitalReading>) => set((x) => ({ ...x, vitals: x.vitals.map((r) => (r.id === id ? { ...r, ...p } : r)) }));
  const add = () =>
    set((x) => ({
      ...x,
      vitals: [...x.vitals, { id: uid(), at: nowJst(), respiration: null, pulse: null, temperature_c: null, spo2: null, bp_systolic: null, bp_diastolic: null }],
    }));
  return (
    <div class="card" data-testid="n-vitals">
      <h2>{t("n_vitals")}</h2>
      {v.vitals.map((r, i) => (
        <div class="n-vital-row" key={r.id} data-testid="n-vital-row">
          <Field label={t("n_time")}>
            <input type="time" value={r.at ? r.at.slice(11, 16) : ""} data-testid="n-vital-at" name={`vitals[${i}].at`} onChange={(e) => { const hm = (e.target as HTMLInputElement).value; upd(r.id, { at: hm ? vitalAt(v, hm, r.at, nowJst()) : null }); }} />
          </Field>
          {VITALS.map((f) => (
            <Field label={t(f.key)} key={f.k}>
              <input
                inputMode={f.mode}
                data-testid={`n-vital-${f.k}`}
                name={`vitals[${i}].${f.k}`}
                value={(r[f.k] as number | null) ?? ""}
                onChange={(e) => upd(r.id, { [f.k]: num((e.target as HTMLInputElement).value) })}
              />
            </Field>
          ))}
          <button class="n-remove" data-testid="n-vital-remove" onClick={() => set((x) => ({ ...x, vitals: x.vitals.filter((y) => y.id !== r.id) }))}>
            ✕ {t("n_remove")}
          </button>
        </div>
      ))}
      <FieldProblems prefixes={["vitals"]} />
      <button onClick={add} data-testid="n-vital-add">
        ＋ {t("n_vital_add")}
      </button>
    </div>
  );
}

function CarePart({ v, set, items }: { v: Visit; set: Set; items: CareItem[] }) {
  const { labels } = useApp();
  const upd = (id: string, p: Partial<CareGiven>) => set((x) => ({ ...x, care: x.care.map((c) => (c.id === id ? { ...c, ...p } : c)) }));
  const add = (item: CareItem) =>
    set((x) => ({ ...x, care: [...x.care, { id: uid(), item, count: null, amount_ml: null, rate_ml_per_h: null, oxygen_l_per_min: null, note: "" }] }));
  return (
    <div class="card" data-testid="n-care">
      <h2>{t("n_care")}</h2>
      <div class="row">
        {items.map((it) => (
          <button key={it} data-testid={`n-care-add-${it}`} onClick={() => add(it)}>
            ＋ {label(labels.care_item, it)}
          </button>
        ))}
        {!items.length && <span class="muted">{t("n_no_score_items")}</span>}
      </div>
      {v.care.map((c) => (
        <div class="n-care-row" key={c.id} data-testid="n-care-row">
          <strong>{label(labels.care_item, c.item)}</strong>
          <Field label={t("n_count")}>
            <input inputMode="numeric" value={c.count ?? ""} data-testid="n-care-count" onChange={(e) => upd(c.id, { count: num((e.target as HTMLInputElement).value) })} />
          </Field>
          <Field label={t("n_amount")}>
            <input inputMode="decimal" value={c.amount_ml ?? ""} data-testid="n-care-amount" onChange={(e) => upd(c.id, { amount_ml: num((e.target as HTMLInputElement).value) })} />
          </Field>
          <CareNote note={c.note} onChange={(note) => upd(c.id, { note })} />
          <button class="n-remove" onClick={() => set((x) => ({ ...x, care: x.care.filter((y) => y.id !== c.id) }))}>
            ✕ {t("n_remove")}
          </button>
        </div>
      ))}
    </div>
  );
}

function SoapPart({ v, set }: { v: Visit; set: Set }) {
  const parts = [
    ["subjective", "n_soap_s", "s"],
    ["objective", "n_soap_o", "o"],
    ["assessment", "n_soap_a", "a"],
    ["plan", "n_soap_p", "p"],
  ] as const;
  return (
    <div class="card" data-testid="n-soap">
      <h2>{t("n_soap")}</h2>
      <div class="n-soap-grid">
        {parts.map(([k, key, place]) => (
          <SoapField key={k} label={t(key)} testid={`n-soap-${k}`} place={place} value={v.note[k]} onChange={(text) => set((x) => ({ ...x, note: { ...x.note, [k]: text } }))} />
        ))}
      </div>
    </div>
  );
}

/** A SOAP field with its 定型文 button: a phrase goes in at the cursor, or on a new line at the end. */
function SoapField({ label, testid, place, value, onChange }: { label: string; testid: string; place: PhrasePlace; value: string; onChange: (v: string) => void }) {
  const { readOnly } = useFormState();
  const c = useCursor();
  return (
    <div class="n-soap-field">
      <Field label={label}>
        <textarea {...c.track} value={value} data-testid={testid} onInput={(e) => onChange((e.target as HTMLTextAreaElement).value)} />
      </Field>
      <PhraseButton
        place={place}
        disabled={readOnly}
        testid={testid}
        onPick={(text) => {
          const next = insertPhrase(value, text, c.cursor.current, "\n");
          onChange(next.value);
          c.moveTo(next.at);
        }}
      />
    </div>
  );
}

/** A care entry's note with its 定型文 button: a phrase goes in at the cursor, or after a space at the end. */
function CareNote({ note, onChange }: { note: string; onChange: (v: string) => void }) {
  const { readOnly } = useFormState();
  const c = useCursor();
  return (
    <div class="n-care-note">
      <Field label={t("n_note")}>
        <input {...c.track} value={note} data-testid="n-care-note" onInput={(e) => onChange((e.target as HTMLInputElement).value)} />
      </Field>
      <PhraseButton
        place="care"
        disabled={readOnly}
        testid="n-care-note"
        onPick={(text) => {
          const next = insertPhrase(note, text, c.cursor.current, " ");
          onChange(next.value);
          c.moveTo(next.at);
        }}
      />
    </div>
  );
}
