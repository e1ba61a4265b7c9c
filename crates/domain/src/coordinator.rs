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
//!
//! The records behind it are small server-side records, not synced documents (a coordinator
//! works at a desk, online): a piece of work for a child ([`NewCoordinatorWork`], by the
//! station's coordinator) and a regional meeting or training ([`NewRegionalMeeting`], by the
//! coordinator or the office). [`coordinator_report`] turns a fiscal year of them into what the
//! station claims: per child the 8-hour ledger and the subsidised amount, and the meetings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, FiscalYear};
use crate::ids::ChildId;
use crate::results::{check_not_after_today, check_station_id, check_yen};
use crate::rules::{coordinator_ledger, CoordinatorLedger, CoordinatorWork, Fee};
use crate::validation::{is_blank, labelled_enum, Problems};

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

/// The most minutes one work record holds (a day).
pub const WORK_MINUTES_MAX: u32 = 24 * 60;
/// The most one work record or meeting may cost, yen.
pub const COORDINATION_COST_MAX_YEN: u32 = 10_000_000;
/// The most characters of a work record's note or a meeting's title.
pub const COORDINATION_TEXT_MAX: usize = 200;

labelled_enum! {
    /// What the coordinator did for the child (before the service-use plan).
    pub enum WorkKind {
        /// 相談対応 (with the family).
        Consultation = ("consultation", "相談対応", "consultation"),
        /// 関係機関との連絡調整.
        Liaison = ("liaison", "関係機関との連絡調整", "liaison with other services"),
        /// 家庭訪問.
        HomeVisit = ("home_visit", "家庭訪問", "home visit"),
        /// 支援会議 (a case meeting about the child).
        CaseMeeting = ("case_meeting", "支援会議", "case meeting"),
        /// その他.
        Other = ("other", "その他", "other"),
    }
}

/// A piece of coordinator work to be recorded (the station's coordinator).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCoordinatorWork {
    /// The coordinator's station (the child's owner).
    pub station: String,
    /// The child.
    pub child_id: ChildId,
    /// The day of the work (JST).
    pub date: Date,
    /// Minutes spent.
    pub minutes: u32,
    /// What it cost (the coordinator's pay for it), whole yen.
    pub cost_yen: u32,
    /// What was done.
    pub kind: WorkKind,
    /// A short note (one line; no clinical detail — the records hold that).
    #[serde(default)]
    pub note: String,
}

/// A piece of coordinator work as the server keeps it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorWorkRecord {
    /// The server's id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The fields as recorded.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub work: NewCoordinatorWork,
    /// Who recorded it (their name).
    pub by: String,
    /// When (Unix seconds).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
}

impl NewCoordinatorWork {
    /// Every problem, each naming its field: the station id plain, the day not after `today`,
    /// 1 to [`WORK_MINUTES_MAX`] minutes, 0 to [`COORDINATION_COST_MAX_YEN`] yen (work may be
    /// unpaid), the note at most [`COORDINATION_TEXT_MAX`] characters on one line.
    pub fn validate(&self, today: Date) -> Problems {
        let mut p = Problems::new();
        check_station_id(&mut p, &self.station);
        check_not_after_today(&mut p, "業務の日", self.date, today);
        if !(1..=WORK_MINUTES_MAX).contains(&self.minutes) {
            p.push(
                "minutes",
                "minutes_range",
                format!("業務時間は1〜{WORK_MINUTES_MAX}分で入力してください（{}分）", self.minutes),
                format!("minutes: expected 1 to {WORK_MINUTES_MAX}, got {}", self.minutes),
            );
        }
        check_yen(&mut p, self.cost_yen, 0..=COORDINATION_COST_MAX_YEN);
        p.text("note", &self.note, COORDINATION_TEXT_MAX, false);
        p
    }
}

/// A regional meeting or training to be recorded (the station's coordinator or office).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRegionalMeeting {
    /// The station holding it.
    pub station: String,
    /// The day it was held (JST).
    pub date: Date,
    /// Meeting or training.
    pub kind: MeetingKind,
    /// Its title (地域の協議の場 …).
    pub title: String,
    /// What it cost, whole yen.
    pub cost_yen: u32,
}

/// A regional meeting or training as the server keeps it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalMeetingRecord {
    /// The server's id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The fields as recorded.
    #[serde(flatten)]
    #[cfg_attr(feature = "ts", ts(flatten))]
    pub meeting: NewRegionalMeeting,
    /// Who recorded it (their name).
    pub by: String,
    /// When (Unix seconds).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
}

