//! What one version of a visit changed from the one before: field by field, old → new, for the
//! office's history (the server's audit log says who and when; this says what).
//!
//! [`visit_changes`] flattens both versions into labelled values and compares them. Pure: no
//! clock, no IO, and no panic on odd data (empty ids, duplicate keys, NaN, hostile text).
//!
//! # Paths
//! A [`FieldChange::field`] is a path into the visit like a validation problem's, except that
//! list entries are named by their merge key (`id`), not by their position, since positions move
//! between versions: `actual_end`, `staff[n1].role`, `vitals[vt1].spo2`,
//! `care[c1].count`, `note.plan`, `checklist.template_id`, `checklist.items.ventilator`
//! (its status), `checklist.items.ventilator.note`, `handover.from_station.name`,
//! `handover.topics[t1].detail`, `handover.to_sign_off`, `guardian`, `guardian.reason`, `status`.
//! An entry added or removed shows each of its filled-in fields, from or to nothing.
//!
//! # Values
//! Values are rendered for people, the same in both languages where they can be:
//! - a time as `14:30` when it falls on the visit's day (the actual start's, else the planned
//!   start's, of the newer version), else as `2026-05-01 14:30`;
//! - numbers as they are (`36.8`), text whole (the UI shortens it), names and codes as they are;
//! - an enum by its two labels, `提出済み / submitted` (the `Display` of [`Message`]);
//! - a sign-off as `name 14:30`; the drawn signature as `サインあり / signed` (its path data is
//!   not shown; a redrawn one still counts as a change);
//! - empty text, and a field that is not there, as `None`.
//!
//! A field whose value is the same in both versions is no change. The label says which field in
//! people's words, with the entry it belongs to (`バイタル 10:30 脈拍` / `vital signs 10:30 pulse`;
//! an entry without a name or time is named by its place in the list, `バイタル 2件目` /
//! `vital signs #2`). Checklist items are named from the built-in templates, else by their id.

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, DateTime};
use crate::checklist::builtin_templates;
use crate::validation::Label;
use crate::visit::{GuardianConfirmation, Handover, SignOff, Station, Visit};
use crate::wire::Message;

/// One field a version of a record changed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Where in the record (`actual_end`, `vitals[vt1].spo2`, `note.plan`,
    /// `checklist.items.ventilator`, `status` …): list entries by their merge key.
    pub field: String,
    /// The field in people's words, with the entry it belongs to (`終了時刻` / `end time`).
    pub label: Message,
    /// The value before (`None`: not there, or empty).
    pub old: Option<String>,
    /// The value after (`None`: removed, or emptied).
    pub new: Option<String>,
}

/// Every field `after` changed from `before` (`None`: the record's first version, so every
/// filled-in field is new), in the order of the record's fields.
pub fn visit_changes(before: Option<&Visit>, after: &Visit) -> Vec<FieldChange> {
    let day = after.actual_start.or(after.scheduled_start).map(|t| t.date);
    let old = before.map(|b| flatten(b, day)).unwrap_or_default();
    let new = flatten(after, day);
    let mut out = Vec::new();
    // Sections in the record's order; within one, the newer version's fields first (in its
    // order), then those only the older had.
    let mut sections: Vec<u16> = old.iter().chain(&new).map(|e| e.section).collect();
    sections.sort_unstable();
    sections.dedup();
    for section in sections {
        for n in new.iter().filter(|e| e.section == section) {
            let o = old.iter().find(|o| o.field == n.field && o.occurrence == n.occurrence);
            let (old_shown, old_key) = o.map_or((None, None), |o| (o.shown.clone(), o.key.clone()));
            if old_key != n.key {
                out.push(FieldChange { field: n.field.clone(), label: n.label.clone(), old: old_shown, new: n.shown.clone() });
            }
        }
        for o in old.iter().filter(|e| e.section == section) {
            if o.key.is_some() && !new.iter().any(|n| n.field == o.field && n.occurrence == o.occurrence) {
                out.push(FieldChange { field: o.field.clone(), label: o.label.clone(), old: o.shown.clone(), new: None });
            }
        }
    }
    // Two entries of one key (concurrent adds of the same id) are compared in their order; the
    // same change found twice is reported once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert((c.field.clone(), c.old.clone(), c.new.clone())));
    out
}

