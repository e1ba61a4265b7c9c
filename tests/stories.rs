//! End-to-end stories across crates: real device stores on temporary SQLite files, records
//! exchanged as automerge document bytes the way sync will carry them.

use carebook_domain::{CheckEntry, CheckStatus, FiscalYear, MunicipalityRules, StaffRole, Visit, VisitId, VitalReading};
use carebook_testkit::{child, nurse, respite, TempDevice};

/// Copies every record of `from` into `to` (what a sync round trip achieves).
async fn exchange(from: &TempDevice, to: &TempDevice) {
    for c in from.app.children().await.unwrap() {
        let bytes = from.app.export_child(c.id).await.unwrap();
        to.app.import_child(c.id, &bytes).await.unwrap();
    }
    for v in from.app.visits(&Default::default()).await.unwrap() {
        let bytes = from.app.export_visit(v.id).await.unwrap();
        to.app.import_visit(v.id, &bytes).await.unwrap();
    }
}

#[tokio::test]
async fn two_tablets_offline_both_record_respite_and_after_exchanging_both_show_the_overrun_naming_both_sessions() {
    let a = TempDevice::new().await.unwrap();
    let b = TempDevice::new().await.unwrap();
    // A small cap keeps the arithmetic readable: 10 h a year.
    let rules = MunicipalityRules { annual_cap_minutes: 600, ..MunicipalityRules::builtin("13105") };
    a.app.store().set_rules(&rules).await.unwrap();
    b.app.store().set_rules(&rules).await.unwrap();

    let kid = a.app.add_child(child("13105")).await.unwrap();
    a.app.record_visit(respite(kid.id, "2026-05-01T09:00", "2026-05-01T13:00")).await.unwrap();
    a.app.record_visit(respite(kid.id, "2026-05-08T09:00", "2026-05-08T13:00")).await.unwrap();
    exchange(&a, &b).await;
    assert_eq!(b.app.respite_remaining(kid.id, Some(FiscalYear(2026))).await.unwrap().ledger.remaining_minutes, 120);

    // Offline, each tablet sees 2 h left and records a session that fits on its own.
    let on_a = a.app.record_visit(respite(kid.id, "2026-05-15T09:00", "2026-05-15T13:00")).await.unwrap();
    let on_b = b.app.record_visit(respite(kid.id, "2026-05-15T14:00", "2026-05-15T17:00")).await.unwrap();
    exchange(&a, &b).await;
    exchange(&b, &a).await;

    for dev in [&a, &b] {
        let r = dev.app.respite_remaining(kid.id, Some(FiscalYear(2026))).await.unwrap();
        // 4 + 4 + 4 + 3 = 15 h used of 10 h.
        assert_eq!(r.ledger.sessions.len(), 4, "no session is dropped");
        assert_eq!(r.ledger.used_minutes, 900);
        assert_eq!(r.ledger.remaining_minutes, -300);
        assert!(r.ledger.is_over_cap());
        assert_eq!(r.ledger.over_cap, vec![on_a.id, on_b.id]);
    }
}

#[tokio::test]
async fn concurrent_edits_of_one_visit_on_two_tablets_all_survive_and_both_tablets_agree() {
    let a = TempDevice::new().await.unwrap();
    let b = TempDevice::new().await.unwrap();
    let kid = a.app.add_child(child("13105")).await.unwrap();
    let mut v = respite(kid.id, "2026-06-01T09:00", "2026-06-01T12:00");
    v.checklist.template_id = "home_devices".into();
    let id: VisitId = a.app.record_visit(v).await.unwrap().id;
    exchange(&a, &b).await;

    a.app
        .update_visit(id, |v: &mut Visit| {
            v.vitals.push(VitalReading { id: "a-1".into(), pulse: Some(110), spo2: Some(97), ..Default::default() });
            v.checklist.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
            v.note.subjective.update("夜はよく眠れた");
        })
        .await
        .unwrap();
    b.app
        .update_visit(id, |v: &mut Visit| {
            v.vitals.push(VitalReading { id: "b-1".into(), respiration: Some(28), ..Default::default() });
            v.checklist.items.insert("suction_unit".into(), CheckEntry { status: CheckStatus::Problem, note: "吸引圧が低い".into() });
            v.staff.push(nurse("n2", StaffRole::Accompanying));
            v.note.plan.update("吸引器の点検を依頼");
        })
        .await
        .unwrap();
    exchange(&a, &b).await;
    exchange(&b, &a).await;

    let on_a = a.app.visit(id).await.unwrap();
    let on_b = b.app.visit(id).await.unwrap();
    assert_eq!(on_a, on_b);
    let mut vital_ids: Vec<_> = on_a.vitals.iter().map(|v| v.id.as_str()).collect();
    vital_ids.sort();
    assert_eq!(vital_ids, ["a-1", "b-1"]);
    assert_eq!(on_a.checklist.items.keys().map(String::as_str).collect::<Vec<_>>(), ["suction_unit", "ventilator"]);
    assert_eq!(on_a.staff.len(), 2);
    assert_eq!(on_a.note.subjective.as_str(), "夜はよく眠れた");
    assert_eq!(on_a.note.plan.as_str(), "吸引器の点検を依頼");
}