impl NewRegionalMeeting {
    /// Every problem, each naming its field: the station id plain, the day not after `today`,
    /// a title of at most [`COORDINATION_TEXT_MAX`] characters on one line, 1 to
    /// [`COORDINATION_COST_MAX_YEN`] yen.
    pub fn validate(&self, today: Date) -> Problems {
        let mut p = Problems::new();
        check_station_id(&mut p, &self.station);
        check_not_after_today(&mut p, "開催日", self.date, today);
        if is_blank(&self.title) {
            p.push("title", "required", "会議・研修の名称を入力してください", "title: expected the meeting's name, found nothing");
        } else {
            p.text("title", &self.title, COORDINATION_TEXT_MAX, false);
        }
        check_yen(&mut p, self.cost_yen, 1..=COORDINATION_COST_MAX_YEN);
        p
    }
}

/// One child's coordinator support in a fiscal year.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorChild {
    /// The child.
    pub child_id: ChildId,
    /// Name (from the face sheet the device holds; empty when it holds none).
    pub name: String,
    /// The work of the year against the 8 hours.
    pub ledger: CoordinatorLedger,
    /// The work of the year, in the ledger's order.
    pub work: Vec<CoordinatorWorkRecord>,
    /// The subsidy: the cost of the work within the 8 hours (work past them is not counted),
    /// at most 32,000 yen, Tokyo 3/4.
    pub amount: PersonAmount,
    /// The cost of the work past the 8 hours, yen (not subsidised).
    pub past_hours_cost_yen: u32,
}

/// A station's coordinator support in a fiscal year: per child and the meetings.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorReport {
    /// The station.
    pub station: String,
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// Children with work in the year, by name.
    pub children: Vec<CoordinatorChild>,
    /// The meetings and trainings of the year.
    pub meetings: MeetingsYear,
    /// The meetings as recorded (titles, who recorded them), by day.
    pub meeting_records: Vec<RegionalMeetingRecord>,
    /// The children's subsidies and the meetings', summed.
    pub total: Fee,
}

