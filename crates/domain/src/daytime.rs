//! The monthly daytime-care claim (医療的ケア児日中預かり支援事業の月次請求): what the days of
//! daytime care of one municipality's children in one month are paid, per child and day.
//!
//! A day belongs to the month of its start. Each record of the month is paid when it took place
//! (outcome done, with its actual end), the office approved it, the server did not refuse it,
//! the child's medical-care score is known and under 16 (H §5-2), and its continuous minutes
//! fall in a band of the fee table in force on its day with a user charge set for the household's
//! tier on that day. A child is paid once a day: a second paid record of the same day is listed
//! apart. Every record not paid is listed apart with every reason that applies
//! ([`DaytimeUnclaimed`]) — never a silent 0, never dropped.
//!
//! The money of a paid day: the band's base amount (補助基準額), less the user charge of the
//! household's tier (利用者負担, at most the base amount), is the subsidy, split into Tokyo's
//! daytime share (rounded down to the yen) and the municipality's (the rest). Totals are sums
//! of the lines.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, DateTime, YearMonth};
use crate::child::Child;
use crate::ids::{ChildId, VisitId};
use crate::rules::{DaytimeBand, DaytimeFeeGap, Fee, IncomeTier, MunicipalityRules, DAYTIME_CARE_SCORE_LIMIT};
use crate::validation::labelled_enum;
use crate::visit::VisitStatus;

/// One daytime-care record of a child, as the claim reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaytimeDay {
    /// The visit.
    pub visit_id: VisitId,
    /// When it started (actual, else scheduled): its day is the record's day.
    pub start: DateTime,
    /// When it ended (actual), if recorded.
    pub end: Option<DateTime>,
    /// Whether it took place (outcome done, with actual start and end).
    pub done: bool,
    /// Its status.
    pub status: VisitStatus,
    /// Whether the server refused it (it stays on the device, marked).
    pub refused: bool,
    /// The lead's name.
    pub lead: String,
    /// The kind of institution, if recorded.
    pub provider: Option<ProviderKind>,
}

impl DaytimeDay {
    /// Continuous minutes from start to end (0 without an end, or an end before the start).
    pub fn minutes(&self) -> u32 {
        self.end.map_or(0, |e| self.start.minutes_until(e).clamp(0, i64::from(u32::MAX)) as u32)
    }
}

/// A child and its daytime-care records, for a claim.
#[derive(Debug, Clone)]
pub struct DaytimeChild<'a> {
    /// The face sheet (name, score, tier and its changes).
    pub child: &'a Child,
    /// Its daytime-care records (those outside the month are ignored).
    pub days: Vec<DaytimeDay>,
}

labelled_enum! {
    /// The kind of medical institution that looked after the child (H §5-2: 病院, 診療所,
    /// 介護老人保健施設, 介護医療院). Recorded on each daytime-care record (schema version 5).
    pub enum ProviderKind {
        /// 病院.
        Hospital = ("hospital", "病院", "hospital"),
        /// 診療所.
        Clinic = ("clinic", "診療所", "clinic"),
        /// 介護老人保健施設 (老健).
        GeriatricHealthFacility = ("geriatric_health_facility", "介護老人保健施設", "long-term care health facility"),
        /// 介護医療院.
        IntegratedCareFacility = ("integrated_care_facility", "介護医療院", "integrated medical and long-term care facility"),
    }
}

