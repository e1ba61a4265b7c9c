//! Visit records as automerge documents, edited on several tablets with no signal and merged
//! later. Expected values are worked out from what each replica did, never by asking the code
//! under test to sum or merge them.

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::ActorId;
use carebook_domain::*;
use proptest::prelude::*;

fn station() -> Station {
    Station { id: "st1".into(), name: "架空訪問看護ステーション".into() }
}

fn lead(id: &str) -> StaffMember {
    StaffMember {
        id: id.into(),
        name: format!("架空 看護師{id}"),
        profession: Profession::Nurse,
        role: StaffRole::Lead,
        station_id: "st1".into(),
    }
}

/// A respite visit with the home device checklist chosen before any device forks it.
fn respite(child: ChildId, start: &str, end: &str) -> Visit {
    let mut v = Visit::new(child, VisitKind::Respite, station());
    v.actual_start = Some(start.parse().unwrap());
    v.actual_end = Some(end.parse().unwrap());
    v.staff.push(lead("n1"));
    v.checklist.template_id = "home_devices".into();
    v
}

/// Another device opens the saved bytes with its own actor.
fn open_on_another_device(doc: &mut RecordDoc<Visit>) -> RecordDoc<Visit> {
    let id = doc.value().id.to_string();
    RecordDoc::load(&id, &doc.save(), ActorId::random()).expect("a saved visit loads")
}

fn care(id: &str, item: CareItem) -> CareGiven {
    CareGiven { id: id.into(), item, count: None, amount_ml: None, rate_ml_per_h: None, oxygen_l_per_min: None, note: String::new() }
}

fn ok() -> CheckEntry {
    CheckEntry { status: CheckStatus::Ok, note: String::new() }
}

fn appended(text: &autosurgeon::Text, more: &str) -> String {
    format!("{}{more}", text.as_str())
}

fn sorted_heads(doc: &mut RecordDoc<Visit>) -> Vec<automerge::ChangeHash> {
    let mut heads = doc.heads();
    heads.sort();
    heads
}

#[test]
fn concurrent_edits_of_one_visit_on_two_devices_all_survive_the_merge() {
    const MOTHER: &str = "母より：";
    const FROM_A: &str = "夜間はよく眠れていた。";
    const FROM_B: &str = "朝から痰が多いとのこと。";
    const OBJECTIVE_B: &str = "SpO2 98%、喘鳴なし。";

    let mut original = respite(ChildId::random(), "2026-05-01T09:00", "2026-05-01T13:00");
    original.note.subjective = MOTHER.into();
    let mut a = RecordDoc::create(original, ActorId::random());
    let mut b = open_on_another_device(&mut a);

    // Device A (the one that created the record), in several separate changes.
    a.change(|v| {
        v.vitals.push(VitalReading { id: "vital-a".into(), pulse: Some(112), respiration: Some(28), spo2: Some(97), ..Default::default() })
    });
    a.change(|v| {
        v.checklist.items.insert("ventilator".into(), ok());
    });
    a.change(|v| v.care.push(CareGiven { count: Some(6), note: "白色痰 中等量".into(), ..care("care-a", CareItem::Suction) }));
    a.change(|v| {
        let s = appended(&v.note.subjective, FROM_A);
        v.note.subjective.update(s)
    });

    // Device B, at the same time, knowing nothing of A's edits.
    b.change(|v| v.vitals.push(VitalReading { id: "vital-b".into(), temperature_c: Some(36.9), spo2: Some(98), ..Default::default() }));
    b.change(|v| {
        v.checklist.items.insert("suction_unit".into(), CheckEntry { status: CheckStatus::Problem, note: "カテーテル残り2本".into() });
    });
    b.change(|v| v.care.push(CareGiven { amount_ml: Some(200), ..care("care-b", CareItem::TubeFeeding) }));
    b.change(|v| v.note.objective.update(OBJECTIVE_B));
    b.change(|v| {
        let s = appended(&v.note.subjective, FROM_B);
        v.note.subjective.update(s)
    });

    let a_bytes = a.save();
    let b_bytes = b.save();
    a.merge_bytes(&b_bytes).unwrap();
    b.merge_bytes(&a_bytes).unwrap();

    assert_eq!(a.value(), b.value(), "both devices see the same record");
    assert_eq!(sorted_heads(&mut a), sorted_heads(&mut b));
    let v = a.value();

    let vitals: BTreeMap<_, _> = v.vitals.iter().map(|x| (x.id.as_str(), x)).collect();
    assert_eq!(vitals.keys().copied().collect::<Vec<_>>(), ["vital-a", "vital-b"]);
    assert_eq!(vitals["vital-a"].pulse, Some(112));
    assert_eq!(vitals["vital-b"].temperature_c, Some(36.9));

    assert_eq!(v.checklist.template_id, "home_devices");
    assert_eq!(v.checklist.items.keys().map(String::as_str).collect::<Vec<_>>(), ["suction_unit", "ventilator"]);
    assert_eq!(v.checklist.items["ventilator"], ok());
    assert_eq!(v.checklist.items["suction_unit"].status, CheckStatus::Problem);
    assert_eq!(v.checklist.items["suction_unit"].note, "カテーテル残り2本");

    let care: BTreeMap<_, _> = v.care.iter().map(|x| (x.id.as_str(), x)).collect();
    assert_eq!(care.keys().copied().collect::<Vec<_>>(), ["care-a", "care-b"]);
    assert_eq!((care["care-a"].item, care["care-a"].count), (CareItem::Suction, Some(6)));
    assert_eq!((care["care-b"].item, care["care-b"].amount_ml), (CareItem::TubeFeeding, Some(200)));

    // The record's creator typed in S while B typed in O: B's words are not replaced.
    assert_eq!(v.note.objective.as_str(), OBJECTIVE_B);
    // Both appended to S at once: both fragments are kept whole, after the shared start, once.
    let s = v.note.subjective.as_str();
    assert!(s.starts_with(MOTHER), "{s}");
    assert!(s.contains(FROM_A) && s.contains(FROM_B), "{s}");
    assert_eq!(s.chars().count(), MOTHER.chars().count() + FROM_A.chars().count() + FROM_B.chars().count(), "{s}");

    // What is stored is what was merged, and the merged record can still be edited.
    let back = open_on_another_device(&mut a);
    assert_eq!(back.value(), a.value());
    a.change(|v| {
        let s = appended(&v.note.subjective, "以上。");
        v.note.subjective.update(s)
    });
    assert!(a.value().note.subjective.as_str().ends_with("以上。"));
}

