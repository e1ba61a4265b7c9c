//! The monthly respite claim (在宅レスパイト事業の月次請求): what a station claims from a
//! municipality for one month, per child, with money.
//!
//! A session belongs to the month (and fiscal year) of its start, even when it runs past
//! midnight into the next day. A session of the month is claimed when it is approved, the
//! guardian confirmed it, it counts billable minutes, the server did not refuse it and it is
//! within the child's annual cap; every other session is listed apart with every reason that
//! applies ([`Unclaimed`]) — never silently counted, never dropped. Each claimed session is paid
//! from the municipality's settings in force on its day (`rate_per_unit_yen` of the household's
//! tier on that day × whole units billed) and split into Tokyo's share (rounded down to the yen)
//! and the municipality's (the rest) per session; totals are sums of the lines. Each doctor's
//! instruction issued in the month (its first valid day) adds the instruction fee in force on
//! that day, once. The cap is the ledger's (`respite_ledger`): every session recorded in the
//! fiscal year up to the month's end counts against it, and the one that crosses it and every
//! later one are over the cap.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, DateTime, FiscalYear, YearMonth};
use crate::child::Child;
use crate::ids::{ChildId, VisitId};
use crate::rules::{respite_ledger, Fee, IncomeTier, MunicipalityRules, RespiteUse};
use crate::validation::labelled_enum;
use crate::visit::VisitStatus;

/// One respite session of a child, as the claim reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimSession {
    /// The visit.
    pub visit_id: VisitId,
    /// When it started (its day is the session's day).
    pub start: DateTime,
    /// When it ended.
    pub end: DateTime,
    /// Minutes counted against the cap and billed (`MunicipalityRules::respite_count`).
    pub billable_minutes: u32,
    /// Uses it counts as.
    pub uses: u32,
    /// The lead nurse's name.
    pub lead: String,
    /// Whether the guardian confirmed it.
    pub confirmed: bool,
    /// Its status.
    pub status: VisitStatus,
    /// Whether the server refused it (it stays on the device, marked).
    pub refused: bool,
}

/// A child and its respite sessions, for a claim.
#[derive(Debug, Clone)]
pub struct ClaimChild<'a> {
    /// The face sheet (name, tier and its changes, instructions).
    pub child: &'a Child,
    /// The annual cap, minutes (after pro-rating).
    pub cap_minutes: u32,
    /// Its respite sessions of the month's fiscal year up to the month's end (others are
    /// ignored).
    pub sessions: Vec<ClaimSession>,
}

labelled_enum! {
    /// Why a session of the month is not claimed.
    pub enum Unclaimed {
        /// Not approved by the office yet.
        NotApproved = ("not_approved", "未承認", "not approved"),
        /// The guardian has not confirmed it.
        Unconfirmed = ("unconfirmed", "保護者の確認なし", "not confirmed by the guardian"),
        /// It took the child past the annual cap, or came after.
        OverCap = ("over_cap", "年間上限の超過", "over the annual cap"),
        /// The server refused the record.
        Refused = ("refused", "サーバーが受け付けていない記録", "refused by the server"),
        /// It counts no billable minutes (shorter than the shortest use).
        NotBillable = ("not_billable", "請求できる時間がない（最短の利用時間未満）", "no billable minutes (shorter than the shortest use)"),
        /// The settings have no rate for the household's tier.
        NoRate = ("no_rate", "世帯区分の単価が設定されていない", "no rate for the household's tier"),
    }
}

/// A claimed session.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimLine {
    /// The visit.
    pub visit_id: VisitId,
    /// Start.
    pub start: DateTime,
    /// End.
    pub end: DateTime,
    /// Minutes billed.
    pub billable_minutes: u32,
    /// Uses.
    pub uses: u32,
    /// The lead nurse.
    pub lead: String,
    /// The household's tier on the session's day.
    pub tier: IncomeTier,
    /// Units billed (`billable_minutes` / the unit).
    pub units: u32,
    /// Yen per unit for the tier, from the settings in force on the day.
    pub unit_yen: u32,
    /// `units × unit_yen`, split.
    pub fee: Fee,
}

/// A session of the month that is not claimed, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnclaimedSession {
    /// The visit.
    pub visit_id: VisitId,
    /// Start.
    pub start: DateTime,
    /// End.
    pub end: DateTime,
    /// Minutes it counts.
    pub billable_minutes: u32,
    /// The lead nurse.
    pub lead: String,
    /// Every reason, in the order of [`Unclaimed`].
    pub reasons: Vec<Unclaimed>,
}

