//! The app-facing use cases (`app.rs`, `lock.rs`) on real SQLite files in temporary directories.
//! Every expected number is worked out by hand in the comments next to it.

use carebook_core::app::{Labels, ReviewFilter};
use carebook_core::{clock, CoreError, VisitFilter};
use carebook_domain::{
    ChildId, Date, DateTime, DoctorInstruction, FiscalYear, GuardianConfirmation, InstructionState, MunicipalityRules, StaffRole, Station,
    TimeOfDay, Visit, VisitId, VisitKind, VisitStatus,
};
use carebook_testkit::{child, nurse, respite, TempDevice};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async fn doc_count(dev: &TempDevice) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(dev.app.store().pool()).await.unwrap()
}

async fn local_version(dev: &TempDevice, id: VisitId) -> i64 {
    sqlx::query_scalar("SELECT local_version FROM documents WHERE id = ?1")
        .bind(id.to_string())
        .fetch_one(dev.app.store().pool())
        .await
        .unwrap()
}

fn dt(s: &str) -> DateTime {
    s.parse().expect("date-time")
}

fn date(s: &str) -> Date {
    s.parse().expect("date")
}

fn add_days(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

fn at(d: Date, h: u8, m: u8) -> DateTime {
    DateTime::new(d, TimeOfDay::new(h, m).expect("time"))
}

fn confirmed_by_guardian() -> GuardianConfirmation {
    GuardianConfirmation::Confirmed { name: "見本 保護者".into(), at: dt("2026-05-01T13:00"), signature: String::new() }
}

fn not_confirmed() -> GuardianConfirmation {
    GuardianConfirmation::NotConfirmed { reason: "保護者就寝中のため翌日確認".into() }
}

/// A respite session with a second lead nurse (two uses).
fn respite_two_leads(c: ChildId, start: &str, end: &str) -> Visit {
    let mut v = respite(c, start, end);
    v.staff.push(nurse("n2", StaffRole::Lead));
    v
}

fn ids(rows: &[carebook_core::app::VisitRow]) -> Vec<VisitId> {
    rows.iter().map(|r| r.summary.id).collect()
}

/// Lowers the cap of a built-in municipality so that a few sessions cross it.
async fn set_cap(dev: &TempDevice, code: &str, minutes: u32) {
    let rules = MunicipalityRules { annual_cap_minutes: minutes, ..MunicipalityRules::builtin(code) };
    dev.app.store().set_rules(&rules).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// 1. respite_preview
// ---------------------------------------------------------------------------------------------

/// Records 35 four-hour sessions (35 × 240 = 8400 min = 140 h) in May–June 2026.
async fn record_140_hours(dev: &TempDevice, c: ChildId) {
    let first = date("2026-05-01");
    for i in 0..35 {
        let d = add_days(first, i);
        let mut v = respite(c, "2026-05-01T09:00", "2026-05-01T13:00");
        v.actual_start = Some(at(d, 9, 0));
        v.actual_end = Some(at(d, 13, 0));
        dev.app.record_visit(v).await.unwrap();
    }
}

#[tokio::test]
async fn a_preview_shows_the_hours_before_and_after_a_session_and_warns_past_the_cap() {
    let dev = TempDevice::new().await.unwrap();
    // Adachi (13121) has the Tokyo default cap: 144 h = 8640 min.
    let c = dev.app.add_child(child("13121")).await.unwrap();
    record_140_hours(&dev, c.id).await;
    let used = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap();
    assert_eq!((used.ledger.used_minutes, used.ledger.remaining_minutes), (8400, 240));

    // 3 h, one lead: 8640 − 8400 = 240 before; 180 billable; 240 − 180 = 60 after; within.
    let p = dev.app.respite_preview(c.id, None, dt("2026-07-01T09:00"), dt("2026-07-01T12:00"), 1).await.unwrap();
    assert_eq!(p.cap_minutes, 8640);
    assert_eq!((p.before_remaining_minutes, p.after_remaining_minutes, p.billable_minutes), (240, 60, 180));
    assert!(!p.passes_cap);
    assert!(p.problems.is_empty(), "{:?}", p.problems);

    // 3 h, two leads: 180 × 2 = 360 billable; 240 − 360 = −120 after; past the cap (a warning).
    let p = dev.app.respite_preview(c.id, None, dt("2026-07-01T09:00"), dt("2026-07-01T12:00"), 2).await.unwrap();
    assert_eq!((p.before_remaining_minutes, p.after_remaining_minutes, p.billable_minutes), (240, -120, 360));
    assert!(p.passes_cap);
    assert!(p.problems.is_empty());

    // 4 h, one lead: exactly reaches the cap (240 − 240 = 0): within, not past.
    let p = dev.app.respite_preview(c.id, None, dt("2026-07-01T09:00"), dt("2026-07-01T13:00"), 1).await.unwrap();
    assert_eq!((p.after_remaining_minutes, p.billable_minutes, p.passes_cap), (0, 240, false));

    // 1.5 h is under the 2 h use: counts nothing (a warning on the end time), hours unchanged.
    let p = dev.app.respite_preview(c.id, None, dt("2026-07-01T09:00"), dt("2026-07-01T10:30"), 1).await.unwrap();
    let codes: Vec<_> = p.problems.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect();
    assert_eq!(codes, [("actual_end", "respite_short")]);
    assert_eq!((p.billable_minutes, p.before_remaining_minutes, p.after_remaining_minutes, p.passes_cap), (0, 240, 240, false));

    // 2 h 10 min: counted in whole 30-min units, 120; 240 − 120 = 120 after.
    let p = dev.app.respite_preview(c.id, None, dt("2026-07-01T09:00"), dt("2026-07-01T11:10"), 1).await.unwrap();
    assert!(p.problems.iter().any(|x| x.code == "respite_unit"), "{:?}", p.problems);
    assert_eq!((p.billable_minutes, p.after_remaining_minutes), (120, 120));

    // 4 h 30: counted as the 4 h use, 240; 240 − 240 = 0 after, within the cap.
    let p = dev.app.respite_preview(c.id, None, dt("2026-07-01T09:00"), dt("2026-07-01T13:30"), 1).await.unwrap();
    assert_eq!(p.problems.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), ["respite_capped"]);
    assert_eq!((p.billable_minutes, p.after_remaining_minutes, p.passes_cap), (240, 0, false));
}

/// The boundary sessions of the 2–4 h rule, each previewed, then saved with its real times: the
/// preview's minutes are the ledger's (remaining hours), and the office sees the ones outside.
#[tokio::test]
async fn the_preview_and_the_ledger_count_every_boundary_session_the_same() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap(); // Bunkyo: 288 h = 17,280 min
                                                              // (start, end, counted, outside 2–4 h): worked out by hand.
    let sessions = [
        ("2026-06-01T09:00", "2026-06-01T10:59", 0, true),    // 1 h 59: under 2 h, nothing
        ("2026-06-02T09:00", "2026-06-02T11:00", 120, false), // 2 h
        ("2026-06-03T09:00", "2026-06-03T13:00", 240, false), // 4 h
        ("2026-06-04T09:00", "2026-06-04T13:01", 240, true),  // 4 h 01: capped at 4 h
        ("2026-06-05T09:00", "2026-06-05T13:30", 240, true),  // 4 h 30: capped at 4 h
        ("2026-06-05T22:00", "2026-06-06T02:00", 240, false), // across midnight, 4 h
        ("2026-06-06T22:30", "2026-06-07T03:00", 240, true),  // across midnight, 4 h 30
    ];
    let mut remaining: i64 = 17_280;
    for (start, end, counted, outside) in sessions {
        let p = dev.app.respite_preview(c.id, None, dt(start), dt(end), 1).await.unwrap();
        assert_eq!((p.billable_minutes, p.before_remaining_minutes), (counted, remaining), "{start}–{end}");
        let saved = dev.app.record_visit(respite(c.id, start, end)).await.unwrap();
        assert_eq!(saved.billable_minutes, counted, "{start}–{end}: the index counts what the preview said");
        remaining -= i64::from(counted);
        assert_eq!(p.after_remaining_minutes, remaining, "{start}–{end}");
        let ledger = dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap().ledger;
        assert_eq!(ledger.remaining_minutes, remaining, "{start}–{end}");
        let detail = dev.app.visit_detail(saved.id).await.unwrap();
        assert_eq!(detail.row.flags.respite_length, outside, "{start}–{end}");
        // The office's detail says why: the outside ones name their real length.
        let codes: Vec<_> = detail.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(outside, codes.iter().any(|c| *c == "respite_short" || *c == "respite_capped"), "{start}–{end}: {codes:?}");
        // The real times are kept as recorded.
        assert_eq!(dev.app.visit(saved.id).await.unwrap().actual_end, Some(dt(end)));
    }
    // 0 + 120 + 240 × 5 = 1,320 used; 17,280 − 1,320 = 15,960.
    assert_eq!(remaining, 15_960);
    // The office's filter lists the four outside 2–4 h: 1 h 59, 4 h 01, 4 h 30, 22:30–03:00.
    let outside = dev.app.review(&ReviewFilter { respite_length: true, ..Default::default() }).await.unwrap();
    let lengths: Vec<_> = outside.iter().map(|r| r.summary.duration_minutes).collect();
    assert_eq!(lengths, [119, 241, 270, 270]);
    // The 1 h 59 session counts nothing, so it is not in the ledger's sessions.
    assert_eq!(dev.app.respite_remaining(c.id, Some(FiscalYear(2026))).await.unwrap().ledger.sessions.len(), 6);
}

