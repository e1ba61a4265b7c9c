//! The device store and its use cases, on real SQLite files in temporary directories.

use carebook_core::{CoreError, VisitFilter};
use carebook_domain::{FiscalYear, MunicipalityRules, StaffRole, VisitStatus};
use carebook_testkit::{child, nurse, respite, TempDevice};

async fn doc_count(dev: &TempDevice) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(dev.app.store().pool()).await.unwrap()
}

async fn corrupt(dev: &TempDevice, id: &str) {
    sqlx::query("UPDATE documents SET bytes = substr(bytes, 1, 20) WHERE id = ?1").bind(id).execute(dev.app.store().pool()).await.unwrap();
}

#[tokio::test]
async fn a_recorded_respite_session_is_stored_with_its_index_row() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:30")).await.unwrap();
    assert_eq!((s.billable_minutes, s.uses, s.fiscal_year), (210, 1, Some(FiscalYear(2026))));
    let back = dev.app.visit(s.id).await.unwrap();
    assert_eq!(back.actual_end.unwrap().to_string(), "2026-05-01T12:30");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(dev.app.store().pool()).await.unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn an_invalid_visit_is_refused_with_its_field_and_nothing_is_written() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let before = doc_count(&dev).await;
    let err = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T08:50")).await.unwrap_err();
    let CoreError::Invalid(p) = &err else { panic!("expected invalid, got {err}") };
    assert!(p.has_field("actual_end") && p.has_code("time_order"), "{p}");
    assert_eq!(err.to_body().code, "invalid");
    assert_eq!(doc_count(&dev).await, before);
    assert!(dev.app.visits(&VisitFilter::default()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_visit_for_a_child_not_on_the_device_is_refused() {
    let dev = TempDevice::new().await.unwrap();
    let stranger = child("13105");
    let err = dev.app.record_visit(respite(stranger.id, "2026-05-01T09:00", "2026-05-01T11:00")).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("unknown_child")), "{err}");
    assert_eq!(doc_count(&dev).await, 0);
}

#[tokio::test]
async fn an_invalid_face_sheet_is_refused_and_nothing_is_written() {
    let dev = TempDevice::new().await.unwrap();
    let mut c = child("13105");
    c.municipality = "Bunkyo".into();
    c.kana = "hana".into();
    let err = dev.app.add_child(c).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_field("municipality") && p.has_field("kana")), "{err}");
    assert!(dev.app.children().await.unwrap().is_empty());
}

#[tokio::test]
async fn remaining_hours_follow_the_municipality_cap_and_the_fiscal_year_boundary() {
    let dev = TempDevice::new().await.unwrap();
    let bunkyo = dev.app.add_child(child("13105")).await.unwrap();
    let chiyoda = dev.app.add_child(child("13101")).await.unwrap();
    // 31 March belongs to FY2026, 1 April to FY2027.
    dev.app.record_visit(respite(bunkyo.id, "2027-03-31T09:00", "2027-03-31T13:00")).await.unwrap();
    dev.app.record_visit(respite(bunkyo.id, "2027-04-01T09:00", "2027-04-01T11:00")).await.unwrap();
    dev.app.record_visit(respite(chiyoda.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap();

    let fy26 = dev.app.respite_remaining(bunkyo.id, Some(FiscalYear(2026))).await.unwrap();
    assert_eq!((fy26.ledger.cap_minutes, fy26.ledger.used_minutes, fy26.ledger.remaining_minutes), (288 * 60, 240, 288 * 60 - 240));
    assert_eq!(fy26.fiscal_year_label, "令和8年度");
    let fy27 = dev.app.respite_remaining(bunkyo.id, Some(FiscalYear(2027))).await.unwrap();
    assert_eq!(fy27.ledger.used_minutes, 120);
    assert_eq!(fy27.fiscal_year_label, "令和9年度");
    let other = dev.app.respite_remaining(chiyoda.id, Some(FiscalYear(2026))).await.unwrap();
    assert_eq!((other.ledger.cap_minutes, other.ledger.remaining_minutes), (144 * 60, 144 * 60 - 180));
}

#[tokio::test]
async fn two_nurses_at_once_count_twice_against_the_cap() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13121")).await.unwrap();
    let mut v = respite(c.id, "2026-07-01T09:00", "2026-07-01T11:00");
    v.staff.push(nurse("n2", StaffRole::Lead));
    dev.app.record_visit(v).await.unwrap();
    let r = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap();
    assert_eq!(r.ledger.used_minutes, 240);
    assert_eq!(r.ledger.sessions[0].uses, 2);
}

#[tokio::test]
async fn remaining_hours_are_read_from_the_index_without_opening_documents() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    // Break the document: a reader that opened it would fail; the sum still comes from the index.
    corrupt(&dev, &s.id.to_string()).await;
    let r = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap();
    assert_eq!(r.ledger.used_minutes, 180);
}

