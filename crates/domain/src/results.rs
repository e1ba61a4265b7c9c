//! The station-readiness results report (医療的ケア児訪問看護ステーション体制整備事業 実績報告): what
//! a station did with the subsidy in one fiscal year (April–March), from the records — the
//! accompanied handover visits (引継ぎ等に係る同行訪問: date, child, both stations, the people
//! present), the first-visit equipment checklist of each child (初回訪問時までの準備物品: which items
//! were checked ok, had a problem, were absent, or were not checked), and the equipment the
//! station bought (item, date, cost in whole yen) with their total.
//!
//! A visit belongs to the fiscal year of its day (its actual start, else its scheduled start).
//! Only handover visits that took place (`Outcome::Done`) count; a draft is listed, marked, so
//! the office sees what is still to be submitted. A purchase belongs to the year of its date.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, FiscalYear};
use crate::checklist::{CheckStatus, ChecklistTemplate};
use crate::ids::{ChildId, VisitId};
use crate::people::Directory;
use crate::validation::{is_blank, Problems};
use crate::visit::{Outcome, Profession, StaffRole, Visit, VisitKind, VisitStatus};

/// The id of the built-in first-visit equipment template.
pub const FIRST_VISIT_TEMPLATE: &str = "first_visit_equipment";
/// The most characters of a purchase's item.
pub const ITEM_MAX: usize = 200;
/// The most characters of a purchase's note.
pub const PURCHASE_NOTE_MAX: usize = 1_000;
/// The largest cost of one purchase, yen (ten million: far above any item on the handout's
/// list; a larger figure is a typing error).
pub const COST_MAX_YEN: u32 = 10_000_000;
/// The most characters of a station id.
pub const STATION_ID_MAX: usize = 64;
/// The largest amount granted to a station for a year, yen (a hundred million: far above what
/// the programme grants; a larger figure is a typing error).
pub const GRANT_MAX_YEN: u32 = 100_000_000;
/// The fiscal years a grant may be recorded for.
pub const GRANT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A purchase of equipment to be recorded (office of the station, or an administrator).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPurchase {
    /// The station that bought it.
    pub station: String,
    /// What was bought (小児用パルスオキシメーター …).
    pub item: String,
    /// The day it was bought (JST).
    pub date: Date,
    /// What it cost, whole yen, tax included.
    pub cost_yen: u32,
    /// A note (supplier, quantity …).
    #[serde(default)]
    pub note: String,
}

/// A purchase as the server keeps it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// The server's id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// The station.
    pub station: String,
    /// What was bought.
    pub item: String,
    /// The day.
    pub date: Date,
    /// Whole yen.
    pub cost_yen: u32,
    /// A note.
    pub note: String,
    /// Who recorded it (their name).
    pub by: String,
    /// When (Unix seconds).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
}

/// The amount of the subsidy granted to a station for a fiscal year (交付決定額), as the decision
/// notice (交付決定通知) gives it, to be recorded (office of the station, or an administrator). A
/// station has at most one per year: recording it again replaces it (a changed decision,
/// 変更交付決定).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewGrant {
    /// The station granted.
    pub station: String,
    /// The fiscal year of the grant.
    pub fiscal_year: FiscalYear,
    /// The amount granted, whole yen.
    pub granted_yen: u32,
    /// The day of the decision (交付決定日), within the fiscal year and not after today.
    pub decided_on: Date,
    /// A note (the notice's number …).
    #[serde(default)]
    pub note: String,
}

/// A grant decision as the server keeps it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The station.
    pub station: String,
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// Whole yen.
    pub granted_yen: u32,
    /// The day of the decision.
    pub decided_on: Date,
    /// A note.
    pub note: String,
    /// Who recorded it last (their name).
    pub by: String,
    /// When (Unix seconds).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
}