labelled_enum! {
    /// Why a daytime-care record of the month is not paid.
    pub enum DaytimeUnclaimed {
        /// Absent, cancelled, or no actual end recorded.
        NotDone = ("not_done", "実施の記録がない（不在・キャンセル・終了時刻なし）", "not done (absent, cancelled or no actual end)"),
        /// The kind of institution is not recorded (records before schema version 5).
        NoProvider = ("no_provider", "実施機関の種別が記録されていない", "the kind of institution is not recorded"),
        /// Not approved by the office yet.
        NotApproved = ("not_approved", "未承認", "not approved"),
        /// The server refused the record.
        Refused = ("refused", "サーバーが受け付けていない記録", "refused by the server"),
        /// The child's score is 16 or more.
        ScoreTooHigh = ("score_16_or_more", "医療的ケア判定スコア16点以上（対象外）", "medical-care score 16 or more (not eligible)"),
        /// The child's score is not on the face sheet.
        ScoreUnknown = ("score_unknown", "医療的ケア判定スコアが未登録", "medical-care score not entered"),
        /// Its continuous hours fall in no band of the fee table in force on its day.
        NoBand = ("no_band", "預かり時間が補助基準額の区分にない", "the continuous hours fall in no band of the fee table"),
        /// The settings set no user charge for the household's tier.
        NoCharge = ("no_charge", "世帯区分の利用者負担が設定されていない", "no user charge set for the household's tier"),
        /// The child's day is already paid by an earlier record of the same day.
        SameDay = ("same_day", "同じ日の2件目以降（1日1回）", "a second record of the same day (paid once a day)"),
    }
}

/// A paid day of daytime care.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaytimeLine {
    /// The visit.
    pub visit_id: VisitId,
    /// Start.
    pub start: DateTime,
    /// End.
    pub end: DateTime,
    /// Continuous minutes.
    pub minutes: u32,
    /// The lead.
    pub lead: String,
    /// The kind of institution.
    pub provider: ProviderKind,
    /// The household's tier on the day.
    pub tier: IncomeTier,
    /// The band of the table in force on the day.
    pub band: DaytimeBand,
    /// The band's base amount, yen.
    pub fee_yen: u32,
    /// The tier's user charge, yen.
    pub user_charge_yen: u32,
    /// `fee_yen − user_charge_yen`, split.
    pub subsidy: Fee,
}

/// A daytime-care record of the month that is not paid, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaytimeUnclaimedDay {
    /// The visit.
    pub visit_id: VisitId,
    /// Start.
    pub start: DateTime,
    /// End, if recorded.
    pub end: Option<DateTime>,
    /// Continuous minutes (0 without an end).
    pub minutes: u32,
    /// The lead.
    pub lead: String,
    /// The kind of institution, if recorded.
    pub provider: Option<ProviderKind>,
    /// Every reason, in the order of [`DaytimeUnclaimed`].
    pub reasons: Vec<DaytimeUnclaimed>,
}

/// One child's part of a daytime-care claim.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaytimeChildClaim {
    /// The child.
    pub child_id: ChildId,
    /// Name.
    pub name: String,
    /// Kana (for sorting).
    pub kana: String,
    /// The score on the face sheet (none when not entered).
    pub score: Option<u32>,
    /// Paid days, in time order.
    pub lines: Vec<DaytimeLine>,
    /// Records of the month not paid, in time order.
    pub unclaimed: Vec<DaytimeUnclaimedDay>,
    /// Sum of the lines' base amounts, yen.
    pub fee_yen: u32,
    /// Sum of the lines' user charges, yen.
    pub user_charge_yen: u32,
    /// Sum of the lines' subsidies.
    pub subsidy: Fee,
}

/// The daytime-care claim of one municipality's children for one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaytimeClaim {
    /// Municipality code.
    pub municipality: String,
    /// Its name (Japanese).
    pub municipality_name: String,
    /// Its name in English.
    pub municipality_name_en: String,
    /// The month.
    pub month: YearMonth,
    /// Children with a record this month, by kana.
    pub children: Vec<DaytimeChildClaim>,
    /// Every child's base amounts, yen.
    pub fee_yen: u32,
    /// Every child's user charges, yen.
    pub user_charge_yen: u32,
    /// Every child's subsidy.
    pub subsidy: Fee,
}