/// One field of one version: where, its label, what people see and what is compared.
struct Entry {
    section: u16,
    field: String,
    label: Message,
    shown: Option<String>,
    /// What is compared (the shown value, except for the signature: its path data).
    key: Option<String>,
    /// How many entries before this one have the same path (list entries sharing a key).
    occurrence: usize,
}

struct Flat {
    day: Option<Date>,
    section: u16,
    out: Vec<Entry>,
}

impl Flat {
    fn put(&mut self, field: impl Into<String>, label: Message, shown: Option<String>) {
        let key = shown.clone();
        self.out.push(Entry { section: self.section, field: field.into(), label, shown, key, occurrence: 0 });
    }

    fn text(&mut self, field: impl Into<String>, label: Message, value: &str) {
        self.put(field, label, (!value.is_empty()).then(|| value.to_string()));
    }

    fn time(&mut self, field: impl Into<String>, label: Message, value: Option<DateTime>) {
        let shown = value.map(|t| self.render_time(t));
        self.put(field, label, shown);
    }

    fn render_time(&self, t: DateTime) -> String {
        if Some(t.date) == self.day {
            t.time.to_string()
        } else {
            format!("{} {}", t.date, t.time)
        }
    }

    fn num<N: ToString>(&mut self, field: impl Into<String>, label: Message, value: Option<N>) {
        self.put(field, label, value.map(|n| n.to_string()));
    }

    fn label(&mut self, field: impl Into<String>, label: Message, value: Label) {
        self.put(field, label, Some(both(value)));
    }

    fn station(&mut self, field: &str, label: (&str, &str), s: &Station) {
        self.text(format!("{field}.id"), Message::new(format!("{}コード", label.0), format!("{} code", label.1)), &s.id);
        self.text(format!("{field}.name"), Message::new(label.0, label.1), &s.name);
    }

    fn sign_off(&mut self, field: &str, label: Message, s: Option<&SignOff>) {
        let shown = s.map(|s| format!("{} {}", s.name, self.render_time(s.at)));
        self.put(field, label, shown);
    }
}

fn next(f: &mut Flat) {
    f.section += 1;
}

fn both(l: Label) -> String {
    format!("{} / {}", l.ja, l.en)
}

fn msg(ja: &str, en: &str) -> Message {
    Message::new(ja, en)
}

/// A field of a list entry: the entry's name, then the field's (`バイタル 10:30 脈拍`).
fn of(entry: &Message, ja: &str, en: &str) -> Message {
    Message::new(format!("{} {ja}", entry.ja), format!("{} {en}", entry.en))
}

/// An entry without a name of its own: its place in the list (`バイタル 2件目` / `vital signs #2`).
fn nth(ja: &str, en: &str, i: usize) -> Message {
    Message::new(format!("{ja} {}件目", i + 1), format!("{en} #{}", i + 1))
}