impl NewGrant {
    /// Every problem, each naming its field: the station id plain and given, the fiscal year
    /// within [`GRANT_YEARS`], the amount 1 to [`GRANT_MAX_YEN`] yen, the day of the decision
    /// within the fiscal year and not after `today`, the note at most [`PURCHASE_NOTE_MAX`]
    /// characters.
    pub fn validate(&self, today: Date) -> Problems {
        let mut p = Problems::new();
        check_station_id(&mut p, &self.station);
        let (lo, hi) = (GRANT_YEARS.start(), GRANT_YEARS.end());
        let year_ok = GRANT_YEARS.contains(&self.fiscal_year.0);
        if !year_ok {
            p.push(
                "fiscal_year",
                "year_range",
                format!("年度は{lo}〜{hi}（西暦）で入力してください（{}）", self.fiscal_year.0),
                format!("fiscal_year: expected a year from {lo} to {hi}, got {}", self.fiscal_year.0),
            );
        }
        if !(1..=GRANT_MAX_YEN).contains(&self.granted_yen) {
            p.push(
                "granted_yen",
                "cost_range",
                format!("交付決定額は1〜{GRANT_MAX_YEN}円の整数で入力してください（{}）", self.granted_yen),
                format!("granted_yen: expected whole yen from 1 to {GRANT_MAX_YEN}, got {}", self.granted_yen),
            );
        }
        let fy = self.fiscal_year;
        if self.decided_on > today {
            p.push(
                "decided_on",
                "in_the_future",
                format!("交付決定日は今日（{today}）以前にしてください（{}）", self.decided_on),
                format!("decided_on: expected a day on or before today ({today}), got {}", self.decided_on),
            );
        } else if year_ok && !fy.contains(self.decided_on) {
            p.push(
                "decided_on",
                "outside_year",
                format!(
                    "交付決定日は{}（{}〜{}）の日にしてください（{}）",
                    fy.japanese_label(),
                    fy.first_day(),
                    fy.last_day(),
                    self.decided_on
                ),
                format!(
                    "decided_on: expected a day of {} ({} to {}), got {}",
                    fy.english_label(),
                    fy.first_day(),
                    fy.last_day(),
                    self.decided_on
                ),
            );
        }
        p.text("note", &self.note, PURCHASE_NOTE_MAX, true);
        p
    }
}

impl NewPurchase {
    /// Every problem, each naming its field: the station id plain and given, the item given
    /// and at most [`ITEM_MAX`] characters on one line, the date not after `today`, the cost
    /// 1 to [`COST_MAX_YEN`] yen, the note at most [`PURCHASE_NOTE_MAX`] characters.
    pub fn validate(&self, today: Date) -> Problems {
        let mut p = Problems::new();
        check_station_id(&mut p, &self.station);
        if is_blank(&self.item) {
            p.push("item", "required", "購入した物品を入力してください", "item: expected what was bought, found nothing");
        } else {
            p.text("item", &self.item, ITEM_MAX, false);
        }
        check_not_after_today(&mut p, "購入日", self.date, today);
        check_yen(&mut p, self.cost_yen, 1..=COST_MAX_YEN);
        p.text("note", &self.note, PURCHASE_NOTE_MAX, true);
        p
    }
}

/// A station id as the server's organisation ids: 1–64 bytes, no spaces or control characters
/// (field `station`).
pub(crate) fn check_station_id(p: &mut Problems, station: &str) {
    let plain = (1..=STATION_ID_MAX).contains(&station.len()) && !station.chars().any(|c| c.is_whitespace() || c.is_control());
    if !plain {
        p.push(
            "station",
            "station_id",
            format!("事業所IDは空白を含まない1〜{STATION_ID_MAX}文字です"),
            format!("station: expected an id of 1–{STATION_ID_MAX} characters without spaces"),
        );
    }
}

