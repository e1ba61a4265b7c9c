//! A child moving from one station to another (引継ぎによる移管).
//!
//! When one station takes a child over from another, a nurse of each goes to the home together
//! (同行訪問) and both sign the visit's handover section. After that the giving station's office
//! (or an administrator) transfers the child from a first day on: from that day the receiving
//! station owns the child and reads its whole history, and the giving station's office keeps
//! reading, and only reading, the visit records its own staff wrote (a station must keep its
//! records); everything else of the child leaves the giving station's devices at their next
//! sync. The rule is the server's (`access::reach`); this module holds what a device and the
//! server both need: the request, the transfer as the directory lists it, the check that a
//! handover visit can carry a transfer, and the bucket a giving office's devices hold.

use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::validation::Problems;
use crate::visit::{Outcome, Visit, VisitKind, VisitStatus};

/// What the giving station's office asks for.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    /// The receiving station.
    pub to_org: String,
    /// The first day the receiving station owns the child (JST).
    pub first_day: Date,
    /// The accompanied handover visit, signed by a nurse of each station, the transfer follows
    /// (an administrator may transfer without one, to correct an owner).
    pub handover_visit: Option<String>,
}

/// A transfer as the server keeps it and the directory lists it to both stations.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// The child.
    pub child_id: String,
    /// The child's name on the day of the transfer: what the giving station's screens show
    /// beside the records it keeps once the face sheet has left its devices.
    pub child_name: String,
    /// The child's municipality code on that day (the rules its kept records are read with).
    pub municipality: String,
    /// The giving station.
    pub from_org: String,
    /// The receiving station.
    pub to_org: String,
    /// The first day the receiving station owns the child.
    pub first_day: Date,
    /// The handover visit it follows.
    pub handover_visit: Option<String>,
    /// Who transferred it (their name).
    pub by: String,
    /// When (Unix seconds).
    pub at: i64,
}

impl Transfer {
    /// Whether it is in force on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.first_day <= day
    }
}

/// The most days ahead a transfer may be set to start.
pub const TRANSFER_MAX_DAYS_AHEAD: i64 = 366;

/// The suffix of a bucket that holds only the visit records the caller's organisation wrote,
/// of a child it handed over to another station.
const OWN_RECORDS: &str = "/own";

/// The bucket of a child handed over: the visits its giving station's staff wrote, no more.
pub fn own_records_bucket(child_id: &str) -> String {
    format!("{child_id}{OWN_RECORDS}")
}

/// The child a bucket belongs to (a bucket is a child id, or [`own_records_bucket`] of one).
pub fn bucket_child(bucket: &str) -> &str {
    bucket.strip_suffix(OWN_RECORDS).unwrap_or(bucket)
}