/// A doctor's instruction fee claimed in the month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructionFee {
    /// The doctor.
    pub doctor: String,
    /// The hospital or clinic.
    pub institution: String,
    /// Its first valid day (when it was issued).
    pub issued: Date,
    /// The fee in force that day, split.
    pub fee: Fee,
}

/// One child's part of a monthly claim.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildClaim {
    /// The child.
    pub child_id: ChildId,
    /// Name.
    pub name: String,
    /// Kana (for sorting).
    pub kana: String,
    /// Claimed sessions, in time order.
    pub lines: Vec<ClaimLine>,
    /// Sessions of the month not claimed, in time order.
    pub unclaimed: Vec<UnclaimedSession>,
    /// Minutes claimed this month.
    pub month_minutes: u32,
    /// Minutes used in the fiscal year up to the month's end (every recorded session).
    pub year_used_minutes: u32,
    /// The annual cap, minutes.
    pub cap_minutes: u32,
    /// Cap minus used (negative past the cap).
    pub remaining_minutes: i64,
    /// Doctor's instructions issued this month.
    pub instructions: Vec<InstructionFee>,
    /// Sessions plus instruction fees.
    pub total: Fee,
}

/// A station's respite claim to one municipality for one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyClaim {
    /// Municipality code.
    pub municipality: String,
    /// Its name (Japanese).
    pub municipality_name: String,
    /// Its name in English.
    pub municipality_name_en: String,
    /// The month.
    pub month: YearMonth,
    /// Its fiscal year.
    pub fiscal_year: FiscalYear,
    /// Children with a session or an instruction this month, by kana.
    pub children: Vec<ChildClaim>,
    /// Every child's total.
    pub total: Fee,
}

impl Fee {
    /// Nothing.
    pub const ZERO: Fee = Fee { total_yen: 0, tokyo_yen: 0, municipality_yen: 0 };

    /// The sum of two fees, part by part.
    pub fn plus(self, other: Fee) -> Fee {
        Fee {
            total_yen: self.total_yen + other.total_yen,
            tokyo_yen: self.tokyo_yen + other.tokyo_yen,
            municipality_yen: self.municipality_yen + other.municipality_yen,
        }
    }
}

