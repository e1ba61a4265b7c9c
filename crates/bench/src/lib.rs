//! Device-side benchmarks for Carebook: a realistic visit builder (fictional data: 見本, 架空),
//! stores seeded with 1k–100k visits through the real store code and cached under the target
//! directory, and helpers shared by the criterion benches (`benches/device.rs`) and the
//! `doc-size` binary.
//!
//! Seeded stores are written only through [`carebook_core`]'s public API: children with
//! `Carebook::add_child`, visits as `RecordDoc::create` + `Store::save` (document and index row in
//! one transaction each, the real `Indexed` code). Documents are built on worker threads while one
//! writer saves them, so a 100k store takes about 80 s to seed the first time (2 cores).
#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use carebook_core::{Carebook, CoreError};
use carebook_domain::{
    CareGiven, CareItem, CheckEntry, CheckStatus, Checklist, Child, ChildId, Contact, Date, DateTime, DoctorInstruction, FiscalYear,
    GuardianConfirmation, IncomeTier, Outcome, Profession, RecordDoc, ScoreEntry, SoapNote, StaffMember, StaffRole, Station, TimeOfDay,
    Visit, VisitKind, VisitStatus, VitalReading, Watch, YearMonth,
};

/// Children in a seeded store.
pub const CHILDREN: usize = 200;

/// First day of the seeded period (FY2025); visits spread over two fiscal years.
pub const FIRST_DAY: (i32, u8, u8) = (2025, 4, 1);

/// Days in the seeded period: FY2025 and FY2026.
pub const DAYS: i64 = 730;

/// Bump when the seeded content changes, so cached stores are rebuilt.
pub const SEED_VERSION: u32 = 1;

/// Municipalities of the seeded children: the built-in ones and two on the Tokyo default.
pub const MUNICIPALITIES: &[&str] = &["13105", "13103", "13121", "13104", "13110"];

/// The runtime the CLI uses: multi-threaded, one worker per core, driven by `block_on` (sqlx runs
/// each SQLite connection on a thread of its own).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

/// The fictional station of every benchmark record.
pub fn station() -> Station {
    Station { id: "st-kakuu-bench".into(), name: "架空訪問看護ステーション（ベンチ）".into() }
}

