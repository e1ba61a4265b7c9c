//! A visit's history with what each entry changed (`office::changes_for`), on a real device
//! store: the visit is edited in steps through the use cases, and the audit entries are made
//! from the document's own heads after each step, as the server records them.

use automerge::ChangeHash;
use carebook_core::office::{changes_for, HistoryEntry};
use carebook_domain::{AuditEntry, FieldChange, GuardianConfirmation, Message, Visit, VisitId, VisitStatus, VitalReading};
use carebook_testkit::{child, respite, TempDevice};

async fn heads(dev: &TempDevice, id: VisitId) -> String {
    let mut doc = dev.app.store().load::<Visit>(&id.to_string()).await.unwrap();
    doc.heads().iter().map(ChangeHash::to_string).collect::<Vec<_>>().join(",")
}

fn entry(id: VisitId, action: &str, heads: String) -> AuditEntry {
    AuditEntry {
        record_id: id.to_string(),
        username: "mihon-kango".into(),
        name: "見本 看護師".into(),
        device_id: "tab-01".into(),
        at: 1_777_600_000,
        change_hash: heads,
        action: action.into(),
        note: None,
    }
}

fn change(field: &str, ja: &str, en: &str, old: Option<&str>, new: Option<&str>) -> FieldChange {
    FieldChange { field: field.into(), label: Message::new(ja, en), old: old.map(Into::into), new: new.map(Into::into) }
}

fn changes(h: &HistoryEntry) -> Vec<(&str, Option<&str>, Option<&str>)> {
    h.changes.iter().map(|c| (c.field.as_str(), c.old.as_deref(), c.new.as_deref())).collect()
}

#[tokio::test]
async fn each_entry_shows_what_its_version_changed_from_the_one_before() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let saved = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let id = saved.id;
    let mut entries = vec![entry(id, "created", heads(&dev, id).await)];

    dev.app
        .update_visit(id, |v| {
            v.actual_end = Some("2026-05-01T11:30".parse().unwrap());
            v.vitals.push(VitalReading {
                id: "vt1".into(),
                at: Some("2026-05-01T10:00".parse().unwrap()),
                pulse: Some(118),
                ..Default::default()
            });
            v.note.plan.update("経過観察");
        })
        .await
        .unwrap();
    entries.push(entry(id, "changed", heads(&dev, id).await));

    dev.app
        .update_visit(id, |v| {
            v.vitals[0].pulse = Some(124);
            v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "保護者就寝中のため翌日確認".into() });
        })
        .await
        .unwrap();
    entries.push(entry(id, "changed", heads(&dev, id).await));

    dev.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
    entries.push(entry(id, "changed", heads(&dev, id).await));

    let mut doc = dev.app.store().load::<Visit>(&id.to_string()).await.unwrap();
    let history = changes_for(&mut doc, entries.clone());
    assert_eq!(history.iter().map(|h| &h.entry).collect::<Vec<_>>(), entries.iter().collect::<Vec<_>>(), "the server's entries, in order");
    assert!(history.iter().all(|h| !h.unknown));

    // Created: every filled-in field, from nothing.
    let child_id = c.id.to_string();
    assert_eq!(
        changes(&history[0]),
        vec![
            ("child_id", None, Some(child_id.as_str())),
            ("station.id", None, Some("st-kakuu")),
            ("station.name", None, Some(carebook_testkit::station().name.as_str())),
            ("kind", None, Some("在宅レスパイト / respite")),
            ("place", None, Some("自宅")),
            ("actual_start", None, Some("09:00")),
            ("actual_end", None, Some("12:00")),
            ("outcome", None, Some("実施 / done")),
            ("staff[n1].name", None, Some("架空 看護師n1")),
            ("staff[n1].profession", None, Some("看護師 / nurse")),
            ("staff[n1].role", None, Some("担当 / lead")),
            ("staff[n1].station_id", None, Some("st-kakuu")),
            ("status", None, Some("下書き / draft")),
        ]
    );
    // The edits, field by field, with their labels.
    assert_eq!(
        history[1].changes,
        vec![
            change("actual_end", "終了時刻", "end time", Some("12:00"), Some("11:30")),
            change("vitals[vt1].at", "バイタル 10:00 測定時刻", "vital signs 10:00 time measured", None, Some("10:00")),
            change("vitals[vt1].pulse", "バイタル 10:00 脈拍", "vital signs 10:00 pulse", None, Some("118")),
            change("note.plan", "P（計画）", "P (plan)", None, Some("経過観察")),
        ]
    );
    assert_eq!(
        history[2].changes,
        vec![
            change("vitals[vt1].pulse", "バイタル 10:00 脈拍", "vital signs 10:00 pulse", Some("118"), Some("124")),
            change("guardian", "保護者確認", "guardian confirmation", None, Some("確認なし / not confirmed")),
            change("guardian.reason", "保護者確認がない理由", "why not confirmed", None, Some("保護者就寝中のため翌日確認")),
        ]
    );
    assert_eq!(history[3].changes, vec![change("status", "状態", "status", Some("下書き / draft"), Some("提出済み / submitted"))]);
}

#[tokio::test]
async fn heads_the_device_does_not_have_are_unknown_not_an_error() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let id = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap().id;
    let created = heads(&dev, id).await;
    dev.app.update_visit(id, |v| v.place = "学校".into()).await.unwrap();
    let edited = heads(&dev, id).await;
    dev.app.update_visit(id, |v| v.place = "祖父母宅".into()).await.unwrap();
    let edited_again = heads(&dev, id).await;

    // A change made on another tablet and accepted by the server, not synced here yet.
    let elsewhere = ChangeHash([7; 32]).to_string();
    let entries = vec![
        entry(id, "created", created),
        entry(id, "changed", edited.clone()),
        entry(id, "changed", elsewhere.clone()),
        entry(id, "changed", format!("{edited},{elsewhere}")),
        entry(id, "changed", "not hex".into()),
        entry(id, "changed", edited_again),
    ];
    let mut doc = dev.app.store().load::<Visit>(&id.to_string()).await.unwrap();
    let history = changes_for(&mut doc, entries);
    assert_eq!(history.iter().map(|h| h.unknown).collect::<Vec<_>>(), [false, false, true, true, true, true]);
    assert_eq!(changes(&history[1]), vec![("place", Some("自宅"), Some("学校"))]);
    assert!(history[2..].iter().all(|h| h.changes.is_empty()));
    // The last is known, but the one before it is not: what it changed cannot be told.

    // Once the entry before is known, the last one is told again.
    let entries = vec![entry(id, "changed", edited.clone()), entry(id, "changed", heads(&dev, id).await)];
    let history = changes_for(&mut doc, entries);
    assert_eq!(changes(&history[1]), vec![("place", Some("学校"), Some("祖父母宅"))]);
    // An entry with no heads (a transfer's note on a face sheet) changed nothing and is known.
    let entries =
        vec![entry(id, "changed", edited.clone()), entry(id, "transferred", String::new()), entry(id, "changed", heads(&dev, id).await)];
    let history = changes_for(&mut doc, entries);
    assert_eq!(history.iter().map(|h| (h.unknown, h.changes.len())).collect::<Vec<_>>(), [(false, 13), (false, 0), (false, 1)]);
}

#[tokio::test]
async fn the_visit_detail_says_why_there_is_no_history_when_not_logged_in() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let id = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap().id;
    let detail = dev.app.visit_detail(id).await.unwrap();
    assert!(detail.history.is_empty());
    assert_eq!(detail.history_error.map(|e| e.code), Some("not_logged_in".to_string()));
}
