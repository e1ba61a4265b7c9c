//! The record schema as data (`carebook_domain::schema`) held to autosurgeon's hydrate: every
//! document Carebook writes passes, and every wrong type at every field is refused by both with
//! the field path named. Also: the kind and version every document carries, documents of
//! schema version 1 (bytes written by the code before it), change times, and the published
//! schema under `docs/schema/`.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value};
use autosurgeon::hydrate;
use carebook_domain::schema::{self, Described, Shape};
use carebook_domain::*;

fn child() -> Child {
    Child {
        id: ChildId::random(),
        name: "見本 花子".into(),
        kana: "みほん はなこ".into(),
        birth_date: "2020-04-01".parse().unwrap(),
        municipality: "13105".into(),
        income_tier: IncomeTier::Taxed,
        respite_enrolled_on: Some("2026-04-01".parse().unwrap()),
        diagnosis: "架空の診断名".into(),
        guardians: vec![Contact { name: "見本 母".into(), relation: "母".into(), phone: "000-0000-0000".into() }],
        devices: vec!["吸引器".into()],
        score: vec![ScoreEntry { item: CareItem::ALL[0], watch: Watch::ALL[0] }],
        doctor_instruction: Some(DoctorInstruction {
            doctor: "架空 医師".into(),
            institution: "架空病院".into(),
            valid_from: "2026-04-01".parse().unwrap(),
            valid_until: "2026-09-30".parse().unwrap(),
        }),
        emergency_contacts: vec![Contact { name: "架空病院".into(), relation: "病院".into(), phone: "000-1111-2222".into() }],
        sharing: Some(SharingConsent {
            by: "見本 母".into(),
            given_on: "2026-04-10".parse().unwrap(),
            scope: SharingScope::RespiteRecords,
            until: "2027-03-31".parse().unwrap(),
            withdrawn_on: Some("2026-05-01".parse().unwrap()),
        }),
        income_tier_changes: vec![TierChange { from: "2026-10-01".parse().unwrap(), tier: IncomeTier::Taxed }],
        past_instructions: vec![DoctorInstruction {
            doctor: "架空 医師".into(),
            institution: "架空病院".into(),
            valid_from: "2025-10-01".parse().unwrap(),
            valid_until: "2026-03-31".parse().unwrap(),
        }],
    }
}

/// A visit with every optional field filled, so every path of the schema exists in it.
fn full_visit(guardian: GuardianConfirmation) -> Visit {
    let station = Station { id: "st1".into(), name: "架空訪問看護ステーション".into() };
    let mut v = Visit::new(ChildId::random(), VisitKind::Handover, station.clone());
    let at: DateTime = "2026-05-01T09:30".parse().unwrap();
    v.scheduled_start = Some("2026-05-01T09:00".parse().unwrap());
    v.scheduled_end = Some("2026-05-01T12:00".parse().unwrap());
    v.actual_start = Some("2026-05-01T09:00".parse().unwrap());
    v.actual_end = Some("2026-05-01T12:00".parse().unwrap());
    v.staff.push(StaffMember {
        id: "n1".into(),
        name: "架空 看護師".into(),
        profession: Profession::Nurse,
        role: StaffRole::Lead,
        station_id: "st1".into(),
    });
    v.vitals.push(VitalReading {
        id: "r1".into(),
        at: Some(at),
        respiration: Some(24),
        pulse: Some(110),
        temperature_c: Some(37.0),
        spo2: Some(97),
        bp_systolic: Some(100),
        bp_diastolic: Some(60),
    });
    v.care.push(CareGiven {
        id: "c1".into(),
        item: CareItem::ALL[1],
        count: Some(3),
        amount_ml: Some(100),
        rate_ml_per_h: Some(50),
        oxygen_l_per_min: Some(1.0),
        note: "見本".into(),
    });
    v.note.plan.update("架空の計画");
    v.checklist.template_id = "ventilator".into();
    v.checklist.items.insert("pump".into(), CheckEntry { status: CheckStatus::Ok, note: String::new() });
    v.handover = Some(Handover {
        from_station: station.clone(),
        to_station: Station { id: "st2".into(), name: "架空第二ステーション".into() },
        topics: vec![HandoverTopic { id: "t1".into(), topic: "吸引の手順".into(), detail: "見本".into() }],
        from_sign_off: Some(SignOff { staff_id: "n1".into(), name: "架空 看護師".into(), at }),
        to_sign_off: Some(SignOff { staff_id: "n2".into(), name: "見本 看護師".into(), at }),
    });
    v.guardian = Some(guardian);
    v.returned = Some(Returned { reason: "終了時刻を確認してください".into(), by: "見本 事務".into(), at });
    v
}

