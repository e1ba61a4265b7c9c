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

// ---- devices and a real server ----------------------------------------------------------------
//
// Each story runs twice: the server on an embedded SQLite file, and on a real PostgreSQL server
// (`CAREBOOK_TEST_PG_URL`, started by scripts/test.sh). Devices are real stores on temp SQLite
// files talking real HTTP on loopback.

mod server_stories {
    use std::sync::Arc;

    use carebook_core::{CoreError, SyncPhase, SyncProgress, SyncReport};
    use carebook_domain::{
        CheckEntry, CheckStatus, FiscalYear, GuardianConfirmation, MunicipalityRules, NewPerson, Org, Profession, QuarantineEntry, Role,
        Visit, VisitStatus, VitalReading,
    };
    use carebook_server::{launch_with_listener, open_storage, Config, OrgKind, ServerHandle, Storage};
    use carebook_testkit::{child, respite, Db, TempDevice, TestDb};

    const PASSWORD: &str = "kakuu-password-1";

    /// The server's defaults, but the stories' office and administrator accounts sign in with a
    /// password alone (the second factor has stories of its own in the server's tests).
    fn test_config() -> Config {
        Config { require_second_factor: false, ..Config::default() }
    }

    struct World {
        db: TestDb,
        storage: Storage,
        server: Option<ServerHandle>,
        url: String,
    }

    impl World {
        async fn start(db: Db) -> Option<World> {
            Self::start_with(db, test_config()).await
        }

        async fn start_with(db: Db, config: Config) -> Option<World> {
            let db = TestDb::create(db).await?;
            let storage = open_storage(&db.url).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let server = launch_with_listener(Config { data_dir: db.dir.path().into(), ..config }, storage.clone(), listener).unwrap();
            let url = server.base_url();
            Some(World { db, storage, server: Some(server), url })
        }

        /// Another server on the same database, with its own connections (as a second process
        /// behind a load balancer would be).
        async fn second_server(&self) -> (ServerHandle, Storage) {
            let storage = open_storage(&self.db.url).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            (launch_with_listener(test_config(), storage.clone(), listener).unwrap(), storage)
        }

        async fn device_on(&self, url: &str, user: &str) -> TempDevice {
            let dev = TempDevice::new().await.unwrap();
            dev.app.login(url, user, PASSWORD, &format!("{user}-tablet")).await.unwrap();
            dev
        }

        async fn user(&self, name: &str, role: Role, org: &str) {
            self.storage.add_user(name, PASSWORD, role, org, OrgKind::Station).await.unwrap();
        }

        async fn device(&self, user: &str) -> TempDevice {
            let dev = TempDevice::new().await.unwrap();
            dev.app.login(&self.url, user, PASSWORD, &format!("{user}-tablet")).await.unwrap();
            dev
        }

        /// Stops the server (requests in flight finish) and starts it again on the same address.
        async fn restart(&mut self) {
            let server = self.server.take().unwrap();
            let addr = server.local_addr();
            server.shutdown().await.unwrap();
            let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
            self.server = Some(launch_with_listener(test_config(), self.storage.clone(), listener).unwrap());
        }

        async fn finish(mut self) {
            if let Some(s) = self.server.take() {
                s.shutdown().await.unwrap();
            }
            self.storage.close().await;
            self.db.drop_database().await;
        }
    }

    async fn sync(dev: &TempDevice) -> SyncReport {
        dev.app.sync(&mut |_| {}).await.unwrap()
    }

    async fn visit_ids(dev: &TempDevice) -> Vec<carebook_domain::VisitId> {
        let mut ids: Vec<_> = dev.app.visits(&Default::default()).await.unwrap().into_iter().map(|v| v.id).collect();
        ids.sort();
        ids
    }

    carebook_testkit::on_both_backends!(
        two_devices_offline_for_one_child_sync_to_the_same_records_with_merged_edits_and_both_sessions_over_the_cap,
        a_sync_after_one_change_moves_one_record_however_many_the_server_holds,
        a_parent_sees_only_their_child_and_an_edit_beyond_the_confirmation_stays_on_the_device_marked,
        an_approved_visit_refuses_a_nurses_offline_edit_which_stays_on_the_device_and_in_quarantine,
        a_revoked_device_removes_its_records_at_its_next_sync,
        a_server_stopped_mid_sync_and_restarted_loses_nothing_and_the_next_sync_completes,
        the_background_loop_syncs_reports_its_last_success_and_backs_off_while_the_server_is_down,
        a_nurse_assigned_after_her_cursor_passed_a_childs_records_gets_the_face_sheet_and_every_visit_at_her_next_sync,
        unassigned_the_childs_records_leave_the_device_and_every_edit_is_on_the_server_or_in_its_quarantine,
        an_office_user_made_a_nurse_of_another_station_holds_exactly_that_stations_children,
        two_servers_on_one_database_with_devices_split_between_them_converge_to_the_same_records,
        a_visit_moved_to_another_child_is_refused_and_quarantined_and_stays_with_its_child_on_the_server,
        documents_larger_than_a_page_travel_alone_and_every_page_stays_within_its_bytes,
        a_device_updated_from_the_old_feed_ends_up_with_exactly_what_its_account_may_read,
        an_edit_refused_when_the_quarantine_is_full_stays_on_the_device_marked_and_is_pushed_again_once_changed,
        a_disabled_nurses_tablet_hands_its_unsent_edits_to_the_quarantine_removes_its_records_and_she_cannot_log_in,
        a_person_added_with_a_one_time_password_sets_her_own_and_her_name_reaches_her_records,
        the_preview_the_ledger_and_the_server_count_every_boundary_session_the_same,
        a_short_day_of_daytime_care_is_accepted_by_the_server_and_flagged_in_the_offices_review,
        an_offices_new_unit_and_template_apply_from_their_date_on_every_device_and_the_server_while_older_visits_keep_theirs,
        the_municipality_holds_a_consented_childs_records_until_the_guardian_withdraws_the_consent,
        a_child_transferred_after_a_two_signature_handover_moves_to_the_receiving_station_and_the_giving_office_keeps_only_its_own_visits,
        an_office_sends_a_record_back_the_nurse_sees_why_fixes_it_and_submits_again_and_a_nurse_cannot_send_back,
    );

    /// The id of the account `username` (as the directory lists people by id).
    async fn user_id(w: &World, username: &str) -> String {
        w.storage.person(username).await.unwrap().person.id
    }