#[tokio::test]
async fn a_preview_of_an_already_saved_session_does_not_count_it_twice() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13121")).await.unwrap();
    record_140_hours(&dev, c.id).await;
    let s = dev.app.record_visit(respite(c.id, "2026-07-01T09:00", "2026-07-01T12:00")).await.unwrap();

    // Without the id, the saved 180 min count in "before": 240 − 180 = 60, after 60 − 180 = −120.
    let p = dev.app.respite_preview(c.id, None, dt("2026-07-01T09:00"), dt("2026-07-01T12:00"), 1).await.unwrap();
    assert_eq!((p.before_remaining_minutes, p.after_remaining_minutes), (60, -120));
    // With it, the session is being edited: before 240, after 240 − 180 = 60.
    let p = dev.app.respite_preview(c.id, Some(s.id), dt("2026-07-01T09:00"), dt("2026-07-01T12:00"), 1).await.unwrap();
    assert_eq!((p.before_remaining_minutes, p.after_remaining_minutes, p.passes_cap), (240, 60, false));
}

#[tokio::test]
async fn a_preview_uses_the_fiscal_year_of_the_session_and_the_municipality_cap() {
    let dev = TempDevice::new().await.unwrap();
    // Bunkyo: 288 h = 17280 min.
    let c = dev.app.add_child(child("13105")).await.unwrap();
    dev.app.record_visit(respite(c.id, "2027-03-31T09:00", "2027-03-31T13:00")).await.unwrap();
    // 1 April 2027 is FY2027: the 240 min of 31 March do not count.
    let p = dev.app.respite_preview(c.id, None, dt("2027-04-01T09:00"), dt("2027-04-01T11:00"), 1).await.unwrap();
    assert_eq!((p.cap_minutes, p.before_remaining_minutes, p.after_remaining_minutes), (17280, 17280, 17160));
    // 31 March is FY2026: 17280 − 240 = 17040 before, − 120 = 16920 after.
    let p = dev.app.respite_preview(c.id, None, dt("2027-03-31T14:00"), dt("2027-03-31T16:00"), 1).await.unwrap();
    assert_eq!((p.before_remaining_minutes, p.after_remaining_minutes), (17040, 16920));
    // An unknown child is not found.
    let err = dev.app.respite_preview(ChildId::random(), None, dt("2027-04-01T09:00"), dt("2027-04-01T11:00"), 1).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
}

// ---------------------------------------------------------------------------------------------
// 2. respite_year
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_respite_year_lists_sessions_newest_first_with_nurses_over_cap_and_confirmation() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13121")).await.unwrap();
    set_cap(&dev, "13121", 600).await; // 10 h

    // A: 4 h, one lead, confirmed.                  240 → used 240
    let mut a = respite(c.id, "2026-05-01T09:00", "2026-05-01T13:00");
    a.guardian = Some(confirmed_by_guardian());
    // B: 3 h, two leads (listed after an accompanying nurse), not confirmed.
    //    180 × 2 = 360 → used 600 = the cap exactly: still within.
    let mut b = respite(c.id, "2026-05-08T09:00", "2026-05-08T12:00");
    b.staff = vec![nurse("n3", StaffRole::Accompanying), nurse("n1", StaffRole::Lead), nurse("n2", StaffRole::Lead)];
    b.guardian = Some(not_confirmed());
    // C: 2 h, no guardian.                          120 → used 720 > 600: crosses the cap.
    let cc = respite(c.id, "2026-05-15T09:00", "2026-05-15T11:00");
    // D: 2.5 h, confirmed.                          150 → used 870: after the crossing.
    let mut d = respite(c.id, "2026-06-01T09:00", "2026-06-01T11:30");
    d.guardian = Some(confirmed_by_guardian());
    // E: FY2027, not in this year.
    let e = respite(c.id, "2027-04-02T09:00", "2027-04-02T11:00");
    // Recorded out of time order on purpose.
    let mut sid = Vec::new();
    for v in [d, b, e, a, cc] {
        sid.push(dev.app.record_visit(v).await.unwrap().id);
    }
    let (d_id, b_id, _e_id, a_id, c_id) = (sid[0], sid[1], sid[2], sid[3], sid[4]);

    let y = dev.app.respite_year(c.id, Some(FiscalYear(2026))).await.unwrap();
    // 240 + 360 + 120 + 150 = 870 used; 600 − 870 = −270.
    assert_eq!((y.report.ledger.cap_minutes, y.report.ledger.used_minutes, y.report.ledger.remaining_minutes), (600, 870, -270));
    let got: Vec<(VisitId, u32, u32, bool, bool)> =
        y.sessions.iter().map(|s| (s.visit_id, s.billable_minutes, s.uses, s.over_cap, s.confirmed)).collect();
    assert_eq!(
        got,
        vec![(d_id, 150, 1, true, true), (c_id, 120, 1, true, false), (b_id, 360, 2, false, false), (a_id, 240, 1, false, true),]
    );
    assert_eq!(y.sessions[0].start, dt("2026-06-01T09:00"));
    assert_eq!(y.sessions[2].nurses, vec!["架空 看護師n1", "架空 看護師n2", "架空 看護師n3"]);
    assert_eq!(y.sessions[3].nurses, vec!["架空 看護師n1"]);
    assert!(y.sessions.iter().all(|s| s.status == VisitStatus::Draft));

    // FY2027 holds only E: 120 of 600.
    let y27 = dev.app.respite_year(c.id, Some(FiscalYear(2027))).await.unwrap();
    assert_eq!(y27.sessions.len(), 1);
    assert_eq!((y27.report.ledger.used_minutes, y27.sessions[0].over_cap), (120, false));
}