fn confirmed() -> GuardianConfirmation {
    GuardianConfirmation::Confirmed { name: "見本 母".into(), at: "2026-05-01T12:05".parse().unwrap(), signature: "M 1 2 L 3 4".into() }
}

fn not_confirmed() -> GuardianConfirmation {
    GuardianConfirmation::NotConfirmed { reason: "不在（架空）".into() }
}

/// Every document of a sample: bare and full records of both kinds.
fn samples() -> Vec<(RecordKind, AutoCommit)> {
    let mut bare_child = child();
    bare_child.respite_enrolled_on = None;
    bare_child.doctor_instruction = None;
    bare_child.guardians.clear();
    bare_child.sharing = None;
    let bare_visit = Visit::new(ChildId::random(), VisitKind::Respite, Station { id: "st1".into(), name: "見本".into() });
    let doc = |bytes: Vec<u8>| AutoCommit::load(&bytes).unwrap();
    vec![
        (RecordKind::Child, doc(RecordDoc::create(child(), ActorId::random()).save())),
        (RecordKind::Child, doc(RecordDoc::create(bare_child, ActorId::random()).save())),
        (RecordKind::Visit, doc(RecordDoc::create(full_visit(confirmed()), ActorId::random()).save())),
        (RecordKind::Visit, doc(RecordDoc::create(full_visit(not_confirmed()), ActorId::random()).save())),
        (RecordKind::Visit, doc(RecordDoc::create(bare_visit, ActorId::random()).save())),
    ]
}

fn shape(kind: RecordKind) -> Shape {
    match kind {
        RecordKind::Child => Child::shape(),
        RecordKind::Visit => Visit::shape(),
    }
}

fn hydrates(kind: RecordKind, doc: &AutoCommit) -> bool {
    match kind {
        RecordKind::Child => hydrate::<_, Child>(doc).is_ok(),
        RecordKind::Visit => hydrate::<_, Visit>(doc).is_ok(),
    }
}

/// Keys the document holds that its shape does not name (root keys of the version aside).
fn undescribed(doc: &AutoCommit, obj: &ObjId, shape: &Shape, path: &str, out: &mut Vec<String>) {
    let shape = match shape {
        Shape::Nullable(inner) => inner.as_ref(),
        s => s,
    };
    match shape {
        Shape::Map(fields) => {
            for key in doc.keys(obj) {
                let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                match fields.fields.iter().find(|f| f.name == key) {
                    Some(f) => {
                        if let Some((Value::Object(_), child)) = doc.get(obj, key.as_str()).unwrap() {
                            undescribed(doc, &child, &f.shape, &at, out);
                        }
                    }
                    None if path.is_empty() && (key == schema::KIND_KEY || key == schema::VERSION_KEY) => {}
                    None => out.push(at),
                }
            }
        }
        Shape::List(inner) | Shape::Dict(inner) => {
            let props: Vec<Prop> = match shape {
                Shape::List(_) => (0..doc.length(obj)).map(Prop::Seq).collect(),
                _ => doc.keys(obj).map(Prop::Map).collect(),
            };
            for p in props {
                if let Some((Value::Object(_), child)) = doc.get(obj, p.clone()).unwrap() {
                    undescribed(doc, &child, inner, &format!("{path}[{p}]"), out);
                }
            }
        }
        Shape::Tagged(t) => {
            let kind: String = autosurgeon::hydrate_prop(doc, obj, t.tag).unwrap();
            let v = t.variants.iter().find(|v| v.name == kind).unwrap();
            for key in doc.keys(obj).filter(|k| k != t.tag && !v.fields.iter().any(|f| f.name == k)) {
                out.push(format!("{path}.{key}"));
            }
        }
        _ => {}
    }
}

