// The monthly daytime-care claim (医療的ケア児日中預かり支援事業) of one municipality: per child
// (with the medical-care score on the face sheet) each paid day with its institution, hours band,
// base amount, the household's user charge and the subsidy with Tokyo's and the municipality's
// shares; the days not paid listed apart with every reason (never hidden); the totals; and the
// export as CSV, Shift_JIS CSV, Excel or PDF. Every number comes from the core (`daytime_claim`).
import type { DaytimeBand, DaytimeChildClaim, DaytimeClaim } from "../../bindings";
import { call } from "../../api";
import { fmtDate, fmtMinutes, fmtMonth, label, lang, t } from "../../i18n";
import { useApp } from "../../context";
import { FeeLine, MonthlyClaimPicker, span, yen } from "./claim";

export function DaytimeClaimTab() {
  return (
    <MonthlyClaimPicker
      testid="o-daytime"
      load={(municipality, month) => call("daytime_claim", { municipality, month })}
      exportAs={(municipality, month, format) => call("export_daytime_claim", { municipality, month, format })}
    >
      {(c) => <DaytimeBody c={c} />}
    </MonthlyClaimPicker>
  );
}

const shares = (): [string, string] => [t("o_d_share_tokyo"), t("o_d_share_muni")];

/** `8時間以上9時間未満` / `8 h to under 9 h`. */
function band(b: DaytimeBand): string {
  const from = fmtMinutes(b.from_minutes);
  return b.to_minutes == null ? t("o_d_band_open", { from }) : t("o_d_band", { from, to: fmtMinutes(b.to_minutes) });
}

function DaytimeBody({ c }: { c: DaytimeClaim }) {
  return (
    <>
      <h2 class="o-month-title o-claim-title" data-testid="o-daytime-title">
        {t("o_d_title", { muni: (lang.value === "ja" ? c.municipality_name : c.municipality_name_en) || c.municipality_name, month: fmtMonth(c.month) })}
      </h2>
      {c.children.length === 0 && (
        <p class="muted card" data-testid="o-daytime-none">
          {t("o_d_none")}
        </p>
      )}
      {c.children.map((k) => (
        <DaytimeChild k={k} />
      ))}
      {c.children.length > 0 && (
        <div class="card o-claim-total" data-testid="o-daytime-total">
          <h3>{t("o_d_total", { n: c.children.length })}</h3>
          <p class="muted" data-k="fees">
            {t("o_d_fee_total", { fee: yen(c.fee_yen), charge: yen(c.user_charge_yen) })}
          </p>
          <FeeLine fee={c.subsidy} testid="o-daytime-grand" label={t("o_d_col_subsidy")} shares={shares()} />
        </div>
      )}
    </>
  );
}

function DaytimeChild({ k }: { k: DaytimeChildClaim }) {
  const { labels } = useApp();
  return (
    <div class="card o-claim-child" data-testid="o-daytime-child" data-child={k.child_id}>
      <h3>
        {k.name} <span class="muted">{k.score == null ? t("o_d_score_unknown") : t("o_d_score", { n: k.score })}</span>
      </h3>
      {k.lines.length === 0 ? (
        <p class="muted">{t("o_d_no_lines")}</p>
      ) : (
        <div class="o-table-wrap">
          <table class="o-table o-claim-lines">
            <thead>
              <tr>
                <th>{t("o_c_col_date")}</th>
                <th>{t("o_c_col_time")}</th>
                <th class="num">{t("o_c_col_hours")}</th>
                <th class="o-wide">{t("o_d_col_provider")}</th>
                <th class="o-wide">{t("o_c_col_tier")}</th>
                <th class="o-wide">{t("o_d_col_band")}</th>
                <th class="num">{t("o_d_col_fee")}</th>
                <th class="num">{t("o_d_col_charge")}</th>
                <th class="num">{t("o_d_col_subsidy")}</th>
                <th class="num">{t("o_d_share_tokyo")}</th>
                <th class="num">{t("o_d_share_muni")}</th>
              </tr>
            </thead>
            <tbody>
              {k.lines.map((l) => (
                <tr data-testid="o-daytime-line" data-visit={l.visit_id}>
                  <td data-k="date">{fmtDate(l.start)}</td>
                  <td data-k="time">{span(l.start, l.end).text}</td>
                  <td class="num" data-k="hours">{fmtMinutes(l.minutes)}</td>
                  <td class="o-wide" data-k="provider">{label(labels.provider, l.provider)}</td>
                  <td class="o-wide" data-k="tier">{label(labels.income_tier, l.tier)}</td>
                  <td class="o-wide" data-k="band">{band(l.band)}</td>
                  <td class="num" data-k="fee">{yen(l.fee_yen)}</td>
                  <td class="num" data-k="charge">{yen(l.user_charge_yen)}</td>
                  <td class="num" data-k="subsidy">{yen(l.subsidy.total_yen)}</td>
                  <td class="num" data-k="tokyo">{yen(l.subsidy.tokyo_yen)}</td>
                  <td class="num" data-k="muni">{yen(l.subsidy.municipality_yen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <FeeLine fee={k.subsidy} testid="o-daytime-child-total" label={t("o_d_child_total", { name: k.name })} shares={shares()} />
      {k.unclaimed.length > 0 && (
        <div class="warning o-unclaimed" data-testid="o-daytime-unclaimed">
          <h4>
            <span aria-hidden="true">⚠ </span>
            {t("o_d_unclaimed_title", { n: k.unclaimed.length })}
          </h4>
          <p>{t("o_d_unclaimed_note")}</p>
          <ul>
            {k.unclaimed.map((u) => (
              <li data-testid="o-daytime-unclaimed-row" data-visit={u.visit_id} data-reasons={u.reasons.join(" ")}>
                <span data-k="when">
                  {fmtDate(u.start)} {u.end ? span(u.start, u.end).text : ""}
                </span>
                {" · "}
                <span data-k="hours">{fmtMinutes(u.minutes)}</span>
                {u.provider && (
                  <>
                    {" · "}
                    <span data-k="provider">{label(labels.provider, u.provider)}</span>
                  </>
                )}
                {" — "}
                <strong data-k="reasons">{u.reasons.map((r) => label(labels.daytime_unclaimed, r)).join(lang.value === "ja" ? "、" : ", ")}</strong>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