// ---------------------------------------------------------------------------------------------
// 3. review flags and filters
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_review_table_flags_rows_and_each_filter_narrows_the_list() {
    let dev = TempDevice::new().await.unwrap();
    // X: Adachi with a 5 h cap and an instruction valid 2026-04-01 … 2026-06-30.
    let mut x = child("13121");
    x.name = "見本 そら".into();
    x.doctor_instruction = Some(DoctorInstruction {
        doctor: "架空 医師".into(),
        institution: "架空病院".into(),
        valid_from: date("2026-04-01"),
        valid_until: date("2026-06-30"),
    });
    let x = dev.app.add_child(x).await.unwrap();
    set_cap(&dev, "13121", 300).await;
    // Y: Bunkyo, instruction valid all FY2026.
    let y = dev.app.add_child(child("13105")).await.unwrap();

    // v1: X 05-01 4 h (240, within 300), confirmed, instruction valid.
    let mut v1 = respite(x.id, "2026-05-01T09:00", "2026-05-01T13:00");
    v1.guardian = Some(confirmed_by_guardian());
    // v2: X 06-10 2 h (240 + 120 = 360 > 300: crosses), no guardian.
    let v2 = respite(x.id, "2026-06-10T09:00", "2026-06-10T11:00");
    // v3: X 07-10 2 h (480: after the crossing), not confirmed, after valid_until 06-30.
    let mut v3 = respite(x.id, "2026-07-10T09:00", "2026-07-10T11:00");
    v3.guardian = Some(not_confirmed());
    // v4: Y 06-15 2 h by another station, confirmed.
    let mut v4 = respite(y.id, "2026-06-15T09:00", "2026-06-15T11:00");
    v4.station = Station { id: "st-other".into(), name: "別の架空ステーション".into() };
    v4.guardian = Some(confirmed_by_guardian());
    let mut vid = Vec::new();
    for v in [v1, v2, v3, v4] {
        vid.push(dev.app.save_visit(v).await.unwrap().summary.id);
    }
    let (v1, v2, v3, v4) = (vid[0], vid[1], vid[2], vid[3]);

    // v1 accepted by the server; v4 refused. v2 and v3 still wait.
    dev.app.store().mark_synced(&v1.to_string(), local_version(&dev, v1).await).await.unwrap();
    dev.app.store().mark_rejected(&v4.to_string(), local_version(&dev, v4).await, "conflict", "架空の拒否理由").await.unwrap();

    let all = dev.app.review(&ReviewFilter::default()).await.unwrap();
    // Ordered by start: 05-01, 06-10, 06-15, 07-10.
    assert_eq!(ids(&all), vec![v1, v2, v4, v3]);
    let flags = |id: VisitId| all.iter().find(|r| r.summary.id == id).unwrap().flags;
    let f1 = flags(v1);
    assert!(!f1.over_cap && !f1.unconfirmed && !f1.instruction_expired && !f1.pending_sync && !f1.rejected, "{f1:?}");
    let f2 = flags(v2);
    assert!(f2.over_cap && f2.unconfirmed && !f2.instruction_expired && f2.pending_sync && !f2.rejected, "{f2:?}");
    let f3 = flags(v3);
    assert!(f3.over_cap && f3.unconfirmed && f3.instruction_expired && f3.pending_sync, "{f3:?}");
    let f4 = flags(v4);
    assert!(!f4.over_cap && !f4.unconfirmed && !f4.instruction_expired && f4.rejected && !f4.pending_sync, "{f4:?}");
    let r4 = all.iter().find(|r| r.summary.id == v4).unwrap();
    assert_eq!(r4.rejected_reason.as_deref(), Some("架空の拒否理由"));
    assert_eq!((r4.child_name.as_str(), r4.staff.clone()), ("見本 はな", vec!["架空 看護師n1".to_string()]));
    assert_eq!(all[0].child_name, "見本 そら");

    let review = |f: ReviewFilter| {
        let app = dev.app.clone();
        async move { ids(&app.review(&f).await.unwrap()) }
    };
    assert_eq!(review(ReviewFilter { over_cap: true, ..Default::default() }).await, vec![v2, v3]);
    assert_eq!(review(ReviewFilter { unconfirmed: true, ..Default::default() }).await, vec![v2, v3]);
    assert_eq!(review(ReviewFilter { expired_instruction: true, ..Default::default() }).await, vec![v3]);
    assert_eq!(review(ReviewFilter { rejected: true, ..Default::default() }).await, vec![v4]);
    assert_eq!(review(ReviewFilter { over_cap: true, unconfirmed: true, expired_instruction: true, ..Default::default() }).await, vec![v3]);
    assert_eq!(review(ReviewFilter { station: Some("st-other".into()), ..Default::default() }).await, vec![v4]);
    assert_eq!(review(ReviewFilter { station: Some("st-kakuu".into()), ..Default::default() }).await, vec![v1, v2, v3]);
    assert!(review(ReviewFilter { station: Some("st-none".into()), ..Default::default() }).await.is_empty());
    let june = ReviewFilter { month: Some("2026-06".parse().unwrap()), ..Default::default() };
    assert_eq!(review(june.clone()).await, vec![v2, v4]);
    assert_eq!(review(ReviewFilter { over_cap: true, ..june.clone() }).await, vec![v2]);
    assert_eq!(review(ReviewFilter { child: Some(y.id), ..Default::default() }).await, vec![v4]);
    assert_eq!(review(ReviewFilter { kind: Some(VisitKind::Nursing), ..Default::default() }).await, Vec::<VisitId>::new());
    assert_eq!(review(ReviewFilter { status: Some(VisitStatus::Draft), ..june }).await, vec![v2, v4]);

    // Confirming v2 clears its flag; confirming the synced v1 again makes it pending.
    let row = dev.app.confirm_visit(v2, confirmed_by_guardian()).await.unwrap();
    assert!(!row.flags.unconfirmed && row.flags.pending_sync && row.flags.over_cap);
    let row = dev.app.confirm_visit(v1, confirmed_by_guardian()).await.unwrap();
    assert!(row.flags.pending_sync);
    assert_eq!(review(ReviewFilter { unconfirmed: true, ..Default::default() }).await, vec![v3]);
    assert_eq!(dev.app.visit_row(v3).await.unwrap().flags, f3);
}

#[tokio::test]
async fn a_child_without_an_instruction_flags_every_visit_as_without_a_valid_instruction() {
    let dev = TempDevice::new().await.unwrap();
    let mut c = child("13105");
    c.doctor_instruction = None;
    let c = dev.app.add_child(c).await.unwrap();
    let s = dev.app.record_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00")).await.unwrap();
    assert!(dev.app.visit_row(s.id).await.unwrap().flags.instruction_expired);
    // Before valid_from (2026-04-01) counts as not valid too.
    let c2 = dev.app.add_child(child("13105")).await.unwrap();
    let s2 = dev.app.record_visit(respite(c2.id, "2026-03-31T09:00", "2026-03-31T11:00")).await.unwrap();
    assert!(dev.app.visit_row(s2.id).await.unwrap().flags.instruction_expired);
    let s3 = dev.app.record_visit(respite(c2.id, "2026-04-01T09:00", "2026-04-01T11:00")).await.unwrap();
    assert!(!dev.app.visit_row(s3.id).await.unwrap().flags.instruction_expired);
}

// ---------------------------------------------------------------------------------------------
// 4. save_visit
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn save_visit_creates_then_replaces_the_same_record() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let mut v = respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00");
    let row = dev.app.save_visit(v.clone()).await.unwrap();
    assert_eq!((row.summary.id, row.summary.billable_minutes, row.summary.status), (v.id, 120, VisitStatus::Draft));
    assert!(row.flags.pending_sync && row.flags.unconfirmed);
    let docs = doc_count(&dev).await; // the child and the visit
    assert_eq!(docs, 2);

    // Second save: 3 h at school.
    v.place = "学校".into();
    v.actual_end = Some(dt("2026-05-01T12:00"));
    let row = dev.app.save_visit(v.clone()).await.unwrap();
    assert_eq!((row.summary.id, row.summary.billable_minutes), (v.id, 180));
    assert_eq!(dev.app.visit(v.id).await.unwrap().place, "学校");
    assert_eq!(dev.app.visits(&VisitFilter::default()).await.unwrap().len(), 1);
    assert_eq!(doc_count(&dev).await, docs);
}

#[tokio::test]
async fn save_visit_refuses_an_invalid_visit_and_writes_nothing() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let before = doc_count(&dev).await;

    // A new session that ends before it starts: refused, nothing stored.
    let bad = respite(c.id, "2026-05-01T09:00", "2026-05-01T08:50");
    let err = dev.app.save_visit(bad.clone()).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("time_order") && p.has_field("actual_end")), "{err}");
    assert_eq!(doc_count(&dev).await, before);
    assert!(dev.app.visits(&VisitFilter::default()).await.unwrap().is_empty());
    // check_visit_problems names the same problem without saving.
    let problems = dev.app.check_visit_problems(&bad).await.unwrap();
    assert!(problems.iter().any(|p| p.code == "time_order"), "{problems:?}");

    // A saved one, replaced by an invalid version (no lead nurse): the stored record is unchanged.
    let mut v = respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00");
    dev.app.save_visit(v.clone()).await.unwrap();
    let version = local_version(&dev, v.id).await;
    v.staff = vec![nurse("n9", StaffRole::Accompanying)];
    v.place = "学校".into();
    let err = dev.app.save_visit(v.clone()).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("lead_required")), "{err}");
    let stored = dev.app.visit(v.id).await.unwrap();
    assert_eq!((stored.place.as_str(), stored.staff[0].role), ("自宅", StaffRole::Lead));
    assert_eq!(local_version(&dev, v.id).await, version);
    assert_eq!(doc_count(&dev).await, before + 1);
}

#[tokio::test]
async fn a_respite_session_overlapping_another_visit_of_the_child_on_the_device_is_warned_about_naming_it() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let other_child = dev.app.add_child(child("13105")).await.unwrap();
    // A night session of the day before, 22:00 → 09:30 across midnight, and one of another child
    // at the same time (not warned about).
    dev.app.save_visit(respite(c.id, "2026-04-30T22:00", "2026-05-01T09:30")).await.unwrap();
    dev.app.save_visit(respite(other_child.id, "2026-05-01T10:00", "2026-05-01T12:00")).await.unwrap();
    // An absent session in the middle takes no time.
    let mut absent = respite(c.id, "2026-05-01T10:00", "2026-05-01T11:00");
    absent.outcome = carebook_domain::Outcome::Absent;
    dev.app.save_visit(absent).await.unwrap();

    // 09:00–12:00 on 1 May overlaps the night session's last 30 minutes.
    let v = respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00");
    let check = dev.app.check_visit_full(&v).await.unwrap();
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let overlaps: Vec<_> = check.warnings.iter().filter(|w| w.code == "respite_overlap").collect();
    assert_eq!(overlaps.len(), 1, "{:?}", check.warnings);
    assert!(overlaps[0].ja.contains("4月30日 22:00〜5月1日 09:30 在宅レスパイト"), "{}", overlaps[0].ja);
    // Saved, its own row is not another visit, and the night session still is.
    dev.app.save_visit(v.clone()).await.unwrap();
    let saved = dev.app.visit_warnings(v.id).await.unwrap();
    assert_eq!(saved.iter().filter(|w| w.code == "respite_overlap").count(), 1, "{saved:?}");
    // Starting at 09:30, where the night session ended: no overlap.
    let mut later = v.clone();
    later.actual_start = Some(dt("2026-05-01T09:30"));
    let w = dev.app.check_visit_full(&later).await.unwrap().warnings;
    assert!(!w.iter().any(|w| w.code == "respite_overlap"), "{w:?}");
    // A vital sign at 08:00, before the 09:30 start: a warning on its time.
    later.vitals.push(carebook_domain::VitalReading { id: "r1".into(), at: Some(dt("2026-05-01T08:00")), ..Default::default() });
    let w = dev.app.check_visit_full(&later).await.unwrap().warnings;
    assert_eq!(w.iter().map(|w| (w.field.as_str(), w.code.as_str())).collect::<Vec<_>>(), [("vitals[0].at", "vital_time")]);
}