fn prior_use(day: u32, start_hour: u32, minutes: u32) -> RespiteUse {
    let date = Date::from_days_since_epoch(Date::new(2026, 4, 1).unwrap().days_since_epoch() + i64::from(day));
    RespiteUse {
        visit_id: VisitId::random(),
        start: DateTime::new(date, TimeOfDay::new(start_hour as u8, 0).unwrap()),
        billable_minutes: minutes,
        uses: 1,
    }
}

#[test]
fn concurrent_respite_sessions_recorded_offline_both_survive_and_are_named_over_the_cap() {
    let rules = MunicipalityRules::builtin("13121"); // Adachi: the 144 h default
    let fy = FiscalYear(2026);
    let child = ChildId::random();

    // 35 uses of 4 h and one of 2 h before June: 140 h + 2 h = 142 h.
    let mut prior: Vec<RespiteUse> = (0..35).map(|day| prior_use(day, 9, 240)).collect();
    prior.push(prior_use(40, 13, 120));
    assert_eq!(prior.len(), 36);

    // Two tablets with no signal each record a session on 10 June, 2 h left on the books.
    let mut tablet_a = RecordDoc::create(respite(child, "2026-06-10T09:00", "2026-06-10T13:00"), ActorId::random());
    let mut tablet_b = RecordDoc::create(respite(child, "2026-06-10T14:00", "2026-06-10T17:00"), ActorId::random());
    tablet_b.change(|v| v.staff = vec![lead("n2")]);
    let (id_a, id_b) = (tablet_a.value().id, tablet_b.value().id);

    // Both sync to the office, which reads them from their bytes.
    let synced: Vec<Visit> = [&mut tablet_a, &mut tablet_b]
        .into_iter()
        .map(|doc| {
            let id = doc.value().id.to_string();
            RecordDoc::<Visit>::load(&id, &doc.save(), ActorId::random()).unwrap().value().clone()
        })
        .collect();
    let mut uses = prior.clone();
    for v in &synced {
        let s = v.summary(&rules);
        uses.push(RespiteUse { visit_id: s.id, start: s.start.unwrap(), billable_minutes: s.billable_minutes, uses: s.uses });
    }

    let ledger = respite_ledger(fy, rules.cap_minutes(fy, None), uses);
    assert_eq!(ledger.cap_minutes, 144 * 60);
    assert_eq!(ledger.sessions.len(), 36 + 2);
    let listed: BTreeSet<VisitId> = ledger.sessions.iter().map(|s| s.visit_id).collect();
    assert!(listed.contains(&id_a) && listed.contains(&id_b));
    for p in &prior {
        assert!(listed.contains(&p.visit_id));
    }
    let session = |id| ledger.sessions.iter().find(|s| s.visit_id == id).unwrap();
    assert_eq!(session(id_a).billable_minutes, 4 * 60);
    assert_eq!(session(id_b).billable_minutes, 3 * 60);
    // 142 h + 4 h + 3 h = 149 h used of 144 h.
    assert_eq!(ledger.used_minutes, 149 * 60);
    assert_eq!(ledger.remaining_minutes, -5 * 60);
    assert!(ledger.is_over_cap());
    // The 09:00 session crossed the cap (142 h → 146 h) and the 14:00 one came after it.
    assert_eq!(ledger.over_cap, vec![id_a, id_b]);
}