fn member(id: &str, name: &str, profession: Profession, role: StaffRole) -> StaffMember {
    StaffMember { id: id.into(), name: name.into(), profession, role, station_id: station().id }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `start` plus `minutes`.
pub fn add_minutes(start: DateTime, minutes: i64) -> DateTime {
    let total = start.minutes_since_epoch() + minutes;
    let (days, m) = (total.div_euclid(1440), total.rem_euclid(1440));
    DateTime::new(Date::from_days_since_epoch(days), TimeOfDay::new((m / 60) as u8, (m % 60) as u8).expect("a time of day"))
}

/// The SOAP note of the realistic visit: a few Japanese sentences, about 300 characters.
pub fn soap_note() -> SoapNote {
    SoapNote {
        subjective: "昨夜は痰が多く2回吸引で起きたが、明け方からはよく眠れていたとのこと。母より、週末に少し鼻水が出ていたと話あり。".into(),
        objective: "呼吸音は左右差なし、右下肺野で軽度の副雑音あり。SpO2は96〜98%で安定。痰は白色でやや粘稠、気管内吸引6回。人工呼吸器の設定変更なし、アラームなし。胃ろうより半固形栄養200mLを注入し、嘔吐なし。体位変換は2時間ごとに実施、皮膚トラブルなし。".into(),
        assessment: "軽度の上気道症状はあるが全身状態は安定している。痰の量と性状の変化に注意が必要。".into(),
        plan: "次回訪問時も呼吸音と痰の性状を観察する。発熱や酸素需要の増加があれば主治医へ報告するよう母と確認した。加湿の調整を継続する。吸引カテーテルの補充を次回までに確認する。".into(),
    }
}

/// The `home_devices` checklist with all 12 items filled, some with notes, one problem.
pub fn home_devices_checklist() -> Checklist {
    let entries: [(&str, CheckStatus, &str); 12] = [
        ("ventilator", CheckStatus::Ok, "設定・アラーム・回路とも指示どおり"),
        ("ventilator_battery", CheckStatus::Ok, "外部バッテリー満充電"),
        ("manual_resuscitator", CheckStatus::Ok, ""),
        ("suction_unit", CheckStatus::Problem, "吸引カテーテル残り10本、母へ補充を依頼"),
        ("feeding_pump", CheckStatus::Ok, ""),
        ("oxygen", CheckStatus::Ok, "ボンベ残量約半分、予備1本あり"),
        ("pulse_oximeter", CheckStatus::Ok, ""),
        ("cough_assist", CheckStatus::Absent, ""),
        ("nebulizer", CheckStatus::Ok, ""),
        ("spare_tracheostomy_tube", CheckStatus::Ok, "同サイズ1本・1サイズ小1本"),
        ("emergency_contacts", CheckStatus::Ok, ""),
        ("power_backup", CheckStatus::Ok, "発電機の動作確認済み"),
    ];
    Checklist {
        template_id: "home_devices".into(),
        items: entries
            .iter()
            .map(|(id, status, note)| (id.to_string(), CheckEntry { status: *status, note: note.to_string() }))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// The four care items of the realistic visit, each with a note.
pub fn care_items() -> Vec<CareGiven> {
    vec![
        CareGiven {
            id: uuid(),
            item: CareItem::Ventilator,
            count: None,
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "SIMV PC 18 cmH2O、PEEP 5、RR 20。設定変更なし、アラームなし。回路の結露を除去。".into(),
        },
        CareGiven {
            id: uuid(),
            item: CareItem::Suction,
            count: Some(6),
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: None,
            note: "気管内吸引6回、白色やや粘稠痰 中等量。口鼻腔吸引2回。".into(),
        },
        CareGiven {
            id: uuid(),
            item: CareItem::TubeFeeding,
            count: Some(1),
            amount_ml: Some(200),
            rate_ml_per_h: Some(100),
            oxygen_l_per_min: None,
            note: "胃ろうより半固形栄養200mL注入、注入前の胃残なし。".into(),
        },
        CareGiven {
            id: uuid(),
            item: CareItem::Oxygen,
            count: None,
            amount_ml: None,
            rate_ml_per_h: None,
            oxygen_l_per_min: Some(0.5),
            note: "酸素0.5L/分で継続、吸引後に一時1L/分へ増量し5分で戻した。".into(),
        },
    ]
}

/// Three sets of vital signs over the visit.
pub fn vital_readings(start: DateTime, end: DateTime) -> Vec<VitalReading> {
    let mid = add_minutes(start, start.minutes_until(end) / 2);
    [
        (add_minutes(start, 10), 24, 118, 36.8, 97, 96, 58),
        (mid, 26, 122, 37.0, 96, 98, 60),
        (add_minutes(end, -10), 22, 112, 36.9, 98, 94, 56),
    ]
    .into_iter()
    .map(|(at, respiration, pulse, temperature_c, spo2, sys, dia)| VitalReading {
        id: uuid(),
        at: Some(at),
        respiration: Some(respiration),
        pulse: Some(pulse),
        temperature_c: Some(temperature_c),
        spo2: Some(spo2),
        bp_systolic: Some(sys),
        bp_diastolic: Some(dia),
    })
    .collect()
}

/// A realistic visit as a nurse records it (a draft): `kind` from `start` for `minutes`, three
/// staff (lead nurse, accompanying nurse, care worker), three vital readings, four care items
/// with notes, the `home_devices` checklist fully filled and a SOAP note of about 300 characters.
pub fn realistic_visit(child: ChildId, kind: VisitKind, start: DateTime, minutes: i64) -> Visit {
    let end = add_minutes(start, minutes);
    let mut v = Visit::new(child, kind, station());
    v.scheduled_start = Some(start);
    v.scheduled_end = Some(end);
    v.actual_start = Some(start);
    v.actual_end = Some(end);
    v.staff = vec![
        member("n-0012", "架空 花子", Profession::Nurse, StaffRole::Lead),
        member("n-0031", "見本 由美", Profession::Nurse, StaffRole::Accompanying),
        member("c-0007", "架空 次郎", Profession::CareWorker, StaffRole::Accompanying),
    ];
    v.vitals = vital_readings(start, end);
    v.care = care_items();
    v.note = soap_note();
    v.checklist = home_devices_checklist();
    v
}

/// The realistic respite visit of the benchmarks: 3 hours on 2026-06-10 from 09:30.
pub fn realistic_respite(child: ChildId) -> Visit {
    realistic_visit(child, VisitKind::Respite, "2026-06-10T09:30".parse().expect("a date and time"), 180)
}

const KANA: &[char] = &[
    'あ', 'い', 'う', 'え', 'お', 'か', 'き', 'く', 'け', 'こ', 'さ', 'し', 'す', 'せ', 'そ', 'た', 'ち', 'つ', 'て', 'と', 'な', 'に',
    'ぬ', 'ね', 'の', 'は', 'ひ', 'ふ', 'へ', 'ほ', 'ま', 'み', 'む', 'め', 'も', 'や', 'ゆ', 'よ', 'ら', 'り', 'る', 'れ', 'ろ', 'わ',
];

/// The id of seeded child `i` (fixed, so every seeded store has the same children).
pub fn child_id(i: usize) -> ChildId {
    ChildId(uuid::Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0000 | (0xbe_u128 << 96) | i as u128))
}

/// Seeded child `i`: a fictional child on a ventilator, in one of [`MUNICIPALITIES`].
pub fn bench_child(i: usize) -> Child {
    let kana: String = [KANA[i % KANA.len()], KANA[(i / KANA.len()) % KANA.len()]].iter().collect();
    Child {
        id: child_id(i),
        name: format!("見本 児童{i:03}"),
        kana: format!("みほん {kana}"),
        birth_date: Date::new(2016 + (i % 8) as i32, 1 + (i % 12) as u8, 1 + (i % 28) as u8).expect("a date"),
        municipality: MUNICIPALITIES[i % MUNICIPALITIES.len()].into(),
        income_tier: IncomeTier::ALL[i % IncomeTier::ALL.len()],
        respite_enrolled_on: None,
        diagnosis: "（架空の診断名）".into(),
        guardians: vec![Contact { name: "見本 保護者".into(), relation: "母".into(), phone: "000-0000-0000".into() }],
        devices: vec!["人工呼吸器".into(), "吸引器".into(), "経腸栄養ポンプ".into()],
        score: vec![
            ScoreEntry { item: CareItem::Ventilator, watch: Watch::High },
            ScoreEntry { item: CareItem::Suction, watch: Watch::High },
            ScoreEntry { item: CareItem::TubeFeeding, watch: Watch::High },
        ],
        doctor_instruction: Some(DoctorInstruction {
            doctor: "架空 医師".into(),
            institution: "架空病院".into(),
            valid_from: "2026-04-01".parse().expect("a date"),
            valid_until: "2027-03-31".parse().expect("a date"),
        }),
        emergency_contacts: vec![],
        sharing: None,
        income_tier_changes: vec![],
        past_instructions: vec![],
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Seeded visit `k` of a store of `n`: child `k % 200`, spread evenly over FY2025–FY2026 (so at
/// 100k each child has 500 visits), about 30 % respite (2–4 h), 65 % nursing, 5 % daytime care;
/// 70 % approved, 20 % submitted, 10 % drafts; 4 % absent or cancelled; 5 % of respite visits
/// send two lead nurses. Every visit carries the full realistic content.
pub fn seeded_visit(k: usize, n: usize) -> Visit {
    let h = splitmix(k as u64);
    let child = k % CHILDREN;
    let per_child = n.div_ceil(CHILDREN) as i64;
    let j = (k / CHILDREN) as i64;
    let (y, m, d) = FIRST_DAY;
    let first = Date::new(y, m, d).expect("a date").days_since_epoch();
    let day = Date::from_days_since_epoch(first + (j * DAYS / per_child.max(1)).min(DAYS - 1));
    let (kind, minutes, hour) = match h % 100 {
        0..30 => (VisitKind::Respite, [120, 150, 180, 240][(h >> 8) as usize % 4], [9, 13][(h >> 12) as usize % 2]),
        30..95 => (VisitKind::Nursing, [60, 90][(h >> 8) as usize % 2], [9, 10, 11, 14, 15][(h >> 12) as usize % 5]),
        _ => (VisitKind::Daytime, 360, 9),
    };
    let start = DateTime::new(day, TimeOfDay::new(hour, if h >> 16 & 1 == 0 { 0 } else { 30 }).expect("a time"));
    let mut v = realistic_visit(child_id(child), kind, start, minutes);
    if kind == VisitKind::Respite && (h >> 20).is_multiple_of(20) {
        v.staff[1].role = StaffRole::Lead;
    }
    v.outcome = match (h >> 24) % 50 {
        0 => Outcome::Absent,
        1 => Outcome::Cancelled,
        _ => Outcome::Done,
    };
    v.status = match (h >> 32) % 10 {
        0 => VisitStatus::Draft,
        1 | 2 => VisitStatus::Submitted,
        _ => VisitStatus::Approved,
    };
    if v.status != VisitStatus::Draft {
        v.guardian =
            Some(GuardianConfirmation::Confirmed {
                name: "見本 保護者".into(), at: add_minutes(start, minutes), signature: String::new()
            });
    }
    v
}

/// The seeded fiscal year the benchmarks ask about.
pub const BENCH_FY: FiscalYear = FiscalYear(2026);

/// The municipality of the claim store: all its [`CHILDREN`] children live there (Bunkyo's
/// built-in settings: 288 hours a year, 30-minute units).
pub const CLAIM_MUNICIPALITY: &str = "13105";

/// Bump when the claim store's content changes, so the cached store is rebuilt.
pub const CLAIM_SEED_VERSION: u32 = 1;

/// Nursing visits per child and month in the claim store (weekly). They are not claimed, but
/// they are in the index the claim's queries search.
pub const CLAIM_NURSING_PER_MONTH: usize = 4;

/// The month the claim benchmarks claim: November 2026, the eighth month of FY2026.
pub fn claim_month() -> YearMonth {
    YearMonth { year: 2026, month: 11 }
}

/// Child `i` of the claim store: [`bench_child`] living in [`CLAIM_MUNICIPALITY`]. Every sixth
/// child's doctor's instruction was renewed on 1 November (an instruction fee on the claim).
pub fn claim_child(i: usize) -> Child {
    let mut c = bench_child(i);
    c.municipality = CLAIM_MUNICIPALITY.into();
    if i.is_multiple_of(6) {
        let old = c.doctor_instruction.take().expect("bench children have an instruction");
        c.past_instructions = vec![DoctorInstruction { valid_until: Date::new(2026, 10, 31).expect("a date"), ..old.clone() }];
        c.doctor_instruction = Some(DoctorInstruction { valid_from: Date::new(2026, 11, 1).expect("a date"), ..old });
    }
    c
}

/// One visit of the claim store, before it becomes a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedVisit {
    /// The child (index into the claim store's children).
    pub child: usize,
    /// Respite or nursing.
    pub kind: VisitKind,
    /// When it starts.
    pub start: DateTime,
    /// How long it lasts.
    pub minutes: i64,
    /// Submitted or approved.
    pub status: VisitStatus,
    /// Whether the guardian confirmed it (else: not confirmed, with a reason).
    pub confirmed: bool,
}

impl PlannedVisit {
    /// The realistic visit ([`realistic_visit`]) this plan describes.
    pub fn visit(&self) -> Visit {
        let mut v = realistic_visit(child_id(self.child), self.kind, self.start, self.minutes);
        v.status = self.status;
        v.guardian = Some(if self.confirmed {
            GuardianConfirmation::Confirmed {
                name: "見本 保護者".into(),
                at: add_minutes(self.start, self.minutes),
                signature: String::new(),
            }
        } else {
            GuardianConfirmation::NotConfirmed { reason: "不在のため後日確認（架空）".into() }
        });
        v
    }
}

/// Respite sessions child `i` has in month `m` of FY2026 (0 = April): 2, 3 or 4.
pub fn claim_respite_sessions(i: usize, m: usize) -> usize {
    2 + (splitmix((i * 16 + m) as u64) % 3) as usize
}

/// The claim store's visits: for every child, each month from April to November 2026 (FY2026
/// up to the claim month), [`claim_respite_sessions`] respite sessions (one a week, 2–4 h from
/// 9:00 or 13:00) and [`CLAIM_NURSING_PER_MONTH`] nursing visits (one a week, three days after
/// a respite day, 60 or 90 min from 10:00). Everything before November is approved and
/// confirmed by the guardian; in November about 1 session in 20 is still only submitted and
/// about 1 in 20 has no guardian confirmation (the claim lists those as unclaimed).
pub fn claim_plan() -> Vec<PlannedVisit> {
    let claim = claim_month();
    let mut plan = Vec::new();
    for i in 0..CHILDREN {
        for (m, month) in (4..=claim.month).enumerate() {
            let on = |day: usize, hour: u8| {
                DateTime::new(Date::new(2026, month, day as u8).expect("a day of the month"), TimeOfDay::new(hour, 0).expect("a time"))
            };
            for s in 0..claim_respite_sessions(i, m) {
                let h = splitmix((((i * 16 + m) * 8 + s) as u64) ^ 0x5eed_c1a1);
                let in_claim = month == claim.month;
                plan.push(PlannedVisit {
                    child: i,
                    kind: VisitKind::Respite,
                    // days 2–27: one week apart, shifted by child so not all fall on one day
                    start: on(2 + 7 * s + i % 5, [9, 13][(h % 2) as usize]),
                    minutes: [120, 150, 180, 240][((h >> 8) % 4) as usize],
                    status: if in_claim && (h >> 16).is_multiple_of(20) { VisitStatus::Submitted } else { VisitStatus::Approved },
                    confirmed: !(in_claim && (h >> 24) % 20 == 1),
                });
            }
            for w in 0..CLAIM_NURSING_PER_MONTH {
                let h = splitmix((((i * 16 + m) * 8 + w) as u64) ^ 0x0b5e_55ed);
                plan.push(PlannedVisit {
                    child: i,
                    kind: VisitKind::Nursing,
                    // days 5–30: three days after a respite day of the same week, never the same day
                    start: on(5 + 7 * w + i % 5, 10),
                    minutes: [60, 90][(h % 2) as usize],
                    status: VisitStatus::Approved,
                    confirmed: true,
                });
            }
        }
    }
    plan
}

/// The cached claim store: [`CHILDREN`] children of [`claim_child`], all in
/// [`CLAIM_MUNICIPALITY`], with the visits of [`claim_plan`] (about 11,000), seeded first if it
/// is not there yet. Copy it ([`copy_store`]) before opening it.
pub fn claim_store() -> Result<PathBuf, CoreError> {
    let plan = claim_plan();
    let n = plan.len();
    cached_store(&format!("claim-v{CLAIM_SEED_VERSION}-{}", migrations_key()), &format!("the claim store ({n} visits)"), |dir| {
        runtime().block_on(seed_with(dir, (0..CHILDREN).map(claim_child), n, move |k| plan[k].visit()))
    })
}

/// The workspace's target directory (the nearest ancestor of this executable holding
/// `CACHEDIR.TAG`), or `CAREBOOK_BENCH_CACHE` if set.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("CAREBOOK_BENCH_CACHE") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let target = exe.ancestors().find(|d| d.join("CACHEDIR.TAG").exists()).map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    target.join("carebook-bench")
}

/// A key for the device migrations, so a cached store is rebuilt when the schema changes.
fn migrations_key() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/device");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| format!("{}:{}", e.file_name().to_string_lossy(), e.metadata().map(|m| m.len()).unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for b in names.join(",").bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The cached store of `n` seeded visits, seeding it first if it is not there yet. The
/// directory holds a closed `carebook.sqlite`; copy it (see [`copy_store`]) before changing it.
pub fn seeded_store(n: usize) -> Result<PathBuf, CoreError> {
    cached_store(&format!("seed-v{SEED_VERSION}-{}-{n}", migrations_key()), &format!("{n} visits over {CHILDREN} children"), |dir| {
        runtime().block_on(seed(dir, n))
    })
}

/// The cached store `name` under [`cache_root`], made by `make` in a fresh directory the first
/// time (then renamed into place, so a half-made store is never used).
fn cached_store(name: &str, what: &str, make: impl FnOnce(&Path) -> Result<(), CoreError>) -> Result<PathBuf, CoreError> {
    let root = cache_root();
    let dir = root.join(name);
    if dir.join(carebook_core::store::DB_FILE).exists() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&root)?;
    let work = tempfile::Builder::new().prefix("seeding-").tempdir_in(&root)?;
    let started = Instant::now();
    eprintln!("carebook-bench: seeding {what} in {} (cached for later runs)", dir.display());
    make(work.path())?;
    eprintln!("carebook-bench: seeded {what} in {:.1} s", started.elapsed().as_secs_f64());
    if dir.join(carebook_core::store::DB_FILE).exists() {
        return Ok(dir); // another run seeded it meanwhile; ours is dropped with `work`
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(work.keep(), &dir)?;
    Ok(dir)
}

/// Seeds a new store in `dir` with [`CHILDREN`] children and `n` visits ([`seeded_visit`]).
/// Documents are created on worker threads; one writer saves them one transaction each through
/// `Store::save`.
pub async fn seed(dir: &Path, n: usize) -> Result<(), CoreError> {
    seed_with(dir, (0..CHILDREN).map(bench_child), n, move |k| seeded_visit(k, n)).await
}

/// Seeds a new store in `dir` with `children` (through `Carebook::add_child`) and the `n` visits
/// `visit(0..n)`, built on worker threads and saved by one writer, one transaction each
/// (`Store::save`).
async fn seed_with(
    dir: &Path,
    children: impl Iterator<Item = Child>,
    n: usize,
    visit: impl Fn(usize) -> Visit + Send + Sync + 'static,
) -> Result<(), CoreError> {
    let app = Carebook::open_unencrypted(dir).await?;
    for child in children {
        app.add_child(child).await?;
    }
    let actor = app.store().actor().clone();
    let workers = std::thread::available_parallelism().map_or(1, |p| p.get()).max(1);
    let visit = std::sync::Arc::new(visit);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<RecordDoc<Visit>>(512);
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let (tx, actor, visit) = (tx.clone(), actor.clone(), visit.clone());
            std::thread::spawn(move || {
                for k in (w..n).step_by(workers) {
                    let doc = RecordDoc::create(visit(k), actor.clone());
                    if tx.blocking_send(doc).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let mut saved = 0usize;
    while let Some(mut doc) = rx.recv().await {
        app.store().save(&mut doc).await?;
        saved += 1;
        if saved.is_multiple_of(20_000) {
            eprintln!("carebook-bench:   {saved}/{n}");
        }
    }
    for h in handles {
        h.join().map_err(|_| CoreError::step(carebook_domain::Message::new("試験データの作成", "seeding"), "a seeding thread panicked"))?;
    }
    app.store().clone().close().await;
    Ok(())
}

/// Copies a (closed) store directory into a new temporary directory.
pub fn copy_store(from: &Path) -> Result<tempfile::TempDir, CoreError> {
    let to = tempfile::Builder::new().prefix("carebook-bench-").tempdir()?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), to.path().join(entry.file_name()))?;
        }
    }
    Ok(to)
}

/// Runs a scalar query returning a number on the store (for reports, not benchmarks).
pub async fn scalar_f64(store: &carebook_core::Store, sql: &'static str) -> Result<f64, CoreError> {
    let v: Option<f64> = sqlx::query_scalar(sql).fetch_one(store.pool()).await?;
    Ok(v.unwrap_or(0.0))
}

pub mod chunk {
    //! Reads the layout of a saved automerge document (the binary format's document chunk) to
    //! tell where its bytes go: actors, heads, and each change and operation column, compressed
    //! size as stored.

    fn uleb(b: &[u8], i: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let byte = *b.get(*i)?;
            *i += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    }

    fn change_column(spec: u64) -> &'static str {
        match spec & !0x08 {
            0x01 => "change actor",
            0x03 => "change seq",
            0x13 => "change max op",
            0x23 => "change time",
            0x35 => "change message",
            0x40 => "change deps count",
            0x43 => "change deps index",
            0x56 => "change extra meta",
            0x57 => "change extra raw",
            _ => "change (other)",
        }
    }

    fn op_column(spec: u64) -> &'static str {
        match spec & !0x08 {
            0x01 => "op object actor",
            0x02 => "op object counter",
            0x11 => "op key actor",
            0x13 => "op key counter",
            0x15 => "op key (map keys, strings)",
            0x21 => "op id actor",
            0x23 => "op id counter",
            0x34 => "op insert flag",
            0x42 => "op action",
            0x56 => "op value meta (type, length)",
            0x57 => "op value raw (strings, numbers)",
            0x80 => "op successor count",
            0x81 => "op successor actor",
            0x83 => "op successor counter",
            _ => "op (other: marks, expand)",
        }
    }

    fn cols(b: &[u8], i: &mut usize) -> Option<Vec<(u64, usize)>> {
        let n = uleb(b, i)?;
        (0..n).map(|_| Some((uleb(b, i)?, uleb(b, i)? as usize))).collect()
    }

    /// One line per part of the document: size in bytes and what it holds. Empty if the bytes
    /// are not a document chunk.
    pub fn describe(b: &[u8]) -> Vec<String> {
        parse(b).unwrap_or_else(|| vec!["(not a document chunk)".into()])
    }

    fn parse(b: &[u8]) -> Option<Vec<String>> {
        let mut out = Vec::new();
        if b.get(..4)? != [0x85, 0x6f, 0x4a, 0x83] || *b.get(8)? != 0 {
            return None;
        }
        let mut i = 9;
        let len = uleb(b, &mut i)? as usize;
        out.push(format!("{:>5}  header (magic, checksum, type, length)", i));
        let body_start = i;
        let n_actors = uleb(b, &mut i)?;
        for _ in 0..n_actors {
            let l = uleb(b, &mut i)? as usize;
            i += l;
        }
        let n_heads = uleb(b, &mut i)? as usize;
        i += 32 * n_heads;
        out.push(format!("{:>5}  actors ({n_actors}) and heads ({n_heads} × 32-byte hash)", i - body_start));
        let meta_start = i;
        let change_cols = cols(b, &mut i)?;
        let op_cols = cols(b, &mut i)?;
        out.push(format!("{:>5}  column directory ({} change + {} op columns)", i - meta_start, change_cols.len(), op_cols.len()));
        let mut parts: Vec<(usize, String)> = Vec::new();
        for (spec, l) in &change_cols {
            parts.push((*l, format!("{}{}", change_column(*spec), if spec & 0x08 != 0 { " [deflated]" } else { "" })));
        }
        for (spec, l) in &op_cols {
            parts.push((*l, format!("{}{}", op_column(*spec), if spec & 0x08 != 0 { " [deflated]" } else { "" })));
        }
        let data: usize = parts.iter().map(|p| p.0).sum();
        parts.sort_by_key(|p| std::cmp::Reverse(p.0));
        for (l, name) in parts {
            if l > 0 {
                out.push(format!("{l:>5}  {name}"));
            }
        }
        let rest = (body_start + len).saturating_sub(i + data);
        out.push(format!("{rest:>5}  head indexes / trailing"));
        if b.len() > body_start + len {
            out.push(format!("{:>5}  further chunks", b.len() - body_start - len));
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The claim store's plan is what its benches say it is: every child 2–4 respite sessions in
    /// the claim month, four nursing visits a month, nothing after the claim month, and no two
    /// visits of one child overlapping (a real schedule).
    #[test]
    fn the_claim_plan_is_a_real_schedule() {
        let plan = claim_plan();
        let month = claim_month();
        for i in 0..CHILDREN {
            let mut mine: Vec<&PlannedVisit> = plan.iter().filter(|p| p.child == i).collect();
            let in_month = mine.iter().filter(|p| p.kind == VisitKind::Respite && p.start.date.year_month() == month).count();
            assert!((2..=4).contains(&in_month), "child {i}: {in_month} sessions in the claim month");
            let nursing = mine.iter().filter(|p| p.kind == VisitKind::Nursing).count();
            assert_eq!(nursing, 8 * CLAIM_NURSING_PER_MONTH, "child {i}: weekly nursing, April to November");
            assert!(mine.iter().all(|p| p.start.date >= BENCH_FY.first_day() && p.start.date <= month.last_day()));
            mine.sort_by_key(|p| p.start);
            for w in mine.windows(2) {
                assert!(add_minutes(w[0].start, w[0].minutes) <= w[1].start, "child {i}: {:?} overlaps {:?}", w[0], w[1]);
            }
        }
        // Some sessions of the month are left for the claim to refuse, and not many.
        let in_month: Vec<_> = plan.iter().filter(|p| p.kind == VisitKind::Respite && p.start.date.year_month() == month).collect();
        let open = in_month.iter().filter(|p| p.status != VisitStatus::Approved || !p.confirmed).count();
        assert!(open > 0 && open * 5 < in_month.len(), "{open} of {} not claimable", in_month.len());
    }
}
