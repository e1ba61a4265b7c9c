// The face sheet: who the child is, devices, score, guardians, emergency numbers, instruction, respite,
// and the guardian's consent to share with the municipality (consent.tsx).
import { call } from "../../api";
import { useApp } from "../../context";
import { fmtDate, fmtMinutes, fyLabel, label, paren, t } from "../../i18n";
import { ErrorBox, useLoad } from "../../ui";
import { InstructionWarning } from "./home";
import { ConsentCard } from "./consent";
import { VitalsCard } from "./chart";
import { PreviousCard } from "./previous";
import { PlanForm } from "./plan";
import { useState } from "preact/hooks";

export function FaceSheet({ id, onRecord }: { id: string; onRecord: (id: string, kind?: "nursing" | "respite" | "handover") => void }) {
  const { labels } = useApp();
  const { data: s, error, setData } = useLoad(() => call("child_sheet", { id }), [id]);
  const [planning, setPlanning] = useState(false);
  const [planned, setPlanned] = useState(false);
  if (error) return <ErrorBox error={error} />;
  if (!s) return <p class="muted">{t("loading")}</p>;
  const c = s.child;
  const led = s.respite.ledger;
  const di = c.doctor_instruction;
  return (
    <div class="n-sheet" data-testid="n-sheet">
      <div class="card">
        <h1>
          {c.name} <span class="muted n-kana">{c.kana}</span>
        </h1>
        <div class="row">
          <span data-testid="n-age">{t("n_age", { n: s.age_years })}</span>
          <span>
            {t("n_birth")}: {fmtDate(c.birth_date)}
          </span>
          <span>{c.diagnosis}</span>
        </div>
        <div class="row n-actions">
          <button class="primary" onClick={() => onRecord(c.id, "nursing")} data-testid="n-record">
            {t("n_record_visit")}
          </button>
          <button onClick={() => onRecord(c.id, "respite")} data-testid="n-record-respite">
            {t("n_record_respite")}
          </button>
          <button onClick={() => onRecord(c.id, "handover")} data-testid="n-record-handover">
            {t("n_record_handover")}
          </button>
          <button onClick={() => setPlanning(true)} data-testid="n-plan">
            {t("n_plan")}
          </button>
        </div>
        {planned && (
          <p class="ok" role="status" data-testid="n-plan-saved">
            {t("n_plan_saved")}
          </p>
        )}
      </div>
      {planning && (
        <PlanForm
          childId={c.id}
          onDone={() => {
            setPlanning(false);
            setPlanned(true);
          }}
          onCancel={() => setPlanning(false)}
        />
      )}
      <div class="n-cols">
        <div>
          <div class="card" data-testid="n-sheet-instruction">
            <h2>{t("n_instruction")}</h2>
            <InstructionWarning state={s.instruction_state} />
            {di ? (
              <p>
                {di.doctor}
                {paren(di.institution)}
                <br />
                {t("n_valid_period", { from: fmtDate(di.valid_from), until: fmtDate(di.valid_until) })}
                <br />
                <span class="badge">{label(labels.instruction_state, s.instruction_state)}</span>
              </p>
            ) : (
              <p class="muted">{label(labels.instruction_state, "missing")}</p>
            )}
          </div>
          <div class="card" data-testid="n-sheet-respite">
            <h2>
              {t("n_respite_left")} <span class="muted" data-testid="n-sheet-fy">{fyLabel(s.respite)}</span>
            </h2>
            <p class="n-big" data-testid="n-sheet-remaining">
              {fmtMinutes(led.remaining_minutes)}
            </p>
            <p class="muted">{t("n_used_of_cap", { used: fmtMinutes(led.used_minutes), cap: fmtMinutes(led.cap_minutes) })}</p>
          </div>
          <div class="card">
            <h2>{t("n_devices")}</h2>
            {c.devices.length ? (
              <ul>
                {c.devices.map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            ) : (
              <p class="muted">{t("none")}</p>
            )}
          </div>
        </div>
        <div>
          <div class="card" data-testid="n-sheet-score">
            <h2>
              {t("n_score")}: {s.score.base + s.score.watch}
              <span class="muted n-small"> {t("n_score_parts", { base: s.score.base, watch: s.score.watch })}</span>
            </h2>
            <ul>
              {c.score.map((e) => (
                <li key={e.item}>
                  {label(labels.care_item, e.item)} <span class="muted">— {label(labels.watch, e.watch)}</span>
                </li>
              ))}
            </ul>
          </div>
          <div class="card">
            <h2>{t("n_guardians")}</h2>
            <ContactList list={c.guardians} />
            <h2>{t("n_emergency")}</h2>
            <ContactList list={c.emergency_contacts} />
          </div>
        </div>
      </div>
      <PreviousCard childId={c.id} visitId={null} />
      <VitalsCard childId={c.id} age={s.age_years} />
      <ConsentCard sheet={s} onSaved={setData} />
    </div>
  );
}

function ContactList({ list }: { list: { name: string; relation: string; phone: string }[] }) {
  if (!list.length) return <p class="muted">{t("none")}</p>;
  return (
    <ul class="n-contacts">
      {list.map((p, i) => (
        <li key={i}>
          <span>
            {p.name} <span class="muted">{paren(p.relation)}</span>
          </span>
          <a class="n-tel" href={`tel:${p.phone.replace(/[^\d+]/g, "")}`} data-testid="n-tel">
            {t("n_call")} {p.phone}
          </a>
        </li>
      ))}
    </ul>
  );
}