#[tokio::test]
async fn new_visit_without_a_login_is_an_empty_draft_for_the_child() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let v = dev.app.new_visit(c.id, VisitKind::Respite).await.unwrap();
    assert_eq!((v.child_id, v.kind, v.status), (c.id, VisitKind::Respite, VisitStatus::Draft));
    assert!(v.staff.is_empty());
    assert_eq!(v.station, Station::default());
    // Nothing is saved until save_visit.
    assert_eq!(doc_count(&dev).await, 1);
}

#[tokio::test]
async fn save_visit_cannot_change_the_status() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let mut wrong = Vec::new();

    // A draft saved back with status "approved" skips submit and the office's approval.
    let mut v = respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00");
    v.guardian = Some(confirmed_by_guardian());
    dev.app.save_visit(v.clone()).await.unwrap();
    v.status = VisitStatus::Approved;
    let _ = dev.app.save_visit(v.clone()).await;
    let now = dev.app.visit(v.id).await.unwrap().status;
    if now != VisitStatus::Draft {
        wrong.push(format!("a saved draft became {now}"));
    }

    // A new record cannot be created already approved either.
    let mut fresh = respite(c.id, "2026-05-02T09:00", "2026-05-02T11:00");
    fresh.guardian = Some(confirmed_by_guardian());
    fresh.status = VisitStatus::Approved;
    if dev.app.save_visit(fresh.clone()).await.is_ok() {
        let now = dev.app.visit(fresh.id).await.unwrap().status;
        if now != VisitStatus::Draft {
            wrong.push(format!("a new record was created {now}"));
        }
    }

    // The form still holds the draft after "submit": saving it again must not un-submit it.
    let mut s = respite(c.id, "2026-05-03T09:00", "2026-05-03T11:00");
    s.guardian = Some(confirmed_by_guardian());
    dev.app.save_visit(s.clone()).await.unwrap();
    dev.app.submit_visit(s.id).await.unwrap();
    s.place = "学校".into();
    let _ = dev.app.save_visit(s.clone()).await;
    let now = dev.app.visit(s.id).await.unwrap().status;
    if now != VisitStatus::Submitted {
        wrong.push(format!("a submitted record went back to {now}"));
    }

    assert!(wrong.is_empty(), "{wrong:?}");
}

// ---------------------------------------------------------------------------------------------
// 5. submit and approve
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn submit_needs_the_guardian_confirmation() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let s = dev.app.save_visit(respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00")).await.unwrap().summary;
    let err = dev.app.submit_visit(s.id).await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_field("guardian")), "{err}");
    assert_eq!(dev.app.visit(s.id).await.unwrap().status, VisitStatus::Draft);
    dev.app.confirm_visit(s.id, not_confirmed()).await.unwrap();
    let row = dev.app.submit_visit(s.id).await.unwrap();
    assert_eq!(row.summary.status, VisitStatus::Submitted);
    assert!(row.flags.unconfirmed, "not confirmed (with a reason) is still unconfirmed");
}

#[tokio::test]
async fn approving_goes_on_past_records_that_cannot_be_approved() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let mut a = respite(c.id, "2026-05-01T09:00", "2026-05-01T11:00");
    a.guardian = Some(confirmed_by_guardian());
    let a = dev.app.save_visit(a).await.unwrap().summary.id;
    dev.app.submit_visit(a).await.unwrap();
    let draft = dev.app.save_visit(respite(c.id, "2026-05-02T09:00", "2026-05-02T11:00")).await.unwrap().summary.id;
    let unknown = VisitId::random();

    let out = dev.app.approve_visits(&[draft, a, unknown]).await.unwrap();
    assert_eq!(out.iter().map(|r| r.id).collect::<Vec<_>>(), vec![draft, a, unknown]);
    let e0 = out[0].error.as_ref().expect("a draft cannot be approved");
    assert_eq!(e0.code, "invalid");
    assert!(e0.problems.iter().any(|p| p.code == "transition" && p.field == "status"), "{e0:?}");
    assert!(out[1].error.is_none(), "{:?}", out[1].error);
    assert_eq!(out[2].error.as_ref().map(|e| e.code.as_str()), Some("not_found"));
    assert_eq!(dev.app.visit(a).await.unwrap().status, VisitStatus::Approved);
    assert_eq!(dev.app.visit(draft).await.unwrap().status, VisitStatus::Draft);

    // Approving it again is refused, in its result.
    let again = dev.app.approve_visits(&[a]).await.unwrap();
    assert_eq!(again[0].error.as_ref().map(|e| e.code.as_str()), Some("invalid"));
    assert_eq!(dev.app.approve_visits(&[]).await.unwrap(), vec![]);

    // The approved record is locked against saves and confirmations.
    let mut edit = dev.app.visit(a).await.unwrap();
    edit.place = "学校".into();
    let err = dev.app.save_visit(edit).await.unwrap_err();
    assert!(matches!(&err, CoreError::Locked { id } if *id == a.to_string()), "{err}");
    let err = dev.app.confirm_visit(a, not_confirmed()).await.unwrap_err();
    assert_eq!(err.code(), "locked");
    let stored = dev.app.visit(a).await.unwrap();
    assert_eq!(stored.place, "自宅");
    assert_eq!(stored.guardian, Some(confirmed_by_guardian()));
}

// ---------------------------------------------------------------------------------------------
// 6. respite_month
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_month_report_counts_the_month_and_the_year_up_to_its_end() {
    let dev = TempDevice::new().await.unwrap();
    let p = dev.app.add_child(child("13121")).await.unwrap(); // 144 h = 8640
    let q = dev.app.add_child(child("13105")).await.unwrap(); // 288 h = 17280
    for v in [
        respite(p.id, "2026-05-10T09:00", "2026-05-10T13:00"),           // May 240
        respite_two_leads(p.id, "2026-06-03T09:00", "2026-06-03T12:00"), // June 180 × 2 = 360, 2 uses
        respite(p.id, "2026-06-20T09:00", "2026-06-20T11:00"),           // June 120
        respite(p.id, "2026-07-05T09:00", "2026-07-05T13:00"),           // July 240
        respite(p.id, "2027-04-05T09:00", "2027-04-05T11:00"),           // FY2027 120
        respite(q.id, "2026-07-01T09:00", "2026-07-01T11:00"),           // Q July 120
    ] {
        dev.app.record_visit(v).await.unwrap();
    }

    let june = dev.app.respite_month("2026-06".parse().unwrap()).await.unwrap();
    assert_eq!(june.len(), 2);
    let rp = june.iter().find(|r| r.child_id == p.id).unwrap();
    // June: 2 sessions, 3 uses, 360 + 120 = 480 min; year to 30 June: 240 + 480 = 720 (July not yet);
    // 8640 − 720 = 7920.
    assert_eq!((rp.sessions, rp.uses, rp.month_minutes), (2, 3, 480));
    assert_eq!((rp.year_used_minutes, rp.cap_minutes, rp.remaining_minutes, rp.over_cap), (720, 8640, 7920, false));
    assert_eq!((rp.child_name.as_str(), rp.municipality_name.as_str()), ("見本 はな", "足立区"));
    let rq = june.iter().find(|r| r.child_id == q.id).unwrap();
    assert_eq!((rq.sessions, rq.uses, rq.month_minutes, rq.year_used_minutes), (0, 0, 0, 0));
    assert_eq!((rq.cap_minutes, rq.remaining_minutes, rq.municipality_name.as_str()), (17280, 17280, "文京区"));

    // March 2027 closes FY2026: P 240 + 480 + 240 = 960 (April 2027 is FY2027); Q 120.
    let march = dev.app.respite_month("2027-03".parse().unwrap()).await.unwrap();
    let rp = march.iter().find(|r| r.child_id == p.id).unwrap();
    assert_eq!((rp.sessions, rp.month_minutes, rp.year_used_minutes, rp.remaining_minutes), (0, 0, 960, 7680));
    let rq = march.iter().find(|r| r.child_id == q.id).unwrap();
    assert_eq!(rq.year_used_minutes, 120);

    // April 2027 starts FY2027 afresh: P 120.
    let april = dev.app.respite_month("2027-04".parse().unwrap()).await.unwrap();
    let rp = april.iter().find(|r| r.child_id == p.id).unwrap();
    assert_eq!((rp.sessions, rp.uses, rp.month_minutes, rp.year_used_minutes, rp.remaining_minutes), (1, 1, 120, 120, 8520));
}