#[test]
fn every_document_carebook_writes_fits_the_schema_and_the_schema_names_every_key_it_writes() {
    for (kind, doc) in samples() {
        assert!(hydrates(kind, &doc), "{kind}");
        assert_eq!(schema::check(&doc, &shape(kind)), Ok(()), "{kind}");
        let mut extra = Vec::new();
        undescribed(&doc, &automerge::ROOT, &shape(kind), "", &mut extra);
        assert!(extra.is_empty(), "{kind}: keys the schema does not describe: {extra:?}");
    }
}

/// Where a value sits: the object and key (or index) holding it, and its schema path.
struct Spot {
    obj: ObjId,
    prop: Prop,
    path: String,
}

/// Every value of the document, with its path as a schema error names it.
fn spots(doc: &AutoCommit, obj: &ObjId, path: &str, out: &mut Vec<Spot>) {
    let props: Vec<Prop> = match doc.object_type(obj).unwrap() {
        ObjType::List => (0..doc.length(obj)).map(Prop::Seq).collect(),
        ObjType::Map | ObjType::Table => doc.keys(obj).map(Prop::Map).collect(),
        ObjType::Text => return,
    };
    let free_keys = ["items"].iter().any(|k| path.ends_with(k));
    for p in props {
        let at = match &p {
            Prop::Seq(i) => format!("{path}[{i}]"),
            Prop::Map(k) if free_keys => format!("{path}[{k:?}]"),
            Prop::Map(k) if path.is_empty() => k.clone(),
            Prop::Map(k) => format!("{path}.{k}"),
        };
        if path.is_empty() && matches!(&p, Prop::Map(k) if k == schema::KIND_KEY || k == schema::VERSION_KEY) {
            continue;
        }
        if let Some((Value::Object(t), child)) = doc.get(obj, p.clone()).unwrap() {
            if t != ObjType::Text {
                spots(doc, &child, &at, out);
            }
        }
        out.push(Spot { obj: obj.clone(), prop: p, path: at });
    }
}

/// Each kind of value a field can hold, and nothing.
#[derive(Debug, Clone, Copy)]
enum Put {
    Str,
    Int,
    Uint,
    F64,
    Bool,
    Null,
    Timestamp,
    Text,
    Map,
    List,
    Nothing,
}

const PUTS: [Put; 11] =
    [Put::Str, Put::Int, Put::Uint, Put::F64, Put::Bool, Put::Null, Put::Timestamp, Put::Text, Put::Map, Put::List, Put::Nothing];

fn put(doc: &mut AutoCommit, s: &Spot, what: Put) -> bool {
    let r = match what {
        Put::Str => doc.put(&s.obj, s.prop.clone(), ScalarValue::Str("見本".into())),
        Put::Int => doc.put(&s.obj, s.prop.clone(), ScalarValue::Int(7)),
        Put::Uint => doc.put(&s.obj, s.prop.clone(), ScalarValue::Uint(7)),
        Put::F64 => doc.put(&s.obj, s.prop.clone(), ScalarValue::F64(7.0)),
        Put::Bool => doc.put(&s.obj, s.prop.clone(), ScalarValue::Boolean(true)),
        Put::Null => doc.put(&s.obj, s.prop.clone(), ScalarValue::Null),
        Put::Timestamp => doc.put(&s.obj, s.prop.clone(), ScalarValue::Timestamp(7)),
        Put::Text => doc.put_object(&s.obj, s.prop.clone(), ObjType::Text).map(drop),
        Put::Map => doc.put_object(&s.obj, s.prop.clone(), ObjType::Map).map(drop),
        Put::List => doc.put_object(&s.obj, s.prop.clone(), ObjType::List).map(drop),
        Put::Nothing => match &s.prop {
            Prop::Map(_) => doc.delete(&s.obj, s.prop.clone()),
            Prop::Seq(_) => return false, // removing a list element leaves a shorter list
        },
    };
    r.unwrap();
    true
}

