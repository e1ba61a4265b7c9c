//! Coordinator support (医療的ケア児等コーディネーター支援体制整備促進事業, H §2-1): the money.
//!
//! The handout's two parts:
//! - work before a service-use plan exists (サービス等利用計画策定前の業務): at most 8 hours per
//!   child (the ledger: [`crate::rules::coordinator_ledger`]) and at most 32,000 yen per person,
//!   Tokyo paying 3/4 (「上限額 32,000円／人（都負担割合3/4）」);
//! - groundwork (基盤整備に係る業務): regional meetings and trainings, at most 3 in a fiscal year,
//!   at most 420,000 yen, Tokyo paying all (「上限額 420,000円 都（都負担割合10/10）」「一年度の間に
//!   会議・研修3回まで」).
//!
//! Pure arithmetic over what was spent: a cost past a limit is kept and named, never dropped.

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, FiscalYear};
use crate::rules::Fee;
use crate::validation::labelled_enum;

/// The most subsidised for one child's work before the service-use plan, yen.
pub const COORDINATOR_PERSON_CAP_YEN: u32 = 32_000;
/// Tokyo's share of it, percent (3/4).
pub const COORDINATOR_PERSON_TOKYO_PERCENT: u32 = 75;
/// Regional meetings and trainings subsidised in one fiscal year.
pub const REGIONAL_MEETINGS_PER_YEAR: usize = 3;
/// The most subsidised for them in one fiscal year, yen.
pub const REGIONAL_MEETINGS_CAP_YEN: u32 = 420_000;
/// Tokyo's share of them, percent (10/10).
pub const REGIONAL_MEETINGS_TOKYO_PERCENT: u32 = 100;

/// The subsidy for one child's coordinator work before the service-use plan.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonAmount {
    /// What the work cost, yen.
    pub cost_yen: u32,
    /// What is subsidised: the cost, at most 32,000 yen.
    pub subsidised_yen: u32,
    /// The cost past the limit (not subsidised), yen.
    pub over_cap_yen: u32,
    /// The subsidy split: Tokyo 3/4 (rounded down to the yen), the municipality the rest.
    pub fee: Fee,
}

/// The subsidy for one child whose coordinator work cost `cost_yen`.
pub fn person_amount(cost_yen: u32) -> PersonAmount {
    let subsidised_yen = cost_yen.min(COORDINATOR_PERSON_CAP_YEN);
    PersonAmount {
        cost_yen,
        subsidised_yen,
        over_cap_yen: cost_yen - subsidised_yen,
        fee: Fee::split(subsidised_yen, COORDINATOR_PERSON_TOKYO_PERCENT),
    }
}

labelled_enum! {
    /// What kind of groundwork event.
    pub enum MeetingKind {
        /// 会議 (the regional forum, 協議の場).
        Meeting = ("meeting", "会議", "meeting"),
        /// 研修.
        Training = ("training", "研修", "training"),
    }
}

/// One regional meeting or training and what it cost.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalMeeting {
    /// The day it was held.
    pub date: Date,
    /// Meeting or training.
    pub kind: MeetingKind,
    /// What it cost, yen.
    pub cost_yen: u32,
}

/// A fiscal year's regional meetings and trainings and their subsidy.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingsYear {
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// The first three of the year, in date order: the ones subsidised.
    pub counted: Vec<RegionalMeeting>,
    /// Every later one of the year: held and kept, not subsidised (past 3 a year).
    pub past_limit: Vec<RegionalMeeting>,
    /// The counted ones' cost, yen.
    pub cost_yen: u32,
    /// What is subsidised: that cost, at most 420,000 yen.
    pub subsidised_yen: u32,
    /// The counted cost past 420,000 yen, yen.
    pub over_cap_yen: u32,
    /// The subsidy (Tokyo all of it).
    pub fee: Fee,
}