const REPLICAS: usize = 3;
const CHECK_ITEMS: [&str; 4] = ["ventilator", "suction_unit", "oxygen", "feeding_pump"];
const NOTES: [&str; 3] = ["", "アラーム1回", "回路交換"];
const PLACES: [&str; 3] = ["自宅", "学校", "祖父母宅"];
const WORDS: [&str; 5] = ["吸引", "ok", "痰多め", "。", "SpO2 97"];
const CARE_ITEMS: [CareItem; 4] = [CareItem::Suction, CareItem::TubeFeeding, CareItem::Oxygen, CareItem::Nebulizer];

#[derive(Debug, Clone)]
enum Edit {
    AddVital {
        pulse: u32,
    },
    SetCheck {
        item: usize,
        status: usize,
        note: usize,
    },
    AddCare {
        item: usize,
        count: u32,
    },
    /// At char position `at` modulo (length + 1), delete up to `delete` chars, insert `word`.
    SpliceSubjective {
        at: usize,
        delete: usize,
        word: usize,
    },
    SetPlace {
        place: usize,
    },
    RemoveVital {
        index: usize,
    },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (60u32..200).prop_map(|pulse| Edit::AddVital { pulse }),
        (0..CHECK_ITEMS.len(), 0..CheckStatus::ALL.len(), 0..NOTES.len()).prop_map(|(item, status, note)| Edit::SetCheck {
            item,
            status,
            note
        }),
        (0..CARE_ITEMS.len(), 1u32..12).prop_map(|(item, count)| Edit::AddCare { item, count }),
        (0usize..64, 0usize..3, 0..WORDS.len()).prop_map(|(at, delete, word)| Edit::SpliceSubjective { at, delete, word }),
        (0..PLACES.len()).prop_map(|place| Edit::SetPlace { place }),
        (0usize..8).prop_map(|index| Edit::RemoveVital { index }),
    ]
}