#[test]
fn every_kind_of_value_at_every_field_gets_the_same_verdict_from_the_schema_and_from_hydrate() {
    let mut refused = 0;
    for (kind, mut doc) in samples() {
        let mut all = Vec::new();
        spots(&doc, &automerge::ROOT, "", &mut all);
        for s in &all {
            for what in PUTS {
                let mut changed = doc.fork();
                if !put(&mut changed, s, what) {
                    continue;
                }
                let by_hydrate = hydrates(kind, &changed);
                let by_schema = schema::check(&changed, &shape(kind));
                assert_eq!(by_hydrate, by_schema.is_ok(), "{kind} {}: {what:?}: hydrate and schema disagree ({by_schema:?})", s.path);
                if let Err(m) = by_schema {
                    refused += 1;
                    assert!(
                        m.path == s.path || m.path.starts_with(&format!("{}.", s.path)),
                        "{kind}: {what:?} at {} reported at {}",
                        s.path,
                        m.path
                    );
                }
            }
        }
    }
    assert!(refused > 500, "the sample exercises many refusals ({refused})");
}

/// A visit's document with one change made on it directly, as another program would.
fn visit_doc_with(f: impl FnOnce(&mut AutoCommit, &ObjId)) -> (String, Vec<u8>) {
    let v = full_visit(confirmed());
    let id = v.id.to_string();
    let mut d = RecordDoc::create(v, ActorId::random());
    let doc = d.automerge();
    f(doc, &automerge::ROOT);
    doc.commit();
    (id, d.save())
}

fn obj(doc: &AutoCommit, at: &ObjId, prop: impl Into<Prop>) -> ObjId {
    match doc.get(at, prop.into()).unwrap() {
        Some((Value::Object(_), id)) => id,
        other => panic!("not an object: {other:?}"),
    }
}

