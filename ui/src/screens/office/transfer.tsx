// Transferring a child to another station (引継ぎによる移管), in a record's detail: after an
// accompanied handover visit both stations' nurses signed, the giving station's office offers the
// transfer to the receiving station from a first day (asks first, in plain words of what follows);
// a child already transferred shows the transfer instead. The rules are the server's: what the
// screen says before asking is only a hint, the refusals come back as problems by their field.
import { useState } from "preact/hooks";
import type { ErrorBody, Transfer, Visit, VisitDetail } from "../../bindings";
import { ApiError, call } from "../../api";
import { fmtDate, label, t } from "../../i18n";
import { useApp } from "../../context";
import { ErrorBox, Field, useLoad } from "../../ui";
import { DateField } from "../../dates";
import { FieldProblems } from "./people";

/** `YYYY-MM-DD` → the next day. */
function nextDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The transfer line, the offer, or why there is no offer yet; nothing for other records. */
export function TransferSection({ d }: { d: VisitDetail }) {
  const { status, labels, dataStamp } = useApp();
  const dir = useLoad(() => call("directory", {}), [dataStamp]);
  const [made, setMade] = useState<Transfer | null>(null);
  if (!dir.data) return null;
  const v = d.visit;
  const own = status.user?.org_id ?? "";
  const isAdmin = status.user?.role === "admin";
  const stationName = (id: string) => dir.data!.orgs.find((o) => o.id === id)?.name || id;
  // The child's transfer away from this station (an administrator: its last one).
  const transfer = made ?? dir.data.transfers.filter((x) => x.child_id === v.child_id && (isAdmin || x.from_org === own)).at(-1);
  if (transfer) {
    return (
      <p class="card o-transferred" data-testid="o-transferred" data-first-day={transfer.first_day}>
        {t("o_tr_done", { date: fmtDate(transfer.first_day), to: stationName(transfer.to_org), by: transfer.by })}
      </p>
    );
  }
  const h = v.handover;
  if (v.kind !== "handover" || !h || h.from_station.id !== own || d.row.handed_over) return null;
  const to = stationName(h.to_station.id);
  // Why this handover cannot carry a transfer yet, as far as the record shows.
  const why: string[] = [];
  if (v.outcome !== "done") why.push(t("o_tr_why_not_done", { outcome: label(labels.outcome, v.outcome) }));
  if (v.status === "draft") why.push(t("o_tr_why_draft"));
  const unsigned = [!h.from_sign_off && stationName(h.from_station.id), !h.to_sign_off && to].filter((x): x is string => !!x);
  if (unsigned.length) why.push(t("o_tr_why_unsigned", { who: unsigned.join("、") }));
  if (why.length) {
    return (
      <div class="card o-transfer-why" data-testid="o-transfer-why">
        <strong>{t("o_tr_why_title")}</strong>
        <ul>
          {why.map((w) => (
            <li>{w}</li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <TransferOffer
      v={v}
      day={(v.actual_start ?? v.scheduled_start ?? d.row.summary.date ?? status.today.date).slice(0, 10)}
      childName={d.row.child_name}
      to={to}
      onDone={(x) => {
        setMade(x);
        dir.reload();
      }}
    />
  );
}

const FIRST_DAY = "first_day";

function TransferOffer({ v, day, childName, to, onDone }: { v: Visit; day: string; childName: string; to: string; onDone: (t: Transfer) => void }) {
  const [first, setFirst] = useState(nextDay(day));
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const ask = () => {
    setError(null);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(first)) {
      const problems = [{ field: FIRST_DAY, code: "date", ja: t("o_tr_pick_date"), en: t("o_tr_pick_date") }];
      const body: ErrorBody = { code: "invalid", message: "", ja: "", en: "", problems };
      setError(new ApiError(body));
      return;
    }
    setConfirming(true);
  };
  const transfer = async () => {
    setBusy(true);
    setError(null);
    try {
      const x = await call("transfer_child", { childId: v.child_id, request: { to_org: v.handover!.to_station.id, first_day: first, handover_visit: v.id } });
      setConfirming(false);
      onDone(x);
    } catch (err) {
      setConfirming(false);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const e = error ? ApiError.from(error) : null;
  const problems = e?.problems() ?? [];
  const fieldErrors = problems.some((p) => p.field === FIRST_DAY) ? e : null;
  const rest = problems.filter((p) => p.field !== FIRST_DAY);
  const other = e && (!problems.length ? e : rest.length ? new ApiError({ ...e.body, problems: rest }) : null);
  return (
    <section class="card o-transfer" data-testid="o-transfer">
      <h3>{t("o_tr_title", { to })}</h3>
      <p class="muted">{t("o_tr_intro", { to })}</p>
      <div class="o-transfer-day">
        <Field label={t("o_tr_first_day", { to })}>
          <DateField
            name="first_day"
            min={day}
            value={first}
            disabled={confirming}
            onChange={(d) => {
              setFirst(d);
              setConfirming(false);
            }}
          />
        </Field>
        <FieldProblems error={fieldErrors} field={FIRST_DAY} />
      </div>
      {other && <ErrorBox error={other} />}
      {confirming ? (
        <div class="warning o-confirm" role="alertdialog" aria-labelledby="transfer-confirm" data-testid="o-transfer-confirm">
          <strong id="transfer-confirm">{t("o_tr_confirm_title", { name: childName, to, date: fmtDate(first) })}</strong>
          <p>{t("o_tr_confirm_body", { to })}</p>
          <div class="row">
            <button type="button" class="primary" disabled={busy} onClick={transfer} data-testid="o-transfer-yes">
              {busy ? t("o_tr_busy") : t("o_tr_yes")}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)} data-testid="o-transfer-no">
              {t("o_tr_no")}
            </button>
          </div>
        </div>
      ) : (
        <div class="row">
          <button type="button" class="primary" onClick={ask} data-testid="o-transfer-ask">
            {t("o_tr_ask")}
          </button>
        </div>
      )}
    </section>
  );
}