#[tokio::test]
async fn corrupt_bytes_name_the_record_and_the_other_records_stay_readable() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let bad = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let good = dev.app.record_visit(respite(c.id, "2026-05-02T09:00", "2026-05-02T11:00")).await.unwrap();
    corrupt(&dev, &bad.id.to_string()).await;

    let err = dev.app.visit(bad.id).await.unwrap_err();
    assert_eq!(err.code(), "corrupt_record");
    assert!(err.to_string().contains(&bad.id.to_string()), "{err}");
    assert_eq!(dev.app.visit(good.id).await.unwrap().id, good.id);
    assert_eq!(dev.app.visits(&VisitFilter::default()).await.unwrap().len(), 2);

    let report = dev.app.rebuild_index().await.unwrap();
    assert_eq!(report.indexed, 2); // the child and the good visit
    assert_eq!(report.unreadable.len(), 1);
    assert_eq!(report.unreadable[0].0, bad.id.to_string());
    let listed = dev.app.visits(&VisitFilter::default()).await.unwrap();
    assert_eq!(listed.iter().map(|v| v.id).collect::<Vec<_>>(), vec![good.id]);
}

#[tokio::test]
async fn the_index_rebuilt_from_documents_equals_the_index_written_on_save() {
    let dev = TempDevice::new().await.unwrap();
    let a = dev.app.add_child(child("13105")).await.unwrap();
    let b = dev.app.add_child(child("13103")).await.unwrap();
    for (c, day, end) in [(a.id, "05-01", "12:00"), (a.id, "06-10", "11:30"), (b.id, "07-07", "13:00"), (b.id, "08-08", "11:00")] {
        dev.app.record_visit(respite(c, &format!("2026-{day}T09:00"), &format!("2026-{day}T{end}"))).await.unwrap();
    }
    let visits = dev.app.visits(&VisitFilter::default()).await.unwrap();
    let children = dev.app.children().await.unwrap();
    assert_eq!(visits.len(), 4);

    // Damage the index every way: wrong sums, missing rows.
    let pool = dev.app.store().pool();
    sqlx::query("UPDATE visits SET billable_minutes = 999, status = 'approved'").execute(pool).await.unwrap();
    sqlx::query("DELETE FROM children WHERE id = ?1").bind(b.id.to_string()).execute(pool).await.unwrap();
    assert_ne!(dev.app.visits(&VisitFilter::default()).await.unwrap(), visits);

    let report = dev.app.rebuild_index().await.unwrap();
    assert_eq!((report.indexed, report.unreadable.len()), (6, 0));
    assert_eq!(dev.app.visits(&VisitFilter::default()).await.unwrap(), visits);
    assert_eq!(dev.app.children().await.unwrap(), children);
}

#[tokio::test]
async fn the_visit_list_filters_by_child_month_status_and_first_day() {
    let dev = TempDevice::new().await.unwrap();
    let a = dev.app.add_child(child("13105")).await.unwrap();
    let b = dev.app.add_child(child("13105")).await.unwrap();
    dev.app.record_visit(respite(a.id, "2026-05-01T09:00", "2026-05-01T11:00")).await.unwrap();
    dev.app.record_visit(respite(a.id, "2026-06-01T09:00", "2026-06-01T11:00")).await.unwrap();
    dev.app.record_visit(respite(b.id, "2026-05-20T09:00", "2026-05-20T11:00")).await.unwrap();
    let may = VisitFilter { month: Some("2026-05".parse().unwrap()), ..Default::default() };
    assert_eq!(dev.app.visits(&may).await.unwrap().len(), 2);
    let a_may = VisitFilter { child: Some(a.id), ..may.clone() };
    assert_eq!(dev.app.visits(&a_may).await.unwrap().len(), 1);
    let submitted = VisitFilter { status: Some(VisitStatus::Submitted), ..Default::default() };
    assert!(dev.app.visits(&submitted).await.unwrap().is_empty());
    // From 20 May on: the visit that day and the June one, in time order.
    let from = VisitFilter { from: Some("2026-05-20".parse().unwrap()), ..Default::default() };
    let dates: Vec<String> = dev.app.visits(&from).await.unwrap().iter().map(|v| v.date.unwrap().to_string()).collect();
    assert_eq!(dates, ["2026-05-20", "2026-06-01"]);
}