/// A day that must not be after `today` (field `date`; `what` names it in Japanese).
pub(crate) fn check_not_after_today(p: &mut Problems, what: &str, date: Date, today: Date) {
    if date > today {
        p.push(
            "date",
            "in_the_future",
            format!("{what}は今日（{today}）以前にしてください（{date}）"),
            format!("date: expected a day on or before today ({today}), got {date}"),
        );
    }
}

/// An amount of whole yen within `range` (field `cost_yen`).
pub(crate) fn check_yen(p: &mut Problems, yen: u32, range: std::ops::RangeInclusive<u32>) {
    if !range.contains(&yen) {
        let (lo, hi) = (range.start(), range.end());
        p.push(
            "cost_yen",
            "cost_range",
            format!("金額は{lo}〜{hi}円の整数で入力してください（{yen}）"),
            format!("cost_yen: expected whole yen from {lo} to {hi}, got {yen}"),
        );
    }
}

/// A station on the report: its id and the name the directory gives (else the visit's).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStation {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// Someone present on a handover visit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonPresent {
    /// Name.
    pub name: String,
    /// Profession.
    pub profession: Profession,
    /// Lead or accompanying.
    pub role: StaffRole,
    /// Their station.
    pub station: ReportStation,
}

/// One accompanied handover visit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverLine {
    /// The visit.
    pub visit_id: VisitId,
    /// Its day.
    pub date: Date,
    /// The child.
    pub child_id: ChildId,
    /// The child's name (empty when this device does not know it).
    pub child_name: String,
    /// The station handing over.
    pub from_station: ReportStation,
    /// The station taking over.
    pub to_station: ReportStation,
    /// Everyone on the record's staff, in the record's order.
    pub people: Vec<PersonPresent>,
    /// Who signed for the giving station.
    pub from_signed_by: Option<String>,
    /// Who signed for the receiving station.
    pub to_signed_by: Option<String>,
    /// What was handed over (the topics).
    pub topics: Vec<String>,
    /// Draft, submitted or approved.
    pub status: VisitStatus,
}

/// One item of a first-visit checklist with its state.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedItem {
    /// The template's item id.
    pub id: String,
    /// Its Japanese name.
    pub ja: String,
    /// Its English name.
    pub en: String,
    /// `None`: not checked on the record.
    pub status: Option<CheckStatus>,
    /// The note (what the problem is).
    pub note: String,
}

/// A child's first-visit equipment checklist as the latest visit of the year that carries it
/// left it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildChecklist {
    /// The child.
    pub child_id: ChildId,
    /// Name.
    pub child_name: String,
    /// The visit it was read from; `None` when no visit of the year carries it.
    pub visit_id: Option<VisitId>,
    /// That visit's day.
    pub date: Option<Date>,
    /// Every item of the template, in its order.
    pub items: Vec<CheckedItem>,
    /// Items checked ok.
    pub ok: u32,
    /// Items with a problem.
    pub problem: u32,
    /// Items absent.
    pub absent: u32,
    /// Items not checked.
    pub unchecked: u32,
}

/// A station's results report for a fiscal year.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsReport {
    /// The station.
    pub station: ReportStation,
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// Handover visits of the year that took place, by day.
    pub handovers: Vec<HandoverLine>,
    /// The children of those visits and of the station's visits carrying the checklist, by
    /// name.
    pub checklists: Vec<ChildChecklist>,
    /// Purchases of the year, by day.
    pub purchases: Vec<Purchase>,
    /// Their total, yen.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub purchases_total_yen: u64,
    /// The amount granted for the year (交付決定額), when the office has recorded it.
    pub grant: Option<Grant>,
    /// What is left of the grant after the purchases (残額): granted − purchases total;
    /// negative when the purchases exceed it. `None` without a grant.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub remaining_yen: Option<i64>,
}

/// A child as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportChild {
    /// The child.
    pub id: ChildId,
    /// Name.
    pub name: String,
}

