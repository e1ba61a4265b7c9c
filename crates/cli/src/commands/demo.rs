//! `carebook demo`: seeds obviously fictional demo data (見本 names, 架空 stations) for the
//! current fiscal year, once. A data directory that already has children is left as it is.

use std::collections::BTreeMap;

use carebook_core::{clock, Carebook};
use carebook_domain::{
    CareGiven, CareItem, CheckEntry, CheckStatus, Checklist, Child, ChildId, Contact, Date, DateTime, DoctorInstruction,
    GuardianConfirmation, Handover, HandoverTopic, IncomeTier, Profession, ScoreEntry, SignOff, StaffMember, StaffRole, Station, TimeOfDay,
    Visit, VisitKind, VisitStatus, VitalReading, Watch,
};

use crate::output::{hours, municipality, print_json, respite_json};
use crate::Env;

const STATION_ID: &str = "demo-st1";
const STATION_NAME: &str = "架空訪問看護ステーション";
const OTHER_STATION_ID: &str = "demo-st2";
const OTHER_STATION_NAME: &str = "架空みらい訪問看護ステーション";

fn station() -> Station {
    Station { id: STATION_ID.into(), name: STATION_NAME.into() }
}

fn nurse(id: &str, name: &str, role: StaffRole, station_id: &str) -> StaffMember {
    StaffMember { id: id.into(), name: name.into(), profession: Profession::Nurse, role, station_id: station_id.into() }
}