#[tokio::test]
async fn an_approved_visit_is_locked_against_edits() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let mut v = respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00");
    v.guardian = Some(carebook_domain::GuardianConfirmation::NotConfirmed { reason: "保護者就寝中のため翌日確認".into() });
    let s = dev.app.record_visit(v).await.unwrap();
    dev.app.set_visit_status(s.id, VisitStatus::Submitted).await.unwrap();
    dev.app.set_visit_status(s.id, VisitStatus::Approved).await.unwrap();
    let err = dev.app.update_visit(s.id, |v| v.place = "学校".into()).await.unwrap_err();
    assert_eq!(err.code(), "locked");
    assert_eq!(dev.app.visit(s.id).await.unwrap().place, "自宅");
}

#[tokio::test]
async fn a_visit_with_flooding_or_hidden_text_is_refused_on_the_device_naming_the_field_and_nothing_is_written() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let before = doc_count(&dev).await;
    let mut v = respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00");
    v.note.objective = "見".repeat(carebook_domain::visit::SOAP_MAX + 1).into();
    v.place = "自宅\u{1b}[2J".into();
    let err = dev.app.record_visit(v).await.unwrap_err();
    let CoreError::Invalid(p) = &err else { panic!("expected invalid, got {err}") };
    assert!(p.0.iter().any(|x| x.field == "note.objective" && x.code == "too_long"), "{p}");
    assert!(p.0.iter().any(|x| x.field == "place" && x.code == "control_char"), "{p}");
    assert!(!err.to_body().message.contains('\u{1b}') && err.to_body().message.len() < 1000);
    assert_eq!(doc_count(&dev).await, before);
    // An edit that adds a right-to-left override to a stored visit is refused; the record stays.
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00")).await.unwrap();
    let err = dev
        .app
        .update_visit(s.id, |v| {
            v.care.push(carebook_domain::CareGiven {
                id: "c1".into(),
                item: carebook_domain::CareItem::Suction,
                count: Some(2),
                amount_ml: None,
                rate_ml_per_h: None,
                oxygen_l_per_min: None,
                note: "痰\u{202E}多め".into(),
            })
        })
        .await;
    match err {
        Err(CoreError::Invalid(p)) => assert!(p.has_field("care[0].note") && p.has_code("bidi_control"), "{p}"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(dev.app.visit(s.id).await.unwrap().care.is_empty());
}

#[tokio::test]
async fn an_edit_that_would_break_the_record_is_refused_and_the_stored_record_is_unchanged() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00")).await.unwrap();
    let err = dev.app.update_visit(s.id, |v| v.actual_end = Some("2026-05-02T09:30".parse().unwrap())).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("too_long")), "{err}");
    assert_eq!(dev.app.visit(s.id).await.unwrap().actual_end.unwrap().to_string(), "2026-05-01T11:00");
    assert_eq!(dev.app.visits(&VisitFilter::default()).await.unwrap()[0].billable_minutes, 120);
}

#[tokio::test]
async fn a_municipality_setting_changes_the_cap_and_re_derives_billable_minutes() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let rules = MunicipalityRules { annual_cap_minutes: 100 * 60, ..MunicipalityRules::builtin("13105") };
    dev.app.store().set_rules(&rules).await.unwrap();
    let r = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap();
    assert_eq!((r.ledger.cap_minutes, r.ledger.remaining_minutes), (6000, 6000 - 180));
    let bad = MunicipalityRules { code: "x".into(), ..rules };
    assert!(matches!(dev.app.store().set_rules(&bad).await, Err(CoreError::Invalid(_))));
}

#[tokio::test]
async fn the_device_keeps_its_actor_and_records_across_a_restart() {
    let dev = TempDevice::new().await.unwrap();
    let actor = dev.app.store().actor().clone();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let dev = dev.reopen().await.unwrap();
    assert_eq!(dev.app.store().actor(), &actor);
    assert_eq!(dev.app.child(c.id).await.unwrap().name, c.name);
}