/// Every problem with `visit` as the handover visit a transfer of `child_id` from station
/// `giving` to station `receiving` follows: an accompanied handover visit of that child that
/// took place, submitted or approved, whose handover section names both stations and carries
/// two sign-offs by two different people. (That each signer belongs to their station is the
/// server's check: the device does not know every account's organisation.)
pub fn handover_problems(visit: &Visit, child_id: &str, giving: &str, receiving: &str) -> Problems {
    let mut p = Problems::new();
    if visit.child_id.to_string() != child_id {
        p.push(
            "handover_visit",
            "handover_child",
            "この同行訪問は別の子どもの記録です",
            format!("the handover visit is of child {}, not {child_id}", visit.child_id),
        );
    }
    if visit.kind != VisitKind::Handover {
        p.push(
            "handover_visit",
            "handover_kind",
            format!("同行訪問（引継ぎ）の記録ではありません（{}）", visit.kind.label().ja),
            format!("expected an accompanied handover visit, found a {}", visit.kind.label().en),
        );
    }
    if visit.outcome != Outcome::Done {
        p.push(
            "outcome",
            "handover_not_done",
            format!("同行訪問が実施されていません（{}）", visit.outcome.label().ja),
            format!("the handover visit did not take place (outcome {})", visit.outcome.name()),
        );
    }
    if visit.status == VisitStatus::Draft {
        p.push(
            "status",
            "handover_draft",
            "同行訪問の記録がまだ提出されていません",
            "expected a submitted or approved handover visit, found a draft",
        );
    }
    let Some(h) = &visit.handover else {
        p.push("handover", "handover_missing", "引継ぎの欄がありません", "the visit has no handover section");
        return p;
    };
    if h.from_station.id != giving {
        p.push(
            "handover.from_station",
            "handover_station",
            format!("引継ぐ側の事業所が {} ではありません（{}）", giving, h.from_station.id),
            format!("expected the giving station {giving}, found {:?}", h.from_station.id),
        );
    }
    if h.to_station.id != receiving {
        p.push(
            "handover.to_station",
            "handover_station",
            format!("引継ぎを受ける事業所が {} ではありません（{}）", receiving, h.to_station.id),
            format!("expected the receiving station {receiving}, found {:?}", h.to_station.id),
        );
    }
    match (&h.from_sign_off, &h.to_sign_off) {
        (Some(a), Some(b)) if a.staff_id == b.staff_id => p.push(
            "handover.to_sign_off",
            "handover_same_signer",
            "両方の事業所の署名が同じ人です",
            format!("both sign-offs are by {}: expected one nurse of each station", a.staff_id),
        ),
        (from, to) => {
            if from.is_none() {
                p.push(
                    "handover.from_sign_off",
                    "handover_unsigned",
                    "引継ぐ側の看護師の署名がありません",
                    "the giving station's nurse has not signed",
                );
            }
            if to.is_none() {
                p.push(
                    "handover.to_sign_off",
                    "handover_unsigned",
                    "引継ぎを受ける側の看護師の署名がありません",
                    "the receiving station's nurse has not signed",
                );
            }
        }
    }
    p
}