#[tokio::test]
async fn the_month_report_marks_a_child_past_the_cap_by_the_month_end() {
    let dev = TempDevice::new().await.unwrap();
    let p = dev.app.add_child(child("13121")).await.unwrap();
    set_cap(&dev, "13121", 300).await; // 5 h
    dev.app.record_visit(respite(p.id, "2026-05-10T09:00", "2026-05-10T13:00")).await.unwrap(); // 240
    dev.app.record_visit(respite(p.id, "2026-06-10T09:00", "2026-06-10T11:00")).await.unwrap(); // 360 > 300
    let may = dev.app.respite_month("2026-05".parse().unwrap()).await.unwrap();
    assert_eq!((may[0].year_used_minutes, may[0].remaining_minutes, may[0].over_cap), (240, 60, false));
    let june = dev.app.respite_month("2026-06".parse().unwrap()).await.unwrap();
    assert_eq!((june[0].year_used_minutes, june[0].remaining_minutes, june[0].over_cap), (360, -60, true));
}

// ---------------------------------------------------------------------------------------------
// 7. PIN
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_pin_is_set_verified_kept_across_a_restart_and_a_bad_one_writes_nothing() {
    let dev = TempDevice::new().await.unwrap();
    assert!(!dev.app.pin_is_set().await.unwrap());
    // No PIN yet: the app is open.
    dev.app.verify_pin("0000").await.unwrap();

    // A PIN that breaks the rules is refused and nothing is written.
    let err = dev.app.set_pin("12").await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("pin_length") && p.has_field("pin")), "{err}");
    assert!(!dev.app.pin_is_set().await.unwrap());
    assert_eq!(dev.app.store().setting("pin_hash").await.unwrap(), None);

    dev.app.set_pin("2468").await.unwrap();
    assert!(dev.app.pin_is_set().await.unwrap());
    dev.app.verify_pin("2468").await.unwrap();
    let err = dev.app.verify_pin("1357").await.unwrap_err();
    assert!(matches!(&err, CoreError::Invalid(p) if p.has_code("wrong_pin") && p.has_field("pin")), "{err}");
    assert_eq!(err.code(), "invalid");
    // Only a hash is kept.
    let stored = dev.app.store().setting("pin_hash").await.unwrap().unwrap();
    assert!(!stored.contains("2468") && stored.starts_with("$argon2id$"), "{stored}");

    // A bad new PIN leaves the old one in place.
    assert!(dev.app.set_pin("abc").await.is_err());
    dev.app.verify_pin("2468").await.unwrap();

    // The PIN survives a restart.
    let dev = dev.reopen().await.unwrap();
    assert!(dev.app.pin_is_set().await.unwrap());
    dev.app.verify_pin("2468").await.unwrap();
    assert!(dev.app.verify_pin("").await.is_err());

    // Changing it: the old one no longer opens the app; a passphrase works too.
    dev.app.set_pin("たんぽぽの見本です").await.unwrap();
    assert_eq!(dev.app.verify_pin("2468").await.unwrap_err().to_body().problems[0].code, "wrong_pin");
    dev.app.verify_pin("たんぽぽの見本です").await.unwrap();
}

#[tokio::test]
async fn after_five_wrong_pins_even_the_right_one_must_wait_and_the_wait_survives_a_restart() {
    let dev = TempDevice::new().await.unwrap();
    dev.app.set_pin("2468").await.unwrap();
    for _ in 0..4 {
        assert_eq!(dev.app.verify_pin("0000").await.unwrap_err().to_body().problems[0].code, "wrong_pin");
    }
    // A right PIN within the free tries opens the app and clears the count.
    dev.app.verify_pin("2468").await.unwrap();
    for _ in 0..5 {
        assert_eq!(dev.app.verify_pin("0000").await.unwrap_err().to_body().problems[0].code, "wrong_pin");
    }
    // The fifth wrong one in a row starts a 30 s wait: now even the right PIN is refused, unchecked.
    let dev = dev.reopen().await.unwrap();
    let err = dev.app.verify_pin("2468").await.unwrap_err().to_body();
    assert_eq!(err.problems[0].code, "pin_wait");
    assert!(err.problems[0].en.contains("try again in"), "{}", err.problems[0].en);
}

// ---------------------------------------------------------------------------------------------
// 8. child_cards and child_sheet
// ---------------------------------------------------------------------------------------------

fn instruction(from: Date, until: Date) -> Option<DoctorInstruction> {
    Some(DoctorInstruction { doctor: "架空 医師".into(), institution: "架空病院".into(), valid_from: from, valid_until: until })
}

/// The same month and day `years` earlier (28 Feb for a 29 Feb that does not exist).
fn years_before(d: Date, years: i32) -> Date {
    Date::new(d.year() - years, d.month(), d.day()).unwrap_or_else(|| Date::new(d.year() - years, 3, 1).unwrap())
}

#[tokio::test]
async fn child_cards_and_the_sheet_show_remaining_hours_age_and_the_instruction_today() {
    let dev = TempDevice::new().await.unwrap();
    let today = clock::today_jst();
    let fy = today.fiscal_year();
    let tomorrow = add_days(today, 1);

    // A: Bunkyo, born 5 years ago today (5), instruction valid 30 more days (Valid).
    let mut a = child("13105");
    a.name = "見本 あお".into();
    a.birth_date = years_before(today, 5);
    a.doctor_instruction = instruction(add_days(today, -10), add_days(today, 30));
    // B: Adachi, turns 5 tomorrow (4), instruction ends in 10 days (ExpiringSoon: ≤ 14).
    let mut b = child("13121");
    b.name = "見本 べに".into();
    b.birth_date = years_before(tomorrow, 5);
    b.doctor_instruction = instruction(add_days(today, -300), add_days(today, 10));
    // C: Minato, instruction ended yesterday (Expired).
    let mut c = child("13103");
    c.name = "見本 ちゃ".into();
    c.doctor_instruction = instruction(add_days(today, -400), add_days(today, -1));
    // D: no instruction (Missing).
    let mut d = child("13121");
    d.name = "見本 だいだい".into();
    d.doctor_instruction = None;
    let mut ids = Vec::new();
    for ch in [a, b, c, d] {
        ids.push(dev.app.add_child(ch).await.unwrap().id);
    }
    let (a, b, c, d) = (ids[0], ids[1], ids[2], ids[3]);

    // A this fiscal year: 4 h on its first day (240) + 3 h with two leads the next day (360) = 600.
    // The last day of the previous year (240) does not count.
    let first = fy.first_day();
    let day = |dd: Date, h: u8| (at(dd, 9, 0).to_string(), at(dd, h, 0).to_string());
    let (s1, e1) = day(first, 13);
    let (s2, e2) = day(add_days(first, 1), 12);
    let (s0, e0) = day(add_days(first, -1), 13);
    dev.app.record_visit(respite(a, &s1, &e1)).await.unwrap();
    dev.app.record_visit(respite_two_leads(a, &s2, &e2)).await.unwrap();
    dev.app.record_visit(respite(a, &s0, &e0)).await.unwrap();

    let cards = dev.app.child_cards().await.unwrap();
    assert_eq!(cards.len(), 4);
    let card = |id: ChildId| cards.iter().find(|x| x.id == id).unwrap().clone();
    let ca = card(a);
    // 288 h = 17280; 17280 − 600 = 16680.
    assert_eq!((ca.cap_minutes, ca.remaining_minutes, ca.instruction_state), (17280, 16680, InstructionState::Valid));
    assert_eq!((ca.name.as_str(), ca.kana.as_str(), ca.municipality.as_str()), ("見本 あお", "みほん はな", "13105"));
    let cb = card(b);
    assert_eq!((cb.cap_minutes, cb.remaining_minutes, cb.instruction_state), (8640, 8640, InstructionState::ExpiringSoon));
    let cc = card(c);
    assert_eq!((cc.cap_minutes, cc.remaining_minutes, cc.instruction_state), (8640, 8640, InstructionState::Expired));
    assert_eq!(card(d).instruction_state, InstructionState::Missing);

    let sa = dev.app.child_sheet(a).await.unwrap();
    assert_eq!(sa.age_years, 5);
    assert_eq!(sa.instruction_state, InstructionState::Valid);
    assert_eq!((sa.respite.ledger.used_minutes, sa.respite.ledger.remaining_minutes), (600, 16680));
    assert_eq!(sa.respite.ledger.remaining_minutes, i64::from(sa.respite.ledger.cap_minutes) - i64::from(sa.respite.ledger.used_minutes));
    assert_eq!(sa.respite.ledger.fiscal_year, fy);
    assert_eq!(sa.child.name, "見本 あお");
    assert_eq!(sa.score.total(), ca.score_total);
    let sb = dev.app.child_sheet(b).await.unwrap();
    assert_eq!((sb.age_years, sb.instruction_state), (4, InstructionState::ExpiringSoon));
    assert_eq!(dev.app.child_sheet(ChildId::random()).await.unwrap_err().code(), "not_found");
}

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

