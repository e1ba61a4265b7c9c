// What the office approves: the record itself, read-only — vitals (a table), care given, the SOAP
// note, the checklist (items with a problem first, summarised at the top, marked with an icon and
// words as well as colour), the handover (stations, topics, sign-offs), the guardian's
// confirmation or why there is none, and the drawn signature (SVG path data) as an <svg>.
import type { CheckEntry, ChecklistTemplate, Visit } from "../../bindings";
import { call } from "../../api";
import { fmtDateTime, fmtTime, label, lang, t } from "../../i18n";
import { useApp } from "../../context";
import { useLoad } from "../../ui";

const dash = (n: number | null) => (n === null ? "—" : String(n));

export function RecordSections({ v }: { v: Visit }) {
  return (
    <>
      <Vitals v={v} />
      <Care v={v} />
      <Soap v={v} />
      <ChecklistView v={v} />
      {v.handover && <HandoverView v={v} />}
      <GuardianView v={v} />
    </>
  );
}

function Vitals({ v }: { v: Visit }) {
  return (
    <div class="card" data-testid="o-r-vitals">
      <h3>{t("o_r_vitals")}</h3>
      {v.vitals.length === 0 ? (
        <p class="muted">{t("o_r_none")}</p>
      ) : (
        <div class="o-table-wrap">
          <table class="o-table">
            <thead>
              <tr>
                <th>{t("o_r_time")}</th>
                <th class="num">{t("o_r_resp")}</th>
                <th class="num">{t("o_r_pulse")}</th>
                <th class="num">{t("o_r_temp")}</th>
                <th class="num">{t("o_r_spo2")}</th>
                <th class="num">{t("o_r_bp")}</th>
              </tr>
            </thead>
            <tbody>
              {v.vitals.map((r) => (
                <tr data-testid="o-r-vital" key={r.id}>
                  <td data-k="at">{fmtTime(r.at)}</td>
                  <td class="num" data-k="resp">{dash(r.respiration)}</td>
                  <td class="num" data-k="pulse">{dash(r.pulse)}</td>
                  <td class="num" data-k="temp">{r.temperature_c === null ? "—" : r.temperature_c.toFixed(1)}</td>
                  <td class="num" data-k="spo2">{dash(r.spo2)}</td>
                  <td class="num" data-k="bp">{r.bp_systolic === null && r.bp_diastolic === null ? "—" : `${dash(r.bp_systolic)}/${dash(r.bp_diastolic)}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Care({ v }: { v: Visit }) {
  const { labels } = useApp();
  return (
    <div class="card" data-testid="o-r-care">
      <h3>{t("o_r_care")}</h3>
      {v.care.length === 0 ? (
        <p class="muted">{t("o_r_none")}</p>
      ) : (
        <ul class="o-r-list">
          {v.care.map((c) => {
            const parts = [
              c.count !== null ? t("o_r_count", { n: c.count }) : "",
              c.amount_ml !== null ? t("o_r_ml", { n: c.amount_ml }) : "",
              c.rate_ml_per_h !== null ? t("o_r_rate", { n: c.rate_ml_per_h }) : "",
              c.oxygen_l_per_min !== null ? t("o_r_oxygen", { n: c.oxygen_l_per_min }) : "",
            ].filter(Boolean);
            return (
              <li data-testid="o-r-care-item" data-item={c.item} key={c.id}>
                <strong>{label(labels.care_item, c.item)}</strong>
                {parts.length > 0 && <> {parts.join(lang.value === "ja" ? "、" : ", ")}</>}
                {c.note && <div class="o-r-note">{c.note}</div>}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function Soap({ v }: { v: Visit }) {
  const n = v.note;
  const parts: [string, string, string][] = [
    ["s", t("o_r_soap_s"), n.subjective],
    ["o", t("o_r_soap_o"), n.objective],
    ["a", t("o_r_soap_a"), n.assessment],
    ["p", t("o_r_soap_p"), n.plan],
  ];
  return (
    <div class="card" data-testid="o-r-soap">
      <h3>{t("o_r_soap")}</h3>
      <dl class="o-r-soap">
        {parts.map(([k, l, text]) => (
          <div data-k={k}>
            <dt>{l}</dt>
            <dd class={text ? "o-r-text" : "muted"}>{text || t("o_r_none")}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function ChecklistView({ v }: { v: Visit }) {
  const { labels } = useApp();
  const templates = useLoad(() => call("templates", {}).catch(() => [] as ChecklistTemplate[]), []);
  const cl = v.checklist;
  const tpl = templates.data?.find((x) => x.id === cl.template_id);
  const name = (id: string) => {
    const item = tpl?.items.find((i) => i.id === id);
    return item ? (lang.value === "ja" ? item.ja : item.en) : id;
  };
  // The template's order (items it does not know after), problems first.
  const order = tpl ? tpl.items.map((i) => i.id) : [];
  const ids = [...order.filter((id) => id in cl.items), ...Object.keys(cl.items).filter((id) => !order.includes(id))];
  const entries: [string, CheckEntry][] = ids.map((id) => [id, cl.items[id]]);
  const problems = entries.filter(([, e]) => e.status === "problem");
  const rest = entries.filter(([, e]) => e.status !== "problem");
  // The template's items nobody answered, named in one line.
  const unanswered = tpl ? tpl.items.filter((i) => !(i.id in cl.items)).map((i) => name(i.id)) : [];
  return (
    <div class="card" id="o-r-checklist" data-testid="o-r-checklist">
      <h3>
        {t("o_r_checklist")}
        {tpl && <span class="muted"> — {lang.value === "ja" ? tpl.title_ja : tpl.title_en}</span>}
      </h3>
      {!cl.template_id && entries.length === 0 ? (
        <p class="muted">{t("o_r_no_checklist")}</p>
      ) : (
        <>
          {problems.length > 0 && (
            <p class="o-r-problem-summary" role="note" data-testid="o-r-problem-summary">
              <span aria-hidden="true">⚠ </span>
              {t("o_r_problems", { n: problems.length })}
            </p>
          )}
          <ul class="o-r-checks">
            {[...problems, ...rest].map(([id, e]) => (
              <li data-testid="o-r-check" data-item={id} data-status={e.status} class={e.status === "problem" ? "o-r-check-problem" : ""}>
                <span class="o-r-check-mark" aria-hidden="true">
                  {e.status === "problem" ? "⚠" : e.status === "ok" ? "✓" : "–"}
                </span>
                <span class="o-r-check-name">{name(id)}</span>
                <strong class="o-r-check-status" data-k="status">{label(labels.check_status, e.status)}</strong>
                {e.note && <span class="o-r-check-note">{e.note}</span>}
              </li>
            ))}
          </ul>
          {unanswered.length > 0 && (
            <p class="muted" data-testid="o-r-unanswered">
              {t("o_r_unanswered", { n: unanswered.length, names: unanswered.join(lang.value === "ja" ? "、" : ", ") })}
            </p>
          )}
        </>
      )}
    </div>
  );
}

function HandoverView({ v }: { v: Visit }) {
  const h = v.handover!;
  const signed = (s: { name: string; at: string } | null) => (s ? t("o_r_signed", { name: s.name, at: fmtDateTime(s.at) }) : t("o_r_unsigned"));
  return (
    <div class="card" data-testid="o-r-handover">
      <h3>{t("o_r_handover")}</h3>
      <dl class="o-fields">
        <div>
          <dt>{t("o_r_from")}</dt>
          <dd data-k="from">{h.from_station.name || h.from_station.id}</dd>
        </div>
        <div>
          <dt>{t("o_r_to")}</dt>
          <dd data-k="to">{h.to_station.name || h.to_station.id}</dd>
        </div>
        <div>
          <dt>{t("o_r_sign_from")}</dt>
          <dd data-k="sign-from">{signed(h.from_sign_off)}</dd>
        </div>
        <div>
          <dt>{t("o_r_sign_to")}</dt>
          <dd data-k="sign-to">{signed(h.to_sign_off)}</dd>
        </div>
      </dl>
      <h4>{t("o_r_topics")}</h4>
      {h.topics.length === 0 ? (
        <p class="muted">{t("o_r_none")}</p>
      ) : (
        <ul class="o-r-list">
          {h.topics.map((x) => (
            <li data-testid="o-r-topic" key={x.id}>
              <strong>{x.topic}</strong>
              {x.detail && <div class="o-r-note">{x.detail}</div>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function GuardianView({ v }: { v: Visit }) {
  const g = v.guardian;
  return (
    <div class="card" data-testid="o-r-guardian">
      <h3>{t("o_r_guardian")}</h3>
      <p data-k="state" class={g?.kind === "confirmed" ? "" : "warning"}>
        {!g ? t("o_guardian_no") : g.kind === "confirmed" ? t("o_guardian_yes", { name: g.name, at: fmtDateTime(g.at) }) : t("o_guardian_not", { reason: g.reason })}
      </p>
      {g?.kind === "confirmed" &&
        (g.signature.trim() ? (
          <figure class="o-r-signature">
            <figcaption>{t("o_r_signature")}</figcaption>
            {/* The pad draws on a 600 × 200 canvas: the path's coordinates are in that box. */}
            <svg viewBox="0 0 600 200" role="img" aria-label={t("o_r_signature")} data-testid="o-r-signature">
              <path d={g.signature} fill="none" stroke="#1d2b27" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" />
            </svg>
          </figure>
        ) : (
          <p class="muted">{t("o_r_no_signature")}</p>
        ))}
    </div>
  );
}
