// Parts of the visit form: respite numbers, equipment checklist, handover, guardian confirmation.
import { createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { CheckStatus, Directory, Problem, RespitePreview, Station, Visit } from "../../bindings";
import { call, problemText } from "../../api";
import { useApp } from "../../context";
import { fmtMinutes, fmtTime, label, lang, paren, t } from "../../i18n";
import { ErrorBox, Field, useLoad } from "../../ui";
import { nowJst, orgName, uid } from "./util";
import type { Set } from "./visit";

/** What the parts of the form share: the problems of the last check, save or submit and the
 * warnings (shown by the fields they name), and whether the record may be changed (a draft only). */
export const FormState = createContext<{ problems: Problem[]; warnings: Problem[]; readOnly: boolean }>({ problems: [], warnings: [], readOnly: false });
export const useFormState = () => useContext(FormState);

/** The problems whose field starts with one of `prefixes`, shown under that part of the form;
 * then the warnings there (but those with a code in `shownElsewhere`). */
export function FieldProblems({ prefixes, shownElsewhere = [] }: { prefixes: string[]; shownElsewhere?: string[] }) {
  const { problems, warnings } = useFormState();
  const here = (p: Problem) => prefixes.some((x) => p.field.startsWith(x));
  const mine = problems.filter(here);
  const warned = warnings.filter((w) => here(w) && !shownElsewhere.includes(w.code));
  return (
    <>
      {mine.length > 0 && (
        <ul class="error n-field-problems" role="alert" data-testid="n-field-problems">
          {mine.map((p) => (
            <li key={p.field + p.code} data-field={p.field} data-code={p.code}>
              {problemText(p)}
            </li>
          ))}
        </ul>
      )}
      {warned.length > 0 && (
        <div class="warning n-field-warnings" role="note" data-testid="n-field-warnings">
          <strong>⚠ {t("n_warnings_title")}</strong>
          <ul>
            {warned.map((w, i) => (
              <li key={w.field + w.code + i} data-field={w.field} data-code={w.code}>
                {problemText(w)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

/** Remaining respite hours before and after this session, from the backend, with its problems. */
export function RespitePart({ v }: { v: Visit }) {
  const leads = v.staff.filter((s) => s.role === "lead").length;
  const [p, setP] = useState<RespitePreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!v.actual_start || !v.actual_end) {
      setP(null);
      return;
    }
    let live = true;
    call("respite_preview", { childId: v.child_id, visitId: v.id, start: v.actual_start, end: v.actual_end, leadNurses: leads }).then(
      (r) => live && (setP(r), setError(null)),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [v.child_id, v.actual_start, v.actual_end, leads]);
  return (
    <div class="card n-respite" data-testid="n-respite">
      <h2>{t("n_respite")}</h2>
      <ErrorBox error={error} />
      {!p && <p class="muted">{t("n_respite_need_times")}</p>}
      {p && (
        <>
          <div class="n-respite-nums">
            <div>
              <span class="label">{t("n_before")}</span>
              <span class="n-big" data-testid="n-before">
                {fmtMinutes(p.before_remaining_minutes)}
              </span>
            </div>
            <div class="n-arrow">→</div>
            <div>
              <span class="label">{t("n_after")}</span>
              <span class={`n-big ${p.after_remaining_minutes < 0 ? "n-neg" : ""}`} data-testid="n-after">
                {fmtMinutes(p.after_remaining_minutes)}
              </span>
            </div>
            <div>
              <span class="label">{t("n_billable")}</span>
              <span data-testid="n-billable">{fmtMinutes(p.billable_minutes)}</span>
              <span class="muted" data-testid="n-lead-nurses"> ({t(leads === 1 ? "n_lead_nurse_one" : "n_lead_nurses", { n: leads })})</span>
            </div>
            <div>
              <span class="label">{t("n_cap")}</span>
              <span>{fmtMinutes(p.cap_minutes)}</span>
            </div>
          </div>
          {p.passes_cap && (
            <div class="warning n-cap-warning" role="alert" data-testid="n-cap-warning">
              <strong>⚠ {t("n_cap_warning_title")}</strong>
              <p>{t("n_cap_warning", { over: fmtMinutes(-p.after_remaining_minutes) })}</p>
            </div>
          )}
          {p.problems.length > 0 && (
            <div class="warning" data-testid="n-respite-problems">
              <strong>{t("n_respite_rules")}</strong>
              <ul>
                {p.problems.map((x) => (
                  <li key={x.code + x.field} data-field={x.field} data-code={x.code}>
                    {problemText(x)}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </div>
  );
}

const NEXT: Record<string, CheckStatus> = { "": "ok", ok: "problem", problem: "absent", absent: "ok" };

/** Pick a template; one tap per item cycles ok → problem → absent. */
export function ChecklistPart({ v, set }: { v: Visit; set: Set }) {
  const { labels } = useApp();
  const { data: templates, error } = useLoad(() => call("templates", {}));
  const tpl = templates?.find((x) => x.id === v.checklist.template_id);
  const setItem = (id: string, p: { status?: CheckStatus; note?: string }) =>
    set((x) => {
      const cur = x.checklist.items[id] ?? { status: "ok" as CheckStatus, note: "" };
      return { ...x, checklist: { ...x.checklist, items: { ...x.checklist.items, [id]: { ...cur, ...p } } } };
    });
  return (
    <div class="card" data-testid="n-checklist">
      <h2>{t("n_checklist")}</h2>
      <ErrorBox error={error} />
      <Field label={t("n_template")}>
        <select
          value={v.checklist.template_id}
          data-testid="n-template"
          onChange={(e) => set((x) => ({ ...x, checklist: { template_id: (e.target as HTMLSelectElement).value, items: {} } }))}
        >
          <option value="">{t("n_no_template")}</option>
          {templates?.map((x) => (
            <option key={x.id} value={x.id}>
              {lang.value === "ja" ? x.title_ja : x.title_en}
            </option>
          ))}
        </select>
      </Field>
      {tpl && (
        <ul class="n-check-items">
          {tpl.items.map((it) => {
            const e = v.checklist.items[it.id];
            const st = e?.status ?? "";
            return (
              <li key={it.id} class={`n-check ${st}`} data-testid="n-check-item" data-id={it.id} data-status={st}>
                <button class="n-check-btn" data-testid={`n-check-${it.id}`} onClick={() => setItem(it.id, { status: NEXT[st] })}>
                  <span>{lang.value === "ja" ? it.ja : it.en}</span>
                  <span class="badge">{st ? label(labels.check_status, st) : t("n_unchecked")}</span>
                </button>
                {st === "problem" && (
                  <input
                    placeholder={t("n_problem_note")}
                    value={e?.note ?? ""}
                    data-testid={`n-check-note-${it.id}`}
                    onInput={(ev) => setItem(it.id, { note: (ev.target as HTMLInputElement).value })}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The accompanied handover: the two stations, topics, sign-off by both nurses. */
export function HandoverPart({ v, set, dir }: { v: Visit; set: Set; dir: Directory | null }) {
  const h = v.handover!;
  const upd = (p: Partial<NonNullable<Visit["handover"]>>) => set((x) => ({ ...x, handover: { ...x.handover!, ...p } }));
  const station = (which: "from_station" | "to_station", p: Partial<Station>) => upd({ [which]: { ...h[which], ...p } });
  const stations = (dir?.orgs ?? []).filter((o) => o.kind === "station" && o.id !== h.from_station.id);
  return (
    <div class="card" data-testid="n-handover">
      <h2>{t("n_handover")}</h2>
      <div class="n-cols">
        <div>
          <h3>{t("n_from_station")}</h3>
          <p data-testid="n-from_station-name">{h.from_station.name || orgName(dir, h.from_station.id)}</p>
        </div>
        <div>
          <h3>{t("n_to_station")}</h3>
          {stations.length > 0 ? (
            <Field label={t("n_to_station_pick")}>
              <select
                value={h.to_station.id}
                data-testid="n-to_station-pick"
                onChange={(e) => {
                  const o = stations.find((x) => x.id === (e.target as HTMLSelectElement).value);
                  // The staff of the station no longer taking over leave the list of choices, not the visit.
                  upd({ to_station: o ? { id: o.id, name: o.name } : { id: "", name: "" } });
                }}
              >
                <option value="">{t("n_staff_pick_none")}</option>
                {stations.map((o) => (
                  <option value={o.id}>{o.name || o.id}</option>
                ))}
              </select>
            </Field>
          ) : (
            // No directory yet (offline before the first sync): the station is typed.
            <>
              <Field label={t("n_station_name")}>
                <input value={h.to_station.name} data-testid="n-to_station-name" onInput={(e) => station("to_station", { name: (e.target as HTMLInputElement).value })} />
              </Field>
              <Field label={t("n_station_code")}>
                <input value={h.to_station.id} data-testid="n-to_station-id" onInput={(e) => station("to_station", { id: (e.target as HTMLInputElement).value })} />
              </Field>
            </>
          )}
        </div>
      </div>
      <h3>{t("n_topics")}</h3>
      {h.topics.map((tp) => (
        <div class="n-topic-row" key={tp.id} data-testid="n-topic-row">
          <Field label={t("n_topic")}>
            <input value={tp.topic} data-testid="n-topic" onInput={(e) => upd({ topics: h.topics.map((x) => (x.id === tp.id ? { ...x, topic: (e.target as HTMLInputElement).value } : x)) })} />
          </Field>
          <Field label={t("n_detail")}>
            <input value={tp.detail} data-testid="n-topic-detail" onInput={(e) => upd({ topics: h.topics.map((x) => (x.id === tp.id ? { ...x, detail: (e.target as HTMLInputElement).value } : x)) })} />
          </Field>
          <button class="n-remove" onClick={() => upd({ topics: h.topics.filter((x) => x.id !== tp.id) })}>
            ✕ {t("n_remove")}
          </button>
        </div>
      ))}
      <button data-testid="n-topic-add" onClick={() => upd({ topics: [...h.topics, { id: uid(), topic: "", detail: "" }] })}>
        ＋ {t("n_topic_add")}
      </button>
      <h3>{t("n_sign_offs")}</h3>
      <div class="n-cols">
        <SignOffBox v={v} dir={dir} which="from_sign_off" stationId={h.from_station.id} onSign={(s) => upd({ from_sign_off: s })} />
        <SignOffBox v={v} dir={dir} which="to_sign_off" stationId={h.to_station.id} onSign={(s) => upd({ to_sign_off: s })} />
      </div>
      <FieldProblems prefixes={["handover"]} />
    </div>
  );
}

/** Removes every space (full-width too): 見本 看護師 and 見本　看護師 are the same name. */
const bareName = (x: string) => x.replace(/\s+/g, "");

/** One nurse's sign-off: the signer is picked, then confirms it themselves by typing their own
 * name (an attestation in their own hand, not a login: the app can check no one else's PIN
 * offline). Whoever signed the other side is not offered: the same person may not sign both. */
function SignOffBox({ v, dir, which, stationId, onSign }: { v: Visit; dir: Directory | null; which: "from_sign_off" | "to_sign_off"; stationId: string; onSign: (s: NonNullable<Visit["handover"]>["from_sign_off"]) => void }) {
  const { readOnly } = useFormState();
  const signed = v.handover![which];
  const other = v.handover![which === "from_sign_off" ? "to_sign_off" : "from_sign_off"];
  const candidates = v.staff.filter((s) => s.station_id === stationId);
  const all = candidates.length ? candidates : v.staff;
  const list = all.filter((s) => s.id !== other?.staff_id);
  const [pick, setPick] = useState(0);
  const [typed, setTyped] = useState("");
  const who = list[Math.min(pick, list.length - 1)];
  const matches = !!who && bareName(typed) !== "" && bareName(typed) === bareName(who.name);
  const sign = () => {
    if (!who || !matches || readOnly) return;
    onSign({ staff_id: who.id, name: who.name, at: nowJst() });
    setTyped("");
  };
  return (
    <div class={`n-signoff ${signed ? "signed" : ""}`} data-testid={`n-${which}`}>
      <strong>{t(which === "from_sign_off" ? "n_sign_from" : "n_sign_to")}</strong>
      {signed ? (
        <p data-testid={`n-${which}-done`}>
          ✓ {signed.name}
          {paren(fmtTime(signed.at))}
          <button disabled={readOnly} data-testid={`n-${which}-undo`} onClick={() => !readOnly && onSign(null)}>
            {t("n_undo")}
          </button>
        </p>
      ) : (
        <>
          {other && all.some((s) => s.id === other.staff_id) && (
            <p class="hint" data-testid={`n-${which}-other-side`}>
              {t("n_sign_other_side", { name: other.name })}
            </p>
          )}
          <Field label={t("n_sign_who")}>
            <select
              value={pick}
              data-testid={`n-${which}-who`}
              onChange={(e) => {
                setPick(Number((e.target as HTMLSelectElement).value));
                setTyped("");
              }}
            >
              {list.map((s, i) => (
                <option key={s.id} value={i} data-id={s.id}>
                  {s.name}
                  {paren(orgName(dir, s.station_id))}
                </option>
              ))}
            </select>
          </Field>
          {who && (
            <Field label={t("n_sign_type_name")}>
              <input
                value={typed}
                autoComplete="off"
                aria-describedby={`n-${which}-hint`}
                data-testid={`n-${which}-name`}
                onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
              />
            </Field>
          )}
          {who && (
            <span class="hint" id={`n-${which}-hint`}>
              {t("n_sign_type_hint", { name: who.name })}
            </span>
          )}
          {typed.trim() !== "" && !matches && (
            <span class="hint n-time-bad" data-testid={`n-${which}-mismatch`}>
              {t("n_sign_name_mismatch")}
            </span>
          )}
          <button class="primary" disabled={!matches || readOnly} data-testid={`n-${which}-sign`} onClick={sign}>
            {t("n_sign")}
          </button>
        </>
      )}
    </div>
  );
}

/** Guardian confirmation with a drawn signature, or why it was not confirmed. */
export function GuardianPart({ v, set }: { v: Visit; set: Set }) {
  const g = v.guardian;
  const mode = g?.kind ?? "";
  const choose = (k: "" | "confirmed" | "not_confirmed") =>
    set((x) => ({
      ...x,
      guardian: k === "confirmed" ? { kind: "confirmed", name: "", at: nowJst(), signature: "" } : k === "not_confirmed" ? { kind: "not_confirmed", reason: "" } : null,
    }));
  return (
    <div class="card" data-testid="n-guardian">
      <h2>{t("n_guardian")}</h2>
      <div class="row">
        <button class={mode === "confirmed" ? "on" : ""} data-testid="n-guardian-confirmed" onClick={() => choose("confirmed")}>
          {t("n_guardian_confirmed")}
        </button>
        <button class={mode === "not_confirmed" ? "on" : ""} data-testid="n-guardian-not" onClick={() => choose("not_confirmed")}>
          {t("n_guardian_not")}
        </button>
        <button class={mode === "" ? "on" : ""} data-testid="n-guardian-later" onClick={() => choose("")}>
          {t("n_guardian_later")}
        </button>
      </div>
      <FieldProblems prefixes={["guardian"]} />
      {g?.kind === "confirmed" && (
        <>
          <Field label={t("n_guardian_name")}>
            <input value={g.name} data-testid="n-guardian-name" onInput={(e) => set((x) => ({ ...x, guardian: { ...(x.guardian as typeof g), name: (e.target as HTMLInputElement).value } }))} />
          </Field>
          <span class="label">{t("n_signature")}</span>
          <SignaturePad value={g.signature} onChange={(sig) => set((x) => ({ ...x, guardian: { ...(x.guardian as typeof g), signature: sig, at: nowJst() } }))} />
        </>
      )}
      {g?.kind === "not_confirmed" && (
        <Field label={t("n_guardian_reason")}>
          <input value={g.reason} data-testid="n-guardian-reason" onInput={(e) => set((x) => ({ ...x, guardian: { kind: "not_confirmed", reason: (e.target as HTMLInputElement).value } }))} />
        </Field>
      )}
    </div>
  );
}

/** Draw with a finger or pen; the strokes are kept as SVG path data `M x y L x y …`. */
function SignaturePad({ value, onChange }: { value: string; onChange: (path: string) => void }) {
  const { readOnly } = useFormState();
  const ref = useRef<HTMLCanvasElement>(null);
  const path = useRef(value);
  const drawing = useRef(false);
  const W = 600;
  const H = 200;
  useEffect(() => {
    path.current = value;
    const c = ref.current!.getContext("2d")!;
    c.clearRect(0, 0, W, H);
    c.lineWidth = 3;
    c.lineCap = "round";
    c.strokeStyle = "#1d2b27";
    c.stroke(new Path2D(value));
  }, [value]);
  const pos = (e: PointerEvent) => {
    const r = ref.current!.getBoundingClientRect();
    return `${Math.round(((e.clientX - r.left) * W) / r.width)} ${Math.round(((e.clientY - r.top) * H) / r.height)}`;
  };
  const draw = () => {
    const c = ref.current!.getContext("2d")!;
    c.clearRect(0, 0, W, H);
    c.stroke(new Path2D(path.current));
  };
  return (
    <div class="n-signature">
      <canvas
        ref={ref}
        width={W}
        height={H}
        data-testid="n-signature"
        onPointerDown={(e) => {
          if (readOnly) return;
          try { ref.current!.setPointerCapture(e.pointerId); } catch { /* synthetic pointer */ }
          drawing.current = true;
          path.current = `${path.current ? path.current + " " : ""}M ${pos(e)}`;
          draw();
        }}
        onPointerMove={(e) => {
          if (!drawing.current) return;
          path.current += ` L ${pos(e)}`;
          draw();
        }}
        onPointerUp={() => {
          if (!drawing.current) return;
          drawing.current = false;
          onChange(path.current);
        }}
      />
      <button data-testid="n-signature-clear" disabled={readOnly} onClick={() => !readOnly && onChange("")}>
        {t("n_clear")}
      </button>
    </div>
  );
}
