//! The fuzz targets' inputs replayed without cargo-fuzz: every seed (`fuzz/seeds/<target>/`) and
//! every input that once crashed a target (`fuzz/regressions/<target>/`) goes through the same
//! paths the targets run (`fuzz/src/paths.rs`, included here). A panic fails the test. The CLI's
//! target (`cli_values`) is replayed by the CLI's own tests.
//!
//! The seeds are written by `write_fuzz_seeds` below (ignored; run it with `--ignored` after a
//! schema change, then commit `fuzz/stored` and `fuzz/seeds`).

#[path = "../../../fuzz/src/paths.rs"]
#[allow(dead_code)]
mod paths;

use std::path::{Path, PathBuf};

use automerge::ActorId;
use carebook_domain::*;
use paths::{Outcome, PageDoc, CHILD_ID, VISIT_ID};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every file of `fuzz/<dir>/<target>/`, sorted.
fn inputs(dir: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(dir).join(target)) else {
        return vec![];
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())).collect()
}

fn replay(target: &str, run: impl Fn(&[u8])) -> usize {
    let mut n = 0;
    for dir in ["seeds", "regressions"] {
        for (name, data) in inputs(dir, target) {
            eprintln!("{dir}/{target}/{name}");
            run(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn every_seed_and_regression_of_the_push_body_target_passes_without_a_panic() {
    assert!(replay("push_body", |d| drop(paths::push_body(d))) >= 1);
}

#[test]
fn every_seed_and_regression_of_the_document_target_passes_without_a_panic() {
    assert!(
        replay("document", |d| {
            paths::document(d);
        }) >= 1
    );
}

#[test]
fn every_seed_and_regression_of_the_page_target_passes_without_a_panic() {
    assert!(replay("page", |d| drop(paths::page(d))) >= 1);
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(fuzz_dir().join("seeds").join(target).join(name)).unwrap()
}

/// The seeds reach the end of each path (so the fuzzer starts from records the server takes,
/// not from the first refusal), and the paths refuse what the server refuses.
#[test]
fn the_seeds_reach_every_outcome_of_the_server_path() {
    use paths::document;
    assert_eq!(document(&seed("document", "visit-new")), Outcome::Accepted);
    assert_eq!(document(&seed("document", "visit-replayed")), Outcome::Unchanged);
    assert_eq!(document(&seed("document", "visit-nurse-edit")), Outcome::Accepted);
    assert_eq!(document(&seed("document", "visit-nurse-edit-changes-only")), Outcome::Accepted);
    assert_eq!(document(&seed("document", "visit-parent-confirms")), Outcome::Accepted);
    assert_eq!(document(&seed("document", "visit-parent-moves-place")), Outcome::Rejected("forbidden"));
    assert_eq!(document(&seed("document", "visit-invalid-vitals")), Outcome::Rejected("invalid"));
    assert_eq!(document(&seed("document", "child-new")), Outcome::Accepted);
    assert_eq!(document(&seed("document", "child-edit")), Outcome::Accepted);
    // The visit's bytes under the face sheet's schema, and cut short.
    let mut as_child = seed("document", "visit-new");
    as_child[0] = 1;
    assert_eq!(document(&as_child), Outcome::Rejected("schema_mismatch"));
    let whole = seed("document", "visit-new");
    assert_eq!(document(&whole[..whole.len() - 5]), Outcome::Rejected("corrupt_record"));

    assert_eq!(paths::push_body(&seed("push_body", "visit-edit-and-child")), Some(vec![Outcome::Accepted, Outcome::Accepted]));
    assert_eq!(paths::push_body(b"{\"documents\":[{\"id\":\"x\",\"kind\":\"visit\",\"bytes\":\"!!\"}]}"), None, "bad base64");
    assert_eq!(
        paths::page(&seed("page", "visit-child-and-visit-without-index")),
        Some(vec![(PageDoc::Stored, PageDoc::Stored), (PageDoc::Stored, PageDoc::Stored), (PageDoc::Stored, PageDoc::Unchanged),])
    );
}

fn regression(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(fuzz_dir().join("regressions").join(target).join(name)).unwrap()
}

/// Found by the `document` target, two bundle chunks (automerge's chunk type 3, which no
/// device or server saves): one whose number is cut short made automerge 0.12 panic (an unwrap
/// in hexane) inside the strict load every push runs first, so any account could crash the
/// request, and a server page could crash the device; one of 89 bytes claiming a run of
/// billions of values took automerge past 8 GiB in 50 s. Every way the domain reads bytes
/// refuses a bundle before automerge parses it, as a corrupt record naming it.
#[test]
fn a_bundle_chunk_is_a_corrupt_record_wherever_bytes_are_read() {
    for name in ["automerge-bundle-leb128-panic", "automerge-bundle-run-of-billions-oom"] {
        let input = regression("document", name);
        let bytes = &input[1..];
        assert_eq!(paths::document(&input), Outcome::Rejected("corrupt_record"), "{name}");
        let corrupt = |r: Result<(), DocError>| match r {
            Err(DocError::Corrupt { id, reason, .. }) => {
                assert_eq!(id, "rec-1");
                assert_eq!(reason, "chunk at byte 0: type 3 is not a document or a change");
            }
            other => panic!("{name}: expected a corrupt record, got {other:?}"),
        };
        corrupt(check_pushed(RecordKind::Child, "rec-1", bytes).map(drop));
        corrupt(RecordDoc::<Child>::load("rec-1", bytes, ActorId::random()).map(drop));
        corrupt(load_visit_index("rec-1", bytes).map(drop));
        assert!(carebook_domain::document::check_bytes(bytes).is_err());
        // Merged into a good copy: refused, and the copy is as it was.
        let mut mine = RecordDoc::<Child>::load(CHILD_ID, paths::STORED_CHILD, ActorId::random()).unwrap();
        let before = mine.heads();
        assert!(matches!(mine.merge_bytes(bytes), Err(DocError::Corrupt { .. })));
        assert_eq!(mine.heads(), before);
        // After a good document, too.
        let mut two = paths::STORED_CHILD.to_vec();
        two.extend_from_slice(bytes);
        let at = paths::STORED_CHILD.len();
        assert_eq!(carebook_domain::document::check_bytes(&two), Err(format!("chunk at byte {at}: type 3 is not a document or a change")));
    }
}

// ---- the seeds' writer --------------------------------------------------------------------

fn actor(n: u8) -> ActorId {
    ActorId::from(vec![0xf0, 0x22, n])
}

fn station() -> Station {
    Station { id: "st1".into(), name: "架空訪問看護ステーション".into() }
}

fn stored_visit() -> Visit {
    let mut v = Visit::new(CHILD_ID.parse().unwrap(), VisitKind::Respite, station());
    v.id = VISIT_ID.parse().unwrap();
    v.actual_start = Some("2026-05-01T09:00".parse().unwrap());
    v.actual_end = Some("2026-05-01T12:00".parse().unwrap());
    v.staff.push(StaffMember {
        id: "n1".into(),
        name: "架空 看護師".into(),
        profession: Profession::Nurse,
        role: StaffRole::Lead,
        station_id: "st1".into(),
    });
    v.vitals.push(VitalReading { id: "vital-1".into(), pulse: Some(110), respiration: Some(28), spo2: Some(97), ..Default::default() });
    v.note.subjective = "見本：夜間はよく眠れていた。".into();
    v
}

fn stored_child() -> Child {
    Child {
        id: CHILD_ID.parse().unwrap(),
        name: "見本 はなこ".into(),
        kana: "みほん はなこ".into(),
        birth_date: "2020-04-01".parse().unwrap(),
        municipality: "13101".into(),
        income_tier: IncomeTier::Taxed,
        respite_enrolled_on: None,
        diagnosis: "架空の診断名".into(),
        guardians: vec![Contact { name: "見本 母".into(), relation: "母".into(), phone: "000-0000-0000".into() }],
        devices: vec!["人工呼吸器".into()],
        score: vec![ScoreEntry { item: CareItem::Suction, watch: Watch::None }],
        doctor_instruction: None,
        emergency_contacts: vec![],
        sharing: None,
        income_tier_changes: vec![],
        past_instructions: vec![],
    }
}

fn with_flags(flags: u8, bytes: &[u8]) -> Vec<u8> {
    let mut v = vec![flags];
    v.extend_from_slice(bytes);
    v
}

/// Writes `fuzz/stored/` (the server's copies the inputs merge into) and `fuzz/seeds/`.
#[test]
#[ignore = "writes the fuzz seeds; run with --ignored after a schema change"]
fn write_fuzz_seeds() {
    let dir = fuzz_dir();
    let write = |path: &str, bytes: &[u8]| {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    let mut visit = RecordDoc::create(stored_visit(), actor(1));
    let mut child = RecordDoc::create(stored_child(), actor(1));
    let (visit_bytes, child_bytes) = (visit.save(), child.save());
    write("stored/visit.automerge", &visit_bytes);
    write("stored/child.automerge", &child_bytes);

    let fork = |bytes: &[u8], n: u8| RecordDoc::<Visit>::load(VISIT_ID, bytes, actor(n)).unwrap();
    write("seeds/document/visit-new", &with_flags(0, &visit_bytes));
    write("seeds/document/visit-replayed", &with_flags(2, &visit_bytes));

    let mut nurse = fork(&visit_bytes, 2);
    let before = nurse.heads();
    nurse.change(|v| v.place = "学校".into());
    nurse.change(|v| {
        v.vitals.push(VitalReading { id: "vital-2".into(), temperature_c: Some(36.8), ..Default::default() });
        v.care.push(CareGiven {
            id: "care-1".into(),
            item: CareItem::Suction,
            count: Some(6),
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "白色痰 少量".into(),
        });
        v.note.plan.update("見本：次回も同じ時間");
    });
    let nurse_bytes = nurse.save();
    write("seeds/document/visit-nurse-edit", &with_flags(2, &nurse_bytes));
    write("seeds/document/visit-nurse-edit-changes-only", &with_flags(2, &nurse.automerge().save_after(&before)));

    let mut parent = fork(&visit_bytes, 3);
    parent.change(|v| {
        v.guardian = Some(GuardianConfirmation::Confirmed {
            name: "見本 母".into(),
            at: "2026-05-01T12:05".parse().unwrap(),
            signature: "M0 0 L10 10".into(),
        })
    });
    write("seeds/document/visit-parent-confirms", &with_flags(6, &parent.save()));
    let mut parent = fork(&visit_bytes, 3);
    parent.change(|v| v.place = "病院".into());
    write("seeds/document/visit-parent-moves-place", &with_flags(6, &parent.save()));
    let mut bad = fork(&visit_bytes, 4);
    bad.change(|v| v.vitals[0].spo2 = Some(250));
    write("seeds/document/visit-invalid-vitals", &with_flags(2, &bad.save()));

    write("seeds/document/child-new", &with_flags(1, &child_bytes));
    let mut child2 = RecordDoc::<Child>::load(CHILD_ID, &child_bytes, actor(2)).unwrap();
    child2.change(|c| {
        c.devices.push("吸引器".into());
        c.sharing = Some(SharingConsent {
            by: "見本 母".into(),
            given_on: "2026-04-10".parse().unwrap(),
            scope: SharingScope::RespiteRecords,
            until: "2027-03-31".parse().unwrap(),
            withdrawn_on: None,
        });
    });
    write("seeds/document/child-edit", &with_flags(3, &child2.save()));

    // A push body: the nurse's edit of the stored visit and a new face sheet of another child.
    let other = {
        let mut c = stored_child();
        c.id = "f0220000-0000-4000-8000-000000000003".parse().unwrap();
        RecordDoc::create(c, actor(5)).save()
    };
    let body = PushRequest {
        documents: vec![
            DocPayload { id: VISIT_ID.into(), kind: RecordKind::Visit, bytes: nurse_bytes.clone() },
            DocPayload { id: "f0220000-0000-4000-8000-000000000003".into(), kind: RecordKind::Child, bytes: other },
        ],
    };
    write("seeds/push_body/visit-edit-and-child", serde_json::to_string(&body).unwrap().as_bytes());

    // A feed page: the nurse's edit with its index fields, the face sheet, the stored visit
    // again without them.
    let page = ChangesResponse {
        documents: vec![
            ChangedDoc {
                id: VISIT_ID.into(),
                kind: RecordKind::Visit,
                child_id: CHILD_ID.into(),
                seq: 7,
                bytes: nurse_bytes,
                index: Some(nurse.value().index_view()),
            },
            ChangedDoc {
                id: CHILD_ID.into(),
                kind: RecordKind::Child,
                child_id: CHILD_ID.into(),
                seq: 8,
                bytes: child2.save(),
                index: None,
            },
            ChangedDoc { id: VISIT_ID.into(), kind: RecordKind::Visit, child_id: CHILD_ID.into(), seq: 9, bytes: visit_bytes, index: None },
        ],
        cursor: 9,
        more: true,
        total: Some(3),
        buckets: None,
    };
    write("seeds/page/visit-child-and-visit-without-index", serde_json::to_string(&page).unwrap().as_bytes());
    let buckets = ChangesResponse { documents: vec![], cursor: 0, more: false, total: None, buckets: Some(vec![CHILD_ID.into()]) };
    write("seeds/page/buckets", serde_json::to_string(&buckets).unwrap().as_bytes());

    // The CLI's values, as its help and README show them.
    for (name, text) in [
        ("station", "st1:架空訪問看護ステーション"),
        ("staff", "n1:架空 看護師:lead:nurse"),
        ("staff-station", "b1:B:accompanying:associate_nurse:stB"),
        ("vital", "10:00,rr=30,pulse=120,temp=36.8,spo2=98,bp=100/60"),
        ("vital-at", "2026-05-01T23:30,hr=110,t=37.1"),
        ("care", "suction:count=6,note=白色, 粘稠"),
        ("care-feeding", "tube_feeding:ml=200,rate=100"),
        ("care-oxygen", "oxygen:lpm=1.5"),
        ("check", "ventilator=ok:異常なし"),
        ("score", "suction:high"),
        ("contact", "見本 母:母:000-0000-0000"),
        ("instruction", "架空 医師:架空病院:2026-04-01:2026-09-30"),
        ("topic", "吸引:口腔内のみ"),
        ("hours", "1.5"),
        ("pro-rating", "per_month:12"),
        ("date", "2026-05-01"),
        ("month", "2026-05"),
        ("id", VISIT_ID),
    ] {
        write(&format!("seeds/cli_values/{name}"), text.as_bytes());
    }
}