fn schema_error(id: &str, bytes: &[u8]) -> String {
    match RecordDoc::<Visit>::load(id, bytes, ActorId::random()) {
        Err(DocError::Schema { reason, .. }) => reason,
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn the_mistakes_another_program_makes_are_named_by_field_path_and_expected_type() {
    let (id, bytes) = visit_doc_with(|d, root| {
        let vitals = obj(d, root, "vitals");
        let first = obj(d, &vitals, 0usize);
        d.put(&first, "pulse", ScalarValue::Int(110)).unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), "vitals[0].pulse: expected null or uint, found int");

    let (id, bytes) = visit_doc_with(|d, root| {
        let vitals = obj(d, root, "vitals");
        let first = obj(d, &vitals, 0usize);
        d.put(&first, "temperature_c", ScalarValue::Int(37)).unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), "vitals[0].temperature_c: expected null or f64, found int");

    let (id, bytes) = visit_doc_with(|d, root| {
        let t = d.put_object(root, "place", ObjType::Text).unwrap();
        d.splice_text(&t, 0, 0, "学校").unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), "place: expected str, found text");

    let (id, bytes) = visit_doc_with(|d, root| d.delete(root, "guardian").unwrap());
    assert_eq!(schema_error(&id, &bytes), "guardian: expected null or map, found nothing");

    let (id, bytes) = visit_doc_with(|d, root| d.put(root, "kind", "walk").unwrap());
    assert_eq!(schema_error(&id, &bytes), r#"kind: expected one of nursing, respite, handover, daytime, found "walk""#);

    let (id, bytes) = visit_doc_with(|d, root| d.put(root, "actual_end", "2026-05-01 25:00").unwrap());
    assert_eq!(schema_error(&id, &bytes), r#"actual_end: expected str in the form YYYY-MM-DDTHH:MM, found "2026-05-01 25:00""#);

    let (id, bytes) = visit_doc_with(|d, root| {
        let note = obj(d, root, "note");
        d.put(&note, "plan", "書き換え").unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), "note.plan: expected text, found str");

    let (id, bytes) = visit_doc_with(|d, root| {
        let checklist = obj(d, root, "checklist");
        let items = obj(d, &checklist, "items");
        let pump = obj(d, &items, "pump");
        d.put(&pump, "status", "OK").unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), r#"checklist.items["pump"].status: expected one of ok, problem, absent, found "OK""#);

    let (id, bytes) = visit_doc_with(|d, root| {
        let care = obj(d, root, "care");
        let first = obj(d, &care, 0usize);
        d.put(&first, "count", ScalarValue::Uint(u64::from(u32::MAX) + 1)).unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), "care[0].count: expected uint up to 4294967295, found 4294967296");

    let (id, bytes) = visit_doc_with(|d, root| {
        let guardian = obj(d, root, "guardian");
        d.put(&guardian, "kind", "maybe").unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), r#"guardian.kind: expected one of confirmed, not_confirmed, found "maybe""#);

    let (id, bytes) = visit_doc_with(|d, root| {
        let handover = obj(d, root, "handover");
        d.put(&handover, "to_sign_off", ScalarValue::Uint(1)).unwrap();
    });
    assert_eq!(schema_error(&id, &bytes), "handover.to_sign_off: expected null or map, found uint");
}

#[test]
fn the_index_view_names_the_field_too() {
    let (id, bytes) = visit_doc_with(|d, root| {
        let staff = obj(d, root, "staff");
        let first = obj(d, &staff, 0usize);
        d.put(&first, "role", ScalarValue::Int(1)).unwrap();
    });
    match load_visit_index(&id, &bytes) {
        Err(DocError::Schema { reason, .. }) => assert_eq!(reason, "staff[0].role: expected one of lead, accompanying, found int"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_document_says_its_kind_and_schema_version() {
    for (kind, doc) in samples() {
        assert_eq!(
            doc.get(automerge::ROOT, schema::KIND_KEY).unwrap().unwrap().0,
            Value::Scalar(std::borrow::Cow::Owned(kind.name().into()))
        );
        assert_eq!(
            doc.get(automerge::ROOT, schema::VERSION_KEY).unwrap().unwrap().0,
            Value::Scalar(std::borrow::Cow::Owned(ScalarValue::Uint(5)))
        );
    }
    assert_eq!(schema::SCHEMA_VERSION, 5);
}

#[test]
fn a_document_of_a_newer_schema_version_is_reported_as_such_not_as_corrupt() {
    let (id, bytes) = visit_doc_with(|d, root| d.put(root, schema::VERSION_KEY, ScalarValue::Uint(6)).unwrap());
    let err = RecordDoc::<Visit>::load(&id, &bytes, ActorId::random()).unwrap_err();
    assert_eq!(err, DocError::TooNew { kind: RecordKind::Visit, id: id.clone(), version: 6, known: 5 });
    assert_eq!(err.code(), "schema_too_new");
    assert!(err.to_string().contains("update the app") && err.to_string().contains("アプリを更新してください"), "{err}");
    assert!(matches!(load_visit_index(&id, &bytes), Err(DocError::TooNew { version: 6, .. })));

    // A newer version is refused even when its fields would hydrate: its meaning may differ.
    let (id, bytes) = visit_doc_with(|d, root| d.put(root, schema::VERSION_KEY, ScalarValue::Uint(2)).unwrap());
    assert!(RecordDoc::<Visit>::load(&id, &bytes, ActorId::random()).is_ok());
}

#[test]
fn a_wrong_kind_or_version_type_at_the_root_is_a_schema_error_naming_the_key() {
    let (id, bytes) = visit_doc_with(|d, root| d.put(root, schema::KIND_KEY, "child").unwrap());
    assert_eq!(schema_error(&id, &bytes), r#"record_kind: expected "visit", found "child""#);
    let (id, bytes) = visit_doc_with(|d, root| d.put(root, schema::VERSION_KEY, ScalarValue::Int(2)).unwrap());
    assert_eq!(schema_error(&id, &bytes), "schema_version: expected uint, found int");
}

const V1_CHILD: &[u8] = include_bytes!("data/v1-child.automerge");
const V1_CONFIRMED: &[u8] = include_bytes!("data/v1-visit-confirmed.automerge");
const V1_NOT_CONFIRMED: &[u8] = include_bytes!("data/v1-visit-not-confirmed.automerge");
const V1_CHILD_ID: &str = "7d0c6c1e-2f4b-4c55-9c1a-3e2b8f0a1d01";
const V1_CONFIRMED_ID: &str = "5a1f3b2c-8d4e-4f60-9b7a-1c2d3e4f5a60";
const V1_NOT_CONFIRMED_ID: &str = "5a1f3b2c-8d4e-4f60-9b7a-1c2d3e4f5a61";

fn map_keys(doc: &AutoCommit, at: &ObjId) -> Vec<String> {
    doc.keys(at).collect()
}

#[test]
fn documents_written_before_the_version_was_kept_are_version_1_and_load() {
    for (id, bytes) in [(V1_CONFIRMED_ID, V1_CONFIRMED), (V1_NOT_CONFIRMED_ID, V1_NOT_CONFIRMED)] {
        let doc = AutoCommit::load(bytes).unwrap();
        assert_eq!(document::schema_version(&doc, RecordKind::Visit, id), Ok(1));
        let guardian = obj(&doc, &automerge::ROOT, "guardian");
        assert!(!map_keys(&doc, &guardian).contains(&"kind".to_string()), "the old bytes hold the old shape");
        assert_eq!(schema::check(&doc, &Visit::shape()), Ok(()));
    }
    let v = RecordDoc::<Visit>::load(V1_CONFIRMED_ID, V1_CONFIRMED, ActorId::random()).unwrap();
    assert_eq!(
        v.value().guardian,
        Some(GuardianConfirmation::Confirmed {
            name: "見本 母".into(),
            at: "2026-05-01T12:05".parse().unwrap(),
            signature: "M 1 2 L 3 4".into()
        })
    );
    assert_eq!(v.value().vitals[0].pulse, Some(110));
    let v = RecordDoc::<Visit>::load(V1_NOT_CONFIRMED_ID, V1_NOT_CONFIRMED, ActorId::random()).unwrap();
    assert_eq!(v.value().guardian, Some(GuardianConfirmation::NotConfirmed { reason: "不在（架空）".into() }));
    let c = RecordDoc::<Child>::load(V1_CHILD_ID, V1_CHILD, ActorId::random()).unwrap();
    assert_eq!(c.value().name, "見本 花子");
}

#[test]
fn the_next_change_to_a_version_1_document_writes_the_current_version_and_the_one_guardian_shape() {
    let mut d = RecordDoc::<Visit>::load(V1_CONFIRMED_ID, V1_CONFIRMED, ActorId::random()).unwrap();
    d.change(|v| v.place = "学校".into());
    let bytes = d.save();
    let doc = AutoCommit::load(&bytes).unwrap();
    assert_eq!(document::schema_version(&doc, RecordKind::Visit, V1_CONFIRMED_ID), Ok(schema::SCHEMA_VERSION));
    let guardian = obj(&doc, &automerge::ROOT, "guardian");
    let mut keys = map_keys(&doc, &guardian);
    keys.sort();
    assert_eq!(keys, ["at", "kind", "name", "signature"]);
    let kind: String = autosurgeon::hydrate_prop(&doc, &guardian, "kind").unwrap();
    assert_eq!(kind, "confirmed");
    let back = RecordDoc::<Visit>::load(V1_CONFIRMED_ID, &bytes, ActorId::random()).unwrap();
    assert_eq!(back.value().guardian, d.value().guardian);
    assert_eq!(back.value().place, "学校");

    // Switching variant leaves only the new variant's keys.
    d.change(|v| v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "見本".into() }));
    let doc = AutoCommit::load(&d.save()).unwrap();
    let guardian = obj(&doc, &automerge::ROOT, "guardian");
    let mut keys = map_keys(&doc, &guardian);
    keys.sort();
    assert_eq!(keys, ["kind", "reason"]);
}

const V2_CHILD: &[u8] = include_bytes!("data/v2-child.automerge");
const V2_CHILD_ID: &str = "3c9e1f20-6a4b-4d7e-8f10-2b3c4d5e6f02";

#[test]
fn a_version_2_face_sheet_without_the_sharing_key_loads_as_not_shared() {
    let doc = AutoCommit::load(V2_CHILD).unwrap();
    assert_eq!(document::schema_version(&doc, RecordKind::Child, V2_CHILD_ID), Ok(2));
    assert!(!map_keys(&doc, &automerge::ROOT).contains(&"sharing".to_string()), "the old bytes have no sharing key");
    assert_eq!(schema::check(&doc, &Child::shape()), Ok(()), "the schema accepts the absent key, as hydrate does");
    assert!(hydrate::<_, Child>(&doc).is_ok());
    let c = RecordDoc::<Child>::load(V2_CHILD_ID, V2_CHILD, ActorId::random()).unwrap();
    assert_eq!((c.value().name.as_str(), &c.value().sharing), ("見本 花子", &None));
    let v1 = RecordDoc::<Child>::load(V1_CHILD_ID, V1_CHILD, ActorId::random()).unwrap();
    assert_eq!(v1.value().sharing, None);
}

#[test]
fn the_next_change_to_a_version_2_face_sheet_writes_the_current_version_with_the_newer_keys() {
    let mut d = RecordDoc::<Child>::load(V2_CHILD_ID, V2_CHILD, ActorId::random()).unwrap();
    d.change(|c| c.diagnosis = "架空の診断名（更新）".into());
    let doc = AutoCommit::load(&d.save()).unwrap();
    assert_eq!(document::schema_version(&doc, RecordKind::Child, V2_CHILD_ID), Ok(5));
    assert_eq!(
        doc.get(automerge::ROOT, "sharing").unwrap().map(|(v, _)| v),
        Some(Value::Scalar(std::borrow::Cow::Owned(ScalarValue::Null)))
    );
    // Version 4's lists are written, empty.
    for key in ["income_tier_changes", "past_instructions"] {
        assert!(map_keys(&doc, &automerge::ROOT).contains(&key.to_string()), "{key}");
    }

    let consent = SharingConsent {
        by: "見本 母".into(),
        given_on: "2026-04-10".parse().unwrap(),
        scope: SharingScope::RespiteRecords,
        until: "2027-03-31".parse().unwrap(),
        withdrawn_on: None,
    };
    let mut d = RecordDoc::<Child>::load(V2_CHILD_ID, V2_CHILD, ActorId::random()).unwrap();
    d.change(|c| c.sharing = Some(consent.clone()));
    let bytes = d.save();
    let back = RecordDoc::<Child>::load(V2_CHILD_ID, &bytes, ActorId::random()).unwrap();
    assert_eq!(back.value().sharing, Some(consent));
    // An old copy merges with the upgraded one and takes the consent.
    let mut old = RecordDoc::<Child>::load(V2_CHILD_ID, V2_CHILD, ActorId::random()).unwrap();
    old.merge_bytes(&bytes).unwrap();
    assert_eq!(old.value().sharing.as_ref().map(|s| s.by.as_str()), Some("見本 母"));
}

#[test]
fn a_version_1_copy_merges_with_an_upgraded_one() {
    let mut new = RecordDoc::<Visit>::load(V1_NOT_CONFIRMED_ID, V1_NOT_CONFIRMED, ActorId::random()).unwrap();
    new.change(|v| v.guardian = Some(GuardianConfirmation::NotConfirmed { reason: "就寝中（架空）".into() }));
    let mut old = RecordDoc::<Visit>::load(V1_NOT_CONFIRMED_ID, V1_NOT_CONFIRMED, ActorId::random()).unwrap();
    old.merge_bytes(&new.save()).unwrap();
    assert_eq!(old.value().guardian, Some(GuardianConfirmation::NotConfirmed { reason: "就寝中（架空）".into() }));
}

#[test]
fn the_guardian_confirmation_has_one_shape_in_the_document_and_in_json() {
    for g in [confirmed(), not_confirmed()] {
        let v = full_visit(g.clone());
        let doc = AutoCommit::load(&RecordDoc::create(v, ActorId::random()).save()).unwrap();
        let guardian = obj(&doc, &automerge::ROOT, "guardian");
        let mut in_doc = map_keys(&doc, &guardian);
        in_doc.sort();
        let json = serde_json::to_value(&g).unwrap();
        let mut in_json: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        in_json.sort();
        assert_eq!(in_doc, in_json);
        let kind: String = autosurgeon::hydrate_prop(&doc, &guardian, "kind").unwrap();
        assert_eq!(serde_json::Value::String(kind), json["kind"]);
    }
}

#[test]
fn enums_are_stored_by_the_same_names_json_uses() {
    // Every labelled enum is a str in the document, its name the JSON string.
    let v = full_visit(confirmed());
    let doc = AutoCommit::load(&RecordDoc::create(v.clone(), ActorId::random()).save()).unwrap();
    let json = serde_json::to_value(&v).unwrap();
    for key in ["kind", "outcome", "status"] {
        let stored: String = autosurgeon::hydrate_prop(&doc, &automerge::ROOT, key).unwrap();
        assert_eq!(serde_json::Value::String(stored), json[key], "{key}");
    }
    let staff = obj(&doc, &automerge::ROOT, "staff");
    let first = obj(&doc, &staff, 0usize);
    let role: String = autosurgeon::hydrate_prop(&doc, &first, "role").unwrap();
    assert_eq!(serde_json::Value::String(role), json["staff"][0]["role"]);
}

#[test]
fn changes_carry_the_time_they_were_made_and_a_short_message() {
    let v = full_visit(confirmed());
    let mut d = RecordDoc::create_at(v, ActorId::random(), 1_777_600_000);
    d.at(1_777_600_060).change(|v| v.place = "学校".into());
    let changes = d.automerge().get_changes(&[]);
    let stamps: Vec<(i64, Option<&str>)> = changes.iter().map(|c| (c.timestamp(), c.message())).collect();
    assert_eq!(stamps, [(1_777_600_000, Some("create visit")), (1_777_600_060, Some("edit visit"))]);

    // The time given stays for later changes, through a merge too.
    let mut other = RecordDoc::<Visit>::load(&d.value().id.to_string(), &d.save(), ActorId::random()).unwrap();
    other.change(|v| v.note.plan.update("見本"));
    d.merge(&mut other).unwrap();
    d.change(|v| v.place = "病院".into());
    let last = d.automerge().get_last_local_change().unwrap().timestamp();
    assert_eq!(last, 1_777_600_060);
}

#[test]
fn a_loaded_record_stamps_its_changes_with_time_0_until_told() {
    let v = full_visit(confirmed());
    let id = v.id.to_string();
    let bytes = RecordDoc::create_at(v, ActorId::random(), 1_777_600_000).save();
    let mut d = RecordDoc::<Visit>::load(&id, &bytes, ActorId::random()).unwrap();
    d.change(|v| v.place = "学校".into());
    assert_eq!(d.automerge().get_last_local_change().unwrap().timestamp(), 0);
}

/// The published schema under `docs/schema/`, generated from the types.
#[test]
fn the_published_schema_under_docs_schema_is_up_to_date() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema");
    let json = serde_json::to_string_pretty(&schema::published()).unwrap() + "\n";
    let md = schema::markdown();
    let files = [("schema.json", json), ("schema.md", md)];
    if std::env::var_os("CAREBOOK_WRITE_SCHEMA").is_some() {
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in &files {
            std::fs::write(format!("{dir}/{name}"), text).unwrap();
        }
    }
    for (name, text) in &files {
        let committed = std::fs::read_to_string(format!("{dir}/{name}")).unwrap_or_default();
        assert!(
            committed == *text,
            "docs/schema/{name} is stale: regenerate it with `CAREBOOK_WRITE_SCHEMA=1 cargo test -p carebook-domain --test schema` and commit it"
        );
    }
}

#[test]
fn the_published_schema_names_every_field_with_its_type() {
    let p = schema::published();
    let visit = &p.records["visit"];
    let row = |path: &str| visit.iter().find(|r| r.path == path).unwrap_or_else(|| panic!("{path} missing"));
    assert_eq!((row("vitals[].pulse").automerge_type, row("vitals[].pulse").nullable), ("uint", true));
    assert_eq!(row("vitals[].temperature_c").automerge_type, "f64");
    assert_eq!(row("vitals").key, Some("id"));
    assert_eq!((row("place").automerge_type, row("place").nullable), ("str", false));
    assert_eq!(row("note.subjective").automerge_type, "text");
    assert_eq!((row("guardian").automerge_type, row("guardian").nullable), ("map", true));
    assert_eq!(row("guardian.kind").values, ["confirmed", "not_confirmed"]);
    assert_eq!(row("guardian.reason").when.as_deref(), Some("kind = not_confirmed"));
    assert_eq!(row("kind").values, ["nursing", "respite", "handover", "daytime"]);
    assert_eq!(row("checklist.items[key].status").values, ["ok", "problem", "absent"]);
    assert_eq!(row("actual_start").format, Some("datetime"));
    assert_eq!(p.records["child"].iter().find(|r| r.path == "id").unwrap().format, Some("uuid"));
    let child = |path: &str| p.records["child"].iter().find(|r| r.path == path).unwrap_or_else(|| panic!("{path} missing")).clone();
    assert_eq!((child("sharing").nullable, child("sharing").since), (true, Some(3)));
    assert_eq!((child("sharing.until").format, child("sharing.until").since), (Some("date"), None));
    assert_eq!(child("sharing.scope").values, ["respite_records"]);
    assert_eq!(child("name").since, None);
}