fn at(date: Date, h: u8, m: u8) -> DateTime {
    DateTime::new(date, TimeOfDay::new(h, m).expect("a valid time"))
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn days_after(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

/// The `i`-th of `n` days spread evenly from `first` up to (not including) `today`.
fn spread(first: Date, today: Date, n: usize, i: usize) -> Date {
    let span = (today.days_since_epoch() - first.days_since_epoch()).max(0);
    days_after(first, span * i as i64 / n as i64)
}

pub async fn run(env: &Env) -> anyhow::Result<()> {
    let app = env.open().await?;
    let seeded = app.children().await?.is_empty();
    if seeded {
        seed(&app).await?;
    }
    let mut reports = vec![];
    for c in app.children().await? {
        reports.push(app.respite_remaining(c.id, None).await?);
    }
    if env.json {
        let children = reports.iter().map(respite_json).collect::<anyhow::Result<Vec<_>>>()?;
        return print_json(&serde_json::json!({ "seeded": seeded, "children": children }));
    }
    if seeded {
        out!("架空の見本データを入れました / fictional demo data seeded");
    } else {
        out!("児童が登録済みのため見本データは追加しません / this data directory already has children: nothing seeded");
    }
    for r in &reports {
        let l = &r.ledger;
        let over = if l.is_over_cap() { "  ⚠ 上限超過 over cap" } else { "" };
        out!(
            "{}（{}） {} ({}) 残り時間 remaining: {} / 上限 cap {}（{}回 sessions）{over}  {}",
            r.child_name,
            municipality(&r.municipality, &r.municipality_name),
            r.fiscal_year_label,
            l.fiscal_year.english_label(),
            hours(l.remaining_minutes),
            hours(l.cap_minutes.into()),
            l.sessions.len(),
            r.child_id
        );
    }
    Ok(())
}

async fn seed(app: &Carebook) -> anyhow::Result<()> {
    let today = clock::today_jst();
    let fy = today.fiscal_year();
    let first = fy.first_day();
    // The handover's two nurses: the stations' first nurses in the directory when the device
    // has synced one (so the office can transfer the child after it), else placeholders.
    let directory = app.directory().await?;
    let first_nurse = |station: &str, id: &str, name: &str| {
        directory
            .people
            .iter()
            .find(|p| p.org_id == station && p.role == carebook_domain::Role::Nurse)
            .map_or((id.to_string(), name.to_string()), |p| (p.id.clone(), p.name.clone()))
    };
    let (n1, n1_name) = first_nurse(STATION_ID, "demo-n1", "架空 看護師A");
    let (m1, m1_name) = first_nurse(OTHER_STATION_ID, "demo-m1", "架空 看護師B");

    let hana = app
        .add_child(Child {
            id: ChildId::random(),
            name: "見本 はな".into(),
            kana: "みほん はな".into(),
            birth_date: "2019-06-01".parse()?,
            municipality: "13105".into(),
            income_tier: IncomeTier::TaxExempt,
            respite_enrolled_on: None,
            diagnosis: "（架空）見本のための診断名".into(),
            guardians: vec![Contact { name: "見本 母".into(), relation: "母".into(), phone: "000-0000-0000".into() }],
            devices: vec!["人工呼吸器".into(), "吸引器".into(), "経腸栄養ポンプ".into()],
            score: vec![
                ScoreEntry { item: CareItem::Ventilator, watch: Watch::High },
                ScoreEntry { item: CareItem::Suction, watch: Watch::High },
                ScoreEntry { item: CareItem::TubeFeeding, watch: Watch::None },
            ],
            // Expiring soon, so `child show` shows the warning.
            doctor_instruction: Some(DoctorInstruction {
                doctor: "架空 医師".into(),
                institution: "架空こども病院".into(),
                valid_from: first.min(today),
                valid_until: days_after(today, 10),
            }),
            emergency_contacts: vec![Contact {
                name: "架空こども病院".into(), relation: "主治医".into(), phone: "000-0000-0001".into()
            }],
            sharing: None,
            income_tier_changes: vec![],
            past_instructions: vec![],
        })
        .await?;
    let sora = app
        .add_child(Child {
            id: ChildId::random(),
            name: "見本 そら".into(),
            kana: "みほん そら".into(),
            birth_date: "2021-02-14".parse()?,
            municipality: "13103".into(),
            income_tier: IncomeTier::PublicAssistance,
            respite_enrolled_on: None,
            diagnosis: "（架空）見本のための診断名".into(),
            guardians: vec![Contact { name: "見本 父".into(), relation: "父".into(), phone: "000-0000-0002".into() }],
            devices: vec!["酸素濃縮器".into(), "吸引器".into()],
            score: vec![
                ScoreEntry { item: CareItem::Oxygen, watch: Watch::High },
                ScoreEntry { item: CareItem::Suction, watch: Watch::None },
            ],
            doctor_instruction: Some(DoctorInstruction {
                doctor: "架空 医師".into(),
                institution: "架空クリニック".into(),
                valid_from: first,
                valid_until: fy.last_day(),
            }),
            emergency_contacts: vec![Contact {
                name: "架空クリニック".into(), relation: "主治医".into(), phone: "000-0000-0003".into()
            }],
            sharing: None,
            income_tier_changes: vec![],
            past_instructions: vec![],
        })
        .await?;

    // A fiscal year's worth of respite so far: 2–4 h each, in half-hour units.
    const STARTS: [(u8, u8); 4] = [(9, 0), (13, 0), (9, 30), (14, 0)];
    const LENGTHS: [u16; 5] = [180, 120, 240, 150, 210];
    for (child, guardian, n) in [(&hana, "見本 母", 20), (&sora, "見本 父", 6)] {
        for i in 0..n {
            let day = spread(first, today, n, i);
            let (h, m) = STARTS[i % STARTS.len()];
            let start = at(day, h, m);
            let end_of_day = u16::from(h) * 60 + u16::from(m) + LENGTHS[i % LENGTHS.len()];
            let end = at(day, (end_of_day / 60) as u8, (end_of_day % 60) as u8);
            let mut v = Visit::new(child.id, VisitKind::Respite, station());
            v.actual_start = Some(start);
            v.actual_end = Some(end);
            v.staff.push(nurse("demo-n2", "架空 看護師C", StaffRole::Lead, STATION_ID));
            v.note.objective = "（架空）体調安定".to_string().into();
            v.guardian = Some(GuardianConfirmation::Confirmed { name: guardian.into(), at: end, signature: String::new() });
            let past_month = day.year_month() < today.year_month();
            record(app, v, if past_month { VisitStatus::Approved } else { VisitStatus::Submitted }).await?;
        }
    }

    // A nursing visit with vitals, care given and the home device check.
    let day = spread(first, today, 10, 9);
    let mut v = Visit::new(hana.id, VisitKind::Nursing, station());
    v.actual_start = Some(at(day, 18, 30));
    v.actual_end = Some(at(day, 20, 0));
    v.staff.push(nurse("demo-n1", "架空 看護師A", StaffRole::Lead, STATION_ID));
    v.vitals = vec![
        VitalReading {
            id: id(),
            at: Some(at(day, 18, 35)),
            respiration: Some(28),
            pulse: Some(112),
            temperature_c: Some(36.8),
            spo2: Some(97),
            bp_systolic: Some(98),
            bp_diastolic: Some(58),
        },
        VitalReading {
            id: id(),
            at: Some(at(day, 19, 45)),
            respiration: Some(30),
            pulse: Some(118),
            temperature_c: Some(36.9),
            spo2: Some(96),
            ..Default::default()
        },
    ];
    v.care = vec![
        CareGiven {
            id: id(),
            item: CareItem::Suction,
            count: Some(6),
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "白色・少量".into(),
        },
        CareGiven {
            id: id(),
            item: CareItem::TubeFeeding,
            count: None,
            amount_ml: Some(200),
            rate_ml_per_h: Some(100),
            oxygen_l_per_min: None,
            note: String::new(),
        },
        CareGiven {
            id: id(),
            item: CareItem::Ventilator,
            count: None,
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "設定変更なし・アラームなし".into(),
        },
    ];
    v.note.subjective = "（架空）昨夜はよく眠れていたと母より".to_string().into();
    v.note.objective = "（架空）呼吸音左右差なし、分泌物少量".to_string().into();
    v.note.assessment = "（架空）状態安定".to_string().into();
    v.note.plan = "（架空）次回も同様に観察".to_string().into();
    let mut items = BTreeMap::new();
    for (item, status, note) in [
        ("ventilator", CheckStatus::Ok, ""),
        ("ventilator_battery", CheckStatus::Ok, ""),
        ("suction_unit", CheckStatus::Ok, ""),
        ("feeding_pump", CheckStatus::Problem, "（架空）チューブの交換時期"),
        ("oxygen", CheckStatus::Absent, ""),
        ("emergency_contacts", CheckStatus::Ok, ""),
    ] {
        items.insert(item.to_string(), CheckEntry { status, note: note.into() });
    }
    v.checklist = Checklist { template_id: "home_devices".into(), items };
    v.guardian = Some(GuardianConfirmation::Confirmed { name: "見本 母".into(), at: at(day, 20, 0), signature: String::new() });
    record(app, v, VisitStatus::Submitted).await?;

    // An accompanied handover visit with both stations' sign-offs.
    let day = spread(first, today, 10, 8);
    let end = at(day, 11, 30);
    let mut v = Visit::new(sora.id, VisitKind::Handover, station());
    v.actual_start = Some(at(day, 10, 0));
    v.actual_end = Some(end);
    v.staff = vec![nurse(&n1, &n1_name, StaffRole::Lead, STATION_ID), nurse(&m1, &m1_name, StaffRole::Accompanying, OTHER_STATION_ID)];
    v.handover = Some(Handover {
        from_station: station(),
        to_station: Station { id: OTHER_STATION_ID.into(), name: OTHER_STATION_NAME.into() },
        topics: vec![
            HandoverTopic { id: id(), topic: "吸引の手順".into(), detail: "（架空）口腔・鼻腔の順に".into() },
            HandoverTopic { id: id(), topic: "抱っこの仕方".into(), detail: "（架空）酸素チューブに注意".into() },
            HandoverTopic { id: id(), topic: "緊急時対応".into(), detail: String::new() },
        ],
        from_sign_off: Some(SignOff { staff_id: n1.clone(), name: n1_name.clone(), at: end }),
        to_sign_off: Some(SignOff { staff_id: m1.clone(), name: m1_name.clone(), at: end }),
    });
    v.guardian = Some(GuardianConfirmation::Confirmed { name: "見本 父".into(), at: end, signature: String::new() });
    record(app, v, VisitStatus::Submitted).await?;

    // The nurse's plan: visits planned for today and the next days (drafts with only a planned
    // start), so that the app opens on a day's work.
    for (kind, day, h, m) in [
        (VisitKind::Nursing, today, 10, 0),
        (VisitKind::Respite, days_after(today, 1), 13, 0),
        (VisitKind::Nursing, days_after(today, 3), 10, 0),
    ] {
        let mut v = Visit::new(hana.id, kind, station());
        v.scheduled_start = Some(at(day, h, m));
        v.staff.push(nurse(&n1, &n1_name, StaffRole::Lead, STATION_ID));
        app.record_visit(v).await?;
    }
    Ok(())
}

/// Records a visit and moves it on to `status`.
async fn record(app: &Carebook, v: Visit, status: VisitStatus) -> anyhow::Result<()> {
    let summary = app.record_visit(v).await?;
    app.set_visit_status(summary.id, VisitStatus::Submitted).await?;
    if status == VisitStatus::Approved {
        app.set_visit_status(summary.id, VisitStatus::Approved).await?;
    }
    Ok(())
}