/// Every problem with the first day of a transfer asked for on `today`, after a handover visit
/// on `handover_day` (if any) and after the child's last transfer (if any) began.
pub fn first_day_problems(first_day: Date, today: Date, handover_day: Option<Date>, last_transfer: Option<Date>) -> Problems {
    let mut p = Problems::new();
    if let Some(day) = handover_day.filter(|d| first_day < *d) {
        p.push(
            "first_day",
            "before_handover",
            format!("移管日 {first_day} が同行訪問の日 {day} より前です"),
            format!("the first day {first_day} is before the handover visit on {day}"),
        );
    }
    if let Some(day) = last_transfer.filter(|d| first_day <= *d) {
        p.push(
            "first_day",
            "before_last_transfer",
            format!("移管日 {first_day} が前回の移管日 {day} 以前です"),
            format!("the first day {first_day} is not after the last transfer's first day {day}"),
        );
    }
    let latest = Date::from_days_since_epoch(today.days_since_epoch() + TRANSFER_MAX_DAYS_AHEAD);
    if first_day > latest {
        p.push(
            "first_day",
            "too_far_ahead",
            format!("移管日 {first_day} が先すぎます（{latest} まで）"),
            format!("the first day {first_day} is too far ahead (expected at most {latest})"),
        );
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ChildId;
    use crate::visit::{Handover, SignOff, Station};

    fn sign(staff: &str) -> Option<SignOff> {
        Some(SignOff { staff_id: staff.into(), name: "見本".into(), at: "2026-12-01T10:00".parse().unwrap() })
    }

    fn station(id: &str) -> Station {
        Station { id: id.into(), name: String::new() }
    }

    fn signed_visit(child: ChildId) -> Visit {
        let mut v = Visit::new(child, VisitKind::Handover, station("st-a"));
        v.outcome = Outcome::Done;
        v.status = VisitStatus::Submitted;
        v.handover = Some(Handover {
            from_station: station("st-a"),
            to_station: station("st-b"),
            topics: vec![],
            from_sign_off: sign("nurse-a"),
            to_sign_off: sign("nurse-b"),
        });
        v
    }

    fn codes(p: &Problems) -> Vec<(&str, &str)> {
        p.0.iter().map(|p| (p.field.as_str(), p.code.as_str())).collect()
    }

    #[test]
    fn a_submitted_handover_signed_by_one_nurse_of_each_station_carries_a_transfer() {
        let child = ChildId::random();
        let v = signed_visit(child);
        assert!(handover_problems(&v, &child.to_string(), "st-a", "st-b").is_empty());
        let approved = Visit { status: VisitStatus::Approved, ..v.clone() };
        assert!(handover_problems(&approved, &child.to_string(), "st-a", "st-b").is_empty());
    }

    #[test]
    fn each_missing_piece_of_the_handover_is_named() {
        let child = ChildId::random();
        let id = child.to_string();
        let v = signed_visit(child);
        assert_eq!(codes(&handover_problems(&v, &ChildId::random().to_string(), "st-a", "st-b")), [("handover_visit", "handover_child")]);
        assert_eq!(codes(&handover_problems(&v, &id, "st-a", "st-c")), [("handover.to_station", "handover_station")]);
        assert_eq!(codes(&handover_problems(&v, &id, "st-c", "st-b")), [("handover.from_station", "handover_station")]);
        let draft = Visit { status: VisitStatus::Draft, ..v.clone() };
        assert_eq!(codes(&handover_problems(&draft, &id, "st-a", "st-b")), [("status", "handover_draft")]);
        let absent = Visit { outcome: Outcome::Absent, ..v.clone() };
        assert_eq!(codes(&handover_problems(&absent, &id, "st-a", "st-b")), [("outcome", "handover_not_done")]);
        let nursing = Visit { kind: VisitKind::Nursing, ..v.clone() };
        assert_eq!(codes(&handover_problems(&nursing, &id, "st-a", "st-b")), [("handover_visit", "handover_kind")]);
        let mut one = v.clone();
        one.handover.as_mut().unwrap().to_sign_off = None;
        assert_eq!(codes(&handover_problems(&one, &id, "st-a", "st-b")), [("handover.to_sign_off", "handover_unsigned")]);
        let mut none = v.clone();
        let h = none.handover.as_mut().unwrap();
        (h.from_sign_off, h.to_sign_off) = (None, None);
        assert_eq!(
            codes(&handover_problems(&none, &id, "st-a", "st-b")),
            [("handover.from_sign_off", "handover_unsigned"), ("handover.to_sign_off", "handover_unsigned")]
        );
        let mut twice = v.clone();
        twice.handover.as_mut().unwrap().to_sign_off = sign("nurse-a");
        assert_eq!(codes(&handover_problems(&twice, &id, "st-a", "st-b")), [("handover.to_sign_off", "handover_same_signer")]);
        let bare = Visit { handover: None, ..v };
        assert_eq!(codes(&handover_problems(&bare, &id, "st-a", "st-b")), [("handover", "handover_missing")]);
    }

    #[test]
    fn the_first_day_follows_the_handover_and_the_last_transfer_and_is_not_too_far_ahead() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let today = d("2026-12-02");
        assert!(
            first_day_problems(d("2026-12-01"), today, Some(d("2026-12-01")), Some(d("2026-11-30"))).is_empty(),
            "the handover day itself"
        );
        assert_eq!(codes(&first_day_problems(d("2026-11-30"), today, Some(d("2026-12-01")), None)), [("first_day", "before_handover")]);
        assert_eq!(
            codes(&first_day_problems(d("2026-11-30"), today, None, Some(d("2026-11-30")))),
            [("first_day", "before_last_transfer")]
        );
        // 2026-12-02 + 366 days = 2027-12-03 (2027 is not a leap year: 365 days to 2027-12-02).
        assert!(first_day_problems(d("2027-12-03"), today, None, None).is_empty());
        assert_eq!(codes(&first_day_problems(d("2027-12-04"), today, None, None)), [("first_day", "too_far_ahead")]);
    }

    #[test]
    fn a_bucket_names_its_child_whole_or_own_records_only() {
        let own = own_records_bucket("0b9c6f1e-5a4d-4c1f-9e55-3f1a2b3c4d5e");
        assert_eq!(own, "0b9c6f1e-5a4d-4c1f-9e55-3f1a2b3c4d5e/own");
        assert_eq!(bucket_child(&own), "0b9c6f1e-5a4d-4c1f-9e55-3f1a2b3c4d5e");
        assert_eq!(bucket_child("0b9c6f1e-5a4d-4c1f-9e55-3f1a2b3c4d5e"), "0b9c6f1e-5a4d-4c1f-9e55-3f1a2b3c4d5e");
    }
}