/// The results report of `station` for `fy`: from `visits` (any; those of other years, kinds
/// and stations are ignored), the children's names in `children` (else the directory's
/// transfers), the checklist `templates`, the `purchases` (any; those of other stations and
/// years are ignored), the `grant` of the year (one of another station or year is ignored) and
/// the `directory` (station names).
#[allow(clippy::too_many_arguments)]
pub fn results_report(
    station: &str,
    fy: FiscalYear,
    visits: &[Visit],
    children: &[ReportChild],
    templates: &[ChecklistTemplate],
    purchases: &[Purchase],
    grant: Option<&Grant>,
    directory: &Directory,
) -> ResultsReport {
    // The directory's name, else the name the record gives, else the id.
    let station_named = |id: &str, fallback: &str| {
        let named = directory.org(id).map(|o| o.name.trim()).filter(|n| !n.is_empty()).unwrap_or(fallback.trim());
        ReportStation { id: id.to_string(), name: if named.is_empty() { id.to_string() } else { named.to_string() } }
    };
    let child_name = |id: ChildId| {
        children.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_else(|| {
            directory.transfers.iter().rev().find(|t| t.child_id == id.to_string()).map_or(String::new(), |t| t.child_name.clone())
        })
    };
    let day = |v: &Visit| v.actual_start.or(v.scheduled_start).map(|t| t.date);
    let in_year = |v: &Visit| day(v).filter(|d| fy.contains(*d));

    let mut handovers = Vec::new();
    let mut involved: BTreeSet<ChildId> = BTreeSet::new();
    for v in visits.iter().filter(|v| v.kind == VisitKind::Handover && v.outcome == Outcome::Done) {
        let (Some(date), Some(h)) = (in_year(v), &v.handover) else { continue };
        if v.station.id != station && h.from_station.id != station && h.to_station.id != station {
            continue;
        }
        involved.insert(v.child_id);
        let names: BTreeMap<&str, &str> =
            [(&h.from_station.id, &h.from_station.name), (&h.to_station.id, &h.to_station.name), (&v.station.id, &v.station.name)]
                .into_iter()
                .map(|(i, n)| (i.as_str(), n.as_str()))
                .collect();
        handovers.push(HandoverLine {
            visit_id: v.id,
            date,
            child_id: v.child_id,
            child_name: child_name(v.child_id),
            from_station: station_named(&h.from_station.id, &h.from_station.name),
            to_station: station_named(&h.to_station.id, &h.to_station.name),
            people: v
                .staff
                .iter()
                .map(|s| PersonPresent {
                    name: s.name.clone(),
                    profession: s.profession,
                    role: s.role,
                    station: station_named(&s.station_id, names.get(s.station_id.as_str()).copied().unwrap_or_default()),
                })
                .collect(),
            from_signed_by: h.from_sign_off.as_ref().map(|s| s.name.clone()),
            to_signed_by: h.to_sign_off.as_ref().map(|s| s.name.clone()),
            topics: h.topics.iter().map(|t| t.topic.clone()).collect(),
            status: v.status,
        });
    }
    handovers.sort_by(|a, b| (a.date, &a.child_name, a.visit_id.to_string()).cmp(&(b.date, &b.child_name, b.visit_id.to_string())));

    // Per child, the latest visit of the year at the station that carries the checklist.
    let mut latest: BTreeMap<ChildId, &Visit> = BTreeMap::new();
    for v in visits.iter().filter(|v| v.station.id == station && v.checklist.template_id == FIRST_VISIT_TEMPLATE) {
        let Some(_) = in_year(v) else { continue };
        let start = |v: &Visit| v.actual_start.or(v.scheduled_start);
        match latest.get(&v.child_id) {
            Some(held) if (start(held), held.id.to_string()) >= (start(v), v.id.to_string()) => {}
            _ => {
                latest.insert(v.child_id, v);
            }
        }
        involved.insert(v.child_id);
    }
    let template = templates.iter().find(|t| t.id == FIRST_VISIT_TEMPLATE);
    let mut checklists: Vec<ChildChecklist> = involved
        .into_iter()
        .map(|child_id| {
            let visit = latest.get(&child_id);
            let items: Vec<CheckedItem> = template.map_or_else(Vec::new, |t| {
                t.items
                    .iter()
                    .map(|i| {
                        let entry = visit.and_then(|v| v.checklist.items.get(&i.id));
                        CheckedItem {
                            id: i.id.clone(),
                            ja: i.ja.clone(),
                            en: i.en.clone(),
                            status: entry.map(|e| e.status),
                            note: entry.map_or(String::new(), |e| e.note.clone()),
                        }
                    })
                    .collect()
            });
            let count = |s: Option<CheckStatus>| items.iter().filter(|i| i.status == s).count() as u32;
            ChildChecklist {
                child_id,
                child_name: child_name(child_id),
                visit_id: visit.map(|v| v.id),
                date: visit.and_then(|v| day(v)),
                ok: count(Some(CheckStatus::Ok)),
                problem: count(Some(CheckStatus::Problem)),
                absent: count(Some(CheckStatus::Absent)),
                unchecked: count(None),
                items,
            }
        })
        .collect();
    checklists.sort_by(|a, b| (&a.child_name, a.child_id).cmp(&(&b.child_name, b.child_id)));

    let mut purchases: Vec<Purchase> = purchases.iter().filter(|p| p.station == station && fy.contains(p.date)).cloned().collect();
    purchases.sort_by_key(|p| (p.date, p.id));
    let purchases_total_yen: u64 = purchases.iter().map(|p| u64::from(p.cost_yen)).sum();
    let grant = grant.filter(|g| g.station == station && g.fiscal_year == fy).cloned();
    // At most u32::MAX × purchases: far inside i64.
    let remaining_yen = grant.as_ref().map(|g| i64::from(g.granted_yen) - purchases_total_yen as i64);
    ResultsReport {
        station: station_named(station, ""),
        fiscal_year: fy,
        handovers,
        checklists,
        purchases,
        purchases_total_yen,
        grant,
        remaining_yen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{builtin_templates, CheckEntry};
    use crate::people::{Org, OrgKind};
    use crate::visit::{Handover, HandoverTopic, SignOff, StaffMember, Station};

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn directory() -> Directory {
        let org = |id: &str, name: &str| Org { id: id.into(), kind: OrgKind::Station, name: name.into(), municipality: None };
        Directory {
            orgs: vec![org("st-a", "架空あおば訪問看護"), org("st-b", "見本さくら訪問看護")], ..Default::default()
        }
    }

    fn staff(name: &str, station: &str, role: StaffRole) -> StaffMember {
        StaffMember { id: name.into(), name: name.into(), profession: Profession::Nurse, role, station_id: station.into() }
    }

    fn handover(child: ChildId, day: &str, status: VisitStatus) -> Visit {
        let mut v = Visit::new(child, VisitKind::Handover, Station { id: "st-a".into(), name: "".into() });
        v.actual_start = Some(format!("{day}T10:00").parse().unwrap());
        v.actual_end = Some(format!("{day}T11:00").parse().unwrap());
        v.status = status;
        v.staff = vec![staff("架空 一子", "st-a", StaffRole::Lead), staff("見本 二郎", "st-b", StaffRole::Accompanying)];
        let at = v.actual_end.unwrap();
        v.handover = Some(Handover {
            from_station: Station { id: "st-a".into(), name: "".into() },
            to_station: Station { id: "st-b".into(), name: "".into() },
            topics: vec![HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: String::new() }],
            from_sign_off: Some(SignOff { staff_id: "架空 一子".into(), name: "架空 一子".into(), at }),
            to_sign_off: None,
        });
        v
    }

    fn purchase(id: i64, station: &str, date: &str, cost_yen: u32) -> Purchase {
        Purchase {
            id,
            station: station.into(),
            item: format!("見本物品{id}"),
            date: d(date),
            cost_yen,
            note: String::new(),
            by: "架空 事務".into(),
            at: 0,
        }
    }

    #[test]
    fn handovers_count_in_the_fiscal_year_of_their_day_with_both_stations_and_people() {
        let child = ChildId::random();
        let other = ChildId::random();
        let children = vec![ReportChild { id: child, name: "見本 はな".into() }];
        let mut cancelled = handover(child, "2026-06-01", VisitStatus::Submitted);
        cancelled.outcome = Outcome::Cancelled;
        let mut elsewhere = handover(other, "2026-06-02", VisitStatus::Approved);
        elsewhere.station.id = "st-z".into();
        elsewhere.handover.as_mut().unwrap().from_station.id = "st-y".into();
        elsewhere.handover.as_mut().unwrap().to_station.id = "st-z".into();
        let visits = vec![
            handover(child, "2027-04-01", VisitStatus::Approved), // FY2027: out
            handover(child, "2027-03-31", VisitStatus::Approved), // last day of FY2026: in
            handover(child, "2026-03-31", VisitStatus::Approved), // FY2025: out
            handover(child, "2026-04-01", VisitStatus::Draft),    // first day of FY2026: in, a draft
            cancelled,                                            // did not take place
            elsewhere,                                            // neither station is st-a
        ];
        let r = results_report("st-a", FiscalYear(2026), &visits, &children, &builtin_templates(), &[], None, &directory());
        let days: Vec<String> = r.handovers.iter().map(|h| h.date.to_string()).collect();
        assert_eq!(days, ["2026-04-01", "2027-03-31"]);
        let h = &r.handovers[1];
        assert_eq!(h.child_name, "見本 はな");
        assert_eq!((h.from_station.name.as_str(), h.to_station.name.as_str()), ("架空あおば訪問看護", "見本さくら訪問看護"));
        let people: Vec<(&str, &str)> = h.people.iter().map(|p| (p.name.as_str(), p.station.name.as_str())).collect();
        assert_eq!(people, [("架空 一子", "架空あおば訪問看護"), ("見本 二郎", "見本さくら訪問看護")]);
        assert_eq!((h.from_signed_by.as_deref(), h.to_signed_by.as_deref()), (Some("架空 一子"), None));
        assert_eq!(h.topics, ["吸引の手順"]);
        assert_eq!(r.handovers[0].status, VisitStatus::Draft);
        // The receiving station's report lists the same visits.
        let b = results_report("st-b", FiscalYear(2026), &visits, &children, &builtin_templates(), &[], None, &directory());
        assert_eq!(b.handovers.len(), 2);
        assert_eq!(b.station.name, "見本さくら訪問看護");
        // A station the directory does not name: the record's name, else its id.
        let mut unnamed = visits.clone();
        for v in &mut unnamed {
            v.handover.as_mut().unwrap().to_station.name = "記録上の名前".into();
        }
        let r = results_report("st-a", FiscalYear(2026), &unnamed, &children, &builtin_templates(), &[], None, &Directory::default());
        assert_eq!((r.handovers[0].from_station.name.as_str(), r.handovers[0].to_station.name.as_str()), ("st-a", "記録上の名前"));
    }

    #[test]
    fn the_checklist_of_each_child_is_the_latest_of_the_year_with_every_item_counted() {
        let child = ChildId::random();
        let handed = ChildId::random();
        let children = vec![ReportChild { id: child, name: "見本 はな".into() }, ReportChild { id: handed, name: "架空 たろう".into() }];
        let visit = |day: &str, marks: &[(&str, CheckStatus, &str)]| {
            let mut v = Visit::new(child, VisitKind::Nursing, Station { id: "st-a".into(), name: "".into() });
            v.actual_start = Some(format!("{day}T09:00").parse().unwrap());
            v.checklist.template_id = FIRST_VISIT_TEMPLATE.into();
            for (id, status, note) in marks {
                v.checklist.items.insert(id.to_string(), CheckEntry { status: *status, note: note.to_string() });
            }
            v
        };
        let visits = vec![
            visit("2026-05-01", &[("autoclave", CheckStatus::Absent, "")]),
            visit(
                "2026-05-20",
                &[
                    ("autoclave", CheckStatus::Ok, ""),
                    ("thermometer", CheckStatus::Ok, ""),
                    ("pulse_oximeter", CheckStatus::Problem, "プローブが小さすぎる"),
                    ("laryngoscope", CheckStatus::Absent, ""),
                ],
            ),
            visit("2027-04-02", &[("dryer", CheckStatus::Ok, "")]), // next year: ignored
            handover(handed, "2026-07-01", VisitStatus::Approved),  // a child with no checklist
        ];
        let r = results_report("st-a", FiscalYear(2026), &visits, &children, &builtin_templates(), &[], None, &directory());
        let names: Vec<&str> = r.checklists.iter().map(|c| c.child_name.as_str()).collect();
        assert_eq!(names, ["架空 たろう", "見本 はな"]);
        let none = &r.checklists[0];
        assert_eq!((none.visit_id, none.ok, none.problem, none.absent, none.unchecked), (None, 0, 0, 0, 32));
        let c = &r.checklists[1];
        assert_eq!(c.date, Some(d("2026-05-20")));
        // 32 items: 2 ok + 1 problem + 1 absent + the 28 others not checked.
        assert_eq!((c.ok, c.problem, c.absent, c.unchecked), (2, 1, 1, 32 - 2 - 1 - 1));
        let ox = c.items.iter().find(|i| i.id == "pulse_oximeter").unwrap();
        assert_eq!((ox.status, ox.note.as_str()), (Some(CheckStatus::Problem), "プローブが小さすぎる"));
        assert_eq!(c.items.iter().find(|i| i.id == "dryer").unwrap().status, None);
        // Another station's report does not list this station's checklists.
        let b = results_report("st-b", FiscalYear(2026), &visits[..3], &children, &builtin_templates(), &[], None, &directory());
        assert!(b.checklists.is_empty());
    }

    #[test]
    fn purchases_of_the_station_and_year_only_are_listed_and_summed() {
        let purchases = vec![
            purchase(1, "st-a", "2026-04-01", 12_800),
            purchase(2, "st-a", "2027-03-31", 4_980),
            purchase(3, "st-a", "2026-03-31", 99_999), // FY2025
            purchase(4, "st-a", "2027-04-01", 88_888), // FY2027
            purchase(5, "st-b", "2026-10-10", 77_777), // another station
            purchase(6, "st-a", "2026-09-15", 150_000),
        ];
        let r = results_report("st-a", FiscalYear(2026), &[], &[], &builtin_templates(), &purchases, None, &directory());
        let ids: Vec<i64> = r.purchases.iter().map(|p| p.id).collect();
        assert_eq!(ids, [1, 6, 2]);
        assert_eq!(r.purchases_total_yen, 12_800 + 150_000 + 4_980);
        assert_eq!(r.fiscal_year, FiscalYear(2026));
        assert_eq!((r.grant, r.remaining_yen), (None, None), "no grant recorded: no remainder");
    }

    fn grant(station: &str, fy: i32, granted_yen: u32) -> Grant {
        Grant {
            station: station.into(),
            fiscal_year: FiscalYear(fy),
            granted_yen,
            decided_on: d(&format!("{fy}-12-10")),
            note: String::new(),
            by: "見本 事務".into(),
            at: 1,
        }
    }

    #[test]
    fn the_remainder_is_the_grant_of_the_station_and_year_less_the_purchases_and_goes_negative_when_overspent() {
        let purchases = vec![purchase(1, "st-a", "2026-05-01", 120_000), purchase(2, "st-a", "2026-11-30", 45_500)];
        let report =
            |g: Option<&Grant>| results_report("st-a", FiscalYear(2026), &[], &[], &builtin_templates(), &purchases, g, &directory());
        let r = report(Some(&grant("st-a", 2026, 500_000)));
        assert_eq!(r.grant.as_ref().map(|g| g.granted_yen), Some(500_000));
        assert_eq!(r.remaining_yen, Some(500_000 - (120_000 + 45_500)));
        let over = report(Some(&grant("st-a", 2026, 150_000)));
        assert_eq!(over.remaining_yen, Some(150_000 - (120_000 + 45_500)));
        assert!(over.remaining_yen.unwrap() < 0);
        // A grant of another station or year is not this report's.
        for other in [grant("st-b", 2026, 500_000), grant("st-a", 2025, 500_000)] {
            let r = report(Some(&other));
            assert_eq!((r.grant, r.remaining_yen), (None, None), "{other:?}");
        }
    }

    #[test]
    fn a_grant_names_each_wrong_field() {
        let today = d("2026-12-03");
        let good = NewGrant {
            station: "st-a".into(),
            fiscal_year: FiscalYear(2026),
            granted_yen: 1_200_000,
            decided_on: d("2026-12-01"),
            note: "見本 第123号".into(),
        };
        assert!(good.validate(today).is_empty(), "{}", good.validate(today));
        let bad = NewGrant { station: "".into(), granted_yen: 0, decided_on: d("2026-12-04"), note: "\u{202e}".into(), ..good.clone() };
        let p = bad.validate(today);
        for f in ["station", "granted_yen", "decided_on", "note"] {
            assert!(p.has_field(f), "{f}: {p}");
        }
        assert!(p.has_code("in_the_future"), "{p}");
        // A decision dated in another fiscal year (2026-03-31 is FY2025's last day).
        let p = NewGrant { decided_on: d("2026-03-31"), ..good.clone() }.validate(today);
        assert!(p.has_code("outside_year") && p.has_field("decided_on"), "{p}");
        assert!(NewGrant { decided_on: d("2026-04-01"), ..good.clone() }.validate(today).is_empty());
        let p = NewGrant { fiscal_year: FiscalYear(1999), decided_on: d("1999-12-01"), ..good.clone() }.validate(today);
        assert!(p.has_code("year_range") && !p.has_code("outside_year"), "{p}");
        let p = NewGrant { granted_yen: GRANT_MAX_YEN + 1, ..good.clone() }.validate(today);
        assert!(p.has_code("cost_range"), "{p}");
        assert!(NewGrant { granted_yen: GRANT_MAX_YEN, ..good }.validate(today).is_empty());
    }

    #[test]
    fn a_purchase_names_each_wrong_field() {
        let today = d("2026-12-03");
        let good = NewPurchase {
            station: "st-a".into(),
            item: "小児用パルスオキシメーター".into(),
            date: d("2026-12-03"),
            cost_yen: 24_800,
            note: "見本".into(),
        };
        assert!(good.validate(today).is_empty(), "{}", good.validate(today));
        let bad = NewPurchase {
            station: "st a/..".into(),
            item: "x".repeat(ITEM_MAX + 1),
            date: d("2026-12-04"),
            cost_yen: 0,
            note: "\u{202e}".into(),
        };
        let p = bad.validate(today);
        for f in ["station", "item", "date", "cost_yen", "note"] {
            assert!(p.has_field(f), "{f}: {p}");
        }
        let blank = NewPurchase { item: " ".into(), cost_yen: COST_MAX_YEN + 1, ..good.clone() };
        let p = blank.validate(today);
        assert!(p.has_code("required") && p.has_code("cost_range"), "{p}");
        assert!(NewPurchase { cost_yen: COST_MAX_YEN, ..good }.validate(today).is_empty());
    }
}