/// The coordinator support of `station` in `fy` from its work records and meetings (those of
/// other stations or years are ignored); `name` gives a child's name. The 8 hours are counted
/// per child within the fiscal year.
pub fn coordinator_report(
    station: &str,
    fy: FiscalYear,
    work: &[CoordinatorWorkRecord],
    meetings: &[RegionalMeetingRecord],
    name: impl Fn(ChildId) -> String,
) -> CoordinatorReport {
    let mut by_child: BTreeMap<ChildId, Vec<&CoordinatorWorkRecord>> = BTreeMap::new();
    for w in work.iter().filter(|w| w.work.station == station && w.work.date.fiscal_year() == fy) {
        by_child.entry(w.work.child_id).or_default().push(w);
    }
    let mut children: Vec<CoordinatorChild> = by_child
        .into_iter()
        .map(|(child_id, records)| {
            let ledger = coordinator_ledger(
                records.iter().map(|w| CoordinatorWork { id: w.id, date: w.work.date, minutes: w.work.minutes }).collect(),
            );
            let in_order: Vec<CoordinatorWorkRecord> =
                ledger.entries.iter().filter_map(|e| records.iter().find(|w| w.id == e.id).map(|w| (*w).clone())).collect();
            let (past, within): (Vec<&CoordinatorWorkRecord>, Vec<&CoordinatorWorkRecord>) =
                in_order.iter().partition(|w| ledger.over_cap.contains(&w.id));
            let past_hours_cost_yen = past.iter().map(|w| w.work.cost_yen).fold(0u32, u32::saturating_add);
            let amount = person_amount(within.iter().map(|w| w.work.cost_yen).fold(0u32, u32::saturating_add));
            CoordinatorChild { child_id, name: name(child_id), ledger, work: in_order, amount, past_hours_cost_yen }
        })
        .collect();
    children.sort_by(|a, b| (&a.name, a.child_id).cmp(&(&b.name, b.child_id)));
    let mut meeting_records: Vec<RegionalMeetingRecord> =
        meetings.iter().filter(|m| m.meeting.station == station && m.meeting.date.fiscal_year() == fy).cloned().collect();
    meeting_records.sort_by_key(|m| (m.meeting.date, m.id));
    let year = meetings_year(
        fy,
        &meeting_records
            .iter()
            .map(|m| RegionalMeeting { date: m.meeting.date, kind: m.meeting.kind, cost_yen: m.meeting.cost_yen })
            .collect::<Vec<_>>(),
    );
    let total = children.iter().map(|c| c.amount.fee).fold(year.fee, Fee::plus);
    CoordinatorReport { station: station.to_string(), fiscal_year: fy, children, meetings: year, meeting_records, total }
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

    fn work(id: i64, child: ChildId, date: &str, minutes: u32, cost_yen: u32) -> CoordinatorWorkRecord {
        CoordinatorWorkRecord {
            id,
            work: NewCoordinatorWork {
                station: "st-mihon".into(),
                child_id: child,
                date: date.parse().unwrap(),
                minutes,
                cost_yen,
                kind: WorkKind::Liaison,
                note: String::new(),
            },
            by: "見本 調整".into(),
            at: 0,
        }
    }

    fn record(id: i64, station: &str, date: &str, cost_yen: u32) -> RegionalMeetingRecord {
        RegionalMeetingRecord {
            id,
            meeting: NewRegionalMeeting {
                station: station.into(),
                date: date.parse().unwrap(),
                kind: MeetingKind::Meeting,
                title: "架空 地域の協議の場".into(),
                cost_yen,
            },
            by: "見本 事務".into(),
            at: 0,
        }
    }

    #[test]
    fn the_report_counts_each_childs_work_within_eight_hours_and_the_first_three_meetings() {
        let (a, b) = (ChildId(uuid::Uuid::from_u128(1)), ChildId(uuid::Uuid::from_u128(2)));
        let mut other_station = work(20, a, "2026-06-01", 60, 5_000);
        other_station.work.station = "st-kakuu".into();
        let work = [
            work(1, a, "2026-05-01", 180, 10_500), // 3 h
            work(2, a, "2026-06-10", 240, 14_000), // 7 h
            work(3, a, "2026-07-01", 120, 7_000),  // 9 h: past the 8, not counted
            work(4, a, "2026-03-31", 600, 35_000), // FY2025
            work(5, b, "2026-09-01", 300, 40_000), // 5 h but 40,000 yen: capped at 32,000
            other_station,
        ];
        let meetings = [
            record(1, "st-mihon", "2026-05-20", 100_000),
            record(2, "st-mihon", "2026-08-20", 150_000),
            record(3, "st-kakuu", "2026-08-21", 999_000),
            record(4, "st-mihon", "2026-11-20", 120_000),
            record(5, "st-mihon", "2027-02-20", 80_000), // the fourth: not subsidised
        ];
        let names = |c: ChildId| if c == a { "見本 あお".to_string() } else { "見本 いろは".to_string() };
        let r = coordinator_report("st-mihon", FiscalYear(2026), &work, &meetings, names);
        assert_eq!(r.children.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["見本 あお", "見本 いろは"]);
        let ao = &r.children[0];
        assert_eq!(ao.work.iter().map(|w| w.id).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!((ao.ledger.used_minutes, ao.ledger.remaining_minutes, ao.ledger.over_cap.as_slice()), (540, 480 - 540, &[3][..]));
        assert_eq!((ao.amount.cost_yen, ao.past_hours_cost_yen), (10_500 + 14_000, 7_000));
        assert_eq!(ao.amount.fee, Fee { total_yen: 24_500, tokyo_yen: 24_500 * 3 / 4, municipality_yen: 24_500 - 24_500 * 3 / 4 });
        let iroha = &r.children[1];
        assert_eq!((iroha.amount.subsidised_yen, iroha.amount.over_cap_yen), (32_000, 40_000 - 32_000));
        assert_eq!(r.meeting_records.iter().map(|m| m.id).collect::<Vec<_>>(), [1, 2, 4, 5]);
        assert_eq!(r.meetings.counted.len(), 3);
        assert_eq!(r.meetings.subsidised_yen, 100_000 + 150_000 + 120_000);
        assert_eq!(r.total.total_yen, 24_500 + 32_000 + 370_000);
        assert_eq!(r.total.tokyo_yen, 24_500 * 3 / 4 + 32_000 * 3 / 4 + 370_000);
        assert_eq!(r.total.municipality_yen, (24_500 - 24_500 * 3 / 4) + 32_000 / 4);
    }

    #[test]
    fn a_work_record_and_a_meeting_name_each_wrong_field() {
        let today: Date = "2026-12-03".parse().unwrap();
        let mut w = work(0, ChildId(uuid::Uuid::from_u128(1)), "2026-12-04", 0, 0).work;
        w.station = "st mihon".into();
        w.note = "一行目\n二行目".into();
        let p = w.validate(today);
        let fields = |p: &Problems| p.0.iter().map(|x| (x.field.clone(), x.code.clone())).collect::<Vec<_>>();
        assert_eq!(
            fields(&p),
            [
                ("station".into(), "station_id".into()),
                ("date".into(), "in_the_future".into()),
                ("minutes".into(), "minutes_range".into()),
                ("note".into(), "control_char".into())
            ]
        );
        assert!(p.0[2].ja.contains("1〜1440分"), "{}", p.0[2].ja);
        let ok = work(0, ChildId(uuid::Uuid::from_u128(1)), "2026-12-03", 1_440, 0).work;
        assert!(ok.validate(today).is_empty(), "a day's work, unpaid, recorded today");
        let mut m = record(0, "st-mihon", "2026-12-03", 0).meeting;
        m.title = "  ".into();
        assert_eq!(fields(&m.validate(today)), [("title".into(), "required".into()), ("cost_yen".into(), "cost_range".into())]);
    }
}