#[test]
fn labels_cover_every_choice_in_both_languages() {
    let l = Labels::all();
    let respite = l.visit_kind.iter().find(|e| e.name == "respite").unwrap();
    assert_eq!((respite.ja.as_str(), respite.en.as_str()), ("在宅レスパイト", "respite"));
    assert_eq!(l.status.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), vec!["draft", "submitted", "approved"]);
    assert_eq!(l.instruction_state.len(), 5);
    assert_eq!(l.sharing_scope.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["respite_records"]);
    assert!(l.role.iter().any(|e| e.name == "municipality" && e.ja == "区市町村"));
    for group in [
        &l.visit_kind,
        &l.outcome,
        &l.status,
        &l.profession,
        &l.staff_role,
        &l.care_item,
        &l.watch,
        &l.check_status,
        &l.role,
        &l.income_tier,
        &l.sharing_scope,
    ] {
        assert!(!group.is_empty());
        assert!(group.iter().all(|e| !e.name.is_empty() && !e.ja.is_empty() && !e.en.is_empty()), "{group:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Daytime care: the child's score, short days
// ---------------------------------------------------------------------------------------------

fn daytime(c: ChildId, start: &str, end: &str) -> Visit {
    let mut v = respite(c, start, end);
    v.kind = VisitKind::Daytime;
    v.provider = Some(carebook_domain::ProviderKind::GeriatricHealthFacility);
    v
}

#[tokio::test]
async fn daytime_care_needs_the_childs_known_score_under_16_and_a_short_day_is_saved_and_flagged() {
    use carebook_domain::{CareItem, ScoreEntry, Watch};
    let dev = TempDevice::new().await.unwrap();
    // testkit's child: ventilator with high watch, 10 + 2 = 12 points.
    let eligible = dev.app.add_child(child("13105")).await.unwrap();
    // Ventilator (high) 12 + tracheostomy 8 (its watch points dropped with a ventilator) = 20.
    let mut heavy = child("13105");
    heavy.score.push(ScoreEntry { item: CareItem::Tracheostomy, watch: Watch::None });
    let heavy = dev.app.add_child(heavy).await.unwrap();
    assert_eq!(heavy.known_score(), Some(20));
    let mut unknown = child("13105");
    unknown.score.clear();
    let unknown = dev.app.add_child(unknown).await.unwrap();

    // 09:00–15:00 is 6 h: under the 8 h asked for in principle, recorded and flagged.
    let short = dev.app.save_visit(daytime(eligible.id, "2026-06-01T09:00", "2026-06-01T15:00")).await.unwrap();
    assert!(short.flags.short_day && !short.flags.respite_length, "{:?}", short.flags);
    assert_eq!(short.summary.billable_minutes, 0, "daytime care counts nothing against the respite cap");
    // 09:00–17:00 is 8 h: not short.
    let full = dev.app.save_visit(daytime(eligible.id, "2026-06-02T09:00", "2026-06-02T17:00")).await.unwrap();
    assert!(!full.flags.short_day);
    let rows = dev.app.review(&ReviewFilter { kind: Some(VisitKind::Daytime), ..Default::default() }).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| (r.summary.id, r.flags.short_day)).collect::<Vec<_>>(),
        [(short.summary.id, true), (full.summary.id, false)]
    );
    let only_short = dev.app.review(&ReviewFilter { short_day: true, ..Default::default() }).await.unwrap();
    assert_eq!(only_short.iter().map(|r| r.summary.id).collect::<Vec<_>>(), [short.summary.id]);

    // 20 points: refused on the child's score; no score items: refused as unknown.
    for (kid, code) in [(heavy.id, "daytime_score"), (unknown.id, "daytime_score_unknown")] {
        let err = dev.app.save_visit(daytime(kid, "2026-06-03T09:00", "2026-06-03T17:00")).await.unwrap_err();
        let CoreError::Invalid(p) = &err else { panic!("expected invalid, got {err}") };
        assert_eq!(p.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect::<Vec<_>>(), [("child.score", code)]);
    }
    // Entering the score on the face sheet lets the day be recorded.
    dev.app.update_child(unknown.id, |c| c.score = vec![ScoreEntry { item: CareItem::Suction, watch: Watch::High }]).await.unwrap();
    dev.app.save_visit(daytime(unknown.id, "2026-06-03T09:00", "2026-06-03T17:00")).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// The monthly claim
// ---------------------------------------------------------------------------------------------

/// A respite session on the device with the guardian's answer, moved on to `status`.
async fn claimed_session(dev: &TempDevice, c: ChildId, start: &str, end: &str, confirmed: bool, status: VisitStatus) -> VisitId {
    let mut v = respite(c, start, end);
    v.guardian = Some(if confirmed {
        GuardianConfirmation::Confirmed { name: "見本 母".into(), at: dt(end), signature: String::new() }
    } else {
        GuardianConfirmation::NotConfirmed { reason: "不在（架空）".into() }
    });
    let id = dev.app.record_visit(v).await.unwrap().id;
    if status != VisitStatus::Draft {
        dev.app.set_visit_status(id, VisitStatus::Submitted).await.unwrap();
    }
    if status == VisitStatus::Approved {
        dev.app.set_visit_status(id, VisitStatus::Approved).await.unwrap();
    }
    id
}

#[tokio::test]
async fn the_monthly_claim_reads_the_devices_sessions_tiers_instruction_and_settings() {
    let dev = TempDevice::new().await.unwrap();
    // Bunkyo's built-in settings: 3,750 yen a 30-minute unit for every tier, the doctor's
    // instruction 3,000 yen, Tokyo pays half.
    let mut c = child("13105");
    c.income_tier_changes = vec![carebook_domain::TierChange { from: date("2026-11-16"), tier: carebook_domain::IncomeTier::Taxed }];
    c.doctor_instruction = Some(DoctorInstruction {
        doctor: "架空 医師".into(),
        institution: "架空病院".into(),
        valid_from: date("2026-11-01"),
        valid_until: date("2027-03-31"),
    });
    let c = dev.app.add_child(c).await.unwrap().id;
    let a = claimed_session(&dev, c, "2026-11-02T09:00", "2026-11-02T12:00", true, VisitStatus::Approved).await;
    let midnight = claimed_session(&dev, c, "2026-11-05T22:00", "2026-11-06T01:00", true, VisitStatus::Approved).await;
    let taxed = claimed_session(&dev, c, "2026-11-20T13:00", "2026-11-20T15:00", true, VisitStatus::Approved).await;
    let unconfirmed = claimed_session(&dev, c, "2026-11-25T09:00", "2026-11-25T11:00", false, VisitStatus::Submitted).await;
    claimed_session(&dev, c, "2026-12-01T09:00", "2026-12-01T12:00", true, VisitStatus::Approved).await;

    let claim = dev.app.monthly_claim("13105", "2026-11".parse().unwrap()).await.unwrap();
    assert_eq!(claim.children.len(), 1);
    let k = &claim.children[0];
    let lines: Vec<_> = k.lines.iter().map(|l| (l.visit_id, l.tier.name(), l.units, l.fee.total_yen, l.lead.as_str())).collect();
    assert_eq!(
        lines,
        [
            (a, "tax_exempt", 6, 6 * 3750, "架空 看護師n1"),
            (midnight, "tax_exempt", 6, 6 * 3750, "架空 看護師n1"),
            (taxed, "taxed", 4, 4 * 3750, "架空 看護師n1")
        ]
    );
    assert_eq!(k.lines[1].end, dt("2026-11-06T01:00"));
    assert_eq!(
        k.unclaimed.iter().map(|u| (u.visit_id, u.reasons.clone())).collect::<Vec<_>>(),
        [(unconfirmed, vec![carebook_domain::Unclaimed::NotApproved, carebook_domain::Unclaimed::Unconfirmed])]
    );
    assert_eq!(k.instructions.iter().map(|i| i.fee.total_yen).collect::<Vec<_>>(), [3000]);
    let total = 6 * 3750 + 6 * 3750 + 4 * 3750 + 3000;
    assert_eq!((k.total.total_yen, k.total.tokyo_yen, k.total.municipality_yen), (total, total / 2, total - total / 2));
    // The year so far counts the unconfirmed session too, not December's: 180 + 180 + 120 + 120.
    assert_eq!(k.year_used_minutes, 600);
    // Bunkyo's cap, 288 h, the same as the child's own respite report says.
    assert_eq!(k.cap_minutes, 288 * 60);
    let report = dev.app.respite_remaining(c, Some(carebook_domain::FiscalYear(2026))).await.unwrap();
    assert_eq!(k.cap_minutes, report.ledger.cap_minutes);
    assert_eq!(claim.municipality_name, "文京区");
    assert!(dev.app.monthly_claim("13101", "2026-11".parse().unwrap()).await.unwrap().children.is_empty());
}

#[tokio::test]
async fn the_claims_lead_comes_from_the_index_as_the_records_first_lead_not_the_first_listed() {
    use carebook_domain::StaffRole;
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap().id;
    // An accompanying nurse listed before the lead: the lead is named, not the first listed.
    let mut v = respite(c, "2026-11-02T09:00", "2026-11-02T12:00");
    v.staff = vec![nurse("n3", StaffRole::Accompanying), nurse("n1", StaffRole::Lead), nurse("n2", StaffRole::Lead)];
    let led = dev.app.record_visit(v).await.unwrap().id;
    let claim = dev.app.monthly_claim("13105", "2026-11".parse().unwrap()).await.unwrap();
    let leads: Vec<_> = claim.children[0].unclaimed.iter().map(|u| (u.visit_id, u.lead.as_str())).collect();
    assert_eq!(leads, [(led, "架空 看護師n1")]);
}

#[tokio::test]
async fn the_vital_history_reads_the_ten_newest_visits_that_took_place_oldest_reading_first() {
    use carebook_domain::{Outcome, VitalReading};
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap().id;
    // Twelve done visits on 11/1 … 11/12, pulse 100 + the day; a thirteenth on 11/13 not done.
    for day in 1..=13u32 {
        let mut v = respite(c, &format!("2026-11-{day:02}T09:00"), &format!("2026-11-{day:02}T12:00"));
        v.vitals.push(VitalReading {
            id: format!("r{day}"),
            at: Some(dt(&format!("2026-11-{day:02}T09:30"))),
            pulse: Some(100 + day),
            ..Default::default()
        });
        if day == 13 {
            v.outcome = Outcome::Absent;
        }
        dev.app.record_visit(v).await.unwrap();
    }
    let h = dev.app.vital_history(c, 10).await.unwrap();
    assert_eq!(h.visits, 10);
    // The ten newest that took place: 11/3 … 11/12, oldest first.
    assert_eq!(h.points.iter().map(|p| p.pulse.unwrap()).collect::<Vec<_>>(), (103..=112).collect::<Vec<u32>>());
    assert_eq!(h.points[0].at, dt("2026-11-03T09:30"));
}

/// Damages a visit's document so that any read of it fails.
async fn corrupt_document(dev: &TempDevice, id: VisitId) {
    sqlx::query("UPDATE documents SET bytes = substr(bytes, 1, 20) WHERE id = ?1")
        .bind(id.to_string())
        .execute(dev.app.store().pool())
        .await
        .unwrap();
}

/// Three sessions whose review rows differ in every column the index now carries: the lead
/// listed second, a confirmation and a refusal to confirm, a length outside 2–4 h.
async fn three_review_sessions(dev: &TempDevice) -> (ChildId, [VisitId; 3]) {
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let mut a = respite(c.id, "2026-05-01T09:00", "2026-05-01T12:00");
    a.staff = vec![nurse("b", StaffRole::Accompanying), nurse("a", StaffRole::Lead)];
    a.guardian = Some(confirmed_by_guardian());
    let mut b = respite(c.id, "2026-05-02T09:00", "2026-05-02T10:30");
    b.guardian = Some(not_confirmed());
    let d = respite(c.id, "2026-05-03T09:00", "2026-05-03T11:00");
    let mut ids = [a.id, b.id, d.id];
    for (i, v) in [a, b, d].into_iter().enumerate() {
        ids[i] = dev.app.save_visit(v).await.unwrap().summary.id;
    }
    (c.id, ids)
}

#[tokio::test]
async fn the_review_rows_come_from_the_index_without_reading_a_visit_document() {
    let dev = TempDevice::new().await.unwrap();
    let (_, [a, b, d]) = three_review_sessions(&dev).await;
    let before = dev.app.review(&ReviewFilter::default()).await.unwrap();
    for id in [a, b, d] {
        corrupt_document(&dev, id).await;
    }
    assert_eq!(dev.app.visit(a).await.unwrap_err().code(), "corrupt_record", "the documents really are unreadable");

    let rows = dev.app.review(&ReviewFilter::default()).await.unwrap();
    assert_eq!(rows, before, "the same rows with every document unreadable");
    assert_eq!(ids(&rows), vec![a, b, d]);
    // Lead first, though the record lists the accompanying nurse first.
    assert_eq!(rows[0].staff, vec!["架空 看護師a".to_string(), "架空 看護師b".to_string()]);
    assert_eq!(rows.iter().map(|r| r.flags.unconfirmed).collect::<Vec<_>>(), vec![false, true, true]);
    // 1 h 30 is under the 2 h shortest use; 3 h and 2 h are within it.
    assert_eq!(rows.iter().map(|r| r.flags.respite_length).collect::<Vec<_>>(), vec![false, true, false]);
    assert_eq!(dev.app.visit_row(b).await.unwrap(), rows[1]);
}

#[tokio::test]
async fn a_store_whose_review_columns_are_empty_fills_them_from_the_documents_when_it_opens() {
    let dev = TempDevice::new().await.unwrap();
    let (_, [a, b, _]) = three_review_sessions(&dev).await;
    let office = dev.app.review(&ReviewFilter::default()).await.unwrap();
    // What the migration leaves: the new columns at their defaults, and its marker.
    let pool = dev.app.store().pool();
    sqlx::query("UPDATE visits SET staff_names = '[]', confirmed = 0, returned = NULL, respite_length = 0, short_day = 0")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO device (key, value) VALUES ('index_stale', '1')").execute(pool).await.unwrap();
    let emptied = dev.app.review(&ReviewFilter::default()).await.unwrap();
    assert!(emptied[0].staff.is_empty() && emptied[0].flags.unconfirmed && !emptied[1].flags.respite_length);

    let dev = dev.reopen().await.unwrap();
    assert_eq!(dev.app.review(&ReviewFilter::default()).await.unwrap(), office);
    let marker: Option<String> =
        sqlx::query_scalar("SELECT value FROM device WHERE key = 'index_stale'").fetch_optional(dev.app.store().pool()).await.unwrap();
    assert_eq!(marker, None, "rebuilt once, then the marker goes");
    assert_eq!(dev.app.visit_row(a).await.unwrap().staff.len(), 2);
    assert!(dev.app.visit_row(b).await.unwrap().flags.respite_length);
}

#[tokio::test]
async fn the_office_list_narrowed_by_month_kind_and_status_uses_its_index() {
    let dev = TempDevice::new().await.unwrap();
    let pool = dev.app.store().pool();
    // The statement `Store::indexed_visits` builds for month + kind + status.
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT id FROM visits WHERE 1 = 1 AND month = ?1 AND kind = ?2 AND status = ?3 ORDER BY start, id",
    )
    .bind("2026-05")
    .bind("respite")
    .bind("submitted")
    .fetch_all(pool)
    .await
    .unwrap();
    let detail = plan.iter().map(|p| p.3.as_str()).collect::<Vec<_>>().join("; ");
    assert!(detail.contains("INDEX visits_month_kind_status "), "{detail}");
    // The rows come in the list's order from the index: no sort afterwards.
    assert!(!detail.contains("TEMP B-TREE"), "{detail}");
    // The same for the claim's year of one kind, and for a month alone.
    for (sql, index) in [
        ("SELECT id FROM visits WHERE 1 = 1 AND kind = 'respite' AND fiscal_year = 2026 ORDER BY start, id", "visits_year_kind"),
        ("SELECT id FROM visits WHERE 1 = 1 AND month = '2026-05' ORDER BY start, id", "visits_month"),
    ] {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"))).fetch_all(pool).await.unwrap();
        let detail = plan.iter().map(|p| p.3.as_str()).collect::<Vec<_>>().join("; ");
        assert!(detail.contains(&format!("INDEX {index} ")) && !detail.contains("TEMP B-TREE"), "{sql}: {detail}");
    }
}