fn flatten(v: &Visit, day: Option<Date>) -> Vec<Entry> {
    let mut f = Flat { day, section: 0, out: Vec::new() };

    f.put("child_id", msg("児童", "child"), Some(v.child_id.to_string()));
    f.station("station", ("ステーション", "station"), &v.station);
    f.label("kind", msg("種別", "kind of visit"), v.kind.label());
    f.text("place", msg("場所", "place"), &v.place);
    f.put("provider", msg("実施機関の種別", "kind of institution"), v.provider.map(|k| both(k.label())));
    f.time("scheduled_start", msg("予定開始", "planned start"), v.scheduled_start);
    f.time("scheduled_end", msg("予定終了", "planned end"), v.scheduled_end);
    f.time("actual_start", msg("開始時刻", "start time"), v.actual_start);
    f.time("actual_end", msg("終了時刻", "end time"), v.actual_end);
    f.label("outcome", msg("結果", "outcome"), v.outcome.label());

    next(&mut f);
    for s in &v.staff {
        let p = format!("staff[{}]", s.id);
        let who = Message::new(format!("スタッフ {}", s.name), format!("staff {}", s.name));
        f.text(format!("{p}.name"), of(&who, "氏名", "name"), &s.name);
        f.label(format!("{p}.profession"), of(&who, "職種", "profession"), s.profession.label());
        f.label(format!("{p}.role"), of(&who, "役割", "role"), s.role.label());
        f.text(format!("{p}.station_id"), of(&who, "所属ステーション", "station"), &s.station_id);
    }

    next(&mut f);
    for (i, r) in v.vitals.iter().enumerate() {
        let p = format!("vitals[{}]", r.id);
        let which = match r.at {
            Some(t) => {
                let t = f.render_time(t);
                Message::new(format!("バイタル {t}"), format!("vital signs {t}"))
            }
            None => nth("バイタル", "vital signs", i),
        };
        f.time(format!("{p}.at"), of(&which, "測定時刻", "time measured"), r.at);
        f.num(format!("{p}.respiration"), of(&which, "呼吸数", "respiration"), r.respiration);
        f.num(format!("{p}.pulse"), of(&which, "脈拍", "pulse"), r.pulse);
        f.num(format!("{p}.temperature_c"), of(&which, "体温", "temperature"), r.temperature_c);
        f.num(format!("{p}.spo2"), of(&which, "SpO₂", "SpO₂"), r.spo2);
        f.num(format!("{p}.bp_systolic"), of(&which, "血圧（上）", "systolic BP"), r.bp_systolic);
        f.num(format!("{p}.bp_diastolic"), of(&which, "血圧（下）", "diastolic BP"), r.bp_diastolic);
    }

    next(&mut f);
    for c in &v.care {
        let p = format!("care[{}]", c.id);
        let item = c.item.label();
        let which = Message::new(format!("ケア {}", item.ja), format!("care {}", item.en));
        f.label(format!("{p}.item"), of(&which, "項目", "item"), item);
        f.num(format!("{p}.count"), of(&which, "回数", "count"), c.count);
        f.num(format!("{p}.amount_ml"), of(&which, "量（mL）", "amount (mL)"), c.amount_ml);
        f.num(format!("{p}.rate_ml_per_h"), of(&which, "速度（mL/h）", "rate (mL/h)"), c.rate_ml_per_h);
        f.num(format!("{p}.oxygen_l_per_min"), of(&which, "酸素（L/分）", "oxygen (L/min)"), c.oxygen_l_per_min);
        f.text(format!("{p}.note"), of(&which, "メモ", "note"), &c.note);
    }

    next(&mut f);
    f.text("note.subjective", msg("S（主観的情報）", "S (subjective)"), v.note.subjective.as_str());
    f.text("note.objective", msg("O（客観的情報）", "O (objective)"), v.note.objective.as_str());
    f.text("note.assessment", msg("A（アセスメント）", "A (assessment)"), v.note.assessment.as_str());
    f.text("note.plan", msg("P（計画）", "P (plan)"), v.note.plan.as_str());

    next(&mut f);
    f.text("checklist.template_id", msg("チェックリスト", "checklist"), &v.checklist.template_id);
    let templates = builtin_templates();
    for (id, e) in &v.checklist.items {
        let name = templates.iter().flat_map(|t| &t.items).find(|i| &i.id == id);
        let which = match name {
            Some(i) => Message::new(format!("チェック {}", i.ja), format!("check {}", i.en)),
            None => Message::new(format!("チェック {id}"), format!("check {id}")),
        };
        f.label(format!("checklist.items.{id}"), which.clone(), e.status.label());
        f.text(format!("checklist.items.{id}.note"), of(&which, "メモ", "note"), &e.note);
    }

    next(&mut f);
    if let Some(h) = &v.handover {
        handover(&mut f, h);
    }

    next(&mut f);
    match &v.guardian {
        None => {}
        Some(GuardianConfirmation::Confirmed { name, at, signature }) => {
            f.put("guardian", msg("保護者確認", "guardian confirmation"), Some(both(Label { ja: "確認済み", en: "confirmed" })));
            f.text("guardian.name", msg("保護者氏名", "guardian's name"), name);
            f.time("guardian.at", msg("保護者確認の時刻", "time confirmed"), Some(*at));
            if !signature.is_empty() {
                f.out.push(Entry {
                    section: f.section,
                    field: "guardian.signature".into(),
                    label: msg("保護者のサイン", "guardian's drawn signature"),
                    shown: Some(both(Label { ja: "サインあり", en: "signed" })),
                    key: Some(signature.clone()),
                    occurrence: 0,
                });
            }
        }
        Some(GuardianConfirmation::NotConfirmed { reason }) => {
            f.put("guardian", msg("保護者確認", "guardian confirmation"), Some(both(Label { ja: "確認なし", en: "not confirmed" })));
            f.text("guardian.reason", msg("保護者確認がない理由", "why not confirmed"), reason);
        }
    }

    next(&mut f);
    f.label("status", msg("状態", "status"), v.status.label());
    if let Some(r) = &v.returned {
        f.text("returned.reason", msg("差し戻しの理由", "why it was sent back"), &r.reason);
        f.text("returned.by", msg("差し戻した人", "sent back by"), &r.by);
        f.time("returned.at", msg("差し戻した時刻", "time sent back"), Some(r.at));
    }
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for e in &mut f.out {
        let n = seen.entry(e.field.clone()).or_default();
        e.occurrence = *n;
        *n += 1;
    }
    f.out
}