/// The meetings and trainings of fiscal year `fy` among `meetings` (others are ignored): the
/// first three by date are subsidised up to 420,000 yen together; later ones are named apart.
pub fn meetings_year(fy: FiscalYear, meetings: &[RegionalMeeting]) -> MeetingsYear {
    let mut of_year: Vec<RegionalMeeting> = meetings.iter().filter(|m| m.date.fiscal_year() == fy).cloned().collect();
    of_year.sort_by_key(|m| (m.date, m.kind));
    let past_limit = of_year.split_off(of_year.len().min(REGIONAL_MEETINGS_PER_YEAR));
    let cost_yen: u32 = of_year.iter().map(|m| m.cost_yen).sum();
    let subsidised_yen = cost_yen.min(REGIONAL_MEETINGS_CAP_YEN);
    MeetingsYear {
        fiscal_year: fy,
        counted: of_year,
        past_limit,
        cost_yen,
        subsidised_yen,
        over_cap_yen: cost_yen - subsidised_yen,
        fee: Fee::split(subsidised_yen, REGIONAL_MEETINGS_TOKYO_PERCENT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(date: &str, kind: MeetingKind, cost_yen: u32) -> RegionalMeeting {
        RegionalMeeting { date: date.parse().unwrap(), kind, cost_yen }
    }

    #[test]
    fn a_persons_amount_is_at_most_32000_yen_three_quarters_from_tokyo() {
        // 8 h of work at an assumed 3,500 yen an hour: 28,000, all subsidised; Tokyo 21,000.
        let a = person_amount(8 * 3_500);
        assert_eq!((a.subsidised_yen, a.over_cap_yen, a.fee.tokyo_yen, a.fee.municipality_yen), (28_000, 0, 21_000, 7_000));
        // 40,000 spent: 32,000 subsidised, 8,000 named past the limit; Tokyo 24,000.
        let a = person_amount(40_000);
        assert_eq!((a.cost_yen, a.subsidised_yen, a.over_cap_yen), (40_000, 32_000, 40_000 - 32_000));
        assert_eq!((a.fee.total_yen, a.fee.tokyo_yen, a.fee.municipality_yen), (32_000, 32_000 * 3 / 4, 32_000 / 4));
        // An odd amount: Tokyo's 3/4 rounded down, the municipality the yen over.
        let a = person_amount(10_001);
        assert_eq!((a.fee.tokyo_yen, a.fee.municipality_yen), (7_500, 10_001 - 7_500));
    }

    #[test]
    fn the_first_three_meetings_of_the_year_are_subsidised_up_to_420000_yen_and_later_ones_named() {
        let meetings = [
            meeting("2027-02-10", MeetingKind::Meeting, 150_000),
            meeting("2026-03-20", MeetingKind::Meeting, 90_000), // FY2025: not this year's
            meeting("2026-06-01", MeetingKind::Meeting, 120_000),
            meeting("2026-09-15", MeetingKind::Training, 200_000),
            meeting("2026-12-05", MeetingKind::Meeting, 130_000),
        ];
        let y = meetings_year(FiscalYear(2026), &meetings);
        let days = |v: &[RegionalMeeting]| v.iter().map(|m| m.date.to_string()).collect::<Vec<_>>();
        assert_eq!(days(&y.counted), ["2026-06-01", "2026-09-15", "2026-12-05"]);
        assert_eq!(days(&y.past_limit), ["2027-02-10"]);
        assert_eq!(y.cost_yen, 120_000 + 200_000 + 130_000);
        assert_eq!((y.subsidised_yen, y.over_cap_yen), (420_000, 120_000 + 200_000 + 130_000 - 420_000));
        assert_eq!((y.fee.tokyo_yen, y.fee.municipality_yen), (420_000, 0));
        // Under the cap: all of it, Tokyo all of it.
        let y = meetings_year(FiscalYear(2025), &meetings);
        assert_eq!((y.counted.len(), y.subsidised_yen, y.fee.tokyo_yen, y.over_cap_yen), (1, 90_000, 90_000, 0));
        assert!(meetings_year(FiscalYear(2027), &meetings).counted.is_empty());
    }
}