/// The daytime-care claim of `municipality` for `month`: every child given (those of other
/// municipalities are left out), with the settings in force on each day from `rules_on`.
pub fn daytime_claim(
    municipality: &str,
    month: YearMonth,
    children: &[DaytimeChild<'_>],
    rules_on: impl Fn(Date) -> MunicipalityRules,
) -> DaytimeClaim {
    let mut out: Vec<DaytimeChildClaim> =
        children.iter().filter(|c| c.child.municipality == municipality).filter_map(|c| child_claim(c, month, &rules_on)).collect();
    out.sort_by(|a, b| (&a.kana, &a.name, a.child_id).cmp(&(&b.kana, &b.name, b.child_id)));
    let at_end = rules_on(month.last_day());
    DaytimeClaim {
        municipality: municipality.to_string(),
        municipality_name: at_end.name_ja,
        municipality_name_en: at_end.name_en,
        month,
        fee_yen: out.iter().map(|c| c.fee_yen).sum(),
        user_charge_yen: out.iter().map(|c| c.user_charge_yen).sum(),
        subsidy: out.iter().map(|c| c.subsidy).fold(Fee::ZERO, Fee::plus),
        children: out,
    }
}

fn child_claim(c: &DaytimeChild<'_>, month: YearMonth, rules_on: &impl Fn(Date) -> MunicipalityRules) -> Option<DaytimeChildClaim> {
    let mut days: Vec<&DaytimeDay> = c.days.iter().filter(|d| d.start.date.year_month() == month).collect();
    if days.is_empty() {
        return None;
    }
    days.sort_by_key(|d| (d.start, d.visit_id));
    let score = c.child.known_score();
    let mut paid_days: BTreeSet<Date> = BTreeSet::new();
    let (mut lines, mut unclaimed) = (Vec::new(), Vec::new());
    for d in days {
        let rules = rules_on(d.start.date);
        let tier = c.child.tier_on(d.start.date);
        let minutes = d.minutes();
        let mut reasons = Vec::new();
        if !d.done || d.end.is_none() {
            reasons.push(DaytimeUnclaimed::NotDone);
        }
        if d.provider.is_none() {
            reasons.push(DaytimeUnclaimed::NoProvider);
        }
        if d.status != VisitStatus::Approved {
            reasons.push(DaytimeUnclaimed::NotApproved);
        }
        if d.refused {
            reasons.push(DaytimeUnclaimed::Refused);
        }
        match score {
            Some(s) if s >= DAYTIME_CARE_SCORE_LIMIT => reasons.push(DaytimeUnclaimed::ScoreTooHigh),
            Some(_) => {}
            None => reasons.push(DaytimeUnclaimed::ScoreUnknown),
        }
        let fee = rules.daytime_fee(minutes, tier);
        match fee {
            Err(DaytimeFeeGap::NoBand) => reasons.push(DaytimeUnclaimed::NoBand),
            Err(DaytimeFeeGap::NoCharge) => reasons.push(DaytimeUnclaimed::NoCharge),
            Ok(_) => {}
        }
        if reasons.is_empty() && paid_days.contains(&d.start.date) {
            reasons.push(DaytimeUnclaimed::SameDay);
        }
        match (fee, d.end, d.provider) {
            (Ok(f), Some(end), Some(provider)) if reasons.is_empty() => {
                paid_days.insert(d.start.date);
                lines.push(DaytimeLine {
                    visit_id: d.visit_id,
                    start: d.start,
                    end,
                    minutes,
                    lead: d.lead.clone(),
                    provider,
                    tier,
                    band: f.band,
                    fee_yen: f.fee_yen,
                    user_charge_yen: f.user_charge_yen,
                    subsidy: f.subsidy,
                });
            }
            _ => unclaimed.push(DaytimeUnclaimedDay {
                visit_id: d.visit_id,
                start: d.start,
                end: d.end,
                minutes,
                lead: d.lead.clone(),
                provider: d.provider,
                reasons,
            }),
        }
    }
    Some(DaytimeChildClaim {
        child_id: c.child.id,
        name: c.child.name.clone(),
        kana: c.child.kana.clone(),
        score,
        fee_yen: lines.iter().map(|l| l.fee_yen).sum(),
        user_charge_yen: lines.iter().map(|l| l.user_charge_yen).sum(),
        subsidy: lines.iter().map(|l| l.subsidy).fold(Fee::ZERO, Fee::plus),
        lines,
        unclaimed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::child::TierChange;
    use crate::rules::UserCharge;
    use crate::score::{CareItem, ScoreEntry, Watch};

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn t(s: &str) -> DateTime {
        s.parse().unwrap()
    }

    fn id(n: u128) -> VisitId {
        VisitId(uuid::Uuid::from_u128(n))
    }

    /// Bunkyo as this fixture has it. Until 2026-11-15 the built-in table (8–9 h 30,000 yen;
    /// taxed households pay a tenth; Tokyo pays all). From 2026-11-16 a published table:
    /// 8–9 h 31,000, 9 h and more 34,000; taxed households pay 2,500 a day; tax-exempt nothing;
    /// no charge set for public assistance; Tokyo pays 3/4.
    fn rules_on(day: Date) -> MunicipalityRules {
        let builtin = MunicipalityRules::builtin("13105");
        if day < d("2026-11-16") {
            return builtin;
        }
        MunicipalityRules {
            daytime_bands: vec![
                DaytimeBand { from_minutes: 480, to_minutes: Some(540), yen: 31_000 },
                DaytimeBand { from_minutes: 540, to_minutes: None, yen: 34_000 },
            ],
            daytime_user_charge: [
                (IncomeTier::TaxExempt, UserCharge::PerDay { yen: 0 }),
                (IncomeTier::Taxed, UserCharge::PerDay { yen: 2_500 }),
            ]
            .into_iter()
            .collect(),
            daytime_tokyo_share_percent: 75,
            ..builtin
        }
    }

    /// 見本 はな: ventilator with high watch (12 points); tax-exempt, taxed from 2026-11-10.
    fn hana() -> Child {
        let mut c = crate::child::tests::sample();
        c.income_tier = IncomeTier::TaxExempt;
        c.income_tier_changes = vec![TierChange { from: d("2026-11-10"), tier: IncomeTier::Taxed }];
        c
    }

    fn day(n: u128, start: &str, end: &str) -> DaytimeDay {
        DaytimeDay {
            visit_id: id(n),
            start: t(start),
            end: Some(t(end)),
            done: true,
            status: VisitStatus::Approved,
            refused: false,
            lead: "架空 看護師".into(),
            provider: Some(ProviderKind::Clinic),
        }
    }

    fn november() -> YearMonth {
        "2026-11".parse().unwrap()
    }

    #[test]
    fn each_day_is_paid_by_the_table_and_tier_in_force_and_the_rest_listed_with_every_reason() {
        let child = hana();
        assert_eq!(child.known_score(), Some(12));
        let mut submitted = day(5, "2026-11-12T08:30", "2026-11-12T17:00");
        submitted.status = VisitStatus::Submitted;
        let mut absent = day(6, "2026-11-13T09:00", "2026-11-13T09:00");
        absent.done = false;
        absent.end = None;
        let mut refused = day(7, "2026-11-17T08:00", "2026-11-17T16:30");
        refused.refused = true;
        // Recorded before the provider kind was kept (schema version 4): listed apart, and the
        // same day's later record is paid instead.
        let mut unknown_provider = day(13, "2026-11-24T07:00", "2026-11-24T15:30");
        unknown_provider.provider = None;
        let mut hospital = day(14, "2026-11-24T16:00", "2026-11-25T00:00");
        hospital.provider = Some(ProviderKind::Hospital);
        let days = vec![
            day(1, "2026-10-30T08:00", "2026-10-30T16:30"), // October: not this claim's
            day(2, "2026-11-02T08:00", "2026-11-02T16:30"), // 8 h 30, tax-exempt, built-in table
            day(3, "2026-11-05T09:00", "2026-11-05T15:00"), // 6 h: no band
            day(4, "2026-11-09T08:00", "2026-11-09T18:00"), // 10 h: no band in the built-in table
            day(8, "2026-11-10T08:00", "2026-11-10T16:00"), // 8 h, taxed from today, built-in: a tenth
            submitted,
            absent,
            refused,
            day(9, "2026-11-16T08:00", "2026-11-16T18:00"), // 10 h, the new table: 34,000, taxed 2,500
            day(10, "2026-11-16T18:30", "2026-11-17T02:30"), // the 16th again (8 h): paid once a day
            day(11, "2026-11-30T09:00", "2026-11-30T17:59"), // 8 h 59: 31,000, taxed 2,500
            unknown_provider,
            hospital,                                        // 11/24, 8 h: 31,000, taxed 2,500
            day(12, "2026-12-01T08:00", "2026-12-01T16:00"), // December
        ];
        let claim = daytime_claim("13105", november(), &[DaytimeChild { child: &child, days }], rules_on);
        assert_eq!((claim.municipality_name.as_str(), claim.children.len()), ("文京区", 1));
        let c = &claim.children[0];

        let paid: Vec<_> = c.lines.iter().map(|l| (l.visit_id, l.minutes, l.tier, l.fee_yen, l.user_charge_yen, l.subsidy)).collect();
        assert_eq!(
            paid,
            vec![
                // 11/2: built-in, tax-exempt: 30,000, no charge, Tokyo all of it.
                (id(2), 510, IncomeTier::TaxExempt, 30_000, 0, Fee { total_yen: 30_000, tokyo_yen: 30_000, municipality_yen: 0 }),
                // 11/10: built-in, taxed: a tenth of 30,000.
                (id(8), 480, IncomeTier::Taxed, 30_000, 3_000, Fee { total_yen: 27_000, tokyo_yen: 27_000, municipality_yen: 0 }),
                // 11/16: new table, 9 h and more 34,000 − 2,500 = 31,500; Tokyo 3/4 = 23,625.
                (
                    id(9),
                    600,
                    IncomeTier::Taxed,
                    34_000,
                    2_500,
                    Fee { total_yen: 31_500, tokyo_yen: 31_500 * 3 / 4, municipality_yen: 31_500 - 31_500 * 3 / 4 }
                ),
                // 11/24 16:00–0:00: 8 h, 31,000 − 2,500 = 28,500; Tokyo 21,375.
                (
                    id(14),
                    480,
                    IncomeTier::Taxed,
                    31_000,
                    2_500,
                    Fee { total_yen: 28_500, tokyo_yen: 28_500 * 3 / 4, municipality_yen: 28_500 - 28_500 * 3 / 4 }
                ),
                // 11/30: new table, 8–9 h 31,000 − 2,500 = 28,500; Tokyo 21,375.
                (
                    id(11),
                    539,
                    IncomeTier::Taxed,
                    31_000,
                    2_500,
                    Fee { total_yen: 28_500, tokyo_yen: 28_500 * 3 / 4, municipality_yen: 28_500 - 28_500 * 3 / 4 }
                ),
            ]
        );
        let apart: Vec<_> = c.unclaimed.iter().map(|u| (u.visit_id, u.reasons.clone())).collect();
        assert_eq!(
            apart,
            vec![
                (id(3), vec![DaytimeUnclaimed::NoBand]),
                (id(4), vec![DaytimeUnclaimed::NoBand]),
                (id(5), vec![DaytimeUnclaimed::NotApproved]),
                (id(6), vec![DaytimeUnclaimed::NotDone, DaytimeUnclaimed::NoBand]),
                (id(10), vec![DaytimeUnclaimed::SameDay]), // 11/16 18:30, before the 17th's
                (id(7), vec![DaytimeUnclaimed::Refused]),
                (id(13), vec![DaytimeUnclaimed::NoProvider]),
            ]
        );
        let providers: Vec<_> = c.lines.iter().map(|l| l.provider).collect();
        use ProviderKind::{Clinic, Hospital};
        assert_eq!(providers, [Clinic, Clinic, Clinic, Hospital, Clinic]);
        assert_eq!(c.unclaimed.last().map(|u| u.provider), Some(None));
        assert_eq!(c.fee_yen, 30_000 + 30_000 + 34_000 + 31_000 + 31_000);
        assert_eq!(c.user_charge_yen, 3_000 + 2_500 + 2_500 + 2_500);
        assert_eq!(c.subsidy.total_yen, 30_000 + 27_000 + 31_500 + 28_500 + 28_500);
        assert_eq!(c.subsidy.tokyo_yen, 30_000 + 27_000 + 23_625 + 21_375 + 21_375);
        assert_eq!(c.subsidy.municipality_yen, 7_875 + 7_125 + 7_125);
        assert_eq!(claim.subsidy, c.subsidy);
        assert_eq!((claim.fee_yen, claim.user_charge_yen), (c.fee_yen, c.user_charge_yen));
    }

    #[test]
    fn an_ineligible_score_a_tier_without_a_charge_and_other_municipalities_are_not_paid() {
        let mut heavy = hana();
        heavy.id = ChildId::random();
        heavy.kana = "みほん あおい".into();
        heavy.score.push(ScoreEntry { item: CareItem::TubeFeeding, watch: Watch::High }); // 12 + 10 = 22
        let mut unscored = hana();
        unscored.id = ChildId::random();
        unscored.kana = "みほん いつき".into();
        unscored.score.clear();
        let mut assisted = hana();
        assisted.id = ChildId::random();
        assisted.kana = "みほん うみ".into();
        assisted.income_tier = IncomeTier::PublicAssistance;
        assisted.income_tier_changes.clear();
        let mut elsewhere = hana();
        elsewhere.municipality = "13103".into();
        let days = || vec![day(1, "2026-11-02T08:00", "2026-11-02T16:30"), day(2, "2026-11-20T08:00", "2026-11-20T16:30")];
        let children = [
            DaytimeChild { child: &heavy, days: days() },
            DaytimeChild { child: &unscored, days: days() },
            DaytimeChild { child: &assisted, days: days() },
            DaytimeChild { child: &elsewhere, days: days() },
        ];
        let claim = daytime_claim("13105", november(), &children, rules_on);
        let names: Vec<_> = claim.children.iter().map(|c| c.kana.as_str()).collect();
        assert_eq!(names, ["みほん あおい", "みほん いつき", "みほん うみ"]);
        let reasons = |i: usize| claim.children[i].unclaimed.iter().map(|u| u.reasons.clone()).collect::<Vec<_>>();
        assert_eq!(claim.children[0].score, Some(22));
        assert_eq!(reasons(0), vec![vec![DaytimeUnclaimed::ScoreTooHigh]; 2]);
        assert_eq!(reasons(1), vec![vec![DaytimeUnclaimed::ScoreUnknown]; 2]);
        // Public assistance: the built-in table charges nothing on the 2nd; the published one
        // of the 16th sets no charge for the tier, so the 20th is not paid, saying why.
        assert_eq!(claim.children[2].lines.len(), 1);
        assert_eq!(claim.children[2].lines[0].subsidy.total_yen, 30_000);
        assert_eq!(reasons(2), vec![vec![DaytimeUnclaimed::NoCharge]]);
        assert_eq!(claim.subsidy.total_yen, 30_000);
    }

    #[test]
    fn every_reason_has_both_labels() {
        for r in DaytimeUnclaimed::ALL {
            assert!(!r.label().ja.is_empty() && !r.label().en.is_empty());
            assert_eq!(r.name().parse::<DaytimeUnclaimed>().unwrap(), *r);
        }
    }
}