fn handover(f: &mut Flat, h: &Handover) {
    f.station("handover.from_station", ("引継ぎ元ステーション", "station handing over"), &h.from_station);
    f.station("handover.to_station", ("引継ぎ先ステーション", "station taking over"), &h.to_station);
    for (i, t) in h.topics.iter().enumerate() {
        let p = format!("handover.topics[{}]", t.id);
        let which = if t.topic.is_empty() {
            nth("引継ぎ項目", "handover topic", i)
        } else {
            Message::new(format!("引継ぎ項目 {}", t.topic), format!("handover topic {}", t.topic))
        };
        f.text(format!("{p}.topic"), of(&which, "項目", "topic"), &t.topic);
        f.text(format!("{p}.detail"), of(&which, "内容", "details"), &t.detail);
    }
    f.sign_off("handover.from_sign_off", msg("引継ぎ元のサイン", "sign-off of the station handing over"), h.from_sign_off.as_ref());
    f.sign_off("handover.to_sign_off", msg("引継ぎ先のサイン", "sign-off of the station taking over"), h.to_sign_off.as_ref());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{CheckEntry, CheckStatus};
    use crate::ids::ChildId;
    use crate::score::CareItem;
    use crate::visit::{CareGiven, HandoverTopic, Outcome, Profession, StaffMember, StaffRole, VisitKind, VisitStatus, VitalReading};

    fn t(s: &str) -> DateTime {
        s.parse().unwrap()
    }

    fn change(field: &str, ja: &str, en: &str, old: Option<&str>, new: Option<&str>) -> FieldChange {
        FieldChange { field: field.into(), label: Message::new(ja, en), old: old.map(Into::into), new: new.map(Into::into) }
    }

    fn nurse(id: &str, name: &str, role: StaffRole) -> StaffMember {
        StaffMember { id: id.into(), name: name.into(), profession: Profession::Nurse, role, station_id: "st1".into() }
    }

    fn visit() -> Visit {
        let mut v = Visit::new(ChildId::random(), VisitKind::Respite, Station { id: "st1".into(), name: "架空ステーション".into() });
        v.actual_start = Some(t("2026-05-01T09:00"));
        v.actual_end = Some(t("2026-05-01T12:00"));
        v.staff.push(nurse("n1", "架空 看護師", StaffRole::Lead));
        v
    }

    #[test]
    fn an_edit_shows_each_field_it_changed_old_to_new() {
        let before = visit();
        let mut after = before.clone();
        after.actual_end = Some(t("2026-05-01T14:30"));
        after.place = "学校".into();
        after.outcome = Outcome::Absent;
        after.note.plan = "経過観察\n次回も同様に".into();
        assert_eq!(
            visit_changes(Some(&before), &after),
            vec![
                change("place", "場所", "place", Some("自宅"), Some("学校")),
                change("actual_end", "終了時刻", "end time", Some("12:00"), Some("14:30")),
                change("outcome", "結果", "outcome", Some("実施 / done"), Some("不在 / client absent")),
                change("note.plan", "P（計画）", "P (plan)", None, Some("経過観察\n次回も同様に")),
            ]
        );
        assert_eq!(visit_changes(Some(&after), &after), vec![], "the same version changes nothing");
    }

    #[test]
    fn the_first_version_shows_every_filled_in_field_as_new() {
        let v = visit();
        let child = v.child_id.to_string();
        assert_eq!(
            visit_changes(None, &v),
            vec![
                change("child_id", "児童", "child", None, Some(&child)),
                change("station.id", "ステーションコード", "station code", None, Some("st1")),
                change("station.name", "ステーション", "station", None, Some("架空ステーション")),
                change("kind", "種別", "kind of visit", None, Some("在宅レスパイト / respite")),
                change("place", "場所", "place", None, Some("自宅")),
                change("actual_start", "開始時刻", "start time", None, Some("09:00")),
                change("actual_end", "終了時刻", "end time", None, Some("12:00")),
                change("outcome", "結果", "outcome", None, Some("実施 / done")),
                change("staff[n1].name", "スタッフ 架空 看護師 氏名", "staff 架空 看護師 name", None, Some("架空 看護師")),
                change("staff[n1].profession", "スタッフ 架空 看護師 職種", "staff 架空 看護師 profession", None, Some("看護師 / nurse")),
                change("staff[n1].role", "スタッフ 架空 看護師 役割", "staff 架空 看護師 role", None, Some("担当 / lead")),
                change("staff[n1].station_id", "スタッフ 架空 看護師 所属ステーション", "staff 架空 看護師 station", None, Some("st1")),
                change("status", "状態", "status", None, Some("下書き / draft")),
            ]
        );
    }

    #[test]
    fn staff_are_added_removed_and_changed_by_their_key_and_named() {
        let mut before = visit();
        before.staff.push(nurse("n2", "見本 次郎", StaffRole::Accompanying));
        let mut after = before.clone();
        after.staff.remove(0); // n1 leaves; n2 moves to the first place, which is no change
        after.staff[0].role = StaffRole::Lead;
        after.staff.push(StaffMember {
            profession: Profession::Physiotherapist,
            station_id: String::new(),
            ..nurse("p1", "見本 理学", StaffRole::Accompanying)
        });
        assert_eq!(
            visit_changes(Some(&before), &after),
            vec![
                change(
                    "staff[n2].role",
                    "スタッフ 見本 次郎 役割",
                    "staff 見本 次郎 role",
                    Some("同行 / accompanying"),
                    Some("担当 / lead")
                ),
                change("staff[p1].name", "スタッフ 見本 理学 氏名", "staff 見本 理学 name", None, Some("見本 理学")),
                change(
                    "staff[p1].profession",
                    "スタッフ 見本 理学 職種",
                    "staff 見本 理学 profession",
                    None,
                    Some("理学療法士 / physiotherapist")
                ),
                change("staff[p1].role", "スタッフ 見本 理学 役割", "staff 見本 理学 role", None, Some("同行 / accompanying")),
                change("staff[n1].name", "スタッフ 架空 看護師 氏名", "staff 架空 看護師 name", Some("架空 看護師"), None),
                change("staff[n1].profession", "スタッフ 架空 看護師 職種", "staff 架空 看護師 profession", Some("看護師 / nurse"), None),
                change("staff[n1].role", "スタッフ 架空 看護師 役割", "staff 架空 看護師 role", Some("担当 / lead"), None),
                change("staff[n1].station_id", "スタッフ 架空 看護師 所属ステーション", "staff 架空 看護師 station", Some("st1"), None),
            ]
        );
    }

    #[test]
    fn vitals_and_care_by_their_key_with_each_value() {
        let mut before = visit();
        before.vitals.push(VitalReading {
            id: "vt1".into(),
            at: Some(t("2026-05-01T10:00")),
            pulse: Some(120),
            spo2: Some(97),
            ..Default::default()
        });
        before.vitals.push(VitalReading { id: "vt2".into(), temperature_c: Some(36.8), ..Default::default() });
        before.care.push(CareGiven {
            id: "c1".into(),
            item: CareItem::Suction,
            count: Some(3),
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "白色痰".into(),
        });
        let mut after = before.clone();
        after.vitals[0].spo2 = Some(93);
        after.vitals[0].pulse = None;
        after.vitals.remove(1);
        after.vitals.push(VitalReading {
            id: "vt3".into(),
            at: Some(t("2026-05-02T08:15")),
            bp_systolic: Some(100),
            bp_diastolic: Some(60),
            ..Default::default()
        });
        after.care[0].count = Some(5);
        after.care[0].oxygen_l_per_min = Some(0.5);
        assert_eq!(
            visit_changes(Some(&before), &after),
            vec![
                change("vitals[vt1].pulse", "バイタル 10:00 脈拍", "vital signs 10:00 pulse", Some("120"), None),
                change("vitals[vt1].spo2", "バイタル 10:00 SpO₂", "vital signs 10:00 SpO₂", Some("97"), Some("93")),
                change(
                    "vitals[vt3].at",
                    "バイタル 2026-05-02 08:15 測定時刻",
                    "vital signs 2026-05-02 08:15 time measured",
                    None,
                    Some("2026-05-02 08:15")
                ),
                change(
                    "vitals[vt3].bp_systolic",
                    "バイタル 2026-05-02 08:15 血圧（上）",
                    "vital signs 2026-05-02 08:15 systolic BP",
                    None,
                    Some("100")
                ),
                change(
                    "vitals[vt3].bp_diastolic",
                    "バイタル 2026-05-02 08:15 血圧（下）",
                    "vital signs 2026-05-02 08:15 diastolic BP",
                    None,
                    Some("60")
                ),
                change("vitals[vt2].temperature_c", "バイタル 2件目 体温", "vital signs #2 temperature", Some("36.8"), None),
                change("care[c1].count", "ケア 吸引 回数", "care suction count", Some("3"), Some("5")),
                change("care[c1].oxygen_l_per_min", "ケア 吸引 酸素（L/分）", "care suction oxygen (L/min)", None, Some("0.5")),
            ]
        );
    }

    #[test]
    fn checklist_items_handover_guardian_and_status() {
        let mut before = Visit::new(ChildId::random(), VisitKind::Handover, Station { id: "stA".into(), name: "A".into() });
        before.actual_start = Some(t("2026-10-01T10:00"));
        before.checklist.template_id = "home_devices".into();
        before.checklist.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
        before.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "不在".into() });
        let mut after = before.clone();
        after.checklist.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Problem, note: "回路に水滴".into() });
        after.checklist.items.insert("custom_item".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
        let h = after.handover.as_mut().unwrap();
        h.to_station = Station { id: "stB".into(), name: "B".into() };
        h.topics.push(HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: "1. 手洗い".into() });
        h.from_sign_off = Some(SignOff { staff_id: "a1".into(), name: "看護師a1".into(), at: t("2026-10-01T11:30") });
        after.guardian =
            Some(GuardianConfirmation::Confirmed {
                name: "見本 花子".into(), at: t("2026-10-01T11:30"), signature: "M 1 2 L 3 4".into()
            });
        after.status = VisitStatus::Submitted;
        let expected = vec![
            change("checklist.items.custom_item", "チェック custom_item", "check custom_item", None, Some("問題なし / ok")),
            change(
                "checklist.items.ventilator",
                "チェック 人工呼吸器（設定・アラーム・回路）",
                "check ventilator (settings, alarms, circuit)",
                Some("問題なし / ok"),
                Some("問題あり / problem"),
            ),
            change(
                "checklist.items.ventilator.note",
                "チェック 人工呼吸器（設定・アラーム・回路） メモ",
                "check ventilator (settings, alarms, circuit) note",
                None,
                Some("回路に水滴"),
            ),
            change("handover.to_station.id", "引継ぎ先ステーションコード", "station taking over code", None, Some("stB")),
            change("handover.to_station.name", "引継ぎ先ステーション", "station taking over", None, Some("B")),
            change("handover.topics[t1].topic", "引継ぎ項目 吸引の手順 項目", "handover topic 吸引の手順 topic", None, Some("吸引の手順")),
            change(
                "handover.topics[t1].detail",
                "引継ぎ項目 吸引の手順 内容",
                "handover topic 吸引の手順 details",
                None,
                Some("1. 手洗い"),
            ),
            change("handover.from_sign_off", "引継ぎ元のサイン", "sign-off of the station handing over", None, Some("看護師a1 11:30")),
            change("guardian", "保護者確認", "guardian confirmation", Some("確認なし / not confirmed"), Some("確認済み / confirmed")),
            change("guardian.name", "保護者氏名", "guardian's name", None, Some("見本 花子")),
            change("guardian.at", "保護者確認の時刻", "time confirmed", None, Some("11:30")),
            change("guardian.signature", "保護者のサイン", "guardian's drawn signature", None, Some("サインあり / signed")),
            change("guardian.reason", "保護者確認がない理由", "why not confirmed", Some("不在"), None),
            change("status", "状態", "status", Some("下書き / draft"), Some("提出済み / submitted")),
        ];
        assert_eq!(visit_changes(Some(&before), &after), expected);

        // A redrawn signature is a change though it shows the same.
        let mut redrawn = after.clone();
        if let Some(GuardianConfirmation::Confirmed { signature, .. }) = &mut redrawn.guardian {
            *signature = "M 5 5 L 6 6".into();
        }
        assert_eq!(
            visit_changes(Some(&after), &redrawn),
            vec![change(
                "guardian.signature",
                "保護者のサイン",
                "guardian's drawn signature",
                Some("サインあり / signed"),
                Some("サインあり / signed")
            )]
        );
        // The handover section going away shows what it held (the empty station handing over is
        // nothing), to nothing.
        let mut gone = after.clone();
        gone.handover = None;
        let fields: Vec<_> = visit_changes(Some(&after), &gone).into_iter().map(|c| (c.field, c.new)).collect();
        assert_eq!(
            fields,
            [
                "handover.to_station.id",
                "handover.to_station.name",
                "handover.topics[t1].topic",
                "handover.topics[t1].detail",
                "handover.from_sign_off"
            ]
            .map(|f| (f.to_string(), None))
        );
    }

    #[test]
    fn a_time_on_another_day_shows_its_date_and_long_text_is_whole() {
        let before = visit();
        let mut after = before.clone();
        after.actual_start = Some(t("2026-05-02T09:00"));
        after.actual_end = Some(t("2026-05-02T12:00"));
        let long = "あ".repeat(10_000);
        after.note.subjective = long.as_str().into();
        assert_eq!(
            visit_changes(Some(&before), &after),
            vec![
                change("actual_start", "開始時刻", "start time", Some("2026-05-01 09:00"), Some("09:00")),
                change("actual_end", "終了時刻", "end time", Some("2026-05-01 12:00"), Some("12:00")),
                change("note.subjective", "S（主観的情報）", "S (subjective)", None, Some(&long)),
            ]
        );
    }

    #[test]
    fn odd_data_never_panics() {
        let mut before = visit();
        before.staff.push(nurse("n1", "同じ鍵", StaffRole::Accompanying)); // duplicate key
        before.vitals.push(VitalReading { id: String::new(), temperature_c: Some(f64::NAN), ..Default::default() });
        before.checklist.items.insert("\u{202E}\u{1b}[2J".into(), CheckEntry { status: CheckStatus::Absent, note: "\0".into() });
        let mut after = before.clone();
        after.vitals[0].temperature_c = Some(f64::INFINITY);
        after.staff.clear();
        let changes = visit_changes(Some(&before), &after);
        assert!(changes.iter().any(|c| c.field == "vitals[].temperature_c" && c.old.as_deref() == Some("NaN")));
        assert_eq!(visit_changes(Some(&before), &before), vec![], "NaN compares as its text");
        let _ = visit_changes(None, &before);
        let _ = visit_changes(Some(&after), &before);
    }

    /// Every leaf of the visit's schema (lists as `[*]`, map keys as `.*`), but the merge keys
    /// and the record's own id, which name entries rather than change.
    fn schema_leaves(shape: &crate::schema::Shape, path: String, out: &mut Vec<String>) {
        use crate::schema::Shape;
        let join = |name: &str| if path.is_empty() { name.to_string() } else { format!("{path}.{name}") };
        match shape {
            Shape::Nullable(inner) => schema_leaves(inner, path, out),
            Shape::List(inner) => schema_leaves(inner, format!("{path}[*]"), out),
            Shape::Dict(inner) => schema_leaves(inner, join("*"), out),
            Shape::Map(fields) => {
                for f in &fields.fields {
                    if Some(f.name) != fields.key && !(path.is_empty() && f.name == "id") {
                        schema_leaves(&f.shape, join(f.name), out);
                    }
                }
            }
            Shape::Tagged(t) => {
                out.push(path.clone()); // the variant
                for v in &t.variants {
                    for f in &v.fields {
                        schema_leaves(&f.shape, join(f.name), out);
                    }
                }
            }
            _ => out.push(path),
        }
    }

    #[test]
    fn every_field_of_the_visit_schema_shows_in_the_history() {
        use crate::schema::Described;
        // Every field filled in, in one version or the other (the guardian's two variants).
        let mut a = Visit::new(ChildId::random(), VisitKind::Handover, Station { id: "stA".into(), name: "A".into() });
        a.scheduled_start = Some(t("2026-10-01T09:30"));
        a.scheduled_end = Some(t("2026-10-01T12:00"));
        a.actual_start = Some(t("2026-10-01T10:00"));
        a.actual_end = Some(t("2026-10-01T11:30"));
        a.staff.push(nurse("a1", "看護師a1", StaffRole::Lead));
        a.vitals.push(VitalReading {
            id: "vt1".into(),
            at: Some(t("2026-10-01T10:05")),
            respiration: Some(30),
            pulse: Some(120),
            temperature_c: Some(36.8),
            spo2: Some(98),
            bp_systolic: Some(100),
            bp_diastolic: Some(60),
        });
        a.care.push(CareGiven {
            id: "c1".into(),
            item: CareItem::Oxygen,
            count: Some(1),
            amount_ml: Some(100),
            rate_ml_per_h: Some(50),
            oxygen_l_per_min: Some(1.5),
            note: "メモ".into(),
        });
        a.note = crate::visit::SoapNote { subjective: "S".into(), objective: "O".into(), assessment: "A".into(), plan: "P".into() };
        a.checklist.template_id = "home_devices".into();
        a.checklist.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Problem, note: "回路".into() });
        let h = a.handover.as_mut().unwrap();
        h.from_station = Station { id: "stA".into(), name: "A".into() };
        h.to_station = Station { id: "stB".into(), name: "B".into() };
        h.topics.push(HandoverTopic { id: "t1".into(), topic: "吸引".into(), detail: "手順".into() });
        h.from_sign_off = Some(SignOff { staff_id: "a1".into(), name: "看護師a1".into(), at: t("2026-10-01T11:30") });
        h.to_sign_off = Some(SignOff { staff_id: "b1".into(), name: "看護師b1".into(), at: t("2026-10-01T11:30") });
        a.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "不在".into() });
        a.returned =
            Some(crate::visit::Returned { reason: "時刻を確認".into(), by: "見本 事務".into(), at: t("2026-10-02T09:00") });
        a.provider = Some(crate::daytime::ProviderKind::Clinic);
        let mut b = a.clone();
        b.guardian = Some(GuardianConfirmation::Confirmed { name: "見本".into(), at: t("2026-10-01T11:30"), signature: "M 1 2".into() });

        let normalise = |field: &str| {
            let mut out = String::new();
            let mut in_key = false;
            for c in field.chars() {
                match c {
                    '[' => {
                        in_key = true;
                        out.push_str("[*]");
                    }
                    ']' => in_key = false,
                    _ if !in_key => out.push(c),
                    _ => {}
                }
            }
            out.replace("checklist.items.ventilator", "checklist.items.*")
        };
        let mut shown: Vec<String> =
            visit_changes(None, &a).iter().chain(&visit_changes(Some(&a), &b)).map(|c| normalise(&c.field)).collect();
        shown.sort();
        shown.dedup();
        let mut leaves = Vec::new();
        schema_leaves(&Visit::shape(), String::new(), &mut leaves);
        // Shown as one value: a sign-off (name and time; the staff code is the name's), a checked
        // item's status as the item itself.
        let one_value = |leaf: &str| match leaf {
            l if l.starts_with("handover.from_sign_off.") => "handover.from_sign_off".to_string(),
            l if l.starts_with("handover.to_sign_off.") => "handover.to_sign_off".to_string(),
            "checklist.items.*.status" => "checklist.items.*".to_string(),
            l => l.to_string(),
        };
        let missing: Vec<_> = leaves.iter().map(|l| one_value(l)).filter(|l| !shown.contains(l)).collect();
        assert_eq!(missing, Vec::<String>::new(), "schema fields the history never shows (shown: {shown:?})");
    }
}