/// The claim of `municipality` for `month`: every child given (those of other municipalities
/// are left out), with the settings in force on each day from `rules_on`.
pub fn monthly_claim(
    municipality: &str,
    month: YearMonth,
    children: &[ClaimChild<'_>],
    rules_on: impl Fn(Date) -> MunicipalityRules,
) -> MonthlyClaim {
    let fy = month.first_day().fiscal_year();
    let mut out: Vec<ChildClaim> =
        children.iter().filter(|c| c.child.municipality == municipality).filter_map(|c| child_claim(c, month, fy, &rules_on)).collect();
    out.sort_by(|a, b| (&a.kana, &a.name, a.child_id).cmp(&(&b.kana, &b.name, b.child_id)));
    let total = out.iter().fold(Fee::ZERO, |t, c| t.plus(c.total));
    MonthlyClaim {
        municipality: municipality.to_string(),
        municipality_name: rules_on(month.last_day()).name_ja,
        municipality_name_en: rules_on(month.last_day()).name_en,
        month,
        fiscal_year: fy,
        children: out,
        total,
    }
}

fn child_claim(c: &ClaimChild<'_>, month: YearMonth, fy: FiscalYear, rules_on: &impl Fn(Date) -> MunicipalityRules) -> Option<ChildClaim> {
    let end = month.last_day();
    let mut sessions: Vec<&ClaimSession> = c.sessions.iter().filter(|s| s.start.date.fiscal_year() == fy && s.start.date <= end).collect();
    sessions.sort_by_key(|s| (s.start, s.visit_id));
    let uses = sessions
        .iter()
        .filter(|s| s.billable_minutes > 0)
        .map(|s| RespiteUse { visit_id: s.visit_id, start: s.start, billable_minutes: s.billable_minutes, uses: s.uses })
        .collect();
    let ledger = respite_ledger(fy, c.cap_minutes, uses);
    let over: HashSet<VisitId> = ledger.over_cap.iter().copied().collect();

    let mut lines = Vec::new();
    let mut unclaimed = Vec::new();
    for s in sessions.iter().filter(|s| s.start.date.year_month() == month) {
        let rules = rules_on(s.start.date);
        let tier = c.child.tier_on(s.start.date);
        let rate = rules.rate_per_unit_yen.get(&tier).copied();
        let mut reasons = Vec::new();
        if s.status != VisitStatus::Approved {
            reasons.push(Unclaimed::NotApproved);
        }
        if !s.confirmed {
            reasons.push(Unclaimed::Unconfirmed);
        }
        if over.contains(&s.visit_id) {
            reasons.push(Unclaimed::OverCap);
        }
        if s.refused {
            reasons.push(Unclaimed::Refused);
        }
        if s.billable_minutes == 0 {
            reasons.push(Unclaimed::NotBillable);
        }
        match (rate, reasons.is_empty()) {
            (Some(unit_yen), true) => {
                let units = s.billable_minutes / rules.unit_minutes.max(1);
                lines.push(ClaimLine {
                    visit_id: s.visit_id,
                    start: s.start,
                    end: s.end,
                    billable_minutes: s.billable_minutes,
                    uses: s.uses,
                    lead: s.lead.clone(),
                    tier,
                    units,
                    unit_yen,
                    fee: Fee::split(units * unit_yen, rules.tokyo_share_percent),
                });
            }
            (rate, _) => {
                if rate.is_none() {
                    reasons.push(Unclaimed::NoRate);
                }
                unclaimed.push(UnclaimedSession {
                    visit_id: s.visit_id,
                    start: s.start,
                    end: s.end,
                    billable_minutes: s.billable_minutes,
                    lead: s.lead.clone(),
                    reasons,
                });
            }
        }
    }
    let instructions: Vec<InstructionFee> = c
        .child
        .instructions()
        .filter(|i| i.valid_from.year_month() == month)
        .map(|i| {
            let rules = rules_on(i.valid_from);
            InstructionFee {
                doctor: i.doctor.clone(),
                institution: i.institution.clone(),
                issued: i.valid_from,
                fee: Fee::split(rules.doctor_instruction_fee_yen, rules.tokyo_share_percent),
            }
        })
        .collect();
    if lines.is_empty() && unclaimed.is_empty() && instructions.is_empty() {
        return None;
    }
    let total = lines.iter().map(|l| l.fee).chain(instructions.iter().map(|i| i.fee)).fold(Fee::ZERO, Fee::plus);
    Some(ChildClaim {
        child_id: c.child.id,
        name: c.child.name.clone(),
        kana: c.child.kana.clone(),
        month_minutes: lines.iter().map(|l| l.billable_minutes).sum(),
        year_used_minutes: ledger.used_minutes,
        cap_minutes: ledger.cap_minutes,
        remaining_minutes: ledger.remaining_minutes,
        lines,
        unclaimed,
        instructions,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::{DoctorInstruction, TierChange};
    use crate::rules::ProRating;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn t(s: &str) -> DateTime {
        s.parse().unwrap()
    }

    /// Bunkyo's settings as this fixture has them: 30-minute units, Tokyo pays half; from
    /// 2026-10-01 the rates rise (tax-exempt 1,250 → 1,300 yen a unit, taxed 1,000 → 1,050) and
    /// the doctor's instruction fee (3,000 → 3,300 yen). No rate for public assistance.
    fn rules_on(day: Date) -> MunicipalityRules {
        let before = day < d("2026-10-01");
        MunicipalityRules {
            code: "13105".into(),
            name_ja: "文京区".into(),
            name_en: "Bunkyo".into(),
            annual_cap_minutes: 8640,
            unit_minutes: 30,
            min_use_minutes: 120,
            max_use_minutes: 240,
            pro_rating: ProRating::None,
            rate_per_unit_yen: [
                (IncomeTier::TaxExempt, if before { 1250 } else { 1300 }),
                (IncomeTier::Taxed, if before { 1000 } else { 1050 }),
            ]
            .into_iter()
            .collect(),
            doctor_instruction_fee_yen: if before { 3000 } else { 3300 },
            tokyo_share_percent: 50,
            ..MunicipalityRules::builtin("13105")
        }
    }

    fn instruction(from: &str, until: &str) -> DoctorInstruction {
        DoctorInstruction { doctor: "架空 医師".into(), institution: "架空病院".into(), valid_from: d(from), valid_until: d(until) }
    }

    /// 見本 はな: tax-exempt, taxed from 2026-11-16; instructions from 2026-04-01 and 2026-11-01.
    fn hana() -> Child {
        let mut c = crate::child::tests::sample();
        c.income_tier = IncomeTier::TaxExempt;
        c.income_tier_changes = vec![TierChange { from: d("2026-11-16"), tier: IncomeTier::Taxed }];
        c.past_instructions = vec![instruction("2026-04-01", "2026-10-31")];
        c.doctor_instruction = Some(instruction("2026-11-01", "2027-03-31"));
        c
    }

    fn session(n: u128, start: &str, end: &str, billable: u32) -> ClaimSession {
        ClaimSession {
            visit_id: VisitId(uuid::Uuid::from_u128(n)),
            start: t(start),
            end: t(end),
            billable_minutes: billable,
            uses: 1,
            lead: "架空 看護師".into(),
            confirmed: true,
            status: VisitStatus::Approved,
            refused: false,
        }
    }

    fn id(n: u128) -> VisitId {
        VisitId(uuid::Uuid::from_u128(n))
    }

    /// The fiscal year 2026 so far: 840 minutes before November (one of them the session of
    /// 10/31 22:00 that runs into November 1st), then November's seven.
    fn sessions() -> Vec<ClaimSession> {
        let mut refused = session(14, "2026-11-12T09:00", "2026-11-12T12:00", 180);
        refused.refused = true;
        let mut submitted = session(16, "2026-11-25T09:00", "2026-11-25T11:00", 120);
        submitted.status = VisitStatus::Submitted;
        let mut unconfirmed = session(17, "2026-11-27T09:00", "2026-11-27T11:00", 120);
        unconfirmed.confirmed = false;
        vec![
            session(1, "2026-03-28T09:00", "2026-03-28T13:00", 240), // FY2025: not this year's
            session(2, "2026-04-10T09:00", "2026-04-10T13:00", 240),
            session(3, "2026-06-05T09:00", "2026-06-05T13:00", 240),
            session(4, "2026-09-01T09:00", "2026-09-01T12:00", 180),
            session(5, "2026-10-31T22:00", "2026-11-01T01:00", 180), // October's, across midnight
            session(11, "2026-11-02T09:00", "2026-11-02T12:00", 180),
            session(12, "2026-11-05T22:00", "2026-11-06T01:00", 180), // across midnight
            session(13, "2026-11-10T10:00", "2026-11-10T11:30", 0),   // 1 h 30: under the shortest use
            refused,
            session(15, "2026-11-20T13:00", "2026-11-20T15:00", 120), // taxed from 11/16
            submitted,
            unconfirmed,
            session(18, "2026-12-01T09:00", "2026-12-01T12:00", 180), // after the month
        ]
    }

    #[test]
    fn a_november_claim_pays_each_approved_confirmed_session_within_the_cap_at_the_days_rate_and_tier() {
        let child = hana();
        let mut other = hana();
        other.municipality = "13101".into();
        // Cap 26 h = 1,560 minutes.
        let children = [
            ClaimChild { child: &child, cap_minutes: 1560, sessions: sessions() },
            ClaimChild { child: &other, cap_minutes: 1560, sessions: sessions() },
        ];
        let claim = monthly_claim("13105", "2026-11".parse().unwrap(), &children, rules_on);
        assert_eq!((claim.municipality_name.as_str(), claim.fiscal_year, claim.children.len()), ("文京区", FiscalYear(2026), 1));
        let c = &claim.children[0];

        // Claimed: 11/2 and 11/5 (tax-exempt, 6 units × 1,300 yen from 10/1), 11/20 (taxed from
        // 11/16: 4 units × 1,050 yen).
        let lines: Vec<(VisitId, IncomeTier, u32, u32, u32)> =
            c.lines.iter().map(|l| (l.visit_id, l.tier, l.units, l.unit_yen, l.fee.total_yen)).collect();
        assert_eq!(
            lines,
            [
                (id(11), IncomeTier::TaxExempt, 6, 1300, 6 * 1300),
                (id(12), IncomeTier::TaxExempt, 6, 1300, 6 * 1300),
                (id(15), IncomeTier::Taxed, 4, 1050, 4 * 1050),
            ]
        );
        assert_eq!(c.lines[1].end, t("2026-11-06T01:00"), "across midnight, in the month it started");
        // Used up to each November session (from 840 before November): 1,020, 1,200, (11/10 counts
        // nothing), 1,380 (refused, but recorded), 1,500, 1,620 — past 1,560: the 11/25 session
        // crosses the cap, 11/27 comes after.
        let why: Vec<(VisitId, Vec<Unclaimed>)> = c.unclaimed.iter().map(|u| (u.visit_id, u.reasons.clone())).collect();
        assert_eq!(
            why,
            [
                (id(13), vec![Unclaimed::NotBillable]),
                (id(14), vec![Unclaimed::Refused]),
                (id(16), vec![Unclaimed::NotApproved, Unclaimed::OverCap]),
                (id(17), vec![Unclaimed::Unconfirmed, Unclaimed::OverCap]),
            ]
        );
        assert_eq!(c.month_minutes, 180 + 180 + 120);
        assert_eq!(c.year_used_minutes, 240 + 240 + 180 + 180 + (180 + 180 + 180 + 120 + 120 + 120));
        assert_eq!((c.cap_minutes, c.remaining_minutes), (1560, 1560 - 1740));
        // The instruction issued 11/1, once, at the fee from 10/1; the April one is April's.
        assert_eq!(c.instructions.iter().map(|i| (i.issued, i.fee.total_yen)).collect::<Vec<_>>(), [(d("2026-11-01"), 3300)]);
        let total = 6 * 1300 + 6 * 1300 + 4 * 1050 + 3300;
        let tokyo = 6 * 1300 / 2 + 6 * 1300 / 2 + 4 * 1050 / 2 + 3300 / 2;
        assert_eq!(c.total, Fee { total_yen: total, tokyo_yen: tokyo, municipality_yen: total - tokyo });
        assert_eq!(claim.total, c.total);
    }

    #[test]
    fn an_april_claim_counts_only_the_new_fiscal_year_and_uses_the_rate_before_a_later_change() {
        let child = hana();
        let children = [ClaimChild { child: &child, cap_minutes: 1560, sessions: sessions() }];
        let claim = monthly_claim("13105", "2026-04".parse().unwrap(), &children, rules_on);
        let c = &claim.children[0];
        // The 3/28 session is FY2025's: April's year starts from 0.
        assert_eq!(c.year_used_minutes, 240);
        // 8 units × 1,250 yen (the rate before 10/1), and the April instruction at 3,000 yen.
        assert_eq!(c.lines.iter().map(|l| l.fee.total_yen).collect::<Vec<_>>(), [8 * 1250]);
        assert_eq!(c.instructions.iter().map(|i| i.fee.total_yen).collect::<Vec<_>>(), [3000]);
        assert_eq!(c.total.total_yen, 8 * 1250 + 3000);
        // A month with neither a session nor an instruction lists nobody.
        assert!(monthly_claim("13105", "2026-05".parse().unwrap(), &children, rules_on).children.is_empty());
    }

    #[test]
    fn a_session_for_a_tier_without_a_rate_is_listed_apart_and_odd_yen_go_to_the_municipality() {
        let mut child = hana();
        child.income_tier_changes.clear();
        child.income_tier = IncomeTier::PublicAssistance;
        let children =
            [ClaimChild { child: &child, cap_minutes: 8640, sessions: vec![session(21, "2026-11-02T09:00", "2026-11-02T11:00", 120)] }];
        let claim = monthly_claim("13105", "2026-11".parse().unwrap(), &children, rules_on);
        assert_eq!(claim.children[0].unclaimed[0].reasons, [Unclaimed::NoRate]);
        // Tokyo's half of an odd amount is rounded down; the municipality pays the yen over.
        let odd = |day: Date| MunicipalityRules {
            rate_per_unit_yen: [(IncomeTier::PublicAssistance, 1001)].into_iter().collect(),
            ..rules_on(day)
        };
        let claim = monthly_claim("13105", "2026-11".parse().unwrap(), &children, odd);
        let fee = claim.children[0].lines[0].fee;
        assert_eq!((fee.total_yen, fee.tokyo_yen, fee.municipality_yen), (4 * 1001, 4 * 1001 / 2, 4 * 1001 - 4 * 1001 / 2));
    }
}
