// Record a visit: kind, times with a running timer, staff, vitals, care, SOAP, outcome; respite
// numbers, checklist, handover and guardian confirmation. Save shows the backend's problems.
import { useEffect, useState } from "preact/hooks";
import type { CareGiven, CareItem, Directory, Org, Person, StaffMember, Visit, VisitRow, VitalReading } from "../../bindings";
import { ApiError, call } from "../../api";
import { useApp } from "../../context";
import { fmtDayTime, fmtMinutes, label, t } from "../../i18n";
import { ErrorBox, Field, useLoad } from "../../ui";
import { jstMs, nowJst, num, orgName, uid } from "./util";
import { InstructionWarning } from "./home";
import { ChecklistPart, GuardianPart, HandoverPart, RespitePart } from "./parts";

export type Set = (f: (v: Visit) => Visit) => void;

/** A handover visit carries its handover section (filled with this station first); others none. */
const withHandover = (x: Visit): Visit =>
  x.kind === "handover"
    ? { ...x, handover: x.handover ?? { from_station: { ...x.station }, to_station: { id: "", name: "" }, topics: [], from_sign_off: null, to_sign_off: null } }
    : { ...x, handover: null };

export function VisitForm({ initial, saved, onDone }: { initial: Visit; saved: boolean; onDone: () => void }) {
  const { labels, status } = useApp();
  const [v, setV] = useState<Visit>(() => withHandover(initial));
  const set: Set = (f) => setV((x) => f(x));
  const [error, setError] = useState<unknown>(null);
  const [checked, setChecked] = useState<null | { n: number }>(null);
  const [row, setRow] = useState<VisitRow | null>(null);
  const [isSaved, setSaved] = useState(saved);
  const [busy, setBusy] = useState(false);
  const sheet = useLoad(() => call("child_sheet", { id: v.child_id }), [v.child_id]);
  // The organisation as last synced: staff are picked from it by name.
  const dir = useLoad(() => call("directory", {}), []);
  const [day, setDay] = useState((initial.actual_start ?? initial.scheduled_start ?? status.today.date).slice(0, 10));

  const save = async () => {
    setBusy(true);
    setError(null);
    setChecked(null);
    try {
      const r = await call("save_visit", { visit: withHandover(v) });
      setRow(r);
      setSaved(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const check = async () => {
    setError(null);
    try {
      const problems = await call("check_visit", { visit: withHandover(v) });
      if (problems.length) setError(new ApiError({ code: "invalid", message: "", ja: "", en: "", problems }));
      setChecked({ n: problems.length });
    } catch (e) {
      setError(e);
    }
  };
  const submit = async () => {
    setError(null);
    try {
      setRow(await call("submit_visit", { id: v.id }));
      // Submitted again: the office's note has been answered (the core clears it too).
      set((x) => ({ ...x, status: "submitted", returned: null }));
    } catch (e) {
      setError(e);
    }
  };

  const child = sheet.data?.child;
  const readOnly = v.status !== "draft";
  return (
    <div class="n-visit-form" data-testid="n-visit-form">
      {v.returned && v.status === "draft" && (
        <div class="warning" role="note" data-testid="n-returned-note">
          <strong>⚠ {t("n_returned_tag")}</strong>
          <p style={{ margin: "4px 0 0" }} data-k="text">
            {t("n_returned_note", { by: v.returned.by, at: fmtDayTime(v.returned.at), reason: v.returned.reason })}
          </p>
        </div>
      )}
      <div class="card">
        <h1>
          {t("n_record_title")} <span class="muted">{child?.name ?? ""}</span>
        </h1>
        <div class="row">
          <span class="badge" data-testid="n-visit-status">
            {label(labels.status, v.status)}
          </span>
          <span class="muted">
            {v.station.name || orgName(dir.data, v.station.id)}
          </span>
        </div>
        <div class="n-form-grid">
          <Field label={t("n_kind")}>
            <select value={v.kind} data-testid="n-kind" onChange={(e) => set((x) => withHandover({ ...x, kind: (e.target as HTMLSelectElement).value as Visit["kind"] }))}>
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
                <button key={o.name} class={v.outcome === o.name ? "on" : ""} data-testid={`n-outcome-${o.name}`} onClick={() => set((x) => ({ ...x, outcome: o.name as Visit["outcome"] }))}>
                  {label(labels.outcome, o.name)}
                </button>
              ))}
            </div>
          </Field>
          <Field label={t("n_place")}>
            <input value={v.place} data-testid="n-place" onInput={(e) => set((x) => ({ ...x, place: (e.target as HTMLInputElement).value }))} />
          </Field>
        </div>
      </div>

      {sheet.data && <InstructionWarning state={sheet.data.instruction_state} />}
      <Times v={v} set={set} day={day} setDay={setDay} />
      {v.kind === "respite" && <RespitePart v={v} />}
      <StaffPart v={v} set={set} dir={dir.data} />
      <VitalsPart v={v} set={set} />
      <CarePart v={v} set={set} items={(child?.score ?? []).map((s) => s.item)} />
      <SoapPart v={v} set={set} />
      <ChecklistPart v={v} set={set} />
      {v.kind === "handover" && v.handover && <HandoverPart v={v} set={set} dir={dir.data} />}
      <GuardianPart v={v} set={set} />

      <div class="card n-savebar" data-testid="n-savebar">
        <ErrorBox error={error} />
        {checked && checked.n === 0 && <div class="ok">{t("n_check_ok")}</div>}
        {row && (
          <div class="ok" data-testid="n-saved">
            {v.status === "submitted" ? t("n_submitted") : t("n_saved")} — {label(labels.status, row.summary.status)}
            {row.summary.billable_minutes > 0 && <> · {t("n_billable")}: {fmtMinutes(row.summary.billable_minutes)}</>}
          </div>
        )}
        <div class="row">
          <button onClick={check} disabled={readOnly} data-testid="n-check">
            {t("n_check")}
          </button>
          <button class="primary" onClick={save} disabled={busy || readOnly} data-testid="n-save">
            {t("save")}
          </button>
          <button onClick={submit} disabled={!isSaved || readOnly} data-testid="n-submit">
            {t("n_submit")}
          </button>
          <span class="spacer" />
          <button onClick={onDone} data-testid="n-done">
            {t("close")}
          </button>
        </div>
      </div>
    </div>
  );
}