/// A long month pages: `limit` gives the first rows in time order, from the query itself; with
/// a flag that drops rows after they are made, it counts the rows kept.
#[tokio::test]
async fn the_review_list_gives_the_first_rows_of_a_month_when_limited() {
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap();
    let mut ids = Vec::new();
    for day in [5, 1, 4, 2, 3] {
        let start = format!("2026-05-0{day}T09:00");
        let end = format!("2026-05-0{day}T12:00");
        ids.push((day, dev.app.record_visit(respite(c.id, &start, &end)).await.unwrap().id));
    }
    ids.sort();
    let month = ReviewFilter { month: Some("2026-05".parse().unwrap()), ..ReviewFilter::default() };
    let all = dev.app.review(&month).await.unwrap();
    assert_eq!(all.len(), 5);
    let first: Vec<_> =
        dev.app.review(&ReviewFilter { limit: Some(3), ..month.clone() }).await.unwrap().into_iter().map(|r| r.summary.id).collect();
    assert_eq!(first, ids[..3].iter().map(|(_, id)| *id).collect::<Vec<_>>(), "days 1, 2, 3");
    // Every one of them is unconfirmed (no guardian confirmation): the limit counts rows kept.
    let flagged = dev.app.review(&ReviewFilter { limit: Some(2), unconfirmed: true, ..month.clone() }).await.unwrap();
    assert_eq!(flagged.iter().map(|r| r.summary.id).collect::<Vec<_>>(), ids[..2].iter().map(|(_, id)| *id).collect::<Vec<_>>());
    assert!(flagged.iter().all(|r| r.flags.unconfirmed));
}