#[tokio::test]
async fn a_store_is_backed_up_before_a_pending_migration_runs() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    // Make the store look as if it predated the schema: the migration is pending again.
    let pool = dev.app.store().pool();
    for t in [
        "visits",
        "children",
        "visit_text",
        "visit_terms",
        "search_pending",
        "documents",
        "device",
        "municipality_rules",
        "checklist_templates",
        "sync_buckets",
        "access_removals",
        "access_events",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {t}"))).execute(pool).await.unwrap();
    }
    sqlx::query("DELETE FROM _sqlx_migrations").execute(pool).await.unwrap();
    let backup = dev.dir.path().join("carebook.sqlite.bak-0");
    assert!(!backup.exists());
    let dev = dev.reopen().await.unwrap();
    assert!(backup.exists(), "backup file missing");
    assert!(dev.app.children().await.unwrap().is_empty());
    let _ = c;
}

#[tokio::test]
async fn a_store_from_before_sync_buckets_learns_each_records_child_and_holds_what_came_from_the_server_in_part() {
    let dev = TempDevice::new().await.unwrap();
    let synced = dev.app.add_child(child("13105")).await.unwrap();
    let visit = dev.app.record_visit(respite(synced.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let local_only = dev.app.add_child(child("13105")).await.unwrap();
    let refused = dev.app.add_child(child("13105")).await.unwrap();
    let store = dev.app.store();
    // What the server took (or sent) before the update; one face sheet it refused; one never sent.
    for id in [synced.id.to_string(), visit.id.to_string(), refused.id.to_string()] {
        store.mark_synced(&id, 1).await.unwrap();
    }
    store.mark_rejected(&refused.id.to_string(), 1, "invalid", "架空の理由").await.unwrap();
    // Back to the schema before the migration.
    let pool = store.pool();
    for sql in [
        "DROP INDEX documents_child",
        "ALTER TABLE documents DROP COLUMN child_id",
        "DROP TABLE sync_buckets",
        "DROP TABLE access_removals",
        "DELETE FROM _sqlx_migrations WHERE version = 20261202000001",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
    let dev = dev.reopen().await.unwrap();
    let pool = dev.app.store().pool();
    let child_of = |id: String| async move {
        sqlx::query_scalar::<_, Option<String>>("SELECT child_id FROM documents WHERE id = ?1").bind(id).fetch_one(pool).await.unwrap()
    };
    assert_eq!(child_of(visit.id.to_string()).await, Some(synced.id.to_string()), "a visit's child comes from its index row");
    assert_eq!(child_of(local_only.id.to_string()).await, Some(local_only.id.to_string()));
    let buckets = dev.app.store().buckets().await.unwrap();
    assert_eq!(buckets.held, vec![synced.id.to_string()], "only what the server accepted or sent, not local or refused records");
    assert!(buckets.complete.is_empty(), "held in part: the next sync catches it up or removes it");
}

#[tokio::test]
async fn a_wipe_keeps_exactly_the_records_not_handed_over_waiting_or_refused_for_a_full_quarantine() {
    let dev = TempDevice::new().await.unwrap();
    let store = dev.app.store();
    let kid = dev.app.add_child(child("13105")).await.unwrap();
    let accepted = dev.app.record_visit(respite(kid.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let kept_by_server = dev.app.record_visit(respite(kid.id, "2026-05-02T09:00", "2026-05-02T12:00")).await.unwrap();
    let not_kept = dev.app.record_visit(respite(kid.id, "2026-05-03T09:00", "2026-05-03T12:00")).await.unwrap();
    let waiting = dev.app.record_visit(respite(kid.id, "2026-05-04T09:00", "2026-05-04T12:00")).await.unwrap();
    for id in [kid.id.to_string(), accepted.id.to_string()] {
        store.mark_synced(&id, 1).await.unwrap();
    }
    store.mark_rejected(&kept_by_server.id.to_string(), 1, "device_revoked", "kept in quarantine").await.unwrap();
    store.mark_rejected(&not_kept.id.to_string(), 1, carebook_domain::QUARANTINE_FULL, "no room").await.unwrap();

    let wiped = store.wipe_records().await.unwrap();
    assert_eq!((wiped.removed, wiped.kept), (3, 2), "face sheet, accepted and quarantined visits go; two stay");
    let mut left: Vec<_> = dev.app.visits(&Default::default()).await.unwrap().into_iter().map(|v| v.id).collect();
    left.sort();
    let mut expected = vec![not_kept.id, waiting.id];
    expected.sort();
    assert_eq!(left, expected, "the index keeps the rows of the records kept");
    assert_eq!(doc_count(&dev).await, 2);
    assert!(dev.app.children().await.unwrap().is_empty());
}

#[tokio::test]
async fn removing_a_child_keeps_a_waiting_edit_notes_the_removal_and_a_wipe_forgets_the_note() {
    let dev = TempDevice::new().await.unwrap();
    let store = dev.app.store();
    let kid = dev.app.add_child(child("13105")).await.unwrap();
    let done = dev.app.record_visit(respite(kid.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let waiting = dev.app.record_visit(respite(kid.id, "2026-05-02T09:00", "2026-05-02T12:00")).await.unwrap();
    for id in [kid.id.to_string(), done.id.to_string()] {
        store.mark_synced(&id, 1).await.unwrap();
    }
    let kid_id = kid.id.to_string();
    store.set_buckets_complete(std::slice::from_ref(&kid_id)).await.unwrap();

    let removed = store.remove_children(std::slice::from_ref(&kid_id)).await.unwrap();
    assert_eq!((removed.len(), removed[0].records, removed[0].child_name.as_deref()), (1, 2, Some("見本 はな")));
    assert_eq!(doc_count(&dev).await, 1, "the visit still waiting to sync stays");
    assert!(dev.app.visit(waiting.id).await.is_ok());
    assert_eq!(store.buckets().await.unwrap().held, vec![kid_id.clone()], "its bucket stays until the edit has gone up");
    let since = "2026-01-01".parse().unwrap();
    assert_eq!(store.access_removals(since, 20).await.unwrap().len(), 1);

    store.wipe_records().await.unwrap();
    assert!(store.access_removals(since, 20).await.unwrap().is_empty(), "a wiped device keeps no child's name");
    assert!(store.buckets().await.unwrap().held.is_empty());
}

#[tokio::test]
async fn a_page_from_a_hostile_server_with_bombs_is_refused_before_it_inflates_and_the_rest_is_written() {
    use carebook_domain::bounds::bombs;
    use carebook_domain::{ChangedDoc, RecordDoc, RecordKind};
    let dev = TempDevice::new().await.unwrap();
    let c = child("13105");
    let mut good = RecordDoc::create(c.clone(), automerge::ActorId::random());
    let doc =
        |id: String, kind: RecordKind, bytes: Vec<u8>| ChangedDoc { id, kind, child_id: c.id.to_string(), seq: 1, bytes, index: None };
    let bomb_id = carebook_domain::VisitId::random().to_string();
    let page = vec![
        doc(c.id.to_string(), RecordKind::Child, good.save()),
        // A new visit is stored as the server sent it: the bomb would wait in the device's file.
        doc(bomb_id.clone(), RecordKind::Visit, bombs::compressed_change(2048)),
        doc(carebook_domain::VisitId::random().to_string(), RecordKind::Visit, bombs::rle_rows(1 << 40)),
    ];
    let start = std::time::Instant::now();
    let merged = dev.app.store().merge_server_page(page, &[]).await.unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "{:?}", start.elapsed());
    assert_eq!(merged.written, 1);
    assert_eq!(merged.refused.len(), 2, "{:?}", merged.refused);
    let reason = merged.refused.iter().find(|(id, _)| *id == bomb_id).unwrap().1.to_string();
    assert!(reason.contains("expected at most 33554432 bytes once inflated, got more"), "{reason}");
    assert_eq!(doc_count(&dev).await, 1);
    assert_eq!(dev.app.child(c.id).await.unwrap().name, c.name);
    // Another device's file is bounded the same way.
    let err = dev.app.import_visit(carebook_domain::VisitId::random(), &bombs::document_column(2048)).await.unwrap_err();
    assert!(matches!(err, CoreError::Document(_)) && err.to_string().contains("once inflated"), "{err}");
}

/// Closes the device's store, runs `sql` on its file through a connection of its own (as
/// another program or a damaged disk would change it), and opens the device again.
async fn write_into_store_file(dev: TempDevice, sql: &str) -> TempDevice {
    use sqlx::Connection;
    dev.app.store().clone().close().await;
    let mut conn = dev.raw_connection().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    dev.reopen().await.unwrap()
}

#[tokio::test]
async fn a_failing_statement_keeps_the_sqlx_error_as_its_source_and_still_answers_storage() {
    let dev = TempDevice::new().await.unwrap();
    sqlx::query("DROP TABLE visits").execute(dev.app.store().pool()).await.unwrap();
    let err = dev.app.visits(&VisitFilter::default()).await.unwrap_err();
    assert_eq!(err.code(), "storage");
    assert!(err.is_storage());
    let body = err.to_body();
    assert_eq!(body.code, "storage");
    assert!(body.ja.starts_with("端末内の保存に失敗しました："), "{}", body.ja);
    assert!(body.en.starts_with("device storage failed: "), "{}", body.en);
    assert!(body.ja.contains("no such table: visits") && body.en.contains("no such table: visits"), "{body:?}");
    assert_eq!(body.message, format!("{} / {}", body.ja, body.en));
    // The cause is the real sqlx error, reachable through `source()`, not only its text.
    let source = std::error::Error::source(&err).expect("a source");
    let sqlx_err = source.downcast_ref::<sqlx::Error>().expect("the source is sqlx's error");
    assert!(matches!(sqlx_err, sqlx::Error::Database(d) if d.message().contains("no such table: visits")), "{sqlx_err:?}");
}

#[tokio::test]
async fn a_bad_date_written_into_the_store_file_is_an_error_naming_the_column_not_a_silent_none() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    assert_eq!(dev.app.children().await.unwrap()[0].birth_date, "2019-06-01".parse().unwrap());
    // 30 February is no day: before, this enrolment date was read as "none" and the full
    // year's cap was silently applied.
    let dev = write_into_store_file(dev, "UPDATE children SET respite_enrolled_on = '2026-02-30'").await;
    let err = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap_err();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("column \"respite_enrolled_on\""), "{err}");
    assert!(err.to_string().contains("expected YYYY-MM-DD"), "{err}");
    assert!(matches!(&err, CoreError::Storage(sqlx::Error::ColumnDecode { index, .. }) if index == "\"respite_enrolled_on\""), "{err:?}");
    assert!(dev.app.children().await.is_err());
}

#[tokio::test]
async fn a_bad_value_in_the_visits_index_is_an_error_naming_the_column_not_a_panic() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:30")).await.unwrap();
    assert_eq!(dev.app.store().visit_summary(s.id).await.unwrap(), s);
    let dev = write_into_store_file(dev, "UPDATE visits SET kind = 'teleport'").await;
    let err = dev.app.visits(&VisitFilter::default()).await.unwrap_err();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("column \"kind\""), "{err}");
    // A negative count (the table is STRICT, so only an integer fits): an error, where a
    // cast used to wrap it to 4,294,967,295 uses.
    let dev = write_into_store_file(dev, "UPDATE visits SET kind = 'respite', uses = -1").await;
    let err = dev.app.store().visit_summary(s.id).await.unwrap_err();
    assert!(err.to_string().contains("column \"uses\""), "{err}");
    let err = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap_err();
    assert!(err.to_string().contains("column \"uses\""), "{err}");
}

#[tokio::test]
async fn unreadable_stored_rules_name_the_municipality_and_keep_the_json_error_as_their_source() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let dev = write_into_store_file(dev, "INSERT INTO municipality_rules (code, rules_json) VALUES ('13105', '{not json')").await;
    let err = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap_err();
    assert_eq!(err.to_body().code, "storage");
    let m = err.message();
    assert!(m.ja.starts_with("端末内の保存に失敗しました：保存された 13105 の市町村ルール："), "{err}");
    assert!(m.en.starts_with("device storage failed: stored rules for 13105: "), "{err}");
    let source = std::error::Error::source(&err).expect("a source");
    assert!(source.downcast_ref::<serde_json::Error>().is_some_and(|e| e.is_syntax()), "{source:?}");
}

#[tokio::test]
async fn every_change_a_device_saves_carries_the_time_it_was_made() {
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let dev = TempDevice::new().await.unwrap();
    let before = now();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    dev.app.update_visit(s.id, |v| v.place = "学校".into()).await.unwrap();
    dev.app.update_child(c.id, |k| k.diagnosis = "架空の診断名".into()).await.unwrap();
    let after = now();
    let stamps = |bytes: Vec<u8>| -> Vec<(i64, String)> {
        let mut doc = automerge::AutoCommit::load(&bytes).unwrap();
        doc.get_changes(&[]).iter().map(|c| (c.timestamp(), c.message().unwrap_or_default().to_string())).collect()
    };
    let child_changes = stamps(dev.app.export_child(c.id).await.unwrap());
    let visit_changes = stamps(dev.app.export_visit(s.id).await.unwrap());
    assert_eq!(child_changes.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(), ["create child", "edit child"]);
    assert_eq!(visit_changes.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>(), ["create visit", "edit visit"]);
    for (at, what) in child_changes.iter().chain(&visit_changes) {
        assert!((before..=after).contains(at), "{what} at {at}, not between {before} and {after}");
    }
}

#[tokio::test]
async fn a_record_of_a_newer_schema_version_is_reported_as_such_and_the_stored_copy_stays() {
    use automerge::transaction::Transactable;
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let mut newer = automerge::AutoCommit::load(&dev.app.export_visit(s.id).await.unwrap()).unwrap();
    newer.put(automerge::ROOT, "schema_version", automerge::ScalarValue::Uint(carebook_domain::schema::SCHEMA_VERSION + 1)).unwrap();
    newer.put(automerge::ROOT, "place", "学校").unwrap();
    newer.commit();
    let err = dev.app.import_visit(s.id, &newer.save()).await.unwrap_err();
    assert_eq!(err.code(), "schema_too_new", "{err}");
    assert!(err.to_string().contains("アプリを更新してください") && err.to_string().contains("update the app"), "{err}");
    assert_eq!(dev.app.visit(s.id).await.unwrap().place, "自宅");
}

/// A rule book whose settings or templates changed re-derives the index; one where only a
/// station's canned phrases changed does not (a rebuild reads every document: seconds at 10k).
/// Seen through an index row changed by hand: a rebuild puts it back.
#[tokio::test]
async fn only_a_change_of_settings_or_templates_in_the_rule_book_rebuilds_the_index() {
    use carebook_domain::{Phrase, PhraseList, PhrasePlace, RuleBook, RuleVersion};
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let v = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00")).await.unwrap();
    let store = dev.app.store();
    let tamper = || async {
        sqlx::query("UPDATE visits SET billable_minutes = 1 WHERE id = ?1").bind(v.id.to_string()).execute(store.pool()).await.unwrap();
    };
    let billable = || async {
        sqlx::query_scalar::<_, i64>("SELECT billable_minutes FROM visits WHERE id = ?1")
            .bind(v.id.to_string())
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    let phrases = |text: &str| RuleVersion {
        key: "st-kakuu".into(),
        effective_from: "2026-04-01".parse().unwrap(),
        rules: None,
        template: None,
        phrases: Some(PhraseList {
            station_id: "st-kakuu".into(),
            items: vec![Phrase { text: text.into(), places: vec![PhrasePlace::Subjective], category: String::new() }],
        }),
        author: "見本 事務".into(),
        recorded_at: 1,
    };
    let settings = |cap_hours: u32| {
        let mut rules = MunicipalityRules::builtin("13105");
        rules.annual_cap_minutes = cap_hours * 60;
        RuleVersion {
            key: "13105".into(),
            effective_from: "2026-04-01".parse().unwrap(),
            rules: Some(rules),
            template: None,
            phrases: None,
            author: "見本 事務".into(),
            recorded_at: 2,
        }
    };
    let set = |versions: Vec<RuleVersion>| async move {
        store.set_rule_book(&serde_json::to_string(&RuleBook { versions }).unwrap()).await.unwrap();
    };
    // 3 h of respite, one lead: 180 minutes, as the first book's rebuild derives it.
    set(vec![settings(288), phrases("本人の機嫌良好。")]).await;
    assert_eq!(billable().await, 180);
    tamper().await;
    set(vec![settings(288), phrases("胃ろう周囲の発赤なし。")]).await;
    assert_eq!(billable().await, 1, "a change of phrases alone re-derives nothing");
    set(vec![settings(300), phrases("胃ろう周囲の発赤なし。")]).await;
    assert_eq!(billable().await, 180, "a change of settings re-derives the index");
}