    /// Station A (架空) hands a child over to station B (見本): A's nurse and B's nurse visit
    /// together and both sign; A's office transfers the child from today. Then B's nurse and
    /// office hold the whole history, A's office only the visits A's staff wrote (read-only: an
    /// approval it makes offline is refused and stays on its tablet, marked), A's nurse nothing.
    /// The transfer is in the face sheet's history, the organisation's events and both offices'
    /// directories.
    async fn a_child_transferred_after_a_two_signature_handover_moves_to_the_receiving_station_and_the_giving_office_keeps_only_its_own_visits(
        db: Db,
    ) {
        use carebook_domain::{Handover, HandoverTopic, SignOff, StaffMember, Station, TransferRequest, VisitKind};
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        w.user("nurse-b", Role::Nurse, "st-mihon").await;
        w.user("office-b", Role::Office, "st-mihon").await;
        let (nurse_a_id, nurse_b_id) = (user_id(&w, "nurse-a").await, user_id(&w, "nurse-b").await);
        let today = today_in_japan();
        let at = |h: u8| carebook_domain::DateTime::new(today, carebook_domain::TimeOfDay::new(h, 0).unwrap());

        // A's nurse records the child and a visit; B's nurse, assigned before the handover,
        // records one too.
        let nurse_a = w.device("nurse-a").await;
        let hana = nurse_a.app.add_child(child("13105")).await.unwrap();
        let by_a = nurse_a.app.record_visit(respite(hana.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap().id;
        sync(&nurse_a).await;
        w.storage.assign("nurse-b", hana.id).await.unwrap();
        let nurse_b = w.device("nurse-b").await;
        sync(&nurse_b).await;
        let by_b = nurse_b.app.record_visit(respite(hana.id, "2026-06-02T09:00", "2026-06-02T12:00")).await.unwrap().id;
        sync(&nurse_b).await;

        // The accompanied visit, today, on A's tablet: both nurses present, both sign.
        let station = |id: &str, name: &str| Station { id: id.into(), name: name.into() };
        let person = |id: &str, name: &str, role, st: &str| StaffMember {
            id: id.into(),
            name: name.into(),
            profession: Profession::Nurse,
            role,
            station_id: st.into(),
        };
        let mut hv = Visit::new(hana.id, VisitKind::Handover, station("st-kakuu", "架空ステーション"));
        (hv.actual_start, hv.actual_end) = (Some(at(10)), Some(at(11)));
        hv.staff = vec![
            person(&nurse_a_id, "架空 看護師", carebook_domain::StaffRole::Lead, "st-kakuu"),
            person(&nurse_b_id, "見本 看護師", carebook_domain::StaffRole::Accompanying, "st-mihon"),
        ];
        hv.handover = Some(Handover {
            from_station: station("st-kakuu", "架空ステーション"),
            to_station: station("st-mihon", "見本ステーション"),
            topics: vec![HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: "（架空）".into() }],
            from_sign_off: Some(SignOff { staff_id: nurse_a_id.clone(), name: "架空 看護師".into(), at: at(11) }),
            to_sign_off: Some(SignOff { staff_id: nurse_b_id.clone(), name: "見本 看護師".into(), at: at(11) }),
        });
        hv.guardian = Some(GuardianConfirmation::Confirmed { name: "見本 保護者".into(), at: at(11), signature: String::new() });
        let hv = nurse_a.app.record_visit(hv).await.unwrap().id;
        nurse_a.app.set_visit_status(hv, VisitStatus::Submitted).await.unwrap();
        sync(&nurse_a).await;

        let office_a = w.device("office-a").await;
        sync(&office_a).await;
        let mut all = vec![by_a, by_b, hv];
        all.sort();
        assert_eq!(visit_ids(&office_a).await, all, "before the transfer A's office holds every visit");

        // Refused: from before the handover visit; by the receiving office; by a nurse. Nothing written.
        let request = |first_day| TransferRequest { to_org: "st-mihon".into(), first_day, handover_visit: Some(hv.to_string()) };
        let yesterday = carebook_domain::Date::from_days_since_epoch(today.days_since_epoch() - 1);
        match office_a.app.transfer_child(hana.id, &request(yesterday)).await {
            Err(CoreError::Server { status: 400, body }) => {
                assert_eq!(
                    body.problems.iter().map(|p| (p.field.as_str(), p.code.as_str())).collect::<Vec<_>>(),
                    [("first_day", "before_handover")]
                )
            }
            other => panic!("expected the first day refused, got {other:?}"),
        }
        let office_b = w.device("office-b").await;
        assert!(matches!(office_b.app.transfer_child(hana.id, &request(today)).await, Err(CoreError::Server { status: 403, .. })));
        assert!(matches!(nurse_a.app.transfer_child(hana.id, &request(today)).await, Err(CoreError::Server { status: 403, .. })));
        assert!(w.storage.org_events(Some(&hana.id.to_string())).await.unwrap().is_empty());

        let transfer = office_a.app.transfer_child(hana.id, &request(today)).await.unwrap();
        assert_eq!((transfer.from_org.as_str(), transfer.to_org.as_str(), transfer.first_day), ("st-kakuu", "st-mihon", today));
        assert_eq!(transfer.child_name, "見本 はな");
        assert_eq!(
            office_a.app.directory().await.unwrap().transfers,
            std::slice::from_ref(&transfer),
            "listed at once on the giving office's tablet"
        );

        // A's office: its own staff's two visits, read-only; the face sheet and B's visit leave.
        let r = sync(&office_a).await;
        assert_eq!(r.removed.iter().map(|x| x.records).sum::<i64>(), 4, "the face sheet and three visits, before two come back");
        let mut own = vec![by_a, hv];
        own.sort();
        assert_eq!(visit_ids(&office_a).await, own);
        assert!(office_a.app.children().await.unwrap().is_empty(), "no face sheet");
        assert!(office_a.app.child(hana.id).await.is_err());
        let rows = office_a.app.review(&Default::default()).await.unwrap();
        assert!(rows.iter().all(|r| r.handed_over && r.child_name == "見本 はな"), "named as on the day of the transfer: {rows:?}");
        // Read-only: its tablet refuses an approval or an edit, saying why; nothing waits to sync.
        let approved = office_a.app.approve_visits(&[by_a]).await.unwrap();
        assert_eq!(approved[0].error.as_ref().map(|e| e.code.as_str()), Some("handed_over"));
        let edit = office_a.app.update_visit(hv, |v: &mut Visit| v.place = "学校".into()).await.unwrap_err();
        assert_eq!(edit.code(), "handed_over");
        assert!(edit.message().ja.contains("見本 はな"), "{edit}");
        assert_eq!(sync(&office_a).await.sent, 0);

        // A's nurse: nothing of the child any more.
        sync(&nurse_a).await;
        assert!(nurse_a.app.children().await.unwrap().is_empty());
        assert!(visit_ids(&nurse_a).await.is_empty());

        // B's nurse and office: the whole history; the nurse writes on.
        for dev in [&nurse_b, &office_b] {
            sync(dev).await;
            assert_eq!(visit_ids(dev).await, all);
            assert_eq!(dev.app.children().await.unwrap().into_iter().map(|c| c.id).collect::<Vec<_>>(), [hana.id]);
        }
        nurse_b.app.update_visit(hv, |v: &mut Visit| v.note.plan.update("（架空）見本ステーションで継続")).await.unwrap();
        assert_eq!(sync(&nurse_b).await.accepted, 1);
        let history = office_b.app.record_history(&hana.id.to_string()).await.unwrap();
        let moved = history.iter().find(|e| e.action == "transferred").expect("the transfer is in the face sheet's history");
        assert_eq!(moved.username, "office-a");
        assert!(moved.note.as_ref().is_some_and(|n| n.en.contains("st-kakuu") && n.en.contains("st-mihon")), "{moved:?}");
        let events: Vec<String> = w.storage.org_events(Some(&hana.id.to_string())).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(events, ["child_transferred"]);
        sync(&office_b).await;
        assert_eq!(office_b.app.directory().await.unwrap().transfers.len(), 1, "the receiving office lists it too");
        assert!(nurse_b.app.directory().await.unwrap().transfers.is_empty(), "nurses are not told");
        // A's office reads A's visit as B's nurse left it; B's own visit never reaches it.
        sync(&office_a).await;
        assert_eq!(office_a.app.visit(hv).await.unwrap().note.plan.as_str(), "（架空）見本ステーションで継続");
        assert!(office_a.app.visit(by_b).await.is_err());
        w.finish().await;
    }

    /// 差し戻し: the office sends a submitted visit back with what to fix; the nurse's tablet
    /// shows it as a draft with the reason; she fixes it and submits again, which clears the
    /// reason, and the office approves. A nurse sending a record back herself is refused by the
    /// server (only the office goes back a step), and her copy stays on her tablet, marked.
    async fn an_office_sends_a_record_back_the_nurse_sees_why_fixes_it_and_submits_again_and_a_nurse_cannot_send_back(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        let nurse = w.device("nurse-a").await;
        let hana = nurse.app.add_child(child("13105")).await.unwrap();
        let mut v = respite(hana.id, "2026-06-01T09:00", "2026-06-01T12:00");
        v.guardian = Some(GuardianConfirmation::Confirmed {
            name: "見本 母".into(),
            at: "2026-06-01T12:00".parse().unwrap(),
            signature: String::new(),
        });
        let id = nurse.app.record_visit(v).await.unwrap().id;
        nurse.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
        sync(&nurse).await;

        let office = w.device("office-a").await;
        sync(&office).await;
        let refused = office.app.send_back_visit(id, "   ").await.unwrap_err();
        assert_eq!(refused.code(), "invalid");
        let row = office.app.send_back_visit(id, "終了時刻を確認してください").await.unwrap();
        assert_eq!(row.summary.status, VisitStatus::Draft);
        let r = sync(&office).await;
        assert_eq!((r.accepted, r.rejected), (1, 0), "the server takes the step back from the office");

        sync(&nurse).await;
        let back = nurse.app.visit(id).await.unwrap();
        assert_eq!(back.status, VisitStatus::Draft);
        let returned = back.returned.expect("the reason reaches the nurse");
        assert_eq!(returned.reason, "終了時刻を確認してください");
        assert_eq!(nurse.app.visit_row(id).await.unwrap().returned.map(|r| r.reason), Some(returned.reason.clone()));
        nurse.app.update_visit(id, |v: &mut Visit| v.actual_end = Some("2026-06-01T12:30".parse().unwrap())).await.unwrap();
        nurse.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
        assert_eq!(sync(&nurse).await.accepted, 1);
        sync(&office).await;
        let again = office.app.visit(id).await.unwrap();
        assert_eq!((again.status, again.returned.is_none()), (VisitStatus::Submitted, true));
        office.app.approve_visits(&[id]).await.unwrap();
        assert_eq!(sync(&office).await.accepted, 1);

        // A nurse cannot send a record back: refused, and kept on her tablet, marked.
        let mut other = respite(hana.id, "2026-06-08T09:00", "2026-06-08T12:00");
        other.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "不在（架空）".into() });
        let other = nurse.app.record_visit(other).await.unwrap().id;
        nurse.app.set_visit_status(other, VisitStatus::Submitted).await.unwrap();
        sync(&nurse).await;
        nurse.app.send_back_visit(other, "自分で差し戻し").await.unwrap();
        let r = sync(&nurse).await;
        assert_eq!((r.sent, r.rejected), (1, 1));
        let marked = nurse.app.store().rejected().await.unwrap();
        assert_eq!(marked.iter().map(|m| (m.id.clone(), m.code.clone())).collect::<Vec<_>>(), [(other.to_string(), "invalid".to_string())]);
        sync(&office).await;
        assert_eq!(office.app.visit(other).await.unwrap().status, VisitStatus::Submitted, "the server's copy did not go back");
        w.finish().await;
    }

    /// Today in Japan, from the system clock (worked out here, apart from the app's clock).
    fn today_in_japan() -> carebook_domain::Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        carebook_domain::Date::from_days_since_epoch((secs + 9 * 3600).div_euclid(86_400))
    }

    /// A nurse records the guardian's consent on the face sheet; the municipality's device then
    /// holds the child's face sheet and visit (and nothing of another child of the same
    /// municipality without consent); the nurse records the withdrawal, and at the
    /// municipality device's next sync the child's records leave it.
    async fn the_municipality_holds_a_consented_childs_records_until_the_guardian_withdraws_the_consent(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        let section = Org {
            id: "ku-kakuu".into(),
            kind: OrgKind::Municipality,
            name: "架空区 障害福祉課".into(),
            municipality: Some("13105".into()),
        };
        w.storage.add_org(&section, None).await.unwrap();
        w.storage.add_user("ku-kakuu-1", PASSWORD, Role::Municipality, "ku-kakuu", OrgKind::Municipality).await.unwrap();

        let nurse = w.device("nurse-a").await;
        let today = today_in_japan();
        let hana = nurse.app.add_child(child("13105")).await.unwrap();
        let sora = nurse.app.add_child(child("13105")).await.unwrap();
        let visit = nurse.app.record_visit(respite(hana.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap().id;
        nurse.app.record_visit(respite(sora.id, "2026-06-02T09:00", "2026-06-02T12:00")).await.unwrap();
        // The guardian's consent, given today, for the rest of the fiscal year.
        let consent = carebook_domain::SharingConsent {
            by: "見本 母".into(),
            given_on: today,
            scope: carebook_domain::SharingScope::RespiteRecords,
            until: today.fiscal_year().last_day(),
            withdrawn_on: None,
        };
        nurse.app.update_child(hana.id, |c| c.sharing = Some(consent.clone())).await.unwrap();
        let r = sync(&nurse).await;
        assert_eq!((r.sent, r.rejected), (4, 0));

        let ku = w.device("ku-kakuu-1").await;
        let r = sync(&ku).await;
        assert_eq!((r.received, r.sent), (2, 0), "the face sheet and the one visit");
        let held: Vec<_> = ku.app.children().await.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(held, [hana.id]);
        assert_eq!(visit_ids(&ku).await, [visit]);
        assert_eq!(ku.app.child(hana.id).await.unwrap().sharing, Some(consent));

        // The guardian withdraws the consent today; the nurse records it.
        nurse.app.update_child(hana.id, |c| c.sharing.as_mut().unwrap().withdrawn_on = Some(today)).await.unwrap();
        assert_eq!(sync(&nurse).await.accepted, 1);
        let r = sync(&ku).await;
        assert_eq!(r.removed.len(), 1);
        assert_eq!((r.removed[0].child_id.as_str(), r.removed[0].records), (hana.id.to_string().as_str(), 2));
        assert!(ku.app.children().await.unwrap().is_empty());
        assert!(visit_ids(&ku).await.is_empty());
        let again = sync(&ku).await;
        assert_eq!((again.received, again.removed.len()), (0, 0));
        w.finish().await;
    }

    async fn an_offices_new_unit_and_template_apply_from_their_date_on_every_device_and_the_server_while_older_visits_keep_theirs(db: Db) {
        use carebook_domain::{ChecklistTemplate, Date, RuleVersion, TemplateItem};
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        let today = carebook_core::clock::today_jst();
        let day = |offset: i64| Date::from_days_since_epoch(today.days_since_epoch() + offset);
        let (past, tomorrow) = (day(-30), day(1));
        let nurse = w.device("nurse-a").await;
        let hana = nurse.app.add_child(child("13105")).await.unwrap();
        // 2 h 30 a month ago, under the built-in settings: 30-minute units, so 150 minutes.
        let old = nurse.app.record_visit(respite(hana.id, &format!("{past}T09:00"), &format!("{past}T11:30"))).await.unwrap().id;
        sync(&nurse).await;

        // The office publishes 60-minute units for 13105 from today, and a template of its own.
        let office = w.device("office-a").await;
        sync(&office).await;
        let mut rules = office.app.store().rules("13105").await.unwrap();
        rules.unit_minutes = 60;
        let v = |rules: Option<carebook_domain::MunicipalityRules>, template: Option<ChecklistTemplate>, key: &str, from: Date| {
            RuleVersion { key: key.into(), effective_from: from, rules, template, phrases: None, author: String::new(), recorded_at: 0 }
        };
        // Not from a past date: that would change visits already recorded.
        match office.app.publish_rule_version(&v(Some(rules.clone()), None, "13105", past)).await {
            Err(CoreError::Server { status: 400, body }) => assert!(body.problems.iter().any(|p| p.field == "effective_from"), "{body:?}"),
            other => panic!("expected a refusal of a past date, got {other:?}"),
        }
        let published = office.app.publish_rule_version(&v(Some(rules), None, "13105", today)).await.unwrap();
        assert_eq!(published.author, "office-a", "the server names who published it");
        let own = ChecklistTemplate {
            id: "kakuu_own".into(),
            title_ja: "架空ステーションの確認".into(),
            title_en: "Kakuu station's check".into(),
            items: vec![TemplateItem { id: "oxygen".into(), ja: "酸素".into(), en: "oxygen".into() }],
        };
        office.app.publish_rule_version(&v(None, Some(own.clone()), "kakuu_own", today)).await.unwrap();
        // Nurses may not publish.
        assert!(matches!(
            nurse.app.publish_rule_version(&v(None, Some(own), "kakuu_own", tomorrow)).await,
            Err(CoreError::Server { status: 403, .. })
        ));

        // The nurse's tablet receives both at its next sync: a new visit counts by the new unit
        // and may use the new template, which the server accepts; the old visit keeps 150.
        sync(&nurse).await;
        let mut new = respite(hana.id, &format!("{tomorrow}T09:00"), &format!("{tomorrow}T11:30"));
        new.checklist.template_id = "kakuu_own".into();
        new.checklist.items.insert("oxygen".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
        let new = nurse.app.record_visit(new).await.unwrap().id;
        let report = sync(&nurse).await;
        assert_eq!((report.accepted, report.rejected), (1, 0), "the server validates with the same version");
        let billable = |dev: &TempDevice, id| {
            let dev = dev.app.clone();
            async move { dev.visits(&Default::default()).await.unwrap().into_iter().find(|s| s.id == id).unwrap().billable_minutes }
        };
        assert_eq!((billable(&nurse, old).await, billable(&nurse, new).await), (150, 120), "2 h 30: 150 before, whole hours after");
        sync(&office).await;
        assert_eq!((billable(&office, old).await, billable(&office, new).await), (150, 120), "the office's tablet counts the same");
        // Before the template's date it does not exist: an older visit cannot use it.
        let mut early = respite(hana.id, &format!("{past}T13:00"), &format!("{past}T15:00"));
        early.checklist.template_id = "kakuu_own".into();
        assert!(nurse.app.record_visit(early).await.is_err());
        w.finish().await;
    }

    /// The sessions at the 2–4 h boundaries: what the nurse's preview says each counts is what
    /// her tablet's ledger counts, the server accepts every one with its real times, and the
    /// office's tablet, which indexes them from what the server sends, counts the same.
    async fn the_preview_the_ledger_and_the_server_count_every_boundary_session_the_same(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        let nurse = w.device("nurse-a").await;
        let kid = nurse.app.add_child(child("13121")).await.unwrap(); // Adachi: 144 h = 8,640 min
        let dt = |s: &str| s.parse::<carebook_domain::DateTime>().unwrap();
        // (start, end, lead nurses, counted): by hand, whole 30-min units within 2–4 h per use.
        let sessions = [
            ("2026-06-01T09:00", "2026-06-01T10:59", 1, 0),   // 1 h 59: under 2 h, nothing
            ("2026-06-02T09:00", "2026-06-02T11:00", 1, 120), // 2 h
            ("2026-06-03T09:00", "2026-06-03T13:00", 1, 240), // 4 h
            ("2026-06-04T09:00", "2026-06-04T13:01", 1, 240), // 4 h 01: 4 h
            ("2026-06-05T09:00", "2026-06-05T13:30", 2, 480), // 4 h 30, two nurses: 4 h × 2
            ("2026-06-06T22:30", "2026-06-07T03:00", 1, 240), // across midnight, 4 h 30: 4 h
            ("2026-06-08T09:00", "2026-06-08T11:45", 1, 150), // 2 h 45: 2 h 30
        ];
        let mut remaining = 8_640_i64;
        let mut ids = vec![];
        for (start, end, leads, counted) in sessions {
            let p = nurse.app.respite_preview(kid.id, None, dt(start), dt(end), leads).await.unwrap();
            assert_eq!((p.before_remaining_minutes, p.billable_minutes), (remaining, counted), "{start}–{end}");
            let mut v = respite(kid.id, start, end);
            if leads == 2 {
                v.staff.push(carebook_testkit::nurse("n2", carebook_domain::StaffRole::Lead));
            }
            ids.push(nurse.app.record_visit(v).await.unwrap().id);
            remaining -= i64::from(counted);
        }
        // 0 + 120 + 240 + 240 + 480 + 240 + 150 = 1,470; 8,640 − 1,470 = 7,170.
        assert_eq!(remaining, 7_170);
        let on_nurse = nurse.app.respite_remaining(kid.id, Some(FiscalYear(2026))).await.unwrap().ledger;
        assert_eq!((on_nurse.used_minutes, on_nurse.remaining_minutes), (1_470, 7_170));
        let r = sync(&nurse).await;
        assert_eq!((r.sent, r.rejected), (8, 0), "the face sheet and seven sessions, every one accepted");
        let office = w.device("office-a").await;
        sync(&office).await;
        let on_office = office.app.respite_remaining(kid.id, Some(FiscalYear(2026))).await.unwrap().ledger;
        assert_eq!(on_office, on_nurse);
        // The office sees the four outside 2–4 h (1 h 59, 4 h 01, both 4 h 30s).
        let rows = office.app.review(&Default::default()).await.unwrap();
        let flagged: Vec<_> = rows.iter().filter(|r| r.flags.respite_length).map(|r| r.summary.id).collect();
        assert_eq!(flagged, [ids[0], ids[3], ids[4], ids[5]]);
        w.finish().await;
    }

    async fn a_short_day_of_daytime_care_is_accepted_by_the_server_and_flagged_in_the_offices_review(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        let nurse = w.device("nurse-a").await;
        let kid = nurse.app.add_child(child("13105")).await.unwrap(); // 12 points
        let mut day = respite(kid.id, "2026-06-01T09:00", "2026-06-01T15:00"); // 6 h
        day.kind = carebook_domain::VisitKind::Daytime;
        day.provider = Some(carebook_domain::ProviderKind::Clinic);
        let id = nurse.app.record_visit(day).await.unwrap().id;
        let r = sync(&nurse).await;
        assert_eq!((r.sent, r.rejected), (2, 0));
        let office = w.device("office-a").await;
        sync(&office).await;
        let row = office.app.visit_row(id).await.unwrap();
        assert!(row.flags.short_day && !row.flags.rejected, "{:?}", row.flags);
        w.finish().await;
    }

    async fn a_disabled_nurses_tablet_hands_its_unsent_edits_to_the_quarantine_removes_its_records_and_she_cannot_log_in(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        let nurse = w.device("nurse-a").await;
        let hana = nurse.app.add_child(child("13105")).await.unwrap();
        let synced = nurse.app.record_visit(respite(hana.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap().id;
        sync(&nurse).await;
        // Offline: an edit of a synced visit and a new visit, neither sent.
        nurse.app.update_visit(synced, |v: &mut Visit| v.note.plan.update("次回は入浴介助")).await.unwrap();
        let unsent = nurse.app.record_visit(respite(hana.id, "2026-06-02T09:00", "2026-06-02T12:00")).await.unwrap().id;
        let second = w.device("nurse-a").await;

        assert_eq!(w.storage.disable_user("nurse-a", None).await.unwrap(), 2, "both of her devices are revoked at once");
        let err = nurse.app.sync(&mut |_| {}).await.unwrap_err();
        assert!(matches!(err, CoreError::DeviceRevoked { removed: 3, kept: 0 }), "{err}");
        assert!(nurse.app.children().await.unwrap().is_empty());
        assert!(nurse.app.visits(&Default::default()).await.unwrap().is_empty());
        assert!(matches!(second.app.sync(&mut |_| {}).await, Err(CoreError::DeviceRevoked { kept: 0, .. })));

        // Both unsent records are with the office, not merged: the server copy is unchanged.
        let office = w.device("office-a").await;
        sync(&office).await;
        let handed: Vec<(String, String)> =
            office.app.quarantine().await.unwrap().into_iter().filter(|e| e.username == "nurse-a").map(|e| (e.record_id, e.code)).collect();
        let mut expected = vec![(synced.to_string(), "device_revoked".to_string()), (unsent.to_string(), "device_revoked".to_string())];
        expected.sort();
        let mut handed = handed;
        handed.sort();
        assert_eq!(handed, expected);
        assert_eq!(office.app.visit(synced).await.unwrap().note.plan.as_str(), "", "a disabled person's edit is not merged");
        assert!(office.app.visit(unsent).await.is_err());

        // She cannot log in again, with the right password; told why.
        let again = TempDevice::new().await.unwrap();
        match again.app.login(&w.url, "nurse-a", PASSWORD, "new").await {
            Err(CoreError::Server { status: 403, body }) => assert_eq!(body.code, "account_disabled"),
            other => panic!("expected account_disabled, got {other:?}"),
        }
        match again.app.login(&w.url, "nurse-a", "wrong-password-9999", "new").await {
            Err(CoreError::Server { status: 401, body }) => assert_eq!(body.code, "unauthorized", "a wrong password tells nothing"),
            other => panic!("expected unauthorized, got {other:?}"),
        }
        // Enabled again, she logs in anew and reads the station's records.
        w.storage.enable_user("nurse-a", None).await.unwrap();
        again.app.login(&w.url, "nurse-a", PASSWORD, "new").await.unwrap();
        sync(&again).await;
        assert_eq!(visit_ids(&again).await, vec![synced]);
        let events: Vec<String> = w.storage.org_events(Some("nurse-a")).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(events, ["user_added", "user_disabled", "user_enabled"]);
        w.finish().await;
    }

    async fn a_person_added_with_a_one_time_password_sets_her_own_and_her_name_reaches_her_records(db: Db) {
        let Some(w) = World::start(db).await else { return };
        let station =
            Org { id: "st-kakuu".into(), kind: OrgKind::Station, name: "架空訪問看護ステーション".into(), municipality: None };
        w.storage.add_org(&station, None).await.unwrap();
        let new = NewPerson {
            username: "hanako".into(),
            role: Role::Nurse,
            org_id: Some("st-kakuu".into()),
            name: "見本 花子".into(),
            kana: "みほん はなこ".into(),
            profession: Some(Profession::PublicHealthNurse),
        };
        let (_, one_time) = w.storage.add_person(&new, None, None, None).await.unwrap();
        let one_time = one_time.expect("no password given: a one-time one").password;
        w.user("parent-hana", Role::Parent, "st-kakuu").await;

        let dev = TempDevice::new().await.unwrap();
        match dev.app.login(&w.url, "hanako", &one_time, "tablet").await {
            Err(CoreError::Server { status: 403, body }) => assert_eq!(body.code, "password_change_required"),
            other => panic!("expected password_change_required, got {other:?}"),
        }
        match dev.app.login_with(&w.url, "hanako", &one_time, Some("short"), None, "tablet").await {
            Err(CoreError::Server { status: 400, body }) => {
                assert_eq!(body.code, "invalid");
                assert!(body.problems.iter().all(|p| p.field == "new_password") && !body.problems.is_empty(), "{body:?}");
            }
            other => panic!("expected invalid, got {other:?}"),
        }
        match dev.app.login_with(&w.url, "hanako", &one_time, Some(&one_time), None, "tablet").await {
            Err(CoreError::Server { status: 400, body }) => assert!(body.problems.iter().any(|p| p.code == "same_as_one_time")),
            other => panic!("expected the one-time password refused as the new one, got {other:?}"),
        }
        let own = "kakuu-sora-no-pasuwaado-7";
        let session = dev.app.login_with(&w.url, "hanako", &one_time, Some(own), None, "tablet").await.unwrap();
        assert_eq!((session.user.name.as_str(), session.user.profession), ("見本 花子", Some(Profession::PublicHealthNurse)));
        // The one-time password is spent; her own works.
        let other = TempDevice::new().await.unwrap();
        assert!(matches!(other.app.login(&w.url, "hanako", &one_time, "x").await, Err(CoreError::Server { status: 401, .. })));
        other.app.login(&w.url, "hanako", own, "x").await.unwrap();

        // After a sync the device knows the organisation: the station's name and her own.
        sync(&dev).await;
        let directory = dev.app.directory().await.unwrap();
        assert_eq!(directory.org("st-kakuu").map(|o| o.name.as_str()), Some("架空訪問看護ステーション"));
        assert_eq!(directory.person(&session.user.id).map(|p| p.kana.as_str()), Some("みほん はなこ"));
        assert!(directory.people.iter().all(|p| p.role != Role::Parent), "parents are not listed to staff");
        let hana = dev.app.add_child(child("13105")).await.unwrap();
        let visit = dev.app.new_visit(hana.id, carebook_domain::VisitKind::Nursing).await.unwrap();
        assert_eq!(visit.station.name, "架空訪問看護ステーション");
        let lead = &visit.staff[0];
        assert_eq!(
            (lead.id.as_str(), lead.name.as_str(), lead.profession),
            (session.user.id.as_str(), "見本 花子", Profession::PublicHealthNurse)
        );

        // A name changed on the server reaches the device at its next sync, and new records.
        w.storage.set_profile("hanako", Some("見本 華子"), None, None, None).await.unwrap();
        sync(&dev).await;
        assert_eq!(dev.app.new_visit(hana.id, carebook_domain::VisitKind::Nursing).await.unwrap().staff[0].name, "見本 華子");
        // A parent's directory holds only themselves.
        w.storage.assign("parent-hana", hana.id).await.unwrap();
        let parent = w.device("parent-hana").await;
        sync(&parent).await;
        let seen: Vec<String> = parent.app.directory().await.unwrap().people.into_iter().map(|p| p.id).collect();
        assert_eq!(seen, [parent.app.session().await.unwrap().unwrap().user.id]);
        // The office reads who changed a record by name.
        let recorded = dev.app.record_visit(respite(hana.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap().id;
        sync(&dev).await;
        w.user("office-k", Role::Office, "st-kakuu").await;
        let office = w.device("office-k").await;
        let history = office.app.record_history(&recorded.to_string()).await.unwrap();
        let who: Vec<(&str, &str)> = history.iter().map(|h| (h.username.as_str(), h.name.as_str())).collect();
        assert_eq!(who, [("hanako", "見本 華子")]);
        w.finish().await;
    }

    async fn an_edit_refused_when_the_quarantine_is_full_stays_on_the_device_marked_and_is_pushed_again_once_changed(db: Db) {
        let Some(w) = World::start_with(db, Config { quarantine_device_bytes: 64 * 1024, ..test_config() }).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        w.user("parent-hana", Role::Parent, "st-kakuu").await;
        let nurse = w.device("nurse-a").await;
        let hana = nurse.app.add_child(child("13105")).await.unwrap();
        let id = nurse.app.record_visit(respite(hana.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap().id;
        sync(&nurse).await;
        w.storage.assign("parent-hana", hana.id).await.unwrap();
        let parent = w.device("parent-hana").await;
        sync(&parent).await;

        // The parent's device keeps changing more than the confirmation: each edit is refused
        // (forbidden) and kept in quarantine, until the device's 64 KiB there are used up.
        let mut kept = 0;
        let code = loop {
            parent.app.update_visit(id, |v: &mut Visit| v.place = format!("見本の場所 {kept}")).await.unwrap();
            let r = sync(&parent).await;
            assert_eq!((r.sent, r.rejected), (1, 1));
            let code = parent.app.sync_status().await.unwrap().rejected[0].code.clone();
            if code != "forbidden" {
                break code;
            }
            kept += 1;
            assert!(kept < 200, "the quota was never reached");
        };
        assert_eq!(code, "quarantine_full");
        assert!(kept >= 5, "{kept} refused edits kept before the quota");
        let status = parent.app.sync_status().await.unwrap();
        assert!(status.rejected[0].reason.contains("quarantine quota") && status.rejected[0].reason.contains("保留箱"));
        assert_eq!(parent.app.visit(id).await.unwrap().place, format!("見本の場所 {kept}"), "the edit stays on the device");
        // Not pushed again until it changes; then pushed again (and refused again).
        assert_eq!(sync(&parent).await.sent, 0);
        parent.app.update_visit(id, |v: &mut Visit| v.place = "見本の場所 最後".into()).await.unwrap();
        let r = sync(&parent).await;
        assert_eq!((r.sent, r.rejected), (1, 1));
        assert_eq!(parent.app.sync_status().await.unwrap().rejected[0].code, "quarantine_full");
        // The office sees what was kept and that the device hit its quota; the server's copy is
        // the nurse's.
        let office = w.device("office-a").await;
        let q: Vec<QuarantineEntry> = office.app.quarantine().await.unwrap();
        assert_eq!(q.len(), kept);
        let devices = office.app.quarantine_devices().await.unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!((devices[0].username.as_str(), devices[0].refused, devices[0].entries), ("parent-hana", 2, kept as i64));
        sync(&nurse).await;
        assert_eq!(nurse.app.visit(id).await.unwrap().place, "自宅");
        w.finish().await;
    }

    async fn a_device_updated_from_the_old_feed_ends_up_with_exactly_what_its_account_may_read(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-b", Role::Nurse, "st-b").await;
        w.user("nurse-a", Role::Nurse, "st-a").await;
        let b = w.device("nurse-b").await;
        let (gone, _) = child_with_visits(&b, 2).await;
        let a = w.device("nurse-a").await;
        let (own, own_visits) = child_with_visits(&a, 2).await;
        w.storage.assign("nurse-a", gone).await.unwrap();
        sync(&a).await;
        assert_eq!(children_of(&a).await.len(), 2);

        // The tablet as the old feed left it: a cursor at the top, one of its own station's visits
        // missing (the old feed could skip records), the other child no longer assigned, and the
        // buckets as the update's migration marks them (held, not known to be complete).
        let pool = a.app.store().pool();
        sqlx::query("DELETE FROM visits WHERE id = ?1").bind(own_visits[1].to_string()).execute(pool).await.unwrap();
        sqlx::query("DELETE FROM documents WHERE id = ?1").bind(own_visits[1].to_string()).execute(pool).await.unwrap();
        sqlx::query("UPDATE sync_buckets SET complete = 0").execute(pool).await.unwrap();
        w.storage.unassign("nurse-a", gone).await.unwrap();

        let r = sync(&a).await;
        assert_eq!(r.removed.iter().map(|x| x.child_id.clone()).collect::<Vec<_>>(), vec![gone.to_string()]);
        assert_eq!(r.caught_up, 3, "its own child's face sheet and both visits again, whatever the cursor said");
        assert_eq!(children_of(&a).await, vec![own]);
        assert_eq!(visit_ids(&a).await, own_visits);
        assert_eq!(sync(&a).await.received, 0);
        w.finish().await;
    }

    async fn children_of(dev: &TempDevice) -> Vec<carebook_domain::ChildId> {
        let mut ids: Vec<_> = dev.app.children().await.unwrap().into_iter().map(|c| c.id).collect();
        ids.sort();
        ids
    }

    /// A child of `dev`'s station with `n` respite visits in June 2026, synced.
    async fn child_with_visits(dev: &TempDevice, n: u32) -> (carebook_domain::ChildId, Vec<carebook_domain::VisitId>) {
        let kid = dev.app.add_child(child("13105")).await.unwrap();
        let mut visits = vec![];
        for day in 1..=n {
            let d = format!("2026-06-{day:02}");
            visits.push(dev.app.record_visit(respite(kid.id, &format!("{d}T09:00"), &format!("{d}T11:00"))).await.unwrap().id);
        }
        visits.sort();
        sync(dev).await;
        (kid.id, visits)
    }

    async fn a_nurse_assigned_after_her_cursor_passed_a_childs_records_gets_the_face_sheet_and_every_visit_at_her_next_sync(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-b", Role::Nurse, "st-b").await;
        w.user("nurse-a", Role::Nurse, "st-a").await;
        let b = w.device("nurse-b").await;
        let (kid, visits) = child_with_visits(&b, 3).await;

        // Nurse A syncs: her own station's child comes back; station B's records are passed by her cursor.
        let a = w.device("nurse-a").await;
        let own = a.app.add_child(child("13105")).await.unwrap();
        let first = sync(&a).await;
        assert_eq!((first.sent, first.received, first.caught_up), (1, 1, 0));
        assert_eq!(children_of(&a).await, vec![own.id]);

        // She covers for a colleague: assigned to the child. Her next sync brings the face
        // sheet and every visit, whatever her cursor says.
        w.storage.assign("nurse-a", kid).await.unwrap();
        let covered = sync(&a).await;
        assert_eq!((covered.received, covered.caught_up), (4, 4), "the face sheet and 3 visits");
        let mut expected = vec![own.id, kid];
        expected.sort();
        assert_eq!(children_of(&a).await, expected);
        assert_eq!(visit_ids(&a).await, visits);
        assert_eq!(a.app.child(kid).await.unwrap().devices, vec!["人工呼吸器", "吸引器"], "the face sheet's devices are there");

        // From then on the feed alone keeps her up to date, one record for one change.
        b.app.update_visit(visits[1], |v| v.place = "祖父母宅".into()).await.unwrap();
        sync(&b).await;
        let next = sync(&a).await;
        assert_eq!((next.received, next.caught_up, next.pull_requests), (1, 0, 1));
        assert_eq!(a.app.visit(visits[1]).await.unwrap().place, "祖父母宅");
        let quiet = sync(&a).await;
        assert_eq!((quiet.received, quiet.pull_requests), (0, 1));
        w.finish().await;
    }

    async fn unassigned_the_childs_records_leave_the_device_and_every_edit_is_on_the_server_or_in_its_quarantine(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-b", Role::Nurse, "st-b").await;
        w.user("office-b", Role::Office, "st-b").await;
        w.user("nurse-a", Role::Nurse, "st-a").await;
        let b = w.device("nurse-b").await;
        let (kid, visits) = child_with_visits(&b, 2).await;
        w.storage.assign("nurse-a", kid).await.unwrap();
        let a = w.device("nurse-a").await;
        assert_eq!(sync(&a).await.received, 3);

        // An edit synced while she is assigned is on the server.
        a.app.update_visit(visits[0], |v| v.note.plan.update("架空：次回は吸引の手技を確認")).await.unwrap();
        assert_eq!(sync(&a).await.accepted, 1);
        // Offline, she edits the other visit; meanwhile the assignment ends.
        a.app.update_visit(visits[1], |v| v.note.subjective.update("架空：よく眠れた")).await.unwrap();
        assert!(w.storage.unassign("nurse-a", kid).await.unwrap());
        assert!(!w.storage.unassign("nurse-a", kid).await.unwrap(), "ending it twice finds none");

        let r = sync(&a).await;
        assert_eq!((r.sent, r.accepted, r.rejected), (1, 0, 1), "her waiting edit was pushed first, and refused");
        assert_eq!(r.removed.len(), 1);
        let removal = &r.removed[0];
        assert_eq!((removal.child_id.as_str(), removal.records, removal.quarantined), (kid.to_string().as_str(), 3, 1));
        assert_eq!(removal.child_name.as_deref(), Some("見本 はな"));
        assert!(children_of(&a).await.is_empty());
        assert!(visit_ids(&a).await.is_empty());
        let status = a.app.sync_status().await.unwrap();
        assert_eq!((status.pending, status.rejected.len(), status.removed.len()), (0, 0, 1));
        assert!(status.removed[0].reason.contains("may no longer read") && status.removed[0].reason.contains("quarantine"));

        // Nothing is lost: the accepted edit is on the server, the refused one in its quarantine.
        let office = w.device("office-b").await;
        sync(&office).await;
        assert_eq!(office.app.visit(visits[0]).await.unwrap().note.plan.as_str(), "架空：次回は吸引の手技を確認");
        assert_eq!(office.app.visit(visits[1]).await.unwrap().note.subjective.as_str(), "", "the refused edit did not reach the record");
        let q = office.app.quarantine().await.unwrap();
        assert!(q.iter().any(|e| e.record_id == visits[1].to_string() && e.code == "forbidden" && e.username == "nurse-a"), "{q:?}");

        let after = sync(&a).await;
        assert_eq!((after.received, after.removed.len()), (0, 0));
        w.finish().await;
    }

    async fn an_office_user_made_a_nurse_of_another_station_holds_exactly_that_stations_children(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-a").await;
        w.user("nurse-b", Role::Nurse, "st-b").await;
        w.user("staff-x", Role::Office, "st-a").await;
        let a = w.device("nurse-a").await;
        let (a1, _) = child_with_visits(&a, 1).await;
        let (a2, _) = child_with_visits(&a, 1).await;
        let b = w.device("nurse-b").await;
        let (b1, b1_visits) = child_with_visits(&b, 2).await;

        let x = w.device("staff-x").await;
        assert_eq!(sync(&x).await.received, 4);
        let mut st_a = vec![a1, a2];
        st_a.sort();
        assert_eq!(children_of(&x).await, st_a);

        let info = w.storage.change_user("staff-x", Some(Role::Nurse), Some(("st-b", OrgKind::Station))).await.unwrap();
        assert_eq!((info.role, info.org_id.as_str()), (Role::Nurse, "st-b"));
        let moved = sync(&x).await;
        assert_eq!(moved.removed.iter().map(|r| r.records).sum::<i64>(), 4);
        assert_eq!(moved.caught_up, 3);
        assert_eq!(children_of(&x).await, vec![b1]);
        assert_eq!(visit_ids(&x).await, b1_visits);
        w.finish().await;
    }

    async fn two_servers_on_one_database_with_devices_split_between_them_converge_to_the_same_records(db: Db) {
        let Some(w) = World::start(db).await else { return };
        let (second, second_storage) = w.second_server().await;
        let url2 = second.base_url();
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("nurse-b", Role::Nurse, "st-kakuu").await;
        w.user("nurse-c", Role::Nurse, "st-other").await;
        w.user("office", Role::Office, "st-kakuu").await;
        let a = w.device("nurse-a").await;
        let b = w.device_on(&url2, "nurse-b").await;
        let c = w.device_on(&url2, "nurse-c").await;
        let office = w.device_on(&url2, "office").await;
        let (kid, visits) = child_with_visits(&a, 2).await;
        for dev in [&b, &c, &office] {
            sync(dev).await;
        }
        assert!(children_of(&c).await.is_empty(), "another station's nurse reads nothing yet");

        // Both nurses edit the same visit and record sessions at once, each through her server;
        // the second server's operator assigns nurse C meanwhile.
        a.app.update_visit(visits[0], |v| v.note.objective.update("架空：胸郭の動き良好")).await.unwrap();
        b.app
            .update_visit(visits[0], |v| v.vitals.push(VitalReading { id: "b".into(), pulse: Some(104), ..Default::default() }))
            .await
            .unwrap();
        for (dev, day) in [(&a, 10u32), (&b, 11)] {
            dev.app.record_visit(respite(kid, &format!("2026-06-{day}T09:00"), &format!("2026-06-{day}T11:00"))).await.unwrap();
        }
        second_storage.assign("nurse-c", kid).await.unwrap();
        for _ in 0..2 {
            tokio::join!(sync(&a), sync(&b));
        }
        for dev in [&c, &office, &a, &b] {
            sync(dev).await;
        }
        let expected = visit_ids(&office).await;
        assert_eq!(expected.len(), 4);
        let merged = office.app.visit(visits[0]).await.unwrap();
        assert_eq!((merged.note.objective.as_str(), merged.vitals.len()), ("架空：胸郭の動き良好", 1));
        for dev in [&a, &b, &c] {
            assert_eq!(visit_ids(dev).await, expected);
            assert_eq!(dev.app.visit(visits[0]).await.unwrap(), merged);
            assert_eq!(dev.app.sync_status().await.unwrap().pending, 0);
        }
        second.shutdown().await.unwrap();
        second_storage.close().await;
        w.finish().await;
    }

    async fn a_visit_moved_to_another_child_is_refused_and_quarantined_and_stays_with_its_child_on_the_server(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office", Role::Office, "st-kakuu").await;
        let a = w.device("nurse-a").await;
        let (hana, visits) = child_with_visits(&a, 1).await;
        let (taro, _) = child_with_visits(&a, 0).await;

        a.app.update_visit(visits[0], |v| v.child_id = taro).await.unwrap();
        let r = sync(&a).await;
        assert_eq!((r.sent, r.rejected), (1, 1));
        let status = a.app.sync_status().await.unwrap();
        assert_eq!(status.rejected.len(), 1);
        assert_eq!(status.rejected[0].code, "invalid");
        assert!(
            status.rejected[0].reason.contains("child_id") && status.rejected[0].reason.contains(&hana.to_string()),
            "{}",
            status.rejected[0].reason
        );
        assert_eq!(a.app.visit(visits[0]).await.unwrap().child_id, taro, "the device keeps its edit, marked");

        let office = w.device("office").await;
        sync(&office).await;
        assert_eq!(office.app.visit(visits[0]).await.unwrap().child_id, hana, "the server's record stays with its child");
        let q = office.app.quarantine().await.unwrap();
        assert!(q.iter().any(|e| e.record_id == visits[0].to_string() && e.code == "invalid"), "{q:?}");
        w.finish().await;
    }

    /// Text that automerge cannot compress much: pseudo-random kanji from a fixed seed.
    fn incompressible_text(chars: usize, seed: u64) -> String {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..chars)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                char::from_u32(0x4E00 + ((x >> 33) % 0x5000) as u32).unwrap_or('架')
            })
            .collect()
    }

    async fn documents_larger_than_a_page_travel_alone_and_every_page_stays_within_its_bytes(db: Db) {
        // A small page lets visits within the text limits (four SOAP sections of 10,000
        // characters: about 100 KB) be larger than a page; the benchmark measures the server's
        // memory with many such visits.
        const PAGE: i64 = 32 * 1024;
        let Some(w) = World::start_with(db, Config { changes_page_bytes: PAGE, ..test_config() }).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        let a = w.device("nurse-a").await;
        let (kid, small) = child_with_visits(&a, 30).await;
        let mut big = vec![];
        for i in 0..3u32 {
            let mut v = respite(kid, &format!("2026-07-0{}T09:00", i + 1), &format!("2026-07-0{}T11:00", i + 1));
            for (n, section) in
                [&mut v.note.subjective, &mut v.note.objective, &mut v.note.assessment, &mut v.note.plan].into_iter().enumerate()
            {
                section.update(incompressible_text(carebook_domain::visit::SOAP_MAX, u64::from(i) * 4 + n as u64));
            }
            big.push(a.app.record_visit(v).await.unwrap().id);
        }
        assert_eq!(sync(&a).await.accepted, 3);

        // A fresh device gets everything …
        let fresh = w.device("nurse-a").await;
        let got = sync(&fresh).await;
        assert_eq!(got.received as usize, 1 + small.len() + big.len());
        assert_eq!(fresh.app.visit(big[2]).await.unwrap().note.plan.as_str().chars().count(), carebook_domain::visit::SOAP_MAX);

        // … in pages that hold one large document alone, or stay within the byte limit.
        let token = fresh.app.session().await.unwrap().unwrap().token;
        let digest = carebook_domain::buckets_digest([kid.to_string().as_str()]);
        let http = reqwest::Client::new();
        let (mut cursor, mut pages, mut alone) = (0i64, 0, 0);
        loop {
            let page: carebook_domain::ChangesResponse = http
                .get(format!("{}/api/v1/changes?since={cursor}&buckets={digest}", w.url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(page.buckets.is_none());
            let bytes: usize = page.documents.iter().map(|d| d.bytes.len()).sum();
            if page.documents.len() == 1 && bytes as i64 > PAGE {
                alone += 1;
            } else {
                assert!(bytes as i64 <= PAGE, "a page of {} documents holds {bytes} bytes", page.documents.len());
            }
            pages += 1;
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        assert_eq!(alone, 3, "each large visit travels alone");
        assert!(pages >= 4, "{pages} pages");
        w.finish().await;
    }

    async fn two_devices_offline_for_one_child_sync_to_the_same_records_with_merged_edits_and_both_sessions_over_the_cap(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("nurse-b", Role::Nurse, "st-kakuu").await;
        let a = w.device("nurse-a").await;
        let b = w.device("nurse-b").await;
        // The municipality's cap, set on both tablets: 10 h a year keeps the sums readable.
        let rules = MunicipalityRules { annual_cap_minutes: 600, ..MunicipalityRules::builtin("13105") };
        a.app.store().set_rules(&rules).await.unwrap();
        b.app.store().set_rules(&rules).await.unwrap();

        let kid = a.app.add_child(child("13105")).await.unwrap();
        a.app.record_visit(respite(kid.id, "2026-05-01T09:00", "2026-05-01T13:00")).await.unwrap();
        let shared = a.app.record_visit(respite(kid.id, "2026-05-08T09:00", "2026-05-08T13:00")).await.unwrap().id;
        let first = sync(&a).await;
        assert_eq!((first.sent, first.accepted, first.rejected), (3, 3, 0));
        assert_eq!(sync(&b).await.received, 3);

        // Offline: each records a session (2 h were left) and edits the same visit.
        let on_a = a.app.record_visit(respite(kid.id, "2026-05-15T09:00", "2026-05-15T13:00")).await.unwrap().id;
        let on_b = b.app.record_visit(respite(kid.id, "2026-05-15T14:00", "2026-05-15T17:00")).await.unwrap().id;
        a.app
            .update_visit(shared, |v| v.vitals.push(VitalReading { id: "a".into(), pulse: Some(112), ..Default::default() }))
            .await
            .unwrap();
        b.app
            .update_visit(shared, |v| {
                v.checklist.template_id = "home_devices".into();
                v.checklist.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
                v.note.objective.update("胸郭の動き良好");
            })
            .await
            .unwrap();

        sync(&a).await;
        sync(&b).await;
        sync(&a).await;

        assert_eq!(visit_ids(&a).await, visit_ids(&b).await);
        assert_eq!(visit_ids(&a).await.len(), 4);
        let (va, vb) = (a.app.visit(shared).await.unwrap(), b.app.visit(shared).await.unwrap());
        assert_eq!(va, vb);
        assert_eq!(va.vitals.len(), 1);
        assert!(va.checklist.items.contains_key("ventilator"));
        assert_eq!(va.note.objective.as_str(), "胸郭の動き良好");
        for dev in [&a, &b] {
            let r = dev.app.respite_remaining(kid.id, Some(FiscalYear(2026))).await.unwrap();
            assert_eq!((r.ledger.used_minutes, r.ledger.remaining_minutes), (900, -300));
            assert_eq!(r.ledger.over_cap, vec![on_a, on_b]);
            assert_eq!(dev.app.sync_status().await.unwrap().pending, 0);
        }
        w.finish().await;
    }

    async fn a_sync_after_one_change_moves_one_record_however_many_the_server_holds(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("nurse-b", Role::Nurse, "st-kakuu").await;
        let a = w.device("nurse-a").await;
        let kid = a.app.add_child(child("13105")).await.unwrap();
        let mut ids = vec![];
        for day in 0..150u32 {
            let date = carebook_domain::Date::from_days_since_epoch(
                carebook_domain::Date::new(2026, 4, 1).unwrap().days_since_epoch() + i64::from(day),
            );
            ids.push(a.app.record_visit(respite(kid.id, &format!("{date}T09:00"), &format!("{date}T11:00"))).await.unwrap().id);
        }
        let pushed = sync(&a).await;
        // 151 records in batches of 100.
        assert_eq!((pushed.sent, pushed.accepted, pushed.push_requests), (151, 151, 2));

        let b = w.device("nurse-b").await;
        let initial = sync(&b).await;
        assert_eq!((initial.received, initial.sent), (151, 0));

        a.app.update_visit(ids[77], |v| v.place = "祖父母宅".into()).await.unwrap();
        let one_up = sync(&a).await;
        assert_eq!((one_up.sent, one_up.received), (1, 1)); // its own accepted change comes back once
        let one_down = sync(&b).await;
        assert_eq!((one_down.received, one_down.pull_requests, one_down.sent), (1, 1, 0));
        assert_eq!(b.app.visit(ids[77]).await.unwrap().place, "祖父母宅");
        let nothing = sync(&b).await;
        assert_eq!((nothing.received, nothing.sent), (0, 0));
        w.finish().await;
    }

    async fn a_parent_sees_only_their_child_and_an_edit_beyond_the_confirmation_stays_on_the_device_marked(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("parent-hana", Role::Parent, "family-mihon").await;
        let nurse = w.device("nurse-a").await;
        let hana = nurse.app.add_child(child("13105")).await.unwrap();
        let other = nurse.app.add_child(child("13105")).await.unwrap();
        let visit = nurse.app.record_visit(respite(hana.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap().id;
        nurse.app.record_visit(respite(other.id, "2026-06-02T09:00", "2026-06-02T12:00")).await.unwrap();
        sync(&nurse).await;
        w.storage.assign("parent-hana", hana.id).await.unwrap();

        let parent = w.device("parent-hana").await;
        let got = sync(&parent).await;
        assert_eq!(got.received, 2, "the child's face sheet and its one visit");
        assert_eq!(visit_ids(&parent).await, vec![visit]);
        assert!(parent.app.child(other.id).await.is_err());

        // Confirming the session is allowed …
        parent
            .app
            .update_visit(visit, |v| {
                v.guardian = Some(GuardianConfirmation::Confirmed {
                    name: "見本 保護者".into(),
                    at: "2026-06-01T12:05".parse().unwrap(),
                    signature: String::new(),
                })
            })
            .await
            .unwrap();
        let ok = sync(&parent).await;
        assert_eq!((ok.accepted, ok.rejected), (1, 0));
        // … changing anything else is not, and the edit stays on the device, marked.
        parent.app.update_visit(visit, |v| v.place = "病院".into()).await.unwrap();
        let refused = sync(&parent).await;
        assert_eq!(refused.rejected, 1);
        let status = parent.app.sync_status().await.unwrap();
        assert_eq!(status.rejected.len(), 1);
        assert_eq!((status.rejected[0].id.as_str(), status.rejected[0].code.as_str()), (visit.to_string().as_str(), "forbidden"));
        assert_eq!(parent.app.visit(visit).await.unwrap().place, "病院");

        sync(&nurse).await;
        let on_nurse = nurse.app.visit(visit).await.unwrap();
        assert!(matches!(on_nurse.guardian, Some(GuardianConfirmation::Confirmed { .. })));
        assert_eq!(on_nurse.place, "自宅");
        w.finish().await;
    }

    async fn an_approved_visit_refuses_a_nurses_offline_edit_which_stays_on_the_device_and_in_quarantine(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        w.user("office-a", Role::Office, "st-kakuu").await;
        let nurse = w.device("nurse-a").await;
        let kid = nurse.app.add_child(child("13105")).await.unwrap();
        let mut v = respite(kid.id, "2026-06-01T09:00", "2026-06-01T12:00");
        v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "保護者就寝中".into() });
        let id = nurse.app.record_visit(v).await.unwrap().id;
        nurse.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
        sync(&nurse).await;

        let office = w.device("office-a").await;
        sync(&office).await;
        office.app.set_visit_status(id, VisitStatus::Approved).await.unwrap();
        assert_eq!(sync(&office).await.accepted, 1);

        // The nurse, offline, has not seen the approval and edits the record.
        nurse.app.update_visit(id, |v: &mut Visit| v.note.plan.update("次回は入浴介助")).await.unwrap();
        let r = sync(&nurse).await;
        assert_eq!(r.rejected, 1);
        let status = nurse.app.sync_status().await.unwrap();
        assert_eq!(status.rejected[0].code, "locked");
        let kept = nurse.app.visit(id).await.unwrap();
        assert_eq!(kept.note.plan.as_str(), "次回は入浴介助", "the edit is kept on the device");
        assert_eq!(kept.status, VisitStatus::Approved, "the approval arrived too");

        let q: Vec<QuarantineEntry> = office.app.quarantine().await.unwrap();
        assert!(q.iter().any(|e| e.record_id == id.to_string() && e.code == "locked" && e.username == "nurse-a"), "{q:?}");
        // The record's history: created and submitted by the nurse, approved by the office.
        let history = office.app.record_history(&id.to_string()).await.unwrap();
        let who: Vec<(&str, &str)> = history.iter().map(|h| (h.username.as_str(), h.action.as_str())).collect();
        assert_eq!(who, [("nurse-a", "created"), ("office-a", "changed")]);
        // The nurse may not read the history.
        assert!(matches!(nurse.app.record_history(&id.to_string()).await, Err(CoreError::Server { status: 403, .. })));
        sync(&office).await;
        assert_eq!(office.app.visit(id).await.unwrap().note.plan.as_str(), "", "the server copy is unchanged");
        w.finish().await;
    }

    async fn a_revoked_device_removes_its_records_at_its_next_sync(db: Db) {
        let Some(w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        let dev = w.device("nurse-a").await;
        let kid = dev.app.add_child(child("13105")).await.unwrap();
        dev.app.record_visit(respite(kid.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap();
        sync(&dev).await;
        let device_id = dev.app.session().await.unwrap().unwrap().device_id;
        w.storage.revoke_device(&device_id).await.unwrap();

        let err = dev.app.sync(&mut |_| {}).await.unwrap_err();
        assert!(matches!(err, CoreError::DeviceRevoked { removed: 2, kept: 0 }), "{err}");
        assert!(dev.app.children().await.unwrap().is_empty());
        assert!(dev.app.visits(&Default::default()).await.unwrap().is_empty());
        assert!(dev.app.session().await.unwrap().is_none());
        assert!(matches!(dev.app.sync(&mut |_| {}).await, Err(CoreError::NotLoggedIn)));
        w.finish().await;
    }

    async fn a_server_stopped_mid_sync_and_restarted_loses_nothing_and_the_next_sync_completes(db: Db) {
        let Some(mut w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        let dev = w.device("nurse-a").await;
        let kid = dev.app.add_child(child("13105")).await.unwrap();
        for day in 1..=30u8 {
            for (start, end) in [("09:00", "11:00"), ("13:00", "15:00"), ("16:00", "18:00"), ("19:00", "21:00"), ("21:30", "23:30")] {
                let d = format!("2026-06-{day:02}");
                dev.app.record_visit(respite(kid.id, &format!("{d}T{start}"), &format!("{d}T{end}"))).await.unwrap();
            }
        }
        // 151 records: two push batches. Stop the server as soon as the first batch is answered.
        let server = Arc::new(std::sync::Mutex::new(w.server.take()));
        let stopper = server.clone();
        let mut progress = move |p: SyncProgress| {
            if p.phase == SyncPhase::Push && p.done > 0 {
                if let Some(s) = stopper.lock().unwrap().take() {
                    // Block this worker until the server is down, so the next batch meets a closed port.
                    let rt = tokio::runtime::Handle::current();
                    std::thread::scope(|t| {
                        t.spawn(|| rt.block_on(s.shutdown()).unwrap());
                    });
                }
            }
        };
        let err = dev.app.sync(&mut progress).await.unwrap_err();
        assert_eq!(err.code(), "offline", "{err}");
        let waiting = dev.app.sync_status().await.unwrap().pending;
        assert_eq!(waiting, 51, "the first batch of 100 was accepted; the rest waits");

        let addr = {
            let url = w.url.trim_start_matches("http://").to_string();
            url.parse::<std::net::SocketAddr>().unwrap()
        };
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        w.server = Some(launch_with_listener(test_config(), w.storage.clone(), listener).unwrap());
        let r = sync(&dev).await;
        assert_eq!((r.sent, r.accepted), (51, 51));
        assert_eq!(dev.app.sync_status().await.unwrap().pending, 0);

        // A fresh device gets every record from the restarted server.
        let other = w.device("nurse-a").await;
        assert_eq!(sync(&other).await.received, 151);
        let _ = &mut w;
        w.restart().await;
        assert_eq!(sync(&other).await.received, 0);
        w.finish().await;
    }

    async fn wait_until_synced(dev: &TempDevice) {
        for _ in 0..300 {
            if dev.app.sync_status().await.unwrap().pending == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the loop did not sync the waiting record");
    }

    async fn wait_for(
        rx: &mut tokio::sync::watch::Receiver<carebook_core::sync::LoopStatus>,
        what: impl Fn(&carebook_core::sync::LoopStatus) -> bool,
    ) {
        tokio::time::timeout(std::time::Duration::from_secs(30), rx.wait_for(|s| what(s))).await.expect("loop status in time").unwrap();
    }

    async fn the_background_loop_syncs_reports_its_last_success_and_backs_off_while_the_server_is_down(db: Db) {
        let Some(mut w) = World::start(db).await else { return };
        w.user("nurse-a", Role::Nurse, "st-kakuu").await;
        let dev = w.device("nurse-a").await;
        let kid = dev.app.add_child(child("13105")).await.unwrap();
        let sync_loop = carebook_core::SyncLoop::spawn(dev.app.clone(), std::time::Duration::from_millis(200));
        let mut rx = sync_loop.watch();
        wait_for(&mut rx, |s| s.last_success_at.is_some() && !s.syncing).await;
        assert_eq!(dev.app.sync_status().await.unwrap().pending, 0);

        // A visit recorded while online goes up on the next round.
        dev.app.record_visit(respite(kid.id, "2026-06-01T09:00", "2026-06-01T12:00")).await.unwrap();
        sync_loop.sync_now();
        wait_until_synced(&dev).await;

        // Server down: failures are counted with the reason, nothing is lost, and it recovers.
        w.server.take().unwrap().shutdown().await.unwrap();
        dev.app.record_visit(respite(kid.id, "2026-06-02T09:00", "2026-06-02T12:00")).await.unwrap();
        sync_loop.sync_now();
        wait_for(&mut rx, |s| s.failures >= 2).await;
        let st = sync_loop.status();
        assert_eq!(st.last_error.as_ref().map(|e| e.code.as_str()), Some("offline"));
        assert_eq!(dev.app.sync_status().await.unwrap().pending, 1);
        assert!(
            carebook_core::sync::backoff(std::time::Duration::from_millis(200), st.failures, std::time::Duration::from_secs(300))
                > std::time::Duration::from_millis(200)
        );

        let addr: std::net::SocketAddr = w.url.trim_start_matches("http://").parse().unwrap();
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        w.server = Some(launch_with_listener(test_config(), w.storage.clone(), listener).unwrap());
        sync_loop.sync_now();
        wait_for(&mut rx, |s| s.failures == 0 && s.last_error.is_none()).await;
        assert_eq!(dev.app.sync_status().await.unwrap().pending, 0);
        sync_loop.stop();
        w.finish().await;
    }
}