#[tokio::test]
async fn the_previous_visit_is_the_newest_that_took_place_before_the_one_being_recorded() {
    use carebook_domain::{CareGiven, CareItem, Outcome};
    let dev = TempDevice::new().await.unwrap();
    let c = dev.app.add_child(child("13105")).await.unwrap().id;
    let other = dev.app.add_child(child("13105")).await.unwrap().id;
    // 5/1 done, with care and a plan; 5/10 absent; 5/20 the visit being recorded; a later visit
    // of another child.
    let mut first = respite(c, "2026-05-01T09:00", "2026-05-01T12:00");
    first.staff = vec![nurse("b", StaffRole::Accompanying), nurse("a", StaffRole::Lead)];
    first.care.push(CareGiven {
        id: "c1".into(),
        item: CareItem::Suction,
        count: Some(5),
        amount_ml: None,
        rate_ml_per_h: None,
        oxygen_l_per_min: None,
        note: "白色痰".into(),
    });
    first.note.plan = "次回も吸引".into();
    let first = dev.app.record_visit(first).await.unwrap().id;
    let mut absent = respite(c, "2026-05-10T09:00", "2026-05-10T12:00");
    absent.outcome = Outcome::Absent;
    dev.app.record_visit(absent).await.unwrap();
    let now = dev.app.record_visit(respite(c, "2026-05-20T09:00", "2026-05-20T12:00")).await.unwrap().id;
    dev.app.record_visit(respite(other, "2026-05-25T09:00", "2026-05-25T12:00")).await.unwrap();

    let p = dev.app.previous_visit(c, Some(now)).await.unwrap().expect("a visit before 5/20");
    assert_eq!(p.id, first, "the absent 5/10 is skipped");
    assert_eq!(p.start, dt("2026-05-01T09:00"));
    assert_eq!(p.staff.len(), 2);
    assert_eq!(p.staff[0], nurse("a", StaffRole::Lead).name, "lead first");
    assert_eq!((p.care.len(), p.care[0].count, p.care[0].note.as_str()), (1, Some(5), "白色痰"));
    assert_eq!(p.note.plan.as_str(), "次回も吸引");
    // The first visit has none before it; with no visit given, the newest that took place.
    assert_eq!(dev.app.previous_visit(c, Some(first)).await.unwrap(), None);
    assert_eq!(dev.app.previous_visit(c, None).await.unwrap().map(|p| p.id), Some(now));
    assert_eq!(dev.app.previous_visit(ChildId::random(), None).await.unwrap(), None);
}

#[tokio::test]
async fn notices_name_expiring_and_expired_instructions_checklist_problems_sent_back_and_waiting_records() {
    use carebook_core::notices::NoticeKind;
    use carebook_domain::{CheckEntry, CheckStatus, Date};
    let dev = TempDevice::new().await.unwrap();
    let today = clock::today_jst();
    let day = |d: i64| Date::from_days_since_epoch(today.days_since_epoch() + d);
    let with_instruction = |name: &str, from: i64, until: i64| {
        let mut c = child("13105");
        c.name = name.into();
        let i = c.doctor_instruction.as_mut().unwrap();
        (i.valid_from, i.valid_until) = (day(from), day(until));
        c
    };
    // Ten days left (≤ 14: expiring); expired yesterday; sixty days left (nothing to say).
    let soon = dev.app.add_child(with_instruction("見本 近子", -100, 10)).await.unwrap().id;
    let gone = dev.app.add_child(with_instruction("見本 切子", -100, -1)).await.unwrap().id;
    let fine = dev.app.add_child(with_instruction("見本 良子", -100, 60)).await.unwrap().id;
    // The fine child's last visit found a problem with the ventilator; an earlier one with the
    // suction unit no longer counts.
    let mut older = respite(fine, "2026-05-01T09:00", "2026-05-01T12:00");
    older.checklist.template_id = "home_devices".into();
    older.checklist.items.insert("suction_unit".into(), CheckEntry { status: CheckStatus::Problem, note: "古い".into() });
    dev.app.record_visit(older).await.unwrap();
    let mut last = respite(fine, "2026-05-08T09:00", "2026-05-08T12:00");
    last.checklist.template_id = "home_devices".into();
    last.checklist.items.insert("ventilator".into(), CheckEntry { status: CheckStatus::Problem, note: "回路に水滴".into() });
    last.checklist.items.insert("suction_unit".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
    let last = dev.app.record_visit(last).await.unwrap().id;
    // A record submitted without the guardian's confirmation; another submitted then sent back.
    let mut waiting = respite(soon, "2026-05-02T09:00", "2026-05-02T12:00");
    waiting.guardian = Some(not_confirmed());
    let waiting = dev.app.record_visit(waiting).await.unwrap().id;
    dev.app.submit_visit(waiting).await.unwrap();
    let mut back = respite(gone, "2026-05-03T09:00", "2026-05-03T12:00");
    back.guardian = Some(confirmed_by_guardian());
    let back = dev.app.record_visit(back).await.unwrap().id;
    dev.app.submit_visit(back).await.unwrap();
    dev.app.send_back_visit(back, "開始時刻を確認してください").await.unwrap();

    let notices = dev.app.notices().await.unwrap();
    let got: Vec<(NoticeKind, ChildId, Option<VisitId>)> = notices.iter().map(|n| (n.kind, n.child_id, n.visit_id)).collect();
    assert_eq!(
        got,
        vec![
            (NoticeKind::InstructionExpired, gone, None),
            (NoticeKind::SentBack, gone, Some(back)),
            (NoticeKind::ChecklistProblem, fine, Some(last)),
            (NoticeKind::InstructionExpiring, soon, None),
            (NoticeKind::AwaitingConfirmation, soon, Some(waiting)),
        ],
        "{notices:#?}"
    );
    assert_eq!(notices[0].on, Some(day(-1)));
    assert_eq!(notices[1].detail.as_ref().unwrap().ja, "開始時刻を確認してください");
    let problem = notices[2].detail.as_ref().unwrap();
    assert!(problem.ja.contains("回路に水滴") && !problem.ja.contains("古い"), "{problem:?}");
    assert_eq!(notices[3].on, Some(day(10)));
    assert_eq!(notices[3].child_name, "見本 近子");
}

/// Every list reads which records wait to be sent and which were refused (`RowContext`): from
/// the two partial indexes holding only those (migration `20261124000002_sync_state.sql`), not
/// by scanning every document's bytes.
#[tokio::test]
async fn the_lists_find_waiting_and_refused_records_by_their_indexes() {
    let dev = TempDevice::new().await.unwrap();
    let pool = dev.app.store().pool();
    for (sql, index) in [
        ("SELECT id FROM documents WHERE local_version > synced_version", "documents_pending"),
        ("SELECT count(*) FROM documents WHERE local_version > synced_version", "documents_pending"),
        (
            "SELECT id, kind, rejected_code AS code, COALESCE(rejected_reason, '') AS reason FROM documents WHERE rejected_code IS NOT NULL ORDER BY id",
            "documents_rejected",
        ),
    ] {
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"))).fetch_all(pool).await.unwrap();
        let detail = plan.iter().map(|p| p.3.as_str()).collect::<Vec<_>>().join("; ");
        assert!(detail.contains(&format!("INDEX {index}")), "{sql}: {detail}");
    }
    // And they hold what the queries return: a record saved here waits; once sent, it does not.
    let c = dev.app.add_child(child("13105")).await.unwrap();
    assert_eq!(dev.app.store().pending_ids().await.unwrap(), vec![c.id.to_string()]);
    dev.app.store().mark_synced(&c.id.to_string(), 1).await.unwrap();
    assert!(dev.app.store().pending_ids().await.unwrap().is_empty());
    dev.app.store().mark_rejected(&c.id.to_string(), 1, "invalid", "架空の理由").await.unwrap();
    assert_eq!(dev.app.store().rejected().await.unwrap().len(), 1);
}