/// Byte offset of char `n` in `s` (the end when `n` is past it).
fn byte_at(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

/// What one replica did, recorded from the edits alone.
#[derive(Debug, Default)]
struct Expect {
    /// The replica's own view of the vital ids, edited like a plain list.
    vitals: Vec<String>,
    removed_vitals: BTreeSet<String>,
    added_vitals: BTreeSet<String>,
    added_care: BTreeSet<String>,
    /// The last entry the replica gave each item.
    checks: BTreeMap<String, CheckEntry>,
    /// The last place the replica set, when it changed it.
    place: Option<String>,
}

fn apply(doc: &mut RecordDoc<Visit>, replica: usize, n: usize, e: &Edit, expect: &mut Expect) {
    match *e {
        Edit::AddVital { pulse } => {
            let id = format!("r{replica}-vital-{n}");
            expect.vitals.push(id.clone());
            expect.added_vitals.insert(id.clone());
            doc.change(|v| v.vitals.push(VitalReading { id, pulse: Some(pulse), ..Default::default() }));
        }
        Edit::SetCheck { item, status, note } => {
            let entry = CheckEntry { status: CheckStatus::ALL[status], note: NOTES[note].into() };
            expect.checks.insert(CHECK_ITEMS[item].into(), entry.clone());
            doc.change(|v| {
                v.checklist.items.insert(CHECK_ITEMS[item].into(), entry);
            });
        }
        Edit::AddCare { item, count } => {
            let id = format!("r{replica}-care-{n}");
            expect.added_care.insert(id.clone());
            doc.change(|v| v.care.push(CareGiven { count: Some(count), ..care(&id, CARE_ITEMS[item]) }));
        }
        Edit::SpliceSubjective { at, delete, word } => doc.change(|v| {
            let s = v.note.subjective.as_str();
            let chars = s.chars().count();
            let at = at % (chars + 1);
            let (from, to) = (byte_at(s, at), byte_at(s, at + delete));
            v.note.subjective.splice(from, (to - from) as isize, WORDS[word]);
        }),
        Edit::SetPlace { place } => {
            if doc.value().place != PLACES[place] {
                expect.place = Some(PLACES[place].into());
            }
            doc.change(|v| v.place = PLACES[place].into());
        }
        Edit::RemoveVital { index } => {
            if expect.vitals.is_empty() {
                return;
            }
            let local: Vec<&str> = doc.value().vitals.iter().map(|v| v.id.as_str()).collect();
            assert_eq!(local, expect.vitals, "the replica's own list is what its edits made it");
            let index = index % expect.vitals.len();
            expect.removed_vitals.insert(expect.vitals.remove(index));
            doc.change(|v| {
                v.vitals.remove(index);
            });
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_concurrent_edits_on_three_replicas_converge_in_any_merge_order(
        edits in prop::collection::vec((0..REPLICAS, edit()), 0..40),
        orders in prop::collection::vec(Just((0..REPLICAS).collect::<Vec<_>>()).prop_shuffle(), REPLICAS),
        incremental in prop::collection::vec(any::<bool>(), REPLICAS),
    ) {
        let rules = MunicipalityRules::builtin("13105");
        let mut initial = respite(ChildId::random(), "2026-05-01T09:00", "2026-05-01T12:00");
        initial.vitals = vec![
            VitalReading { id: "initial-vital-0".into(), pulse: Some(100), ..Default::default() },
            VitalReading { id: "initial-vital-1".into(), pulse: Some(104), ..Default::default() },
        ];
        initial.note.subjective = "母より：".into();
        let mut origin = RecordDoc::create(initial.clone(), ActorId::random());
        let origin_heads = origin.heads();
        let mut replicas: Vec<RecordDoc<Visit>> = (0..REPLICAS).map(|_| open_on_another_device(&mut origin)).collect();
        let mut expect: Vec<Expect> = (0..REPLICAS)
            .map(|_| Expect { vitals: initial.vitals.iter().map(|v| v.id.clone()).collect(), ..Expect::default() })
            .collect();

        for (n, (r, e)) in edits.iter().enumerate() {
            apply(&mut replicas[*r], *r, n, e, &mut expect[*r]);
        }

        // What each replica sends: its whole document, or only the changes since the fork.
        let sent: Vec<Vec<u8>> = replicas
            .iter_mut()
            .zip(&incremental)
            .map(|(doc, &only_changes)| if only_changes { doc.automerge().save_after(&origin_heads) } else { doc.save() })
            .collect();
        for (target, order) in orders.iter().enumerate() {
            for &from in order {
                replicas[target].merge_bytes(&sent[from]).unwrap();
            }
        }

        let first = replicas[0].value().clone();
        let heads = sorted_heads(&mut replicas[0]);
        for doc in &mut replicas[1..] {
            prop_assert_eq!(doc.value(), &first);
            prop_assert_eq!(sorted_heads(doc), heads.clone());
            prop_assert_eq!(doc.value().summary(&rules), first.summary(&rules));
            let _ = doc.save();
        }
        // Saved and read back, the merged record is the same.
        let reloaded = open_on_another_device(&mut replicas[2]);
        prop_assert_eq!(reloaded.value(), &first);

        // Vitals: no replica saw another's, so each removal took an initial vital or its own.
        let merged_vitals: Vec<&str> = first.vitals.iter().map(|v| v.id.as_str()).collect();
        let unique: BTreeSet<&str> = merged_vitals.iter().copied().collect();
        prop_assert_eq!(unique.len(), merged_vitals.len(), "a vital appears twice: {:?}", merged_vitals);
        let removed: BTreeSet<&str> = expect.iter().flat_map(|x| x.removed_vitals.iter().map(String::as_str)).collect();
        let mut kept: BTreeSet<&str> = initial.vitals.iter().map(|v| v.id.as_str()).collect();
        kept.extend(expect.iter().flat_map(|x| x.added_vitals.iter().map(String::as_str)));
        kept.retain(|id| !removed.contains(id));
        prop_assert_eq!(&unique, &kept);
        for x in expect.iter().filter(|x| x.removed_vitals.is_empty()) {
            for id in &x.added_vitals {
                prop_assert!(unique.contains(id.as_str()), "{} lost", id);
            }
        }

        // Care given is only ever added: every entry, once.
        let added_care: usize = expect.iter().map(|x| x.added_care.len()).sum();
        prop_assert_eq!(first.care.len(), added_care);
        let care: BTreeSet<&str> = first.care.iter().map(|c| c.id.as_str()).collect();
        let expected_care: BTreeSet<&str> = expect.iter().flat_map(|x| x.added_care.iter().map(String::as_str)).collect();
        prop_assert_eq!(care, expected_care);

        // Checklist: every item anyone ticked is there, holding one replica's last entry for it.
        let ticked: BTreeSet<&str> = expect.iter().flat_map(|x| x.checks.keys().map(String::as_str)).collect();
        prop_assert_eq!(first.checklist.items.keys().map(String::as_str).collect::<BTreeSet<_>>(), ticked);
        for (item, entry) in &first.checklist.items {
            prop_assert!(expect.iter().any(|x| x.checks.get(item) == Some(entry)), "{}: {:?}", item, entry);
        }
        prop_assert_eq!(&first.checklist.template_id, "home_devices");

        // Place: unchanged unless someone changed it, else one replica's last choice.
        let places: Vec<&str> = expect.iter().filter_map(|x| x.place.as_deref()).collect();
        if places.is_empty() {
            prop_assert_eq!(&first.place, &initial.place);
        } else {
            prop_assert!(places.contains(&first.place.as_str()), "{} not in {:?}", first.place, places);
        }

        // Nothing the edits did not touch moved.
        prop_assert_eq!((first.id, first.child_id, first.kind), (initial.id, initial.child_id, initial.kind));
        prop_assert_eq!(first.summary(&rules), initial.summary(&rules));
    }
}

#[test]
fn merged_bytes_that_break_the_schema_change_nothing() {
    let mut original = RecordDoc::create(respite(ChildId::random(), "2026-05-01T09:00", "2026-05-01T12:00"), ActorId::random());
    original.change(|v| v.vitals.push(VitalReading { id: "v1".into(), pulse: Some(110), ..Default::default() }));
    let before = original.value().clone();
    let heads_before = sorted_heads(&mut original);
    let id = before.id.to_string();

    type Breakage = (&'static str, fn(&mut automerge::AutoCommit));
    let breakages: [Breakage; 3] = [
        ("kind is a number", |d| d.put(automerge::ROOT, "kind", 42_i64).unwrap()),
        ("kind is an unknown name", |d| d.put(automerge::ROOT, "kind", "picnic").unwrap()),
        ("vitals is text", |d| d.put(automerge::ROOT, "vitals", "none").unwrap()),
    ];
    for (what, break_it) in breakages {
        let mut fork = open_on_another_device(&mut original);
        // A legitimate edit travels in the same bytes; it must not get in either.
        fork.change(|v| v.place = "学校".into());
        break_it(fork.automerge());
        let bytes = fork.save();

        let err = original.merge_bytes(&bytes).unwrap_err();
        assert!(matches!(&err, DocError::Schema { kind: RecordKind::Visit, id: named, .. } if *named == id), "{what}: {err:?}");
        assert!(err.to_string().contains(&id), "{what}: {err}");
        assert_eq!(original.value(), &before, "{what}");
        assert_eq!(sorted_heads(&mut original), heads_before, "{what}");
        let reloaded = open_on_another_device(&mut original);
        assert_eq!(reloaded.value(), &before, "{what}: the stored bytes hold no part of the refused merge");
    }

    // The record still takes good merges afterwards.
    let mut good = open_on_another_device(&mut original);
    good.change(|v| v.place = "学校".into());
    original.merge(&mut good).unwrap();
    assert_eq!(original.value().place, "学校");
    assert_eq!(original.value().vitals, before.vitals);
}