function Times({ v, set, day, setDay }: { v: Visit; set: Set; day: string; setDay: (d: string) => void }) {
  const [, tick] = useState(0);
  const running = !!v.actual_start && !v.actual_end;
  useEffect(() => {
    if (!running) return;
    const h = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(h);
  }, [running]);
  const time = (dt: string | null) => (dt ? dt.slice(11, 16) : "");
  const setTime = (k: "actual_start" | "actual_end", hm: string) => set((x) => ({ ...x, [k]: hm ? `${day}T${hm}` : null }));
  const changeDay = (d: string) => {
    setDay(d);
    set((x) => ({ ...x, actual_start: x.actual_start && `${d}${x.actual_start.slice(10)}`, actual_end: x.actual_end && `${d}${x.actual_end.slice(10)}` }));
  };
  let elapsed = "";
  if (v.actual_start) {
    const end = v.actual_end ? jstMs(v.actual_end) : Date.now();
    const secs = Math.max(0, Math.floor((end - jstMs(v.actual_start)) / 1000));
    elapsed = `${Math.floor(secs / 3600)}:${String(Math.floor(secs / 60) % 60).padStart(2, "0")}:${String(secs % 60).padStart(2, "0")}`;
  }
  return (
    <div class="card" data-testid="n-times">
      <h2>{t("n_times")}</h2>
      <div class="row n-timer">
        <button
          class="primary"
          data-testid="n-start"
          disabled={running}
          onClick={() => {
            const now = nowJst();
            setDay(now.slice(0, 10));
            set((x) => ({ ...x, actual_start: now, actual_end: null }));
          }}
        >
          ▶ {t("n_start")}
        </button>
        <button data-testid="n-stop" disabled={!running} onClick={() => set((x) => ({ ...x, actual_end: nowJst() }))}>
          ■ {t("n_stop")}
        </button>
        <span class={`n-elapsed ${running ? "running" : ""}`} data-testid="n-elapsed">
          {elapsed || "0:00:00"}
        </span>
      </div>
      <div class="n-form-grid">
        <Field label={t("n_day")}>
          <input type="date" value={day} data-testid="n-day" onChange={(e) => changeDay((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t("n_start_time")}>
          <input type="time" value={time(v.actual_start)} data-testid="n-start-time" onChange={(e) => setTime("actual_start", (e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t("n_end_time")}>
          <input type="time" value={time(v.actual_end)} data-testid="n-end-time" onChange={(e) => setTime("actual_end", (e.target as HTMLInputElement).value)} />
        </Field>
      </div>
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
              <optgroup label={`${g.org?.name || g.id}${g.id === v.station.id ? `（${t("n_staff_own")}）` : ""}`} data-station={g.id}>
                {g.people.map((p) => (
                  <option value={p.id} disabled={taken.has(p.id)}>
                    {p.name}（{p.kana}）{p.profession ? ` ${label(labels.profession, p.profession)}` : ""}
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
            <input type="time" value={r.at ? r.at.slice(11, 16) : ""} onChange={(e) => { const hm = (e.target as HTMLInputElement).value; upd(r.id, { at: hm ? `${(r.at ?? v.actual_start ?? nowJst()).slice(0, 10)}T${hm}` : null }); }} />
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
          <Field label={t("n_note")}>
            <input value={c.note} data-testid="n-care-note" onInput={(e) => upd(c.id, { note: (e.target as HTMLInputElement).value })} />
          </Field>
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
    ["subjective", "n_soap_s"],
    ["objective", "n_soap_o"],
    ["assessment", "n_soap_a"],
    ["plan", "n_soap_p"],
  ] as const;
  return (
    <div class="card" data-testid="n-soap">
      <h2>{t("n_soap")}</h2>
      <div class="n-soap-grid">
        {parts.map(([k, key]) => (
          <Field label={t(key)} key={k}>
            <textarea value={v.note[k]} data-testid={`n-soap-${k}`} onInput={(e) => set((x) => ({ ...x, note: { ...x.note, [k]: (e.target as HTMLTextAreaElement).value } }))} />
          </Field>
        ))}
      </div>
    </div>
  );
}
